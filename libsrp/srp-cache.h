/* srp-cache.h: a peer's share of the network-wide packet cache.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__SRP_INSIDE__) && !defined(SRP_COMPILATION)
#error "Only <libsrp/srp.h> can be included directly."
#endif

#include <glib-object.h>
#include <libsrp/srp-version.h>

G_BEGIN_DECLS

#define SRP_TYPE_CACHE (srp_cache_get_type ())

SRP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SrpCache, srp_cache, SRP, CACHE, GObject)

SRP_AVAILABLE_IN_ALL
guint64 srp_cache_get_budget (SrpCache *self);

SRP_AVAILABLE_IN_ALL
void srp_cache_set_budget (SrpCache *self, guint64 budget);

SRP_AVAILABLE_IN_ALL
guint64 srp_cache_get_used (SrpCache *self);

SRP_AVAILABLE_IN_ALL
guint srp_cache_get_n_packets (SrpCache *self);

SRP_AVAILABLE_IN_ALL
guint64 srp_cache_get_stored (SrpCache *self);

SRP_AVAILABLE_IN_ALL
guint64 srp_cache_get_evicted (SrpCache *self);

SRP_AVAILABLE_IN_ALL
guint64 srp_cache_get_expired (SrpCache *self);

SRP_AVAILABLE_IN_ALL
guint64 srp_cache_get_purged (SrpCache *self);

SRP_AVAILABLE_IN_ALL
GBytes *srp_cache_lookup (SrpCache *self, const char *packet_id);

G_END_DECLS
