/* test-hostile.c: a core among hostile peers, in virtual time.
 *
 * The victim is a core driven by hand; the attacker is this test, which
 * holds an authenticated link to it (made as if its handshake had run) and
 * any number of addresses it controls. What the victim sends is captured
 * and measured:
 *   - busy-chain-is-budgeted: PEERS pointing at attacker addresses that
 *     answer every HELLO with BUSY naming four new ones (the attack
 *     1): new handshakes stay within the one handshake budget
 *     (SRP_MESH_HANDSHAKES_PER_SECOND), and the bytes sent to the named
 *     addresses within three times what the attacker sent;
 *   - amplification-by-kind: one frame of every kind, from a stranger and
 *     from an authenticated link, several times: bytes the victim sends to
 *     addresses that have not proved they receive, against bytes the
 *     attacker sent (its handshake included, for the link), at most 3x;
 *   - forged-found-is-dropped: an on-path attacker that saw the victim's
 *     sealed FIND to a DHT contact (no link) answers first from the
 *     contact's address, in clear (unsealed) and sealed under another key
 *     (bad-seal): neither ends the query or sends a HELLO where it points;
 *     the contact's own sealed answer is taken, and once only;
 *   - strangers-cannot-fill-the-reassembler: a stranger's flood of chain
 *     starts on a subscribed topic leaves the links' pool alone;
 *   - hello-flood-asks-for-cookies: 25,000 HELLOs a second from spoofed
 *     sources (attack 2): the victim signs within its budget, keeps its
 *     half-open table bounded, and a newcomer that receives still gets in;
 *   - echoing-flood-from-one-ip: HELLOs from one IP that echo every COOKIE
 *     take only that source's share of the half-open places, and a
 *     newcomer from elsewhere gets in during the flood;
 *   - spray-is-bounded: introductions to symmetric peers, ten a second,
 *     make a port-filtering victim spray at most its link's spray bucket
 *     (2,048 PUNCHes at once, paced, then 2,048 per 30 s);
 *   - forged-copies-are-harmless: copies of a genuine packet with another
 *     NEXT, INDEX or TOPIC (or NEXT zero) that arrive first (attack 4):
 *     the subscriber delivers the genuine message and nothing else, and
 *     the cache serves the genuine copy once the chain shows which it is;
 *   - forwarder-gains-nothing: an authenticated peer names itself (address
 *     A) as T's address to V, and passes the handshake on to T from another
 *     address of its own (A'), both ways (issue 12): both signatures check,
 *     but each side signed the forwarder's address as the one it sees the
 *     other at. V refuses it (address-mismatch), neither lists the other
 *     at the forwarder's addresses, and the two connect anyway, through an
 *     introduction (here over a relay: their direct path is blocked);
 *   - forwarder-caught-by-responder: the same before any PONG told V its
 *     address (V cannot check yet, and takes it): T refuses V's HELLO_DONE,
 *     and the pair ends up the same.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "srp-chain.h"
#include "srp-control-connect.h"
#include "srp-control-dht.h"
#include "srp-control-topics.h"
#include "srp-control.h"
#include "srp-core-internal.h"
#include "srp-core.h"
#include "srp-dht-seal.h"
#include "srp-rbsr.h"
#include "srp-sim-keys.h"
#include "srp-sim.h"

#define STEP_US (1000)
/* What a real link sent us to become one: HELLO and HELLO_DONE. */
#define HANDSHAKE_BYTES (SRP_HELLO_LEN + 4 + SRP_ID_LEN + SRP_CHALLENGE_LEN + SRP_SIGNATURE_LEN)

typedef struct {
  SrpCore *core;
  SrpContext *ctx;
  gint64 now;
  SrpAddress link;     /* the attacker's authenticated link */
  SrpAddress link_b;   /* an honest link, for CONNECT and relays */
  SrpAddress stranger; /* the attacker, unauthenticated */
  SrpId topic;
  guint64 bytes_in;    /* what the attacker sent */
  guint64 unproven_out; /* what the victim sent to addresses that proved nothing */
  guint64 hellos;
  GHashTable *hello_to; /* addresses sent a HELLO (SrpAddress*, owned) */
  gboolean answer_busy; /* attacker addresses answer HELLO with BUSY naming new ones */
  guint next_name;
  SrpSimKeys keys;     /* an identity of its own (victim_init_keyed): DHT queries open */
} Victim;

static gboolean
sign (const guint8 *data, gsize len, guint8 signature[SRP_SIGNATURE_LEN], gpointer user_data)
{
  memset (signature, 0x5a, SRP_SIGNATURE_LEN);
  return TRUE;
}

static void
address_of (guint8 a, guint8 b, SrpAddress *out)
{
  guint8 ip[4] = { 198, 18, a, b };

  srp_address_init_ipv4 (out, ip, 4000);
}

static gboolean
is_link_address (Victim *v, const SrpAddress *to)
{
  return srp_address_equal (to, &v->link) || srp_address_equal (to, &v->link_b);
}

/* cache_budget 0: the default. keyed: a real identity, whose X25519 form
 * opens the DHT queries sealed to it (else a fixed ID, that no key has). */
static void
victim_init_full (Victim *v, gsize cache_budget, gboolean keyed)
{
  SrpCoreConfig config;
  guint8 challenge[SRP_CHALLENGE_LEN] = { 1 };
  SrpId id;

  memset (v, 0, sizeof *v);
  srp_core_config_init (&config);
  config.seed = 12;
  memset (config.peer_id.bytes, 0xcc, SRP_ID_LEN);
  if (keyed)
    {
      guint8 secret[32];

      memset (secret, 0xcc, sizeof secret);
      srp_sim_keys_from_secret (&v->keys, secret);
      memcpy (config.peer_id.bytes, v->keys.public, SRP_ID_LEN);
      config.agree = srp_sim_keys_agree;
      config.agree_data = &v->keys;
    }
  config.sign = sign;
  if (cache_budget > 0)
    config.cache_budget = cache_budget;
  v->core = srp_core_new (&config);
  v->ctx = srp_core_get_context (v->core);
  v->now = G_USEC_PER_SEC;
  v->ctx->now = v->now;
  address_of (1, 1, &v->link);
  address_of (2, 1, &v->link_b);
  address_of (3, 1, &v->stranger);
  memset (id.bytes, 0xa0, SRP_ID_LEN);
  srp_peer_table_make_room (v->ctx->peers, &v->link, SRP_ADMIT_HANDSHAKE);
  srp_context_open_link (v->ctx, &id, &v->link, SRP_NAT_PUBLIC, challenge, challenge, -1);
  memset (id.bytes, 0xa1, SRP_ID_LEN);
  srp_peer_table_make_room (v->ctx->peers, &v->link_b, SRP_ADMIT_HANDSHAKE);
  srp_context_open_link (v->ctx, &id, &v->link_b, SRP_NAT_PUBLIC, challenge, challenge, -1);
  srp_topic_id_from_name ("hostile", &v->topic);
  srp_core_subscribe (v->core, v->now, &v->topic);
  v->hello_to = g_hash_table_new_full (srp_address_hash_func, srp_address_equal_func, g_free,
                                       NULL);
  v->next_name = 1;
}

static void
victim_init_with_cache (Victim *v, gsize cache_budget)
{
  victim_init_full (v, cache_budget, FALSE);
}

static void
victim_init (Victim *v)
{
  victim_init_full (v, 0, FALSE);
}

static void
victim_init_keyed (Victim *v)
{
  victim_init_full (v, 0, TRUE);
}

/* The n-th of some identities that are valid keys (those of peers that can
 * be asked sealed). */
static void
keyed_id (guint n, SrpId *out)
{
  SrpSimKeys keys;
  guint8 secret[32];

  memset (secret, 0x3c, sizeof secret);
  secret[0] = (guint8) n;
  secret[1] = (guint8) (n >> 8);
  srp_sim_keys_from_secret (&keys, secret);
  memcpy (out->bytes, keys.public, SRP_ID_LEN);
}

/* A keyed ID that shares its first byte with near's: a bucket of the
 * victim's table that random IDs leave empty. */
static void
keyed_id_near (const SrpId *near, SrpId *out)
{
  for (guint n = 3000;; n++)
    {
      keyed_id (n, out);
      if (out->bytes[0] == near->bytes[0])
        return;
    }
}

/* A query as a stranger sends it to the victim: sealed to its identity
 * when it has one (a link's goes in clear: the link seals it). */
static gsize
seal_for (Victim *v, const SrpAddress *from, guint8 *f, gsize len)
{
  static guint8 counter;
  guint8 secret[32], out[SRP_MAX_DATAGRAM];
  SrpDhtQueryKeys keys;
  SrpId id;

  if (is_link_address (v, from) || v->ctx->config->agree == NULL)
    return len;
  /* A sealed FIND is padded less: the seal pays for the rest. */
  if (f[3] == SRP_FRAME_FIND)
    {
      SrpFind find;

      g_assert_cmpint (srp_find_decode (f, len, &find), ==, SRP_DROP_NONE);
      len = srp_find_encode_padded (&find, SRP_SEALED_FIND_LEN, f);
    }
  memcpy (id.bytes, v->keys.public, SRP_ID_LEN);
  memset (secret, 0x71, sizeof secret);
  secret[0] = ++counter;
  len = srp_dht_seal_query (&id, secret, f, len, out, &keys);
  g_assert_cmpuint (len, >, 0);
  memcpy (f, out, len);
  return len;
}

static void
victim_clear (Victim *v)
{
  srp_core_free (v->core);
  g_hash_table_destroy (v->hello_to);
}

/* Four records at fresh attacker addresses (one /24 each: no prefix limit). */
static void
fresh_peers (Victim *v, guint n, SrpPeers *out)
{
  out->n = n;
  for (guint i = 0; i < n; i++)
    {
      guint name = v->next_name++;

      memset (out->peers[i].id.bytes, 0, SRP_ID_LEN);
      out->peers[i].id.bytes[0] = 0xe0;
      out->peers[i].id.bytes[1] = (guint8) (name >> 8);
      out->peers[i].id.bytes[2] = (guint8) name;
      out->peers[i].nat = SRP_NAT_PUBLIC;
      out->peers[i].age_s = 0;
      address_of ((guint8) (100 + (name >> 8)), (guint8) name, &out->peers[i].address);
    }
}

static void
deliver (Victim *v, const SrpAddress *from, const guint8 *frame, gsize len)
{
  v->bytes_in += len;
  srp_core_handle_datagram (v->core, v->now, 0, from, frame, len);
}

/* Takes what the victim sent; attacker addresses answer HELLOs if asked. */
static void
drain (Victim *v)
{
  SrpTransmit t;
  SrpCoreEvent event;
  g_autoptr (GArray) answer_to = g_array_new (FALSE, FALSE, sizeof (SrpAddress));

  while (srp_core_poll_transmit (v->core, &t))
    {
      if (!is_link_address (v, &t.to))
        v->unproven_out += t.len;
      if (t.data[3] == SRP_FRAME_HELLO && !is_link_address (v, &t.to))
        {
          v->hellos++;
          g_hash_table_add (v->hello_to, g_memdup2 (&t.to, sizeof t.to));
          if (v->answer_busy)
            g_array_append_val (answer_to, t.to);
        }
    }
  while (srp_core_poll_event (v->core, &event))
    srp_core_event_clear (&event);
  for (guint i = 0; i < answer_to->len; i++)
    {
      SrpPeers others;
      guint8 f[SRP_MAX_DATAGRAM];

      fresh_peers (v, SRP_BUSY_MAX, &others);
      deliver (v, &g_array_index (answer_to, SrpAddress, i), f, srp_busy_encode (&others, f));
    }
  if (answer_to->len > 0)
    drain (v);
}

static void
run_in_steps (Victim *v, gint64 us, gint64 step)
{
  gint64 until = v->now + us;

  while (v->now < until)
    {
      v->now += step;
      srp_core_handle_timeout (v->core, v->now);
      drain (v);
    }
}

static void
run_for (Victim *v, gint64 us)
{
  run_in_steps (v, us, STEP_US);
}

static void
test_busy_chain_is_budgeted (void)
{
  Victim v;
  SrpPeers peers;
  guint8 f[SRP_MAX_DATAGRAM];
  const gint64 seconds = 10;
  guint handshakes;

  victim_init (&v);
  drain (&v);
  v.bytes_in = HANDSHAKE_BYTES;
  v.unproven_out = 0;
  v.answer_busy = TRUE;
  fresh_peers (&v, SRP_PEERS_MAX, &peers);
  deliver (&v, &v.link, f, srp_peers_encode (&peers, f));
  drain (&v);
  run_for (&v, seconds * G_USEC_PER_SEC);
  handshakes = g_hash_table_size (v.hello_to);
  g_test_message ("BUSY chain: %u new handshakes in %" G_GINT64_FORMAT " s (%.1f/s), %" G_GUINT64_FORMAT
                  " HELLOs; %" G_GUINT64_FORMAT " B out to named addresses for %" G_GUINT64_FORMAT
                  " B in (%.2fx)",
                  handshakes, seconds, (double) handshakes / seconds, v.hellos, v.unproven_out,
                  v.bytes_in, (double) v.unproven_out / v.bytes_in);
  /* The burst, then 8 a second. */
  g_assert_cmpuint (handshakes, <=, 16 + 8 * seconds);
  g_assert_cmpuint (v.unproven_out, <=, 3 * v.bytes_in);
  victim_clear (&v);
}

/* ---- one frame of every kind ----------------------------------------------------- */

typedef gsize (*BuildFunc) (Victim *v, guint round, guint8 *f);

static gsize
build_ping (Victim *v, guint round, guint8 *f)
{
  SrpPing ping = { .nonce = round };

  memset (ping.sender.bytes, 0xa0, SRP_ID_LEN);
  return srp_ping_encode (&ping, f);
}

static gsize
build_hello (Victim *v, guint round, guint8 *f)
{
  SrpHello hello = { 0 };

  memset (hello.sender.bytes, 0xd0 + round, SRP_ID_LEN);
  return srp_hello_encode (&hello, f);
}

static gsize
build_peers_request (Victim *v, guint round, guint8 *f)
{
  return srp_peers_request_encode (f);
}

static gsize
build_peers (Victim *v, guint round, guint8 *f)
{
  SrpPeers peers;

  fresh_peers (v, SRP_PEERS_MAX, &peers);
  return srp_peers_encode (&peers, f);
}

static gsize
build_busy (Victim *v, guint round, guint8 *f)
{
  SrpPeers peers;

  fresh_peers (v, SRP_BUSY_MAX, &peers);
  return srp_busy_encode (&peers, f);
}

static gsize
build_probe_request (Victim *v, guint round, guint8 *f)
{
  SrpProbeRequest probe = { .nonce = round, .mode = SRP_PROBE_FROM_MAIN_PORT };

  address_of (1, 1, &probe.target);
  probe.target.port = (guint16) (5000 + round);
  return srp_probe_request_encode (&probe, f);
}

static gsize
build_info (Victim *v, guint round, guint8 *f)
{
  SrpInfo info = { .nat = SRP_NAT_PORT_RESTRICTED, .n_locals = 1 };

  address_of (50, (guint8) round, &info.locals[0]);
  return srp_info_encode (&info, f);
}

static gsize
build_connect (Victim *v, guint round, guint8 *f)
{
  SrpConnect connect = { .nonce = round };

  memset (connect.target.bytes, 0xa1, SRP_ID_LEN);
  return srp_connect_encode (&connect, f);
}

static gsize
build_introduce (Victim *v, guint round, guint8 *f)
{
  SrpIntroduce intro = { .nonce = round, .status = SRP_INTRODUCE_OK, .nat = SRP_NAT_PUBLIC,
                         .n_locals = SRP_LOCALS_MAX };

  memset (intro.peer.bytes, 0xd8 + round, SRP_ID_LEN);
  address_of (60, (guint8) round, &intro.address);
  for (guint i = 0; i < SRP_LOCALS_MAX; i++)
    address_of (61 + i, (guint8) round, &intro.locals[i]);
  return srp_introduce_encode (&intro, f);
}

static gsize
build_introduce_symmetric (Victim *v, guint round, guint8 *f)
{
  gsize len = build_introduce (v, round, f);
  SrpIntroduce intro;

  /* A symmetric peer: the birthday spray to random ports of its IP. */
  g_assert_true (srp_introduce_decode (f, len, &intro) == SRP_DROP_NONE);
  intro.nat = SRP_NAT_SYMMETRIC;
  return srp_introduce_encode (&intro, f);
}

static gsize
build_punch (Victim *v, guint round, guint8 *f)
{
  return srp_punch_encode (round, f);
}

static gsize
build_relay (Victim *v, guint round, guint8 *f)
{
  guint8 inner[SRP_MAX_DATAGRAM];
  SrpId b;
  gsize n = srp_peers_request_encode (inner);

  memset (b.bytes, 0xa1, SRP_ID_LEN);
  return srp_relay_encode (SRP_FRAME_RELAY, srp_id_prefix (&b), inner, n, f);
}

static gsize
build_find (Victim *v, guint round, guint8 *f)
{
  SrpFind find = { .nonce = round, .flags = SRP_FIND_FLAG_OPEN };

  memset (find.target.bytes, 0xb1, SRP_ID_LEN);
  keyed_id (1000 + round, &find.sender);
  return srp_find_encode (&find, f);
}

static gsize
build_found (Victim *v, guint round, guint8 *f)
{
  SrpFound found = { .nonce = round, .n_contacts = SRP_FOUND_MAX_CONTACTS };
  SrpPeers peers;

  memset (found.target.bytes, 0xb1, SRP_ID_LEN);
  fresh_peers (v, SRP_FOUND_MAX_CONTACTS, &peers);
  for (guint i = 0; i < found.n_contacts; i++)
    {
      found.contacts[i].id = peers.peers[i].id;
      found.contacts[i].nat = SRP_NAT_PUBLIC;
      found.contacts[i].address = peers.peers[i].address;
    }
  return srp_found_encode (&found, f);
}

static gsize
build_subscriptions (Victim *v, guint round, guint8 *f)
{
  SrpSubscriptions subs = { .n = 1 };

  subs.topics[0] = srp_id_prefix (&v->topic) + round;
  return srp_subscriptions_encode (&subs, f);
}

static gsize
build_query (Victim *v, guint round, guint8 *f)
{
  SrpIdList ids = { .n = 2, .ids = { 1, 2 } };

  return srp_query_encode (&ids, f);
}

static gsize
build_packet (Victim *v, guint round, guint8 *f)
{
  g_autoptr (GPtrArray) chain = NULL;
  guint8 body[100];
  SrpId prev;

  memset (body, 'm', sizeof body);
  memset (prev.bytes, 0x11 + round, SRP_ID_LEN);
  chain = srp_chain_build (&v->topic, SRP_PACKET_TYPE_MESSAGE, &prev, body, sizeof body);
  return srp_packet_encode (g_ptr_array_index (chain, 0), f);
}

typedef struct {
  const char *name;
  BuildFunc build;
  gboolean open; /* the victim is an open peer (it answers FIND) */
} Kind;

static const Kind kinds[] = {
  { "PING", build_ping },
  { "HELLO", build_hello },
  { "PEERS_REQUEST", build_peers_request },
  { "PEERS", build_peers },
  { "BUSY", build_busy },
  { "PROBE_REQUEST", build_probe_request },
  { "INFO", build_info },
  { "CONNECT", build_connect },
  { "INTRODUCE", build_introduce },
  { "INTRODUCE (symmetric)", build_introduce_symmetric },
  { "PUNCH", build_punch },
  { "RELAY", build_relay },
  { "FIND", build_find },
  { "FIND (open peer)", build_find, TRUE },
  { "FOUND", build_found },
  { "SUBSCRIPTIONS", build_subscriptions },
  { "QUERY", build_query },
  { "PACKET", build_packet },
};

#define ROUNDS 4

/* Contacts near every ID, as FINDs from open senders (spoofed, say) leave
 * them. */
static void
fill_dht_table (Victim *v)
{
  for (guint i = 0; i < 64; i++)
    {
      SrpFind find = { .nonce = i, .flags = SRP_FIND_FLAG_OPEN };
      SrpAddress from;
      guint8 f[SRP_MAX_DATAGRAM];

      memset (find.target.bytes, 0xb1, SRP_ID_LEN);
      keyed_id (i, &find.sender);
      address_of ((guint8) (200 + i / 32), (guint8) (1 + i % 32), &from);
      deliver (v, &from, f, seal_for (v, &from, f, srp_find_encode (&find, f)));
    }
  drain (v);
}

/* Sends ROUNDS frames of kind, a second apart, and lets a minute pass:
 * returns out / in to addresses that proved nothing. */
static double
measure (const Kind *kind, gboolean from_link, guint64 *in, guint64 *out)
{
  Victim v;
  guint8 f[SRP_MAX_DATAGRAM];

  /* A FIND to a stranger goes sealed to its identity: the victim has one. */
  if (kind->build == build_find)
    victim_init_keyed (&v);
  else
    victim_init (&v);
  drain (&v);
  v.bytes_in = from_link ? HANDSHAKE_BYTES : 0;
  v.unproven_out = 0;
  if (kind->open)
    {
      SrpAddress public_address;

      /* An open peer whose DHT table is full (FOUND as large as it gets),
       * of contacts that never answer: the FINDs that put them there are
       * counted in, and their FOUNDs and the victim's queries to them
       * out. */
      address_of (9, 9, &public_address);
      srp_core_assume_nat (v.core, SRP_ADDRESS_FAMILY_IPV4, SRP_NAT_PUBLIC, &public_address);
      fill_dht_table (&v);
    }
  for (guint round = 0; round < ROUNDS; round++)
    {
      gsize len = kind->build (&v, round, f);

      if (kind->build == build_find)
        len = seal_for (&v, from_link ? &v.link : &v.stranger, f, len);
      deliver (&v, from_link ? &v.link : &v.stranger, f, len);
      drain (&v);
      run_for (&v, G_USEC_PER_SEC);
    }
  /* The rest of every resend and timer, more coarsely. */
  run_in_steps (&v, 60 * G_USEC_PER_SEC, 20 * STEP_US);
  *in = v.bytes_in;
  *out = v.unproven_out;
  victim_clear (&v);
  return *in > 0 ? (double) *out / (double) *in : 0.0;
}

static void
test_amplification_by_kind (void)
{
  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    for (guint from_link = 0; from_link < 2; from_link++)
      {
        guint64 in, out;
        double ratio = measure (&kinds[k], from_link, &in, &out);

        g_test_message ("%-22s from %-8s %6" G_GUINT64_FORMAT " B in %6" G_GUINT64_FORMAT
                        " B out to unproven addresses: %.2fx",
                        kinds[k].name, from_link ? "a link" : "a stranger", in, out, ratio);
        g_assert_cmpuint (out, <=, 3 * in);
      }
}

/* A FIND from an open sender puts the sender into the DHT table at the
 * address it came from, which may be spoofed: the FOUND back and every
 * later query to that contact, until it answers one, are paid from 3
 * times that FIND. Here one spoofed FIND (sealed to the victim, 211 B)
 * reaches an open victim whose table is full, and the victim then looks
 * for the sender's ID in 20 lookups a minute apart: it sends the address
 * its FOUND (sealed, 399 B) and one query (211 B), 610 B of 633; in clear
 * (366 and 200 B of 600) two queries had made 766, 3.8 times. */
static void
test_spoofed_find_sender_is_paid_for (void)
{
  Victim v;
  SrpFind find = { .nonce = 1, .flags = SRP_FIND_FLAG_OPEN };
  SrpAddress public_address, spoofed;
  guint8 f[SRP_MAX_DATAGRAM];
  guint64 to_spoofed = 0;
  SrpTransmit t;

  gsize len;

  victim_init_keyed (&v);
  address_of (9, 9, &public_address);
  srp_core_assume_nat (v.core, SRP_ADDRESS_FAMILY_IPV4, SRP_NAT_PUBLIC, &public_address);
  fill_dht_table (&v); /* FOUND as large as it gets */
  address_of (77, 7, &spoofed);
  memset (find.target.bytes, 0xb1, SRP_ID_LEN);
  /* In a bucket of its own, so that it takes a place in the table. */
  keyed_id_near (&v.ctx->config->peer_id, &find.sender);
  len = seal_for (&v, &spoofed, f, srp_find_encode (&find, f));
  srp_core_handle_datagram (v.core, v.now, 0, &spoofed, f, len);
  for (guint i = 0; i < 20; i++)
    {
      srp_core_connect (v.core, v.now, &find.sender);
      for (gint64 step = 0; step < 60 * G_USEC_PER_SEC; step += STEP_US)
        {
          while (srp_core_poll_transmit (v.core, &t))
            if (srp_address_equal (&t.to, &spoofed))
              {
                to_spoofed += t.len;
              }
          v.now += STEP_US;
          srp_core_handle_timeout (v.core, v.now);
        }
    }
  g_test_message ("one spoofed FIND (%" G_GSIZE_FORMAT " B): %" G_GUINT64_FORMAT
                  " B sent to its address in 20 lookups", len, to_spoofed);
  g_assert_cmpuint (to_spoofed, >, 0);
  g_assert_cmpuint (to_spoofed, <=, 3 * len);
  victim_clear (&v);
}

/* The victim looks for a target; one of the contacts it asks is no link,
 * so the FIND goes sealed to it. An attacker on the path (this test, which
 * reads the FIND with the contact's key to get its nonce: an attacker
 * would guess it) answers from the contact's address before the contact
 * does: a FOUND in clear, and a SEALED_ANSWER naming the query under
 * another key, both pointing at an address of its own. Both are dropped
 * and counted, and the query stays open: the contact's own answer, sealed
 * under the query's key, is taken (the victim shakes hands where it
 * points, not where the forgeries did), and the same answer again is not. */
static void
test_forged_found_is_dropped (void)
{
  Victim v;
  SrpSimKeys contact_keys;
  SrpFind find = { .nonce = 1, .flags = SRP_FIND_FLAG_OPEN }, asked;
  SrpFound found = { 0 };
  SrpAddress public_address, contact, forged_reach, true_reach;
  SrpDhtQueryKeys keys, wrong;
  SrpId contact_id, target;
  guint8 f[SRP_MAX_DATAGRAM], frame[SRP_MAX_DATAGRAM], secret[32];
  gboolean seen = FALSE;
  guint64 unsealed, bad_seal, unexpected;
  gsize len, frame_len;
  SrpTransmit t;

  victim_init_keyed (&v);
  address_of (9, 9, &public_address);
  srp_core_assume_nat (v.core, SRP_ADDRESS_FAMILY_IPV4, SRP_NAT_PUBLIC, &public_address);
  /* The contact: an open peer that once sent the victim a FIND. */
  memset (secret, 0x44, sizeof secret);
  srp_sim_keys_from_secret (&contact_keys, secret);
  memcpy (contact_id.bytes, contact_keys.public, SRP_ID_LEN);
  address_of (77, 1, &contact);
  find.sender = contact_id;
  memset (find.target.bytes, 0xb1, SRP_ID_LEN);
  deliver (&v, &contact, f, seal_for (&v, &contact, f, srp_find_encode (&find, f)));
  drain (&v);

  keyed_id (4000, &target);
  srp_core_connect (v.core, v.now, &target);
  for (gint64 step = 0; step < G_USEC_PER_SEC && !seen; step += STEP_US)
    {
      while (srp_core_poll_transmit (v.core, &t))
        if (srp_address_equal (&t.to, &contact))
          {
            /* Never in clear to a stranger. */
            g_assert_cmpuint (t.data[3], ==, SRP_FRAME_SEALED_QUERY);
            g_assert_cmpint (srp_dht_open_query (&contact_id, srp_sim_keys_agree, &contact_keys,
                                                 t.data, t.len, frame, &frame_len, &keys),
                             ==, SRP_DROP_NONE);
            g_assert_cmpint (srp_find_decode_padded (frame, frame_len, SRP_SEALED_FIND_LEN, &asked),
                             ==, SRP_DROP_NONE);
            g_assert_true (srp_id_equal (&asked.target, &target));
            seen = TRUE;
          }
      if (!seen)
        {
          v.now += STEP_US;
          srp_core_handle_timeout (v.core, v.now);
        }
    }
  g_assert_true (seen);
  drain (&v);

  found.nonce = asked.nonce;
  found.target = target;
  found.has_reachability = TRUE;
  found.reachability.nat = SRP_NAT_PUBLIC;
  found.reachability.has_address = TRUE;
  address_of (66, 6, &forged_reach);
  address_of (66, 7, &true_reach);
  found.reachability.address = forged_reach;
  unsealed = srp_core_get_drop_count (v.core, SRP_DROP_UNSEALED);
  bad_seal = srp_core_get_drop_count (v.core, SRP_DROP_BAD_SEAL);
  unexpected = srp_core_get_drop_count (v.core, SRP_DROP_UNEXPECTED);
  /* In clear, with the right nonce and target. */
  deliver (&v, &contact, f, srp_found_encode (&found, f));
  g_assert_cmpuint (srp_core_get_drop_count (v.core, SRP_DROP_UNSEALED), ==, unsealed + 1);
  /* Sealed, naming the query (its ECHO is on the wire), under another key. */
  wrong = keys;
  wrong.answer_key[0] ^= 1;
  frame_len = srp_found_encode (&found, frame);
  deliver (&v, &contact, f, srp_dht_seal_answer (&wrong, 1, frame, frame_len, f));
  g_assert_cmpuint (srp_core_get_drop_count (v.core, SRP_DROP_BAD_SEAL), ==, bad_seal + 1);
  /* The right key, from another address. */
  deliver (&v, &v.stranger, f, srp_dht_seal_answer (&keys, 2, frame, frame_len, f));
  g_assert_cmpuint (srp_core_get_drop_count (v.core, SRP_DROP_UNEXPECTED), ==, unexpected + 1);
  drain (&v);
  g_assert_false (g_hash_table_contains (v.hello_to, &forged_reach));

  /* The contact's own answer. */
  found.reachability.address = true_reach;
  frame_len = srp_found_encode (&found, frame);
  len = srp_dht_seal_answer (&keys, 3, frame, frame_len, f);
  deliver (&v, &contact, f, len);
  g_assert_cmpuint (srp_core_get_drop_count (v.core, SRP_DROP_BAD_SEAL), ==, bad_seal + 1);
  g_assert_cmpuint (srp_core_get_drop_count (v.core, SRP_DROP_UNEXPECTED), ==, unexpected + 1);
  run_for (&v, 100 * 1000);
  g_assert_true (g_hash_table_contains (v.hello_to, &true_reach));
  g_assert_false (g_hash_table_contains (v.hello_to, &forged_reach));
  /* Once: the query is answered. */
  deliver (&v, &contact, f, len);
  g_assert_cmpuint (srp_core_get_drop_count (v.core, SRP_DROP_UNEXPECTED), ==, unexpected + 2);
  g_test_message ("forged FOUNDs: 1 unsealed, 1 bad-seal, 1 from elsewhere unexpected; "
                  "the contact's answer taken once");
  victim_clear (&v);
}

/* ---- the reassembler ---------------------------------------------------------------- */

static void
test_strangers_cannot_fill_the_reassembler (void)
{
  Victim v;
  guint8 f[SRP_MAX_DATAGRAM];
  guint8 body[3 * SRP_PACKET_MAX_BODY];
  g_autoptr (GPtrArray) real = NULL;
  SrpId prev;
  SrpCoreEvent event;
  guint delivered = 0;
  SrpTransmit t;

  /* A cache too small to hold the link's packets: what the reassembler
   * drops is not fed back from it. */
  victim_init_with_cache (&v, 1);
  drain (&v);
  /* A link's message, all but its last packet. */
  memset (body, 'r', sizeof body);
  memset (prev.bytes, 0x33, SRP_ID_LEN);
  real = srp_chain_build (&v.topic, SRP_PACKET_TYPE_MESSAGE, &prev, body, sizeof body);
  for (guint i = 0; i + 1 < real->len; i++)
    srp_core_handle_datagram (v.core, v.now, 0, &v.link, f,
                              srp_packet_encode (g_ptr_array_index (real, i), f));
  drain (&v);
  /* A stranger's flood of chain starts that never end. */
  for (guint i = 0; i < 10000; i++)
    {
      g_autoptr (GPtrArray) junk = NULL;
      guint8 full[2 * SRP_PACKET_MAX_BODY];

      memset (full, 'j', sizeof full);
      memcpy (full, &i, sizeof i);
      junk = srp_chain_build (&v.topic, SRP_PACKET_TYPE_MESSAGE, &prev, full, sizeof full);
      srp_core_handle_datagram (v.core, v.now, 0, &v.stranger, f,
                                srp_packet_encode (g_ptr_array_index (junk, 0), f));
      while (srp_core_poll_transmit (v.core, &t))
        ;
    }
  /* The link's last packet still completes its message. */
  srp_core_handle_datagram (v.core, v.now, 0, &v.link, f,
                            srp_packet_encode (g_ptr_array_index (real, real->len - 1), f));
  while (srp_core_poll_transmit (v.core, &t))
    ;
  while (srp_core_poll_event (v.core, &event))
    {
      if (event.type == SRP_CORE_EVENT_MESSAGE)
        {
          g_assert_cmpmem (g_bytes_get_data (event.message.data, NULL),
                           g_bytes_get_size (event.message.data), body, sizeof body);
          delivered++;
        }
      srp_core_event_clear (&event);
    }
  g_assert_cmpuint (delivered, ==, 1);
  victim_clear (&v);
}

/* ---- forgeries ---------------------------------------------------------------------- */

static void
send_packet (Victim *v, const SrpAddress *from, const SrpPacket *p)
{
  guint8 f[SRP_MAX_DATAGRAM];

  srp_core_handle_datagram (v->core, v->now, 0, from, f, srp_packet_encode (p, f));
}

/* Counts messages; each must be the genuine one. */
static guint
take_messages (Victim *v, const SrpId *id, const guint8 *data, gsize len)
{
  SrpCoreEvent event;
  SrpTransmit t;
  guint n = 0;

  while (srp_core_poll_transmit (v->core, &t))
    ;
  while (srp_core_poll_event (v->core, &event))
    {
      if (event.type == SRP_CORE_EVENT_MESSAGE)
        {
          g_assert_true (srp_id_equal (&event.message.id, id));
          g_assert_cmpmem (g_bytes_get_data (event.message.data, NULL),
                           g_bytes_get_size (event.message.data), data, len);
          n++;
        }
      srp_core_event_clear (&event);
    }
  return n;
}

static void
test_forged_copies_are_harmless (void)
{
  Victim v;
  guint8 body[4 * SRP_PACKET_MAX_BODY];
  g_autoptr (GPtrArray) chain = NULL;
  const SrpPacket *genuine;
  const SrpId *message_id;
  SrpPacket forged;
  SrpId prev;
  guint8 f[SRP_MAX_DATAGRAM];
  gsize len;
  guint64 bad_id;

  victim_init (&v);
  drain (&v);
  for (gsize i = 0; i < sizeof body; i++)
    body[i] = (guint8) (i * 7);
  memset (prev.bytes, 0x44, SRP_ID_LEN);
  chain = srp_chain_build (&v.topic, SRP_PACKET_TYPE_MESSAGE, &prev, body, sizeof body);
  genuine = g_ptr_array_index (chain, 1);
  message_id = &((const SrpPacket *) g_ptr_array_index (chain, chain->len - 1))->id;

  /* The attacker saw packet 1 and is first: NEXT set to zero (the old
   * truncation), another INDEX, another TOPIC: none decodes any more. */
  bad_id = srp_core_get_drop_count (v.core, SRP_DROP_BAD_PACKET_ID);
  forged = *genuine;
  memset (&forged.next_id, 0, sizeof forged.next_id);
  len = srp_packet_encode (&forged, f);
  srp_core_handle_datagram (v.core, v.now, 0, &v.link, f, len);
  forged = *genuine;
  forged.index = 0;
  srp_core_handle_datagram (v.core, v.now, 0, &v.link, f, srp_packet_encode (&forged, f));
  forged = *genuine;
  forged.topic_id.bytes[0] ^= 1;
  srp_core_handle_datagram (v.core, v.now, 0, &v.link, f, srp_packet_encode (&forged, f));
  g_assert_cmpuint (srp_core_get_drop_count (v.core, SRP_DROP_BAD_PACKET_ID), ==, bad_id + 3);

  /* Another NEXT ID does decode (the ID cannot cover it): it comes first,
   * and is cached first. */
  forged = *genuine;
  forged.next_id.bytes[0] ^= 0x5a;
  send_packet (&v, &v.link, &forged);
  g_assert_cmpuint (take_messages (&v, message_id, body, sizeof body), ==, 0);

  /* The genuine chain, in order, from the honest link: delivered whole,
   * once, with the genuine ID and bytes. */
  for (guint i = 0; i < chain->len; i++)
    send_packet (&v, &v.link_b, g_ptr_array_index (chain, i));
  g_assert_cmpuint (take_messages (&v, message_id, body, sizeof body), ==, 1);

  /* The cache serves the genuine copy now: packet 2 proved which NEXT ID
   * packet 1 has. */
  {
    g_autoptr (GBytes) cached = srp_core_cache_lookup (v.core, &genuine->id);
    SrpPacket got;

    g_assert_nonnull (cached);
    g_assert_cmpint (srp_packet_decode (g_bytes_get_data (cached, NULL),
                                        g_bytes_get_size (cached), &got), ==, SRP_DROP_NONE);
    g_assert_true (srp_id_equal (&got.next_id, &genuine->next_id));
  }

  /* Repeats of either copy deliver nothing more. */
  send_packet (&v, &v.link, &forged);
  for (guint i = 0; i < chain->len; i++)
    send_packet (&v, &v.link_b, g_ptr_array_index (chain, i));
  g_assert_cmpuint (take_messages (&v, message_id, body, sizeof body), ==, 0);
  victim_clear (&v);
}

/* Copies of a cached packet are spared the hash only when they are byte
 * for byte the cached one (POSTAGE aside): one with the cached ID and a
 * body, or any covered field, of its own is still dropped as a forgery, and
 * the cache keeps the genuine bytes. */
static void
test_forged_copies_of_cached_are_checked (void)
{
  Victim v;
  guint8 body[2 * SRP_PACKET_MAX_BODY], f[SRP_MAX_DATAGRAM];
  g_autoptr (GPtrArray) chain = NULL;
  g_autoptr (GBytes) cached = NULL;
  const SrpPacket *genuine;
  SrpPacket forged, got;
  SrpId prev;
  guint64 bad_id, duplicate;

  victim_init (&v);
  drain (&v);
  memset (body, 0x3c, sizeof body);
  memset (prev.bytes, 0x45, SRP_ID_LEN);
  chain = srp_chain_build (&v.topic, SRP_PACKET_TYPE_MESSAGE, &prev, body, sizeof body);
  genuine = g_ptr_array_index (chain, 0);
  send_packet (&v, &v.link, genuine);
  g_assert_nonnull ((cached = srp_core_cache_lookup (v.core, &genuine->id)));
  g_clear_pointer (&cached, g_bytes_unref);

  bad_id = srp_core_get_drop_count (v.core, SRP_DROP_BAD_PACKET_ID);
  duplicate = srp_core_get_drop_count (v.core, SRP_DROP_DUPLICATE);
  forged = *genuine;
  forged.body[100] ^= 1;
  srp_core_handle_datagram (v.core, v.now, 0, &v.link, f, srp_packet_encode (&forged, f));
  forged = *genuine;
  forged.prev_id.bytes[3] ^= 1;
  srp_core_handle_datagram (v.core, v.now, 0, &v.link_b, f, srp_packet_encode (&forged, f));
  g_assert_cmpuint (srp_core_get_drop_count (v.core, SRP_DROP_BAD_PACKET_ID), ==, bad_id + 2);
  g_assert_cmpuint (srp_core_get_drop_count (v.core, SRP_DROP_DUPLICATE), ==, duplicate);

  /* The genuine one again, with a relay's lower POSTAGE: a repeat. */
  forged = *genuine;
  forged.postage = genuine->postage > 0 ? genuine->postage - 1 : 1;
  send_packet (&v, &v.link_b, &forged);
  g_assert_cmpuint (srp_core_get_drop_count (v.core, SRP_DROP_BAD_PACKET_ID), ==, bad_id + 2);
  g_assert_cmpuint (srp_core_get_drop_count (v.core, SRP_DROP_DUPLICATE), ==, duplicate + 1);

  cached = srp_core_cache_lookup (v.core, &genuine->id);
  g_assert_cmpint (srp_packet_decode (g_bytes_get_data (cached, NULL), g_bytes_get_size (cached),
                                      &got), ==, SRP_DROP_NONE);
  g_assert_cmpmem (got.body, got.body_len, genuine->body, genuine->body_len);
  victim_clear (&v);
}

/* ---- HELLO flood ---------------------------------------------------------------------- */

typedef struct {
  guint replies, cookies; /* the victim's, to anyone */
} FloodTap;

static void
on_flood_tap (SrpSim *sim, guint node, const SrpTransmit *t, gpointer data)
{
  FloodTap *tap = data;

  if (node != 0)
    return;
  tap->replies += t->data[3] == SRP_FRAME_HELLO_REPLY;
  tap->cookies += t->data[3] == SRP_FRAME_COOKIE;
}

/* HELLO number n of a flood, from from: sender and challenge made of n
 * (so an echoed COOKIE tells which it answers); with cookie, the HELLO
 * again with it (FLAGS bit 1). */
static void
flood_hello (SrpCore *victim, gint64 now, const SrpAddress *from, guint32 n, guint8 fill,
             const guint8 *cookie)
{
  SrpHello hello = { .flags = cookie != NULL ? SRP_HELLO_FLAG_COOKIE : 0 };
  guint8 f[SRP_MAX_DATAGRAM];

  memset (hello.sender.bytes, fill, SRP_ID_LEN);
  memcpy (hello.sender.bytes, &n, sizeof n);
  memcpy (hello.challenge, &n, sizeof n);
  if (cookie != NULL)
    memcpy (hello.cookie, cookie, SRP_COOKIE_LEN);
  srp_core_handle_datagram (victim, now, 0, from, f, srp_hello_encode (&hello, f));
}

static void
test_hello_flood_asks_for_cookies (void)
{
  SrpSim *sim = srp_sim_new (5);
  FloodTap tap = { 0 };
  SrpCore *victim;
  guint n_hellos = 0;
  gint64 start;

  srp_sim_add_node (sim, NULL);
  srp_sim_add_node (sim, NULL);
  srp_sim_set_default_link (sim, 5000, 0.0);
  srp_sim_set_tap (sim, on_flood_tap, &tap);
  victim = srp_sim_get_core (sim, 0);
  start = srp_sim_get_now (sim);
  /* Two seconds of 25 HELLOs a millisecond, each from another spoofed
   * source; the newcomer says HELLO half a second in. */
  for (gint64 ms = 0; ms < 2000; ms++)
    {
      if (ms == 500)
        {
          srp_core_add_bootstrap (srp_sim_get_core (sim, 1), srp_sim_get_now (sim),
                                  srp_sim_get_address (sim, 0));
          srp_sim_flush (sim, 1);
        }
      for (guint k = 0; k < 25; k++, n_hellos++)
        {
          guint8 ip[4] = { 203, 0, (guint8) (n_hellos >> 8), (guint8) n_hellos };
          SrpAddress spoofed;

          srp_address_init_ipv4 (&spoofed, ip, (guint16) (1024 + n_hellos % 60000));
          flood_hello (victim, srp_sim_get_now (sim), &spoofed, n_hellos, 0x77, NULL);
        }
      srp_sim_flush (sim, 0);
      srp_sim_run_until (sim, start + (ms + 1) * 1000);
    }
  srp_sim_run_until (sim, srp_sim_get_now (sim) + 5 * G_USEC_PER_SEC);
  g_test_message ("%u spoofed HELLOs in 2 s: %u answered in full (signed), %u cookies; "
                  "newcomer connected: %s",
                  n_hellos, tap.replies, tap.cookies,
                  srp_sim_is_connected (sim, 1, 0) ? "yes" : "no");
  /* The burst, then 64 a second (the newcomer's among them). */
  g_assert_cmpuint (tap.replies, <=, 64 + 64 * 7 + 1);
  g_assert_cmpuint (tap.cookies, >, n_hellos / 2);
  g_assert_true (srp_sim_is_connected (sim, 1, 0));
  g_assert_true (srp_sim_is_connected (sim, 0, 1));
  srp_sim_free (sim);
}

/* ---- the birthday spray ---------------------------------------------------------- */

/* An authenticated link introduces us, a port-filtering peer, to one
 * symmetric peer after another, ten a second for a minute: each makes us
 * spray PUNCHes to random ports of the peer's IP (the birthday punch).
 * Those probes are the one send to unproven addresses not paid from the
 * namer's 3x credit (security.md), and are bounded by the link's spray
 * bucket instead: at most 2,048 at once (each spray paced at 800 a
 * second, a few at once), then 2,048 per 30 s. */
static void
test_spray_is_bounded (void)
{
  Victim v;
  guint8 f[SRP_MAX_DATAGRAM];
  SrpAddress public_address;
  guint64 per_second[60] = { 0 };
  guint64 total = 0, late = 0;
  const gint64 start = G_USEC_PER_SEC;

  victim_init (&v);
  address_of (9, 9, &public_address);
  srp_core_assume_nat (v.core, SRP_ADDRESS_FAMILY_IPV4, SRP_NAT_PORT_RESTRICTED, &public_address);
  drain (&v);
  for (gint64 t = 0; t < 60 * G_USEC_PER_SEC; t += STEP_US)
    {
      SrpTransmit tr;

      if (t % (100 * G_TIME_SPAN_MILLISECOND) == 0)
        {
          guint round = (guint) (t / (100 * G_TIME_SPAN_MILLISECOND));
          gsize len = build_introduce_symmetric (&v, round % 200, f);

          srp_core_handle_datagram (v.core, v.now, 0, &v.link, f, len);
        }
      v.now = start + t + STEP_US;
      srp_core_handle_timeout (v.core, v.now);
      while (srp_core_poll_transmit (v.core, &tr))
        if (tr.data[3] == SRP_FRAME_PUNCH && tr.ttl == 0 && !is_link_address (&v, &tr.to))
          {
            per_second[t / G_USEC_PER_SEC]++;
            total++;
            if (t >= 30 * G_USEC_PER_SEC)
              late++;
          }
      {
        SrpCoreEvent event;

        while (srp_core_poll_event (v.core, &event))
          srp_core_event_clear (&event);
      }
    }
  g_test_message ("600 introductions to symmetric peers in 60 s: %" G_GUINT64_FORMAT
                  " probes (%" G_GUINT64_FORMAT " in the first second, %" G_GUINT64_FORMAT
                  " in the next, %" G_GUINT64_FORMAT " in the last 30 s; at most 2048 + 2048 "
                  "per 30 s)",
                  total, per_second[0], per_second[1], late);
  /* It sprays at all (else this tests nothing)... */
  g_assert_cmpuint (per_second[0], >, 1000);
  /* ... and by any second, no more than the burst and its refill since. */
  for (guint s = 0, sum = 0; s < 60; s++)
    {
      sum += (guint) per_second[s];
      g_assert_cmpuint (sum, <=, 2048 + 2048 * (s + 1) / 30);
    }
  g_assert_cmpuint (late, <=, 2 * 2048);
  victim_clear (&v);
}

/* ---- forwarder-gains-nothing ---------------------------------------------------- */

enum { FW_BOOTSTRAP, FW_V, FW_T, FW_M, FW_NODES };

typedef struct {
  SrpAddress to_v, to_t; /* the forwarder's addresses: A (it names to V) and A' */
  GPtrArray *pending;    /* Forward*: to hand on after the current step */
  guint forwarded[2];    /* datagrams passed on to V, to T */
  guint hellos_to_t;     /* HELLOs of V's that reached T through it */
} Forwarder;

typedef struct {
  guint to_node;
  SrpAddress from;
  gsize len;
  guint8 data[SRP_MAX_DATAGRAM];
} Forward;

/* What V sends to A goes to T from A', and what T sends to A' goes to V
 * from A: a relay that says nothing of itself. */
static void
on_forwarder_tap (SrpSim *sim, guint node, const SrpTransmit *t, gpointer data)
{
  Forwarder *fw = data;
  Forward *f;

  if (!(node == FW_V && srp_address_equal (&t->to, &fw->to_v)) &&
      !(node == FW_T && srp_address_equal (&t->to, &fw->to_t)))
    return;
  f = g_new (Forward, 1);
  f->to_node = node == FW_V ? FW_T : FW_V;
  f->from = node == FW_V ? fw->to_t : fw->to_v;
  f->len = t->len;
  memcpy (f->data, t->data, t->len);
  g_ptr_array_add (fw->pending, f);
}

/* V learns peers from nobody but the forwarder's own PEERS (injected), so
 * that it has T only at A. */
static gboolean
on_forwarder_filter (SrpSim *sim, guint from, guint to, const guint8 *data, gsize len,
                     gpointer user_data)
{
  return to == FW_V && len >= SRP_WIRE_PREFIX_LEN && data[3] == SRP_FRAME_PEERS;
}

static void
forwarder_run_until (SrpSim *sim, Forwarder *fw, gint64 until)
{
  while (srp_sim_get_now (sim) < until)
    {
      gboolean more = srp_sim_step (sim);

      for (guint i = 0; i < fw->pending->len; i++)
        {
          Forward *f = g_ptr_array_index (fw->pending, i);

          fw->forwarded[f->to_node == FW_T]++;
          fw->hellos_to_t += f->to_node == FW_T && f->data[3] == SRP_FRAME_HELLO;
          srp_core_handle_datagram (srp_sim_get_core (sim, f->to_node), srp_sim_get_now (sim), 0,
                                    &f->from, f->data, f->len);
          srp_sim_flush (sim, f->to_node);
        }
      more |= fw->pending->len > 0;
      g_ptr_array_set_size (fw->pending, 0);
      if (!more)
        break;
    }
}

/* The address node lists other at, or NULL when it has no link to it. */
static const SrpAddress *
listed_at (SrpSim *sim, guint node, guint other)
{
  SrpContext *ctx = srp_core_get_context (srp_sim_get_core (sim, node));
  SrpLink *link = srp_link_table_lookup (ctx->links, srp_sim_get_id (sim, other));

  return link != NULL ? &link->address : NULL;
}

/* early: the lie comes as soon as V is linked to the forwarder, before any
 * PONG told V its own address (V cannot check yet: T must). */
static void
forwarder_run (gboolean early)
{
  SrpSim *sim = srp_sim_new (21);
  Forwarder fw = { .pending = g_ptr_array_new_with_free_func (g_free) };
  guint8 a[4] = { 198, 51, 100, 1 }, a2[4] = { 198, 51, 100, 2 };
  guint8 f[SRP_MAX_DATAGRAM];
  SrpPeers lie = { .n = 1 };
  const SrpAddress *v_has_t, *t_has_v;
  char text[SRP_ADDRESS_STRING_MAX];

  srp_address_init_ipv4 (&fw.to_v, a, 5000);
  srp_address_init_ipv4 (&fw.to_t, a2, 5000);
  for (guint i = 0; i < FW_NODES; i++)
    srp_sim_add_node (sim, NULL);
  srp_sim_set_default_link (sim, 5000, 0.0);
  /* V and T cannot reach each other: only the forwarder, or a relay, joins them. */
  srp_sim_set_link (sim, FW_V, FW_T, 5000, 1.0);
  srp_sim_set_filter (sim, on_forwarder_filter, NULL);
  srp_sim_set_tap (sim, on_forwarder_tap, &fw);
  srp_core_add_bootstrap (srp_sim_get_core (sim, FW_T), srp_sim_get_now (sim),
                          srp_sim_get_address (sim, FW_BOOTSTRAP));
  srp_core_add_bootstrap (srp_sim_get_core (sim, FW_M), srp_sim_get_now (sim),
                          srp_sim_get_address (sim, FW_BOOTSTRAP));
  for (guint i = 0; i < FW_NODES; i++)
    srp_sim_flush (sim, i);
  /* T and the forwarder join first. A minute: their links are up, and
   * their PONGs have told them where they are. */
  forwarder_run_until (sim, &fw, srp_sim_get_now (sim) + 60 * G_USEC_PER_SEC);
  srp_core_add_bootstrap (srp_sim_get_core (sim, FW_V), srp_sim_get_now (sim),
                          srp_sim_get_address (sim, FW_BOOTSTRAP));
  srp_core_add_bootstrap (srp_sim_get_core (sim, FW_V), srp_sim_get_now (sim),
                          srp_sim_get_address (sim, FW_M));
  srp_sim_flush (sim, FW_V);
  if (early)
    while (!srp_sim_is_connected (sim, FW_M, FW_V) && srp_sim_step (sim))
      ;
  else
    forwarder_run_until (sim, &fw, srp_sim_get_now (sim) + 60 * G_USEC_PER_SEC);
  g_assert_true (srp_sim_is_connected (sim, FW_V, FW_M));
  g_assert_true (srp_sim_is_connected (sim, FW_T, FW_BOOTSTRAP));
  g_assert_null (listed_at (sim, FW_V, FW_T));

  /* The forwarder, linked to V, says T is at A. */
  lie.peers[0].id = *srp_sim_get_id (sim, FW_T);
  lie.peers[0].address = fw.to_v;
  lie.peers[0].nat = SRP_NAT_PUBLIC;
  g_assert_true (srp_sim_inject_from (sim, FW_M, FW_V, f, srp_peers_encode (&lie, f)));
  srp_sim_flush (sim, FW_V);
  forwarder_run_until (sim, &fw, srp_sim_get_now (sim) + (early ? 90 : 30) * G_USEC_PER_SEC);

  v_has_t = listed_at (sim, FW_V, FW_T);
  t_has_v = listed_at (sim, FW_T, FW_V);
  if (v_has_t != NULL)
    g_test_message ("V lists T at %s", (srp_address_to_string (v_has_t, text), text));
  if (t_has_v != NULL)
    g_test_message ("T lists V at %s", (srp_address_to_string (t_has_v, text), text));
  g_test_message ("forwarded %u datagrams to T (%u HELLOs), %u to V; address-mismatch: V %"
                  G_GUINT64_FORMAT ", T %" G_GUINT64_FORMAT,
                  fw.forwarded[1], fw.hellos_to_t, fw.forwarded[0],
                  srp_core_get_drop_count (srp_sim_get_core (sim, FW_V), SRP_DROP_ADDRESS_MISMATCH),
                  srp_core_get_drop_count (srp_sim_get_core (sim, FW_T), SRP_DROP_ADDRESS_MISMATCH));
  /* The attack ran: V's handshake reached T through the forwarder. */
  g_assert_cmpuint (fw.hellos_to_t, >=, 1);
  /* V saw through it (or, before it could, T did), and neither lists the
   * other at the forwarder's address. */
  g_assert_cmpuint (srp_core_get_drop_count (srp_sim_get_core (sim, early ? FW_T : FW_V),
                                             SRP_DROP_ADDRESS_MISMATCH), >=, 1);
  g_assert_nonnull (v_has_t);
  g_assert_nonnull (t_has_v);
  g_assert_false (srp_address_equal (v_has_t, &fw.to_v));
  g_assert_false (srp_address_equal (t_has_v, &fw.to_t));
  /* ... and they are connected anyway: through the relay an introducer
   * offered (their direct path is blocked). */
  g_assert_true (srp_address_is_relay (v_has_t));
  g_assert_true (srp_address_is_relay (t_has_v));
  g_assert_true (srp_sim_is_connected (sim, FW_V, FW_T));
  g_assert_true (srp_sim_is_connected (sim, FW_T, FW_V));
  /* The record V was given for T at A is gone: it is not dialled again. */
  g_assert_null (srp_peer_table_lookup_address (
      srp_core_get_context (srp_sim_get_core (sim, FW_V))->peers, &fw.to_v));
  g_ptr_array_unref (fw.pending);
  srp_sim_free (sim);
}

static void
test_forwarder_gains_nothing (void)
{
  forwarder_run (FALSE);
}

static void
test_forwarder_caught_by_responder (void)
{
  forwarder_run (TRUE);
}

/* A flood from one IP that does receive: it answers every COOKIE with its
 * HELLO, so each costs a signature and a half-open place, and never sends
 * HELLO_DONE. Under load that source holds at most 4 half-open places
 * (beyond the first half, which anyone may take unasked), so the signing
 * budget and the places stay for others: a newcomer from another IP,
 * saying HELLO half a second in, connects during the flood. */
typedef struct {
  GArray *cookies;   /* SrpCookie to the attacker */
  GArray *to;        /* SrpAddress: where each went */
  guint replies;
  gint64 newcomer_at; /* when the victim listed the newcomer (0: not yet) */
} EchoTap;

static void
on_echo_tap (SrpSim *sim, guint node, const SrpTransmit *t, gpointer data)
{
  EchoTap *tap = data;
  SrpCookie cookie;

  (void) sim;
  if (node != 0)
    return;
  tap->replies += t->data[3] == SRP_FRAME_HELLO_REPLY;
  if (t->data[3] == SRP_FRAME_COOKIE && srp_cookie_decode (t->data, t->len, &cookie) == SRP_DROP_NONE)
    {
      g_array_append_val (tap->cookies, cookie);
      g_array_append_val (tap->to, t->to);
    }
}

/* The flood: n_ips sources (198.18.77.1 and on), 5 new HELLOs a
 * millisecond in turn from new ports of each, every COOKIE echoed at once;
 * the newcomer says HELLO half a second in. Fills tap. */
static SrpCore *
echoing_flood (SrpSim *sim, EchoTap *tap, guint n_ips, guint *n_hellos, guint *echoed)
{
  SrpCore *victim;
  gint64 start;

  srp_sim_add_node (sim, NULL);
  srp_sim_add_node (sim, NULL);
  srp_sim_set_default_link (sim, 5000, 0.0);
  srp_sim_set_tap (sim, on_echo_tap, tap);
  victim = srp_sim_get_core (sim, 0);
  start = srp_sim_get_now (sim);
  *n_hellos = *echoed = 0;
  for (gint64 ms = 0; ms < 3000; ms++)
    {
      if (ms == 500)
        {
          srp_core_add_bootstrap (srp_sim_get_core (sim, 1), srp_sim_get_now (sim),
                                  srp_sim_get_address (sim, 0));
          srp_sim_flush (sim, 1);
        }
      /* 5 new HELLOs a millisecond, from new ports ... */
      for (guint k = 0; k < 5; k++, (*n_hellos)++)
        {
          guint8 ip[4] = { 198, 18, 77, (guint8) (1 + *n_hellos % n_ips) };
          SrpAddress from;

          srp_address_init_ipv4 (&from, ip, (guint16) (1024 + *n_hellos % 60000));
          flood_hello (victim, srp_sim_get_now (sim), &from, *n_hellos, 0x78, NULL);
        }
      /* ... and every COOKIE echoed at once. */
      for (guint i = 0; i < tap->cookies->len; i++, (*echoed)++)
        {
          SrpCookie *c = &g_array_index (tap->cookies, SrpCookie, i);
          guint32 n;

          memcpy (&n, c->echo, sizeof n);
          flood_hello (victim, srp_sim_get_now (sim), &g_array_index (tap->to, SrpAddress, i), n,
                       0x78, c->cookie);
        }
      g_array_set_size (tap->cookies, 0);
      g_array_set_size (tap->to, 0);
      srp_sim_flush (sim, 0);
      srp_sim_run_until (sim, start + (ms + 1) * 1000);
      if (tap->newcomer_at == 0 && srp_sim_is_connected (sim, 0, 1))
        tap->newcomer_at = srp_sim_get_now (sim) - start;
    }
  g_test_message ("%u HELLOs from %u IP(s), %u echoed cookies, in 3 s: %u answered in full; "
                  "the newcomer (0.5 s in) listed %s (%" G_GINT64_FORMAT " ms in)", *n_hellos, n_ips,
                  *echoed, tap->replies,
                  tap->newcomer_at != 0 ? "during the flood" : "not during the flood",
                  tap->newcomer_at / 1000);
  return victim;
}

static void
test_echoing_flood_from_one_ip (void)
{
  SrpSim *sim = srp_sim_new (6);
  EchoTap tap = { g_array_new (FALSE, FALSE, sizeof (SrpCookie)),
                  g_array_new (FALSE, FALSE, sizeof (SrpAddress)), 0, 0 };
  guint n_hellos, echoed;
  SrpCore *victim = echoing_flood (sim, &tap, 1, &n_hellos, &echoed);

  /* Refused unsigned and without a cookie: no echo to make. */
  g_assert_cmpuint (srp_core_get_drop_count (victim, SRP_DROP_RATE_LIMITED), >, n_hellos / 2);
  /* The first half of the places, then its share: not the whole budget. */
  g_assert_cmpuint (tap.replies, <=, 32 + 4 + 16); /* 64 half-open places */
  g_assert_cmpint (tap.newcomer_at, >, 0);
  g_assert_cmpint (tap.newcomer_at, <, 1500 * 1000);
  g_array_unref (tap.cookies);
  g_array_unref (tap.to);
  srp_sim_free (sim);
}

/* The same flood from 128 IPs that receive: each holds its share of the
 * half-open places, and together they would take every signature of the
 * budget the moment it refills, so a newcomer's HELLO, with its cookie,
 * would find none until the flood ended (bench-hello-flood --echo-cookies
 * --addresses 128: newcomers in 9.5 s, about one run in two). Under load
 * each source gets at most 2 signatures in 10 s, and a source that had one
 * takes only from the upper half of the budget: the lower half waits for
 * sources that had none, and the newcomer connects during the flood. */
static void
test_echoing_flood_from_many_ips (void)
{
  SrpSim *sim = srp_sim_new (7);
  EchoTap tap = { g_array_new (FALSE, FALSE, sizeof (SrpCookie)),
                  g_array_new (FALSE, FALSE, sizeof (SrpAddress)), 0, 0 };
  guint n_hellos, echoed;

  echoing_flood (sim, &tap, 128, &n_hellos, &echoed);
  /* The first half of the places unasked, then 2 a source. */
  g_assert_cmpuint (tap.replies, <=, 32 + 2 * 128 + 2);
  g_assert_cmpint (tap.newcomer_at, >, 0);
  g_assert_cmpint (tap.newcomer_at, <, 1500 * 1000);
  g_array_unref (tap.cookies);
  g_array_unref (tap.to);
  srp_sim_free (sim);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/hostile/busy-chain-is-budgeted", test_busy_chain_is_budgeted);
  g_test_add_func ("/hostile/amplification-by-kind", test_amplification_by_kind);
  g_test_add_func ("/hostile/forged-found-is-dropped", test_forged_found_is_dropped);
  g_test_add_func ("/hostile/spoofed-find-sender-is-paid-for",
                   test_spoofed_find_sender_is_paid_for);
  g_test_add_func ("/hostile/strangers-cannot-fill-the-reassembler",
                   test_strangers_cannot_fill_the_reassembler);
  g_test_add_func ("/hostile/forged-copies-are-harmless", test_forged_copies_are_harmless);
  g_test_add_func ("/hostile/forged-copies-of-cached-are-checked",
                   test_forged_copies_of_cached_are_checked);
  g_test_add_func ("/hostile/hello-flood-asks-for-cookies", test_hello_flood_asks_for_cookies);
  g_test_add_func ("/hostile/echoing-flood-from-one-ip", test_echoing_flood_from_one_ip);
  g_test_add_func ("/hostile/echoing-flood-from-many-ips", test_echoing_flood_from_many_ips);
  g_test_add_func ("/hostile/spray-is-bounded", test_spray_is_bounded);
  g_test_add_func ("/hostile/forwarder-gains-nothing", test_forwarder_gains_nothing);
  g_test_add_func ("/hostile/forwarder-caught-by-responder", test_forwarder_caught_by_responder);
  return g_test_run ();
}
