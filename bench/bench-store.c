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
 *   _build/bench/bench-store [MESSAGES [publish]]   ("publish": that part only)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib/gstdio.h>
#include <libsrp/srp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TOPIC "bench-store"
#define ROUNDS 5

typedef struct {
  double wall, cpu; /* seconds */
} Cost;

/* The CPU this thread used: what the work cost, however busy the machine
 * is (the subscriber runs in this thread too, alike in both runs). */
static double
thread_cpu (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

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

/* What publishing n messages of len bytes cost, with a subscriber linked
 * or not. Each run has its own topic and subscriber: anti-entropy must not
 * bring one run's messages into the next. */
static Cost
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
  double cpu_start, cpu_end;

  (void) sub_topic; /* held for the run: the subscriber's subscription */
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
  cpu_start = thread_cpu ();
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
  cpu_end = thread_cpu ();
  spin (50);
  srp_peer_close (publisher);
  if (linked)
    srp_peer_close (subscriber);
  return (Cost) { (end - start) / 1e6, cpu_end - cpu_start };
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
  Cost memory = { G_MAXDOUBLE, G_MAXDOUBLE }, store = { G_MAXDOUBLE, G_MAXDOUBLE };
  double best_start = G_MAXDOUBLE;
  g_autofree char *full = g_build_filename (base, "full", NULL);
  guint64 used = 0;
  guint packets = 0;

  for (guint round = 0; round < ROUNDS; round++)
    {
      g_autofree char *directory = fresh_directory (base, "publish", round);

      Cost m = publish_run (NULL, n, 64, TRUE);
      Cost s = publish_run (directory, n, 64, TRUE);

      memory.wall = MIN (memory.wall, m.wall);
      memory.cpu = MIN (memory.cpu, m.cpu);
      store.wall = MIN (store.wall, s.wall);
      store.cpu = MIN (store.cpu, s.cpu);
    }
  /* The CPU ratio is the figure: wall time on a shared machine says as
   * much about the neighbours as about the store. */
  g_print ("publish %u x 64 B, one subscriber linked (best of %d rounds, alternating)\n", n,
           ROUNDS);
  g_print ("                   per CPU second   per wall second\n");
  g_print ("  without a store  %10.0f/s     %10.0f/s\n", n / memory.cpu, n / memory.wall);
  g_print ("  with a store     %10.0f/s     %10.0f/s\n", n / store.cpu, n / store.wall);
  g_print ("  ratio            %10.2f       %10.2f   (goal >= 0.80)\n", memory.cpu / store.cpu,
           memory.wall / store.wall);

  if (argc > 2 && g_strcmp0 (argv[2], "publish") == 0)
    {
      remove_tree (base);
      return 0;
    }
  /* A full cache: 16 MiB of 1 KiB messages, more than fit. */
  (void) publish_run (full, 16 * 1024 * 1024 / 1024 + 1000, 1000, FALSE);
  for (guint round = 0; round < ROUNDS; round++)
    {
      gint64 start = g_get_monotonic_time ();
      g_autoptr (SrpPeer) peer = srp_peer_new_with_state_directory (full, &error);
      double seconds = (g_get_monotonic_time () - start) / 1e6;
      g_autoptr (GVariant) stats = NULL;

      if (peer == NULL)
        g_error ("startup: %s", error->message);
      best_start = MIN (best_start, seconds);
      stats = g_variant_take_ref (srp_peer_get_stats (peer));
      g_variant_lookup (stats, "cache_used", "t", &used);
      g_variant_lookup (stats, "cache_packets", "u", &packets);
    }
  g_print ("startup with a full cache (%u packets, %.1f MiB used, best of %d)\n", packets,
           used / 1048576.0, ROUNDS);
  g_print ("  srp_peer_new_with_state_directory  %.3f s (goal < 1 s)\n", best_start);
  remove_tree (base);
  return 0;
}
