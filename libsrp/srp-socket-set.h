/* srp-socket-set.h: numbered UDP sockets, read on one main context
 * (internal). SrpPeer numbers them as the core does: 0 the main socket, 1
 * the NAT probe socket, 2 and up the punch sockets the core opens and
 * closes while connecting.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "srp-core.h"

G_BEGIN_DECLS

typedef struct _SrpSocketSet SrpSocketSet;

/* Called for each datagram read, with the time it was read. */
typedef void (*SrpSocketSetDatagramFunc) (guint index, gint64 now_us, const SrpAddress *from,
                                          const guint8 *data, gsize len, gpointer user_data);
/* Called after a readable socket was read, last: it may free the set. */
typedef void (*SrpSocketSetReadFunc) (gpointer user_data);

SrpSocketSet *srp_socket_set_new (GMainContext *context, SrpSocketSetDatagramFunc datagram,
                                  SrpSocketSetReadFunc read, gpointer user_data);
/* Closes every socket. */
void srp_socket_set_free (SrpSocketSet *set);

/* Binds a new socket to inet:port as number index (replacing the one that had
 * that number) and starts reading it. An IPv6 socket is dual-stack or IPv6
 * only as asked. */
gboolean srp_socket_set_bind (SrpSocketSet *set, guint index, GInetAddress *inet, guint16 port,
                              gboolean dual_stack, GError **error);
/* The same with model's family and local address (and its dual-stack
 * setting) and a port the system chooses. */
gboolean srp_socket_set_bind_like (SrpSocketSet *set, guint index, guint model, GError **error);
/* Closing a number that is not open does nothing. */
void srp_socket_set_close (SrpSocketSet *set, guint index);
/* The socket numbered index, or NULL. */
GSocket *srp_socket_set_get (SrpSocketSet *set, guint index);
guint srp_socket_set_get_n_sockets (SrpSocketSet *set);

/* Sends one datagram as the core asks: from its socket, with its TTL (hop
 * limit) when not 0 and the socket's default otherwise. FALSE with error
 * when the socket is not open, cannot reach the address or the send fails. */
gboolean srp_socket_set_send (SrpSocketSet *set, const SrpTransmit *transmit, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrpSocketSet, srp_socket_set_free)

G_END_DECLS
