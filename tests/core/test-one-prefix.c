/* test-one-prefix.c: many peers in one /24, as behind a carrier-grade NAT
 * pool or on a campus, in virtual time.
 *
 * The peer table limits each /24: few records heard of (prefix_limit), more
 * links nobody asked for (prefix_link_limit), and no prefix limit at all for
 * a link that was asked for (srp_core_connect) or introduced by a link (the
 * issue 16 report: pairs whose NATs shared a /24 ended relayed).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "srp-core.h"
#include "srp-sim.h"

#define SECONDS(n) ((gint64) (n) * G_USEC_PER_SEC)
#define LATENCY_US 20000

typedef struct {
  guint node;
  guint64 request;
  gboolean done;
  SrpCoreEvent result;
} Wait;

static void
on_event (SrpSim *sim, guint node, const SrpCoreEvent *event, gpointer user_data)
{
  Wait *wait = user_data;

  if (event->type == SRP_CORE_EVENT_CONNECT_RESULT && node == wait->node &&
      event->connect.request == wait->request)
    {
      wait->done = TRUE;
      wait->result = *event;
    }
}

/* Node 0 (default config) is everyone's bootstrap; nodes 1..n-1 get config.
 * All in 10.255.0.0/24. */
static SrpSim *
make_pool (guint64 seed, guint n, const SrpCoreConfig *config, Wait *wait)
{
  SrpSim *sim = srp_sim_new (seed);

  srp_sim_set_one_prefix (sim, TRUE);
  srp_sim_add_node (sim, NULL);
  for (guint i = 1; i < n; i++)
    srp_sim_add_node (sim, config);
  srp_sim_set_default_link (sim, LATENCY_US, 0.0);
  srp_sim_set_event_func (sim, on_event, wait);
  srp_sim_bootstrap_all (sim, 0);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (60));
  return sim;
}

/* More peers of one /24 than a table keeps records of all link to the
 * bootstrap peer: they proved their IDs. */
static void
test_crowd_joins (void)
{
  Wait wait = { .node = G_MAXUINT };
  SrpSim *sim = make_pool (31, 40, NULL, &wait);
  SrpCoreConfig defaults;

  srp_core_config_init (&defaults);
  g_assert_cmpuint (39, >, defaults.prefix_limit);
  g_assert_cmpuint (39, <, defaults.prefix_link_limit);
  for (guint i = 1; i < 40; i++)
    g_assert_true (srp_sim_is_connected (sim, 0, i));
  g_assert_cmpuint (srp_core_get_n_connected (srp_sim_get_core (sim, 0)), ==, 39);
  srp_sim_free (sim);
}

/* A peer whose /24 has all the links it takes unasked still takes an
 * introduced one, directly; a stranger from that /24 it still refuses. */
static void
test_introduced_beats_full_prefix (void)
{
  SrpCoreConfig tight;
  Wait wait = { .node = 1 };
  SrpSim *sim;
  SrpCore *target;
  guint b = G_MAXUINT, newcomer;
  guint64 refused;

  srp_core_config_init (&tight);
  tight.prefix_limit = 1;
  tight.prefix_link_limit = 1; /* the link to node 0 fills it */
  tight.target_connections = 1;
  sim = make_pool (32, 6, &tight, &wait);
  for (guint i = 2; i < 6 && b == G_MAXUINT; i++)
    if (!srp_sim_is_connected (sim, 1, i))
      b = i;
  g_assert_cmpuint (b, !=, G_MAXUINT);
  target = srp_sim_get_core (sim, b);
  g_assert_cmpuint (srp_core_get_n_connected (target), ==, 1);

  wait.request = srp_core_connect (srp_sim_get_core (sim, 1), srp_sim_get_now (sim),
                                   srp_sim_get_id (sim, b));
  srp_sim_flush (sim, 1);
  for (guint t = 0; t < 3100 && !wait.done; t++)
    srp_sim_run_until (sim, srp_sim_get_now (sim) + 10000);
  g_assert_true (wait.done);
  g_assert_true (wait.result.connect.ok);
  /* Relayed would mean the prefix limit turned the punch away (after 3 s). */
  g_assert_cmpuint (wait.result.connect.path, ==, SRP_CORE_PATH_DIRECT);
  g_assert_cmpint (wait.result.connect.elapsed_us, <, SECONDS (1));
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (1));
  g_assert_true (srp_sim_is_connected (sim, b, 1));

  /* A newcomer of the /24 whose only bootstrap is the target, unasked:
   * refused (and pointed elsewhere), the limit still holds. */
  refused = srp_core_get_drop_count (target, SRP_DROP_TABLE_FULL);
  newcomer = srp_sim_add_node (sim, &tight);
  srp_core_add_bootstrap (srp_sim_get_core (sim, newcomer), srp_sim_get_now (sim),
                          srp_sim_get_address (sim, b));
  srp_sim_flush (sim, newcomer);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (10));
  g_assert_false (srp_sim_is_connected (sim, b, newcomer));
  g_assert_cmpuint (srp_core_get_drop_count (target, SRP_DROP_TABLE_FULL), >, refused);
  srp_sim_free (sim);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/one-prefix/crowd-joins", test_crowd_joins);
  g_test_add_func ("/one-prefix/introduced-beats-full-prefix", test_introduced_beats_full_prefix);
  return g_test_run ();
}
