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
  /* seq keeps arrival order, which is the cache's expiry order. */
  "CREATE TABLE cache (seq INTEGER PRIMARY KEY, id BLOB NOT NULL UNIQUE,"
  "                    frame BLOB NOT NULL, expires INTEGER NOT NULL);"
  "CREATE TABLE delivered (seq INTEGER PRIMARY KEY, id BLOB NOT NULL UNIQUE);"
  "CREATE TABLE outbox (seq INTEGER PRIMARY KEY, id BLOB NOT NULL UNIQUE,"
  "                     record BLOB NOT NULL);"
  "CREATE TABLE chain_heads (topic BLOB PRIMARY KEY, head BLOB NOT NULL) WITHOUT ROWID;"
  "CREATE TABLE topics (name TEXT PRIMARY KEY) WITHOUT ROWID;",
};
G_STATIC_ASSERT (G_N_ELEMENTS (MIGRATIONS) == SRP_STORE_SCHEMA_VERSION);

static const char *const STATEMENTS[N_STMTS] = {
  [STMT_CACHE_ADD] = "INSERT OR IGNORE INTO cache (id, frame, expires) VALUES (?, ?, ?)",
  [STMT_CACHE_REMOVE] = "DELETE FROM cache WHERE id = ?",
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
  g_variant_unref (((StoreChange *) data)->value);
}

static SrpStore *
store_new (const char *path)
{
  SrpStore *store = g_new0 (SrpStore, 1);

  store->path = g_strdup (path);
  store->batch = g_array_new (FALSE, FALSE, sizeof (StoreChange));
  g_array_set_clear_func (store->batch, store_change_clear);
  return store;
}

static void replay_change (SrpStateChangeType type, gint64 wall_us, GVariant *value,
                           gpointer data);

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
      srp_store_write_log (store, NULL);
      srp_store_commit (store, NULL);
    }
  srp_store_log_free (store->log);
  if (store->batch != NULL)
    g_array_unref (store->batch);
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
bind_bytes (sqlite3_stmt *stmt, int column, GVariant *ay)
{
  gsize n;
  const guint8 *data = g_variant_get_fixed_array (ay, &n, 1);

  /* A zero-length blob from a NULL pointer would be stored as NULL. */
  sqlite3_bind_blob (stmt, column, n > 0 ? (const void *) data : "", (int) n, SQLITE_TRANSIENT);
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
set_meta (SrpStore *store, const char *key, GVariant *value)
{
  sqlite3_stmt *stmt = store->stmts[STMT_META_SET];

  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  bind_variant (stmt, 2, value);
  run (store, stmt);
}

static void
add_delivered (SrpStore *store, GVariant *id)
{
  sqlite3_stmt *stmt = store->stmts[STMT_DELIVERED_ADD];

  bind_bytes (stmt, 1, id);
  run (store, stmt);
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
add_cached (SrpStore *store, const StoreChange *change)
{
  g_autoptr (GVariant) id = NULL, frame = NULL;
  sqlite3_stmt *stmt = store->stmts[STMT_CACHE_ADD];
  gint64 life;

  g_variant_get (change->value, "(@ay@ayx)", &id, &frame, &life);
  bind_bytes (stmt, 1, id);
  bind_bytes (stmt, 2, frame);
  /* Kept on the wall clock: the core's monotonic time means nothing after
   * a restart. */
  sqlite3_bind_int64 (stmt, 3, change->wall_us + life);
  run (store, stmt);
}

/* The type each change's value has (the log is read back from a disk). */
static const char *
change_type (SrpStateChangeType type)
{
  switch (type)
    {
    case SRP_STATE_CHANGE_CACHE_ADD:
      return "(ayayx)"; /* its life counts from the change's wall-clock time */
    case SRP_STATE_CHANGE_OUTBOX_ADD:
      return "(ayayaayx)";
    case SRP_STATE_CHANGE_CHAIN_HEAD:
      return "(ayay)";
    case SRP_STATE_CHANGE_SUBSCRIPTIONS:
      return "aay";
    case SRP_STATE_CHANGE_KNOWN_PEERS:
      return "a(ay(yqay)yx)";
    case SRP_STATE_CHANGE_CACHE_REMOVE:
    case SRP_STATE_CHANGE_DELIVERED:
    case SRP_STATE_CHANGE_OUTBOX_REMOVE:
      return "ay";
    default:
      return NULL;
    }
}

static void
apply_sql (SrpStore *store, const StoreChange *change)
{
  GVariant *v = change->value;
  sqlite3_stmt *stmt;
  g_autoptr (GVariant) first = NULL, second = NULL;

  begin (store);
  switch (change->type)
    {
    case SRP_STATE_CHANGE_CACHE_ADD:
      add_cached (store, change);
      break;
    case SRP_STATE_CHANGE_CACHE_REMOVE:
      stmt = store->stmts[STMT_CACHE_REMOVE];
      bind_bytes (stmt, 1, v);
      run (store, stmt);
      break;
    case SRP_STATE_CHANGE_DELIVERED:
      add_delivered (store, v);
      break;
    case SRP_STATE_CHANGE_OUTBOX_ADD:
      stmt = store->stmts[STMT_OUTBOX_ADD];
      first = g_variant_get_child_value (v, 0);
      bind_bytes (stmt, 1, first);
      bind_variant (stmt, 2, v);
      run (store, stmt);
      break;
    case SRP_STATE_CHANGE_OUTBOX_REMOVE:
      stmt = store->stmts[STMT_OUTBOX_REMOVE];
      bind_bytes (stmt, 1, v);
      run (store, stmt);
      break;
    case SRP_STATE_CHANGE_CHAIN_HEAD:
      stmt = store->stmts[STMT_CHAIN_HEAD];
      first = g_variant_get_child_value (v, 0);
      second = g_variant_get_child_value (v, 1);
      bind_bytes (stmt, 1, first);
      bind_bytes (stmt, 2, second);
      run (store, stmt);
      break;
    case SRP_STATE_CHANGE_SUBSCRIPTIONS:
      set_meta (store, "subscriptions", v);
      break;
    case SRP_STATE_CHANGE_KNOWN_PEERS:
      set_meta (store, "known_peers", v);
      break;
    default:
      g_return_if_reached ();
    }
}

/* Into the log's next record and the batch. */
static void
take (SrpStore *store, SrpStateChangeType type, GVariant *value)
{
  StoreChange change = { type, g_get_real_time (), g_variant_ref_sink (value) };

  srp_store_log_add (store->log, type, change.wall_us, change.value);
  g_array_append_val (store->batch, change);
}

static void
replay_change (SrpStateChangeType type, gint64 wall_us, GVariant *value, gpointer data)
{
  SrpStore *store = data;
  const char *expected = change_type (type);
  StoreChange change;

  /* A record passed its hash; a value of another type is still refused
   * rather than trusted. */
  if (expected == NULL || !g_variant_is_of_type (value, G_VARIANT_TYPE (expected)))
    return;
  change.type = type;
  change.wall_us = wall_us;
  change.value = g_variant_ref (value);
  g_array_append_val (store->batch, change);
}

void
srp_store_apply (SrpStore *store, const SrpStateChange *change)
{
  GVariant *v = change->value;

  switch (change->type)
    {
    case SRP_STATE_CHANGE_DELIVERED: /* srp_store_save_delivered */
      return;
    default:
      take (store, change->type, v);
    }
}

gboolean
srp_store_write_log (SrpStore *store, GError **error)
{
  return srp_store_log_write (store->log, error);
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
  take (store, SRP_STATE_CHANGE_DELIVERED,
        g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, message_id->bytes, SRP_ID_LEN, 1));
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
 * key replaces it (last one wins); DELIVERED rows have no key (never
 * undone). */
static GBytes *
change_key (const StoreChange *change)
{
  g_autoptr (GVariant) id = NULL;
  guint8 key[1 + SRP_ID_LEN] = { 0 };
  gsize n = 0;
  const guint8 *bytes;

  switch (change->type)
    {
    case SRP_STATE_CHANGE_CACHE_ADD:
    case SRP_STATE_CHANGE_OUTBOX_ADD:
    case SRP_STATE_CHANGE_CHAIN_HEAD:
      id = g_variant_get_child_value (change->value, 0);
      break;
    case SRP_STATE_CHANGE_CACHE_REMOVE:
    case SRP_STATE_CHANGE_OUTBOX_REMOVE:
      id = g_variant_ref (change->value);
      break;
    case SRP_STATE_CHANGE_SUBSCRIPTIONS:
    case SRP_STATE_CHANGE_KNOWN_PEERS:
      break;
    case SRP_STATE_CHANGE_DELIVERED:
    default:
      return NULL;
    }
  /* Adds and removes of one table share a key. */
  key[0] = change->type == SRP_STATE_CHANGE_CACHE_REMOVE    ? SRP_STATE_CHANGE_CACHE_ADD
           : change->type == SRP_STATE_CHANGE_OUTBOX_REMOVE ? SRP_STATE_CHANGE_OUTBOX_ADD
                                                            : change->type;
  if (id != NULL)
    {
      bytes = g_variant_get_fixed_array (id, &n, 1);
      if (n > 0)
        memcpy (key + 1, bytes, MIN (n, (gsize) SRP_ID_LEN));
    }
  return g_bytes_new (key, sizeof key);
}

gboolean
srp_store_commit (SrpStore *store, GError **error)
{
  g_autoptr (GHashTable) last = NULL, born = NULL;
  g_autoptr (GPtrArray) keys = NULL;
  gint64 now;

  if (store->batch->len > 0)
    {
      /* key -> index + 1 of the last change of it; born: keys whose first
       * change in the batch made the row (an add of a row that cannot have
       * been there: a packet or publish is added once). */
      last = g_hash_table_new (g_bytes_hash, g_bytes_equal);
      born = g_hash_table_new (g_bytes_hash, g_bytes_equal);
      keys = g_ptr_array_new_full (store->batch->len, (GDestroyNotify) g_bytes_unref);
      for (guint i = 0; i < store->batch->len; i++)
        {
          const StoreChange *change = &g_array_index (store->batch, StoreChange, i);
          GBytes *key = change_key (change);

          g_ptr_array_add (keys, key);
          if (key == NULL)
            continue;
          if (!g_hash_table_contains (last, key) &&
              (change->type == SRP_STATE_CHANGE_CACHE_ADD ||
               change->type == SRP_STATE_CHANGE_OUTBOX_ADD))
            g_hash_table_add (born, key);
          g_hash_table_insert (last, key, GUINT_TO_POINTER (i + 1));
        }
      for (guint i = 0; i < store->batch->len; i++)
        {
          const StoreChange *change = &g_array_index (store->batch, StoreChange, i);
          GBytes *key = keys->pdata[i];
          gboolean removed;

          if (key != NULL && GPOINTER_TO_UINT (g_hash_table_lookup (last, key)) != i + 1)
            continue; /* replaced later in the batch */
          /* Made and undone within the batch (a publish acknowledged at
           * once, a packet purged): SQLite never needs to hear of it. */
          removed = change->type == SRP_STATE_CHANGE_CACHE_REMOVE ||
                    change->type == SRP_STATE_CHANGE_OUTBOX_REMOVE;
          if (removed && g_hash_table_contains (born, key))
            continue;
          apply_sql (store, change);
        }
    }
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
