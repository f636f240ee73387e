/* test-sockets.c: what the tests of SrpSocketSet share.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-sockets.h"

#include <gio/gnetworking.h>
#include <string.h>

#include "srp-socket-address.h"

GSocket *
test_plain_socket (const char *address)
{
  g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (address);
  g_autoptr (GSocketAddress) local = g_inet_socket_address_new (inet, 0);
  g_autoptr (GError) error = NULL;
  GSocket *socket = g_socket_new (g_inet_address_get_family (inet), G_SOCKET_TYPE_DATAGRAM,
                                  G_SOCKET_PROTOCOL_UDP, &error);

  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, local, FALSE, &error));
  g_assert_no_error (error);
  /* Within net.core.rmem_max anywhere: a few hundred small datagrams. */
  g_socket_set_option (socket, SOL_SOCKET, SO_RCVBUF, 200 * 1024, NULL);
  return socket;
}

GSocket *
test_ttl_receiver (const char *address)
{
  GSocket *socket = test_plain_socket (address);
  g_autoptr (GError) error = NULL;

  if (g_socket_get_family (socket) == G_SOCKET_FAMILY_IPV4)
    g_socket_set_option (socket, IPPROTO_IP, IP_RECVTTL, 1, &error);
  else
    g_socket_set_option (socket, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1, &error);
  g_assert_no_error (error);
  return socket;
}

SrpAddress
test_address_of (GSocket *socket)
{
  g_autoptr (GSocketAddress) local = g_socket_get_local_address (socket, NULL);
  SrpAddress address;

  g_assert_true (srp_socket_address_to_srp (local, &address));
  return address;
}

gssize
test_receive (GSocket *socket, guint8 *data, SrpAddress *from, int *ttl)
{
  union {
    struct cmsghdr align;
    char bytes[CMSG_SPACE (sizeof (int))];
  } control;
  struct sockaddr_storage name;
  struct iovec iov = { data, SRP_MAX_DATAGRAM + 1 };
  struct msghdr msg = {
    .msg_name = &name,
    .msg_namelen = sizeof name,
    .msg_iov = &iov,
    .msg_iovlen = 1,
    .msg_control = control.bytes,
    .msg_controllen = sizeof control.bytes,
  };
  g_autoptr (GError) error = NULL;
  gssize len;

  /* Bounded so that a lost datagram fails the test instead of hanging it. */
  g_assert_true (g_socket_condition_timed_wait (socket, G_IO_IN,
                                                TEST_WAIT_SECONDS * G_USEC_PER_SEC, NULL,
                                                &error));
  g_assert_no_error (error);
  len = recvmsg (g_socket_get_fd (socket), &msg, 0);
  g_assert_cmpint (len, >=, 0);
  g_assert_true (srp_socket_address_from_native ((struct sockaddr *) &name, msg.msg_namelen,
                                                 from));
  *ttl = -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR (&msg); c != NULL; c = CMSG_NXTHDR (&msg, c))
    if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
        (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT))
      memcpy (ttl, CMSG_DATA (c), sizeof *ttl);
  return len;
}

gboolean
test_readable (GSocket *socket)
{
  return g_socket_condition_check (socket, G_IO_IN) & G_IO_IN;
}

void
test_transmit_init (SrpTransmit *transmit, guint index, guint8 ttl, const SrpAddress *to,
                    guint8 seq, gsize len)
{
  memset (transmit, 0, sizeof *transmit);
  transmit->socket = index;
  transmit->ttl = ttl;
  transmit->to = *to;
  transmit->len = len;
  memset (transmit->data, seq, len);
}

typedef struct {
  const SrpTransmit *transmits;
  guint n, next;
} Source;

static gboolean
poll_source (gpointer user_data, SrpTransmit *out)
{
  Source *source = user_data;

  if (source->next == source->n)
    return FALSE;
  *out = source->transmits[source->next++];
  return TRUE;
}

guint
test_send_all (SrpSocketSet *set, const SrpTransmit *transmits, guint n)
{
  Source source = { transmits, n, 0 };
  guint lost = srp_socket_set_send_all (set, poll_source, &source);

  g_assert_cmpuint (source.next, ==, n);
  return lost;
}

/* The wrapper's state: the io functions take no user data. */
static struct {
  const SrpUdpIo *real;
  GArray *calls;
  GArray *script;
} wrap;

static gint
wrapped_receive (GSocket *socket, SrpUdpRecvBatch *batch, GError **error)
{
  return wrap.real->receive (socket, batch, error);
}

static gint
wrapped_send (GSocket *socket, const SrpTransmit *const *transmits, guint n, GError **error)
{
  gint step = wrap.script->len > 0 ? g_array_index (wrap.script, gint, 0) : 0;

  g_array_append_val (wrap.calls, n);
  if (step != TEST_IO_ALWAYS_FULL && wrap.script->len > 0)
    g_array_remove_index (wrap.script, 0);
  if (step == TEST_IO_FULL || step == TEST_IO_ALWAYS_FULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, "Full (test)");
      return -1;
    }
  return wrap.real->send (socket, transmits, step > 0 ? MIN (n, (guint) step) : n, error);
}

static const SrpUdpIo wrapped_io = { "test", wrapped_receive, wrapped_send };

const SrpUdpIo *
test_io_wrap (const SrpUdpIo *real)
{
  wrap.real = real;
  if (wrap.calls == NULL)
    {
      wrap.calls = g_array_new (FALSE, FALSE, sizeof (guint));
      wrap.script = g_array_new (FALSE, FALSE, sizeof (gint));
    }
  g_array_set_size (wrap.calls, 0);
  g_array_set_size (wrap.script, 0);
  return &wrapped_io;
}

void
test_io_script (const gint *steps, guint n)
{
  g_array_append_vals (wrap.script, steps, n);
}

GArray *
test_io_calls (void)
{
  return wrap.calls;
}

static void
skip_native (gconstpointer data)
{
  g_test_skip ("No recvmmsg/sendmmsg here: only GIO's path serves");
}

void
test_add_for_each_io (const char *path, GTestDataFunc func)
{
  g_autofree char *native = g_strconcat (path, "/native", NULL);
  g_autofree char *gio = g_strconcat (path, "/gio", NULL);

  if (srp_udp_io_native () != NULL)
    g_test_add_data_func (native, srp_udp_io_native (), func);
  else
    g_test_add_data_func (native, NULL, skip_native);
  g_test_add_data_func (gio, srp_udp_io_gio (), func);
}
