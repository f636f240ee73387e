/* srp-local-addresses.h: this host's IP addresses (internal).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "srp-address.h"

G_BEGIN_DECLS

/* The IPv4 and IPv6 addresses of every interface that is up, as SrpAddress
 * with port 0. The core compares them with the reflexive address other
 * peers report: equal means no NAT. Empty when the system cannot list them. */
GArray *srp_local_addresses_list (void);

G_END_DECLS
