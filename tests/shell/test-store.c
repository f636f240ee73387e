/* test-store.c: a peer's state directory from C (internal API too), under
 * the sanitizers with leak checking: what a peer published survives a
 * process that ends with no cleanup at all (the redo log replayed), a
 * restarted peer is the same peer with the same subscriptions, and bad
 * state is an SRP_ERROR_STATE.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "srp-error.h"
#include "srp-identity.h"
#include "srp-peer-private.h"
#include "srp-store.h"

#define TOPIC "store/c"
#define MESSAGES 5

/* The per-test state directory (G_TEST_OPTION_ISOLATE_DIRS). */
static char *
state_directory (void)
{
  return g_build_filename (g_get_user_state_dir (), "peer", NULL);
}

static GVariant *
summary_of (const char *directory, const char *id)
{
  g_autofree char *path = srp_store_path (directory, id);
  g_autoptr (GError) error = NULL;
  g_autoptr (SrpStore) store = srp_store_open_read_only (path, &error);

  g_assert_no_error (error);
  return g_variant_ref_sink (srp_store_summarize (store));
}

static guint64
summary_get (GVariant *summary, const char *key)
{
  guint64 value = G_MAXUINT64;

  g_assert_true (g_variant_lookup (summary, key, "t", &value));
  return value;
}

/* The child: publishes, then ends the process at once, as a kill would:
 * no dispose, no commit, nothing flushed but what the publish wrote. */
static G_NORETURN void
publish_and_vanish (const char *directory)
{
  g_autoptr (GError) error = NULL;
  SrpPeer *peer = srp_peer_new_with_state_directory (directory, &error);
  SrpTopic *topic;

  g_assert_no_error (error);
  topic = srp_peer_subscribe (peer, TOPIC);
  g_assert_true (srp_peer_listen (peer, "127.0.0.1", 0, &error));
  for (guint i = 0; i < MESSAGES; i++)
    {
      g_autoptr (GBytes) data = g_bytes_new_static ("kept through a kill", 19);
      g_autofree char *id = srp_topic_publish (topic, data, &error);
      if (id == NULL)
        _exit (1);
    }
  _exit (0);
}

/* The ID of the identity kept in directory. */
static char *
id_in (const char *directory)
{
  g_autofree char *key = g_build_filename (directory, "identity.key", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (SrpIdentity) identity = srp_identity_load (key, &error);

  g_assert_no_error (error);
  return g_strdup (srp_identity_get_hex_id (identity));
}

static void
test_survives_vanishing (void)
{
  g_autofree char *directory = state_directory ();
  g_autoptr (GError) error = NULL;
  g_autoptr (SrpPeer) peer = NULL;
  g_autoptr (GVariant) before = NULL, stats = NULL;
  g_autofree char *id = NULL;
  guint32 packets = 0;
  int status = -1;
  pid_t child = fork ();

  g_assert_cmpint (child, >=, 0);
  if (child == 0)
    publish_and_vanish (directory);
  g_assert_cmpint (waitpid (child, &status, 0), ==, child);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  id = id_in (directory);

  /* The log held what SQLite had not taken yet: opening replays it. */
  peer = srp_peer_new_with_state_directory (directory, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (srp_peer_get_id (peer), ==, id);
  stats = g_variant_take_ref (srp_peer_get_stats (peer));
  g_assert_true (g_variant_lookup (stats, "cache_packets", "u", &packets));
  g_assert_cmpuint (packets, ==, MESSAGES);
  g_assert_cmpuint (g_list_model_get_n_items (srp_peer_get_topics (peer)), ==, 1);
  g_clear_object (&peer);

  before = summary_of (directory, id);
  g_assert_cmpuint (summary_get (before, "cache_packets"), ==, MESSAGES);
  g_assert_cmpuint (summary_get (before, "outbox"), ==, MESSAGES);
  g_assert_cmpuint (summary_get (before, "chain_heads"), ==, 1);
}

static void
test_restored_topic (void)
{
  g_autofree char *directory = state_directory ();
  g_autoptr (GError) error = NULL;
  g_autoptr (SrpPeer) peer = srp_peer_new_with_state_directory (directory, &error);
  g_autoptr (SrpTopic) first = NULL, again = NULL, second = NULL;
  g_autofree char *id = NULL;

  g_assert_no_error (error);
  id = g_strdup (srp_peer_get_id (peer));
  first = srp_peer_subscribe (peer, TOPIC);
  g_clear_object (&peer);

  peer = srp_peer_new_with_state_directory (directory, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (srp_peer_get_id (peer), ==, id);
  g_assert_cmpstr (srp_peer_get_state_directory (peer), ==, directory);
  again = srp_peer_subscribe (peer, TOPIC);
  g_assert_true (again == g_list_model_get_item (srp_peer_get_topics (peer), 0));
  g_object_unref (again); /* the get_item reference */
  second = srp_peer_subscribe (peer, TOPIC);
  g_assert_true (second != again);
  /* Unsubscribed by the application: gone from the state too. */
  srp_topic_unsubscribe (again);
  srp_topic_unsubscribe (second);
  g_clear_object (&peer);
  peer = srp_peer_new_with_state_directory (directory, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (srp_peer_get_topics (peer)), ==, 0);
}

static void
set_user_version (const char *path, int version)
{
  sqlite3 *db = NULL;
  g_autofree char *sql = g_strdup_printf ("PRAGMA user_version = %d", version);

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

static void
test_bad_state (void)
{
  g_autofree char *directory = state_directory ();
  g_autoptr (GError) error = NULL;
  g_autoptr (SrpPeer) peer = srp_peer_new_with_state_directory (directory, &error);
  g_autofree char *id = NULL, *path = NULL, *moved = NULL;
  SrpPeer *refused;

  g_assert_no_error (error);
  id = g_strdup (srp_peer_get_id (peer));
  path = srp_store_path (directory, id);
  /* Two peers on one directory: the second is refused. */
  refused = srp_peer_new_with_state_directory (directory, &error);
  g_assert_null (refused);
  g_assert_error (error, SRP_ERROR, SRP_ERROR_STATE);
  g_clear_error (&error);
  g_clear_object (&peer);

  set_user_version (path, SRP_STORE_SCHEMA_VERSION + 1);
  g_assert_null (srp_peer_new_with_state_directory (directory, &error));
  g_assert_error (error, SRP_ERROR, SRP_ERROR_STATE);
  g_assert_nonnull (strstr (error->message, "newer"));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (path, "not a database, not at all, never was", -1, NULL));
  g_assert_null (srp_peer_new_with_state_directory (directory, &error));
  g_assert_error (error, SRP_ERROR, SRP_ERROR_STATE);
  g_clear_error (&error);

  /* A peer made with g_object_new keeps the error for listen. */
  peer = g_object_new (SRP_TYPE_PEER, "state-directory", directory, NULL);
  g_assert_false (srp_peer_listen (peer, "127.0.0.1", 0, &error));
  g_assert_error (error, SRP_ERROR, SRP_ERROR_STATE);
  g_clear_error (&error);
  g_clear_object (&peer);

  /* Moving the database away starts over, with the same identity. */
  moved = g_strconcat (path, ".broken", NULL);
  g_assert_cmpint (g_rename (path, moved), ==, 0);
  peer = srp_peer_new_with_state_directory (directory, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (srp_peer_get_id (peer), ==, id);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/store/survives-vanishing", test_survives_vanishing);
  g_test_add_func ("/store/restored-topic", test_restored_topic);
  g_test_add_func ("/store/bad-state", test_bad_state);
  return g_test_run ();
}
