/* srp-core-relay.c: relaying frames between two peers that cannot reach
 * each other directly (docs/protocol.md, "Relays").
 *
 * - An end reaches a peer through a relay by sending RELAY (the target's ID
 *   prefix and a whole frame) to the relay; the relay passes the frame on as
 *   RELAYED (the source's ID prefix and the frame). Both ends must be
 *   connected (authenticated) peers of the relay, so a relay never sends
 *   anything to an address that has not shaken hands with it.
 * - The far end handles the inner frame as if it came from a relay
 *   address (SRP_ADDRESS_FAMILY_RELAY: the relay's and the source's ID
 *   prefixes), so the handshake, heartbeats, topics and the cache work over
 *   a relay unchanged; sending to a relay address wraps the frame again.
 * - A relay carries at most relay_circuits pairs at once and relay_bytes per
 *   pair, and refuses (drops and counts) beyond that. Idle pairs are
 *   forgotten after CIRCUIT_IDLE_US.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-core-private.h"

#include <string.h>

#define CIRCUIT_IDLE_US (2 * G_TIME_SPAN_MINUTE)

typedef struct {
  guint64 a, b;         /* the two ends' ID prefixes, a < b */
  guint64 bytes;
  gint64 last_used;
} RelayCircuit;

void
srp_core_relay_init (SrpCore *core)
{
  core->circuits = g_ptr_array_new_with_free_func (g_free);
}

void
srp_core_relay_clear (SrpCore *core)
{
  g_ptr_array_unref (core->circuits);
}

void
srp_core_relay_address (const SrpId *relay, const SrpId *peer, SrpAddress *out)
{
  srp_address_init_relay (out, srp_id_prefix (relay), srp_id_prefix (peer));
}

void
srp_core_observed (const SrpAddress *from, SrpAddress *out)
{
  static const guint8 any[4] = { 0, 0, 0, 0 };

  if (srp_address_is_relay (from))
    srp_address_init_ipv4 (out, any, 0);
  else
    *out = *from;
}

SrpPeerEntry *
srp_core_connected_with_prefix (SrpCore *core, guint64 prefix)
{
  GPtrArray *entries = srp_peer_table_entries (core->peers);

  for (guint i = 0; i < entries->len; i++)
    {
      SrpPeerEntry *peer = g_ptr_array_index (entries, i);
      if (peer->state == SRP_PEER_CONNECTED && srp_id_prefix (&peer->id) == prefix)
        return peer;
    }
  return NULL;
}

void
srp_core_relay_send (SrpCore *core, const SrpAddress *to, const guint8 *data, gsize len)
{
  SrpPeerEntry *relay = srp_core_connected_with_prefix (core, srp_address_relay_prefix (to));
  guint8 frame[SRP_MAX_DATAGRAM];

  /* Our frames are all at most SRP_MAX_FRAME long; a relay gone means the
   * peer behind it is unreachable until heartbeats notice. */
  if (relay == NULL || srp_address_is_relay (&relay->address) || len > SRP_MAX_FRAME)
    return;
  srp_core_queue_transmit (core, 0, &relay->address, frame,
                           srp_relay_encode (SRP_FRAME_RELAY, srp_address_relayed_prefix (to),
                                             data, len, frame));
}

/* The circuit between two prefixes, made when there is room; NULL when the
 * relay is full. */
static RelayCircuit *
get_circuit (SrpCore *core, guint64 x, guint64 y)
{
  guint64 a = MIN (x, y), b = MAX (x, y);
  RelayCircuit *circuit;

  for (guint i = 0; i < core->circuits->len;)
    {
      circuit = g_ptr_array_index (core->circuits, i);
      if (circuit->a == a && circuit->b == b)
        return circuit;
      if (circuit->last_used + CIRCUIT_IDLE_US < core->now)
        g_ptr_array_remove_index_fast (core->circuits, i);
      else
        i++;
    }
  if (core->circuits->len >= core->config.relay_circuits)
    return NULL;
  circuit = g_new0 (RelayCircuit, 1);
  circuit->a = a;
  circuit->b = b;
  g_ptr_array_add (core->circuits, circuit);
  return circuit;
}

void
srp_core_handle_relay (SrpCore *core, const SrpAddress *from, const guint8 *data, gsize len)
{
  SrpPeerEntry *source = srp_core_authenticated (core, from);
  SrpPeerEntry *target;
  RelayCircuit *circuit;
  guint64 prefix;
  const guint8 *inner;
  gsize inner_len;
  guint8 frame[SRP_MAX_DATAGRAM];
  SrpDropReason reason = srp_relay_decode (data, len, &prefix, &inner, &inner_len);

  if (reason == SRP_DROP_NONE && (source == NULL || srp_address_is_relay (from)))
    reason = SRP_DROP_UNAUTHENTICATED;
  if (reason != SRP_DROP_NONE)
    {
      srp_core_drop (core, reason);
      return;
    }
  target = srp_core_connected_with_prefix (core, prefix);
  if (target == NULL || target == source || srp_address_is_relay (&target->address))
    {
      srp_core_drop (core, SRP_DROP_UNEXPECTED);
      return;
    }
  circuit = get_circuit (core, srp_id_prefix (&source->id), prefix);
  if (circuit == NULL || circuit->bytes + inner_len > core->config.relay_bytes)
    {
      srp_core_drop (core, SRP_DROP_RATE_LIMITED);
      return;
    }
  circuit->bytes += inner_len;
  circuit->last_used = core->now;
  srp_core_queue_transmit (core, 0, &target->address, frame,
                           srp_relay_encode (SRP_FRAME_RELAYED, srp_id_prefix (&source->id), inner,
                                             inner_len, frame));
}

void
srp_core_handle_relayed (SrpCore *core, const SrpAddress *from, const guint8 *data, gsize len)
{
  SrpPeerEntry *relay = srp_core_authenticated (core, from);
  SrpAddress source;
  guint64 prefix;
  const guint8 *inner;
  gsize inner_len;
  SrpDropReason reason = srp_relay_decode (data, len, &prefix, &inner, &inner_len);

  if (reason == SRP_DROP_NONE && (relay == NULL || srp_address_is_relay (from)))
    reason = SRP_DROP_UNAUTHENTICATED;
  if (reason != SRP_DROP_NONE)
    {
      srp_core_drop (core, reason);
      return;
    }
  srp_address_init_relay (&source, srp_id_prefix (&relay->id), prefix);
  srp_core_dispatch (core, 0, &source, inner, inner_len);
}
