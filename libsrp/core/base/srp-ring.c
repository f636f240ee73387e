/* srp-ring.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-ring.h"

#include <string.h>

#define INITIAL_CAPACITY 64
/* A burst (a large publish) may grow a ring far; once drained, one larger
 * than this goes back to nothing rather than keep megabytes for ever. */
#define KEEP_CAPACITY 1024

void
srp_ring_init (SrpRing *ring, gsize element_size)
{
  memset (ring, 0, sizeof *ring);
  ring->element_size = element_size;
}

void
srp_ring_clear (SrpRing *ring)
{
  gsize element_size = ring->element_size;

  g_free (ring->slots);
  srp_ring_init (ring, element_size);
}

static void
grow (SrpRing *ring)
{
  guint capacity = ring->capacity > 0 ? ring->capacity * 2 : INITIAL_CAPACITY;
  guint8 *slots = g_malloc (capacity * ring->element_size);

  /* Unwrapped into the new ring, oldest first. */
  for (guint i = 0; i < ring->length; i++)
    memcpy (slots + i * ring->element_size, srp_ring_peek (ring, i), ring->element_size);
  g_free (ring->slots);
  ring->slots = slots;
  ring->capacity = capacity;
  ring->head = 0;
}

gpointer
srp_ring_push (SrpRing *ring)
{
  if (ring->length == ring->capacity)
    grow (ring);
  return srp_ring_peek (ring, ring->length++);
}

void
srp_ring_release (SrpRing *ring, guint n)
{
  g_return_if_fail (n <= ring->length);
  if (n == 0)
    return;
  ring->head = (ring->head + n) & (ring->capacity - 1);
  ring->length -= n;
  if (ring->length == 0 && ring->capacity > KEEP_CAPACITY)
    srp_ring_clear (ring);
}

gboolean
srp_ring_pop (SrpRing *ring, gpointer out)
{
  if (ring->length == 0)
    return FALSE;
  memcpy (out, srp_ring_peek (ring, 0), ring->element_size);
  srp_ring_release (ring, 1);
  return TRUE;
}
