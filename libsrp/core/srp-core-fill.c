/* srp-core-fill.c: filling gaps, and answering others' gap queries.
 *
 * The reassembler knows which packet IDs its incomplete chains miss (the
 * links of the packets it holds). Shortly after packets arrive, those IDs
 * are wanted: a QUERY goes first to the peer that last sent us a packet we
 * wanted, then to other connected peers in turn, with back-off (0.5, 1, 2,
 * 4, 8 s), and after WANT_ATTEMPTS the want is dropped (anti-entropy still
 * finds the packet later). Anti-entropy adds the IDs it finds missing here,
 * first asked of the peer that has them.
 *
 * Queries are answered from the cache, only to connected peers (never to an
 * unauthenticated address: no amplification), within a per-peer budget of
 * packets.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-core-private.h"

#include <string.h>

#define GAP_DELAY_US (300 * G_TIME_SPAN_MILLISECOND) /* let a burst of packets land first */
#define WANT_FIRST_RETRY_US (500 * G_TIME_SPAN_MILLISECOND)
#define WANT_ATTEMPTS 6
#define MAX_WANTS 4096
#define GAP_IDS_PER_CHECK 256

typedef struct {
  guint64 prefix;
  SrpId source;        /* who to ask next; zero for anyone */
  gboolean ask_source; /* the next attempt goes to source */
  guint attempts;
  gint64 next_at;
} Want;

void
srp_core_fill_init (SrpCore *core)
{
  core->wants = g_ptr_array_new_with_free_func (g_free);
  core->wanted = g_hash_table_new (g_int64_hash, g_int64_equal);
  core->next_gap_check = -1;
}

void
srp_core_fill_clear (SrpCore *core)
{
  g_hash_table_unref (core->wanted);
  g_ptr_array_unref (core->wants);
}

void
srp_core_want (SrpCore *core, guint64 prefix, const SrpId *source)
{
  Want *want = g_hash_table_lookup (core->wanted, &prefix);

  if (want != NULL)
    {
      /* Anti-entropy found a peer that has it: ask that one next, at once. */
      if (source != NULL && !srp_id_equal (source, &want->source))
        {
          want->source = *source;
          want->ask_source = TRUE;
          want->attempts = MIN (want->attempts, WANT_ATTEMPTS - 1);
          want->next_at = core->now;
        }
      return;
    }
  if (srp_packet_cache_lookup_prefix (core->cache, prefix))
    return;
  if (core->wants->len >= MAX_WANTS)
    {
      Want *oldest = g_ptr_array_index (core->wants, 0);
      g_hash_table_remove (core->wanted, &oldest->prefix);
      g_ptr_array_remove_index (core->wants, 0);
    }
  want = g_new0 (Want, 1);
  want->prefix = prefix;
  if (source != NULL)
    want->source = *source;
  want->ask_source = source != NULL;
  want->next_at = core->now;
  g_ptr_array_add (core->wants, want);
  g_hash_table_insert (core->wanted, &want->prefix, want);
}

static void
remove_want (SrpCore *core, Want *want)
{
  g_hash_table_remove (core->wanted, &want->prefix);
  g_ptr_array_remove (core->wants, want);
}

gboolean
srp_core_fill_arrived (SrpCore *core, const SrpId *id)
{
  guint64 prefix = srp_id_prefix (id);
  Want *want = g_hash_table_lookup (core->wanted, &prefix);

  if (want == NULL)
    return FALSE;
  remove_want (core, want);
  return TRUE;
}

void
srp_core_fill_schedule (SrpCore *core)
{
  srp_core_earliest (&core->next_gap_check, core->now + GAP_DELAY_US);
}

static void
find_gaps (SrpCore *core)
{
  g_autoptr (GArray) missing = g_array_new (FALSE, FALSE, sizeof (SrpId));
  const SrpId *source = srp_id_is_zero (&core->last_source) ? NULL : &core->last_source;

  core->next_gap_check = -1;
  srp_reassembler_get_missing (core->reassembler, missing);
  for (guint i = 0; i < missing->len && i < GAP_IDS_PER_CHECK; i++)
    srp_core_want (core, srp_id_prefix (&g_array_index (missing, SrpId, i)), source);
  /* Answers bring new links (srp_core_fill_schedule); this is the fallback
   * for chains that stay stuck. */
  if (missing->len > 0)
    core->next_gap_check = core->now + 10 * GAP_DELAY_US;
}

/* Whom to ask on this attempt: the source first, then random connected
 * peers (so that peers share the load). */
static RemotePeer *
pick_peer (SrpCore *core, Want *want)
{
  RemotePeer *source = srp_core_remote (core, &want->source);
  guint n = core->remote_list->len;

  if (n == 0)
    return NULL;
  if (source != NULL && want->ask_source)
    {
      want->ask_source = FALSE;
      return source;
    }
  return g_ptr_array_index (core->remote_list, (guint) srp_rng_below (&core->rng, n));
}

static void
send_queries (SrpCore *core)
{
  g_autoptr (GHashTable) batches = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  g_autoptr (GPtrArray) order = g_ptr_array_new ();

  for (guint i = 0; i < core->wants->len;)
    {
      Want *want = g_ptr_array_index (core->wants, i);
      RemotePeer *peer;
      SrpIdList *batch;

      if (want->next_at > core->now)
        {
          i++;
          continue;
        }
      if (want->attempts >= WANT_ATTEMPTS || srp_packet_cache_lookup_prefix (core->cache, want->prefix))
        {
          remove_want (core, want);
          continue;
        }
      peer = pick_peer (core, want);
      if (peer == NULL)
        {
          want->next_at = core->now + WANT_FIRST_RETRY_US;
          i++;
          continue;
        }
      want->next_at = core->now + (WANT_FIRST_RETRY_US << want->attempts);
      want->attempts++;
      i++;
      batch = g_hash_table_lookup (batches, peer);
      if (batch == NULL)
        {
          batch = g_new0 (SrpIdList, 1);
          g_hash_table_insert (batches, peer, batch);
          g_ptr_array_add (order, peer);
        }
      batch->ids[batch->n++] = want->prefix;
      if (batch->n == SRP_IDS_MAX)
        {
          guint8 frame[SRP_MAX_DATAGRAM];
          srp_core_send_remote (core, peer, frame, srp_query_encode (batch, frame));
          batch->n = 0;
        }
    }
  /* In order of first use, not hash order: the output stays deterministic. */
  for (guint i = 0; i < order->len; i++)
    {
      RemotePeer *peer = g_ptr_array_index (order, i);
      SrpIdList *batch = g_hash_table_lookup (batches, peer);
      guint8 frame[SRP_MAX_DATAGRAM];

      if (batch->n > 0)
        srp_core_send_remote (core, peer, frame, srp_query_encode (batch, frame));
    }
}

void
srp_core_handle_query (SrpCore *core, const SrpAddress *from, const guint8 *data, gsize len)
{
  RemotePeer *remote = srp_core_remote_at (core, from);
  SrpIdList ids;
  SrpDropReason reason = srp_query_decode (data, len, &ids);

  if (reason == SRP_DROP_NONE && remote == NULL)
    reason = SRP_DROP_UNAUTHENTICATED;
  if (reason != SRP_DROP_NONE)
    {
      srp_core_drop (core, reason);
      return;
    }
  /* Each asked-for packet costs a token, held or not: asking is the cost. */
  if (!srp_core_remote_take (core, &remote->query_tokens, &remote->query_at, ids.n,
                             SRP_QUERY_BURST, SRP_QUERY_PER_SECOND))
    return;
  for (guint i = 0; i < ids.n; i++)
    {
      const SrpPacketCacheEntry *entry = srp_packet_cache_lookup_prefix (core->cache, ids.ids[i]);
      if (entry != NULL)
        srp_core_send_remote (core, remote, g_bytes_get_data (entry->frame, NULL),
                              g_bytes_get_size (entry->frame));
    }
}

void
srp_core_fill_timeout (SrpCore *core)
{
  if (core->next_gap_check >= 0 && core->next_gap_check <= core->now)
    find_gaps (core);
  send_queries (core);
}

gint64
srp_core_fill_deadline (SrpCore *core)
{
  gint64 deadline = core->next_gap_check;

  for (guint i = 0; i < core->wants->len; i++)
    srp_core_earliest (&deadline, ((Want *) g_ptr_array_index (core->wants, i))->next_at);
  return deadline;
}
