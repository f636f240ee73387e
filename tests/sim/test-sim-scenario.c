/* test-sim-scenario.c: a reduced srp-simulate scenario with the seed's mix
 * (2,000 peers for 2 virtual minutes: 30 % behind symmetric NATs, the rest
 * public, cone, restricted and carrier-grade; 50 % subscribers; 30 % of the
 * population replaced in the minute after the warm-up; realistic latency),
 * which fails when delivery or cost regresses past these bounds.
 *
 * The bounds leave a margin around what today's core gives on seeds 1-5:
 * reached 100.0 %, within 2.5 s 99.9-100 %, t50 0.20-0.24 s, 34.9-37.8
 * datagrams per copy, 1.95-2.43 idle datagrams per peer per second (the
 * idle time here is mostly the warm-up, with its joins, handshakes, first
 * registrations and the quicker checks of young links), 96-100 % of finds
 * by ID connecting (91-99 % within 2 s). Before one side of a quiet link
 * alone checked it and newcomers short of peers asked again soon: 36.9-40.1
 * per copy, 2.31-2.75 idle. Before messages of one packet
 * went to fanout + 2 peers and young links were checked sooner: within
 * 2.5 s 97.8-98.7 %, t50 0.23-0.29 s, 26.9-30.1 per copy, 1.50-2.16 idle.
 * Before hubs relayed in proportion to their links, half-open links were
 * confirmed and frames that overtook a HELLO_DONE were held: reached
 * 87-99 %, 31-45 % within 2.5 s, t50 3.3-5.2 s; before the DHT, 40-48 % of
 * finds connected. When the core gets better, tighten them
 * (tests/sim/README.md says how to measure).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sim-scenario.h"

#define MIN_REACHED 0.99
#define MIN_REACHED_AT_2_5S 0.99
#define MAX_T50_S 0.6
#define MAX_DATAGRAMS_PER_COPY 42.0
#define MAX_IDLE_PER_PEER_S 2.9
#define MIN_FIND_SUCCESS 0.95

static void
test_reduced_seed_scenario (void)
{
  SimScenarioConfig c;
  SimResult *r;
  const SimSummary *s;

  sim_scenario_config_init (&c);
  c.peers = 2000;
  c.minutes = 2;
  c.churn = 30;
  c.seed = 1;
  r = sim_scenario_run (&c);
  s = &r->summary;
  g_test_message ("%u peers, %.0f s virtual in %.1f s: reached %.1f %% (%.1f %% within 2.5 s), "
                  "t50 %.2f s, %.2f datagrams per copy, %.2f idle datagrams per peer per s, "
                  "%.0f %% of finds",
                  c.peers, r->virtual_s, r->wall_s, 100 * s->reached_share,
                  100 * s->reached_share_at_2_5s, s->t_mean[0], s->datagrams_per_copy,
                  s->idle_datagrams_per_peer_s, 100 * s->find_success);
  g_test_message ("address-mismatch drops: %" G_GUINT64_FORMAT,
                  r->drops[SRP_DROP_ADDRESS_MISMATCH]);
  /* The run is what it claims to be. */
  g_assert_cmpuint (r->leaves, >, 400);
  g_assert_cmpuint (r->access_online[SIM_ACCESS_SYMMETRIC], >, r->online_end / 5);
  g_assert_cmpuint (s->n_messages, ==, c.publish);
  g_assert_cmpuint (s->finds - s->finds_excluded, >=, c.finds / 2);

  g_assert_cmpfloat (s->reached_share, >=, MIN_REACHED);
  g_assert_cmpfloat (s->reached_share_at_2_5s, >=, MIN_REACHED_AT_2_5S);
  g_assert_cmpuint (s->t_n[0], ==, s->n_messages);
  g_assert_cmpfloat (s->t_mean[0], <=, MAX_T50_S);
  g_assert_cmpfloat (s->datagrams_per_copy, <=, MAX_DATAGRAMS_PER_COPY);
  g_assert_cmpfloat (s->idle_datagrams_per_peer_s, <=, MAX_IDLE_PER_PEER_S);
  g_assert_cmpfloat (s->find_success, >=, MIN_FIND_SUCCESS);
  /* Nobody forwards here: every handshake's OBSERVED is an address its
   * signer's peer is at, behind every kind of NAT (symmetric ones give a
   * port per destination; carrier-grade ones put 8 homes behind one
   * address), so none may count as a mismatch (issue 12). */
  g_assert_cmpuint (r->drops[SRP_DROP_ADDRESS_MISMATCH], ==, 0);
  sim_result_free (r);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/sim/reduced-seed-scenario", test_reduced_seed_scenario);
  return g_test_run ();
}
