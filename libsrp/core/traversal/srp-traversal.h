/* srp-traversal.h: getting through NATs (a subsystem).
 *
 * - NAT classification (srp-nat.c): what kind of NAT this peer is behind,
 *   measured with the help of two links.
 * - Connecting to a given peer (srp-connect.c): links are asked to
 *   introduce us (CONNECT, INTRODUCE); every link is told our NAT type and
 *   local addresses (INFO) so that we can be introduced in turn.
 * - Punching (srp-punch.c): low-TTL packets, birthday punching over punch
 *   sockets, routes through the socket that got through.
 * - Relaying (srp-relay.c): frames between two links that cannot reach each
 *   other, within circuit and byte limits; peers reached through a relay.
 *
 * It is also the core's router (SrpRouter): which socket reaches an
 * address, and how a frame reaches a relay address.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-context.h"
#include "srp-dht.h"
#include "srp-mesh.h"

G_BEGIN_DECLS

typedef struct _SrpTraversal SrpTraversal;

/* Makes the subsystem, registers it (its frames, its router) with ctx. */
SrpTraversal *srp_traversal_new (SrpContext *ctx, SrpMesh *mesh, SrpDht *dht);

/* srp_core_connect: a CONNECT_RESULT with the returned request follows. */
guint64 srp_traversal_connect (SrpTraversal *traversal, const SrpId *peer_id);
void srp_traversal_cancel (SrpTraversal *traversal, guint64 request);
void srp_traversal_add_local_address (SrpTraversal *traversal, const SrpAddress *address);
void srp_traversal_set_local_port (SrpTraversal *traversal, guint16 port);
/* After a network change (srp-moved.c): classify the NAT again, shake
 * hands with every link from the new address, ask for the ones that do not
 * answer through the others. */
void srp_traversal_network_changed (SrpTraversal *traversal);
/* Forgets the local addresses (new ones follow: srp_traversal_add_local_address). */
void srp_traversal_clear_local_addresses (SrpTraversal *traversal);
/* LAN discovery (srp-lan.c): off until switched on. */
void srp_traversal_set_lan_discovery (SrpTraversal *traversal, gboolean enabled);
gboolean srp_traversal_get_lan_discovery (SrpTraversal *traversal);
/* The primary family's (IPv4 once classified, else IPv6). */
guint8 srp_traversal_get_nat (SrpTraversal *traversal, SrpAddress *public_address);
/* The main socket's port mapping on our router (NULL: none); links hear of
 * it in INFO, and introducers pass it on. */
void srp_traversal_set_mapped_address (SrpTraversal *traversal, const SrpAddress *mapped);
gboolean srp_traversal_get_mapped_address (SrpTraversal *traversal, SrpAddress *mapped);
/* One family's: SRP_ADDRESS_FAMILY_IPV4 or _IPV6. */
guint8 srp_traversal_get_nat_family (SrpTraversal *traversal, guint8 family,
                                     SrpAddress *public_address);
const char *srp_traversal_get_nat_problem (SrpTraversal *traversal);
/* For tests (srp-core-internal.h): the family's NAT type, as if classified. */
void srp_traversal_assume_nat (SrpTraversal *traversal, guint8 family, guint8 type,
                               const SrpAddress *public_address);

G_END_DECLS
