/* srp-recent-ids.c: a ring of IDs in order of arrival, and an open-addressing
 * index into it (linear probing, deletion by shifting back, so no
 * tombstones). A set like this sits on the path of every packet a peer
 * receives: the ring and the index are two flat arrays, so an ID costs no
 * allocation and a look-up one or two cache lines, where a GHashTable of
 * allocated keys with a GQueue beside it cost a malloc, a list node and
 * pointer chasing per ID.
 *
 * An index slot keeps the ID's keyed hash beside its ring position: a
 * probe compares hashes and reads the ring only on a match, and removal
 * finds a slot's home without reading the ring or hashing again. Every
 * packet a subscriber takes goes through three of these sets (packets
 * gone from the cache, packets delivered, messages delivered), and each
 * probe into a 2 MiB ring was a cache miss (bench-flood: 13 % of the
 * subscriber's time was spent here).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-recent-ids.h"
#include "srp-linear-probe.h"
#include "srp-prefetch.h"

#include <string.h>

/* The ring's first size; it doubles up to the capacity. Small, because
 * every peer holds several of these sets and most stay small: starting at
 * 1,024, they took 180 KB of every peer in a simulated network that
 * published nothing (heaptrack, srp-simulate --peers 1000 --publish 0). */
#define MIN_RING 16u

typedef struct {
  guint32 slot;      /* 0 empty, else ring slot + 1 */
  guint32 hash;      /* srp_id_hash_keyed of the ID there */
} IndexSlot;

struct _SrpRecentIds {
  guint capacity;
  SrpId *ring;       /* ring_size slots; ring_len from ring_start are held */
  guint ring_size, ring_start, ring_len;
  IndexSlot *index;  /* index_mask + 1 slots */
  guint index_mask;  /* at most half the index is ever in use */
  guint64 key;       /* srp_id_hash_keyed: others choose the IDs */
};

static guint32
hash_of (const SrpRecentIds *ids, const SrpId *id)
{
  return srp_id_hash_keyed (id, ids->key);
}

/* The index slot that holds id (whose hash is hash), or the empty slot
 * where it would go. */
static guint
probe (const SrpRecentIds *ids, const SrpId *id, guint32 hash)
{
  guint i = hash & ids->index_mask;

  while (ids->index[i].slot != 0 &&
         (ids->index[i].hash != hash || !srp_id_equal (&ids->ring[ids->index[i].slot - 1], id)))
    i = (i + 1) & ids->index_mask;
  return i;
}

static void
index_remove (SrpRecentIds *ids, guint hole)
{
  /* Later entries of the run move back into the hole (srp-linear-probe.h). */
  for (guint j = (hole + 1) & ids->index_mask; ids->index[j].slot != 0;
       j = (j + 1) & ids->index_mask)
    {
      guint home = ids->index[j].hash & ids->index_mask;
      if (!srp_linear_probe_stays (hole, home, j))
        {
          ids->index[hole] = ids->index[j];
          hole = j;
        }
    }
  ids->index[hole].slot = 0;
}

/* Doubles the ring (in order, from slot 0) and rebuilds the index for it. */
static void
grow (SrpRecentIds *ids)
{
  guint size = MIN (MAX (ids->ring_size * 2, MIN_RING), ids->capacity);
  SrpId *ring = g_new (SrpId, size);
  guint index_size = 1;

  for (guint i = 0; i < ids->ring_len; i++)
    ring[i] = ids->ring[(ids->ring_start + i) % ids->ring_size];
  g_free (ids->ring);
  ids->ring = ring;
  ids->ring_size = size;
  ids->ring_start = 0;
  while (index_size < 2 * size)
    index_size *= 2;
  g_free (ids->index);
  ids->index = g_new0 (IndexSlot, index_size);
  ids->index_mask = index_size - 1;
  for (guint i = 0; i < ids->ring_len; i++)
    {
      guint32 hash = hash_of (ids, &ids->ring[i]);
      ids->index[probe (ids, &ids->ring[i], hash)] = (IndexSlot) { i + 1, hash };
    }
}

SrpRecentIds *
srp_recent_ids_new (guint capacity, guint64 key)
{
  SrpRecentIds *ids = g_new0 (SrpRecentIds, 1);

  ids->capacity = MAX (capacity, 1);
  ids->key = key;
  grow (ids);
  return ids;
}

void
srp_recent_ids_free (SrpRecentIds *ids)
{
  if (ids == NULL)
    return;
  g_free (ids->ring);
  g_free (ids->index);
  g_free (ids);
}

gboolean
srp_recent_ids_contains (const SrpRecentIds *ids, const SrpId *id)
{
  return ids->index[probe (ids, id, hash_of (ids, id))].slot != 0;
}

gboolean
srp_recent_ids_add (SrpRecentIds *ids, const SrpId *id)
{
  guint32 hash = hash_of (ids, id);
  guint slot, at = probe (ids, id, hash);

  if (ids->index[at].slot != 0)
    return FALSE;
  if (ids->ring_len == ids->ring_size && ids->ring_size < ids->capacity)
    {
      grow (ids);
      at = probe (ids, id, hash);
    }
  if (ids->ring_len == ids->ring_size)
    {
      const SrpId *oldest = &ids->ring[ids->ring_start];

      /* Forget the oldest; the hole it leaves may be where id goes. */
      index_remove (ids, probe (ids, oldest, hash_of (ids, oldest)));
      ids->ring_start = (ids->ring_start + 1) % ids->ring_size;
      ids->ring_len--;
      at = probe (ids, id, hash);
    }
  slot = (ids->ring_start + ids->ring_len) % ids->ring_size;
  ids->ring[slot] = *id;
  ids->ring_len++;
  ids->index[at] = (IndexSlot) { slot + 1, hash };
  return TRUE;
}

void
srp_recent_ids_prefetch (const SrpRecentIds *ids, const SrpId *id)
{
  /* A set of 65,536 IDs is 3 MiB: a probe into it misses every cache
   * level but the last, and a subscriber's packet makes five (bench-flood:
   * 14 % of the subscriber's time). The ring is read in order, so its
   * oldest slot is cheap; the index slots are random. */
  SRP_PREFETCH_WRITE (&ids->index[hash_of (ids, id) & ids->index_mask]);
  if (ids->ring_len == ids->capacity)
    SRP_PREFETCH_WRITE (
      &ids->index[hash_of (ids, &ids->ring[ids->ring_start]) & ids->index_mask]);
}

guint
srp_recent_ids_size (const SrpRecentIds *ids)
{
  return ids->ring_len;
}

void
srp_recent_ids_foreach (const SrpRecentIds *ids, void (*func) (const SrpId *id, gpointer data),
                        gpointer data)
{
  for (guint i = 0; i < ids->ring_len; i++)
    func (&ids->ring[(ids->ring_start + i) % ids->ring_size], data);
}

guint
srp_recent_ids_longest_run (const SrpRecentIds *ids)
{
  guint longest = 0, run = 0;

  /* Twice round, so that a run wrapping past the end counts whole. */
  for (guint i = 0; i < 2 * (ids->index_mask + 1); i++)
    {
      run = ids->index[i & ids->index_mask].slot != 0 ? run + 1 : 0;
      longest = MAX (longest, run);
    }
  return MIN (longest, ids->index_mask + 1);
}
