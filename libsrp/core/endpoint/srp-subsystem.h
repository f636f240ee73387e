/* srp-subsystem.h: what every part of the core looks like to the endpoint.
 *
 * The core is a small endpoint (srp-context.c, srp-dispatch.c, srp-core.c)
 * and subsystems behind one interface: mesh (handshake, heartbeats, peer
 * exchange, bootstrap), traversal (NAT, connecting, punching, relaying) and
 * pub/sub (subscriptions, gossip, the cache, gap-fill, anti-entropy,
 * reassembly). Each has the same few entry points, all optional:
 *
 * - frame handlers, registered in the dispatch table (srp-dispatch.h);
 * - link observers: a link is made (init: set up the slot), announced (up:
 *   greet the peer), moved, and gone (down);
 * - notices from other subsystems (a reflexive address was seen, a datagram
 *   arrived), the sockets coming and going (attach, detach);
 * - settle, after every input: bring the deadlines of internal structures
 *   (the cache's expiry, the reassembler's timeout) into the timer table;
 * - stats and durable state.
 *
 * A subsystem sees the SrpContext (now, randomness, transmit, events,
 * timers, links), never the whole core.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-link.h"

G_BEGIN_DECLS

typedef struct {
  const char *name;
  /* Bytes of per-link state each link gets, zeroed (0: no slot). */
  gsize link_slot_size;

  /* A link is being made: set the slot (and annotate the link) up. Nothing
   * may be sent yet: PEER_ADDED comes after every subsystem prepared it. */
  void (*link_init) (gpointer self, SrpLink *link, gpointer slot);
  /* The link is up and announced. */
  void (*link_up) (gpointer self, SrpLink *link, gpointer slot);
  /* The link's address changed (relayed to direct, or the NAT re-mapped it). */
  void (*link_moved) (gpointer self, SrpLink *link, gpointer slot);
  /* The peer had forgotten us (it restarted, or the HELLO_DONE that made
   * the link never reached it) and a new handshake renewed the link: what
   * we tell a peer once per link, it has not heard. Nothing else changed. */
  void (*link_renewed) (gpointer self, SrpLink *link, gpointer slot);
  /* We are about to say goodbye to the link: send now what must reach it
   * before the GOODBYE (batched ACKs). */
  void (*link_flush) (gpointer self, SrpLink *link, gpointer slot);
  /* Something sent over the link went unanswered (a packet nobody ACKed):
   * the peer may have vanished. The mesh checks at once instead of waiting
   * for the next heartbeat. */
  void (*link_suspect) (gpointer self, SrpLink *link, gpointer slot);
  /* The link goes away; its slot is freed right after (link_slot_clear). */
  void (*link_down) (gpointer self, SrpLink *link, gpointer slot);
  /* Frees what the slot points to (the slot's memory itself is the endpoint's). */
  void (*link_slot_clear) (gpointer slot);

  /* A frame only links may send came to the main socket from an address
   * with no link. A subsystem with a handshake under way there may keep it
   * (TRUE) and hand it back through srp_context_replay_frame once the link
   * is up: the network reorders, and a peer's first frames over a new link
   * can overtake the HELLO_DONE that makes it. */
  gboolean (*hold_early) (gpointer self, const SrpInput *input);
  /* A linked peer at reporter told us (PONG) the address it sees our main
   * socket at. */
  void (*reflexive_seen) (gpointer self, const SrpAddress *reflexive, const SrpAddress *reporter);
  /* A datagram passed the prefix check, before it is dispatched. */
  void (*input) (gpointer self);

  /* The sockets are there again (srp_core_attach), or gone (detach: every
   * link has been closed already). */
  void (*attach) (gpointer self);
  void (*detach) (gpointer self);

  /* After every input and command. */
  void (*settle) (gpointer self);

  /* Adds the subsystem's figures to the stats dictionary. */
  void (*stats) (gpointer self, GVariantDict *dict);
  /* Durable state: what a peer keeps across close and listen, and what
   * persistence stores (see srp_core_export_state). import is called twice:
   * first to check everything (apply FALSE: nothing may change), then to
   * take it; it refuses what it cannot check. */
  void (*export_state) (gpointer self, GVariantDict *dict);
  gboolean (*import_state) (gpointer self, GVariantDict *dict, gboolean apply, GError **error);

  void (*free) (gpointer self);
} SrpSubsystemClass;

G_END_DECLS
