/* srp-congestion.h: NewReno congestion control in bytes (RFC 5681, RFC
 * 6582, as RFC 9002 applies it to packet numbers), and the pacing that
 * spreads a window over a round trip.
 *
 * One lives in every link's stream state: all streams to a peer share
 * what the path between the two can carry.
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

typedef struct {
  gsize window;
  gsize ssthresh;         /* G_MAXSIZE until the first loss */
  gsize acked_in_avoidance; /* bytes acknowledged towards the next MSS of growth */
  gint64 recovery_start;  /* frames sent before this do not reduce the window again */
  gsize max_window;
  guint64 loss_events, timeouts;
} SrpCongestion;

void srp_congestion_init (SrpCongestion *cc, gsize max_window);
/* bytes of a frame sent at sent_at were acknowledged; limited: the sender
 * had filled the window lately (an application that sends little does not
 * grow it). */
void srp_congestion_on_ack (SrpCongestion *cc, gsize bytes, gint64 sent_at, gboolean limited);
/* A frame sent at sent_at was lost: halve once per round of losses. */
void srp_congestion_on_loss (SrpCongestion *cc, gint64 now, gint64 sent_at);
/* The retransmission timeout fired: back to the minimum window. */
void srp_congestion_on_timeout (SrpCongestion *cc, gint64 now);
/* How long a frame of bytes occupies the pacer: the window spread over the
 * smoothed RTT, twice as fast in slow start (to keep its doubling) and 5/4
 * as fast after (to fill the window in spite of timer lateness). */
gint64 srp_congestion_pacing_interval (const SrpCongestion *cc, gsize bytes, gint64 srtt_us);

G_END_DECLS
