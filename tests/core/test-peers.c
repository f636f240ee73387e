/* test-peers.c: joining, peer exchange, keepalive and the bounded peer
 * table, for many cores in virtual time.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-control.h"
#include "srp-core.h"
#include "srp-sim.h"

#define SECONDS(n) ((gint64) (n) * G_USEC_PER_SEC)

typedef struct {
  guint added, removed, nat_changes;
  GArray *removed_at; /* gint64 virtual times */
} Counts;

static void
count_events (SrpSim *sim, guint node, const SrpCoreEvent *event, gpointer user_data)
{
  Counts *c = user_data;
  gint64 now = srp_sim_get_now (sim);

  if (event->type == SRP_CORE_EVENT_PEER_ADDED)
    c->added++;
  else if (event->type == SRP_CORE_EVENT_PEER_REMOVED)
    {
      c->removed++;
      g_array_append_val (c->removed_at, now);
    }
  else if (event->type == SRP_CORE_EVENT_NAT_CHANGED)
    c->nat_changes++;
}

/* Nodes 1..n-1 bootstrap from node 0. */
static SrpSim *
make_network (guint64 seed, guint n, const SrpCoreConfig *config, Counts *counts)
{
  SrpSim *sim = srp_sim_new (seed);

  for (guint i = 0; i < n; i++)
    srp_sim_add_node (sim, config);
  srp_sim_set_default_link (sim, 20000, 0.0);
  if (counts != NULL)
    srp_sim_set_event_func (sim, count_events, counts);
  for (guint i = 1; i < n; i++)
    {
      srp_core_add_bootstrap (srp_sim_get_core (sim, i), srp_sim_get_now (sim),
                              srp_sim_get_address (sim, 0));
      srp_sim_flush (sim, i);
    }
  return sim;
}

/* TRUE when the graph of connections among online nodes is connected. */
static gboolean
network_connected (SrpSim *sim, guint n, const gboolean *skip)
{
  g_autofree gboolean *seen = g_new0 (gboolean, n);
  g_autoptr (GArray) queue = g_array_new (FALSE, FALSE, sizeof (guint));
  guint start = 0, reached = 0, expected = 0;

  while (skip != NULL && skip[start])
    start++;
  for (guint i = 0; i < n; i++)
    expected += skip == NULL || !skip[i];
  g_array_append_val (queue, start);
  seen[start] = TRUE;
  for (guint q = 0; q < queue->len; q++)
    {
      guint node = g_array_index (queue, guint, q);
      g_autoptr (GArray) peers = g_array_new (FALSE, FALSE, sizeof (SrpCoreEvent));

      reached++;
      srp_core_list_peers (srp_sim_get_core (sim, node), peers);
      for (guint p = 0; p < peers->len; p++)
        {
          const SrpId *id = &g_array_index (peers, SrpCoreEvent, p).peer.id;
          for (guint other = 0; other < n; other++)
            if (!seen[other] && (skip == NULL || !skip[other]) &&
                srp_id_equal (id, srp_sim_get_id (sim, other)))
              {
                seen[other] = TRUE;
                g_array_append_val (queue, other);
              }
        }
    }
  return reached == expected;
}

static void
test_fifty_join_through_one_bootstrap (void)
{
  Counts counts = { .removed_at = g_array_new (FALSE, FALSE, sizeof (gint64)) };
  SrpSim *sim = make_network (7, 50, NULL, &counts);
  guint min_connected = G_MAXUINT, max_known = 0;

  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (180));
  for (guint i = 0; i < 50; i++)
    {
      SrpCore *core = srp_sim_get_core (sim, i);
      min_connected = MIN (min_connected, srp_core_get_n_connected (core));
      max_known = MAX (max_known, srp_core_get_n_known (core));
    }
  g_test_message ("50 peers: at least %u connections each, at most %u known, "
                  "%" G_GUINT64_FORMAT " datagrams",
                  min_connected, max_known, srp_sim_get_sent (sim));
  g_assert_true (network_connected (sim, 50, NULL));
  /* Peer exchange spread the network well beyond the bootstrap peer. */
  g_assert_cmpuint (min_connected, >=, 4);
  g_assert_cmpuint (max_known, <=, 256);
  g_assert_cmpuint (counts.removed, ==, 0);
  g_array_unref (counts.removed_at);
  srp_sim_free (sim);
}

static void
test_leave_and_return (void)
{
  Counts counts = { .removed_at = g_array_new (FALSE, FALSE, sizeof (gint64)) };
  SrpSim *sim = make_network (8, 30, NULL, &counts);
  gboolean away[30] = { FALSE };
  gint64 left;
  guint removed_before;
  SrpCoreConfig defaults;
  gint64 heartbeat;

  srp_core_config_init (&defaults);
  heartbeat = defaults.heartbeat_us;
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (120));
  g_assert_true (network_connected (sim, 30, NULL));
  removed_before = counts.removed;
  g_assert_cmpuint (removed_before, ==, 0);

  /* A third of the network goes away... */
  for (guint i = 20; i < 30; i++)
    {
      away[i] = TRUE;
      srp_sim_set_online (sim, i, FALSE);
    }
  left = srp_sim_get_now (sim);
  srp_sim_run_until (sim, left + SECONDS (180));
  g_assert_cmpuint (counts.removed, >, 0);
  /* ...and is dropped only after three missed heartbeats, never sooner
   * (nothing was published: no packet went unacknowledged to make a link
   * suspect). The last answered heartbeat was at most one interval before
   * it left (an eighth longer on the side with the lower ID, which lets
   * the other check a quiet link), so the third miss comes at least 2
   * intervals after it left, plus the 2 s that each heartbeat's four pings
   * take to fail. */
  for (guint i = 0; i < counts.removed_at->len; i++)
    {
      gint64 after = g_array_index (counts.removed_at, gint64, i) - left;
      g_assert_cmpint (after, >=, 2 * heartbeat + 3 * SECONDS (2));
      g_assert_cmpint (after, <=, 3 * heartbeat + heartbeat / 8 + 3 * SECONDS (2));
    }
  for (guint i = 0; i < 20; i++)
    {
      g_autoptr (GArray) peers = g_array_new (FALSE, FALSE, sizeof (SrpCoreEvent));
      srp_core_list_peers (srp_sim_get_core (sim, i), peers);
      for (guint p = 0; p < peers->len; p++)
        for (guint gone = 20; gone < 30; gone++)
          g_assert_false (srp_id_equal (&g_array_index (peers, SrpCoreEvent, p).peer.id,
                                        srp_sim_get_id (sim, gone)));
    }
  g_assert_true (network_connected (sim, 30, away));

  /* They come back and rejoin. */
  for (guint i = 20; i < 30; i++)
    srp_sim_set_online (sim, i, TRUE);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (180));
  g_assert_true (network_connected (sim, 30, NULL));
  g_array_unref (counts.removed_at);
  srp_sim_free (sim);
}

static void
test_no_flapping_on_a_lossy_network (void)
{
  Counts counts = { .removed_at = g_array_new (FALSE, FALSE, sizeof (gint64)) };
  SrpSim *sim = make_network (9, 20, NULL, &counts);

  srp_sim_set_default_link (sim, 30000, 0.1);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (900));
  g_test_message ("20 peers, 10%% loss, 15 minutes: %u connections made, %u dropped",
                  counts.added, counts.removed);
  g_assert_true (network_connected (sim, 20, NULL));
  g_assert_cmpuint (counts.removed, ==, 0);
  g_array_unref (counts.removed_at);
  srp_sim_free (sim);
}

static void
test_table_stays_bounded (void)
{
  /* Tables far smaller than the network: handshakes race for the last
   * places, and a peer that lost the race must not stay half-connected
   * (it would stop looking for peers with room, and the network would
   * split). Several seeds, so a lucky one cannot hide it. */
  for (guint64 seed = 1; seed <= 8; seed++)
    {
      SrpCoreConfig config;
      SrpSim *sim;

      srp_core_config_init (&config);
      config.peer_capacity = 12;
      config.target_connections = 4;
      sim = make_network (seed, 40, &config, NULL);
      srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (300));
      for (guint i = 0; i < 40; i++)
        {
          g_assert_cmpuint (srp_core_get_n_known (srp_sim_get_core (sim, i)), <=, 12);
          for (guint j = 0; j < 40; j++)
            if (j != i)
              g_assert_cmpint (srp_sim_is_connected (sim, i, j), ==, srp_sim_is_connected (sim, j, i));
        }
      g_assert_true (network_connected (sim, 40, NULL));
      srp_sim_free (sim);
    }
}

static void
test_flood_from_one_prefix (void)
{
  SrpSim *sim = make_network (11, 2, NULL, NULL);
  SrpCore *victim = srp_sim_get_core (sim, 0);
  SrpPeers peers = { .n = SRP_PEERS_MAX };
  guint8 frame[SRP_MAX_DATAGRAM];
  guint sent = 0;
  SrpAddress prefix_probe;

  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (5));
  g_assert_cmpuint (srp_core_get_n_connected (victim), ==, 1);

  /* 10,000 fake records, all in 198.51.100.0/24, from an authenticated peer,
   * spread over time so that its rate limit alone does not stop them. */
  while (sent < 10000)
    {
      gsize len;

      for (guint i = 0; i < SRP_PEERS_MAX; i++, sent++)
        {
          guint8 ip[4] = { 198, 51, 100, (guint8) (sent % 250) };
          SrpPeerRecord *r = &peers.peers[i];

          memset (r, 0, sizeof *r);
          r->id.bytes[0] = 0xfa;
          r->id.bytes[1] = (guint8) (sent >> 8);
          r->id.bytes[2] = (guint8) sent;
          srp_address_init_ipv4 (&r->address, ip, (guint16) (1000 + sent / 250));
        }
      len = srp_peers_encode (&peers, frame);
      g_assert_true (srp_sim_inject_from (sim, 1, 0, frame, len));
      srp_sim_flush (sim, 0);
      srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (3));
    }
  g_assert_true (srp_address_parse (&prefix_probe, "198.51.100.1:1"));
  g_test_message ("after 10,000 fake records: %u known, %" G_GUINT64_FORMAT " refused",
                  srp_core_get_n_known (victim),
                  srp_core_get_drop_count (victim, SRP_DROP_TABLE_FULL));
  /* 16 is the default prefix limit, plus the real peer. */
  g_assert_cmpuint (srp_core_get_n_known (victim), <=, 16 + 1);
  /* Most records were refused outright; the rest replaced fake entries whose
   * handshakes had failed, which is what fills no more than the prefix. */
  g_assert_cmpuint (srp_core_get_drop_count (victim, SRP_DROP_TABLE_FULL), >, 5000);
  g_assert_cmpuint (srp_core_get_n_connected (victim), ==, 1);
  srp_sim_free (sim);
}

static void
test_forged_handshake_is_refused (void)
{
  /* A HELLO_REPLY signed by another key than the ID it claims never connects. */
  SrpSim *sim = make_network (12, 2, NULL, NULL);
  SrpCore *a = srp_sim_get_core (sim, 1);
  SrpTransmit t;
  SrpHello hello;
  SrpHelloReply reply = { 0 };
  guint8 frame[SRP_MAX_DATAGRAM];
  gsize len;

  /* Node 1 has sent its HELLO to node 0; take it off the wire. */
  g_assert_true (srp_sim_step (sim));
  srp_sim_set_online (sim, 0, FALSE);
  srp_core_add_bootstrap (a, srp_sim_get_now (sim), srp_sim_get_address (sim, 0));
  srp_core_handle_timeout (a, srp_sim_get_now (sim) + SECONDS (1));
  while (srp_core_poll_transmit (a, &t))
    if (srp_hello_decode (t.data, t.len, &hello) == SRP_DROP_NONE)
      break;
  reply.sender = *srp_sim_get_id (sim, 0); /* claims node 0's ID... */
  memcpy (reply.echo, hello.challenge, sizeof reply.echo);
  reply.observed = *srp_sim_get_address (sim, 1);
  memset (reply.signature, 0x5a, sizeof reply.signature); /* ...without its key */
  len = srp_hello_reply_encode (&reply, frame);
  srp_core_handle_datagram (a, srp_sim_get_now (sim) + SECONDS (1), 0, srp_sim_get_address (sim, 0),
                            frame, len);
  g_assert_cmpuint (srp_core_get_drop_count (a, SRP_DROP_BAD_SIGNATURE), ==, 1);
  g_assert_cmpuint (srp_core_get_n_connected (a), ==, 0);
  srp_sim_free (sim);
}

static void
test_goodbye_frees_at_once (void)
{
  /* A peer that leaves on purpose is forgotten at once, not after three
   * missed heartbeats; a goodbye without the connection's token is not
   * believed. */
  Counts counts = { .removed_at = g_array_new (FALSE, FALSE, sizeof (gint64)) };
  SrpSim *sim = make_network (21, 3, NULL, &counts);
  SrpCore *bootstrap = srp_sim_get_core (sim, 0);
  SrpCore *leaver = srp_sim_get_core (sim, 1);
  SrpGoodbye forged = { .sender = *srp_sim_get_id (sim, 1) };
  guint8 frame[SRP_MAX_DATAGRAM];
  guint known_before;
  gint64 left_at;

  srp_sim_run_until (sim, SECONDS (10));
  g_assert_true (network_connected (sim, 3, NULL));
  g_assert_cmpuint (srp_core_get_n_connected (bootstrap), ==, 2);
  known_before = srp_core_get_n_known (bootstrap);

  memset (forged.token, 0x5a, sizeof forged.token);
  /* In clear from the leaver's address (anyone on the path could send
   * it): not even read. */
  srp_core_handle_datagram (bootstrap, srp_sim_get_now (sim), 0, srp_sim_get_address (sim, 1),
                            frame, srp_goodbye_encode (&forged, frame));
  g_assert_cmpuint (srp_core_get_drop_count (bootstrap, SRP_DROP_UNSEALED), ==, 1);
  /* Sealed, but with another token; and cut short. */
  g_assert_true (srp_sim_inject_from (sim, 1, 0, frame, srp_goodbye_encode (&forged, frame)));
  g_assert_cmpuint (srp_core_get_drop_count (bootstrap, SRP_DROP_UNEXPECTED), ==, 1);
  g_assert_true (srp_sim_inject_from (sim, 1, 0, frame, srp_goodbye_encode (&forged, frame) - 1));
  g_assert_cmpuint (srp_core_get_drop_count (bootstrap, SRP_DROP_BAD_CONTROL), ==, 1);
  g_assert_cmpuint (srp_core_get_n_connected (bootstrap), ==, 2);

  counts.removed = 0;
  left_at = srp_sim_get_now (sim);
  srp_core_leave (leaver, left_at);
  g_assert_cmpuint (srp_core_get_n_connected (leaver), ==, 0);
  srp_sim_flush (sim, 1);
  srp_sim_set_online (sim, 1, FALSE);
  srp_sim_run_until (sim, left_at + SECONDS (1));
  g_assert_cmpuint (srp_core_get_n_connected (bootstrap), ==, 1);
  g_assert_cmpuint (srp_core_get_n_connected (srp_sim_get_core (sim, 2)), ==, 1);
  g_assert_cmpuint (srp_core_get_n_known (bootstrap), ==, known_before - 1);
  /* Two removals seen by the others (the leaver's own two events too). */
  g_assert_cmpuint (counts.removed, ==, 4);
  srp_sim_free (sim);
  g_array_unref (counts.removed_at);
}

static void
test_requests_need_authentication (void)
{
  SrpCoreConfig config;
  SrpCore *core;
  SrpAddress stranger;
  guint8 frame[SRP_MAX_DATAGRAM];
  SrpProbeRequest probe = { .nonce = 1, .mode = SRP_PROBE_FROM_MAIN_PORT };
  SrpTransmit t;

  srp_core_config_init (&config);
  core = srp_core_new (&config);
  g_assert_true (srp_address_parse (&stranger, "192.0.2.9:4000"));
  probe.target = stranger;
  srp_core_handle_datagram (core, 1, 0, &stranger, frame, srp_peers_request_encode (frame));
  srp_core_handle_datagram (core, 1, 0, &stranger, frame, srp_probe_request_encode (&probe, frame));
  g_assert_cmpuint (srp_core_get_drop_count (core, SRP_DROP_UNAUTHENTICATED), ==, 2);
  g_assert_false (srp_core_poll_transmit (core, &t));
  srp_core_free (core);
}

static void
test_one_socket_refuses_other_port_probes (void)
{
  /* A peer without a second socket must not answer "from your other port"
   * from its main one: the requester would think its NAT filters less. */
  SrpCoreConfig config;
  SrpSim *sim;
  SrpCore *core;
  SrpProbeRequest probe = { .nonce = 7, .mode = SRP_PROBE_FROM_OTHER_PORT };
  guint8 frame[SRP_MAX_DATAGRAM];
  SrpTransmit t;

  srp_core_config_init (&config);
  config.n_sockets = 1;
  sim = make_network (14, 2, &config, NULL);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (5));
  core = srp_sim_get_core (sim, 0);
  g_assert_cmpuint (srp_core_get_n_connected (core), ==, 1);
  while (srp_core_poll_transmit (core, &t))
    ;
  probe.target = *srp_sim_get_address (sim, 1);
  g_assert_true (srp_sim_inject_from (sim, 1, 0, frame, srp_probe_request_encode (&probe, frame)));
  g_assert_cmpuint (srp_core_get_drop_count (core, SRP_DROP_UNEXPECTED), ==, 1);
  g_assert_false (srp_core_poll_transmit (core, &t));
  /* Nor does it ever classify with only one socket. */
  g_assert_cmpuint (srp_core_get_nat (core, NULL), ==, SRP_NAT_UNKNOWN);
  srp_sim_free (sim);
}

static void
test_nat_public_in_simulation (void)
{
  /* The simulated network has no NAT: every node must find itself public. */
  Counts counts = { .removed_at = g_array_new (FALSE, FALSE, sizeof (gint64)) };
  SrpSim *sim = make_network (13, 5, NULL, &counts);
  SrpAddress public_address;

  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (60));
  for (guint i = 0; i < 5; i++)
    {
      guint8 nat = srp_core_get_nat (srp_sim_get_core (sim, i), &public_address);
      g_assert_cmpstr (srp_nat_name (nat), ==, "public");
      g_assert_true (srp_address_equal (&public_address, srp_sim_get_address (sim, i)));
    }
  g_assert_cmpuint (counts.nat_changes, ==, 5);
  g_array_unref (counts.removed_at);
  srp_sim_free (sim);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/peers/fifty-join-through-one-bootstrap", test_fifty_join_through_one_bootstrap);
  g_test_add_func ("/peers/leave-and-return", test_leave_and_return);
  g_test_add_func ("/peers/no-flapping-on-a-lossy-network", test_no_flapping_on_a_lossy_network);
  g_test_add_func ("/peers/table-stays-bounded", test_table_stays_bounded);
  g_test_add_func ("/peers/flood-from-one-prefix", test_flood_from_one_prefix);
  g_test_add_func ("/peers/forged-handshake-is-refused", test_forged_handshake_is_refused);
  g_test_add_func ("/peers/goodbye-frees-at-once", test_goodbye_frees_at_once);
  g_test_add_func ("/peers/requests-need-authentication", test_requests_need_authentication);
  g_test_add_func ("/peers/one-socket-refuses-other-port-probes",
                   test_one_socket_refuses_other_port_probes);
  g_test_add_func ("/peers/nat-public-in-simulation", test_nat_public_in_simulation);
  return g_test_run ();
}
