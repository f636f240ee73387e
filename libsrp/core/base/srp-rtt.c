/* srp-rtt.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-rtt.h"

/* The clock granularity G of RFC 6298: the core's time is in microseconds,
 * but hosts wake up on a millisecond scale. */
#define GRANULARITY_US 1000

void
srp_rtt_init (SrpRtt *rtt)
{
  rtt->smoothed_us = -1;
  rtt->variation_us = 0;
  rtt->min_us = -1;
  rtt->latest_us = -1;
  rtt->samples = 0;
}

gboolean
srp_rtt_has_sample (const SrpRtt *rtt)
{
  return rtt->samples > 0;
}

void
srp_rtt_sample (SrpRtt *rtt, gint64 sample_us)
{
  sample_us = MAX (sample_us, 0);
  rtt->latest_us = sample_us;
  rtt->samples++;
  if (rtt->min_us < 0 || sample_us < rtt->min_us)
    rtt->min_us = sample_us;
  if (rtt->smoothed_us < 0)
    {
      rtt->smoothed_us = sample_us;
      rtt->variation_us = sample_us / 2;
      return;
    }
  /* RTTVAR first, from the old SRTT, as RFC 6298 2.3 orders it. */
  rtt->variation_us = (3 * rtt->variation_us + ABS (rtt->smoothed_us - sample_us)) / 4;
  rtt->smoothed_us = (7 * rtt->smoothed_us + sample_us) / 8;
}

gint64
srp_rtt_timeout (const SrpRtt *rtt, gint64 initial_us, gint64 min_us, gint64 max_us)
{
  gint64 rto;

  if (rtt->smoothed_us < 0)
    return CLAMP (initial_us, min_us, max_us);
  rto = rtt->smoothed_us + MAX (GRANULARITY_US, 4 * rtt->variation_us);
  return CLAMP (rto, min_us, max_us);
}
