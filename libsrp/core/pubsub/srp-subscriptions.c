/* srp-subscriptions.c: topic IDs, our subscriptions and the links'.
 *
 * Subscriptions are announced to links as a SUBSCRIPTIONS frame of topic
 * prefixes: on connecting, and after a change (at most once a second, so
 * that a burst of changes costs one frame per link). Publishers and relays
 * use them only as a preference, so a stale or truncated list costs
 * efficiency, never delivery.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-pubsub-private.h"

#include <stdlib.h>
#include <string.h>

#include "srp-sha256.h"

#define ANNOUNCE_GAP_US (1 * G_TIME_SPAN_SECOND)
#define INBOX_LABEL "srp-inbox:"

void
srp_topic_id_from_name (const char *name, SrpId *out)
{
  g_return_if_fail (name != NULL);
  srp_sha256 (name, strlen (name), out);
}

void
srp_topic_id_for_inbox (const SrpId *peer_id, SrpId *out)
{
  srp_sha256_2 (INBOX_LABEL, strlen (INBOX_LABEL), peer_id->bytes, SRP_ID_LEN, out);
}

static void
announce_all (SrpTimer *timer, gpointer owner)
{
  SrpPubsub *ps = owner;
  GPtrArray *links = srp_link_table_list (ps->ctx->links);

  (void) timer;
  ps->last_announce = ps->ctx->now;
  for (guint i = 0; i < links->len; i++)
    srp_subscriptions_announce_to (ps, pubsub_link (ps, g_ptr_array_index (links, i)));
}

void
srp_subscriptions_init (SrpPubsub *ps)
{
  ps->subscriptions = g_hash_table_new_full (srp_id_hash_func, srp_id_equal_func, g_free, NULL);
  ps->subscription_list = g_array_new (FALSE, FALSE, sizeof (SrpId));
  ps->group_keys = g_hash_table_new_full (srp_id_hash_func, srp_id_equal_func, g_free, g_free);
  ps->last_announce = G_MININT64 / 2;
  srp_timer_init (&ps->announce, SRP_TIMER_ANNOUNCE, announce_all, ps);
  srp_topic_id_for_inbox (&ps->ctx->config->peer_id, &ps->inbox);
}

void
srp_subscriptions_clear (SrpPubsub *ps)
{
  srp_timer_stop (ps->ctx->timers, &ps->announce);
  g_hash_table_unref (ps->subscriptions);
  g_array_unref (ps->subscription_list);
  g_hash_table_unref (ps->group_keys);
}

gboolean
srp_pubsub_is_subscribed (SrpPubsub *ps, const SrpId *topic_id)
{
  return g_hash_table_contains (ps->subscriptions, topic_id);
}

GArray *
srp_pubsub_get_subscriptions (SrpPubsub *ps)
{
  return ps->subscription_list;
}

static void
schedule_announce (SrpPubsub *ps)
{
  if (!srp_timer_is_armed (&ps->announce))
    srp_timer_set (ps->ctx->timers, &ps->announce,
                   MAX (ps->ctx->now, ps->last_announce + ANNOUNCE_GAP_US));
}

static int
compare_u64 (const void *a, const void *b)
{
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;
  return x < y ? -1 : x > y;
}

/* Our announcement: the prefixes of our topics, sorted, without repeats,
 * the first SRP_SUBSCRIPTIONS_MAX in order of subscription. */
static void
build (SrpPubsub *ps, SrpSubscriptions *subs)
{
  guint n = 0;

  for (guint i = 0; i < ps->subscription_list->len && n < SRP_SUBSCRIPTIONS_MAX; i++)
    subs->topics[n++] = srp_id_prefix (&g_array_index (ps->subscription_list, SrpId, i));
  qsort (subs->topics, n, sizeof (guint64), compare_u64);
  subs->n = 0;
  for (guint i = 0; i < n; i++)
    if (subs->n == 0 || subs->topics[subs->n - 1] != subs->topics[i])
      subs->topics[subs->n++] = subs->topics[i];
}

void
srp_subscriptions_announce_to (SrpPubsub *ps, PubsubLink *pl)
{
  SrpSubscriptions subs;
  guint8 frame[SRP_MAX_DATAGRAM];

  build (ps, &subs);
  srp_context_send_link (ps->ctx, pl->link, frame, srp_subscriptions_encode (&subs, frame));
}

void
srp_pubsub_subscribe (SrpPubsub *ps, const SrpId *topic_id)
{
  GPtrArray *links = srp_link_table_list (ps->ctx->links);

  if (srp_pubsub_is_subscribed (ps, topic_id))
    return;
  g_array_append_val (ps->subscription_list, *topic_id);
  g_hash_table_add (ps->subscriptions, g_memdup2 (topic_id, sizeof *topic_id));
  srp_packet_cache_set_subscribed (ps->cache, topic_id, TRUE);
  srp_journal_mark (&ps->ctx->journal, SRP_STATE_CHANGE_SUBSCRIPTIONS);
  schedule_announce (ps);
  /* What relays left here before we cared is ours now. */
  srp_delivery_from_cache (ps, topic_id);
  for (guint i = 0; i < links->len; i++)
    srp_sync_start (ps, pubsub_link (ps, g_ptr_array_index (links, i)), topic_id);
}

void
srp_pubsub_subscribe_group (SrpPubsub *ps, const SrpId *topic_id, const guint8 key[32])
{
  /* The key first: subscribing delivers what the cache holds, and that
   * opens only under it. */
  g_hash_table_replace (ps->group_keys, g_memdup2 (topic_id, sizeof *topic_id),
                        g_memdup2 (key, SRP_ENVELOPE_KEY_LEN));
  srp_pubsub_subscribe (ps, topic_id);
}

const guint8 *
srp_pubsub_group_key (SrpPubsub *ps, const SrpId *topic_id)
{
  return g_hash_table_lookup (ps->group_keys, topic_id);
}

void
srp_pubsub_unsubscribe (SrpPubsub *ps, const SrpId *topic_id)
{
  if (!srp_pubsub_is_subscribed (ps, topic_id))
    return;
  g_hash_table_remove (ps->group_keys, topic_id);
  g_hash_table_remove (ps->subscriptions, topic_id);
  for (guint i = 0; i < ps->subscription_list->len; i++)
    if (srp_id_equal (&g_array_index (ps->subscription_list, SrpId, i), topic_id))
      {
        g_array_remove_index (ps->subscription_list, i);
        break;
      }
  srp_packet_cache_set_subscribed (ps->cache, topic_id, FALSE);
  srp_journal_mark (&ps->ctx->journal, SRP_STATE_CHANGE_SUBSCRIPTIONS);
  schedule_announce (ps);
}

gboolean
srp_pubsub_link_subscribes (const PubsubLink *pl, const SrpId *topic_id)
{
  guint64 prefix = srp_id_prefix (topic_id);
  guint lo = 0, hi = pl->n_topics;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      if (pl->topics[mid] == prefix)
        return TRUE;
      if (pl->topics[mid] < prefix)
        lo = mid + 1;
      else
        hi = mid;
    }
  return FALSE;
}

SrpDropReason
srp_subscriptions_handle (gpointer self, const SrpInput *input, gpointer frame)
{
  SrpPubsub *ps = self;

  /* Announcements share the SYNC bucket: both are cheap and rare. */
  if (srp_context_take (ps->ctx, input->link, SRP_LINK_BUCKET_SYNCS, 1.0))
    {
      const SrpSubscriptions *subs = frame;
      PubsubLink *pl = pubsub_link (ps, input->link);

      g_clear_pointer (&pl->topics, g_free);
      pl->n_topics = subs->n;
      if (subs->n > 0)
        pl->topics = g_memdup2 (subs->topics, subs->n * sizeof (guint64));
    }
  return SRP_DROP_NONE;
}
