/* srp-dht-registry.h: the registrations an open peer holds for others
 * (REGISTER), each until it expires, at most capacity of them: when full,
 * the oldest goes (all live equally long, so that is the next to expire).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-control-dht.h"

G_BEGIN_DECLS

typedef struct _SrpDhtRegistry SrpDhtRegistry;

SrpDhtRegistry *srp_dht_registry_new (guint capacity);
void srp_dht_registry_free (SrpDhtRegistry *registry);
/* Holds (or replaces) id's reachability until expires. */
void srp_dht_registry_put (SrpDhtRegistry *registry, const SrpId *id,
                           const SrpReachability *reach, gint64 expires);
/* id's reachability, or NULL when none is held or it expired. */
const SrpReachability *srp_dht_registry_get (SrpDhtRegistry *registry, const SrpId *id,
                                             gint64 now);
guint srp_dht_registry_size (SrpDhtRegistry *registry);

G_END_DECLS
