/* test-cache.c: the shared packet cache (budget, eviction order, TTL,
 * postage and purge) and range-based set reconciliation (bytes grow with
 * the difference, not the set).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "srp-packet-cache.h"
#include "srp-chain.h"
#include "srp-core.h"
#include "srp-rbsr.h"
#include "srp-rng.h"
#include "srp-sim.h"

#define SECONDS(n) ((gint64) (n) * G_USEC_PER_SEC)
#define TTL SECONDS (100)

/* A one-packet message with a body of len bytes. */
static SrpPacket *
make_packet (const SrpId *topic, guint n, gsize len)
{
  guint8 body[SRP_PACKET_MAX_BODY];
  GPtrArray *chain;
  SrpPacket *p;

  memset (body, 0, sizeof body);
  memcpy (body, &n, sizeof n);
  chain = srp_chain_build (topic, SRP_PACKET_TYPE_MESSAGE, NULL, body, MAX (len, sizeof n));
  p = g_memdup2 (g_ptr_array_index (chain, 0), sizeof (SrpPacket));
  g_ptr_array_unref (chain);
  return p;
}

static gsize
entry_cost (gsize body_len)
{
  return SRP_PACKET_FRAME_LEN (body_len) + SRP_PACKET_CACHE_ENTRY_OVERHEAD;
}

static void
test_budget_never_exceeded (void)
{
  gsize budget = 100 * 1024;
  SrpPacketCache *cache = srp_packet_cache_new (budget, TTL, 1000, 0);
  SrpPacketCacheCounters c;
  SrpRng rng;
  SrpId topics[4] = { { { 1 } }, { { 2 } }, { { 3 } }, { { 4 } } };

  srp_rng_init (&rng, 1);
  srp_packet_cache_set_subscribed (cache, &topics[0], TRUE);
  for (guint i = 0; i < 5000; i++)
    {
      g_autofree SrpPacket *p =
          make_packet (&topics[srp_rng_below (&rng, 4)], i, 4 + srp_rng_below (&rng, 1020));

      g_assert_cmpint (srp_packet_cache_add (cache, SECONDS (1) + i, p), ==, SRP_PACKET_CACHE_STORED);
      srp_packet_cache_get_counters (cache, &c);
      g_assert_cmpuint (c.used, <=, budget);
      /* The newest is never the one evicted. */
      g_assert_nonnull (srp_packet_cache_lookup (cache, &p->id));
    }
  srp_packet_cache_get_counters (cache, &c);
  g_assert_cmpuint (c.stored, ==, 5000);
  g_assert_cmpuint (c.evicted + c.n_packets, ==, 5000);
  g_assert_cmpuint (c.used, >, budget - entry_cost (SRP_PACKET_MAX_BODY));

  /* Lowering the budget evicts at once. */
  srp_packet_cache_set_budget (cache, SECONDS (2), 10 * 1024);
  srp_packet_cache_get_counters (cache, &c);
  g_assert_cmpuint (c.used, <=, 10 * 1024);
  g_assert_cmpuint (c.budget, ==, 10 * 1024);
  srp_packet_cache_free (cache);
}

static void
test_eviction_order (void)
{
  SrpId sub = { { 1 } }, unsub = { { 2 } };
  /* Room for exactly 6 entries of 100 bytes. */
  SrpPacketCache *cache = srp_packet_cache_new (6 * entry_cost (100), TTL, 100, 0);
  SrpPacket *p[9];
  gint64 t = SECONDS (1);

  srp_packet_cache_set_subscribed (cache, &sub, TRUE);
  /* Oldest first: s0 s1 u2 s3 u4 s5. */
  for (guint i = 0; i < 6; i++)
    {
      p[i] = make_packet (i == 2 || i == 4 ? &unsub : &sub, i, 100);
      g_assert_cmpint (srp_packet_cache_add (cache, t + i, p[i]), ==, SRP_PACKET_CACHE_STORED);
    }
  /* Unsubscribed topics go first, oldest first, though s0 and s1 are older. */
  p[6] = make_packet (&sub, 6, 100);
  srp_packet_cache_add (cache, t + 6, p[6]);
  g_assert_null (srp_packet_cache_lookup (cache, &p[2]->id));
  g_assert_nonnull (srp_packet_cache_lookup (cache, &p[4]->id));
  p[7] = make_packet (&sub, 7, 100);
  srp_packet_cache_add (cache, t + 7, p[7]);
  g_assert_null (srp_packet_cache_lookup (cache, &p[4]->id));
  /* Then the oldest overall. */
  p[8] = make_packet (&sub, 8, 100);
  srp_packet_cache_add (cache, t + 8, p[8]);
  g_assert_null (srp_packet_cache_lookup (cache, &p[0]->id));
  g_assert_nonnull (srp_packet_cache_lookup (cache, &p[1]->id));
  g_assert_nonnull (srp_packet_cache_lookup (cache, &p[8]->id));

  /* Unsubscribing moves a topic to the front of the line, in age order. */
  srp_packet_cache_set_subscribed (cache, &unsub, TRUE);
  srp_packet_cache_set_subscribed (cache, &sub, FALSE);
  {
    g_autofree SrpPacket *q = make_packet (&unsub, 100, 100);
    srp_packet_cache_add (cache, t + 9, q);
    g_assert_null (srp_packet_cache_lookup (cache, &p[1]->id));
    g_assert_nonnull (srp_packet_cache_lookup (cache, &p[3]->id));
  }
  /* Expired entries go before anything else: s3 expires first and is
   * chosen even though subscribed ones (now: none) would be spared. */
  srp_packet_cache_set_subscribed (cache, &sub, TRUE);
  {
    g_autofree SrpPacket *q = make_packet (&unsub, 101, 100);
    srp_packet_cache_add (cache, t + 3 + TTL, q);
    g_assert_null (srp_packet_cache_lookup (cache, &p[3]->id));
  }
  /* What left is not taken back. */
  g_assert_cmpint (srp_packet_cache_add (cache, t + 20, p[0]), ==, SRP_PACKET_CACHE_GONE);
  for (guint i = 0; i < 9; i++)
    g_free (p[i]);
  srp_packet_cache_free (cache);
}

static void
test_ttl_postage_purge (void)
{
  SrpId topic = { { 9 } };
  SrpPacketCache *cache = srp_packet_cache_new (1024 * 1024, TTL, 100, 0);
  g_autofree SrpPacket *a = make_packet (&topic, 1, 10);
  g_autofree SrpPacket *b = make_packet (&topic, 2, 10);
  SrpPacketCacheEntry e;
  SrpPacketCacheCounters c;

  a->postage = 4;
  b->postage = 0;
  srp_packet_cache_add (cache, SECONDS (1), a);
  srp_packet_cache_add (cache, SECONDS (2), b);
  g_assert_cmpint (srp_packet_cache_next_expiry (cache), ==, SECONDS (1) + TTL);
  g_assert_false (srp_packet_cache_pop_expired (cache, SECONDS (1) + TTL - 1, &e));
  g_assert_true (srp_packet_cache_pop_expired (cache, SECONDS (2) + TTL, &e));
  g_assert_true (srp_id_equal (&e.id, &a->id));
  g_assert_cmpuint (e.postage, ==, 4);
  g_assert_cmpuint (((const guint8 *) g_bytes_get_data (e.frame, NULL))[SRP_PACKET_POSTAGE_OFFSET], ==, 4);
  g_bytes_unref (e.frame);
  g_assert_true (srp_packet_cache_pop_expired (cache, SECONDS (2) + TTL, &e));
  g_bytes_unref (e.frame);
  g_assert_false (srp_packet_cache_pop_expired (cache, SECONDS (2) + TTL, &e));
  srp_packet_cache_get_counters (cache, &c);
  g_assert_cmpuint (c.expired, ==, 1);
  g_assert_cmpuint (c.purged, ==, 1);
  g_assert_cmpuint (c.n_packets, ==, 0);
  g_assert_cmpuint (c.used, ==, 0);
  g_assert_true (srp_packet_cache_is_gone (cache, &a->id));
  g_assert_cmpint (srp_packet_cache_add (cache, SECONDS (500), b), ==, SRP_PACKET_CACHE_GONE);
  srp_packet_cache_free (cache);
}

/* In a network: a packet's copies lose one POSTAGE per relay, live a TTL
 * each, are handed on with one less, and are purged at 0; then no copy is
 * left anywhere and a purged packet is not taken back. */
static void
test_lifecycle_in_network (void)
{
  SrpSim *sim = srp_sim_new (21);
  SrpCoreConfig config;
  SrpId topic = { { 77 } }, id;
  guint8 body[100] = { 1, 2, 3 };
  guint64 expired = 0, purged = 0;
  guint min_postage = SRP_POSTAGE_MAX;
  GBytes *frame;

  srp_core_config_init (&config);
  config.cache_ttl_us = SECONDS (30);
  for (guint i = 0; i < 6; i++)
    srp_sim_add_node (sim, &config);
  for (guint i = 1; i < 6; i++)
    {
      srp_core_add_bootstrap (srp_sim_get_core (sim, i), srp_sim_get_now (sim),
                              srp_sim_get_address (sim, 0));
      srp_sim_flush (sim, i);
    }
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (20));
  g_assert_true (srp_core_publish (srp_sim_get_core (sim, 1), srp_sim_get_now (sim), &topic, NULL,
                                   body, sizeof body, &id));
  srp_sim_flush (sim, 1);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (1));
  for (guint i = 0; i < 6; i++)
    {
      frame = srp_core_cache_lookup (srp_sim_get_core (sim, i), &id);
      g_assert_nonnull (frame);
      min_postage = MIN (min_postage, ((const guint8 *) g_bytes_get_data (frame, NULL))[SRP_PACKET_POSTAGE_OFFSET]);
      g_bytes_unref (frame);
    }
  /* The publisher's copy has 16; relayed ones less. */
  g_assert_cmpuint (min_postage, <, SRP_POSTAGE_MAX);

  /* At most 17 lifetimes (postage 16 down to 0), then nothing is left. */
  srp_sim_run_until (sim, srp_sim_get_now (sim) + 18 * SECONDS (30));
  for (guint i = 0; i < 6; i++)
    {
      SrpCacheStats stats;

      srp_core_get_cache_stats (srp_sim_get_core (sim, i), &stats);
      g_assert_cmpuint (stats.n_packets, ==, 0);
      g_assert_null (srp_core_cache_lookup (srp_sim_get_core (sim, i), &id));
      expired += stats.expired;
      purged += stats.purged;
    }
  g_test_message ("one packet, 6 peers: %" G_GUINT64_FORMAT " copies expired and handed on, %"
                  G_GUINT64_FORMAT " purged", expired, purged);
  g_assert_cmpuint (expired, >, 0);
  srp_sim_free (sim);
}

/* Runs RBSR between two sets until neither side has anything to say;
 * returns the bytes of all SYNC frames and what each side found it lacks. */
typedef struct {
  gsize bytes;
  guint frames;
  GQueue *inbox; /* GBytes frames for the other side */
} Wire;

static void
collect_frame (const guint8 *frame, gsize len, gpointer data)
{
  Wire *w = data;
  w->bytes += len;
  w->frames++;
  g_queue_push_tail (w->inbox, g_bytes_new (frame, len));
}

static gsize
reconcile (GArray *a, GArray *b, GArray *a_needs, GArray *b_needs, guint *rounds)
{
  GQueue to_a = G_QUEUE_INIT, to_b = G_QUEUE_INIT;
  Wire wa = { 0, 0, &to_b }, wb = { 0, 0, &to_a };
  SrpId topic = { { 5 } };
  SrpRbsrOutput out;
  g_autofree SrpSync *sync = g_new (SrpSync, 1);

  srp_rbsr_output_init (&out);
  srp_rbsr_open ((guint64 *) a->data, a->len, &out);
  srp_rbsr_pack (&out, &topic, 64, collect_frame, &wa);
  srp_rbsr_output_clear (&out);
  *rounds = 0;
  while (to_a.length > 0 || to_b.length > 0)
    {
      gboolean for_b = to_b.length > 0;
      GBytes *frame = g_queue_pop_head (for_b ? &to_b : &to_a);
      GArray *mine = for_b ? b : a;

      (*rounds)++;
      g_assert_cmpint (srp_sync_decode (g_bytes_get_data (frame, NULL), g_bytes_get_size (frame),
                                        sync), ==, SRP_DROP_NONE);
      srp_rbsr_output_init (&out);
      srp_rbsr_answer ((guint64 *) mine->data, mine->len, sync, &out);
      g_array_append_vals (for_b ? b_needs : a_needs, out.need->data, out.need->len);
      srp_rbsr_pack (&out, &topic, 64, collect_frame, for_b ? &wb : &wa);
      srp_rbsr_output_clear (&out);
      g_bytes_unref (frame);
      g_assert_cmpuint (*rounds, <, 10000);
    }
  return wa.bytes + wb.bytes;
}

static int
compare_u64 (gconstpointer a, gconstpointer b)
{
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;
  return x < y ? -1 : x > y;
}

static void
test_rbsr_traffic_follows_difference (void)
{
  const guint n = 5000;
  SrpRng rng;
  g_autoptr (GArray) a = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr (GArray) b = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr (GArray) a_only = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr (GArray) b_only = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr (GArray) a_needs = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr (GArray) b_needs = g_array_new (FALSE, FALSE, sizeof (guint64));
  gsize bytes, all_ids = (gsize) n * SRP_ID_LEN;
  guint rounds;

  srp_rng_init (&rng, 3);
  for (guint i = 0; i < n; i++)
    {
      guint64 v = srp_rng_next (&rng);
      /* 5 only in a, 5 only in b: 10 differences, 4995 shared. */
      if (i < 5)
        g_array_append_val (a_only, v);
      else if (i < 10)
        g_array_append_val (b_only, v);
      if (i >= 5 && i < 10)
        g_array_append_val (b, v);
      else if (i < 5)
        g_array_append_val (a, v);
      else
        {
          g_array_append_val (a, v);
          g_array_append_val (b, v);
        }
    }
  g_array_sort (a, compare_u64);
  g_array_sort (b, compare_u64);
  bytes = reconcile (a, b, a_needs, b_needs, &rounds);
  g_array_sort (a_needs, compare_u64);
  g_array_sort (b_needs, compare_u64);
  g_array_sort (a_only, compare_u64);
  g_array_sort (b_only, compare_u64);
  g_assert_cmpmem (a_needs->data, a_needs->len * 8, b_only->data, b_only->len * 8);
  g_assert_cmpmem (b_needs->data, b_needs->len * 8, a_only->data, a_only->len * 8);
  g_test_message ("RBSR: 2 x %u IDs, 10 differences: %" G_GSIZE_FORMAT " bytes in %u frames "
                  "(all IDs: %" G_GSIZE_FORMAT " bytes, %.1f%%)",
                  n, bytes, rounds, all_ids, 100.0 * bytes / all_ids);
  /* Branching 4, lists of at most 16: per difference about 4 fingerprint
   * ranges (33 bytes each) per level, log4 (5000 / 16) levels, and one list
   * (8 bytes an ID): a few hundred bytes per difference, far under all IDs. */
  g_assert_cmpuint (bytes, <, all_ids / 10);

  /* Equal sets: one fingerprint, nothing back. */
  a_needs->len = b_needs->len = 0;
  bytes = reconcile (a, a, a_needs, b_needs, &rounds);
  g_assert_cmpuint (rounds, ==, 1);
  g_assert_cmpuint (bytes, <, 100);
  g_assert_cmpuint (a_needs->len + b_needs->len, ==, 0);

  /* One side empty: everything is offered, in HAVE ranges. */
  {
    g_autoptr (GArray) empty = g_array_new (FALSE, FALSE, sizeof (guint64));
    a_needs->len = b_needs->len = 0;
    reconcile (empty, b, a_needs, b_needs, &rounds);
    g_assert_cmpuint (a_needs->len, ==, b->len);
    g_assert_cmpuint (b_needs->len, ==, 0);
  }
}

/* The index by ID and by prefix, through growth, eviction and shrinking,
 * against a model: IDs that share their prefix (only the first held one
 * answers for it, and nobody once it left) and IDs that share the bits
 * the index places by (long probe runs, shifted back on removal). */
static void
test_index_by_id_and_prefix (void)
{
  enum { N = 3000 };
  SrpId topic = { { 7 } };
  SrpPacketCache *cache = srp_packet_cache_new (G_MAXSIZE / 2, TTL, 100, 0);
  g_autofree SrpId *ids = g_new0 (SrpId, N);
  g_autofree gint *owner_of = g_new0 (gint, N); /* for each i: the index answering its prefix, or -1 */
  guint oldest = 0, added = 0;
  SrpRng rng;

  srp_rng_init (&rng, 3);
  for (guint round = 0; round < 6; round++)
    {
      guint target = MIN (N, added + 500);

      for (; added < target; added++)
        {
          g_autofree SrpPacket *p = make_packet (&topic, added, 16);
          guint i = added;

          srp_rng_fill (&rng, p->id.bytes, SRP_ID_LEN);
          if (i % 5 == 1)
            memcpy (p->id.bytes, ids[i - 1].bytes, 8); /* the same prefix */
          else if (i % 5 == 2)
            memcpy (p->id.bytes + 4, ids[i - 2].bytes + 4, 4); /* the same slot */
          ids[i] = p->id;
          owner_of[i] = -1;
          for (guint j = oldest; j < i && owner_of[i] < 0; j++)
            if (memcmp (ids[j].bytes, ids[i].bytes, 8) == 0)
              owner_of[i] = owner_of[j];
          if (owner_of[i] < 0 && (i == 0 || i % 5 != 1 || i - 1 < oldest))
            owner_of[i] = i;
          g_assert_cmpint (srp_packet_cache_add (cache, SECONDS (1), p), ==, SRP_PACKET_CACHE_STORED);
          g_assert_cmpint (srp_packet_cache_add (cache, SECONDS (1), p), ==, SRP_PACKET_CACHE_HELD);
        }
      /* Evict all but the newest few (oldest first): the index shrinks. */
      {
        guint keep = round % 2 == 0 ? 39 : 399; /* splits a pair of one prefix */
        SrpPacketCacheCounters c;

        srp_packet_cache_set_budget (cache, SECONDS (1), keep * entry_cost (16));
        srp_packet_cache_get_counters (cache, &c);
        g_assert_cmpuint (c.n_packets, ==, keep);
        for (; oldest < added - keep; oldest++)
          for (guint j = oldest + 1; j < added; j++)
            if (owner_of[j] == (gint) oldest)
              owner_of[j] = -1;
        srp_packet_cache_set_budget (cache, SECONDS (1), G_MAXSIZE / 2);
      }
      for (guint i = 0; i < added; i++)
        {
          const SrpPacketCacheEntry *e = srp_packet_cache_lookup (cache, &ids[i]);
          const SrpPacketCacheEntry *by_prefix =
              srp_packet_cache_lookup_prefix (cache, srp_id_prefix (&ids[i]));

          if (i < oldest)
            {
              g_assert_null (e);
              g_assert_true (srp_packet_cache_is_gone (cache, &ids[i]) || i + 100 < added);
              continue;
            }
          g_assert_nonnull (e);
          g_assert_cmpmem (e->id.bytes, SRP_ID_LEN, ids[i].bytes, SRP_ID_LEN);
          if (owner_of[i] < 0)
            g_assert_null (by_prefix);
          else
            {
              g_assert_nonnull (by_prefix);
              g_assert_cmpmem (by_prefix->id.bytes, SRP_ID_LEN, ids[owner_of[i]].bytes, SRP_ID_LEN);
            }
        }
    }
  srp_packet_cache_free (cache);
}

/* The cache keeps a frame it encoded in the entry's own allocation: the
 * frame (or a slice of it, as a delivered message is) stays valid after
 * the entry is evicted, expired or given another frame. */
static void
test_frame_outlives_entry (void)
{
  SrpId topic = { { 9 } };
  SrpPacketCache *cache = srp_packet_cache_new (G_MAXSIZE / 2, TTL, 100, 0);
  g_autofree SrpPacket *a = make_packet (&topic, 1, 500);
  g_autofree SrpPacket *b = make_packet (&topic, 2, 500);
  g_autofree SrpPacket *c = make_packet (&topic, 3, 500);
  guint8 expected[SRP_MAX_DATAGRAM];
  gsize len = srp_packet_encode (a, expected);
  GBytes *slice, *replaced;
  SrpPacketCacheEntry out;

  g_assert_cmpint (srp_packet_cache_add (cache, SECONDS (1), a), ==, SRP_PACKET_CACHE_STORED);
  slice = g_bytes_new_from_bytes (srp_packet_cache_lookup (cache, &a->id)->frame,
                                  SRP_PACKET_FRAME_LEN (0), a->body_len);
  /* Evicted: the slice holds on. */
  srp_packet_cache_set_budget (cache, SECONDS (1), 0);
  g_assert_null (srp_packet_cache_lookup (cache, &a->id));
  g_assert_cmpmem (g_bytes_get_data (slice, NULL), g_bytes_get_size (slice),
                   expected + SRP_PACKET_FRAME_LEN (0), len - SRP_PACKET_FRAME_LEN (0));
  g_bytes_unref (slice);
  srp_packet_cache_set_budget (cache, SECONDS (1), G_MAXSIZE / 2);

  /* Expired: the frame goes to the caller, and lives as long as it keeps it. */
  g_assert_cmpint (srp_packet_cache_add (cache, SECONDS (1), b), ==, SRP_PACKET_CACHE_STORED);
  g_assert_true (srp_packet_cache_pop_expired (cache, SECONDS (1) + TTL, &out));
  len = srp_packet_encode (b, expected);
  g_assert_cmpmem (g_bytes_get_data (out.frame, NULL), g_bytes_get_size (out.frame), expected, len);
  g_bytes_unref (out.frame);

  /* Given another frame: the old one, still held elsewhere, stays as it
   * was; the new one goes to the caller when the entry expires. */
  g_assert_cmpint (srp_packet_cache_add (cache, SECONDS (2), c), ==, SRP_PACKET_CACHE_STORED);
  slice = g_bytes_ref (srp_packet_cache_lookup (cache, &c->id)->frame);
  c->postage = 3;
  g_assert_true (srp_packet_cache_replace (cache, c));
  replaced = srp_packet_cache_lookup (cache, &c->id)->frame;
  g_assert_true (replaced != slice);
  g_assert_cmpuint (((const guint8 *) g_bytes_get_data (replaced, NULL))[SRP_PACKET_POSTAGE_OFFSET],
                    ==, 3);
  g_assert_cmpuint (((const guint8 *) g_bytes_get_data (slice, NULL))[SRP_PACKET_POSTAGE_OFFSET],
                    !=, 3);
  g_assert_true (srp_packet_cache_pop_expired (cache, SECONDS (2) + TTL, &out));
  g_assert_true (out.frame == replaced);
  g_bytes_unref (out.frame);
  g_bytes_unref (slice);

  /* And freed with the cache while a slice is out. */
  c->postage = 16;
  g_assert_cmpint (srp_packet_cache_add (cache, SECONDS (3), c), ==, SRP_PACKET_CACHE_GONE);
  g_assert_cmpint (srp_packet_cache_add (cache, SECONDS (3), a), ==, SRP_PACKET_CACHE_GONE);
  {
    g_autofree SrpPacket *d = make_packet (&topic, 4, 500);

    g_assert_cmpint (srp_packet_cache_add (cache, SECONDS (3), d), ==, SRP_PACKET_CACHE_STORED);
    slice = g_bytes_ref (srp_packet_cache_lookup (cache, &d->id)->frame);
    srp_packet_cache_free (cache);
    len = srp_packet_encode (d, expected);
    g_assert_cmpmem (g_bytes_get_data (slice, NULL), g_bytes_get_size (slice), expected, len);
    g_bytes_unref (slice);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/cache/budget-never-exceeded", test_budget_never_exceeded);
  g_test_add_func ("/cache/eviction-order", test_eviction_order);
  g_test_add_func ("/cache/index-by-id-and-prefix", test_index_by_id_and_prefix);
  g_test_add_func ("/cache/ttl-postage-purge", test_ttl_postage_purge);
  g_test_add_func ("/cache/frame-outlives-entry", test_frame_outlives_entry);
  g_test_add_func ("/cache/lifecycle-in-network", test_lifecycle_in_network);
  g_test_add_func ("/cache/rbsr-traffic-follows-difference", test_rbsr_traffic_follows_difference);
  return g_test_run ();
}
