/* srp-socket-set-private.h: what srp-socket-set.c (sockets, reading) and
 * srp-socket-send.c (writing) share (internal).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-socket-buffers.h"
#include "srp-socket-set.h"
#include "srp-udp-io.h"

G_BEGIN_DECLS

typedef struct {
  SrpSocketSet *set;
  guint index;
  GSocket *socket;
  GSource *source;
  SrpSocketBuffers buffers;
  /* Datagrams the socket refused for a full send buffer, and what came for
   * it since (compact SrpTransmit copies, oldest first), sent when
   * `writable` fires. Empty, and no source, nearly always. */
  GQueue backlog;
  GSource *writable;
} SrpSocketEntry;

struct _SrpSocketSet {
  GMainContext *context;
  SrpSocketSetDatagramFunc datagram;
  SrpSocketSetReadFunc read;
  gpointer user_data;
  GHashTable *sockets; /* GUINT_TO_POINTER (index) -> SrpSocketEntry *, owned */
  const SrpUdpIo *io;
  SrpUdpRecvBatch *recv; /* shared: sockets are read one after another */
  SrpTransmit *send;     /* SRP_UDP_SEND_BATCH, what the poll function filled */
  gint buffer_size;
  gboolean reported_cap;
  guint lost;            /* datagrams lost since srp_socket_set_send_all last said */
};

SrpSocketEntry *srp_socket_set_lookup (SrpSocketSet *set, guint index);

/* srp-socket-send.c: the datagrams still waiting for a closing socket are
 * lost (and counted); stops waiting for it to be writable. */
void srp_socket_send_drop_backlog (SrpSocketSet *set, SrpSocketEntry *entry);

G_END_DECLS
