/* srp-rtt.h: a round-trip time estimator after RFC 6298: the smoothed RTT
 * (gain 1/8), its variation (gain 1/4), the minimum seen, and the
 * retransmission timeout they give. One lives in every link.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  gint64 smoothed_us;  /* -1 until the first sample */
  gint64 variation_us;
  gint64 min_us;       /* -1 until the first sample */
  gint64 latest_us;
  guint64 samples;
} SrpRtt;

void srp_rtt_init (SrpRtt *rtt);
void srp_rtt_sample (SrpRtt *rtt, gint64 sample_us);
gboolean srp_rtt_has_sample (const SrpRtt *rtt);
/* RFC 6298's RTO = SRTT + max (G, 4 RTTVAR), kept within [min_us, max_us];
 * initial_us before any sample. */
gint64 srp_rtt_timeout (const SrpRtt *rtt, gint64 initial_us, gint64 min_us, gint64 max_us);

G_END_DECLS
