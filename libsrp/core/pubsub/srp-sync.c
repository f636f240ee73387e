/* srp-sync.c: anti-entropy. With its first links after joining (or after
 * losing them all), and now and then with one random link, a peer opens
 * range-based set reconciliation (srp-rbsr.c) of the cached packet IDs of
 * each topic it subscribes to (a rotating share of them per round).
 * The other side answers from its cache whether or not
 * it subscribes, which is how a peer that was away gets what was published
 * meanwhile. IDs found missing are queried (srp-fill.c); the exchange never
 * pushes packets, so what it moves is always asked for and never relayed
 * further.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-pubsub-private.h"

#include "srp-rbsr.h"

#define TOPICS_PER_ROUND 16 /* topics opened with one link at once */
#define REPLY_MAX_FRAMES 16 /* SYNC frames one received frame may cause */
/* A peer that comes back syncs with this many of its new links: they are
 * where what it missed comes from. Later links meet a peer that is up to
 * date, and the periodic rounds cover the rest. Hours after a message,
 * when the first copies have expired and only a third of the peers hold
 * it, mostly newcomers, three were often not enough: in srp-simulate's
 * survival run (256 peers, half replaced every hour, a subscriber joining
 * each hour waits 120 s for the message) 19-20 of 25 such subscribers got
 * it with 3 (seeds 1-3), 24-25 with 8, for 0.03 % more datagrams. */
#define SYNC_CATCHUP_LINKS 8
/* Rounds in a quiet network come at most 2^this sync_us apart. It bounds
 * how long a peer whose cache was empty waits for a message that every
 * push missed: at 40 s (2), one message in a seed-scenario run could take
 * 35 s to reach its last subscriber; at 20 s, 16 seeds of that scenario
 * averaged 0.30 s to 100 % (0.39 s at 40 s) for 0.85 datagrams per peer
 * per second idle at 10,000 peers instead of 0.82. */
#define SYNC_QUIET_SHIFT_MAX 1

/* Stands in for a topic the cache holds nothing of (never NULL + 0). */
static const guint64 no_items[1];

static const guint64 *
items_of (GArray *prefixes, guint *n)
{
  *n = prefixes != NULL ? prefixes->len : 0;
  return *n > 0 ? (const guint64 *) prefixes->data : no_items;
}

typedef struct {
  SrpContext *ctx;
  const SrpLink *link;
} Emit;

static void
emit_frame (const guint8 *frame, gsize len, gpointer data)
{
  Emit *e = data;
  srp_context_send_link (e->ctx, e->link, frame, len);
}

static void
open_topic (SrpPubsub *ps, PubsubLink *pl, const SrpId *topic_id)
{
  guint n;
  const guint64 *mine = items_of (srp_packet_cache_topic_prefixes (ps->cache, topic_id), &n);
  SrpRbsrOutput out;
  Emit e = { ps->ctx, pl->link };

  srp_rbsr_output_init (&out);
  srp_rbsr_open (mine, n, &out);
  srp_rbsr_pack (&out, topic_id, REPLY_MAX_FRAMES, emit_frame, &e);
  srp_rbsr_output_clear (&out);
}

void
srp_sync_start (SrpPubsub *ps, PubsubLink *pl, const SrpId *topic_id)
{
  guint n = ps->subscription_list->len;

  if (!srp_timer_is_armed (&ps->sync))
    srp_timer_set (ps->ctx->timers, &ps->sync, ps->ctx->now + ps->ctx->config->sync_us);
  if (topic_id != NULL)
    {
      open_topic (ps, pl, topic_id);
      return;
    }
  for (guint i = 0; i < MIN (n, TOPICS_PER_ROUND); i++)
    {
      pl->sync_cursor %= n;
      open_topic (ps, pl, &g_array_index (ps->subscription_list, SrpId, pl->sync_cursor));
      pl->sync_cursor++;
    }
}

void
srp_sync_link_up (SrpPubsub *ps, PubsubLink *pl)
{
  if (ps->catchup_links == 0)
    {
      if (!srp_timer_is_armed (&ps->sync))
        srp_timer_set (ps->ctx->timers, &ps->sync, ps->ctx->now + ps->ctx->config->sync_us);
      return;
    }
  ps->catchup_links--;
  srp_sync_start (ps, pl, NULL);
}

void
srp_sync_link_down (SrpPubsub *ps)
{
  /* The last link is going: whoever comes next has news for us. */
  if (srp_link_table_size (ps->ctx->links) <= 1)
    ps->catchup_links = SYNC_CATCHUP_LINKS;
}

static void
on_sync (SrpTimer *timer, gpointer owner)
{
  SrpPubsub *ps = owner;
  GPtrArray *links = srp_link_table_list (ps->ctx->links);

  SrpPacketCacheCounters counters;

  (void) timer;
  /* With no link it rests until one comes up. */
  if (links->len == 0)
    return;
  /* A quiet network needs rounds less often: with nothing cached, and
   * nothing stored since the last round, the next waits twice as long, up
   * to SYNC_QUIET_SHIFT_MAX doublings (a round could only learn of a
   * message we missed whole, which the catch-up rounds with new links
   * cover as well). The first packet stored brings the plain interval
   * back at once (srp_sync_news). */
  srp_packet_cache_get_counters (ps->cache, &counters);
  if (counters.stored == ps->sync_stored && counters.n_packets == 0)
    ps->sync_quiet = MIN (ps->sync_quiet + 1, SYNC_QUIET_SHIFT_MAX);
  else
    ps->sync_quiet = 0;
  ps->sync_stored = counters.stored;
  srp_timer_set (ps->ctx->timers, &ps->sync,
                 ps->ctx->now + (ps->ctx->config->sync_us << ps->sync_quiet));
  srp_sync_start (ps,
                  pubsub_link (ps, g_ptr_array_index (links, srp_rng_below (&ps->ctx->rng,
                                                                            links->len))),
                  NULL);
}

void
srp_sync_news (SrpPubsub *ps)
{
  /* Rounds were spaced out for a quiet network: news ends that at once,
   * for the peers that missed it wait for the next round. */
  if (ps->sync_quiet == 0)
    return;
  ps->sync_quiet = 0;
  srp_timer_set_earlier (ps->ctx->timers, &ps->sync, ps->ctx->now + ps->ctx->config->sync_us);
}

void
srp_sync_init (SrpPubsub *ps)
{
  srp_timer_init (&ps->sync, SRP_TIMER_SYNC, on_sync, ps);
  ps->catchup_links = SYNC_CATCHUP_LINKS;
}

SrpDropReason
srp_sync_handle (gpointer self, const SrpInput *input, gpointer frame)
{
  SrpPubsub *ps = self;
  const SrpSync *sync = frame;
  const guint64 *mine;
  guint n;
  SrpRbsrOutput out;
  Emit e = { ps->ctx, input->link };

  if (!srp_context_take (ps->ctx, input->link, SRP_LINK_BUCKET_SYNCS, 1.0))
    return SRP_DROP_NONE;
  mine = items_of (srp_packet_cache_topic_prefixes (ps->cache, &sync->topic_id), &n);
  srp_rbsr_output_init (&out);
  srp_rbsr_answer (mine, n, sync, &out);
  for (guint i = 0; i < out.need->len; i++)
    srp_fill_want (ps, g_array_index (out.need, guint64, i), &input->link->id);
  srp_rbsr_pack (&out, &sync->topic_id, REPLY_MAX_FRAMES, emit_frame, &e);
  srp_rbsr_output_clear (&out);
  return SRP_DROP_NONE;
}
