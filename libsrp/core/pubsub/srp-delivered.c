/* srp-delivered.c: a bounded set of IDs, oldest first out.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-delivered.h"

struct _SrpDelivered {
  guint capacity;
  GHashTable *index; /* SrpId* (owned) -> itself */
  GQueue order;      /* the same SrpId*, oldest first */
};

SrpDelivered *
srp_delivered_new (guint capacity)
{
  SrpDelivered *d = g_new0 (SrpDelivered, 1);

  /* Memory grows with use, up to capacity: a peer that delivers little
   * keeps little. */
  d->capacity = MAX (capacity, 1);
  d->index = g_hash_table_new_full (srp_id_hash_func, srp_id_equal_func, g_free, NULL);
  g_queue_init (&d->order);
  return d;
}

void
srp_delivered_free (SrpDelivered *d)
{
  if (d == NULL)
    return;
  g_queue_clear (&d->order);
  g_hash_table_unref (d->index);
  g_free (d);
}

gboolean
srp_delivered_contains (SrpDelivered *d, const SrpId *id)
{
  return g_hash_table_contains (d->index, id);
}

gboolean
srp_delivered_add (SrpDelivered *d, const SrpId *id)
{
  SrpId *copy;

  if (g_hash_table_contains (d->index, id))
    return FALSE;
  if (d->order.length >= d->capacity)
    g_hash_table_remove (d->index, g_queue_pop_head (&d->order));
  copy = g_memdup2 (id, sizeof *id);
  g_hash_table_add (d->index, copy);
  g_queue_push_tail (&d->order, copy);
  return TRUE;
}

guint
srp_delivered_size (SrpDelivered *d)
{
  return d->order.length;
}

void
srp_delivered_foreach (SrpDelivered *d, void (*func) (const SrpId *id, gpointer data),
                       gpointer data)
{
  for (GList *l = d->order.head; l != NULL; l = l->next)
    func (l->data, data);
}
