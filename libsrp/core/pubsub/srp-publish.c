/* srp-publish.c: publishing, its ACKs and resends, the chain heads, and
 * messages sent straight to an address.
 *
 * A publisher caches its chain and sends every packet to fanout links: the
 * recipient first (inbox mail), then subscribers of the topic, then others.
 * Those acknowledge what came with POSTAGE 16 (srp-gossip.c); packets not
 * acknowledged are sent again a few times, and a target that left before
 * taking everything is replaced by another link. PUBLISHED reports, once,
 * how many peers took the whole message.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-pubsub-private.h"

#include <string.h>

#include "srp-chain.h"
#include "srp-state.h"

/* Unacknowledged packets go again after one retransmission timeout of the
 * slowest target (RFC 6298 from its link's RTT; 300 ms before any sample),
 * then twice as long each time up to 2 s. The floor leaves room for the
 * receivers' ACK batching (ACK_DELAY_US in srp-gossip.c). */
#define RESEND_US (300 * G_TIME_SPAN_MILLISECOND)
#define RESEND_MIN_US (30 * G_TIME_SPAN_MILLISECOND)
#define RESEND_MAX_US (2 * G_TIME_SPAN_SECOND)
#define RESENDS 8
/* A target that is behind (below, is_behind) gets no resend for this long
 * after the publish, at most: then it is treated as one that lost them. */
#define BEHIND_MAX_US (2 * G_TIME_SPAN_SECOND)
/* A target acknowledging within this long is alive. */
#define ALIVE_US (300 * G_TIME_SPAN_MILLISECOND)
#define SUSPECT_AFTER_RESENDS 2 /* two resends without an ACK */
/* Frames of publishes still waiting for their ACKs: past this, the oldest is
 * reported early (it stays in the cache, and gossip and anti-entropy still
 * carry it; only its resends stop). Bytes, not a count: a flood of small
 * messages keeps every one of them until the ACKs come back. */
#define MAX_OUTSTANDING_BYTES (16 * 1024 * 1024)

/* Flags a publish of this many packets keeps in its Ackers themselves
 * (a message of up to 8 KiB): most floods' publishes allocate none. */
#define INLINE_ACKED 8

typedef struct {
  SrpId peer;
  guint8 *acked; /* one flag per packet; NULL: in inline_acked */
  guint8 inline_acked[INLINE_ACKED];
  guint n_acked;
} Acker;

static guint8 *
acked_flags (Acker *acker)
{
  return acker->acked != NULL ? acker->acked : acker->inline_acked;
}

typedef struct _Publish Publish;

/* A packet of an outstanding publish, found by its prefix when an ACK
 * names it (ps->publish_prefixes): an ACK costs O(1) per ID, however many
 * publishes are outstanding. */
typedef struct {
  guint64 prefix;
  guint index;
  Publish *publish;
} PrefixIndex;

struct _Publish {
  SrpPubsub *ps;
  GList link;                 /* in ps->publishes; data points here */
  guint64 request;
  SrpId message_id, topic_id;
  GPtrArray *frames;          /* GBytes, POSTAGE 16, in chain order */
  gsize bytes;                /* of the frames */
  GArray *targets;            /* SrpId: links we sent it to */
  GArray *ackers;             /* Acker */
  guint wanted;
  guint n_accepted;
  guint resends;
  gboolean supplemented;      /* silent targets got a stand-in each (once) */
  gboolean restored;          /* from a saved state: targets are chosen once links come */
  gint64 sent_at;             /* when its packets first went out */
  guint64 seq;                /* its place in the order of our publishes (from 1) */
  SrpTimer deadline;          /* PUBLISHED with what came */
  SrpTimer resend;
  PrefixIndex index[];        /* one per frame, in ps->publish_prefixes */
};

static void
publish_free (gpointer data)
{
  Publish *p = data;

  srp_timer_stop (p->ps->ctx->timers, &p->deadline);
  srp_timer_stop (p->ps->ctx->timers, &p->resend);
  for (guint i = 0; i < p->ackers->len; i++)
    g_free (g_array_index (p->ackers, Acker, i).acked);
  for (guint i = 0; i < p->frames->len; i++)
    if (g_hash_table_lookup (p->ps->publish_prefixes, &p->index[i].prefix) == &p->index[i])
      g_hash_table_remove (p->ps->publish_prefixes, &p->index[i].prefix);
  p->ps->publish_bytes -= p->bytes;
  g_ptr_array_unref (p->frames);
  g_array_unref (p->targets);
  g_array_unref (p->ackers);
  g_free (p);
}

void
srp_publish_init (SrpPubsub *ps)
{
  g_queue_init (&ps->publishes);
  ps->publish_prefixes = g_hash_table_new (g_int64_hash, g_int64_equal);
  ps->chain_heads = g_hash_table_new_full (srp_id_hash_func, srp_id_equal_func, g_free, g_free);
}

void
srp_publish_clear (SrpPubsub *ps)
{
  GList *l;

  while ((l = g_queue_pop_head_link (&ps->publishes)) != NULL)
    publish_free (l->data);
  g_hash_table_unref (ps->publish_prefixes);
  g_hash_table_unref (ps->chain_heads);
}

/* ---- chain heads ------------------------------------------------------------------- */

void
srp_publish_set_chain_head (SrpPubsub *ps, const SrpId *topic_id, const SrpId *message_id)
{
  SrpId *head = g_hash_table_lookup (ps->chain_heads, topic_id);

  srp_journal_push_chain_head (&ps->ctx->journal, topic_id, message_id);
  /* In place: a flood moves one topic's head every message. */
  if (head != NULL)
    *head = *message_id;
  else
    g_hash_table_insert (ps->chain_heads, g_memdup2 (topic_id, sizeof *topic_id),
                         g_memdup2 (message_id, sizeof *message_id));
}

void
srp_publish_chain_prev (SrpPubsub *ps, const SrpId *topic_id, SrpId *out)
{
  SrpId *last = g_hash_table_lookup (ps->chain_heads, topic_id);

  /* A packet's ID does not cover its publisher: were every publisher's
   * first message to start from zero, two first messages with the same
   * body (from any publishers on one topic) would share an ID, and the second
   * would be dropped everywhere as a duplicate. A random start makes each
   * publisher's chain its own; later messages link to the last one. */
  if (last != NULL)
    *out = *last;
  else
    {
      srp_rng_fill (&ps->ctx->rng, out->bytes, SRP_ID_LEN);
      srp_publish_set_chain_head (ps, topic_id, out);
    }
}

/* ---- publishing -------------------------------------------------------------------- */

/* Each copy names the publish's other targets (srp-sent-to.c): they need
 * no relay from this one. */
static void
send_publish (SrpPubsub *ps, Publish *p, const SrpLink *link, const Acker *acker)
{
  SrpSentTo names = { 0 };
  guint8 copy[SRP_MAX_DATAGRAM];

  for (guint t = 0; t < p->targets->len; t++)
    srp_sent_to_add (&names, &g_array_index (p->targets, SrpId, t));
  for (guint i = 0; i < p->frames->len; i++)
    {
      GBytes *frame = g_ptr_array_index (p->frames, i);
      if (acker == NULL || !acked_flags ((Acker *) acker)[i])
        {
          srp_context_send_link (ps->ctx, link, copy,
                                 srp_sent_to_frame (g_bytes_get_data (frame, NULL),
                                                    g_bytes_get_size (frame), link, &names,
                                                    copy));
          ps->published++;
        }
    }
}

/* PUBLISHED, and the publish is done. */
static void
report (SrpPubsub *ps, Publish *p, gboolean complete)
{
  SrpCoreEvent *event = srp_context_event (ps->ctx, SRP_CORE_EVENT_PUBLISHED);

  event->published.request = p->request;
  event->published.message_id = p->message_id;
  event->published.topic_id = p->topic_id;
  event->published.n_accepted = p->n_accepted;
  event->published.complete = complete;
  srp_journal_push_id (&ps->ctx->journal, SRP_STATE_CHANGE_OUTBOX_REMOVE, &p->message_id);
  g_queue_unlink (&ps->publishes, &p->link);
  publish_free (p);
}

static void on_deadline (SrpTimer *timer, gpointer owner);
static void on_resend (SrpTimer *timer, gpointer owner);

static Publish *
publish_new (SrpPubsub *ps, const SrpId *topic_id, guint n_frames)
{
  Publish *p = g_malloc0 (sizeof (Publish) + n_frames * sizeof (PrefixIndex));
  guint fanout = ps->ctx->config->fanout;

  p->ps = ps;
  p->link.data = p;
  p->request = srp_context_next_request (ps->ctx);
  p->topic_id = *topic_id;
  p->frames = g_ptr_array_new_full (n_frames, (GDestroyNotify) g_bytes_unref);
  /* Sized for the fanout: no growing while the first targets ACK. */
  p->targets = g_array_sized_new (FALSE, FALSE, sizeof (SrpId), fanout);
  p->ackers = g_array_sized_new (FALSE, FALSE, sizeof (Acker), fanout);
  srp_timer_init (&p->deadline, SRP_TIMER_PUBLISH_DEADLINE, on_deadline, ps);
  srp_timer_init (&p->resend, SRP_TIMER_PUBLISH_RESEND, on_resend, ps);
  return p;
}

/* The publish's frames (POSTAGE as in the packets), their prefixes (in
 * ps->publish_prefixes) and bytes, from its chain (SrpPacket*, as many as
 * publish_new was told). */
static void
publish_set_chain (SrpPubsub *ps, Publish *p, GPtrArray *chain)
{
  for (guint i = 0; i < chain->len; i++)
    {
      const SrpPacket *packet = g_ptr_array_index (chain, i);
      gsize frame_len = SRP_PACKET_FRAME_LEN (packet->body_len);
      guint8 *frame = g_malloc (frame_len);

      /* Encoded where it will stay: no copy through the stack. */
      if (srp_packet_encode (packet, frame) != frame_len)
        g_assert_not_reached ();
      g_ptr_array_add (p->frames, g_bytes_new_take (frame, frame_len));
      p->bytes += frame_len;
      p->index[i] = (PrefixIndex) { srp_id_prefix (&packet->id), i, p };
      /* A prefix another outstanding publish holds (a 2^-64 chance) stays
       * with that one: this publish's ACKs for it then go unnoticed and it
       * is resent, which costs datagrams, never a message. */
      if (!g_hash_table_contains (ps->publish_prefixes, &p->index[i].prefix))
        g_hash_table_insert (ps->publish_prefixes, &p->index[i].prefix, &p->index[i]);
    }
  ps->publish_bytes += p->bytes;
}

/* Queues the publish; the oldest go early when too many bytes wait. */
static void
publish_add (SrpPubsub *ps, Publish *p)
{
  g_queue_push_tail_link (&ps->publishes, &p->link);
  while (ps->publish_bytes > MAX_OUTSTANDING_BYTES && ps->publishes.length > 1)
    {
      ps->publishes_closed_early++;
      report (ps, g_queue_peek_head (&ps->publishes), FALSE);
    }
  srp_journal_push_publish (&ps->ctx->journal, &p->message_id, &p->topic_id, p->frames,
                            MAX (p->deadline.deadline - ps->ctx->now, 0));
}

/* The first resend's wait: the retransmission timeout of the slowest
 * target's link. */
static gint64
resend_timeout (SrpPubsub *ps, const Publish *p)
{
  gint64 timeout = RESEND_MIN_US;

  for (guint t = 0; t < p->targets->len; t++)
    {
      const SrpLink *link = srp_link_table_lookup (ps->ctx->links,
                                                   &g_array_index (p->targets, SrpId, t));
      if (link != NULL)
        timeout = MAX (timeout, srp_rtt_timeout (&link->rtt, RESEND_US, RESEND_MIN_US, RESEND_US));
    }
  return timeout;
}

/* The chain of a message on topic_id after prev, in an envelope when flags
 * or the topic ask for one (docs/protocol.md, "Envelopes"): signed once
 * per message, however many packets it takes. NULL when it cannot be. */
static GPtrArray *
build_chain (SrpPubsub *ps, const SrpId *topic_id, const SrpId *prev, const SrpId *recipient,
             guint flags, const guint8 *data, gsize len)
{
  SrpContext *ctx = ps->ctx;
  const guint8 *group_key = srp_pubsub_group_key (ps, topic_id);
  guint8 ephemeral[SRP_ENVELOPE_EPHEMERAL_LEN], nonce[SRP_ENVELOPE_NONCE_LEN];
  SrpEnvelopeSeal seal = { 0 };
  g_autoptr (GBytes) wrapped = NULL;
  GPtrArray *chain;

  if (flags & SRP_CORE_PUBLISH_SIGNED)
    {
      seal.flags |= SRP_ENVELOPE_SIGNED;
      seal.author = &ctx->config->peer_id;
      seal.sign = ctx->config->sign;
      seal.sign_data = ctx->config->sign_data;
    }
  if (group_key != NULL)
    {
      srp_rng_fill (&ctx->rng, nonce, sizeof nonce);
      seal.flags |= SRP_ENVELOPE_GROUP;
      seal.group_key = group_key;
      seal.nonce = nonce;
    }
  else if ((flags & SRP_CORE_PUBLISH_SEALED) && recipient != NULL)
    {
      srp_rng_fill (&ctx->rng, ephemeral, sizeof ephemeral);
      seal.flags |= SRP_ENVELOPE_LETTER;
      seal.recipient = recipient;
      seal.ephemeral_secret = ephemeral;
    }
  if (seal.flags == 0)
    return len <= SRP_MESSAGE_MAX_LEN
               ? srp_chain_build (topic_id, SRP_PACKET_TYPE_MESSAGE, prev, data, len)
               : NULL;
  if (len > SRP_ENVELOPE_PAYLOAD_MAX)
    return NULL;
  wrapped = srp_envelope_build (topic_id, prev, &seal, data, len);
  memset (ephemeral, 0, sizeof ephemeral);
  if (wrapped == NULL)
    return NULL;
  chain = srp_chain_build (topic_id, SRP_PACKET_TYPE_ENVELOPE, prev,
                           g_bytes_get_data (wrapped, NULL), g_bytes_get_size (wrapped));
  g_assert (chain != NULL);
  return chain;
}

/* Whether a message starts from a fresh random PREV ID instead of our last
 * one on the topic: an anonymous message linked to our signed ones would
 * name its author, and sealed messages (letters, a group's) linked to each
 * other would tell carriers which of them came from one peer. */
static gboolean
is_unlinked (SrpPubsub *ps, const SrpId *topic_id, guint flags)
{
  return (flags & (SRP_CORE_PUBLISH_UNLINKED | SRP_CORE_PUBLISH_SEALED)) != 0 ||
         srp_pubsub_group_key (ps, topic_id) != NULL;
}

guint64
srp_pubsub_publish (SrpPubsub *ps, const SrpId *topic_id, const SrpId *recipient, guint flags,
                    const guint8 *data, gsize len, SrpId *message_id)
{
  SrpContext *ctx = ps->ctx;
  SrpId prev;
  g_autoptr (GPtrArray) chain = NULL;
  g_autoptr (GPtrArray) targets = NULL;
  Publish *p;

  if (len > SRP_MESSAGE_MAX_LEN)
    return 0;
  if (is_unlinked (ps, topic_id, flags))
    srp_rng_fill (&ctx->rng, prev.bytes, SRP_ID_LEN);
  else
    srp_publish_chain_prev (ps, topic_id, &prev);
  chain = build_chain (ps, topic_id, &prev, recipient, flags, data, len);
  if (chain == NULL)
    return 0;

  p = publish_new (ps, topic_id, chain->len);
  publish_set_chain (ps, p, chain);
  for (guint i = 0; i < chain->len; i++)
    srp_packet_cache_add_encoded (ps->cache, ctx->now, g_ptr_array_index (chain, i),
                                  g_ptr_array_index (p->frames, i));
  p->message_id = ((const SrpPacket *) g_ptr_array_index (chain, chain->len - 1))->id;
  if (!is_unlinked (ps, topic_id, flags))
    srp_publish_set_chain_head (ps, topic_id, &p->message_id);

  targets = srp_gossip_choose_targets (ps, topic_id, recipient, NULL, ctx->config->fanout);
  /* All targets first: each copy names the others. */
  for (guint i = 0; i < targets->len; i++)
    g_array_append_val (p->targets, ((PubsubLink *) g_ptr_array_index (targets, i))->link->id);
  for (guint i = 0; i < targets->len; i++)
    send_publish (ps, p, ((PubsubLink *) g_ptr_array_index (targets, i))->link, NULL);
  /* With nobody connected nothing can be complete: the deadline reports it. */
  p->wanted = targets->len;
  p->sent_at = ctx->now;
  p->seq = ++ps->publish_seq;
  srp_timer_set (ctx->timers, &p->deadline, ctx->now + ctx->config->publish_timeout_us);
  srp_timer_set (ctx->timers, &p->resend, ctx->now + resend_timeout (ps, p));
  publish_add (ps, p);
  if (message_id != NULL)
    *message_id = p->message_id;
  return p->request;
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
  if (p->frames->len > INLINE_ACKED)
    acker.acked = g_new0 (guint8, p->frames->len);
  g_array_append_val (p->ackers, acker);
  return &g_array_index (p->ackers, Acker, p->ackers->len - 1);
}

/* Records a peer's ACK of a publish's packet at; TRUE when that completed
 * the publish. */
static gboolean
record_ack (Publish *p, const SrpId *peer, guint at)
{
  Acker *acker = get_acker (p, peer);
  guint8 *acked = acked_flags (acker);

  if (acked[at])
    return FALSE;
  acked[at] = TRUE;
  if (++acker->n_acked == p->frames->len)
    p->n_accepted++;
  return p->wanted > 0 && p->n_accepted >= p->wanted;
}

SrpDropReason
srp_publish_handle_ack (gpointer self, const SrpInput *input, gpointer frame)
{
  SrpPubsub *ps = self;
  const SrpIdList *ids = frame;
  PubsubLink *pl = pubsub_link (ps, input->link);

  for (guint k = 0; k < ids->n; k++)
    {
      const PrefixIndex *packet = g_hash_table_lookup (ps->publish_prefixes, &ids->ids[k]);

      if (packet != NULL)
        {
          pl->last_ack_at = ps->ctx->now;
          pl->acked_seq = MAX (pl->acked_seq, packet->publish->seq);
        }
      /* Reporting frees the publish and takes its prefixes out of the
       * table: later IDs of it in this ACK find nothing. */
      if (packet != NULL && record_ack (packet->publish, &input->link->id, packet->index))
        report (ps, packet->publish, TRUE);
    }
  return SRP_DROP_NONE;
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

static gboolean
is_linked (SrpPubsub *ps, const SrpId *id)
{
  return srp_link_table_lookup (ps->ctx->links, id) != NULL;
}

/* A target that left before taking every packet (it closed, or timed out)
 * will never ACK: the packets go to another link instead, chosen like the
 * first ones, so that the publish can still reach fanout peers. */
static void
replace_departed_targets (SrpPubsub *ps, Publish *p)
{
  guint t = 0;

  while (t < p->targets->len)
    {
      SrpId *id = &g_array_index (p->targets, SrpId, t);
      g_autoptr (GPtrArray) candidates = NULL;

      if (is_linked (ps, id) || has_accepted (p, id))
        {
          t++;
          continue;
        }
      candidates = srp_gossip_choose_targets (ps, &p->topic_id, NULL, NULL, G_MAXUINT);
      for (guint c = 0; c < candidates->len && !is_linked (ps, id); c++)
        {
          PubsubLink *candidate = g_ptr_array_index (candidates, c);
          if (!is_target (p, &candidate->link->id))
            *id = candidate->link->id;
        }
      if (is_linked (ps, id))
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

/* Targets that ACKed nothing after the first resend are likely gone (a
 * vanished peer stays a link until its heartbeats fail, tens of seconds):
 * each gets a stand-in at once, another link chosen as the first ones
 * were, rather than after SUSPECT_AFTER_RESENDS and the suspicion's pings
 * (srp-simulate, 128 peers replaced ten times in two minutes: a publisher
 * whose three targets had all vanished reached nobody for 6 s). The silent
 * ones are still resent to; whichever takes the message counts. */
static void
supplement_silent_targets (SrpPubsub *ps, Publish *p)
{
  guint silent = 0, n_targets = p->targets->len;
  g_autoptr (GPtrArray) candidates = NULL;

  p->supplemented = TRUE;
  for (guint t = 0; t < n_targets; t++)
    {
      const Acker *acker = find_acker (p, &g_array_index (p->targets, SrpId, t));
      silent += acker == NULL || acker->n_acked == 0;
    }
  if (silent == 0)
    return;
  candidates = srp_gossip_choose_targets (ps, &p->topic_id, NULL, NULL, G_MAXUINT);
  for (guint c = 0; c < candidates->len && silent > 0; c++)
    {
      PubsubLink *candidate = g_ptr_array_index (candidates, c);

      if (is_target (p, &candidate->link->id))
        continue;
      g_array_append_val (p->targets, candidate->link->id);
      send_publish (ps, p, candidate->link, NULL);
      silent--;
    }
}

/* A publish restored from a saved state had nobody to go to: it goes to
 * fanout links now, as srp_pubsub_publish would have sent it. */
static gboolean
choose_restored_targets (SrpPubsub *ps, Publish *p)
{
  g_autoptr (GPtrArray) targets =
      srp_gossip_choose_targets (ps, &p->topic_id, NULL, NULL, ps->ctx->config->fanout);

  /* All targets first: each copy names the others. */
  for (guint i = 0; i < targets->len; i++)
    g_array_append_val (p->targets, ((PubsubLink *) g_ptr_array_index (targets, i))->link->id);
  for (guint i = 0; i < targets->len; i++)
    send_publish (ps, p, ((PubsubLink *) g_ptr_array_index (targets, i))->link, NULL);
  p->wanted = targets->len;
  return targets->len > 0;
}

/* Whether target's silence about p is lag, not loss: it acknowledges our
 * publishes as they come (lately), but none made after p yet, so it
 * is still working through what came before. Under a flood the subscriber
 * runs behind by more than a retransmission timeout; resending to it then
 * doubled what it had to read (bench-flood, one subscriber: 156,145
 * packets sent for 70,482 messages, 60,262 of them duplicates) and kept it
 * behind. As with QUIC's loss detection, a packet counts as lost once a
 * later one was acknowledged, or after a timeout with no ACK at all. */
static gboolean
is_behind (SrpPubsub *ps, const Publish *p, const SrpLink *target)
{
  const PubsubLink *pl = pubsub_link (ps, target);
  gint64 now = ps->ctx->now;

  return pl->last_ack_at > 0 && pl->last_ack_at >= now - ALIVE_US &&
         pl->acked_seq < p->seq && now - p->sent_at < BEHIND_MAX_US;
}

static void
on_deadline (SrpTimer *timer, gpointer owner)
{
  report (owner, G_STRUCT_MEMBER_P (timer, -G_STRUCT_OFFSET (Publish, deadline)), FALSE);
}

static void
on_resend (SrpTimer *timer, gpointer owner)
{
  SrpPubsub *ps = owner;
  Publish *p = G_STRUCT_MEMBER_P (timer, -G_STRUCT_OFFSET (Publish, resend));
  guint n_targets, n_sent = 0, n_behind = 0;

  if (p->restored && p->targets->len == 0 && !choose_restored_targets (ps, p))
    {
      /* Still alone after a restart: wait for links, until the deadline. */
      srp_timer_set (ps->ctx->timers, &p->resend, ps->ctx->now + RESEND_MAX_US);
      return;
    }
  replace_departed_targets (ps, p);
  if (p->wanted > 0 && p->n_accepted >= p->wanted)
    {
      report (ps, p, TRUE);
      return;
    }
  /* Every target still missing packets is only behind: nothing is resent,
   * nothing counts as a round, and it is looked at again a timeout later. */
  n_targets = p->targets->len;
  for (guint t = 0; t < n_targets; t++)
    {
      const SrpId *id = &g_array_index (p->targets, SrpId, t);
      SrpLink *link = srp_link_table_lookup (ps->ctx->links, id);

      if (link != NULL && !has_accepted (p, id))
        {
          if (is_behind (ps, p, link))
            n_behind++;
          else
            n_sent++;
        }
    }
  if (n_behind > 0 && n_sent == 0)
    {
      ps->resends_deferred++;
      srp_timer_set (ps->ctx->timers, &p->resend, ps->ctx->now + resend_timeout (ps, p));
      return;
    }
  /* The new stand-ins were just sent everything: the loop below resends
   * to the targets from before. */
  if (p->resends == 1 && !p->supplemented)
    supplement_silent_targets (ps, p);
  for (guint t = 0; t < n_targets; t++)
    {
      const SrpId *id = &g_array_index (p->targets, SrpId, t);
      SrpLink *link = srp_link_table_lookup (ps->ctx->links, id);

      if (link == NULL || is_behind (ps, p, link))
        continue;
      send_publish (ps, p, link, get_acker (p, id));
      /* Nothing ACKed after two rounds of resends: it may be gone. */
      if (p->resends == SUSPECT_AFTER_RESENDS && find_acker (p, id)->n_acked == 0)
        srp_context_suspect_link (ps->ctx, link);
    }
  p->resends++;
  if (p->resends < RESENDS)
    srp_timer_set (ps->ctx->timers, &p->resend,
                   ps->ctx->now + MIN (resend_timeout (ps, p) << p->resends, RESEND_MAX_US));
}

/* ---- straight to an address ------------------------------------------------------------ */

gboolean
srp_pubsub_send_message (SrpPubsub *ps, const SrpAddress *to, const SrpId *topic_id,
                         guint flags, const guint8 *data, gsize len, SrpId *message_id)
{
  SrpId prev;
  g_autoptr (GPtrArray) chain = NULL;
  guint8 frame[SRP_MAX_DATAGRAM];
  const SrpPacket *last;

  if (len > SRP_MESSAGE_MAX_LEN)
    return FALSE;
  srp_publish_chain_prev (ps, topic_id, &prev);
  /* Straight to an address there is no recipient ID to seal to. */
  chain = build_chain (ps, topic_id, &prev, NULL, flags & SRP_CORE_PUBLISH_SIGNED, data, len);
  if (chain == NULL)
    return FALSE;
  for (guint i = 0; i < chain->len; i++)
    srp_context_send (ps->ctx, to, frame,
                      srp_packet_encode (g_ptr_array_index (chain, i), frame));
  last = g_ptr_array_index (chain, chain->len - 1);
  /* The next message on this topic links back to this one. */
  srp_publish_set_chain_head (ps, topic_id, &last->id);
  if (message_id != NULL)
    *message_id = last->id;
  return TRUE;
}

guint
srp_publish_count (SrpPubsub *ps)
{
  return ps->publishes.length;
}

/* ---- the outbox, for persistence ------------------------------------------------------- */

/* (ayayaayx): message ID, topic, frames, life left before the deadline. */
static GVariant *
srp_publish_record (SrpPubsub *ps, Publish *p)
{
  GVariantBuilder frames;

  g_variant_builder_init (&frames, G_VARIANT_TYPE ("aay"));
  for (guint i = 0; i < p->frames->len; i++)
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (g_ptr_array_index (p->frames, i), &len);
      g_variant_builder_add_value (&frames,
                                   g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, data, len, 1));
    }
  return g_variant_new ("(@ay@ayaayx)", srp_state_id (&p->message_id), srp_state_id (&p->topic_id),
                        &frames, MAX (p->deadline.deadline - ps->ctx->now, 0));
}

GVariant *
srp_publish_export (SrpPubsub *ps)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a" SRP_PUBLISH_RECORD_TYPE));
  for (GList *l = ps->publishes.head; l != NULL; l = l->next)
    g_variant_builder_add_value (&b, srp_publish_record (ps, l->data));
  return g_variant_builder_end (&b);
}

void
srp_publish_restore (SrpPubsub *ps, const SrpId *message_id, const SrpId *topic_id,
                     GPtrArray *packets, gint64 life_us)
{
  SrpContext *ctx = ps->ctx;
  Publish *p;

  p = publish_new (ps, topic_id, packets->len);
  p->message_id = *message_id;
  p->restored = TRUE;
  publish_set_chain (ps, p, packets);
  srp_timer_set (ctx->timers, &p->deadline,
                 ctx->now + CLAMP (life_us, 0, ctx->config->publish_timeout_us));
  srp_timer_set (ctx->timers, &p->resend, ctx->now + RESEND_US);
  publish_add (ps, p);
}

GHashTable *
srp_publish_message_ids (SrpPubsub *ps)
{
  GHashTable *ids = g_hash_table_new_full (srp_id_hash_func, srp_id_equal_func, g_free, NULL);

  for (GList *l = ps->publishes.head; l != NULL; l = l->next)
    {
      Publish *p = l->data;
      g_hash_table_add (ids, g_memdup2 (&p->message_id, sizeof p->message_id));
    }
  return ids;
}
