/* srp-store-private.h: what srp-store.c and srp-store-load.c share.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <sqlite3.h>

#include "srp-store.h"

G_BEGIN_DECLS

/* The delivered memory kept on disk: the core remembers 16,384 message
 * IDs; twice that is kept, then the oldest are trimmed. */
#define SRP_STORE_DELIVERED_KEEP (2 * 16384)

typedef enum {
  STMT_CACHE_ADD,
  STMT_CACHE_REMOVE,
  STMT_DELIVERED_ADD,
  STMT_DELIVERED_TRIM,
  STMT_OUTBOX_ADD,
  STMT_OUTBOX_REMOVE,
  STMT_CHAIN_HEAD,
  STMT_META_SET,
  STMT_TOPIC_ADD,
  STMT_TOPIC_REMOVE,
  N_STMTS
} StoreStatement;

/* A change as the store keeps it: what the core said, and when on the wall
 * clock (a CACHE_ADD's life counts from there). */
typedef struct {
  SrpStateChange c;
  gint64 wall_us;
} StoreChange;

/* srp-store-log.c: the redo log (see there). */
typedef struct _SrpStoreLog SrpStoreLog;
/* Takes change (the callee owns its references). */
typedef void (*SrpStoreLogFunc) (StoreChange *change, gpointer data);
SrpStoreLog *srp_store_log_open (const char *path, GError **error);
void srp_store_log_free (SrpStoreLog *log);
/* Calls func for each change of every whole record, in order. */
gboolean srp_store_log_replay (SrpStoreLog *log, SrpStoreLogFunc func, gpointer data,
                               GError **error);
/* Adds a change to the record being made. */
void srp_store_log_add (SrpStoreLog *log, const StoreChange *change);
/* Appends the record being made (a memcpy, or one pwrite): when it holds a change
 * that must not be lost (all but removals: a packet or publish that comes
 * back after a kill is harmless, one that is lost is not), or with force. */
gboolean srp_store_log_write (SrpStoreLog *log, gboolean force, GError **error);
/* Empties the log and the record being made: what they held is in SQLite. */
gboolean srp_store_log_reset (SrpStoreLog *log, GError **error);

struct _SrpStore {
  sqlite3 *db;
  char *path;
  SrpStoreLog *log;
  GArray *batch;             /* StoreChange: in the log, not yet in SQLite */
  sqlite3_stmt *stmts[N_STMTS];
  gboolean in_transaction;
  gint64 delivered_seq;      /* the newest row of the delivered memory */
  GHashTable *cache_rows;    /* SrpId* (owned) -> gint64* (owned): the cache table's seq */
  gint64 cache_seq;          /* the newest row of the cache table */
  gint64 last_checkpoint;    /* monotonic */
  gboolean wrote_since_checkpoint;
};

/* Sets error from the database's last error, prefixed with what failed. */
gboolean srp_store_fail (SrpStore *store, const char *what, GError **error);

G_END_DECLS
