/* srp-mesh-state.c: the peers a core knows, kept across close and listen
 * (and, through srp_core_export_state, restarts): a restarted peer rejoins
 * through them, with no bootstrap given.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-mesh-private.h"

#include "srp-state.h"

#define KEY "known_peers"
/* ID, address, NAT type, microseconds since last heard of. */
#define RECORD_TYPE "(ay(yqay)yx)"
#define RECORD_FORMAT "(@ay@(yqay)yx)"

static void
add (GVariantBuilder *b, const SrpId *id, const SrpAddress *address, guint8 nat, gint64 age)
{
  g_variant_builder_add (b, RECORD_FORMAT, srp_state_id (id), srp_state_address (address), nat,
                         MAX (age, 0));
}

GVariant *
srp_mesh_export_known_peers (SrpMesh *mesh)
{
  SrpContext *ctx = mesh->ctx;
  GPtrArray *links = srp_link_table_list (ctx->links);
  GPtrArray *records = srp_peer_table_records (ctx->peers);
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a" RECORD_TYPE));
  /* Links first: they are the ones known to work. A relayed peer has no
   * address worth keeping. */
  for (guint i = 0; i < links->len; i++)
    {
      SrpLink *link = g_ptr_array_index (links, i);
      if (!srp_address_is_relay (&link->address))
        add (&b, &link->id, &link->address, link->nat, ctx->now - link->last_seen);
    }
  for (guint i = 0; i < records->len; i++)
    {
      SrpKnownPeer *r = g_ptr_array_index (records, i);
      if (!srp_address_is_relay (&r->address))
        add (&b, &r->id, &r->address, r->nat, ctx->now - r->last_seen);
    }
  return g_variant_builder_end (&b);
}

void
srp_mesh_export_state (gpointer self, GVariantDict *dict)
{
  g_variant_dict_insert_value (dict, KEY, srp_mesh_export_known_peers (self));
}

gboolean
srp_mesh_import_state (gpointer self, GVariantDict *dict, gboolean apply, GError **error)
{
  SrpMesh *mesh = self;
  SrpContext *ctx = mesh->ctx;
  g_autoptr (GVariant) list = g_variant_dict_lookup_value (dict, KEY, NULL);
  GVariantIter iter;
  GVariant *id_v, *address_v;
  guint8 nat;
  gint64 age;

  if (list == NULL)
    return TRUE;
  if (!g_variant_is_of_type (list, G_VARIANT_TYPE ("a" RECORD_TYPE)))
    return srp_state_malformed (error, KEY);
  g_variant_iter_init (&iter, list);
  while (g_variant_iter_next (&iter, RECORD_FORMAT, &id_v, &address_v, &nat, &age))
    {
      SrpId id;
      SrpAddress address;
      gboolean ok = srp_state_read_id (id_v, &id) && srp_state_read_address (address_v, &address);
      SrpKnownPeer *record;

      g_variant_unref (id_v);
      g_variant_unref (address_v);
      if (!ok || nat >= SRP_NAT_N_TYPES || age < 0)
        return srp_state_malformed (error, KEY);
      if (!apply)
        continue;
      /* Ourselves, and peers known already, are no news; the table's bounds
       * hold for saved records as for any others. */
      if (srp_id_is_zero (&id) || srp_id_equal (&id, &ctx->config->peer_id) ||
          srp_link_table_lookup (ctx->links, &id) != NULL ||
          srp_peer_table_lookup (ctx->peers, &id) != NULL ||
          srp_link_table_lookup_address (ctx->links, &address) != NULL ||
          srp_peer_table_lookup_address (ctx->peers, &address) != NULL)
        continue;
      record = srp_peer_table_add (ctx->peers, ctx->now, &id, &address, SRP_ADMIT_RECORD);
      if (record == NULL)
        continue;
      record->nat = nat;
      record->last_seen = ctx->now - MIN (age, G_MAXINT64 / 4);
    }
  if (apply)
    srp_mesh_schedule_maintenance (mesh, ctx->now);
  return TRUE;
}
