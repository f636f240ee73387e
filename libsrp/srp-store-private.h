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

struct _SrpStore {
  sqlite3 *db;
  char *path;
  sqlite3_stmt *stmts[N_STMTS];
  gboolean in_transaction;
  gint64 delivered_seq;      /* the newest row of the delivered memory */
  gint64 last_checkpoint;    /* monotonic */
  gboolean wrote_since_checkpoint;
};

/* Sets error from the database's last error, prefixed with what failed. */
gboolean srp_store_fail (SrpStore *store, const char *what, GError **error);

G_END_DECLS
