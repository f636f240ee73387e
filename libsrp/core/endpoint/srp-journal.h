/* srp-journal.h: the change feed of a core's durable state.
 *
 * Persistence must not dump the whole state after every input: a full cache
 * is 16 MiB. When the journal is on (srp_core_set_journal), the subsystems
 * record here what changed in the state srp_core_export_state describes,
 * and the caller drains it with srp_core_poll_state_change, once per turn
 * of its loop, into its own store. Each change carries plain fields (IDs,
 * frames: what a store writes, with no GVariant on the hot path), and
 * srp_state_change_get_value gives it in the same GVariant form as the
 * export, so one reader can serve both.
 *
 * Large parts (the cache, the delivered memory, the outbox, chain heads)
 * are journalled entry by entry; small ones that change as a whole (the
 * subscriptions, the known peers) are only marked, and their whole value is
 * made when the change is polled: many changes in one turn cost one.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "srp-ring.h"
#include "srp-wire.h"

G_BEGIN_DECLS

/* What changed, with the fields it sets and the GVariant form of
 * srp_state_change_get_value. Lives are microseconds left from the core's
 * now when the change was made. */
typedef enum {
  SRP_STATE_CHANGE_CACHE_ADD,     /* id, frame, life: (ayayx) */
  SRP_STATE_CHANGE_CACHE_REMOVE,  /* id (the packet's): ay */
  SRP_STATE_CHANGE_DELIVERED,     /* id (a message handed to the application): ay */
  SRP_STATE_CHANGE_OUTBOX_ADD,    /* id (the message's), topic, frames, life: (ayayaayx) */
  SRP_STATE_CHANGE_OUTBOX_REMOVE, /* id (acknowledged or given up): ay */
  SRP_STATE_CHANGE_CHAIN_HEAD,    /* topic, id (our last message on it): (ayay) */
  SRP_STATE_CHANGE_SUBSCRIPTIONS, /* value: aay, every subscription (the inbox left out) */
  SRP_STATE_CHANGE_KNOWN_PEERS,   /* value: a(ay(yqay)yx), every known peer, as exported */
} SrpStateChangeType;

/* Whoever holds a change owns its references. */
typedef struct {
  SrpStateChangeType type;
  SrpId id;
  SrpId topic;
  gint64 life_us;
  GBytes *frame;     /* CACHE_ADD: the encoded PACKET frame */
  GPtrArray *frames; /* OUTBOX_ADD: GBytes, the chain's frames in order */
  GVariant *value;   /* SUBSCRIPTIONS, KNOWN_PEERS; others: made by get_value */
} SrpStateChange;

void srp_state_change_clear (SrpStateChange *change);
/* The change's value in its GVariant form (transfer none: kept in change). */
GVariant *srp_state_change_get_value (SrpStateChange *change);

typedef struct {
  gboolean enabled;
  SrpRing changes;      /* SrpStateChange, oldest first */
  gboolean subscriptions_dirty;
  gboolean peers_dirty;
} SrpJournal;

void srp_journal_init (SrpJournal *journal);
void srp_journal_clear (SrpJournal *journal);
/* Records a change: an ID alone (CACHE_REMOVE, DELIVERED, OUTBOX_REMOVE), a
 * cached packet, a publish, a chain head. Nothing when the journal is off. */
void srp_journal_push_id (SrpJournal *journal, SrpStateChangeType type, const SrpId *id);
void srp_journal_push_cached (SrpJournal *journal, const SrpId *id, GBytes *frame, gint64 life_us);
void srp_journal_push_publish (SrpJournal *journal, const SrpId *message_id, const SrpId *topic,
                               GPtrArray *frames, gint64 life_us);
void srp_journal_push_chain_head (SrpJournal *journal, const SrpId *topic, const SrpId *head);
/* Marks a part that is polled whole (SUBSCRIPTIONS, KNOWN_PEERS). */
void srp_journal_mark (SrpJournal *journal, SrpStateChangeType type);

static inline gboolean
srp_journal_is_on (const SrpJournal *journal)
{
  return journal->enabled;
}

G_END_DECLS
