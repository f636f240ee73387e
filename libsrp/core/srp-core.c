/* srp-core.c: the sans-IO protocol core. Inputs are datagrams, timeouts and
 * commands, each with the time; outputs are queued and drained by polling.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-core.h"

#include <string.h>

#include "srp-chain.h"
#include "srp-control.h"
#include "srp-packet.h"
#include "srp-reassembler.h"
#include "srp-rng.h"

/* Nonces of the sends of one ping, so that a late answer to an early send
 * still gives the right round-trip time (Karn's problem). */
#define MAX_PING_ATTEMPTS 16

typedef struct {
  guint64 request;
  SrpAddress to;
  guint attempts;
  guint64 nonces[MAX_PING_ATTEMPTS];
  gint64 sent_at[MAX_PING_ATTEMPTS];
  gint64 deadline; /* next resend, or failure after the last */
} PendingPing;

struct _SrpCore {
  SrpCoreConfig config;
  SrpRng rng;
  GQueue transmits; /* SrpTransmit*, oldest first */
  GQueue events;    /* SrpCoreEvent*, oldest first */
  GPtrArray *pings; /* PendingPing*, in order of request */
  GHashTable *last_message; /* topic SrpId* -> SrpId* of our last message on it */
  SrpReassembler *reassembler;
  guint64 next_request;
  guint64 drops[SRP_DROP_N_REASONS];
  guint64 received;
  guint64 sent;
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
}

SrpCore *
srp_core_new (const SrpCoreConfig *config)
{
  SrpCore *core = g_new0 (SrpCore, 1);
  SrpReassemblerConfig rc;

  core->config = *config;
  core->config.ping_attempts = CLAMP (config->ping_attempts, 1, MAX_PING_ATTEMPTS);
  if (core->config.ping_retry_us <= 0)
    core->config.ping_retry_us = 500 * G_TIME_SPAN_MILLISECOND;
  srp_rng_init (&core->rng, config->seed);
  g_queue_init (&core->transmits);
  g_queue_init (&core->events);
  core->pings = g_ptr_array_new_with_free_func (g_free);
  core->last_message = g_hash_table_new_full (srp_id_hash_func, srp_id_equal_func, g_free, g_free);
  srp_reassembler_config_init (&rc);
  if (config->reassembly_max_bytes > 0)
    rc.max_bytes = config->reassembly_max_bytes;
  if (config->reassembly_timeout_us > 0)
    rc.timeout_us = config->reassembly_timeout_us;
  core->reassembler = srp_reassembler_new (&rc);
  core->next_request = 1;
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
  g_hash_table_unref (core->last_message);
  srp_reassembler_free (core->reassembler);
  g_free (core);
}

/* Queues a datagram; data is a whole frame of len bytes. */
static void
queue_transmit (SrpCore *core, guint socket, const SrpAddress *to, const guint8 *data, gsize len)
{
  SrpTransmit *t = g_new (SrpTransmit, 1);

  g_assert (len <= SRP_MAX_DATAGRAM);
  t->socket = socket;
  t->to = *to;
  t->len = len;
  memcpy (t->data, data, len);
  g_queue_push_tail (&core->transmits, t);
}

static SrpCoreEvent *
queue_event (SrpCore *core, SrpCoreEventType type)
{
  SrpCoreEvent *event = g_new0 (SrpCoreEvent, 1);

  event->type = type;
  g_queue_push_tail (&core->events, event);
  return event;
}

static void
drop (SrpCore *core, SrpDropReason reason)
{
  g_assert ((guint) reason < SRP_DROP_N_REASONS);
  core->drops[reason]++;
}

/* ---- ping ---------------------------------------------------------------- */

static void
send_ping_attempt (SrpCore *core, gint64 now_us, PendingPing *ping)
{
  SrpPing msg = { .sender = core->config.peer_id };
  guint8 frame[SRP_MAX_DATAGRAM];
  gsize len;

  msg.nonce = srp_rng_next (&core->rng);
  ping->nonces[ping->attempts] = msg.nonce;
  ping->sent_at[ping->attempts] = now_us;
  ping->attempts++;
  ping->deadline = now_us + core->config.ping_retry_us;
  len = srp_ping_encode (&msg, frame);
  queue_transmit (core, 0, &ping->to, frame, len);
}

guint64
srp_core_ping (SrpCore *core, gint64 now_us, const SrpAddress *to)
{
  PendingPing *ping = g_new0 (PendingPing, 1);

  g_return_val_if_fail (srp_address_is_valid (to), 0);
  ping->request = core->next_request++;
  ping->to = *to;
  g_ptr_array_add (core->pings, ping);
  send_ping_attempt (core, now_us, ping);
  return ping->request;
}

static void
handle_ping (SrpCore *core, guint socket, const SrpAddress *from, const guint8 *data, gsize len)
{
  SrpPing ping;
  SrpPong pong = { .sender = core->config.peer_id };
  guint8 frame[SRP_MAX_DATAGRAM];
  SrpDropReason reason = srp_ping_decode (data, len, &ping);

  if (reason != SRP_DROP_NONE)
    {
      drop (core, reason);
      return;
    }
  /* The pong is at most 19 bytes longer than the ping (an IPv6 address), so
   * answering a spoofed ping amplifies nothing worth having. */
  pong.nonce = ping.nonce;
  pong.observed = *from;
  len = srp_pong_encode (&pong, frame);
  queue_transmit (core, socket, from, frame, len);
}

static void
handle_pong (SrpCore *core, gint64 now_us, const SrpAddress *from, const guint8 *data, gsize len)
{
  SrpPong pong;
  SrpDropReason reason = srp_pong_decode (data, len, &pong);

  if (reason != SRP_DROP_NONE)
    {
      drop (core, reason);
      return;
    }
  for (guint i = 0; i < core->pings->len; i++)
    {
      PendingPing *ping = g_ptr_array_index (core->pings, i);

      /* An answer must come from where the ping went and carry one of its
       * nonces: a third party can guess neither. */
      if (!srp_address_equal (&ping->to, from))
        continue;
      for (guint a = 0; a < ping->attempts; a++)
        {
          SrpCoreEvent *event;

          if (ping->nonces[a] != pong.nonce)
            continue;
          event = queue_event (core, SRP_CORE_EVENT_PING_RESULT);
          event->ping.request = ping->request;
          event->ping.ok = TRUE;
          event->ping.rtt_us = now_us - ping->sent_at[a];
          event->ping.reflexive = pong.observed;
          event->ping.peer_id = pong.sender;
          g_ptr_array_remove_index (core->pings, i);
          return;
        }
    }
  drop (core, SRP_DROP_UNEXPECTED);
}

static void
expire_pings (SrpCore *core, gint64 now_us)
{
  for (guint i = 0; i < core->pings->len;)
    {
      PendingPing *ping = g_ptr_array_index (core->pings, i);

      if (ping->deadline > now_us)
        {
          i++;
          continue;
        }
      if (ping->attempts < core->config.ping_attempts)
        {
          send_ping_attempt (core, now_us, ping);
          i++;
          continue;
        }
      queue_event (core, SRP_CORE_EVENT_PING_RESULT)->ping.request = ping->request;
      g_ptr_array_remove_index (core->pings, i);
    }
}

/* ---- packets and messages ----------------------------------------------- */

gboolean
srp_core_send_message (SrpCore *core, gint64 now_us, const SrpAddress *to,
                       const SrpId *topic_id, const guint8 *data, gsize len,
                       SrpId *message_id)
{
  SrpId *prev = g_hash_table_lookup (core->last_message, topic_id);
  g_autoptr (GPtrArray) chain = NULL;
  guint8 frame[SRP_MAX_DATAGRAM];
  const SrpPacket *last;

  g_return_val_if_fail (srp_address_is_valid (to), FALSE);
  chain = srp_chain_build (topic_id, SRP_PACKET_TYPE_MESSAGE, prev, data, len);
  if (chain == NULL)
    return FALSE;
  for (guint i = 0; i < chain->len; i++)
    {
      const SrpPacket *packet = g_ptr_array_index (chain, i);
      gsize n = srp_packet_encode (packet, frame);
      queue_transmit (core, 0, to, frame, n);
    }
  last = g_ptr_array_index (chain, chain->len - 1);
  g_hash_table_replace (core->last_message, g_memdup2 (topic_id, sizeof *topic_id),
                        g_memdup2 (&last->id, sizeof last->id));
  if (message_id != NULL)
    *message_id = last->id;
  return TRUE;
}

static void
handle_packet (SrpCore *core, gint64 now_us, const SrpAddress *from, const guint8 *data, gsize len)
{
  SrpPacket packet;
  SrpReassembledMessage message;
  SrpDropReason reason = srp_packet_decode (data, len, &packet);

  if (reason == SRP_DROP_NONE)
    reason = srp_reassembler_add (core->reassembler, now_us, &packet);
  if (reason != SRP_DROP_NONE)
    {
      drop (core, reason);
      return;
    }
  while (srp_reassembler_pop_message (core->reassembler, &message))
    {
      SrpCoreEvent *event = queue_event (core, SRP_CORE_EVENT_MESSAGE);

      event->message.id = message.id;
      event->message.topic_id = message.topic_id;
      event->message.from = *from;
      event->message.data = g_steal_pointer (&message.data);
      srp_reassembled_message_clear (&message);
    }
}

/* ---- driving ------------------------------------------------------------ */

void
srp_core_handle_datagram (SrpCore *core, gint64 now_us, guint socket,
                          const SrpAddress *from, const guint8 *data, gsize len)
{
  guint8 kind;
  SrpDropReason reason;

  core->received++;
  reason = srp_wire_check_prefix (data, len, &kind);
  if (reason != SRP_DROP_NONE)
    {
      drop (core, reason);
      return;
    }
  switch (kind)
    {
    case SRP_FRAME_PACKET:
      handle_packet (core, now_us, from, data, len);
      break;
    case SRP_FRAME_PING:
      handle_ping (core, socket, from, data, len);
      break;
    case SRP_FRAME_PONG:
      handle_pong (core, now_us, from, data, len);
      break;
    default:
      drop (core, SRP_DROP_UNKNOWN_KIND);
      break;
    }
}

void
srp_core_handle_timeout (SrpCore *core, gint64 now_us)
{
  expire_pings (core, now_us);
  srp_reassembler_expire (core->reassembler, now_us);
}

gboolean
srp_core_poll_transmit (SrpCore *core, SrpTransmit *out)
{
  SrpTransmit *t = g_queue_pop_head (&core->transmits);

  if (t == NULL)
    return FALSE;
  /* Copy only the used part of the buffer: most frames are small. */
  out->socket = t->socket;
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

  for (guint i = 0; i < core->pings->len; i++)
    {
      PendingPing *ping = g_ptr_array_index (core->pings, i);
      if (deadline < 0 || ping->deadline < deadline)
        deadline = ping->deadline;
    }
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
