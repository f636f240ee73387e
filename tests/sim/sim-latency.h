/* sim-latency.h: where hosts are and how long a datagram takes between them.
 *
 * A host has a place on the globe, drawn around one of a few population
 * regions, and an access latency (its last mile: Wi-Fi, DSL, cable, mobile),
 * drawn from a log-normal spread. A datagram's one-way latency is both
 * ends' access latencies, plus the great-circle distance at the speed of
 * light in fibre (200 km/ms) with routes 1.5 times longer than the circle,
 * plus jitter: exponential, with a mean of 1 ms and a tenth of the rest, so
 * that datagrams sent close together can arrive in another order.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "srp-rng.h"

G_BEGIN_DECLS

typedef struct {
  float x, y, z;     /* a unit vector from the centre of the Earth */
  guint32 access_us; /* one way */
} SimPlace;

/* A home, office or phone somewhere; a data centre has 0.3 ms access. */
void sim_place_draw (SimPlace *place, SrpRng *rng, gboolean datacenter);

typedef struct {
  gint64 fixed_us; /* > 0: every path has this one-way latency and no jitter */
} SimLatency;

/* One way, without jitter. */
gint64 sim_latency_base (const SimLatency *latency, const SimPlace *from, const SimPlace *to);
/* The jitter to add to a datagram on a path of base latency. */
gint64 sim_latency_jitter (const SimLatency *latency, gint64 base_us, SrpRng *rng);

G_END_DECLS
