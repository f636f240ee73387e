/* srp-port-mapping.h: the protocols SrpPeer:port-mapping may use.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__SRP_INSIDE__) && !defined(SRP_COMPILATION)
#error "Only <libsrp/srp.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/**
 * SrpPortMappingProtocols:
 * @SRP_PORT_MAPPING_PCP: the Port Control Protocol (RFC 6887), asked of the
 *   default gateway first
 * @SRP_PORT_MAPPING_NAT_PMP: NAT-PMP (RFC 6886), when the gateway answers
 *   PCP in NAT-PMP (or PCP is not in the set)
 * @SRP_PORT_MAPPING_UPNP_IGD: UPnP Internet Gateway Device (through
 *   GUPnP-IGD; only in builds that found it), found over SSDP
 * @SRP_PORT_MAPPING_ALL: every protocol this build has
 *
 * The protocols [property@Peer:port-mapping] asks the home router with.
 * PCP/NAT-PMP and UPnP-IGD are asked at the same time; the first mapping
 * granted is kept and the other deleted.
 */
typedef enum /*< flags >*/ {
  SRP_PORT_MAPPING_PCP = 1 << 0,
  SRP_PORT_MAPPING_NAT_PMP = 1 << 1,
  SRP_PORT_MAPPING_UPNP_IGD = 1 << 2,
  SRP_PORT_MAPPING_ALL = 0x7,
} SrpPortMappingProtocols;

G_END_DECLS
