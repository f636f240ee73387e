/* srp-relay.c: relaying frames between two links that cannot reach each
 * other directly (docs/protocol.md, "Relays").
 *
 * - An end reaches a peer through a relay by sending RELAY (the target's ID
 *   prefix and a whole frame) to the relay; the relay passes the frame on as
 *   RELAYED (the source's ID prefix and the frame). Both ends must be links
 *   of the relay, so a relay never sends anything to an address that has
 *   not shaken hands with it.
 * - The far end handles the inner frame as if it came from a relay address
 *   (SRP_ADDRESS_FAMILY_RELAY: the relay's and the source's ID prefixes), so
 *   the handshake, heartbeats, topics and the cache work over a relay
 *   unchanged; sending to a relay address wraps the frame again.
 * - A relay carries at most relay_circuits pairs at once and relay_bytes per
 *   pair, and refuses (drops and counts) beyond that. Idle pairs are
 *   forgotten after CIRCUIT_IDLE_US.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-traversal-private.h"

#define CIRCUIT_IDLE_US (2 * G_TIME_SPAN_MINUTE)

typedef struct {
  guint64 a, b; /* the two ends' ID prefixes, a < b */
  guint64 bytes;
  gint64 last_used;
} RelayCircuit;

void
srp_relay_init (SrpTraversal *traversal)
{
  traversal->circuits = g_ptr_array_new_with_free_func (g_free);
}

void
srp_relay_clear (SrpTraversal *traversal)
{
  g_ptr_array_set_size (traversal->circuits, 0);
}

void
srp_relay_address (const SrpId *relay, const SrpId *peer, SrpAddress *out)
{
  srp_address_init_relay (out, srp_id_prefix (relay), srp_id_prefix (peer));
}

void
srp_relay_send (gpointer self, const SrpAddress *to, const guint8 *data, gsize len)
{
  SrpTraversal *traversal = self;
  SrpContext *ctx = traversal->ctx;
  SrpLink *relay = srp_link_table_lookup_prefix (ctx->links, srp_address_relay_prefix (to));
  guint8 frame[SRP_MAX_DATAGRAM];

  /* Our frames are all at most SRP_MAX_FRAME long, sealed end to end
   * SRP_MAX_RELAYED; a relay gone means the peer behind it is unreachable
   * until heartbeats notice. */
  if (relay == NULL || srp_address_is_relay (&relay->address) || len > SRP_MAX_RELAYED)
    return;
  srp_context_send_link (ctx, relay, frame,
                         srp_relay_encode (SRP_FRAME_RELAY, srp_address_relayed_prefix (to), data,
                                           len, frame));
}

/* The circuit between two prefixes, made when there is room; NULL when the
 * relay is full. */
static RelayCircuit *
get_circuit (SrpTraversal *traversal, guint64 x, guint64 y)
{
  SrpContext *ctx = traversal->ctx;
  guint64 a = MIN (x, y), b = MAX (x, y);
  RelayCircuit *circuit;

  for (guint i = 0; i < traversal->circuits->len;)
    {
      circuit = g_ptr_array_index (traversal->circuits, i);
      if (circuit->a == a && circuit->b == b)
        return circuit;
      if (circuit->last_used + CIRCUIT_IDLE_US < ctx->now)
        g_ptr_array_remove_index_fast (traversal->circuits, i);
      else
        i++;
    }
  if (traversal->circuits->len >= ctx->config->relay_circuits)
    return NULL;
  circuit = g_new0 (RelayCircuit, 1);
  circuit->a = a;
  circuit->b = b;
  g_ptr_array_add (traversal->circuits, circuit);
  return circuit;
}

SrpDropReason
srp_relay_decode_frame (const guint8 *frame, gsize len, gpointer out)
{
  SrpRelayFrame *r = out;

  return srp_relay_decode (frame, len, &r->prefix, &r->inner, &r->inner_len);
}

SrpDropReason
srp_relay_handle_relay (gpointer self, const SrpInput *input, gpointer frame)
{
  SrpTraversal *traversal = self;
  SrpContext *ctx = traversal->ctx;
  const SrpRelayFrame *r = frame;
  SrpLink *source = input->link;
  SrpLink *target = srp_link_table_lookup_prefix (ctx->links, r->prefix);
  RelayCircuit *circuit;
  guint8 out[SRP_MAX_DATAGRAM];

  if (target == NULL || target == source || srp_address_is_relay (&target->address))
    return SRP_DROP_UNEXPECTED;
  circuit = get_circuit (traversal, srp_id_prefix (&source->id), r->prefix);
  if (circuit == NULL || circuit->bytes + r->inner_len > ctx->config->relay_bytes)
    return SRP_DROP_RATE_LIMITED;
  circuit->bytes += r->inner_len;
  circuit->last_used = ctx->now;
  traversal->relayed_bytes += r->inner_len;
  srp_context_send_link (ctx, target, out,
                         srp_relay_encode (SRP_FRAME_RELAYED, srp_id_prefix (&source->id),
                                           r->inner, r->inner_len, out));
  return SRP_DROP_NONE;
}

SrpDropReason
srp_relay_handle_relayed (gpointer self, const SrpInput *input, gpointer frame)
{
  SrpTraversal *traversal = self;
  const SrpRelayFrame *r = frame;
  SrpAddress source;

  srp_address_init_relay (&source, srp_id_prefix (&input->link->id), r->prefix);
  srp_context_handle_frame (traversal->ctx, 0, &source, r->inner, r->inner_len);
  return SRP_DROP_NONE;
}
