/* test-state.c: a core's durable state: what detach keeps, and export and
 * import (the seam persistence builds on): subscriptions, chain heads, the
 * delivered memory, the cache and the known peers come back, and a state
 * that does not check out is refused whole.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "srp-core.h"
#include "srp-packet.h"
#include "srp-sim-state.h"
#include "srp-state.h"

#define SECONDS(n) ((gint64) (n) * G_USEC_PER_SEC)

typedef struct {
  guint messages[2];
} Counts;

static void
count_messages (SrpSim *sim, guint node, const SrpCoreEvent *event, gpointer user_data)
{
  Counts *counts = user_data;

  if (event->type == SRP_CORE_EVENT_MESSAGE && node < 2)
    counts->messages[node]++;
}

/* Two linked cores; node 1 subscribes to topic; node 0 publishes three
 * messages on it, which node 1 gets. */
static SrpSim *
make_pair (const SrpId *topic, Counts *counts, SrpId message_ids[3])
{
  SrpSim *sim = srp_sim_new (5);

  srp_sim_add_node (sim, NULL);
  srp_sim_add_node (sim, NULL);
  srp_sim_set_event_func (sim, count_messages, counts);
  srp_core_add_bootstrap (srp_sim_get_core (sim, 1), srp_sim_get_now (sim),
                          srp_sim_get_address (sim, 0));
  srp_core_subscribe (srp_sim_get_core (sim, 1), srp_sim_get_now (sim), topic);
  srp_sim_flush (sim, 1);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (5));
  g_assert_true (srp_sim_is_connected (sim, 0, 1));
  for (guint i = 0; i < 3; i++)
    {
      guint8 body[1500];

      memset (body, 'a' + i, sizeof body);
      g_assert_true (srp_core_publish (srp_sim_get_core (sim, 0), srp_sim_get_now (sim), topic,
                                       NULL, body, sizeof body, &message_ids[i]));
      srp_sim_flush (sim, 0);
    }
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (5));
  g_assert_cmpuint (counts->messages[1], ==, 3);
  return sim;
}

static void
test_detach_keeps_what_lasts (void)
{
  Counts counts = { 0 };
  SrpId topic, ids[3];
  SrpSim *sim;
  SrpCore *core;
  SrpCacheStats before, after;

  srp_topic_id_from_name ("state/detach", &topic);
  sim = make_pair (&topic, &counts, ids);
  core = srp_sim_get_core (sim, 1);
  srp_core_get_cache_stats (core, &before);
  g_assert_cmpuint (before.n_packets, ==, 6);
  srp_core_detach (core, srp_sim_get_now (sim));
  g_assert_false (srp_core_is_attached (core));
  g_assert_cmpuint (srp_core_get_n_connected (core), ==, 0);
  /* Detached, nothing goes out and nothing comes in. */
  srp_sim_flush (sim, 1);
  srp_core_get_cache_stats (core, &after);
  g_assert_cmpuint (after.n_packets, ==, before.n_packets);
  g_assert_true (srp_core_is_subscribed (core, &topic));
  /* The peer it left stays known, to come back to. */
  g_assert_cmpuint (srp_core_get_n_known (core), >=, 1);
  srp_core_attach (core, srp_sim_get_now (sim));
  srp_sim_flush (sim, 1);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (30));
  /* Back, through the known peer alone (no bootstrap was given again), and
   * nothing handed over twice: the caches give the three messages back. */
  g_assert_true (srp_sim_is_connected (sim, 1, 0));
  g_assert_cmpuint (counts.messages[1], ==, 3);
  srp_sim_free (sim);
}

static void
test_export_import_round_trip (void)
{
  Counts counts = { 0 };
  SrpId topic, ids[3];
  SrpSim *sim;
  g_autoptr (GVariant) state1 = NULL, state0 = NULL;
  g_autoptr (GError) error = NULL;
  SrpCore *copy1, *copy0;
  SrpCacheStats original, restored;
  gint64 now;

  srp_topic_id_from_name ("state/round-trip", &topic);
  sim = make_pair (&topic, &counts, ids);
  now = srp_sim_get_now (sim);
  state1 = g_variant_ref_sink (srp_core_export_state (srp_sim_get_core (sim, 1), now));
  state0 = g_variant_ref_sink (srp_core_export_state (srp_sim_get_core (sim, 0), now));

  /* The subscriber: its topic, its cache, its known peer, what it delivered. */
  copy1 = srp_sim_core_like (sim, 1);
  g_assert_true (srp_core_import_state (copy1, now, state1, &error));
  g_assert_no_error (error);
  g_assert_true (srp_core_is_subscribed (copy1, &topic));
  srp_core_get_cache_stats (srp_sim_get_core (sim, 1), &original);
  srp_core_get_cache_stats (copy1, &restored);
  g_assert_cmpuint (restored.n_packets, ==, original.n_packets);
  g_assert_cmpuint (restored.used, ==, original.used);
  g_assert_cmpuint (srp_core_get_n_known (copy1), ==, 1);
  /* Subscribing handed over what the cache holds: nothing, since every
   * message there was delivered before. */
  g_assert_cmpuint (srp_sim_drain_messages (copy1), ==, 0);

  /* The publisher: its next message on the topic links to its last one. */
  copy0 = srp_sim_core_like (sim, 0);
  g_assert_true (srp_core_import_state (copy0, now, state0, &error));
  {
    SrpId next_id;
    g_autoptr (GBytes) frame = NULL;
    SrpPacket packet;

    g_assert_true (srp_core_publish (copy0, now, &topic, NULL, (const guint8 *) "x", 1,
                                     &next_id));
    frame = srp_core_cache_lookup (copy0, &next_id);
    g_assert_nonnull (frame);
    g_assert_cmpint (srp_packet_decode (g_bytes_get_data (frame, NULL), g_bytes_get_size (frame),
                                        &packet), ==, SRP_DROP_NONE);
    g_assert_true (srp_id_equal (&packet.prev_id, &ids[2]));
  }
  srp_sim_drain_messages (copy0);
  srp_core_free (copy0);
  srp_core_free (copy1);
  srp_sim_free (sim);
}

/* A copy of state with one key's value replaced. */
static GVariant *
with (GVariant *state, const char *key, GVariant *value)
{
  GVariantDict dict;

  g_variant_dict_init (&dict, state);
  g_variant_dict_insert_value (&dict, key, value);
  return g_variant_ref_sink (g_variant_dict_end (&dict));
}

static void
assert_refused (SrpSim *sim, GVariant *state, gint code)
{
  g_autoptr (GError) error = NULL;
  SrpCore *copy = srp_sim_core_like (sim, 1);
  SrpId topic;

  srp_topic_id_from_name ("state/refused", &topic);
  g_assert_false (srp_core_import_state (copy, srp_sim_get_now (sim), state, &error));
  g_assert_error (error, SRP_STATE_ERROR, code);
  g_test_message ("refused: %s", error->message);
  /* Nothing was taken: no subscription, no packet, no peer. */
  g_assert_false (srp_core_is_subscribed (copy, &topic));
  g_assert_cmpuint (srp_core_get_n_known (copy), ==, 0);
  {
    SrpCacheStats stats;
    srp_core_get_cache_stats (copy, &stats);
    g_assert_cmpuint (stats.n_packets, ==, 0);
  }
  srp_core_free (copy);
}

static void
test_bad_state_refused_whole (void)
{
  Counts counts = { 0 };
  SrpId topic, ids[3], other = { { 7 } };
  SrpSim *sim;
  g_autoptr (GVariant) state = NULL, newer = NULL, stranger = NULL, forged = NULL;
  g_autoptr (GVariant) cache = NULL, mistyped = NULL;
  GVariantBuilder b;
  GVariantIter iter;
  GVariant *frame;
  gint64 life;
  gboolean first = TRUE;

  srp_topic_id_from_name ("state/refused", &topic);
  sim = make_pair (&topic, &counts, ids);
  state = g_variant_ref_sink (srp_core_export_state (srp_sim_get_core (sim, 1),
                                                     srp_sim_get_now (sim)));
  newer = with (state, "version", g_variant_new_uint32 (SRP_STATE_VERSION + 1));
  assert_refused (sim, newer, SRP_STATE_ERROR_VERSION);
  /* Another peer's state would make this one someone else. */
  stranger = with (state, "peer_id", srp_state_id (&other));
  assert_refused (sim, stranger, SRP_STATE_ERROR_MALFORMED);
  mistyped = with (state, "known_peers", g_variant_new_string ("nobody"));
  assert_refused (sim, mistyped, SRP_STATE_ERROR_MALFORMED);
  /* One cached packet whose body no longer matches its ID. */
  g_assert_true (g_variant_lookup (state, "cache", "@a(ayx)", &cache));
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(ayx)"));
  g_variant_iter_init (&iter, cache);
  while (g_variant_iter_next (&iter, "(@ayx)", &frame, &life))
    {
      gsize len = g_variant_get_size (frame);
      g_autofree guint8 *bytes = g_memdup2 (g_variant_get_data (frame), len);

      if (first)
        bytes[len - 1] ^= 0x01;
      first = FALSE;
      g_variant_builder_add (&b, "(@ayx)",
                             g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, bytes, len, 1), life);
      g_variant_unref (frame);
    }
  forged = with (state, "cache", g_variant_builder_end (&b));
  assert_refused (sim, forged, SRP_STATE_ERROR_MALFORMED);
  srp_sim_free (sim);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/state/detach-keeps-what-lasts", test_detach_keeps_what_lasts);
  g_test_add_func ("/state/export-import-round-trip", test_export_import_round_trip);
  g_test_add_func ("/state/bad-state-refused-whole", test_bad_state_refused_whole);
  return g_test_run ();
}
