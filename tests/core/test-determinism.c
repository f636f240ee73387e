/* test-determinism.c: the same seed and inputs give the same outputs, bit
 * for bit; another seed gives another run.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-core.h"
#include "srp-rng.h"
#include "srp-sim.h"

#define N_NODES 12

/* A busy run: every node pings, messages and publishes to random others
 * over lossy links of varied latency for 30 virtual seconds (gossip, ACKs,
 * gap queries and anti-entropy included). Returns the trace hash. */
static char *
run_scenario (guint64 seed, guint64 *datagrams)
{
  SrpSim *sim = srp_sim_new (seed);
  SrpRng rng;
  SrpId topic = { { 1, 2, 3 } };
  char *hash;

  srp_rng_init (&rng, seed ^ 0x5eed);
  for (guint i = 0; i < N_NODES; i++)
    srp_sim_add_node (sim, NULL);
  srp_sim_set_default_link (sim, 25000, 0.1);
  for (guint a = 0; a < N_NODES; a++)
    for (guint b = a + 1; b < N_NODES; b++)
      srp_sim_set_link (sim, a, b, 1000 + (gint64) srp_rng_below (&rng, 80000), 0.1);

  /* Half the nodes subscribe; all join through node 0, so that publishing
   * spreads over connected peers. */
  for (guint i = 0; i < N_NODES; i++)
    {
      if (i % 2 == 0)
        srp_core_subscribe (srp_sim_get_core (sim, i), srp_sim_get_now (sim), &topic);
      if (i > 0)
        srp_core_add_bootstrap (srp_sim_get_core (sim, i), srp_sim_get_now (sim),
                                srp_sim_get_address (sim, 0));
      srp_sim_flush (sim, i);
    }
  for (int round = 0; round < 30; round++)
    {
      for (guint a = 0; a < N_NODES; a++)
        {
          guint b = (a + 1 + (guint) srp_rng_below (&rng, N_NODES - 1)) % N_NODES;
          SrpCore *core = srp_sim_get_core (sim, a);
          gint64 now = srp_sim_get_now (sim);

          guint what = (guint) srp_rng_below (&rng, 3);

          if (what == 0)
            srp_core_ping (core, now, srp_sim_get_address (sim, b));
          else if (what == 1)
            {
              guint8 data[5000];
              gsize len = srp_rng_below (&rng, sizeof data);
              srp_rng_fill (&rng, data, len);
              srp_core_publish (core, now, &topic, NULL, data, len, NULL);
            }
          else
            {
              guint8 data[5000];
              gsize len = srp_rng_below (&rng, sizeof data);
              srp_rng_fill (&rng, data, len);
              srp_core_send_message (core, now, srp_sim_get_address (sim, b), &topic, data, len,
                                     NULL);
            }
          srp_sim_flush (sim, a);
        }
      srp_sim_run_until (sim, srp_sim_get_now (sim) + G_USEC_PER_SEC);
    }
  srp_sim_run_until (sim, srp_sim_get_now (sim) + 120 * G_USEC_PER_SEC);
  *datagrams = srp_sim_get_sent (sim);
  hash = srp_sim_get_trace_hash (sim);
  srp_sim_free (sim);
  return hash;
}

static void
test_same_seed_same_trace (void)
{
  guint64 n1, n2;
  g_autofree char *first = run_scenario (42, &n1);
  g_autofree char *second = run_scenario (42, &n2);

  g_test_message ("seed 42: %" G_GUINT64_FORMAT " datagrams, trace %s", n1, first);
  g_assert_cmpuint (n1, >, 500);
  g_assert_cmpuint (n1, ==, n2);
  g_assert_cmpstr (first, ==, second);
}

static void
test_other_seed_other_trace (void)
{
  guint64 n1, n2;
  g_autofree char *first = run_scenario (42, &n1);
  g_autofree char *second = run_scenario (43, &n2);

  g_assert_cmpstr (first, !=, second);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/determinism/same-seed-same-trace", test_same_seed_same_trace);
  g_test_add_func ("/determinism/other-seed-other-trace", test_other_seed_other_trace);
  return g_test_run ();
}
