/* srp-pubsub.c: the pub/sub subsystem: its frames, its link observers, the
 * timers of its structures, its stats, and the cache's public side.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-pubsub-private.h"

#include "srp-packet.h"

/* The ID is checked by the handler, first thing, unless the packet is a
 * byte-for-byte copy of one the cache holds (srp-gossip.c). */
SRP_FRAME_DECODER (decode_packet, srp_packet_decode_fields, SrpPacket)
static SrpDropReason
decode_packet_sent_to (const guint8 *frame, gsize len, gpointer out)
{
  gsize packet_len;

  return srp_packet_sent_to_decode_fields (frame, len, out, &packet_len);
}
SRP_FRAME_DECODER (decode_subscriptions, srp_subscriptions_decode, SrpSubscriptions)
SRP_FRAME_DECODER (decode_ack, srp_ack_decode, SrpIdList)
SRP_FRAME_DECODER (decode_query, srp_query_decode, SrpIdList)
SRP_FRAME_DECODER (decode_sync, srp_sync_decode, SrpSync)

static const SrpFrameHandler frames[] = {
  { SRP_FRAME_PACKET, SRP_FROM_ANYONE, sizeof (SrpPacket), decode_packet,
    srp_gossip_handle_packet },
  { SRP_FRAME_PACKET_SENT_TO, SRP_FROM_ANYONE, sizeof (SrpPacketSentTo), decode_packet_sent_to,
    srp_gossip_handle_packet_sent_to },
  { SRP_FRAME_SUBSCRIPTIONS, SRP_FROM_LINK, sizeof (SrpSubscriptions), decode_subscriptions,
    srp_subscriptions_handle },
  { SRP_FRAME_ACK, SRP_FROM_LINK, sizeof (SrpIdList), decode_ack, srp_publish_handle_ack },
  { SRP_FRAME_QUERY, SRP_FROM_LINK, sizeof (SrpIdList), decode_query, srp_fill_handle_query },
  { SRP_FRAME_SYNC, SRP_FROM_LINK, sizeof (SrpSync), decode_sync, srp_sync_handle },
};

static void
on_ack_flush (SrpTimer *timer, gpointer owner)
{
  PubsubLink *pl = G_STRUCT_MEMBER_P (timer, -G_STRUCT_OFFSET (PubsubLink, ack_flush));

  srp_gossip_flush_acks (owner, pl);
}

static void
pubsub_link_init (gpointer self, SrpLink *link, gpointer slot)
{
  SrpPubsub *ps = self;
  PubsubLink *pl = slot;

  pl->ps = ps;
  pl->link = link;
  srp_topic_id_for_inbox (&link->id, &pl->inbox);
  pl->acks = g_array_new (FALSE, FALSE, sizeof (guint64));
  srp_timer_init (&pl->ack_flush, SRP_TIMER_ACK_FLUSH, on_ack_flush, ps);
}

static void
pubsub_link_up (gpointer self, SrpLink *link, gpointer slot)
{
  SrpPubsub *ps = self;

  (void) link;
  srp_subscriptions_announce_to (ps, slot);
  srp_sync_link_up (ps, slot);
}

static void
pubsub_link_renewed (gpointer self, SrpLink *link, gpointer slot)
{
  (void) link;
  /* It does not know what we subscribe to, so it relays us nothing first;
   * and a SYNC of ours it could not open found nothing we missed. */
  srp_subscriptions_announce_to (self, slot);
  srp_sync_start (self, slot, NULL);
}

static void
pubsub_link_flush (gpointer self, SrpLink *link, gpointer slot)
{
  PubsubLink *pl = slot;

  (void) link;
  if (pl->acks->len > 0)
    srp_gossip_flush_acks (self, pl);
}

static void
pubsub_link_down (gpointer self, SrpLink *link, gpointer slot)
{
  SrpPubsub *ps = self;
  PubsubLink *pl = slot;

  (void) link;
  srp_timer_stop (ps->ctx->timers, &pl->ack_flush);
  srp_sync_link_down (ps);
}

static void
pubsub_link_slot_clear (gpointer slot)
{
  PubsubLink *pl = slot;

  g_clear_pointer (&pl->acks, g_array_unref);
  g_clear_pointer (&pl->topics, g_free);
}

/* The cache and the reassembler keep their own deadlines: after anything
 * that may have changed them, the timer table hears of it. */
static void
pubsub_settle (gpointer self)
{
  SrpPubsub *ps = self;
  SrpTimerTable *timers = ps->ctx->timers;

  srp_timer_set (timers, &ps->cache_expiry, srp_packet_cache_next_expiry (ps->cache));
  srp_timer_set (timers, &ps->reassembly_expiry, srp_delivery_next_deadline (ps));
}

static void
pubsub_stats (gpointer self, GVariantDict *dict)
{
  SrpPubsub *ps = self;
  SrpCacheStats cache;

  srp_pubsub_get_cache_stats (ps, &cache);
  g_variant_dict_insert (dict, "cache_budget", "t", (guint64) cache.budget);
  g_variant_dict_insert (dict, "cache_used", "t", (guint64) cache.used);
  g_variant_dict_insert (dict, "cache_packets", "u", cache.n_packets);
  g_variant_dict_insert (dict, "cache_stored", "t", cache.stored);
  g_variant_dict_insert (dict, "cache_evicted", "t", cache.evicted);
  g_variant_dict_insert (dict, "cache_expired", "t", cache.expired);
  g_variant_dict_insert (dict, "cache_purged", "t", cache.purged);
  g_variant_dict_insert (dict, "reassembler_chains", "u",
                         srp_reassembler_get_chain_count (ps->reassembler));
  g_variant_dict_insert (dict, "reassembler_bytes", "t",
                         (guint64) srp_reassembler_get_bytes (ps->reassembler));
  g_variant_dict_insert (dict, "delivered_remembered", "u", srp_recent_ids_size (ps->delivered));
  g_variant_dict_insert (dict, "publishes_pending", "u", srp_publish_count (ps));
  g_variant_dict_insert (dict, "publishes_pending_bytes", "t", (guint64) ps->publish_bytes);
  g_variant_dict_insert (dict, "publishes_closed_early", "t", ps->publishes_closed_early);
  g_variant_dict_insert (dict, "publish_resends_deferred", "t", ps->resends_deferred);
  g_variant_dict_insert (dict, "wants", "u", srp_fill_count (ps));
  g_variant_dict_insert (dict, "packets_new_pushed", "t", ps->new_pushed);
  g_variant_dict_insert (dict, "packets_new_asked", "t", ps->new_asked);
  g_variant_dict_insert (dict, "packets_relayed", "t", ps->relayed);
  g_variant_dict_insert (dict, "packets_answered", "t", ps->answered);
  g_variant_dict_insert (dict, "packets_published", "t", ps->published);
  g_variant_dict_insert (dict, "topics", "u", ps->subscription_list->len);
}

static void
pubsub_free (gpointer self)
{
  SrpPubsub *ps = self;

  srp_timer_stop (ps->ctx->timers, &ps->cache_expiry);
  srp_timer_stop (ps->ctx->timers, &ps->sync);
  srp_fill_clear (ps);
  srp_publish_clear (ps);
  srp_delivery_clear (ps);
  srp_subscriptions_clear (ps);
  srp_packet_cache_free (ps->cache);
  srp_packet_rivals_free (ps->rivals);
  g_free (ps);
}

static const SrpSubsystemClass pubsub_class = {
  .name = "pubsub",
  .link_slot_size = sizeof (PubsubLink),
  .link_init = pubsub_link_init,
  .link_up = pubsub_link_up,
  .link_renewed = pubsub_link_renewed,
  .link_flush = pubsub_link_flush,
  .link_down = pubsub_link_down,
  .link_slot_clear = pubsub_link_slot_clear,
  .settle = pubsub_settle,
  .stats = pubsub_stats,
  .export_state = srp_pubsub_export_state,
  .import_state = srp_pubsub_import_state,
  .free = pubsub_free,
};

SrpPubsub *
srp_pubsub_new (SrpContext *ctx)
{
  SrpPubsub *ps = g_new0 (SrpPubsub, 1);
  const SrpCoreConfig *config = ctx->config;

  ps->ctx = ctx;
  /* Each peer keeps packets for its own share of the TTL, between 3/4 and
   * all of it: copies that arrived together must not all expire together,
   * or the re-broadcasts of the first to expire find every other holder
   * expiring too, and the packet is gone from the network at once. */
  ps->rivals = srp_packet_rivals_new (SRP_PUBSUB_RIVALS_MAX);
  ps->cache = srp_packet_cache_new (config->cache_budget,
                                    (gint64) (config->cache_ttl_us *
                                              (0.75 + 0.25 * srp_rng_double (&ctx->rng))),
                                    config->remembered_ids,
                                    srp_hash_key_from_seed (config->seed, 4));
  srp_packet_cache_set_observer (ps->cache, srp_pubsub_journal_cache, ps);
  srp_timer_init (&ps->cache_expiry, SRP_TIMER_CACHE_EXPIRY, srp_gossip_expire, ps);
  srp_subscriptions_init (ps);
  srp_delivery_init (ps);
  srp_publish_init (ps);
  srp_fill_init (ps);
  srp_sync_init (ps);
  srp_context_add_subsystem (ctx, &pubsub_class, ps);
  ps->slot = srp_context_slot (ctx, ps);
  srp_dispatch_add (ctx->dispatch, frames, G_N_ELEMENTS (frames), ps);
  /* Every peer takes its own mail. */
  srp_pubsub_subscribe (ps, &ps->inbox);
  return ps;
}

void
srp_pubsub_get_cache_stats (SrpPubsub *ps, SrpCacheStats *out)
{
  SrpPacketCacheCounters c;

  srp_packet_cache_get_counters (ps->cache, &c);
  out->budget = c.budget;
  out->used = c.used;
  out->n_packets = c.n_packets;
  out->stored = c.stored;
  out->evicted = c.evicted;
  out->expired = c.expired;
  out->purged = c.purged;
}

void
srp_pubsub_set_cache_budget (SrpPubsub *ps, gsize budget)
{
  srp_packet_cache_set_budget (ps->cache, ps->ctx->now, budget);
}

GBytes *
srp_pubsub_cache_lookup (SrpPubsub *ps, const SrpId *packet_id)
{
  const SrpPacketCacheEntry *entry = srp_packet_cache_lookup (ps->cache, packet_id);
  return entry != NULL ? g_bytes_ref (entry->frame) : NULL;
}

guint64
srp_pubsub_reassembler_drops (SrpPubsub *ps, SrpDropReason reason)
{
  return srp_delivery_drops (ps, reason);
}

void
srp_pubsub_get_packet_paths (SrpPubsub *ps, SrpCorePacketPaths *out)
{
  out->new_pushed = ps->new_pushed;
  out->new_asked = ps->new_asked;
  out->relayed = ps->relayed;
  out->answered = ps->answered;
  out->published = ps->published;
}
