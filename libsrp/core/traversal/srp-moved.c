/* srp-moved.c: after a network change (the host moved to another network,
 * or its addresses changed): its NAT, public address and mappings are new,
 * and its peers only know the old ones.
 *
 * - The NAT is classified again, from scratch.
 * - Every direct link gets a new handshake from the new address: a peer
 *   that takes a HELLO from anyone (public, full cone, or still holding a
 *   permission for our IP) answers it and moves its link to our new
 *   address (srp-mesh-handshake.c, connected()).
 * - A second later, links whose handshake is still unanswered (their NAT
 *   lets in only the address it knew us at) are asked for again through
 *   the others, as srp_core_connect would: the introducer, which has moved
 *   our link by then, tells them our new address and both punch. Once more
 *   2 s later, for what the first round missed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-traversal-private.h"

#define FIRST_ROUND_US (1 * G_TIME_SPAN_SECOND)
#define NEXT_ROUND_US (2 * G_TIME_SPAN_SECOND)
#define ROUNDS 2

static void
on_moved_timer (SrpTimer *timer, gpointer owner)
{
  SrpTraversal *traversal = owner;
  SrpContext *ctx = traversal->ctx;
  GPtrArray *links = srp_link_table_list (ctx->links);
  g_autoptr (GArray) unanswered = g_array_new (FALSE, FALSE, sizeof (SrpId));

  for (guint i = 0; i < links->len; i++)
    {
      SrpLink *link = g_ptr_array_index (links, i);

      if (!srp_address_is_relay (&link->address) &&
          srp_mesh_is_handshaking (traversal->mesh, &link->id))
        g_array_append_val (unanswered, link->id);
    }
  for (guint i = 0; i < unanswered->len; i++)
    srp_connect_reconnect (traversal, &g_array_index (unanswered, SrpId, i));
  if (++traversal->moved.round < ROUNDS && unanswered->len > 0)
    srp_timer_set (ctx->timers, timer, ctx->now + NEXT_ROUND_US);
}

void
srp_moved_init (SrpTraversal *traversal)
{
  srp_timer_init (&traversal->moved.timer, SRP_TIMER_MOVED, on_moved_timer, traversal);
}

void
srp_moved_clear (SrpTraversal *traversal)
{
  srp_timer_stop (traversal->ctx->timers, &traversal->moved.timer);
}

void
srp_traversal_network_changed (SrpTraversal *traversal)
{
  SrpContext *ctx = traversal->ctx;
  g_autoptr (GPtrArray) links = g_ptr_array_copy (srp_link_table_list (ctx->links), NULL, NULL);

  if (!ctx->attached)
    return;
  srp_nat_reset (traversal);
  for (guint i = 0; i < links->len; i++)
    {
      SrpLink *link = g_ptr_array_index (links, i);

      if (!srp_address_is_relay (&link->address))
        srp_mesh_start_handshake (traversal->mesh, &link->address, &link->id);
    }
  traversal->moved.round = 0;
  srp_timer_set (ctx->timers, &traversal->moved.timer, ctx->now + FIRST_ROUND_US);
}

void
srp_traversal_clear_local_addresses (SrpTraversal *traversal)
{
  g_array_set_size (traversal->local_addresses, 0);
}
