/* srp-sim-heap.c: binary min-heaps for the simulators.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-sim-heap.h"

/* ---- SrpSimQueue ---------------------------------------------------------------- */

static gboolean
item_before (const SrpSimQueueItem *a, const SrpSimQueueItem *b)
{
  return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

void
srp_sim_queue_init (SrpSimQueue *queue)
{
  queue->items = NULL;
  queue->len = queue->size = 0;
  queue->next_seq = 0;
}

void
srp_sim_queue_clear (SrpSimQueue *queue, GDestroyNotify free_data)
{
  if (free_data != NULL)
    for (guint i = 0; i < queue->len; i++)
      free_data (queue->items[i].data);
  g_free (queue->items);
  srp_sim_queue_init (queue);
}

void
srp_sim_queue_push (SrpSimQueue *queue, gint64 at, gpointer data)
{
  SrpSimQueueItem item = { .at = at, .seq = queue->next_seq++, .data = data };
  guint i;

  if (queue->len == queue->size)
    {
      queue->size = MAX (queue->size * 2, 64);
      queue->items = g_renew (SrpSimQueueItem, queue->items, queue->size);
    }
  /* Sift up: move parents down until item fits. */
  for (i = queue->len++; i > 0; i = (i - 1) / 2)
    {
      SrpSimQueueItem *parent = &queue->items[(i - 1) / 2];
      if (!item_before (&item, parent))
        break;
      queue->items[i] = *parent;
    }
  queue->items[i] = item;
}

const SrpSimQueueItem *
srp_sim_queue_peek (const SrpSimQueue *queue)
{
  return queue->len > 0 ? &queue->items[0] : NULL;
}

gpointer
srp_sim_queue_pop (SrpSimQueue *queue, gint64 *at)
{
  SrpSimQueueItem top, last;
  guint i = 0;

  if (queue->len == 0)
    return NULL;
  top = queue->items[0];
  last = queue->items[--queue->len];
  /* Sift the last item down from the root. */
  while (2 * i + 1 < queue->len)
    {
      guint child = 2 * i + 1;

      if (child + 1 < queue->len && item_before (&queue->items[child + 1], &queue->items[child]))
        child++;
      if (!item_before (&queue->items[child], &last))
        break;
      queue->items[i] = queue->items[child];
      i = child;
    }
  if (queue->len > 0)
    queue->items[i] = last;
  if (at != NULL)
    *at = top.at;
  return top.data;
}

guint
srp_sim_queue_size (const SrpSimQueue *queue)
{
  return queue->len;
}

/* ---- SrpSimDeadlines --------------------------------------------------------------- */

static gboolean
deadline_before (const SrpSimDeadline *a, const SrpSimDeadline *b)
{
  return a->at < b->at || (a->at == b->at && a->key < b->key);
}

void
srp_sim_deadlines_init (SrpSimDeadlines *deadlines)
{
  deadlines->heap = NULL;
  deadlines->len = deadlines->size = 0;
  deadlines->pos = NULL;
  deadlines->n_keys = 0;
}

void
srp_sim_deadlines_clear (SrpSimDeadlines *deadlines)
{
  g_free (deadlines->heap);
  g_free (deadlines->pos);
  srp_sim_deadlines_init (deadlines);
}

static void
place (SrpSimDeadlines *d, guint i, const SrpSimDeadline *entry)
{
  d->heap[i] = *entry;
  d->pos[entry->key] = (gint) i;
}

/* Puts entry at a hole at index i, moving it up or down as its time asks. */
static void
sift (SrpSimDeadlines *d, guint i, SrpSimDeadline entry)
{
  while (i > 0 && deadline_before (&entry, &d->heap[(i - 1) / 2]))
    {
      place (d, i, &d->heap[(i - 1) / 2]);
      i = (i - 1) / 2;
    }
  while (2 * i + 1 < d->len)
    {
      guint child = 2 * i + 1;

      if (child + 1 < d->len && deadline_before (&d->heap[child + 1], &d->heap[child]))
        child++;
      if (!deadline_before (&d->heap[child], &entry))
        break;
      place (d, i, &d->heap[child]);
      i = child;
    }
  place (d, i, &entry);
}

void
srp_sim_deadlines_set (SrpSimDeadlines *d, guint key, gint64 at)
{
  SrpSimDeadline entry = { .at = at, .key = key };
  gint i;

  if (key >= d->n_keys)
    {
      guint n = MAX (MAX (d->n_keys * 2, key + 1), 64);

      d->pos = g_renew (gint, d->pos, n);
      for (guint k = d->n_keys; k < n; k++)
        d->pos[k] = -1;
      d->n_keys = n;
    }
  i = d->pos[key];
  if (at < 0)
    {
      if (i < 0)
        return;
      d->pos[key] = -1;
      if ((guint) i < --d->len)
        sift (d, (guint) i, d->heap[d->len]);
      return;
    }
  if (i < 0)
    {
      if (d->len == d->size)
        {
          d->size = MAX (d->size * 2, 64);
          d->heap = g_renew (SrpSimDeadline, d->heap, d->size);
        }
      i = (gint) d->len++;
    }
  sift (d, (guint) i, entry);
}

gint64
srp_sim_deadlines_get (const SrpSimDeadlines *d, guint key)
{
  return key < d->n_keys && d->pos[key] >= 0 ? d->heap[d->pos[key]].at : -1;
}

gboolean
srp_sim_deadlines_peek (const SrpSimDeadlines *d, guint *key, gint64 *at)
{
  if (d->len == 0)
    return FALSE;
  if (key != NULL)
    *key = d->heap[0].key;
  if (at != NULL)
    *at = d->heap[0].at;
  return TRUE;
}

guint
srp_sim_deadlines_size (const SrpSimDeadlines *d)
{
  return d->len;
}
