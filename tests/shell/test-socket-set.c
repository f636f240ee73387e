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
#include "test-sockets.h"

/* The core's default number of punch sockets for a symmetric NAT. */
#define N_PUNCH 256

typedef struct {
  guint index;
  SrpAddress from;
  GBytes *data;
  guint reads;
  guint count;
  guint awaited;
  guint8 last_seq;
  gboolean in_order;
  gsize bytes;
  gboolean uniform; /* every datagram's bytes all equal its first */
} Received;

/* GIO address objects finalized since count_address_objects: the test of
 * the receive path wraps their classes' finalize (GObject counts instances
 * only in debug builds of GLib). */
static guint addresses_finalized;
static GObjectClass *address_classes[2];
static void (*address_finalize[2]) (GObject *object);

static void
counting_finalize (GObject *object)
{
  addresses_finalized++;
  for (guint i = 0; i < G_N_ELEMENTS (address_classes); i++)
    if (G_OBJECT_GET_CLASS (object) == address_classes[i])
      address_finalize[i] (object);
}

static void
count_address_objects (void)
{
  const GType types[] = { G_TYPE_INET_SOCKET_ADDRESS, G_TYPE_INET_ADDRESS };

  if (address_classes[0] != NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      address_classes[i] = g_type_class_ref (types[i]);
      address_finalize[i] = address_classes[i]->finalize;
      address_classes[i]->finalize = counting_finalize;
    }
}

static void
on_datagram (guint index, gint64 now_us, const SrpAddress *from, const guint8 *data, gsize len,
             gpointer user_data)
{
  Received *received = user_data;

  if (received == NULL)
    return;
  received->index = index;
  received->from = *from;
  g_clear_pointer (&received->data, g_bytes_unref);
  received->data = g_bytes_new (data, len);
  if (received->count > 0 && data[0] != (guint8) (received->last_seq + 1))
    received->in_order = FALSE;
  received->last_seq = data[0];
  received->count++;
  received->bytes += len;
  for (gsize i = 1; i < len; i++)
    if (data[i] != data[0])
      received->uniform = FALSE;
}

static void
on_read (gpointer user_data)
{
  if (user_data != NULL)
    ((Received *) user_data)->reads++;
}

static gboolean
has_data (gpointer data)
{
  return ((Received *) data)->data != NULL;
}

static gboolean
has_all (gpointer data)
{
  return ((Received *) data)->count >= ((Received *) data)->awaited;
}

static guint16
port_of (GSocket *socket)
{
  return test_address_of (socket).port;
}

/* Sends one byte from socket number index of set to receiver. */
static gboolean
send_to (SrpSocketSet *set, guint index, guint8 ttl, GSocket *receiver, GError **error)
{
  SrpTransmit *transmit = g_alloca (sizeof (SrpTransmit));
  SrpAddress to = test_address_of (receiver);

  test_transmit_init (transmit, index, ttl, &to, 'x', 1);
  return srp_socket_set_send (set, transmit, error);
}

/* Reads one datagram; returns the TTL (IPv6: hop limit) it arrived with. */
static int
receive_ttl (GSocket *socket)
{
  guint8 buffer[SRP_MAX_DATAGRAM + 1];
  SrpAddress from;
  int ttl;

  g_assert_cmpint (test_receive (socket, buffer, &from, &ttl), ==, 1);
  if (ttl < 0)
    g_error ("The datagram came without its TTL");
  return ttl;
}

/* Sends with the socket's default TTL, then ttl, then the default again,
 * and checks what arrives. */
static void
assert_ttl_applies (SrpSocketSet *set, guint index, GSocket *receiver, guint8 ttl)
{
  g_autoptr (GError) error = NULL;
  int default_ttl;

  g_assert_true (send_to (set, index, 0, receiver, &error));
  g_assert_no_error (error);
  default_ttl = receive_ttl (receiver);
  g_assert_cmpint (default_ttl, !=, ttl);

  g_assert_true (send_to (set, index, ttl, receiver, &error));
  g_assert_no_error (error);
  g_assert_cmpint (receive_ttl (receiver), ==, ttl);

  g_assert_true (send_to (set, index, 0, receiver, &error));
  g_assert_no_error (error);
  g_assert_cmpint (receive_ttl (receiver), ==, default_ttl);
}

static SrpSocketSet *
new_set (const SrpUdpIo *io, Received *received)
{
  SrpSocketSet *set = srp_socket_set_new (g_main_context_default (), on_datagram, on_read,
                                          received);

  srp_socket_set_set_io (set, io);
  return set;
}

/* 256 punch sockets open at once, each on its own port of the main
 * socket's address; one reads and writes under its number, and once closed
 * it is gone while the others stay. */
static void
test_punch_sockets (gconstpointer io)
{
  g_autoptr (GInetAddress) inet = g_inet_address_new_from_string ("127.0.0.54");
  g_autoptr (GSocket) peer = test_plain_socket ("127.0.0.55");
  g_autoptr (GHashTable) ports = g_hash_table_new (NULL, NULL);
  g_autoptr (GError) error = NULL;
  Received received = { 0 };
  SrpSocketSet *set = new_set (io, &received);
  GSocket *punch;
  SrpAddress from;
  SrpAddress main_address;

  g_assert_true (srp_socket_set_bind (set, 0, inet, 0, FALSE, &error));
  g_assert_no_error (error);
  main_address = test_address_of (srp_socket_set_get (set, 0));
  g_hash_table_add (ports, GUINT_TO_POINTER (main_address.port));
  for (guint i = 2; i < 2 + N_PUNCH; i++)
    {
      SrpAddress address;

      g_assert_true (srp_socket_set_bind_like (set, i, 0, &error));
      g_assert_no_error (error);
      address = test_address_of (srp_socket_set_get (set, i));
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
  from = test_address_of (peer);
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
test_ttl_ipv4 (gconstpointer io)
{
  g_autoptr (GInetAddress) inet = g_inet_address_new_from_string ("127.0.0.57");
  g_autoptr (GSocket) receiver = test_ttl_receiver ("127.0.0.56");
  g_autoptr (GError) error = NULL;
  g_autoptr (SrpSocketSet) set = new_set (io, NULL);

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
test_ttl_dual_stack (gconstpointer io)
{
  g_autoptr (GInetAddress) any = g_inet_address_new_any (G_SOCKET_FAMILY_IPV6);
  g_autoptr (GSocket) receiver4 = test_ttl_receiver ("127.0.0.58");
  g_autoptr (GSocket) receiver6 = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (SrpSocketSet) set = new_set (io, NULL);

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
  receiver6 = test_ttl_receiver ("::1");
  assert_ttl_applies (set, 0, receiver6, 5);
  assert_ttl_applies (set, 2, receiver6, 5);
}

/* 40 datagrams waiting are read in one wake-up (batches of
 * SRP_UDP_RECV_BATCH), in order, with their sender. */
static void
test_receive_burst (gconstpointer io)
{
  g_autoptr (GInetAddress) inet = g_inet_address_new_from_string ("127.0.0.62");
  g_autoptr (GSocket) sender = test_plain_socket ("127.0.0.63");
  g_autoptr (GSocketAddress) to = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (SrpSocketSet) set = NULL;
  Received received = { .in_order = TRUE };
  SrpAddress from = test_address_of (sender);
  guint8 datagram[100];

  set = new_set (io, &received);
  g_assert_true (srp_socket_set_bind (set, 0, inet, 0, FALSE, &error));
  g_assert_no_error (error);
  to = g_socket_get_local_address (srp_socket_set_get (set, 0), NULL);
  for (guint i = 0; i < 40; i++)
    {
      memset (datagram, i, sizeof datagram);
      g_assert_cmpint (g_socket_send_to (sender, to, (char *) datagram, sizeof datagram, NULL,
                                         &error), ==, sizeof datagram);
      g_assert_no_error (error);
    }
  /* Loopback delivers within the send: all 40 wait before the first read. */
  received.awaited = 40;
  test_wait_until (has_all, &received, "40 datagrams");
  g_assert_cmpuint (received.count, ==, 40);
  g_assert_cmpuint (received.reads, ==, 1);
  g_assert_true (received.in_order);
  g_assert_true (srp_address_equal (&received.from, &from));
  g_assert_cmpuint (g_bytes_get_size (received.data), ==, sizeof datagram);
  g_clear_pointer (&received.data, g_bytes_unref);
}

/* A run of datagrams of one size to one address (which the native path
 * sends segmented, and takes coalesced where the kernel can) arrives as
 * the datagrams it was, each whole, in order, the shorter last one too,
 * and followed by one of another size. */
#define RUN 45

static void
test_receive_run (gconstpointer io)
{
  g_autoptr (GInetAddress) inet = g_inet_address_new_from_string ("127.0.0.67");
  g_autoptr (GError) error = NULL;
  g_autoptr (SrpSocketSet) receiver = NULL;
  g_autoptr (SrpSocketSet) sender = NULL;
  static SrpTransmit transmits[RUN + 2];
  const SrpTransmit *pointers[RUN + 2];
  Received received = { .in_order = TRUE, .uniform = TRUE };
  gsize total = 0;

  receiver = new_set (io, &received);
  sender = new_set (io, NULL);
  g_assert_true (srp_socket_set_bind (receiver, 0, inet, 0, FALSE, &error));
  g_assert_true (srp_socket_set_bind (sender, 0, inet, 0, FALSE, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < RUN + 2; i++)
    {
      transmits[i].socket = 0;
      transmits[i].to = test_address_of (srp_socket_set_get (receiver, 0));
      /* 1,200 bytes, then a shorter one ending the run, then a longer one. */
      transmits[i].len = i < RUN ? 1200 : i == RUN ? 300 : SRP_MAX_DATAGRAM;
      memset (transmits[i].data, i, transmits[i].len);
      total += transmits[i].len;
      pointers[i] = &transmits[i];
    }
  srp_socket_set_send_batch (sender, pointers, RUN + 2);
  g_assert_cmpuint (srp_socket_set_take_lost (sender), ==, 0);
  received.awaited = RUN + 2;
  test_wait_until (has_all, &received, "every datagram of the run");
  g_assert_cmpuint (received.count, ==, RUN + 2);
  g_assert_cmpuint (received.bytes, ==, total);
  g_assert_true (received.in_order);
  g_assert_true (received.uniform);
  g_assert_cmpuint (g_bytes_get_size (received.data), ==, SRP_MAX_DATAGRAM);
  g_clear_pointer (&received.data, g_bytes_unref);
}

/* Sends one byte from a plain socket at address to port on loopback of
 * its family, and checks what the set reports as the sender. */
static void
assert_sender_reported (SrpSocketSet *set, Received *received, const char *address,
                        guint16 port, SrpAddressFamily family)
{
  g_autoptr (GSocket) sender = test_plain_socket (address);
  g_autoptr (GInetAddress) loopback =
    g_inet_address_new_loopback (g_socket_get_family (sender));
  g_autoptr (GSocketAddress) to = g_inet_socket_address_new (loopback, port);
  g_autoptr (GError) error = NULL;
  SrpAddress expected = test_address_of (sender);

  g_clear_pointer (&received->data, g_bytes_unref);
  g_assert_cmpint (g_socket_send_to (sender, to, "x", 1, NULL, &error), ==, 1);
  g_assert_no_error (error);
  test_wait_until (has_data, received, "a datagram");
  g_assert_cmpuint (received->from.family, ==, family);
  g_assert_true (srp_address_equal (&received->from, &expected));
}

/* A dual-stack socket names IPv4 senders as IPv4 (not ::ffff:a.b.c.d)
 * and IPv6 ones as IPv6. */
static void
test_receive_families (gconstpointer io)
{
  g_autoptr (GInetAddress) any = g_inet_address_new_any (G_SOCKET_FAMILY_IPV6);
  g_autoptr (GError) error = NULL;
  g_autoptr (SrpSocketSet) set = NULL;
  Received received = { .in_order = TRUE };
  guint16 port;

  set = new_set (io, &received);
  if (!srp_socket_set_bind (set, 0, any, 0, TRUE, &error))
    {
      g_autofree char *why = g_strdup_printf ("No dual-stack IPv6 socket: %s", error->message);

      g_test_skip (why);
      return;
    }
  port = port_of (srp_socket_set_get (set, 0));
  assert_sender_reported (set, &received, "127.0.0.1", port, SRP_ADDRESS_FAMILY_IPV4);
  assert_sender_reported (set, &received, "::1", port, SRP_ADDRESS_FAMILY_IPV6);
  g_clear_pointer (&received.data, g_bytes_unref);
}

/* A relay hears from many peers. GIO caches the address objects of the
 * last 8 senders; with 12 taking turns every datagram makes new ones on its
 * path (which shows the check can see them), and none on the native path. */
#define N_SENDERS 12

static void
test_receive_no_objects (gconstpointer io)
{
  g_autoptr (GInetAddress) inet = g_inet_address_new_from_string ("127.0.0.65");
  g_autoptr (GSocketAddress) to = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (SrpSocketSet) set = NULL;
  GSocket *senders[N_SENDERS];
  Received received = { .in_order = TRUE };
  guint before;

  count_address_objects ();
  set = new_set (io, &received);
  g_assert_true (srp_socket_set_bind (set, 0, inet, 0, FALSE, &error));
  g_assert_no_error (error);
  to = g_socket_get_local_address (srp_socket_set_get (set, 0), NULL);
  for (guint i = 0; i < N_SENDERS; i++)
    senders[i] = test_plain_socket ("127.0.0.66");
  for (guint round = 0; round < 3; round++)
    for (guint i = 0; i < N_SENDERS; i++)
      g_assert_cmpint (g_socket_send_to (senders[i], to, "x", 1, NULL, &error), ==, 1);
  before = addresses_finalized;
  received.awaited = 3 * N_SENDERS;
  test_wait_until (has_all, &received, "every datagram");
  if (io == srp_udp_io_native ())
    g_assert_cmpuint (addresses_finalized, ==, before);
  else
    g_assert_cmpuint (addresses_finalized, >=, before + 2 * N_SENDERS);
  for (guint i = 0; i < N_SENDERS; i++)
    g_object_unref (senders[i]);
  g_clear_pointer (&received.data, g_bytes_unref);
}

/* Bound again (the address went away): the same number, now at the new
 * address on the same port, read and written as before; the old address
 * no longer reaches it; and a number that is not open is an error. */
static void
test_rebind (gconstpointer io)
{
  g_autoptr (GInetAddress) first = g_inet_address_new_from_string ("127.0.0.60");
  g_autoptr (GInetAddress) second = g_inet_address_new_from_string ("127.0.0.61");
  g_autoptr (GSocket) peer = test_plain_socket ("127.0.0.62");
  g_autoptr (GSocketAddress) old_address = NULL, new_address = NULL;
  g_autoptr (GError) error = NULL;
  Received received = { 0 };
  SrpSocketSet *set = new_set (io, &received);
  SrpAddress before, after;

  g_assert_true (srp_socket_set_bind (set, 0, first, 0, FALSE, &error));
  g_assert_true (srp_socket_set_bind_like (set, 2, 0, &error));
  g_assert_no_error (error);
  before = test_address_of (srp_socket_set_get (set, 0));
  old_address = g_socket_get_local_address (srp_socket_set_get (set, 0), NULL);

  g_assert_true (srp_socket_set_rebind (set, 0, second, before.port, &error));
  g_assert_true (srp_socket_set_rebind (set, 2, second, 0, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (srp_socket_set_get_n_sockets (set), ==, 2);
  after = test_address_of (srp_socket_set_get (set, 0));
  g_assert_cmpuint (after.port, ==, before.port);
  g_assert_false (srp_address_same_ip (&after, &before));
  after = test_address_of (srp_socket_set_get (set, 2));
  g_assert_cmpuint (after.bytes[3], ==, 61);

  /* In at the new address, under its number; the old one is closed. */
  new_address = g_socket_get_local_address (srp_socket_set_get (set, 0), NULL);
  g_assert_cmpint (g_socket_send_to (peer, new_address, "\x01", 1, NULL, &error), ==, 1);
  g_assert_no_error (error);
  test_wait_until (has_data, &received, "a datagram after the rebind");
  g_assert_cmpuint (received.index, ==, 0);
  g_clear_pointer (&received.data, g_bytes_unref);
  g_socket_send_to (peer, old_address, "\x02", 1, NULL, NULL);
  g_main_context_iteration (NULL, FALSE);
  g_usleep (50 * G_TIME_SPAN_MILLISECOND);
  g_main_context_iteration (NULL, FALSE);
  g_assert_null (received.data);
  /* Out through it, from the new address. */
  g_assert_true (send_to (set, 2, 0, peer, &error));
  g_assert_no_error (error);

  g_assert_false (srp_socket_set_rebind (set, 7, second, 0, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  srp_socket_set_free (set);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  test_add_for_each_io ("/socket-set/punch-sockets", test_punch_sockets);
  test_add_for_each_io ("/socket-set/ttl/ipv4", test_ttl_ipv4);
  test_add_for_each_io ("/socket-set/ttl/dual-stack", test_ttl_dual_stack);
  test_add_for_each_io ("/socket-set/receive/burst", test_receive_burst);
  test_add_for_each_io ("/socket-set/receive/run", test_receive_run);
  test_add_for_each_io ("/socket-set/receive/families", test_receive_families);
  test_add_for_each_io ("/socket-set/receive/no-objects", test_receive_no_objects);
  test_add_for_each_io ("/socket-set/rebind", test_rebind);

  return g_test_run ();
}
