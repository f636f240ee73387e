/* gen-corpus-dispatch.c: the seed corpus of fuzz-dispatch: for every frame
 * kind a valid frame from link A (and some from a stranger), as records
 * (SELECT, LENGTH, datagram: see fuzz-dispatch.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "fuzz-session.h"
#include "gen-corpus.h"
#include "srp-chain.h"
#include "srp-control-connect.h"
#include "srp-control-dht.h"
#include "srp-control-lan.h"
#include "srp-control-stream.h"
#include "srp-control-topics.h"
#include "srp-control.h"
#include "srp-core.h"
#include "srp-rbsr.h"

/* SELECT values (fuzz-dispatch.c). */
#define LINK_A 0
#define LINK_B 1
#define STRANGER 2
#define PROBE_SOCKET 4
#define LATER (4 << 3) /* 200 ms first */

static const char *dir;

static void
add (GByteArray *records, guint8 select, const guint8 *frame, gsize len)
{
  guint8 head[3] = { select, (guint8) (len >> 8), (guint8) len };

  g_byte_array_append (records, head, 3);
  g_byte_array_append (records, frame, (guint) len);
}

static void
write_one (const char *name, guint8 select, const guint8 *frame, gsize len)
{
  g_autoptr (GByteArray) records = g_byte_array_new ();

  add (records, select, frame, len);
  gen_corpus_write (dir, name, records->data, records->len);
}

static void
id_of (guint8 fill, SrpId *out)
{
  memset (out->bytes, fill, SRP_ID_LEN);
}

static void
address_of (guint8 last, SrpAddress *out)
{
  guint8 ip[4] = { 192, 0, 2, last };

  srp_address_init_ipv4 (out, ip, 4000);
}

/* LAN discovery: a stranger on the link announces itself, twice. */
static void
lan_frames (void)
{
  guint8 f[SRP_MAX_DATAGRAM];
  SrpAnnounce announce = { 0 };
  g_autoptr (GByteArray) records = g_byte_array_new ();
  gsize len;

  id_of (0xd1, &announce.sender);
  len = srp_announce_encode (&announce, f);
  write_one ("announce", STRANGER, f, len);
  add (records, STRANGER, f, len);
  add (records, STRANGER | LATER, f, len);
  gen_corpus_write (dir, "announce-twice", records->data, records->len);
}

static void
mesh_frames (void)
{
  guint8 f[SRP_MAX_DATAGRAM];
  SrpPing ping = { .nonce = 7 };
  SrpPong pong = { .nonce = 7 };
  SrpHello hello = { 0 };
  SrpHelloReply reply = { 0 };
  SrpHelloDone done = { 0 };
  SrpPeers peers = { .n = 2 };
  SrpGoodbye goodbye = { 0 };

  id_of (0xa0, &ping.sender);
  write_one ("ping-from-link", LINK_A, f, srp_ping_encode (&ping, f));
  write_one ("ping-from-stranger", STRANGER, f, srp_ping_encode (&ping, f));
  id_of (0xa0, &pong.sender);
  address_of (9, &pong.observed);
  write_one ("pong", LINK_A, f, srp_pong_encode (&pong, f));
  id_of (0xd0, &hello.sender);
  write_one ("hello", STRANGER, f, srp_hello_encode (&hello, f));
  id_of (0xd0, &reply.sender);
  address_of (9, &reply.observed);
  write_one ("hello-reply", STRANGER, f, srp_hello_reply_encode (&reply, f));
  id_of (0xd0, &done.sender);
  address_of (9, &done.observed);
  write_one ("hello-done", STRANGER, f, srp_hello_done_encode (&done, f));
  write_one ("peers-request", LINK_A, f, srp_peers_request_encode (f));
  for (guint i = 0; i < peers.n; i++)
    {
      id_of ((guint8) (0xe0 + i), &peers.peers[i].id);
      address_of ((guint8) (20 + i), &peers.peers[i].address);
      peers.peers[i].nat = SRP_NAT_PUBLIC;
    }
  write_one ("peers", LINK_A | LATER, f, srp_peers_encode (&peers, f));
  write_one ("busy", STRANGER, f, srp_busy_encode (&peers, f));
  {
    SrpCookie cookie = { .cookie = { 9 } };
    SrpHello again = { .flags = SRP_HELLO_FLAG_COOKIE, .cookie = { 9 } };

    write_one ("cookie", STRANGER, f, srp_cookie_encode (&cookie, f));
    id_of (0xd0, &again.sender);
    write_one ("hello-with-cookie", STRANGER, f, srp_hello_encode (&again, f));
  }
  id_of (0xa0, &goodbye.sender);
  goodbye.token[0] = 1; /* the challenge fuzz-dispatch's links were made with */
  write_one ("goodbye", LINK_A, f, srp_goodbye_encode (&goodbye, f));
}

static void
traversal_frames (void)
{
  guint8 f[SRP_MAX_DATAGRAM], inner[SRP_MAX_DATAGRAM];
  SrpProbeRequest probe = { .nonce = 3, .mode = SRP_PROBE_FROM_OTHER_PORT };
  SrpInfo info = { .nat = SRP_NAT_PORT_RESTRICTED, .n_locals = 1 };
  SrpConnect connect = { .nonce = 5 };
  SrpIntroduce intro = { .nonce = 5, .status = SRP_INTRODUCE_OK, .nat = SRP_NAT_SYMMETRIC };
  SrpPing ping = { .nonce = 11 };
  SrpId b;
  gsize n;

  address_of (1, &probe.target);
  write_one ("probe-request", LINK_A, f, srp_probe_request_encode (&probe, f));
  write_one ("probe", STRANGER | PROBE_SOCKET, f, srp_probe_encode (3, f));
  address_of (30, &info.locals[0]);
  write_one ("info", LINK_A, f, srp_info_encode (&info, f));
  info.has_mapped = TRUE;
  address_of (31, &info.mapped);
  write_one ("info-mapped", LINK_A, f, srp_info_encode (&info, f));
  id_of (0xa1, &connect.target);
  write_one ("connect", LINK_A, f, srp_connect_encode (&connect, f));
  id_of (0xd1, &intro.peer);
  address_of (40, &intro.address);
  intro.delay_ms = 10;
  write_one ("introduce", LINK_A | LATER, f, srp_introduce_encode (&intro, f));
  intro.has_mapped = TRUE;
  address_of (41, &intro.mapped);
  id_of (0xd2, &intro.peer);
  write_one ("introduce-mapped", LINK_A | LATER, f, srp_introduce_encode (&intro, f));
  write_one ("punch", STRANGER, f, srp_punch_encode (5, f));
  id_of (0xa1, &b);
  n = srp_peers_request_encode (inner);
  write_one ("relay", LINK_A, f, srp_relay_encode (SRP_FRAME_RELAY, srp_id_prefix (&b), inner, n,
                                                   f));
  id_of (0xa0, &ping.sender);
  n = srp_ping_encode (&ping, inner);
  write_one ("relayed", LINK_A, f,
             srp_relay_encode (SRP_FRAME_RELAYED, srp_id_prefix (&b), inner, n, f));
}

static void
dht_frames (void)
{
  guint8 f[SRP_MAX_DATAGRAM];
  SrpFind find = { .nonce = 9, .flags = SRP_FIND_FLAG_OPEN };
  SrpFound found = { .nonce = 9, .n_contacts = 2, .has_reachability = TRUE };
  SrpRegister reg = { .reachability = { .nat = SRP_NAT_PORT_RESTRICTED, .n_anchors = 1 } };

  id_of (0xb1, &find.target);
  id_of (0xb2, &find.sender);
  write_one ("find", STRANGER, f, srp_find_encode (&find, f));
  found.target = find.target;
  for (guint i = 0; i < found.n_contacts; i++)
    {
      id_of ((guint8) (0xc0 + i), &found.contacts[i].id);
      found.contacts[i].nat = SRP_NAT_PUBLIC;
      address_of ((guint8) (50 + i), &found.contacts[i].address);
    }
  found.reachability.n_anchors = 1;
  found.reachability.anchors[0] = found.contacts[0];
  write_one ("found", STRANGER, f, srp_found_encode (&found, f));
  id_of (0xb3, &reg.sender);
  reg.reachability.anchors[0] = found.contacts[1];
  write_one ("register", STRANGER, f, srp_register_encode (&reg, f));
}

static void
pack_sync (const guint8 *frame, gsize len, gpointer data)
{
  GByteArray *records = data;

  add (records, LINK_A, frame, len);
}

static void
pubsub_frames (void)
{
  guint8 f[SRP_MAX_DATAGRAM];
  SrpSubscriptions subs = { .n = 1 };
  SrpIdList ids = { .n = 2, .ids = { 1, 2 } };
  SrpId topic, prev;
  g_autoptr (GPtrArray) chain = NULL;
  g_autoptr (GByteArray) records = g_byte_array_new ();
  guint8 body[3000];
  const guint64 items[3] = { 5, 9, 77 };
  SrpRbsrOutput out;

  srp_topic_id_from_name ("fuzz", &topic);
  subs.topics[0] = srp_id_prefix (&topic);
  write_one ("subscriptions", LINK_A, f, srp_subscriptions_encode (&subs, f));
  write_one ("ack", LINK_A, f, srp_ack_encode (&ids, f));
  write_one ("query", LINK_A, f, srp_query_encode (&ids, f));
  srp_rbsr_output_init (&out);
  srp_rbsr_open (items, 3, &out);
  srp_rbsr_pack (&out, &topic, 4, pack_sync, records);
  srp_rbsr_output_clear (&out);
  gen_corpus_write (dir, "sync", records->data, records->len);

  /* A message of three packets on the subscribed topic, from the link and
   * out of order, and its first packet from a stranger. */
  g_byte_array_set_size (records, 0);
  memset (body, 'm', sizeof body);
  memset (prev.bytes, 0x11, SRP_ID_LEN);
  chain = srp_chain_build (&topic, SRP_PACKET_TYPE_MESSAGE, &prev, body, sizeof body);
  for (guint i = chain->len; i > 0; i--)
    add (records, LINK_A, f, srp_packet_encode (g_ptr_array_index (chain, i - 1), f));
  gen_corpus_write (dir, "packets", records->data, records->len);
  write_one ("packet-from-stranger", STRANGER, f,
             srp_packet_encode (g_ptr_array_index (chain, 0), f));
}

/* A stream of each parity (which one link A may open depends on the two
 * IDs) in three frames, the last first; then an ACK, windows and a reset. */
static void
stream_frames (void)
{
  guint8 f[SRP_MAX_DATAGRAM];
  g_autoptr (GByteArray) records = g_byte_array_new ();
  guint8 data[2000];
  SrpStreamAck ack = { .delay_us = 100, .n_ranges = 2,
                       .ranges = { { .first = 4, .last = 6 }, { .first = 0, .last = 1 } } };
  SrpStreamWindow window = { .pn = 3, .stream_id = 1, .max = 2 * 1024 * 1024 };
  SrpStreamReset reset = { .pn = 4, .stream_id = 0, .reason = 2 };
  guint64 pn = 0;

  memset (data, 'd', sizeof data);
  for (guint32 id = 0; id < 2; id++)
    {
      SrpStreamData parts[3] = {
        { .stream_id = id, .flags = SRP_STREAM_FLAG_OPEN, .offset = 0, .label_len = 4,
          .label = (const guint8 *) "fuzz", .data = data, .len = 1000 },
        { .stream_id = id, .offset = 1000, .data = data, .len = 900 },
        { .stream_id = id, .flags = SRP_STREAM_FLAG_FIN, .offset = 1900, .data = data,
          .len = 100 },
      };

      for (guint i = 3; i > 0; i--)
        {
          parts[i - 1].pn = pn++;
          add (records, LINK_A, f, srp_stream_data_encode (&parts[i - 1], f));
        }
    }
  gen_corpus_write (dir, "stream-data", records->data, records->len);
  write_one ("stream-ack", LINK_A, f, srp_stream_ack_encode (&ack, f));
  write_one ("stream-window", LINK_A, f, srp_stream_window_encode (&window, f));
  window.stream_id = SRP_STREAM_ID_LINK;
  write_one ("stream-window-link", LINK_A, f, srp_stream_window_encode (&window, f));
  write_one ("stream-reset", LINK_A, f, srp_stream_reset_encode (&reset, f));
}

/* Link B's frames, sealed as B would (fuzz-session.h): a PEERS_REQUEST,
 * the same again (a replay), and one with its tag broken. */
static void
sealed_frames (void)
{
  g_autoptr (GByteArray) records = g_byte_array_new ();
  SrpSession *b = fuzz_session_b (FALSE);
  guint8 f[SRP_MAX_DATAGRAM], sealed[SRP_MAX_DATAGRAM];
  gsize n = srp_peers_request_encode (f), len;

  len = srp_session_seal (b, 0, f, n, sealed);
  add (records, LINK_B, sealed, len);
  add (records, LINK_B, sealed, len);
  sealed[len - 1] ^= 1;
  add (records, LINK_B, sealed, len);
  len = srp_session_seal (b, 0, f, srp_peers_encode (&(SrpPeers){ .n = 0 }, f), sealed);
  add (records, LINK_B, sealed, len);
  gen_corpus_write (dir, "sealed", records->data, records->len);
  srp_session_free (b);
}

void
gen_corpus_dispatch (const char *out_dir)
{
  dir = out_dir;
  mesh_frames ();
  traversal_frames ();
  lan_frames ();
  dht_frames ();
  pubsub_frames ();
  stream_frames ();
  sealed_frames ();
}
