/* sim-uplink.c: serialisation and drop-tail queueing.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sim-uplink.h"

#include <math.h>

#define HOME_MIN_KBIT 2000.0
#define HOME_MAX_KBIT 100000.0
#define DATACENTER_KBIT 1000000
#define QUEUE_MS 200
#define QUEUE_MIN_BYTES (16 * 1024)

void
sim_uplink_draw (SimUplink *uplink, SrpRng *rng, gboolean datacenter)
{
  double kbit = datacenter
                    ? DATACENTER_KBIT
                    : HOME_MIN_KBIT * pow (HOME_MAX_KBIT / HOME_MIN_KBIT, srp_rng_double (rng));

  uplink->rate_kbit = (guint32) kbit;
  /* kbit/s x ms / 8 = bytes. */
  uplink->queue_bytes = MAX ((guint32) (kbit * QUEUE_MS / 8), QUEUE_MIN_BYTES);
  uplink->busy_until = 0;
}

gint64
sim_uplink_send (SimUplink *uplink, gint64 now, gsize len)
{
  gint64 start = MAX (now, uplink->busy_until);
  /* Bytes still queued ahead of this datagram: the backlog's time at the rate. */
  gint64 backlog = (start - now) * uplink->rate_kbit / 8000;
  gint64 bits = (gint64) (len + SIM_UPLINK_OVERHEAD) * 8;

  if (backlog + (gint64) len + SIM_UPLINK_OVERHEAD > uplink->queue_bytes)
    return -1;
  /* bits / (kbit/s) = ms; x 1000 for microseconds, rounded up. */
  uplink->busy_until = start + (bits * 1000 + uplink->rate_kbit - 1) / uplink->rate_kbit;
  return uplink->busy_until;
}
