/* srp-congestion.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-congestion.h"

void
srp_congestion_init (SrpCongestion *cc, gsize max_window)
{
  cc->window = SRP_CONGESTION_INITIAL_WINDOW;
  cc->ssthresh = G_MAXSIZE;
  cc->acked_in_avoidance = 0;
  cc->recovery_start = G_MININT64;
  cc->max_window = MAX (max_window, SRP_CONGESTION_INITIAL_WINDOW);
  cc->loss_events = 0;
  cc->timeouts = 0;
}

void
srp_congestion_on_ack (SrpCongestion *cc, gsize bytes, gint64 sent_at, gboolean limited)
{
  /* Frames sent before the last reduction were sent into the old window:
   * their ACKs say nothing about the new one. */
  if (sent_at <= cc->recovery_start || !limited)
    return;
  if (cc->window < cc->ssthresh)
    cc->window += bytes;
  else
    {
      /* Congestion avoidance: one MSS more per window acknowledged. */
      cc->acked_in_avoidance += bytes;
      if (cc->acked_in_avoidance >= cc->window)
        {
          cc->acked_in_avoidance -= cc->window;
          cc->window += SRP_CONGESTION_MSS;
        }
    }
  cc->window = MIN (cc->window, cc->max_window);
}

void
srp_congestion_on_loss (SrpCongestion *cc, gint64 now, gint64 sent_at)
{
  if (sent_at <= cc->recovery_start)
    return;
  cc->loss_events++;
  cc->recovery_start = now;
  cc->window = MAX (cc->window / 2, SRP_CONGESTION_MIN_WINDOW);
  cc->ssthresh = cc->window;
  cc->acked_in_avoidance = 0;
}

void
srp_congestion_on_timeout (SrpCongestion *cc, gint64 now)
{
  cc->timeouts++;
  cc->ssthresh = MAX (cc->window / 2, SRP_CONGESTION_MIN_WINDOW);
  cc->window = SRP_CONGESTION_MIN_WINDOW;
  cc->recovery_start = now;
  cc->acked_in_avoidance = 0;
}

gint64
srp_congestion_pacing_interval (const SrpCongestion *cc, gsize bytes, gint64 srtt_us)
{
  /* interval = bytes * srtt / (window * gain), gain 2 or 5/4. */
  guint64 num = (guint64) bytes * (guint64) MAX (srtt_us, 1);
  guint64 den = cc->window < cc->ssthresh ? 2 * (guint64) cc->window : 5 * (guint64) cc->window / 4;

  return (gint64) (num / MAX (den, 1));
}
