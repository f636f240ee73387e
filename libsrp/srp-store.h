/* srp-store.h: a peer's durable state in SQLite (internal).
 *
 * One database per identity, in the peer's state directory. The core hands
 * out its state as plain data (srp_core_export_state, and the change feed
 * srp_core_poll_state_change); this file is where that data meets the disk.
 * Changes are made safe from a kill by srp_store_write_log, a redo record
 * put into a mapped file (srp-store-log.c: a memcpy, no system call), which the peer calls once per turn of
 * its drive loop before it sends anything or a publish returns its ID, and
 * before each message it hands to the application (srp_store_save_delivered).
 * SQLite takes them in batches, one transaction per srp_store_commit, which
 * the peer calls every SRP_STORE_BATCH_MS while changes wait.
 *
 * Durability: WAL journal, synchronous=NORMAL. Neither a log write nor a
 * commit syncs: both survive the process being killed at any moment. The
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
/* How long changes wait in the log before a batch takes them into SQLite. */
#define SRP_STORE_BATCH_MS 200
/* A batch this large goes into SQLite at once. Large enough that a fast
 * publisher's outbox rows meet their ACKs (an add and a remove of one row
 * cancel out in the batch) before a count, not the timer, commits them: at
 * 8,192 changes (about 2,000 publishes, 14 ms at 140,000 a second) most
 * outbox rows were written and deleted again, and bench-store's ratio fell
 * to 0.68; at 32,768 it is 0.95. The redo log holds what waits (some MiB). */
#define SRP_STORE_BATCH_MAX 32768

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

/* Takes a change of the core's feed into the log's next record and the
 * batch, except DELIVERED: the peer saves each delivered ID itself, with
 * srp_store_save_delivered, as it hands the message over. */
void srp_store_apply (SrpStore *store, const SrpStateChange *change);
/* Writes what srp_store_apply took since the last call as one log record:
 * from here on a kill loses none of it. */
gboolean srp_store_write_log (SrpStore *store, GError **error);
/* Whether changes wait for a batch (srp_store_commit), and how many. */
gboolean srp_store_has_pending (SrpStore *store);
guint srp_store_get_n_pending (SrpStore *store);
/* Writes a message ID as delivered, into the log at once: called right before
 * the message is emitted, so that a kill loses at most the one message
 * being handed over (never shows one twice), and messages of the same turn
 * not yet handed over come back from the cache after a restart. */
gboolean srp_store_save_delivered (SrpStore *store, const SrpId *message_id, GError **error);
/* Whether commits were made since the last checkpoint (one is due). */
gboolean srp_store_has_unsynced (SrpStore *store);
/* The peer subscribed to (or unsubscribed from) a topic by name. */
void srp_store_set_topic (SrpStore *store, const char *name, gboolean subscribed);
/* Takes the waiting changes into SQLite in one transaction (a change that a
 * later one undoes or replaces is left out), empties the log, and
 * checkpoints when it is time. FALSE with error when the disk refused: the
 * changes stay in the log, and the next commit tries again. */
gboolean srp_store_commit (SrpStore *store, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrpStore, srp_store_free)

G_END_DECLS
