/* srp-core-gossip.c: publishing, the shared cache, and spreading packets.
 *
 * - A publisher caches its chain and sends every packet to fanout connected
 *   peers: the recipient first (inbox mail), then subscribers of the topic,
 *   then others. Those acknowledge packets that come with POSTAGE 16 (fresh
 *   from their publisher, as no relay sends that), so only the publisher's
 *   own sends cost ACKs. Unacknowledged packets are sent again a few times.
 * - A peer that gets a packet for the first time from a connected peer
 *   caches it, delivers it when subscribed, and relays it with POSTAGE one
 *   lower to fanout peers (same preference; never to the one it came from).
 *   Relaying only on first sight, and the cache remembering what left it,
 *   means each peer relays each packet at most once; POSTAGE 0 stops it.
 *   Packets we asked for (gap fill, anti-entropy) are not relayed: they are
 *   old news elsewhere.
 * - When a cached packet's TTL ends it goes to fanout peers with POSTAGE one
 *   lower, or is purged at POSTAGE 0.
 * - Packets from addresses that are not connected are delivered when
 *   subscribed (srp_core_send_message) but never cached, relayed or ACKed:
 *   nobody can make us send on their behalf without a handshake.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-core-private.h"

#include <string.h>

#include "srp-chain.h"

#define ACK_DELAY_US (10 * G_TIME_SPAN_MILLISECOND) /* gathers a burst into one ACK */
/* Unacknowledged packets go again after 0.3, 0.6, 1.2, 2 s, then every 2 s. */
#define RESEND_US (300 * G_TIME_SPAN_MILLISECOND)
#define RESEND_MAX_US (2 * G_TIME_SPAN_SECOND)
#define RESENDS 8
#define MAX_PUBLISHES 256     /* outstanding PUBLISHED reports; the oldest is closed early */

typedef struct {
  SrpId peer;
  guint8 *acked;              /* one flag per packet */
  guint n_acked;
} Acker;

typedef struct {
  guint64 prefix;
  guint index;
} PrefixIndex;

typedef struct {
  SrpId message_id, topic_id;
  GPtrArray *frames;          /* GBytes, POSTAGE 16, in chain order */
  GArray *index;              /* PrefixIndex, sorted by prefix */
  GArray *targets;            /* SrpId: peers we sent it to */
  GArray *ackers;             /* Acker */
  guint wanted;
  guint n_accepted;
  gint64 deadline;
  gint64 next_resend;
  guint resends;
} Publish;

static void
publish_free (gpointer data)
{
  Publish *p = data;

  for (guint i = 0; i < p->ackers->len; i++)
    g_free (g_array_index (p->ackers, Acker, i).acked);
  g_ptr_array_unref (p->frames);
  g_array_unref (p->index);
  g_array_unref (p->targets);
  g_array_unref (p->ackers);
  g_free (p);
}

void
srp_core_gossip_init (SrpCore *core)
{
  core->cache = srp_packet_cache_new (core->config.cache_budget, core->config.cache_ttl_us,
                               core->config.remembered_ids);
  core->publishes = g_ptr_array_new_with_free_func (publish_free);
}

void
srp_core_gossip_clear (SrpCore *core)
{
  g_ptr_array_unref (core->publishes);
  srp_packet_cache_free (core->cache);
}

static void
shuffle (SrpCore *core, GPtrArray *array, guint start)
{
  for (guint i = array->len; i > start + 1; i--)
    {
      guint j = start + (guint) srp_rng_below (&core->rng, i - start);
      gpointer tmp = array->pdata[i - 1];
      array->pdata[i - 1] = array->pdata[j];
      array->pdata[j] = tmp;
    }
}

/* Up to n connected peers other than except, for a packet on topic_id: the
 * recipient (or the peer whose inbox the topic is) first, then subscribers,
 * then the rest, each class in random order. */
static GPtrArray *
choose_targets (SrpCore *core, const SrpId *topic_id, const SrpId *recipient,
                const SrpId *except, guint n)
{
  GPtrArray *out = g_ptr_array_new ();

  for (int rank = 0; rank < 3; rank++)
    {
      guint start = out->len;

      for (guint i = 0; i < core->remote_list->len; i++)
        {
          RemotePeer *r = g_ptr_array_index (core->remote_list, i);
          int r_rank;

          if (except != NULL && srp_id_equal (&r->id, except))
            continue;
          if ((recipient != NULL && srp_id_equal (&r->id, recipient)) ||
              srp_id_equal (&r->inbox, topic_id))
            r_rank = 0;
          else if (srp_remote_subscribes (r, topic_id))
            r_rank = 1;
          else
            r_rank = 2;
          if (r_rank == rank)
            g_ptr_array_add (out, r);
        }
      shuffle (core, out, start);
    }
  if (out->len > n)
    g_ptr_array_set_size (out, n);
  return out;
}

/* Sends a frame to peers with POSTAGE set to postage. */
static void
send_copies (SrpCore *core, const guint8 *frame, gsize len, guint8 postage, GPtrArray *targets)
{
  guint8 copy[SRP_MAX_DATAGRAM];

  memcpy (copy, frame, len);
  copy[SRP_PACKET_POSTAGE_OFFSET] = postage;
  for (guint i = 0; i < targets->len; i++)
    srp_core_send_remote (core, g_ptr_array_index (targets, i), copy, len);
}

/* Feeds the reassembler the cached neighbours of a packet it just took, in
 * one direction, until one is missing or already held. The reassembler may
 * have timed out or evicted parts of a chain that the cache still holds:
 * they come back when the gap that held them up is filled. */
static void
feed_neighbours (SrpCore *core, const SrpPacket *packet, gboolean forward)
{
  SrpId id = forward ? packet->next_id : packet->prev_id;
  gboolean more = forward ? !srp_id_is_zero (&id) : packet->index > 0;

  for (guint n = 0; more && n < SRP_MESSAGE_MAX_LEN / SRP_PACKET_MAX_BODY; n++)
    {
      const SrpPacketCacheEntry *entry = srp_packet_cache_lookup (core->cache, &id);
      SrpPacket next;

      if (entry == NULL ||
          srp_packet_decode (g_bytes_get_data (entry->frame, NULL), g_bytes_get_size (entry->frame),
                             &next) != SRP_DROP_NONE ||
          srp_reassembler_add (core->reassembler, core->now, &next) != SRP_DROP_NONE)
        return;
      id = forward ? next.next_id : next.prev_id;
      more = forward ? !srp_id_is_zero (&id) : next.index > 0;
    }
}

void
srp_core_deliver (SrpCore *core, const SrpPacket *packet, const SrpAddress *from)
{
  SrpReassembledMessage message;
  SrpDropReason reason = srp_reassembler_add (core->reassembler, core->now, packet);

  if (reason != SRP_DROP_NONE)
    {
      srp_core_drop (core, reason);
      return;
    }
  feed_neighbours (core, packet, FALSE);
  feed_neighbours (core, packet, TRUE);
  while (srp_reassembler_pop_message (core->reassembler, &message))
    {
      SrpCoreEvent *event = srp_core_queue_event (core, SRP_CORE_EVENT_MESSAGE);

      event->message.id = message.id;
      event->message.topic_id = message.topic_id;
      event->message.from = *from;
      event->message.data = g_steal_pointer (&message.data);
      srp_reassembled_message_clear (&message);
    }
  if (srp_reassembler_get_chain_count (core->reassembler) > 0)
    srp_core_fill_schedule (core);
}

static void
queue_ack (SrpCore *core, RemotePeer *remote, const SrpId *id)
{
  guint64 prefix = srp_id_prefix (id);

  g_array_append_val (remote->acks, prefix);
  if (remote->acks->len >= SRP_IDS_MAX)
    remote->ack_at = core->now;
  else if (remote->ack_at < 0)
    remote->ack_at = core->now + ACK_DELAY_US;
}

static void
flush_acks (SrpCore *core, RemotePeer *remote)
{
  while (remote->acks->len > 0)
    {
      SrpIdList ids;
      guint8 frame[SRP_MAX_DATAGRAM];

      ids.n = MIN (remote->acks->len, SRP_IDS_MAX);
      memcpy (ids.ids, remote->acks->data, ids.n * sizeof (guint64));
      g_array_remove_range (remote->acks, 0, ids.n);
      srp_core_send_remote (core, remote, frame, srp_ack_encode (&ids, frame));
    }
  remote->ack_at = -1;
}

void
srp_core_handle_packet (SrpCore *core, const SrpAddress *from, const guint8 *data, gsize len)
{
  SrpPacket packet;
  RemotePeer *remote;
  gboolean asked;
  SrpDropReason reason = srp_packet_decode (data, len, &packet);

  if (reason != SRP_DROP_NONE)
    {
      srp_core_drop (core, reason);
      return;
    }
  remote = srp_core_remote_at (core, from);
  if (remote == NULL)
    {
      if (srp_core_is_subscribed (core, &packet.topic_id))
        srp_core_deliver (core, &packet, from);
      else
        srp_core_drop (core, SRP_DROP_UNWANTED);
      return;
    }
  if (packet.postage == SRP_POSTAGE_MAX)
    queue_ack (core, remote, &packet.id);

  switch (srp_packet_cache_add (core->cache, core->now, &packet))
    {
    case SRP_PACKET_CACHE_HELD:
      srp_core_drop (core, SRP_DROP_DUPLICATE);
      return;
    case SRP_PACKET_CACHE_GONE:
      srp_core_drop (core, SRP_DROP_UNWANTED);
      return;
    case SRP_PACKET_CACHE_STORED:
    case SRP_PACKET_CACHE_TOO_LARGE:
    default:
      break;
    }
  asked = srp_core_fill_arrived (core, &packet.id);
  if (!asked && packet.postage > 0)
    {
      g_autoptr (GPtrArray) targets =
          choose_targets (core, &packet.topic_id, NULL, &remote->id, core->config.fanout);
      send_copies (core, data, len, packet.postage - 1, targets);
    }
  if (srp_core_is_subscribed (core, &packet.topic_id))
    {
      core->last_source = remote->id;
      srp_core_deliver (core, &packet, from);
    }
}

/* ---- publishing -------------------------------------------------------------- */

static int
compare_prefix_index (gconstpointer a, gconstpointer b)
{
  guint64 x = ((const PrefixIndex *) a)->prefix, y = ((const PrefixIndex *) b)->prefix;
  return x < y ? -1 : x > y;
}

static void
send_publish (SrpCore *core, Publish *p, const RemotePeer *remote, const Acker *acker)
{
  for (guint i = 0; i < p->frames->len; i++)
    {
      GBytes *frame = g_ptr_array_index (p->frames, i);
      if (acker == NULL || !acker->acked[i])
        srp_core_send_remote (core, remote, g_bytes_get_data (frame, NULL),
                              g_bytes_get_size (frame));
    }
}

static void
report (SrpCore *core, guint index, gboolean complete)
{
  Publish *p = g_ptr_array_index (core->publishes, index);
  SrpCoreEvent *event = srp_core_queue_event (core, SRP_CORE_EVENT_PUBLISHED);

  event->published.message_id = p->message_id;
  event->published.topic_id = p->topic_id;
  event->published.n_accepted = p->n_accepted;
  event->published.complete = complete;
  g_ptr_array_remove_index (core->publishes, index);
}

gboolean
srp_core_publish (SrpCore *core, gint64 now_us, const SrpId *topic_id, const SrpId *recipient,
                  const guint8 *data, gsize len, SrpId *message_id)
{
  SrpId prev;
  g_autoptr (GPtrArray) chain = NULL;
  g_autoptr (GPtrArray) targets = NULL;
  Publish *p;

  g_return_val_if_fail (topic_id != NULL, FALSE);
  core->now = now_us;
  srp_core_chain_prev (core, topic_id, &prev);
  chain = srp_chain_build (topic_id, SRP_PACKET_TYPE_MESSAGE, &prev, data, len);
  if (chain == NULL)
    return FALSE;

  p = g_new0 (Publish, 1);
  p->topic_id = *topic_id;
  p->frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  p->index = g_array_new (FALSE, FALSE, sizeof (PrefixIndex));
  p->targets = g_array_new (FALSE, FALSE, sizeof (SrpId));
  p->ackers = g_array_new (FALSE, FALSE, sizeof (Acker));
  for (guint i = 0; i < chain->len; i++)
    {
      const SrpPacket *packet = g_ptr_array_index (chain, i);
      guint8 frame[SRP_MAX_DATAGRAM];
      PrefixIndex pi = { srp_id_prefix (&packet->id), i };

      g_ptr_array_add (p->frames, g_bytes_new (frame, srp_packet_encode (packet, frame)));
      g_array_append_val (p->index, pi);
      srp_packet_cache_add (core->cache, now_us, packet);
    }
  g_array_sort (p->index, compare_prefix_index);
  p->message_id = ((const SrpPacket *) g_ptr_array_index (chain, chain->len - 1))->id;
  g_hash_table_replace (core->last_message, g_memdup2 (topic_id, sizeof *topic_id),
                        g_memdup2 (&p->message_id, sizeof p->message_id));

  targets = choose_targets (core, topic_id, recipient, NULL, core->config.fanout);
  for (guint i = 0; i < targets->len; i++)
    {
      RemotePeer *remote = g_ptr_array_index (targets, i);
      g_array_append_val (p->targets, remote->id);
      send_publish (core, p, remote, NULL);
    }
  /* With nobody connected nothing can be complete: the deadline reports it. */
  p->wanted = targets->len;
  p->deadline = now_us + core->config.publish_timeout_us;
  p->next_resend = now_us + RESEND_US;
  if (core->publishes->len >= MAX_PUBLISHES)
    report (core, 0, FALSE);
  g_ptr_array_add (core->publishes, p);
  if (message_id != NULL)
    *message_id = p->message_id;
  return TRUE;
}

static Acker *
find_acker (Publish *p, const SrpId *peer)
{
  for (guint i = 0; i < p->ackers->len; i++)
    if (srp_id_equal (&g_array_index (p->ackers, Acker, i).peer, peer))
      return &g_array_index (p->ackers, Acker, i);
  return NULL;
}

static Acker *
get_acker (Publish *p, const SrpId *peer)
{
  Acker acker = { .peer = *peer };
  Acker *found = find_acker (p, peer);

  if (found != NULL)
    return found;
  acker.acked = g_new0 (guint8, p->frames->len);
  g_array_append_val (p->ackers, acker);
  return &g_array_index (p->ackers, Acker, p->ackers->len - 1);
}

/* Records a peer's ACK of one prefix against a publish; TRUE when that
 * completed the publish. */
static gboolean
record_ack (Publish *p, const SrpId *peer, guint64 prefix)
{
  PrefixIndex key = { prefix, 0 };
  guint at;
  Acker *acker;

  if (!g_array_binary_search (p->index, &key, compare_prefix_index, &at))
    return FALSE;
  acker = get_acker (p, peer);
  at = g_array_index (p->index, PrefixIndex, at).index;
  if (acker->acked[at])
    return FALSE;
  acker->acked[at] = TRUE;
  if (++acker->n_acked == p->frames->len)
    p->n_accepted++;
  return p->wanted > 0 && p->n_accepted >= p->wanted;
}

void
srp_core_handle_ack (SrpCore *core, const SrpAddress *from, const guint8 *data, gsize len)
{
  RemotePeer *remote = srp_core_remote_at (core, from);
  SrpIdList ids;
  SrpDropReason reason = srp_ack_decode (data, len, &ids);

  if (reason == SRP_DROP_NONE && remote == NULL)
    reason = SRP_DROP_UNAUTHENTICATED;
  if (reason != SRP_DROP_NONE)
    {
      srp_core_drop (core, reason);
      return;
    }
  for (guint i = 0; i < core->publishes->len;)
    {
      Publish *p = g_ptr_array_index (core->publishes, i);
      gboolean done = FALSE;

      for (guint k = 0; k < ids.n && !done; k++)
        done = record_ack (p, &remote->id, ids.ids[k]);
      if (done)
        report (core, i, TRUE);
      else
        i++;
    }
}

static gboolean
is_target (const Publish *p, const SrpId *peer)
{
  for (guint t = 0; t < p->targets->len; t++)
    if (srp_id_equal (&g_array_index (p->targets, SrpId, t), peer))
      return TRUE;
  return FALSE;
}

static gboolean
has_accepted (Publish *p, const SrpId *peer)
{
  const Acker *acker = find_acker (p, peer);
  return acker != NULL && acker->n_acked == p->frames->len;
}

/* A target that left before taking every packet (it closed, or timed out)
 * will never ACK: the packets go to another connected peer instead, chosen
 * like the first ones, so that the publish can still reach fanout peers. */
static void
replace_departed_targets (SrpCore *core, Publish *p)
{
  guint t = 0;

  while (t < p->targets->len)
    {
      SrpId *id = &g_array_index (p->targets, SrpId, t);
      g_autoptr (GPtrArray) candidates = NULL;

      if (srp_core_remote (core, id) != NULL || has_accepted (p, id))
        {
          t++;
          continue;
        }
      candidates = choose_targets (core, &p->topic_id, NULL, NULL, G_MAXUINT);
      for (guint c = 0; c < candidates->len && srp_core_remote (core, id) == NULL; c++)
        {
          RemotePeer *candidate = g_ptr_array_index (candidates, c);
          if (!is_target (p, &candidate->id))
            *id = candidate->id;
        }
      if (srp_core_remote (core, id) != NULL)
        {
          t++;
          continue;
        }
      /* Nobody left to ask: the network is smaller now, and so is the
       * number of peers the publish waits for. */
      g_array_remove_index (p->targets, t);
      p->wanted--;
    }
}

static void
run_publishes (SrpCore *core)
{
  for (guint i = 0; i < core->publishes->len;)
    {
      Publish *p = g_ptr_array_index (core->publishes, i);

      if (p->deadline <= core->now)
        {
          report (core, i, FALSE);
          continue;
        }
      if (p->next_resend <= core->now && p->resends < RESENDS)
        {
          replace_departed_targets (core, p);
          if (p->wanted > 0 && p->n_accepted >= p->wanted)
            {
              report (core, i, TRUE);
              continue;
            }
          for (guint t = 0; t < p->targets->len; t++)
            {
              const SrpId *id = &g_array_index (p->targets, SrpId, t);
              RemotePeer *remote = srp_core_remote (core, id);

              if (remote != NULL)
                send_publish (core, p, remote, get_acker (p, id));
            }
          p->resends++;
          p->next_resend = core->now + MIN (RESEND_US << p->resends, RESEND_MAX_US);
        }
      i++;
    }
}

/* ---- the cache's timers ---------------------------------------------------------- */

static void
run_expiry (SrpCore *core)
{
  SrpPacketCacheEntry entry;

  while (srp_packet_cache_pop_expired (core->cache, core->now, &entry))
    {
      if (entry.postage > 0)
        {
          g_autoptr (GPtrArray) targets =
              choose_targets (core, &entry.topic_id, NULL, NULL, core->config.fanout);
          send_copies (core, g_bytes_get_data (entry.frame, NULL), g_bytes_get_size (entry.frame),
                       entry.postage - 1, targets);
        }
      g_bytes_unref (entry.frame);
    }
}

void
srp_core_gossip_flush_acks (SrpCore *core)
{
  for (guint i = 0; i < core->remote_list->len; i++)
    {
      RemotePeer *remote = g_ptr_array_index (core->remote_list, i);
      if (remote->ack_at >= 0)
        flush_acks (core, remote);
    }
}

void
srp_core_gossip_timeout (SrpCore *core)
{
  for (guint i = 0; i < core->remote_list->len; i++)
    {
      RemotePeer *remote = g_ptr_array_index (core->remote_list, i);
      if (remote->ack_at >= 0 && remote->ack_at <= core->now)
        flush_acks (core, remote);
    }
  run_publishes (core);
  run_expiry (core);
}

gint64
srp_core_gossip_deadline (SrpCore *core)
{
  gint64 deadline = srp_packet_cache_next_expiry (core->cache);

  for (guint i = 0; i < core->remote_list->len; i++)
    srp_core_earliest (&deadline, ((RemotePeer *) g_ptr_array_index (core->remote_list, i))->ack_at);
  for (guint i = 0; i < core->publishes->len; i++)
    {
      Publish *p = g_ptr_array_index (core->publishes, i);
      srp_core_earliest (&deadline, p->deadline);
      if (p->resends < RESENDS)
        srp_core_earliest (&deadline, p->next_resend);
    }
  return deadline;
}

void
srp_core_get_cache_stats (SrpCore *core, SrpCacheStats *out)
{
  SrpPacketCacheCounters c;

  srp_packet_cache_get_counters (core->cache, &c);
  out->budget = c.budget;
  out->used = c.used;
  out->n_packets = c.n_packets;
  out->stored = c.stored;
  out->evicted = c.evicted;
  out->expired = c.expired;
  out->purged = c.purged;
}

void
srp_core_set_cache_budget (SrpCore *core, gint64 now_us, gsize budget)
{
  core->now = now_us;
  srp_packet_cache_set_budget (core->cache, now_us, budget);
}

GBytes *
srp_core_cache_lookup (SrpCore *core, const SrpId *packet_id)
{
  const SrpPacketCacheEntry *entry = srp_packet_cache_lookup (core->cache, packet_id);
  return entry != NULL ? g_bytes_ref (entry->frame) : NULL;
}
