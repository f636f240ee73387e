/* sim-latency.c: places, and latency from distance.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sim-latency.h"

#include <math.h>

#define EARTH_KM 6371.0
#define FIBRE_KM_PER_MS 200.0
#define ROUTE_STRETCH 1.5
/* Where people are, roughly: centre (degrees) and share of the hosts. */
static const struct {
  double lat, lon, share;
} regions[] = {
  { 40.0, -80.0, 0.16 },  /* North America, east */
  { 37.0, -120.0, 0.08 }, /* North America, west */
  { 50.0, 10.0, 0.26 },   /* Europe */
  { 33.0, 118.0, 0.24 },  /* East Asia */
  { 22.0, 78.0, 0.12 },   /* South Asia */
  { -20.0, -50.0, 0.08 }, /* South America */
  { 0.0, 25.0, 0.03 },    /* Africa */
  { -33.0, 148.0, 0.03 }, /* Oceania */
};
#define SPREAD_DEG 7.0 /* one standard deviation around a centre */
#define ACCESS_MEDIAN_US 6000.0
#define ACCESS_SIGMA 0.8 /* log-normal: 90 % of hosts within 1.3-17 ms */
#define ACCESS_MIN_US 500
#define ACCESS_MAX_US 80000
#define DATACENTER_ACCESS_US 300
#define JITTER_BASE_US 1000.0
#define JITTER_SHARE 0.1

static double
normal (SrpRng *rng)
{
  /* Box-Muller; 1 - u keeps the logarithm finite. */
  double u = 1.0 - srp_rng_double (rng), v = srp_rng_double (rng);
  return sqrt (-2.0 * log (u)) * cos (2.0 * G_PI * v);
}

void
sim_place_draw (SimPlace *place, SrpRng *rng, gboolean datacenter)
{
  double pick = srp_rng_double (rng), lat, lon;
  guint r = 0;

  while (r + 1 < G_N_ELEMENTS (regions) && pick >= regions[r].share)
    pick -= regions[r++].share;
  lat = CLAMP (regions[r].lat + SPREAD_DEG * normal (rng), -89.0, 89.0) * G_PI / 180.0;
  lon = (regions[r].lon + SPREAD_DEG * normal (rng)) * G_PI / 180.0;
  place->x = (float) (cos (lat) * cos (lon));
  place->y = (float) (cos (lat) * sin (lon));
  place->z = (float) sin (lat);
  if (datacenter)
    place->access_us = DATACENTER_ACCESS_US;
  else
    place->access_us = (guint32) CLAMP (ACCESS_MEDIAN_US * exp (ACCESS_SIGMA * normal (rng)),
                                        ACCESS_MIN_US, ACCESS_MAX_US);
}

gint64
sim_latency_base (const SimLatency *latency, const SimPlace *from, const SimPlace *to)
{
  double dot, km;

  if (latency->fixed_us > 0)
    return latency->fixed_us;
  dot = (double) from->x * to->x + (double) from->y * to->y + (double) from->z * to->z;
  km = EARTH_KM * acos (CLAMP (dot, -1.0, 1.0));
  return (gint64) from->access_us + to->access_us +
         (gint64) (km / FIBRE_KM_PER_MS * ROUTE_STRETCH * 1000.0);
}

gint64
sim_latency_jitter (const SimLatency *latency, gint64 base_us, SrpRng *rng)
{
  double mean = JITTER_BASE_US + JITTER_SHARE * (double) base_us;

  if (latency->fixed_us > 0)
    return 0;
  return (gint64) (-mean * log (1.0 - srp_rng_double (rng)));
}
