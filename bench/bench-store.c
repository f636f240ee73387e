/* bench-store.c: what a state directory costs (srp_peer_new_with_state_directory).
 *
 * In one run, through the public API on loopback, with one subscriber
 * connected to the publisher (so every publish sends its copies):
 *   publish   10,000 small (64-byte) messages with srp_topic_publish as fast
 *             as it returns, by a publisher without a store and by one with
 *             a state directory, in alternating rounds (best of three each),
 *             and the ratio with / without (goal >= 0.8: the store writes
 *             one transaction per publish, into the WAL, with no fsync);
 *   startup   srp_peer_new_with_state_directory on a directory whose cache
 *             is full (16 MiB of 1 KiB messages), best of three (goal < 1 s).
 *
 *   _build/bench/bench-store [MESSAGES]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib/gstdio.h>
#include <libsrp/srp.h>
#include <stdlib.h>
#include <string.h>

#define TOPIC "bench-store"
#define ROUNDS 3

static void
spin (guint ms)
{
  gint64 until = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE);
}

static SrpPeer *
make_publisher (const char *directory, SrpPeer *subscriber)
{
  g_autoptr (GError) error = NULL;
  SrpPeer *peer = directory != NULL ? srp_peer_new_with_state_directory (directory, &error)
                                    : srp_peer_new ();

  if (peer == NULL ||
      (subscriber != NULL &&
       !srp_peer_add_bootstrap (peer, "127.0.0.1", srp_peer_get_port (subscriber), &error)) ||
      !srp_peer_listen (peer, "127.0.0.1", 0, &error))
    g_error ("publisher: %s", error->message);
  return peer;
}

/* Seconds to publish n messages of len bytes, with a subscriber linked or
 * not. Each run has its own topic and subscriber: anti-entropy must not
 * bring one run's messages into the next. */
static double
publish_run (const char *directory, guint n, gsize len, gboolean linked)
{
  static guint runs;
  g_autofree char *name = g_strdup_printf ("%s-%u", TOPIC, runs++);
  g_autoptr (SrpPeer) subscriber = linked ? srp_peer_new () : NULL;
  g_autoptr (SrpTopic) sub_topic = linked ? srp_peer_subscribe (subscriber, name) : NULL;
  g_autoptr (SrpPeer) publisher = NULL;
  g_autoptr (SrpTopic) topic = NULL;
  g_autofree guint8 *data = g_malloc (len);
  g_autoptr (GError) error = NULL;
  gint64 start, end;

  if (linked && !srp_peer_listen (subscriber, "127.0.0.1", 0, &error))
    g_error ("subscriber: %s", error->message);
  publisher = make_publisher (directory, subscriber);
  topic = srp_peer_subscribe (publisher, name);
  if (linked)
    {
      while (g_list_model_get_n_items (srp_peer_get_peers (publisher)) == 0)
        g_main_context_iteration (NULL, TRUE);
    }
  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GBytes) bytes = NULL;
      g_autofree char *id = NULL;

      memset (data, 'a' + i % 26, len);
      memcpy (data, &i, sizeof i);
      bytes = g_bytes_new (data, len);
      id = srp_topic_publish (topic, bytes, &error);
      if (id == NULL)
        g_error ("publish: %s", error->message);
      /* What an application's loop would do between publishes. */
      g_main_context_iteration (NULL, FALSE);
    }
  end = g_get_monotonic_time ();
  spin (50);
  srp_peer_close (publisher);
  if (linked)
    srp_peer_close (subscriber);
  return (end - start) / 1e6;
}

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static char *
fresh_directory (const char *base, const char *name, guint round)
{
  g_autofree char *leaf = g_strdup_printf ("%s-%u", name, round);
  return g_build_filename (base, leaf, NULL);
}

int
main (int argc, char **argv)
{
  guint n = argc > 1 ? (guint) atoi (argv[1]) : 10000;
  g_autofree char *base = g_dir_make_tmp ("srp-bench-store-XXXXXX", NULL);
  g_autoptr (GError) error = NULL;
  double best_memory = G_MAXDOUBLE, best_store = G_MAXDOUBLE, best_start = G_MAXDOUBLE;
  g_autofree char *full = g_build_filename (base, "full", NULL);
  guint64 used = 0;
  guint packets = 0;

  for (guint round = 0; round < ROUNDS; round++)
    {
      g_autofree char *directory = fresh_directory (base, "publish", round);

      best_memory = MIN (best_memory, publish_run (NULL, n, 64, TRUE));
      best_store = MIN (best_store, publish_run (directory, n, 64, TRUE));
    }
  g_print ("publish %u x 64 B, one subscriber linked (best of %d)\n", n, ROUNDS);
  g_print ("  without a store  %8.0f messages/s\n", n / best_memory);
  g_print ("  with a store     %8.0f messages/s\n", n / best_store);
  g_print ("  ratio            %8.2f (goal >= 0.80)\n", best_memory / best_store);

  /* A full cache: 16 MiB of 1 KiB messages, more than fit. */
  publish_run (full, 16 * 1024 * 1024 / 1024 + 1000, 1000, FALSE);
  for (guint round = 0; round < ROUNDS; round++)
    {
      gint64 start = g_get_monotonic_time ();
      g_autoptr (SrpPeer) peer = srp_peer_new_with_state_directory (full, &error);
      double seconds = (g_get_monotonic_time () - start) / 1e6;
      g_autoptr (GVariant) stats = NULL;

      if (peer == NULL)
        g_error ("startup: %s", error->message);
      best_start = MIN (best_start, seconds);
      stats = g_variant_ref_sink (srp_peer_get_stats (peer));
      g_variant_lookup (stats, "cache_used", "t", &used);
      g_variant_lookup (stats, "cache_packets", "u", &packets);
    }
  g_print ("startup with a full cache (%u packets, %.1f MiB used, best of %d)\n", packets,
           used / 1048576.0, ROUNDS);
  g_print ("  srp_peer_new_with_state_directory  %.3f s (goal < 1 s)\n", best_start);
  remove_tree (base);
  return 0;
}
