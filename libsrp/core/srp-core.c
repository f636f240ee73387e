/* srp-core.c: the sans-IO protocol core: lifecycle, dispatch of datagrams
 * to the file that owns their concern, and the output queues.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-core-private.h"

#include <string.h>

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
  config->heartbeat_us = 15 * G_TIME_SPAN_SECOND;
  config->heartbeat_misses = 3;
  config->peer_capacity = 256;
  config->prefix_limit = 16;
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
  SrpReassemblerConfig rc;

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
  core->config.ping_attempts = MIN (core->config.ping_attempts, MAX_PING_ATTEMPTS);
  core->config.n_sockets = MIN (core->config.n_sockets, 2);

  srp_rng_init (&core->rng, config->seed);
  g_queue_init (&core->transmits);
  g_queue_init (&core->events);
  core->pings = g_ptr_array_new_with_free_func (g_free);
  core->next_request = 1;
  core->last_message = g_hash_table_new_full (srp_id_hash_func, srp_id_equal_func, g_free, g_free);
  srp_reassembler_config_init (&rc);
  rc.max_bytes = core->config.reassembly_max_bytes;
  rc.timeout_us = core->config.reassembly_timeout_us;
  core->reassembler = srp_reassembler_new (&rc);
  srp_core_peers_init (core);
  srp_core_nat_init (core);
  srp_core_gossip_init (core);
  srp_core_topics_init (core);
  srp_core_fill_init (core);
  srp_core_sync_init (core);
  srp_core_connect_init (core);
  srp_core_relay_init (core);
  srp_core_subscribe (core, 0, &core->inbox);
  return core;
}

void
srp_core_event_clear (SrpCoreEvent *event)
{
  if (event->type == SRP_CORE_EVENT_MESSAGE)
    g_clear_pointer (&event->message.data, g_bytes_unref);
  memset (event, 0, sizeof *event);
}

static void
event_free (gpointer data)
{
  srp_core_event_clear (data);
  g_free (data);
}

void
srp_core_free (SrpCore *core)
{
  if (core == NULL)
    return;
  g_queue_clear_full (&core->transmits, g_free);
  g_queue_clear_full (&core->events, event_free);
  g_ptr_array_unref (core->pings);
  srp_core_relay_clear (core);
  srp_core_connect_clear (core);
  srp_core_fill_clear (core);
  srp_core_topics_clear (core);
  srp_core_gossip_clear (core);
  srp_core_peers_clear (core);
  g_hash_table_unref (core->last_message);
  srp_reassembler_free (core->reassembler);
  g_free (core);
}

void
srp_core_queue_transmit_ttl (SrpCore *core, guint socket, guint8 ttl, const SrpAddress *to,
                             const guint8 *data, gsize len)
{
  SrpTransmit *t;

  g_assert (len <= SRP_MAX_DATAGRAM);
  /* A peer behind a relay: the frame goes to the relay, wrapped. */
  if (srp_address_is_relay (to))
    {
      srp_core_relay_send (core, to, data, len);
      return;
    }
  /* A peer reached through a punch socket is always sent to from it: its
   * NAT lets in only what comes from that socket's mapping. */
  if (socket == 0)
    socket = srp_core_route (core, to);
  /* Callers only use socket 1 when the core has one (NAT classification
   * checks first; probe requests are refused without one). */
  g_assert (socket < core->config.n_sockets || srp_core_socket_is_open (core, socket));
  /* Only as much of the buffer as the frame needs is allocated. */
  t = g_malloc (G_STRUCT_OFFSET (SrpTransmit, data) + len);
  t->socket = socket;
  t->ttl = ttl;
  t->to = *to;
  t->len = len;
  memcpy (t->data, data, len);
  g_queue_push_tail (&core->transmits, t);
}

void
srp_core_queue_transmit (SrpCore *core, guint socket, const SrpAddress *to, const guint8 *data,
                         gsize len)
{
  srp_core_queue_transmit_ttl (core, socket, 0, to, data, len);
}

SrpCoreEvent *
srp_core_queue_event (SrpCore *core, SrpCoreEventType type)
{
  SrpCoreEvent *event = g_new0 (SrpCoreEvent, 1);

  event->type = type;
  g_queue_push_tail (&core->events, event);
  return event;
}

void
srp_core_drop (SrpCore *core, SrpDropReason reason)
{
  g_assert ((guint) reason < SRP_DROP_N_REASONS);
  core->drops[reason]++;
}

void
srp_core_earliest (gint64 *deadline, gint64 candidate)
{
  if (candidate >= 0 && (*deadline < 0 || candidate < *deadline))
    *deadline = candidate;
}

guint64
srp_core_ping (SrpCore *core, gint64 now_us, const SrpAddress *to)
{
  g_return_val_if_fail (srp_address_is_valid (to), 0);
  core->now = now_us;
  return srp_core_ping_internal (core, PING_FOR_USER, 0, to, core->config.ping_attempts);
}

void
srp_core_handle_datagram (SrpCore *core, gint64 now_us, guint socket, const SrpAddress *from,
                          const guint8 *data, gsize len)
{
  guint8 kind;
  SrpDropReason reason;

  g_return_if_fail (socket < SRP_SOCKETS_MAX);
  core->now = now_us;
  core->received++;
  reason = srp_wire_check_prefix (data, len, &kind);
  if (reason == SRP_DROP_NONE && !srp_address_is_valid (from))
    reason = SRP_DROP_UNEXPECTED;
  if (reason != SRP_DROP_NONE)
    {
      srp_core_drop (core, reason);
      return;
    }
  if (socket >= core->config.n_sockets)
    {
      /* A punch socket takes hole-punching probes, and then only what comes
       * from the peer it was kept for. */
      if (!srp_core_socket_is_open (core, socket))
        reason = SRP_DROP_UNEXPECTED;
      else if (kind == SRP_FRAME_PUNCH)
        {
          srp_core_handle_punch (core, socket, from, data, len);
          return;
        }
      else if (srp_core_route (core, from) != socket)
        reason = SRP_DROP_UNEXPECTED;
      if (reason != SRP_DROP_NONE)
        {
          srp_core_drop (core, reason);
          return;
        }
      socket = 0;
    }
  srp_core_nat_input (core);
  srp_core_dispatch (core, socket, from, data, len);
}

void
srp_core_dispatch (SrpCore *core, guint socket, const SrpAddress *from, const guint8 *data,
                   gsize len)
{
  guint8 kind = data[3];
  SrpPeerEntry *peer;

  /* Any datagram from a connected peer shows it is alive. */
  peer = socket == 0 ? srp_core_authenticated (core, from) : NULL;
  if (peer != NULL)
    srp_core_peer_heard (core, peer);

  switch (kind)
    {
    case SRP_FRAME_PACKET:
      srp_core_handle_packet (core, from, data, len);
      break;
    case SRP_FRAME_PING:
      srp_core_handle_ping (core, socket, from, data, len);
      break;
    case SRP_FRAME_PONG:
      srp_core_handle_pong (core, socket, from, data, len);
      break;
    case SRP_FRAME_HELLO:
      srp_core_handle_hello (core, from, data, len);
      break;
    case SRP_FRAME_HELLO_REPLY:
      srp_core_handle_hello_reply (core, from, data, len);
      break;
    case SRP_FRAME_HELLO_DONE:
      srp_core_handle_hello_done (core, from, data, len);
      break;
    case SRP_FRAME_PEERS_REQUEST:
      srp_core_handle_peers_request (core, from, data, len);
      break;
    case SRP_FRAME_PEERS:
      srp_core_handle_peers (core, from, data, len);
      break;
    case SRP_FRAME_BUSY:
      srp_core_handle_busy (core, from, data, len);
      break;
    case SRP_FRAME_GOODBYE:
      srp_core_handle_goodbye (core, from, data, len);
      break;
    case SRP_FRAME_PROBE_REQUEST:
      srp_core_handle_probe_request (core, from, data, len);
      break;
    case SRP_FRAME_PROBE:
      srp_core_handle_probe (core, socket, data, len);
      break;
    case SRP_FRAME_SUBSCRIPTIONS:
      srp_core_handle_subscriptions (core, from, data, len);
      break;
    case SRP_FRAME_ACK:
      srp_core_handle_ack (core, from, data, len);
      break;
    case SRP_FRAME_QUERY:
      srp_core_handle_query (core, from, data, len);
      break;
    case SRP_FRAME_SYNC:
      srp_core_handle_sync (core, from, data, len);
      break;
    case SRP_FRAME_INFO:
      srp_core_handle_info (core, from, data, len);
      break;
    case SRP_FRAME_CONNECT:
      srp_core_handle_connect (core, from, data, len);
      break;
    case SRP_FRAME_INTRODUCE:
      srp_core_handle_introduce (core, from, data, len);
      break;
    case SRP_FRAME_PUNCH:
      srp_core_handle_punch (core, socket, from, data, len);
      break;
    case SRP_FRAME_RELAY:
      srp_core_handle_relay (core, from, data, len);
      break;
    case SRP_FRAME_RELAYED:
      srp_core_handle_relayed (core, from, data, len);
      break;
    default:
      srp_core_drop (core, SRP_DROP_UNKNOWN_KIND);
      break;
    }
}

void
srp_core_handle_timeout (SrpCore *core, gint64 now_us)
{
  core->now = now_us;
  srp_core_pings_timeout (core);
  srp_core_peers_timeout (core);
  srp_core_nat_timeout (core);
  srp_core_topics_timeout (core);
  srp_core_gossip_timeout (core);
  srp_core_fill_timeout (core);
  srp_core_sync_timeout (core);
  srp_core_connect_timeout (core);
  srp_reassembler_expire (core->reassembler, now_us);
}

gboolean
srp_core_poll_transmit (SrpCore *core, SrpTransmit *out)
{
  SrpTransmit *t = g_queue_pop_head (&core->transmits);

  if (t == NULL)
    return FALSE;
  out->socket = t->socket;
  out->ttl = t->ttl;
  out->to = t->to;
  out->len = t->len;
  memcpy (out->data, t->data, t->len);
  g_free (t);
  core->sent++;
  return TRUE;
}

gint64
srp_core_poll_timeout (SrpCore *core)
{
  gint64 deadline = srp_reassembler_next_deadline (core->reassembler);

  srp_core_earliest (&deadline, srp_core_pings_deadline (core));
  srp_core_earliest (&deadline, srp_core_peers_deadline (core));
  srp_core_earliest (&deadline, srp_core_nat_deadline (core));
  srp_core_earliest (&deadline, srp_core_topics_deadline (core));
  srp_core_earliest (&deadline, srp_core_gossip_deadline (core));
  srp_core_earliest (&deadline, srp_core_fill_deadline (core));
  srp_core_earliest (&deadline, srp_core_sync_deadline (core));
  srp_core_earliest (&deadline, srp_core_connect_deadline (core));
  return deadline;
}

gboolean
srp_core_poll_event (SrpCore *core, SrpCoreEvent *out)
{
  SrpCoreEvent *event = g_queue_pop_head (&core->events);

  if (event == NULL)
    return FALSE;
  *out = *event;
  g_free (event);
  return TRUE;
}

void
srp_core_add_local_address (SrpCore *core, const SrpAddress *address)
{
  g_return_if_fail (srp_address_is_valid (address));
  for (guint i = 0; i < core->local_addresses->len; i++)
    if (srp_address_same_ip (&g_array_index (core->local_addresses, SrpAddress, i), address))
      return;
  g_array_append_val (core->local_addresses, *address);
}

guint64
srp_core_get_drop_count (SrpCore *core, SrpDropReason reason)
{
  g_return_val_if_fail ((guint) reason < SRP_DROP_N_REASONS, 0);
  /* The reassembler counts what it evicts or times out on its own. */
  if (reason == SRP_DROP_REASSEMBLY_FULL || reason == SRP_DROP_REASSEMBLY_TIMEOUT)
    return core->drops[reason] + srp_reassembler_get_drop_count (core->reassembler, reason);
  return core->drops[reason];
}

guint64
srp_core_get_datagrams_received (SrpCore *core)
{
  return core->received;
}

guint64
srp_core_get_datagrams_sent (SrpCore *core)
{
  return core->sent;
}
