/* srp-core.c: the sans-IO core's public face (srp-core.h). It owns the
 * context and the subsystems, hands every input to the one place that
 * handles it, and lets the subsystems settle after each.
 *
 * An incoming datagram's path: prefix check (srp_wire_check_prefix) ->
 * socket policy (punch sockets) -> the NAT's notice of input ->
 * srp_context_handle_frame (the link at the address, its sign of life) ->
 * srp_dispatch_frame (decode, authentication, the frame kind's handler) ->
 * the handler -> transmits and events queued -> settle.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-core.h"


#include "srp-reassembler.h"

#include <string.h>

#include "srp-context.h"
#include "srp-core-internal.h"
#include "srp-mesh.h"
#include "srp-pubsub.h"
#include "srp-state.h"
#include "srp-traversal.h"
#include "srp-dht.h"
#include "srp-stream.h"

struct _SrpCore {
  SrpCoreConfig config;
  SrpContext *ctx;
  SrpMesh *mesh;
  SrpTraversal *traversal;
  SrpDht *dht;
  SrpPubsub *pubsub;
  SrpStreams *streams;
};

void
srp_core_config_init (SrpCoreConfig *config)
{
  SrpReassemblerConfig rc;

  srp_reassembler_config_init (&rc);
  memset (config, 0, sizeof *config);
  config->ping_retry_us = 500 * G_TIME_SPAN_MILLISECOND;
  config->ping_attempts = 4;
  config->reassembly_max_bytes = rc.max_bytes;
  config->reassembly_timeout_us = rc.timeout_us;
  config->n_sockets = 2;
  config->heartbeat_us = 25 * G_TIME_SPAN_SECOND;
  config->heartbeat_misses = 3;
  config->peer_capacity = 256;
  config->prefix_limit = 16;
  config->prefix_link_limit = 64;
  config->target_connections = 8;
  config->exchange_us = 60 * G_TIME_SPAN_SECOND;
  config->nat_recheck_us = 10 * G_TIME_SPAN_MINUTE;
  config->cache_budget = 16 * 1024 * 1024;
  config->cache_ttl_us = G_TIME_SPAN_HOUR;
  config->fanout = 3;
  config->sync_us = 10 * G_TIME_SPAN_SECOND;
  config->publish_timeout_us = 10 * G_TIME_SPAN_SECOND;
  config->remembered_ids = 65536;
  config->connect_timeout_us = 30 * G_TIME_SPAN_SECOND;
  /* Enough to cross two NATs in a row (carrier-grade) and one more LAN
   * router, and to die in the ISP well before the far side's NAT. */
  config->punch_ttl = 4;
  config->punch_sockets = 256;
  config->punch_probes = 2048;
  config->relay_circuits = 16;
  config->relay_bytes = 64 * 1024 * 1024;
}

SrpCore *
srp_core_new (const SrpCoreConfig *config)
{
  SrpCore *core = g_new0 (SrpCore, 1);
  SrpCoreConfig defaults;

  srp_core_config_init (&defaults);
  core->config = *config;
  /* Zero means "default" for every tunable, so partial configs stay sane. */
#define DEFAULT(field) if (core->config.field <= 0) core->config.field = defaults.field
  DEFAULT (ping_retry_us);
  DEFAULT (ping_attempts);
  DEFAULT (reassembly_max_bytes);
  DEFAULT (reassembly_timeout_us);
  DEFAULT (n_sockets);
  DEFAULT (heartbeat_us);
  DEFAULT (heartbeat_misses);
  DEFAULT (peer_capacity);
  DEFAULT (prefix_limit);
  DEFAULT (prefix_link_limit);
  DEFAULT (target_connections);
  DEFAULT (exchange_us);
  DEFAULT (nat_recheck_us);
  DEFAULT (cache_budget);
  DEFAULT (cache_ttl_us);
  DEFAULT (fanout);
  DEFAULT (sync_us);
  DEFAULT (publish_timeout_us);
  DEFAULT (remembered_ids);
  DEFAULT (connect_timeout_us);
  DEFAULT (punch_ttl);
  DEFAULT (punch_sockets);
  DEFAULT (punch_probes);
  DEFAULT (relay_circuits);
  DEFAULT (relay_bytes);
#undef DEFAULT
  core->config.ping_attempts = MIN (core->config.ping_attempts, SRP_PING_MAX_ATTEMPTS);
  core->config.n_sockets = MIN (core->config.n_sockets, 2);

  core->ctx = srp_context_new (&core->config);
  core->ctx->attached = TRUE;
  /* In this order they hear of links: the mesh first (heartbeats, peer
   * exchange), the DHT (registrations), then traversal (INFO, attempts),
   * then pub/sub, then streams. */
  core->mesh = srp_mesh_new (core->ctx);
  core->dht = srp_dht_new (core->ctx);
  core->traversal = srp_traversal_new (core->ctx, core->mesh, core->dht);
  core->pubsub = srp_pubsub_new (core->ctx);
  core->streams = srp_streams_new (core->ctx);
  srp_context_settle (core->ctx);
  return core;
}

SrpContext *
srp_core_get_context (SrpCore *core)
{
  return core->ctx;
}

void
srp_core_assume_nat (SrpCore *core, guint8 family, guint8 type, const SrpAddress *public_address)
{
  srp_traversal_assume_nat (core->traversal, family, type, public_address);
}

void
srp_core_event_clear (SrpCoreEvent *event)
{
  if (event->type == SRP_CORE_EVENT_MESSAGE)
    g_clear_pointer (&event->message.data, g_bytes_unref);
  memset (event, 0, sizeof *event);
}

guint64
srp_core_event_request (const SrpCoreEvent *event)
{
  switch (event->type)
    {
    case SRP_CORE_EVENT_PING_RESULT:
      return event->ping.request;
    case SRP_CORE_EVENT_PUBLISHED:
      return event->published.request;
    case SRP_CORE_EVENT_CONNECT_RESULT:
      return event->connect.request;
    default:
      return 0;
    }
}

void
srp_core_free (SrpCore *core)
{
  GPtrArray *links;

  if (core == NULL)
    return;
  /* Links first, while every subsystem is there to let go of them. */
  links = srp_link_table_list (core->ctx->links);
  while (links->len > 0)
    srp_context_close_link (core->ctx, g_ptr_array_index (links, links->len - 1));
  srp_context_free_subsystems (core->ctx);
  srp_context_free (core->ctx);
  g_free (core);
}

/* Every command and input ends here: what it changed settles into the
 * timer table. */
static void
settle (SrpCore *core)
{
  srp_context_settle (core->ctx);
}

void
srp_core_detach (SrpCore *core, gint64 now_us)
{
  if (!core->ctx->attached)
    return;
  core->ctx->now = now_us;
  srp_mesh_leave (core->mesh);
  srp_context_notify_detach (core->ctx);
  core->ctx->attached = FALSE;
  settle (core);
}

void
srp_core_attach (SrpCore *core, gint64 now_us)
{
  if (core->ctx->attached)
    return;
  core->ctx->now = now_us;
  core->ctx->attached = TRUE;
  srp_context_notify_attach (core->ctx);
  settle (core);
}

gboolean
srp_core_is_attached (SrpCore *core)
{
  return core->ctx->attached;
}

void
srp_core_cancel (SrpCore *core, guint64 request)
{
  srp_pings_cancel (srp_mesh_get_pings (core->mesh), request);
  srp_traversal_cancel (core->traversal, request);
}

/* ---- inputs ---------------------------------------------------------------------- */

void
srp_core_handle_datagram (SrpCore *core, gint64 now_us, guint socket, const SrpAddress *from,
                          const guint8 *data, gsize len)
{
  SrpContext *ctx = core->ctx;
  guint8 kind;
  SrpDropReason reason;

  g_return_if_fail (socket < SRP_SOCKETS_MAX);
  ctx->now = now_us;
  ctx->datagrams_in++;
  ctx->bytes_in += len;
  reason = srp_wire_check_prefix (data, len, &kind);
  if (reason == SRP_DROP_NONE && !srp_address_is_valid (from))
    reason = SRP_DROP_UNEXPECTED;
  if (reason == SRP_DROP_NONE && !ctx->attached)
    reason = SRP_DROP_UNEXPECTED;
  /* A punch socket takes hole-punching probes, and then only what comes
   * from the peer it was kept for, as if it came to the main socket. */
  if (reason == SRP_DROP_NONE && socket >= ctx->config->n_sockets)
    {
      if (!ctx->router.socket_is_open (ctx->router.self, socket))
        reason = SRP_DROP_UNEXPECTED;
      else if (kind != SRP_FRAME_PUNCH)
        {
          if (ctx->router.route (ctx->router.self, from) != socket)
            reason = SRP_DROP_UNEXPECTED;
          socket = 0;
        }
    }
  if (reason != SRP_DROP_NONE)
    {
      srp_context_drop (ctx, reason);
      return;
    }
  srp_context_notify_input (ctx);
  srp_context_handle_frame (ctx, socket, from, data, len);
  settle (core);
}

void
srp_core_handle_timeout (SrpCore *core, gint64 now_us)
{
  core->ctx->now = now_us;
  srp_timer_table_fire_due (core->ctx->timers, now_us);
  settle (core);
}

gboolean
srp_core_poll_transmit (SrpCore *core, SrpTransmit *out)
{
  SrpContext *ctx = core->ctx;

  if (!srp_ring_pop (&ctx->transmits, out))
    return FALSE;
  ctx->datagrams_out++;
  ctx->bytes_out += out->len;
  return TRUE;
}

guint
srp_core_peek_transmits (SrpCore *core, const SrpTransmit **out, guint max)
{
  SrpRing *ring = &core->ctx->transmits;
  guint n = MIN (max, ring->length);

  for (guint i = 0; i < n; i++)
    out[i] = srp_ring_peek (ring, i);
  return n;
}

void
srp_core_release_transmits (SrpCore *core, guint n)
{
  SrpContext *ctx = core->ctx;

  g_return_if_fail (n <= ctx->transmits.length);
  /* Counted as they go, the same as poll_transmit counts them. */
  for (guint i = 0; i < n; i++)
    ctx->bytes_out += ((const SrpTransmit *) srp_ring_peek (&ctx->transmits, i))->len;
  ctx->datagrams_out += n;
  srp_ring_release (&ctx->transmits, n);
}

gint64
srp_core_poll_timeout (SrpCore *core)
{
  return srp_timer_table_next (core->ctx->timers);
}

gboolean
srp_core_poll_event (SrpCore *core, SrpCoreEvent *out)
{
  return srp_ring_pop (&core->ctx->events, out);
}

/* ---- commands ---------------------------------------------------------------------- */

guint64
srp_core_ping (SrpCore *core, gint64 now_us, const SrpAddress *to)
{
  guint64 request;

  g_return_val_if_fail (srp_address_is_valid (to), 0);
  core->ctx->now = now_us;
  request = srp_pings_start (srp_mesh_get_pings (core->mesh), 0, to, core->config.ping_attempts,
                             NULL, NULL);
  settle (core);
  return request;
}

gboolean
srp_core_send_message (SrpCore *core, gint64 now_us, const SrpAddress *to, const SrpId *topic_id,
                       const guint8 *data, gsize len, SrpId *message_id)
{
  return srp_core_send_message_full (core, now_us, to, topic_id, 0, data, len, message_id);
}

gboolean
srp_core_send_message_full (SrpCore *core, gint64 now_us, const SrpAddress *to,
                            const SrpId *topic_id, guint flags, const guint8 *data, gsize len,
                            SrpId *message_id)
{
  gboolean ok;

  g_return_val_if_fail (srp_address_is_valid (to), FALSE);
  g_return_val_if_fail (topic_id != NULL, FALSE);
  core->ctx->now = now_us;
  ok = srp_pubsub_send_message (core->pubsub, to, topic_id, flags, data, len, message_id);
  settle (core);
  return ok;
}

guint64
srp_core_connect (SrpCore *core, gint64 now_us, const SrpId *peer_id)
{
  guint64 request;

  g_return_val_if_fail (peer_id != NULL, 0);
  core->ctx->now = now_us;
  request = srp_traversal_connect (core->traversal, peer_id);
  settle (core);
  return request;
}

void
srp_core_leave (SrpCore *core, gint64 now_us)
{
  core->ctx->now = now_us;
  srp_mesh_leave (core->mesh);
  settle (core);
}

void
srp_core_subscribe (SrpCore *core, gint64 now_us, const SrpId *topic_id)
{
  g_return_if_fail (topic_id != NULL);
  core->ctx->now = now_us;
  srp_pubsub_subscribe (core->pubsub, topic_id);
  settle (core);
}

void
srp_core_subscribe_group (SrpCore *core, gint64 now_us, const SrpId *topic_id,
                          const guint8 key[32])
{
  g_return_if_fail (topic_id != NULL);
  g_return_if_fail (key != NULL);
  core->ctx->now = now_us;
  srp_pubsub_subscribe_group (core->pubsub, topic_id, key);
  settle (core);
}

void
srp_core_unsubscribe (SrpCore *core, gint64 now_us, const SrpId *topic_id)
{
  g_return_if_fail (topic_id != NULL);
  core->ctx->now = now_us;
  srp_pubsub_unsubscribe (core->pubsub, topic_id);
  settle (core);
}

gboolean
srp_core_is_subscribed (SrpCore *core, const SrpId *topic_id)
{
  return srp_pubsub_is_subscribed (core->pubsub, topic_id);
}

GArray *
srp_core_get_subscriptions (SrpCore *core)
{
  return srp_pubsub_get_subscriptions (core->pubsub);
}

guint64
srp_core_publish (SrpCore *core, gint64 now_us, const SrpId *topic_id, const SrpId *recipient,
                  const guint8 *data, gsize len, SrpId *message_id)
{
  return srp_core_publish_full (core, now_us, topic_id, recipient, 0, data, len, message_id);
}

guint64
srp_core_publish_full (SrpCore *core, gint64 now_us, const SrpId *topic_id,
                       const SrpId *recipient, guint flags, const guint8 *data, gsize len,
                       SrpId *message_id)
{
  guint64 request;

  g_return_val_if_fail (topic_id != NULL, 0);
  g_return_val_if_fail (!(flags & SRP_CORE_PUBLISH_SEALED) || recipient != NULL, 0);
  core->ctx->now = now_us;
  request = srp_pubsub_publish (core->pubsub, topic_id, recipient, flags, data, len, message_id);
  settle (core);
  return request;
}

void
srp_core_get_cache_stats (SrpCore *core, SrpCacheStats *out)
{
  srp_pubsub_get_cache_stats (core->pubsub, out);
}

void
srp_core_set_cache_budget (SrpCore *core, gint64 now_us, gsize budget)
{
  core->ctx->now = now_us;
  srp_pubsub_set_cache_budget (core->pubsub, budget);
  settle (core);
}

GBytes *
srp_core_cache_lookup (SrpCore *core, const SrpId *packet_id)
{
  return srp_pubsub_cache_lookup (core->pubsub, packet_id);
}

void
srp_core_add_bootstrap (SrpCore *core, gint64 now_us, const SrpAddress *address)
{
  g_return_if_fail (srp_address_is_valid (address));
  core->ctx->now = now_us;
  srp_mesh_add_bootstrap (core->mesh, address);
  settle (core);
}

void
srp_core_add_local_address (SrpCore *core, const SrpAddress *address)
{
  g_return_if_fail (srp_address_is_valid (address));
  srp_traversal_add_local_address (core->traversal, address);
}

void
srp_core_set_local_port (SrpCore *core, guint16 port)
{
  srp_traversal_set_local_port (core->traversal, port);
}

void
srp_core_set_lan_discovery (SrpCore *core, gint64 now_us, gboolean enabled)
{
  core->ctx->now = now_us;
  srp_traversal_set_lan_discovery (core->traversal, enabled);
  settle (core);
}

void
srp_core_set_mapped_address (SrpCore *core, gint64 now_us, const SrpAddress *mapped)
{
  g_return_if_fail (mapped == NULL || (srp_address_is_valid (mapped) && mapped->port != 0));
  core->ctx->now = now_us;
  srp_traversal_set_mapped_address (core->traversal, mapped);
  settle (core);
}

gboolean
srp_core_get_mapped_address (SrpCore *core, SrpAddress *mapped)
{
  return srp_traversal_get_mapped_address (core->traversal, mapped);
}

void
srp_core_network_changed (SrpCore *core, gint64 now_us)
{
  core->ctx->now = now_us;
  srp_traversal_network_changed (core->traversal);
  settle (core);
}

void
srp_core_clear_local_addresses (SrpCore *core)
{
  srp_traversal_clear_local_addresses (core->traversal);
}

gboolean
srp_core_get_lan_discovery (SrpCore *core)
{
  return srp_traversal_get_lan_discovery (core->traversal);
}

guint8
srp_core_get_nat (SrpCore *core, SrpAddress *public_address)
{
  return srp_traversal_get_nat (core->traversal, public_address);
}

guint8
srp_core_get_nat_family (SrpCore *core, guint8 family, SrpAddress *public_address)
{
  return srp_traversal_get_nat_family (core->traversal, family, public_address);
}

const char *
srp_core_get_nat_problem (SrpCore *core)
{
  return srp_traversal_get_nat_problem (core->traversal);
}

guint
srp_core_get_n_connected (SrpCore *core)
{
  return srp_link_table_size (core->ctx->links);
}

guint
srp_core_get_n_known (SrpCore *core)
{
  return srp_link_table_size (core->ctx->links) + srp_peer_table_size (core->ctx->peers);
}

void
srp_core_list_peers (SrpCore *core, GArray *out)
{
  GPtrArray *links = srp_link_table_list (core->ctx->links);

  for (guint i = 0; i < links->len; i++)
    {
      SrpCoreEvent event = { .type = SRP_CORE_EVENT_PEER_ADDED };

      srp_context_describe_link (g_ptr_array_index (links, i), &event);
      g_array_append_val (out, event);
    }
}

/* ---- streams ------------------------------------------------------------------------ */

guint64
srp_core_stream_open (SrpCore *core, gint64 now_us, const SrpId *peer_id, const char *label)
{
  guint64 stream;

  g_return_val_if_fail (peer_id != NULL, 0);
  core->ctx->now = now_us;
  stream = srp_streams_open (core->streams, peer_id, label);
  settle (core);
  return stream;
}

void
srp_core_stream_accept (SrpCore *core, gint64 now_us, guint64 stream)
{
  core->ctx->now = now_us;
  srp_streams_accept (core->streams, stream);
  settle (core);
}

gssize
srp_core_stream_write (SrpCore *core, gint64 now_us, guint64 stream, const guint8 *data, gsize len)
{
  gssize n;

  g_return_val_if_fail (data != NULL || len == 0, -1);
  core->ctx->now = now_us;
  n = srp_streams_write (core->streams, stream, data, len);
  settle (core);
  return n;
}

gboolean
srp_core_stream_finish (SrpCore *core, gint64 now_us, guint64 stream)
{
  gboolean ok;

  core->ctx->now = now_us;
  ok = srp_streams_finish (core->streams, stream);
  settle (core);
  return ok;
}

gssize
srp_core_stream_read (SrpCore *core, gint64 now_us, guint64 stream, guint8 *out, gsize len,
                      gboolean *eof)
{
  gboolean ignored;
  gssize n;

  g_return_val_if_fail (out != NULL || len == 0, -1);
  core->ctx->now = now_us;
  n = srp_streams_read (core->streams, stream, out, len, eof != NULL ? eof : &ignored);
  settle (core);
  return n;
}

void
srp_core_stream_reset (SrpCore *core, gint64 now_us, guint64 stream, guint8 reason)
{
  core->ctx->now = now_us;
  srp_streams_reset (core->streams, stream, reason);
  settle (core);
}

void
srp_core_stream_release (SrpCore *core, gint64 now_us, guint64 stream)
{
  core->ctx->now = now_us;
  srp_streams_release (core->streams, stream);
  settle (core);
}

gboolean
srp_core_stream_get_info (SrpCore *core, guint64 stream, SrpCoreStreamInfo *out)
{
  return srp_streams_get_info (core->streams, stream, out);
}

guint64
srp_core_get_drop_count (SrpCore *core, SrpDropReason reason)
{
  g_return_val_if_fail ((guint) reason < SRP_DROP_N_REASONS, 0);
  /* The reassembler counts what it evicts or times out on its own. */
  if (reason == SRP_DROP_REASSEMBLY_FULL || reason == SRP_DROP_REASSEMBLY_TIMEOUT)
    return core->ctx->drops[reason] + srp_pubsub_reassembler_drops (core->pubsub, reason);
  return core->ctx->drops[reason];
}

guint64
srp_core_get_datagrams_received (SrpCore *core)
{
  return core->ctx->datagrams_in;
}

guint64
srp_core_get_datagrams_sent (SrpCore *core)
{
  return core->ctx->datagrams_out;
}

void
srp_core_get_packet_paths (SrpCore *core, SrpCorePacketPaths *out)
{
  srp_pubsub_get_packet_paths (core->pubsub, out);
}

/* ---- stats and state ------------------------------------------------------------------ */

GVariant *
srp_core_get_stats (SrpCore *core)
{
  SrpContext *ctx = core->ctx;
  GVariantDict dict;
  GVariantBuilder drops, timers;
  guint64 total = 0;

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "datagrams_in", "t", ctx->datagrams_in);
  g_variant_dict_insert (&dict, "datagrams_out", "t", ctx->datagrams_out);
  g_variant_dict_insert (&dict, "bytes_in", "t", ctx->bytes_in);
  g_variant_dict_insert (&dict, "bytes_out", "t", ctx->bytes_out);
  g_variant_builder_init (&drops, G_VARIANT_TYPE ("a{st}"));
  for (guint r = SRP_DROP_NONE + 1; r < SRP_DROP_N_REASONS; r++)
    {
      guint64 n = srp_core_get_drop_count (core, r);

      g_variant_builder_add (&drops, "{st}", srp_drop_reason_name (r), n);
      total += n;
    }
  g_variant_dict_insert_value (&dict, "drops", g_variant_builder_end (&drops));
  g_variant_dict_insert (&dict, "drops_total", "t", total);
  g_variant_builder_init (&timers, G_VARIANT_TYPE ("a{su}"));
  for (guint r = 0; r < SRP_TIMER_N_REASONS; r++)
    g_variant_builder_add (&timers, "{su}", srp_timer_reason_name (r),
                           srp_timer_table_count (ctx->timers, r));
  g_variant_dict_insert_value (&dict, "timers", g_variant_builder_end (&timers));
  srp_context_collect_stats (ctx, &dict);
  return g_variant_dict_end (&dict);
}

GVariant *
srp_core_export_state (SrpCore *core, gint64 now_us)
{
  GVariantDict dict;

  core->ctx->now = now_us;
  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "version", "u", (guint32) SRP_STATE_VERSION);
  g_variant_dict_insert_value (&dict, "peer_id", srp_state_id (&core->config.peer_id));
  srp_context_export_state (core->ctx, &dict);
  return g_variant_dict_end (&dict);
}

void
srp_core_set_journal (SrpCore *core, gboolean enabled)
{
  SrpJournal *journal = &core->ctx->journal;

  if (!enabled)
    {
      srp_journal_clear (journal);
      srp_journal_init (journal);
      return;
    }
  journal->enabled = TRUE;
}

gboolean
srp_core_poll_state_change (SrpCore *core, SrpStateChange *out)
{
  SrpJournal *journal = &core->ctx->journal;

  if (srp_ring_pop (&journal->changes, out))
    return TRUE;
  /* The parts polled whole come after the entries of the same turn. */
  if (journal->subscriptions_dirty)
    {
      journal->subscriptions_dirty = FALSE;
      memset (out, 0, sizeof *out);
      out->type = SRP_STATE_CHANGE_SUBSCRIPTIONS;
      out->value = g_variant_ref_sink (srp_pubsub_export_subscriptions (core->pubsub));
      return TRUE;
    }
  if (journal->peers_dirty)
    {
      journal->peers_dirty = FALSE;
      memset (out, 0, sizeof *out);
      out->type = SRP_STATE_CHANGE_KNOWN_PEERS;
      out->value = g_variant_ref_sink (srp_mesh_export_known_peers (core->mesh));
      return TRUE;
    }
  return FALSE;
}

gboolean
srp_core_import_state (SrpCore *core, gint64 now_us, GVariant *state, GError **error)
{
  g_autoptr (GVariant) peer_id = NULL;
  GVariantDict dict;
  guint32 version = 0;
  SrpId id;
  gboolean ok;

  g_return_val_if_fail (state != NULL, FALSE);
  if (!g_variant_is_of_type (state, G_VARIANT_TYPE_VARDICT))
    return srp_state_malformed (error, "state");
  g_variant_dict_init (&dict, state);
  if (!g_variant_dict_lookup (&dict, "version", "u", &version) || version != SRP_STATE_VERSION)
    {
      g_variant_dict_clear (&dict);
      g_set_error (error, SRP_STATE_ERROR, SRP_STATE_ERROR_VERSION,
                   "The saved state has layout version %u; this libsrp reads version %u",
                   version, SRP_STATE_VERSION);
      return FALSE;
    }
  /* Another peer's state would make this one deliver nothing it should and
   * publish into someone else's chains. */
  peer_id = g_variant_dict_lookup_value (&dict, "peer_id", NULL);
  if (peer_id == NULL || !srp_state_read_id (peer_id, &id) ||
      !srp_id_equal (&id, &core->config.peer_id))
    {
      g_variant_dict_clear (&dict);
      return srp_state_malformed (error, "peer_id");
    }
  core->ctx->now = now_us;
  /* Every part is checked before any is taken: all or nothing. */
  ok = srp_context_import_state (core->ctx, &dict, FALSE, error) &&
       srp_context_import_state (core->ctx, &dict, TRUE, error);
  g_variant_dict_clear (&dict);
  settle (core);
  return ok;
}
