/* test-timers.c: the core's small building blocks: the timer table, the
 * token bucket, the RTT estimator, the ring, the partial shuffle and the
 * source ledger.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-ring.h"
#include "srp-source-ledger.h"
#include "srp-rng.h"
#include "srp-rtt.h"
#include "srp-timer-table.h"
#include "srp-token-bucket.h"

typedef struct {
  SrpTimer timer;
  guint id;
  GArray *fired; /* guint ids, in the order they fired */
} Probe;

static void
record (SrpTimer *timer, gpointer owner)
{
  Probe *probe = owner;

  g_array_append_val (probe->fired, probe->id);
}

static void
test_order_and_ties (void)
{
  SrpTimerTable *table = srp_timer_table_new ();
  g_autoptr (GArray) fired = g_array_new (FALSE, FALSE, sizeof (guint));
  Probe probes[6];
  const gint64 deadlines[6] = { 50, 10, 30, 10, 40, 10 };
  const guint expected[6] = { 1, 3, 5, 2, 4, 0 };

  for (guint i = 0; i < 6; i++)
    {
      probes[i].id = i;
      probes[i].fired = fired;
      srp_timer_init (&probes[i].timer, SRP_TIMER_WANT, record, &probes[i]);
      srp_timer_set (table, &probes[i].timer, deadlines[i]);
    }
  g_assert_cmpint (srp_timer_table_next (table), ==, 10);
  g_assert_cmpuint (srp_timer_table_size (table), ==, 6);
  /* Nothing is due before its time. */
  g_assert_null (srp_timer_table_pop_due (table, 9));
  g_assert_cmpuint (srp_timer_table_fire_due (table, 45), ==, 5);
  g_assert_cmpint (srp_timer_table_next (table), ==, 50);
  g_assert_cmpuint (srp_timer_table_fire_due (table, 100), ==, 1);
  /* Equal deadlines fire in the order they were armed. */
  g_assert_cmpmem (fired->data, fired->len * sizeof (guint), expected, sizeof expected);
  g_assert_cmpint (srp_timer_table_next (table), ==, -1);
  for (guint i = 0; i < 6; i++)
    g_assert_false (srp_timer_is_armed (&probes[i].timer));
  srp_timer_table_free (table);
}

static void
test_rearm_and_stop (void)
{
  SrpTimerTable *table = srp_timer_table_new ();
  g_autoptr (GArray) fired = g_array_new (FALSE, FALSE, sizeof (guint));
  Probe a = { .id = 1, .fired = fired }, b = { .id = 2, .fired = fired };

  srp_timer_init (&a.timer, SRP_TIMER_PING_RESEND, record, &a);
  srp_timer_init (&b.timer, SRP_TIMER_HEARTBEAT, record, &b);
  srp_timer_set (table, &a.timer, 100);
  srp_timer_set (table, &b.timer, 200);
  /* Later, earlier, and an earlier-only request that is not earlier. */
  srp_timer_set (table, &a.timer, 300);
  g_assert_cmpint (srp_timer_table_next (table), ==, 200);
  srp_timer_set_earlier (table, &a.timer, 400);
  g_assert_cmpint (a.timer.deadline, ==, 300);
  srp_timer_set_earlier (table, &a.timer, 150);
  g_assert_cmpint (srp_timer_table_next (table), ==, 150);
  g_assert_cmpuint (srp_timer_table_count (table, SRP_TIMER_PING_RESEND), ==, 1);
  srp_timer_stop (table, &a.timer);
  srp_timer_stop (table, &a.timer); /* twice is harmless */
  g_assert_cmpuint (srp_timer_table_size (table), ==, 1);
  /* A negative deadline stops too. */
  srp_timer_set (table, &b.timer, -1);
  g_assert_cmpuint (srp_timer_table_size (table), ==, 0);
  g_assert_cmpuint (srp_timer_table_fire_due (table, 1000), ==, 0);
  g_assert_cmpuint (fired->len, ==, 0);
  srp_timer_table_free (table);
}

typedef struct {
  SrpTimer timer;
  SrpTimerTable *table;
  guint left;
} Rearming;

static void
rearm_at_once (SrpTimer *timer, gpointer owner)
{
  Rearming *r = owner;

  if (--r->left > 0)
    srp_timer_set (r->table, timer, 0); /* a deadline in the past */
}

static void
test_fire_due_takes_timers_armed_meanwhile (void)
{
  SrpTimerTable *table = srp_timer_table_new ();
  Rearming r = { .table = table, .left = 5 };

  srp_timer_init (&r.timer, SRP_TIMER_QUERY_FLUSH, rearm_at_once, &r);
  srp_timer_set (table, &r.timer, 10);
  /* What a callback arms for now (or before) fires in the same round. */
  g_assert_cmpuint (srp_timer_table_fire_due (table, 10), ==, 5);
  g_assert_false (srp_timer_is_armed (&r.timer));
  srp_timer_table_free (table);
}

/* Many timers armed, moved and stopped at random always come out in
 * deadline order, and the heap keeps every slot right. */
static void
test_random_against_a_model (void)
{
  enum { N = 512 };
  SrpTimerTable *table = srp_timer_table_new ();
  g_autoptr (GArray) fired = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autofree Probe *probes = g_new0 (Probe, N);
  SrpRng rng;
  gint64 last = -1;

  srp_rng_init (&rng, 42);
  for (guint i = 0; i < N; i++)
    {
      probes[i].id = i;
      probes[i].fired = fired;
      srp_timer_init (&probes[i].timer, SRP_TIMER_WANT, record, &probes[i]);
    }
  for (guint round = 0; round < 20000; round++)
    {
      Probe *p = &probes[srp_rng_below (&rng, N)];

      if (srp_rng_below (&rng, 4) == 0)
        srp_timer_stop (table, &p->timer);
      else
        srp_timer_set (table, &p->timer, (gint64) srp_rng_below (&rng, 1000000));
    }
  while (srp_timer_table_size (table) > 0)
    {
      gint64 next = srp_timer_table_next (table);
      SrpTimer *t = srp_timer_table_pop_due (table, next);

      g_assert_nonnull (t);
      g_assert_cmpint (next, >=, last);
      last = next;
    }
  for (guint i = 0; i < N; i++)
    g_assert_false (srp_timer_is_armed (&probes[i].timer));
  srp_timer_table_free (table);
}

static void
test_token_bucket (void)
{
  const SrpTokenRate rate = { .burst = 10, .per_second = 2 };
  SrpTokenBucket bucket;
  guint taken = 0;

  srp_token_bucket_init (&bucket, &rate, 0);
  while (srp_token_bucket_take (&bucket, &rate, 0, 1.0))
    taken++;
  g_assert_cmpuint (taken, ==, 10);
  /* Half a second gives one token back, no more. */
  g_assert_true (srp_token_bucket_take (&bucket, &rate, G_USEC_PER_SEC / 2, 1.0));
  g_assert_false (srp_token_bucket_take (&bucket, &rate, G_USEC_PER_SEC / 2, 1.0));
  /* Never more than the burst, however long it rests. */
  g_assert_false (srp_token_bucket_take (&bucket, &rate, (gint64) 3600 * G_USEC_PER_SEC, 11.0));
  g_assert_true (srp_token_bucket_take (&bucket, &rate, (gint64) 3600 * G_USEC_PER_SEC, 10.0));
  /* A clock stepping back refills nothing. */
  g_assert_false (srp_token_bucket_take (&bucket, &rate, 0, 1.0));
}

static void
test_rtt_estimator (void)
{
  SrpRtt rtt;

  srp_rtt_init (&rtt);
  g_assert_false (srp_rtt_has_sample (&rtt));
  g_assert_cmpint (srp_rtt_timeout (&rtt, 1000000, 200000, 60000000), ==, 1000000);
  /* RFC 6298 2.2: the first sample sets SRTT = R, RTTVAR = R/2. */
  srp_rtt_sample (&rtt, 100000);
  g_assert_cmpint (rtt.smoothed_us, ==, 100000);
  g_assert_cmpint (rtt.variation_us, ==, 50000);
  g_assert_cmpint (srp_rtt_timeout (&rtt, 1000000, 0, 60000000), ==, 100000 + 4 * 50000);
  /* 2.3: RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R|, then SRTT = 7/8 SRTT + 1/8 R. */
  srp_rtt_sample (&rtt, 180000);
  g_assert_cmpint (rtt.variation_us, ==, (3 * 50000 + 80000) / 4);
  g_assert_cmpint (rtt.smoothed_us, ==, (7 * 100000 + 180000) / 8);
  g_assert_cmpint (rtt.min_us, ==, 100000);
  g_assert_cmpint (rtt.latest_us, ==, 180000);
  srp_rtt_sample (&rtt, 60000);
  g_assert_cmpint (rtt.min_us, ==, 60000);
  /* The timeout stays within its bounds. */
  g_assert_cmpint (srp_rtt_timeout (&rtt, 1000000, 400000, 60000000), ==, 400000);
  g_assert_cmpint (srp_rtt_timeout (&rtt, 1000000, 0, 1000), ==, 1000);
}

/* FIFO through growth and wrap-around; a burst's memory is given back once
 * drains stay small, and a steady load keeps its capacity. */
static void
test_ring (void)
{
  SrpRing ring;
  guint next_in = 0, next_out = 0, burst_capacity;

  srp_ring_init (&ring, sizeof (guint));
  g_assert_cmpuint (ring.capacity, ==, 0);
  /* Interleaved pushes and pops, so the head wraps while it grows. */
  for (guint round = 0; round < 50; round++)
    {
      for (guint i = 0; i < round % 7 + 2; i++)
        *(guint *) srp_ring_push (&ring) = next_in++;
      for (guint i = 0; i < round % 5 + 1 && ring.length > 0; i++)
        {
          guint out;
          g_assert_true (srp_ring_pop (&ring, &out));
          g_assert_cmpuint (out, ==, next_out++);
        }
    }
  while (ring.length > 0)
    {
      g_assert_cmpuint (*(guint *) srp_ring_peek (&ring, 0), ==, next_out++);
      srp_ring_release (&ring, 1);
    }
  g_assert_cmpuint (next_out, ==, next_in);

  /* A burst of 200, then drains of one element at a time. */
  for (guint i = 0; i < 200; i++)
    *(guint *) srp_ring_push (&ring) = i;
  srp_ring_release (&ring, 200);
  burst_capacity = ring.capacity;
  g_assert_cmpuint (burst_capacity, >=, 200);
  /* A steady load of 100 per drain keeps what it needs. */
  for (guint drain = 0; drain < 500; drain++)
    {
      for (guint i = 0; i < 100; i++)
        srp_ring_push (&ring);
      srp_ring_release (&ring, 100);
    }
  g_assert_cmpuint (ring.capacity, ==, burst_capacity);
  /* Small drains shrink it, step by step, to a few slots. */
  for (guint drain = 0; drain < 2000; drain++)
    {
      *(guint *) srp_ring_push (&ring) = drain;
      g_assert_cmpuint (*(guint *) srp_ring_peek (&ring, 0), ==, drain);
      srp_ring_release (&ring, 1);
    }
  g_assert_cmpuint (ring.capacity, <=, 4);
  g_assert_cmpuint (ring.capacity, >, 0);
  srp_ring_clear (&ring);
  g_assert_null (ring.slots);
}

/* srp_rng_shuffle_first: a permutation whose front is a uniform sample. */
static void
test_shuffle_first (void)
{
  SrpRng rng;
  guint front_counts[10] = { 0 };

  srp_rng_init (&rng, 7);
  for (guint round = 0; round < 20000; round++)
    {
      g_autoptr (GPtrArray) a = g_ptr_array_new ();
      guint seen = 0;

      for (guint i = 0; i < 10; i++)
        g_ptr_array_add (a, GUINT_TO_POINTER (i));
      srp_rng_shuffle_first (&rng, a, 3);
      for (guint i = 0; i < 10; i++)
        seen |= 1u << GPOINTER_TO_UINT (a->pdata[i]);
      g_assert_cmpuint (seen, ==, (1u << 10) - 1);
      for (guint i = 0; i < 3; i++)
        front_counts[GPOINTER_TO_UINT (a->pdata[i])]++;
    }
  /* Each of the ten is among the first three 6,000 times in 20,000,
   * give or take (five standard deviations are about 320). */
  for (guint i = 0; i < 10; i++)
    g_assert_cmpuint (ABS ((gint) front_counts[i] - 6000), <, 400);
  /* More than it holds, and nothing at all. */
  {
    g_autoptr (GPtrArray) a = g_ptr_array_new ();
    srp_rng_shuffle_first (&rng, a, 5);
    g_ptr_array_add (a, GUINT_TO_POINTER (1));
    srp_rng_shuffle_first (&rng, a, 5);
    g_assert_cmpuint (GPOINTER_TO_UINT (a->pdata[0]), ==, 1);
  }
}

/* The source ledger counts each source's grants within its window, holds
 * at most its capacity (the oldest go first), and its ring grows as grants
 * come, so counts stay right across the growth. */
static void
test_source_ledger (void)
{
  SrpSourceLedger *ledger = srp_source_ledger_new (100, 10 * G_TIME_SPAN_SECOND);
  SrpAddress a = { .family = SRP_ADDRESS_FAMILY_IPV4, .bytes = { 10, 0, 0, 1 }, .port = 1 };
  SrpAddress b = a;
  SrpAddress a_other_port = a;

  b.bytes[3] = 2;
  a_other_port.port = 2;
  for (guint i = 0; i < 60; i++)
    {
      srp_source_ledger_add (ledger, i, &a);
      if (i % 2 == 0)
        srp_source_ledger_add (ledger, i, &b);
    }
  /* One host is one source, whatever the port. */
  g_assert_cmpuint (srp_source_ledger_count (ledger, 60, &a_other_port), ==, 60);
  g_assert_cmpuint (srp_source_ledger_count (ledger, 60, &b), ==, 30);
  /* Past the capacity, the oldest grants go: the last 100 are held. The
   * first 30 to go were 20 of a's and 10 of b's (a, b, a for each two
   * steps). */
  for (guint i = 60; i < 100; i++)
    srp_source_ledger_add (ledger, i, &b);
  g_assert_cmpuint (srp_source_ledger_count (ledger, 100, &a) + srp_source_ledger_count (ledger, 100, &b),
                    ==, 100);
  g_assert_cmpuint (srp_source_ledger_count (ledger, 100, &a), ==, 40);
  g_assert_cmpuint (srp_source_ledger_count (ledger, 100, &b), ==, 60);
  /* Past the window, none. */
  g_assert_cmpuint (srp_source_ledger_count (ledger, 100 + 10 * G_TIME_SPAN_SECOND, &a), ==, 0);
  g_assert_cmpuint (srp_source_ledger_count (ledger, 100 + 10 * G_TIME_SPAN_SECOND, &b), ==, 0);
  srp_source_ledger_free (ledger);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/timers/order-and-ties", test_order_and_ties);
  g_test_add_func ("/timers/rearm-and-stop", test_rearm_and_stop);
  g_test_add_func ("/timers/fire-due-takes-timers-armed-meanwhile",
                   test_fire_due_takes_timers_armed_meanwhile);
  g_test_add_func ("/timers/random-against-a-model", test_random_against_a_model);
  g_test_add_func ("/timers/token-bucket", test_token_bucket);
  g_test_add_func ("/timers/rtt-estimator", test_rtt_estimator);
  g_test_add_func ("/timers/ring", test_ring);
  g_test_add_func ("/timers/shuffle-first", test_shuffle_first);
  g_test_add_func ("/timers/source-ledger", test_source_ledger);
  return g_test_run ();
}
