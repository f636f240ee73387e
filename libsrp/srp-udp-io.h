/* srp-udp-io.h: the system calls under SrpSocketSet (internal): a batch of
 * datagrams in or out of one UDP socket per call.
 *
 * Two implementations: the native one calls recvmmsg and sendmmsg on the
 * socket's file descriptor with buffers and sockaddr_storage arrays kept
 * across calls, converting addresses straight to and from SrpAddress, so
 * that no object is made per datagram; the GIO one goes through
 * g_socket_receive_messages and g_socket_send_messages (a GSocketAddress
 * per datagram) where those system calls are missing. Tests run both.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "srp-core.h"

G_BEGIN_DECLS

/* Datagrams read per call. Measured with bench-flood: 16, 32 and 64 take
 * the same CPU per datagram within noise (the calls are a small share of
 * it), and a batch is handed to the core before the next is read, so a
 * larger one only delays the first datagrams of a burst. */
#define SRP_UDP_RECV_BATCH 16
/* Datagrams sent per call, at most. */
#define SRP_UDP_SEND_BATCH 64

/* Where the kernel coalesces (UDP_GRO on Linux, srp_udp_io_enable_gro), one
 * message read is a run of datagrams from one sender, all of one size but
 * the last: one buffer of SRP_UDP_RECV_BUFFER bytes per message, and at
 * most SRP_UDP_GRO_SEGMENTS datagrams in it (the kernel's own limit). */
#define SRP_UDP_RECV_BUFFER 65536
#define SRP_UDP_GRO_SEGMENTS 64
#define SRP_UDP_RECV_MAX (SRP_UDP_RECV_BATCH * SRP_UDP_GRO_SEGMENTS)

typedef struct _SrpUdpRecvScratch SrpUdpRecvScratch;

/* What one receive call read: `messages` messages (at most
 * SRP_UDP_RECV_BATCH; fewer: nothing more was waiting), holding the
 * datagrams counted by the return value, datagram i being data[i][0..len[i])
 * from from[i] (data points into the scratch's buffers, valid until the next
 * call); a sender the core cannot name (not IPv4 or IPv6) has family
 * SRP_ADDRESS_FAMILY_NONE. A datagram longer than SRP_MAX_DATAGRAM shows
 * as SRP_MAX_DATAGRAM + 1 bytes, which the core refuses. */
typedef struct {
  const guint8 *data[SRP_UDP_RECV_MAX];
  gsize len[SRP_UDP_RECV_MAX];
  SrpAddress from[SRP_UDP_RECV_MAX];
  guint messages;
  SrpUdpRecvScratch *scratch; /* the implementation's, kept across calls */
} SrpUdpRecvBatch;

typedef struct {
  const char *name;
  /* Reads up to SRP_UDP_RECV_BATCH messages without blocking: returns how
   * many datagrams they held, or -1 with error (G_IO_ERROR_WOULD_BLOCK when
   * none is waiting). */
  gint (*receive) (GSocket *socket, SrpUdpRecvBatch *batch, GError **error);
  /* Sends transmits[0..n) from socket in order, each to its own address,
   * ignoring their TTL: returns how many went out from the start (at least
   * 1, at most SRP_UDP_SEND_BATCH), or -1 with the error of transmits[0]
   * (G_IO_ERROR_WOULD_BLOCK when the send buffer is full,
   * G_IO_ERROR_NOT_SUPPORTED when the socket cannot reach its address). */
  gint (*send) (GSocket *socket, const SrpTransmit *const *transmits, guint n, GError **error);
} SrpUdpIo;

/* recvmmsg and sendmmsg, or NULL where the system lacks them. */
const SrpUdpIo *srp_udp_io_native (void);
const SrpUdpIo *srp_udp_io_gio (void);
/* The native one where it exists. */
const SrpUdpIo *srp_udp_io_default (void);

/* Asks the kernel to hand runs of datagrams from one sender over as one
 * message (UDP_GRO): on loopback a sender's segmented run (UDP_SEGMENT)
 * then crosses the stack once, not once per datagram, which is most of
 * what a bulk transfer costs both sides. Only the native implementation
 * splits such messages: call it for sockets read through that one alone.
 * FALSE where the system cannot (the socket then reads one datagram per
 * message, as before). */
gboolean srp_udp_io_enable_gro (GSocket *socket);

SrpUdpRecvBatch *srp_udp_recv_batch_new (void);
void srp_udp_recv_batch_free (SrpUdpRecvBatch *batch);

G_END_DECLS
