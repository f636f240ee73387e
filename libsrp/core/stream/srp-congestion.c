/* srp-congestion.c: CUBIC (RFC 9438) in integers.
 *
 * Why CUBIC rather than NewReno: the kernel's TCP is CUBIC, and a stream
 * must share a path with it fairly. NewReno grows one MSS per round trip
 * and halves at a loss; against CUBIC on a path whose window is more than
 * a few dozen frames it loses ground every epoch. CUBIC's growth depends
 * on the time since the last reduction, not on the RTT, and its
 * Reno-friendly estimate keeps it at least as fast as Reno where windows
 * are small (random loss, short paths), so it neither starves TCP nor is
 * starved by it.
 *
 * Why HyStart++ (RFC 9406): slow start doubles the window each round trip
 * until a loss, so it ends by overflowing the bottleneck's queue by up to
 * a whole window, losing a burst of frames (ours and, on a shared path,
 * TCP's). A round trip that grows while the window grows says the queue
 * is filling: growth slows to a quarter (Conservative Slow Start) and, if
 * the RTT stays up for 5 rounds, slow start ends without a loss. The
 * kernel's TCP does the same (HyStart).
 *
 * Units: windows in bytes, time in microseconds; the cubic term is
 * evaluated in milliseconds cubed so that it fits 64 bits for offsets up
 * to SPAN_MAX_MS from K.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-congestion.h"

/* RFC 9406's constants. */
#define HS_MIN_RTT_SAMPLES 8
#define HS_MIN_RTT_THRESH_US (4 * G_TIME_SPAN_MILLISECOND)
#define HS_MAX_RTT_THRESH_US (16 * G_TIME_SPAN_MILLISECOND)
#define HS_MIN_RTT_DIVISOR 8
#define HS_CSS_GROWTH_DIVISOR 4
#define HS_CSS_ROUNDS 5

/* |t - K| beyond this (100 s) is clamped: the window is at its maximum
 * long before, and the cube of 1e5 ms times the MSS still fits 64 bits. */
#define SPAN_MAX_MS G_GINT64_CONSTANT (100000)

/* floor (cbrt (x)) for 64-bit x, bit by bit (no floating point). */
static guint64
icbrt (guint64 x)
{
  guint64 y = 0;

  for (gint s = 63; s >= 0; s -= 3)
    {
      guint64 b;

      y <<= 1;
      b = 3 * y * (y + 1) + 1;
      if ((x >> s) >= b)
        {
          x -= b << s;
          y++;
        }
    }
  return y;
}

void
srp_congestion_init (SrpCongestion *cc, gsize max_window)
{
  cc->window = SRP_CONGESTION_INITIAL_WINDOW;
  cc->ssthresh = G_MAXSIZE;
  cc->recovery_start = G_MININT64;
  cc->max_window = MAX (max_window, SRP_CONGESTION_INITIAL_WINDOW);
  cc->w_max = 0;
  cc->epoch_start = G_MININT64;
  cc->k_us = 0;
  cc->last_ack = G_MININT64;
  cc->w_est = 0;
  cc->cubic_credit = 0;
  cc->est_credit = 0;
  cc->loss_events = 0;
  cc->timeouts = 0;
  cc->hystart_exits = 0;
  cc->can_undo = FALSE;
  cc->undos = 0;
  cc->round_start = G_MININT64;
  cc->last_round_min_rtt = G_MAXINT64;
  cc->round_min_rtt = G_MAXINT64;
  cc->round_samples = 0;
  cc->in_css = FALSE;
  cc->css_baseline_min_rtt = G_MAXINT64;
  cc->css_rounds = 0;
}

void
srp_congestion_on_rtt (SrpCongestion *cc, gint64 now, gint64 rtt_us, gint64 sent_at)
{
  if (cc->window >= cc->ssthresh || rtt_us < 0)
    return;
  /* A frame sent after this round began came back: the round is over. */
  if (sent_at > cc->round_start)
    {
      cc->last_round_min_rtt = cc->round_min_rtt;
      cc->round_min_rtt = G_MAXINT64;
      cc->round_samples = 0;
      cc->round_start = now;
      if (cc->in_css && ++cc->css_rounds >= HS_CSS_ROUNDS)
        {
          /* The queue stayed up: slow start is over, here. */
          cc->in_css = FALSE;
          cc->ssthresh = cc->window;
          cc->hystart_exits++;
          return;
        }
    }
  cc->round_min_rtt = MIN (cc->round_min_rtt, rtt_us);
  cc->round_samples++;
  if (cc->round_samples < HS_MIN_RTT_SAMPLES)
    return;
  if (!cc->in_css && cc->last_round_min_rtt != G_MAXINT64)
    {
      gint64 thresh = CLAMP (cc->last_round_min_rtt / HS_MIN_RTT_DIVISOR, HS_MIN_RTT_THRESH_US,
                             HS_MAX_RTT_THRESH_US);

      if (cc->round_min_rtt >= cc->last_round_min_rtt + thresh)
        {
          cc->in_css = TRUE;
          cc->css_rounds = 0;
          cc->css_baseline_min_rtt = cc->round_min_rtt;
        }
    }
  else if (cc->in_css && cc->round_min_rtt < cc->css_baseline_min_rtt)
    cc->in_css = FALSE; /* the RTT fell back: the rise was noise */
}

gsize
srp_congestion_cubic_window (const SrpCongestion *cc, gint64 t_us)
{
  gint64 d_ms = (t_us - cc->k_us) / 1000;
  guint64 span = (guint64) MIN (ABS (d_ms), SPAN_MAX_MS);
  /* C * MSS * (d / 1000)^3 with C = 4/10, d in milliseconds. */
  guint64 delta = span * span * span * SRP_CONGESTION_MSS / G_GUINT64_CONSTANT (2500000000);

  if (d_ms >= 0)
    return (gsize) MIN ((guint64) cc->w_max + delta, (guint64) G_MAXSIZE / 2);
  return delta >= cc->w_max ? 0 : cc->w_max - (gsize) delta;
}

/* The first ACK in congestion avoidance after a reduction starts an epoch:
 * K is when the cubic climbs from the window back to w_max (RFC 9438
 * 4.2: K = cbrt ((W_max - cwnd_epoch) / C)). */
static void
start_epoch (SrpCongestion *cc, gint64 now)
{
  cc->epoch_start = now;
  cc->cubic_credit = 0;
  cc->est_credit = 0;
  cc->w_est = cc->window;
  if (cc->w_max <= cc->window)
    {
      cc->w_max = cc->window;
      cc->k_us = 0;
    }
  else
    {
      /* K in ms = cbrt ((W_max - cwnd) / MSS / C * 1e9). */
      guint64 diff = cc->w_max - cc->window;

      cc->k_us = (gint64) icbrt (diff * G_GUINT64_CONSTANT (2500000000) / SRP_CONGESTION_MSS) * 1000;
    }
}

static void
avoidance (SrpCongestion *cc, gint64 now, gsize bytes, gint64 srtt_us)
{
  gsize target, cubic;
  guint64 grow;

  if (cc->epoch_start == G_MININT64)
    start_epoch (cc, now);
  /* Where the cubic will be one round trip from now, within [window,
   * 1.5 window] (RFC 9438 4.2). */
  cubic = srp_congestion_cubic_window (cc, now - cc->epoch_start + MAX (srtt_us, 0));
  target = CLAMP (cubic, cc->window, cc->window + cc->window / 2);
  cc->cubic_credit += (guint64) (target - cc->window) * bytes;
  grow = cc->cubic_credit / cc->window;
  cc->cubic_credit -= grow * cc->window;

  /* The Reno-friendly estimate (RFC 9438 4.3): alpha = 3 (1 - beta) /
   * (1 + beta) = 9/17 MSS per window acknowledged, then 1 once it has
   * passed the window of the last reduction. */
  if (cc->w_est < cc->w_max)
    cc->est_credit += (guint64) bytes * SRP_CONGESTION_MSS * 9 / 17;
  else
    cc->est_credit += (guint64) bytes * SRP_CONGESTION_MSS;
  cc->w_est += cc->est_credit / cc->window;
  cc->est_credit %= cc->window;

  cc->window += grow;
  if (cubic < cc->w_est && cc->window < cc->w_est)
    cc->window = cc->w_est;
}

void
srp_congestion_on_ack (SrpCongestion *cc, gint64 now, gsize bytes, gint64 sent_at,
                       gboolean limited, gint64 srtt_us)
{
  gint64 last = cc->last_ack;

  cc->last_ack = now;
  /* Frames sent before the last reduction were sent into the old window:
   * their ACKs say nothing about the new one. */
  if (sent_at <= cc->recovery_start)
    return;
  if (!limited)
    {
      /* An application-limited sender does not grow the window, and its
       * epoch does not age meanwhile (RFC 9438 5.8): else the cubic would
       * jump when it writes again. */
      if (cc->epoch_start != G_MININT64 && last != G_MININT64)
        cc->epoch_start += now - last;
      return;
    }
  if (cc->window < cc->ssthresh)
    cc->window += cc->in_css ? MAX (bytes / HS_CSS_GROWTH_DIVISOR, 1) : bytes;
  else
    avoidance (cc, now, bytes, srtt_us);
  cc->window = MIN (cc->window, cc->max_window);
}

/* Both a loss and a timeout end the epoch and remember where it was:
 * with fast convergence (RFC 9438 4.7), a flow reduced before reaching
 * its last maximum leaves room to a newer flow by aiming lower. */
static void
reduce (SrpCongestion *cc, gint64 now)
{
  if (cc->window < cc->w_max)
    cc->w_max = cc->window * (SRP_CONGESTION_BETA_DEN + SRP_CONGESTION_BETA_NUM) /
                (2 * SRP_CONGESTION_BETA_DEN);
  else
    cc->w_max = cc->window;
  cc->ssthresh = MAX (cc->window * SRP_CONGESTION_BETA_NUM / SRP_CONGESTION_BETA_DEN,
                      SRP_CONGESTION_MIN_WINDOW);
  cc->recovery_start = now;
  cc->epoch_start = G_MININT64;
  cc->in_css = FALSE;
}

gboolean
srp_congestion_on_loss (SrpCongestion *cc, gint64 now, gint64 sent_at)
{
  if (sent_at <= cc->recovery_start)
    return FALSE;
  cc->loss_events++;
  cc->before_loss.window = cc->window;
  cc->before_loss.ssthresh = cc->ssthresh;
  cc->before_loss.w_max = cc->w_max;
  cc->before_loss.w_est = cc->w_est;
  cc->before_loss.recovery_start = cc->recovery_start;
  cc->before_loss.epoch_start = cc->epoch_start;
  cc->before_loss.k_us = cc->k_us;
  cc->before_loss.cubic_credit = cc->cubic_credit;
  cc->before_loss.est_credit = cc->est_credit;
  cc->before_loss.in_css = cc->in_css;
  cc->can_undo = TRUE;
  reduce (cc, now);
  cc->window = cc->ssthresh;
  return TRUE;
}

/* As Linux TCP's undo after DSACK, and msquic's spurious congestion event:
 * a path that reorders by more than the loss thresholds would otherwise
 * keep its window at a fraction of what it carries. What was acknowledged
 * meanwhile grew the reduced window; the one restored is at least that. */
gboolean
srp_congestion_undo (SrpCongestion *cc)
{
  if (!cc->can_undo)
    return FALSE;
  cc->can_undo = FALSE;
  cc->window = MAX (cc->window, cc->before_loss.window);
  cc->ssthresh = cc->before_loss.ssthresh;
  cc->w_max = cc->before_loss.w_max;
  cc->w_est = cc->before_loss.w_est;
  cc->recovery_start = cc->before_loss.recovery_start;
  cc->epoch_start = cc->before_loss.epoch_start;
  cc->k_us = cc->before_loss.k_us;
  cc->cubic_credit = cc->before_loss.cubic_credit;
  cc->est_credit = cc->before_loss.est_credit;
  cc->in_css = cc->before_loss.in_css;
  cc->undos++;
  return TRUE;
}

void
srp_congestion_on_timeout (SrpCongestion *cc, gint64 now)
{
  cc->timeouts++;
  cc->can_undo = FALSE;
  reduce (cc, now);
  cc->window = SRP_CONGESTION_MIN_WINDOW;
}

gint64
srp_congestion_pacing_interval (const SrpCongestion *cc, gsize bytes, gint64 srtt_us)
{
  /* interval = bytes * srtt / (window * gain), gain 2 or 5/4. */
  guint64 num = (guint64) bytes * (guint64) MAX (srtt_us, 1);
  guint64 den = cc->window < cc->ssthresh ? 2 * (guint64) cc->window : 5 * (guint64) cc->window / 4;

  return (gint64) (num / MAX (den, 1));
}
