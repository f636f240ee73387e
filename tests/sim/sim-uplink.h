/* sim-uplink.h: a host's upstream link: a rate and a drop-tail queue.
 *
 * Home uplinks are drawn log-uniformly from 2 to 100 Mbit/s, data centres
 * have 1 Gbit/s. The queue holds 200 ms at the link's rate (home routers
 * buffer generously), at least 16 KiB; a datagram that does not fit is
 * dropped. Each datagram costs its length plus 28 bytes of IPv4 and UDP
 * headers. The downlink is not modelled.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "srp-rng.h"

G_BEGIN_DECLS

typedef struct {
  guint32 rate_kbit; /* kbit/s */
  guint32 queue_bytes;
  gint64 busy_until; /* when the last queued datagram has left */
} SimUplink;

#define SIM_UPLINK_OVERHEAD 28

void sim_uplink_draw (SimUplink *uplink, SrpRng *rng, gboolean datacenter);
/* When a datagram of len bytes handed over at now has left the host, or -1
 * when the queue is full. */
gint64 sim_uplink_send (SimUplink *uplink, gint64 now, gsize len);

G_END_DECLS
