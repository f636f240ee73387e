/* srp-cache-private.h: how SrpPeer drives its SrpCache (internal).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-cache.h"

#include "srp-core.h"
#include "srp-peer.h"

G_BEGIN_DECLS

/* peer is borrowed: the peer owns the cache and detaches it when disposed. */
SrpCache *srp_cache_new (SrpPeer *peer);
void srp_cache_detach (SrpCache *self);
/* Takes the core's figures after any input; notifies what changed. */
void srp_cache_update (SrpCache *self, const SrpCacheStats *stats);

G_END_DECLS
