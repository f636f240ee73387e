/* srp-context.h: what a subsystem of the core sees.
 *
 * The context is the endpoint's side of the core: the time of the input
 * being handled, the seeded randomness, the timer table, the links and the
 * known peers, and the ways out (datagrams, events, drop counts). Subsystems
 * get this and their own state, nothing else; the endpoint calls them
 * through SrpSubsystemClass and the dispatch table.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-core.h"
#include "srp-dispatch.h"
#include "srp-journal.h"
#include "srp-link-table.h"
#include "srp-peer-table.h"
#include "srp-rng.h"
#include "srp-subsystem.h"
#include "srp-timer-table.h"
#include "srp-ring.h"

G_BEGIN_DECLS

#define SRP_SOCKETS_MAX (2 + 1024)
#define SRP_FIRST_PUNCH_SOCKET 2

/* Where a datagram goes: the traversal subsystem routes destinations that
 * only a punch socket reaches, and carries frames to relay addresses. */
typedef struct {
  gpointer self;
  /* The socket a destination is reached through, or 0 for the main one. */
  guint (*route) (gpointer self, const SrpAddress *to);
  gboolean (*socket_is_open) (gpointer self, guint socket);
  /* Sends a frame to a relay address (srp_address_is_relay). */
  void (*relay_send) (gpointer self, const SrpAddress *to, const guint8 *data, gsize len);
  /* Whether a link to id was asked for (srp_core_connect) or introduced by
   * a link (a punch): its handshake is no stranger's. NULL: none is. */
  gboolean (*expects) (gpointer self, const SrpId *id);
  /* srp_context_reaches_us and srp_context_reprobe. NULL: every address
   * reaches us, and there is nothing to reprobe with. */
  gboolean (*reaches_us) (gpointer self, const SrpAddress *observed, const SrpAddress *path);
  void (*reprobe) (gpointer self, const SrpId *id);
} SrpRouter;

/* A subsystem's hook with its own pointer (srp_context_add_subsystem). */
typedef struct {
  void (*func) (gpointer self);
  gpointer self;
} SrpContextHook;

#define SRP_CONTEXT_HOOKS_MAX 4

typedef struct _SrpContext SrpContext;

struct _SrpContext {
  const SrpCoreConfig *config;
  gint64 now;                 /* the time of the input being handled */
  SrpRng rng;
  SrpTimerTable *timers;
  SrpLinkTable *links;        /* connected peers */
  SrpPeerTable *peers;        /* known peers, and everyone's places */
  SrpDispatch *dispatch;
  gboolean attached;          /* the sockets are there (srp_core_attach) */
  SrpJournal journal;         /* changes to the durable state, when persistence asks */

  /* The rest is the endpoint's (srp-context.c). */
  SrpRouter router;
  SrpRing transmits;          /* SrpTransmit, oldest first */
  SrpRing events;             /* SrpCoreEvent, oldest first */
  guint64 next_request;
  guint64 drops[SRP_DROP_N_REASONS];
  guint64 datagrams_in, datagrams_out, bytes_in, bytes_out;
  guint64 frames_in[256];     /* frames dispatched, by kind (opened, when sealed) */
  GPtrArray *subsystems;      /* Subsystem*, in the order they were added */
  /* The hooks that run on every input (input, settle), copied out of the
   * subsystems that have them: walking every subsystem for them read one
   * cold allocation per subsystem per datagram, 7 % of srp-simulate's time
   * at 10,000 peers once the network had formed. */
  SrpContextHook input_hooks[SRP_CONTEXT_HOOKS_MAX], settle_hooks[SRP_CONTEXT_HOOKS_MAX];
  guint n_input_hooks, n_settle_hooks;
  GPtrArray *replays;         /* Replay*: held frames to dispatch once the current one is done */
  guint handling;             /* srp_context_handle_frame calls under way */
};

SrpContext *srp_context_new (const SrpCoreConfig *config);
void srp_context_free (SrpContext *ctx);

/* Registers a subsystem; its link slot (if any) is numbered in order. */
void srp_context_add_subsystem (SrpContext *ctx, const SrpSubsystemClass *klass, gpointer self);
/* The slot number of the subsystem registered with self. */
guint srp_context_slot (SrpContext *ctx, gpointer self);
static inline gpointer
srp_link_slot (const SrpLink *link, guint slot)
{
  return link->slots[slot];
}

/* ---- ways out -------------------------------------------------------------------- */

/* Queues a datagram: from socket (0: the main one, or the punch socket that
 * routes to), with an IP TTL for it alone (0: the default). A relay address
 * goes wrapped to its relay. */
void srp_context_transmit (SrpContext *ctx, guint socket, guint8 ttl, const SrpAddress *to,
                           const guint8 *data, gsize len);
/* The same from the main socket with the default TTL. */
void srp_context_send (SrpContext *ctx, const SrpAddress *to, const guint8 *data, gsize len);
static inline void
srp_context_send_link (SrpContext *ctx, const SrpLink *link, const guint8 *data, gsize len)
{
  srp_context_send (ctx, &link->address, data, len);
}
/* A new event, to fill at once (before any other event is made: the ring
 * may move). */
SrpCoreEvent *srp_context_event (SrpContext *ctx, SrpCoreEventType type);
void srp_context_drop (SrpContext *ctx, SrpDropReason reason);
/* Request numbers for commands that report later (PING_RESULT, ...). */
guint64 srp_context_next_request (SrpContext *ctx);
/* Takes cost tokens from a link's bucket; counts RATE_LIMITED when it is
 * over its rate. */
gboolean srp_context_take (SrpContext *ctx, SrpLink *link, SrpLinkBucket bucket, double cost);
/* Up to max whole tokens: what the bucket holds of them; a request cut
 * short counts as rate-limited. */
guint srp_context_take_up_to (SrpContext *ctx, SrpLink *link, SrpLinkBucket bucket, guint max);

/* ---- links ----------------------------------------------------------------------- */

/* A handshake completed with id at address: makes the link, takes its place
 * (the caller made room), lets every subsystem set it up, emits PEER_ADDED,
 * and lets every subsystem greet it. rtt_us: the handshake's round trip, the
 * RTT estimator's first sample (-1: none). */
SrpLink *srp_context_open_link (SrpContext *ctx, const SrpId *id, const SrpAddress *address,
                                guint8 nat, const guint8 our_challenge[SRP_CHALLENGE_LEN],
                                const guint8 their_challenge[SRP_CHALLENGE_LEN],
                                gint64 rtt_us);
/* The same with the handshake's session (taken): every frame the link
 * sends is sealed with it, from its greetings on, and frames that come
 * from it must open with it. */
SrpLink *srp_context_open_sealed_link (SrpContext *ctx, const SrpId *id,
                                       const SrpAddress *address, guint8 nat,
                                       const guint8 our_challenge[SRP_CHALLENGE_LEN],
                                       const guint8 their_challenge[SRP_CHALLENGE_LEN],
                                       gint64 rtt_us, SrpSession *session);
/* The link's peer moved to address (which the caller checked is free, and
 * fits: srp_peer_table_can_move):
 * PEER_CHANGED when the path changed, then the observers. */
void srp_context_move_link (SrpContext *ctx, SrpLink *link, const SrpAddress *address);
/* A new handshake renewed link with a peer that had forgotten us: the
 * subsystems say again what they say once per link. */
void srp_context_renew_link (SrpContext *ctx, SrpLink *link);
/* Something sent to the link went unanswered: the subsystems that keep
 * links (the mesh) check it now. */
void srp_context_suspect_link (SrpContext *ctx, SrpLink *link);
/* Every subsystem sends what must reach the link before a GOODBYE. */
void srp_context_flush_link (SrpContext *ctx, SrpLink *link);
/* Every subsystem lets go of the link, PEER_REMOVED, and the link is freed. */
void srp_context_close_link (SrpContext *ctx, SrpLink *link);
/* The PEER_ADDED / PEER_CHANGED / PEER_REMOVED description of a link. */
void srp_context_describe_link (const SrpLink *link, SrpCoreEvent *event);
void srp_context_emit_link (SrpContext *ctx, SrpCoreEventType type, const SrpLink *link);
/* Handles one frame (its prefix checked) from `from` on socket: finds the
 * link (socket 0 only), counts the datagram as its sign of life, and
 * dispatches it, counting a refusal. Relayed frames come in here too. */
void srp_context_handle_frame (SrpContext *ctx, guint socket, const SrpAddress *from,
                               const guint8 *data, gsize len);
/* Tells the subsystems a linked peer at reporter saw our main socket at
 * reflexive (its PONG said so). */
void srp_context_reflexive_seen (SrpContext *ctx, const SrpAddress *reflexive,
                                 const SrpAddress *reporter);
/* Whether observed, the address a peer signed in its handshake as the one it
 * sees us at, is one we can be reached at, for a handshake over path (the
 * address we see the peer at): the router's judgement (TRUE without one). */
gboolean srp_context_reaches_us (SrpContext *ctx, const SrpAddress *observed,
                                 const SrpAddress *path);
/* A handshake with id was refused for its address: looks for another path
 * to it (introductions, then a relay), through the router. */
void srp_context_reprobe (SrpContext *ctx, const SrpId *id);
/* A frame a subsystem held (hold_early) goes through srp_context_handle_frame
 * on the main socket, as if it came from `from` now: after the frame being
 * handled, never inside it. Takes data. */
void srp_context_replay_frame (SrpContext *ctx, const SrpAddress *from, GBytes *data);

/* ---- the endpoint's own (srp-core.c) ------------------------------------------- */

/* Every subsystem's hook of that name, in order. */
void srp_context_notify_input (SrpContext *ctx);
void srp_context_notify_attach (SrpContext *ctx);
void srp_context_notify_detach (SrpContext *ctx);
void srp_context_settle (SrpContext *ctx);
void srp_context_collect_stats (SrpContext *ctx, GVariantDict *dict);
void srp_context_export_state (SrpContext *ctx, GVariantDict *dict);
gboolean srp_context_import_state (SrpContext *ctx, GVariantDict *dict, gboolean apply,
                                   GError **error);
/* Frees the subsystems, the last registered first. */
void srp_context_free_subsystems (SrpContext *ctx);

G_END_DECLS
