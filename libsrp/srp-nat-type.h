/* srp-nat-type.h: how the network in front of a peer treats UDP.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__SRP_INSIDE__) && !defined(SRP_COMPILATION)
#error "Only <libsrp/srp.h> can be included directly."
#endif

#include <glib.h>
#include <libsrp/srp-version.h>

G_BEGIN_DECLS

/**
 * SrpNatType:
 * @SRP_NAT_TYPE_UNKNOWN: not classified yet, or it could not be told
 * @SRP_NAT_TYPE_PUBLIC: no NAT: the peer's own address is public and
 *   unsolicited datagrams reach it
 * @SRP_NAT_TYPE_FULL_CONE: one public address and port for every
 *   destination, and anyone may send to it
 * @SRP_NAT_TYPE_ADDRESS_RESTRICTED: one public address and port for every
 *   destination, open only to IP addresses the peer has sent to
 * @SRP_NAT_TYPE_PORT_RESTRICTED: one public address and port for every
 *   destination, open only to the IP addresses and ports the peer has sent to
 * @SRP_NAT_TYPE_SYMMETRIC: a different public port for each destination
 * @SRP_NAT_TYPE_FIREWALL: no address translation (peers see the peer's own
 *   address), but a stateful firewall lets in only datagrams from the IP
 *   addresses (and ports) the peer has sent to; usual for IPv6 behind a home
 *   router
 *
 * The kind of NAT between a peer and the internet, as the peer measured it
 * with the help of two other peers (see [property@Peer:nat-type]). IPv4 and
 * IPv6 are classified apart ([property@Peer:nat-type-ipv4],
 * [property@Peer:nat-type-ipv6]).
 *
 * The value nicks ("port-restricted", …) are the names `srp-tool` prints;
 * [func@NatType.to_string] returns them.
 */
typedef enum {
  SRP_NAT_TYPE_UNKNOWN,
  SRP_NAT_TYPE_PUBLIC,
  SRP_NAT_TYPE_FULL_CONE,
  SRP_NAT_TYPE_ADDRESS_RESTRICTED,
  SRP_NAT_TYPE_PORT_RESTRICTED,
  SRP_NAT_TYPE_SYMMETRIC,
  SRP_NAT_TYPE_FIREWALL,
} SrpNatType;

SRP_AVAILABLE_IN_ALL
const char *srp_nat_type_to_string (SrpNatType nat_type);

G_END_DECLS
