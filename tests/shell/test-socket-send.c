/* test-socket-send.c: SrpSocketSet's batched sending: each socket's share
 * of a batch in one system call and in order, TTL datagrams alone with their
 * TTL, a failing datagram lost alone, and a full send buffer making the rest
 * wait (bounded) instead of losing it. Every test runs on the native
 * (sendmmsg) and the GIO path, through a wrapper that records the calls.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "test-sockets.h"

static void
on_datagram (guint index, gint64 now_us, const SrpAddress *from, const guint8 *data, gsize len,
             gpointer user_data)
{
  g_error ("Nothing is sent to the set in these tests");
}

static void
on_read (gpointer user_data)
{
}

/* A set on the wrapped io with socket 0 (and 2 when punch) on address. */
static SrpSocketSet *
new_set (gconstpointer io, const char *address, gboolean punch)
{
  g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (address);
  g_autoptr (GError) error = NULL;
  SrpSocketSet *set = srp_socket_set_new (g_main_context_default (), on_datagram, on_read, NULL);

  srp_socket_set_set_io (set, test_io_wrap (io));
  g_assert_true (srp_socket_set_bind (set, 0, inet, 0, FALSE, &error));
  g_assert_no_error (error);
  if (punch)
    {
      g_assert_true (srp_socket_set_bind_like (set, 2, 0, &error));
      g_assert_no_error (error);
    }
  return set;
}

/* Reads the next datagram: its first byte, after checking its TTL (-1: the
 * default, which must not be any TTL the test sets) and where it came from. */
static guint8
next_seq (GSocket *receiver, int expected_ttl, guint16 *port)
{
  guint8 data[SRP_MAX_DATAGRAM + 1];
  SrpAddress from;
  int ttl;

  g_assert_cmpint (test_receive (receiver, data, &from, &ttl), >, 0);
  if (expected_ttl > 0)
    g_assert_cmpint (ttl, ==, expected_ttl);
  else if (ttl >= 0)
    g_assert_cmpint (ttl, >, 5);
  if (port != NULL)
    *port = from.port;
  return data[0];
}

static void
assert_calls (const guint *expected, guint n)
{
  GArray *calls = test_io_calls ();

  g_assert_cmpmem (calls->data, calls->len * sizeof (guint), expected, n * sizeof (guint));
}

/* 150 datagrams for two sockets, interleaved: 6 calls (two per batch of
 * 64), and each socket's datagrams arrive in the order given. */
static void
test_order (gconstpointer io)
{
  g_autoptr (SrpSocketSet) set = new_set (io, "127.0.0.70", TRUE);
  g_autoptr (GSocket) receiver = test_plain_socket ("127.0.0.71");
  SrpAddress to = test_address_of (receiver);
  guint16 port0 = test_address_of (srp_socket_set_get (set, 0)).port;
  g_autofree SrpTransmit *transmits = g_new (SrpTransmit, 150);
  /* Per batch of 64, the socket that comes first goes first. */
  const guint expected[] = { 22, 42, 43, 21, 15, 7 };
  int last[2] = { -1, -1 };
  guint counts[2] = { 0, 0 };

  for (guint i = 0; i < 150; i++)
    test_transmit_init (&transmits[i], i % 3 == 0 ? 2 : 0, 0, &to, (guint8) i, 8);
  g_assert_cmpuint (test_send_all (set, transmits, 150), ==, 0);
  assert_calls (expected, G_N_ELEMENTS (expected));

  for (guint i = 0; i < 150; i++)
    {
      guint16 port;
      guint8 seq = next_seq (receiver, -1, &port);
      guint s = port == port0 ? 0 : 1;

      g_assert_cmpint (seq, >, last[s]);
      g_assert_cmpuint (s, ==, seq % 3 == 0 ? 1 : 0);
      last[s] = seq;
      counts[s]++;
    }
  g_assert_cmpuint (counts[0], ==, 100);
  g_assert_cmpuint (counts[1], ==, 50);
  g_assert_false (test_readable (receiver));
}

/* A datagram with a TTL goes alone, with its TTL, between its neighbours;
 * those on either side keep the default and their order. */
static void
test_ttl_alone (gconstpointer io)
{
  g_autoptr (SrpSocketSet) set = new_set (io, "127.0.0.73", FALSE);
  g_autoptr (GSocket) receiver = test_ttl_receiver ("127.0.0.72");
  SrpAddress to = test_address_of (receiver);
  const guint8 ttls[] = { 0, 0, 3, 0, 4, 0, 0 };
  const guint expected[] = { 2, 1, 1, 1, 2 };
  SrpTransmit transmits[G_N_ELEMENTS (ttls)];

  for (guint i = 0; i < G_N_ELEMENTS (ttls); i++)
    test_transmit_init (&transmits[i], 0, ttls[i], &to, (guint8) i, 8);
  g_assert_cmpuint (test_send_all (set, transmits, G_N_ELEMENTS (ttls)), ==, 0);
  assert_calls (expected, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (ttls); i++)
    g_assert_cmpuint (next_seq (receiver, ttls[i] != 0 ? ttls[i] : -1, NULL), ==, i);
  g_assert_false (test_readable (receiver));
}

/* The limited broadcast address (refused without SO_BROADCAST), an IPv6
 * address for an IPv4 socket and a socket that is not open each lose their
 * datagram, and only theirs. */
static void
test_failing_destination (gconstpointer io)
{
  g_autoptr (SrpSocketSet) set = new_set (io, "127.0.0.74", FALSE);
  g_autoptr (GSocket) receiver = test_plain_socket ("127.0.0.75");
  SrpAddress to = test_address_of (receiver);
  SrpAddress broadcast, ipv6;
  SrpTransmit transmits[7];
  const guint8 arrives[] = { 0, 1, 3, 6 };

  g_assert_true (srp_address_parse (&broadcast, "255.255.255.255:9"));
  g_assert_true (srp_address_parse (&ipv6, "[::1]:9"));
  for (guint i = 0; i < G_N_ELEMENTS (transmits); i++)
    test_transmit_init (&transmits[i], 0, 0, &to, (guint8) i, 8);
  transmits[2].to = broadcast;
  transmits[4].to = ipv6;
  transmits[5].socket = 7;
  g_assert_cmpuint (test_send_all (set, transmits, G_N_ELEMENTS (transmits)), ==, 3);
  for (guint i = 0; i < G_N_ELEMENTS (arrives); i++)
    g_assert_cmpuint (next_seq (receiver, -1, NULL), ==, arrives[i]);
  g_assert_false (test_readable (receiver));
  g_assert_cmpuint (srp_socket_set_get_backlog (set, 0), ==, 0);
}

static gboolean
backlog_empty (gpointer set)
{
  return srp_socket_set_get_backlog (set, 0) == 0;
}

/* The send buffer fills after 4 of 10: 6 wait, so do the next 5 (with a
 * TTL datagram among them) without a call, and all go out in order, the
 * TTL one still alone with its TTL, once the socket is writable. */
static void
test_full_buffer (gconstpointer io)
{
  g_autoptr (SrpSocketSet) set = new_set (io, "127.0.0.76", FALSE);
  g_autoptr (GSocket) receiver = test_ttl_receiver ("127.0.0.77");
  SrpAddress to = test_address_of (receiver);
  const gint script[] = { 4, TEST_IO_FULL };
  const guint before[] = { 10, 6 };
  SrpTransmit transmits[15];

  for (guint i = 0; i < G_N_ELEMENTS (transmits); i++)
    test_transmit_init (&transmits[i], 0, i == 12 ? 3 : 0, &to, (guint8) i, 8);
  test_io_script (script, G_N_ELEMENTS (script));
  g_assert_cmpuint (test_send_all (set, transmits, 10), ==, 0);
  assert_calls (before, G_N_ELEMENTS (before));
  g_assert_cmpuint (srp_socket_set_get_backlog (set, 0), ==, 6);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpuint (next_seq (receiver, -1, NULL), ==, i);
  g_assert_false (test_readable (receiver));

  g_assert_cmpuint (test_send_all (set, transmits + 10, 5), ==, 0);
  assert_calls (before, G_N_ELEMENTS (before));
  g_assert_cmpuint (srp_socket_set_get_backlog (set, 0), ==, 11);

  test_wait_until (backlog_empty, set, "the backlog to go out");
  for (guint i = 4; i < G_N_ELEMENTS (transmits); i++)
    g_assert_cmpuint (next_seq (receiver, i == 12 ? 3 : -1, NULL), ==, i);
  g_assert_false (test_readable (receiver));
  g_assert_cmpuint (test_send_all (set, NULL, 0), ==, 0);
}

/* A socket that stays full holds SRP_SOCKET_SET_BACKLOG datagrams and loses
 * the rest; closing it loses those waiting, and both are counted. */
static void
test_backlog_bound (gconstpointer io)
{
  g_autoptr (SrpSocketSet) set = new_set (io, "127.0.0.78", FALSE);
  g_autoptr (GSocket) receiver = test_plain_socket ("127.0.0.79");
  SrpAddress to = test_address_of (receiver);
  const gint script[] = { TEST_IO_ALWAYS_FULL };
  guint n = SRP_SOCKET_SET_BACKLOG + 10;
  g_autofree SrpTransmit *transmits = g_new (SrpTransmit, n);
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < n; i++)
    test_transmit_init (&transmits[i], 0, 0, &to, (guint8) i, 8);
  test_io_script (script, G_N_ELEMENTS (script));
  g_assert_cmpuint (test_send_all (set, transmits, n), ==, 10);
  g_assert_cmpuint (srp_socket_set_get_backlog (set, 0), ==, SRP_SOCKET_SET_BACKLOG);
  g_assert_false (srp_socket_set_send (set, &transmits[0], &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);

  srp_socket_set_close (set, 0);
  g_assert_cmpuint (test_send_all (set, NULL, 0), ==, SRP_SOCKET_SET_BACKLOG + 1);
  g_assert_false (test_readable (receiver));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  test_add_for_each_io ("/socket-send/order", test_order);
  test_add_for_each_io ("/socket-send/ttl-alone", test_ttl_alone);
  test_add_for_each_io ("/socket-send/failing-destination", test_failing_destination);
  test_add_for_each_io ("/socket-send/full-buffer", test_full_buffer);
  test_add_for_each_io ("/socket-send/backlog-bound", test_backlog_bound);

  return g_test_run ();
}
