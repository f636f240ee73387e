/* srp-core-peers.c: becoming and staying a member of the network.
 *
 * - Handshake (HELLO, HELLO_REPLY, HELLO_DONE): each side signs the other's
 *   challenge, so nobody can claim an ID without its private key. Only
 *   connected (authenticated) peers get service beyond the handshake.
 * - Heartbeats: a ping to each connected peer every heartbeat_us; a peer is
 *   dropped after heartbeat_misses heartbeats in a row go unanswered, and any
 *   datagram from it counts as a sign of life.
 * - Peer exchange: on connecting and every exchange_us, a connected peer is
 *   asked for a sample of the peers it knows.
 * - Maintenance: bootstraps are retried while nothing is connected, and
 *   known peers are connected to until target_connections are up.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-core-private.h"

#include <string.h>

#include "srp-control.h"
#include "srp-signature.h"

#define MAX_INCOMING 64             /* handshakes others started, awaiting DONE */
#define MAX_OUTGOING 8              /* handshakes we run at once (bootstraps aside) */
#define HANDSHAKE_ATTEMPTS 4        /* HELLOs sent before giving up */
#define HANDSHAKE_FIRST_RETRY_US (500 * G_TIME_SPAN_MILLISECOND)
#define INCOMING_LIFETIME_US (10 * G_TIME_SPAN_SECOND)
#define MAINTENANCE_US (1 * G_TIME_SPAN_SECOND)
#define RETRY_BASE_US (10 * G_TIME_SPAN_SECOND)
#define RETRY_MAX_US (10 * G_TIME_SPAN_MINUTE)
#define TOKENS_BURST 10.0           /* requests a peer may make at once */
#define TOKENS_PER_SECOND 0.5       /* and then on average */

static void sample_peers (SrpCore *core, const SrpPeerEntry *except, guint max, SrpPeers *out);
static void learn_peers (SrpCore *core, const SrpPeers *peers);
static void handshake_failed (SrpCore *core, const OutgoingHandshake *h);

void
srp_core_peers_init (SrpCore *core)
{
  core->peers = srp_peer_table_new (core->config.peer_capacity, core->config.prefix_limit);
  core->outgoing = g_ptr_array_new_with_free_func (g_free);
  core->incoming = g_ptr_array_new_with_free_func (g_free);
  core->bootstraps = g_array_new (FALSE, TRUE, sizeof (Bootstrap));
  core->local_addresses = g_array_new (FALSE, TRUE, sizeof (SrpAddress));
  core->next_exchange = -1;
  core->next_maintenance = -1;
}

void
srp_core_peers_clear (SrpCore *core)
{
  srp_peer_table_free (core->peers);
  g_ptr_array_unref (core->outgoing);
  g_ptr_array_unref (core->incoming);
  g_array_unref (core->bootstraps);
  g_array_unref (core->local_addresses);
}

/* Exponential back-off: base * 2^(n-1), capped. */
static gint64
backoff (guint n)
{
  gint64 delay = RETRY_BASE_US << MIN (n > 0 ? n - 1 : 0, 10);
  return MIN (delay, RETRY_MAX_US);
}

static void
schedule_maintenance (SrpCore *core, gint64 at)
{
  srp_core_earliest (&core->next_maintenance, at);
}

SrpPeerEntry *
srp_core_authenticated (SrpCore *core, const SrpAddress *address)
{
  SrpPeerEntry *peer = srp_peer_table_lookup_address (core->peers, address);
  return peer != NULL && peer->state == SRP_PEER_CONNECTED ? peer : NULL;
}

gboolean
srp_core_peer_take_token (SrpCore *core, SrpPeerEntry *peer)
{
  double elapsed = (double) (core->now - peer->tokens_at) / G_TIME_SPAN_SECOND;

  peer->tokens = MIN (TOKENS_BURST, peer->tokens + MAX (elapsed, 0) * TOKENS_PER_SECOND);
  peer->tokens_at = core->now;
  if (peer->tokens < 1.0)
    {
      srp_core_drop (core, SRP_DROP_RATE_LIMITED);
      return FALSE;
    }
  peer->tokens -= 1.0;
  return TRUE;
}

void
srp_core_peer_heard (SrpCore *core, SrpPeerEntry *peer)
{
  peer->last_seen = core->now;
  peer->failures = 0;
}

guint8
srp_core_peer_path (const SrpPeerEntry *peer)
{
  return srp_address_is_relay (&peer->address) ? SRP_CORE_PATH_RELAYED : SRP_CORE_PATH_DIRECT;
}

static void
fill_peer_event (SrpCoreEvent *event, const SrpPeerEntry *peer)
{
  event->peer.id = peer->id;
  event->peer.address = peer->address;
  event->peer.nat = peer->nat;
  event->peer.rtt_us = peer->rtt_us;
  event->peer.connected_at = peer->connected_at;
  event->peer.path = srp_core_peer_path (peer);
  event->peer.introduced = peer->introduced;
}

void
srp_core_emit_peer (SrpCore *core, SrpCoreEventType type, const SrpPeerEntry *peer)
{
  fill_peer_event (srp_core_queue_event (core, type), peer);
}


void
srp_core_list_peers (SrpCore *core, GArray *out)
{
  GPtrArray *entries = srp_peer_table_entries (core->peers);

  for (guint i = 0; i < entries->len; i++)
    {
      SrpPeerEntry *peer = g_ptr_array_index (entries, i);
      SrpCoreEvent event = { .type = SRP_CORE_EVENT_PEER_ADDED };

      if (peer->state != SRP_PEER_CONNECTED)
        continue;
      fill_peer_event (&event, peer);
      g_array_append_val (out, event);
    }
}

guint
srp_core_get_n_connected (SrpCore *core)
{
  return srp_peer_table_count_connected (core->peers);
}

guint
srp_core_get_n_known (SrpCore *core)
{
  return srp_peer_table_size (core->peers);
}

static void
send_frame (SrpCore *core, const SrpAddress *to, const guint8 *frame, gsize len)
{
  srp_core_queue_transmit (core, 0, to, frame, len);
}

static void
request_peers (SrpCore *core, const SrpPeerEntry *peer)
{
  guint8 frame[SRP_MAX_DATAGRAM];
  send_frame (core, &peer->address, frame, srp_peers_request_encode (frame));
}

/* ---- handshake ------------------------------------------------------------ */

static OutgoingHandshake *
find_outgoing (SrpCore *core, const SrpAddress *address, guint *index)
{
  for (guint i = 0; i < core->outgoing->len; i++)
    {
      OutgoingHandshake *h = g_ptr_array_index (core->outgoing, i);
      if (srp_address_equal (&h->address, address))
        {
          if (index != NULL)
            *index = i;
          return h;
        }
    }
  return NULL;
}

static IncomingHandshake *
find_incoming (SrpCore *core, const SrpAddress *address, guint *index)
{
  for (guint i = 0; i < core->incoming->len; i++)
    {
      IncomingHandshake *h = g_ptr_array_index (core->incoming, i);
      if (srp_address_equal (&h->address, address))
        {
          if (index != NULL)
            *index = i;
          return h;
        }
    }
  return NULL;
}

static void
send_hello (SrpCore *core, OutgoingHandshake *h)
{
  SrpHello hello = { .sender = core->config.peer_id };
  guint8 frame[SRP_MAX_DATAGRAM];

  memcpy (hello.challenge, h->challenge, SRP_CHALLENGE_LEN);
  send_frame (core, &h->address, frame, srp_hello_encode (&hello, frame));
  /* 0.5 s, 1 s, 2 s, 4 s between attempts. */
  h->deadline = core->now + (HANDSHAKE_FIRST_RETRY_US << h->attempts);
  h->attempts++;
}

OutgoingHandshake *
srp_core_find_outgoing_for (SrpCore *core, const SrpId *expected)
{
  for (guint i = 0; i < core->outgoing->len; i++)
    {
      OutgoingHandshake *h = g_ptr_array_index (core->outgoing, i);
      if (srp_id_equal (&h->expected, expected))
        return h;
    }
  return NULL;
}

/* A peer connected: handshakes to its other addresses (local, relayed,
 * punched) are moot. */
static void
drop_outgoing_for (SrpCore *core, const SrpId *id)
{
  for (guint i = 0; i < core->outgoing->len;)
    {
      OutgoingHandshake *h = g_ptr_array_index (core->outgoing, i);
      if (srp_id_equal (&h->expected, id))
        g_ptr_array_remove_index (core->outgoing, i);
      else
        i++;
    }
}

static void start_handshake (SrpCore *core, const SrpAddress *address, const SrpId *expected);

void
srp_core_start_handshake (SrpCore *core, const SrpAddress *address, const SrpId *expected)
{
  start_handshake (core, address, expected);
}

static void
start_handshake (SrpCore *core, const SrpAddress *address, const SrpId *expected)
{
  OutgoingHandshake *h;

  if (core->config.sign == NULL || find_outgoing (core, address, NULL) != NULL)
    return;
  h = g_new0 (OutgoingHandshake, 1);
  h->address = *address;
  if (expected != NULL)
    h->expected = *expected;
  srp_rng_fill (&core->rng, h->challenge, SRP_CHALLENGE_LEN);
  g_ptr_array_add (core->outgoing, h);
  send_hello (core, h);
}

static gboolean
sign (SrpCore *core, const guint8 *data, gsize len, guint8 signature[SRP_SIGNATURE_LEN])
{
  return core->config.sign != NULL &&
         core->config.sign (data, len, signature, core->config.sign_data);
}

/* The handshake with id at address has completed, with these challenges. */
static void
connected (SrpCore *core, const SrpId *id, const SrpAddress *address,
           const guint8 our_challenge[SRP_CHALLENGE_LEN],
           const guint8 their_challenge[SRP_CHALLENGE_LEN])
{
  SrpPeerEntry *peer = srp_peer_table_lookup (core->peers, id);
  gboolean moved = peer != NULL && !srp_address_equal (&peer->address, address);
  guint8 old_path = peer != NULL ? srp_core_peer_path (peer) : 0;

  /* A direct peer does not go back to a relay that a late handshake
   * completed through. */
  if (peer != NULL && peer->state == SRP_PEER_CONNECTED && srp_address_is_relay (address) &&
      !srp_address_is_relay (&peer->address))
    return;
  if (peer != NULL && !srp_peer_table_set_address (core->peers, peer, address))
    {
      srp_core_drop (core, SRP_DROP_TABLE_FULL);
      return;
    }
  if (peer == NULL)
    {
      peer = srp_peer_table_add (core->peers, core->now, id, address, SRP_ADMIT_HANDSHAKE);
      if (peer == NULL)
        {
          srp_core_drop (core, SRP_DROP_TABLE_FULL);
          return;
        }
    }
  peer->last_seen = core->now;
  peer->failures = 0;
  peer->knows_us = TRUE;
  /* A new handshake (the other side forgot us) makes new goodbye tokens. */
  memcpy (peer->our_challenge, our_challenge, SRP_CHALLENGE_LEN);
  memcpy (peer->their_challenge, their_challenge, SRP_CHALLENGE_LEN);
  drop_outgoing_for (core, id);
  if (peer->state == SRP_PEER_CONNECTED)
    {
      if (moved)
        {
          if (old_path != srp_core_peer_path (peer))
            srp_core_emit_peer (core, SRP_CORE_EVENT_PEER_CHANGED, peer);
          srp_core_connect_peer_up (core, peer);
        }
      return;
    }
  peer->state = SRP_PEER_CONNECTED;
  peer->connected_at = core->now;
  peer->introduced = srp_core_connect_is_introduced (core, id);
  /* A new connection may at once ask for peers and probes. */
  peer->tokens = TOKENS_BURST;
  peer->tokens_at = core->now;
  peer->next_heartbeat = core->now + core->config.heartbeat_us;
  srp_core_emit_peer (core, SRP_CORE_EVENT_PEER_ADDED, peer);
  srp_core_nat_peer_connected (core);
  request_peers (core, peer);
  srp_core_topics_peer_up (core, peer);
  srp_core_connect_send_info (core, &peer->address);
  srp_core_connect_peer_up (core, peer);
  if (core->next_exchange < 0)
    core->next_exchange = core->now + core->config.exchange_us;
  for (guint i = 0; i < core->bootstraps->len; i++)
    {
      Bootstrap *b = &g_array_index (core->bootstraps, Bootstrap, i);
      if (srp_address_equal (&b->address, address))
        b->failures = 0;
    }
  schedule_maintenance (core, core->now + MAINTENANCE_US);
}

static void
disconnect (SrpCore *core, SrpPeerEntry *peer)
{
  if (peer->heartbeat_request != 0)
    srp_core_ping_cancel (core, peer->heartbeat_request);
  peer->heartbeat_request = 0;
  srp_core_topics_peer_down (core, peer);
  srp_core_connect_peer_down (core, peer);
  peer->state = SRP_PEER_KNOWN;
  peer->failures = 1;
  peer->next_attempt = core->now + backoff (1);
  srp_core_emit_peer (core, SRP_CORE_EVENT_PEER_REMOVED, peer);
  schedule_maintenance (core, core->now + MAINTENANCE_US);
}

/* Says goodbye to every connected peer and forgets it, so that peers free
 * its place at once instead of after missed heartbeats. */
void
srp_core_leave (SrpCore *core, gint64 now_us)
{
  GPtrArray *entries = srp_peer_table_entries (core->peers);
  g_autoptr (GPtrArray) leaving = g_ptr_array_new ();
  SrpGoodbye goodbye = { .sender = core->config.peer_id };
  guint8 frame[SRP_MAX_DATAGRAM];

  core->now = now_us;
  /* ACKs still waiting for their batch go first: a publisher whose packets
   * we took would otherwise wait for them in vain. */
  srp_core_gossip_flush_acks (core);
  for (guint i = 0; i < entries->len; i++)
    {
      SrpPeerEntry *peer = g_ptr_array_index (entries, i);

      if (peer->state == SRP_PEER_CONNECTED)
        g_ptr_array_add (leaving, peer);
    }
  for (guint i = 0; i < leaving->len; i++)
    {
      SrpPeerEntry *peer = g_ptr_array_index (leaving, i);

      memcpy (goodbye.token, peer->their_challenge, SRP_CHALLENGE_LEN);
      send_frame (core, &peer->address, frame, srp_goodbye_encode (&goodbye, frame));
      disconnect (core, peer);
      srp_peer_table_remove (core->peers, peer);
    }
}

void
srp_core_handle_goodbye (SrpCore *core, const SrpAddress *from, const guint8 *data, gsize len)
{
  SrpGoodbye goodbye;
  SrpPeerEntry *peer;
  SrpDropReason reason = srp_goodbye_decode (data, len, &goodbye);

  if (reason != SRP_DROP_NONE)
    {
      srp_core_drop (core, reason);
      return;
    }
  peer = srp_peer_table_lookup (core->peers, &goodbye.sender);
  if (peer == NULL || peer->state != SRP_PEER_CONNECTED ||
      !srp_address_equal (&peer->address, from) ||
      memcmp (goodbye.token, peer->our_challenge, SRP_CHALLENGE_LEN) != 0)
    {
      srp_core_drop (core, SRP_DROP_UNEXPECTED);
      return;
    }
  /* Gone, not silent: no record of it is worth keeping or passing on. */
  disconnect (core, peer);
  srp_peer_table_remove (core->peers, peer);
}

void
srp_core_handle_hello (SrpCore *core, const SrpAddress *from, const guint8 *data, gsize len)
{
  SrpHello hello;
  SrpHelloReply reply = { .sender = core->config.peer_id };
  IncomingHandshake *h;
  guint8 transcript[SRP_TRANSCRIPT_LEN], frame[SRP_MAX_DATAGRAM];
  SrpDropReason reason = srp_hello_decode (data, len, &hello);

  if (reason == SRP_DROP_NONE && srp_id_equal (&hello.sender, &core->config.peer_id))
    reason = SRP_DROP_UNEXPECTED; /* our own HELLO, reflected */
  if (reason == SRP_DROP_NONE && !srp_peer_table_has_room (core->peers, &hello.sender, from, SRP_ADMIT_HANDSHAKE))
    {
      /* No room here, but the newcomer must not be stranded: point it at a
       * few peers that may have room. The answer is under 3 times the HELLO. */
      SrpPeers others;

      srp_core_drop (core, SRP_DROP_TABLE_FULL);
      sample_peers (core, NULL, SRP_BUSY_MAX, &others);
      send_frame (core, from, frame, srp_busy_encode (&others, frame));
      return;
    }
  if (reason != SRP_DROP_NONE)
    {
      srp_core_drop (core, reason);
      return;
    }

  h = find_incoming (core, from, NULL);
  if (h == NULL)
    {
      if (core->incoming->len >= MAX_INCOMING)
        g_ptr_array_remove_index (core->incoming, 0); /* the oldest */
      h = g_new0 (IncomingHandshake, 1);
      h->address = *from;
      g_ptr_array_add (core->incoming, h);
    }
  h->initiator = hello.sender;
  memcpy (h->their_challenge, hello.challenge, SRP_CHALLENGE_LEN);
  srp_rng_fill (&core->rng, h->challenge, SRP_CHALLENGE_LEN);
  h->expires = core->now + INCOMING_LIFETIME_US;

  memcpy (reply.echo, hello.challenge, SRP_CHALLENGE_LEN);
  memcpy (reply.challenge, h->challenge, SRP_CHALLENGE_LEN);
  srp_core_observed (from, &reply.observed);
  srp_handshake_transcript (SRP_TRANSCRIPT_REPLY, &hello.sender, &core->config.peer_id,
                            hello.challenge, h->challenge, transcript);
  if (!sign (core, transcript, sizeof transcript, reply.signature))
    {
      srp_core_drop (core, SRP_DROP_UNEXPECTED);
      return;
    }
  send_frame (core, from, frame, srp_hello_reply_encode (&reply, frame));
}

void
srp_core_handle_hello_reply (SrpCore *core, const SrpAddress *from, const guint8 *data,
                             gsize len)
{
  SrpHelloReply reply;
  SrpHelloDone done = { .sender = core->config.peer_id };
  OutgoingHandshake *h;
  guint index;
  guint8 transcript[SRP_TRANSCRIPT_LEN], frame[SRP_MAX_DATAGRAM];
  guint8 our_challenge[SRP_CHALLENGE_LEN];
  SrpDropReason reason = srp_hello_reply_decode (data, len, &reply);

  if (reason != SRP_DROP_NONE)
    {
      srp_core_drop (core, reason);
      return;
    }
  h = find_outgoing (core, from, &index);
  if (h == NULL || memcmp (reply.echo, h->challenge, SRP_CHALLENGE_LEN) != 0 ||
      (!srp_id_is_zero (&h->expected) && !srp_id_equal (&h->expected, &reply.sender)) ||
      srp_id_equal (&reply.sender, &core->config.peer_id))
    {
      srp_core_drop (core, SRP_DROP_UNEXPECTED);
      return;
    }
  srp_handshake_transcript (SRP_TRANSCRIPT_REPLY, &core->config.peer_id, &reply.sender,
                            h->challenge, reply.challenge, transcript);
  if (!srp_signature_verify (&reply.sender, transcript, sizeof transcript, reply.signature))
    {
      srp_core_drop (core, SRP_DROP_BAD_SIGNATURE);
      return;
    }

  memcpy (done.echo, reply.challenge, SRP_CHALLENGE_LEN);
  memcpy (our_challenge, h->challenge, SRP_CHALLENGE_LEN);
  srp_handshake_transcript (SRP_TRANSCRIPT_DONE, &core->config.peer_id, &reply.sender,
                            h->challenge, reply.challenge, transcript);
  g_ptr_array_remove_index (core->outgoing, index);
  if (!sign (core, transcript, sizeof transcript, done.signature))
    return;
  send_frame (core, from, frame, srp_hello_done_encode (&done, frame));
  connected (core, &reply.sender, from, our_challenge, reply.challenge);
  srp_core_nat_reflexive_seen (core, &reply.observed);
}

void
srp_core_handle_hello_done (SrpCore *core, const SrpAddress *from, const guint8 *data,
                            gsize len)
{
  SrpHelloDone done;
  IncomingHandshake *h;
  guint index;
  guint8 transcript[SRP_TRANSCRIPT_LEN];
  guint8 our_challenge[SRP_CHALLENGE_LEN], their_challenge[SRP_CHALLENGE_LEN];
  SrpDropReason reason = srp_hello_done_decode (data, len, &done);

  if (reason != SRP_DROP_NONE)
    {
      srp_core_drop (core, reason);
      return;
    }
  h = find_incoming (core, from, &index);
  if (h == NULL || memcmp (done.echo, h->challenge, SRP_CHALLENGE_LEN) != 0 ||
      !srp_id_equal (&done.sender, &h->initiator))
    {
      srp_core_drop (core, SRP_DROP_UNEXPECTED);
      return;
    }
  srp_handshake_transcript (SRP_TRANSCRIPT_DONE, &h->initiator, &core->config.peer_id,
                            h->their_challenge, h->challenge, transcript);
  if (!srp_signature_verify (&done.sender, transcript, sizeof transcript, done.signature))
    {
      srp_core_drop (core, SRP_DROP_BAD_SIGNATURE);
      return;
    }
  memcpy (our_challenge, h->challenge, SRP_CHALLENGE_LEN);
  memcpy (their_challenge, h->their_challenge, SRP_CHALLENGE_LEN);
  g_ptr_array_remove_index (core->incoming, index);
  connected (core, &done.sender, from, our_challenge, their_challenge);
}

void
srp_core_handle_busy (SrpCore *core, const SrpAddress *from, const guint8 *data, gsize len)
{
  SrpPeers others;
  OutgoingHandshake *h;
  guint index;
  SrpDropReason reason = srp_busy_decode (data, len, &others);

  /* Only an answer to our own HELLO: nobody can push records at us this way. */
  if (reason == SRP_DROP_NONE && (h = find_outgoing (core, from, &index)) == NULL)
    reason = SRP_DROP_UNEXPECTED;
  if (reason != SRP_DROP_NONE)
    {
      srp_core_drop (core, reason);
      return;
    }
  handshake_failed (core, h);
  g_ptr_array_remove_index (core->outgoing, index);
  learn_peers (core, &others);
}

/* ---- heartbeats ------------------------------------------------------------ */

void
srp_core_heartbeat_result (SrpCore *core, guint64 request, gboolean ok, gint64 rtt_us,
                           const SrpAddress *reflexive, gboolean knows_us)
{
  GPtrArray *entries = srp_peer_table_entries (core->peers);

  for (guint i = 0; i < entries->len; i++)
    {
      SrpPeerEntry *peer = g_ptr_array_index (entries, i);

      if (peer->heartbeat_request != request)
        continue;
      peer->heartbeat_request = 0;
      peer->next_heartbeat = core->now + core->config.heartbeat_us;
      if (ok)
        {
          gint64 old = peer->rtt_us;

          peer->failures = 0;
          /* Smoothed as in RFC 6298, so one slow answer does not jump it. */
          peer->rtt_us = old < 0 ? rtt_us : (7 * old + rtt_us) / 8;
          if (old < 0 || ABS (peer->rtt_us - old) * 5 > old)
            srp_core_emit_peer (core, SRP_CORE_EVENT_PEER_CHANGED, peer);
          srp_core_nat_reflexive_seen (core, reflexive);
          /* It forgot us (restarted, or our HELLO_DONE was lost): shake hands again. */
          peer->knows_us = knows_us;
          if (!knows_us)
            start_handshake (core, &peer->address, &peer->id);
        }
      else if (++peer->failures >= core->config.heartbeat_misses)
        disconnect (core, peer);
      return;
    }
}

static void
run_heartbeats (SrpCore *core)
{
  GPtrArray *entries = srp_peer_table_entries (core->peers);

  for (guint i = 0; i < entries->len; i++)
    {
      SrpPeerEntry *peer = g_ptr_array_index (entries, i);

      if (peer->state != SRP_PEER_CONNECTED || peer->heartbeat_request != 0 ||
          peer->next_heartbeat > core->now)
        continue;
      /* Recent traffic is as good as an answered heartbeat. */
      if (peer->last_seen + core->config.heartbeat_us > core->now && peer->failures == 0 &&
          peer->knows_us && peer->rtt_us >= 0)
        {
          peer->next_heartbeat = peer->last_seen + core->config.heartbeat_us;
          continue;
        }
      peer->heartbeat_request = srp_core_ping_internal (core, PING_FOR_HEARTBEAT, 0,
                                                        &peer->address,
                                                        core->config.ping_attempts);
    }
}

/* ---- peer exchange --------------------------------------------------------- */

/* Fills out with up to max random peers other than except, connected peers
 * first: they are the ones known to work. */
static void
sample_peers (SrpCore *core, const SrpPeerEntry *except, guint max, SrpPeers *out)
{
  GPtrArray *entries = srp_peer_table_entries (core->peers);
  g_autoptr (GPtrArray) pool = g_ptr_array_new ();

  out->n = 0;
  for (int pass = 0; pass < 2; pass++)
    {
      guint start = pool->len;

      for (guint i = 0; i < entries->len; i++)
        {
          SrpPeerEntry *e = g_ptr_array_index (entries, i);
          /* A relayed peer has no address to pass on. */
          if (e != except && (e->state == SRP_PEER_CONNECTED) == (pass == 0) &&
              !srp_address_is_relay (&e->address))
            g_ptr_array_add (pool, e);
        }
      /* Fisher-Yates over this pass's part only. */
      for (guint i = pool->len; i > start + 1; i--)
        {
          guint j = start + (guint) srp_rng_below (&core->rng, i - start);
          gpointer tmp = pool->pdata[i - 1];
          pool->pdata[i - 1] = pool->pdata[j];
          pool->pdata[j] = tmp;
        }
    }
  for (guint i = 0; i < pool->len && out->n < max; i++)
    {
      SrpPeerEntry *e = g_ptr_array_index (pool, i);
      SrpPeerRecord *r = &out->peers[out->n++];
      gint64 age = (core->now - e->last_seen) / G_TIME_SPAN_SECOND;

      r->id = e->id;
      r->nat = e->nat;
      r->age_s = (guint16) CLAMP (age, 0, G_MAXUINT16);
      r->address = e->address;
    }
}


void
srp_core_handle_peers_request (SrpCore *core, const SrpAddress *from, const guint8 *data,
                               gsize len)
{
  SrpPeerEntry *requester = srp_core_authenticated (core, from);
  SrpPeers peers = { 0 };
  guint8 frame[SRP_MAX_DATAGRAM];
  SrpDropReason reason = srp_peers_request_decode (data, len);

  if (reason == SRP_DROP_NONE && requester == NULL)
    reason = SRP_DROP_UNAUTHENTICATED;
  if (reason != SRP_DROP_NONE)
    {
      srp_core_drop (core, reason);
      return;
    }
  if (!srp_core_peer_take_token (core, requester))
    return;

  sample_peers (core, requester, SRP_PEERS_MAX, &peers);
  send_frame (core, from, frame, srp_peers_encode (&peers, frame));
}

void
srp_core_handle_peers (SrpCore *core, const SrpAddress *from, const guint8 *data, gsize len)
{
  SrpPeers peers;
  SrpPeerEntry *sender = srp_core_authenticated (core, from);
  SrpDropReason reason = srp_peers_decode (data, len, &peers);

  if (reason == SRP_DROP_NONE && sender == NULL)
    reason = SRP_DROP_UNAUTHENTICATED;
  if (reason != SRP_DROP_NONE)
    {
      srp_core_drop (core, reason);
      return;
    }
  if (srp_core_peer_take_token (core, sender))
    learn_peers (core, &peers);
}

static void
learn_peers (SrpCore *core, const SrpPeers *peers)
{
  for (guint i = 0; i < peers->n; i++)
    {
      const SrpPeerRecord *r = &peers->peers[i];
      SrpPeerEntry *e;

      if (srp_id_equal (&r->id, &core->config.peer_id) || srp_id_is_zero (&r->id) ||
          r->address.port == 0 || srp_peer_table_lookup (core->peers, &r->id) != NULL)
        continue;
      e = srp_peer_table_add (core->peers, core->now, &r->id, &r->address, SRP_ADMIT_RECORD);
      if (e == NULL)
        {
          srp_core_drop (core, SRP_DROP_TABLE_FULL);
          continue;
        }
      e->nat = r->nat;
      e->last_seen = core->now - (gint64) r->age_s * G_TIME_SPAN_SECOND;
    }
  schedule_maintenance (core, core->now);
}

/* ---- maintenance ----------------------------------------------------------- */

void
srp_core_add_bootstrap (SrpCore *core, gint64 now_us, const SrpAddress *address)
{
  Bootstrap b = { .address = *address };

  g_return_if_fail (srp_address_is_valid (address));
  core->now = now_us;
  for (guint i = 0; i < core->bootstraps->len; i++)
    if (srp_address_equal (&g_array_index (core->bootstraps, Bootstrap, i).address, address))
      return;
  b.next_attempt = now_us;
  g_array_append_val (core->bootstraps, b);
  schedule_maintenance (core, now_us);
}

static void
handshake_failed (SrpCore *core, const OutgoingHandshake *h)
{
  SrpPeerEntry *peer = srp_id_is_zero (&h->expected)
                           ? NULL
                           : srp_peer_table_lookup (core->peers, &h->expected);

  for (guint i = 0; i < core->bootstraps->len; i++)
    {
      Bootstrap *b = &g_array_index (core->bootstraps, Bootstrap, i);
      if (srp_address_equal (&b->address, &h->address))
        {
          b->failures++;
          b->next_attempt = core->now + MIN (G_TIME_SPAN_SECOND << MIN (b->failures, 6),
                                             G_TIME_SPAN_MINUTE);
        }
    }
  if (peer != NULL && peer->state == SRP_PEER_CONNECTED && !peer->knows_us)
    {
      /* A half-open connection: it answers pings but has no place for us
       * (its table filled between our HELLO and our HELLO_DONE, or it
       * restarted full). Counting it as connected would keep us from
       * looking for peers that do have room. */
      disconnect (core, peer);
      return;
    }
  if (peer != NULL && peer->state != SRP_PEER_CONNECTED)
    {
      peer->failures++;
      peer->next_attempt = core->now + backoff (peer->failures);
    }
}

static void
run_handshake_timers (SrpCore *core)
{
  for (guint i = 0; i < core->outgoing->len;)
    {
      OutgoingHandshake *h = g_ptr_array_index (core->outgoing, i);

      if (h->deadline > core->now)
        i++;
      else if (h->attempts < HANDSHAKE_ATTEMPTS)
        {
          send_hello (core, h);
          i++;
        }
      else
        {
          handshake_failed (core, h);
          g_ptr_array_remove_index (core->outgoing, i);
        }
    }
  for (guint i = 0; i < core->incoming->len;)
    {
      IncomingHandshake *h = g_ptr_array_index (core->incoming, i);
      if (h->expires <= core->now)
        g_ptr_array_remove_index (core->incoming, i);
      else
        i++;
    }
}

static void
run_maintenance (SrpCore *core)
{
  guint n_connected = srp_peer_table_count_connected (core->peers);
  GPtrArray *entries = srp_peer_table_entries (core->peers);
  g_autoptr (GPtrArray) candidates = g_ptr_array_new ();
  guint wanted;

  core->next_maintenance = -1;
  if (n_connected == 0)
    for (guint i = 0; i < core->bootstraps->len; i++)
      {
        Bootstrap *b = &g_array_index (core->bootstraps, Bootstrap, i);
        if (b->next_attempt <= core->now)
          {
            start_handshake (core, &b->address, NULL);
            b->next_attempt = core->now + G_TIME_SPAN_MINUTE; /* until it fails or works */
          }
        schedule_maintenance (core, b->next_attempt);
      }

  if (n_connected + core->outgoing->len >= core->config.target_connections ||
      core->outgoing->len >= MAX_OUTGOING)
    return;
  wanted = MIN (core->config.target_connections - n_connected - core->outgoing->len,
                MAX_OUTGOING - core->outgoing->len);
  for (guint i = 0; i < entries->len; i++)
    {
      SrpPeerEntry *e = g_ptr_array_index (entries, i);

      if (e->state != SRP_PEER_KNOWN || find_outgoing (core, &e->address, NULL) != NULL)
        continue;
      if (e->next_attempt <= core->now)
        g_ptr_array_add (candidates, e);
      else
        schedule_maintenance (core, e->next_attempt);
    }
  while (wanted > 0 && candidates->len > 0)
    {
      guint pick = (guint) srp_rng_below (&core->rng, candidates->len);
      SrpPeerEntry *e = g_ptr_array_steal_index_fast (candidates, pick);

      start_handshake (core, &e->address, &e->id);
      wanted--;
    }
  if (candidates->len > 0)
    schedule_maintenance (core, core->now + MAINTENANCE_US);
}

static void
run_exchange (SrpCore *core)
{
  GPtrArray *entries = srp_peer_table_entries (core->peers);
  g_autoptr (GPtrArray) connected_peers = g_ptr_array_new ();

  if (core->next_exchange < 0 || core->next_exchange > core->now)
    return;
  for (guint i = 0; i < entries->len; i++)
    {
      SrpPeerEntry *e = g_ptr_array_index (entries, i);
      if (e->state == SRP_PEER_CONNECTED)
        g_ptr_array_add (connected_peers, e);
    }
  if (connected_peers->len == 0)
    {
      core->next_exchange = -1; /* resumes when a peer connects */
      return;
    }
  request_peers (core, g_ptr_array_index (connected_peers,
                                          srp_rng_below (&core->rng, connected_peers->len)));
  core->next_exchange = core->now + core->config.exchange_us;
}

void
srp_core_peers_timeout (SrpCore *core)
{
  run_handshake_timers (core);
  run_heartbeats (core);
  run_exchange (core);
  if (core->next_maintenance >= 0 && core->next_maintenance <= core->now)
    run_maintenance (core);
}

gint64
srp_core_peers_deadline (SrpCore *core)
{
  GPtrArray *entries = srp_peer_table_entries (core->peers);
  gint64 deadline = core->next_maintenance;

  srp_core_earliest (&deadline, core->next_exchange);
  for (guint i = 0; i < core->outgoing->len; i++)
    srp_core_earliest (&deadline, ((OutgoingHandshake *) g_ptr_array_index (core->outgoing, i))->deadline);
  for (guint i = 0; i < core->incoming->len; i++)
    srp_core_earliest (&deadline, ((IncomingHandshake *) g_ptr_array_index (core->incoming, i))->expires);
  for (guint i = 0; i < entries->len; i++)
    {
      SrpPeerEntry *e = g_ptr_array_index (entries, i);
      if (e->state == SRP_PEER_CONNECTED && e->heartbeat_request == 0)
        srp_core_earliest (&deadline, e->next_heartbeat);
    }
  return deadline;
}
