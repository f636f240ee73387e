/* srp-mesh.c: the mesh subsystem: its frames, its link observers, and what
 * it keeps across close and listen (the peers it knew).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-mesh-private.h"

SRP_FRAME_DECODER (decode_ping, srp_ping_decode, SrpPing)
SRP_FRAME_DECODER (decode_pong, srp_pong_decode, SrpPong)
SRP_FRAME_DECODER (decode_hello, srp_hello_decode, SrpHello)
SRP_FRAME_DECODER (decode_hello_reply, srp_hello_reply_decode, SrpHelloReply)
SRP_FRAME_DECODER (decode_hello_done, srp_hello_done_decode, SrpHelloDone)
SRP_FRAME_DECODER (decode_peers, srp_peers_decode, SrpPeers)
SRP_FRAME_DECODER (decode_busy, srp_busy_decode, SrpPeers)
SRP_FRAME_DECODER (decode_goodbye, srp_goodbye_decode, SrpGoodbye)
SRP_FRAME_DECODER (decode_cookie, srp_cookie_decode, SrpCookie)

static SrpDropReason
decode_peers_request (const guint8 *frame, gsize len, gpointer out)
{
  (void) out;
  return srp_peers_request_decode (frame, len);
}

static SrpDropReason
handle_ping (gpointer self, const SrpInput *input, gpointer frame)
{
  return srp_pings_handle_ping (((SrpMesh *) self)->pings, input, frame);
}

static SrpDropReason
handle_pong (gpointer self, const SrpInput *input, gpointer frame)
{
  return srp_pings_handle_pong (((SrpMesh *) self)->pings, input, frame);
}

static const SrpFrameHandler frames[] = {
  { SRP_FRAME_PING, SRP_FROM_ANYONE, sizeof (SrpPing), decode_ping, handle_ping },
  { SRP_FRAME_PONG, SRP_FROM_ANYONE, sizeof (SrpPong), decode_pong, handle_pong },
  { SRP_FRAME_HELLO, SRP_FROM_ANYONE, sizeof (SrpHello), decode_hello, srp_mesh_handle_hello },
  { SRP_FRAME_HELLO_REPLY, SRP_FROM_ANYONE, sizeof (SrpHelloReply), decode_hello_reply,
    srp_mesh_handle_hello_reply },
  { SRP_FRAME_HELLO_DONE, SRP_FROM_ANYONE, sizeof (SrpHelloDone), decode_hello_done,
    srp_mesh_handle_hello_done },
  { SRP_FRAME_PEERS_REQUEST, SRP_FROM_LINK, 1, decode_peers_request,
    srp_mesh_handle_peers_request },
  { SRP_FRAME_PEERS, SRP_FROM_LINK, sizeof (SrpPeers), decode_peers, srp_mesh_handle_peers },
  { SRP_FRAME_BUSY, SRP_FROM_ANYONE, sizeof (SrpPeers), decode_busy, srp_mesh_handle_busy },
  { SRP_FRAME_COOKIE, SRP_FROM_ANYONE, sizeof (SrpCookie), decode_cookie, srp_mesh_handle_cookie },
  { SRP_FRAME_GOODBYE, SRP_FROM_ANYONE, sizeof (SrpGoodbye), decode_goodbye,
    srp_mesh_handle_goodbye },
};

/* A peer that knows plenty already learns more from the periodic
 * exchange; asking every new link would cost two datagrams a link. */
static void
ask_if_short (SrpMesh *mesh, SrpLink *link)
{
  SrpContext *ctx = mesh->ctx;

  if (srp_peer_table_size (ctx->peers) + srp_link_table_size (ctx->links) >=
      SRP_MESH_ASK_ON_CONNECT_BELOW)
    return;
  srp_mesh_request_peers (mesh, link);
  /* Asked: should that be lost while the peer is short of links, it is
   * asked again soon (srp_mesh_next_exchange), not in a minute. */
  srp_timer_set_earlier (ctx->timers, &mesh->exchange, srp_mesh_next_exchange (mesh));
}

static void
mesh_link_up (gpointer self, SrpLink *link, gpointer slot)
{
  SrpMesh *mesh = self;
  SrpContext *ctx = mesh->ctx;

  (void) slot;
  srp_mesh_heartbeat_start (mesh, link);
  ask_if_short (mesh, link);
  if (!srp_timer_is_armed (&mesh->exchange))
    srp_timer_set (ctx->timers, &mesh->exchange, ctx->now + ctx->config->exchange_us);
  srp_mesh_bootstrap_connected (mesh, &link->address);
  /* A peer that answered is one a restart can rejoin through. */
  srp_journal_mark (&ctx->journal, SRP_STATE_CHANGE_KNOWN_PEERS);
  srp_mesh_schedule_maintenance (mesh, ctx->now + SRP_MESH_MAINTENANCE_US);
}

static void
mesh_link_renewed (gpointer self, SrpLink *link, gpointer slot)
{
  (void) slot;
  /* The PEERS_REQUEST of link_up went under keys the peer never had. */
  ask_if_short (self, link);
}

static void
mesh_link_down (gpointer self, SrpLink *link, gpointer slot)
{
  (void) slot;
  srp_mesh_heartbeat_stop (self, link);
}

static void
mesh_detach (gpointer self)
{
  SrpMesh *mesh = self;

  /* Without sockets, nothing in flight can be answered; the bootstraps are
   * resolved anew at the next listen. What we know of peers stays. */
  srp_pings_clear (mesh->pings);
  srp_mesh_handshake_clear (mesh);
  g_array_set_size (mesh->bootstraps, 0);
  srp_timer_stop (mesh->ctx->timers, &mesh->exchange);
  srp_timer_stop (mesh->ctx->timers, &mesh->maintenance);
}

static void
mesh_attach (gpointer self)
{
  SrpMesh *mesh = self;

  /* Peers we knew before are the first to try. */
  srp_mesh_schedule_maintenance (mesh, mesh->ctx->now);
}

static void
mesh_stats (gpointer self, GVariantDict *dict)
{
  SrpMesh *mesh = self;
  SrpContext *ctx = mesh->ctx;

  g_variant_dict_insert (dict, "peers_known", "u",
                         srp_peer_table_size (ctx->peers) + srp_link_table_size (ctx->links));
  g_variant_dict_insert (dict, "peers_connected", "u", srp_link_table_size (ctx->links));
  g_variant_dict_insert (dict, "peers_half_open", "u", mesh->incoming->len);
  g_variant_dict_insert (dict, "handshakes_outgoing", "u", mesh->outgoing->len);
  g_variant_dict_insert (dict, "cookies_sent", "t", mesh->cookies_sent);
  g_variant_dict_insert (dict, "pings_pending", "u", srp_pings_count (mesh->pings));
}

static void
mesh_free (gpointer self)
{
  SrpMesh *mesh = self;

  srp_pings_free (mesh->pings);
  g_ptr_array_unref (mesh->outgoing);
  g_ptr_array_unref (mesh->incoming);
  g_array_unref (mesh->bootstraps);
  srp_source_ledger_free (mesh->signed_for);
  srp_timer_stop (mesh->ctx->timers, &mesh->exchange);
  srp_timer_stop (mesh->ctx->timers, &mesh->maintenance);
  g_free (mesh);
}

static void
mesh_link_suspect (gpointer self, SrpLink *link, gpointer slot)
{
  (void) slot;
  srp_mesh_heartbeat_suspect (self, link);
}

static gboolean
mesh_hold_early (gpointer self, const SrpInput *input)
{
  return srp_mesh_hold_early (self, input);
}

static const SrpSubsystemClass mesh_class = {
  .name = "mesh",
  .link_up = mesh_link_up,
  .link_renewed = mesh_link_renewed,
  .link_suspect = mesh_link_suspect,
  .hold_early = mesh_hold_early,
  .link_down = mesh_link_down,
  .attach = mesh_attach,
  .detach = mesh_detach,
  .stats = mesh_stats,
  .export_state = srp_mesh_export_state,
  .import_state = srp_mesh_import_state,
  .free = mesh_free,
};

SrpMesh *
srp_mesh_new (SrpContext *ctx)
{
  SrpMesh *mesh = g_new0 (SrpMesh, 1);

  mesh->ctx = ctx;
  mesh->pings = srp_pings_new (ctx);
  srp_mesh_handshake_init (mesh);
  srp_mesh_cookie_init (mesh);
  mesh->bootstraps = g_array_new (FALSE, TRUE, sizeof (Bootstrap));
  srp_timer_init (&mesh->exchange, SRP_TIMER_EXCHANGE, srp_mesh_exchange, mesh);
  srp_timer_init (&mesh->maintenance, SRP_TIMER_MAINTENANCE, srp_mesh_maintenance, mesh);
  srp_context_add_subsystem (ctx, &mesh_class, mesh);
  srp_dispatch_add (ctx->dispatch, frames, G_N_ELEMENTS (frames), mesh);
  return mesh;
}

SrpPings *
srp_mesh_get_pings (SrpMesh *mesh)
{
  return mesh->pings;
}
