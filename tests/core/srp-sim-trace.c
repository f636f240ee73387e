/* srp-sim-trace.c: the trace hash shared by the simulators.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-sim-trace.h"

void
srp_sim_trace_init (SrpSimTrace *trace)
{
  g_assert (gnutls_hash_init (&trace->hash, GNUTLS_DIG_SHA256) == 0);
}

void
srp_sim_trace_clear (SrpSimTrace *trace)
{
  guint8 digest[32];

  gnutls_hash_deinit (trace->hash, digest);
}

void
srp_sim_trace_bytes (SrpSimTrace *trace, const void *data, gsize len)
{
  gnutls_hash (trace->hash, data, len);
}

void
srp_sim_trace_u64 (SrpSimTrace *trace, guint64 value)
{
  guint8 buf[8];

  for (int i = 0; i < 8; i++)
    buf[i] = (guint8) (value >> (56 - 8 * i));
  srp_sim_trace_bytes (trace, buf, sizeof buf);
}

void
srp_sim_trace_event (SrpSimTrace *trace, gint64 now, guint64 node, const SrpCoreEvent *event)
{
  srp_sim_trace_u64 (trace, (guint64) now);
  srp_sim_trace_u64 (trace, node);
  srp_sim_trace_u64 (trace, event->type);
  switch (event->type)
    {
    case SRP_CORE_EVENT_PING_RESULT:
      srp_sim_trace_u64 (trace, event->ping.request);
      srp_sim_trace_u64 (trace, (guint64) event->ping.ok);
      srp_sim_trace_u64 (trace, (guint64) event->ping.rtt_us);
      break;
    case SRP_CORE_EVENT_MESSAGE:
      srp_sim_trace_bytes (trace, &event->message.id, sizeof event->message.id);
      break;
    case SRP_CORE_EVENT_PEER_ADDED:
    case SRP_CORE_EVENT_PEER_CHANGED:
    case SRP_CORE_EVENT_PEER_REMOVED:
      srp_sim_trace_bytes (trace, &event->peer.id, sizeof event->peer.id);
      srp_sim_trace_bytes (trace, &event->peer.address, sizeof event->peer.address);
      break;
    case SRP_CORE_EVENT_NAT_CHANGED:
      srp_sim_trace_bytes (trace, &event->nat, sizeof event->nat);
      break;
    case SRP_CORE_EVENT_PUBLISHED:
      srp_sim_trace_bytes (trace, &event->published.message_id, sizeof event->published.message_id);
      srp_sim_trace_u64 (trace, event->published.n_accepted);
      srp_sim_trace_u64 (trace, (guint64) event->published.complete);
      break;
    case SRP_CORE_EVENT_CONNECT_RESULT:
      srp_sim_trace_u64 (trace, event->connect.request);
      srp_sim_trace_u64 (trace, (guint64) event->connect.ok);
      srp_sim_trace_u64 (trace, (guint64) event->connect.elapsed_us);
      break;
    case SRP_CORE_EVENT_SOCKET_OPEN:
    case SRP_CORE_EVENT_SOCKET_CLOSE:
      srp_sim_trace_u64 (trace, event->socket.socket);
      break;
    case SRP_CORE_EVENT_NONE:
    default:
      break;
    }
}

char *
srp_sim_trace_hex (SrpSimTrace *trace)
{
  gnutls_hash_hd_t copy = gnutls_hash_copy (trace->hash);
  SrpId digest;
  char hex[65];

  g_assert (copy != NULL);
  gnutls_hash_deinit (copy, digest.bytes);
  srp_id_to_hex (&digest, hex);
  return g_strdup (hex);
}
