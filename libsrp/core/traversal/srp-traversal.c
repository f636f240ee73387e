/* srp-traversal.c: the traversal subsystem: its frames, its link observers,
 * and the router it is to the endpoint.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-traversal-private.h"

#include "srp-control-lan.h"

SRP_FRAME_DECODER (decode_probe_request, srp_probe_request_decode, SrpProbeRequest)
SRP_FRAME_DECODER (decode_probe, srp_probe_decode, guint64)
SRP_FRAME_DECODER (decode_info, srp_info_decode, SrpInfo)
SRP_FRAME_DECODER (decode_connect, srp_connect_decode, SrpConnect)
SRP_FRAME_DECODER (decode_introduce, srp_introduce_decode, SrpIntroduce)
SRP_FRAME_DECODER (decode_punch, srp_punch_decode, guint64)
SRP_FRAME_DECODER (decode_announce, srp_announce_decode, SrpAnnounce)

static const SrpFrameHandler frames[] = {
  { SRP_FRAME_PROBE_REQUEST, SRP_FROM_LINK, sizeof (SrpProbeRequest), decode_probe_request,
    srp_nat_handle_probe_request },
  { SRP_FRAME_PROBE, SRP_FROM_ANYONE, sizeof (guint64), decode_probe, srp_nat_handle_probe },
  { SRP_FRAME_INFO, SRP_FROM_LINK, sizeof (SrpInfo), decode_info, srp_connect_handle_info },
  { SRP_FRAME_CONNECT, SRP_FROM_LINK, sizeof (SrpConnect), decode_connect,
    srp_connect_handle_connect },
  { SRP_FRAME_INTRODUCE, SRP_FROM_LINK, sizeof (SrpIntroduce), decode_introduce,
    srp_punch_handle_introduce },
  { SRP_FRAME_PUNCH, SRP_FROM_ANYONE, sizeof (guint64), decode_punch, srp_punch_handle_punch },
  { SRP_FRAME_RELAY, SRP_FROM_DIRECT_LINK, SRP_RELAY_FRAME_SIZE, srp_relay_decode_frame,
    srp_relay_handle_relay },
  { SRP_FRAME_RELAYED, SRP_FROM_DIRECT_LINK, SRP_RELAY_FRAME_SIZE, srp_relay_decode_frame,
    srp_relay_handle_relayed },
  { SRP_FRAME_ANNOUNCE, SRP_FROM_ANYONE, sizeof (SrpAnnounce), decode_announce,
    srp_lan_handle_announce },
};

static void
traversal_link_init (gpointer self, SrpLink *link, gpointer slot)
{
  (void) slot;
  link->introduced = srp_connect_is_introduced (self, &link->id);
  srp_punch_link_init (self, link);
}

static void
traversal_link_up (gpointer self, SrpLink *link, gpointer slot)
{
  SrpTraversal *traversal = self;

  (void) slot;
  srp_nat_link_up (traversal, &link->address);
  srp_connect_send_info (traversal, link);
  srp_connect_link_up (traversal, link);
  srp_punch_link_up (traversal, link);
}

static void
traversal_link_renewed (gpointer self, SrpLink *link, gpointer slot)
{
  (void) slot;
  /* Our NAT type and addresses, without which it cannot introduce us. */
  srp_connect_send_info (self, link);
}

static void
traversal_link_moved (gpointer self, SrpLink *link, gpointer slot)
{
  (void) slot;
  srp_connect_link_up (self, link);
  srp_punch_link_up (self, link);
}

static void
traversal_link_down (gpointer self, SrpLink *link, gpointer slot)
{
  (void) slot;
  srp_punch_link_down (self, link);
}

static void
traversal_detach (gpointer self)
{
  SrpTraversal *traversal = self;

  /* The sockets are gone, and so is what we knew of the network around
   * them: the NAT is measured again after the next listen. */
  srp_connect_clear (traversal);
  srp_punch_clear (traversal);
  srp_relay_clear (traversal);
  srp_nat_reset (traversal);
  srp_lan_stop (traversal);
  srp_moved_clear (traversal);
  g_array_set_size (traversal->local_addresses, 0);
  traversal->local_port = 0;
  /* The mapping was for the sockets that are gone: the shell deletes it. */
  traversal->has_mapped = FALSE;
  srp_dht_set_mapped (traversal->dht, NULL);
}

static void
traversal_stats (gpointer self, GVariantDict *dict)
{
  SrpTraversal *traversal = self;
  guint open = 0;

  for (guint s = SRP_FIRST_PUNCH_SOCKET; s < SRP_SOCKETS_MAX; s++)
    open += traversal->socket_open[s];
  g_variant_dict_insert (dict, "nat", "s", srp_nat_name (srp_nat_primary (traversal)->type));
  g_variant_dict_insert (dict, "nat_ipv4", "s", srp_nat_name (traversal->nat[SRP_NAT_V4].type));
  g_variant_dict_insert (dict, "nat_ipv6", "s", srp_nat_name (traversal->nat[SRP_NAT_V6].type));
  g_variant_dict_insert (dict, "connects_pending", "u", traversal->connects->len);
  g_variant_dict_insert (dict, "punches", "u", traversal->punches->len);
  g_variant_dict_insert (dict, "punch_sockets", "u", open);
  g_variant_dict_insert (dict, "relay_circuits", "u", traversal->circuits->len);
  g_variant_dict_insert (dict, "relayed_bytes", "t", traversal->relayed_bytes);
  if (traversal->has_mapped)
    {
      char text[SRP_ADDRESS_STRING_MAX];

      srp_address_to_string (&traversal->mapped, text);
      g_variant_dict_insert (dict, "mapped_address", "s", text);
    }
  srp_connect_stats (traversal, dict);
  srp_lan_stats (traversal, dict);
}

static void
traversal_free (gpointer self)
{
  SrpTraversal *traversal = self;

  srp_nat_stop (traversal);
  srp_lan_stop (traversal);
  srp_moved_clear (traversal);
  srp_connect_free (traversal);
  g_ptr_array_unref (traversal->punches);
  g_hash_table_unref (traversal->routes);
  g_ptr_array_unref (traversal->circuits);
  g_array_unref (traversal->local_addresses);
  g_free (traversal);
}

static const SrpSubsystemClass traversal_class = {
  .name = "traversal",
  .link_slot_size = sizeof (TraversalLink),
  .link_init = traversal_link_init,
  .link_up = traversal_link_up,
  .link_renewed = traversal_link_renewed,
  .link_moved = traversal_link_moved,
  .link_down = traversal_link_down,
  .reflexive_seen = srp_nat_reflexive_seen,
  .input = srp_nat_input,
  .detach = traversal_detach,
  .stats = traversal_stats,
  .free = traversal_free,
};

SrpTraversal *
srp_traversal_new (SrpContext *ctx, SrpMesh *mesh, SrpDht *dht)
{
  SrpTraversal *traversal = g_new0 (SrpTraversal, 1);

  traversal->ctx = ctx;
  traversal->mesh = mesh;
  traversal->dht = dht;
  traversal->local_addresses = g_array_new (FALSE, TRUE, sizeof (SrpAddress));
  srp_connect_init (traversal);
  srp_punch_init (traversal);
  srp_relay_init (traversal);
  srp_nat_init (traversal);
  srp_lan_init (traversal);
  srp_moved_init (traversal);
  srp_context_add_subsystem (ctx, &traversal_class, traversal);
  traversal->slot = srp_context_slot (ctx, traversal);
  srp_dispatch_add (ctx->dispatch, frames, G_N_ELEMENTS (frames), traversal);
  ctx->router = (SrpRouter){
    .self = traversal,
    .route = srp_punch_route,
    .socket_is_open = srp_punch_socket_is_open,
    .relay_send = srp_relay_send,
    .expects = srp_connect_expects,
    .reaches_us = srp_observed_reaches_us,
    .reprobe = srp_observed_reprobe,
  };
  return traversal;
}

void
srp_traversal_add_local_address (SrpTraversal *traversal, const SrpAddress *address)
{
  for (guint i = 0; i < traversal->local_addresses->len; i++)
    if (srp_address_same_ip (&g_array_index (traversal->local_addresses, SrpAddress, i), address))
      return;
  g_array_append_val (traversal->local_addresses, *address);
}

void
srp_traversal_set_local_port (SrpTraversal *traversal, guint16 port)
{
  traversal->local_port = port;
  srp_lan_start (traversal);
}

void
srp_traversal_set_mapped_address (SrpTraversal *traversal, const SrpAddress *mapped)
{
  gboolean has = mapped != NULL;

  if (has == traversal->has_mapped && (!has || srp_address_equal (mapped, &traversal->mapped)))
    return;
  traversal->has_mapped = has;
  if (has)
    traversal->mapped = *mapped;
  srp_dht_set_mapped (traversal->dht, mapped);
  /* Every link introduces us with what we last told it. */
  srp_connect_nat_changed (traversal);
}

gboolean
srp_traversal_get_mapped_address (SrpTraversal *traversal, SrpAddress *mapped)
{
  if (traversal->has_mapped && mapped != NULL)
    *mapped = traversal->mapped;
  return traversal->has_mapped;
}

void
srp_traversal_set_lan_discovery (SrpTraversal *traversal, gboolean enabled)
{
  srp_lan_set_enabled (traversal, enabled);
}

gboolean
srp_traversal_get_lan_discovery (SrpTraversal *traversal)
{
  return srp_lan_get_enabled (traversal);
}

void
srp_traversal_assume_nat (SrpTraversal *traversal, guint8 family, guint8 type,
                          const SrpAddress *public_address)
{
  srp_nat_assume (traversal, family, (SrpNat) type, public_address);
}
