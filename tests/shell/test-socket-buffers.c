/* test-socket-buffers.c: SrpSocketSet asks for socket buffers sized for the
 * data rate, reads back what the kernel granted and says when
 * net.core.rmem_max / wmem_max capped them (it never forces past them,
 * root or not).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-sockets.h"

static void
on_datagram (guint index, gint64 now_us, const SrpAddress *from, const guint8 *data, gsize len,
             gpointer user_data)
{
}

static void
on_read (gpointer user_data)
{
}

/* The system's limit on what SO_RCVBUF and SO_SNDBUF may ask, or 0 when
 * it cannot be read. */
static gint
system_limit (void)
{
  const char *files[] = { "/proc/sys/net/core/rmem_max", "/proc/sys/net/core/wmem_max" };
  gint64 limit = G_MAXINT;

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *text = NULL;

      if (!g_file_get_contents (files[i], &text, NULL, NULL))
        return 0;
      limit = MIN (limit, g_ascii_strtoll (text, NULL, 10));
    }
  return (gint) limit;
}

/* Binds socket 0 (and a punch socket like it) asking for bytes; returns
 * what socket 0 got, after checking the punch socket got the same. */
static SrpSocketBuffers
bind_asking (gint bytes)
{
  g_autoptr (GInetAddress) inet = g_inet_address_new_from_string ("127.0.0.80");
  g_autoptr (SrpSocketSet) set = srp_socket_set_new (g_main_context_default (), on_datagram,
                                                      on_read, NULL);
  g_autoptr (GError) error = NULL;
  SrpSocketBuffers buffers, punch;

  if (bytes >= 0)
    srp_socket_set_set_buffer_size (set, bytes);
  g_assert_false (srp_socket_set_get_buffers (set, 0, &buffers));
  g_assert_true (srp_socket_set_bind (set, 0, inet, 0, FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (srp_socket_set_bind_like (set, 2, 0, &error));
  g_assert_no_error (error);
  g_assert_true (srp_socket_set_get_buffers (set, 0, &buffers));
  g_assert_true (srp_socket_set_get_buffers (set, 2, &punch));
  g_assert_cmpmem (&buffers, sizeof buffers, &punch, sizeof punch);
  return buffers;
}

/* Within the limit: granted in full, not capped. */
static void
test_granted (void)
{
  gint limit = system_limit ();
  gint asked = MIN (limit, 256 * 1024);
  SrpSocketBuffers buffers;

  if (limit == 0)
    {
      g_test_skip ("No /proc/sys/net/core/[rw]mem_max here");
      return;
    }
  buffers = bind_asking (asked);
  g_assert_cmpint (buffers.requested, ==, asked);
  g_assert_cmpint (buffers.receive, >=, asked);
  g_assert_cmpint (buffers.send, >=, asked);
  g_assert_false (buffers.capped);
}

/* Beyond the limit: capped to it and said so. */
static void
test_capped (void)
{
  gint limit = system_limit ();
  SrpSocketBuffers buffers;

  if (limit == 0 || limit > G_MAXINT / 4)
    {
      g_test_skip ("No readable, finite net.core.[rw]mem_max here");
      return;
    }
  buffers = bind_asking (limit + 1024 * 1024);
  g_assert_cmpint (buffers.requested, ==, limit + 1024 * 1024);
  g_assert_cmpint (buffers.receive, <=, limit);
  g_assert_cmpint (buffers.send, <=, limit);
  g_assert_true (buffers.capped);
}

/* By default SRP_SOCKET_BUFFERS_DEFAULT, capped exactly when the system
 * allows less; 0 leaves the system default alone and is never capped. */
static void
test_default (void)
{
  gint limit = system_limit ();
  SrpSocketBuffers buffers = bind_asking (-1);

  g_assert_cmpint (buffers.requested, ==, SRP_SOCKET_BUFFERS_DEFAULT);
  if (limit != 0)
    g_assert_cmpint (buffers.capped, ==, limit < SRP_SOCKET_BUFFERS_DEFAULT);
  g_test_message ("Asked for %d bytes, got %d to receive, %d to send", buffers.requested,
                  buffers.receive, buffers.send);

  buffers = bind_asking (0);
  g_assert_cmpint (buffers.requested, ==, 0);
  g_assert_cmpint (buffers.receive, >, 0);
  g_assert_cmpint (buffers.send, >, 0);
  g_assert_false (buffers.capped);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/socket-buffers/granted", test_granted);
  g_test_add_func ("/socket-buffers/capped", test_capped);
  g_test_add_func ("/socket-buffers/default", test_default);

  return g_test_run ();
}
