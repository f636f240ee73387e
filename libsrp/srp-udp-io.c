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

#ifdef __linux__
#include <netinet/in.h>
#include <netinet/udp.h>
#endif

#if defined(HAVE_RECVMMSG) && defined(HAVE_SENDMMSG)
#define SRP_UDP_IO_NATIVE 1
#endif

struct _SrpUdpRecvScratch {
#ifdef SRP_UDP_IO_NATIVE
  struct mmsghdr msgs[SRP_UDP_RECV_BATCH];
  struct iovec iov[SRP_UDP_RECV_BATCH];
  struct sockaddr_storage names[SRP_UDP_RECV_BATCH];
#ifdef UDP_GRO
  union {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control[SRP_UDP_RECV_BATCH];
#endif
#endif
  GInputVector vectors[SRP_UDP_RECV_BATCH];
  GInputMessage messages[SRP_UDP_RECV_BATCH];
  GSocketAddress *addresses[SRP_UDP_RECV_BATCH];
  /* SRP_UDP_RECV_BATCH buffers of SRP_UDP_RECV_BUFFER bytes: 1 MiB of
   * address space, of which the system backs what datagrams touched. */
  guint8 *buffers;
};

SrpUdpRecvBatch *
srp_udp_recv_batch_new (void)
{
  SrpUdpRecvBatch *batch = g_new0 (SrpUdpRecvBatch, 1);

  batch->scratch = g_new0 (SrpUdpRecvScratch, 1);
  batch->scratch->buffers = g_malloc ((gsize) SRP_UDP_RECV_BATCH * SRP_UDP_RECV_BUFFER);
  return batch;
}

void
srp_udp_recv_batch_free (SrpUdpRecvBatch *batch)
{
  if (batch == NULL)
    return;
  g_free (batch->scratch->buffers);
  g_free (batch->scratch);
  g_free (batch);
}

static guint8 *
buffer_of (SrpUdpRecvBatch *batch, guint i)
{
  return batch->scratch->buffers + (gsize) i * SRP_UDP_RECV_BUFFER;
}

/* What the core is shown of a datagram len bytes long: a longer one than
 * it takes is one byte too long, whatever its size. */
static gsize
shown_len (gsize len)
{
  return MIN (len, (gsize) SRP_MAX_DATAGRAM + 1);
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
      /* One datagram per message here (no UDP_GRO on these sockets). */
      s->vectors[i] = (GInputVector) { buffer_of (batch, i), SRP_MAX_DATAGRAM + 1 };
      s->messages[i] = (GInputMessage) {
        .address = &s->addresses[i],
        .vectors = &s->vectors[i],
        .num_vectors = 1,
      };
      s->addresses[i] = NULL;
    }
  n = g_socket_receive_messages (socket, s->messages, SRP_UDP_RECV_BATCH, 0, NULL, error);
  batch->messages = MAX (n, 0);
  for (int i = 0; i < n; i++)
    {
      batch->data[i] = buffer_of (batch, i);
      batch->len[i] = shown_len (s->messages[i].bytes_received);
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

/* The segment size of a coalesced message, or 0 for one datagram. */
static gsize
gro_size (struct msghdr *hdr)
{
#ifdef UDP_GRO
  for (struct cmsghdr *cm = CMSG_FIRSTHDR (hdr); cm != NULL; cm = CMSG_NXTHDR (hdr, cm))
    if (cm->cmsg_level == SOL_UDP && cm->cmsg_type == UDP_GRO)
      {
        int size;

        memcpy (&size, CMSG_DATA (cm), sizeof size);
        return size > 0 ? (gsize) size : 0;
      }
#else
  (void) hdr;
#endif
  return 0;
}

static gint
native_receive (GSocket *socket, SrpUdpRecvBatch *batch, GError **error)
{
  SrpUdpRecvScratch *s = batch->scratch;
  guint d = 0;
  int n;

  for (guint i = 0; i < SRP_UDP_RECV_BATCH; i++)
    {
      s->iov[i] = (struct iovec) { buffer_of (batch, i), SRP_UDP_RECV_BUFFER };
      s->msgs[i].msg_hdr = (struct msghdr) {
        .msg_name = &s->names[i],
        .msg_namelen = sizeof s->names[i],
        .msg_iov = &s->iov[i],
        .msg_iovlen = 1,
#ifdef UDP_GRO
        .msg_control = s->control[i].buf,
        .msg_controllen = sizeof s->control[i].buf,
#endif
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
  batch->messages = n;
  for (int i = 0; i < n; i++)
    {
      struct msghdr *hdr = &s->msgs[i].msg_hdr;
      const guint8 *data = buffer_of (batch, i);
      gsize len = s->msgs[i].msg_len, size = gro_size (hdr);
      SrpAddress from;

      if (!srp_socket_address_from_native ((struct sockaddr *) &s->names[i], hdr->msg_namelen,
                                           &from))
        memset (&from, 0, sizeof from);
      if (size == 0 || size >= len)
        {
          batch->data[d] = data;
          batch->len[d] = shown_len (len);
          batch->from[d++] = from;
          continue;
        }
      /* A coalesced run is cut back into its datagrams where it lies. */
      for (gsize at = 0, k = 0; at < len; at += size, k++)
        {
          if (k == SRP_UDP_GRO_SEGMENTS)
            {
              /* More than the kernel ever coalesces: the rest is lost, as
               * on a congested link. */
              g_debug ("A coalesced message held more than %d datagrams", SRP_UDP_GRO_SEGMENTS);
              break;
            }
          batch->data[d] = data + at;
          batch->len[d] = shown_len (MIN (size, len - at));
          batch->from[d++] = from;
        }
    }
  return (gint) d;
}

#ifdef UDP_SEGMENT
/* Generic segmentation offload: a run of datagrams of one size (the last
 * may be shorter) to one address goes down the stack as one buffer, cut
 * into datagrams as late as the kernel can (on loopback, at the receiving
 * socket). A bulk stream is mostly such runs; each costs the stack once,
 * not once per datagram. Off for good after the first refusal (a device
 * that cannot checksum them). */
static gboolean gso_usable = TRUE;
#define GSO_MAX_SEGMENTS 64
#define GSO_MAX_BYTES 65000
#endif

/* How many of transmits[from..n) go as one segmented message. */
static guint
run_length (const SrpTransmit *const *transmits, guint from, guint n)
{
  guint k = 1;
#ifdef UDP_SEGMENT
  gsize size = transmits[from]->len, total = size;

  if (!gso_usable)
    return 1;
  while (from + k < n && k < GSO_MAX_SEGMENTS && total + transmits[from + k]->len <= GSO_MAX_BYTES &&
         transmits[from + k]->len <= size && transmits[from + k]->socket == transmits[from]->socket &&
         srp_address_equal (&transmits[from + k]->to, &transmits[from]->to))
    {
      total += transmits[from + k]->len;
      /* A shorter one ends the run. */
      if (transmits[from + k++]->len < size)
        break;
    }
#else
  (void) transmits;
  (void) from;
  (void) n;
#endif
  return k;
}

static gint
native_send (GSocket *socket, const SrpTransmit *const *transmits, guint n, GError **error)
{
  struct mmsghdr msgs[SRP_UDP_SEND_BATCH];
  struct iovec iov[SRP_UDP_SEND_BATCH];
  struct sockaddr_storage names[SRP_UDP_SEND_BATCH];
  guint first[SRP_UDP_SEND_BATCH + 1]; /* message i carries transmits first[i]..first[i + 1] */
#ifdef UDP_SEGMENT
  union {
    char buf[CMSG_SPACE (sizeof (guint16))];
    struct cmsghdr align;
  } control[SRP_UDP_SEND_BATCH];
#endif
  GSocketFamily family = g_socket_get_family (socket);
  guint m = 0, t = 0;
  int sent;

  n = MIN (n, SRP_UDP_SEND_BATCH);
  while (t < n)
    {
      gsize len = srp_socket_address_to_native (&transmits[t]->to, family, &names[m]);
      guint k;

      if (len == 0)
        break;
      k = run_length (transmits, t, n);
      /* The datagrams go out from where the caller keeps them: no copy. */
      for (guint j = 0; j < k; j++)
        iov[t + j] = (struct iovec) { (void *) transmits[t + j]->data, transmits[t + j]->len };
      msgs[m] = (struct mmsghdr) {
        .msg_hdr = {
          .msg_name = &names[m],
          .msg_namelen = len,
          .msg_iov = &iov[t],
          .msg_iovlen = k,
        },
      };
#ifdef UDP_SEGMENT
      if (k > 1)
        {
          struct cmsghdr *cm;
          guint16 segment = (guint16) transmits[t]->len;

          msgs[m].msg_hdr.msg_control = control[m].buf;
          msgs[m].msg_hdr.msg_controllen = sizeof control[m].buf;
          cm = CMSG_FIRSTHDR (&msgs[m].msg_hdr);
          cm->cmsg_level = SOL_UDP;
          cm->cmsg_type = UDP_SEGMENT;
          cm->cmsg_len = CMSG_LEN (sizeof segment);
          memcpy (CMSG_DATA (cm), &segment, sizeof segment);
        }
#endif
      first[m] = t;
      t += k;
      m++;
    }
  first[m] = t;
  if (m == 0)
    {
      set_unreachable (error);
      return -1;
    }
  do
    sent = sendmmsg (g_socket_get_fd (socket), msgs, m, 0);
  while (sent < 0 && errno == EINTR);
#ifdef UDP_SEGMENT
  if (sent < 0 && (errno == EIO || errno == EINVAL || errno == EOPNOTSUPP) && first[1] - first[0] > 1)
    {
      /* The path refuses segmentation: datagram by datagram from now on. */
      gso_usable = FALSE;
      return native_send (socket, transmits, n, error);
    }
#endif
  if (sent < 0)
    {
      set_errno_error (error, errno, "sending messages");
      return -1;
    }
  /* Datagrams, not messages. */
  return (gint) first[sent];
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

gboolean
srp_udp_io_enable_gro (GSocket *socket)
{
#if defined(SRP_UDP_IO_NATIVE) && defined(UDP_GRO)
  int on = 1;

  return setsockopt (g_socket_get_fd (socket), SOL_UDP, UDP_GRO, &on, sizeof on) == 0;
#else
  (void) socket;
  return FALSE;
#endif
}

const SrpUdpIo *
srp_udp_io_default (void)
{
  const SrpUdpIo *native = srp_udp_io_native ();

  return native != NULL ? native : srp_udp_io_gio ();
}
