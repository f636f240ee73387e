/* srp-mesh-handshake.c: making links (HELLO, HELLO_REPLY, HELLO_DONE) and
 * ending them (GOODBYE, silence, leaving).
 *
 * Each side signs a transcript of both IDs, both challenges, both
 * ephemeral X25519 keys and the address it sees the other at, so nobody
 * can claim an ID without its private key, and the key exchange gives the
 * link a session (srp-session.h) that seals all its later frames. The
 * address the other side signed must be one we are at
 * (srp_context_reaches_us): a forwarder in between has both sides sign
 * its addresses, and gets no link (address-mismatch); the pair looks
 * for another path (srp_context_reprobe). A full table answers HELLO with
 * BUSY, a few peers that may have room, so that a newcomer is never
 * stranded.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-mesh-private.h"

#include <string.h>

#include "srp-signature.h"

#define HANDSHAKE_ATTEMPTS 4 /* HELLOs sent before giving up */
#define HANDSHAKE_FIRST_RETRY_US (500 * G_TIME_SPAN_MILLISECOND)
/* The least wait before the HELLO that follows a BUSY for a peer we expect. */
#define BUSY_RETRY_MIN_US (20 * G_TIME_SPAN_MILLISECOND)
#define INCOMING_LIFETIME_US (10 * G_TIME_SPAN_SECOND)
/* Frames that overtake a HELLO_DONE (the greetings sent right after it):
 * enough for them, bounded against a peer that sends frames instead. */
#define EARLY_MAX_FRAMES 8
#define EARLY_MAX_BYTES (8 * 1024)

static void
outgoing_free (gpointer data)
{
  OutgoingHandshake *h = data;

  srp_timer_stop (h->mesh->ctx->timers, &h->timer);
  srp_credit_unref (h->credit);
  srp_ephemeral_clear (&h->ephemeral);
  g_free (h);
}

static void
incoming_free (gpointer data)
{
  IncomingHandshake *h = data;
  SrpContext *ctx = h->mesh->ctx;

  srp_timer_stop (ctx->timers, &h->timer);
  /* Held frames of a handshake that never completed were never a link's. */
  for (guint i = 0; h->early != NULL && i < h->early->len; i++)
    srp_context_drop (ctx, SRP_DROP_UNAUTHENTICATED);
  g_clear_pointer (&h->early, g_ptr_array_unref);
  srp_ephemeral_clear (&h->ephemeral);
  g_free (h);
}

static const SrpTokenRate handshake_rate = { .burst = SRP_MESH_HANDSHAKE_BURST,
                                              .per_second = SRP_MESH_HANDSHAKES_PER_SECOND };

void
srp_mesh_handshake_init (SrpMesh *mesh)
{
  srp_token_bucket_init (&mesh->handshake_budget, &handshake_rate, mesh->ctx->now);
  mesh->outgoing = g_ptr_array_new_with_free_func (outgoing_free);
  mesh->incoming = g_ptr_array_new_with_free_func (incoming_free);
}

void
srp_mesh_handshake_clear (SrpMesh *mesh)
{
  g_ptr_array_set_size (mesh->outgoing, 0);
  g_ptr_array_set_size (mesh->incoming, 0);
}

guint
srp_mesh_outgoing_count (SrpMesh *mesh)
{
  return mesh->outgoing->len;
}

static OutgoingHandshake *
find_outgoing (SrpMesh *mesh, const SrpAddress *address, guint *index)
{
  for (guint i = 0; i < mesh->outgoing->len; i++)
    {
      OutgoingHandshake *h = g_ptr_array_index (mesh->outgoing, i);
      if (srp_address_equal (&h->address, address))
        {
          if (index != NULL)
            *index = i;
          return h;
        }
    }
  return NULL;
}

gboolean
srp_mesh_has_outgoing (SrpMesh *mesh, const SrpAddress *address)
{
  return find_outgoing (mesh, address, NULL) != NULL;
}

static IncomingHandshake *
find_incoming (SrpMesh *mesh, const SrpAddress *address, guint *index)
{
  for (guint i = 0; i < mesh->incoming->len; i++)
    {
      IncomingHandshake *h = g_ptr_array_index (mesh->incoming, i);
      if (srp_address_equal (&h->address, address))
        {
          if (index != NULL)
            *index = i;
          return h;
        }
    }
  return NULL;
}

gboolean
srp_mesh_is_handshaking (SrpMesh *mesh, const SrpId *id)
{
  for (guint i = 0; i < mesh->outgoing->len; i++)
    if (srp_id_equal (&((OutgoingHandshake *) g_ptr_array_index (mesh->outgoing, i))->expected, id))
      return TRUE;
  return FALSE;
}

/* FALSE when whoever named the address has no credit left for it. */
static gboolean
send_hello (SrpMesh *mesh, OutgoingHandshake *h)
{
  SrpContext *ctx = mesh->ctx;
  SrpHello hello = { .sender = ctx->config->peer_id, .flags = h->flags };
  guint8 frame[SRP_MAX_DATAGRAM];
  gsize len;

  memcpy (hello.challenge, h->challenge, SRP_CHALLENGE_LEN);
  memcpy (hello.ephemeral, h->ephemeral.public, SRP_HELLO_EPHEMERAL_LEN);
  memcpy (hello.cookie, h->cookie, SRP_COOKIE_LEN);
  len = srp_hello_encode (&hello, frame);
  if (!srp_credit_spend (h->credit, len))
    {
      srp_context_drop (ctx, SRP_DROP_RATE_LIMITED);
      return FALSE;
    }
  srp_context_send (ctx, &h->address, frame, len);
  h->sent_at = ctx->now;
  /* 0.5 s, 1 s, 2 s, 4 s between attempts. */
  srp_timer_set (ctx->timers, &h->timer, ctx->now + (HANDSHAKE_FIRST_RETRY_US << h->attempts));
  h->attempts++;
  return TRUE;
}

/* A handshake we started went unanswered, or was refused. */
static void
handshake_failed (SrpMesh *mesh, const OutgoingHandshake *h)
{
  SrpContext *ctx = mesh->ctx;
  SrpLink *link = srp_id_is_zero (&h->expected) ? NULL
                                                 : srp_link_table_lookup (ctx->links, &h->expected);
  SrpKnownPeer *record = srp_id_is_zero (&h->expected)
                              ? NULL
                              : srp_peer_table_lookup (ctx->peers, &h->expected);

  srp_mesh_bootstrap_failed (mesh, &h->address);
  if (link != NULL && !link->knows_us)
    {
      /* A half-open connection: it answers pings but has no place for us
       * (its table filled between our HELLO and our HELLO_DONE, or it
       * restarted full). Counting it as connected would keep us from
       * looking for peers that do have room. */
      srp_mesh_disconnect (mesh, link);
      return;
    }
  if (record != NULL)
    {
      record->failures++;
      record->next_attempt = ctx->now + srp_mesh_backoff (record->failures);
    }
}

/* Whether h repairs a link whose peer does not know us. */
static gboolean
is_half_open (SrpMesh *mesh, const OutgoingHandshake *h)
{
  const SrpLink *link = srp_id_is_zero (&h->expected)
                            ? NULL
                            : srp_link_table_lookup (mesh->ctx->links, &h->expected);

  return link != NULL && !link->knows_us;
}

static void
on_outgoing_timer (SrpTimer *timer, gpointer owner)
{
  SrpMesh *mesh = owner;
  OutgoingHandshake *h = G_STRUCT_MEMBER_P (timer, -G_STRUCT_OFFSET (OutgoingHandshake, timer));

  if (h->attempts < HANDSHAKE_ATTEMPTS && send_hello (mesh, h))
    return;
  /* The repair of a half-open link (its pongs say it does not know us)
   * went unanswered, though the peer answers pings: on a lossy path the
   * HELLOs or their replies were lost (at 10 % loss, all four about once in
   * 10,000 repairs). One more round before the link is given up, so that
   * loss alone does not end links. */
  if (!h->second_round && is_half_open (mesh, h))
    {
      h->second_round = TRUE;
      h->attempts = 0;
      if (send_hello (mesh, h))
        return;
    }
  handshake_failed (mesh, h);
  g_ptr_array_remove (mesh->outgoing, h);
}

static void
on_incoming_timer (SrpTimer *timer, gpointer owner)
{
  SrpMesh *mesh = owner;

  g_ptr_array_remove (mesh->incoming,
                      G_STRUCT_MEMBER_P (timer, -G_STRUCT_OFFSET (IncomingHandshake, timer)));
}

gboolean
srp_mesh_start_paid_handshake (SrpMesh *mesh, const SrpAddress *address, const SrpId *expected,
                               guint8 flags, SrpCredit *credit)
{
  SrpContext *ctx = mesh->ctx;
  OutgoingHandshake *h;
  SrpKnownPeer *record;

  if (ctx->config->sign == NULL || find_outgoing (mesh, address, NULL) != NULL)
    return FALSE;
  if (credit == NULL && expected != NULL &&
      (record = srp_peer_table_lookup (ctx->peers, expected)) != NULL &&
      srp_address_equal (&record->address, address))
    credit = record->named_by;
  if (srp_credit_left (credit) < SRP_HELLO_LEN)
    {
      srp_context_drop (ctx, SRP_DROP_RATE_LIMITED);
      return FALSE;
    }
  /* One budget, whatever suggested the handshake: nobody can make us send
   * HELLOs faster by answering ours with more names. */
  if (!srp_token_bucket_take (&mesh->handshake_budget, &handshake_rate, ctx->now, 1.0))
    {
      srp_context_drop (ctx, SRP_DROP_RATE_LIMITED);
      srp_mesh_schedule_maintenance (mesh, ctx->now + G_TIME_SPAN_SECOND /
                                                          (gint64) SRP_MESH_HANDSHAKES_PER_SECOND);
      return FALSE;
    }
  h = g_new0 (OutgoingHandshake, 1);
  h->credit = srp_credit_ref (credit);
  h->flags = flags;
  h->mesh = mesh;
  h->address = *address;
  if (expected != NULL)
    h->expected = *expected;
  srp_rng_fill (&ctx->rng, h->challenge, SRP_CHALLENGE_LEN);
  srp_rng_fill (&ctx->rng, h->ephemeral.secret, sizeof h->ephemeral.secret);
  srp_ephemeral_init (&h->ephemeral);
  srp_timer_init (&h->timer, SRP_TIMER_HANDSHAKE_RESEND, on_outgoing_timer, mesh);
  g_ptr_array_add (mesh->outgoing, h);
  if (send_hello (mesh, h))
    return TRUE;
  g_ptr_array_remove (mesh->outgoing, h);
  return FALSE;
}

void
srp_mesh_start_handshake (SrpMesh *mesh, const SrpAddress *address, const SrpId *expected)
{
  srp_mesh_start_paid_handshake (mesh, address, expected, 0, NULL);
}

/* A peer connected: handshakes to its other addresses (local, relayed,
 * punched) are moot. */
static void
drop_outgoing_for (SrpMesh *mesh, const SrpId *id)
{
  for (guint i = 0; i < mesh->outgoing->len;)
    {
      OutgoingHandshake *h = g_ptr_array_index (mesh->outgoing, i);
      if (srp_id_equal (&h->expected, id))
        g_ptr_array_remove_index (mesh->outgoing, i);
      else
        i++;
    }
}

static gboolean
sign (SrpContext *ctx, const guint8 *data, gsize len, guint8 signature[SRP_SIGNATURE_LEN])
{
  return ctx->config->sign != NULL &&
         ctx->config->sign (data, len, signature, ctx->config->sign_data);
}

/* Whether a new link the other side asked for must stay out of the places
 * kept for introductions. */
static gboolean
reserve_is_reached (SrpContext *ctx)
{
  guint capacity = ctx->config->peer_capacity;

  return srp_link_table_size (ctx->links) + SRP_MESH_INTRODUCTION_RESERVE (capacity) >= capacity;
}

/* How a handshake with id asks for its place: a link asked for, or one a
 * link introduced, is no stranger's, and the per-prefix limits are not
 * for it (peers of one carrier-grade NAT pool share a /24). */
static SrpAdmission
admission_of (SrpContext *ctx, const SrpId *id)
{
  return ctx->router.expects != NULL && ctx->router.expects (ctx->router.self, id)
             ? SRP_ADMIT_INTRODUCED
             : SRP_ADMIT_HANDSHAKE;
}

/* The handshake with id at address completed, with these challenges: a new
 * link, or a link that moved (or shook hands again: it forgot us). rtt_us is
 * the handshake's round trip, or -1 when it cannot tell (HELLOs were
 * resent: which one was answered is unknown, as in Karn's algorithm).
 * answered: the other side sent the HELLO. Takes session; frees it when the
 * link is refused. */
static void
connected (SrpMesh *mesh, const SrpId *id, const SrpAddress *address,
           const guint8 our_challenge[SRP_CHALLENGE_LEN],
           const guint8 their_challenge[SRP_CHALLENGE_LEN], gint64 rtt_us, gboolean may_reserve,
           gboolean answered, SrpSession *session)
{
  SrpContext *ctx = mesh->ctx;
  SrpAdmission admission = admission_of (ctx, id);
  SrpLink *link = srp_link_table_lookup (ctx->links, id);
  SrpLink *other = srp_link_table_lookup_address (ctx->links, address);
  SrpKnownPeer *record = srp_peer_table_lookup (ctx->peers, id);
  SrpKnownPeer *stale = srp_peer_table_lookup_address (ctx->peers, address);
  guint8 nat = 0;

  /* A direct link does not go back to a relay that a late handshake
   * completed through. */
  if (link != NULL && srp_address_is_relay (address) && !srp_address_is_relay (&link->address))
    {
      srp_session_free (session);
      return;
    }
  /* One peer per address: another's link there stays. */
  if (other != NULL && other != link)
    {
      srp_context_drop (ctx, SRP_DROP_TABLE_FULL);
      srp_session_free (session);
      return;
    }
  if (link != NULL)
    {
      gboolean moved = other == NULL;
      /* It had no session with us: its pong said so (the HELLO_DONE that
       * made this link was lost, or it restarted), or it sent a HELLO to
       * the address it knew us at. What we told it when the link came up
       * went under keys it never had (simulator, 100 public peers at 10 %
       * loss: a peer whose first HELLO_DONE to the bootstrap node was lost
       * stayed on that one link, unknown as a subscriber, and got every
       * message through anti-entropy, 15-18 s late). */
      gboolean renewed = !moved && (!link->knows_us || answered);

      if (moved && !srp_peer_table_can_move (ctx->peers, &link->address, address, admission))
        {
          srp_context_drop (ctx, SRP_DROP_TABLE_FULL);
          srp_session_free (session);
          return;
        }
      /* Whoever the address answered as before is stale now. */
      if (stale != NULL)
        srp_peer_table_remove (ctx->peers, stale);
      link->last_seen = ctx->now;
      link->failures = 0;
      link->knows_us = TRUE;
      /* A new handshake (the other side forgot us) makes new goodbye tokens. */
      memcpy (link->our_challenge, our_challenge, SRP_CHALLENGE_LEN);
      memcpy (link->their_challenge, their_challenge, SRP_CHALLENGE_LEN);
      /* ... and new keys: the other side has them already. The old ones
       * still open what was sealed with them (a handshake the other side
       * started at the same time may have finished last over there). */
      srp_session_free (link->session_prev);
      link->session_prev = link->session;
      link->session = session;
      drop_outgoing_for (mesh, id);
      /* Over a relay the round trip is the relay's too: the direct one is
       * what the estimator is for. */
      if (rtt_us >= 0 && !srp_address_is_relay (address))
        srp_rtt_sample (&link->rtt, rtt_us);
      if (moved)
        srp_context_move_link (ctx, link, address);
      else if (renewed)
        srp_context_renew_link (ctx, link);
      return;
    }

  if (record != NULL)
    {
      /* A peer we knew of: its record becomes the link, at the address it
       * proved itself at (the total stays, the prefix gains a link). */
      if (!srp_peer_table_link_fits (ctx->peers, address, admission))
        {
          srp_context_drop (ctx, SRP_DROP_TABLE_FULL);
          srp_session_free (session);
          return;
        }
      if (stale != NULL && stale != record)
        srp_peer_table_remove (ctx->peers, stale);
      nat = record->nat;
      srp_peer_table_remove (ctx->peers, record);
    }
  else
    {
      if (stale != NULL)
        srp_peer_table_remove (ctx->peers, stale);
      if ((!may_reserve && admission != SRP_ADMIT_INTRODUCED && reserve_is_reached (ctx)) ||
          !srp_peer_table_make_room (ctx->peers, address, admission))
        {
          srp_context_drop (ctx, SRP_DROP_TABLE_FULL);
          srp_session_free (session);
          return;
        }
    }
  drop_outgoing_for (mesh, id);
  srp_context_open_sealed_link (ctx, id, address, nat, our_challenge, their_challenge, rtt_us,
                                session);
}

void
srp_mesh_disconnect (SrpMesh *mesh, SrpLink *link)
{
  SrpContext *ctx = mesh->ctx;
  SrpId id = link->id;
  SrpAddress address = link->address;
  guint8 nat = link->nat;
  gint64 last_seen = link->last_seen;
  SrpKnownPeer *record;

  srp_context_close_link (ctx, link);
  /* It stays known, to be tried again after a while: its place is free, so
   * this always fits. */
  record = srp_peer_table_add (ctx->peers, ctx->now, &id, &address, SRP_ADMIT_HANDSHAKE);
  if (record != NULL)
    {
      record->nat = nat;
      record->last_seen = last_seen;
      record->failures = 1;
      record->next_attempt = ctx->now + srp_mesh_backoff (1);
    }
  srp_mesh_schedule_maintenance (mesh, ctx->now + SRP_MESH_MAINTENANCE_US);
}

void
srp_mesh_goodbye (SrpMesh *mesh, SrpLink *link)
{
  SrpContext *ctx = mesh->ctx;
  SrpGoodbye goodbye = { .sender = ctx->config->peer_id };
  guint8 frame[SRP_MAX_DATAGRAM];
  SrpId id = link->id;
  SrpAddress address = link->address;
  guint8 nat = link->nat;
  SrpKnownPeer *record;

  /* What the peer must get before it forgets us (ACKs a publisher waits
   * for) goes first. */
  srp_context_flush_link (ctx, link);
  memcpy (goodbye.token, link->their_challenge, SRP_CHALLENGE_LEN);
  srp_context_send_link (ctx, link, frame, srp_goodbye_encode (&goodbye, frame));
  srp_context_close_link (ctx, link);
  /* Peers we left are the ones to come back to; a relayed one has no
   * address worth keeping. */
  if (srp_address_is_relay (&address))
    return;
  record = srp_peer_table_add (ctx->peers, ctx->now, &id, &address, SRP_ADMIT_HANDSHAKE);
  if (record != NULL)
    record->nat = nat;
}

void
srp_mesh_leave (SrpMesh *mesh)
{
  g_autoptr (GPtrArray) leaving =
      g_ptr_array_copy (srp_link_table_list (mesh->ctx->links), NULL, NULL);

  for (guint i = 0; i < leaving->len; i++)
    srp_mesh_goodbye (mesh, g_ptr_array_index (leaving, i));
}

SrpDropReason
srp_mesh_handle_goodbye (gpointer self, const SrpInput *input, gpointer frame)
{
  SrpMesh *mesh = self;
  const SrpGoodbye *goodbye = frame;
  SrpLink *link = srp_link_table_lookup (mesh->ctx->links, &goodbye->sender);

  if (link == NULL || !srp_address_equal (&link->address, input->from) ||
      memcmp (goodbye->token, link->our_challenge, SRP_CHALLENGE_LEN) != 0)
    return SRP_DROP_UNEXPECTED;
  /* Gone, not silent: no record of it is worth keeping or passing on. */
  srp_context_close_link (mesh->ctx, link);
  srp_mesh_schedule_maintenance (mesh, mesh->ctx->now + SRP_MESH_MAINTENANCE_US);
  return SRP_DROP_NONE;
}

/* Whether a HELLO from id at address would find a place. */
static gboolean
has_room_for (SrpContext *ctx, const SrpId *id, const SrpAddress *address, gboolean introduction)
{
  SrpAdmission admission = admission_of (ctx, id);
  SrpLink *at_address;

  if (srp_link_table_lookup (ctx->links, id) != NULL)
    return TRUE;
  if (!introduction && admission != SRP_ADMIT_INTRODUCED && reserve_is_reached (ctx))
    return FALSE;
  /* A record of it, or a record at the address (stale once a peer proves
   * itself there), gives its place to the link. */
  if (srp_peer_table_lookup (ctx->peers, id) != NULL ||
      (srp_link_table_lookup_address (ctx->links, address) == NULL &&
       srp_peer_table_lookup_address (ctx->peers, address) != NULL))
    return srp_peer_table_link_fits (ctx->peers, address, admission);
  at_address = srp_link_table_lookup_address (ctx->links, address);
  if (at_address != NULL)
    return FALSE;
  return srp_peer_table_has_room (ctx->peers, address, admission);
}

SrpDropReason
srp_mesh_handle_hello (gpointer self, const SrpInput *input, gpointer frame)
{
  SrpMesh *mesh = self;
  SrpContext *ctx = mesh->ctx;
  const SrpHello *hello = frame;
  SrpHelloReply reply = { .sender = ctx->config->peer_id };
  IncomingHandshake *h;
  guint8 transcript[SRP_TRANSCRIPT_LEN], out[SRP_MAX_DATAGRAM];
  gsize n;

  if (srp_id_equal (&hello->sender, &ctx->config->peer_id))
    return SRP_DROP_UNEXPECTED; /* our own HELLO, reflected */
  /* Before anything costly, or any state: under load, only sources that
   * receive at their address get further. */
  if (!srp_mesh_cookie_admits (mesh, input, hello))
    return SRP_DROP_NONE;
  if (!has_room_for (ctx, &hello->sender, input->from,
                     (hello->flags & SRP_HELLO_FLAG_INTRODUCTION) != 0))
    {
      /* No room here, but the newcomer must not be stranded: point it at a
       * few peers that may have room. The answer is under 3 times the HELLO. */
      SrpPeers others;

      srp_mesh_sample_peers (mesh, NULL, SRP_BUSY_MAX, &others);
      srp_context_send (ctx, input->from, out, srp_busy_encode (&others, out));
      return SRP_DROP_TABLE_FULL;
    }

  h = find_incoming (mesh, input->from, NULL);
  if (h == NULL)
    {
      if (mesh->incoming->len >= SRP_MESH_MAX_INCOMING)
        g_ptr_array_remove_index (mesh->incoming, 0); /* the oldest */
      h = g_new0 (IncomingHandshake, 1);
      h->mesh = mesh;
      h->address = *input->from;
      srp_timer_init (&h->timer, SRP_TIMER_HANDSHAKE_EXPIRE, on_incoming_timer, mesh);
      g_ptr_array_add (mesh->incoming, h);
    }
  h->initiator = hello->sender;
  h->introduction = (hello->flags & SRP_HELLO_FLAG_INTRODUCTION) != 0;
  memcpy (h->their_challenge, hello->challenge, SRP_CHALLENGE_LEN);
  memcpy (h->their_ephemeral, hello->ephemeral, SRP_HELLO_EPHEMERAL_LEN);
  srp_rng_fill (&ctx->rng, h->challenge, SRP_CHALLENGE_LEN);
  srp_rng_fill (&ctx->rng, h->ephemeral.secret, sizeof h->ephemeral.secret);
  srp_ephemeral_init (&h->ephemeral);
  srp_timer_set (ctx->timers, &h->timer, ctx->now + INCOMING_LIFETIME_US);

  memcpy (reply.echo, hello->challenge, SRP_CHALLENGE_LEN);
  memcpy (reply.challenge, h->challenge, SRP_CHALLENGE_LEN);
  memcpy (reply.ephemeral, h->ephemeral.public, SRP_HELLO_EPHEMERAL_LEN);
  srp_address_observed (input->from, &reply.observed);
  n = srp_handshake_transcript (SRP_TRANSCRIPT_REPLY, &hello->sender, &ctx->config->peer_id,
                                hello->ephemeral, h->ephemeral.public, &reply.observed,
                                hello->challenge, h->challenge, transcript);
  if (!sign (ctx, transcript, n, reply.signature))
    return SRP_DROP_UNEXPECTED;
  srp_context_send (ctx, input->from, out, srp_hello_reply_encode (&reply, out));
  h->replied_at = ctx->now;
  return SRP_DROP_NONE;
}

/* The peer signed an address we are not at, for a handshake over path: it
 * shook hands with a forwarder's other address, not with us. Nothing of
 * it is listed there, and the pair looks for another way (introductions,
 * then a relay): a forwarder gains what dropping would give it. */
static void
address_mismatch (SrpMesh *mesh, const SrpId *id, const SrpAddress *path)
{
  SrpContext *ctx = mesh->ctx;
  SrpLink *link = srp_link_table_lookup (ctx->links, id);
  SrpKnownPeer *record = srp_peer_table_lookup (ctx->peers, id);

  if (record != NULL && srp_address_equal (&record->address, path))
    srp_peer_table_remove (ctx->peers, record);
  srp_mesh_bootstrap_failed (mesh, path);
  srp_mesh_schedule_maintenance (mesh, ctx->now + SRP_MESH_MAINTENANCE_US);
  /* Linked elsewhere already: that link stands, nothing to look for. */
  if (link != NULL && !srp_address_equal (&link->address, path))
    return;
  /* A link there (made before we knew our own address, or half open) is
   * the forwarder's path too. */
  if (link != NULL)
    srp_context_close_link (ctx, link);
  srp_context_reprobe (ctx, id);
}

SrpDropReason
srp_mesh_handle_hello_reply (gpointer self, const SrpInput *input, gpointer frame)
{
  SrpMesh *mesh = self;
  SrpContext *ctx = mesh->ctx;
  const SrpHelloReply *reply = frame;
  SrpHelloDone done = { .sender = ctx->config->peer_id };
  OutgoingHandshake *h;
  guint index;
  guint8 transcript[SRP_TRANSCRIPT_LEN], out[SRP_MAX_DATAGRAM];
  guint8 our_challenge[SRP_CHALLENGE_LEN];
  SrpAddress from = *input->from;
  SrpKnownPeer *record;
  SrpSession *session;
  gint64 rtt;
  gsize n;

  h = find_outgoing (mesh, &from, &index);
  if (h == NULL || memcmp (reply->echo, h->challenge, SRP_CHALLENGE_LEN) != 0 ||
      (!srp_id_is_zero (&h->expected) && !srp_id_equal (&h->expected, &reply->sender)) ||
      srp_id_equal (&reply->sender, &ctx->config->peer_id))
    return SRP_DROP_UNEXPECTED;
  n = srp_handshake_transcript (SRP_TRANSCRIPT_REPLY, &ctx->config->peer_id, &reply->sender,
                                h->ephemeral.public, reply->ephemeral, &reply->observed,
                                h->challenge, reply->challenge, transcript);
  if (!srp_signature_verify (&reply->sender, transcript, n, reply->signature))
    return SRP_DROP_BAD_SIGNATURE;
  if (!srp_context_reaches_us (ctx, &reply->observed, &from))
    {
      SrpId sender = reply->sender;

      /* No HELLO_DONE: the responder lists nothing either. */
      g_ptr_array_remove_index (mesh->outgoing, index);
      address_mismatch (mesh, &sender, &from);
      return SRP_DROP_ADDRESS_MISMATCH;
    }
  session = srp_session_new (TRUE, &h->ephemeral, reply->ephemeral, &ctx->config->peer_id,
                             &reply->sender, h->challenge, reply->challenge, ctx->now);
  if (session == NULL)
    return SRP_DROP_BAD_CONTROL; /* a key that shares nothing */
  /* It echoed our challenge: the address receives, and nobody's credit
   * pays for it any more. */
  record = srp_peer_table_lookup_address (ctx->peers, &from);
  if (record != NULL)
    srp_credit_set (&record->named_by, NULL);

  memcpy (done.echo, reply->challenge, SRP_CHALLENGE_LEN);
  memcpy (our_challenge, h->challenge, SRP_CHALLENGE_LEN);
  /* Where we see it: a forwarder in between shows in the signed record. */
  srp_address_observed (&from, &done.observed);
  n = srp_handshake_transcript (SRP_TRANSCRIPT_DONE, &ctx->config->peer_id, &reply->sender,
                                h->ephemeral.public, reply->ephemeral, &done.observed,
                                h->challenge, reply->challenge, transcript);
  rtt = h->attempts == 1 ? ctx->now - h->sent_at : -1;
  g_ptr_array_remove_index (mesh->outgoing, index);
  if (!sign (ctx, transcript, n, done.signature))
    {
      srp_session_free (session);
      return SRP_DROP_NONE;
    }
  srp_context_send (ctx, &from, out, srp_hello_done_encode (&done, out));
  /* We asked for this link: the reserve is for others asking us. */
  connected (mesh, &reply->sender, &from, our_challenge, reply->challenge, rtt, TRUE, FALSE,
             session);
  /* reply->observed is not told to the NAT classification: one handshake,
   * whoever it went through, must not set what we believe our address is.
   * Linked peers' PONGs do (srp-mesh-heartbeat.c). */
  return SRP_DROP_NONE;
}

gboolean
srp_mesh_hold_early (SrpMesh *mesh, const SrpInput *input)
{
  IncomingHandshake *h = find_incoming (mesh, input->from, NULL);

  /* Only after our HELLO_REPLY: the DONE is on its way, or was lost. */
  if (h == NULL || h->replied_at == 0 ||
      (h->early != NULL && h->early->len >= EARLY_MAX_FRAMES) ||
      h->early_bytes + input->len > EARLY_MAX_BYTES)
    return FALSE;
  if (h->early == NULL)
    h->early = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_ptr_array_add (h->early, g_bytes_new (input->data, input->len));
  h->early_bytes += input->len;
  return TRUE;
}

SrpDropReason
srp_mesh_handle_hello_done (gpointer self, const SrpInput *input, gpointer frame)
{
  SrpMesh *mesh = self;
  SrpContext *ctx = mesh->ctx;
  const SrpHelloDone *done = frame;
  IncomingHandshake *h;
  guint index;
  guint8 transcript[SRP_TRANSCRIPT_LEN];
  guint8 our_challenge[SRP_CHALLENGE_LEN], their_challenge[SRP_CHALLENGE_LEN];
  SrpAddress from = *input->from;
  gint64 rtt;
  g_autoptr (GPtrArray) early = NULL;
  gboolean introduction;
  SrpSession *session;
  gsize n;

  h = find_incoming (mesh, &from, &index);
  if (h == NULL || memcmp (done->echo, h->challenge, SRP_CHALLENGE_LEN) != 0 ||
      !srp_id_equal (&done->sender, &h->initiator))
    return SRP_DROP_UNEXPECTED;
  n = srp_handshake_transcript (SRP_TRANSCRIPT_DONE, &h->initiator, &ctx->config->peer_id,
                                h->their_ephemeral, h->ephemeral.public, &done->observed,
                                h->their_challenge, h->challenge, transcript);
  if (!srp_signature_verify (&done->sender, transcript, n, done->signature))
    return SRP_DROP_BAD_SIGNATURE;
  if (!srp_context_reaches_us (ctx, &done->observed, &from))
    {
      SrpId sender = done->sender;

      /* Its held frames go with it, as unauthenticated. */
      g_ptr_array_remove_index (mesh->incoming, index);
      address_mismatch (mesh, &sender, &from);
      return SRP_DROP_ADDRESS_MISMATCH;
    }
  session = srp_session_new (FALSE, &h->ephemeral, h->their_ephemeral, &h->initiator,
                             &ctx->config->peer_id, h->their_challenge, h->challenge, ctx->now);
  if (session == NULL)
    return SRP_DROP_BAD_CONTROL;
  memcpy (our_challenge, h->challenge, SRP_CHALLENGE_LEN);
  memcpy (their_challenge, h->their_challenge, SRP_CHALLENGE_LEN);
  rtt = ctx->now - h->replied_at;
  early = g_steal_pointer (&h->early);
  introduction = h->introduction;
  g_ptr_array_remove_index (mesh->incoming, index);
  connected (mesh, &done->sender, &from, our_challenge, their_challenge, rtt, introduction, TRUE,
             session);
  /* What overtook the DONE goes through as the link's, now that it is one;
   * refused, it is dropped as it would have been. */
  for (guint i = 0; early != NULL && i < early->len; i++)
    if (srp_link_table_lookup_address (ctx->links, &from) != NULL)
      srp_context_replay_frame (ctx, &from, g_bytes_ref (g_ptr_array_index (early, i)));
    else
      srp_context_drop (ctx, SRP_DROP_UNAUTHENTICATED);
  return SRP_DROP_NONE;
}

SrpDropReason
srp_mesh_handle_busy (gpointer self, const SrpInput *input, gpointer frame)
{
  SrpMesh *mesh = self;
  const SrpPeers *others = frame;
  OutgoingHandshake *h;
  guint index;

  /* Only an answer to our own HELLO: nobody can push records at us this way. */
  h = find_outgoing (mesh, input->from, &index);
  if (h == NULL)
    return SRP_DROP_UNEXPECTED;
  /* A connect we asked for, or were introduced to: our HELLO may have
   * overtaken the INTRODUCE that makes the other side expect us (and
   * admit us however full it is, has_room_for), as when the asker knew the
   * target's address and shook hands at once. One more HELLO a round trip
   * later, instead of a relay 3 s on (srp-simulate --find-log: a symmetric
   * peer's connect to a full-cone one; test-connect.c,
   * busy-target-admits-after-introduce). Its records are not needed. */
  if (!h->busy_retried && !srp_id_is_zero (&h->expected) &&
      admission_of (mesh->ctx, &h->expected) == SRP_ADMIT_INTRODUCED)
    {
      gint64 round_trip = mesh->ctx->now - h->sent_at;

      h->busy_retried = TRUE;
      srp_timer_set (mesh->ctx->timers, &h->timer,
                     mesh->ctx->now + MAX (round_trip, BUSY_RETRY_MIN_US));
      return SRP_DROP_NONE;
    }
  handshake_failed (mesh, h);
  /* handshake_failed may close a link, never a handshake: index holds. */
  g_ptr_array_remove_index (mesh->outgoing, index);
  {
    /* BUSY proves nothing (it has no echo: anyone could send it from that
     * address), so the peers it names get HELLOs worth three times its
     * own size, and no more. */
    g_autoptr (SrpCredit) credit = srp_credit_new (input->len);

    srp_mesh_learn_peers (mesh, others, credit);
  }
  return SRP_DROP_NONE;
}

SrpDropReason
srp_mesh_handle_cookie (gpointer self, const SrpInput *input, gpointer frame)
{
  SrpMesh *mesh = self;
  const SrpCookie *cookie = frame;
  OutgoingHandshake *h = find_outgoing (mesh, input->from, NULL);

  /* Only for our own HELLO (its challenge); a new cookie replaces one that
   * went stale (the responder's secret rotated). */
  if (h == NULL || memcmp (cookie->echo, h->challenge, SRP_CHALLENGE_LEN) != 0 ||
      ((h->flags & SRP_HELLO_FLAG_COOKIE) &&
       memcmp (h->cookie, cookie->cookie, SRP_COOKIE_LEN) == 0))
    return SRP_DROP_UNEXPECTED;
  memcpy (h->cookie, cookie->cookie, SRP_COOKIE_LEN);
  h->flags |= SRP_HELLO_FLAG_COOKIE;
  /* Say HELLO again at once, with it: the same handshake, no new budget. */
  if (h->attempts > 0)
    h->attempts--;
  send_hello (mesh, h);
  return SRP_DROP_NONE;
}
