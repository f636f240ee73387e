/* srp-ping.c: ping and pong.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-ping.h"

typedef struct {
  SrpPings *owner;
  guint64 request;
  SrpPingDone done;
  gpointer data;
  guint socket;
  SrpAddress to;
  guint attempts;
  guint max_attempts;
  guint64 nonces[SRP_PING_MAX_ATTEMPTS];
  gint64 sent_at[SRP_PING_MAX_ATTEMPTS];
  SrpTimer timer; /* the next resend, or failure after the last */
} Ping;

struct _SrpPings {
  SrpContext *ctx;
  GHashTable *by_request; /* guint64* (in the ping) -> Ping*, owned */
  GHashTable *by_nonce;   /* guint64* (in the ping's nonces) -> Ping* */
};

static void
ping_free (gpointer data)
{
  Ping *ping = data;

  srp_timer_stop (ping->owner->ctx->timers, &ping->timer);
  g_free (ping);
}

SrpPings *
srp_pings_new (SrpContext *ctx)
{
  SrpPings *pings = g_new0 (SrpPings, 1);

  pings->ctx = ctx;
  pings->by_request = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, ping_free);
  pings->by_nonce = g_hash_table_new (g_int64_hash, g_int64_equal);
  return pings;
}

void
srp_pings_free (SrpPings *pings)
{
  if (pings == NULL)
    return;
  g_hash_table_unref (pings->by_nonce);
  g_hash_table_unref (pings->by_request);
  g_free (pings);
}

/* Takes a ping out of both tables; the caller owns it then. */
static Ping *
steal (SrpPings *pings, Ping *ping)
{
  for (guint a = 0; a < ping->attempts; a++)
    if (g_hash_table_lookup (pings->by_nonce, &ping->nonces[a]) == ping)
      g_hash_table_remove (pings->by_nonce, &ping->nonces[a]);
  g_hash_table_steal (pings->by_request, &ping->request);
  return ping;
}

static void
send_attempt (SrpPings *pings, Ping *ping)
{
  SrpContext *ctx = pings->ctx;
  SrpPing msg = { .sender = ctx->config->peer_id };
  guint8 frame[SRP_MAX_DATAGRAM];

  msg.nonce = srp_rng_next (&ctx->rng);
  ping->nonces[ping->attempts] = msg.nonce;
  ping->sent_at[ping->attempts] = ctx->now;
  /* A repeated nonce (one in 2^64) would only make the older ping miss its answer. */
  g_hash_table_replace (pings->by_nonce, &ping->nonces[ping->attempts], ping);
  ping->attempts++;
  srp_timer_set (ctx->timers, &ping->timer, ctx->now + ctx->config->ping_retry_us);
  srp_context_transmit (ctx, ping->socket, 0, &ping->to, frame, srp_ping_encode (&msg, frame));
}

/* Hands a ping's outcome to whoever asked for it; frees the ping. */
static void
finish (SrpPings *pings, Ping *ping, gint64 rtt_us, const SrpPong *pong)
{
  steal (pings, ping);
  srp_timer_stop (pings->ctx->timers, &ping->timer);
  if (ping->done != NULL)
    ping->done (ping->data, ping->request, rtt_us, pong);
  else
    {
      SrpCoreEvent *event = srp_context_event (pings->ctx, SRP_CORE_EVENT_PING_RESULT);

      event->ping.request = ping->request;
      event->ping.ok = pong != NULL;
      if (pong != NULL)
        {
          event->ping.rtt_us = rtt_us;
          event->ping.reflexive = pong->observed;
          event->ping.peer_id = pong->sender;
        }
    }
  g_free (ping);
}

static void
on_timer (SrpTimer *timer, gpointer owner)
{
  SrpPings *pings = owner;
  Ping *ping = G_STRUCT_MEMBER_P (timer, -G_STRUCT_OFFSET (Ping, timer));

  if (ping->attempts < ping->max_attempts)
    send_attempt (pings, ping);
  else
    finish (pings, ping, 0, NULL);
}

guint64
srp_pings_start (SrpPings *pings, guint socket, const SrpAddress *to, guint max_attempts,
                 SrpPingDone done, gpointer data)
{
  Ping *ping = g_new0 (Ping, 1);

  ping->owner = pings;
  ping->request = srp_context_next_request (pings->ctx);
  ping->done = done;
  ping->data = data;
  ping->socket = socket;
  ping->to = *to;
  ping->max_attempts = CLAMP (max_attempts, 1, SRP_PING_MAX_ATTEMPTS);
  srp_timer_init (&ping->timer, SRP_TIMER_PING_RESEND, on_timer, pings);
  g_hash_table_insert (pings->by_request, &ping->request, ping);
  send_attempt (pings, ping);
  return ping->request;
}

void
srp_pings_cancel (SrpPings *pings, guint64 request)
{
  Ping *ping = g_hash_table_lookup (pings->by_request, &request);

  if (ping != NULL)
    ping_free (steal (pings, ping));
}

void
srp_pings_clear (SrpPings *pings)
{
  g_hash_table_remove_all (pings->by_nonce);
  g_hash_table_remove_all (pings->by_request);
}

guint
srp_pings_count (SrpPings *pings)
{
  return g_hash_table_size (pings->by_request);
}

SrpDropReason
srp_pings_handle_ping (SrpPings *pings, const SrpInput *input, const SrpPing *ping)
{
  SrpPong pong = { .sender = pings->ctx->config->peer_id };
  guint8 frame[SRP_MAX_DATAGRAM];

  /* The pong is at most 20 bytes longer than the ping (an IPv6 address and
   * a flags byte), so answering a spoofed ping amplifies nothing worth having. */
  pong.nonce = ping->nonce;
  srp_address_observed (input->from, &pong.observed);
  if (input->link != NULL)
    pong.flags |= SRP_PONG_AUTHENTICATED;
  srp_context_transmit (pings->ctx, input->socket, 0, input->from, frame,
                        srp_pong_encode (&pong, frame));
  return SRP_DROP_NONE;
}

SrpDropReason
srp_pings_handle_pong (SrpPings *pings, const SrpInput *input, const SrpPong *pong)
{
  Ping *ping = g_hash_table_lookup (pings->by_nonce, &pong->nonce);

  if (ping == NULL || ping->socket != input->socket || !srp_address_equal (&ping->to, input->from))
    return SRP_DROP_UNEXPECTED;
  for (guint a = 0; a < ping->attempts; a++)
    if (ping->nonces[a] == pong->nonce)
      {
        finish (pings, ping, pings->ctx->now - ping->sent_at[a], pong);
        return SRP_DROP_NONE;
      }
  return SRP_DROP_UNEXPECTED;
}
