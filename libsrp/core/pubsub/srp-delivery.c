/* srp-delivery.c: packets of subscribed topics into whole messages, each
 * handed to the application once.
 *
 * The reassembler may have timed out or evicted parts of a chain that the
 * cache still holds: they come back from the cache when the gap that held
 * them up is filled. The delivered memory (srp-recent-ids.c) outlives any
 * reassembly, so that what caches give back after a close and listen is not
 * handed over again.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-pubsub-private.h"

/* Message IDs handed over, remembered: far more than any peer receives
 * between two of its restarts, in about 1 MiB. */
#define DELIVERED_MAX 16384
/* What packets from strangers (srp_core_send_message, or anyone aiming at
 * an inbox: its topic follows from a public ID) may hold: one message of
 * the largest size. They can crowd out only each other. */
#define SRP_STRANGER_CHAINS 64
#define SRP_STRANGER_BYTES (SRP_MESSAGE_MAX_LEN + SRP_PACKET_MAX_BODY)

void
srp_delivery_init (SrpPubsub *ps)
{
  SrpReassemblerConfig rc;

  srp_reassembler_config_init (&rc);
  rc.max_bytes = ps->ctx->config->reassembly_max_bytes;
  rc.timeout_us = ps->ctx->config->reassembly_timeout_us;
  rc.hash_key = srp_hash_key_from_seed (ps->ctx->config->seed, 1);
  ps->reassembler = srp_reassembler_new (&rc);
  rc.max_chains = SRP_STRANGER_CHAINS;
  rc.max_bytes = MIN (rc.max_bytes, SRP_STRANGER_BYTES);
  rc.hash_key = srp_hash_key_from_seed (ps->ctx->config->seed, 2);
  ps->strangers = srp_reassembler_new (&rc);
  ps->delivered = srp_recent_ids_new (DELIVERED_MAX, srp_hash_key_from_seed (ps->ctx->config->seed, 3));
  srp_token_bucket_init (&ps->stranger_forgeries,
                         srp_link_bucket_rate (SRP_LINK_BUCKET_FORGERIES), ps->ctx->now);
  srp_timer_init (&ps->reassembly_expiry, SRP_TIMER_REASSEMBLY_EXPIRY, srp_delivery_expire, ps);
}

void
srp_delivery_clear (SrpPubsub *ps)
{
  srp_timer_stop (ps->ctx->timers, &ps->reassembly_expiry);
  srp_reassembler_free (ps->reassembler);
  srp_reassembler_free (ps->strangers);
  srp_recent_ids_free (ps->delivered);
}

/* Feeds the reassembler the cached neighbours of a packet it just took, in
 * one direction, until one is missing or already held. */
static void
feed_neighbours (SrpPubsub *ps, const SrpPacket *packet, gboolean forward)
{
  SrpId id = forward ? packet->next_id : packet->prev_id;
  gboolean more = forward ? !srp_id_is_zero (&id) : packet->index > 0;

  for (guint n = 0; more && n < SRP_MESSAGE_MAX_LEN / SRP_PACKET_MAX_BODY; n++)
    {
      const SrpPacketCacheEntry *entry = srp_packet_cache_lookup (ps->cache, &id);
      SrpPacket next;

      if (entry == NULL ||
          srp_packet_decode_fields (g_bytes_get_data (entry->frame, NULL),
                                    g_bytes_get_size (entry->frame), &next) != SRP_DROP_NONE ||
          srp_reassembler_add (ps->reassembler, ps->ctx->now, &next) != SRP_DROP_NONE)
        return;
      id = forward ? next.next_id : next.prev_id;
      more = forward ? !srp_id_is_zero (&id) : next.index > 0;
    }
}

/* Opens a completed message's envelope (srp-envelope.h): its payload and
 * verified author, or the reason it is not delivered. */
static SrpDropReason
open_message (SrpPubsub *ps, const SrpReassembledMessage *message, SrpEnvelopeOpened *opened)
{
  const SrpCoreConfig *config = ps->ctx->config;
  SrpEnvelopeKeys keys = {
    .self_id = &config->peer_id,
    .agree = config->agree,
    .agree_data = config->agree_data,
    .group_key = srp_pubsub_group_key (ps, &message->topic_id),
  };

  return srp_envelope_open (&message->topic_id, &message->first_prev, message->type,
                            message->data, &keys, opened);
}

gboolean
srp_delivery_accepts_sender (SrpPubsub *ps, SrpLink *link)
{
  gboolean holds = link != NULL
                       ? srp_link_holds (link, SRP_LINK_BUCKET_FORGERIES, ps->ctx->now, 1.0)
                       : srp_token_bucket_holds (&ps->stranger_forgeries,
                                                 srp_link_bucket_rate (SRP_LINK_BUCKET_FORGERIES),
                                                 ps->ctx->now, 1.0);

  if (!holds)
    srp_context_drop (ps->ctx, SRP_DROP_FORGER);
  return holds;
}

/* The sender that completed a message whose author check failed pays for
 * the check (a stranger: all strangers' bucket; from the cache: nobody). */
static void
charge_forgery (SrpPubsub *ps, SrpReassembler *r, SrpLink *link)
{
  if (link != NULL)
    srp_link_take (link, SRP_LINK_BUCKET_FORGERIES, ps->ctx->now, 1.0);
  else if (r == ps->strangers)
    srp_token_bucket_take (&ps->stranger_forgeries,
                           srp_link_bucket_rate (SRP_LINK_BUCKET_FORGERIES), ps->ctx->now, 1.0);
}

/* Hands over what r completed. */
static void
pop_messages (SrpPubsub *ps, SrpReassembler *r, const SrpAddress *from, SrpLink *link)
{
  SrpContext *ctx = ps->ctx;
  SrpReassembledMessage message;

  while (srp_reassembler_pop_message (r, &message))
    {
      /* Remembered before it is opened: a message whose envelope fails
       * fails again (its ID commits to every byte), so it costs one check,
       * however often caches hand it back. */
      if (srp_recent_ids_add (ps->delivered, &message.id))
        {
          SrpEnvelopeOpened opened;
          SrpDropReason reason = open_message (ps, &message, &opened);
          SrpCoreEvent *event;

          /* Journalled before the event: a store that writes the turn's
           * changes before it hands the events on never hands one twice. */
          srp_journal_push_id (&ctx->journal, SRP_STATE_CHANGE_DELIVERED, &message.id);
          if (reason != SRP_DROP_NONE)
            {
              if (reason == SRP_DROP_BAD_AUTHOR)
                charge_forgery (ps, r, link);
              srp_context_drop (ctx, reason);
              srp_reassembled_message_clear (&message);
              continue;
            }
          event = srp_context_event (ctx, SRP_CORE_EVENT_MESSAGE);
          event->message.id = message.id;
          event->message.topic_id = message.topic_id;
          event->message.from = *from;
          event->message.data = g_steal_pointer (&opened.payload);
          event->message.has_author = (opened.flags & SRP_ENVELOPE_SIGNED) != 0;
          event->message.author = opened.author;
          event->message.sealed = (opened.flags & (SRP_ENVELOPE_LETTER | SRP_ENVELOPE_GROUP)) != 0;
          srp_envelope_opened_clear (&opened);
        }
      srp_reassembled_message_clear (&message);
    }
}

/* The cache's frame of a packet that is a message by itself, which the
 * message's bytes can be a slice of (the reassembler checks that it holds
 * the same body); NULL for any other. */
static GBytes *
cached_frame (SrpPubsub *ps, const SrpPacket *packet)
{
  const SrpPacketCacheEntry *entry;

  if (packet->index != 0 || !srp_id_is_zero (&packet->next_id))
    return NULL;
  entry = srp_packet_cache_lookup (ps->cache, &packet->id);
  return entry != NULL ? entry->frame : NULL;
}

/* Gives r the packet; FALSE (counted) when it refuses it. */
static gboolean
take (SrpPubsub *ps, SrpReassembler *r, const SrpPacket *packet)
{
  SrpDropReason reason = srp_reassembler_add_framed (r, ps->ctx->now, packet,
                                                     r == ps->reassembler ? cached_frame (ps, packet)
                                                                          : NULL);

  if (reason != SRP_DROP_NONE)
    srp_context_drop (ps->ctx, reason);
  return reason == SRP_DROP_NONE;
}

void
srp_delivery_add (SrpPubsub *ps, const SrpPacket *packet, const SrpAddress *from, SrpLink *link)
{
  if (!take (ps, ps->reassembler, packet))
    return;
  feed_neighbours (ps, packet, FALSE);
  feed_neighbours (ps, packet, TRUE);
  pop_messages (ps, ps->reassembler, from, link);
  if (srp_reassembler_get_chain_count (ps->reassembler) > 0)
    srp_fill_schedule (ps);
}

void
srp_delivery_prefetch (SrpPubsub *ps, const SrpPacket *packet)
{
  srp_reassembler_prefetch (ps->reassembler, packet);
  /* A packet alone is a message of its own ID. */
  if (srp_packet_is_alone (packet))
    srp_recent_ids_prefetch (ps->delivered, &packet->id);
}

void
srp_delivery_add_from_stranger (SrpPubsub *ps, const SrpPacket *packet, const SrpAddress *from)
{
  /* Nothing is asked for on a stranger's behalf: gap filling serves the
   * links' pool alone. */
  if (take (ps, ps->strangers, packet))
    pop_messages (ps, ps->strangers, from, NULL);
}

gint64
srp_delivery_next_deadline (SrpPubsub *ps)
{
  gint64 a = srp_reassembler_next_deadline (ps->reassembler);
  gint64 b = srp_reassembler_next_deadline (ps->strangers);

  return a < 0 ? b : b < 0 ? a : MIN (a, b);
}

guint64
srp_delivery_drops (SrpPubsub *ps, SrpDropReason reason)
{
  return srp_reassembler_get_drop_count (ps->reassembler, reason) +
         srp_reassembler_get_drop_count (ps->strangers, reason);
}

static void
deliver_cached (const SrpPacketCacheEntry *entry, gpointer data)
{
  SrpPubsub *ps = data;
  SrpPacket packet;
  SrpAddress none = { 0 };

  /* Frames in the cache were checked on the way in. */
  if (srp_packet_decode_fields (g_bytes_get_data (entry->frame, NULL),
                                g_bytes_get_size (entry->frame), &packet) == SRP_DROP_NONE)
    srp_delivery_add (ps, &packet, &none, NULL);
}

void
srp_delivery_from_cache (SrpPubsub *ps, const SrpId *topic_id)
{
  srp_packet_cache_foreach_topic (ps->cache, topic_id, deliver_cached, ps);
}

void
srp_delivery_expire (SrpTimer *timer, gpointer owner)
{
  SrpPubsub *ps = owner;

  (void) timer;
  srp_reassembler_expire (ps->reassembler, ps->ctx->now);
  srp_reassembler_expire (ps->strangers, ps->ctx->now);
}
