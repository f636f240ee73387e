/* srp-context.c: the endpoint's services to the subsystems: output queues,
 * drop counts, request numbers, and the life of links.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-context.h"

#include <string.h>

typedef struct {
  const SrpSubsystemClass *klass;
  gpointer self;
  guint slot; /* index into SrpLink.slots when klass->link_slot_size > 0 */
} Subsystem;

/* The subsystem's slot of link, or NULL when it keeps none. */
static inline gpointer
slot_of (const Subsystem *s, const SrpLink *link)
{
  return s->klass->link_slot_size > 0 ? link->slots[s->slot] : NULL;
}

/* Calls hook (with these arguments after self) in each subsystem that has
 * it, in the order they were added; s_ is the subsystem. */
#define EACH_WITH(hook, ...)                                                                     \
  G_STMT_START                                                                                   \
  {                                                                                              \
    for (guint i_ = 0; i_ < ctx->subsystems->len; i_++)                                          \
      {                                                                                          \
        Subsystem *s_ = g_ptr_array_index (ctx->subsystems, i_);                                 \
        if (s_->klass->hook != NULL)                                                             \
          s_->klass->hook (s_->self, ##__VA_ARGS__);                                             \
      }                                                                                          \
  }                                                                                              \
  G_STMT_END

/* The same for the hooks that take a link and the subsystem's slot of it. */
#define EACH_LINK_HOOK(hook, link) EACH_WITH (hook, (link), slot_of (s_, (link)))

typedef struct {
  SrpAddress from;
  GBytes *data;
} Replay;

static void
replay_free (gpointer data)
{
  Replay *r = data;

  g_bytes_unref (r->data);
  g_free (r);
}

SrpContext *
srp_context_new (const SrpCoreConfig *config)
{
  SrpContext *ctx = g_new0 (SrpContext, 1);

  ctx->config = config;
  srp_rng_init (&ctx->rng, config->seed);
  ctx->timers = srp_timer_table_new ();
  ctx->links = srp_link_table_new ();
  ctx->peers = srp_peer_table_new (config->peer_capacity, config->prefix_limit,
                                   config->prefix_link_limit);
  ctx->dispatch = srp_dispatch_new ();
  srp_ring_init (&ctx->transmits, sizeof (SrpTransmit));
  srp_ring_init (&ctx->events, sizeof (SrpCoreEvent));
  srp_journal_init (&ctx->journal);
  ctx->next_request = 1;
  ctx->subsystems = g_ptr_array_new_with_free_func (g_free);
  ctx->replays = g_ptr_array_new_with_free_func (replay_free);
  return ctx;
}

void
srp_context_free (SrpContext *ctx)
{
  if (ctx == NULL)
    return;
  srp_ring_clear (&ctx->transmits);
  while (ctx->events.length > 0)
    {
      srp_core_event_clear (srp_ring_peek (&ctx->events, 0));
      srp_ring_release (&ctx->events, 1);
    }
  srp_ring_clear (&ctx->events);
  srp_journal_clear (&ctx->journal);
  g_ptr_array_unref (ctx->subsystems);
  g_ptr_array_unref (ctx->replays);
  srp_dispatch_free (ctx->dispatch);
  srp_peer_table_free (ctx->peers);
  srp_link_table_free (ctx->links);
  srp_timer_table_free (ctx->timers);
  g_free (ctx);
}

void
srp_context_add_subsystem (SrpContext *ctx, const SrpSubsystemClass *klass, gpointer self)
{
  Subsystem *s = g_new0 (Subsystem, 1);
  guint slots = 0;

  for (guint i = 0; i < ctx->subsystems->len; i++)
    slots += ((Subsystem *) g_ptr_array_index (ctx->subsystems, i))->klass->link_slot_size > 0;
  g_assert (slots < SRP_LINK_SLOTS);
  s->klass = klass;
  s->self = self;
  s->slot = slots;
  g_ptr_array_add (ctx->subsystems, s);
  if (klass->input != NULL)
    {
      g_assert (ctx->n_input_hooks < SRP_CONTEXT_HOOKS_MAX);
      ctx->input_hooks[ctx->n_input_hooks++] = (SrpContextHook) { klass->input, self };
    }
  if (klass->settle != NULL)
    {
      g_assert (ctx->n_settle_hooks < SRP_CONTEXT_HOOKS_MAX);
      ctx->settle_hooks[ctx->n_settle_hooks++] = (SrpContextHook) { klass->settle, self };
    }
}

guint
srp_context_slot (SrpContext *ctx, gpointer self)
{
  for (guint i = 0; i < ctx->subsystems->len; i++)
    {
      Subsystem *s = g_ptr_array_index (ctx->subsystems, i);
      if (s->self == self)
        return s->slot;
    }
  g_assert_not_reached ();
}

/* ---- ways out -------------------------------------------------------------------- */

void
srp_context_transmit (SrpContext *ctx, guint socket, guint8 ttl, const SrpAddress *to,
                      const guint8 *data, gsize len)
{
  SrpTransmit *t;
  SrpLink *link;
  guint8 sealed[SRP_MAX_DATAGRAM];

  g_assert (len <= SRP_MAX_DATAGRAM);
  /* Detached, there is no socket: what would go out is lost, as it would be
   * on a network that is down. */
  if (!ctx->attached)
    return;
  link = srp_link_table_lookup_address (ctx->links, to);
  /* A link's frames go sealed (all but the handshake's, pings and
   * punches), whichever subsystem sent them; to a relayed link, sealed end
   * to end before the relay wraps them (and seals the wrapping again). The
   * probe socket speaks for no link. */
  if (link != NULL && link->session != NULL && socket != 1 && len >= SRP_WIRE_PREFIX_LEN &&
      srp_session_seals_kind (data[3]))
    {
      g_assert (len + SRP_SEAL_OVERHEAD <= SRP_MAX_DATAGRAM);
      len = srp_session_seal (link->session, ctx->now, data, len, sealed);
      data = sealed;
    }
  if (link != NULL)
    {
      link->datagrams_out++;
      link->bytes_out += len;
    }
  /* A peer behind a relay: the frame goes to the relay, wrapped. */
  if (srp_address_is_relay (to))
    {
      if (ctx->router.relay_send != NULL)
        ctx->router.relay_send (ctx->router.self, to, data, len);
      return;
    }
  /* A peer reached through a punch socket is always sent to from it: its
   * NAT lets in only what comes from that socket's mapping. */
  if (socket == 0 && ctx->router.route != NULL)
    socket = ctx->router.route (ctx->router.self, to);
  /* Callers only use socket 1 when the core has one (NAT classification
   * checks first; probe requests are refused without one). */
  g_assert (socket < ctx->config->n_sockets ||
            (ctx->router.socket_is_open != NULL &&
             ctx->router.socket_is_open (ctx->router.self, socket)));
  /* Only the bytes the frame needs are written into the slot. */
  t = srp_ring_push (&ctx->transmits);
  t->socket = socket;
  t->ttl = ttl;
  t->to = *to;
  t->len = len;
  memcpy (t->data, data, len);
}

void
srp_context_send (SrpContext *ctx, const SrpAddress *to, const guint8 *data, gsize len)
{
  srp_context_transmit (ctx, 0, 0, to, data, len);
}

SrpCoreEvent *
srp_context_event (SrpContext *ctx, SrpCoreEventType type)
{
  SrpCoreEvent *event = srp_ring_push (&ctx->events);

  memset (event, 0, sizeof *event);
  event->type = type;
  return event;
}

void
srp_context_drop (SrpContext *ctx, SrpDropReason reason)
{
  g_assert ((guint) reason < SRP_DROP_N_REASONS);
  ctx->drops[reason]++;
}

guint64
srp_context_next_request (SrpContext *ctx)
{
  return ctx->next_request++;
}

gboolean
srp_context_take (SrpContext *ctx, SrpLink *link, SrpLinkBucket bucket, double cost)
{
  if (srp_link_take (link, bucket, ctx->now, cost))
    return TRUE;
  srp_context_drop (ctx, SRP_DROP_RATE_LIMITED);
  return FALSE;
}

guint
srp_context_take_up_to (SrpContext *ctx, SrpLink *link, SrpLinkBucket bucket, guint max)
{
  guint n = srp_link_take_up_to (link, bucket, ctx->now, max);

  if (n < max)
    srp_context_drop (ctx, SRP_DROP_RATE_LIMITED);
  return n;
}

/* ---- links ----------------------------------------------------------------------- */

void
srp_context_describe_link (const SrpLink *link, SrpCoreEvent *event)
{
  event->peer.id = link->id;
  event->peer.address = link->address;
  event->peer.nat = link->nat;
  event->peer.rtt_us = link->rtt.smoothed_us;
  event->peer.connected_at = link->connected_at;
  event->peer.path = (guint8) srp_link_path (link);
  event->peer.introduced = link->introduced;
  event->peer.bytes_in = link->bytes_in;
  event->peer.bytes_out = link->bytes_out;
}

void
srp_context_emit_link (SrpContext *ctx, SrpCoreEventType type, const SrpLink *link)
{
  srp_context_describe_link (link, srp_context_event (ctx, type));
}

SrpLink *
srp_context_open_link (SrpContext *ctx, const SrpId *id, const SrpAddress *address, guint8 nat,
                       const guint8 our_challenge[SRP_CHALLENGE_LEN],
                       const guint8 their_challenge[SRP_CHALLENGE_LEN], gint64 rtt_us)
{
  return srp_context_open_sealed_link (ctx, id, address, nat, our_challenge, their_challenge,
                                       rtt_us, NULL);
}

SrpLink *
srp_context_open_sealed_link (SrpContext *ctx, const SrpId *id, const SrpAddress *address,
                              guint8 nat, const guint8 our_challenge[SRP_CHALLENGE_LEN],
                              const guint8 their_challenge[SRP_CHALLENGE_LEN], gint64 rtt_us,
                              SrpSession *session)
{
  SrpLink *link = srp_link_new (id, address, ctx->now);

  link->session = session;

  link->nat = nat;
  /* Over a relay the round trip is the relay's too: the direct one is what
   * the estimator is for, and heartbeats measure the relayed one later. */
  if (rtt_us >= 0 && !srp_address_is_relay (address))
    srp_rtt_sample (&link->rtt, rtt_us);
  memcpy (link->our_challenge, our_challenge, SRP_CHALLENGE_LEN);
  memcpy (link->their_challenge, their_challenge, SRP_CHALLENGE_LEN);
  srp_link_table_add (ctx->links, link);
  srp_peer_table_hold (ctx->peers, address);
  for (guint i = 0; i < ctx->subsystems->len; i++)
    {
      Subsystem *s = g_ptr_array_index (ctx->subsystems, i);

      if (s->klass->link_slot_size > 0)
        link->slots[s->slot] = g_malloc0 (s->klass->link_slot_size);
      if (s->klass->link_init != NULL)
        s->klass->link_init (s->self, link, slot_of (s, link));
    }
  srp_context_emit_link (ctx, SRP_CORE_EVENT_PEER_ADDED, link);
  EACH_LINK_HOOK (link_up, link);
  return link;
}

void
srp_context_move_link (SrpContext *ctx, SrpLink *link, const SrpAddress *address)
{
  srp_peer_table_move (ctx->peers, &link->address, address);
  srp_link_table_move (ctx->links, link, address);
  /* A new path, or the same path at a new address (the peer's network
   * changed, or its NAT mapped it anew): the shell shows where it is. */
  srp_context_emit_link (ctx, SRP_CORE_EVENT_PEER_CHANGED, link);
  EACH_LINK_HOOK (link_moved, link);
}

void
srp_context_renew_link (SrpContext *ctx, SrpLink *link)
{
  EACH_LINK_HOOK (link_renewed, link);
}

void
srp_context_suspect_link (SrpContext *ctx, SrpLink *link)
{
  EACH_LINK_HOOK (link_suspect, link);
}

void
srp_context_flush_link (SrpContext *ctx, SrpLink *link)
{
  EACH_LINK_HOOK (link_flush, link);
}

void
srp_context_close_link (SrpContext *ctx, SrpLink *link)
{
  EACH_LINK_HOOK (link_down, link);
  srp_context_emit_link (ctx, SRP_CORE_EVENT_PEER_REMOVED, link);
  for (guint i = 0; i < ctx->subsystems->len; i++)
    {
      Subsystem *s = g_ptr_array_index (ctx->subsystems, i);

      if (s->klass->link_slot_size == 0)
        continue;
      if (s->klass->link_slot_clear != NULL)
        s->klass->link_slot_clear (link->slots[s->slot]);
      g_clear_pointer (&link->slots[s->slot], g_free);
    }
  srp_link_table_remove (ctx->links, link);
  srp_peer_table_release (ctx->peers, &link->address);
  srp_link_free (link);
}

static gboolean
hold_early (SrpContext *ctx, const SrpInput *input)
{
  for (guint i = 0; i < ctx->subsystems->len; i++)
    {
      Subsystem *s = g_ptr_array_index (ctx->subsystems, i);

      if (s->klass->hold_early != NULL && s->klass->hold_early (s->self, input))
        return TRUE;
    }
  return FALSE;
}

/* A sealed frame from a link opens into opened (its length, or 0: dropped
 * and counted). From an address that is not a link, it may be held until
 * the handshake that makes it one completes (the initiator's first frames
 * overtake its HELLO_DONE); else it is dropped. */
static gsize
open_sealed (SrpContext *ctx, const SrpInput *input, guint8 *opened)
{
  gsize n;

  if (input->link == NULL || input->link->session == NULL)
    {
      if (input->link == NULL && input->socket == 0 && hold_early (ctx, input))
        return 0;
      srp_context_drop (ctx, SRP_DROP_UNAUTHENTICATED);
      return 0;
    }
  n = srp_session_open (input->link->session, ctx->now, input->data, input->len, opened);
  if (n == 0 && input->link->session_prev != NULL)
    n = srp_session_open (input->link->session_prev, ctx->now, input->data, input->len, opened);
  /* Only what a link seals may be inside: nothing nests. */
  if (n == 0 || !srp_session_seals_kind (opened[3]))
    {
      srp_context_drop (ctx, SRP_DROP_BAD_SEAL);
      return 0;
    }
  return n;
}

void
srp_context_handle_frame (SrpContext *ctx, guint socket, const SrpAddress *from,
                          const guint8 *data, gsize len)
{
  SrpInput input = { .socket = socket, .from = from, .data = data, .len = len };
  SrpDropReason reason;
  guint8 opened[SRP_MAX_DATAGRAM];

  /* Only the main socket speaks for a link: the probe socket's datagrams
   * are NAT probes and their answers. */
  input.link = socket == 0 ? srp_link_table_lookup_address (ctx->links, from) : NULL;
  if (len >= SRP_WIRE_PREFIX_LEN && data[3] == SRP_FRAME_SEALED)
    {
      if ((input.len = open_sealed (ctx, &input, opened)) == 0)
        return;
      input.data = opened;
    }
  else if (input.link != NULL && input.link->session != NULL && len >= SRP_WIRE_PREFIX_LEN &&
           srp_session_seals_kind (data[3]))
    {
      /* In clear from a sealed link: anyone on the path could have sent it. */
      srp_context_drop (ctx, SRP_DROP_UNSEALED);
      return;
    }
  /* Only what opened (or needs no seal) is a sign of life. */
  if (input.link != NULL)
    srp_link_heard (input.link, ctx->now, len);
  ctx->handling++;
  if (input.len >= SRP_WIRE_PREFIX_LEN)
    ctx->frames_in[input.data[3]]++;
  reason = srp_dispatch_frame (ctx->dispatch, &input);
  if (reason == SRP_DROP_UNAUTHENTICATED && input.link == NULL && socket == 0 &&
      hold_early (ctx, &input))
    reason = SRP_DROP_NONE;
  if (reason != SRP_DROP_NONE)
    srp_context_drop (ctx, reason);
  ctx->handling--;
  /* Held frames go once the one that released them is done (and at the
   * outermost call only: a replayed frame may release more). */
  while (ctx->handling == 0 && ctx->replays->len > 0)
    {
      Replay *r = g_ptr_array_steal_index (ctx->replays, 0);
      gsize size;
      const guint8 *bytes = g_bytes_get_data (r->data, &size);

      srp_context_handle_frame (ctx, 0, &r->from, bytes, size);
      replay_free (r);
    }
}

void
srp_context_replay_frame (SrpContext *ctx, const SrpAddress *from, GBytes *data)
{
  Replay *r = g_new (Replay, 1);

  r->from = *from;
  r->data = data;
  g_ptr_array_add (ctx->replays, r);
}

/* ---- notices ---------------------------------------------------------------------- */

void
srp_context_reflexive_seen (SrpContext *ctx, const SrpAddress *reflexive,
                            const SrpAddress *reporter)
{
  EACH_WITH (reflexive_seen, reflexive, reporter);
}

gboolean
srp_context_reaches_us (SrpContext *ctx, const SrpAddress *observed, const SrpAddress *path)
{
  return ctx->router.reaches_us == NULL ||
         ctx->router.reaches_us (ctx->router.self, observed, path);
}

void
srp_context_reprobe (SrpContext *ctx, const SrpId *id)
{
  if (ctx->router.reprobe != NULL)
    ctx->router.reprobe (ctx->router.self, id);
}

void
srp_context_notify_input (SrpContext *ctx)
{
  for (guint i = 0; i < ctx->n_input_hooks; i++)
    ctx->input_hooks[i].func (ctx->input_hooks[i].self);
}

void
srp_context_notify_attach (SrpContext *ctx)
{
  EACH_WITH (attach);
}

void
srp_context_notify_detach (SrpContext *ctx)
{
  EACH_WITH (detach);
}

void
srp_context_settle (SrpContext *ctx)
{
  for (guint i = 0; i < ctx->n_settle_hooks; i++)
    ctx->settle_hooks[i].func (ctx->settle_hooks[i].self);
}

void
srp_context_collect_stats (SrpContext *ctx, GVariantDict *dict)
{
  EACH_WITH (stats, dict);
}

void
srp_context_export_state (SrpContext *ctx, GVariantDict *dict)
{
  EACH_WITH (export_state, dict);
}

gboolean
srp_context_import_state (SrpContext *ctx, GVariantDict *dict, gboolean apply, GError **error)
{
  for (guint i = 0; i < ctx->subsystems->len; i++)
    {
      Subsystem *s = g_ptr_array_index (ctx->subsystems, i);

      if (s->klass->import_state != NULL &&
          !s->klass->import_state (s->self, dict, apply, error))
        return FALSE;
    }
  return TRUE;
}

void
srp_context_free_subsystems (SrpContext *ctx)
{
  for (guint i = ctx->subsystems->len; i > 0; i--)
    {
      Subsystem *s = g_ptr_array_index (ctx->subsystems, i - 1);

      if (s->klass->free != NULL)
        s->klass->free (s->self);
    }
  g_ptr_array_set_size (ctx->subsystems, 0);
}
