/* srp-dht-registry.c: registrations, by ID, in order of arrival.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-dht-registry.h"

typedef struct {
  SrpId id;
  SrpReachability reach;
  gint64 expires;
  GList *link; /* in order */
} Entry;

struct _SrpDhtRegistry {
  guint capacity;
  GHashTable *by_id; /* SrpId* (in the entry) -> Entry*, owned */
  GQueue order;      /* Entry*, oldest first */
};

SrpDhtRegistry *
srp_dht_registry_new (guint capacity)
{
  SrpDhtRegistry *registry = g_new0 (SrpDhtRegistry, 1);

  registry->capacity = MAX (capacity, 1);
  registry->by_id = g_hash_table_new_full (srp_id_hash_func, srp_id_equal_func, NULL, g_free);
  g_queue_init (&registry->order);
  return registry;
}

void
srp_dht_registry_free (SrpDhtRegistry *registry)
{
  if (registry == NULL)
    return;
  g_queue_clear (&registry->order);
  g_hash_table_unref (registry->by_id);
  g_free (registry);
}

static void
drop (SrpDhtRegistry *registry, Entry *entry)
{
  g_queue_delete_link (&registry->order, entry->link);
  g_hash_table_remove (registry->by_id, &entry->id);
}

void
srp_dht_registry_put (SrpDhtRegistry *registry, const SrpId *id, const SrpReachability *reach,
                      gint64 expires)
{
  Entry *entry = g_hash_table_lookup (registry->by_id, id);

  if (entry != NULL)
    drop (registry, entry);
  while (g_hash_table_size (registry->by_id) >= registry->capacity)
    drop (registry, g_queue_peek_head (&registry->order));
  entry = g_new0 (Entry, 1);
  entry->id = *id;
  entry->reach = *reach;
  entry->expires = expires;
  g_queue_push_tail (&registry->order, entry);
  entry->link = registry->order.tail;
  g_hash_table_insert (registry->by_id, &entry->id, entry);
}

const SrpReachability *
srp_dht_registry_get (SrpDhtRegistry *registry, const SrpId *id, gint64 now)
{
  Entry *entry = g_hash_table_lookup (registry->by_id, id);

  if (entry == NULL)
    return NULL;
  if (entry->expires <= now)
    {
      drop (registry, entry);
      return NULL;
    }
  return &entry->reach;
}

guint
srp_dht_registry_size (SrpDhtRegistry *registry)
{
  return g_hash_table_size (registry->by_id);
}
