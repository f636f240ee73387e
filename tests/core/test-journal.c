/* test-journal.c: the change feed of a core's durable state
 * (srp_core_poll_state_change). A store that applies the changes one by one
 * must end up holding what srp_core_export_state would say: the model
 * below is such a store, in memory, and the state it rebuilds is imported
 * into a fresh core, which must be the same peer (nothing handed over
 * twice, the same cache, the same subscriptions and peers). The outbox
 * (publishes waiting for ACKs) comes and goes with its publishes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "srp-core.h"
#include "srp-packet.h"
#include "srp-sim-state.h"
#include "srp-state.h"

#define SECONDS(n) ((gint64) (n) * G_USEC_PER_SEC)

/* ---- a store in memory ---------------------------------------------------------------- */

typedef struct {
  GHashTable *cache;       /* hex packet ID -> (ayx) with the life at `now` of the change */
  GPtrArray *cache_order;  /* hex IDs, in arrival order (may hold removed ones) */
  GPtrArray *delivered;    /* GVariant ay, in order */
  GHashTable *outbox;      /* hex message ID -> record */
  GHashTable *chain_heads; /* hex topic -> (ayay) */
  GVariant *subscriptions, *known_peers;
  guint counts[SRP_STATE_CHANGE_KNOWN_PEERS + 1];
} Model;

static char *
hex_of (GVariant *ay)
{
  SrpId id;
  char hex[2 * SRP_ID_LEN + 1];

  g_assert_true (srp_state_read_id (ay, &id));
  srp_id_to_hex (&id, hex);
  return g_strdup (hex);
}

static void
model_init (Model *m)
{
  memset (m, 0, sizeof *m);
  m->cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                    (GDestroyNotify) g_variant_unref);
  m->cache_order = g_ptr_array_new_with_free_func (g_free);
  m->delivered = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  m->outbox = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                     (GDestroyNotify) g_variant_unref);
  m->chain_heads = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) g_variant_unref);
}

static void
model_clear (Model *m)
{
  g_hash_table_unref (m->cache);
  g_ptr_array_unref (m->cache_order);
  g_ptr_array_unref (m->delivered);
  g_hash_table_unref (m->outbox);
  g_hash_table_unref (m->chain_heads);
  g_clear_pointer (&m->subscriptions, g_variant_unref);
  g_clear_pointer (&m->known_peers, g_variant_unref);
}

static void
model_drain (Model *m, SrpCore *core)
{
  SrpStateChange change;

  while (srp_core_poll_state_change (core, &change))
    {
      GVariant *v = srp_state_change_get_value (&change);
      g_autoptr (GVariant) first = NULL, second = NULL;
      gint64 life;

      m->counts[change.type]++;
      switch (change.type)
        {
        case SRP_STATE_CHANGE_CACHE_ADD:
          g_variant_get (v, "(@ay@ayx)", &first, &second, &life);
          g_ptr_array_add (m->cache_order, hex_of (first));
          g_hash_table_replace (m->cache, hex_of (first),
                                g_variant_ref_sink (g_variant_new ("(@ayx)", second, life)));
          break;
        case SRP_STATE_CHANGE_CACHE_REMOVE:
          {
            g_autofree char *hex = hex_of (v);
            g_assert_true (g_hash_table_remove (m->cache, hex));
          }
          break;
        case SRP_STATE_CHANGE_DELIVERED:
          g_ptr_array_add (m->delivered, g_variant_ref (v));
          break;
        case SRP_STATE_CHANGE_OUTBOX_ADD:
          first = g_variant_get_child_value (v, 0);
          g_hash_table_replace (m->outbox, hex_of (first), g_variant_ref (v));
          break;
        case SRP_STATE_CHANGE_OUTBOX_REMOVE:
          {
            g_autofree char *hex = hex_of (v);
            g_assert_true (g_hash_table_remove (m->outbox, hex));
          }
          break;
        case SRP_STATE_CHANGE_CHAIN_HEAD:
          first = g_variant_get_child_value (v, 0);
          g_hash_table_replace (m->chain_heads, hex_of (first), g_variant_ref (v));
          break;
        case SRP_STATE_CHANGE_SUBSCRIPTIONS:
          g_clear_pointer (&m->subscriptions, g_variant_unref);
          m->subscriptions = g_variant_ref (v);
          break;
        case SRP_STATE_CHANGE_KNOWN_PEERS:
          g_clear_pointer (&m->known_peers, g_variant_unref);
          m->known_peers = g_variant_ref (v);
          break;
        default:
          g_assert_not_reached ();
        }
      srp_state_change_clear (&change);
    }
}

/* The state the model holds, as srp_core_import_state takes it (lives as
 * they were: no time passes here between drain and import). */
static GVariant *
model_state (Model *m, const SrpId *peer_id)
{
  GVariantDict dict;
  GVariantBuilder b;
  GHashTableIter iter;
  gpointer value;
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "version", "u", (guint32) SRP_STATE_VERSION);
  g_variant_dict_insert_value (&dict, "peer_id", srp_state_id (peer_id));
  if (m->subscriptions != NULL)
    g_variant_dict_insert_value (&dict, "subscriptions", m->subscriptions);
  if (m->known_peers != NULL)
    g_variant_dict_insert_value (&dict, "known_peers", m->known_peers);
  g_variant_builder_init (&b, G_VARIANT_TYPE ("aay"));
  for (guint i = 0; i < m->delivered->len; i++)
    g_variant_builder_add_value (&b, m->delivered->pdata[i]);
  g_variant_dict_insert_value (&dict, "delivered", g_variant_builder_end (&b));
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(ayx)"));
  for (guint i = 0; i < m->cache_order->len; i++)
    {
      const char *hex = m->cache_order->pdata[i];
      GVariant *entry = g_hash_table_lookup (m->cache, hex);
      if (entry != NULL && g_hash_table_add (seen, (gpointer) hex))
        g_variant_builder_add_value (&b, entry);
    }
  g_variant_dict_insert_value (&dict, "cache", g_variant_builder_end (&b));
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(ayayaayx)"));
  g_hash_table_iter_init (&iter, m->outbox);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_variant_builder_add_value (&b, value);
  g_variant_dict_insert_value (&dict, "outbox", g_variant_builder_end (&b));
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(ayay)"));
  g_hash_table_iter_init (&iter, m->chain_heads);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_variant_builder_add_value (&b, value);
  g_variant_dict_insert_value (&dict, "chain_heads", g_variant_builder_end (&b));
  return g_variant_ref_sink (g_variant_dict_end (&dict));
}

/* ---- helpers -------------------------------------------------------------------------- */

static guint received;

static void
count_messages (SrpSim *sim, guint node, const SrpCoreEvent *event, gpointer user_data)
{
  (void) sim;
  (void) user_data;
  if (event->type == SRP_CORE_EVENT_MESSAGE && node == 1)
    received++;
}


static guint
outbox_size (SrpCore *core, gint64 now)
{
  g_autoptr (GVariant) state = g_variant_ref_sink (srp_core_export_state (core, now));
  g_autoptr (GVariant) outbox = g_variant_lookup_value (state, "outbox", NULL);

  return outbox != NULL ? (guint) g_variant_n_children (outbox) : 0;
}

/* ---- tests ---------------------------------------------------------------------------- */

/* The subscriber's journal, replayed into a store and imported into a
 * fresh core, gives back the same peer. */
static void
test_journal_replays_to_the_same_state (void)
{
  SrpSim *sim = srp_sim_new (11);
  SrpCore *sub, *copy;
  SrpId topic;
  Model m;
  g_autoptr (GVariant) state = NULL;
  g_autoptr (GError) error = NULL;
  SrpCacheStats original, restored;

  model_init (&m);
  received = 0;
  srp_topic_id_from_name ("journal/replay", &topic);
  srp_sim_add_node (sim, NULL);
  srp_sim_add_node (sim, NULL);
  srp_sim_set_event_func (sim, count_messages, NULL);
  sub = srp_sim_get_core (sim, 1);
  srp_core_set_journal (sub, TRUE);
  srp_core_add_bootstrap (sub, srp_sim_get_now (sim), srp_sim_get_address (sim, 0));
  srp_core_subscribe (sub, srp_sim_get_now (sim), &topic);
  srp_sim_flush (sim, 1);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (5));
  model_drain (&m, sub);
  g_assert_true (srp_sim_is_connected (sim, 0, 1));
  for (guint i = 0; i < 20; i++)
    {
      guint8 body[1500];

      memset (body, 'a' + i, sizeof body);
      g_assert_true (srp_core_publish (srp_sim_get_core (sim, 0), srp_sim_get_now (sim), &topic,
                                       NULL, body, sizeof body - i, NULL));
      srp_sim_flush (sim, 0);
      srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (1));
      /* Drained as a shell would, after each turn. */
      model_drain (&m, sub);
    }
  g_assert_cmpuint (received, ==, 20);
  g_assert_cmpuint (m.counts[SRP_STATE_CHANGE_DELIVERED], ==, 20);
  g_assert_cmpuint (m.counts[SRP_STATE_CHANGE_CACHE_ADD], ==, 40);
  g_assert_cmpuint (m.counts[SRP_STATE_CHANGE_SUBSCRIPTIONS], >=, 1);
  g_assert_cmpuint (m.counts[SRP_STATE_CHANGE_KNOWN_PEERS], >=, 1);
  /* Nothing of this peer's own: no outbox, no chain. */
  g_assert_cmpuint (m.counts[SRP_STATE_CHANGE_OUTBOX_ADD], ==, 0);
  g_assert_cmpuint (m.counts[SRP_STATE_CHANGE_CHAIN_HEAD], ==, 0);

  state = model_state (&m, srp_sim_get_id (sim, 1));
  copy = srp_sim_core_like (sim, 1);
  g_assert_true (srp_core_import_state (copy, srp_sim_get_now (sim), state, &error));
  g_assert_no_error (error);
  g_assert_true (srp_core_is_subscribed (copy, &topic));
  srp_core_get_cache_stats (sub, &original);
  srp_core_get_cache_stats (copy, &restored);
  g_assert_cmpuint (restored.n_packets, ==, original.n_packets);
  g_assert_cmpuint (restored.used, ==, original.used);
  g_assert_cmpuint (srp_core_get_n_known (copy), >=, 1);
  /* Everything cached was handed over before: nothing comes again. */
  g_assert_cmpuint (srp_sim_drain_messages (copy), ==, 0);
  srp_core_free (copy);
  model_clear (&m);
  srp_sim_free (sim);
}

/* The journal of a core that never turned it on stays empty; turning it
 * off drops what was not polled. */
static void
test_journal_off_by_default (void)
{
  SrpSim *sim = srp_sim_new (12);
  SrpCore *core;
  SrpStateChange change;
  SrpId topic;

  srp_topic_id_from_name ("journal/off", &topic);
  srp_sim_add_node (sim, NULL);
  core = srp_sim_get_core (sim, 0);
  srp_core_subscribe (core, srp_sim_get_now (sim), &topic);
  g_assert_true (srp_core_publish (core, srp_sim_get_now (sim), &topic, NULL,
                                   (const guint8 *) "x", 1, NULL));
  g_assert_false (srp_core_poll_state_change (core, &change));
  srp_core_set_journal (core, TRUE);
  g_assert_true (srp_core_publish (core, srp_sim_get_now (sim), &topic, NULL,
                                   (const guint8 *) "y", 1, NULL));
  srp_core_set_journal (core, FALSE);
  g_assert_false (srp_core_poll_state_change (core, &change));
  srp_sim_free (sim);
}

/* A publish nobody acknowledged is in the outbox from the moment it was
 * made until its deadline, in the journal and in the export; a core that
 * imports it has it waiting too, and gives it to the first link it gets. */
static void
test_outbox_comes_and_goes (void)
{
  SrpSim *sim = srp_sim_new (13);
  SrpCore *pub, *copy;
  SrpId topic, message_id;
  Model m;
  g_autoptr (GVariant) state = NULL;
  g_autoptr (GError) error = NULL;
  guint8 body[3000];
  gint64 now;

  model_init (&m);
  srp_topic_id_from_name ("journal/outbox", &topic);
  srp_sim_add_node (sim, NULL);
  pub = srp_sim_get_core (sim, 0);
  srp_core_set_journal (pub, TRUE);
  memset (body, 'z', sizeof body);
  g_assert_true (srp_core_publish (pub, srp_sim_get_now (sim), &topic, NULL, body, sizeof body,
                                   &message_id));
  srp_sim_flush (sim, 0);
  model_drain (&m, pub);
  g_assert_cmpuint (m.counts[SRP_STATE_CHANGE_OUTBOX_ADD], ==, 1);
  g_assert_cmpuint (m.counts[SRP_STATE_CHANGE_CHAIN_HEAD], >=, 1);
  g_assert_cmpuint (m.counts[SRP_STATE_CHANGE_CACHE_ADD], ==, 3);
  g_assert_cmpuint (outbox_size (pub, srp_sim_get_now (sim)), ==, 1);
  now = srp_sim_get_now (sim);
  state = model_state (&m, srp_sim_get_id (sim, 0));

  /* Restored: waiting, and its chain goes on from it. */
  copy = srp_sim_core_like (sim, 0);
  g_assert_true (srp_core_import_state (copy, now, state, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (outbox_size (copy, now), ==, 1);
  srp_sim_drain_messages (copy);
  srp_core_free (copy);

  /* The deadline passes with nobody there: given up, out of the outbox. */
  srp_sim_run_until (sim, now + SECONDS (15));
  model_drain (&m, pub);
  g_assert_cmpuint (m.counts[SRP_STATE_CHANGE_OUTBOX_REMOVE], ==, 1);
  g_assert_cmpuint (g_hash_table_size (m.outbox), ==, 0);
  g_assert_cmpuint (outbox_size (pub, srp_sim_get_now (sim)), ==, 0);
  model_clear (&m);
  srp_sim_free (sim);
}

/* An outbox entry whose frames do not make its message is refused with
 * the whole state. */
static void
test_forged_outbox_refused (void)
{
  SrpSim *sim = srp_sim_new (14);
  SrpCore *pub, *copy;
  SrpId topic, other;
  g_autoptr (GVariant) state = NULL, outbox = NULL, record = NULL, forged = NULL;
  g_autoptr (GVariant) id = NULL, topic_v = NULL, frames = NULL;
  g_autoptr (GError) error = NULL;
  GVariantDict dict;
  GVariantBuilder b;
  gint64 life;

  srp_topic_id_from_name ("journal/forged", &topic);
  srp_topic_id_from_name ("journal/elsewhere", &other);
  srp_sim_add_node (sim, NULL);
  pub = srp_sim_get_core (sim, 0);
  g_assert_true (srp_core_publish (pub, srp_sim_get_now (sim), &topic, NULL,
                                   (const guint8 *) "forged", 6, NULL));
  state = g_variant_ref_sink (srp_core_export_state (pub, srp_sim_get_now (sim)));
  outbox = g_variant_lookup_value (state, "outbox", NULL);
  g_assert_cmpuint (g_variant_n_children (outbox), ==, 1);
  record = g_variant_get_child_value (outbox, 0);
  g_variant_get (record, "(@ay@ay@aayx)", &id, &topic_v, &frames, &life);
  /* The same frames claimed for another topic. */
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(ayayaayx)"));
  g_variant_builder_add (&b, "(@ay@ay@aayx)", id, srp_state_id (&other), frames, life);
  g_variant_dict_init (&dict, state);
  g_variant_dict_insert_value (&dict, "outbox", g_variant_builder_end (&b));
  forged = g_variant_ref_sink (g_variant_dict_end (&dict));
  copy = srp_sim_core_like (sim, 0);
  g_assert_false (srp_core_import_state (copy, srp_sim_get_now (sim), forged, &error));
  g_assert_error (error, SRP_STATE_ERROR, SRP_STATE_ERROR_MALFORMED);
  g_assert_cmpuint (outbox_size (copy, srp_sim_get_now (sim)), ==, 0);
  srp_core_free (copy);
  srp_sim_free (sim);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/journal/replays-to-the-same-state", test_journal_replays_to_the_same_state);
  g_test_add_func ("/journal/off-by-default", test_journal_off_by_default);
  g_test_add_func ("/journal/outbox-comes-and-goes", test_outbox_comes_and_goes);
  g_test_add_func ("/journal/forged-outbox-refused", test_forged_outbox_refused);
  return g_test_run ();
}
