/* srp-store-load.c: a peer's database read back, as the a{sv} state
 * srp_core_import_state takes (which checks every value again: the disk is
 * as untrusted as the network), and summarised for srp-tool state.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-store-private.h"

#include <string.h>

#include "srp-error.h"
#include "srp-state.h"

/* A blob column as "ay" (an empty blob's pointer may be NULL). */
static GVariant *
column_bytes (sqlite3_stmt *stmt, int column)
{
  const void *data = sqlite3_column_blob (stmt, column);
  int n = sqlite3_column_bytes (stmt, column);

  return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, n > 0 ? data : "", n, 1);
}

/* A blob column holding a serialised GVariant of type. Untrusted (GVariant
 * reads damaged data safely, as defaults), and checked again by the import;
 * NULL only when there is no data at all. */
static GVariant *
column_variant (sqlite3_stmt *stmt, int column, const GVariantType *type)
{
  int n = sqlite3_column_bytes (stmt, column);
  g_autoptr (GBytes) bytes = NULL;

  if (n == 0)
    return NULL;
  bytes = g_bytes_new (sqlite3_column_blob (stmt, column), n);
  return g_variant_ref_sink (g_variant_new_from_bytes (type, bytes, FALSE));
}

static sqlite3_stmt *
prepare (SrpStore *store, const char *sql)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (store->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    g_clear_pointer (&stmt, sqlite3_finalize);
  return stmt;
}

/* Runs stmt to its end; FALSE (with error) when it failed midway. */
static gboolean
finish (SrpStore *store, sqlite3_stmt *stmt, int rc, const char *what, GError **error)
{
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return srp_store_fail (store, what, error);
  return TRUE;
}

static gboolean
load_meta (SrpStore *store, GVariantDict *dict, const char *key, const char *type,
           GError **error)
{
  sqlite3_stmt *stmt = prepare (store, "SELECT value FROM meta WHERE key = ?");
  int rc;

  if (stmt == NULL)
    return srp_store_fail (store, "cannot read", error);
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      g_autoptr (GVariant) value = column_variant (stmt, 0, G_VARIANT_TYPE (type));
      if (value == NULL)
        {
          sqlite3_finalize (stmt);
          g_set_error (error, SRP_ERROR, SRP_ERROR_STATE, "%s: its “%s” is damaged",
                       store->path, key);
          return FALSE;
        }
      g_variant_dict_insert_value (dict, key, value);
      rc = SQLITE_DONE;
    }
  return finish (store, stmt, rc, "cannot read", error);
}

static gboolean
load_ids (SrpStore *store, GVariantDict *dict, const char *key, const char *sql, GError **error)
{
  sqlite3_stmt *stmt = prepare (store, sql);
  GVariantBuilder b;
  int rc;

  if (stmt == NULL)
    return srp_store_fail (store, "cannot read", error);
  g_variant_builder_init (&b, G_VARIANT_TYPE ("aay"));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_variant_builder_add_value (&b, column_bytes (stmt, 0));
  g_variant_dict_insert_value (dict, key, g_variant_builder_end (&b));
  return finish (store, stmt, rc, "cannot read", error);
}

static gboolean
load_chain_heads (SrpStore *store, GVariantDict *dict, GError **error)
{
  sqlite3_stmt *stmt = prepare (store, "SELECT topic, head FROM chain_heads");
  GVariantBuilder b;
  int rc;

  if (stmt == NULL)
    return srp_store_fail (store, "cannot read", error);
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(ayay)"));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_variant_builder_add (&b, "(@ay@ay)", column_bytes (stmt, 0), column_bytes (stmt, 1));
  g_variant_dict_insert_value (dict, "chain_heads", g_variant_builder_end (&b));
  return finish (store, stmt, rc, "cannot read", error);
}

/* The cache in arrival order, each packet with the life it has left now;
 * what expired while the peer was away is left out. */
static gboolean
load_cache (SrpStore *store, GVariantDict *dict, GError **error)
{
  sqlite3_stmt *stmt = prepare (store, "SELECT frame, expires FROM cache ORDER BY seq");
  gint64 now = g_get_real_time ();
  GVariantBuilder b;
  int rc;

  if (stmt == NULL)
    return srp_store_fail (store, "cannot read", error);
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(ayx)"));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 life = sqlite3_column_int64 (stmt, 1) - now;
      if (life > 0)
        g_variant_builder_add (&b, "(@ayx)", column_bytes (stmt, 0), life);
    }
  g_variant_dict_insert_value (dict, "cache", g_variant_builder_end (&b));
  return finish (store, stmt, rc, "cannot read", error);
}

static gboolean
load_outbox (SrpStore *store, GVariantDict *dict, GError **error)
{
  sqlite3_stmt *stmt = prepare (store, "SELECT record FROM outbox ORDER BY seq");
  GVariantBuilder b;
  int rc;

  if (stmt == NULL)
    return srp_store_fail (store, "cannot read", error);
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(ayayaayx)"));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr (GVariant) record = column_variant (stmt, 0, G_VARIANT_TYPE ("(ayayaayx)"));
      if (record == NULL)
        {
          sqlite3_finalize (stmt);
          g_variant_builder_clear (&b);
          g_set_error (error, SRP_ERROR, SRP_ERROR_STATE, "%s: its outbox is damaged",
                       store->path);
          return FALSE;
        }
      g_variant_builder_add_value (&b, record);
    }
  g_variant_dict_insert_value (dict, "outbox", g_variant_builder_end (&b));
  return finish (store, stmt, rc, "cannot read", error);
}

GVariant *
srp_store_load (SrpStore *store, const SrpId *peer_id, GError **error)
{
  GVariantDict dict;

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "version", "u", (guint32) SRP_STATE_VERSION);
  g_variant_dict_insert_value (&dict, "peer_id", srp_state_id (peer_id));
  if (!load_meta (store, &dict, "subscriptions", "aay", error) ||
      !load_meta (store, &dict, "known_peers", "a(ay(yqay)yx)", error) ||
      !load_ids (store, &dict, "delivered", "SELECT id FROM delivered ORDER BY seq", error) ||
      !load_chain_heads (store, &dict, error) || !load_cache (store, &dict, error) ||
      !load_outbox (store, &dict, error))
    {
      g_variant_dict_clear (&dict);
      return NULL;
    }
  return g_variant_dict_end (&dict);
}

GStrv
srp_store_load_topic_names (SrpStore *store)
{
  sqlite3_stmt *stmt = prepare (store, "SELECT name FROM topics ORDER BY name");
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();

  while (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    g_strv_builder_add (b, (const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return g_strv_builder_end (b);
}

/* ---- the summary ------------------------------------------------------------------------ */

static gint64
count (SrpStore *store, const char *sql)
{
  sqlite3_stmt *stmt = prepare (store, sql);
  gint64 n = 0;

  if (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return n;
}

GVariant *
srp_store_summarize (SrpStore *store)
{
  GVariantDict dict;
  g_auto (GStrv) topics = srp_store_load_topic_names (store);
  g_autoptr (GError) error = NULL;
  GVariantDict peers;
  g_autoptr (GVariant) known = NULL;
  sqlite3_stmt *stmt = prepare (store, "SELECT value FROM meta WHERE key = 'peer_id'");
  char hex[2 * SRP_ID_LEN + 1] = "";

  if (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW &&
      sqlite3_column_bytes (stmt, 0) == SRP_ID_LEN)
    {
      SrpId id;
      memcpy (id.bytes, sqlite3_column_blob (stmt, 0), SRP_ID_LEN);
      srp_id_to_hex (&id, hex);
    }
  sqlite3_finalize (stmt);

  g_variant_dict_init (&peers, NULL);
  if (load_meta (store, &peers, "known_peers", "a(ay(yqay)yx)", &error))
    known = g_variant_dict_lookup_value (&peers, "known_peers", NULL);
  g_variant_dict_clear (&peers);

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "peer_id", "s", hex);
  g_variant_dict_insert (&dict, "schema_version", "u", (guint32) SRP_STORE_SCHEMA_VERSION);
  g_variant_dict_insert (&dict, "cache_packets", "t",
                         (guint64) count (store, "SELECT COUNT(*) FROM cache"));
  g_variant_dict_insert (&dict, "cache_bytes", "t",
                         (guint64) count (store, "SELECT IFNULL(SUM(LENGTH(frame)), 0) FROM cache"));
  g_variant_dict_insert (&dict, "outbox", "t",
                         (guint64) count (store, "SELECT COUNT(*) FROM outbox"));
  g_variant_dict_insert (&dict, "delivered", "t",
                         (guint64) count (store, "SELECT COUNT(*) FROM delivered"));
  g_variant_dict_insert (&dict, "chain_heads", "t",
                         (guint64) count (store, "SELECT COUNT(*) FROM chain_heads"));
  g_variant_dict_insert (&dict, "known_peers", "t",
                         (guint64) (known != NULL ? g_variant_n_children (known) : 0));
  g_variant_dict_insert (&dict, "topics", "^as", topics);
  return g_variant_dict_end (&dict);
}
