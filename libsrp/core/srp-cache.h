/* srp-cache.h: the shared packet cache every peer keeps for the network
 * (the seed's "Fixing the Small Network Problem"). Pure data structure: the
 * core decides what to store and what to do with packets whose time is up.
 *
 * - A byte budget that is never exceeded (each entry costs its encoded
 *   frame plus SRP_CACHE_ENTRY_OVERHEAD for its bookkeeping).
 * - A TTL from local arrival. Expired entries are handed back to the caller
 *   (srp_cache_pop_expired), which re-broadcasts or purges them.
 * - Eviction to make room: expired entries first, then entries of topics
 *   nobody here subscribes to (oldest first), then the oldest overall. The
 *   entry being added is never evicted for itself.
 * - A bounded memory of IDs that left the cache, so that an old packet is
 *   not taken back again and again.
 * - Per-topic ordered sets of ID prefixes, for anti-entropy.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-packet.h"

G_BEGIN_DECLS

/* Bytes charged per entry on top of its frame (bookkeeping). */
#define SRP_CACHE_ENTRY_OVERHEAD 128

typedef struct _SrpCache SrpCache;

typedef struct {
  SrpId id;
  SrpId topic_id;
  guint8 postage;
  gint64 stored_at;
  gint64 expires_at;
  GBytes *frame;     /* the encoded PACKET frame, with this copy's POSTAGE */
} SrpCacheEntry;

typedef struct {
  gsize budget, used;
  guint n_packets;
  guint64 stored, evicted, expired, purged;
} SrpCacheCounters;

/* remembered_ids: how many IDs of packets that left the cache are kept. */
SrpCache *srp_cache_new (gsize budget, gint64 ttl_us, guint remembered_ids);
void srp_cache_free (SrpCache *cache);

/* Result of srp_cache_add. */
typedef enum {
  SRP_CACHE_STORED,
  SRP_CACHE_HELD,      /* already in the cache */
  SRP_CACHE_GONE,      /* it was here and left: not taken back */
  SRP_CACHE_TOO_LARGE, /* larger than the whole budget */
} SrpCacheResult;

/* Stores a decoded, valid packet, evicting as needed. */
SrpCacheResult srp_cache_add (SrpCache *cache, gint64 now_us, const SrpPacket *packet);
const SrpCacheEntry *srp_cache_lookup (SrpCache *cache, const SrpId *id);
/* By the first 8 bytes of the ID (the prefix frames carry), or NULL. */
const SrpCacheEntry *srp_cache_lookup_prefix (SrpCache *cache, guint64 prefix);
gboolean srp_cache_is_gone (SrpCache *cache, const SrpId *id);

/* Removes the oldest entry whose TTL has run out and copies it to out
 * (out->frame is then owned by the caller); FALSE when none has. It counts
 * as expired when it has postage left (the caller hands it on), as purged
 * at postage 0 (the caller drops it). Either way its ID is remembered. */
gboolean srp_cache_pop_expired (SrpCache *cache, gint64 now_us, SrpCacheEntry *out);
/* The earliest expiry, or -1 when empty. */
gint64 srp_cache_next_expiry (SrpCache *cache);

/* Entries of subscribed topics are evicted last. */
void srp_cache_set_subscribed (SrpCache *cache, const SrpId *topic_id, gboolean subscribed);
/* Lowers the budget (or raises it), evicting down at once. */
void srp_cache_set_budget (SrpCache *cache, gint64 now_us, gsize budget);

/* The sorted ID prefixes (guint64) of a topic's entries; NULL when none.
 * Valid until the cache changes. */
GArray *srp_cache_topic_prefixes (SrpCache *cache, const SrpId *topic_id);
/* Calls func for each entry of a topic, oldest first. */
void srp_cache_foreach_topic (SrpCache *cache, const SrpId *topic_id,
                              void (*func) (const SrpCacheEntry *entry, gpointer data),
                              gpointer data);

void srp_cache_get_counters (SrpCache *cache, SrpCacheCounters *out);

/* The first 8 bytes of an ID as a big-endian integer: the short form the
 * ACK, QUERY and SYNC frames carry. */
guint64 srp_id_prefix (const SrpId *id);

G_END_DECLS
