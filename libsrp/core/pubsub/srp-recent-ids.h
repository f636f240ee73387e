/* srp-recent-ids.h: a bounded set of packet or message IDs, the oldest
 * forgotten first. What the core remembers having seen: messages handed to
 * the application (so none is handed over twice), packets of delivered
 * messages (the reassembler refuses their repeats) and packets that left
 * the cache (so relays do not take them back in again and again).
 *
 * The IDs are SHA-256 outputs, but others choose them (a packet ID costs a
 * hash to grind), so the index hashes them under a secret key
 * (srp_id_hash_keyed): no one can make their IDs share a slot. Memory grows
 * with use up to the capacity: a peer that sees little keeps little.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-wire.h"

G_BEGIN_DECLS

typedef struct _SrpRecentIds SrpRecentIds;

/* key: srp_hash_key_from_seed, one per set. */
SrpRecentIds *srp_recent_ids_new (guint capacity, guint64 key);
/* The longest run of taken index slots (the tests' check on hash flooding). */
guint srp_recent_ids_longest_run (const SrpRecentIds *ids);
void srp_recent_ids_free (SrpRecentIds *ids);

/* TRUE when id was not held, and is now (the oldest forgotten to make room
 * at capacity); FALSE when it was held already (its place in the order
 * stays where it was). */
gboolean srp_recent_ids_add (SrpRecentIds *ids, const SrpId *id);
gboolean srp_recent_ids_contains (const SrpRecentIds *ids, const SrpId *id);
guint srp_recent_ids_size (const SrpRecentIds *ids);
/* Starts loading what srp_recent_ids_add or _contains of id will read (its
 * index slot, and at capacity the oldest's), and returns at once: a caller
 * with other work to do first (a hash to check) hides the cache misses. */
void srp_recent_ids_prefetch (const SrpRecentIds *ids, const SrpId *id);
/* Calls func for each ID held, oldest first. */
void srp_recent_ids_foreach (const SrpRecentIds *ids,
                             void (*func) (const SrpId *id, gpointer data), gpointer data);

G_END_DECLS
