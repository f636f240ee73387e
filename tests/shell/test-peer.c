/* test-peer.c: SrpPeer from C on the loopback interface.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <libsrp/srp.h>

#include "test-resolver.h"

typedef struct {
  GAsyncResult *result;
} Waiter;

static void
on_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Waiter *waiter = user_data;

  g_assert_null (waiter->result);
  waiter->result = g_object_ref (result);
}

/* Runs the default main context until the ping finishes; returns its result. */
static gint64
ping_and_wait (SrpPeer *peer, const char *host, guint16 port, GCancellable *cancellable,
               GError **error)
{
  Waiter waiter = { NULL };
  gint64 rtt;

  srp_peer_ping_async (peer, host, port, cancellable, on_done, &waiter);
  while (waiter.result == NULL)
    g_main_context_iteration (NULL, TRUE);
  rtt = srp_peer_ping_finish (peer, waiter.result, error);
  g_object_unref (waiter.result);
  return rtt;
}

static void
assert_ping_answered (SrpPeer *peer, const char *host, guint16 port)
{
  g_autoptr (GError) error = NULL;
  gint64 rtt = ping_and_wait (peer, host, port, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpint (rtt, >, 0);
  g_assert_cmpint (rtt, <, 2 * G_USEC_PER_SEC);
}

static void
assert_ping_fails (SrpPeer *peer, const char *host, guint16 port, GCancellable *cancellable,
                   GQuark domain, int code)
{
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (ping_and_wait (peer, host, port, cancellable, &error), ==, -1);
  g_assert_error (error, domain, code);
}

static SrpPeer *
listening_peer (const char *address)
{
  g_autoptr (GError) error = NULL;
  SrpPeer *peer = srp_peer_new ();

  g_assert_true (srp_peer_listen (peer, address, 0, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (srp_peer_get_port (peer), !=, 0);
  return peer;
}

/* A UDP socket that never reads: pings to it go unanswered, and since the
 * port is bound no ICMP "port unreachable" comes back either. */
static GSocket *
silent_socket (guint16 *port)
{
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) local = NULL;
  g_autoptr (GError) error = NULL;
  GSocket *socket;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP,
                         &error);
  g_assert_no_error (error);
  g_socket_bind (socket, address, FALSE, &error);
  g_assert_no_error (error);
  local = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  return socket;
}

static void
test_id (void)
{
  g_autoptr (SrpPeer) a = srp_peer_new ();
  g_autoptr (SrpPeer) b = srp_peer_new ();
  g_autofree char *id = NULL;
  guint port = 1;
  const char *p;

  g_object_get (a, "id", &id, "port", &port, NULL);
  g_assert_cmpstr (id, ==, srp_peer_get_id (a));
  g_assert_cmpuint (strlen (id), ==, 64);
  for (p = id; *p != '\0'; p++)
    g_assert_true (g_ascii_isdigit (*p) || (*p >= 'a' && *p <= 'f'));
  g_assert_cmpstr (srp_peer_get_id (a), !=, srp_peer_get_id (b));
  g_assert_cmpuint (port, ==, 0);
}

static void
on_notify (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  (*(guint *) user_data)++;
}

static void
test_port (void)
{
  g_autoptr (SrpPeer) peer = srp_peer_new ();
  g_autoptr (GError) error = NULL;
  guint notified = 0;
  guint port = 0;

  g_signal_connect (peer, "notify::port", G_CALLBACK (on_notify), &notified);
  g_assert_true (srp_peer_listen (peer, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (notified, ==, 1);
  g_object_get (peer, "port", &port, NULL);
  g_assert_cmpuint (port, ==, srp_peer_get_port (peer));
  g_assert_cmpuint (port, !=, 0);

  srp_peer_close (peer);
  g_assert_cmpuint (notified, ==, 2);
  g_assert_cmpuint (srp_peer_get_port (peer), ==, 0);
  srp_peer_close (peer);
  g_assert_cmpuint (notified, ==, 2);

  /* It may listen again, on the same port. */
  g_assert_true (srp_peer_listen (peer, "127.0.0.1", (guint16) port, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (srp_peer_get_port (peer), ==, port);
  g_assert_cmpuint (notified, ==, 3);
}

static void
test_ping (void)
{
  g_autoptr (SrpPeer) a = listening_peer ("127.0.0.1");
  g_autoptr (SrpPeer) b = listening_peer ("127.0.0.1");

  assert_ping_answered (a, "127.0.0.1", srp_peer_get_port (b));
  assert_ping_answered (b, "127.0.0.1", srp_peer_get_port (a));
}

typedef struct {
  guint pending;
  guint ok;
} Many;

static void
on_many_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Many *many = user_data;
  g_autoptr (GError) error = NULL;

  if (srp_peer_ping_finish (SRP_PEER (source), result, &error) > 0)
    many->ok++;
  g_assert_no_error (error);
  many->pending--;
}

/* Pings in flight at once, both ways, each completed once. */
static void
test_ping_many (void)
{
  g_autoptr (SrpPeer) a = listening_peer ("127.0.0.1");
  g_autoptr (SrpPeer) b = listening_peer ("127.0.0.1");
  Many many = { 0, 0 };

  for (guint i = 0; i < 20; i++)
    {
      srp_peer_ping_async (a, "127.0.0.1", srp_peer_get_port (b), NULL, on_many_done, &many);
      srp_peer_ping_async (b, "127.0.0.1", srp_peer_get_port (a), NULL, on_many_done, &many);
      many.pending += 2;
    }
  while (many.pending > 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (many.ok, ==, 40);
}

/* A dual-stack peer reaches an IPv4-only one and answers it (IPv4-mapped
 * addresses become plain IPv4 and back). */
static void
test_dual_stack (void)
{
  g_autoptr (SrpPeer) any = listening_peer (NULL);
  g_autoptr (SrpPeer) v4 = listening_peer ("127.0.0.1");

  assert_ping_answered (any, "127.0.0.1", srp_peer_get_port (v4));
  assert_ping_answered (v4, "127.0.0.1", srp_peer_get_port (any));
}

static void
test_ipv6 (void)
{
  g_autoptr (SrpPeer) a = srp_peer_new ();
  g_autoptr (SrpPeer) b = NULL;
  g_autoptr (SrpPeer) v4 = NULL;
  g_autoptr (GError) error = NULL;

  if (!srp_peer_listen (a, "::1", 0, &error))
    {
      g_test_skip_printf ("No IPv6 loopback: %s", error->message);
      return;
    }
  b = listening_peer ("::1");
  assert_ping_answered (a, "::1", srp_peer_get_port (b));

  /* An IPv4-only socket cannot send to IPv6: said up front, not after a timeout. */
  v4 = listening_peer ("127.0.0.1");
  assert_ping_fails (v4, "::1", srp_peer_get_port (b), NULL, SRP_ERROR,
                     SRP_ERROR_INVALID_ARGUMENT);
}

static void
test_ping_not_listening (void)
{
  g_autoptr (SrpPeer) peer = srp_peer_new ();

  assert_ping_fails (peer, "127.0.0.1", 9, NULL, SRP_ERROR, SRP_ERROR_NOT_LISTENING);
}

static void
test_ping_port_zero (void)
{
  g_autoptr (SrpPeer) peer = listening_peer ("127.0.0.1");

  assert_ping_fails (peer, "127.0.0.1", 0, NULL, SRP_ERROR, SRP_ERROR_INVALID_ARGUMENT);
}

static void
test_listen_twice (void)
{
  g_autoptr (SrpPeer) peer = listening_peer ("127.0.0.1");
  g_autoptr (GError) error = NULL;

  g_assert_false (srp_peer_listen (peer, "127.0.0.1", 0, &error));
  g_assert_error (error, SRP_ERROR, SRP_ERROR_ALREADY_LISTENING);
}

static void
test_listen_in_use (void)
{
  g_autoptr (SrpPeer) a = listening_peer ("127.0.0.1");
  g_autoptr (SrpPeer) b = srp_peer_new ();
  g_autoptr (GError) error = NULL;

  g_assert_false (srp_peer_listen (b, "127.0.0.1", srp_peer_get_port (a), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_assert_true (g_str_has_prefix (error->message, "Cannot listen on 127.0.0.1 port "));
  g_assert_cmpuint (srp_peer_get_port (b), ==, 0);
}

static void
test_listen_bad_address (void)
{
  g_autoptr (SrpPeer) peer = srp_peer_new ();
  g_autoptr (GError) error = NULL;

  g_assert_false (srp_peer_listen (peer, "not-an-address", 0, &error));
  g_assert_error (error, SRP_ERROR, SRP_ERROR_INVALID_ARGUMENT);
}

static void
test_resolve (void)
{
  g_autoptr (GResolver) saved = g_resolver_get_default ();
  g_autoptr (GResolver) fake = test_resolver_new ("peer-b.test", "127.0.0.1");
  g_autoptr (SrpPeer) a = listening_peer ("127.0.0.1");
  g_autoptr (SrpPeer) b = listening_peer ("127.0.0.1");

  g_resolver_set_default (fake);
  assert_ping_answered (a, "peer-b.test", srp_peer_get_port (b));

  assert_ping_fails (a, "nowhere.invalid", srp_peer_get_port (b), NULL, SRP_ERROR,
                     SRP_ERROR_RESOLVE_FAILED);
  g_resolver_set_default (saved);
}

static void
test_timeout (void)
{
  g_autoptr (SrpPeer) peer = listening_peer ("127.0.0.1");
  guint16 port;
  g_autoptr (GSocket) silent = silent_socket (&port);
  gint64 start = g_get_monotonic_time ();

  g_assert_nonnull (silent); /* held open so nobody else answers on port */

  assert_ping_fails (peer, "127.0.0.1", port, NULL, SRP_ERROR, SRP_ERROR_TIMED_OUT);
  /* Four sends 500 ms apart, then the last one's wait. */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, G_USEC_PER_SEC);
}

/* A pending ping ends at once, with its own error, when cancelled or when
 * the peer closes. */
static void
test_interrupt (gconstpointer data)
{
  gboolean cancel = GPOINTER_TO_INT (data);
  g_autoptr (SrpPeer) peer = listening_peer ("127.0.0.1");
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  guint16 port;
  g_autoptr (GSocket) silent = silent_socket (&port);

  g_assert_nonnull (silent); /* held open so nobody else answers on port */
  if (cancel)
    g_timeout_add_once (50, (GSourceOnceFunc) g_cancellable_cancel, cancellable);
  else
    g_timeout_add_once (50, (GSourceOnceFunc) srp_peer_close, peer);
  assert_ping_fails (peer, "127.0.0.1", port, cancellable, G_IO_ERROR,
                     cancel ? G_IO_ERROR_CANCELLED : G_IO_ERROR_CLOSED);

  /* Cancelled before it starts. */
  if (cancel)
    assert_ping_fails (peer, "127.0.0.1", port, cancellable, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* The peer attaches its sources to the context that was thread-default when
 * it was made, not to whatever is thread-default later. */
static void
test_context (void)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (SrpPeer) a = NULL;
  g_autoptr (SrpPeer) b = NULL;
  g_autoptr (GError) error = NULL;
  Waiter waiter = { NULL };

  g_main_context_push_thread_default (context);
  a = listening_peer ("127.0.0.1");
  b = listening_peer ("127.0.0.1");
  srp_peer_ping_async (a, "127.0.0.1", srp_peer_get_port (b), NULL, on_done, &waiter);
  g_main_context_pop_thread_default (context);

  while (waiter.result == NULL)
    g_main_context_iteration (context, TRUE);
  g_assert_cmpint (srp_peer_ping_finish (a, waiter.result, &error), >, 0);
  g_assert_no_error (error);
  g_object_unref (waiter.result);
  g_assert_false (g_main_context_pending (NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/peer/id", test_id);
  g_test_add_func ("/peer/port", test_port);
  g_test_add_func ("/peer/ping", test_ping);
  g_test_add_func ("/peer/ping-many", test_ping_many);
  g_test_add_func ("/peer/dual-stack", test_dual_stack);
  g_test_add_func ("/peer/ipv6", test_ipv6);
  g_test_add_func ("/peer/context", test_context);
  g_test_add_func ("/peer/errors/ping-not-listening", test_ping_not_listening);
  g_test_add_func ("/peer/errors/ping-port-zero", test_ping_port_zero);
  g_test_add_func ("/peer/errors/listen-twice", test_listen_twice);
  g_test_add_func ("/peer/errors/listen-in-use", test_listen_in_use);
  g_test_add_func ("/peer/errors/listen-bad-address", test_listen_bad_address);
  g_test_add_func ("/peer/errors/resolve", test_resolve);
  g_test_add_func ("/peer/errors/timeout", test_timeout);
  g_test_add_data_func ("/peer/errors/cancel", GINT_TO_POINTER (TRUE), test_interrupt);
  g_test_add_data_func ("/peer/errors/close-pending", GINT_TO_POINTER (FALSE), test_interrupt);

  return g_test_run ();
}
