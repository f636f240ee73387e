/* test-dht.c: finding any peer by its ID: the routing table, lookups over
 * many cores in virtual time, and the checks on FIND, FOUND and REGISTER.
 *
 * (The simulator has no NATs, so every core here is an open peer but one
 * behind a firewall with a port mapping; how peers behind NATs register
 * through anchors is measured by srp-simulate.)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _GNU_SOURCE /* memmem */
#include <string.h>

#include "srp-control-dht.h"
#include "srp-context.h"
#include "srp-core.h"
#include "srp-core-internal.h"
#include "srp-credit.h"
#include "srp-peer-table.h"
#include "srp-dht-seal.h"
#include "srp-dht-table.h"
#include "srp-sim-keys.h"
#include "srp-sim.h"

#define SECONDS(n) ((gint64) (n) * G_USEC_PER_SEC)
#define LATENCY_US 30000

static void
id_with (SrpId *id, guint8 first, guint8 fill)
{
  memset (id->bytes, fill, SRP_ID_LEN);
  id->bytes[0] = first;
}

/* A query (FIND, REGISTER) as a stranger sends it to node: sealed to its
 * ID, each with an ephemeral key of its own. */
static gsize
seal_to (SrpSim *sim, guint node, const guint8 *frame, gsize len, guint8 out[SRP_MAX_DATAGRAM],
         SrpDhtQueryKeys *keys)
{
  static guint8 counter;
  guint8 secret[32];
  gsize n;

  memset (secret, 0x5a, sizeof secret);
  secret[0] = ++counter;
  n = srp_dht_seal_query (srp_sim_get_id (sim, node), secret, frame, len, out, keys);
  g_assert_cmpuint (n, ==, len + SRP_SEALED_QUERY_OVERHEAD);
  return n;
}

static char *
to_hex (const guint8 *data, gsize len)
{
  GString *s = g_string_sized_new (2 * len);

  for (gsize i = 0; i < len; i++)
    g_string_append_printf (s, "%02x", data[i]);
  return g_string_free (s, FALSE);
}

static void
contact (SrpDhtContact *c, guint8 first, guint8 fill, guint8 host)
{
  guint8 ip[4] = { 192, 0, 2, host };

  memset (c, 0, sizeof *c);
  id_with (&c->id, first, fill);
  c->nat = SRP_NAT_PUBLIC;
  srp_address_init_ipv4 (&c->address, ip, 4000);
}

/* The nearest-set keeps the max nearest of any number offered, nearest
 * first, and the first offer of an ID wins over a later one with another
 * address. */
static void
test_nearest (void)
{
  SrpDhtContact out[3], c;
  SrpDhtNearest nearest;
  SrpId target;
  guint8 order[] = { 0x40, 0x08, 0x80, 0x01, 0x20, 0x02 };

  id_with (&target, 0x00, 0x00);
  srp_dht_nearest_init (&nearest, &target, G_N_ELEMENTS (out), out);
  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    {
      contact (&c, order[i], 0x00, (guint8) (i + 1));
      srp_dht_nearest_offer (&nearest, &c);
    }
  contact (&c, 0x01, 0x00, 99); /* the same ID again, from another source */
  srp_dht_nearest_offer (&nearest, &c);
  g_assert_cmpuint (nearest.n, ==, 3);
  g_assert_cmpuint (out[0].id.bytes[0], ==, 0x01);
  g_assert_cmpuint (out[0].address.bytes[3], ==, 4); /* the first offer's address */
  g_assert_cmpuint (out[1].id.bytes[0], ==, 0x02);
  g_assert_cmpuint (out[2].id.bytes[0], ==, 0x08);

  srp_dht_nearest_init (&nearest, &target, 0, out);
  srp_dht_nearest_offer (&nearest, &c);
  g_assert_cmpuint (nearest.n, ==, 0);
}

/* Contacts come back nearest first by XOR distance; a full bucket keeps
 * the contacts it has over newcomers until one fails twice. */
static void
test_table (void)
{
  SrpId self, target;
  SrpDhtTable *table;
  SrpDhtContact c, out[8];
  guint n;

  id_with (&self, 0x00, 0x00);
  table = srp_dht_table_new (&self, 2);
  /* All in bucket 0 (first bit differs from ours). */
  for (guint i = 0; i < 3; i++)
    {
      contact (&c, 0x80 | (guint8) i, 0x11, (guint8) (i + 1));
      g_assert_cmpint (srp_dht_table_add (table, &c, 0, NULL), ==, i < 2);
    }
  g_assert_cmpuint (srp_dht_table_size (table), ==, 2);
  /* One failure makes room for the newcomer only once the bucket is full. */
  contact (&c, 0x80, 0x11, 1);
  srp_dht_table_failed (table, &c.id);
  contact (&c, 0x82, 0x11, 3);
  g_assert_true (srp_dht_table_add (table, &c, 0, NULL));
  g_assert_cmpuint (srp_dht_table_size (table), ==, 2);
  /* A nearer bucket, and ourselves never. */
  contact (&c, 0x01, 0x22, 4);
  g_assert_true (srp_dht_table_add (table, &c, 0, NULL));
  contact (&c, 0x00, 0x00, 5);
  g_assert_false (srp_dht_table_add (table, &c, 0, NULL));
  id_with (&target, 0x81, 0x11);
  n = srp_dht_table_closest (table, &target, 8, out);
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpuint (out[0].id.bytes[0], ==, 0x81);
  g_assert_cmpuint (out[1].id.bytes[0], ==, 0x82);
  g_assert_cmpuint (out[2].id.bytes[0], ==, 0x01);
  srp_dht_table_free (table);
}

/* FIND is padded so that no FOUND is more than 3 times its size, and the
 * codecs refuse what does not fit their rules. */
static void
test_frames (void)
{
  SrpFind find = { .nonce = 7 }, find_back;
  SrpFound found = { .nonce = 7, .has_reachability = TRUE }, found_back;
  guint8 frame[SRP_MAX_DATAGRAM];
  gsize find_len, found_len;

  find_len = srp_find_encode (&find, frame);
  g_assert_cmpuint (find_len, ==, SRP_FIND_LEN);
  g_assert_cmpint (srp_find_decode (frame, find_len, &find_back), ==, SRP_DROP_NONE);
  g_assert_cmpint (srp_find_decode (frame, find_len - 1, &find_back), ==, SRP_DROP_BAD_CONTROL);
  /* The largest FOUND: 8 IPv6 contacts and a reachability with 2 anchors. */
  found.n_contacts = SRP_FOUND_MAX_CONTACTS;
  for (guint i = 0; i < found.n_contacts; i++)
    {
      guint8 ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = (guint8) i };

      id_with (&found.contacts[i].id, (guint8) i, 0x33);
      srp_address_init_ipv6 (&found.contacts[i].address, ip6, 4000);
    }
  found.reachability.nat = SRP_NAT_PORT_RESTRICTED;
  found.reachability.n_anchors = SRP_REGISTER_MAX_ANCHORS;
  for (guint i = 0; i < SRP_REGISTER_MAX_ANCHORS; i++)
    found.reachability.anchors[i] = found.contacts[i];
  found_len = srp_found_encode (&found, frame);
  g_assert_cmpuint (found_len, <=, 3 * SRP_FIND_LEN);
  g_assert_cmpint (srp_found_decode (frame, found_len, &found_back), ==, SRP_DROP_NONE);
  g_assert_cmpuint (found_back.n_contacts, ==, SRP_FOUND_MAX_CONTACTS);
  g_assert_cmpuint (found_back.reachability.n_anchors, ==, SRP_REGISTER_MAX_ANCHORS);
  g_assert_true (srp_id_equal (&found_back.reachability.anchors[1].id, &found.contacts[1].id));
  /* Too many contacts. */
  frame[4 + 8 + 32] = SRP_FOUND_MAX_CONTACTS + 1;
  g_assert_cmpint (srp_found_decode (frame, found_len, &found_back), ==, SRP_DROP_BAD_CONTROL);
}

typedef struct {
  gboolean done;
  SrpCoreEvent result;
  guint64 request;
} Wait;

static void
on_event (SrpSim *sim, guint node, const SrpCoreEvent *event, gpointer user_data)
{
  Wait *w = user_data;

  (void) sim;
  (void) node;
  if (event->type == SRP_CORE_EVENT_CONNECT_RESULT && event->connect.request == w->request)
    {
      w->done = TRUE;
      w->result = *event;
    }
}

/* Whether a and b have a neighbour in common (then an introduction needs no
 * lookup). */
static gboolean
share_a_neighbour (SrpSim *sim, guint n, guint a, guint b)
{
  for (guint i = 0; i < n; i++)
    if (srp_sim_is_connected (sim, a, i) && srp_sim_is_connected (sim, i, b))
      return TRUE;
  return srp_sim_is_connected (sim, a, b);
}

/* n cores keeping 4 connections each, events to w; not yet joined. */
static SrpSim *
new_network (guint64 seed, guint n, Wait *w)
{
  SrpCoreConfig config;
  SrpSim *sim = srp_sim_new (seed);

  srp_core_config_init (&config);
  config.target_connections = 4;
  for (guint i = 0; i < n; i++)
    srp_sim_add_node (sim, &config);
  srp_sim_set_default_link (sim, LATENCY_US, 0.0);
  srp_sim_set_event_func (sim, on_event, w);
  return sim;
}

/* Everyone joins through one of four bootstrap nodes (0-3), as a
 * deployment has: everyone's first lookups go through them. */
static void
join_through_four (SrpSim *sim, guint n)
{
  for (guint i = 1; i < n; i++)
    {
      srp_core_add_bootstrap (srp_sim_get_core (sim, i), srp_sim_get_now (sim),
                              srp_sim_get_address (sim, i < 4 ? 0 : i % 4));
      srp_sim_flush (sim, i);
    }
}

/* Up to max finds between pairs (a, b) of the n peers that share no
 * neighbour, a stepping from 5 by step: how many were tried (into
 * *tried), how many connected within 2 s (returned), the slowest success
 * (into *slowest). */
static guint
finds_beyond_one_hop (SrpSim *sim, guint n, Wait *w, guint step, guint max, guint *tried,
                      gint64 *slowest)
{
  guint connected = 0;

  *tried = 0;
  *slowest = 0;
  for (guint a = 5; a < n && *tried < max; a += step)
    {
      guint b = (a * 37 + 11) % n;

      if (b < 4 || b == a || share_a_neighbour (sim, n, a, b))
        continue;
      (*tried)++;
      w->done = FALSE;
      w->request = srp_core_connect (srp_sim_get_core (sim, a), srp_sim_get_now (sim),
                                     srp_sim_get_id (sim, b));
      srp_sim_flush (sim, a);
      srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (5));
      g_assert_true (w->done);
      connected += w->result.connect.ok && w->result.connect.elapsed_us < SECONDS (2);
      if (w->result.connect.ok)
        *slowest = MAX (*slowest, w->result.connect.elapsed_us);
    }
  return connected;
}

/* 150 peers keeping 4 connections each: most pairs share no neighbour, so
 * no link can introduce them. The lookups find nearly every target, and
 * connect within 2 s of virtual time. (Not quite every one: in a network
 * this young, parts of the overlay near an ID may not know of each other
 * yet; protocol.md, "Finding a peer by ID".) */
static void
test_find_beyond_one_hop (void)
{
  guint n = 150, tried, connected;
  Wait w = { 0 };
  SrpSim *sim = new_network (21, n, &w);
  gint64 slowest;

  join_through_four (sim, n);
  srp_sim_run_until (sim, SECONDS (90));
  connected = finds_beyond_one_hop (sim, n, &w, 3, 40, &tried, &slowest);
  g_assert_cmpuint (tried, >=, 30);
  g_test_message ("%u of %u lookups beyond one hop connected within 2 s (the slowest in %.2f s)",
                  connected, tried, (double) slowest / G_USEC_PER_SEC);
  /* Without lookups none would (the test checks so by breaking them). */
  g_assert_cmpuint (connected * 10, >=, tried * 9);
  srp_sim_free (sim);
}

static guint64
own_lookups (SrpSim *sim, guint node)
{
  g_autoptr (GVariant) stats = srp_core_get_stats (srp_sim_get_core (sim, node));
  guint64 n = 0;

  g_assert_true (g_variant_lookup (stats, "dht_own_lookups", "t", &n));
  return n;
}

/* Lookups of a peer's own ID (each followed by REGISTER) come 30 s, 1 min,
 * 2 min, ... apart while the network near it forms, and 10 minutes apart
 * once a lookup finds the homes the one before found. Over 25 minutes of
 * a network that formed in its first minute, the doubling alone makes 6
 * per peer (after a few seconds, then 30 s, 1, 2, 4 and 8 minutes later);
 * settled peers make 4. Their registrations still serve: peers that share
 * no neighbour find each other within 2 s. */
static void
test_registrations_settle (void)
{
  guint n = 60, tried, connected;
  guint64 lookups = 0, most = 0;
  Wait w = { 0 };
  SrpSim *sim = new_network (25, n, &w);
  gint64 slowest;

  join_through_four (sim, n);
  srp_sim_run_until (sim, SECONDS (25 * 60));
  for (guint i = 0; i < n; i++)
    {
      guint64 mine = own_lookups (sim, i);

      lookups += mine;
      most = MAX (most, mine);
    }
  g_test_message ("%.2f lookups of its own ID per peer in 25 minutes (at most %" G_GUINT64_FORMAT
                  ")", (double) lookups / n, most);
  g_assert_cmpuint (lookups, >=, n);
  g_assert_cmpuint (lookups * 10, <=, n * 55);

  connected = finds_beyond_one_hop (sim, n, &w, 2, 20, &tried, &slowest);
  g_test_message ("%u of %u finds beyond one hop connected within 2 s", connected, tried);
  g_assert_cmpuint (tried, >=, 10);
  g_assert_cmpuint (connected * 10, >=, tried * 9);
  srp_sim_free (sim);
}

/* FOUND that no lookup asked for is dropped and counted: in clear from a
 * stranger (unsealed: we seal what we ask strangers), sealed naming no
 * query of ours (unexpected); so are FIND and REGISTER in clear from a
 * stranger (unsealed), and a sealed REGISTER whose signature fails. */
static void
test_unsolicited_and_forged (void)
{
  SrpSim *sim = srp_sim_new (22);
  SrpCore *core;
  SrpFound found = { .nonce = 1 };
  SrpFind find = { .nonce = 1 };
  SrpRegister reg = { .reachability = { .nat = SRP_NAT_PORT_RESTRICTED, .n_anchors = 1 } };
  SrpDhtQueryKeys keys;
  SrpAddress stranger;
  guint8 ip[4] = { 192, 0, 2, 99 };
  guint8 frame[SRP_MAX_DATAGRAM], sealed[SRP_MAX_DATAGRAM];
  guint64 before;
  gsize len;

  for (guint i = 0; i < 3; i++)
    srp_sim_add_node (sim, NULL);
  srp_sim_set_default_link (sim, LATENCY_US, 0.0);
  for (guint i = 1; i < 3; i++)
    {
      srp_core_add_bootstrap (srp_sim_get_core (sim, i), 0, srp_sim_get_address (sim, 0));
      srp_sim_flush (sim, i);
    }
  srp_sim_run_until (sim, SECONDS (30)); /* classified public: they answer FIND */
  core = srp_sim_get_core (sim, 0);
  g_assert_cmpuint (srp_core_get_nat (core, NULL), ==, SRP_NAT_PUBLIC);
  srp_address_init_ipv4 (&stranger, ip, 5000);
  before = srp_core_get_drop_count (core, SRP_DROP_UNSEALED);
  srp_core_handle_datagram (core, srp_sim_get_now (sim), 0, &stranger, frame,
                            srp_found_encode (&found, frame));
  srp_core_handle_datagram (core, srp_sim_get_now (sim), 0, &stranger, frame,
                            srp_find_encode (&find, frame));
  g_assert_cmpuint (srp_core_get_drop_count (core, SRP_DROP_UNSEALED), ==, before + 2);
  /* A sealed answer to no query of ours. */
  memset (&keys, 0x77, sizeof keys);
  len = srp_dht_seal_answer (&keys, 1, frame, srp_found_encode (&found, frame), sealed);
  before = srp_core_get_drop_count (core, SRP_DROP_UNEXPECTED);
  srp_core_handle_datagram (core, srp_sim_get_now (sim), 0, &stranger, sealed, len);
  g_assert_cmpuint (srp_core_get_drop_count (core, SRP_DROP_UNEXPECTED), ==, before + 1);

  id_with (&reg.sender, 0x42, 0x42);
  id_with (&reg.reachability.anchors[0].id, 0x43, 0x43);
  reg.reachability.anchors[0].address = stranger;
  before = srp_core_get_drop_count (core, SRP_DROP_UNSEALED);
  srp_core_handle_datagram (core, srp_sim_get_now (sim), 0, &stranger, frame,
                            srp_register_encode (&reg, frame));
  g_assert_cmpuint (srp_core_get_drop_count (core, SRP_DROP_UNSEALED), ==, before + 1);
  before = srp_core_get_drop_count (core, SRP_DROP_BAD_SIGNATURE);
  len = seal_to (sim, 0, frame, srp_register_encode (&reg, frame), sealed, &keys);
  srp_core_handle_datagram (core, srp_sim_get_now (sim), 0, &stranger, sealed, len);
  g_assert_cmpuint (srp_core_get_drop_count (core, SRP_DROP_BAD_SIGNATURE), ==, before + 1);
  srp_sim_flush (sim, 0);
  srp_sim_free (sim);
}

/* How many of the n peers answer a FIND for target (sealed to each, as a
 * stranger's lookup asks) with its registration, naming mapped. */
static guint
count_mapped (SrpSim *sim, guint n, guint target, const SrpAddress *mapped)
{
  guint found_with_mapping = 0;
  SrpAddress asker;
  guint8 ip[4] = { 192, 0, 2, 77 };

  srp_address_init_ipv4 (&asker, ip, 5000);
  for (guint i = 0; i < n; i++)
    {
      SrpCore *core = srp_sim_get_core (sim, i);
      SrpFind find = { .nonce = i, .target = *srp_sim_get_id (sim, target) };
      guint8 frame[SRP_MAX_DATAGRAM], sealed[SRP_MAX_DATAGRAM];
      SrpDhtQueryKeys keys;
      SrpTransmit t;
      gsize len;

      if (i == target)
        continue;
      srp_sim_flush (sim, i);
      len = seal_to (sim, i, frame, srp_find_encode_padded (&find, SRP_SEALED_FIND_LEN, frame),
                     sealed, &keys);
      srp_core_handle_datagram (core, srp_sim_get_now (sim), 0, &asker, sealed, len);
      while (srp_core_poll_transmit (core, &t))
        {
          SrpFound found;
          gsize opened;

          if (srp_address_equal (&t.to, &asker) &&
              srp_dht_open_answer (&keys, t.data, t.len, frame, &opened) == SRP_DROP_NONE &&
              srp_found_decode (frame, opened, &found) == SRP_DROP_NONE &&
              found.has_reachability && found.reachability.has_address)
            {
              g_assert_true (srp_address_equal (&found.reachability.address, mapped));
              g_assert_cmpuint (found.reachability.n_anchors, >, 0);
              found_with_mapping++;
            }
        }
      srp_sim_flush (sim, i);
    }
  return found_with_mapping;
}

/* A peer behind a firewall with a port mapping registers the mapping as
 * its address, next to its anchors: a FOUND for it names both, and a
 * finder that shares no neighbour with it connects. */
static void
test_mapped_address_registered (void)
{
  guint n = 40, target = 20, finder = 0, found_with_mapping = 0;
  Wait w = { 0 };
  SrpSim *sim = new_network (23, n, &w);
  SrpAddress mapped;

  srp_sim_set_firewall (sim, target);
  srp_sim_open_main_socket (sim, target);
  mapped = *srp_sim_get_address (sim, target);
  srp_core_set_mapped_address (srp_sim_get_core (sim, target), 0, &mapped);
  join_through_four (sim, n);
  srp_sim_run_until (sim, SECONDS (90));
  g_assert_cmpuint (srp_core_get_nat (srp_sim_get_core (sim, target), NULL), !=,
                    SRP_NAT_PUBLIC);

  found_with_mapping = count_mapped (sim, n, target, &mapped);
  g_test_message ("%u open peers hold the target's registration with its mapping",
                  found_with_mapping);
  g_assert_cmpuint (found_with_mapping, >, 0);

  while (finder < n && (finder == target || finder < 4 || share_a_neighbour (sim, n, finder, target)))
    finder++;
  g_assert_cmpuint (finder, <, n);
  w.request = srp_core_connect (srp_sim_get_core (sim, finder), srp_sim_get_now (sim),
                                srp_sim_get_id (sim, target));
  srp_sim_flush (sim, finder);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (5));
  g_assert_true (w.done);
  g_assert_true (w.result.connect.ok);
  g_test_message ("the finder connected in %.2f s",
                  (double) w.result.connect.elapsed_us / G_USEC_PER_SEC);
  srp_sim_free (sim);
}

/* A registration found is one connected to, whatever the finder heard of
 * the anchors before. The target (behind a firewall, no mapping) registers
 * its anchors; the finder holds a record of every peer it is not linked
 * to, each named by a credit long spent (a BUSY's, which pays one HELLO).
 * The HELLOs to the anchors the lookup brought are paid by the answer
 * that named them: without that the record's spent credit refused them,
 * and the find ended "not found" with the registration in hand
 * (srp-simulate --find-log: 8 finds in 1,000 at 2,000 peers). */
static void
test_found_anchors_paid_by_answer (void)
{
  guint n = 40, target = 20, finder = 0;
  Wait w = { 0 };
  SrpSim *sim = new_network (25, n, &w);
  SrpContext *ctx;
  g_autoptr (SrpCredit) spent = srp_credit_new (0);

  srp_sim_set_firewall (sim, target);
  join_through_four (sim, n);
  srp_sim_run_until (sim, SECONDS (90));
  g_assert_cmpuint (srp_core_get_nat (srp_sim_get_core (sim, target), NULL), !=,
                    SRP_NAT_PUBLIC);
  while (finder < n && (finder == target || finder < 4 || share_a_neighbour (sim, n, finder, target)))
    finder++;
  g_assert_cmpuint (finder, <, n);
  ctx = srp_core_get_context (srp_sim_get_core (sim, finder));
  for (guint i = 0; i < n; i++)
    {
      SrpKnownPeer *record;

      if (i == finder || srp_sim_is_connected (sim, finder, i))
        continue;
      record = srp_peer_table_lookup (ctx->peers, srp_sim_get_id (sim, i));
      if (record == NULL)
        record = srp_peer_table_add (ctx->peers, ctx->now, srp_sim_get_id (sim, i),
                                     srp_sim_get_address (sim, i), SRP_ADMIT_RECORD);
      if (record != NULL)
        srp_credit_set (&record->named_by, spent);
    }
  w.request = srp_core_connect (srp_sim_get_core (sim, finder), srp_sim_get_now (sim),
                                srp_sim_get_id (sim, target));
  srp_sim_flush (sim, finder);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (5));
  g_assert_true (w.done);
  g_test_message ("connect: ok %d in %.2f s (%s)", w.result.connect.ok,
                  (double) w.result.connect.elapsed_us / G_USEC_PER_SEC,
                  w.result.connect.ok ? "-" : w.result.connect.reason);
  g_assert_true (w.result.connect.ok);
  g_assert_cmpint (w.result.connect.elapsed_us, <, SECONDS (2));
  srp_sim_free (sim);
}

typedef struct {
  gboolean tapping;
  SrpId ghost;            /* an ID no peer has: only FINDs and FOUNDs name it */
  guint8 mapped[7];       /* the registered mapping as encoded: FAMILY, PORT, IPv4 */
  guint registrant;
  guint64 in_clear;       /* FIND, FOUND or REGISTER as the datagram's own kind */
  guint64 queries, answers, sealed_registers;
  guint64 leaks;          /* datagrams holding 16 bytes of the ghost, or the mapping */
  /* EPHEMERAL and destination of every sealed query: one ephemeral serves
   * a lookup's queries, never two to the same contact (docs/protocol.md,
   * "Sealed lookups": they would share keys and the zero nonce). */
  GHashTable *ephemeral_to;  /* hex of EPHEMERAL and address -> 1 */
  GHashTable *ephemerals;    /* hex of EPHEMERAL -> 1 */
  guint64 ephemeral_repeats;
} Tap;

static void
on_tap (SrpSim *sim, guint node, const SrpTransmit *t, gpointer data)
{
  Tap *tap = data;
  guint8 kind = t->data[3];

  if (!tap->tapping)
    return;
  if (kind == SRP_FRAME_FIND || kind == SRP_FRAME_FOUND || kind == SRP_FRAME_REGISTER)
    tap->in_clear++;
  tap->queries += kind == SRP_FRAME_SEALED_QUERY;
  tap->answers += kind == SRP_FRAME_SEALED_ANSWER;
  if (kind == SRP_FRAME_SEALED_QUERY)
    {
      g_autofree char *e = to_hex (t->data + SRP_WIRE_PREFIX_LEN, SRP_DHT_SEAL_EPHEMERAL_LEN);
      char a[SRP_ADDRESS_STRING_MAX];
      char *key = g_strdup_printf ("%s %s", e, srp_address_to_string (&t->to, a));

      if (!g_hash_table_add (tap->ephemeral_to, key))
        tap->ephemeral_repeats++;
      g_hash_table_add (tap->ephemerals, g_steal_pointer (&e));
    }
  /* A sealed FIND is SRP_SEALED_FIND_LEN + overhead: any other query is a
   * REGISTER. */
  if (kind == SRP_FRAME_SEALED_QUERY && node == tap->registrant &&
      t->len != SRP_SEALED_FIND_LEN + SRP_SEALED_QUERY_OVERHEAD)
    tap->sealed_registers++;
  for (guint at = 0; at + 16 <= SRP_ID_LEN; at++)
    if (memmem (t->data, t->len, tap->ghost.bytes + at, 16) != NULL)
      {
        tap->leaks++;
        return;
      }
  if (memmem (t->data, t->len, tap->mapped, sizeof tap->mapped) != NULL)
    tap->leaks++;
}

/* Every datagram of a network whose peers register and look up is
 * captured: FIND, FOUND and REGISTER never travel in clear (links seal
 * them as any frame; to other contacts they go as SEALED_QUERY and
 * SEALED_ANSWER, both seen, REGISTERs among them), and no datagram holds
 * 16 bytes of an ID that lookups asked for (one no peer has, so only
 * FINDs and FOUNDs name it), nor the port mapping a peer behind a firewall
 * registered (a port it sends nothing from). The registration did go:
 * open peers answer FINDs for it with the mapping. */
static void
test_lookups_sealed_on_the_wire (void)
{
  guint n = 40, target = 20, found_with_mapping;
  Wait w = { 0 };
  SrpSim *sim = new_network (24, n, &w);
  Tap tap = { .registrant = target };
  SrpAddress mapped;

  tap.ephemeral_to = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  tap.ephemerals = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  srp_sim_set_firewall (sim, target);
  srp_sim_open_main_socket (sim, target);
  mapped = *srp_sim_get_address (sim, target);
  mapped.port = 40404;
  srp_core_set_mapped_address (srp_sim_get_core (sim, target), 0, &mapped);
  tap.mapped[0] = 0x04;
  tap.mapped[1] = mapped.port >> 8;
  tap.mapped[2] = mapped.port & 0xff;
  memcpy (tap.mapped + 3, mapped.bytes, 4);
  memset (tap.ghost.bytes, 0x9e, SRP_ID_LEN);
  tap.ghost.bytes[31] = 0x01;
  srp_sim_set_tap (sim, on_tap, &tap);
  tap.tapping = TRUE;
  join_through_four (sim, n);
  srp_sim_run_until (sim, SECONDS (60));
  for (guint i = 5; i < n; i += 5)
    {
      srp_core_connect (srp_sim_get_core (sim, i), srp_sim_get_now (sim), &tap.ghost);
      srp_sim_flush (sim, i);
    }
  srp_sim_run_until (sim, SECONDS (90));
  tap.tapping = FALSE;
  g_test_message ("%" G_GUINT64_FORMAT " sealed queries (%" G_GUINT64_FORMAT
                  " REGISTERs from the registrant), %" G_GUINT64_FORMAT " sealed answers, %"
                  G_GUINT64_FORMAT " in clear, %" G_GUINT64_FORMAT " datagrams with the ghost "
                  "ID or the mapping",
                  tap.queries, tap.sealed_registers, tap.answers, tap.in_clear, tap.leaks);
  g_assert_cmpuint (tap.queries, >, 0);
  g_assert_cmpuint (tap.answers, >, 0);
  g_assert_cmpuint (tap.sealed_registers, >, 0);
  g_assert_cmpuint (tap.in_clear, ==, 0);
  g_assert_cmpuint (tap.leaks, ==, 0);
  g_test_message ("%u ephemeral keys for those queries, %" G_GUINT64_FORMAT
                  " to a contact that had one under the same key",
                  g_hash_table_size (tap.ephemerals), tap.ephemeral_repeats);
  g_assert_cmpuint (tap.ephemeral_repeats, ==, 0);
  g_assert_cmpuint (g_hash_table_size (tap.ephemerals), <, tap.queries);
  g_hash_table_unref (tap.ephemeral_to);
  g_hash_table_unref (tap.ephemerals);
  found_with_mapping = count_mapped (sim, n, target, &mapped);
  g_test_message ("%u open peers hold the registration with its mapping", found_with_mapping);
  g_assert_cmpuint (found_with_mapping, >, 0);
  srp_sim_free (sim);
}

/* The vectors of docs/protocol.md ("Sealed lookups"): a FIND sealed to the
 * identity of Ed25519 seed 02..02 with the ephemeral secret 11..11, and
 * the answer (an empty FOUND, NONCE 1) sealed back; Python's cryptography
 * package (OpenSSL) gives the same bytes. */
#define QUERY_VECTOR \
  "535201637b4e909bbe7ffe44c465a220037d608ee35897d31ef972f07f74892c" \
  "b0f73f138c42600ba69cc3c9a3349ca745d800ec72c589b25240e2bf8ec69433" \
  "b3b1fbb9dc4f32e311c31eb3291415f5fd6f27a37c0b66c9c88ef16e5bb10c7f" \
  "370a8b5133293bceafe9d4c982231c1a56f68cb16dd85cb48553f3a64abafea7" \
  "72870c58c905b376d96635521694782c89cd812f91c6aca2c43abfa742e20ced" \
  "77c2b31a1414a6c0f4a95df18b02066abdeb879029d0a25174cb95d0597bb9f8" \
  "acfb5a6eb73fbb3d8243e9bdcd22a055906b47"
#define ANSWER_VECTOR \
  "535201647b4e909bbe7ffe4400000000000000011763ca21960d34157f145464" \
  "b4b33f6dbb66fcdb6f080ef843f0d413fbefc0c1f717641916e7b0043482b556" \
  "665a04cbbfa2cabeaaa64c08b966cf"
static void
test_sealed_vectors (void)
{
  SrpSimKeys contact;
  SrpFind find = { .nonce = 9, .flags = SRP_FIND_FLAG_OPEN }, back;
  SrpFound found = { .nonce = 9 }, found_back;
  SrpDhtQueryKeys keys, opened_keys;
  guint8 secret[32], frame[SRP_MAX_DATAGRAM], sealed[SRP_MAX_DATAGRAM], out[SRP_MAX_DATAGRAM];
  g_autofree char *hex = NULL;
  gsize len, out_len;

  memset (secret, 0x02, sizeof secret);
  srp_sim_keys_from_secret (&contact, secret);
  memset (secret, 0x11, sizeof secret);
  memset (find.target.bytes, 0xb1, SRP_ID_LEN);
  memset (find.sender.bytes, 0xb2, SRP_ID_LEN);
  len = srp_dht_seal_query ((const SrpId *) contact.public, secret, frame,
                            srp_find_encode_padded (&find, SRP_SEALED_FIND_LEN, frame), sealed,
                            &keys);
  g_assert_cmpuint (len, ==, 211);
  hex = to_hex (sealed, len);
  g_test_message ("SEALED_QUERY %s", hex);
  g_assert_cmpstr (hex, ==, QUERY_VECTOR);
  g_assert_cmpint (srp_dht_open_query ((const SrpId *) contact.public, srp_sim_keys_agree,
                                       &contact, sealed, len, out, &out_len, &opened_keys),
                   ==, SRP_DROP_NONE);
  g_assert_cmpint (srp_find_decode_padded (out, out_len, SRP_SEALED_FIND_LEN, &back), ==,
                   SRP_DROP_NONE);
  g_assert_cmpuint (back.nonce, ==, 9);
  g_clear_pointer (&hex, g_free);

  found.target = find.target;
  len = srp_dht_seal_answer (&opened_keys, 1, frame, srp_found_encode (&found, frame), sealed);
  hex = to_hex (sealed, len);
  g_test_message ("SEALED_ANSWER %s", hex);
  g_assert_cmpstr (hex, ==, ANSWER_VECTOR);
  g_assert_cmpint (srp_dht_open_answer (&keys, sealed, len, out, &out_len), ==, SRP_DROP_NONE);
  g_assert_cmpint (srp_found_decode (out, out_len, &found_back), ==, SRP_DROP_NONE);
  g_assert_cmpuint (found_back.nonce, ==, 9);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dht/table", test_table);
  g_test_add_func ("/dht/nearest", test_nearest);
  g_test_add_func ("/dht/frames", test_frames);
  g_test_add_func ("/dht/find-beyond-one-hop", test_find_beyond_one_hop);
  g_test_add_func ("/dht/registrations-settle", test_registrations_settle);
  g_test_add_func ("/dht/unsolicited-and-forged", test_unsolicited_and_forged);
  g_test_add_func ("/dht/mapped-address-registered", test_mapped_address_registered);
  g_test_add_func ("/dht/found-anchors-paid-by-answer", test_found_anchors_paid_by_answer);
  g_test_add_func ("/dht/lookups-sealed-on-the-wire", test_lookups_sealed_on_the_wire);
  g_test_add_func ("/dht/sealed-vectors", test_sealed_vectors);
  return g_test_run ();
}
