/* test-sim-determinism.c: srp-simulate's runs repeat bit for bit from a seed
 * (churn, loss, NATs, punching, finds and publishing included), and another
 * seed gives another run.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sim-scenario.h"

static SimResult *
run (guint64 seed)
{
  SimScenarioConfig c;

  sim_scenario_config_init (&c);
  c.seed = seed;
  c.peers = 80;
  c.minutes = 3;
  c.loss = 5;
  c.churn = 200;
  c.publish = 4;
  c.sizes[0] = 3000;
  c.finds = 20;
  return sim_scenario_run (&c);
}

static void
test_same_seed_same_trace (void)
{
  SimResult *a = run (7), *b = run (7), *c = run (8);

  g_test_message ("seed 7: %s, seed 8: %s", a->trace_hash, c->trace_hash);
  g_assert_cmpstr (a->trace_hash, ==, b->trace_hash);
  g_assert_cmpuint (a->datagrams, ==, b->datagrams);
  g_assert_cmpuint (a->summary.reached, ==, b->summary.reached);
  g_assert_cmpuint (a->summary.finds_ok, ==, b->summary.finds_ok);
  g_assert_cmpstr (a->trace_hash, !=, c->trace_hash);
  /* The run did what the trace should cover. */
  g_assert_cmpuint (a->leaves, >, 50);
  g_assert_cmpuint (a->net.lost[SIM_LOST_RANDOM], >, 0);
  g_assert_cmpuint (a->net.lost[SIM_LOST_FILTERED], >, 0);
  g_assert_cmpuint (a->by_kind[SRP_FRAME_PUNCH], >, 0);
  g_assert_cmpuint (a->summary.reached, >, 0);
  g_assert_cmpuint (a->summary.finds, >, 0);
  sim_result_free (a);
  sim_result_free (b);
  sim_result_free (c);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/sim/same-seed-same-trace", test_same_seed_same_trace);
  return g_test_run ();
}
