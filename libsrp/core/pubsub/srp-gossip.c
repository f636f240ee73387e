/* srp-gossip.c: packets coming in, the shared cache, and spreading them.
 *
 * - A peer that gets a packet for the first time from a link caches it,
 *   delivers it when subscribed, and relays it with POSTAGE one lower to
 *   fanout links (the recipient first, then subscribers; never the one it
 *   came from). Relaying only on first sight, and the cache remembering
 *   what left it, means each peer relays each packet at most once; POSTAGE
 *   0 stops it. Packets we asked for (gap fill, anti-entropy) are not
 *   relayed: they are old news elsewhere.
 * - Packets that come with POSTAGE 16 are fresh from their publisher (no
 *   relay sends that), and only those are acknowledged (batched ACKs), so
 *   only the publisher's own sends cost ACKs.
 * - When a cached packet's TTL ends it goes to fanout links with POSTAGE one
 *   lower, or is purged at POSTAGE 0.
 * - Packets from addresses that are not links are delivered when subscribed
 *   (srp_core_send_message) but never cached, relayed or ACKed: nobody can
 *   make us send on their behalf without a handshake.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-pubsub-private.h"

#include <string.h>

#define ACK_DELAY_US (10 * G_TIME_SPAN_MILLISECOND) /* gathers a burst into one ACK */

GPtrArray *
srp_gossip_choose_targets (SrpPubsub *ps, const SrpId *topic_id, const SrpId *recipient,
                           const SrpId *except, guint n)
{
  GPtrArray *links = srp_link_table_list (ps->ctx->links);
  GPtrArray *out = g_ptr_array_new ();

  /* Within each rank, links whose last heartbeat went unanswered (or that
   * another subsystem suspects) come after the healthy ones: a vanished
   * peer stays a link until its heartbeats fail, and a copy sent there is
   * lost. */
  for (int rank = 0; rank < 6; rank++)
    {
      guint start = out->len;

      for (guint i = 0; i < links->len; i++)
        {
          SrpLink *link = g_ptr_array_index (links, i);
          PubsubLink *pl = pubsub_link (ps, link);
          int link_rank;

          if (except != NULL && srp_id_equal (&link->id, except))
            continue;
          if ((recipient != NULL && srp_id_equal (&link->id, recipient)) ||
              srp_id_equal (&pl->inbox, topic_id))
            link_rank = 0;
          else if (srp_pubsub_link_subscribes (pl, topic_id))
            link_rank = 2;
          else
            link_rank = 4;
          if (link->failures > 0 || link->suspected_at != 0)
            link_rank++;
          if (link_rank == rank)
            g_ptr_array_add (out, pl);
        }
      srp_rng_shuffle (&ps->ctx->rng, out, start);
    }
  if (out->len > n)
    g_ptr_array_set_size (out, n);
  return out;
}

/* How many links a relay passes a packet on to. A peer with many more
 * links than it keeps up itself is a hub: peers behind NATs link mostly to
 * the open peers that take their HELLOs, and a hub that relayed to fanout
 * of its fifty links would leave most of them to anti-entropy. So the
 * fanout grows with the links beyond twice target_connections (what a
 * peer that is dialled as often as it dials holds). */
guint
srp_gossip_relay_fanout (SrpPubsub *ps, const SrpPacket *packet)
{
  const SrpCoreConfig *config = ps->ctx->config;
  guint links = srp_link_table_size (ps->ctx->links);
  guint ordinary = MAX (2 * config->target_connections, 1);
  guint fanout = config->fanout;

  /* A lost packet of a chain shows as a hole beside its neighbours and is
   * asked for (srp-fill.c); a message of one packet has no neighbours, and
   * a peer the relays missed waits for anti-entropy. So a lone packet goes
   * to more links: with fanout relays each, about e^-fanout of the peers
   * are missed (5 % at 3, under 1 % at 5). */
  if (srp_packet_is_alone (packet))
    fanout += SRP_GOSSIP_LONE_EXTRA;
  /* The same reasoning the other way: a hole in a chain costs a QUERY and
   * one packet to fill, cheaper than a third copy of every packet to
   * every peer (srp-simulate, 100 peers at 10 % loss: 4.0 packet frames
   * per delivered copy at fanout 3). */
  else if (fanout > SRP_GOSSIP_CHAIN_FANOUT_MIN)
    fanout--;
  return MAX (fanout, (fanout * links + ordinary - 1) / ordinary);
}

void
srp_gossip_send_copies (SrpPubsub *ps, const guint8 *frame, gsize len, guint8 postage,
                        GPtrArray *targets, const SrpSentTo *also)
{
  guint8 copy[SRP_MAX_DATAGRAM];
  SrpSentTo names = { 0 };

  /* The targets first: they are the names most likely to be another
   * target's links too. */
  for (guint i = 0; i < targets->len; i++)
    srp_sent_to_add (&names, &((PubsubLink *) g_ptr_array_index (targets, i))->link->id);
  for (guint i = 0; also != NULL && i < also->n; i++)
    srp_sent_to_add_prefix (&names, also->prefixes[i]);
  for (guint i = 0; i < targets->len; i++)
    {
      const SrpLink *link = ((PubsubLink *) g_ptr_array_index (targets, i))->link;
      gsize n = srp_sent_to_frame (frame, len, link, &names, copy);

      copy[SRP_PACKET_POSTAGE_OFFSET] = postage;
      srp_context_send_link (ps->ctx, link, copy, n);
    }
}

static void
queue_ack (SrpPubsub *ps, PubsubLink *pl, const SrpId *id)
{
  guint64 prefix = srp_id_prefix (id);

  g_array_append_val (pl->acks, prefix);
  if (pl->acks->len >= SRP_IDS_MAX)
    srp_timer_set (ps->ctx->timers, &pl->ack_flush, ps->ctx->now);
  else if (!srp_timer_is_armed (&pl->ack_flush))
    srp_timer_set (ps->ctx->timers, &pl->ack_flush, ps->ctx->now + ACK_DELAY_US);
}

void
srp_gossip_flush_acks (SrpPubsub *ps, PubsubLink *pl)
{
  while (pl->acks->len > 0)
    {
      SrpIdList ids;
      guint8 frame[SRP_MAX_DATAGRAM];

      ids.n = MIN (pl->acks->len, SRP_IDS_MAX);
      memcpy (ids.ids, pl->acks->data, ids.n * sizeof (guint64));
      g_array_remove_range (pl->acks, 0, ids.n);
      srp_context_send_link (ps->ctx, pl->link, frame, srp_ack_encode (&ids, frame));
    }
  srp_timer_stop (ps->ctx->timers, &pl->ack_flush);
}

/* Whether frame is a copy of the cached packet of its ID, byte for byte
 * but for POSTAGE (which relays lower, and the ID does not cover): its ID
 * was checked when the cached one came, and would check again. */
static gboolean
is_cached_copy (SrpPubsub *ps, const SrpInput *input, const SrpPacket *packet)
{
  const SrpPacketCacheEntry *entry = srp_packet_cache_lookup (ps->cache, &packet->id);
  const guint8 *cached;
  gsize len;

  if (entry == NULL)
    return FALSE;
  cached = g_bytes_get_data (entry->frame, &len);
  return len == input->len && memcmp (cached, input->data, SRP_PACKET_POSTAGE_OFFSET) == 0 &&
         memcmp (cached + SRP_PACKET_POSTAGE_OFFSET + 1, input->data + SRP_PACKET_POSTAGE_OFFSET + 1,
                 len - SRP_PACKET_POSTAGE_OFFSET - 1) == 0;
}

/* The links a relay pushes packet on to: those srp_gossip_choose_targets
 * picks, less the ones the copy that came named (they have it, or have it
 * coming). Picking others in their place kept every relay's fanout, and
 * with it the copies on the wire: a relay's copies are what a peer's
 * other links miss. Leaving them out, srp-simulate's 100-peer test at
 * 10 % loss went from 5.09/4.95/5.27 datagrams per delivered copy (seeds
 * 1-3) to 5.17/4.88/5.00, with more subscribers reached within 2.5 s
 * (75.3/75.2/63.7 %, against 74.0/71.9/55.6). */
static GPtrArray *
relay_targets (SrpPubsub *ps, const SrpPacket *packet, const SrpId *from,
               const SrpSentTo *named)
{
  GPtrArray *targets = srp_gossip_choose_targets (ps, &packet->topic_id, NULL, from,
                                                  srp_gossip_relay_fanout (ps, packet));

  for (guint i = targets->len; named != NULL && i > 0; i--)
    {
      PubsubLink *pl = g_ptr_array_index (targets, i - 1);

      if (srp_sent_to_names (named, srp_sent_to_prefix (&pl->link->id)))
        g_ptr_array_remove_index (targets, i - 1);
    }
  return targets;
}

/* A packet frame (KIND PACKET, whatever KIND it came as) from input, with
 * the names its copy carried (NULL: none). */
static SrpDropReason
handle_packet (SrpPubsub *ps, const SrpInput *input, const SrpPacket *packet,
               const SrpSentTo *named)
{
  SrpContext *ctx = ps->ctx;
  PubsubLink *pl;
  gboolean asked, copy, subscribed;

  /* Once: nothing below subscribes or unsubscribes. */
  subscribed = srp_pubsub_is_subscribed (ps, &packet->topic_id);
  /* The tables below are megabytes read at random: their slots for this
   * packet load while its hash is checked, not one after another later.
   * bench-core-receive: 4.94-5.16 us of core per datagram before, 4.59-4.70
   * after (best runs; the machine is shared). */
  srp_packet_cache_prefetch (ps->cache, ctx->now, &packet->id);
  if (subscribed && input->link != NULL)
    srp_delivery_prefetch (ps, packet);

  /* What the decoder left out, as the first thing, so that a forgery is
   * dropped as one whatever else it is; copies of what the cache holds
   * (relays' copies, resends: most packets a subscriber sees twice or
   * more) are spared the hash. */
  copy = is_cached_copy (ps, input, packet);
  if (!copy && srp_packet_check_id (packet) != SRP_DROP_NONE)
    return SRP_DROP_BAD_PACKET_ID;
  if (input->link == NULL)
    {
      if (!subscribed)
        return SRP_DROP_UNWANTED;
      if (!srp_delivery_accepts_sender (ps, NULL))
        return SRP_DROP_NONE; /* counted there */
      srp_delivery_add_from_stranger (ps, packet, input->from);
      return SRP_DROP_NONE;
    }
  /* Refused before it is acknowledged, cached or relayed: a genuine packet
   * comes again (resent, or from another link) once the budget refills. A
   * copy of what the cache holds is no new message to check. */
  if (!copy && subscribed && !srp_delivery_accepts_sender (ps, input->link))
    return SRP_DROP_NONE; /* counted there */
  pl = pubsub_link (ps, input->link);
  if (packet->postage == SRP_POSTAGE_MAX)
    queue_ack (ps, pl, &packet->id);

  switch (srp_packet_cache_add (ps->cache, ctx->now, packet))
    {
    case SRP_PACKET_CACHE_HELD:
      /* Another NEXT ID under a cached ID: a forgery, or the genuine copy
       * after one. The cache keeps what the chain proves; the reassembler
       * holds both and completes whichever leads somewhere. Neither is
       * relayed: gap filling and anti-entropy carry what the cache kept. */
      if (srp_packet_rivals_offer (ps->rivals, ps->cache, packet) == SRP_PACKET_RIVALS_SAME)
        return SRP_DROP_DUPLICATE;
      if (!subscribed)
        return SRP_DROP_CONFLICT;
      srp_delivery_add (ps, packet, input->from, input->link);
      return SRP_DROP_NONE;
    case SRP_PACKET_CACHE_GONE:
      return SRP_DROP_UNWANTED;
    case SRP_PACKET_CACHE_STORED:
      srp_packet_rivals_successor (ps->rivals, ps->cache, packet);
      srp_sync_news (ps);
      break;
    case SRP_PACKET_CACHE_TOO_LARGE:
    default:
      break;
    }
  asked = srp_fill_arrived (ps, &packet->id);
  if (asked)
    ps->new_asked++;
  else
    ps->new_pushed++;
  if (!asked && packet->postage > 0)
    {
      g_autoptr (GPtrArray) targets = relay_targets (ps, packet, &input->link->id, named);
      SrpSentTo also = { 0 };

      /* Our copies name where ours came from too: our targets need not
       * send it back there. What that copy named is not passed on: a
       * peer named once was skipped by everyone after, and one whose copy
       * was lost waited for anti-entropy (in the test above, one
       * subscriber got all three messages 85-89 s late). */
      srp_sent_to_add (&also, &input->link->id);
      srp_gossip_send_copies (ps, input->data, input->len, packet->postage - 1, targets, &also);
      ps->relayed += targets->len;
    }
  if (subscribed)
    {
      ps->last_source = input->link->id;
      srp_delivery_add (ps, packet, input->from, input->link);
    }
  return SRP_DROP_NONE;
}

SrpDropReason
srp_gossip_handle_packet (gpointer self, const SrpInput *input, gpointer frame)
{
  return handle_packet (self, input, frame, NULL);
}

SrpDropReason
srp_gossip_handle_packet_sent_to (gpointer self, const SrpInput *input, gpointer frame)
{
  const SrpPacketSentTo *hinted = frame;
  SrpInput plain = *input;
  guint8 data[SRP_MAX_DATAGRAM];
  SrpSentTo named = { 0 };

  /* From here on it is the PACKET frame the trailer follows: that is what
   * the cache holds, compares and sends on. */
  plain.len = input->len - SRP_SENT_TO_LEN (hinted->n_sent_to);
  memcpy (data, input->data, plain.len);
  data[SRP_WIRE_PREFIX_LEN - 1] = SRP_FRAME_PACKET;
  plain.data = data;
  for (guint i = 0; i < hinted->n_sent_to; i++)
    srp_sent_to_add_prefix (&named, hinted->sent_to[i]);
  return handle_packet (self, &plain, &hinted->packet, &named);
}

void
srp_gossip_expire (SrpTimer *timer, gpointer owner)
{
  SrpPubsub *ps = owner;
  SrpPacketCacheEntry entry;

  (void) timer;
  while (srp_packet_cache_pop_expired (ps->cache, ps->ctx->now, &entry))
    {
      if (entry.postage > 0)
        {
          g_autoptr (GPtrArray) targets = srp_gossip_choose_targets (ps, &entry.topic_id, NULL,
                                                                     NULL,
                                                                     ps->ctx->config->fanout);
          srp_gossip_send_copies (ps, g_bytes_get_data (entry.frame, NULL),
                                  g_bytes_get_size (entry.frame), entry.postage - 1, targets,
                                  NULL);
          ps->relayed += targets->len;
        }
      g_bytes_unref (entry.frame);
    }
}
