/* srp-packet-cache.h: the shared packet cache every peer keeps for the network
 * (the seed's "Fixing the Small Network Problem"). Pure data structure: the
 * core decides what to store and what to do with packets whose time is up.
 *
 * - A byte budget that is never exceeded (each entry costs its encoded
 *   frame plus SRP_PACKET_CACHE_ENTRY_OVERHEAD for its bookkeeping).
 * - A TTL from local arrival. Expired entries are handed back to the caller
 *   (srp_packet_cache_pop_expired), which re-broadcasts or purges them.
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
#define SRP_PACKET_CACHE_ENTRY_OVERHEAD 128

typedef struct _SrpCache SrpPacketCache;

typedef struct {
  SrpId id;
  SrpId topic_id;
  guint8 postage;
  gint64 stored_at;
  gint64 expires_at;
  GBytes *frame;     /* the encoded PACKET frame, with this copy's POSTAGE */
} SrpPacketCacheEntry;

typedef struct {
  gsize budget, used;
  guint n_packets;
  guint64 stored, evicted, expired, purged;
} SrpPacketCacheCounters;

/* remembered_ids: how many IDs of packets that left the cache are kept. */
/* hash_key: srp_hash_key_from_seed (the IDs it indexes are others'). */
SrpPacketCache *srp_packet_cache_new (gsize budget, gint64 ttl_us, guint remembered_ids,
                                      guint64 hash_key);
void srp_packet_cache_free (SrpPacketCache *cache);

/* Result of srp_packet_cache_add. */
typedef enum {
  SRP_PACKET_CACHE_STORED,
  SRP_PACKET_CACHE_HELD,      /* already in the cache */
  SRP_PACKET_CACHE_GONE,      /* it was here and left: not taken back */
  SRP_PACKET_CACHE_TOO_LARGE, /* larger than the whole budget */
} SrpPacketCacheResult;

/* The held copy of packet's ID becomes packet (another NEXT ID the chain
 * proved: see srp-packet-rivals.h); FALSE when the ID is not held. */
gboolean srp_packet_cache_replace (SrpPacketCache *cache, const SrpPacket *packet);

/* Stores a decoded, valid packet, evicting as needed. */
SrpPacketCacheResult srp_packet_cache_add (SrpPacketCache *cache, gint64 now_us, const SrpPacket *packet);
/* The same, with the packet already encoded (srp_packet_encode) in frame,
 * which the cache then shares instead of encoding a copy: a publisher
 * holds the same bytes to resend. */
SrpPacketCacheResult srp_packet_cache_add_encoded (SrpPacketCache *cache, gint64 now_us,
                                                   const SrpPacket *packet, GBytes *frame);
/* The same for a packet kept across a restart, with the life it had left:
 * it expires at expires_at (within the TTL from now, and not before the
 * packets that came before it). */
SrpPacketCacheResult srp_packet_cache_restore (SrpPacketCache *cache, gint64 now_us,
                                               const SrpPacket *packet, gint64 expires_at);
const SrpPacketCacheEntry *srp_packet_cache_lookup (SrpPacketCache *cache, const SrpId *id);
/* By the first 8 bytes of the ID (the prefix frames carry), or NULL. */
const SrpPacketCacheEntry *srp_packet_cache_lookup_prefix (SrpPacketCache *cache, guint64 prefix);
gboolean srp_packet_cache_is_gone (SrpPacketCache *cache, const SrpId *id);
/* Starts loading what looking id up, and adding a packet of that ID at
 * now_us, will read (its index slot, the set of IDs gone, what evicting
 * the next victim touches), and returns at once (srp-prefetch.h). */
void srp_packet_cache_prefetch (const SrpPacketCache *cache, gint64 now_us, const SrpId *id);

/* Removes the oldest entry whose TTL has run out and copies it to out
 * (out->frame is then owned by the caller); FALSE when none has. It counts
 * as expired when it has postage left (the caller hands it on), as purged
 * at postage 0 (the caller drops it). Either way its ID is remembered. */
gboolean srp_packet_cache_pop_expired (SrpPacketCache *cache, gint64 now_us, SrpPacketCacheEntry *out);
/* The earliest expiry, or -1 when empty. */
gint64 srp_packet_cache_next_expiry (SrpPacketCache *cache);

/* Entries of subscribed topics are evicted last. */
void srp_packet_cache_set_subscribed (SrpPacketCache *cache, const SrpId *topic_id, gboolean subscribed);
/* Lowers the budget (or raises it), evicting down at once. */
void srp_packet_cache_set_budget (SrpPacketCache *cache, gint64 now_us, gsize budget);

/* The sorted ID prefixes (guint64) of a topic's entries; NULL when none.
 * Valid until the cache changes. */
GArray *srp_packet_cache_topic_prefixes (SrpPacketCache *cache, const SrpId *topic_id);
/* Calls func for each entry of a topic, oldest first. */
void srp_packet_cache_foreach_topic (SrpPacketCache *cache, const SrpId *topic_id,
                              void (*func) (const SrpPacketCacheEntry *entry, gpointer data),
                              gpointer data);

/* Calls func for each entry, in order of arrival. */
void srp_packet_cache_foreach (SrpPacketCache *cache,
                               void (*func) (const SrpPacketCacheEntry *entry, gpointer data),
                               gpointer data);
void srp_packet_cache_get_counters (SrpPacketCache *cache, SrpPacketCacheCounters *out);

/* Told of every entry stored (stored TRUE) and every entry that leaves
 * (expired, purged or evicted), while it is still whole: what persistence
 * journals. NULL func: nobody. */
typedef void (*SrpPacketCacheObserver) (const SrpPacketCacheEntry *entry, gboolean stored,
                                        gpointer data);
void srp_packet_cache_set_observer (SrpPacketCache *cache, SrpPacketCacheObserver func,
                                    gpointer data);


G_END_DECLS
