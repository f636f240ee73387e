/* test-subsystems.c: each subsystem alone, through a context of its own
 * (no core, no network): links are made by hand, frames handed in, and
 * what comes out read off the context's queues. Also the dispatch table's
 * rules and the stats that count what it refuses.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include <nettle/eddsa.h>

#include "srp-chain.h"
#include "srp-context.h"
#include "srp-control-connect.h"
#include "srp-control-topics.h"
#include "srp-control.h"
#include "srp-mesh.h"
#include "srp-pubsub.h"
#include "srp-traversal.h"

#define MS(n) ((gint64) (n) * 1000)

typedef struct {
  guint8 secret[32];
  guint8 public[32];
} Keys;

static gboolean
sign (const guint8 *data, gsize len, guint8 signature[SRP_SIGNATURE_LEN], gpointer user_data)
{
  Keys *keys = user_data;

  ed25519_sha512_sign (keys->public, keys->secret, len, data, signature);
  return TRUE;
}

/* A context with the named subsystems only, attached, at time 1 s. */
typedef struct {
  SrpCoreConfig config;
  Keys keys;
  SrpContext *ctx;
  SrpMesh *mesh;
  SrpDht *dht;
  SrpTraversal *traversal;
  SrpPubsub *pubsub;
} Harness;

static void
harness_init (Harness *h, guint8 who, gboolean mesh, gboolean traversal, gboolean pubsub)
{
  memset (h, 0, sizeof *h);
  srp_core_config_init (&h->config);
  h->config.seed = who;
  memset (h->keys.secret, who, sizeof h->keys.secret);
  ed25519_sha512_public_key (h->keys.public, h->keys.secret);
  memcpy (h->config.peer_id.bytes, h->keys.public, SRP_ID_LEN);
  h->config.sign = sign;
  h->config.sign_data = &h->keys;
  h->ctx = srp_context_new (&h->config);
  h->ctx->attached = TRUE;
  h->ctx->now = G_USEC_PER_SEC;
  if (mesh || traversal)
    h->mesh = srp_mesh_new (h->ctx);
  if (traversal)
    {
      h->dht = srp_dht_new (h->ctx);
      h->traversal = srp_traversal_new (h->ctx, h->mesh, h->dht);
    }
  if (pubsub)
    h->pubsub = srp_pubsub_new (h->ctx);
}

static void
harness_clear (Harness *h)
{
  GPtrArray *links = srp_link_table_list (h->ctx->links);

  while (links->len > 0)
    srp_context_close_link (h->ctx, g_ptr_array_index (links, 0));
  srp_context_free_subsystems (h->ctx);
  srp_context_free (h->ctx);
}

static void
address_of (guint8 n, SrpAddress *out)
{
  guint8 ip[4] = { 192, 0, 2, n };

  srp_address_init_ipv4 (out, ip, 4000);
}

/* A link made by hand, as if a handshake with peer n had completed. */
static SrpLink *
add_link (Harness *h, guint8 n)
{
  SrpId id = { { 0 } };
  SrpAddress address;
  guint8 challenge[SRP_CHALLENGE_LEN] = { n };

  memset (id.bytes, n, SRP_ID_LEN);
  address_of (n, &address);
  return srp_context_open_link (h->ctx, &id, &address, SRP_NAT_PUBLIC, challenge, challenge, -1);
}

static void
from (Harness *h, guint8 n, const guint8 *frame, gsize len)
{
  SrpAddress address;

  address_of (n, &address);
  srp_context_handle_frame (h->ctx, 0, &address, frame, len);
  srp_context_settle (h->ctx);
}

/* Takes the transmits out; returns how many went to peer n with frame kind
 * (0 for any), the last of them copied to last (nullable). */
static guint
sent (Harness *h, guint8 n, guint8 kind, SrpTransmit *last)
{
  SrpAddress to;
  SrpTransmit t;
  guint count = 0;

  address_of (n, &to);
  while (srp_ring_pop (&h->ctx->transmits, &t))
    if (srp_address_equal (&t.to, &to) && (kind == 0 || t.data[3] == kind))
      {
        count++;
        if (last != NULL)
          memcpy (last, &t, G_STRUCT_OFFSET (SrpTransmit, data) + t.len);
      }
  return count;
}

static void
drain_events (Harness *h)
{
  SrpCoreEvent event;

  while (srp_ring_pop (&h->ctx->events, &event))
    srp_core_event_clear (&event);
}

static void
advance (Harness *h, gint64 us)
{
  h->ctx->now += us;
  srp_timer_table_fire_due (h->ctx->timers, h->ctx->now);
  srp_context_settle (h->ctx);
}

/* ---- pub/sub ------------------------------------------------------------------------- */

static gsize
make_packet (const SrpId *topic, const char *text, guint8 out[SRP_MAX_DATAGRAM], SrpId *id)
{
  SrpId prev = { { 0x42 } };
  g_autoptr (GPtrArray) chain = srp_chain_build (topic, SRP_PACKET_TYPE_MESSAGE, &prev,
                                                 (const guint8 *) text, strlen (text));
  const SrpPacket *packet = g_ptr_array_index (chain, 0);

  *id = packet->id;
  return srp_packet_encode (packet, out);
}

static void
test_pubsub_relays_caches_and_acks (void)
{
  Harness h;
  SrpId topic, id;
  guint8 frame[SRP_MAX_DATAGRAM];
  gsize len;
  SrpTransmit t;
  SrpIdList ack;

  harness_init (&h, 1, FALSE, FALSE, TRUE);
  for (guint8 n = 10; n <= 12; n++)
    add_link (&h, n);
  sent (&h, 0, 0, NULL);
  srp_topic_id_from_name ("unit/relay", &topic);
  len = make_packet (&topic, "fresh from its publisher", frame, &id);

  from (&h, 10, frame, len);
  /* Relayed to the two others with POSTAGE one lower, never back. */
  g_assert_cmpuint (h.ctx->transmits.length, ==, 2);
  {
    const SrpTransmit *a = srp_ring_peek (&h.ctx->transmits, 0);

    g_assert_cmpuint (a->data[SRP_PACKET_POSTAGE_OFFSET], ==, SRP_POSTAGE_MAX - 1);
  }
  g_assert_cmpuint (sent (&h, 10, 0, NULL), ==, 0);
  {
    g_autoptr (GBytes) cached = srp_pubsub_cache_lookup (h.pubsub, &id);
    g_assert_nonnull (cached);
  }
  /* The ACK waits 10 ms to gather a burst. */
  advance (&h, MS (9));
  g_assert_cmpuint (sent (&h, 10, SRP_FRAME_ACK, NULL), ==, 0);
  advance (&h, MS (1));
  g_assert_cmpuint (sent (&h, 10, SRP_FRAME_ACK, &t), ==, 1);
  g_assert_cmpint (srp_ack_decode (t.data, t.len, &ack), ==, SRP_DROP_NONE);
  g_assert_cmpuint (ack.n, ==, 1);
  g_assert_cmpuint (ack.ids[0], ==, srp_id_prefix (&id));

  /* Seen once is enough. */
  from (&h, 11, frame, len);
  g_assert_cmpuint (h.ctx->drops[SRP_DROP_DUPLICATE], ==, 1);
  drain_events (&h);
  harness_clear (&h);
}

static void
test_pubsub_prefers_subscribers (void)
{
  Harness h;
  SrpId topic, id;
  SrpSubscriptions subs = { .n = 1 };
  guint8 frame[SRP_MAX_DATAGRAM];

  harness_init (&h, 2, FALSE, FALSE, TRUE);
  h.config.fanout = 1;
  for (guint8 n = 20; n <= 25; n++)
    add_link (&h, n);
  srp_topic_id_from_name ("unit/subscribers", &topic);
  subs.topics[0] = srp_id_prefix (&topic);
  from (&h, 23, frame, srp_subscriptions_encode (&subs, frame));
  sent (&h, 0, 0, NULL);
  /* With room for one copy, the subscriber gets it, whatever the dice say. */
  for (guint i = 0; i < 8; i++)
    {
      char text[32];

      g_snprintf (text, sizeof text, "message %u", i);
      g_assert_cmpuint (srp_pubsub_publish (h.pubsub, &topic, NULL, 0, (const guint8 *) text,
                                            strlen (text), &id), !=, 0);
      g_assert_cmpuint (sent (&h, 23, SRP_FRAME_PACKET, NULL), ==, 1);
    }
  drain_events (&h);
  harness_clear (&h);
}

static void
test_pubsub_answers_queries_within_budget (void)
{
  Harness h;
  SrpId topic, id;
  guint8 frame[SRP_MAX_DATAGRAM], packet[SRP_MAX_DATAGRAM];
  gsize len;
  SrpIdList query = { .n = SRP_IDS_MAX };

  harness_init (&h, 3, FALSE, FALSE, TRUE);
  add_link (&h, 30);
  add_link (&h, 31);
  srp_topic_id_from_name ("unit/query", &topic);
  len = make_packet (&topic, "worth asking for", packet, &id);
  from (&h, 30, packet, len);
  sent (&h, 0, 0, NULL);
  /* Asked for (among unknown IDs), it is sent, as it is cached. */
  for (guint i = 0; i < query.n; i++)
    query.ids[i] = i + 1;
  query.ids[0] = srp_id_prefix (&id);
  from (&h, 31, frame, srp_query_encode (&query, frame));
  g_assert_cmpuint (sent (&h, 31, SRP_FRAME_PACKET, NULL), ==, 1);
  /* Every ID asked for costs a token, held or not: 512 at once, then no
   * more until the bucket refills. */
  for (guint i = 0; i < 3; i++)
    from (&h, 31, frame, srp_query_encode (&query, frame));
  g_assert_cmpuint (h.ctx->drops[SRP_DROP_RATE_LIMITED], ==, 0);
  from (&h, 31, frame, srp_query_encode (&query, frame));
  g_assert_cmpuint (h.ctx->drops[SRP_DROP_RATE_LIMITED], ==, 1);
  sent (&h, 0, 0, NULL);
  drain_events (&h);
  harness_clear (&h);
}

static void
test_pubsub_refuses_strangers (void)
{
  Harness h;
  SrpId topic, id;
  guint8 frame[SRP_MAX_DATAGRAM];
  gsize len;
  SrpIdList ack = { .n = 1, .ids = { 1 } };

  harness_init (&h, 4, FALSE, FALSE, TRUE);
  srp_topic_id_from_name ("unit/strangers", &topic);
  len = make_packet (&topic, "from nobody we know", frame, &id);
  /* Not a link, and not a topic we take: neither cached nor relayed. */
  from (&h, 40, frame, len);
  g_assert_cmpuint (h.ctx->drops[SRP_DROP_UNWANTED], ==, 1);
  g_assert_null (srp_pubsub_cache_lookup (h.pubsub, &id));
  /* Control frames need a link. */
  from (&h, 40, frame, srp_ack_encode (&ack, frame));
  g_assert_cmpuint (h.ctx->drops[SRP_DROP_UNAUTHENTICATED], ==, 1);
  g_assert_cmpuint (h.ctx->transmits.length, ==, 0);
  harness_clear (&h);
}

/* ---- the mesh ---------------------------------------------------------------------------- */

/* Hands every datagram one harness queued to the other, as from `as`. */
static guint
deliver (Harness *src, guint8 as, Harness *dst)
{
  g_autofree SrpTransmit *t = g_new (SrpTransmit, 1);
  SrpAddress address;
  guint n = 0;

  address_of (as, &address);
  while (srp_ring_pop (&src->ctx->transmits, t))
    {
      srp_context_handle_frame (dst->ctx, 0, &address, t->data, t->len);
      srp_context_settle (dst->ctx);
      n++;
    }
  return n;
}

static void
test_mesh_handshake_heartbeat_goodbye (void)
{
  Harness a, b;
  SrpAddress b_address;
  SrpGoodbye goodbye;
  guint8 frame[SRP_MAX_DATAGRAM];
  SrpLink *link;
  SrpTransmit t;

  harness_init (&a, 50, TRUE, FALSE, FALSE);
  harness_init (&b, 51, TRUE, FALSE, FALSE);
  address_of (51, &b_address);
  srp_mesh_start_handshake (a.mesh, &b_address, NULL);
  /* HELLO, HELLO_REPLY, HELLO_DONE, and what each sends on linking. */
  for (guint round = 0; round < 4; round++)
    {
      deliver (&a, 50, &b);
      deliver (&b, 51, &a);
    }
  g_assert_cmpuint (srp_link_table_size (a.ctx->links), ==, 1);
  g_assert_cmpuint (srp_link_table_size (b.ctx->links), ==, 1);
  link = srp_link_table_lookup (a.ctx->links, &b.config.peer_id);
  g_assert_nonnull (link);
  /* Both sides measured the handshake's round trip: no heartbeat needed for
   * a first RTT. */
  g_assert_true (srp_rtt_has_sample (&link->rtt));
  g_assert_true (srp_rtt_has_sample (
    &srp_link_table_lookup (b.ctx->links, &a.config.peer_id)->rtt));

  /* Quiet for a heartbeat interval: a ping goes out. */
  advance (&a, a.config.heartbeat_us);
  g_assert_cmpuint (sent (&a, 51, SRP_FRAME_PING, &t), ==, 1);

  /* A GOODBYE in clear from a sealed link's address changes nothing (an
   * on-path attacker could have sent it): it is not even read. */
  goodbye.sender = a.config.peer_id;
  memset (goodbye.token, 0xee, sizeof goodbye.token);
  from (&b, 50, frame, srp_goodbye_encode (&goodbye, frame));
  g_assert_cmpuint (b.ctx->drops[SRP_DROP_UNSEALED], ==, 1);
  g_assert_cmpuint (srp_link_table_size (b.ctx->links), ==, 1);
  /* Leaving says the real one: b forgets a at once. */
  srp_mesh_leave (a.mesh);
  g_assert_cmpuint (srp_link_table_size (a.ctx->links), ==, 0);
  deliver (&a, 50, &b);
  g_assert_cmpuint (srp_link_table_size (b.ctx->links), ==, 0);
  drain_events (&a);
  drain_events (&b);
  harness_clear (&a);
  harness_clear (&b);
}

/* ---- traversal ------------------------------------------------------------------------------ */

static void
test_traversal_info_connect_probe_relay (void)
{
  Harness h;
  SrpInfo info = { .nat = SRP_NAT_PORT_RESTRICTED };
  SrpConnect connect = { .nonce = 7 };
  SrpIntroduce intro;
  SrpProbeRequest probe = { .nonce = 9, .mode = SRP_PROBE_FROM_MAIN_PORT };
  guint8 frame[SRP_MAX_DATAGRAM], inner[SRP_MAX_DATAGRAM];
  SrpTransmit t;
  SrpLink *link;
  SrpCoreEvent event;
  gsize inner_len;

  harness_init (&h, 60, TRUE, TRUE, FALSE);
  h.config.relay_circuits = 1;
  link = add_link (&h, 61);
  add_link (&h, 62);
  add_link (&h, 63);
  drain_events (&h);
  sent (&h, 0, 0, NULL);

  /* INFO tells the link's NAT type: PEER_CHANGED. */
  from (&h, 61, frame, srp_info_encode (&info, frame));
  g_assert_cmpuint (link->nat, ==, SRP_NAT_PORT_RESTRICTED);
  g_assert_true (srp_ring_pop (&h.ctx->events, &event));
  g_assert_cmpint (event.type, ==, SRP_CORE_EVENT_PEER_CHANGED);

  /* Asked for a peer it has no link to: "unknown", to the asker only. */
  memset (connect.target.bytes, 0x99, SRP_ID_LEN);
  from (&h, 61, frame, srp_connect_encode (&connect, frame));
  g_assert_cmpuint (sent (&h, 61, SRP_FRAME_INTRODUCE, &t), ==, 1);
  g_assert_cmpint (srp_introduce_decode (t.data, t.len, &intro), ==, SRP_DROP_NONE);
  g_assert_cmpuint (intro.status, ==, SRP_INTRODUCE_UNKNOWN);

  /* A probe aimed at someone else's address is refused. */
  address_of (99, &probe.target);
  from (&h, 61, frame, srp_probe_request_encode (&probe, frame));
  g_assert_cmpuint (h.ctx->drops[SRP_DROP_UNEXPECTED], ==, 1);

  /* Relaying: one circuit, so a second pair is refused. */
  inner_len = srp_peers_request_encode (inner);
  {
    SrpId to62, to63;

    memset (to62.bytes, 62, SRP_ID_LEN);
    memset (to63.bytes, 63, SRP_ID_LEN);
    from (&h, 61, frame,
          srp_relay_encode (SRP_FRAME_RELAY, srp_id_prefix (&to62), inner, inner_len, frame));
    g_assert_cmpuint (sent (&h, 62, SRP_FRAME_RELAYED, NULL), ==, 1);
    from (&h, 61, frame,
          srp_relay_encode (SRP_FRAME_RELAY, srp_id_prefix (&to63), inner, inner_len, frame));
    g_assert_cmpuint (sent (&h, 63, SRP_FRAME_RELAYED, NULL), ==, 0);
    g_assert_cmpuint (h.ctx->drops[SRP_DROP_RATE_LIMITED], ==, 1);
  }
  drain_events (&h);
  harness_clear (&h);
}

/* A port mapping (srp_core_set_mapped_address): links hear of it in INFO,
 * introducers pass it on in INTRODUCE, the peer introduced to a mapped one
 * shakes hands with the mapping (not the address the introducer sees), and
 * the mapped one sends nothing of its own. MAPPED fields that are no
 * address are malformed. */
static void
test_traversal_mapped_address (void)
{
  Harness h, h2;
  SrpAddress mapped, theirs, their_mapped;
  SrpInfo info = { .nat = SRP_NAT_SYMMETRIC };
  SrpConnect connect = { .nonce = 11 };
  SrpIntroduce intro = { .nonce = 12, .status = SRP_INTRODUCE_OK, .nat = SRP_NAT_SYMMETRIC };
  SrpInfo decoded;
  guint8 frame[SRP_MAX_DATAGRAM];
  SrpTransmit t;
  gsize len, plain_len;
  g_autoptr (GVariantDict) stats = g_variant_dict_new (NULL);
  const char *text;

  harness_init (&h, 60, TRUE, TRUE, FALSE);
  add_link (&h, 61);
  add_link (&h, 62);
  drain_events (&h);
  sent (&h, 0, 0, NULL);

  /* Told to every link. */
  address_of (160, &mapped);
  srp_traversal_set_mapped_address (h.traversal, &mapped);
  srp_context_settle (h.ctx);
  while (srp_ring_pop (&h.ctx->transmits, &t))
    {
      g_assert_cmpuint (t.data[3], ==, SRP_FRAME_INFO);
      g_assert_cmpint (srp_info_decode (t.data, t.len, &decoded), ==, SRP_DROP_NONE);
      g_assert_true (decoded.has_mapped);
      g_assert_true (srp_address_equal (&decoded.mapped, &mapped));
    }
  srp_context_collect_stats (h.ctx, stats);
  g_assert_true (g_variant_dict_lookup (stats, "mapped_address", "&s", &text));
  g_assert_cmpstr (text, ==, "192.0.2.160:4000");

  /* The introducer passes 61's mapping to 62 (they share no public IP:
   * local addresses stay out, the mapping goes anyway), not 62's to 61. */
  address_of (161, &their_mapped);
  info.has_mapped = TRUE;
  info.mapped = their_mapped;
  from (&h, 61, frame, srp_info_encode (&info, frame));
  {
    /* 62's INFO too: an introducer holds a CONNECT until both sides' is in. */
    SrpInfo plain = { .nat = SRP_NAT_PORT_RESTRICTED };

    from (&h, 62, frame, srp_info_encode (&plain, frame));
  }
  drain_events (&h);
  memset (connect.target.bytes, 61, SRP_ID_LEN);
  from (&h, 62, frame, srp_connect_encode (&connect, frame));
  g_assert_cmpuint (sent (&h, 62, SRP_FRAME_INTRODUCE, &t), ==, 1);
  g_assert_cmpint (srp_introduce_decode (t.data, t.len, &intro), ==, SRP_DROP_NONE);
  g_assert_true (intro.has_mapped);
  g_assert_true (srp_address_equal (&intro.mapped, &their_mapped));
  memset (connect.target.bytes, 62, SRP_ID_LEN);
  from (&h, 61, frame, srp_connect_encode (&connect, frame));
  g_assert_cmpuint (sent (&h, 61, SRP_FRAME_INTRODUCE, &t), ==, 1);
  g_assert_cmpint (srp_introduce_decode (t.data, t.len, &intro), ==, SRP_DROP_NONE);
  g_assert_false (intro.has_mapped);

  /* Mapped ourselves, introduced to an unmapped symmetric peer: nothing
   * sent to it, ever (its HELLO comes to the mapping). */
  memset (&intro, 0, sizeof intro);
  intro.nonce = 13;
  intro.status = SRP_INTRODUCE_OK;
  intro.nat = SRP_NAT_SYMMETRIC;
  memset (intro.peer.bytes, 0x77, SRP_ID_LEN);
  address_of (77, &theirs);
  intro.address = theirs;
  from (&h, 61, frame, srp_introduce_encode (&intro, frame));
  advance (&h, MS (500));
  g_assert_cmpuint (sent (&h, 77, 0, NULL), ==, 0);

  /* Not mapped, introduced to a mapped peer: the handshake goes to the
   * mapping, and nothing to the address the introducer saw. */
  harness_init (&h2, 70, TRUE, TRUE, FALSE);
  add_link (&h2, 71);
  drain_events (&h2);
  sent (&h2, 0, 0, NULL);
  memset (intro.peer.bytes, 0x78, SRP_ID_LEN);
  address_of (78, &theirs);
  intro.address = theirs;
  intro.has_mapped = TRUE;
  address_of (178, &intro.mapped);
  from (&h2, 71, frame, srp_introduce_encode (&intro, frame));
  advance (&h2, MS (500));
  {
    SrpAddress hello_to = intro.mapped;
    guint hellos = 0, others = 0;

    while (srp_ring_pop (&h2.ctx->transmits, &t))
      {
        if (srp_address_equal (&t.to, &hello_to) && t.data[3] == SRP_FRAME_HELLO)
          hellos++;
        else if (srp_address_same_ip (&t.to, &theirs))
          others++;
      }
    g_assert_cmpuint (hellos, ==, 1);
    g_assert_cmpuint (others, ==, 0);
  }

  /* Malformed MAPPED fields: a count above 1, port 0, cut short. */
  info.has_mapped = FALSE;
  plain_len = srp_info_encode (&info, frame);
  frame[plain_len - 1] = 2;
  g_assert_cmpint (srp_info_decode (frame, plain_len, &decoded), ==, SRP_DROP_BAD_CONTROL);
  info.has_mapped = TRUE;
  info.mapped.port = 0;
  len = srp_info_encode (&info, frame);
  g_assert_cmpint (srp_info_decode (frame, len, &decoded), ==, SRP_DROP_BAD_CONTROL);
  info.mapped.port = 4000;
  len = srp_info_encode (&info, frame);
  for (gsize cut = 0; cut < len; cut++)
    g_assert_cmpint (srp_info_decode (frame, cut, &decoded), !=, SRP_DROP_NONE);
  g_assert_cmpint (srp_info_decode (frame, len, &decoded), ==, SRP_DROP_NONE);

  /* And forgotten when the shell says the mapping is gone. */
  g_assert_true (srp_traversal_get_mapped_address (h.traversal, NULL));
  srp_traversal_set_mapped_address (h.traversal, NULL);
  g_assert_false (srp_traversal_get_mapped_address (h.traversal, NULL));
  drain_events (&h);
  drain_events (&h2);
  harness_clear (&h);
  harness_clear (&h2);
}

/* ---- the dispatch table and the stats ------------------------------------------------------- */

static void
test_dispatch_rules_and_stats (void)
{
  SrpCoreConfig config;
  SrpCore *core;
  SrpAddress stranger;
  g_autoptr (GVariant) stats = NULL;
  g_autoptr (GVariant) drops = NULL;
  guint8 frame[SRP_MAX_DATAGRAM];
  guint64 n;
  SrpIdList ack = { .n = 1, .ids = { 5 } };

  srp_core_config_init (&config);
  config.seed = 1;
  config.peer_id.bytes[0] = 1;
  core = srp_core_new (&config);
  address_of (70, &stranger);
  /* A PING prefix with no body: malformed, whoever sent it. */
  srp_wire_write_prefix (frame, SRP_FRAME_PING);
  srp_core_handle_datagram (core, 0, 0, &stranger, frame, SRP_WIRE_PREFIX_LEN);
  /* A well-formed ACK, but from a stranger. */
  srp_core_handle_datagram (core, 0, 0, &stranger, frame, srp_ack_encode (&ack, frame));
  /* A frame kind nobody handles. */
  srp_wire_write_prefix (frame, 0x7f);
  srp_core_handle_datagram (core, 0, 0, &stranger, frame, SRP_WIRE_PREFIX_LEN);

  stats = g_variant_ref_sink (srp_core_get_stats (core));
  g_assert_true (g_variant_lookup (stats, "drops", "@a{st}", &drops));
  g_assert_true (g_variant_lookup (drops, "bad-control", "t", &n));
  g_assert_cmpuint (n, ==, 1);
  g_assert_true (g_variant_lookup (drops, "unauthenticated", "t", &n));
  g_assert_cmpuint (n, ==, 1);
  g_assert_true (g_variant_lookup (drops, "unknown-kind", "t", &n));
  g_assert_cmpuint (n, ==, 1);
  g_assert_true (g_variant_lookup (stats, "drops_total", "t", &n));
  g_assert_cmpuint (n, ==, 3);
  g_assert_true (g_variant_lookup (stats, "datagrams_in", "t", &n));
  g_assert_cmpuint (n, ==, 3);
  g_assert_true (g_variant_lookup (stats, "topics", "u", NULL)); /* the inbox */
  srp_core_free (core);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/pubsub/relays-caches-and-acks", test_pubsub_relays_caches_and_acks);
  g_test_add_func ("/pubsub/prefers-subscribers", test_pubsub_prefers_subscribers);
  g_test_add_func ("/pubsub/answers-queries-within-budget",
                   test_pubsub_answers_queries_within_budget);
  g_test_add_func ("/pubsub/refuses-strangers", test_pubsub_refuses_strangers);
  g_test_add_func ("/mesh/handshake-heartbeat-goodbye", test_mesh_handshake_heartbeat_goodbye);
  g_test_add_func ("/traversal/info-connect-probe-relay", test_traversal_info_connect_probe_relay);
  g_test_add_func ("/traversal/mapped-address", test_traversal_mapped_address);
  g_test_add_func ("/endpoint/dispatch-rules-and-stats", test_dispatch_rules_and_stats);
  return g_test_run ();
}
