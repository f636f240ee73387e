/* srp-store.c: opening a peer's database (creating it, checking it,
 * migrating its schema) and writing the core's changes into it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-store-private.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "srp-error.h"

/* Schema migrations: MIGRATIONS[v] takes a database from version v to v + 1.
 * A new version appends one entry and raises SRP_STORE_SCHEMA_VERSION;
 * entries are never edited once released. */
static const char *const MIGRATIONS[] = {
  /* 0 -> 1 */
  "CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);"
  /* seq keeps arrival order, which is the cache's expiry order. No index on
   * id: the store maps IDs to rows in memory, so that an insert appends to
   * one b-tree instead of dirtying a random page of a second one. */
  "CREATE TABLE cache (seq INTEGER PRIMARY KEY, id BLOB NOT NULL,"
  "                    frame BLOB NOT NULL, expires INTEGER NOT NULL);"
  "CREATE TABLE delivered (seq INTEGER PRIMARY KEY, id BLOB NOT NULL UNIQUE);"
  "CREATE TABLE outbox (seq INTEGER PRIMARY KEY, id BLOB NOT NULL UNIQUE,"
  "                     record BLOB NOT NULL);"
  "CREATE TABLE chain_heads (topic BLOB PRIMARY KEY, head BLOB NOT NULL) WITHOUT ROWID;"
  "CREATE TABLE topics (name TEXT PRIMARY KEY) WITHOUT ROWID;",
};
G_STATIC_ASSERT (G_N_ELEMENTS (MIGRATIONS) == SRP_STORE_SCHEMA_VERSION);

static const char *const STATEMENTS[N_STMTS] = {
  [STMT_CACHE_ADD] = "INSERT INTO cache (seq, id, frame, expires) VALUES (?, ?, ?, ?)",
  [STMT_CACHE_REMOVE] = "DELETE FROM cache WHERE seq = ?",
  [STMT_DELIVERED_ADD] = "INSERT OR IGNORE INTO delivered (id) VALUES (?)",
  [STMT_DELIVERED_TRIM] = "DELETE FROM delivered WHERE seq <= ?",
  [STMT_OUTBOX_ADD] = "INSERT OR REPLACE INTO outbox (id, record) VALUES (?, ?)",
  [STMT_OUTBOX_REMOVE] = "DELETE FROM outbox WHERE id = ?",
  [STMT_CHAIN_HEAD] = "INSERT OR REPLACE INTO chain_heads (topic, head) VALUES (?, ?)",
  [STMT_META_SET] = "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
  [STMT_TOPIC_ADD] = "INSERT OR IGNORE INTO topics (name) VALUES (?)",
  [STMT_TOPIC_REMOVE] = "DELETE FROM topics WHERE name = ?",
};

gboolean
srp_store_fail (SrpStore *store, const char *what, GError **error)
{
  g_set_error (error, SRP_ERROR, SRP_ERROR_STATE, "%s: %s (%s)", store->path, what,
               store->db != NULL ? sqlite3_errmsg (store->db) : "cannot open");
  return FALSE;
}

char *
srp_store_path (const char *directory, const char *hex_id)
{
  g_autofree char *name = g_strdup_printf ("%s.sqlite", hex_id);

  return g_build_filename (directory, name, NULL);
}

static gboolean
exec (SrpStore *store, const char *sql, const char *what, GError **error)
{
  if (sqlite3_exec (store->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return srp_store_fail (store, what, error);
  return TRUE;
}

/* An integer from a one-row query; -1 on failure. */
static gint64
query_int (SrpStore *store, const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value = -1;

  if (sqlite3_prepare_v2 (store->db, sql, -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

static gboolean
migrate (SrpStore *store, gint64 from, GError **error)
{
  g_autofree char *set_version = NULL;

  if (!exec (store, "BEGIN IMMEDIATE", "cannot start the migration", error))
    return FALSE;
  for (gint64 v = from; v < SRP_STORE_SCHEMA_VERSION; v++)
    if (!exec (store, MIGRATIONS[v], "cannot migrate the schema", error))
      {
        sqlite3_exec (store->db, "ROLLBACK", NULL, NULL, NULL);
        return FALSE;
      }
  set_version = g_strdup_printf ("PRAGMA user_version = %d", SRP_STORE_SCHEMA_VERSION);
  if (!exec (store, set_version, "cannot migrate the schema", error) ||
      !exec (store, "COMMIT", "cannot migrate the schema", error))
    {
      sqlite3_exec (store->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  return TRUE;
}

static gboolean
write_peer_id (SrpStore *store, const SrpId *peer_id, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  gboolean ok;

  ok = sqlite3_prepare_v2 (store->db, "INSERT INTO meta (key, value) VALUES ('peer_id', ?)", -1,
                           &stmt, NULL) == SQLITE_OK &&
       sqlite3_bind_blob (stmt, 1, peer_id->bytes, SRP_ID_LEN, SQLITE_STATIC) == SQLITE_OK &&
       sqlite3_step (stmt) == SQLITE_DONE;
  sqlite3_finalize (stmt);
  return ok || srp_store_fail (store, "cannot write the peer ID", error);
}

static void
store_change_clear (gpointer data)
{
  srp_state_change_clear (&((StoreChange *) data)->c);
}

static SrpStore *
store_new (const char *path)
{
  SrpStore *store = g_new0 (SrpStore, 1);

  store->path = g_strdup (path);
  store->batch = g_array_new (FALSE, FALSE, sizeof (StoreChange));
  store->cache_rows = g_hash_table_new_full (srp_id_hash_func, srp_id_equal_func, g_free, g_free);
  g_array_set_clear_func (store->batch, store_change_clear);
  return store;
}

static void replay_change (StoreChange *change, gpointer data);

/* A new database is made under a temporary name and renamed into place
 * whole: a peer killed while making it leaves no half-made database that
 * would later read as truncated. */
static gboolean
create (const char *path, const SrpId *peer_id, GError **error)
{
  g_autofree char *tmp = g_strconcat (path, ".new", NULL);
  g_autoptr (SrpStore) store = store_new (tmp);
  gboolean ok;

  g_unlink (tmp);
  if (sqlite3_open_v2 (tmp, &store->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
      SQLITE_OK)
    return srp_store_fail (store, "cannot create the state database", error);
  /* The WAL mode is stored in the file: set it before the file is in place. */
  ok = exec (store, "PRAGMA journal_mode = WAL", "cannot use WAL", error) &&
       migrate (store, 0, error) && write_peer_id (store, peer_id, error);
  g_clear_pointer (&store->db, sqlite3_close);
  if (ok && g_rename (tmp, path) != 0)
    {
      int saved = errno;
      g_set_error (error, SRP_ERROR, SRP_ERROR_STATE, "Cannot put the state database at %s: %s",
                   path, g_strerror (saved));
      ok = FALSE;
    }
  if (!ok)
    g_unlink (tmp);
  return ok;
}

/* The cache's rows by packet ID (see the schema). */
static gboolean
map_cache_rows (SrpStore *store, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (store->db, "SELECT seq, id FROM cache", -1, &stmt, NULL) != SQLITE_OK)
    return srp_store_fail (store, "cannot read the cache", error);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 seq = sqlite3_column_int64 (stmt, 0);

      store->cache_seq = MAX (store->cache_seq, seq);
      if (sqlite3_column_bytes (stmt, 1) == SRP_ID_LEN)
        g_hash_table_insert (store->cache_rows,
                             g_memdup2 (sqlite3_column_blob (stmt, 1), SRP_ID_LEN),
                             g_memdup2 (&seq, sizeof seq));
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return srp_store_fail (store, "cannot read the cache", error);
  return TRUE;
}

static gboolean
check_peer_id (SrpStore *store, const SrpId *peer_id, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  gboolean same = FALSE;

  if (sqlite3_prepare_v2 (store->db, "SELECT value FROM meta WHERE key = 'peer_id'", -1, &stmt,
                          NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    same = sqlite3_column_bytes (stmt, 0) == SRP_ID_LEN &&
           memcmp (sqlite3_column_blob (stmt, 0), peer_id->bytes, SRP_ID_LEN) == 0;
  sqlite3_finalize (stmt);
  if (!same)
    g_set_error (error, SRP_ERROR, SRP_ERROR_STATE,
                 "%s holds the state of another peer than this identity", store->path);
  return same;
}

/* Opens path and checks that it is a whole database of a schema this
 * libsrp reads. */
static SrpStore *
open_checked (const char *path, gboolean read_only, GError **error)
{
  g_autoptr (SrpStore) store = store_new (path);
  gint64 version;
  sqlite3_stmt *check = NULL;
  gboolean whole = FALSE;

  if (sqlite3_open_v2 (path, &store->db,
                       read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE, NULL) !=
      SQLITE_OK)
    {
      srp_store_fail (store, "cannot open the state database", error);
      return NULL;
    }
  sqlite3_busy_timeout (store->db, 2000);
  version = query_int (store, "PRAGMA user_version");
  if (version < 0)
    {
      srp_store_fail (store,
                      "corrupt, or not a state database: move it away to start over with the "
                      "same identity",
                      error);
      return NULL;
    }
  if (version == 0)
    {
      g_set_error (error, SRP_ERROR, SRP_ERROR_STATE,
                   "%s is empty or truncated: move it away to start over with the same identity",
                   path);
      return NULL;
    }
  if (version > SRP_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, SRP_ERROR, SRP_ERROR_STATE,
                   "%s has schema version %" G_GINT64_FORMAT
                   ", newer than this libsrp reads (%d): use a newer libsrp",
                   path, version, SRP_STORE_SCHEMA_VERSION);
      return NULL;
    }
  /* A truncated or damaged file can still answer the header's questions;
   * quick_check reads every page (milliseconds for a full cache). */
  if (sqlite3_prepare_v2 (store->db, "PRAGMA quick_check", -1, &check, NULL) == SQLITE_OK &&
      sqlite3_step (check) == SQLITE_ROW)
    whole = g_strcmp0 ((const char *) sqlite3_column_text (check, 0), "ok") == 0;
  sqlite3_finalize (check);
  if (!whole)
    {
      g_set_error (error, SRP_ERROR, SRP_ERROR_STATE,
                   "%s is corrupt or truncated: move it away to start over with the same "
                   "identity",
                   path);
      return NULL;
    }
  if (!read_only && version < SRP_STORE_SCHEMA_VERSION && !migrate (store, version, error))
    return NULL;
  return g_steal_pointer (&store);
}

SrpStore *
srp_store_open (const char *path, const SrpId *peer_id, GError **error)
{
  g_autoptr (SrpStore) store = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS) && !create (path, peer_id, error))
    return NULL;
  store = open_checked (path, FALSE, error);
  if (store == NULL || !check_peer_id (store, peer_id, error))
    return NULL;
  /* NORMAL in WAL mode: commits do not fsync (see srp-store.h). */
  if (!exec (store, "PRAGMA journal_mode = WAL", "cannot use WAL", error) ||
      !exec (store, "PRAGMA synchronous = NORMAL", "cannot set synchronous", error))
    return NULL;
  /* A read-only file or directory shows here at the latest: the first
   * write. */
  if (!exec (store, "BEGIN IMMEDIATE; COMMIT", "cannot write the state database", error))
    return NULL;
  for (guint i = 0; i < N_STMTS; i++)
    if (sqlite3_prepare_v3 (store->db, STATEMENTS[i], -1, SQLITE_PREPARE_PERSISTENT,
                            &store->stmts[i], NULL) != SQLITE_OK)
      {
        srp_store_fail (store, "cannot prepare a statement", error);
        return NULL;
      }
  {
    g_autofree char *expired = g_strdup_printf ("DELETE FROM cache WHERE expires <= %" G_GINT64_FORMAT,
                                                g_get_real_time ());
    if (!exec (store, expired, "cannot forget expired packets", error))
      return NULL;
  }
  store->delivered_seq = query_int (store, "SELECT IFNULL(MAX(seq), 0) FROM delivered");
  if (!map_cache_rows (store, error))
    return NULL;
  store->last_checkpoint = g_get_monotonic_time ();
  /* What the last run made safe from a kill but had not yet put into
   * SQLite comes first. */
  {
    g_autofree char *log_path = g_strconcat (path, "-redo", NULL);

    store->log = srp_store_log_open (log_path, error);
    if (store->log == NULL || !srp_store_log_replay (store->log, replay_change, store, error) ||
        !srp_store_commit (store, error))
      return NULL;
  }
  return g_steal_pointer (&store);
}

SrpStore *
srp_store_open_read_only (const char *path, GError **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  return open_checked (path, TRUE, error);
}

void
srp_store_free (SrpStore *store)
{
  if (store == NULL)
    return;
  if (store->log != NULL)
    {
      /* Whatever SQLite cannot take stays in the log for the next start. */
      srp_store_log_write (store->log, TRUE, NULL);
      srp_store_commit (store, NULL);
    }
  srp_store_log_free (store->log);
  if (store->batch != NULL)
    g_array_unref (store->batch);
  g_clear_pointer (&store->cache_rows, g_hash_table_unref);
  for (guint i = 0; i < N_STMTS; i++)
    sqlite3_finalize (store->stmts[i]);
  sqlite3_close (store->db);
  g_free (store->path);
  g_free (store);
}

/* ---- writing ---------------------------------------------------------------------------- */

static void
begin (SrpStore *store)
{
  if (store->in_transaction)
    return;
  /* A failure shows at commit; until then the statements run in
   * autocommit mode, which is slower but loses nothing. */
  store->in_transaction = sqlite3_exec (store->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
}

static void
bind_id (sqlite3_stmt *stmt, int column, const SrpId *id)
{
  sqlite3_bind_blob (stmt, column, id->bytes, SRP_ID_LEN, SQLITE_TRANSIENT);
}

static void
bind_gbytes (sqlite3_stmt *stmt, int column, GBytes *bytes)
{
  gsize n;
  const void *data = g_bytes_get_data (bytes, &n);

  /* A zero-length blob from a NULL pointer would be stored as NULL. */
  sqlite3_bind_blob (stmt, column, n > 0 ? data : "", (int) n, SQLITE_TRANSIENT);
}

static void
bind_variant (sqlite3_stmt *stmt, int column, GVariant *value)
{
  sqlite3_bind_blob (stmt, column, g_variant_get_data (value), (int) g_variant_get_size (value),
                     SQLITE_TRANSIENT);
}

static void
run (SrpStore *store, sqlite3_stmt *stmt)
{
  if (sqlite3_step (stmt) != SQLITE_DONE)
    g_debug ("%s: %s", store->path, sqlite3_errmsg (store->db));
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  store->wrote_since_checkpoint = TRUE;
}

static void
run_with_id (SrpStore *store, StoreStatement which, const SrpId *id)
{
  sqlite3_stmt *stmt = store->stmts[which];

  bind_id (stmt, 1, id);
  run (store, stmt);
}

static void
set_meta (SrpStore *store, const char *key, GVariant *value)
{
  sqlite3_stmt *stmt = store->stmts[STMT_META_SET];

  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  bind_variant (stmt, 2, value);
  run (store, stmt);
}

static void
add_delivered (SrpStore *store, const SrpId *id)
{
  sqlite3_stmt *stmt;

  run_with_id (store, STMT_DELIVERED_ADD, id);
  store->delivered_seq = sqlite3_last_insert_rowid (store->db);
  /* Trimmed in steps, not row by row. */
  if (store->delivered_seq % 1024 == 0)
    {
      stmt = store->stmts[STMT_DELIVERED_TRIM];
      sqlite3_bind_int64 (stmt, 1, store->delivered_seq - SRP_STORE_DELIVERED_KEEP);
      run (store, stmt);
    }
}

static void
apply_sql (SrpStore *store, StoreChange *change)
{
  SrpStateChange *c = &change->c;
  sqlite3_stmt *stmt;

  begin (store);
  switch (c->type)
    {
    case SRP_STATE_CHANGE_CACHE_ADD:
      {
        gint64 seq = ++store->cache_seq;

        if (g_hash_table_contains (store->cache_rows, &c->id))
          break; /* a replayed change SQLite had */
        stmt = store->stmts[STMT_CACHE_ADD];
        sqlite3_bind_int64 (stmt, 1, seq);
        bind_id (stmt, 2, &c->id);
        bind_gbytes (stmt, 3, c->frame);
        /* Kept on the wall clock: the core's monotonic time means nothing
         * after a restart. */
        sqlite3_bind_int64 (stmt, 4, change->wall_us + c->life_us);
        run (store, stmt);
        g_hash_table_insert (store->cache_rows, g_memdup2 (&c->id, sizeof c->id),
                             g_memdup2 (&seq, sizeof seq));
      }
      break;
    case SRP_STATE_CHANGE_CACHE_REMOVE:
      {
        const gint64 *seq = g_hash_table_lookup (store->cache_rows, &c->id);

        if (seq == NULL)
          break;
        stmt = store->stmts[STMT_CACHE_REMOVE];
        sqlite3_bind_int64 (stmt, 1, *seq);
        run (store, stmt);
        g_hash_table_remove (store->cache_rows, &c->id);
      }
      break;
    case SRP_STATE_CHANGE_DELIVERED:
      add_delivered (store, &c->id);
      break;
    case SRP_STATE_CHANGE_OUTBOX_ADD:
      stmt = store->stmts[STMT_OUTBOX_ADD];
      bind_id (stmt, 1, &c->id);
      bind_variant (stmt, 2, srp_state_change_get_value (c));
      run (store, stmt);
      break;
    case SRP_STATE_CHANGE_OUTBOX_REMOVE:
      run_with_id (store, STMT_OUTBOX_REMOVE, &c->id);
      break;
    case SRP_STATE_CHANGE_CHAIN_HEAD:
      stmt = store->stmts[STMT_CHAIN_HEAD];
      bind_id (stmt, 1, &c->topic);
      bind_id (stmt, 2, &c->id);
      run (store, stmt);
      break;
    case SRP_STATE_CHANGE_SUBSCRIPTIONS:
      set_meta (store, "subscriptions", c->value);
      break;
    case SRP_STATE_CHANGE_KNOWN_PEERS:
      set_meta (store, "known_peers", c->value);
      break;
    default:
      g_return_if_reached ();
    }
}

/* Into the log's next record and the batch (takes the change's references). */
static void
take (SrpStore *store, StoreChange *change)
{
  change->wall_us = g_get_real_time ();
  srp_store_log_add (store->log, change);
  g_array_append_vals (store->batch, change, 1);
}

static void
replay_change (StoreChange *change, gpointer data)
{
  SrpStore *store = data;

  g_array_append_vals (store->batch, change, 1);
}

void
srp_store_apply (SrpStore *store, const SrpStateChange *change)
{
  StoreChange copy = { *change, 0 };

  if (change->type == SRP_STATE_CHANGE_DELIVERED) /* srp_store_save_delivered */
    return;
  /* The batch holds its own references; the caller clears its change. */
  if (copy.c.frame != NULL)
    g_bytes_ref (copy.c.frame);
  if (copy.c.frames != NULL)
    g_ptr_array_ref (copy.c.frames);
  if (copy.c.value != NULL)
    g_variant_ref (copy.c.value);
  take (store, &copy);
}

gboolean
srp_store_write_log (SrpStore *store, GError **error)
{
  return srp_store_log_write (store->log, FALSE, error);
}

gboolean
srp_store_has_pending (SrpStore *store)
{
  return store->batch->len > 0;
}

guint
srp_store_get_n_pending (SrpStore *store)
{
  return store->batch->len;
}

gboolean
srp_store_save_delivered (SrpStore *store, const SrpId *message_id, GError **error)
{
  StoreChange change = { { .type = SRP_STATE_CHANGE_DELIVERED, .id = *message_id }, 0 };

  take (store, &change);
  return srp_store_write_log (store, error);
}

void
srp_store_set_topic (SrpStore *store, const char *name, gboolean subscribed)
{
  sqlite3_stmt *stmt = store->stmts[subscribed ? STMT_TOPIC_ADD : STMT_TOPIC_REMOVE];

  /* Rare: straight into SQLite, with whatever waits. */
  srp_store_write_log (store, NULL);
  begin (store);
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
  run (store, stmt);
  srp_store_commit (store, NULL);
}

/* What identifies the row a change writes: a later change of the same
 * key replaces it (last one wins). Adds and removes of one table share a
 * key; DELIVERED rows have none (never undone). */
typedef struct {
  guint8 bytes[1 + SRP_ID_LEN];
} RowKey;

static gboolean
row_key (const StoreChange *change, RowKey *key)
{
  const SrpStateChange *c = &change->c;

  memset (key, 0, sizeof *key);
  switch (c->type)
    {
    case SRP_STATE_CHANGE_CACHE_ADD:
    case SRP_STATE_CHANGE_CACHE_REMOVE:
      key->bytes[0] = SRP_STATE_CHANGE_CACHE_ADD;
      memcpy (key->bytes + 1, c->id.bytes, SRP_ID_LEN);
      return TRUE;
    case SRP_STATE_CHANGE_OUTBOX_ADD:
    case SRP_STATE_CHANGE_OUTBOX_REMOVE:
      key->bytes[0] = SRP_STATE_CHANGE_OUTBOX_ADD;
      memcpy (key->bytes + 1, c->id.bytes, SRP_ID_LEN);
      return TRUE;
    case SRP_STATE_CHANGE_CHAIN_HEAD:
      key->bytes[0] = c->type;
      memcpy (key->bytes + 1, c->topic.bytes, SRP_ID_LEN);
      return TRUE;
    case SRP_STATE_CHANGE_SUBSCRIPTIONS:
    case SRP_STATE_CHANGE_KNOWN_PEERS:
      key->bytes[0] = c->type;
      return TRUE;
    case SRP_STATE_CHANGE_DELIVERED:
    default:
      return FALSE;
    }
}

static guint
row_key_hash (gconstpointer key)
{
  const RowKey *k = key;
  guint h;

  /* IDs are hashes already. */
  memcpy (&h, k->bytes + 1, sizeof h);
  return h ^ k->bytes[0];
}

static gboolean
row_key_equal (gconstpointer a, gconstpointer b)
{
  return memcmp (a, b, sizeof (RowKey)) == 0;
}

static gboolean
makes_row (const StoreChange *change)
{
  return change->c.type == SRP_STATE_CHANGE_CACHE_ADD ||
         change->c.type == SRP_STATE_CHANGE_OUTBOX_ADD;
}

static gboolean
removes_row (const StoreChange *change)
{
  return change->c.type == SRP_STATE_CHANGE_CACHE_REMOVE ||
         change->c.type == SRP_STATE_CHANGE_OUTBOX_REMOVE;
}

/* The batch into the open transaction, each row's last change only. */
static void
apply_batch (SrpStore *store)
{
  guint n = store->batch->len;
  g_autofree RowKey *keys = g_new (RowKey, n);
  g_autofree gboolean *keyed = g_new (gboolean, n);
  /* last: key -> index + 1 of its last change; born: keys whose first
   * change in the batch made the row (a packet or publish is added once,
   * so the row was not there before). Keys point into keys[]. */
  g_autoptr (GHashTable) last = g_hash_table_new (row_key_hash, row_key_equal);
  g_autoptr (GHashTable) born = g_hash_table_new (row_key_hash, row_key_equal);

  for (guint i = 0; i < n; i++)
    {
      const StoreChange *change = &g_array_index (store->batch, StoreChange, i);

      keyed[i] = row_key (change, &keys[i]);
      if (!keyed[i])
        continue;
      if (!g_hash_table_contains (last, &keys[i]) && makes_row (change))
        g_hash_table_add (born, &keys[i]);
      g_hash_table_insert (last, &keys[i], GUINT_TO_POINTER (i + 1));
    }
  for (guint i = 0; i < n; i++)
    {
      StoreChange *change = &g_array_index (store->batch, StoreChange, i);

      if (keyed[i] && GPOINTER_TO_UINT (g_hash_table_lookup (last, &keys[i])) != i + 1)
        continue; /* replaced later in the batch */
      /* Made and undone within the batch (a publish acknowledged at once, a
       * packet purged): SQLite never needs to hear of it. */
      if (removes_row (change) && g_hash_table_contains (born, &keys[i]))
        continue;
      apply_sql (store, change);
    }
}

gboolean
srp_store_commit (SrpStore *store, GError **error)
{
  gint64 now;

  if (store->batch->len > 0)
    apply_batch (store);
  if (store->in_transaction)
    {
      store->in_transaction = FALSE;
      if (sqlite3_exec (store->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        {
          srp_store_fail (store, "cannot save the state", error);
          sqlite3_exec (store->db, "ROLLBACK", NULL, NULL, NULL);
          return FALSE;
        }
    }
  /* In SQLite now: the log starts over. */
  g_array_set_size (store->batch, 0);
  if (!srp_store_log_reset (store->log, error))
    return FALSE;
  /* The checkpoint is what fsyncs: bounded in time, it bounds what a power
   * loss can cost without costing a sync per commit. */
  now = g_get_monotonic_time ();
  if (store->wrote_since_checkpoint && now - store->last_checkpoint >= SRP_STORE_CHECKPOINT_US)
    {
      sqlite3_wal_checkpoint_v2 (store->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
      store->last_checkpoint = now;
      store->wrote_since_checkpoint = FALSE;
    }
  return TRUE;
}

gboolean
srp_store_has_unsynced (SrpStore *store)
{
  return store->wrote_since_checkpoint;
}
