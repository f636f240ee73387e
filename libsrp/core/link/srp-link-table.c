/* srp-link-table.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-link-table.h"

#include "srp-wire.h"

struct _SrpLinkTable {
  GPtrArray *list;        /* SrpLink*, owned, in the order they connected */
  GHashTable *by_id;      /* SrpId* (in the link) -> link */
  GHashTable *by_address; /* SrpAddress* (in the link) -> link */
};

SrpLinkTable *
srp_link_table_new (void)
{
  SrpLinkTable *table = g_new0 (SrpLinkTable, 1);

  table->list = g_ptr_array_new ();
  table->by_id = g_hash_table_new (srp_id_hash_func, srp_id_equal_func);
  table->by_address = g_hash_table_new (srp_address_hash_func, srp_address_equal_func);
  return table;
}

void
srp_link_table_free (SrpLinkTable *table)
{
  if (table == NULL)
    return;
  g_warn_if_fail (table->list->len == 0);
  g_ptr_array_unref (table->list);
  g_hash_table_unref (table->by_id);
  g_hash_table_unref (table->by_address);
  g_free (table);
}

void
srp_link_table_add (SrpLinkTable *table, SrpLink *link)
{
  g_return_if_fail (!g_hash_table_contains (table->by_id, &link->id));
  g_return_if_fail (!g_hash_table_contains (table->by_address, &link->address));
  g_ptr_array_add (table->list, link);
  g_hash_table_insert (table->by_id, &link->id, link);
  g_hash_table_insert (table->by_address, &link->address, link);
}

void
srp_link_table_remove (SrpLinkTable *table, SrpLink *link)
{
  g_hash_table_remove (table->by_id, &link->id);
  g_hash_table_remove (table->by_address, &link->address);
  g_ptr_array_remove (table->list, link);
}

void
srp_link_table_move (SrpLinkTable *table, SrpLink *link, const SrpAddress *address)
{
  g_return_if_fail (!g_hash_table_contains (table->by_address, address));
  g_hash_table_remove (table->by_address, &link->address);
  link->address = *address;
  g_hash_table_insert (table->by_address, &link->address, link);
}

SrpLink *
srp_link_table_lookup (SrpLinkTable *table, const SrpId *id)
{
  return g_hash_table_lookup (table->by_id, id);
}

SrpLink *
srp_link_table_lookup_address (SrpLinkTable *table, const SrpAddress *address)
{
  return g_hash_table_lookup (table->by_address, address);
}

SrpLink *
srp_link_table_lookup_prefix (SrpLinkTable *table, guint64 prefix)
{
  for (guint i = 0; i < table->list->len; i++)
    {
      SrpLink *link = g_ptr_array_index (table->list, i);
      if (srp_id_prefix (&link->id) == prefix)
        return link;
    }
  return NULL;
}

guint
srp_link_table_size (SrpLinkTable *table)
{
  return table->list->len;
}

GPtrArray *
srp_link_table_list (SrpLinkTable *table)
{
  return table->list;
}
