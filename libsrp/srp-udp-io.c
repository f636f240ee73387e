/* srp-udp-io.c: batches of datagrams through recvmmsg/sendmmsg on the
 * socket's descriptor, or through GIO's message calls.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _GNU_SOURCE /* recvmmsg, sendmmsg */
#include "config.h"

#include "srp-udp-io.h"

#include <errno.h>
#include <gio/gnetworking.h>
#include <string.h>

#include "srp-socket-address.h"

#if defined(HAVE_RECVMMSG) && defined(HAVE_SENDMMSG)
#define SRP_UDP_IO_NATIVE 1
#endif

struct _SrpUdpRecvScratch {
#ifdef SRP_UDP_IO_NATIVE
  struct mmsghdr msgs[SRP_UDP_RECV_BATCH];
  struct iovec iov[SRP_UDP_RECV_BATCH];
  struct sockaddr_storage names[SRP_UDP_RECV_BATCH];
#endif
  GInputVector vectors[SRP_UDP_RECV_BATCH];
  GInputMessage messages[SRP_UDP_RECV_BATCH];
  GSocketAddress *addresses[SRP_UDP_RECV_BATCH];
};

SrpUdpRecvBatch *
srp_udp_recv_batch_new (void)
{
  SrpUdpRecvBatch *batch = g_new0 (SrpUdpRecvBatch, 1);

  batch->scratch = g_new0 (SrpUdpRecvScratch, 1);
  return batch;
}

void
srp_udp_recv_batch_free (SrpUdpRecvBatch *batch)
{
  if (batch == NULL)
    return;
  g_free (batch->scratch);
  g_free (batch);
}

static void
set_unreachable (GError **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       "The socket cannot reach that address family");
}

/* GIO */

static gint
gio_receive (GSocket *socket, SrpUdpRecvBatch *batch, GError **error)
{
  SrpUdpRecvScratch *s = batch->scratch;
  int n;

  for (guint i = 0; i < SRP_UDP_RECV_BATCH; i++)
    {
      s->vectors[i] = (GInputVector) { batch->data[i], sizeof batch->data[i] };
      s->messages[i] = (GInputMessage) {
        .address = &s->addresses[i],
        .vectors = &s->vectors[i],
        .num_vectors = 1,
      };
      s->addresses[i] = NULL;
    }
  n = g_socket_receive_messages (socket, s->messages, SRP_UDP_RECV_BATCH, 0, NULL, error);
  for (int i = 0; i < n; i++)
    {
      batch->len[i] = s->messages[i].bytes_received;
      if (!srp_socket_address_to_srp (s->addresses[i], &batch->from[i]))
        memset (&batch->from[i], 0, sizeof batch->from[i]);
      g_clear_object (&s->addresses[i]);
    }
  return n;
}

static gint
gio_send (GSocket *socket, const SrpTransmit *const *transmits, guint n, GError **error)
{
  GOutputVector vectors[SRP_UDP_SEND_BATCH];
  GOutputMessage messages[SRP_UDP_SEND_BATCH];
  GSocketAddress *addresses[SRP_UDP_SEND_BATCH];
  GSocketFamily family = g_socket_get_family (socket);
  guint m;
  gint sent;

  n = MIN (n, SRP_UDP_SEND_BATCH);
  for (m = 0; m < n; m++)
    {
      addresses[m] = srp_socket_address_from_srp (&transmits[m]->to, family);
      if (addresses[m] == NULL)
        break;
      vectors[m] = (GOutputVector) { transmits[m]->data, transmits[m]->len };
      messages[m] = (GOutputMessage) {
        .address = addresses[m],
        .vectors = &vectors[m],
        .num_vectors = 1,
      };
    }
  if (m == 0)
    {
      set_unreachable (error);
      return -1;
    }
  sent = g_socket_send_messages (socket, messages, m, 0, NULL, error);
  for (guint i = 0; i < m; i++)
    g_object_unref (addresses[i]);
  return sent;
}

static const SrpUdpIo gio_io = { "gio", gio_receive, gio_send };

const SrpUdpIo *
srp_udp_io_gio (void)
{
  return &gio_io;
}

/* Native */

#ifdef SRP_UDP_IO_NATIVE

static void
set_errno_error (GError **error, int errsv, const char *what)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "Error %s: %s", what,
               g_strerror (errsv));
}

static gint
native_receive (GSocket *socket, SrpUdpRecvBatch *batch, GError **error)
{
  SrpUdpRecvScratch *s = batch->scratch;
  int n;

  for (guint i = 0; i < SRP_UDP_RECV_BATCH; i++)
    {
      s->iov[i] = (struct iovec) { batch->data[i], sizeof batch->data[i] };
      s->msgs[i].msg_hdr = (struct msghdr) {
        .msg_name = &s->names[i],
        .msg_namelen = sizeof s->names[i],
        .msg_iov = &s->iov[i],
        .msg_iovlen = 1,
      };
    }
  do
    n = recvmmsg (g_socket_get_fd (socket), s->msgs, SRP_UDP_RECV_BATCH, MSG_DONTWAIT, NULL);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    {
      set_errno_error (error, errno, "receiving messages");
      return -1;
    }
  for (int i = 0; i < n; i++)
    {
      batch->len[i] = s->msgs[i].msg_len;
      if (!srp_socket_address_from_native ((struct sockaddr *) &s->names[i],
                                           s->msgs[i].msg_hdr.msg_namelen, &batch->from[i]))
        memset (&batch->from[i], 0, sizeof batch->from[i]);
    }
  return n;
}

static gint
native_send (GSocket *socket, const SrpTransmit *const *transmits, guint n, GError **error)
{
  struct mmsghdr msgs[SRP_UDP_SEND_BATCH];
  struct iovec iov[SRP_UDP_SEND_BATCH];
  struct sockaddr_storage names[SRP_UDP_SEND_BATCH];
  GSocketFamily family = g_socket_get_family (socket);
  guint m;
  int sent;

  n = MIN (n, SRP_UDP_SEND_BATCH);
  for (m = 0; m < n; m++)
    {
      gsize len = srp_socket_address_to_native (&transmits[m]->to, family, &names[m]);

      if (len == 0)
        break;
      /* The datagram goes out from where the caller keeps it: no copy. */
      iov[m] = (struct iovec) { (void *) transmits[m]->data, transmits[m]->len };
      msgs[m] = (struct mmsghdr) {
        .msg_hdr = {
          .msg_name = &names[m],
          .msg_namelen = len,
          .msg_iov = &iov[m],
          .msg_iovlen = 1,
        },
      };
    }
  if (m == 0)
    {
      set_unreachable (error);
      return -1;
    }
  do
    sent = sendmmsg (g_socket_get_fd (socket), msgs, m, 0);
  while (sent < 0 && errno == EINTR);
  if (sent < 0)
    {
      set_errno_error (error, errno, "sending messages");
      return -1;
    }
  return sent;
}

static const SrpUdpIo native_io = { "native", native_receive, native_send };

const SrpUdpIo *
srp_udp_io_native (void)
{
  return &native_io;
}

#else

const SrpUdpIo *
srp_udp_io_native (void)
{
  return NULL;
}

#endif

const SrpUdpIo *
srp_udp_io_default (void)
{
  const SrpUdpIo *native = srp_udp_io_native ();

  return native != NULL ? native : srp_udp_io_gio ();
}
