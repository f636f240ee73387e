/* test-stream.c: SrpStream between two peers on loopback, through GIO:
 * a splice of 4 MiB each way round, lines through GDataInputStream, a
 * refused stream, and a peer that closes under a reader.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <libsrp/srp.h>
#include <string.h>

#include "test-loopback.h"

typedef struct {
  SrpPeer *peers[2];
  gboolean take;
  GPtrArray *taken; /* SrpStream, of peers[1] */
} Fixture;

static const char *addresses[] = { "127.0.0.201", "127.0.0.202" };

static gboolean
on_incoming (SrpPeer *peer, SrpStream *stream, gpointer user_data)
{
  Fixture *fixture = user_data;

  if (!fixture->take)
    return FALSE;
  g_ptr_array_add (fixture->taken, g_object_ref (stream));
  return TRUE;
}

static void
fixture_set_up (Fixture *fixture, gconstpointer data)
{
  TestNetwork net = { fixture->peers, G_N_ELEMENTS (fixture->peers) };

  fixture->taken = g_ptr_array_new_with_free_func (g_object_unref);
  fixture->take = TRUE;
  for (guint i = 0; i < net.n; i++)
    {
      fixture->peers[i] = test_peer_at (addresses[i]);
      if (i > 0)
        test_add_bootstrap (fixture->peers[i], fixture->peers[0], addresses[0]);
    }
  g_signal_connect (fixture->peers[1], "incoming-stream", G_CALLBACK (on_incoming), fixture);
  test_wait_until (test_all_connected, &net, "two peers to connect");
}

static void
fixture_tear_down (Fixture *fixture, gconstpointer data)
{
  g_ptr_array_unref (fixture->taken);
  for (guint i = 0; i < G_N_ELEMENTS (fixture->peers); i++)
    g_clear_object (&fixture->peers[i]);
}

static SrpStream *
open_and_wait (Fixture *fixture, const char *label, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  srp_peer_open_stream_async (fixture->peers[0], srp_peer_get_id (fixture->peers[1]), label,
                              NULL, test_keep_result, &result);
  test_wait_until (test_has_result, &result, "the stream to open");
  return srp_peer_open_stream_finish (fixture->peers[0], result, error);
}

static void
on_notify (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  (*(guint *) user_data)++;
}

static GBytes *
pattern (gsize len)
{
  guint8 *data = g_malloc (len);

  for (gsize i = 0; i < len; i++)
    data[i] = (guint8) (i * 7 + i / 251);
  return g_bytes_new_take (data, len);
}

/* 4 MiB spliced from memory into A's output, and from B's input into
 * memory: the same bytes, the end where it should be, the figures. */
static void
test_splice (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SrpStream) stream = open_and_wait (fixture, "file", &error);
  g_autoptr (GBytes) sent = pattern (4 * 1024 * 1024);
  g_autoptr (GInputStream) source = g_memory_input_stream_new_from_bytes (sent);
  g_autoptr (GOutputStream) sink = g_memory_output_stream_new_resizable ();
  g_autoptr (GAsyncResult) wrote = NULL, read = NULL;
  g_autoptr (GBytes) got = NULL;
  SrpStream *theirs;
  guint notified = 0;

  g_assert_no_error (error);
  g_assert_true (SRP_IS_STREAM (stream));
  g_assert_cmpuint (fixture->taken->len, ==, 1);
  theirs = g_ptr_array_index (fixture->taken, 0);
  g_assert_cmpstr (srp_stream_get_label (theirs), ==, "file");
  g_assert_cmpstr (srp_stream_get_peer_id (theirs), ==, srp_peer_get_id (fixture->peers[0]));
  g_assert_cmpstr (srp_stream_get_peer_id (stream), ==, srp_peer_get_id (fixture->peers[1]));
  g_assert_cmpint (srp_stream_get_path (stream), ==, SRP_PATH_DIRECT);
  g_assert_true (G_IS_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (G_IO_STREAM (theirs))));
  g_assert_true (G_IS_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (G_IO_STREAM (stream))));
  g_signal_connect (stream, "notify::bytes-sent", G_CALLBACK (on_notify), &notified);

  g_output_stream_splice_async (g_io_stream_get_output_stream (G_IO_STREAM (stream)), source,
                                G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, G_PRIORITY_DEFAULT, NULL,
                                test_keep_result, &wrote);
  g_output_stream_splice_async (sink, g_io_stream_get_input_stream (G_IO_STREAM (theirs)),
                                G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, G_PRIORITY_DEFAULT, NULL,
                                test_keep_result, &read);
  test_wait_until (test_has_result, &wrote, "the writer's splice");
  test_wait_until (test_has_result, &read, "the reader's splice");
  g_assert_cmpint (g_output_stream_splice_finish (
                     g_io_stream_get_output_stream (G_IO_STREAM (stream)), wrote, &error),
                   ==, 4 * 1024 * 1024);
  g_assert_no_error (error);
  g_assert_cmpint (g_output_stream_splice_finish (sink, read, &error), ==, 4 * 1024 * 1024);
  g_assert_no_error (error);
  got = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (sink));
  g_assert_true (g_bytes_equal (got, sent));
  g_assert_cmpuint (srp_stream_get_bytes_received (theirs), ==, 4 * 1024 * 1024);
  g_assert_cmpuint (srp_stream_get_bytes_sent (stream), ==, 4 * 1024 * 1024);
  g_assert_cmpuint (notified, >, 0);
  g_assert_cmpint (srp_stream_get_rtt (stream), >=, 0);
}

/* Lines through GDataInputStream, blocking reads included. */
static void
test_lines (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SrpStream) stream = open_and_wait (fixture, NULL, &error);
  g_autoptr (GDataInputStream) lines = NULL;
  GOutputStream *out;
  char *line;
  gsize written;

  g_assert_no_error (error);
  g_assert_cmpstr (srp_stream_get_label (g_ptr_array_index (fixture->taken, 0)), ==, "");
  out = g_io_stream_get_output_stream (G_IO_STREAM (stream));
  g_assert_true (g_output_stream_write_all (out, "one\ntwo\n", 8, &written, NULL, &error));
  g_assert_true (g_io_stream_close (G_IO_STREAM (stream), NULL, &error));
  lines = g_data_input_stream_new (
    g_io_stream_get_input_stream (G_IO_STREAM (g_ptr_array_index (fixture->taken, 0))));
  line = g_data_input_stream_read_line (lines, NULL, NULL, &error);
  g_assert_cmpstr (line, ==, "one");
  g_free (line);
  line = g_data_input_stream_read_line (lines, NULL, NULL, &error);
  g_assert_cmpstr (line, ==, "two");
  g_free (line);
  line = g_data_input_stream_read_line (lines, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (line); /* the end */
}

/* Nobody takes it: the open fails, refused. */
static void
test_refused (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SrpStream) stream = NULL;

  fixture->take = FALSE;
  stream = open_and_wait (fixture, "nobody", &error);
  g_assert_null (stream);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
}

/* The other peer closes while we wait for bytes: the read fails, closed. */
static void
test_peer_closes (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SrpStream) stream = open_and_wait (fixture, "bye", &error);
  g_autoptr (GAsyncResult) result = NULL;
  guint8 buf[16];

  g_assert_no_error (error);
  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (stream)), buf,
                             sizeof buf, G_PRIORITY_DEFAULT, NULL, test_keep_result, &result);
  srp_peer_close (fixture->peers[1]);
  test_wait_until (test_has_result, &result, "the read to fail");
  g_assert_cmpint (g_input_stream_read_finish (g_io_stream_get_input_stream (G_IO_STREAM (stream)),
                                               result, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  g_clear_error (&error);
  g_assert_cmpint (g_output_stream_write (g_io_stream_get_output_stream (G_IO_STREAM (stream)),
                                          "x", 1, NULL, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add ("/stream/splice", Fixture, NULL, fixture_set_up, test_splice, fixture_tear_down);
  g_test_add ("/stream/lines", Fixture, NULL, fixture_set_up, test_lines, fixture_tear_down);
  g_test_add ("/stream/refused", Fixture, NULL, fixture_set_up, test_refused, fixture_tear_down);
  g_test_add ("/stream/peer-closes", Fixture, NULL, fixture_set_up, test_peer_closes,
              fixture_tear_down);
  return g_test_run ();
}
