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
#include "srp-socket-buffers.h"
#include "srp-udp-io.h"

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
/* Binds socket index again, to inet (IPv6 only for an IPv6 address) at port
 * (any port when that one is taken there), keeping its number: its address
 * went away. FALSE when index is not open or nothing can be bound. */
gboolean srp_socket_set_rebind (SrpSocketSet *set, guint index, GInetAddress *inet, guint16 port,
                                GError **error);
/* The numbers of the open sockets (guint), in no order. */
GArray *srp_socket_set_list (SrpSocketSet *set);
/* Closing a number that is not open does nothing. */
void srp_socket_set_close (SrpSocketSet *set, guint index);
/* The socket numbered index, or NULL. */
GSocket *srp_socket_set_get (SrpSocketSet *set, guint index);
guint srp_socket_set_get_n_sockets (SrpSocketSet *set);

/* Sends transmits[0..n) (at most SRP_UDP_SEND_BATCH) as srp_socket_set_send_all
 * does; the datagrams may be freed or reused once it returns (what must
 * wait is copied into the backlog). */
void srp_socket_set_send_batch (SrpSocketSet *set, const SrpTransmit *const *transmits, guint n);
/* How many datagrams were lost since the last call (or send_all's). */
guint srp_socket_set_take_lost (SrpSocketSet *set);

/* Fills out with the next datagram to send; FALSE when there is none. */
typedef gboolean (*SrpSocketSetPollFunc) (gpointer user_data, SrpTransmit *out);

/* Sends every datagram poll gives, as the core asks: from its socket, with
 * its TTL (hop limit) when not 0 and the socket's default otherwise.
 *
 * Datagrams are taken SRP_UDP_SEND_BATCH at a time and each socket's share
 * goes out in one sendmmsg, in the order given (the order between two
 * sockets is not kept: they are different flows). A datagram with a TTL
 * goes alone, with the TTL set just for it. A datagram whose socket is not
 * open, whose address the socket cannot reach or whose send fails is lost,
 * alone. When a socket's send buffer is full, what it refused and what
 * comes for it later wait in its backlog (at most SRP_SOCKET_SET_BACKLOG
 * datagrams; more are lost) and go out in order once it is writable.
 *
 * Returns how many datagrams were lost since the last call, including those
 * lost later from a backlog, or by srp_socket_set_send. */
guint srp_socket_set_send_all (SrpSocketSet *set, SrpSocketSetPollFunc poll, gpointer user_data);

/* Sends one datagram the same way. FALSE with error when it was lost (the
 * socket is not open, cannot reach the address or the send failed); TRUE
 * when it went out or waits in the socket's backlog. */
gboolean srp_socket_set_send (SrpSocketSet *set, const SrpTransmit *transmit, GError **error);

/* Datagrams a full send buffer holds back for a socket, per socket. A
 * burst that outruns the network card waits rather than being lost; a
 * sender that keeps outrunning it is the pacing's business, not a queue's. */
#define SRP_SOCKET_SET_BACKLOG 1024

/* How many datagrams wait in socket index's backlog. */
guint srp_socket_set_get_backlog (SrpSocketSet *set, guint index);

/* The socket buffer size to ask for on sockets bound from now on, each way
 * (default SRP_SOCKET_BUFFERS_DEFAULT; 0: the system default). */
void srp_socket_set_set_buffer_size (SrpSocketSet *set, gint bytes);
/* What socket index asked for and got; FALSE when it is not open. */
gboolean srp_socket_set_get_buffers (SrpSocketSet *set, guint index, SrpSocketBuffers *out);

/* The system calls to use (default srp_udp_io_default ()); for tests, before
 * the first socket is bound (sockets bound for the native ones take
 * coalesced runs that only those cut up). */
void srp_socket_set_set_io (SrpSocketSet *set, const SrpUdpIo *io);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrpSocketSet, srp_socket_set_free)

G_END_DECLS
