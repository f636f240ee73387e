/* srp-peer-table.c: the bounded table of known peers.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-peer-table.h"

#include <string.h>

struct _SrpPeerTable {
  guint capacity;
  guint prefix_limit;
  GPtrArray *entries;     /* SrpPeerEntry*, owned, in order of addition */
  GHashTable *by_id;      /* SrpId* -> entry */
  GHashTable *by_address; /* SrpAddress* -> entry */
  GHashTable *prefixes;   /* SrpAddress* (masked prefix, owned) -> count */
};

SrpPeerTable *
srp_peer_table_new (guint capacity, guint prefix_limit)
{
  SrpPeerTable *table = g_new0 (SrpPeerTable, 1);

  table->capacity = MAX (capacity, 1);
  table->prefix_limit = MAX (prefix_limit, 1);
  table->entries = g_ptr_array_new_with_free_func (g_free);
  table->by_id = g_hash_table_new (srp_id_hash_func, srp_id_equal_func);
  table->by_address = g_hash_table_new (srp_address_hash_func, srp_address_equal_func);
  table->prefixes = g_hash_table_new_full (srp_address_hash_func, srp_address_equal_func, g_free,
                                           NULL);
  return table;
}

void
srp_peer_table_free (SrpPeerTable *table)
{
  if (table == NULL)
    return;
  g_hash_table_unref (table->by_id);
  g_hash_table_unref (table->by_address);
  g_hash_table_unref (table->prefixes);
  g_ptr_array_unref (table->entries);
  g_free (table);
}

/* The /24 (IPv4) or /48 (IPv6) of an address, as an address with port 0. */
static void
prefix_of (const SrpAddress *address, SrpAddress *prefix)
{
  gsize keep = address->family == SRP_ADDRESS_FAMILY_IPV4 ? 3 : 6;

  memset (prefix, 0, sizeof *prefix);
  prefix->family = address->family;
  memcpy (prefix->bytes, address->bytes, keep);
}

guint
srp_peer_table_count_prefix (SrpPeerTable *table, const SrpAddress *address)
{
  SrpAddress prefix;

  prefix_of (address, &prefix);
  return GPOINTER_TO_UINT (g_hash_table_lookup (table->prefixes, &prefix));
}

static void
prefix_adjust (SrpPeerTable *table, const SrpAddress *address, int delta)
{
  SrpAddress prefix;
  guint count;

  prefix_of (address, &prefix);
  count = GPOINTER_TO_UINT (g_hash_table_lookup (table->prefixes, &prefix));
  g_assert (delta > 0 || count > 0);
  count = (guint) ((int) count + delta);
  if (count == 0)
    g_hash_table_remove (table->prefixes, &prefix);
  else
    g_hash_table_replace (table->prefixes, g_memdup2 (&prefix, sizeof prefix),
                          GUINT_TO_POINTER (count));
}

SrpPeerEntry *
srp_peer_table_lookup (SrpPeerTable *table, const SrpId *id)
{
  return g_hash_table_lookup (table->by_id, id);
}

SrpPeerEntry *
srp_peer_table_lookup_address (SrpPeerTable *table, const SrpAddress *address)
{
  return g_hash_table_lookup (table->by_address, address);
}

void
srp_peer_table_remove (SrpPeerTable *table, SrpPeerEntry *entry)
{
  g_hash_table_remove (table->by_id, &entry->id);
  if (g_hash_table_lookup (table->by_address, &entry->address) == entry)
    g_hash_table_remove (table->by_address, &entry->address);
  prefix_adjust (table, &entry->address, -1);
  g_ptr_array_remove (table->entries, entry); /* frees it */
}

/* A KNOWN entry in the given prefix (or any, for NULL) that admission may
 * replace: for a record, one that has failed at least once; for a handshake,
 * any. The most failed first, then the oldest. Nothing ever replaces a
 * CONNECTED entry. */
static SrpPeerEntry *
find_evictable (SrpPeerTable *table, const SrpAddress *in_prefix_of, SrpAdmission admission)
{
  SrpPeerEntry *best = NULL;
  SrpAddress want, have;

  if (in_prefix_of != NULL)
    prefix_of (in_prefix_of, &want);
  for (guint i = 0; i < table->entries->len; i++)
    {
      SrpPeerEntry *e = g_ptr_array_index (table->entries, i);

      if (e->state != SRP_PEER_KNOWN ||
          (e->failures == 0 && admission == SRP_ADMIT_RECORD))
        continue;
      if (in_prefix_of != NULL)
        {
          prefix_of (&e->address, &have);
          if (!srp_address_equal (&want, &have))
            continue;
        }
      /* Entries are in order of addition: the first of the most failed is
       * also the oldest of them. */
      if (best == NULL || e->failures > best->failures)
        best = e;
    }
  return best;
}

/* The entries to evict so that one more fits at address (NULL when none is
 * needed); FALSE when no such eviction is allowed. */
static gboolean
plan_room (SrpPeerTable *table, const SrpAddress *address, SrpAdmission admission,
           SrpPeerEntry **for_prefix, SrpPeerEntry **for_capacity)
{
  *for_prefix = *for_capacity = NULL;
  if (srp_peer_table_count_prefix (table, address) >= table->prefix_limit)
    {
      *for_prefix = find_evictable (table, address, admission);
      if (*for_prefix == NULL)
        return FALSE;
      return TRUE; /* evicting it frees a place in the total too */
    }
  if (table->entries->len >= table->capacity)
    {
      *for_capacity = find_evictable (table, NULL, admission);
      if (*for_capacity == NULL)
        return FALSE;
    }
  return TRUE;
}

gboolean
srp_peer_table_has_room (SrpPeerTable *table, const SrpId *id, const SrpAddress *address,
                         SrpAdmission admission)
{
  SrpPeerEntry *a, *b, *at_address;

  if (srp_peer_table_lookup (table, id) != NULL)
    return TRUE;
  at_address = srp_peer_table_lookup_address (table, address);
  if (at_address != NULL)
    return at_address->state != SRP_PEER_CONNECTED && admission == SRP_ADMIT_HANDSHAKE;
  return plan_room (table, address, admission, &a, &b);
}

SrpPeerEntry *
srp_peer_table_add (SrpPeerTable *table, gint64 now_us, const SrpId *id,
                    const SrpAddress *address, SrpAdmission admission)
{
  SrpPeerEntry *entry = srp_peer_table_lookup (table, id);
  SrpPeerEntry *other, *for_prefix, *for_capacity;

  if (entry != NULL)
    return entry;
  /* One entry per address. A peer that proved its ID there replaces a stale
   * record; a mere record naming a taken address is refused. */
  other = srp_peer_table_lookup_address (table, address);
  if (other != NULL)
    {
      if (other->state == SRP_PEER_CONNECTED || admission != SRP_ADMIT_HANDSHAKE)
        return NULL;
      srp_peer_table_remove (table, other);
    }
  if (!plan_room (table, address, admission, &for_prefix, &for_capacity))
    return NULL;
  if (for_prefix != NULL)
    srp_peer_table_remove (table, for_prefix);
  if (for_capacity != NULL)
    srp_peer_table_remove (table, for_capacity);

  entry = g_new0 (SrpPeerEntry, 1);
  entry->id = *id;
  entry->address = *address;
  entry->state = SRP_PEER_KNOWN;
  entry->added_at = now_us;
  entry->last_seen = now_us;
  entry->rtt_us = -1;
  entry->tokens_at = now_us;
  g_ptr_array_add (table->entries, entry);
  g_hash_table_insert (table->by_id, &entry->id, entry);
  g_hash_table_insert (table->by_address, &entry->address, entry);
  prefix_adjust (table, address, +1);
  return entry;
}

gboolean
srp_peer_table_set_address (SrpPeerTable *table, SrpPeerEntry *entry, const SrpAddress *address)
{
  SrpPeerEntry *other = srp_peer_table_lookup_address (table, address);
  SrpAddress old_prefix, new_prefix;

  if (srp_address_equal (&entry->address, address))
    return TRUE;
  prefix_of (&entry->address, &old_prefix);
  prefix_of (address, &new_prefix);
  if (!srp_address_equal (&old_prefix, &new_prefix) &&
      srp_peer_table_count_prefix (table, address) >= table->prefix_limit)
    return FALSE;
  /* Whoever held the address before is stale: the address now answers as entry. */
  if (other != NULL && other != entry)
    {
      if (other->state == SRP_PEER_CONNECTED)
        return FALSE;
      srp_peer_table_remove (table, other);
    }
  g_hash_table_remove (table->by_address, &entry->address);
  prefix_adjust (table, &entry->address, -1);
  entry->address = *address;
  g_hash_table_insert (table->by_address, &entry->address, entry);
  prefix_adjust (table, address, +1);
  return TRUE;
}

guint
srp_peer_table_size (SrpPeerTable *table)
{
  return table->entries->len;
}

guint
srp_peer_table_count_connected (SrpPeerTable *table)
{
  guint n = 0;

  for (guint i = 0; i < table->entries->len; i++)
    n += ((SrpPeerEntry *) g_ptr_array_index (table->entries, i))->state == SRP_PEER_CONNECTED;
  return n;
}

GPtrArray *
srp_peer_table_entries (SrpPeerTable *table)
{
  return table->entries;
}
