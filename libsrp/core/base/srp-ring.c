/* srp-ring.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-ring.h"

#include <string.h>

/* Small: every peer holds two rings, and most drives push one or two
 * datagrams (starting at 64, the transmit ring took 81 KB of every peer
 * in a simulated network, almost always empty: heaptrack, srp-simulate
 * --peers 1000). */
#define INITIAL_CAPACITY 4
/* A burst (a large publish) may grow a ring far; once drained, one larger
 * than this goes back to nothing rather than keep megabytes for ever. */
#define KEEP_CAPACITY 1024
/* After this many drains in a row that each used a quarter of the ring
 * at most, it halves: one burst (a round of handshakes when joining) does
 * not keep its memory for the peer's life, and a steady load keeps what
 * it uses instead of growing and shrinking at every drive. */
#define QUIET_DRAINS 32

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
  ring->length++;
  ring->peak = MAX (ring->peak, ring->length);
  return srp_ring_peek (ring, ring->length - 1);
}

/* Called when the ring has just been drained. */
static void
drained (SrpRing *ring)
{
  gboolean used_little = ring->peak <= ring->capacity / 4;

  ring->peak = 0;
  if (ring->capacity > KEEP_CAPACITY)
    {
      srp_ring_clear (ring);
      return;
    }
  ring->quiet = used_little ? ring->quiet + 1 : 0;
  if (ring->quiet < QUIET_DRAINS || ring->capacity <= INITIAL_CAPACITY)
    return;
  /* Empty: nothing to move. */
  ring->capacity /= 2;
  ring->slots = g_realloc (ring->slots, ring->capacity * ring->element_size);
  ring->head = 0;
  ring->quiet = 0;
}

void
srp_ring_release (SrpRing *ring, guint n)
{
  g_return_if_fail (n <= ring->length);
  if (n == 0)
    return;
  ring->head = (ring->head + n) & (ring->capacity - 1);
  ring->length -= n;
  if (ring->length == 0)
    drained (ring);
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
