/* srp-dht-table.c: the k-buckets.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-dht-table.h"

#include <string.h>

#define N_BUCKETS (8 * SRP_ID_LEN)
#define FAILURES_TO_REMOVE 2

typedef struct {
  SrpDhtContact contact;
  gint64 seen;
  guint failures;
  SrpCredit *credit; /* owned; NULL once it answered us */
} Entry;

struct _SrpDhtTable {
  SrpId self;
  guint k;
  guint size;
  GArray *buckets[N_BUCKETS]; /* Entry; NULL while empty */
};

guint
srp_dht_shared_bits (const SrpId *a, const SrpId *b)
{
  for (guint i = 0; i < SRP_ID_LEN; i++)
    {
      guint8 x = a->bytes[i] ^ b->bytes[i];
      if (x != 0)
        return i * 8 + (guint) __builtin_clz ((unsigned) x) - 24;
    }
  return N_BUCKETS;
}

int
srp_dht_compare_distance (const SrpId *target, const SrpId *a, const SrpId *b)
{
  for (guint i = 0; i < SRP_ID_LEN; i++)
    {
      guint8 x = a->bytes[i] ^ target->bytes[i], y = b->bytes[i] ^ target->bytes[i];
      if (x != y)
        return x < y ? -1 : 1;
    }
  return 0;
}

SrpDhtTable *
srp_dht_table_new (const SrpId *self, guint k)
{
  SrpDhtTable *table = g_new0 (SrpDhtTable, 1);

  table->self = *self;
  table->k = MAX (k, 1);
  return table;
}

void
srp_dht_table_free (SrpDhtTable *table)
{
  if (table == NULL)
    return;
  for (guint i = 0; i < N_BUCKETS; i++)
    if (table->buckets[i] != NULL)
      g_array_unref (table->buckets[i]);
  g_free (table);
}

static void
clear_entry (gpointer data)
{
  Entry *e = data;

  g_clear_pointer (&e->credit, srp_credit_unref);
}

static GArray *
bucket_of (SrpDhtTable *table, const SrpId *id, gboolean create)
{
  guint b = srp_dht_shared_bits (&table->self, id);

  if (b >= N_BUCKETS)
    return NULL; /* ourselves */
  if (table->buckets[b] == NULL && create)
    {
      table->buckets[b] = g_array_sized_new (FALSE, FALSE, sizeof (Entry), table->k);
      g_array_set_clear_func (table->buckets[b], clear_entry);
    }
  return table->buckets[b];
}

static gint
find_in (GArray *bucket, const SrpId *id)
{
  for (guint i = 0; bucket != NULL && i < bucket->len; i++)
    if (srp_id_equal (&g_array_index (bucket, Entry, i).contact.id, id))
      return (gint) i;
  return -1;
}

gboolean
srp_dht_table_add (SrpDhtTable *table, const SrpDhtContact *contact, gint64 now,
                   SrpCredit *credit)
{
  GArray *bucket = bucket_of (table, &contact->id, TRUE);
  Entry entry = { .contact = *contact, .seen = now };
  gint at;

  if (bucket == NULL)
    return FALSE;
  at = find_in (bucket, &contact->id);
  if (at >= 0)
    {
      Entry *e = &g_array_index (bucket, Entry, at);
      e->contact = *contact;
      e->seen = now;
      e->failures = 0;
      /* Proven now; a second namer brings no fresh credit (or naming a
       * contact again and again would buy queries to it). */
      if (credit == NULL)
        g_clear_pointer (&e->credit, srp_credit_unref);
      return TRUE;
    }
  entry.credit = srp_credit_ref (credit);
  if (bucket->len < table->k)
    {
      g_array_append_val (bucket, entry);
      table->size++;
      return TRUE;
    }
  for (guint i = 0; i < bucket->len; i++)
    if (g_array_index (bucket, Entry, i).failures > 0)
      {
        clear_entry (&g_array_index (bucket, Entry, i));
        g_array_index (bucket, Entry, i) = entry;
        return TRUE;
      }
  clear_entry (&entry);
  return FALSE;
}

SrpCredit *
srp_dht_table_credit (SrpDhtTable *table, const SrpId *id)
{
  GArray *bucket = bucket_of (table, id, FALSE);
  gint at = find_in (bucket, id);

  return at >= 0 ? g_array_index (bucket, Entry, at).credit : NULL;
}

void
srp_dht_table_remove (SrpDhtTable *table, const SrpId *id)
{
  GArray *bucket = bucket_of (table, id, FALSE);
  gint at = find_in (bucket, id);

  if (at < 0)
    return;
  g_array_remove_index (bucket, (guint) at);
  table->size--;
}

void
srp_dht_table_failed (SrpDhtTable *table, const SrpId *id)
{
  GArray *bucket = bucket_of (table, id, FALSE);
  gint at = find_in (bucket, id);

  if (at >= 0 && ++g_array_index (bucket, Entry, at).failures >= FAILURES_TO_REMOVE)
    srp_dht_table_remove (table, id);
}

void
srp_dht_nearest_init (SrpDhtNearest *nearest, const SrpId *target, guint max, SrpDhtContact *out)
{
  nearest->target = target;
  nearest->out = out;
  nearest->max = max;
  nearest->n = 0;
}

void
srp_dht_nearest_offer (SrpDhtNearest *nearest, const SrpDhtContact *contact)
{
  guint at;

  if (nearest->max == 0)
    return;
  /* Full and not nearer than the farthest: the common case, one compare.
   * Equal distance means the same ID, which is already there. */
  if (nearest->n == nearest->max &&
      srp_dht_compare_distance (nearest->target, &contact->id,
                                &nearest->out[nearest->n - 1].id) >= 0)
    return;
  for (at = 0; at < nearest->n; at++)
    {
      int c = srp_dht_compare_distance (nearest->target, &contact->id, &nearest->out[at].id);

      if (c == 0)
        return; /* offered before: the first source stands */
      if (c < 0)
        break;
    }
  if (nearest->n < nearest->max)
    nearest->n++;
  memmove (nearest->out + at + 1, nearest->out + at,
           (nearest->n - 1 - at) * sizeof (SrpDhtContact));
  nearest->out[at] = *contact;
}

guint
srp_dht_table_closest (SrpDhtTable *table, const SrpId *target, guint max, SrpDhtContact *out)
{
  SrpDhtNearest nearest;

  srp_dht_nearest_init (&nearest, target, max, out);
  for (guint b = 0; b < N_BUCKETS; b++)
    for (guint i = 0; table->buckets[b] != NULL && i < table->buckets[b]->len; i++)
      srp_dht_nearest_offer (&nearest, &g_array_index (table->buckets[b], Entry, i).contact);
  return nearest.n;
}

guint
srp_dht_table_size (SrpDhtTable *table)
{
  return table->size;
}
