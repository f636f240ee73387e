/* srp-peer-info-private.h: how SrpPeer makes and updates SrpPeerInfo
 * (internal).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-peer-info.h"

#include "srp-core.h"

G_BEGIN_DECLS

/* A peer as a PEER_ADDED event describes it; since is the wall-clock time it
 * connected (the event's connected_at is on the monotonic clock). */
SrpPeerInfo *srp_peer_info_new (const SrpCoreEvent *event, GDateTime *since);
/* Takes what a PEER_CHANGED event says; notifies the properties that changed. */
void srp_peer_info_update (SrpPeerInfo *self, const SrpCoreEvent *event);
const SrpId *srp_peer_info_get_raw_id (SrpPeerInfo *self);

G_END_DECLS
