/* test-topics.c: publishing to topics over many cores in virtual time:
 * gossip under loss, the small-network problem (delivery to peers that were
 * offline), gap filling, PUBLISHED reports, and the new frames' checks.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "srp-chain.h"
#include "srp-control-topics.h"
#include "srp-core.h"
#include "srp-packet.h"
#include "srp-sim.h"

#define SECONDS(n) ((gint64) (n) * G_USEC_PER_SEC)
#define MS(n) ((gint64) (n) * G_TIME_SPAN_MILLISECOND)

typedef struct {
  guint n_nodes;
  GHashTable **got;        /* per node: message ID -> GBytes */
  guint duplicates;        /* the same message twice at one node */
  guint wrong_topic;       /* a message for a topic the node does not subscribe to */
  GArray *published;       /* SrpCoreEvent of type PUBLISHED */
} Log;

static void
on_event (SrpSim *sim, guint node, const SrpCoreEvent *event, gpointer user_data)
{
  Log *log = user_data;

  if (event->type == SRP_CORE_EVENT_MESSAGE)
    {
      if (!srp_core_is_subscribed (srp_sim_get_core (sim, node), &event->message.topic_id))
        log->wrong_topic++;
      if (g_hash_table_contains (log->got[node], &event->message.id))
        log->duplicates++;
      else
        g_hash_table_insert (log->got[node], g_memdup2 (&event->message.id, sizeof (SrpId)),
                             g_bytes_ref (event->message.data));
    }
  else if (event->type == SRP_CORE_EVENT_PUBLISHED)
    g_array_append_val (log->published, *event);
}

static void
log_init (Log *log, guint n)
{
  log->n_nodes = n;
  log->got = g_new0 (GHashTable *, n);
  for (guint i = 0; i < n; i++)
    log->got[i] = g_hash_table_new_full (srp_id_hash_func, srp_id_equal_func, g_free,
                                         (GDestroyNotify) g_bytes_unref);
  log->duplicates = log->wrong_topic = 0;
  log->published = g_array_new (FALSE, TRUE, sizeof (SrpCoreEvent));
}

static void
log_clear (Log *log)
{
  for (guint i = 0; i < log->n_nodes; i++)
    g_hash_table_unref (log->got[i]);
  g_free (log->got);
  g_array_unref (log->published);
}

/* n cores bootstrapping from node 0, connected for a while. */
static SrpSim *
make_network (guint64 seed, guint n, const SrpCoreConfig *config, Log *log)
{
  SrpSim *sim = srp_sim_new (seed);

  for (guint i = 0; i < n; i++)
    srp_sim_add_node (sim, config);
  srp_sim_set_default_link (sim, 20000, 0.0);
  log_init (log, n);
  srp_sim_set_event_func (sim, on_event, log);
  for (guint i = 1; i < n; i++)
    {
      srp_core_add_bootstrap (srp_sim_get_core (sim, i), srp_sim_get_now (sim),
                              srp_sim_get_address (sim, 0));
      srp_sim_flush (sim, i);
    }
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (90));
  return sim;
}

static GBytes *
make_data (gsize len, guint seed)
{
  guint8 *data = g_malloc (len + 1);

  for (gsize k = 0; k < len; k++)
    data[k] = (guint8) (k * 131 + seed * 7 + (k >> 8));
  return g_bytes_new_take (data, len);
}

static void
publish (SrpSim *sim, guint node, const SrpId *topic, const SrpId *recipient, GBytes *data,
         SrpId *id)
{
  g_assert_true (srp_core_publish (srp_sim_get_core (sim, node), srp_sim_get_now (sim), topic,
                                   recipient, g_bytes_get_data (data, NULL),
                                   g_bytes_get_size (data), id));
  srp_sim_flush (sim, node);
}

static void
assert_got (Log *log, guint node, const SrpId *id, GBytes *data)
{
  GBytes *got = g_hash_table_lookup (log->got[node], id);

  g_assert_nonnull (got);
  g_assert_true (g_bytes_equal (got, data));
}

/* 100 cores, half subscribed, 10% loss on every link: every subscriber
 * gets every message, exactly once, and nobody else gets any. */
static void
test_hundred_peers_lossy (void)
{
  Log log;
  SrpSim *sim = make_network (11, 100, NULL, &log);
  SrpId topic, ids[3];
  gsize sizes[3] = { 1024, 10 * 1024, 100 * 1024 };
  GBytes *data[3];
  guint64 sent_before, sent;
  guint packets = 0, subscribers = 0;

  srp_topic_id_from_name ("news", &topic);
  for (guint i = 0; i < 100; i += 2)
    {
      srp_core_subscribe (srp_sim_get_core (sim, i), srp_sim_get_now (sim), &topic);
      srp_sim_flush (sim, i);
      subscribers++;
    }
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (5));
  srp_sim_set_default_link (sim, 20000, 0.1);
  sent_before = srp_sim_get_sent (sim);
  for (guint m = 0; m < 3; m++)
    {
      data[m] = make_data (sizes[m], m);
      /* An odd node publishes: it does not subscribe itself. */
      publish (sim, 1 + 2 * m, &topic, NULL, data[m], &ids[m]);
      packets += srp_chain_packet_count (sizes[m]);
      srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (2));
    }
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (60));
  sent = srp_sim_get_sent (sim) - sent_before;
  /* A subscriber that lost every pushed copy of the one-packet message
   * hears of it only through anti-entropy, whose rounds come up to 40 s
   * apart once the network is quiet (srp-sync.c, SYNC_QUIET_SHIFT_MAX):
   * with this seed node 76 got it 70 s after it was published. */
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (60));
  for (guint i = 0; i < 100; i++)
    for (guint m = 0; m < 3; m++)
      {
        if (i % 2 == 0)
          assert_got (&log, i, &ids[m], data[m]);
        else
          g_assert_null (g_hash_table_lookup (log.got[i], &ids[m]));
      }
  g_assert_cmpuint (log.duplicates, ==, 0);
  g_assert_cmpuint (log.wrong_topic, ==, 0);
  /* The figure counts everything sent in the minute after publishing began:
   * relays, ACKs, gap queries, anti-entropy, heartbeats. */
  g_test_message ("100 peers, 50 subscribers, 10%% loss: %" G_GUINT64_FORMAT
                  " datagrams for %u packets x %u subscribers: %.2f datagrams per delivered copy",
                  sent, packets, subscribers, (double) sent / (subscribers * packets));
  /* Relays prefer subscribers, so most of the 3 copies each relay sends
   * land on subscribers: about 3 per delivered copy, plus the rest. */
  g_assert_cmpfloat ((double) sent / (subscribers * packets), <, 10.0);
  /* Every publish was acknowledged by 3 peers despite the loss. */
  g_assert_cmpuint (log.published->len, ==, 3);
  for (guint m = 0; m < 3; m++)
    {
      const SrpCoreEvent *e = &g_array_index (log.published, SrpCoreEvent, m);
      g_assert_true (srp_id_equal (&e->published.message_id, &ids[m]));
      g_assert_true (e->published.complete);
      g_assert_cmpuint (e->published.n_accepted, >=, 3);
    }
  for (guint m = 0; m < 3; m++)
    g_bytes_unref (data[m]);
  log_clear (&log);
  srp_sim_free (sim);
}

/* The small-network problem: a subscriber is away while messages are
 * published, then the publisher leaves too; the subscriber comes back and
 * gets everything from the other peers' caches. */
static void
test_offline_subscriber_catches_up (void)
{
  Log log;
  SrpSim *sim = make_network (12, 12, NULL, &log);
  const guint alice = 5, bob = 7;
  SrpId topic, ids[3], mail_id, inbox;
  GBytes *data[3], *mail;
  gsize sizes[3] = { 100, 5000, 40 * 1024 };

  srp_topic_id_from_name ("chat", &topic);
  srp_core_subscribe (srp_sim_get_core (sim, alice), srp_sim_get_now (sim), &topic);
  srp_sim_flush (sim, alice);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (5));

  srp_sim_set_online (sim, alice, FALSE);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (60));
  for (guint m = 0; m < 3; m++)
    {
      data[m] = make_data (sizes[m], m + 10);
      publish (sim, bob, &topic, NULL, data[m], &ids[m]);
    }
  srp_topic_id_for_inbox (srp_sim_get_id (sim, alice), &inbox);
  mail = make_data (3000, 99);
  publish (sim, bob, &inbox, srp_sim_get_id (sim, alice), mail, &mail_id);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (20));
  srp_sim_set_online (sim, bob, FALSE);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (60));
  g_assert_cmpuint (g_hash_table_size (log.got[alice]), ==, 0);

  srp_sim_set_online (sim, alice, TRUE);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (180));
  for (guint m = 0; m < 3; m++)
    assert_got (&log, alice, &ids[m], data[m]);
  assert_got (&log, alice, &mail_id, mail);
  g_assert_cmpuint (log.duplicates, ==, 0);
  /* Nobody else subscribes to the chat or to Alice's inbox. */
  for (guint i = 0; i < 12; i++)
    if (i != alice)
      g_assert_cmpuint (g_hash_table_size (log.got[i]), ==, 0);

  for (guint m = 0; m < 3; m++)
    g_bytes_unref (data[m]);
  g_bytes_unref (mail);
  log_clear (&log);
  srp_sim_free (sim);
}

/* An inbox message to a connected recipient goes to it first. */
static void
test_inbox_prefers_recipient (void)
{
  Log log;
  SrpSim *sim = make_network (13, 20, NULL, &log);
  SrpId inbox, id;
  GBytes *mail = make_data (2000, 3);
  g_autoptr (GArray) peers = g_array_new (FALSE, FALSE, sizeof (SrpCoreEvent));
  guint recipient = G_MAXUINT;

  /* A recipient among node 0's connected peers. */
  srp_core_list_peers (srp_sim_get_core (sim, 0), peers);
  g_assert_cmpuint (peers->len, >, 0);
  for (guint i = 1; i < 20 && recipient == G_MAXUINT; i++)
    if (srp_id_equal (srp_sim_get_id (sim, i), &g_array_index (peers, SrpCoreEvent, 0).peer.id))
      recipient = i;
  g_assert_cmpuint (recipient, !=, G_MAXUINT);
  srp_topic_id_for_inbox (srp_sim_get_id (sim, recipient), &inbox);
  publish (sim, 0, &inbox, srp_sim_get_id (sim, recipient), mail, &id);
  /* One hop: 20 ms. The first packets reach it straight from the publisher. */
  srp_sim_run_until (sim, srp_sim_get_now (sim) + 25000);
  assert_got (&log, recipient, &id, mail);
  g_bytes_unref (mail);
  log_clear (&log);
  srp_sim_free (sim);
}

/* Publishes on a topic that nodes 1 and 2 subscribe to (so both are among
 * the publisher's three targets), makes node 1 leave leave_after_us later,
 * and returns the PUBLISHED report that follows. */
static SrpCoreEvent
publish_while_target_leaves (guint n, gint64 leave_after_us)
{
  Log log;
  SrpSim *sim = make_network (21, n, NULL, &log);
  SrpId topic, id;
  GBytes *data = make_data (3000, 5);
  SrpCoreEvent report;

  srp_topic_id_from_name ("leaving", &topic);
  for (guint i = 1; i <= 2; i++)
    {
      srp_core_subscribe (srp_sim_get_core (sim, i), srp_sim_get_now (sim), &topic);
      srp_sim_flush (sim, i);
    }
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (1));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GArray) peers = g_array_new (FALSE, FALSE, sizeof (SrpCoreEvent));
      srp_core_list_peers (srp_sim_get_core (sim, i), peers);
      g_assert_cmpuint (peers->len, ==, n - 1);
    }
  publish (sim, 0, &topic, NULL, data, &id);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + leave_after_us);
  srp_core_leave (srp_sim_get_core (sim, 1), srp_sim_get_now (sim));
  srp_sim_flush (sim, 1);
  srp_sim_set_online (sim, 1, FALSE);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (11));
  g_assert_cmpuint (log.published->len, ==, 1);
  report = g_array_index (log.published, SrpCoreEvent, 0);
  g_assert_true (srp_id_equal (&report.published.message_id, &id));
  g_bytes_unref (data);
  log_clear (&log);
  srp_sim_free (sim);
  return report;
}

/* A target that took the packets and leaves before its batched ACK was due
 * still ACKs: leaving flushes them. With four nodes nobody could replace it,
 * so only its ACK makes the publish complete with three. */
static void
test_leaving_target_acks_first (void)
{
  /* The packets arrive after 20 ms; the ACK batch would go at 30 ms. */
  SrpCoreEvent report = publish_while_target_leaves (4, 25000);

  g_assert_true (report.published.complete);
  g_assert_cmpuint (report.published.n_accepted, ==, 3);
}

/* A target that leaves before the packets reach it is replaced by another
 * connected peer at the first resend, so three peers still take them. */
static void
test_departed_target_replaced (void)
{
  SrpCoreEvent report = publish_while_target_leaves (6, 5000);

  g_assert_true (report.published.complete);
  g_assert_cmpuint (report.published.n_accepted, ==, 3);
}

/* When the departed target cannot be replaced, the network is smaller: the
 * publish completes with the peers that are left. */
static void
test_departed_target_shrinks_network (void)
{
  SrpCoreEvent report = publish_while_target_leaves (4, 5000);

  g_assert_true (report.published.complete);
  g_assert_cmpuint (report.published.n_accepted, ==, 2);
}

/* Two publishers' first messages with the same body, on one topic and on
 * two: every one of them reaches the subscriber (packet IDs cover only PREV
 * ID and BODY, so equal first messages must not start from the same PREV). */
static void
test_same_body_different_messages (void)
{
  Log log;
  SrpSim *sim = make_network (17, 6, NULL, &log);
  SrpId one, two, ids[3];
  GBytes *data = make_data (50, 1);

  srp_topic_id_from_name ("one", &one);
  srp_topic_id_from_name ("two", &two);
  srp_core_subscribe (srp_sim_get_core (sim, 5), srp_sim_get_now (sim), &one);
  srp_core_subscribe (srp_sim_get_core (sim, 5), srp_sim_get_now (sim), &two);
  srp_sim_flush (sim, 5);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (2));
  publish (sim, 1, &one, NULL, data, &ids[0]);
  publish (sim, 2, &one, NULL, data, &ids[1]);
  publish (sim, 3, &two, NULL, data, &ids[2]);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (5));
  g_assert_false (srp_id_equal (&ids[0], &ids[1]));
  g_assert_false (srp_id_equal (&ids[0], &ids[2]));
  for (guint i = 0; i < 3; i++)
    assert_got (&log, 5, &ids[i], data);
  g_bytes_unref (data);
  log_clear (&log);
  srp_sim_free (sim);
}

/* A chain whose middle packets were lost is completed by asking. */
static void
test_gap_filled_by_query (void)
{
  Log log;
  SrpSim *sim = make_network (14, 2, NULL, &log);
  SrpCore *a = srp_sim_get_core (sim, 0), *b = srp_sim_get_core (sim, 1);
  SrpId topic = { { 42 } }, id;
  GBytes *data = make_data (20 * 1024, 5);
  g_autoptr (GPtrArray) chain = NULL;
  guint8 frame[SRP_MAX_DATAGRAM];

  g_assert_cmpuint (srp_core_get_n_connected (a), ==, 1);
  srp_core_subscribe (b, srp_sim_get_now (sim), &topic);
  srp_sim_flush (sim, 1);
  /* a holds the whole chain in its cache (as a relay would)... */
  chain = srp_chain_build (&topic, SRP_PACKET_TYPE_MESSAGE, NULL, g_bytes_get_data (data, NULL),
                           g_bytes_get_size (data));
  for (guint i = 0; i < chain->len; i++)
    {
      SrpPacket *p = g_ptr_array_index (chain, i);
      gsize len;

      p->postage = 3;
      len = srp_packet_encode (p, frame);
      g_assert_true (srp_sim_inject_from (sim, 1, 0, frame, len));
    }
  /* ...which it got "from b": it relays nothing back to b. Drop a's output. */
  {
    SrpTransmit t;
    while (srp_core_poll_transmit (a, &t))
      ;
  }
  /* b gets packets 0, 5 and 19 only. */
  for (guint i = 0; i < chain->len; i++)
    if (i == 0 || i == 5 || i == 19)
      {
        SrpPacket *p = g_ptr_array_index (chain, i);
        gsize len = srp_packet_encode (p, frame);
        g_assert_true (srp_sim_inject_from (sim, 0, 1, frame, len));
      }
  srp_sim_flush (sim, 1);
  id = ((SrpPacket *) g_ptr_array_index (chain, chain->len - 1))->id;
  g_assert_null (g_hash_table_lookup (log.got[1], &id));
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (10));
  assert_got (&log, 1, &id, data);
  g_bytes_unref (data);
  log_clear (&log);
  srp_sim_free (sim);
}

/* Two cores, node 1 subscribed to topic for a second. */
static SrpSim *
subscribed_pair (guint64 seed, const SrpId *topic, Log *log)
{
  SrpSim *sim = make_network (seed, 2, NULL, log);

  srp_core_subscribe (srp_sim_get_core (sim, 1), srp_sim_get_now (sim), topic);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (1));
  return sim;
}

/* Steps the simulation until node has message id, or limit passes;
 * returns the time that took. */
static gint64
time_until_got (SrpSim *sim, Log *log, guint node, const SrpId *id, gint64 limit)
{
  gint64 start = srp_sim_get_now (sim);

  while (!g_hash_table_contains (log->got[node], id) && srp_sim_get_now (sim) - start < limit)
    srp_sim_run_until (sim, srp_sim_get_now (sim) + MS (1));
  g_assert_true (g_hash_table_contains (log->got[node], id));
  return srp_sim_get_now (sim) - start;
}

/* One packet of a chain is lost: the hole is asked for two RTTs after the
 * packets land and filled one RTT later (the RTT is 40 ms here; a fixed
 * 300 ms wait took 340 ms). */
static void
test_hole_filled_within_rtts (void)
{
  Log log;
  SrpId topic = { { 43 } }, id;
  SrpSim *sim = subscribed_pair (15, &topic, &log);
  SrpCore *a = srp_sim_get_core (sim, 0);
  GBytes *data = make_data (8 * 1024, 6);
  g_autoptr (GPtrArray) chain = NULL;
  guint8 frame[SRP_MAX_DATAGRAM];
  SrpTransmit t;

  chain = srp_chain_build (&topic, SRP_PACKET_TYPE_MESSAGE, NULL, g_bytes_get_data (data, NULL),
                           g_bytes_get_size (data));
  /* a holds the whole chain (as a relay would, "from b": it sends b nothing). */
  for (guint i = 0; i < chain->len; i++)
    {
      SrpPacket *p = g_ptr_array_index (chain, i);
      p->postage = 3;
      g_assert_true (srp_sim_inject_from (sim, 1, 0, frame, srp_packet_encode (p, frame)));
    }
  while (srp_core_poll_transmit (a, &t))
    ;
  /* b gets every packet but the fourth. */
  for (guint i = 0; i < chain->len; i++)
    if (i != 3)
      g_assert_true (srp_sim_inject_from (sim, 0, 1, frame,
                                          srp_packet_encode (g_ptr_array_index (chain, i), frame)));
  srp_sim_flush (sim, 1);
  id = ((SrpPacket *) g_ptr_array_index (chain, chain->len - 1))->id;
  g_assert_cmpint (time_until_got (sim, &log, 1, &id, SECONDS (2)), <=, MS (150));
  g_bytes_unref (data);
  log_clear (&log);
  srp_sim_free (sim);
}

/* The publisher's copy to its only subscriber is lost: it goes again after
 * the link's retransmission timeout, a few RTTs (40 ms here; a fixed
 * 300 ms timer took 320 ms). */
static void
test_lost_publish_resent_within_rtts (void)
{
  Log log;
  SrpId topic = { { 44 } }, id;
  SrpSim *sim = subscribed_pair (16, &topic, &log);
  GBytes *data = make_data (500, 7);

  srp_sim_set_link (sim, 0, 1, MS (20), 1.0);
  publish (sim, 0, &topic, NULL, data, &id);
  srp_sim_set_link (sim, 0, 1, MS (20), 0.0);
  g_assert_cmpint (time_until_got (sim, &log, 1, &id, SECONDS (2)), <=, MS (150));
  g_bytes_unref (data);
  log_clear (&log);
  srp_sim_free (sim);
}

static guint64
stat (SrpCore *core, const char *key)
{
  g_autoptr (GVariant) stats = srp_core_get_stats (core);
  g_autoptr (GVariant) value = g_variant_lookup_value (stats, key, NULL);

  g_assert_nonnull (value);
  return g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32) ? g_variant_get_uint32 (value)
                                                             : g_variant_get_uint64 (value);
}

/* srp_core_get_packet_paths gives what the stats' packets_* say. */
static void
assert_packet_paths_match_stats (SrpCore *core)
{
  SrpCorePacketPaths paths;

  srp_core_get_packet_paths (core, &paths);
  g_assert_cmpuint (paths.new_pushed, ==, stat (core, "packets_new_pushed"));
  g_assert_cmpuint (paths.new_asked, ==, stat (core, "packets_new_asked"));
  g_assert_cmpuint (paths.relayed, ==, stat (core, "packets_relayed"));
  g_assert_cmpuint (paths.answered, ==, stat (core, "packets_answered"));
  g_assert_cmpuint (paths.published, ==, stat (core, "packets_published"));
}

static guint64
stat_drop (SrpCore *core, const char *reason)
{
  g_autoptr (GVariant) stats = srp_core_get_stats (core);
  g_autoptr (GVariant) drops = g_variant_lookup_value (stats, "drops", G_VARIANT_TYPE ("a{st}"));
  guint64 n = 0;

  g_assert_nonnull (drops);
  g_variant_lookup (drops, reason, "t", &n);
  return n;
}

/* A want is not asked of another link while the link asked stays busy
 * sending to us: its answers are queued behind each other on a slow link.
 * b holds every other packet of a 100-packet chain and asks a for the 50
 * holes; a's link to b carries 600 kB/s, so the answers take about 100 ms,
 * longer than the 50 ms after which a want is asked again. c holds the
 * chain too. Asking c for what a had not answered yet brought copies of
 * what a was still sending (c answered 18 of the 50); now c answers none
 * and nothing comes twice. */
static void
test_busy_link_not_asked_twice (void)
{
  Log log;
  SrpSim *sim = make_network (20, 3, NULL, &log);
  SrpCore *a = srp_sim_get_core (sim, 0), *b = srp_sim_get_core (sim, 1),
          *c = srp_sim_get_core (sim, 2);
  SrpId topic = { { 48 } }, id;
  GBytes *data = make_data (100 * 1024, 13);
  g_autoptr (GPtrArray) chain = NULL;
  guint8 frame[SRP_MAX_DATAGRAM];
  SrpTransmit t;
  guint64 duplicates;

  g_assert_cmpuint (srp_core_get_n_connected (b), ==, 2);
  srp_core_subscribe (b, srp_sim_get_now (sim), &topic);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (1));
  srp_sim_set_link_rate (sim, 0, 1, 600 * 1000, 1024 * 1024);
  chain = srp_chain_build (&topic, SRP_PACKET_TYPE_MESSAGE, NULL, g_bytes_get_data (data, NULL),
                           g_bytes_get_size (data));
  g_assert_cmpuint (chain->len, ==, 100);
  /* a and c hold the chain; POSTAGE 0: nobody relays it. */
  for (guint i = 0; i < chain->len; i++)
    {
      SrpPacket *p = g_ptr_array_index (chain, i);

      p->postage = 0;
      g_assert_true (srp_sim_inject_from (sim, 1, 0, frame, srp_packet_encode (p, frame)));
      g_assert_true (srp_sim_inject_from (sim, 1, 2, frame, srp_packet_encode (p, frame)));
    }
  while (srp_core_poll_transmit (a, &t))
    ;
  while (srp_core_poll_transmit (c, &t))
    ;
  duplicates = stat_drop (b, "duplicate");
  for (guint i = 0; i < chain->len; i += 2)
    g_assert_true (srp_sim_inject_from (sim, 0, 1, frame,
                                        srp_packet_encode (g_ptr_array_index (chain, i), frame)));
  srp_sim_flush (sim, 1);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (5));
  id = ((SrpPacket *) g_ptr_array_index (chain, chain->len - 1))->id;
  assert_got (&log, 1, &id, data);
  g_assert_cmpuint (stat (b, "packets_new_asked"), ==, 50);
  g_assert_cmpuint (stat (c, "packets_answered"), ==, 0);
  g_assert_cmpuint (stat_drop (b, "duplicate") - duplicates, ==, 0);
  g_bytes_unref (data);
  log_clear (&log);
  srp_sim_free (sim);
}

/* Where packets came from and went (the packets_* stats, what
 * srp-simulate sums into "packets"): a relay's whole chain came pushed, the
 * subscriber's three pushed packets and its 17 asked-for ones, each answer
 * and each publisher's copy counted once. */
static void
test_packet_paths_counted (void)
{
  Log log;
  SrpSim *sim = make_network (19, 2, NULL, &log);
  SrpCore *a = srp_sim_get_core (sim, 0), *b = srp_sim_get_core (sim, 1);
  SrpId topic = { { 47 } }, id;
  GBytes *data = make_data (20 * 1024, 11), *small = make_data (100, 12);
  g_autoptr (GPtrArray) chain = NULL;
  guint8 frame[SRP_MAX_DATAGRAM];
  SrpTransmit t;

  srp_core_subscribe (b, srp_sim_get_now (sim), &topic);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (1));
  chain = srp_chain_build (&topic, SRP_PACKET_TYPE_MESSAGE, NULL, g_bytes_get_data (data, NULL),
                           g_bytes_get_size (data));
  g_assert_cmpuint (chain->len, ==, 20);
  /* a holds the chain, pushed "from b" (its only link: it relays nothing). */
  for (guint i = 0; i < chain->len; i++)
    {
      SrpPacket *p = g_ptr_array_index (chain, i);

      p->postage = 3;
      g_assert_true (srp_sim_inject_from (sim, 1, 0, frame, srp_packet_encode (p, frame)));
    }
  while (srp_core_poll_transmit (a, &t))
    ;
  for (guint i = 0; i < chain->len; i++)
    if (i == 0 || i == 5 || i == 19)
      g_assert_true (srp_sim_inject_from (sim, 0, 1, frame,
                                          srp_packet_encode (g_ptr_array_index (chain, i), frame)));
  srp_sim_flush (sim, 1);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (10));
  id = ((SrpPacket *) g_ptr_array_index (chain, chain->len - 1))->id;
  assert_got (&log, 1, &id, data);
  g_assert_cmpuint (stat (a, "packets_new_pushed"), ==, 20);
  g_assert_cmpuint (stat (a, "packets_relayed"), ==, 0);
  g_assert_cmpuint (stat (a, "packets_answered"), ==, 17);
  g_assert_cmpuint (stat (b, "packets_new_pushed"), ==, 3);
  g_assert_cmpuint (stat (b, "packets_new_asked"), ==, 17);
  g_assert_cmpuint (stat (a, "packets_published"), ==, 0);
  /* A publish of one packet to the one link, acknowledged at once. */
  publish (sim, 0, &topic, NULL, small, &id);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (2));
  assert_got (&log, 1, &id, small);
  g_assert_cmpuint (stat (a, "packets_published"), ==, 1);
  g_assert_cmpuint (stat (b, "packets_new_pushed"), ==, 4);
  g_assert_cmpuint (stat (b, "packets_relayed"), ==, 0);
  assert_packet_paths_match_stats (a);
  assert_packet_paths_match_stats (b);
  g_bytes_unref (data);
  g_bytes_unref (small);
  log_clear (&log);
  srp_sim_free (sim);
}

/* Publishes wait for their ACKs however many there are, up to a bound in
 * bytes (16 MiB of frames); past it the oldest is reported early, and
 * counted. A count of 256 used to close the 257th-oldest silently. */
static void
test_outstanding_publishes_bounded_by_bytes (void)
{
  Log log;
  SrpId topic = { { 45 } }, id;
  SrpSim *sim = subscribed_pair (17, &topic, &log);
  SrpCore *a = srp_sim_get_core (sim, 0);
  GBytes *large = make_data (SRP_MESSAGE_MAX_LEN, 9);
  guint64 closed;

  /* Nothing reaches b now: no ACK comes back. */
  srp_sim_set_link (sim, 0, 1, MS (20), 1.0);
  for (guint i = 0; i < 1000; i++)
    {
      guint8 body[4] = { (guint8) i, (guint8) (i >> 8), 1, 2 };
      g_assert_true (srp_core_publish (a, srp_sim_get_now (sim), &topic, NULL, body, sizeof body,
                                       &id));
    }
  srp_sim_flush (sim, 0);
  g_assert_cmpuint (stat (a, "publishes_pending"), ==, 1000);
  g_assert_cmpuint (stat (a, "publishes_closed_early"), ==, 0);
  g_assert_cmpuint (log.published->len, ==, 0);
  /* 17 MiB more: the oldest go early, each with its PUBLISHED. */
  for (guint i = 0; i < 17; i++)
    publish (sim, 0, &topic, NULL, large, &id);
  closed = stat (a, "publishes_closed_early");
  g_assert_cmpuint (closed, >, 0);
  g_assert_cmpuint (stat (a, "publishes_pending_bytes"), <=, 16 * 1024 * 1024);
  g_assert_cmpuint (log.published->len, ==, closed);
  for (guint i = 0; i < log.published->len; i++)
    g_assert_false (g_array_index (log.published, SrpCoreEvent, i).published.complete);
  g_bytes_unref (large);
  log_clear (&log);
  srp_sim_free (sim);
}

/* Queries beyond the per-link budget (a burst of 512 packets) are served in
 * part, up to what the budget holds, not refused whole: five queries of 128
 * get 512 packets (refusing a query whole answered 484). */
static void
test_query_over_budget_served_in_part (void)
{
  Log log;
  SrpSim *sim = make_network (18, 2, NULL, &log);
  SrpCore *a = srp_sim_get_core (sim, 0);
  SrpId topic = { { 46 } };
  GBytes *data = make_data (700 * 1024, 10);
  g_autoptr (GPtrArray) chain = srp_chain_build (&topic, SRP_PACKET_TYPE_MESSAGE, NULL,
                                                 g_bytes_get_data (data, NULL),
                                                 g_bytes_get_size (data));
  guint8 frame[SRP_MAX_DATAGRAM];
  SrpTransmit t;
  gsize packet_len;
  guint answered = 0;

  for (guint i = 0; i < chain->len; i++)
    {
      SrpPacket *p = g_ptr_array_index (chain, i);
      p->postage = 0; /* cached, relayed to nobody */
      g_assert_true (srp_sim_inject_from (sim, 1, 0, frame, srp_packet_encode (p, frame)));
    }
  while (srp_core_poll_transmit (a, &t))
    ;
  /* 128 + 128 + 128 + 100 + 128: the fourth leaves 28 tokens for the fifth. */
  for (guint q = 0, next = 0; q < 5; q++)
    {
      SrpIdList ids = { .n = q == 3 ? 100 : SRP_IDS_MAX };

      for (guint k = 0; k < ids.n; k++)
        ids.ids[k] = srp_id_prefix (&((SrpPacket *) g_ptr_array_index (chain, next++))->id);
      g_assert_true (srp_sim_inject_from (sim, 1, 0, frame, srp_query_encode (&ids, frame)));
    }
  /* Answers go sealed: PACKET frames of the chain's packets, each of them
   * 1,162 bytes plain, are the sealed datagrams that long. */
  packet_len = srp_packet_encode (g_ptr_array_index (chain, 0), frame);
  while (srp_core_poll_transmit (a, &t))
    answered += t.data[3] == SRP_FRAME_SEALED && t.len == packet_len + SRP_SEAL_OVERHEAD;
  g_assert_cmpuint (answered, ==, 512);
  g_assert_cmpuint (srp_core_get_drop_count (a, SRP_DROP_RATE_LIMITED), ==, 1);
  g_bytes_unref (data);
  log_clear (&log);
  srp_sim_free (sim);
}

/* Relayed PACKETs sent by node 0 after one came in from node 1. */
static guint
relayed_copies (SrpSim *sim, SrpPacket *packet)
{
  SrpCore *hub = srp_sim_get_core (sim, 0);
  guint8 frame[SRP_MAX_DATAGRAM];
  gsize len = srp_packet_encode (packet, frame);
  SrpTransmit t;
  guint n = 0;

  g_assert_true (srp_sim_inject_from (sim, 1, 0, frame, len));
  /* Sealed on the way out: a relayed copy is as long as the packet, sealed,
   * and the peers it names (the other targets and node 1). */
  while (srp_core_poll_transmit (hub, &t))
    n += t.data[3] == SRP_FRAME_SEALED && t.len >= len + SRP_SEAL_OVERHEAD &&
         t.len <= len + SRP_SEAL_OVERHEAD + SRP_SENT_TO_LEN (SRP_SENT_TO_MAX);
  return n;
}

/* A message of one packet is relayed to fanout + 2 links (nothing shows a
 * peer that missed it but anti-entropy); a packet of a chain to fanout - 1
 * (a hole in a chain is asked for). */
static void
test_lone_packets_relayed_wider (void)
{
  Log log;
  SrpSim *sim = make_network (19, 9, NULL, &log);
  SrpId topic = { { 47 } };
  GBytes *one = make_data (500, 11), *two = make_data (1500, 12);
  g_autoptr (GPtrArray) lone = srp_chain_build (&topic, SRP_PACKET_TYPE_MESSAGE, NULL,
                                                g_bytes_get_data (one, NULL),
                                                g_bytes_get_size (one));
  g_autoptr (GPtrArray) chain = srp_chain_build (&topic, SRP_PACKET_TYPE_MESSAGE, NULL,
                                                 g_bytes_get_data (two, NULL),
                                                 g_bytes_get_size (two));

  g_assert_cmpuint (srp_core_get_n_connected (srp_sim_get_core (sim, 0)), ==, 8);
  g_assert_cmpuint (lone->len, ==, 1);
  g_assert_cmpuint (chain->len, ==, 2);
  ((SrpPacket *) g_ptr_array_index (lone, 0))->postage = 10;
  ((SrpPacket *) g_ptr_array_index (chain, 0))->postage = 10;
  g_assert_cmpuint (relayed_copies (sim, g_ptr_array_index (lone, 0)), ==, 3 + 2);
  g_assert_cmpuint (relayed_copies (sim, g_ptr_array_index (chain, 0)), ==, 3 - 1);
  g_bytes_unref (one);
  g_bytes_unref (two);
  log_clear (&log);
  srp_sim_free (sim);
}

/* Three subscribers linked to their publisher and to each other (what
 * bench-flood runs): the publisher's copies name its other targets, so a
 * subscriber relays to none of them, and each gets each packet once. Before
 * sent-to hints each relayed every packet to the two others: 3 copies each
 * (30 a subscriber for this message of 10 packets, 60 relays in all). */
static void
test_sent_to_spares_siblings (void)
{
  Log log;
  SrpSim *sim = make_network (23, 4, NULL, &log);
  SrpId topic = { { 48 } }, id;
  GBytes *data = make_data (10 * 1024, 13);
  guint64 pushed = 0;

  for (guint i = 0; i < 4; i++)
    g_assert_cmpuint (stat (srp_sim_get_core (sim, i), "peers_connected"), ==, 3);
  for (guint i = 1; i < 4; i++)
    {
      srp_core_subscribe (srp_sim_get_core (sim, i), srp_sim_get_now (sim), &topic);
      srp_sim_flush (sim, i);
    }
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (2));
  publish (sim, 0, &topic, NULL, data, &id);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (5));
  for (guint i = 1; i < 4; i++)
    {
      SrpCore *sub = srp_sim_get_core (sim, i);

      assert_got (&log, i, &id, data);
      g_assert_cmpuint (stat (sub, "packets_relayed"), ==, 0);
      g_assert_cmpuint (stat (sub, "packets_new_pushed"), ==, 10);
      pushed += stat (sub, "packets_new_pushed");
    }
  g_assert_cmpuint (pushed, ==, 30);
  g_assert_cmpuint (stat (srp_sim_get_core (sim, 0), "packets_published"), ==, 30);
  g_bytes_unref (data);
  log_clear (&log);
  srp_sim_free (sim);
}

/* A relayed copy names the other targets and where it came from: each of
 * them is left out of a relay that gets that copy. */
static void
test_sent_to_names_left_out (void)
{
  Log log;
  SrpSim *sim = make_network (29, 9, NULL, &log);
  SrpCore *hub = srp_sim_get_core (sim, 0);
  SrpId topic = { { 49 } };
  GBytes *one = make_data (500, 14);
  g_autoptr (GPtrArray) lone = srp_chain_build (&topic, SRP_PACKET_TYPE_MESSAGE, NULL,
                                                g_bytes_get_data (one, NULL),
                                                g_bytes_get_size (one));
  SrpPacket *packet = g_ptr_array_index (lone, 0);
  guint32 named[3];
  guint8 frame[SRP_MAX_DATAGRAM];
  gsize len;
  SrpTransmit t;
  guint n = 0;

  g_assert_cmpuint (stat (hub, "peers_connected"), ==, 8);
  packet->postage = 10;
  /* From node 1, naming nodes 2, 3 and 4. A lone packet goes to fanout +
   * 2 = 5 of the 7 other links, so 2 at most are left unpicked: without
   * the names, at least one of the 3 named would get a copy. */
  for (guint i = 0; i < 3; i++)
    named[i] = srp_sent_to_prefix (srp_sim_get_id (sim, 2 + i));
  len = srp_packet_add_sent_to (frame, srp_packet_encode (packet, frame), named, 3);
  g_assert_cmpuint (frame[3], ==, SRP_FRAME_PACKET_SENT_TO);
  g_assert_cmpuint (len, ==, SRP_PACKET_FRAME_LEN (500) + 13);
  g_assert_true (srp_sim_inject_from (sim, 1, 0, frame, len));
  while (srp_core_poll_transmit (hub, &t))
    if (t.data[3] == SRP_FRAME_SEALED && t.len > SRP_PACKET_FRAME_LEN (500))
      {
        for (guint i = 1; i <= 4; i++)
          g_assert_false (srp_address_equal (&t.to, srp_sim_get_address (sim, i)));
        n++;
      }
  /* The 5 picked less the named among them. */
  g_assert_cmpuint (n, >=, 2);
  g_assert_cmpuint (n, <=, 4);
  g_assert_cmpuint (stat (hub, "packets_relayed"), ==, n);
  g_bytes_unref (one);
  log_clear (&log);
  srp_sim_free (sim);
}

typedef struct {
  guint node;
  guint syncs;
  gint64 last_at;
} SyncCount;

static gboolean
count_syncs (SrpSim *sim, guint from, guint to, const guint8 *data, gsize len, gpointer user_data)
{
  SyncCount *count = user_data;

  (void) to;
  if (from == count->node && len > 3 && data[3] == SRP_FRAME_SYNC)
    {
      /* One frame a round (one topic, nothing to reconcile); the filter
       * may see a datagram more than once, so rounds count by instant. */
      if (srp_sim_get_now (sim) != count->last_at)
        count->syncs++;
      count->last_at = srp_sim_get_now (sim);
    }
  return FALSE;
}

/* With nothing cached and nothing new, anti-entropy rounds space out (10,
 * then 20 s apart); the first packet stored brings back one round every
 * 10 s. The only subscriber opens every SYNC (nobody else has a
 * topic to open), so its SYNC frames count its rounds. */
static void
test_quiet_sync_spaced_out (void)
{
  Log log;
  SrpSim *sim = make_network (23, 6, NULL, &log);
  const guint sub = 3;
  SyncCount count = { sub, 0, -1 };
  SrpId topic, id;
  GBytes *data = make_data (300, 5);

  srp_topic_id_from_name ("quiet", &topic);
  srp_core_subscribe (srp_sim_get_core (sim, sub), srp_sim_get_now (sim), &topic);
  srp_sim_flush (sim, sub);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (60));
  srp_sim_set_filter (sim, count_syncs, &count);
  /* At 10 s apart this would be 24 rounds; 20 s apart, 12. */
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (240));
  g_assert_cmpuint (count.syncs, >=, 10);
  g_assert_cmpuint (count.syncs, <=, 14);

  publish (sim, 1, &topic, NULL, data, &id);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (1));
  assert_got (&log, sub, &id, data);
  count.syncs = 0;
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (60));
  g_assert_cmpuint (count.syncs, >=, 5);
  g_assert_cmpuint (count.syncs, <=, 7);

  srp_sim_set_filter (sim, NULL, NULL);
  g_bytes_unref (data);
  log_clear (&log);
  srp_sim_free (sim);
}

typedef struct {
  guint node;
  gboolean synced_with[17];
} SyncPeers;

static gboolean
note_sync_peers (SrpSim *sim, guint from, guint to, const guint8 *data, gsize len,
                 gpointer user_data)
{
  SyncPeers *peers = user_data;

  (void) sim;
  /* The answers: the newcomer's own first SYNC on a link leaves before the
   * other side holds the session, so the filter cannot open it. */
  if (to == peers->node && from < G_N_ELEMENTS (peers->synced_with) && len > 3 &&
      data[3] == SRP_FRAME_SYNC)
    peers->synced_with[from] = TRUE;
  return FALSE;
}

/* A peer that joins (or comes back after it lost every connection)
 * reconciles with each of its first 8 connections, not 3: hours after a
 * message most of the peers that held it have let it expire, and a few
 * links more are what find one of the rest (docs/protocol.md,
 * "Anti-entropy"). Within 8 s of joining, before any periodic round could
 * add more than one, at least 6 peers have answered a SYNC of a subscriber. */
static void
test_newcomer_syncs_widely (void)
{
  SrpSim *sim = srp_sim_new (31);
  const guint n = 16;
  SyncPeers peers = { n, { FALSE } };
  SrpId topic, id;
  guint8 body[200] = { 4, 5, 6 };
  guint synced = 0;
  g_autoptr (GArray) list = g_array_new (FALSE, FALSE, sizeof (SrpCoreEvent));

  for (guint i = 0; i <= n; i++)
    srp_sim_add_node (sim, NULL);
  srp_sim_set_default_link (sim, 20000, 0.0);
  for (guint i = 1; i < n; i++)
    {
      srp_core_add_bootstrap (srp_sim_get_core (sim, i), srp_sim_get_now (sim),
                              srp_sim_get_address (sim, 0));
      srp_sim_flush (sim, i);
    }
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (90));

  /* Something to reconcile, cached all over (nobody subscribes yet). */
  srp_topic_id_from_name ("newcomer", &topic);
  g_assert_true (srp_core_publish (srp_sim_get_core (sim, 1), srp_sim_get_now (sim), &topic, NULL,
                                   body, sizeof body, &id));
  srp_sim_flush (sim, 1);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (5));
  srp_core_subscribe (srp_sim_get_core (sim, n), srp_sim_get_now (sim), &topic);
  srp_sim_set_filter (sim, note_sync_peers, &peers);
  srp_core_add_bootstrap (srp_sim_get_core (sim, n), srp_sim_get_now (sim),
                          srp_sim_get_address (sim, 0));
  srp_sim_flush (sim, n);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (8));
  srp_sim_set_filter (sim, NULL, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (peers.synced_with); i++)
    synced += peers.synced_with[i];
  srp_core_list_peers (srp_sim_get_core (sim, n), list);
  g_test_message ("joined with %u links, synced with %u of them", list->len, synced);
  g_assert_cmpuint (list->len, >=, 6);
  g_assert_cmpuint (synced, >=, 6);
  srp_sim_free (sim);
}

/* Malformed new frames are dropped and counted; requests from addresses
 * that are not connected are refused without an answer. */
static void
test_bad_frames_dropped (void)
{
  SrpCoreConfig config;
  SrpCore *core;
  SrpAddress from;
  guint8 frame[SRP_MAX_DATAGRAM];
  SrpIdList ids = { .n = 1, .ids = { 7 } };
  SrpSubscriptions subs = { .n = 2, .topics = { 5, 3 } };
  SrpTransmit t;
  gsize len;

  srp_core_config_init (&config);
  core = srp_core_new (&config);
  g_assert_true (srp_address_parse (&from, "10.9.9.9:4000"));

  /* COUNT 0; a truncated list; unsorted subscriptions. */
  len = srp_query_encode (&ids, frame);
  frame[4] = 0;
  srp_core_handle_datagram (core, 1, 0, &from, frame, len);
  len = srp_ack_encode (&ids, frame);
  srp_core_handle_datagram (core, 1, 0, &from, frame, len - 1);
  len = srp_subscriptions_encode (&subs, frame);
  srp_core_handle_datagram (core, 1, 0, &from, frame, len);
  g_assert_cmpuint (srp_core_get_drop_count (core, SRP_DROP_BAD_CONTROL), ==, 3);

  /* Well-formed, but from a stranger. */
  len = srp_query_encode (&ids, frame);
  srp_core_handle_datagram (core, 1, 0, &from, frame, len);
  g_assert_cmpuint (srp_core_get_drop_count (core, SRP_DROP_UNAUTHENTICATED), ==, 1);
  g_assert_false (srp_core_poll_transmit (core, &t));
  srp_core_free (core);
}

/* A subscriber behind a slow link is behind, not lossy: 200 messages
 * queue up (400 ms to drain at 500 KB/s), well past the publisher's
 * retransmission timeout, and resending what is still queued would only
 * lengthen the queue (bench-flood: 156,145 packets sent for 70,482
 * messages). The publisher holds its resends while the subscriber still
 * acknowledges earlier publishes, and each packet goes once. */
static void
test_lagging_subscriber_gets_no_resends (void)
{
  Log log;
  SrpSim *sim = make_network (23, 2, NULL, &log);
  SrpCore *publisher = srp_sim_get_core (sim, 0);
  SrpId topic = { { 48 } }, ids[200];
  GBytes *data[200];
  guint64 published_before;

  srp_core_subscribe (srp_sim_get_core (sim, 1), srp_sim_get_now (sim), &topic);
  srp_sim_flush (sim, 1);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (5));
  srp_sim_set_link_rate (sim, 0, 1, 500 * 1000, 1024 * 1024);
  published_before = stat (publisher, "packets_published");
  for (guint m = 0; m < G_N_ELEMENTS (ids); m++)
    {
      data[m] = make_data (1000, m);
      publish (sim, 0, &topic, NULL, data[m], &ids[m]);
    }
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (5));
  for (guint m = 0; m < G_N_ELEMENTS (ids); m++)
    {
      assert_got (&log, 1, &ids[m], data[m]);
      g_bytes_unref (data[m]);
    }
  g_test_message ("200 messages, %" G_GUINT64_FORMAT " packets sent, %" G_GUINT64_FORMAT
                  " resend rounds held back",
                  stat (publisher, "packets_published") - published_before,
                  stat (publisher, "publish_resends_deferred"));
  g_assert_cmpuint (stat (publisher, "packets_published") - published_before, <=, 210);
  g_assert_cmpuint (stat (publisher, "publish_resends_deferred"), >, 0);
  log_clear (&log);
  srp_sim_free (sim);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/topics/hundred-peers-lossy", test_hundred_peers_lossy);
  g_test_add_func ("/topics/offline-subscriber-catches-up", test_offline_subscriber_catches_up);
  g_test_add_func ("/topics/inbox-prefers-recipient", test_inbox_prefers_recipient);
  g_test_add_func ("/topics/gap-filled-by-query", test_gap_filled_by_query);
  g_test_add_func ("/topics/hole-filled-within-rtts", test_hole_filled_within_rtts);
  g_test_add_func ("/topics/lone-packets-relayed-wider", test_lone_packets_relayed_wider);
  g_test_add_func ("/topics/sent-to-spares-siblings", test_sent_to_spares_siblings);
  g_test_add_func ("/topics/sent-to-names-left-out", test_sent_to_names_left_out);
  g_test_add_func ("/topics/lost-publish-resent-within-rtts", test_lost_publish_resent_within_rtts);
  g_test_add_func ("/topics/packet-paths-counted", test_packet_paths_counted);
  g_test_add_func ("/topics/busy-link-not-asked-twice", test_busy_link_not_asked_twice);
  g_test_add_func ("/topics/query-over-budget-served-in-part",
                   test_query_over_budget_served_in_part);
  g_test_add_func ("/topics/outstanding-publishes-bounded-by-bytes",
                   test_outstanding_publishes_bounded_by_bytes);
  g_test_add_func ("/topics/same-body-different-messages", test_same_body_different_messages);
  g_test_add_func ("/topics/leaving-target-acks-first", test_leaving_target_acks_first);
  g_test_add_func ("/topics/departed-target-replaced", test_departed_target_replaced);
  g_test_add_func ("/topics/departed-target-shrinks-network",
                   test_departed_target_shrinks_network);
  g_test_add_func ("/topics/bad-frames-dropped", test_bad_frames_dropped);
  g_test_add_func ("/topics/quiet-sync-spaced-out", test_quiet_sync_spaced_out);
  g_test_add_func ("/topics/newcomer-syncs-widely", test_newcomer_syncs_widely);
  g_test_add_func ("/topics/lagging-subscriber-gets-no-resends",
                   test_lagging_subscriber_gets_no_resends);
  return g_test_run ();
}
