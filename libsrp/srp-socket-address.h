/* srp-socket-address.h: between GIO's GSocketAddress and the core's SrpAddress
 * (internal).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "srp-address.h"

G_BEGIN_DECLS

/* Fills address from an IPv4 or IPv6 GInetSocketAddress; an IPv4-mapped IPv6
 * address (::ffff:a.b.c.d, as a dual-stack socket reports IPv4 senders)
 * becomes plain IPv4. FALSE for other kinds of address. */
gboolean srp_socket_address_to_srp (GSocketAddress *socket_address, SrpAddress *address);

/* The GSocketAddress to send to address from a socket of family: IPv4
 * addresses are mapped into IPv6 for an IPv6 (dual-stack) socket. NULL when
 * the socket cannot reach the address (IPv6 from an IPv4 socket). */
GSocketAddress *srp_socket_address_from_srp (const SrpAddress *address, GSocketFamily family);

G_END_DECLS
