/* srp-mesh-heartbeat.c: keeping links alive. Every heartbeat_us a link
 * without recent traffic is pinged; heartbeat_misses unanswered heartbeats
 * in a row end it. The pongs also measure the RTT, tell us the address the
 * peer sees us at, and whether it still knows us (it may have restarted, or
 * lost our HELLO_DONE): if not, we shake hands again.
 *
 * A new link is checked after CONFIRM_US unless the other side has shown
 * it holds the link too: a half-open link looks connected but every frame
 * over it is dropped on the far side as unauthenticated.
 *
 * A link other subsystems suspect (a packet it never ACKed) that has been
 * quiet for SUSPECT_QUIET_US is pinged at once, and ended when those pings
 * go unanswered too and nothing else came from it meanwhile: a peer that
 * vanished without a GOODBYE is noticed in seconds, not after
 * heartbeat_misses heartbeats (45 s), while it was all a publisher had.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-mesh-private.h"

#include <string.h>

#define SUSPECT_QUIET_US (1 * G_TIME_SPAN_SECOND)
/* A young link is checked sooner: half its age, from this up to
 * heartbeat_us. Peers that joined lately leave soonest (session lengths are
 * heavy-tailed), and until it is noticed a vanished peer's link takes a
 * share of every relay; old links cost no more than before. */
#define YOUNG_HEARTBEAT_MIN_US (3 * G_TIME_SPAN_SECOND)

/* When the link is next checked, counted from its last sign of life. */
static gboolean
is_young (SrpContext *ctx, const SrpLink *link)
{
  /* Only a link both sides hold: a half-open one is being repaired by a
   * new handshake, which more pings would only start again. */
  return ctx->now - link->connected_at < ctx->config->heartbeat_us && link->confirmed &&
         link->knows_us;
}

/* One side of a quiet link does the checking: the one with the lower ID
 * waits an eighth longer, so the other's ping reaches it first and counts
 * as its own heartbeat (recent traffic; the pong it sends back keeps its
 * NAT's binding open). Were both to wait alike they would both ping every
 * interval, crossing on the way: twice the datagrams for nothing. Once a
 * heartbeat went unanswered both check at the same pace, so a vanished
 * peer is noticed as soon as before (an eighth of one interval later). */
static gint64
heartbeat_interval (SrpContext *ctx, const SrpLink *link)
{
  gint64 interval = ctx->config->heartbeat_us;

  if (is_young (ctx, link))
    interval = CLAMP ((ctx->now - link->connected_at) / 2, YOUNG_HEARTBEAT_MIN_US,
                      ctx->config->heartbeat_us);
  if (link->failures == 0 && memcmp (ctx->config->peer_id.bytes, link->id.bytes, SRP_ID_LEN) < 0)
    interval += interval / 8;
  return interval;
}

/* Unanswered heartbeats in a row that end the link: two for a young link,
 * the second sent at once (each is ping_attempts pings: at 10 % loss both
 * fail about once in 600,000 checks, so a lossy path does not flap),
 * heartbeat_misses once it has lasted. */
static guint
misses_allowed (SrpContext *ctx, const SrpLink *link)
{
  return is_young (ctx, link) ? MIN (2, ctx->config->heartbeat_misses)
                              : ctx->config->heartbeat_misses;
}
/* Both sides greet a new link at once (INFO, SUBSCRIPTIONS, PEERS_REQUEST):
 * one that has not heard such a frame by now checks whether the other side
 * took our HELLO_DONE at all (its table may have filled since our HELLO). */
#define CONFIRM_US (2 * G_TIME_SPAN_SECOND)

static void
on_heartbeat_done (gpointer data, guint64 request, gint64 rtt_us, const SrpPong *pong)
{
  SrpLink *link = data;
  SrpMesh *mesh = link->heartbeat.owner;
  SrpContext *ctx = mesh->ctx;

  gint64 suspected_at = link->suspected_at;

  link->heartbeat_ping = 0;
  link->suspected_at = 0;
  if (pong == NULL)
    {
      gboolean silent = suspected_at != 0 && link->last_seen < suspected_at;

      /* The interval after counting the miss: it is no longer the longer one. */
      ++link->failures;
      srp_timer_set (ctx->timers, &link->heartbeat, ctx->now + heartbeat_interval (ctx, link));
      if (link->failures >= misses_allowed (ctx, link) || silent)
        srp_mesh_disconnect (mesh, link);
      else if (is_young (ctx, link))
        srp_timer_set (ctx->timers, &link->heartbeat, ctx->now);
      return;
    }
  {
    gint64 old = link->rtt.smoothed_us;

    link->failures = 0;
    srp_timer_set (ctx->timers, &link->heartbeat, ctx->now + heartbeat_interval (ctx, link));
    /* Smoothed as in RFC 6298, so one slow answer does not jump it. */
    srp_rtt_sample (&link->rtt, rtt_us);
    if (old < 0 || ABS (link->rtt.smoothed_us - old) * 5 > old)
      srp_context_emit_link (ctx, SRP_CORE_EVENT_PEER_CHANGED, link);
  }
  srp_context_reflexive_seen (ctx, &pong->observed, &link->address);
  /* It forgot us (restarted, or our HELLO_DONE was lost): shake hands again. */
  link->knows_us = (pong->flags & SRP_PONG_AUTHENTICATED) != 0;
  link->confirmed |= link->knows_us;
  if (!link->knows_us)
    srp_mesh_start_handshake (mesh, &link->address, &link->id);
}

static void
send_heartbeat (SrpMesh *mesh, SrpLink *link)
{
  SrpContext *ctx = mesh->ctx;

  link->heartbeat_ping = srp_pings_start (mesh->pings, 0, &link->address,
                                          ctx->config->ping_attempts, on_heartbeat_done, link);
}

static void
on_heartbeat_timer (SrpTimer *timer, gpointer owner)
{
  SrpMesh *mesh = owner;
  SrpContext *ctx = mesh->ctx;
  SrpLink *link = G_STRUCT_MEMBER_P (timer, -G_STRUCT_OFFSET (SrpLink, heartbeat));

  /* Recent traffic is as good as an answered heartbeat, once the other
   * side has shown it holds the link (it may have dropped our HELLO_DONE
   * for want of room, and still answer our pings). */
  if (link->last_seen + heartbeat_interval (ctx, link) > ctx->now && link->failures == 0 &&
      link->knows_us && link->confirmed)
    {
      srp_timer_set (ctx->timers, &link->heartbeat,
                     link->last_seen + heartbeat_interval (ctx, link));
      return;
    }
  send_heartbeat (mesh, link);
}

void
srp_mesh_heartbeat_suspect (SrpMesh *mesh, SrpLink *link)
{
  SrpContext *ctx = mesh->ctx;

  /* A check is under way, or it spoke lately: nothing to learn. */
  if (link->heartbeat_ping != 0 || link->last_seen + SUSPECT_QUIET_US > ctx->now)
    return;
  /* The heartbeat timer comes back when the pings end. */
  srp_timer_stop (ctx->timers, &link->heartbeat);
  link->suspected_at = ctx->now;
  send_heartbeat (mesh, link);
}

void
srp_mesh_heartbeat_start (SrpMesh *mesh, SrpLink *link)
{
  SrpContext *ctx = mesh->ctx;

  srp_timer_init (&link->heartbeat, SRP_TIMER_HEARTBEAT, on_heartbeat_timer, mesh);
  srp_timer_set (ctx->timers, &link->heartbeat,
                 ctx->now + MIN (CONFIRM_US, ctx->config->heartbeat_us));
}

void
srp_mesh_heartbeat_stop (SrpMesh *mesh, SrpLink *link)
{
  if (link->heartbeat_ping != 0)
    srp_pings_cancel (mesh->pings, link->heartbeat_ping);
  link->heartbeat_ping = 0;
  srp_timer_stop (mesh->ctx->timers, &link->heartbeat);
}
