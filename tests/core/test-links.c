/* test-links.c: how links come up and go down when the network misbehaves:
 * frames that overtake the HELLO_DONE, a lost HELLO_DONE (and the greetings
 * sent before the link was repaired), a lost PEERS, a peer that
 * vanishes under a publish, a young link's peer that vanishes, and hubs
 * relaying in proportion to their links.
 *
 * The first two drive a pair of cores by hand (a tiny network with a fixed
 * latency whose datagrams a test can reorder or drop); the others use the
 * shared simulator.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-control.h"
#include "srp-core.h"
#include "srp-core-internal.h"
#include "srp-rng.h"
#include "srp-sim-keys.h"
#include "srp-sim.h"

#include <string.h>

#define MS(n) ((gint64) (n) * G_TIME_SPAN_MILLISECOND)
#define SECONDS(n) ((gint64) (n) * G_USEC_PER_SEC)
#define LATENCY MS (10)

/* ---- a pair of cores, by hand -------------------------------------------------------- */

typedef struct {
  gint64 at;
  guint to; /* 0 or 1 */
  gsize len;
  guint8 data[SRP_MAX_DATAGRAM];
} InFlight;

typedef struct {
  SrpCore *core[2];
  SrpSimKeys keys[2];
  SrpAddress address[2];
  GArray *flight;  /* InFlight, in sending order */
  gint64 now;
  guint8 drop_kind; /* the first datagram of this kind is lost (0: none) */
  /* Every datagram sent in [lose_from, lose_to) is lost: by both cores
   * when lose_sender is 0, else only by core lose_sender - 1. */
  guint lose_sender;
  gint64 lose_from, lose_to;
  guint dropped;
} Pair;

static void
pair_init (Pair *p, guint64 seed)
{
  SrpRng rng;

  srp_rng_init (&rng, seed);
  memset (p, 0, sizeof *p);
  p->flight = g_array_new (FALSE, FALSE, sizeof (InFlight));
  for (guint i = 0; i < 2; i++)
    {
      SrpCoreConfig config;
      guint8 ip[4] = { 10, 0, (guint8) i, 1 };

      srp_core_config_init (&config);
      config.seed = srp_rng_next (&rng);
      config.n_sockets = 1;
      srp_sim_keys_generate (&p->keys[i], &rng);
      memcpy (config.peer_id.bytes, p->keys[i].public, SRP_ID_LEN);
      config.sign = srp_sim_keys_sign;
      config.sign_data = &p->keys[i];
      p->core[i] = srp_core_new (&config);
      srp_address_init_ipv4 (&p->address[i], ip, 4000);
      srp_core_add_local_address (p->core[i], &p->address[i]);
      srp_core_attach (p->core[i], 0);
    }
}

static void
pair_clear (Pair *p)
{
  for (guint i = 0; i < 2; i++)
    srp_core_free (p->core[i]);
  g_array_unref (p->flight);
}

/* What core i sent goes on the wire, LATENCY from now. */
static void
pair_collect (Pair *p, guint i)
{
  SrpTransmit t;

  while (srp_core_poll_transmit (p->core[i], &t))
    {
      InFlight f = { .at = p->now + LATENCY, .to = 1 - i, .len = t.len };

      g_assert_true (srp_address_equal (&t.to, &p->address[1 - i]));
      if (p->now >= p->lose_from && p->now < p->lose_to &&
          (p->lose_sender == 0 || p->lose_sender == i + 1))
        {
          p->dropped++;
          continue;
        }
      if (p->drop_kind != 0 && t.data[3] == p->drop_kind)
        {
          p->drop_kind = 0;
          p->dropped++;
          continue;
        }
      memcpy (f.data, t.data, t.len);
      g_array_append_val (p->flight, f);
    }
}

static void
pair_deliver (Pair *p, const InFlight *f)
{
  srp_core_handle_datagram (p->core[f->to], p->now, 0, &p->address[1 - f->to], f->data, f->len);
  pair_collect (p, f->to);
}

/* Runs both cores until `until`, delivering in sending order. */
static void
pair_run (Pair *p, gint64 until)
{
  for (;;)
    {
      gint64 next = until + 1;
      gint64 deadline;

      pair_collect (p, 0);
      pair_collect (p, 1);
      if (p->flight->len > 0)
        next = g_array_index (p->flight, InFlight, 0).at;
      for (guint i = 0; i < 2; i++)
        if ((deadline = srp_core_poll_timeout (p->core[i])) >= 0 && deadline < next)
          next = deadline;
      if (next > until)
        break;
      p->now = MAX (p->now, next);
      if (p->flight->len > 0 && g_array_index (p->flight, InFlight, 0).at <= p->now)
        {
          InFlight f = g_array_index (p->flight, InFlight, 0);

          g_array_remove_index (p->flight, 0);
          pair_deliver (p, &f);
          continue;
        }
      for (guint i = 0; i < 2; i++)
        if ((deadline = srp_core_poll_timeout (p->core[i])) >= 0 && deadline <= p->now)
          {
            srp_core_handle_timeout (p->core[i], p->now);
            pair_collect (p, i);
          }
    }
  p->now = until;
}

static gboolean
flight_has (Pair *p, guint to, guint8 kind)
{
  for (guint i = 0; i < p->flight->len; i++)
    {
      const InFlight *f = &g_array_index (p->flight, InFlight, i);
      if (f->to == to && f->data[3] == kind)
        return TRUE;
    }
  return FALSE;
}

/* A's first frames over a new link (its greetings) leave right after the
 * HELLO_DONE and may overtake it: B holds them until the DONE makes the
 * link, and then handles them as the link's, dropping nothing. */
static void
test_frames_overtaking_done_are_held (void)
{
  Pair p;
  guint n;
  gboolean peers_answered = FALSE;

  pair_init (&p, 1);
  srp_core_add_bootstrap (p.core[0], p.now, &p.address[1]);
  /* HELLO to B, HELLO_REPLY back: A holds the link and greets B. */
  while (!flight_has (&p, 1, SRP_FRAME_HELLO_DONE))
    {
      g_assert_cmpint (p.now, <, SECONDS (1));
      pair_run (&p, p.now + MS (1));
    }
  g_assert_cmpuint (srp_core_get_n_connected (p.core[0]), ==, 1);
  g_assert_cmpuint (srp_core_get_n_connected (p.core[1]), ==, 0);
  /* Everything A sent since arrives at once, in reverse: the DONE last. */
  n = p.flight->len;
  g_assert_cmpuint (n, >, 1);
  p.now = g_array_index (p.flight, InFlight, n - 1).at;
  for (guint i = n; i > 0; i--)
    {
      InFlight f = g_array_index (p.flight, InFlight, i - 1);

      g_array_remove_index (p.flight, i - 1);
      pair_deliver (&p, &f);
    }
  g_assert_cmpuint (srp_core_get_n_connected (p.core[1]), ==, 1);
  g_assert_cmpuint (srp_core_get_drop_count (p.core[1], SRP_DROP_UNAUTHENTICATED), ==, 0);
  /* The PEERS_REQUEST that came before the link was answered after it
   * (sealed: A counts what it opened). */
  pair_run (&p, p.now + SECONDS (5));
  peers_answered = srp_core_get_context (p.core[0])->frames_in[SRP_FRAME_PEERS] > 0;
  g_assert_true (peers_answered);
  g_assert_cmpuint (srp_core_get_drop_count (p.core[0], SRP_DROP_UNAUTHENTICATED), ==, 0);
  g_assert_cmpuint (srp_core_get_drop_count (p.core[1], SRP_DROP_UNAUTHENTICATED), ==, 0);
  pair_clear (&p);
}

/* The HELLO_DONE is lost: A holds a link that B never made (half-open).
 * Nothing link-only comes back, so A checks after 2 s, learns from the
 * pong that B does not know it, and shakes hands again: both hold the
 * link within seconds, not after the first heartbeat (25 s). */
static void
test_lost_done_is_repaired_in_seconds (void)
{
  Pair p;

  pair_init (&p, 2);
  p.drop_kind = SRP_FRAME_HELLO_DONE;
  srp_core_add_bootstrap (p.core[0], p.now, &p.address[1]);
  pair_run (&p, SECONDS (1));
  g_assert_cmpuint (p.dropped, ==, 1);
  g_assert_cmpuint (srp_core_get_n_connected (p.core[0]), ==, 1);
  g_assert_cmpuint (srp_core_get_n_connected (p.core[1]), ==, 0);
  pair_run (&p, SECONDS (4));
  g_assert_cmpuint (srp_core_get_n_connected (p.core[0]), ==, 1);
  g_assert_cmpuint (srp_core_get_n_connected (p.core[1]), ==, 1);
  /* B held A's greetings through the second handshake and took them then. */
  g_assert_cmpuint (srp_core_get_drop_count (p.core[1], SRP_DROP_UNAUTHENTICATED), ==, 0);
  pair_clear (&p);
}

/* The HELLO_DONE is lost, and so is everything A sends over the link it
 * holds until the pong shows B does not know it: A's greetings (INFO,
 * SUBSCRIPTIONS, PEERS_REQUEST) never reach B, held or not. The second
 * handshake renews A's link, and A greets B again: B hears them within
 * seconds (before, never: A counted them sent when its link came up). */
static void
test_renewed_link_greets_again (void)
{
  Pair p;
  SrpContext *b;
  SrpId topic;

  pair_init (&p, 4);
  srp_topic_id_from_name ("renewed", &topic);
  srp_core_subscribe (p.core[0], p.now, &topic);
  /* A's HELLO leaves at 0, B's HELLO_REPLY arrives at 20 ms, and A's
   * HELLO_DONE and greetings leave then. */
  p.lose_sender = 1;
  p.lose_from = MS (15);
  p.lose_to = SECONDS (1);
  srp_core_add_bootstrap (p.core[0], p.now, &p.address[1]);
  pair_run (&p, SECONDS (1));
  g_assert_cmpuint (srp_core_get_n_connected (p.core[0]), ==, 1);
  g_assert_cmpuint (srp_core_get_n_connected (p.core[1]), ==, 0);
  pair_run (&p, SECONDS (5));
  g_assert_cmpuint (srp_core_get_n_connected (p.core[1]), ==, 1);
  b = srp_core_get_context (p.core[1]);
  g_test_message ("B opened %" G_GUINT64_FORMAT " INFO, %" G_GUINT64_FORMAT
                  " SUBSCRIPTIONS and %" G_GUINT64_FORMAT " PEERS_REQUEST from A",
                  b->frames_in[SRP_FRAME_INFO], b->frames_in[SRP_FRAME_SUBSCRIPTIONS],
                  b->frames_in[SRP_FRAME_PEERS_REQUEST]);
  g_assert_cmpuint (b->frames_in[SRP_FRAME_INFO], >=, 1);
  g_assert_cmpuint (b->frames_in[SRP_FRAME_SUBSCRIPTIONS], >=, 1);
  g_assert_cmpuint (b->frames_in[SRP_FRAME_PEERS_REQUEST], >=, 1);
  pair_clear (&p);
}

/* A newcomer short of links and of peers to dial asks its link for PEERS;
 * when no answer comes, it asks again 2 s later, then 4 s, doubling up to
 * a minute (protocol.md, "Peer exchange"). Here everything B sends in the
 * first second of the link is lost, the PEERS among it: A's second ask
 * goes 2 s after the first and is answered. (The doubling once counted
 * each ask four times: the second ask came 16 s after the first.) */
static void
test_lost_peers_asked_again_soon (void)
{
  Pair p;
  SrpContext *a;

  pair_init (&p, 5);
  p.lose_sender = 2;
  p.lose_from = MS (15); /* after B's HELLO_REPLY, which leaves at 10 ms */
  p.lose_to = SECONDS (1);
  srp_core_add_bootstrap (p.core[0], p.now, &p.address[1]);
  pair_run (&p, SECONDS (1));
  a = srp_core_get_context (p.core[0]);
  g_assert_cmpuint (srp_core_get_n_connected (p.core[0]), ==, 1);
  g_assert_cmpuint (a->frames_in[SRP_FRAME_PEERS], ==, 0);
  pair_run (&p, SECONDS (3));
  g_assert_cmpuint (a->frames_in[SRP_FRAME_PEERS], ==, 1);
  pair_clear (&p);
}

/* A bootstrap whose handshake went unanswered (the node was away, or
 * flooded: bench-hello-flood --echo-cookies left a newcomer out for a
 * minute) is tried again 2 s after the failure, as srp_mesh_bootstrap_failed
 * says, not a minute after the first try: the failure set the next attempt
 * but left the maintenance timer where the first try had put it, a minute
 * on. */
static void
test_failed_bootstrap_is_retried_soon (void)
{
  Pair p;

  pair_init (&p, 3);
  /* Long enough that the first handshake (4 HELLOs over 7.5 s) fails. */
  p.lose_to = SECONDS (8);
  srp_core_add_bootstrap (p.core[0], p.now, &p.address[1]);
  pair_run (&p, SECONDS (8));
  g_assert_cmpuint (p.dropped, ==, 4);
  g_assert_cmpuint (srp_core_get_n_connected (p.core[0]), ==, 0);
  /* Failed at 7.5 s, tried again at 9.5 s: connected by 10 s. */
  pair_run (&p, SECONDS (10));
  g_assert_cmpuint (srp_core_get_n_connected (p.core[0]), ==, 1);
  g_assert_cmpuint (srp_core_get_n_connected (p.core[1]), ==, 1);
  pair_clear (&p);
}

/* ---- simulated networks ------------------------------------------------------------------ */

typedef struct {
  gint64 removed_at[64];
  gint64 got_at[64];
} Times;

static void
record_times (SrpSim *sim, guint node, const SrpCoreEvent *event, gpointer user_data)
{
  Times *t = user_data;

  if (node >= G_N_ELEMENTS (t->removed_at))
    return;
  if (event->type == SRP_CORE_EVENT_PEER_REMOVED && t->removed_at[node] < 0)
    t->removed_at[node] = srp_sim_get_now (sim);
  else if (event->type == SRP_CORE_EVENT_MESSAGE && t->got_at[node] < 0)
    t->got_at[node] = srp_sim_get_now (sim);
}

static void
times_init (Times *t)
{
  for (guint i = 0; i < G_N_ELEMENTS (t->removed_at); i++)
    t->removed_at[i] = t->got_at[i] = -1;
}

/* Node 1 linked to node 0 (its bootstrap) over 20 ms, run until `until`,
 * with its events in t. */
static SrpSim *
linked_pair (guint64 seed, Times *t, gint64 until)
{
  SrpSim *sim = srp_sim_new (seed);

  times_init (t);
  srp_sim_add_node (sim, NULL);
  srp_sim_add_node (sim, NULL);
  srp_sim_set_default_link (sim, MS (20), 0.0);
  srp_sim_set_event_func (sim, record_times, t);
  srp_core_add_bootstrap (srp_sim_get_core (sim, 1), srp_sim_get_now (sim),
                          srp_sim_get_address (sim, 0));
  srp_sim_flush (sim, 1);
  srp_sim_run_until (sim, until);
  return sim;
}

/* A publisher whose only link vanished (no GOODBYE) notices within seconds
 * that nobody acknowledges: the silent link is pinged at once and ended,
 * instead of after three missed heartbeats (75 s), while the publish
 * waits on it. */
static void
test_vanished_target_is_noticed (void)
{
  Times t;
  SrpSim *sim = linked_pair (3, &t, SECONDS (30));
  SrpId topic, id;
  gint64 published;

  g_assert_true (srp_sim_is_connected (sim, 1, 0));
  srp_sim_set_online (sim, 0, FALSE);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (2));
  srp_topic_id_from_name ("news", &topic);
  published = srp_sim_get_now (sim);
  g_assert_cmpuint (srp_core_publish (srp_sim_get_core (sim, 1), published, &topic, NULL,
                                      (const guint8 *) "hello", 5, &id),
                    !=, 0);
  srp_sim_flush (sim, 1);
  srp_sim_run_until (sim, published + SECONDS (10));
  g_assert_cmpint (t.removed_at[1], >, published);
  g_test_message ("the vanished link ended %.1f s after the publish",
                  (double) (t.removed_at[1] - published) / G_USEC_PER_SEC);
  g_assert_cmpint (t.removed_at[1] - published, <, SECONDS (6));
  srp_sim_free (sim);
}

/* A link 10 s old whose peer vanishes (no GOODBYE, nothing to publish) is
 * checked after half its age and ended after two unanswered heartbeats,
 * the second at once: in seconds, not after three heartbeats 25 s apart. */
static void
test_young_link_vanishing_is_noticed (void)
{
  Times t;
  SrpSim *sim = linked_pair (5, &t, SECONDS (10));
  gint64 gone;

  g_assert_true (srp_sim_is_connected (sim, 1, 0));
  srp_sim_set_online (sim, 0, FALSE);
  gone = srp_sim_get_now (sim);
  srp_sim_run_until (sim, gone + SECONDS (30));
  g_assert_cmpint (t.removed_at[1], >, gone);
  g_test_message ("the young link ended %.1f s after its peer vanished",
                  (double) (t.removed_at[1] - gone) / G_USEC_PER_SEC);
  g_assert_cmpint (t.removed_at[1] - gone, <, SECONDS (12));
  srp_sim_free (sim);
}

/* A hub (here the one peer everybody links to) relays a packet to more
 * links than fanout, in proportion to how many it holds: with fanout 3 of
 * 40 the push would reach 3 leaves and leave the rest to anti-entropy. */
static void
test_hub_relays_in_proportion (void)
{
  SrpSim *sim = srp_sim_new (4);
  SrpCoreConfig leaf;
  Times t;
  SrpId topic, id;
  gint64 published;
  guint n = 41, reached = 0, hub_links;

  times_init (&t);
  srp_core_config_init (&leaf);
  leaf.target_connections = 1; /* leaves link to the hub alone */
  srp_sim_add_node (sim, NULL);
  for (guint i = 1; i < n; i++)
    srp_sim_add_node (sim, &leaf);
  srp_sim_set_default_link (sim, MS (20), 0.0);
  srp_sim_set_event_func (sim, record_times, &t);
  srp_topic_id_from_name ("news", &topic);
  for (guint i = 1; i < n; i++)
    {
      srp_core_add_bootstrap (srp_sim_get_core (sim, i), srp_sim_get_now (sim),
                              srp_sim_get_address (sim, 0));
      srp_core_subscribe (srp_sim_get_core (sim, i), srp_sim_get_now (sim), &topic);
      srp_sim_flush (sim, i);
    }
  srp_sim_run_until (sim, SECONDS (20));
  hub_links = srp_core_get_n_connected (srp_sim_get_core (sim, 0));
  g_assert_cmpuint (hub_links, ==, n - 1);
  published = srp_sim_get_now (sim);
  g_assert_cmpuint (srp_core_publish (srp_sim_get_core (sim, 1), published, &topic, NULL,
                                      (const guint8 *) "hello", 5, &id),
                    !=, 0);
  srp_sim_flush (sim, 1);
  /* Well before the next anti-entropy round (10 s). */
  srp_sim_run_until (sim, published + SECONDS (1));
  for (guint i = 2; i < n; i++)
    reached += t.got_at[i] >= 0;
  g_test_message ("%u of %u leaves had it within 1 s (fanout 3, the hub holds %u links)", reached,
                  n - 2, hub_links);
  /* 3 x 40 links / (2 x 8 target connections), rounded up. */
  g_assert_cmpuint (reached, >=, 8);
  srp_sim_free (sim);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/links/frames-overtaking-done-are-held", test_frames_overtaking_done_are_held);
  g_test_add_func ("/links/lost-done-is-repaired-in-seconds", test_lost_done_is_repaired_in_seconds);
  g_test_add_func ("/links/renewed-link-greets-again", test_renewed_link_greets_again);
  g_test_add_func ("/links/lost-peers-asked-again-soon", test_lost_peers_asked_again_soon);
  g_test_add_func ("/links/failed-bootstrap-is-retried-soon",
                   test_failed_bootstrap_is_retried_soon);
  g_test_add_func ("/links/vanished-target-is-noticed", test_vanished_target_is_noticed);
  g_test_add_func ("/links/young-link-vanishing-is-noticed",
                   test_young_link_vanishing_is_noticed);
  g_test_add_func ("/links/hub-relays-in-proportion", test_hub_relays_in_proportion);
  return g_test_run ();
}
