/* test-authors.c: envelopes (docs/protocol.md, "Envelopes"), in virtual time.
 *
 *   - signed-messages-name-their-author: a signed publish reaches the
 *     subscribers with its author, verified; an anonymous one without, and
 *     not chained to the signed ones (its PREV ID would name the author);
 *   - forged-authors-are-dropped: a message that names one author and is
 *     signed by another, and a genuine signed payload moved to another
 *     topic, are not delivered and count as bad-author, once each however
 *     often they come back;
 *   - letters-open-for-their-recipient-alone: a letter sealed to one node
 *     is delivered there with its author; a node that subscribes to that
 *     inbox too gets nothing (unopened); letters do not chain;
 *   - group-topics: members read what members publish; a node subscribed
 *     to the plain name sees nothing, one subscribed to the group's ID
 *     without the key opens nothing, and what a non-member publishes into
 *     the group (bare, or sealed under a wrong key) is dropped and counted
 *     (unopened); a member that was offline catches up from the caches;
 *   - same-seed-same-trace: a network of letters and group messages
 *     replays bit for bit;
 *   - vector: the test vectors of docs/protocol.md ("Envelopes"), which
 *     open for their recipient alone, and not under another PREV ID;
 *   - malformed: every malformed envelope is refused by name.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "srp-chain.h"
#include "srp-core.h"
#include "srp-envelope.h"
#include "srp-packet.h"
#include "srp-sim-keys.h"
#include "srp-sim.h"

#define SECONDS(s) ((gint64) (s) * G_USEC_PER_SEC)
#define MS(n) ((gint64) (n) * G_TIME_SPAN_MILLISECOND)

typedef struct {
  SrpId id;
  guint node;
  gboolean has_author;
  SrpId author;
  gboolean sealed;
  GBytes *data;
} Got;

typedef struct {
  GArray *got; /* Got */
} Inbox;

static void
got_clear (gpointer data)
{
  g_bytes_unref (((Got *) data)->data);
}

static void
on_event (SrpSim *sim, guint node, const SrpCoreEvent *event, gpointer data)
{
  Inbox *in = data;
  Got got;

  (void) sim;
  if (event->type != SRP_CORE_EVENT_MESSAGE)
    return;
  got.id = event->message.id;
  got.node = node;
  got.has_author = event->message.has_author;
  got.author = event->message.author;
  got.sealed = event->message.sealed;
  got.data = g_bytes_ref (event->message.data);
  g_array_append_val (in->got, got);
}

static const Got *
find (Inbox *in, guint node, const SrpId *id)
{
  for (guint i = 0; i < in->got->len; i++)
    {
      const Got *g = &g_array_index (in->got, Got, i);
      if (g->node == node && srp_id_equal (&g->id, id))
        return g;
    }
  return NULL;
}

static guint
count_at (Inbox *in, guint node)
{
  guint n = 0;

  for (guint i = 0; i < in->got->len; i++)
    n += g_array_index (in->got, Got, i).node == node;
  return n;
}

/* n nodes joined through node 0, run until the mesh settled. */
static SrpSim *
make_network (guint64 seed, guint n, Inbox *in)
{
  SrpSim *sim = srp_sim_new (seed);

  in->got = g_array_new (FALSE, FALSE, sizeof (Got));
  g_array_set_clear_func (in->got, got_clear);
  for (guint i = 0; i < n; i++)
    srp_sim_add_node (sim, NULL);
  srp_sim_set_default_link (sim, 10000, 0.0);
  srp_sim_set_event_func (sim, on_event, in);
  srp_sim_bootstrap_all (sim, 0);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (30));
  for (guint i = 0; i < n; i++)
    g_assert_cmpuint (srp_core_get_n_connected (srp_sim_get_core (sim, i)), >, 0);
  return sim;
}

static void
subscribe (SrpSim *sim, guint node, const SrpId *topic)
{
  srp_core_subscribe (srp_sim_get_core (sim, node), srp_sim_get_now (sim), topic);
  srp_sim_flush (sim, node);
}

static void
subscribe_group (SrpSim *sim, guint node, const SrpId *topic, const guint8 *key)
{
  srp_core_subscribe_group (srp_sim_get_core (sim, node), srp_sim_get_now (sim), topic, key);
  srp_sim_flush (sim, node);
}

static SrpId
publish (SrpSim *sim, guint node, const SrpId *topic, const SrpId *recipient, guint flags,
         const char *text)
{
  SrpId id;

  g_assert_cmpuint (srp_core_publish_full (srp_sim_get_core (sim, node), srp_sim_get_now (sim),
                                           topic, recipient, flags, (const guint8 *) text,
                                           strlen (text), &id), !=, 0);
  srp_sim_flush (sim, node);
  return id;
}

static guint64
drops (SrpSim *sim, guint node, SrpDropReason reason)
{
  return srp_core_get_drop_count (srp_sim_get_core (sim, node), reason);
}

static void
inbox_clear (Inbox *in)
{
  g_array_unref (in->got);
}

/* ---- authors ------------------------------------------------------------------------------- */

/* Whether a one-packet message, as node's cache holds it, follows prev. */
static gboolean
prev_is (SrpSim *sim, guint node, const SrpId *message_id, const SrpId *prev)
{
  g_autoptr (GBytes) frame = srp_core_cache_lookup (srp_sim_get_core (sim, node), message_id);
  SrpPacket packet;

  g_assert_nonnull (frame);
  g_assert_cmpint (srp_packet_decode (g_bytes_get_data (frame, NULL), g_bytes_get_size (frame),
                                      &packet), ==, SRP_DROP_NONE);
  g_assert_cmpuint (packet.index, ==, 0);
  return srp_id_equal (&packet.prev_id, prev);
}

static void
test_signed_messages_name_their_author (void)
{
  Inbox in;
  SrpSim *sim = make_network (11, 4, &in);
  SrpId topic, signed_id, anonymous_id, again_id;
  const Got *g;

  srp_topic_id_from_name ("authored", &topic);
  for (guint i = 2; i < 4; i++)
    subscribe (sim, i, &topic);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (2));
  signed_id = publish (sim, 1, &topic, NULL, SRP_CORE_PUBLISH_SIGNED, "from node one");
  anonymous_id = publish (sim, 1, &topic, NULL, SRP_CORE_PUBLISH_UNLINKED, "from nobody");
  again_id = publish (sim, 1, &topic, NULL, SRP_CORE_PUBLISH_SIGNED, "node one again");
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (10));

  /* Signed messages chain (the second's PREV ID is the first's ID); the
   * anonymous one does not, or its PREV ID would name its author. */
  g_assert_true (prev_is (sim, 1, &again_id, &signed_id));
  g_assert_false (prev_is (sim, 1, &anonymous_id, &signed_id));
  g_assert_false (prev_is (sim, 2, &again_id, &anonymous_id));

  for (guint i = 2; i < 4; i++)
    {
      g = find (&in, i, &signed_id);
      g_assert_nonnull (g);
      g_assert_true (g->has_author);
      g_assert_true (srp_id_equal (&g->author, srp_sim_get_id (sim, 1)));
      g_assert_false (g->sealed);
      g_assert_cmpmem (g_bytes_get_data (g->data, NULL), g_bytes_get_size (g->data),
                       "from node one", 13);
      g = find (&in, i, &anonymous_id);
      g_assert_nonnull (g);
      g_assert_false (g->has_author);
      g_assert_cmpmem (g_bytes_get_data (g->data, NULL), g_bytes_get_size (g->data),
                       "from nobody", 11);
      g_assert_cmpuint (drops (sim, i, SRP_DROP_BAD_AUTHOR), ==, 0);
    }
  inbox_clear (&in);
  srp_sim_free (sim);
}

/* Sends a chain (SrpPacket*) from node `from` to node `to` over their link, at once. */
static void
inject_now (SrpSim *sim, guint from, guint to, GPtrArray *chain)
{
  guint8 frame[SRP_MAX_DATAGRAM];

  for (guint i = 0; i < chain->len; i++)
    g_assert_true (srp_sim_inject_from (sim, from, to, frame,
                                        srp_packet_encode (g_ptr_array_index (chain, i), frame)));
}

/* The same, and a second of the network's time to take them. */
static void
inject_chain (SrpSim *sim, guint from, guint to, GPtrArray *chain)
{
  inject_now (sim, from, to, chain);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (1));
}

/* A chain of TYPE 02 on topic after prev, carrying envelope. */
static GPtrArray *
envelope_chain (const SrpId *topic, const SrpId *prev, GBytes *envelope)
{
  return srp_chain_build (topic, SRP_PACKET_TYPE_ENVELOPE, prev, g_bytes_get_data (envelope, NULL),
                          g_bytes_get_size (envelope));
}

/* The keys of a node (the sim draws them; the test makes its own to sign
 * what the node would not). */
static void
test_forged_authors_are_dropped (void)
{
  Inbox in;
  SrpSim *sim = make_network (12, 3, &in);
  SrpId topic, other, prev;
  SrpRng rng;
  SrpSimKeys mallory;
  SrpEnvelopeSeal seal = { .flags = SRP_ENVELOPE_SIGNED };
  g_autoptr (GBytes) forged = NULL, genuine = NULL;
  g_autoptr (GPtrArray) chain = NULL, moved = NULL, again = NULL;
  const char *text = "node one never wrote this";
  guint linked_to_2 = srp_sim_is_connected (sim, 0, 2) ? 0 : 1;

  g_assert_true (srp_sim_is_connected (sim, linked_to_2, 2));
  srp_topic_id_from_name ("authored", &topic);
  srp_topic_id_from_name ("elsewhere", &other);
  subscribe (sim, 2, &topic);
  subscribe (sim, 2, &other);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (2));
  memset (prev.bytes, 0x5a, sizeof prev.bytes);

  /* Signed with mallory's key, naming node 1 as the author. */
  srp_rng_init (&rng, 99);
  srp_sim_keys_generate (&mallory, &rng);
  seal.author = srp_sim_get_id (sim, 1);
  seal.sign = srp_sim_keys_sign;
  seal.sign_data = &mallory;
  forged = srp_envelope_build (&topic, &prev, &seal, (const guint8 *) text, strlen (text));
  g_assert_nonnull (forged);
  chain = envelope_chain (&topic, &prev, forged);
  inject_chain (sim, linked_to_2, 2, chain);
  g_assert_cmpuint (count_at (&in, 2), ==, 0);
  g_assert_cmpuint (drops (sim, 2, SRP_DROP_BAD_AUTHOR), ==, 1);

  /* Mallory's own genuine envelope, on another topic than it signed. */
  {
    SrpId mallory_id;

    memcpy (mallory_id.bytes, mallory.public, SRP_ID_LEN);
    seal.author = &mallory_id;
    genuine = srp_envelope_build (&topic, &prev, &seal, (const guint8 *) text, strlen (text));
  }
  moved = envelope_chain (&other, &prev, genuine);
  inject_chain (sim, linked_to_2, 2, moved);
  g_assert_cmpuint (count_at (&in, 2), ==, 0);
  g_assert_cmpuint (drops (sim, 2, SRP_DROP_BAD_AUTHOR), ==, 2);

  /* Where it was signed for, it is delivered, with mallory as its author. */
  again = envelope_chain (&topic, &prev, genuine);
  inject_chain (sim, linked_to_2, 2, again);
  g_assert_cmpuint (count_at (&in, 2), ==, 1);
  g_assert_true (g_array_index (in.got, Got, 0).has_author);
  g_assert_cmpmem (g_array_index (in.got, Got, 0).author.bytes, SRP_ID_LEN, mallory.public,
                   SRP_ID_LEN);

  /* The forgery again: remembered, not checked (nor counted) a second time. */
  inject_chain (sim, linked_to_2, 2, chain);
  g_assert_cmpuint (drops (sim, 2, SRP_DROP_BAD_AUTHOR), ==, 2);
  g_assert_cmpuint (count_at (&in, 2), ==, 1);
  inbox_clear (&in);
  srp_sim_free (sim);
}

/* Signed with mallory's key on topic after a PREV ID drawn from rng, as a
 * chain: named as node `as` (a forgery) or as mallory herself (genuine). */
static GPtrArray *
mallory_chain (SrpSim *sim, SrpSimKeys *mallory, SrpRng *rng, const SrpId *topic, gint as)
{
  SrpEnvelopeSeal seal = { .flags = SRP_ENVELOPE_SIGNED };
  SrpId prev, mallory_id;
  g_autoptr (GBytes) envelope = NULL;
  const char *text = "a message of mallory's";

  srp_rng_fill (rng, prev.bytes, SRP_ID_LEN);
  memcpy (mallory_id.bytes, mallory->public, SRP_ID_LEN);
  seal.author = as >= 0 ? srp_sim_get_id (sim, as) : &mallory_id;
  seal.sign = srp_sim_keys_sign;
  seal.sign_data = mallory;
  envelope = srp_envelope_build (topic, &prev, &seal, (const guint8 *) text, strlen (text));
  return envelope_chain (topic, &prev, envelope);
}

/* A link that sends forgeries gets 16 signature checks at once and 4 a
 * second after: what it sends beyond that is refused unchecked (forger),
 * while other links' messages still arrive. When its budget refills, its
 * genuine messages are taken again. */
static void
test_forgers_are_budgeted (void)
{
  Inbox in;
  SrpSim *sim = make_network (13, 3, &in);
  SrpId topic;
  SrpRng rng;
  SrpSimKeys mallory;
  guint forger = 0, honest = 1;

  g_assert_true (srp_sim_is_connected (sim, forger, 2));
  g_assert_true (srp_sim_is_connected (sim, honest, 2));
  srp_topic_id_from_name ("authored", &topic);
  subscribe (sim, 2, &topic);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (2));
  srp_rng_init (&rng, 98);
  srp_sim_keys_generate (&mallory, &rng);

  /* 40 forgeries at once, naming node 1. */
  for (guint i = 0; i < 40; i++)
    {
      g_autoptr (GPtrArray) chain = mallory_chain (sim, &mallory, &rng, &topic, 1);
      inject_now (sim, forger, 2, chain);
    }
  srp_sim_run_until (sim, srp_sim_get_now (sim) + MS (50));
  g_assert_cmpuint (drops (sim, 2, SRP_DROP_BAD_AUTHOR), ==, 16);
  g_assert_cmpuint (drops (sim, 2, SRP_DROP_FORGER), ==, 24);
  g_assert_cmpuint (count_at (&in, 2), ==, 0);

  /* Spent: even a genuine message from the forger's link is refused... */
  {
    g_autoptr (GPtrArray) genuine = mallory_chain (sim, &mallory, &rng, &topic, -1);
    inject_now (sim, forger, 2, genuine);
    srp_sim_run_until (sim, srp_sim_get_now (sim) + MS (50));
    g_assert_cmpuint (drops (sim, 2, SRP_DROP_FORGER), ==, 25);
    g_assert_cmpuint (count_at (&in, 2), ==, 0);
    /* ... while the same message through another link arrives. */
    inject_now (sim, honest, 2, genuine);
    srp_sim_run_until (sim, srp_sim_get_now (sim) + MS (50));
    g_assert_cmpuint (count_at (&in, 2), ==, 1);
  }

  /* Half a second later the forger's link has two checks again. */
  srp_sim_run_until (sim, srp_sim_get_now (sim) + MS (500));
  {
    g_autoptr (GPtrArray) genuine = mallory_chain (sim, &mallory, &rng, &topic, -1);
    inject_now (sim, forger, 2, genuine);
    srp_sim_run_until (sim, srp_sim_get_now (sim) + MS (50));
    g_assert_cmpuint (count_at (&in, 2), ==, 2);
    g_assert_cmpuint (drops (sim, 2, SRP_DROP_BAD_AUTHOR), ==, 16);
    g_assert_cmpuint (drops (sim, 2, SRP_DROP_FORGER), ==, 25);
  }
  inbox_clear (&in);
  srp_sim_free (sim);
}

/* ---- letters ------------------------------------------------------------------------------- */

static void
test_letters_open_for_their_recipient_alone (void)
{
  Inbox in;
  SrpSim *sim = make_network (13, 4, &in);
  SrpId inbox, letter, anonymous;
  const Got *g;

  srp_topic_id_for_inbox (srp_sim_get_id (sim, 3), &inbox);
  /* Node 2 listens in on node 3's inbox (its ID is public). */
  subscribe (sim, 2, &inbox);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (2));
  letter = publish (sim, 1, &inbox, srp_sim_get_id (sim, 3),
                    SRP_CORE_PUBLISH_SIGNED | SRP_CORE_PUBLISH_SEALED, "for node three alone");
  anonymous = publish (sim, 1, &inbox, srp_sim_get_id (sim, 3), SRP_CORE_PUBLISH_SEALED,
                       "from someone");
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (10));
  /* Letters do not chain: carriers cannot tell that both came from one peer. */
  g_assert_false (prev_is (sim, 2, &anonymous, &letter));

  g = find (&in, 3, &letter);
  g_assert_nonnull (g);
  g_assert_true (g->sealed);
  g_assert_true (g->has_author);
  g_assert_true (srp_id_equal (&g->author, srp_sim_get_id (sim, 1)));
  g_assert_cmpmem (g_bytes_get_data (g->data, NULL), g_bytes_get_size (g->data),
                   "for node three alone", 20);
  g = find (&in, 3, &anonymous);
  g_assert_nonnull (g);
  g_assert_true (g->sealed);
  g_assert_false (g->has_author);
  g_assert_cmpuint (count_at (&in, 2), ==, 0);
  g_assert_cmpuint (drops (sim, 2, SRP_DROP_UNOPENED), ==, 2);
  /* Strangers carry the ciphertext all the same. */
  {
    g_autoptr (GBytes) cached = srp_core_cache_lookup (srp_sim_get_core (sim, 2), &letter);
    g_assert_nonnull (cached);
  }
  inbox_clear (&in);
  srp_sim_free (sim);
}

/* ---- group topics -------------------------------------------------------------------------- */

static const char group_secret[] = "sixteen or more secret bytes";

static void
test_group_topics (void)
{
  Inbox in;
  SrpSim *sim = make_network (14, 6, &in);
  SrpId group, plain, forged_bare, forged_key, first, second;
  guint8 key[SRP_ENVELOPE_KEY_LEN], wrong[SRP_ENVELOPE_KEY_LEN];
  SrpId wrong_id;
  const Got *g;

  srp_envelope_group_derive ("crew", (const guint8 *) group_secret, sizeof group_secret - 1,
                             &group, key);
  srp_envelope_group_derive ("crew", (const guint8 *) "a guess, not the secret", 23, &wrong_id,
                             wrong);
  srp_topic_id_from_name ("crew", &plain);
  g_assert_false (srp_id_equal (&group, &plain));
  /* Members 1, 2 and 5 (5 goes offline); 3 takes the plain name; 4 the
   * group's ID without the key. */
  subscribe_group (sim, 1, &group, key);
  subscribe_group (sim, 2, &group, key);
  subscribe_group (sim, 5, &group, key);
  subscribe (sim, 3, &plain);
  subscribe (sim, 4, &group);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (2));
  srp_sim_set_online (sim, 5, FALSE);

  first = publish (sim, 1, &group, NULL, SRP_CORE_PUBLISH_SIGNED, "members only");
  second = publish (sim, 2, &group, NULL, 0, "members only, no author");
  /* A non-member publishes into the group: bare, and under a wrong key. */
  forged_bare = publish (sim, 4, &group, NULL, SRP_CORE_PUBLISH_SIGNED, "let me in");
  srp_core_unsubscribe (srp_sim_get_core (sim, 4), srp_sim_get_now (sim), &group);
  subscribe_group (sim, 4, &group, wrong);
  forged_key = publish (sim, 4, &group, NULL, SRP_CORE_PUBLISH_SIGNED, "let me in, sealed");
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (10));

  for (guint m = 1; m <= 2; m++)
    {
      g = find (&in, m, m == 1 ? &second : &first);
      g_assert_nonnull (g);
      g_assert_true (g->sealed);
      g = find (&in, m, &forged_bare);
      g_assert_null (g);
      g_assert_null (find (&in, m, &forged_key));
      g_assert_cmpuint (drops (sim, m, SRP_DROP_UNOPENED), ==, 2);
    }
  g = find (&in, 2, &first);
  g_assert_true (g->has_author);
  g_assert_true (srp_id_equal (&g->author, srp_sim_get_id (sim, 1)));
  g_assert_cmpmem (g_bytes_get_data (g->data, NULL), g_bytes_get_size (g->data), "members only",
                   12);
  g_assert_false (find (&in, 1, &second)->has_author);
  g_assert_cmpuint (count_at (&in, 3), ==, 0);
  /* Node 4 held no key for the members' messages, then a wrong one. */
  g_assert_cmpuint (count_at (&in, 4), ==, 0);
  g_assert_cmpuint (drops (sim, 4, SRP_DROP_UNOPENED), >=, 2);

  /* The offline member comes back and catches up from the caches. */
  g_assert_cmpuint (count_at (&in, 5), ==, 0);
  srp_sim_set_online (sim, 5, TRUE);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (120));
  g_assert_nonnull (find (&in, 5, &first));
  g_assert_nonnull (find (&in, 5, &second));
  g_assert_cmpuint (count_at (&in, 5), ==, 2);
  inbox_clear (&in);
  srp_sim_free (sim);
}

/* ---- determinism --------------------------------------------------------------------------- */

static char *
run_for_trace (guint64 seed)
{
  Inbox in;
  SrpSim *sim = make_network (seed, 4, &in);
  SrpId inbox, group;
  guint8 key[SRP_ENVELOPE_KEY_LEN];
  char *hash;

  srp_envelope_group_derive ("det", (const guint8 *) group_secret, sizeof group_secret - 1,
                             &group, key);
  subscribe_group (sim, 2, &group, key);
  subscribe_group (sim, 3, &group, key);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (2));
  srp_topic_id_for_inbox (srp_sim_get_id (sim, 3), &inbox);
  publish (sim, 1, &inbox, srp_sim_get_id (sim, 3),
           SRP_CORE_PUBLISH_SIGNED | SRP_CORE_PUBLISH_SEALED, "a letter");
  publish (sim, 2, &group, NULL, SRP_CORE_PUBLISH_SIGNED, "a group message");
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (10));
  g_assert_cmpuint (count_at (&in, 3), ==, 2);
  hash = srp_sim_get_trace_hash (sim);
  inbox_clear (&in);
  srp_sim_free (sim);
  return hash;
}

static void
test_same_seed_same_trace (void)
{
  g_autofree char *a = run_for_trace (21);
  g_autofree char *b = run_for_trace (21);
  g_autofree char *c = run_for_trace (22);

  g_assert_cmpstr (a, ==, b);
  g_assert_cmpstr (a, !=, c);
}

/* ---- test vectors -------------------------------------------------------------------------- */

static char *
hex_of (GBytes *bytes)
{
  gsize len;
  const guint8 *d = g_bytes_get_data (bytes, &len);
  GString *s = g_string_new (NULL);

  for (gsize i = 0; i < len; i++)
    g_string_append_printf (s, "%02x", d[i]);
  return g_string_free (s, FALSE);
}

/* docs/protocol.md, "Envelopes": the author's seed is 32 bytes 01, the
 * recipient's 32 bytes 02, the letter's ephemeral secret 32 bytes 03;
 * TOPIC ID 00 01 .. 1f, PREV ID zero, payload "Hello, SRP!". Python's
 * cryptography package (OpenSSL) gives the same bytes. */
#define VECTOR_SIGNED \
  "018a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5ceff0ebfecde3041fb748e08a63256c1570b3e263f598ad83c0366342af95cf9cf538f62459afe42334ddee7ef089628a05fc86b6685933b4c7d6a467a007f70448656c6c6f2c2053525021"
#define VECTOR_LETTER \
  "035dfedd3b6bd47f6fa28ee15d969d5bb0ea53774d488bdaf9df1c6e0124b3ef220505691844dbb34f97d391a504717021cab6e32b4f2e030dd28ddd4d58e735b02d8bcc476e19f87e7943bf3a326e49f3a77a170e8a6d4bd3644a0887c4dee3126c461dcca134d079d50439925e7bd75b5d9e68f31410e51f9ea4d1e1c5f43912da5d1e6d61ab4180b1542f8d3f5f1370deba4a2100a3e1fe775b9c"

static void
test_vector (void)
{
  static const char payload[] = "Hello, SRP!";
  SrpSimKeys author, recipient;
  SrpId topic, prev = { { 0 } }, author_id, recipient_id;
  guint8 seed[32], ephemeral[32];
  SrpEnvelopeSeal seal = { 0 };
  SrpEnvelopeKeys keys = { 0 };
  SrpEnvelopeOpened opened;
  g_autoptr (GBytes) signed_ = NULL, letter = NULL;
  g_autofree char *signed_hex = NULL, *letter_hex = NULL;

  for (guint i = 0; i < SRP_ID_LEN; i++)
    topic.bytes[i] = (guint8) i;
  memset (seed, 0x01, sizeof seed);
  srp_sim_keys_from_secret (&author, seed);
  memset (seed, 0x02, sizeof seed);
  srp_sim_keys_from_secret (&recipient, seed);
  memset (ephemeral, 0x03, sizeof ephemeral);
  memcpy (author_id.bytes, author.public, SRP_ID_LEN);
  memcpy (recipient_id.bytes, recipient.public, SRP_ID_LEN);

  seal.flags = SRP_ENVELOPE_SIGNED;
  seal.author = &author_id;
  seal.sign = srp_sim_keys_sign;
  seal.sign_data = &author;
  signed_ = srp_envelope_build (&topic, &prev, &seal, (const guint8 *) payload,
                                sizeof payload - 1);
  signed_hex = hex_of (signed_);
  seal.flags = SRP_ENVELOPE_SIGNED | SRP_ENVELOPE_LETTER;
  seal.recipient = &recipient_id;
  seal.ephemeral_secret = ephemeral;
  letter = srp_envelope_build (&topic, &prev, &seal, (const guint8 *) payload,
                               sizeof payload - 1);
  letter_hex = hex_of (letter);
  g_test_message ("signed %s", signed_hex);
  g_test_message ("letter %s", letter_hex);
  g_assert_cmpstr (signed_hex, ==, VECTOR_SIGNED);
  g_assert_cmpstr (letter_hex, ==, VECTOR_LETTER);

  /* Both open, with the author; the letter only with the recipient's key. */
  g_assert_cmpint (srp_envelope_open (&topic, &prev, SRP_PACKET_TYPE_ENVELOPE, signed_, &keys,
                                      &opened), ==, SRP_DROP_NONE);
  g_assert_cmpmem (opened.author.bytes, SRP_ID_LEN, author.public, SRP_ID_LEN);
  g_assert_cmpmem (g_bytes_get_data (opened.payload, NULL), g_bytes_get_size (opened.payload),
                   payload, sizeof payload - 1);
  srp_envelope_opened_clear (&opened);
  g_assert_cmpint (srp_envelope_open (&topic, &prev, SRP_PACKET_TYPE_ENVELOPE, letter, &keys,
                                      &opened), ==, SRP_DROP_UNOPENED);
  keys.self_id = &author_id; /* the wrong recipient */
  keys.agree = srp_sim_keys_agree;
  keys.agree_data = &author;
  g_assert_cmpint (srp_envelope_open (&topic, &prev, SRP_PACKET_TYPE_ENVELOPE, letter, &keys,
                                      &opened), ==, SRP_DROP_UNOPENED);
  keys.self_id = &recipient_id;
  keys.agree_data = &recipient;
  g_assert_cmpint (srp_envelope_open (&topic, &prev, SRP_PACKET_TYPE_ENVELOPE, letter, &keys,
                                      &opened), ==, SRP_DROP_NONE);
  g_assert_cmpuint (opened.flags, ==, SRP_ENVELOPE_SIGNED | SRP_ENVELOPE_LETTER);
  g_assert_cmpmem (opened.author.bytes, SRP_ID_LEN, author.public, SRP_ID_LEN);
  g_assert_cmpmem (g_bytes_get_data (opened.payload, NULL), g_bytes_get_size (opened.payload),
                   payload, sizeof payload - 1);
  srp_envelope_opened_clear (&opened);
  /* Under another PREV ID (another place in a chain) neither opens. */
  prev.bytes[0] = 1;
  g_assert_cmpint (srp_envelope_open (&topic, &prev, SRP_PACKET_TYPE_ENVELOPE, signed_, &keys,
                                      &opened), ==, SRP_DROP_BAD_AUTHOR);
  g_assert_cmpint (srp_envelope_open (&topic, &prev, SRP_PACKET_TYPE_ENVELOPE, letter, &keys,
                                      &opened), ==, SRP_DROP_UNOPENED);
}

/* Every malformed envelope is refused by name, never read past its end. */
static void
test_malformed (void)
{
  static const guint8 cases[][2] = {
    { 0x00, 0 },  /* no flag: would be TYPE 01 */
    { 0x08, 0 },  /* unknown flag */
    { 0x06, 0 },  /* letter and group */
    { 0x01, 0 },  /* signed, no author */
    { 0x02, 0 },  /* letter, no ephemeral key */
    { 0x04, 0 },  /* group, no nonce */
  };
  SrpId topic = { { 7 } }, prev = { { 0 } };
  SrpEnvelopeKeys keys = { 0 };
  SrpEnvelopeOpened opened;
  guint8 key[SRP_ENVELOPE_KEY_LEN] = { 1 };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GBytes) data = g_bytes_new (cases[i], 1);
      g_assert_cmpint (srp_envelope_open (&topic, &prev, SRP_PACKET_TYPE_ENVELOPE, data, &keys,
                                          &opened), ==, SRP_DROP_BAD_ENVELOPE);
    }
  {
    g_autoptr (GBytes) empty = g_bytes_new (NULL, 0);
    g_autoptr (GBytes) bare = g_bytes_new ("hi", 2);

    g_assert_cmpint (srp_envelope_open (&topic, &prev, SRP_PACKET_TYPE_ENVELOPE, empty, &keys,
                                        &opened), ==, SRP_DROP_BAD_ENVELOPE);
    /* A bare message on a group topic came from a non-member. */
    keys.group_key = key;
    g_assert_cmpint (srp_envelope_open (&topic, &prev, SRP_PACKET_TYPE_MESSAGE, bare, &keys,
                                        &opened), ==, SRP_DROP_UNOPENED);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/authors/signed-messages-name-their-author",
                   test_signed_messages_name_their_author);
  g_test_add_func ("/authors/forged-authors-are-dropped", test_forged_authors_are_dropped);
  g_test_add_func ("/authors/forgers-are-budgeted", test_forgers_are_budgeted);
  g_test_add_func ("/authors/letters-open-for-their-recipient-alone",
                   test_letters_open_for_their_recipient_alone);
  g_test_add_func ("/authors/group-topics", test_group_topics);
  g_test_add_func ("/authors/same-seed-same-trace", test_same_seed_same_trace);
  g_test_add_func ("/authors/vector", test_vector);
  g_test_add_func ("/authors/malformed", test_malformed);
  return g_test_run ();
}
