/* srp-sim-heap.h: the two ordered structures of a discrete-event simulation,
 * so that a step costs O(log n) rather than a sweep over every node.
 *
 * SrpSimQueue holds what happens at a given time (deliveries, scheduled
 * actions): a binary min-heap on (at, insertion order), so that two items
 * due at once come out in the order they were pushed and a schedule is
 * total and reproducible.
 *
 * SrpSimDeadlines holds one deadline per key (a node): an indexed binary
 * min-heap on (at, key), where changing a key's deadline moves it in place.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  gint64 at;
  guint64 seq;
  gpointer data;
} SrpSimQueueItem;

typedef struct {
  SrpSimQueueItem *items;
  guint len, size;
  guint64 next_seq;
} SrpSimQueue;

void srp_sim_queue_init (SrpSimQueue *queue);
/* Frees the items' data with free_data (may be NULL) and the queue's memory. */
void srp_sim_queue_clear (SrpSimQueue *queue, GDestroyNotify free_data);
void srp_sim_queue_push (SrpSimQueue *queue, gint64 at, gpointer data);
/* The earliest item, or NULL when empty; it stays in the queue. */
const SrpSimQueueItem *srp_sim_queue_peek (const SrpSimQueue *queue);
/* Takes the earliest item out; returns its data (NULL when empty). */
gpointer srp_sim_queue_pop (SrpSimQueue *queue, gint64 *at);
guint srp_sim_queue_size (const SrpSimQueue *queue);

typedef struct {
  gint64 at;
  guint key;
} SrpSimDeadline;

typedef struct {
  SrpSimDeadline *heap;
  guint len, size;
  gint *pos; /* per key: its index in heap, or -1 */
  guint n_keys;
} SrpSimDeadlines;

void srp_sim_deadlines_init (SrpSimDeadlines *deadlines);
void srp_sim_deadlines_clear (SrpSimDeadlines *deadlines);
/* Sets key's deadline; a negative one removes it. */
void srp_sim_deadlines_set (SrpSimDeadlines *deadlines, guint key, gint64 at);
/* key's deadline, or -1. */
gint64 srp_sim_deadlines_get (const SrpSimDeadlines *deadlines, guint key);
/* The earliest deadline (and its key), or FALSE when there is none. */
gboolean srp_sim_deadlines_peek (const SrpSimDeadlines *deadlines, guint *key, gint64 *at);
guint srp_sim_deadlines_size (const SrpSimDeadlines *deadlines);

G_END_DECLS
