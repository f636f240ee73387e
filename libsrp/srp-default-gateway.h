/* srp-default-gateway.h: the IPv4 router a NAT-PMP or PCP request goes to
 * (internal).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The gateway of the IPv4 default route (the one with the lowest metric),
 * from route_table: the text of /proc/net/route, or NULL to read it.
 * NULL with error when there is none (or no way to know). */
GInetAddress *srp_default_gateway_ipv4 (const char *route_table, GError **error);

G_END_DECLS
