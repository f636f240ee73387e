/* srp-mesh-exchange.c: learning of peers and keeping connections up.
 *
 * - Peer exchange: PEERS_REQUEST and PEERS (a sample of known peers, links
 *   first) on connecting and every exchange_us, rate-limited per link.
 * - Maintenance: bootstraps are retried while nothing is connected, and
 *   known peers are shaken hands with until target_connections are up,
 *   with exponential back-off for those that failed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-mesh-private.h"

#define RETRY_BASE_US (10 * G_TIME_SPAN_SECOND)
#define RETRY_MAX_US (10 * G_TIME_SPAN_MINUTE)

/* Exponential back-off: base * 2^(n-1), capped. */
gint64
srp_mesh_backoff (guint n)
{
  gint64 delay = RETRY_BASE_US << MIN (n > 0 ? n - 1 : 0, 10);
  return MIN (delay, RETRY_MAX_US);
}

void
srp_mesh_schedule_maintenance (SrpMesh *mesh, gint64 at)
{
  srp_timer_set_earlier (mesh->ctx->timers, &mesh->maintenance, at);
}

void
srp_mesh_request_peers (SrpMesh *mesh, const SrpLink *link)
{
  guint8 frame[SRP_MAX_DATAGRAM];

  mesh->peers_awaited = TRUE;
  srp_context_send_link (mesh->ctx, link, frame, srp_peers_request_encode (frame));
}

static void
add_record (SrpPeers *out, const SrpId *id, guint8 nat, const SrpAddress *address, gint64 age_us)
{
  SrpPeerRecord *r = &out->peers[out->n++];
  gint64 age = age_us / G_TIME_SPAN_SECOND;

  r->id = *id;
  r->nat = nat;
  r->age_s = (guint16) CLAMP (age, 0, G_MAXUINT16);
  r->address = *address;
}

/* Whether a peer of this NAT type takes a HELLO from anyone: only those can
 * be reached directly from a record, by a newcomer with no links. */
static gboolean
nat_is_open (guint8 nat)
{
  return nat == SRP_NAT_PUBLIC || nat == SRP_NAT_FULL_CONE;
}

/* Adds links, picked at random, while out has room for max. Only as many
 * as fit are drawn: a busy peer answers from hundreds of records, and a
 * whole shuffle of them, a draw per record, for every HELLO it turns away
 * and every PEERS_REQUEST, for a dozen sent. */
static void
add_links (SrpContext *ctx, GPtrArray *links, guint max, SrpPeers *out)
{
  srp_rng_shuffle_first (&ctx->rng, links, max - out->n);
  for (guint i = 0; i < links->len && out->n < max; i++)
    {
      SrpLink *link = g_ptr_array_index (links, i);
      add_record (out, &link->id, link->nat, &link->address, ctx->now - link->last_seen);
    }
}

/* The same for records. */
static void
add_records (SrpContext *ctx, GPtrArray *records, guint max, SrpPeers *out)
{
  srp_rng_shuffle_first (&ctx->rng, records, max - out->n);
  for (guint i = 0; i < records->len && out->n < max; i++)
    {
      SrpKnownPeer *r = g_ptr_array_index (records, i);
      add_record (out, &r->id, r->nat, &r->address, ctx->now - r->last_seen);
    }
}

/* Sorts records drawn at random into open and other ones (relayed ones
 * have no address to pass on), until each holds max, as many as could be
 * sent, or 4 × max were drawn. A busy peer holds hundreds of records, and
 * reading every one of them, for a dozen sent, for every PEERS_REQUEST
 * and every HELLO it turns away, was 2.5 % of srp-simulate's time at
 * 10,000 peers once the network had formed. Where open peers are rare the
 * sample holds fewer of them than all the records would (a fifth of 64,
 * 13, where 16 could have gone): the answer is still a random choice
 * among them, and links are offered before records anyway. */
static void
draw_records (SrpContext *ctx, GPtrArray *records, guint max, GPtrArray *open,
              GPtrArray *other)
{
  guint n = records->len;
  g_autofree gpointer *order = g_memdup2 (records->pdata, n * sizeof (gpointer));

  for (guint i = 0; i < n && i < 4 * max && (open->len < max || other->len < max); i++)
    {
      guint j = i + (guint) srp_rng_below (&ctx->rng, n - i);
      SrpKnownPeer *r = order[j];
      GPtrArray *into;

      order[j] = order[i];
      if (srp_address_is_relay (&r->address))
        continue;
      into = nat_is_open (r->nat) ? open : other;
      if (into->len < max)
        g_ptr_array_add (into, r);
    }
}

void
srp_mesh_sample_peers (SrpMesh *mesh, const SrpLink *except, guint max, SrpPeers *out)
{
  SrpContext *ctx = mesh->ctx;
  GPtrArray *links = srp_link_table_list (ctx->links);
  GPtrArray *records = srp_peer_table_records (ctx->peers);
  g_autoptr (GPtrArray) open_links = g_ptr_array_new ();
  g_autoptr (GPtrArray) other_links = g_ptr_array_new ();
  g_autoptr (GPtrArray) open_records = g_ptr_array_new ();
  g_autoptr (GPtrArray) other_records = g_ptr_array_new ();

  out->n = 0;
  /* A relayed peer has no address to pass on. */
  for (guint i = 0; i < links->len; i++)
    {
      SrpLink *link = g_ptr_array_index (links, i);
      if (link != except && !srp_address_is_relay (&link->address))
        g_ptr_array_add (nat_is_open (link->nat) ? open_links : other_links, link);
    }
  draw_records (ctx, records, max, open_records, other_records);
  /* Open peers first: they are the ones anybody can connect to directly
   * (a newcomer turned away, or a peer behind a NAT looking for more
   * links); then live links before records, which may be stale. */
  add_links (ctx, open_links, max, out);
  add_records (ctx, open_records, max, out);
  add_links (ctx, other_links, max, out);
  add_records (ctx, other_records, max, out);
}

SrpDropReason
srp_mesh_handle_peers_request (gpointer self, const SrpInput *input, gpointer frame)
{
  SrpMesh *mesh = self;
  SrpPeers peers = { 0 };
  guint8 out[SRP_MAX_DATAGRAM];

  (void) frame;
  if (!srp_context_take (mesh->ctx, input->link, SRP_LINK_BUCKET_REQUESTS, 1.0))
    return SRP_DROP_NONE;
  srp_mesh_sample_peers (mesh, input->link, SRP_PEERS_MAX, &peers);
  srp_context_send (mesh->ctx, input->from, out, srp_peers_encode (&peers, out));
  return SRP_DROP_NONE;
}

SrpDropReason
srp_mesh_handle_peers (gpointer self, const SrpInput *input, gpointer frame)
{
  SrpMesh *mesh = self;

  mesh->peers_awaited = FALSE;
  if (srp_context_take (mesh->ctx, input->link, SRP_LINK_BUCKET_REQUESTS, 1.0))
    srp_mesh_learn_peers (mesh, frame, input->link->credit);
  return SRP_DROP_NONE;
}

void
srp_mesh_learn_peers (SrpMesh *mesh, const SrpPeers *peers, SrpCredit *credit)
{
  SrpContext *ctx = mesh->ctx;

  for (guint i = 0; i < peers->n; i++)
    {
      const SrpPeerRecord *r = &peers->peers[i];
      SrpKnownPeer *record;

      if (srp_id_equal (&r->id, &ctx->config->peer_id) || srp_id_is_zero (&r->id) ||
          r->address.port == 0 || srp_link_table_lookup (ctx->links, &r->id) != NULL)
        continue;
      /* A record heard of before its NAT was classified learns it now: the
       * NAT type decides whether it is dialled, and whether it can serve
       * lookups. Only the type: the address stays the one we had. */
      if ((record = srp_peer_table_lookup (ctx->peers, &r->id)) != NULL)
        {
          if (record->nat == SRP_NAT_UNKNOWN && r->nat != SRP_NAT_UNKNOWN &&
              srp_address_equal (&record->address, &r->address))
            record->nat = r->nat;
          continue;
        }
      /* One peer per address: a record naming a taken address is refused. */
      if (srp_link_table_lookup_address (ctx->links, &r->address) != NULL ||
          srp_peer_table_lookup_address (ctx->peers, &r->address) != NULL ||
          (record = srp_peer_table_add (ctx->peers, ctx->now, &r->id, &r->address,
                                        SRP_ADMIT_RECORD)) == NULL)
        {
          srp_context_drop (ctx, SRP_DROP_TABLE_FULL);
          continue;
        }
      record->nat = r->nat;
      record->last_seen = ctx->now - (gint64) r->age_s * G_TIME_SPAN_SECOND;
      srp_credit_set (&record->named_by, credit);
    }
  srp_mesh_schedule_maintenance (mesh, ctx->now);
}

/* ---- bootstraps ------------------------------------------------------------------ */

void
srp_mesh_add_bootstrap (SrpMesh *mesh, const SrpAddress *address)
{
  Bootstrap b = { .address = *address };

  for (guint i = 0; i < mesh->bootstraps->len; i++)
    if (srp_address_equal (&g_array_index (mesh->bootstraps, Bootstrap, i).address, address))
      return;
  b.next_attempt = mesh->ctx->now;
  g_array_append_val (mesh->bootstraps, b);
  srp_mesh_schedule_maintenance (mesh, mesh->ctx->now);
}

gboolean
srp_mesh_is_bootstrap (SrpMesh *mesh, const SrpAddress *address)
{
  for (guint i = 0; i < mesh->bootstraps->len; i++)
    if (srp_address_equal (&g_array_index (mesh->bootstraps, Bootstrap, i).address, address))
      return TRUE;
  return FALSE;
}

void
srp_mesh_bootstrap_connected (SrpMesh *mesh, const SrpAddress *address)
{
  for (guint i = 0; i < mesh->bootstraps->len; i++)
    {
      Bootstrap *b = &g_array_index (mesh->bootstraps, Bootstrap, i);
      /* It answers: should we be left with nothing again, it is asked
       * at once rather than a minute after this attempt. */
      if (srp_address_equal (&b->address, address))
        {
          b->failures = 0;
          b->next_attempt = mesh->ctx->now;
        }
    }
}

void
srp_mesh_bootstrap_failed (SrpMesh *mesh, const SrpAddress *address)
{
  for (guint i = 0; i < mesh->bootstraps->len; i++)
    {
      Bootstrap *b = &g_array_index (mesh->bootstraps, Bootstrap, i);
      if (srp_address_equal (&b->address, address))
        {
          b->failures++;
          b->next_attempt = mesh->ctx->now + MIN (G_TIME_SPAN_SECOND << MIN (b->failures, 6),
                                                  G_TIME_SPAN_MINUTE);
          /* The try left maintenance a minute on ("until it fails or
           * works"): without this, a newcomer whose first handshake failed
           * waited that minute, not 2 s (bench-hello-flood --echo-cookies;
           * test-links.c, failed-bootstrap-is-retried-soon). */
          srp_mesh_schedule_maintenance (mesh, b->next_attempt);
        }
    }
}

/* ---- timers ------------------------------------------------------------------------ */

void
srp_mesh_maintenance (SrpTimer *timer, gpointer owner)
{
  SrpMesh *mesh = owner;
  SrpContext *ctx = mesh->ctx;
  guint n_connected = srp_link_table_size (ctx->links);
  guint n_outgoing = srp_mesh_outgoing_count (mesh);
  GPtrArray *records = srp_peer_table_records (ctx->peers);
  g_autoptr (GPtrArray) open = g_ptr_array_new ();
  g_autoptr (GPtrArray) candidates = g_ptr_array_new ();
  guint wanted;

  (void) timer;
  if (n_connected == 0)
    for (guint i = 0; i < mesh->bootstraps->len; i++)
      {
        Bootstrap *b = &g_array_index (mesh->bootstraps, Bootstrap, i);
        if (b->next_attempt <= ctx->now)
          {
            srp_mesh_start_handshake (mesh, &b->address, NULL);
            b->next_attempt = ctx->now + G_TIME_SPAN_MINUTE; /* until it fails or works */
          }
        srp_mesh_schedule_maintenance (mesh, b->next_attempt);
      }

  n_outgoing = srp_mesh_outgoing_count (mesh);
  if (n_connected + n_outgoing >= ctx->config->target_connections ||
      n_outgoing >= SRP_MESH_MAX_OUTGOING)
    return;
  wanted = MIN (ctx->config->target_connections - n_connected - n_outgoing,
                SRP_MESH_MAX_OUTGOING - n_outgoing);
  for (guint i = 0; i < records->len; i++)
    {
      SrpKnownPeer *r = g_ptr_array_index (records, i);

      if (srp_mesh_has_outgoing (mesh, &r->address))
        continue;
      if (r->next_attempt > ctx->now)
        srp_mesh_schedule_maintenance (mesh, r->next_attempt);
      else if (nat_is_open (r->nat))
        g_ptr_array_add (open, r);
      else
        g_ptr_array_add (candidates, r);
    }
  /* Open peers first: a HELLO to a peer behind a restricting NAT arrives
   * only if that peer happens to be sending to us too. */
  while (wanted > 0 && (open->len > 0 || candidates->len > 0))
    {
      GPtrArray *from = open->len > 0 ? open : candidates;
      guint pick = (guint) srp_rng_below (&ctx->rng, from->len);
      SrpKnownPeer *r = g_ptr_array_steal_index_fast (from, pick);

      if (!srp_mesh_start_paid_handshake (mesh, &r->address, &r->id, 0, NULL))
        {
          /* Out of budget, or its namer out of credit: it waits its turn,
           * and the rest wait for the next round. */
          r->failures++;
          r->next_attempt = ctx->now + srp_mesh_backoff (r->failures);
          break;
        }
      wanted--;
    }
  if (open->len > 0 || candidates->len > 0)
    srp_mesh_schedule_maintenance (mesh, ctx->now + SRP_MESH_MAINTENANCE_US);
}

/* Short of links, with no more known peers than twice the links it wants:
 * nothing left to dial. One PEERS_REQUEST (or its answer) lost would keep
 * such a peer on its first link until the next exchange, a minute on:
 * measured in srp-simulate at 10 % loss, a fifth of the newcomers sat on
 * the bootstrap alone, and every message reached them late. Only while no
 * answer came: asking again when one did would only repeat it (and in a
 * small network every peer is short of peers). */
static gboolean
starving (SrpMesh *mesh)
{
  SrpContext *ctx = mesh->ctx;

  return srp_link_table_size (ctx->links) < ctx->config->target_connections &&
         srp_peer_table_size (ctx->peers) < 2 * ctx->config->target_connections;
}

gint64
srp_mesh_next_exchange (SrpMesh *mesh)
{
  SrpContext *ctx = mesh->ctx;
  gint64 delay = ctx->config->exchange_us;

  /* The shift is taken apart from MIN: it evaluates an argument twice,
   * and starving_asks++ inside two of them counted each ask four times
   * (the first ask again 16 s after the link came up instead of 2 s, then
   * every minute: in the simulator's 100-peer test at 10 % loss, peers
   * whose first PEERS was lost sat on the bootstrap node alone). */
  if (starving (mesh))
    {
      guint shift = MIN (mesh->starving_asks, 8);

      mesh->starving_asks++;
      delay = MIN (delay, SRP_MESH_STARVING_ASK_US << shift);
    }
  else
    mesh->starving_asks = 0;
  return ctx->now + delay;
}

void
srp_mesh_exchange (SrpTimer *timer, gpointer owner)
{
  SrpMesh *mesh = owner;
  SrpContext *ctx = mesh->ctx;
  GPtrArray *links = srp_link_table_list (ctx->links);

  /* With no link it rests until one comes up. */
  if (links->len == 0)
    return;
  /* A quick check after asking, and the answer came: back to the pace of
   * the exchange. */
  if (mesh->starving_asks > 0 && !mesh->peers_awaited)
    {
      mesh->starving_asks = 0;
      srp_timer_set (ctx->timers, timer, ctx->now + ctx->config->exchange_us);
      return;
    }
  srp_mesh_request_peers (mesh, g_ptr_array_index (links, srp_rng_below (&ctx->rng, links->len)));
  srp_timer_set (ctx->timers, timer, srp_mesh_next_exchange (mesh));
}
