/* bench-raw-udp.c: the kernel's speed for libsrp's datagrams: two plain UDP
 * sockets on 127.0.0.1, a sender thread and a receiver thread, nothing else.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _GNU_SOURCE
#include "bench-raw-udp.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 32

typedef struct {
  int fd;
  gboolean batched;         /* sendmmsg/recvmmsg, else sendto/recvfrom */
  double seconds;
  struct sockaddr_in to;
  atomic_bool sender_done;  /* receiver: stop at the next empty wait */
  /* Results. */
  guint64 sent, received;
  gint64 first_us, last_us; /* receiver: first and last datagram */
  double cpu_us;
} Side;

double
bench_cpu_us (clockid_t clock)
{
  struct timespec ts;

  if (clock_gettime (clock, &ts) != 0)
    g_error ("clock_gettime: %s", g_strerror (errno));
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

clockid_t
bench_thread_cpu_clock (void)
{
  clockid_t clock;

  if (pthread_getcpuclockid (pthread_self (), &clock) != 0)
    g_error ("pthread_getcpuclockid failed");
  return clock;
}

static int
bound_socket (struct sockaddr_in *address)
{
  int fd = socket (AF_INET, SOCK_DGRAM, IPPROTO_UDP);
  int size = BENCH_SOCKET_BUFFER;
  socklen_t len = sizeof *address;

  memset (address, 0, sizeof *address);
  address->sin_family = AF_INET;
  address->sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (fd < 0 || bind (fd, (struct sockaddr *) address, sizeof *address) != 0 ||
      getsockname (fd, (struct sockaddr *) address, &len) != 0)
    g_error ("socket: %s", g_strerror (errno));
  setsockopt (fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  setsockopt (fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  return fd;
}

static gpointer
sender_main (gpointer data)
{
  Side *side = data;
  static guint8 payload[BATCH][BENCH_DATAGRAM_LEN];
  struct iovec iov[BATCH];
  struct mmsghdr msgs[BATCH];
  clockid_t clock = bench_thread_cpu_clock ();
  double cpu_start = bench_cpu_us (clock);
  gint64 end = g_get_monotonic_time () + (gint64) (side->seconds * G_USEC_PER_SEC);

  memset (msgs, 0, sizeof msgs);
  for (int i = 0; i < BATCH; i++)
    {
      memset (payload[i], 0x5a, sizeof payload[i]);
      iov[i] = (struct iovec) { payload[i], sizeof payload[i] };
      msgs[i].msg_hdr = (struct msghdr) {
        .msg_name = &side->to, .msg_namelen = sizeof side->to, .msg_iov = &iov[i], .msg_iovlen = 1
      };
    }
  while (g_get_monotonic_time () < end)
    for (int k = 0; k < 64; k++)
      {
        int n = side->batched ? sendmmsg (side->fd, msgs, BATCH, 0)
                              : (int) (sendto (side->fd, payload[0], BENCH_DATAGRAM_LEN, 0,
                                               (struct sockaddr *) &side->to, sizeof side->to) >= 0);
        if (n > 0)
          side->sent += n;
      }
  side->cpu_us = bench_cpu_us (clock) - cpu_start;
  return NULL;
}

static gpointer
receiver_main (gpointer data)
{
  Side *side = data;
  static guint8 buffers[BATCH][BENCH_DATAGRAM_LEN + 1];
  struct iovec iov[BATCH];
  struct mmsghdr msgs[BATCH];
  struct timeval timeout = { 0, 200000 };
  clockid_t clock = bench_thread_cpu_clock ();
  double cpu_start = bench_cpu_us (clock);

  /* A wait this long with nothing to read, once the sender is done, ends it. */
  setsockopt (side->fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  memset (msgs, 0, sizeof msgs);
  for (int i = 0; i < BATCH; i++)
    {
      iov[i] = (struct iovec) { buffers[i], sizeof buffers[i] };
      msgs[i].msg_hdr = (struct msghdr) { .msg_iov = &iov[i], .msg_iovlen = 1 };
    }
  for (;;)
    {
      int n = side->batched ? recvmmsg (side->fd, msgs, BATCH, MSG_WAITFORONE, NULL)
                            : (int) (recvfrom (side->fd, buffers[0], sizeof buffers[0], 0, NULL,
                                               NULL) > 0);
      if (n > 0)
        {
          side->last_us = g_get_monotonic_time ();
          if (side->received == 0)
            side->first_us = side->last_us;
          side->received += n;
        }
      else if (atomic_load (&side->sender_done))
        break;
    }
  side->cpu_us = bench_cpu_us (clock) - cpu_start;
  return NULL;
}

static void
run (gboolean batched, double seconds, Side *sender, Side *receiver)
{
  struct sockaddr_in from, to;
  GThread *threads[2];

  memset (sender, 0, sizeof *sender);
  memset (receiver, 0, sizeof *receiver);
  receiver->fd = bound_socket (&to);
  sender->fd = bound_socket (&from);
  sender->to = to;
  sender->batched = receiver->batched = batched;
  sender->seconds = seconds;
  threads[0] = g_thread_new ("raw-receiver", receiver_main, receiver);
  threads[1] = g_thread_new ("raw-sender", sender_main, sender);
  g_thread_join (threads[1]);
  atomic_store (&receiver->sender_done, TRUE);
  g_thread_join (threads[0]);
  close (sender->fd);
  close (receiver->fd);
}

void
bench_raw_udp_measure (double seconds, BenchRawUdp *out)
{
  Side sender, receiver;

  run (TRUE, seconds, &sender, &receiver);
  out->delivered_per_s = receiver.last_us > receiver.first_us
                           ? receiver.received / ((receiver.last_us - receiver.first_us) / 1e6)
                           : 0;
  run (FALSE, seconds, &sender, &receiver);
  out->sendto_cpu_us = sender.sent > 0 ? sender.cpu_us / sender.sent : 0;
  out->recvfrom_cpu_us = receiver.received > 0 ? receiver.cpu_us / receiver.received : 0;
}

/* Datagrams the kernel dropped for a full receive buffer on the IPv4 UDP
 * socket bound to port (the drops column of /proc/net/udp), or -1. */
double
bench_socket_drops (guint16 port)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  g_autofree char *suffix = g_strdup_printf (":%04X", port);

  if (!g_file_get_contents ("/proc/net/udp", &text, NULL, NULL))
    return -1;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto (GStrv) fields = g_strsplit_set (g_strstrip (lines[i]), " ", -1);
      guint n = 0;
      const char *last = NULL;

      for (guint k = 0; fields[k] != NULL; k++)
        if (*fields[k] != '\0')
          {
            if (n++ == 1 && !g_str_has_suffix (fields[k], suffix))
              break;
            last = fields[k];
          }
      if (n > 12 && last != NULL)
        return g_ascii_strtod (last, NULL);
    }
  return -1;
}
