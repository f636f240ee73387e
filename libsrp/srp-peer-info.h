/* srp-peer-info.h: what a peer knows about another, connected peer.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__SRP_INSIDE__) && !defined(SRP_COMPILATION)
#error "Only <libsrp/srp.h> can be included directly."
#endif

#include <glib-object.h>
#include <libsrp/srp-nat-type.h>
#include <libsrp/srp-path.h>
#include <libsrp/srp-version.h>

G_BEGIN_DECLS

#define SRP_TYPE_PEER_INFO (srp_peer_info_get_type ())

SRP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SrpPeerInfo, srp_peer_info, SRP, PEER_INFO, GObject)

SRP_AVAILABLE_IN_ALL
const char *srp_peer_info_get_id (SrpPeerInfo *self);

SRP_AVAILABLE_IN_ALL
const char *srp_peer_info_get_address (SrpPeerInfo *self);

SRP_AVAILABLE_IN_ALL
SrpNatType srp_peer_info_get_nat_type (SrpPeerInfo *self);

SRP_AVAILABLE_IN_ALL
SrpPath srp_peer_info_get_path (SrpPeerInfo *self);

SRP_AVAILABLE_IN_ALL
gint64 srp_peer_info_get_rtt (SrpPeerInfo *self);

SRP_AVAILABLE_IN_ALL
GDateTime *srp_peer_info_get_since (SrpPeerInfo *self);

SRP_AVAILABLE_IN_ALL
guint64 srp_peer_info_get_bytes_in (SrpPeerInfo *self);

SRP_AVAILABLE_IN_ALL
guint64 srp_peer_info_get_bytes_out (SrpPeerInfo *self);

G_END_DECLS
