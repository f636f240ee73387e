/* test-reassembler.c: packets in any order, duplicated, lost and re-sent,
 * many messages interleaved, forged ones among them, back into messages:
 * each delivered exactly once, byte for byte, within the bounds.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "srp-chain.h"
#include "srp-reassembler.h"
#include "srp-rng.h"

/* ---- helpers ---------------------------------------------------------- */

static SrpPacket *
packet_at (GPtrArray *chain, guint i)
{
  return chain->pdata[i];
}

static const SrpId *
message_id (GPtrArray *chain)
{
  return &packet_at (chain, chain->len - 1)->id;
}

static GPtrArray *
random_chain (SrpRng *rng, gsize len, guint8 **data_out)
{
  guint8 *data = g_malloc (MAX (len, 1));
  SrpId topic, prev;
  GPtrArray *chain;

  srp_rng_fill (rng, data, len);
  srp_rng_fill (rng, topic.bytes, SRP_ID_LEN);
  srp_rng_fill (rng, prev.bytes, SRP_ID_LEN);
  chain = srp_chain_build (&topic, SRP_PACKET_TYPE_MESSAGE, &prev, data, len);
  if (data_out != NULL)
    *data_out = data;
  else
    g_free (data);
  return chain;
}

static SrpReassembler *
new_reassembler (gsize max_bytes, guint max_chains, gint64 timeout_us, guint remembered)
{
  SrpReassemblerConfig config;

  srp_reassembler_config_init (&config);
  config.max_bytes = max_bytes;
  config.max_chains = max_chains;
  config.timeout_us = timeout_us;
  config.remembered_ids = remembered;
  return srp_reassembler_new (&config);
}

/* Pops one message and checks it is the chain's, with the bytes given. */
static void
assert_pop (SrpReassembler *r, GPtrArray *chain, const guint8 *data, gsize len)
{
  SrpReassembledMessage m = { 0 };
  const SrpPacket *first = packet_at (chain, 0);

  g_assert_true (srp_reassembler_pop_message (r, &m));
  g_assert_true (srp_id_equal (&m.id, message_id (chain)));
  g_assert_true (srp_id_equal (&m.first_prev, &first->prev_id));
  g_assert_true (srp_id_equal (&m.topic_id, &first->topic_id));
  g_assert_cmpuint (m.type, ==, SRP_PACKET_TYPE_MESSAGE);
  g_assert_cmpuint (m.n_packets, ==, chain->len);
  g_assert_cmpmem (g_bytes_get_data (m.data, NULL), g_bytes_get_size (m.data), data, len);
  srp_reassembled_message_clear (&m);
  g_assert_null (m.data);
}

static void
assert_no_message (SrpReassembler *r)
{
  SrpReassembledMessage m = { 0 };
  g_assert_false (srp_reassembler_pop_message (r, &m));
}

static void
shuffle (SrpRng *rng, gpointer *items, guint n)
{
  for (guint i = n; i > 1; i--)
    {
      guint j = (guint) srp_rng_below (rng, i);
      gpointer t = items[i - 1];
      items[i - 1] = items[j];
      items[j] = t;
    }
}

/* ---- simple cases ----------------------------------------------------- */

static void
test_in_order (void)
{
  static const gsize sizes[] = { 0, 1, 1023, 1024, 1025, 2048, 2049, 10000 };
  SrpReassembler *r = srp_reassembler_new (NULL);
  SrpRng rng;

  srp_rng_init (&rng, 11);
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      guint8 *data;
      g_autoptr (GPtrArray) chain = random_chain (&rng, sizes[i], &data);

      for (guint k = 0; k < chain->len; k++)
        {
          g_assert_cmpint (srp_reassembler_add (r, 0, packet_at (chain, k)), ==, SRP_DROP_NONE);
          if (k + 1 < chain->len)
            assert_no_message (r);
        }
      assert_pop (r, chain, data, sizes[i]);
      assert_no_message (r);
      g_assert_cmpuint (srp_reassembler_get_chain_count (r), ==, 0);
      g_assert_cmpuint (srp_reassembler_get_bytes (r), ==, 0);
      g_assert_cmpint (srp_reassembler_next_deadline (r), ==, -1);

      /* Delivered: every packet is now a duplicate, not a new message. */
      for (guint k = 0; k < chain->len; k++)
        g_assert_cmpint (srp_reassembler_add (r, 0, packet_at (chain, k)), ==,
                         SRP_DROP_DUPLICATE);
      assert_no_message (r);
      g_free (data);
    }
  srp_reassembler_free (r);
}

static void
test_reverse_and_completion_order (void)
{
  SrpReassembler *r = srp_reassembler_new (NULL);
  guint8 *a_data, *b_data;
  g_autoptr (GPtrArray) a = NULL;
  g_autoptr (GPtrArray) b = NULL;
  SrpRng rng;

  srp_rng_init (&rng, 12);
  a = random_chain (&rng, 5000, &a_data);
  b = random_chain (&rng, 3000, &b_data);

  /* a is started first but completes last. */
  for (guint k = a->len - 1; k > 0; k--)
    g_assert_cmpint (srp_reassembler_add (r, 0, packet_at (a, k)), ==, SRP_DROP_NONE);
  for (guint k = b->len; k > 0; k--)
    g_assert_cmpint (srp_reassembler_add (r, 0, packet_at (b, k - 1)), ==, SRP_DROP_NONE);
  g_assert_cmpint (srp_reassembler_add (r, 0, packet_at (a, 0)), ==, SRP_DROP_NONE);
  assert_pop (r, b, b_data, 3000);
  assert_pop (r, a, a_data, 5000);
  assert_no_message (r);
  g_free (a_data);
  g_free (b_data);
  srp_reassembler_free (r);
}

/* Consecutive messages of one publisher: the first packet of one names the
 * last of the other as PREV, but NEXT of that one is zero: no link. */
static void
test_consecutive_messages (void)
{
  SrpReassembler *r = srp_reassembler_new (NULL);
  guint8 data[3000];
  SrpId topic = { { 9 } };
  g_autoptr (GPtrArray) m1 = NULL;
  g_autoptr (GPtrArray) m2 = NULL;

  memset (data, 'a', sizeof data);
  m1 = srp_chain_build (&topic, SRP_PACKET_TYPE_MESSAGE, NULL, data, sizeof data);
  m2 = srp_chain_build (&topic, SRP_PACKET_TYPE_MESSAGE, message_id (m1), data, sizeof data);
  /* m2 first, then m1: each is delivered alone. */
  for (guint k = 0; k < m2->len; k++)
    srp_reassembler_add (r, 0, packet_at (m2, k));
  assert_pop (r, m2, data, sizeof data);
  for (guint k = 0; k < m1->len; k++)
    srp_reassembler_add (r, 0, packet_at (m1, k));
  assert_pop (r, m1, data, sizeof data);
  assert_no_message (r);
  srp_reassembler_free (r);
}

/* ---- the big randomised run ------------------------------------------- */

typedef struct {
  guint8 *data; /* NULL once delivered */
  gsize len;
  GPtrArray *chain;
  guint delivered;
} Expected;

static void
expected_free (gpointer p)
{
  Expected *e = p;
  g_free (e->data);
  g_clear_pointer (&e->chain, g_ptr_array_unref);
  g_free (e);
}

typedef struct {
  SrpRng rng;
  SrpReassembler *r;
  GHashTable *expected; /* message ID -> Expected */
  guint n_messages;
  guint64 n_packets;    /* distinct packets published */
  guint64 taken;        /* add() returned NONE */
  guint64 duplicates;   /* add() returned DUPLICATE */
  guint64 copies;       /* duplicate datagrams sent */
  guint64 delivered;
} Stress;

/* One datagram in flight: its bytes, as the network would carry them. */
static GBytes *
frame_of (const SrpPacket *p)
{
  guint8 frame[SRP_MAX_DATAGRAM];
  return g_bytes_new (frame, srp_packet_encode (p, frame));
}

static void
stress_drain (Stress *s)
{
  SrpReassembledMessage m = { 0 };

  while (srp_reassembler_pop_message (s->r, &m))
    {
      Expected *e = g_hash_table_lookup (s->expected, &m.id);

      g_assert_nonnull (e);
      g_assert_cmpuint (e->delivered, ==, 0);
      g_assert_cmpuint (m.n_packets, ==, e->chain->len);
      g_assert_true (srp_id_equal (&m.first_prev, &packet_at (e->chain, 0)->prev_id));
      g_assert_true (srp_id_equal (&m.topic_id, &packet_at (e->chain, 0)->topic_id));
      g_assert_cmpmem (g_bytes_get_data (m.data, NULL), g_bytes_get_size (m.data), e->data,
                       e->len);
      e->delivered++;
      g_clear_pointer (&e->data, g_free);
      s->delivered++;
      srp_reassembled_message_clear (&m);
    }
}

static void
stress_receive (Stress *s, GBytes *frame)
{
  SrpPacket p;
  gsize len;
  const guint8 *data = g_bytes_get_data (frame, &len);
  SrpDropReason reason;

  g_assert_cmpint (srp_packet_decode (data, len, &p), ==, SRP_DROP_NONE);
  reason = srp_reassembler_add (s->r, 0, &p);
  if (reason == SRP_DROP_NONE)
    s->taken++;
  else if (reason == SRP_DROP_DUPLICATE)
    s->duplicates++;
  else
    g_error ("unexpected drop: %s", srp_drop_reason_name (reason));
  stress_drain (s);
}

static gsize
stress_size (SrpRng *rng)
{
  static const gsize edges[] = { 0, 1, 1023, 1024, 1025, 2047, 2048, 2049 };
  guint64 pick = srp_rng_below (rng, 10);

  if (pick == 0)
    return edges[srp_rng_below (rng, G_N_ELEMENTS (edges))];
  if (pick <= 2)
    return srp_rng_below (rng, 2049);
  return srp_rng_below (rng, 40 * 1024 + 1);
}

/* Publishes one message: its datagrams (a few duplicated, with postage
 * lowered as a relay would) go into flight. */
static void
stress_publish (Stress *s, SrpId *stream_prev, const SrpId *topic, gsize len, GPtrArray *flight)
{
  Expected *e = g_new0 (Expected, 1);

  e->len = len;
  e->data = g_malloc (MAX (len, 1));
  srp_rng_fill (&s->rng, e->data, len);
  e->chain = srp_chain_build (topic, SRP_PACKET_TYPE_MESSAGE, stream_prev, e->data, len);
  g_assert_false (g_hash_table_contains (s->expected, message_id (e->chain)));
  g_hash_table_insert (s->expected, (gpointer) message_id (e->chain), e);
  *stream_prev = *message_id (e->chain);
  s->n_messages++;
  s->n_packets += e->chain->len;

  for (guint k = 0; k < e->chain->len; k++)
    {
      SrpPacket *p = packet_at (e->chain, k);
      g_ptr_array_add (flight, frame_of (p));
      if (srp_rng_below (&s->rng, 10) == 0)
        {
          SrpPacket copy = *p;
          copy.postage = (guint8) srp_rng_below (&s->rng, SRP_POSTAGE_MAX + 1);
          g_ptr_array_add (flight, frame_of (&copy));
          s->copies++;
        }
    }
}

#define N_STREAMS 16
#define N_MESSAGES 10000
#define BATCH 40

static void
test_random_stress (void)
{
  Stress s = { 0 };
  SrpId prev[N_STREAMS], topic[N_STREAMS / 2];
  GPtrArray *lost = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  guint published = 0, batch = 0, big = 0;

  srp_rng_init (&s.rng, 20240601);
  /* Bounds far above what one batch needs: this run is about exactness. */
  s.r = new_reassembler (G_MAXSIZE, G_MAXUINT, G_MAXINT64, 1 << 20);
  s.expected = g_hash_table_new_full (srp_id_hash_func, srp_id_equal_func, NULL, expected_free);
  for (guint i = 0; i < N_STREAMS; i++)
    srp_rng_fill (&s.rng, prev[i].bytes, SRP_ID_LEN);
  for (guint i = 0; i < N_STREAMS / 2; i++)
    srp_rng_fill (&s.rng, topic[i].bytes, SRP_ID_LEN);

  while (published < N_MESSAGES || lost->len > 0)
    {
      GPtrArray *flight = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
      GPtrArray *next_lost = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
      gboolean last_round = published >= N_MESSAGES;

      for (guint i = 0; i < BATCH && published < N_MESSAGES; i++, published++)
        {
          guint stream = (guint) srp_rng_below (&s.rng, N_STREAMS);
          stress_publish (&s, &prev[stream], &topic[stream / 2], stress_size (&s.rng), flight);
        }
      /* A few whole-MiB messages, shuffled in with everything else. */
      if (batch % 80 == 40 && big < 3)
        {
          stress_publish (&s, &prev[0], &topic[0], SRP_MESSAGE_MAX_LEN, flight);
          big++;
        }
      /* Earlier losses come back, as retransmissions would. */
      for (guint i = 0; i < lost->len; i++)
        g_ptr_array_add (flight, g_bytes_ref (lost->pdata[i]));
      shuffle (&s.rng, flight->pdata, flight->len);

      for (guint i = 0; i < flight->len; i++)
        {
          /* 5% lost (retransmissions too), except once publishing is over. */
          if (!last_round && srp_rng_below (&s.rng, 20) == 0)
            g_ptr_array_add (next_lost, g_bytes_ref (flight->pdata[i]));
          else
            stress_receive (&s, flight->pdata[i]);
        }
      g_ptr_array_unref (flight);
      g_ptr_array_unref (lost);
      lost = next_lost;
      batch++;
    }

  g_test_message ("%u messages, %" G_GUINT64_FORMAT " packets, %" G_GUINT64_FORMAT
                  " copies, %u batches",
                  s.n_messages, s.n_packets, s.copies, batch);
  g_assert_cmpuint (big, ==, 3);
  g_assert_cmpuint (s.n_messages, ==, N_MESSAGES + 3);
  g_assert_cmpuint (s.delivered, ==, s.n_messages);
  /* Every packet taken exactly once; every other datagram a duplicate. */
  g_assert_cmpuint (s.taken, ==, s.n_packets);
  g_assert_cmpuint (s.duplicates, ==, s.copies);
  {
    GHashTableIter iter;
    Expected *e;

    g_hash_table_iter_init (&iter, s.expected);
    while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &e))
      g_assert_cmpuint (e->delivered, ==, 1);
  }
  g_assert_cmpuint (srp_reassembler_get_chain_count (s.r), ==, 0);
  g_assert_cmpuint (srp_reassembler_get_bytes (s.r), ==, 0);
  g_assert_cmpuint (srp_reassembler_get_drop_count (s.r, SRP_DROP_REASSEMBLY_FULL), ==, 0);
  g_assert_cmpuint (srp_reassembler_get_drop_count (s.r, SRP_DROP_REASSEMBLY_TIMEOUT), ==, 0);

  g_ptr_array_unref (lost);
  g_hash_table_destroy (s.expected);
  srp_reassembler_free (s.r);
}

/* Several 1 MiB messages, interleaved and shuffled at once: must take
 * near-linear time (each is 1024 packets in up to ~256 runs at a time). */
static void
test_large_shuffled (void)
{
  enum { N = 4 };
  SrpReassembler *r;
  GPtrArray *chains[N];
  guint8 *data[N];
  GPtrArray *all = g_ptr_array_new ();
  SrpRng rng;
  guint max_runs = 0;
  gint64 start = g_get_monotonic_time ();

  srp_rng_init (&rng, 13);
  /* Four messages shuffled together peak near 1000 runs: above the
   * default of 256, which suits traffic that arrives mostly in order. */
  r = new_reassembler (64 * 1024 * 1024, 1 << 16, G_MAXINT64, 65536);
  for (guint i = 0; i < N; i++)
    {
      chains[i] = random_chain (&rng, SRP_MESSAGE_MAX_LEN, &data[i]);
      for (guint k = 0; k < chains[i]->len; k++)
        g_ptr_array_add (all, chains[i]->pdata[k]);
    }
  shuffle (&rng, all->pdata, all->len);
  for (guint i = 0; i < all->len; i++)
    {
      g_assert_cmpint (srp_reassembler_add (r, i, all->pdata[i]), ==, SRP_DROP_NONE);
      max_runs = MAX (max_runs, srp_reassembler_get_chain_count (r));
    }
  for (guint n = 0; n < N; n++)
    {
      SrpReassembledMessage m = { 0 };
      guint i;

      g_assert_true (srp_reassembler_pop_message (r, &m));
      for (i = 0; i < N; i++)
        if (srp_id_equal (&m.id, message_id (chains[i])))
          break;
      g_assert_cmpuint (i, <, N);
      g_assert_cmpmem (g_bytes_get_data (m.data, NULL), g_bytes_get_size (m.data), data[i],
                       SRP_MESSAGE_MAX_LEN);
      srp_reassembled_message_clear (&m);
    }
  assert_no_message (r);
  g_test_message ("4 x 1 MiB shuffled: at most %u runs, %.3f s", max_runs,
                  (g_get_monotonic_time () - start) / 1e6);
  for (guint i = 0; i < N; i++)
    {
      g_ptr_array_unref (chains[i]);
      g_free (data[i]);
    }
  g_ptr_array_unref (all);
  srp_reassembler_free (r);
}

/* ---- forgeries -------------------------------------------------------- */

static void
test_conflict (void)
{
  SrpReassembler *r = new_reassembler (1 << 20, 64, 1000, 1024);
  guint8 *data;
  g_autoptr (GPtrArray) chain = NULL;
  SrpRng rng;
  SrpPacket forged;

  srp_rng_init (&rng, 14);
  chain = random_chain (&rng, 4000, &data);
  g_assert_cmpuint (chain->len, ==, 4);
  g_assert_cmpint (srp_reassembler_add (r, 0, packet_at (chain, 0)), ==, SRP_DROP_NONE);
  g_assert_cmpint (srp_reassembler_add (r, 0, packet_at (chain, 1)), ==, SRP_DROP_NONE);

  /* Same PACKET ID, other fields the ID covers: such a copy cannot have
   * decoded (bad-packet-id), and the reassembler refuses it. */
  forged = *packet_at (chain, 1);
  forged.index = 2;
  g_assert_cmpint (srp_reassembler_add (r, 0, &forged), ==, SRP_DROP_CONFLICT);
  forged = *packet_at (chain, 1);
  forged.index = 0;
  g_assert_cmpint (srp_reassembler_add (r, 0, &forged), ==, SRP_DROP_CONFLICT);
  forged = *packet_at (chain, 1);
  memset (&forged.next_id, 0, sizeof forged.next_id);
  g_assert_cmpint (srp_reassembler_add (r, 0, &forged), ==, SRP_DROP_CONFLICT);
  forged = *packet_at (chain, 1);
  forged.topic_id.bytes[0] ^= 1;
  g_assert_cmpint (srp_reassembler_add (r, 0, &forged), ==, SRP_DROP_CONFLICT);
  /* A relayed copy differs in POSTAGE only: the same packet. */
  forged = *packet_at (chain, 1);
  forged.postage = 3;
  g_assert_cmpint (srp_reassembler_add (r, 0, &forged), ==, SRP_DROP_DUPLICATE);

  /* New IDs that claim places in the chain: held, but linked to nothing,
   * since the genuine packets do not name them. */
  memset (&forged, 0, sizeof forged);
  forged.type = SRP_PACKET_TYPE_MESSAGE;
  forged.topic_id = packet_at (chain, 0)->topic_id;
  forged.body_len = SRP_PACKET_MAX_BODY;
  srp_rng_fill (&rng, forged.body, forged.body_len);
  forged.prev_id = packet_at (chain, 1)->id; /* claims to follow packet 1 */
  forged.index = 2;
  forged.next_id = packet_at (chain, 3)->id; /* and to precede packet 3 */
  srp_packet_compute_id (&forged);
  g_assert_cmpint (srp_reassembler_add (r, 0, &forged), ==, SRP_DROP_NONE);
  forged.prev_id = packet_at (chain, 0)->id;
  forged.index = 1;
  forged.next_id = packet_at (chain, 2)->id; /* a second packet 1, before the real one */
  srp_packet_compute_id (&forged);
  g_assert_cmpint (srp_reassembler_add (r, 0, &forged), ==, SRP_DROP_NONE);
  g_assert_cmpuint (srp_reassembler_get_chain_count (r), ==, 3);

  g_assert_cmpint (srp_reassembler_add (r, 0, packet_at (chain, 3)), ==, SRP_DROP_NONE);
  assert_no_message (r);
  g_assert_cmpint (srp_reassembler_add (r, 0, packet_at (chain, 2)), ==, SRP_DROP_NONE);
  assert_pop (r, chain, data, 4000);
  assert_no_message (r);

  /* The forgeries stay until their timeout. */
  g_assert_cmpuint (srp_reassembler_get_chain_count (r), ==, 2);
  g_assert_cmpuint (srp_reassembler_expire (r, 1000), ==, 2);
  g_assert_cmpuint (srp_reassembler_get_chain_count (r), ==, 0);
  g_free (data);
  srp_reassembler_free (r);
}

/* A forged copy that arrives first, with the same ID and another NEXT ID
 * (all that a forger can change: the ID covers the rest), does not hold
 * the genuine one up: both are held as variants of the ID, and the genuine
 * chain completes at once with the genuine bytes. Copies with another
 * INDEX, TOPIC or end do not even decode (test-packet.c, "header"); the
 * reassembler refuses them as conflicts. See "Limits of the ID" in
 * docs/protocol.md. */
static void
test_forged_first (void)
{
  SrpReassembler *r = new_reassembler (1 << 20, 64, 1000, 1024);
  guint8 *data;
  g_autoptr (GPtrArray) chain = NULL;
  SrpRng rng;
  SrpPacket forged;

  srp_rng_init (&rng, 15);
  chain = random_chain (&rng, 4000, &data);
  forged = *packet_at (chain, 1);
  forged.next_id.bytes[0] ^= 1;
  g_assert_cmpint (srp_reassembler_add (r, 0, &forged), ==, SRP_DROP_NONE);
  g_assert_cmpint (srp_reassembler_add (r, 0, &forged), ==, SRP_DROP_DUPLICATE);
  forged.index = 7;
  g_assert_cmpint (srp_reassembler_add (r, 0, &forged), ==, SRP_DROP_CONFLICT);
  for (guint k = 0; k < chain->len; k++)
    g_assert_cmpint (srp_reassembler_add (r, 10, packet_at (chain, k)), ==, SRP_DROP_NONE);
  assert_pop (r, chain, data, 4000);
  assert_no_message (r);
  /* The forgery is left alone, linked to nothing, until its timeout. */
  g_assert_cmpuint (srp_reassembler_get_chain_count (r), ==, 1);
  g_assert_cmpuint (srp_reassembler_expire (r, 1010), ==, 1);

  /* A flood of forged copies cannot crowd the genuine one out: a variant
   * that links nothing makes room for it. */
  g_free (data);
  g_ptr_array_unref (chain);
  chain = random_chain (&rng, 4000, &data);
  for (guint k = 0; k < 10; k++)
    {
      forged = *packet_at (chain, 2);
      forged.next_id.bytes[1] = (guint8) (k + 1);
      g_assert_cmpint (srp_reassembler_add (r, 2000, &forged), ==, SRP_DROP_NONE);
    }
  for (guint k = chain->len; k > 0; k--)
    g_assert_cmpint (srp_reassembler_add (r, 2000, packet_at (chain, k - 1)), ==,
                     SRP_DROP_NONE);
  assert_pop (r, chain, data, 4000);
  assert_no_message (r);
  g_free (data);
  srp_reassembler_free (r);
}

/* ---- bounds ----------------------------------------------------------- */

static void
add_checking_bounds (SrpReassembler *r, const SrpPacket *p, gsize max_bytes, guint max_chains,
                     guint64 *taken)
{
  SrpDropReason reason = srp_reassembler_add (r, 0, p);

  g_assert_true (reason == SRP_DROP_NONE || reason == SRP_DROP_DUPLICATE ||
                 reason == SRP_DROP_REASSEMBLY_FULL);
  if (reason != SRP_DROP_DUPLICATE)
    (*taken)++;
  g_assert_cmpuint (srp_reassembler_get_bytes (r), <=, max_bytes);
  g_assert_cmpuint (srp_reassembler_get_chain_count (r), <=, max_chains);
}

static void
test_bound_chains (void)
{
  enum { MAX_CHAINS = 3 };
  SrpReassembler *r = new_reassembler (G_MAXSIZE, MAX_CHAINS, G_MAXINT64, 4096);
  guint8 *data[4];
  GPtrArray *chains[4];
  SrpRng rng;
  guint64 taken = 0, held_packets;
  SrpReassembledMessage m = { 0 };

  srp_rng_init (&rng, 16);
  for (guint i = 0; i < 4; i++)
    chains[i] = random_chain (&rng, 10 * 1024, &data[i]);

  /* Even packets only: each its own run, far more runs than allowed. */
  for (guint i = 0; i < 4; i++)
    for (guint k = 0; k < 10; k += 2)
      add_checking_bounds (r, packet_at (chains[i], k), G_MAXSIZE, MAX_CHAINS, &taken);
  g_assert_cmpuint (srp_reassembler_get_chain_count (r), ==, MAX_CHAINS);
  held_packets = MAX_CHAINS; /* one packet a run */
  g_assert_cmpuint (srp_reassembler_get_drop_count (r, SRP_DROP_REASSEMBLY_FULL), ==,
                    taken - held_packets);

  /* In order, a message's run is always the newest: it is never evicted. */
  for (guint i = 0; i < 4; i++)
    {
      for (guint k = 0; k < 10; k++)
        add_checking_bounds (r, packet_at (chains[i], k), G_MAXSIZE, MAX_CHAINS, &taken);
      assert_pop (r, chains[i], data[i], 10 * 1024);
    }
  assert_no_message (r);
  g_assert_false (srp_reassembler_pop_message (r, &m));
  for (guint i = 0; i < 4; i++)
    {
      g_ptr_array_unref (chains[i]);
      g_free (data[i]);
    }
  srp_reassembler_free (r);

  /* No room at all: only one-packet messages get through. */
  r = new_reassembler (G_MAXSIZE, 0, G_MAXINT64, 16);
  chains[0] = random_chain (&rng, 2000, &data[0]);
  chains[1] = random_chain (&rng, 100, &data[1]);
  g_assert_cmpint (srp_reassembler_add (r, 0, packet_at (chains[0], 0)), ==,
                   SRP_DROP_REASSEMBLY_FULL);
  g_assert_cmpint (srp_reassembler_add (r, 0, packet_at (chains[1], 0)), ==, SRP_DROP_NONE);
  assert_pop (r, chains[1], data[1], 100);
  g_assert_cmpuint (srp_reassembler_get_drop_count (r, SRP_DROP_REASSEMBLY_FULL), ==, 0);
  for (guint i = 0; i < 2; i++)
    {
      g_ptr_array_unref (chains[i]);
      g_free (data[i]);
    }
  srp_reassembler_free (r);
}

static void
test_bound_bytes (void)
{
  enum { MAX_BYTES = 4096 };
  SrpReassembler *r = new_reassembler (MAX_BYTES, 1000, G_MAXINT64, 4096);
  guint8 *a_data, *b_data;
  g_autoptr (GPtrArray) a = NULL;
  g_autoptr (GPtrArray) b = NULL;
  SrpRng rng;
  guint64 taken = 0;

  srp_rng_init (&rng, 17);
  a = random_chain (&rng, 10 * 1024, &a_data);
  b = random_chain (&rng, 3000, &b_data);

  for (guint k = 0; k < 4; k++)
    add_checking_bounds (r, packet_at (a, k), MAX_BYTES, 1000, &taken);
  g_assert_cmpuint (srp_reassembler_get_bytes (r), ==, MAX_BYTES); /* at, not over */
  g_assert_cmpuint (srp_reassembler_get_drop_count (r, SRP_DROP_REASSEMBLY_FULL), ==, 0);

  /* One more body: the oldest run (4 packets) goes. */
  g_assert_cmpint (srp_reassembler_add (r, 0, packet_at (b, 1)), ==, SRP_DROP_NONE);
  g_assert_cmpuint (srp_reassembler_get_drop_count (r, SRP_DROP_REASSEMBLY_FULL), ==, 4);
  g_assert_cmpuint (srp_reassembler_get_bytes (r), ==, 1024);
  g_assert_cmpuint (srp_reassembler_get_chain_count (r), ==, 1);
  add_checking_bounds (r, packet_at (b, 0), MAX_BYTES, 1000, &taken);
  add_checking_bounds (r, packet_at (b, 2), MAX_BYTES, 1000, &taken);
  assert_pop (r, b, b_data, 3000);

  /* A message bigger than max_bytes cannot be held whole: its own run is
   * evicted once it alone is over, and the packet that did it is refused. */
  for (guint k = 0; k < 4; k++)
    add_checking_bounds (r, packet_at (a, k), MAX_BYTES, 1000, &taken);
  g_assert_cmpint (srp_reassembler_add (r, 0, packet_at (a, 4)), ==, SRP_DROP_REASSEMBLY_FULL);
  g_assert_cmpuint (srp_reassembler_get_bytes (r), ==, 0);
  /* The packet refused is the caller's to count (it is returned). */
  g_assert_cmpuint (srp_reassembler_get_drop_count (r, SRP_DROP_REASSEMBLY_FULL), ==, 4 + 4);
  assert_no_message (r);

  g_free (a_data);
  g_free (b_data);
  srp_reassembler_free (r);
}

static void
test_timeout (void)
{
  SrpReassembler *r = new_reassembler (G_MAXSIZE, 100, 1000, 4096);
  guint8 *a_data, *b_data;
  g_autoptr (GPtrArray) a = NULL;
  g_autoptr (GPtrArray) b = NULL;
  SrpRng rng;

  srp_rng_init (&rng, 18);
  a = random_chain (&rng, 3000, &a_data);
  b = random_chain (&rng, 3000, &b_data);
  g_assert_cmpint (srp_reassembler_next_deadline (r), ==, -1);
  g_assert_cmpuint (srp_reassembler_expire (r, 0), ==, 0);

  g_assert_cmpint (srp_reassembler_add (r, 0, packet_at (a, 0)), ==, SRP_DROP_NONE);
  g_assert_cmpint (srp_reassembler_next_deadline (r), ==, 1000);
  g_assert_cmpint (srp_reassembler_add (r, 500, packet_at (b, 1)), ==, SRP_DROP_NONE);
  g_assert_cmpint (srp_reassembler_next_deadline (r), ==, 1000);
  g_assert_cmpuint (srp_reassembler_expire (r, 999), ==, 0);
  g_assert_cmpuint (srp_reassembler_expire (r, 1000), ==, 1);
  g_assert_cmpuint (srp_reassembler_get_drop_count (r, SRP_DROP_REASSEMBLY_TIMEOUT), ==, 1);
  g_assert_cmpint (srp_reassembler_next_deadline (r), ==, 1500);

  /* A new packet joining a run restarts its clock. */
  g_assert_cmpint (srp_reassembler_add (r, 1400, packet_at (b, 0)), ==, SRP_DROP_NONE);
  g_assert_cmpint (srp_reassembler_next_deadline (r), ==, 2400);
  g_assert_cmpuint (srp_reassembler_expire (r, 2399), ==, 0);
  g_assert_cmpuint (srp_reassembler_expire (r, 2400), ==, 1);
  g_assert_cmpuint (srp_reassembler_get_drop_count (r, SRP_DROP_REASSEMBLY_TIMEOUT), ==, 3);
  g_assert_cmpint (srp_reassembler_next_deadline (r), ==, -1);
  g_assert_cmpuint (srp_reassembler_get_bytes (r), ==, 0);

  /* Timed-out packets are forgotten, not remembered: they are taken again. */
  for (guint k = 0; k < b->len; k++)
    g_assert_cmpint (srp_reassembler_add (r, 3000, packet_at (b, k)), ==, SRP_DROP_NONE);
  assert_pop (r, b, b_data, 3000);
  g_assert_cmpuint (srp_reassembler_get_drop_count (r, SRP_DROP_REASSEMBLY_FULL), ==, 0);
  g_free (a_data);
  g_free (b_data);
  srp_reassembler_free (r);
}

static void
test_remembered_bound (void)
{
  SrpReassembler *r = new_reassembler (G_MAXSIZE, 100, G_MAXINT64, 3);
  GPtrArray *chains[4];
  guint8 *data[4];
  SrpRng rng;

  srp_rng_init (&rng, 19);
  for (guint i = 0; i < 4; i++)
    {
      chains[i] = random_chain (&rng, 10, &data[i]);
      g_assert_cmpint (srp_reassembler_add (r, 0, packet_at (chains[i], 0)), ==, SRP_DROP_NONE);
      assert_pop (r, chains[i], data[i], 10);
    }
  /* The last three are remembered; the first has left the FIFO. */
  for (guint i = 1; i < 4; i++)
    g_assert_cmpint (srp_reassembler_add (r, 0, packet_at (chains[i], 0)), ==,
                     SRP_DROP_DUPLICATE);
  g_assert_cmpint (srp_reassembler_add (r, 0, packet_at (chains[0], 0)), ==, SRP_DROP_NONE);
  assert_pop (r, chains[0], data[0], 10);
  for (guint i = 0; i < 4; i++)
    {
      g_ptr_array_unref (chains[i]);
      g_free (data[i]);
    }
  srp_reassembler_free (r);
}

/* ---- missing IDs ------------------------------------------------------ */

static gint
compare_ids (gconstpointer a, gconstpointer b)
{
  return memcmp (a, b, sizeof (SrpId));
}

/* ids (after skip leading entries) must be exactly the IDs of the packets
 * of chain at the given indices. */
static void
assert_missing (SrpReassembler *r, GPtrArray *chain, const guint *indices, guint n)
{
  GArray *got = g_array_new (FALSE, FALSE, sizeof (SrpId));
  GArray *want = g_array_new (FALSE, FALSE, sizeof (SrpId));
  SrpId sentinel;

  /* get_missing appends: what is there already stays. */
  memset (&sentinel, 0x5a, sizeof sentinel);
  g_array_append_val (got, sentinel);
  srp_reassembler_get_missing (r, got);
  g_assert_cmpmem (&g_array_index (got, SrpId, 0), sizeof (SrpId), &sentinel, sizeof sentinel);
  g_array_remove_index (got, 0);
  for (guint i = 0; i < n; i++)
    g_array_append_val (want, packet_at (chain, indices[i])->id);
  g_array_sort (got, compare_ids);
  g_array_sort (want, compare_ids);
  g_assert_cmpmem (got->data, got->len * sizeof (SrpId), want->data, want->len * sizeof (SrpId));
  g_array_unref (got);
  g_array_unref (want);
}

static void
test_missing (void)
{
  SrpReassembler *r = srp_reassembler_new (NULL);
  guint8 *data;
  g_autoptr (GPtrArray) chain = NULL;
  SrpRng rng;

  srp_rng_init (&rng, 21);
  chain = random_chain (&rng, 10 * 1024 - 5, &data);
  g_assert_cmpuint (chain->len, ==, 10);
  assert_missing (r, chain, NULL, 0);

#define ADD(k) g_assert_cmpint (srp_reassembler_add (r, 0, packet_at (chain, k)), ==, SRP_DROP_NONE)
  ADD (2);
  assert_missing (r, chain, (const guint[]){ 1, 3 }, 2);
  ADD (3);
  assert_missing (r, chain, (const guint[]){ 1, 4 }, 2);
  ADD (7);
  assert_missing (r, chain, (const guint[]){ 1, 4, 6, 8 }, 4);
  /* Packet 0's PREV is the previous message, not a missing packet. */
  ADD (0);
  assert_missing (r, chain, (const guint[]){ 1, 4, 6, 8 }, 4);
  ADD (9);
  assert_missing (r, chain, (const guint[]){ 1, 4, 6, 8 }, 4);
  ADD (8);
  assert_missing (r, chain, (const guint[]){ 1, 4, 6 }, 3);
  ADD (1);
  assert_missing (r, chain, (const guint[]){ 4, 6 }, 2);
  ADD (5);
  assert_missing (r, chain, (const guint[]){ 4, 6 }, 2);
  ADD (4);
  assert_missing (r, chain, (const guint[]){ 6 }, 1);
  ADD (6);
#undef ADD
  assert_missing (r, chain, NULL, 0);
  assert_pop (r, chain, data, 10 * 1024 - 5);
  g_free (data);
  srp_reassembler_free (r);
}

/* A message of one packet added with its frame is a slice of the frame,
 * and outlives the caller's reference to it; a frame that does not hold
 * the packet's body is not used (the body is copied instead). */
static void
test_framed_single (void)
{
  SrpRng rng;
  guint8 *data = NULL;
  g_autoptr (GPtrArray) chain = NULL, other = NULL, second = NULL;
  SrpReassembler *r = new_reassembler (1 << 20, 16, G_USEC_PER_SEC, 16);
  SrpReassembledMessage m = { 0 };
  GBytes *frame;
  gsize len;
  const guint8 *frame_data;

  srp_rng_init (&rng, 41);
  chain = random_chain (&rng, 300, &data);
  g_assert_cmpuint (chain->len, ==, 1);
  frame = frame_of (packet_at (chain, 0));
  frame_data = g_bytes_get_data (frame, &len);
  g_assert_cmpint (srp_reassembler_add_framed (r, 0, packet_at (chain, 0), frame), ==,
                   SRP_DROP_NONE);
  g_bytes_unref (frame);
  g_assert_true (srp_reassembler_pop_message (r, &m));
  g_assert_true (g_bytes_get_data (m.data, NULL) == frame_data + SRP_PACKET_FRAME_LEN (0));
  g_assert_cmpmem (g_bytes_get_data (m.data, NULL), g_bytes_get_size (m.data), data, 300);
  srp_reassembled_message_clear (&m);
  g_free (data);

  /* Another packet's frame, of the same length: its body is not taken. */
  other = random_chain (&rng, 300, NULL);
  second = random_chain (&rng, 300, &data);
  frame = frame_of (packet_at (other, 0));
  g_assert_cmpint (srp_reassembler_add_framed (r, 0, packet_at (second, 0), frame), ==,
                   SRP_DROP_NONE);
  g_bytes_unref (frame);
  assert_pop (r, second, data, 300);
  assert_no_message (r);
  g_free (data);
  srp_reassembler_free (r);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/reassembler/in-order", test_in_order);
  g_test_add_func ("/reassembler/completion-order", test_reverse_and_completion_order);
  g_test_add_func ("/reassembler/consecutive-messages", test_consecutive_messages);
  g_test_add_func ("/reassembler/random-stress", test_random_stress);
  g_test_add_func ("/reassembler/large-shuffled", test_large_shuffled);
  g_test_add_func ("/reassembler/conflict", test_conflict);
  g_test_add_func ("/reassembler/forged-first", test_forged_first);
  g_test_add_func ("/reassembler/bound/chains", test_bound_chains);
  g_test_add_func ("/reassembler/bound/bytes", test_bound_bytes);
  g_test_add_func ("/reassembler/timeout", test_timeout);
  g_test_add_func ("/reassembler/remembered-bound", test_remembered_bound);
  g_test_add_func ("/reassembler/missing", test_missing);
  g_test_add_func ("/reassembler/framed-single", test_framed_single);
  return g_test_run ();
}
