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

typedef struct _SrpUdpRecvScratch SrpUdpRecvScratch;

/* What one receive call read: datagram i is data[i][0..len[i]) from
 * from[i]; a sender the core cannot name (not IPv4 or IPv6) has family
 * SRP_ADDRESS_FAMILY_NONE. A datagram longer than SRP_MAX_DATAGRAM shows
 * as SRP_MAX_DATAGRAM + 1 bytes, which the core refuses. */
typedef struct {
  guint8 data[SRP_UDP_RECV_BATCH][SRP_MAX_DATAGRAM + 1];
  gsize len[SRP_UDP_RECV_BATCH];
  SrpAddress from[SRP_UDP_RECV_BATCH];
  SrpUdpRecvScratch *scratch; /* the implementation's, kept across calls */
} SrpUdpRecvBatch;

typedef struct {
  const char *name;
  /* Reads up to SRP_UDP_RECV_BATCH datagrams without blocking: returns how
   * many, or -1 with error (G_IO_ERROR_WOULD_BLOCK when none is waiting). */
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

SrpUdpRecvBatch *srp_udp_recv_batch_new (void);
void srp_udp_recv_batch_free (SrpUdpRecvBatch *batch);

G_END_DECLS
