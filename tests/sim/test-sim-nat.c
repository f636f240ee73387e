/* test-sim-nat.c: the simulator's NAT models (RFC 4787 mapping, filtering,
 * ports, timeouts) and the network around them (TTL, stacking, hairpins,
 * the uplink queue).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sim-net.h"

#define SECONDS(n) ((gint64) (n) *G_USEC_PER_SEC)
#define IP(a, b, c, d) ((guint32) (a) << 24 | (guint32) (b) << 16 | (guint32) (c) << 8 | (d))

static const SimEndpoint inside = { IP (192, 168, 1, 2), 4000 };
static const SimEndpoint peer_a = { IP (11, 0, 1, 1), 4000 };
static const SimEndpoint peer_a_other_port = { IP (11, 0, 1, 1), 4001 };
static const SimEndpoint peer_b = { IP (11, 0, 2, 1), 4000 };

static guint
make_nat (SimNatTable *table, SimNatKind kind)
{
  SimNatBehaviour b;

  sim_nat_behaviour_init (&b, kind, SECONDS (30));
  return sim_nat_add (table, &b, IP (11, 0, 9, 1));
}

static gboolean
gets_in (SimNatTable *table, guint nat, gint64 now, const SimEndpoint *from, guint16 port)
{
  SimEndpoint to;
  return sim_nat_inbound (table, nat, now, from, port, &to) && to.ip == inside.ip &&
         to.port == inside.port;
}

/* Endpoint-independent mapping keeps the port (Linux without --random);
 * filtering decides who may answer. */
static void
test_cone_filtering (void)
{
  const struct {
    SimNatKind kind;
    gboolean a_other_port, b;
  } cases[] = {
    { SIM_NAT_FULL_CONE, TRUE, TRUE },
    { SIM_NAT_ADDRESS_RESTRICTED, TRUE, FALSE },
    { SIM_NAT_PORT_RESTRICTED, FALSE, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      SimNatTable *table = sim_nat_table_new (1);
      guint nat = make_nat (table, cases[i].kind);
      SimEndpoint out, again;

      /* Nothing gets in before the inside has sent. */
      g_assert_false (gets_in (table, nat, SECONDS (1), &peer_a, inside.port));
      g_assert_true (sim_nat_outbound (table, nat, SECONDS (1), &inside, &peer_a, &out));
      g_assert_cmpuint (out.ip, ==, IP (11, 0, 9, 1));
      g_assert_cmpuint (out.port, ==, inside.port);
      g_assert_true (sim_nat_outbound (table, nat, SECONDS (1), &inside, &peer_b, &again));
      g_assert_cmpuint (again.port, ==, out.port);
      g_assert_cmpuint (sim_nat_table_count_mappings (table), ==, 1);
      /* Only a second remote told apart the kinds: B was sent to above, so
       * use a fresh NAT that has only sent to A. */
      sim_nat_table_free (table);
      table = sim_nat_table_new (1);
      nat = make_nat (table, cases[i].kind);
      g_assert_true (sim_nat_outbound (table, nat, SECONDS (1), &inside, &peer_a, &out));
      g_assert_true (gets_in (table, nat, SECONDS (2), &peer_a, out.port));
      g_assert_cmpint (gets_in (table, nat, SECONDS (2), &peer_a_other_port, out.port), ==,
                       cases[i].a_other_port);
      g_assert_cmpint (gets_in (table, nat, SECONDS (2), &peer_b, out.port), ==, cases[i].b);
      /* No mapping on another port. */
      g_assert_false (gets_in (table, nat, SECONDS (2), &peer_a, out.port + 1));
      sim_nat_table_free (table);
    }
}

/* A symmetric NAT maps each destination to its own random port and lets
 * in only that destination. */
static void
test_symmetric (void)
{
  SimNatTable *table = sim_nat_table_new (2);
  guint nat = make_nat (table, SIM_NAT_SYMMETRIC);
  SimEndpoint to_a, to_b, to_a_again;
  guint preserved = 0;

  g_assert_true (sim_nat_outbound (table, nat, SECONDS (1), &inside, &peer_a, &to_a));
  g_assert_true (sim_nat_outbound (table, nat, SECONDS (1), &inside, &peer_b, &to_b));
  g_assert_true (sim_nat_outbound (table, nat, SECONDS (2), &inside, &peer_a, &to_a_again));
  g_assert_cmpuint (to_a.port, !=, to_b.port);
  g_assert_cmpuint (to_a.port, ==, to_a_again.port);
  g_assert_true (gets_in (table, nat, SECONDS (2), &peer_a, to_a.port));
  g_assert_false (gets_in (table, nat, SECONDS (2), &peer_b, to_a.port));
  g_assert_false (gets_in (table, nat, SECONDS (2), &peer_a_other_port, to_a.port));
  g_assert_true (gets_in (table, nat, SECONDS (2), &peer_b, to_b.port));
  /* Random ports: among 200 destinations hardly any keeps the inside port. */
  for (guint i = 0; i < 200; i++)
    {
      SimEndpoint remote = { IP (11, 1, i, 1), 4000 }, out;
      g_assert_true (sim_nat_outbound (table, nat, SECONDS (3), &inside, &remote, &out));
      preserved += out.port == inside.port;
      g_assert_cmpuint (out.port, >=, 1024);
    }
  g_assert_cmpuint (preserved, <=, 1);
  g_assert_cmpuint (sim_nat_table_count_mappings (table), ==, 202);
  sim_nat_table_free (table);
}

/* Two inside hosts on one port: the second gets another (Linux picks a
 * free one), and answers reach each its own host. */
static void
test_port_clash (void)
{
  SimNatTable *table = sim_nat_table_new (3);
  guint nat = make_nat (table, SIM_NAT_PORT_RESTRICTED);
  SimEndpoint other = { IP (192, 168, 1, 3), 4000 }, one, two, to;

  g_assert_true (sim_nat_outbound (table, nat, SECONDS (1), &inside, &peer_a, &one));
  g_assert_true (sim_nat_outbound (table, nat, SECONDS (1), &other, &peer_a, &two));
  g_assert_cmpuint (one.port, ==, 4000);
  g_assert_cmpuint (two.port, !=, 4000);
  g_assert_true (sim_nat_inbound (table, nat, SECONDS (1), &peer_a, two.port, &to));
  g_assert_cmpuint (to.ip, ==, other.ip);
  sim_nat_table_free (table);
}

/* A mapping lives timeout after its last use; traffic either way renews it
 * (as conntrack does); a new mapping after expiry may get another port. */
static void
test_timeout (void)
{
  SimNatTable *table = sim_nat_table_new (4);
  guint nat = make_nat (table, SIM_NAT_PORT_RESTRICTED);
  SimEndpoint out;

  g_assert_true (sim_nat_outbound (table, nat, SECONDS (0), &inside, &peer_a, &out));
  g_assert_true (gets_in (table, nat, SECONDS (29), &peer_a, out.port));
  /* Renewed by each answer (29 s, 58 s): it closes 30 s after the last. */
  g_assert_true (gets_in (table, nat, SECONDS (58), &peer_a, out.port));
  g_assert_false (gets_in (table, nat, SECONDS (88), &peer_a, out.port));
  g_assert_cmpuint (sim_nat_table_count_mappings (table), ==, 0);

  g_assert_true (sim_nat_outbound (table, nat, SECONDS (100), &inside, &peer_a, &out));
  g_assert_cmpuint (sim_nat_table_count_permissions (table), ==, 1);
  sim_nat_table_sweep (table, SECONDS (129));
  g_assert_cmpuint (sim_nat_table_count_mappings (table), ==, 1);
  sim_nat_table_sweep (table, SECONDS (131));
  g_assert_cmpuint (sim_nat_table_count_mappings (table), ==, 0);
  g_assert_cmpuint (sim_nat_table_count_permissions (table), ==, 0);
  sim_nat_table_free (table);
}

/* ---- the network ----------------------------------------------------------------- */

typedef struct {
  SimNet *net;
  SimHost *hosts[4];
} Lab;

static SimHost *
add_host (SimNet *net, guint realm, gpointer owner)
{
  SimPlace place = { 1, 0, 0, 1000 };
  SimUplink uplink = { .rate_kbit = 100000, .queue_bytes = 1 << 20 };

  return sim_net_add_host (net, realm, sim_net_new_ip (net, realm), &place, &uplink, owner);
}

static guint
add_nat (SimNet *net, guint parent, SimNatKind kind, guint32 inside_first)
{
  SimNatBehaviour b;
  SimPlace place = { 1, 0, 0, 1000 };

  sim_nat_behaviour_init (&b, kind, SECONDS (60));
  return sim_net_add_nat (net, parent, sim_net_new_ip (net, parent), &b, &place, inside_first);
}

/* Sends one datagram, runs the network until it lands or is lost; returns
 * the host it reached (or NULL) and where it seemed to come from. */
static SimHost *
deliver (SimNet *net, gint64 now, SimHost *from, guint8 ttl, const SimEndpoint *to,
         SimEndpoint *seen_from)
{
  guint8 data[8] = { 0 };
  SimDelivery d;

  if (!sim_net_send (net, now, from, 0, ttl, to, data, sizeof data, NULL))
    return NULL;
  g_assert_cmpint (sim_net_next_arrival (net), >, now);
  if (!sim_net_arrive (net, &d))
    return NULL;
  if (seen_from != NULL)
    *seen_from = d.from;
  g_assert_cmpint (sim_net_next_arrival (net), ==, -1);
  return d.host;
}

/* Between two port-restricted NATs, a first packet at full TTL is filtered
 * at the far side; a low-TTL punch opens the sender's own NAT without
 * reaching the far side, after which the far side's packet gets in. */
static void
test_low_ttl_punch (void)
{
  SimLatency latency = { 0 };
  SimNet *net = sim_net_new (5, 0.0, &latency);
  guint home_a = add_nat (net, SIM_NET_INTERNET, SIM_NAT_PORT_RESTRICTED, IP (192, 168, 1, 2));
  guint home_b = add_nat (net, SIM_NET_INTERNET, SIM_NAT_PORT_RESTRICTED, IP (192, 168, 7, 2));
  SimHost *a = add_host (net, home_a, "a"), *b = add_host (net, home_b, "b");
  SimHost *server = add_host (net, SIM_NET_INTERNET, "server");
  SimEndpoint server_ep = sim_host_get_endpoint (server, 0), a_public, b_public;

  /* Each learns its public address from the server, as from a pong. */
  g_assert_true (deliver (net, SECONDS (1), a, 0, &server_ep, &a_public) == server);
  g_assert_true (deliver (net, SECONDS (1), b, 0, &server_ep, &b_public) == server);
  g_assert_cmpuint (a_public.port, ==, 4000);
  /* b -> a straight away: a's NAT never sent to b. */
  g_assert_null (deliver (net, SECONDS (2), b, 0, &a_public, NULL));
  g_assert_cmpuint (sim_net_get_stats (net)->lost[SIM_LOST_FILTERED], ==, 1);
  /* a punches b with TTL 4: it crosses a's NAT (1 hop) and dies in the
   * internet (7 hops), so b's NAT does not see it. */
  g_assert_null (deliver (net, SECONDS (3), a, 4, &b_public, NULL));
  g_assert_cmpuint (sim_net_get_stats (net)->lost[SIM_LOST_TTL], ==, 1);
  g_assert_true (deliver (net, SECONDS (3), b, 0, &a_public, NULL) == a);
  /* And now a's full-TTL packet is an answer to b's. */
  g_assert_true (deliver (net, SECONDS (3), a, 0, &b_public, NULL) == b);
  /* A TTL of 1 dies at a's own NAT: it opens nothing. */
  {
    SimEndpoint elsewhere = { IP (11, 9, 9, 1), 4000 };
    guint before = sim_nat_table_count_permissions (sim_net_get_nats (net));

    g_assert_null (deliver (net, SECONDS (4), a, 1, &elsewhere, NULL));
    g_assert_cmpuint (sim_nat_table_count_permissions (sim_net_get_nats (net)), ==, before);
  }
  sim_net_free (net);
}

/* Carrier-grade: a home NAT inside a CGN. Outside peers see the CGN's
 * address; two customers reach each other by hairpinning at the CGN once
 * both have sent (each NAT port-restricted). */
static void
test_carrier_grade (void)
{
  SimLatency latency = { 0 };
  SimNet *net = sim_net_new (6, 0.0, &latency);
  guint cgn = add_nat (net, SIM_NET_INTERNET, SIM_NAT_PORT_RESTRICTED, IP (100, 64, 0, 1));
  guint home_a = add_nat (net, cgn, SIM_NAT_PORT_RESTRICTED, IP (192, 168, 1, 2));
  guint home_b = add_nat (net, cgn, SIM_NAT_PORT_RESTRICTED, IP (192, 168, 1, 2));
  SimHost *a = add_host (net, home_a, "a"), *b = add_host (net, home_b, "b");
  SimHost *server = add_host (net, SIM_NET_INTERNET, "server");
  SimHost *stranger = add_host (net, SIM_NET_INTERNET, "stranger");
  SimEndpoint server_ep = sim_host_get_endpoint (server, 0), a_public, b_public;

  g_assert_true (deliver (net, SECONDS (1), a, 0, &server_ep, &a_public) == server);
  g_assert_true (deliver (net, SECONDS (1), b, 0, &server_ep, &b_public) == server);
  g_assert_cmpuint (a_public.ip, ==, b_public.ip);
  g_assert_cmpuint (a_public.port, !=, b_public.port);
  g_assert_true (deliver (net, SECONDS (2), server, 0, &a_public, NULL) == a);
  g_assert_null (deliver (net, SECONDS (2), stranger, 0, &a_public, NULL));
  /* TTL 2 crosses the home NAT but dies at the CGN. A punch at TTL 4
   * crosses both and hairpins at the CGN, where b's mapping refuses it, but
   * it opened a's side: b's answer gets in, and then a's. */
  g_assert_null (deliver (net, SECONDS (3), a, 2, &server_ep, NULL));
  g_assert_null (deliver (net, SECONDS (3), a, 4, &b_public, NULL));
  g_assert_true (deliver (net, SECONDS (3), b, 0, &a_public, NULL) == a);
  g_assert_true (deliver (net, SECONDS (3), a, 0, &b_public, NULL) == b);
  sim_net_free (net);
}

/* A network with two public hosts, a and b. */
static SimNet *
two_hosts (guint64 seed, double loss, SimHost **a, SimHost **b)
{
  SimLatency latency = { 0 };
  SimNet *net = sim_net_new (seed, loss, &latency);

  *a = add_host (net, SIM_NET_INTERNET, "a");
  *b = add_host (net, SIM_NET_INTERNET, "b");
  return net;
}

/* A host that left takes its address with it: datagrams in flight to it are
 * lost, and its address is not given to anyone else. */
static void
test_departed_host (void)
{
  SimHost *a, *b;
  SimNet *net = two_hosts (7, 0.0, &a, &b);
  SimEndpoint b_ep = sim_host_get_endpoint (b, 0);
  guint8 data[4] = { 0 };
  SimDelivery d;

  g_assert_true (sim_net_send (net, SECONDS (1), a, 0, 0, &b_ep, data, sizeof data, NULL));
  sim_net_remove_host (net, b);
  g_assert_false (sim_net_arrive (net, &d));
  g_assert_cmpuint (sim_net_get_stats (net)->lost[SIM_LOST_NO_HOST], ==, 1);
  g_assert_cmpuint (sim_net_new_ip (net, SIM_NET_INTERNET), !=, b_ep.ip);
  sim_net_free (net);
}

/* Punch sockets get their own ephemeral ports; a datagram to a closed one
 * is lost. */
static void
test_punch_sockets (void)
{
  SimHost *a, *b;
  SimNet *net = two_hosts (8, 0.0, &a, &b);
  guint8 data[4] = { 0 };
  SimEndpoint b5;
  SimDelivery d;

  g_assert_true (sim_net_open_socket (net, b, 5));
  g_assert_false (sim_net_open_socket (net, b, 5));
  b5 = sim_host_get_endpoint (b, 5);
  g_assert_cmpuint (b5.port, >=, 32768);
  g_assert_cmpuint (sim_host_count_sockets (b), ==, 3);
  g_assert_true (sim_net_send (net, SECONDS (1), a, 0, 0, &b5, data, sizeof data, NULL));
  g_assert_true (sim_net_arrive (net, &d));
  g_assert_cmpuint (d.socket, ==, 5);
  sim_net_close_socket (net, b, 5);
  g_assert_true (sim_net_send (net, SECONDS (2), a, 0, 0, &b5, data, sizeof data, NULL));
  g_assert_false (sim_net_arrive (net, &d));
  g_assert_false (sim_net_send (net, SECONDS (2), b, 5, 0, &b5, data, sizeof data, NULL));
  sim_net_free (net);
}

/* The uplink sends at its rate and drops what does not fit its queue. */
static void
test_uplink (void)
{
  SimUplink uplink = { .rate_kbit = 8000, .queue_bytes = 10000 }; /* 1 byte/us */
  guint sent = 0;

  /* 1,000-byte datagrams: 1,028 us each on the wire. */
  g_assert_cmpint (sim_uplink_send (&uplink, 0, 1000), ==, 1028);
  g_assert_cmpint (sim_uplink_send (&uplink, 0, 1000), ==, 2056);
  while (sim_uplink_send (&uplink, 0, 1000) >= 0)
    sent++;
  /* About 10,000 bytes queue up at once. */
  g_assert_cmpuint (sent + 2, >=, 8);
  g_assert_cmpuint (sent + 2, <=, 10);
  /* Once drained, it sends again. */
  g_assert_cmpint (sim_uplink_send (&uplink, SECONDS (1), 1000), ==, SECONDS (1) + 1028);
}

/* Random loss and latency: about the share asked for is lost; latency
 * follows distance and jitter reorders. */
static void
test_loss_and_jitter (void)
{
  SimHost *a, *b;
  SimNet *net = two_hosts (9, 0.2, &a, &b);
  SimEndpoint b_ep = sim_host_get_endpoint (b, 0);
  guint delivered = 0, reordered = 0;
  guint8 last = 0;
  SimDelivery d;

  for (guint i = 0; i < 1000; i++)
    {
      guint8 data[1] = { (guint8) i };
      sim_net_send (net, SECONDS (1) + i * 100, a, 0, 0, &b_ep, data, sizeof data, NULL);
    }
  while (sim_net_next_arrival (net) >= 0)
    if (sim_net_arrive (net, &d))
      {
        reordered += delivered > 0 && (guint8) (d.data[0] - last) > 128;
        last = d.data[0];
        delivered++;
      }
  g_assert_cmpuint (delivered, >, 750);
  g_assert_cmpuint (delivered, <, 850);
  g_assert_cmpuint (reordered, >, 0);
  sim_net_free (net);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/sim-nat/cone-filtering", test_cone_filtering);
  g_test_add_func ("/sim-nat/symmetric", test_symmetric);
  g_test_add_func ("/sim-nat/port-clash", test_port_clash);
  g_test_add_func ("/sim-nat/timeout", test_timeout);
  g_test_add_func ("/sim-net/low-ttl-punch", test_low_ttl_punch);
  g_test_add_func ("/sim-net/carrier-grade", test_carrier_grade);
  g_test_add_func ("/sim-net/departed-host", test_departed_host);
  g_test_add_func ("/sim-net/punch-sockets", test_punch_sockets);
  g_test_add_func ("/sim-net/uplink", test_uplink);
  g_test_add_func ("/sim-net/loss-and-jitter", test_loss_and_jitter);
  return g_test_run ();
}
