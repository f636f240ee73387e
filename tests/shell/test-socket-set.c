/* test-socket-set.c: the numbered sockets under SrpPeer's transport: punch
 * sockets (many at once, bound like the main socket, read and written under
 * their own numbers) and the per-datagram TTL, read back from the IP header
 * with IP_RECVTTL / IPV6_RECVHOPLIMIT.
 *
 * The core decides when to open punch sockets and when a datagram needs a
 * low TTL, which loopback never makes it do; these pieces are tested here
 * directly, and tests/netlab sees them at work behind real NATs.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gio/gnetworking.h>
#include <string.h>

#include "srp-socket-address.h"
#include "srp-socket-set.h"
#include "test-loopback.h"

/* The core's default number of punch sockets for a symmetric NAT. */
#define N_PUNCH 256

typedef struct {
  guint index;
  SrpAddress from;
  GBytes *data;
  guint reads;
} Received;

static void
on_datagram (guint index, gint64 now_us, const SrpAddress *from, const guint8 *data, gsize len,
             gpointer user_data)
{
  Received *received = user_data;

  received->index = index;
  received->from = *from;
  g_clear_pointer (&received->data, g_bytes_unref);
  received->data = g_bytes_new (data, len);
}

static void
on_read (gpointer user_data)
{
  ((Received *) user_data)->reads++;
}

static gboolean
has_data (gpointer data)
{
  return ((Received *) data)->data != NULL;
}

static GSocket *
plain_socket (const char *address)
{
  g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (address);
  g_autoptr (GSocketAddress) local = g_inet_socket_address_new (inet, 0);
  g_autoptr (GError) error = NULL;
  GSocket *socket = g_socket_new (g_inet_address_get_family (inet), G_SOCKET_TYPE_DATAGRAM,
                                  G_SOCKET_PROTOCOL_UDP, &error);

  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, local, FALSE, &error));
  g_assert_no_error (error);
  return socket;
}

static SrpAddress
srp_address_of (GSocket *socket)
{
  g_autoptr (GSocketAddress) local = g_socket_get_local_address (socket, NULL);
  SrpAddress address;

  g_assert_true (srp_socket_address_to_srp (local, &address));
  return address;
}

static guint16
port_of (GSocket *socket)
{
  return srp_address_of (socket).port;
}

/* Sends one byte from socket number index of set to receiver. */
static gboolean
send_to (SrpSocketSet *set, guint index, guint8 ttl, GSocket *receiver, GError **error)
{
  SrpTransmit *transmit = g_alloca (sizeof (SrpTransmit));

  memset (transmit, 0, sizeof *transmit);
  transmit->socket = index;
  transmit->ttl = ttl;
  transmit->to = srp_address_of (receiver);
  transmit->len = 1;
  transmit->data[0] = 'x';
  return srp_socket_set_send (set, transmit, error);
}

/* Reads one datagram; returns the TTL (IPv6: hop limit) it arrived with
 * and where it came from. */
static int
receive_ttl (GSocket *socket, SrpAddress *from)
{
  guint8 buffer[SRP_MAX_DATAGRAM];
  union {
    struct cmsghdr align;
    char bytes[CMSG_SPACE (sizeof (int))];
  } control;
  struct sockaddr_storage name;
  struct iovec iov = { buffer, sizeof buffer };
  struct msghdr msg = {
    .msg_name = &name,
    .msg_namelen = sizeof name,
    .msg_iov = &iov,
    .msg_iovlen = 1,
    .msg_control = control.bytes,
    .msg_controllen = sizeof control.bytes,
  };
  g_autoptr (GSocketAddress) address = NULL;
  g_autoptr (GError) error = NULL;

  /* Bounded so that a lost datagram fails the test instead of hanging it. */
  g_assert_true (g_socket_condition_timed_wait (socket, G_IO_IN,
                                                TEST_WAIT_SECONDS * G_USEC_PER_SEC, NULL,
                                                &error));
  g_assert_no_error (error);
  g_assert_cmpint (recvmsg (g_socket_get_fd (socket), &msg, 0), ==, 1);
  address = g_socket_address_new_from_native (&name, msg.msg_namelen);
  g_assert_true (srp_socket_address_to_srp (address, from));
  for (struct cmsghdr *c = CMSG_FIRSTHDR (&msg); c != NULL; c = CMSG_NXTHDR (&msg, c))
    if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
        (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT))
      {
        int ttl;

        memcpy (&ttl, CMSG_DATA (c), sizeof ttl);
        return ttl;
      }
  g_error ("The datagram came without its TTL");
}

/* A receiver that is told each datagram's TTL or hop limit. */
static GSocket *
ttl_receiver (const char *address)
{
  GSocket *socket = plain_socket (address);
  g_autoptr (GError) error = NULL;

  if (g_socket_get_family (socket) == G_SOCKET_FAMILY_IPV4)
    g_socket_set_option (socket, IPPROTO_IP, IP_RECVTTL, 1, &error);
  else
    g_socket_set_option (socket, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1, &error);
  g_assert_no_error (error);
  return socket;
}

/* Sends with the socket's default TTL, then ttl, then the default again,
 * and checks what arrives. */
static void
assert_ttl_applies (SrpSocketSet *set, guint index, GSocket *receiver, guint8 ttl)
{
  g_autoptr (GError) error = NULL;
  SrpAddress from;
  int default_ttl;

  g_assert_true (send_to (set, index, 0, receiver, &error));
  g_assert_no_error (error);
  default_ttl = receive_ttl (receiver, &from);
  g_assert_cmpint (default_ttl, !=, ttl);

  g_assert_true (send_to (set, index, ttl, receiver, &error));
  g_assert_no_error (error);
  g_assert_cmpint (receive_ttl (receiver, &from), ==, ttl);

  g_assert_true (send_to (set, index, 0, receiver, &error));
  g_assert_no_error (error);
  g_assert_cmpint (receive_ttl (receiver, &from), ==, default_ttl);
}

/* 256 punch sockets open at once, each on its own port of the main
 * socket's address; one reads and writes under its number, and once closed
 * it is gone while the others stay. */
static void
test_punch_sockets (void)
{
  g_autoptr (GInetAddress) inet = g_inet_address_new_from_string ("127.0.0.54");
  g_autoptr (GSocket) peer = plain_socket ("127.0.0.55");
  g_autoptr (GHashTable) ports = g_hash_table_new (NULL, NULL);
  g_autoptr (GError) error = NULL;
  Received received = { 0 };
  SrpSocketSet *set = srp_socket_set_new (g_main_context_default (), on_datagram, on_read,
                                          &received);
  GSocket *punch;
  SrpAddress from;
  SrpAddress main_address;

  g_assert_true (srp_socket_set_bind (set, 0, inet, 0, FALSE, &error));
  g_assert_no_error (error);
  main_address = srp_address_of (srp_socket_set_get (set, 0));
  g_hash_table_add (ports, GUINT_TO_POINTER (main_address.port));
  for (guint i = 2; i < 2 + N_PUNCH; i++)
    {
      SrpAddress address;

      g_assert_true (srp_socket_set_bind_like (set, i, 0, &error));
      g_assert_no_error (error);
      address = srp_address_of (srp_socket_set_get (set, i));
      g_assert_true (srp_address_same_ip (&address, &main_address));
      g_assert_true (g_hash_table_add (ports, GUINT_TO_POINTER (address.port)));
    }
  g_assert_cmpuint (srp_socket_set_get_n_sockets (set), ==, 1 + N_PUNCH);

  /* In through number 200 ... */
  punch = srp_socket_set_get (set, 200);
  {
    g_autoptr (GSocketAddress) to = g_socket_get_local_address (punch, NULL);

    g_assert_cmpint (g_socket_send_to (peer, to, "hello", 5, NULL, &error), ==, 5);
    g_assert_no_error (error);
  }
  test_wait_until (has_data, &received, "a datagram on punch socket 200");
  g_assert_cmpuint (received.index, ==, 200);
  g_assert_cmpuint (received.reads, >=, 1);
  from = srp_address_of (peer);
  g_assert_true (srp_address_equal (&received.from, &from));
  g_assert_cmpmem (g_bytes_get_data (received.data, NULL), g_bytes_get_size (received.data),
                   "hello", 5);

  /* ... and out through it, from its port. */
  g_assert_true (send_to (set, 200, 0, peer, &error));
  g_assert_no_error (error);
  {
    guint8 byte;
    g_autoptr (GSocketAddress) sender = NULL;

    g_assert_true (g_socket_condition_timed_wait (peer, G_IO_IN,
                                                  TEST_WAIT_SECONDS * G_USEC_PER_SEC, NULL,
                                                  &error));
    g_assert_cmpint (g_socket_receive_from (peer, &sender, (char *) &byte, 1, NULL, &error), ==,
                     1);
    g_assert_no_error (error);
    g_assert_true (srp_socket_address_to_srp (sender, &from));
    g_assert_cmpuint (from.port, ==, port_of (punch));
  }

  /* Closed, it is gone: sends through it fail, and not the others'. */
  srp_socket_set_close (set, 200);
  srp_socket_set_close (set, 200);
  g_assert_null (srp_socket_set_get (set, 200));
  g_assert_cmpuint (srp_socket_set_get_n_sockets (set), ==, N_PUNCH);
  g_assert_false (send_to (set, 200, 0, peer, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_false (srp_socket_set_bind_like (set, 999, 200, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_true (send_to (set, 201, 0, peer, &error));
  g_assert_no_error (error);

  srp_socket_set_free (set);
  g_clear_pointer (&received.data, g_bytes_unref);
}

/* A TTL applies to its datagram alone. */
static void
test_ttl_ipv4 (void)
{
  g_autoptr (GInetAddress) inet = g_inet_address_new_from_string ("127.0.0.57");
  g_autoptr (GSocket) receiver = ttl_receiver ("127.0.0.56");
  g_autoptr (GError) error = NULL;
  g_autoptr (SrpSocketSet) set = srp_socket_set_new (g_main_context_default (), on_datagram,
                                                      on_read, NULL);

  g_assert_true (srp_socket_set_bind (set, 0, inet, 0, FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (srp_socket_set_bind_like (set, 2, 0, &error));
  g_assert_no_error (error);
  assert_ttl_applies (set, 0, receiver, 3);
  assert_ttl_applies (set, 2, receiver, 4);
}

/* A dual-stack socket (what a peer listening on every address has) sends
 * to IPv4 addresses as IPv4: the TTL must apply there too, and the hop
 * limit to IPv6. Its punch sockets are dual-stack as well. */
static void
test_ttl_dual_stack (void)
{
  g_autoptr (GInetAddress) any = g_inet_address_new_any (G_SOCKET_FAMILY_IPV6);
  g_autoptr (GSocket) receiver4 = ttl_receiver ("127.0.0.58");
  g_autoptr (GSocket) receiver6 = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (SrpSocketSet) set = srp_socket_set_new (g_main_context_default (), on_datagram,
                                                      on_read, NULL);

  if (!srp_socket_set_bind (set, 0, any, 0, TRUE, &error))
    {
      g_autofree char *why = g_strdup_printf ("No dual-stack IPv6 socket: %s", error->message);

      g_test_skip (why);
      return;
    }
  g_assert_true (srp_socket_set_bind_like (set, 2, 0, &error));
  g_assert_no_error (error);
  assert_ttl_applies (set, 0, receiver4, 3);
  assert_ttl_applies (set, 2, receiver4, 3);
  receiver6 = ttl_receiver ("::1");
  assert_ttl_applies (set, 0, receiver6, 5);
  assert_ttl_applies (set, 2, receiver6, 5);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/socket-set/punch-sockets", test_punch_sockets);
  g_test_add_func ("/socket-set/ttl/ipv4", test_ttl_ipv4);
  g_test_add_func ("/socket-set/ttl/dual-stack", test_ttl_dual_stack);

  return g_test_run ();
}
