/* test-recent-ids.c: the bounded set of recent IDs against a plain model
 * (a GHashTable and a GQueue, what it replaced), through growth, eviction
 * at capacity and the index's shifting deletions, with IDs built to share
 * their hash so that probing runs long and wraps around the index.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "srp-recent-ids.h"

/* An ID whose hash (its first four bytes) is one of n_homes values, and
 * whose other bytes make it unique. */
static SrpId
make_id (GRand *rand, guint n_homes)
{
  SrpId id;

  for (guint i = 0; i < SRP_ID_LEN; i += 4)
    {
      guint32 word = g_rand_int (rand);
      memcpy (id.bytes + i, &word, 4);
    }
  if (n_homes > 0)
    {
      /* The keyed index hashes the first 8 bytes: IDs that share them
       * share a home (no one can grind that many). */
      guint32 home = G_MAXUINT32 - g_rand_int_range (rand, 0, n_homes);
      srp_write_u32 (id.bytes, 0);
      srp_write_u32 (id.bytes + 4, home);
    }
  return id;
}

typedef struct {
  GHashTable *set; /* SrpId* (owned, in order) -> itself */
  GQueue order;
  guint capacity;
} Model;

static gboolean
model_add (Model *m, const SrpId *id)
{
  SrpId *copy;

  if (g_hash_table_contains (m->set, id))
    return FALSE;
  if (m->order.length == m->capacity)
    {
      SrpId *oldest = g_queue_pop_head (&m->order);
      g_hash_table_remove (m->set, oldest);
      g_free (oldest);
    }
  copy = g_memdup2 (id, sizeof *id);
  g_queue_push_tail (&m->order, copy);
  g_hash_table_add (m->set, copy);
  return TRUE;
}

static void
collect (const SrpId *id, gpointer data)
{
  g_array_append_val ((GArray *) data, *id);
}

static void
assert_same (SrpRecentIds *ids, Model *m)
{
  g_autoptr (GArray) held = g_array_new (FALSE, FALSE, sizeof (SrpId));
  guint i = 0;

  g_assert_cmpuint (srp_recent_ids_size (ids), ==, m->order.length);
  srp_recent_ids_foreach (ids, collect, held);
  g_assert_cmpuint (held->len, ==, m->order.length);
  for (GList *l = m->order.head; l != NULL; l = l->next, i++)
    {
      g_assert_true (srp_id_equal (&g_array_index (held, SrpId, i), l->data));
      g_assert_true (srp_recent_ids_contains (ids, l->data));
    }
}

/* Random adds (a third of them repeats of held or forgotten IDs) against
 * the model; every contains answer and the order compared as it goes. */
static void
run_against_model (guint capacity, guint n_homes, guint n_ops, guint32 seed)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr (GArray) seen = g_array_new (FALSE, FALSE, sizeof (SrpId));
  SrpRecentIds *ids = srp_recent_ids_new (capacity, 0x5eed);
  Model m = { g_hash_table_new (srp_id_hash_func, srp_id_equal_func), G_QUEUE_INIT, capacity };

  for (guint op = 0; op < n_ops; op++)
    {
      SrpId id;

      if (seen->len > 0 && g_rand_int_range (rand, 0, 3) == 0)
        id = g_array_index (seen, SrpId, g_rand_int_range (rand, 0, seen->len));
      else
        {
          id = make_id (rand, n_homes);
          g_array_append_val (seen, id);
        }
      g_assert_cmpint (srp_recent_ids_contains (ids, &id), ==, g_hash_table_contains (m.set, &id));
      g_assert_cmpint (srp_recent_ids_add (ids, &id), ==, model_add (&m, &id));
      if (op % 97 == 0)
        assert_same (ids, &m);
    }
  assert_same (ids, &m);
  /* Forgotten IDs are not held. */
  for (guint i = 0; i < seen->len; i++)
    {
      SrpId *id = &g_array_index (seen, SrpId, i);
      g_assert_cmpint (srp_recent_ids_contains (ids, id), ==, g_hash_table_contains (m.set, id));
    }
  srp_recent_ids_free (ids);
  g_queue_clear_full (&m.order, g_free);
  g_hash_table_unref (m.set);
}

static void
test_uniform_ids (void)
{
  /* Past the first ring (1,024) and twice round a full one. */
  run_against_model (3000, 0, 12000, 1);
}

static void
test_colliding_ids (void)
{
  /* Eight hashes for hundreds of IDs: long runs, wrapping, shifted back
   * on every eviction. */
  run_against_model (500, 8, 4000, 2);
  run_against_model (2048, 64, 9000, 3);
}

static void
test_capacity_one (void)
{
  SrpRecentIds *ids = srp_recent_ids_new (0, 0x5eed);
  g_autoptr (GRand) rand = g_rand_new_with_seed (4);
  SrpId a = make_id (rand, 0), b = make_id (rand, 0);

  g_assert_true (srp_recent_ids_add (ids, &a));
  g_assert_false (srp_recent_ids_add (ids, &a));
  g_assert_true (srp_recent_ids_add (ids, &b));
  g_assert_false (srp_recent_ids_contains (ids, &a));
  g_assert_true (srp_recent_ids_contains (ids, &b));
  g_assert_cmpuint (srp_recent_ids_size (ids), ==, 1);
  srp_recent_ids_free (ids);
}

/* Hash flooding: 20,000 IDs that share their first 4 bytes and the low 16
 * bits of the next 4 (what grinding a few hundred thousand hashes per ID
 * gives against an index by those bits) spread over the index as random
 * IDs do: its longest probe run stays short. */
static void
test_ground_ids_spread (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (5);
  SrpRecentIds *ids = srp_recent_ids_new (20000, 0x5eed);
  guint longest;

  for (guint i = 0; i < 20000; i++)
    {
      SrpId id = make_id (rand, 0);

      srp_write_u32 (id.bytes, 0x41414141);
      id.bytes[6] = 0x42;
      id.bytes[7] = 0x42;
      g_assert_true (srp_recent_ids_add (ids, &id));
    }
  longest = srp_recent_ids_longest_run (ids);
  g_test_message ("20,000 ground IDs: the longest probe run %u slots", longest);
  g_assert_cmpuint (longest, <, 100);
  srp_recent_ids_free (ids);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/recent-ids/uniform", test_uniform_ids);
  g_test_add_func ("/recent-ids/colliding", test_colliding_ids);
  g_test_add_func ("/recent-ids/ground-ids-spread", test_ground_ids_spread);
  g_test_add_func ("/recent-ids/capacity-one", test_capacity_one);
  return g_test_run ();
}
