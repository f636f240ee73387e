/* bench-timers.c: what a core's timeout round costs as its deadlines pile
 * up. A round is what a driver does when the core's timer fires:
 * srp_core_poll_timeout, srp_core_handle_timeout at that time, and draining
 * what it queued. The pending deadlines are pings to silent addresses
 * (each resent every second, and replaced by a new ping when it gives up),
 * so every round does real work: one ping resent.
 *
 * It measures rounds with 16 and with 4,096 pending timers and prints the
 * ratio (goal: <= 1.5: the cost must not grow with the number of pending
 * timers); the same for the timer table alone, where the heap's log n is
 * all there is. Times are this thread's CPU time, each size the best of
 * three runs taken in turns with the other, so that neighbours on a shared
 * machine move both sizes alike (wall time had one run in five at 1.58x).
 *
 *   _build-release/bench/bench-timers [SECONDS]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "srp-core.h"
#include "srp-rng.h"
#include "srp-timer-table.h"

static double seconds_per_case = 1.0;

/* Microseconds of CPU this thread used: a neighbour that takes the core
 * for a while (this machine is shared) does not count against the case
 * that happened to run then. */
static gint64
thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static void
silent_address (guint n, SrpAddress *out)
{
  guint8 ip[4] = { 10, (guint8) (n >> 8), (guint8) n, 1 };

  srp_address_init_ipv4 (out, ip, 4000);
}

static void
drain (SrpCore *core, gint64 now, guint *next_address)
{
  SrpTransmit t;
  SrpCoreEvent event;

  while (srp_core_poll_transmit (core, &t))
    ;
  while (srp_core_poll_event (core, &event))
    {
      /* A ping that gave up is replaced: the number pending stays. */
      if (event.type == SRP_CORE_EVENT_PING_RESULT)
        {
          SrpAddress to;

          silent_address ((*next_address)++ % 60000, &to);
          srp_core_ping (core, now, &to);
        }
      srp_core_event_clear (&event);
    }
}

/* Nanoseconds per timeout round with n pings pending. */
static double
core_round (guint n)
{
  SrpCoreConfig config;
  SrpCore *core;
  gint64 now = 0, began, elapsed;
  guint next_address = 0;
  guint64 rounds = 0;

  srp_core_config_init (&config);
  config.seed = 1;
  config.peer_id.bytes[0] = 1;
  config.ping_attempts = 16;
  config.ping_retry_us = G_USEC_PER_SEC;
  core = srp_core_new (&config);
  for (guint i = 0; i < n; i++)
    {
      SrpAddress to;

      silent_address (next_address++, &to);
      /* Spread over the second, so that rounds fire one ping each. */
      srp_core_ping (core, (gint64) i * G_USEC_PER_SEC / n, &to);
    }
  drain (core, now, &next_address);
  began = thread_cpu_us ();
  do
    {
      for (guint i = 0; i < 1000; i++)
        {
          now = srp_core_poll_timeout (core);
          srp_core_handle_timeout (core, now);
          drain (core, now, &next_address);
        }
      rounds += 1000;
      elapsed = thread_cpu_us () - began;
    }
  while (elapsed < seconds_per_case * G_USEC_PER_SEC);
  srp_core_free (core);
  return (double) elapsed * 1000.0 / (double) rounds;
}

typedef struct {
  SrpTimer timer;
  SrpTimerTable *table;
  SrpRng *rng;
  const gint64 *now;
} Slot;

static void
rearm (SrpTimer *timer, gpointer owner)
{
  Slot *slot = owner;

  srp_timer_set (slot->table, timer, *slot->now + 1 + (gint64) srp_rng_below (slot->rng, 1000000));
}

/* Nanoseconds per pop-and-re-arm of the timer table alone, n armed. */
static double
table_round (guint n)
{
  SrpTimerTable *table = srp_timer_table_new ();
  g_autofree Slot *slots = g_new0 (Slot, n);
  SrpRng rng;
  gint64 began, elapsed, now = 0;
  guint64 rounds = 0;

  srp_rng_init (&rng, 7);
  for (guint i = 0; i < n; i++)
    {
      slots[i].table = table;
      slots[i].rng = &rng;
      slots[i].now = &now;
      srp_timer_init (&slots[i].timer, SRP_TIMER_WANT, rearm, &slots[i]);
      srp_timer_set (table, &slots[i].timer, (gint64) srp_rng_below (&rng, 1000000));
    }
  began = thread_cpu_us ();
  do
    {
      for (guint i = 0; i < 10000; i++)
        {
          SrpTimer *t;

          now = srp_timer_table_next (table);
          t = srp_timer_table_pop_due (table, now);
          t->func (t, t->owner);
        }
      rounds += 10000;
      elapsed = thread_cpu_us () - began;
    }
  while (elapsed < seconds_per_case * G_USEC_PER_SEC);
  for (guint i = 0; i < n; i++)
    srp_timer_stop (table, &slots[i].timer);
  srp_timer_table_free (table);
  return (double) elapsed * 1000.0 / (double) rounds;
}

#define PAIRS 3

/* The best of three runs of each size, the sizes taking turns: the least
 * disturbed by whatever else runs, and a disturbance that lasts a while
 * falls on both sizes alike. */
static void
best_of_pairs (double (*measure) (guint), guint small_n, guint large_n, double *small,
               double *large)
{
  *small = *large = G_MAXDOUBLE;
  for (int i = 0; i < PAIRS; i++)
    {
      *small = MIN (*small, measure (small_n));
      *large = MIN (*large, measure (large_n));
    }
}

int
main (int argc, char **argv)
{
  double core_small, core_large, table_small, table_large;

  if (argc > 1)
    seconds_per_case = g_ascii_strtod (argv[1], NULL);
  if (seconds_per_case <= 0)
    seconds_per_case = 1.0;
  best_of_pairs (core_round, 16, 4096, &core_small, &core_large);
  best_of_pairs (table_round, 16, 4096, &table_small, &table_large);
  g_print ("timers: a core's timeout round (poll_timeout, handle_timeout, drain; one ping resent)\n");
  g_print ("  %-28s %9.0f ns\n", "16 pending timers", core_small);
  g_print ("  %-28s %9.0f ns\n", "4,096 pending timers", core_large);
  g_print ("  %-28s %9.2fx   (goal <= 1.5)\n", "ratio 4,096 / 16", core_large / core_small);
  g_print ("timers: the timer table alone (pop the earliest, arm it again)\n");
  g_print ("  %-28s %9.1f ns\n", "16 armed", table_small);
  g_print ("  %-28s %9.1f ns\n", "4,096 armed", table_large);
  g_print ("  %-28s %9.2fx   (a 4-ary heap: log n)\n", "ratio 4,096 / 16",
           table_large / table_small);
  return 0;
}
