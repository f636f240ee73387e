/* srp-fill.c: filling gaps, and answering others' gap queries.
 *
 * The reassembler knows which packet IDs its incomplete chains miss (the
 * links of the packets it holds). Shortly after packets arrive, those IDs
 * are wanted (two RTTs of the last source later, 20-300 ms): a QUERY goes
 * first to the link that last sent us a packet we wanted, then to other
 * links in turn, with back-off (the asked link's retransmission timeout,
 * 50-500 ms, doubling), and after WANT_ATTEMPTS the want is dropped
 * (anti-entropy still finds the packet later). Anti-entropy adds the IDs it finds missing here, first
 * asked of the link that has them. A want is not asked of another link
 * while the one asked last is still sending to us (want_waits_for_answer).
 *
 * Each want has its own timer; wants that come due together go out batched,
 * one QUERY per link (the query flush, armed for the same moment).
 *
 * Queries are answered from the cache, only to links (never to an
 * unauthenticated address: no amplification), within a per-link budget of
 * packets: as much of a query as the budget allows.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-pubsub-private.h"

#include <string.h>

/* Holes are looked for two RTTs of the last source after packets arrive
 * (packets of a burst still on their way, or coming along a slower path,
 * land first), within these bounds. */
#define GAP_DELAY_MIN_US (20 * G_TIME_SPAN_MILLISECOND)
#define GAP_DELAY_US (300 * G_TIME_SPAN_MILLISECOND)
/* A want is asked again after the asked link's retransmission timeout (RFC
 * 6298), within these bounds, doubling with each attempt. */
#define WANT_RETRY_MIN_US (50 * G_TIME_SPAN_MILLISECOND)
#define WANT_FIRST_RETRY_US (500 * G_TIME_SPAN_MILLISECOND)
#define WANT_ATTEMPTS 6
/* Times a want waits, half the asked link's retransmission timeout each,
 * while that link is still sending to us (want_waits_for_answer). */
#define WANT_BUSY_WAITS 3
#define MAX_WANTS 4096
#define GAP_IDS_PER_CHECK 256

typedef struct {
  SrpPubsub *ps;
  guint64 prefix;
  SrpId source;        /* who to ask next; zero for anyone */
  gboolean ask_source; /* the next attempt goes to source */
  guint attempts;
  SrpId asked;         /* the link asked last (zero before the first attempt) */
  guint waits;         /* times it waited for that link's answer */
  gboolean due;        /* in ps->due, waiting for the query flush */
  GList link;          /* in ps->wants */
  GList due_link;      /* in ps->due */
  SrpTimer timer;
} Want;

static void
want_free (gpointer data)
{
  Want *want = data;

  srp_timer_stop (want->ps->ctx->timers, &want->timer);
  g_queue_unlink (&want->ps->wants, &want->link);
  if (want->due)
    g_queue_unlink (&want->ps->due, &want->due_link);
  g_free (want);
}

static void find_gaps (SrpTimer *timer, gpointer owner);
static void send_queries (SrpTimer *timer, gpointer owner);

void
srp_fill_init (SrpPubsub *ps)
{
  ps->wanted = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, want_free);
  g_queue_init (&ps->wants);
  g_queue_init (&ps->due);
  srp_timer_init (&ps->gap_check, SRP_TIMER_GAP_CHECK, find_gaps, ps);
  srp_timer_init (&ps->query_flush, SRP_TIMER_QUERY_FLUSH, send_queries, ps);
}

void
srp_fill_clear (SrpPubsub *ps)
{
  srp_timer_stop (ps->ctx->timers, &ps->gap_check);
  srp_timer_stop (ps->ctx->timers, &ps->query_flush);
  g_hash_table_unref (ps->wanted);
}

guint
srp_fill_count (SrpPubsub *ps)
{
  return g_hash_table_size (ps->wanted);
}

static void
on_want_due (SrpTimer *timer, gpointer owner)
{
  SrpPubsub *ps = owner;
  Want *want = G_STRUCT_MEMBER_P (timer, -G_STRUCT_OFFSET (Want, timer));

  if (!want->due)
    {
      want->due = TRUE;
      g_queue_push_tail_link (&ps->due, &want->due_link);
    }
  /* After every want due now has come in. */
  if (!srp_timer_is_armed (&ps->query_flush))
    srp_timer_set (ps->ctx->timers, &ps->query_flush, ps->ctx->now);
}

static void
remove_want (SrpPubsub *ps, Want *want)
{
  g_hash_table_remove (ps->wanted, &want->prefix);
}

void
srp_fill_want (SrpPubsub *ps, guint64 prefix, const SrpId *source)
{
  SrpContext *ctx = ps->ctx;
  Want *want = g_hash_table_lookup (ps->wanted, &prefix);

  if (want != NULL)
    {
      /* Anti-entropy found a peer that has it: ask that one next, at once. */
      if (source != NULL && !srp_id_equal (source, &want->source))
        {
          want->source = *source;
          want->ask_source = TRUE;
          want->attempts = MIN (want->attempts, WANT_ATTEMPTS - 1);
          srp_timer_set (ctx->timers, &want->timer, ctx->now);
        }
      return;
    }
  if (srp_packet_cache_lookup_prefix (ps->cache, prefix))
    return;
  if (g_hash_table_size (ps->wanted) >= MAX_WANTS)
    remove_want (ps, ps->wants.head->data);
  want = g_new0 (Want, 1);
  want->ps = ps;
  want->prefix = prefix;
  if (source != NULL)
    want->source = *source;
  want->ask_source = source != NULL;
  want->link.data = want;
  want->due_link.data = want;
  g_queue_push_tail_link (&ps->wants, &want->link);
  g_hash_table_insert (ps->wanted, &want->prefix, want);
  srp_timer_init (&want->timer, SRP_TIMER_WANT, on_want_due, ps);
  srp_timer_set (ctx->timers, &want->timer, ctx->now);
}

gboolean
srp_fill_arrived (SrpPubsub *ps, const SrpId *id)
{
  guint64 prefix = srp_id_prefix (id);
  Want *want = g_hash_table_lookup (ps->wanted, &prefix);

  if (want == NULL)
    return FALSE;
  remove_want (ps, want);
  return TRUE;
}

/* How long holes may be packets still on their way. */
static gint64
gap_delay (SrpPubsub *ps)
{
  const SrpLink *source = srp_id_is_zero (&ps->last_source)
                            ? NULL
                            : srp_link_table_lookup (ps->ctx->links, &ps->last_source);

  if (source == NULL || !srp_rtt_has_sample (&source->rtt))
    return GAP_DELAY_US;
  return CLAMP (2 * source->rtt.smoothed_us, GAP_DELAY_MIN_US, GAP_DELAY_US);
}

void
srp_fill_schedule (SrpPubsub *ps)
{
  srp_timer_set_earlier (ps->ctx->timers, &ps->gap_check, ps->ctx->now + gap_delay (ps));
}

static void
find_gaps (SrpTimer *timer, gpointer owner)
{
  SrpPubsub *ps = owner;
  g_autoptr (GArray) missing = g_array_new (FALSE, FALSE, sizeof (SrpId));
  const SrpId *source = srp_id_is_zero (&ps->last_source) ? NULL : &ps->last_source;

  (void) timer;
  srp_reassembler_get_missing (ps->reassembler, missing);
  for (guint i = 0; i < missing->len && i < GAP_IDS_PER_CHECK; i++)
    srp_fill_want (ps, srp_id_prefix (&g_array_index (missing, SrpId, i)), source);
  /* Answers bring new links (srp_fill_schedule); this is the fallback for
   * chains that stay stuck. */
  if (missing->len > 0)
    srp_timer_set_earlier (ps->ctx->timers, &ps->gap_check, ps->ctx->now + 10 * GAP_DELAY_US);
}

/* Whom to ask on this attempt: the source first, then random links (so
 * that peers share the load). */
static SrpLink *
pick_link (SrpPubsub *ps, Want *want)
{
  SrpLinkTable *links = ps->ctx->links;
  SrpLink *source = srp_link_table_lookup (links, &want->source);
  guint n = srp_link_table_size (links);

  if (n == 0)
    return NULL;
  if (source != NULL && want->ask_source)
    {
      want->ask_source = FALSE;
      return source;
    }
  return g_ptr_array_index (srp_link_table_list (links), (guint) srp_rng_below (&ps->ctx->rng, n));
}

static gint64
retry_timeout (const SrpLink *link)
{
  return srp_rtt_timeout (&link->rtt, WANT_FIRST_RETRY_US, WANT_RETRY_MIN_US,
                          WANT_FIRST_RETRY_US);
}

/* A want whose timeout came while the link asked last is still sending to
 * us waits a little more: its answer is most likely queued behind what that
 * link sends (answers to a long query, relays of a burst, on an uplink
 * slower than ours), and asking another link now brings a second copy. In
 * srp-simulate's 100-peer test at 10 % loss 1.3 answers came per packet
 * asked for; waiting up to three times cut all datagrams per delivered copy
 * by 5 % (seeds 1-9), and delivery within 2.5 s did not suffer (docs/
 * protocol.md, "Gap filling"). A lost QUERY costs at most those waits. */
static gboolean
want_waits_for_answer (SrpPubsub *ps, Want *want)
{
  SrpContext *ctx = ps->ctx;
  const SrpLink *asked;
  gint64 half;

  if (want->attempts == 0 || want->waits >= WANT_BUSY_WAITS)
    return FALSE;
  asked = srp_link_table_lookup (ctx->links, &want->asked);
  if (asked == NULL)
    return FALSE;
  half = retry_timeout (asked) / 2;
  if (asked->last_seen <= ctx->now - half)
    return FALSE;
  want->waits++;
  srp_timer_set (ctx->timers, &want->timer, ctx->now + half);
  return TRUE;
}

static void
send_queries (SrpTimer *timer, gpointer owner)
{
  SrpPubsub *ps = owner;
  SrpContext *ctx = ps->ctx;
  g_autoptr (GHashTable) batches = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  g_autoptr (GPtrArray) order = g_ptr_array_new ();
  GList *due;

  (void) timer;
  /* The links are the wants' own: popped, never freed by the queue. */
  while ((due = g_queue_pop_head_link (&ps->due)) != NULL)
    {
      Want *want = due->data;
      SrpLink *link;
      SrpIdList *batch;

      want->due = FALSE;
      if (want->attempts >= WANT_ATTEMPTS || srp_packet_cache_lookup_prefix (ps->cache, want->prefix))
        {
          remove_want (ps, want);
          continue;
        }
      if (want_waits_for_answer (ps, want))
        continue;
      link = pick_link (ps, want);
      if (link == NULL)
        {
          srp_timer_set (ctx->timers, &want->timer, ctx->now + WANT_FIRST_RETRY_US);
          continue;
        }
      srp_timer_set (ctx->timers, &want->timer,
                     ctx->now + (retry_timeout (link) << want->attempts));
      want->asked = link->id;
      want->attempts++;
      batch = g_hash_table_lookup (batches, link);
      if (batch == NULL)
        {
          batch = g_new0 (SrpIdList, 1);
          g_hash_table_insert (batches, link, batch);
          g_ptr_array_add (order, link);
        }
      batch->ids[batch->n++] = want->prefix;
      if (batch->n == SRP_IDS_MAX)
        {
          guint8 frame[SRP_MAX_DATAGRAM];
          srp_context_send_link (ctx, link, frame, srp_query_encode (batch, frame));
          batch->n = 0;
        }
    }
  /* In order of first use, not hash order: the output stays deterministic. */
  for (guint i = 0; i < order->len; i++)
    {
      SrpLink *link = g_ptr_array_index (order, i);
      SrpIdList *batch = g_hash_table_lookup (batches, link);
      guint8 frame[SRP_MAX_DATAGRAM];

      if (batch->n > 0)
        srp_context_send_link (ctx, link, frame, srp_query_encode (batch, frame));
    }
}

SrpDropReason
srp_fill_handle_query (gpointer self, const SrpInput *input, gpointer frame)
{
  SrpPubsub *ps = self;
  const SrpIdList *ids = frame;

  /* Each asked-for packet costs a token, held or not: asking is the cost.
   * A query larger than the budget gets its first part (the asker's wants
   * ask again for the rest), not nothing. */
  guint n = srp_context_take_up_to (ps->ctx, input->link, SRP_LINK_BUCKET_QUERIES, ids->n);

  for (guint i = 0; i < n; i++)
    {
      const SrpPacketCacheEntry *entry = srp_packet_cache_lookup_prefix (ps->cache, ids->ids[i]);
      if (entry == NULL)
        continue;
      srp_context_send_link (ps->ctx, input->link, g_bytes_get_data (entry->frame, NULL),
                             g_bytes_get_size (entry->frame));
      ps->answered++;
    }
  return SRP_DROP_NONE;
}
