/* srp-mesh-heartbeat.c: keeping links alive. Every heartbeat_us a link
 * without recent traffic is pinged; heartbeat_misses unanswered heartbeats
 * in a row end it. The pongs also measure the RTT, tell us the address the
 * peer sees us at, and whether it still knows us (it may have restarted, or
 * lost our HELLO_DONE): if not, we shake hands again.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-mesh-private.h"

static void
on_heartbeat_done (gpointer data, guint64 request, gint64 rtt_us, const SrpPong *pong)
{
  SrpLink *link = data;
  SrpMesh *mesh = link->heartbeat.owner;
  SrpContext *ctx = mesh->ctx;

  link->heartbeat_ping = 0;
  srp_timer_set (ctx->timers, &link->heartbeat, ctx->now + ctx->config->heartbeat_us);
  if (pong == NULL)
    {
      if (++link->failures >= ctx->config->heartbeat_misses)
        srp_mesh_disconnect (mesh, link);
      return;
    }
  {
    gint64 old = link->rtt.smoothed_us;

    link->failures = 0;
    /* Smoothed as in RFC 6298, so one slow answer does not jump it. */
    srp_rtt_sample (&link->rtt, rtt_us);
    if (old < 0 || ABS (link->rtt.smoothed_us - old) * 5 > old)
      srp_context_emit_link (ctx, SRP_CORE_EVENT_PEER_CHANGED, link);
  }
  srp_context_reflexive_seen (ctx, &pong->observed);
  /* It forgot us (restarted, or our HELLO_DONE was lost): shake hands again. */
  link->knows_us = (pong->flags & SRP_PONG_AUTHENTICATED) != 0;
  if (!link->knows_us)
    srp_mesh_start_handshake (mesh, &link->address, &link->id);
}

static void
on_heartbeat_timer (SrpTimer *timer, gpointer owner)
{
  SrpMesh *mesh = owner;
  SrpContext *ctx = mesh->ctx;
  SrpLink *link = G_STRUCT_MEMBER_P (timer, -G_STRUCT_OFFSET (SrpLink, heartbeat));

  /* Recent traffic is as good as an answered heartbeat. */
  if (link->last_seen + ctx->config->heartbeat_us > ctx->now && link->failures == 0 &&
      link->knows_us && srp_rtt_has_sample (&link->rtt))
    {
      srp_timer_set (ctx->timers, &link->heartbeat, link->last_seen + ctx->config->heartbeat_us);
      return;
    }
  link->heartbeat_ping = srp_pings_start (mesh->pings, 0, &link->address,
                                          ctx->config->ping_attempts, on_heartbeat_done, link);
}

void
srp_mesh_heartbeat_start (SrpMesh *mesh, SrpLink *link)
{
  SrpContext *ctx = mesh->ctx;

  srp_timer_init (&link->heartbeat, SRP_TIMER_HEARTBEAT, on_heartbeat_timer, mesh);
  srp_timer_set (ctx->timers, &link->heartbeat, ctx->now + ctx->config->heartbeat_us);
}

void
srp_mesh_heartbeat_stop (SrpMesh *mesh, SrpLink *link)
{
  if (link->heartbeat_ping != 0)
    srp_pings_cancel (mesh->pings, link->heartbeat_ping);
  link->heartbeat_ping = 0;
  srp_timer_stop (mesh->ctx->timers, &link->heartbeat);
}
