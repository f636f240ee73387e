/* srp-pubsub.h: topics, the shared cache and spreading (a subsystem).
 *
 * - Subscriptions (srp-subscriptions.c): ours, announced to links, and the
 *   ones links announced.
 * - Gossip (srp-gossip.c): packets received, cached, delivered and relayed
 *   to fanout links; the cache's expiry.
 * - Publishing (srp-publish.c): chains of packets to fanout links, their
 *   ACKs and resends; the chain heads; messages straight to an address.
 * - Gap fill (srp-fill.c) and anti-entropy (srp-sync.c): what a chain or a
 *   topic misses is asked for.
 * - Delivery (srp-delivery.c): reassembly, and each message handed over
 *   once.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-context.h"

G_BEGIN_DECLS

typedef struct _SrpPubsub SrpPubsub;

SrpPubsub *srp_pubsub_new (SrpContext *ctx);

void srp_pubsub_subscribe (SrpPubsub *ps, const SrpId *topic_id);
void srp_pubsub_unsubscribe (SrpPubsub *ps, const SrpId *topic_id);
/* Subscribes to a group topic, whose messages are sealed under key. */
void srp_pubsub_subscribe_group (SrpPubsub *ps, const SrpId *topic_id, const guint8 key[32]);
/* The group key of a subscribed topic, or NULL. */
const guint8 *srp_pubsub_group_key (SrpPubsub *ps, const SrpId *topic_id);
gboolean srp_pubsub_is_subscribed (SrpPubsub *ps, const SrpId *topic_id);
/* The subscriptions, in the order they were made (an array of SrpId). */
GArray *srp_pubsub_get_subscriptions (SrpPubsub *ps);

/* srp_core_publish_full: the request number of its PUBLISHED event, or 0
 * when data is too long or cannot be wrapped (flags: SrpCorePublishFlags). */
guint64 srp_pubsub_publish (SrpPubsub *ps, const SrpId *topic_id, const SrpId *recipient,
                            guint flags, const guint8 *data, gsize len, SrpId *message_id);
gboolean srp_pubsub_send_message (SrpPubsub *ps, const SrpAddress *to, const SrpId *topic_id,
                                  guint flags, const guint8 *data, gsize len,
                                  SrpId *message_id);

void srp_pubsub_get_cache_stats (SrpPubsub *ps, SrpCacheStats *out);
void srp_pubsub_set_cache_budget (SrpPubsub *ps, gsize budget);
/* Our subscriptions (the inbox left out), as "aay": the journal's
 * SUBSCRIPTIONS value. */
GVariant *srp_pubsub_export_subscriptions (SrpPubsub *ps);
GBytes *srp_pubsub_cache_lookup (SrpPubsub *ps, const SrpId *packet_id);
/* Drops counted inside the reassembler (evictions, timeouts). */
guint64 srp_pubsub_reassembler_drops (SrpPubsub *ps, SrpDropReason reason);
/* Where packets came from and went (srp_core_get_packet_paths). */
void srp_pubsub_get_packet_paths (SrpPubsub *ps, SrpCorePacketPaths *out);

G_END_DECLS
