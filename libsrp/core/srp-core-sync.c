/* srp-core-sync.c: anti-entropy. When two peers connect, and every sync_us
 * with one random connected peer, a peer opens range-based set
 * reconciliation (srp-rbsr.c) of the cached packet IDs of each topic it
 * subscribes to (a rotating share of them per round). The other side
 * answers from its cache whether or not it subscribes, which is how a peer
 * that was away gets what was published meanwhile. IDs found missing are
 * queried (srp-core-fill.c); the exchange never pushes packets, so what it
 * moves is always asked for and never relayed further.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-core-private.h"

#include "srp-rbsr.h"

#define TOPICS_PER_ROUND 16   /* topics opened with one peer at once */
#define REPLY_MAX_FRAMES 16   /* SYNC frames one received frame may cause */

/* Stands in for a topic the cache holds nothing of (never NULL + 0). */
static const guint64 no_items[1];

static const guint64 *
items_of (GArray *prefixes, guint *n)
{
  *n = prefixes != NULL ? prefixes->len : 0;
  return *n > 0 ? (const guint64 *) prefixes->data : no_items;
}

void
srp_core_sync_init (SrpCore *core)
{
  core->next_sync = -1;
}

typedef struct {
  SrpCore *core;
  const RemotePeer *remote;
} Emit;

static void
emit_frame (const guint8 *frame, gsize len, gpointer data)
{
  Emit *e = data;
  srp_core_send_remote (e->core, e->remote, frame, len);
}

static void
open_topic (SrpCore *core, RemotePeer *remote, const SrpId *topic_id)
{
  guint n;
  const guint64 *mine = items_of (srp_packet_cache_topic_prefixes (core->cache, topic_id), &n);
  SrpRbsrOutput out;
  Emit e = { core, remote };

  srp_rbsr_output_init (&out);
  srp_rbsr_open (mine, n, &out);
  srp_rbsr_pack (&out, topic_id, REPLY_MAX_FRAMES, emit_frame, &e);
  srp_rbsr_output_clear (&out);
}

void
srp_core_sync_start (SrpCore *core, RemotePeer *remote, const SrpId *topic_id)
{
  guint n = core->subscription_list->len;

  if (core->next_sync < 0)
    core->next_sync = core->now + core->config.sync_us;
  if (topic_id != NULL)
    {
      open_topic (core, remote, topic_id);
      return;
    }
  for (guint i = 0; i < MIN (n, TOPICS_PER_ROUND); i++)
    {
      remote->sync_cursor %= n;
      open_topic (core, remote, &g_array_index (core->subscription_list, SrpId,
                                                remote->sync_cursor));
      remote->sync_cursor++;
    }
}

void
srp_core_handle_sync (SrpCore *core, const SrpAddress *from, const guint8 *data, gsize len)
{
  RemotePeer *remote = srp_core_remote_at (core, from);
  g_autofree SrpSync *sync = g_new (SrpSync, 1);
  SrpDropReason reason = srp_sync_decode (data, len, sync);
  const guint64 *mine;
  guint n;
  SrpRbsrOutput out;
  Emit e = { core, remote };

  if (reason == SRP_DROP_NONE && remote == NULL)
    reason = SRP_DROP_UNAUTHENTICATED;
  if (reason != SRP_DROP_NONE)
    {
      srp_core_drop (core, reason);
      return;
    }
  if (!srp_core_remote_take (core, &remote->sync_tokens, &remote->sync_at, 1.0, SRP_SYNC_BURST,
                             SRP_SYNC_PER_SECOND))
    return;
  mine = items_of (srp_packet_cache_topic_prefixes (core->cache, &sync->topic_id), &n);
  srp_rbsr_output_init (&out);
  srp_rbsr_answer (mine, n, sync, &out);
  for (guint i = 0; i < out.need->len; i++)
    srp_core_want (core, g_array_index (out.need, guint64, i), &remote->id);
  srp_rbsr_pack (&out, &sync->topic_id, REPLY_MAX_FRAMES, emit_frame, &e);
  srp_rbsr_output_clear (&out);
}

void
srp_core_sync_timeout (SrpCore *core)
{
  guint n = core->remote_list->len;

  if (core->next_sync < 0 || core->next_sync > core->now)
    return;
  if (n == 0)
    {
      core->next_sync = -1; /* resumes when a peer connects */
      return;
    }
  core->next_sync = core->now + core->config.sync_us;
  srp_core_sync_start (core, g_ptr_array_index (core->remote_list, srp_rng_below (&core->rng, n)),
                       NULL);
}

gint64
srp_core_sync_deadline (SrpCore *core)
{
  return core->next_sync;
}
