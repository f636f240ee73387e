/* srp-core-ping.c: ping and pong. A ping is resent until answered or out of
 * attempts; each send has its own nonce, so a late answer to an early send
 * still gives the right round-trip time (Karn's problem).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-core-private.h"

#include "srp-control.h"

static void
send_attempt (SrpCore *core, PendingPing *ping)
{
  SrpPing msg = { .sender = core->config.peer_id };
  guint8 frame[SRP_MAX_DATAGRAM];
  gsize len;

  msg.nonce = srp_rng_next (&core->rng);
  ping->nonces[ping->attempts] = msg.nonce;
  ping->sent_at[ping->attempts] = core->now;
  ping->attempts++;
  ping->deadline = core->now + core->config.ping_retry_us;
  len = srp_ping_encode (&msg, frame);
  srp_core_queue_transmit (core, ping->socket, &ping->to, frame, len);
}

guint64
srp_core_ping_internal (SrpCore *core, PingOwner owner, guint socket, const SrpAddress *to,
                        guint max_attempts)
{
  PendingPing *ping = g_new0 (PendingPing, 1);

  ping->request = core->next_request++;
  ping->owner = owner;
  ping->socket = socket;
  ping->to = *to;
  ping->max_attempts = CLAMP (max_attempts, 1, MAX_PING_ATTEMPTS);
  g_ptr_array_add (core->pings, ping);
  send_attempt (core, ping);
  return ping->request;
}

void
srp_core_ping_cancel (SrpCore *core, guint64 request)
{
  for (guint i = 0; i < core->pings->len; i++)
    if (((PendingPing *) g_ptr_array_index (core->pings, i))->request == request)
      {
        g_ptr_array_remove_index (core->pings, i);
        return;
      }
}

/* Hands a ping's outcome to whoever asked for it; takes ownership of ping. */
static void
finish (SrpCore *core, PendingPing *ping, gboolean ok, gint64 rtt_us, const SrpPong *pong)
{
  SrpCoreEvent *event;

  switch (ping->owner)
    {
    case PING_FOR_USER:
      event = srp_core_queue_event (core, SRP_CORE_EVENT_PING_RESULT);
      event->ping.request = ping->request;
      event->ping.ok = ok;
      if (ok)
        {
          event->ping.rtt_us = rtt_us;
          event->ping.reflexive = pong->observed;
          event->ping.peer_id = pong->sender;
        }
      break;
    case PING_FOR_HEARTBEAT:
      srp_core_heartbeat_result (core, ping->request, ok, rtt_us, ok ? &pong->observed : NULL,
                                 ok && (pong->flags & SRP_PONG_AUTHENTICATED));
      break;
    case PING_FOR_NAT:
      srp_core_nat_ping_result (core, ping->request, ok, ok ? &pong->observed : NULL);
      break;
    default:
      g_assert_not_reached ();
    }
  g_free (ping);
}

void
srp_core_handle_ping (SrpCore *core, guint socket, const SrpAddress *from, const guint8 *data,
                      gsize len)
{
  SrpPing ping;
  SrpPong pong = { .sender = core->config.peer_id };
  guint8 frame[SRP_MAX_DATAGRAM];
  SrpDropReason reason = srp_ping_decode (data, len, &ping);

  if (reason != SRP_DROP_NONE)
    {
      srp_core_drop (core, reason);
      return;
    }
  /* The pong is at most 20 bytes longer than the ping (an IPv6 address and
   * a flags byte), so answering a spoofed ping amplifies nothing worth having. */
  pong.nonce = ping.nonce;
  srp_core_observed (from, &pong.observed);
  if (socket == 0 && srp_core_authenticated (core, from) != NULL)
    pong.flags |= SRP_PONG_AUTHENTICATED;
  len = srp_pong_encode (&pong, frame);
  srp_core_queue_transmit (core, socket, from, frame, len);
}

void
srp_core_handle_pong (SrpCore *core, guint socket, const SrpAddress *from, const guint8 *data,
                      gsize len)
{
  SrpPong pong;
  SrpDropReason reason = srp_pong_decode (data, len, &pong);

  if (reason != SRP_DROP_NONE)
    {
      srp_core_drop (core, reason);
      return;
    }
  for (guint i = 0; i < core->pings->len; i++)
    {
      PendingPing *ping = g_ptr_array_index (core->pings, i);

      /* An answer must come from where the ping went, to the socket it left
       * from, and carry one of its nonces: a third party can guess none. */
      if (ping->socket != socket || !srp_address_equal (&ping->to, from))
        continue;
      for (guint a = 0; a < ping->attempts; a++)
        if (ping->nonces[a] == pong.nonce)
          {
            gint64 rtt = core->now - ping->sent_at[a];
            finish (core, g_ptr_array_steal_index (core->pings, i), TRUE, rtt, &pong);
            return;
          }
    }
  srp_core_drop (core, SRP_DROP_UNEXPECTED);
}

void
srp_core_pings_timeout (SrpCore *core)
{
  for (guint i = 0; i < core->pings->len;)
    {
      PendingPing *ping = g_ptr_array_index (core->pings, i);

      if (ping->deadline > core->now)
        i++;
      else if (ping->attempts < ping->max_attempts)
        {
          send_attempt (core, ping);
          i++;
        }
      else
        finish (core, g_ptr_array_steal_index (core->pings, i), FALSE, 0, NULL);
    }
}

gint64
srp_core_pings_deadline (SrpCore *core)
{
  gint64 deadline = -1;

  for (guint i = 0; i < core->pings->len; i++)
    srp_core_earliest (&deadline, ((PendingPing *) g_ptr_array_index (core->pings, i))->deadline);
  return deadline;
}
