/* srp-journal.h: the change feed of a core's durable state.
 *
 * Persistence must not dump the whole state after every input: a full cache
 * is 16 MiB. When the journal is on (srp_core_set_journal), the subsystems
 * record here what changed in the state srp_core_export_state describes,
 * and the caller drains it with srp_core_poll_state_change, once per turn
 * of its loop, into its own store. Each change carries its value in the
 * same GVariant form as the export, so one reader serves both.
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

G_BEGIN_DECLS

/* What changed; value is the GVariant described. Lives are microseconds
 * left from the core's now when the change was made. */
typedef enum {
  SRP_STATE_CHANGE_CACHE_ADD,     /* (ayayx): packet ID, the PACKET frame, its life left */
  SRP_STATE_CHANGE_CACHE_REMOVE,  /* ay: the packet ID */
  SRP_STATE_CHANGE_DELIVERED,     /* ay: a message ID handed to the application */
  SRP_STATE_CHANGE_OUTBOX_ADD,    /* (ayayaayx): message ID, topic, frames, life left */
  SRP_STATE_CHANGE_OUTBOX_REMOVE, /* ay: the message ID (acknowledged or given up) */
  SRP_STATE_CHANGE_CHAIN_HEAD,    /* (ayay): topic, the ID of our last message on it */
  SRP_STATE_CHANGE_SUBSCRIPTIONS, /* aay: every subscription (the inbox left out) */
  SRP_STATE_CHANGE_KNOWN_PEERS,   /* a(ay(yqay)yx): every known peer, as exported */
} SrpStateChangeType;

typedef struct {
  SrpStateChangeType type;
  GVariant *value; /* owned by whoever holds the change */
} SrpStateChange;

void srp_state_change_clear (SrpStateChange *change);

typedef struct {
  gboolean enabled;
  SrpRing changes;      /* SrpStateChange, oldest first */
  gboolean subscriptions_dirty;
  gboolean peers_dirty;
} SrpJournal;

void srp_journal_init (SrpJournal *journal);
void srp_journal_clear (SrpJournal *journal);
/* Records a change (takes a floating value; drops it when the journal is off). */
void srp_journal_push (SrpJournal *journal, SrpStateChangeType type, GVariant *value);
/* Marks a part that is polled whole (SUBSCRIPTIONS, KNOWN_PEERS). */
void srp_journal_mark (SrpJournal *journal, SrpStateChangeType type);

static inline gboolean
srp_journal_is_on (const SrpJournal *journal)
{
  return journal->enabled;
}

G_END_DECLS
