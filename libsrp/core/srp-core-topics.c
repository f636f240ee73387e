/* srp-core-topics.c: topic IDs, our subscriptions and our peers'.
 *
 * Subscriptions are announced to connected peers as a SUBSCRIPTIONS frame
 * of topic prefixes: on connecting, and after a change (at most once a
 * second, so that a burst of changes costs one frame per peer). Publishers
 * and relays use them only as a preference, so a stale or truncated list
 * costs efficiency, never delivery.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-core-private.h"

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
remote_free (gpointer data)
{
  RemotePeer *remote = data;

  g_array_unref (remote->acks);
  g_free (remote);
}

void
srp_core_topics_init (SrpCore *core)
{
  core->subscriptions = g_hash_table_new_full (srp_id_hash_func, srp_id_equal_func, g_free, NULL);
  core->subscription_list = g_array_new (FALSE, FALSE, sizeof (SrpId));
  core->remotes = g_hash_table_new (srp_id_hash_func, srp_id_equal_func);
  core->remote_list = g_ptr_array_new_with_free_func (remote_free);
  core->announce_at = -1;
  core->last_announce = G_MININT64 / 2;
  srp_topic_id_for_inbox (&core->config.peer_id, &core->inbox);
}

void
srp_core_topics_clear (SrpCore *core)
{
  g_hash_table_unref (core->subscriptions);
  g_array_unref (core->subscription_list);
  g_hash_table_unref (core->remotes);
  g_ptr_array_unref (core->remote_list);
}

gboolean
srp_core_is_subscribed (SrpCore *core, const SrpId *topic_id)
{
  return g_hash_table_contains (core->subscriptions, topic_id);
}

static void
schedule_announce (SrpCore *core)
{
  if (core->announce_at < 0)
    core->announce_at = MAX (core->now, core->last_announce + ANNOUNCE_GAP_US);
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
build_subscriptions (SrpCore *core, SrpSubscriptions *subs)
{
  guint n = 0;

  for (guint i = 0; i < core->subscription_list->len && n < SRP_SUBSCRIPTIONS_MAX; i++)
    subs->topics[n++] = srp_id_prefix (&g_array_index (core->subscription_list, SrpId, i));
  qsort (subs->topics, n, sizeof (guint64), compare_u64);
  subs->n = 0;
  for (guint i = 0; i < n; i++)
    if (subs->n == 0 || subs->topics[subs->n - 1] != subs->topics[i])
      subs->topics[subs->n++] = subs->topics[i];
}

static void
announce_to (SrpCore *core, const RemotePeer *remote)
{
  SrpSubscriptions subs;
  guint8 frame[SRP_MAX_DATAGRAM];

  build_subscriptions (core, &subs);
  srp_core_send_remote (core, remote, frame, srp_subscriptions_encode (&subs, frame));
}

static void
deliver_cached (const SrpPacketCacheEntry *entry, gpointer data)
{
  SrpCore *core = data;
  SrpPacket packet;
  SrpAddress none = { 0 };

  /* Frames in the cache were checked on the way in. */
  if (srp_packet_decode (g_bytes_get_data (entry->frame, NULL), g_bytes_get_size (entry->frame),
                         &packet) == SRP_DROP_NONE)
    srp_core_deliver (core, &packet, &none);
}

void
srp_core_subscribe (SrpCore *core, gint64 now_us, const SrpId *topic_id)
{
  SrpId *copy;

  g_return_if_fail (topic_id != NULL);
  core->now = now_us;
  if (srp_core_is_subscribed (core, topic_id))
    return;
  g_array_append_val (core->subscription_list, *topic_id);
  copy = g_memdup2 (topic_id, sizeof *topic_id);
  g_hash_table_add (core->subscriptions, copy);
  srp_packet_cache_set_subscribed (core->cache, topic_id, TRUE);
  schedule_announce (core);
  /* What relays left here before we cared is ours now. */
  srp_packet_cache_foreach_topic (core->cache, topic_id, deliver_cached, core);
  for (guint i = 0; i < core->remote_list->len; i++)
    srp_core_sync_start (core, g_ptr_array_index (core->remote_list, i), topic_id);
}

void
srp_core_unsubscribe (SrpCore *core, gint64 now_us, const SrpId *topic_id)
{
  g_return_if_fail (topic_id != NULL);
  core->now = now_us;
  if (!srp_core_is_subscribed (core, topic_id))
    return;
  g_hash_table_remove (core->subscriptions, topic_id);
  for (guint i = 0; i < core->subscription_list->len; i++)
    if (srp_id_equal (&g_array_index (core->subscription_list, SrpId, i), topic_id))
      {
        g_array_remove_index (core->subscription_list, i);
        break;
      }
  srp_packet_cache_set_subscribed (core->cache, topic_id, FALSE);
  schedule_announce (core);
}

RemotePeer *
srp_core_remote (SrpCore *core, const SrpId *peer_id)
{
  return g_hash_table_lookup (core->remotes, peer_id);
}

RemotePeer *
srp_core_remote_at (SrpCore *core, const SrpAddress *address)
{
  SrpPeerEntry *peer = srp_core_authenticated (core, address);
  return peer != NULL ? srp_core_remote (core, &peer->id) : NULL;
}

void
srp_core_send_remote (SrpCore *core, const RemotePeer *remote, const guint8 *frame, gsize len)
{
  SrpPeerEntry *peer = srp_peer_table_lookup (core->peers, &remote->id);

  g_assert (peer != NULL);
  srp_core_queue_transmit (core, 0, &peer->address, frame, len);
}

gboolean
srp_remote_subscribes (const RemotePeer *remote, const SrpId *topic_id)
{
  guint64 prefix = srp_id_prefix (topic_id);
  guint lo = 0, hi = remote->topics.n;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      if (remote->topics.topics[mid] == prefix)
        return TRUE;
      if (remote->topics.topics[mid] < prefix)
        lo = mid + 1;
      else
        hi = mid;
    }
  return FALSE;
}

gboolean
srp_core_remote_take (SrpCore *core, double *tokens, gint64 *at, double cost, double burst,
                      double per_second)
{
  double elapsed = (double) MAX (core->now - *at, 0) / G_TIME_SPAN_SECOND;

  *tokens = MIN (burst, *tokens + elapsed * per_second);
  *at = core->now;
  if (*tokens < cost)
    {
      srp_core_drop (core, SRP_DROP_RATE_LIMITED);
      return FALSE;
    }
  *tokens -= cost;
  return TRUE;
}

void
srp_core_topics_peer_up (SrpCore *core, const SrpPeerEntry *peer)
{
  RemotePeer *remote = g_new0 (RemotePeer, 1);

  remote->id = peer->id;
  srp_topic_id_for_inbox (&peer->id, &remote->inbox);
  remote->acks = g_array_new (FALSE, FALSE, sizeof (guint64));
  remote->ack_at = -1;
  remote->query_tokens = SRP_QUERY_BURST;
  remote->sync_tokens = SRP_SYNC_BURST;
  remote->query_at = remote->sync_at = core->now;
  g_ptr_array_add (core->remote_list, remote);
  g_hash_table_insert (core->remotes, &remote->id, remote);
  announce_to (core, remote);
  /* A peer that comes back gets what it missed from its new neighbours. */
  srp_core_sync_start (core, remote, NULL);
}

void
srp_core_topics_peer_down (SrpCore *core, const SrpPeerEntry *peer)
{
  RemotePeer *remote = srp_core_remote (core, &peer->id);

  if (remote == NULL)
    return;
  g_hash_table_remove (core->remotes, &peer->id);
  g_ptr_array_remove (core->remote_list, remote);
}

void
srp_core_handle_subscriptions (SrpCore *core, const SrpAddress *from, const guint8 *data,
                               gsize len)
{
  RemotePeer *remote = srp_core_remote_at (core, from);
  SrpSubscriptions subs;
  SrpDropReason reason = srp_subscriptions_decode (data, len, &subs);

  if (reason == SRP_DROP_NONE && remote == NULL)
    reason = SRP_DROP_UNAUTHENTICATED;
  if (reason != SRP_DROP_NONE)
    {
      srp_core_drop (core, reason);
      return;
    }
  /* Announcements share the SYNC bucket: both are cheap and rare. */
  if (srp_core_remote_take (core, &remote->sync_tokens, &remote->sync_at, 1.0, SRP_SYNC_BURST,
                            SRP_SYNC_PER_SECOND))
    remote->topics = subs;
}

void
srp_core_topics_timeout (SrpCore *core)
{
  if (core->announce_at < 0 || core->announce_at > core->now)
    return;
  core->announce_at = -1;
  core->last_announce = core->now;
  for (guint i = 0; i < core->remote_list->len; i++)
    announce_to (core, g_ptr_array_index (core->remote_list, i));
}

gint64
srp_core_topics_deadline (SrpCore *core)
{
  return core->announce_at;
}
