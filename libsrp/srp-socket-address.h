/* srp-socket-address.h: between the system's socket addresses (struct
 * sockaddr, or GIO's GSocketAddress around one) and the core's SrpAddress
 * (internal). The native forms let the receive and send paths convert
 * without making an object per datagram.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "srp-address.h"

G_BEGIN_DECLS

struct sockaddr;
struct sockaddr_storage;

/* Fills address from an AF_INET or AF_INET6 address of len bytes; an
 * IPv4-mapped IPv6 address (::ffff:a.b.c.d, as a dual-stack socket reports
 * IPv4 senders) becomes plain IPv4. FALSE for other kinds of address. */
gboolean srp_socket_address_from_native (const struct sockaddr *native, gsize len,
                                         SrpAddress *address);

/* Writes the address to send to address from a socket of family into native
 * and returns its length: IPv4 addresses are mapped into IPv6 for an IPv6
 * (dual-stack) socket. 0 when the socket cannot reach the address (IPv6
 * from an IPv4 socket, or not an IP address). */
gsize srp_socket_address_to_native (const SrpAddress *address, GSocketFamily family,
                                    struct sockaddr_storage *native);

/* The same for an IPv4 or IPv6 GInetSocketAddress. */
gboolean srp_socket_address_to_srp (GSocketAddress *socket_address, SrpAddress *address);

/* The same as a new GSocketAddress, or NULL. */
GSocketAddress *srp_socket_address_from_srp (const SrpAddress *address, GSocketFamily family);

G_END_DECLS
