/* srp-source-ledger.c: recent grants by source, in a ring (oldest first)
 * with a count per source beside it, so that a count costs one lookup
 * however many grants the ring holds.
 *
 * The table's keys are sources that got a grant, so an attacker cannot
 * fill it faster than the budget it guards gives grants out: no keyed hash
 * is needed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-source-ledger.h"

#include <string.h>

typedef struct {
  guint64 source;
  gint64 at;
} Grant;

/* The ring's first size; it doubles up to the capacity as grants come
 * (a peer that grants few keeps a small ring: at the full 1,024 from the
 * start, 16 KB of every peer in a simulated network). */
#define MIN_RING 16u

struct _SrpSourceLedger {
  Grant *ring;
  guint ring_size;  /* allocated, up to capacity */
  guint capacity, first, len;
  gint64 window_us;
  GHashTable *counts; /* source (as a pointer-sized key) -> count */
};

/* One subscriber line or host: the IPv4 address, or the IPv6 /64. Where
 * pointers are 32 bits the key is folded; sources that then collide only
 * share a count. */
static gpointer
source_key (const SrpAddress *from)
{
  guint64 key = 0;

  if (from->family == SRP_ADDRESS_FAMILY_IPV6)
    memcpy (&key, from->bytes, 8);
  else
    key = 0x4000000000000000ull | ((guint64) from->bytes[0] << 24 | (guint64) from->bytes[1] << 16 |
                                   (guint64) from->bytes[2] << 8 | from->bytes[3]);
  if (sizeof (gsize) < sizeof key)
    key ^= key >> 32;
  return GSIZE_TO_POINTER ((gsize) key);
}

SrpSourceLedger *
srp_source_ledger_new (guint capacity, gint64 window_us)
{
  SrpSourceLedger *ledger = g_new0 (SrpSourceLedger, 1);

  g_assert (capacity > 0);
  ledger->capacity = capacity;
  ledger->window_us = window_us;
  ledger->counts = g_hash_table_new (g_direct_hash, g_direct_equal);
  return ledger;
}

void
srp_source_ledger_free (SrpSourceLedger *ledger)
{
  if (ledger == NULL)
    return;
  g_hash_table_unref (ledger->counts);
  g_free (ledger->ring);
  g_free (ledger);
}

static void
drop_oldest (SrpSourceLedger *ledger)
{
  Grant *g = &ledger->ring[ledger->first];
  gpointer key = GSIZE_TO_POINTER ((gsize) g->source);
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (ledger->counts, key));

  if (n <= 1)
    g_hash_table_remove (ledger->counts, key);
  else
    g_hash_table_insert (ledger->counts, key, GUINT_TO_POINTER (n - 1));
  ledger->first = (ledger->first + 1) % ledger->ring_size;
  ledger->len--;
}

/* A full ring that may grow: doubled, unwrapped, oldest first. */
static void
grow (SrpSourceLedger *ledger)
{
  guint size = MIN (MAX (ledger->ring_size * 2, MIN_RING), ledger->capacity);
  Grant *ring = g_new (Grant, size);

  for (guint i = 0; i < ledger->len; i++)
    ring[i] = ledger->ring[(ledger->first + i) % ledger->ring_size];
  g_free (ledger->ring);
  ledger->ring = ring;
  ledger->ring_size = size;
  ledger->first = 0;
}

static void
expire (SrpSourceLedger *ledger, gint64 now)
{
  while (ledger->len > 0 && ledger->ring[ledger->first].at <= now - ledger->window_us)
    drop_oldest (ledger);
}

guint
srp_source_ledger_count (SrpSourceLedger *ledger, gint64 now, const SrpAddress *from)
{
  expire (ledger, now);
  return GPOINTER_TO_UINT (g_hash_table_lookup (ledger->counts, source_key (from)));
}

void
srp_source_ledger_add (SrpSourceLedger *ledger, gint64 now, const SrpAddress *from)
{
  gpointer key = source_key (from);
  Grant *g;

  expire (ledger, now);
  if (ledger->len == ledger->ring_size && ledger->ring_size < ledger->capacity)
    grow (ledger);
  if (ledger->len == ledger->capacity)
    drop_oldest (ledger);
  g = &ledger->ring[(ledger->first + ledger->len) % ledger->ring_size];
  g->source = (guint64) GPOINTER_TO_SIZE (key);
  g->at = now;
  ledger->len++;
  g_hash_table_insert (ledger->counts, key,
                       GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (ledger->counts, key)) + 1));
}
