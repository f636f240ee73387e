/* test-sim-heap.c: the simulators' ordered structures against a plain
 * sorted reference, under random pushes, pops and deadline changes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-rng.h"
#include "srp-sim-heap.h"

static void
test_queue_order (void)
{
  SrpSimQueue queue;
  SrpRng rng;
  gint64 last_at = -1;
  guint64 last_seq = 0;

  srp_rng_init (&rng, 1);
  srp_sim_queue_init (&queue);
  for (guint round = 0; round < 20000; round++)
    {
      if (srp_rng_below (&rng, 3) != 0 || srp_sim_queue_size (&queue) == 0)
        {
          /* Few distinct times, so that ties are common; data is the order. */
          gint64 at = MAX (last_at, 0) + (gint64) srp_rng_below (&rng, 8);
          srp_sim_queue_push (&queue, at, GSIZE_TO_POINTER ((gsize) queue.next_seq + 1));
        }
      else
        {
          gint64 at;
          guint64 seq = GPOINTER_TO_SIZE (srp_sim_queue_pop (&queue, &at)) - 1;

          /* Never earlier than the last popped; ties in push order. */
          g_assert_cmpint (at, >=, last_at);
          if (at == last_at)
            g_assert_cmpuint (seq, >, last_seq);
          last_at = at;
          last_seq = seq;
        }
    }
  srp_sim_queue_clear (&queue, NULL);
  g_assert_null (srp_sim_queue_peek (&queue));
}

static void
test_deadlines_match_reference (void)
{
  enum { KEYS = 300 };
  SrpSimDeadlines d;
  gint64 reference[KEYS];
  SrpRng rng;

  srp_rng_init (&rng, 2);
  srp_sim_deadlines_init (&d);
  for (guint k = 0; k < KEYS; k++)
    reference[k] = -1;
  for (guint round = 0; round < 50000; round++)
    {
      guint key = (guint) srp_rng_below (&rng, KEYS), best_key = 0, n = 0, got_key;
      gint64 at = srp_rng_below (&rng, 5) == 0 ? -1 : (gint64) srp_rng_below (&rng, 1000);
      gint64 best = -1, got_at;

      srp_sim_deadlines_set (&d, key, at);
      reference[key] = at;
      for (guint k = 0; k < KEYS; k++)
        if (reference[k] >= 0)
          {
            n++;
            if (best < 0 || reference[k] < best)
              best = reference[k], best_key = k;
          }
      g_assert_cmpuint (srp_sim_deadlines_size (&d), ==, n);
      g_assert_cmpint (srp_sim_deadlines_get (&d, key), ==, at);
      if (n == 0)
        g_assert_false (srp_sim_deadlines_peek (&d, NULL, NULL));
      else
        {
          g_assert_true (srp_sim_deadlines_peek (&d, &got_key, &got_at));
          /* The earliest, and the lowest key among equals. */
          g_assert_cmpint (got_at, ==, best);
          g_assert_cmpuint (got_key, ==, best_key);
        }
    }
  srp_sim_deadlines_clear (&d);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/sim-heap/queue-order", test_queue_order);
  g_test_add_func ("/sim-heap/deadlines-match-reference", test_deadlines_match_reference);
  return g_test_run ();
}
