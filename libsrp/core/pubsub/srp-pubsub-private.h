/* srp-pubsub-private.h: the state pub/sub's files share. srp-pubsub.c
 * registers the subsystem (frames, observers, timers of its structures,
 * stats); the other files own one concern each (see srp-pubsub.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-control-topics.h"
#include "srp-envelope.h"
#include "srp-recent-ids.h"
#include "srp-packet-cache.h"
#include "srp-pubsub.h"
#include "srp-packet-rivals.h"
#include "srp-reassembler.h"

G_BEGIN_DECLS

/* Copies of cached IDs with another NEXT ID kept aside (srp-packet-rivals.h). */
#define SRP_PUBSUB_RIVALS_MAX 256

/* SYNC and SUBSCRIPTIONS share a link's SYNCS bucket; a QUERY costs a
 * token per packet asked for (SRP_LINK_BUCKET_QUERIES). */

/* What pub/sub keeps about each link (its slot). */
typedef struct {
  SrpPubsub *ps;
  SrpLink *link;
  SrpId inbox;                 /* its inbox topic, to prefer it for its mail */
  /* What it announced: sorted topic prefixes, n_topics of them (NULL when
   * none). Allocated to size: most links announce an inbox and a topic or
   * two, and a full SrpSubscriptions in every link was 1.1 KB of it. */
  guint64 *topics;
  guint n_topics;
  GArray *acks;                /* guint64 packet prefixes to acknowledge */
  SrpTimer ack_flush;          /* when to send them */
  guint sync_cursor;           /* rotates over our topics, round after round */
  /* Its ACKs of our publishes (srp-publish.c, is_behind): when it last sent
   * one, and the latest publish (in the order we made them) it acknowledged. */
  gint64 last_ack_at;
  guint64 acked_seq;
} PubsubLink;

struct _SrpPubsub {
  SrpContext *ctx;
  guint slot;

  /* srp-subscriptions.c */
  GHashTable *subscriptions;   /* SrpId* (owned) -> itself */
  GArray *subscription_list;   /* SrpId, in order of subscription */
  GHashTable *group_keys;      /* group topic SrpId* -> its key (32 bytes), both owned */
  SrpId inbox;
  gint64 last_announce;
  SrpTimer announce;

  /* srp-gossip.c */
  SrpPacketCache *cache;
  SrpPacketRivals *rivals;     /* copies of cached IDs with another NEXT ID */
  SrpId last_source;           /* the link that last sent us a packet we wanted */
  SrpTimer cache_expiry;
  /* Where packets come from and go to (srp-simulate's "packets"): those
   * new here that came pushed (relays, publishers) or that we had asked
   * for, and the copies sent by the gossip rule (relays, TTL re-broadcasts),
   * as answers to QUERY and as their publisher (resends included). */
  guint64 new_pushed, new_asked, relayed, answered, published;
  guint64 resends_deferred;    /* publish resend rounds skipped: every target behind */
  guint64 publish_seq;         /* the last publish's number, in the order they were made */

  /* srp-delivery.c */
  SrpReassembler *reassembler;
  SrpReassembler *strangers;   /* packets from unconnected addresses: their own small pool */
  SrpTokenBucket stranger_forgeries; /* all strangers' SRP_LINK_BUCKET_FORGERIES */
  SrpRecentIds *delivered;
  SrpTimer reassembly_expiry;

  /* srp-publish.c */
  GQueue publishes;            /* Publish*, oldest first (links in the Publishes) */
  GHashTable *publish_prefixes; /* guint64* packet prefix -> its PrefixIndex in a Publish */
  gsize publish_bytes;         /* frames of the publishes */
  guint64 publishes_closed_early; /* reported before their ACKs: over MAX_OUTSTANDING_BYTES */
  GHashTable *chain_heads;     /* topic SrpId* -> SrpId* of our last message on it */

  /* srp-fill.c */
  GHashTable *wanted;          /* guint64* prefix (in the Want) -> Want*, owned */
  GQueue wants;                /* Want*, oldest first */
  GQueue due;                  /* Want*, came due: sent by the query flush */
  SrpTimer gap_check;
  SrpTimer query_flush;

  /* srp-sync.c */
  SrpTimer sync;
  guint64 sync_stored;          /* the cache's stored count at the last round */
  guint sync_quiet;            /* rounds in a row with nothing stored, capped */
  guint catchup_links;         /* new links still opened with a sync: we (re)joined lately */
};

static inline PubsubLink *
pubsub_link (SrpPubsub *ps, const SrpLink *link)
{
  return srp_link_slot (link, ps->slot);
}

/* srp-subscriptions.c */
void srp_subscriptions_init (SrpPubsub *ps);
void srp_subscriptions_clear (SrpPubsub *ps);
void srp_subscriptions_announce_to (SrpPubsub *ps, PubsubLink *pl);
gboolean srp_pubsub_link_subscribes (const PubsubLink *pl, const SrpId *topic_id);
SrpDropReason srp_subscriptions_handle (gpointer self, const SrpInput *input, gpointer frame);

/* srp-sent-to.c */
/* Peers a packet is known to be with or on its way to: what the copies
 * pushed on name (their PACKET_SENT_TO trailer), the target's own name
 * left out of its copy. */
#define SRP_SENT_TO_NAMES_MAX 32
typedef struct {
  guint n;
  guint32 prefixes[SRP_SENT_TO_NAMES_MAX];
} SrpSentTo;
void srp_sent_to_add (SrpSentTo *names, const SrpId *peer);
void srp_sent_to_add_prefix (SrpSentTo *names, guint32 prefix);
/* Whether names (NULL: none) holds prefix. */
gboolean srp_sent_to_names (const SrpSentTo *names, guint32 prefix);
/* Copies frame (a PACKET frame, len bytes) into out for link to, with as
 * many of names as fit what may be sent to it; returns its length. */
gsize srp_sent_to_frame (const guint8 *frame, gsize len, const SrpLink *to,
                         const SrpSentTo *names, guint8 out[SRP_MAX_DATAGRAM]);

/* srp-gossip.c */
/* Up to n links other than except, for a packet on topic_id: the recipient
 * (or the peer whose inbox the topic is) first, then subscribers, then the
 * rest, each class in random order. Returns a GPtrArray of PubsubLink*. */
/* Links beyond fanout a relay passes a message of one packet to. */
#define SRP_GOSSIP_LONE_EXTRA 2
#define SRP_GOSSIP_CHAIN_FANOUT_MIN 2 /* relays of a chain's packets: fanout - 1, at least this */
guint srp_gossip_relay_fanout (SrpPubsub *ps, const SrpPacket *packet);
GPtrArray *srp_gossip_choose_targets (SrpPubsub *ps, const SrpId *topic_id,
                                      const SrpId *recipient, const SrpId *except, guint n);
/* Sends a frame to targets with POSTAGE set to postage, each copy naming
 * the other targets and the peers in also (NULL: none). */
void srp_gossip_send_copies (SrpPubsub *ps, const guint8 *frame, gsize len, guint8 postage,
                             GPtrArray *targets, const SrpSentTo *also);
void srp_gossip_flush_acks (SrpPubsub *ps, PubsubLink *pl);
void srp_gossip_expire (SrpTimer *timer, gpointer owner);
SrpDropReason srp_gossip_handle_packet (gpointer self, const SrpInput *input, gpointer frame);
SrpDropReason srp_gossip_handle_packet_sent_to (gpointer self, const SrpInput *input,
                                                gpointer frame);

/* srp-delivery.c */
void srp_delivery_init (SrpPubsub *ps);
void srp_delivery_clear (SrpPubsub *ps);
/* Feeds a packet of a subscribed topic to the reassembler; MESSAGE events
 * follow for what completes, once per message. A message whose author
 * signature fails costs link (NULL: the packet came from the cache) a token
 * of its SRP_LINK_BUCKET_FORGERIES. */
void srp_delivery_add (SrpPubsub *ps, const SrpPacket *packet, const SrpAddress *from,
                       SrpLink *link);
/* Starts loading what srp_delivery_add of packet will read first. */
void srp_delivery_prefetch (SrpPubsub *ps, const SrpPacket *packet);
/* FALSE (counted as forger) when the packet's sender, link or a stranger
 * (NULL), has spent its budget of failed author checks: a forger cannot
 * make us check a signature more than a few times a second. */
gboolean srp_delivery_accepts_sender (SrpPubsub *ps, SrpLink *link);
/* The same for a packet from an address that is not a link: it goes to a
 * pool of its own (SRP_STRANGER_CHAINS runs, SRP_STRANGER_BYTES), so that
 * strangers cannot evict what links are reassembling. */
void srp_delivery_add_from_stranger (SrpPubsub *ps, const SrpPacket *packet,
                                     const SrpAddress *from);
/* The earliest deadline of both pools (-1: none), and their drops. */
gint64 srp_delivery_next_deadline (SrpPubsub *ps);
guint64 srp_delivery_drops (SrpPubsub *ps, SrpDropReason reason);
/* Delivers what the cache already holds of a topic (we just subscribed). */
void srp_delivery_from_cache (SrpPubsub *ps, const SrpId *topic_id);
void srp_delivery_expire (SrpTimer *timer, gpointer owner);

/* srp-publish.c */
void srp_publish_init (SrpPubsub *ps);
void srp_publish_clear (SrpPubsub *ps);
/* The PREV ID of the next message this core publishes on topic_id. */
void srp_publish_chain_prev (SrpPubsub *ps, const SrpId *topic_id, SrpId *out);
void srp_publish_set_chain_head (SrpPubsub *ps, const SrpId *topic_id, const SrpId *message_id);
SrpDropReason srp_publish_handle_ack (gpointer self, const SrpInput *input, gpointer frame);
/* Publishes still waiting for their PUBLISHED. */
guint srp_publish_count (SrpPubsub *ps);
/* The outbox: publishes waiting for ACKs, as SRP_PUBLISH_RECORD_TYPE
 * records (message ID, topic, frames, life left before the deadline). */
#define SRP_PUBLISH_RECORD_TYPE "(ayayaayx)"
GVariant *srp_publish_export (SrpPubsub *ps);
/* The message IDs of the publishes waiting (a set of SrpId*, owned). */
GHashTable *srp_publish_message_ids (SrpPubsub *ps);
/* Takes back a saved publish (packets: SrpPacket*, decoded from its
 * frames; the caller checked it is not waiting already); it goes to links
 * as they come, until its deadline. */
void srp_publish_restore (SrpPubsub *ps, const SrpId *message_id, const SrpId *topic_id,
                          GPtrArray *packets, gint64 life_us);

/* srp-fill.c */
void srp_fill_init (SrpPubsub *ps);
void srp_fill_clear (SrpPubsub *ps);
/* Asks for a packet by prefix, first of source (may be NULL). */
void srp_fill_want (SrpPubsub *ps, guint64 prefix, const SrpId *source);
/* TRUE when the packet was asked for (and is no longer). */
gboolean srp_fill_arrived (SrpPubsub *ps, const SrpId *id);
/* A packet of an incomplete chain arrived: look for gaps soon. */
void srp_fill_schedule (SrpPubsub *ps);
guint srp_fill_count (SrpPubsub *ps);
SrpDropReason srp_fill_handle_query (gpointer self, const SrpInput *input, gpointer frame);

/* srp-sync.c */
void srp_sync_init (SrpPubsub *ps);
/* Opens reconciliation of our topics (one topic, or a round of all when
 * topic_id is NULL) with a link. */
void srp_sync_link_up (SrpPubsub *ps, PubsubLink *pl);
void srp_sync_link_down (SrpPubsub *ps);
void srp_sync_news (SrpPubsub *ps);
void srp_sync_start (SrpPubsub *ps, PubsubLink *pl, const SrpId *topic_id);
SrpDropReason srp_sync_handle (gpointer self, const SrpInput *input, gpointer frame);

/* srp-pubsub-state.c */
void srp_pubsub_export_state (gpointer self, GVariantDict *dict);
gboolean srp_pubsub_import_state (gpointer self, GVariantDict *dict, gboolean apply,
                                  GError **error);
/* The cache's observer: its entries into the journal. */
void srp_pubsub_journal_cache (const SrpPacketCacheEntry *entry, gboolean stored, gpointer data);

G_END_DECLS
