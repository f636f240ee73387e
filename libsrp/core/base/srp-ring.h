/* srp-ring.h: a first-in first-out ring of fixed-size elements, reused from
 * use to use: the core's queues of datagrams to send and of events. Pushing
 * is a slot to fill, not an allocation; a driver reads elements where they
 * lie (peek) and then lets them go (release).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint8 *slots;
  gsize element_size;
  guint capacity; /* a power of two, or 0 before the first push */
  guint head;     /* the oldest */
  guint length;
  guint peak;     /* the most held since the ring was last empty */
  guint quiet;    /* drains in a row that used a quarter of the capacity or less */
} SrpRing;

void srp_ring_init (SrpRing *ring, gsize element_size);
void srp_ring_clear (SrpRing *ring);

/* A slot at the tail (not cleared: what was there before is left), to fill
 * at once: the ring may move at the next push, so no pointer into it
 * outlives the next push. */
gpointer srp_ring_push (SrpRing *ring);
/* The i-th oldest element (i < length). */
static inline gpointer
srp_ring_peek (SrpRing *ring, guint i)
{
  return ring->slots + (gsize) ((ring->head + i) & (ring->capacity - 1)) * ring->element_size;
}
/* Lets the n oldest go. */
void srp_ring_release (SrpRing *ring, guint n);
/* Copies the oldest into out and lets it go; FALSE when empty. */
gboolean srp_ring_pop (SrpRing *ring, gpointer out);

G_END_DECLS
