/* srp-peer-table.c: known records and the places of every peer.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-peer-table.h"

#include <string.h>

struct _SrpPeerTable {
  guint capacity;
  guint prefix_limit;      /* records per prefix */
  guint prefix_link_limit; /* links per prefix, for handshakes nobody asked for */
  guint held;              /* places links hold */
  GPtrArray *records;      /* SrpKnownPeer*, owned, in order of addition */
  GHashTable *by_id;       /* SrpId* -> record */
  GHashTable *by_address;  /* SrpAddress* -> record */
  GHashTable *prefixes;    /* SrpAddress* (masked prefix, owned) -> records there */
  GHashTable *link_prefixes; /* the same, -> links there */
};

static void
record_free (gpointer data)
{
  SrpKnownPeer *record = data;

  srp_credit_unref (record->named_by);
  g_free (record);
}

SrpPeerTable *
srp_peer_table_new (guint capacity, guint prefix_limit, guint prefix_link_limit)
{
  SrpPeerTable *table = g_new0 (SrpPeerTable, 1);

  table->capacity = MAX (capacity, 1);
  table->prefix_limit = MAX (prefix_limit, 1);
  table->prefix_link_limit = MAX (prefix_link_limit, 1);
  table->records = g_ptr_array_new_with_free_func (record_free);
  table->by_id = g_hash_table_new (srp_id_hash_func, srp_id_equal_func);
  table->by_address = g_hash_table_new (srp_address_hash_func, srp_address_equal_func);
  table->prefixes = g_hash_table_new_full (srp_address_hash_func, srp_address_equal_func, g_free,
                                           NULL);
  table->link_prefixes = g_hash_table_new_full (srp_address_hash_func, srp_address_equal_func,
                                                g_free, NULL);
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
  g_hash_table_unref (table->link_prefixes);
  g_ptr_array_unref (table->records);
  g_free (table);
}

/* The /24 (IPv4) or /48 (IPv6) of an address, as an address with port 0.
 * A relay address is its own prefix (the relay's and the peer's IDs). */
static void
prefix_of (const SrpAddress *address, SrpAddress *prefix)
{
  gsize keep = address->family == SRP_ADDRESS_FAMILY_IPV4 ? 3 : 6;

  memset (prefix, 0, sizeof *prefix);
  prefix->family = address->family;
  memcpy (prefix->bytes, address->bytes, keep);
}

static gboolean
same_prefix (const SrpAddress *a, const SrpAddress *b)
{
  SrpAddress pa, pb;

  prefix_of (a, &pa);
  prefix_of (b, &pb);
  return srp_address_equal (&pa, &pb);
}

static guint
count_in (GHashTable *counts, const SrpAddress *address)
{
  SrpAddress prefix;

  prefix_of (address, &prefix);
  return GPOINTER_TO_UINT (g_hash_table_lookup (counts, &prefix));
}

guint
srp_peer_table_count_prefix (SrpPeerTable *table, const SrpAddress *address)
{
  return count_in (table->prefixes, address);
}

guint
srp_peer_table_count_prefix_links (SrpPeerTable *table, const SrpAddress *address)
{
  return count_in (table->link_prefixes, address);
}

static void
count_adjust (GHashTable *counts, const SrpAddress *address, int delta)
{
  SrpAddress prefix;
  guint count;

  prefix_of (address, &prefix);
  count = GPOINTER_TO_UINT (g_hash_table_lookup (counts, &prefix));
  g_assert (delta > 0 || count > 0);
  count = (guint) ((int) count + delta);
  if (count == 0)
    g_hash_table_remove (counts, &prefix);
  else
    g_hash_table_replace (counts, g_memdup2 (&prefix, sizeof prefix), GUINT_TO_POINTER (count));
}

static void
prefix_adjust (SrpPeerTable *table, const SrpAddress *address, int delta)
{
  count_adjust (table->prefixes, address, delta);
}

static void
link_prefix_adjust (SrpPeerTable *table, const SrpAddress *address, int delta)
{
  count_adjust (table->link_prefixes, address, delta);
}

SrpKnownPeer *
srp_peer_table_lookup (SrpPeerTable *table, const SrpId *id)
{
  return g_hash_table_lookup (table->by_id, id);
}

SrpKnownPeer *
srp_peer_table_lookup_address (SrpPeerTable *table, const SrpAddress *address)
{
  return g_hash_table_lookup (table->by_address, address);
}

void
srp_peer_table_remove (SrpPeerTable *table, SrpKnownPeer *record)
{
  g_hash_table_remove (table->by_id, &record->id);
  g_hash_table_remove (table->by_address, &record->address);
  prefix_adjust (table, &record->address, -1);
  g_ptr_array_remove (table->records, record); /* frees it */
}

/* A record in the prefix of in_prefix_of (or any, for NULL) that admission
 * may replace: for a record, one that has failed at least once; for a
 * handshake, any. The most failed first, then the oldest. */
static SrpKnownPeer *
find_evictable (SrpPeerTable *table, const SrpAddress *in_prefix_of, SrpAdmission admission)
{
  SrpKnownPeer *best = NULL;

  for (guint i = 0; i < table->records->len; i++)
    {
      SrpKnownPeer *r = g_ptr_array_index (table->records, i);

      if (r->failures == 0 && admission == SRP_ADMIT_RECORD)
        continue;
      if (in_prefix_of != NULL && !same_prefix (&r->address, in_prefix_of))
        continue;
      /* Records are in order of addition: the first of the most failed is
       * also the oldest of them. */
      if (best == NULL || r->failures > best->failures)
        best = r;
    }
  return best;
}

/* The record to evict so that one more place fits at address (NULL when
 * none is needed); FALSE when no such eviction is allowed. */
static gboolean
plan_room (SrpPeerTable *table, const SrpAddress *address, SrpAdmission admission,
           SrpKnownPeer **victim)
{
  *victim = NULL;
  /* Records heard of are what a flood from one prefix would be made of:
   * they get few places per prefix. A link proved its ID, but IDs are free,
   * so unasked-for links get a bigger share of a prefix, still not all of
   * the table; a link we asked for, or that a link introduced, only needs
   * a place (a carrier-grade NAT pool or a campus puts many honest peers
   * in one prefix). */
  if (admission == SRP_ADMIT_RECORD &&
      srp_peer_table_count_prefix (table, address) >= table->prefix_limit)
    {
      /* Evicting within the prefix frees a place in the total too. */
      *victim = find_evictable (table, address, admission);
      return *victim != NULL;
    }
  if (admission == SRP_ADMIT_HANDSHAKE && !srp_peer_table_link_fits (table, address, admission))
    return FALSE;
  if (srp_peer_table_places (table) >= table->capacity)
    {
      *victim = find_evictable (table, NULL, admission);
      return *victim != NULL;
    }
  return TRUE;
}

gboolean
srp_peer_table_has_room (SrpPeerTable *table, const SrpAddress *address, SrpAdmission admission)
{
  SrpKnownPeer *victim;

  return plan_room (table, address, admission, &victim);
}

gboolean
srp_peer_table_make_room (SrpPeerTable *table, const SrpAddress *address, SrpAdmission admission)
{
  SrpKnownPeer *victim;

  if (!plan_room (table, address, admission, &victim))
    return FALSE;
  if (victim != NULL)
    srp_peer_table_remove (table, victim);
  return TRUE;
}

SrpKnownPeer *
srp_peer_table_add (SrpPeerTable *table, gint64 now, const SrpId *id, const SrpAddress *address,
                    SrpAdmission admission)
{
  SrpKnownPeer *record;

  g_return_val_if_fail (!g_hash_table_contains (table->by_id, id), NULL);
  g_return_val_if_fail (!g_hash_table_contains (table->by_address, address), NULL);
  if (!srp_peer_table_make_room (table, address, admission))
    return NULL;
  record = g_new0 (SrpKnownPeer, 1);
  record->id = *id;
  record->address = *address;
  record->added_at = now;
  record->last_seen = now;
  g_ptr_array_add (table->records, record);
  g_hash_table_insert (table->by_id, &record->id, record);
  g_hash_table_insert (table->by_address, &record->address, record);
  prefix_adjust (table, address, +1);
  return record;
}

void
srp_peer_table_hold (SrpPeerTable *table, const SrpAddress *address)
{
  table->held++;
  link_prefix_adjust (table, address, +1);
}

void
srp_peer_table_release (SrpPeerTable *table, const SrpAddress *address)
{
  g_return_if_fail (table->held > 0);
  table->held--;
  link_prefix_adjust (table, address, -1);
}

gboolean
srp_peer_table_link_fits (SrpPeerTable *table, const SrpAddress *address, SrpAdmission admission)
{
  return admission == SRP_ADMIT_INTRODUCED ||
         srp_peer_table_count_prefix_links (table, address) < table->prefix_link_limit;
}

gboolean
srp_peer_table_can_move (SrpPeerTable *table, const SrpAddress *from, const SrpAddress *to,
                         SrpAdmission admission)
{
  return same_prefix (from, to) || srp_peer_table_link_fits (table, to, admission);
}

void
srp_peer_table_move (SrpPeerTable *table, const SrpAddress *from, const SrpAddress *to)
{
  link_prefix_adjust (table, from, -1);
  link_prefix_adjust (table, to, +1);
}

guint
srp_peer_table_size (SrpPeerTable *table)
{
  return table->records->len;
}

guint
srp_peer_table_places (SrpPeerTable *table)
{
  return table->records->len + table->held;
}

GPtrArray *
srp_peer_table_records (SrpPeerTable *table)
{
  return table->records;
}
