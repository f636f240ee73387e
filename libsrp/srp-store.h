/* srp-store.h: a peer's durable state in SQLite (internal).
 *
 * One database per identity, in the peer's state directory. The core hands
 * out its state as plain data (srp_core_export_state, and the change feed
 * srp_core_poll_state_change); this file is where that data meets the disk.
 * Changes go into one open transaction that srp_store_commit ends: the
 * peer commits once per turn of its drive loop, before it hands the turn's
 * events to the application (so a message the application was given is in
 * the delivered memory on disk first) and before a publish returns its ID.
 *
 * Durability: WAL journal, synchronous=NORMAL. A commit is a write into the
 * WAL (no fsync): it survives the process being killed at any moment. The
 * WAL reaches the disk at checkpoints, which the store runs at most every
 * SRP_STORE_CHECKPOINT_US: a power loss or kernel crash can cost the
 * changes of the last seconds (the database stays consistent).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "srp-core.h"

G_BEGIN_DECLS

/* The schema this libsrp writes; a database from a newer one is refused. */
#define SRP_STORE_SCHEMA_VERSION 1
/* How often at most the WAL is checkpointed (and so fsynced). */
#define SRP_STORE_CHECKPOINT_US (2 * G_USEC_PER_SEC)

typedef struct _SrpStore SrpStore;

/* The database file of an identity inside a state directory. */
char *srp_store_path (const char *directory, const char *hex_id);
/* Opens (or, when path does not exist, creates) the database of peer_id.
 * Fails with SRP_ERROR_STATE for a database of a newer schema, of another
 * peer, a corrupt or truncated file, or one that cannot be written. */
SrpStore *srp_store_open (const char *path, const SrpId *peer_id, GError **error);
/* read_only: for inspection (srp-tool state); never creates nor migrates. */
SrpStore *srp_store_open_read_only (const char *path, GError **error);
void srp_store_free (SrpStore *store);

/* srp-store-load.c: the saved state as srp_core_import_state takes it
 * (lives counted from now on the wall clock), and the topic names the
 * peer was subscribed to. */
GVariant *srp_store_load (SrpStore *store, const SrpId *peer_id, GError **error);
GStrv srp_store_load_topic_names (SrpStore *store);
/* What the database holds, as a{sv}: cache_packets, cache_bytes, outbox,
 * delivered, chain_heads, known_peers, topics (as), peer_id (s). */
GVariant *srp_store_summarize (SrpStore *store);

/* Writes a change of the core's feed into the open transaction, except
 * DELIVERED: the peer writes each delivered ID itself, with
 * srp_store_save_delivered, as it hands the message over. */
void srp_store_apply (SrpStore *store, const SrpStateChange *change);
/* Writes a message ID as delivered and commits at once: called right before
 * the message is emitted, so that a kill loses at most the one message
 * being handed over (never shows one twice), and messages of the same turn
 * not yet handed over come back from the cache after a restart. */
gboolean srp_store_save_delivered (SrpStore *store, const SrpId *message_id, GError **error);
/* Whether commits were made since the last checkpoint (one is due). */
gboolean srp_store_has_unsynced (SrpStore *store);
/* The peer subscribed to (or unsubscribed from) a topic by name. */
void srp_store_set_topic (SrpStore *store, const char *name, gboolean subscribed);
/* Ends the open transaction, if any; checkpoints when it is time. FALSE
 * with error when the disk refused: that turn's changes did not reach it. */
gboolean srp_store_commit (SrpStore *store, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrpStore, srp_store_free)

G_END_DECLS
