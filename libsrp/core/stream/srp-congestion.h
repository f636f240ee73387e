/* srp-congestion.h: CUBIC congestion control in bytes (RFC 9438, with its
 * Reno-friendly region and fast convergence; losses and timeouts as RFC
 * 9002 applies them to packet numbers), slow start ended by HyStart++
 * (RFC 9406) when the round trip grows, and the pacing that spreads a
 * window over a round trip.
 *
 * One lives in every link's stream state: all streams to a peer share
 * what the path between the two can carry. All arithmetic is in integers
 * (bytes, microseconds, an integer cube root): same inputs, same window,
 * on every machine.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The datagram size the window counts in (the largest stream frame). */
#define SRP_CONGESTION_MSS 1232
#define SRP_CONGESTION_INITIAL_WINDOW (10 * SRP_CONGESTION_MSS)
#define SRP_CONGESTION_MIN_WINDOW (2 * SRP_CONGESTION_MSS)
/* RFC 9438's constants: the window falls to BETA (7/10) of itself at a
 * loss, and the cubic grows by C (4/10) MSS per second cubed. */
#define SRP_CONGESTION_BETA_NUM 7
#define SRP_CONGESTION_BETA_DEN 10

typedef struct {
  gsize window;
  gsize ssthresh;         /* G_MAXSIZE until the first loss */
  gint64 recovery_start;  /* frames sent before this do not reduce the window again */
  gsize max_window;
  /* CUBIC's congestion-avoidance epoch (RFC 9438 section 4). */
  gsize w_max;            /* the window before the last reduction */
  gint64 epoch_start;     /* G_MININT64: no epoch yet (next ACK in avoidance starts one) */
  gint64 k_us;            /* when the cubic reaches w_max again, from epoch_start */
  gint64 last_ack;        /* when the last ACK counted (an idle sender's epoch waits) */
  gsize w_est;            /* the Reno-friendly estimate */
  guint64 cubic_credit;   /* bytes x bytes acknowledged towards the next byte of growth */
  guint64 est_credit;     /* the same for w_est */
  /* HyStart++ (RFC 9406): rounds of slow start, each begun when an ACK
   * came for a frame sent after the previous one began. */
  gint64 round_start;
  gint64 last_round_min_rtt;    /* G_MAXINT64: none yet */
  gint64 round_min_rtt;
  guint round_samples;
  gboolean in_css;              /* Conservative Slow Start: a quarter of the growth */
  gint64 css_baseline_min_rtt;
  guint css_rounds;
  guint64 loss_events, timeouts;
  guint64 hystart_exits;        /* slow starts HyStart++ ended before any loss */
  /* The state before the last loss event's reduction, while it may still
   * prove spurious (srp_congestion_undo). */
  gboolean can_undo;
  struct {
    gsize window, ssthresh, w_max, w_est;
    gint64 recovery_start, epoch_start, k_us;
    guint64 cubic_credit, est_credit;
    gboolean in_css;
  } before_loss;
  guint64 undos;
} SrpCongestion;

void srp_congestion_init (SrpCongestion *cc, gsize max_window);
/* bytes of a frame sent at sent_at were acknowledged at now; limited: the
 * sender had filled the window lately (an application that sends little
 * does not grow it); srtt_us the link's smoothed RTT (0 before a sample). */
void srp_congestion_on_ack (SrpCongestion *cc, gint64 now, gsize bytes, gint64 sent_at,
                            gboolean limited, gint64 srtt_us);
/* An RTT sample (rtt_us, ACK delay taken off) from the ACK of a frame sent
 * at sent_at: in slow start, HyStart++ watches the rounds' minimum RTTs
 * and goes to Conservative Slow Start when it grows by an eighth (4-16
 * ms), back to slow start if it falls again, and out of slow start after
 * 5 conservative rounds. Call it before the ACK's srp_congestion_on_ack. */
void srp_congestion_on_rtt (SrpCongestion *cc, gint64 now, gint64 rtt_us, gint64 sent_at);
/* A frame sent at sent_at was lost: reduce once per round of losses.
 * TRUE when this began a new loss event (the window was reduced). */
gboolean srp_congestion_on_loss (SrpCongestion *cc, gint64 now, gint64 sent_at);
/* Every frame the last loss event declared lost was acknowledged after
 * all (reordering, not loss): the window goes back to what it was before
 * the event, as if it never happened. Once per event, never after a
 * timeout; TRUE when it undid. */
gboolean srp_congestion_undo (SrpCongestion *cc);
/* The retransmission timeout fired: back to the minimum window. */
void srp_congestion_on_timeout (SrpCongestion *cc, gint64 now);
/* How long a frame of bytes occupies the pacer: the window spread over the
 * smoothed RTT, twice as fast in slow start (to keep its doubling) and 5/4
 * as fast after (to fill the window in spite of timer lateness). */
gint64 srp_congestion_pacing_interval (const SrpCongestion *cc, gsize bytes, gint64 srtt_us);
/* W_cubic (t) of RFC 9438 in bytes, t microseconds after the epoch began
 * (exposed for the tests, which check the window follows it). */
gsize srp_congestion_cubic_window (const SrpCongestion *cc, gint64 t_us);

G_END_DECLS
