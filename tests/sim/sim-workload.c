/* sim-workload.c: what an srp-simulate run asks of its peers: publishing,
 * finds by peer ID and survival probes, and what their cores report back.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sim-scenario-private.h"

#include <math.h>

#include "srp-chain.h"

#define SECOND G_TIME_SPAN_SECOND
#define PUBLISHER_SETTLED_US (30 * SECOND) /* publishers have been online this long */
#define SETTLED_US (60 * SECOND)           /* finds go between peers online this long */

typedef struct {
  Scenario *s;
  Peer *probe;
} ProbeWait;

static gboolean
is_survival_message (Scenario *s, const SrpId *id)
{
  for (guint i = 0; i < s->survival->len; i++)
    if (srp_id_equal (g_ptr_array_index (s->survival, i), id))
      return TRUE;
  return FALSE;
}

void
sim_workload_on_event (SimWorld *world, SimNode *node, const SrpCoreEvent *event,
                       gpointer user_data)
{
  Scenario *s = user_data;
  Peer *peer = sim_node_get_data (node);
  gint64 now = sim_world_get_now (world);

  if (event->type == SRP_CORE_EVENT_MESSAGE && srp_id_equal (&event->message.topic_id, &s->topic))
    {
      if (!peer->probe)
        sim_metrics_received (s->metrics, &event->message.id, peer->ordinal, now);
      else if (is_survival_message (s, &event->message.id) && ++peer->probe_got == s->survival->len)
        peer->probe_delay = now - peer->joined_at;
    }
  else if (event->type == SRP_CORE_EVENT_CONNECT_RESULT)
    {
      sim_metrics_find_result (s->metrics, peer->ordinal, event->connect.request,
                               event->connect.ok, event->connect.path, event->connect.elapsed_us);
      if (s->find_trace != NULL)
        sim_find_trace_result (s->find_trace, node, event->connect.request, event->connect.ok,
                               event->connect.path, event->connect.elapsed_us,
                               event->connect.reason);
    }
}

static void
publish (SimWorld *world, gpointer data)
{
  Scenario *s = data;
  gint64 now = sim_world_get_now (world);
  Peer *publisher = sim_scenario_random_settled_peer (s, PUBLISHER_SETTLED_US, NULL);
  gsize len = s->config.sizes[s->result->publishes % s->config.n_sizes];
  g_autofree guint8 *body = g_malloc (MAX (len, 1));
  g_autoptr (GArray) eligible = g_array_new (FALSE, FALSE, sizeof (guint));
  SrpId id;

  if (publisher == NULL)
    publisher = sim_scenario_random_peer (s);
  if (publisher == NULL)
    return;
  srp_rng_fill (&s->rng, body, len);
  if (!srp_core_publish (sim_node_get_core (publisher->node), now, &s->topic, NULL, body, len, &id))
    g_error ("srp-simulate: a message of %" G_GSIZE_FORMAT " bytes cannot be published", len);
  sim_world_drive (world, publisher->node);
  for (guint i = 0; i < s->online->len; i++)
    {
      const Peer *p = g_ptr_array_index (s->online, i);
      if (p->subscriber && p != publisher)
        g_array_append_val (eligible, p->ordinal);
    }
  sim_metrics_published (s->metrics, &id, srp_chain_packet_count (len), now,
                         (const guint *) eligible->data, eligible->len);
  if (s->config.survival_hours > 0)
    g_ptr_array_add (s->survival, g_memdup2 (&id, sizeof id));
  s->result->publishes++;
}

static gboolean
connected_to (Peer *from, const Peer *to)
{
  g_autoptr (GArray) peers = g_array_new (FALSE, FALSE, sizeof (SrpCoreEvent));

  srp_core_list_peers (sim_node_get_core (from->node), peers);
  for (guint i = 0; i < peers->len; i++)
    if (srp_id_equal (&g_array_index (peers, SrpCoreEvent, i).peer.id, sim_node_get_id (to->node)))
      return TRUE;
  return FALSE;
}

/* A find goes to a peer the finder is not connected to: finding a
 * neighbour proves nothing. */
static void
find (SimWorld *world, gpointer data)
{
  Scenario *s = data;
  Peer *from = sim_scenario_random_settled_peer (s, SETTLED_US, NULL), *to = NULL;
  guint64 request;

  for (guint tries = 0; from != NULL && tries < 16 && to == NULL; tries++)
    {
      to = sim_scenario_random_settled_peer (s, SETTLED_US, from);
      if (to != NULL && connected_to (from, to))
        to = NULL;
    }
  if (to == NULL)
    return;
  request = srp_core_connect (sim_node_get_core (from->node), sim_world_get_now (world),
                              sim_node_get_id (to->node));
  sim_metrics_find_started (s->metrics, from->ordinal, request, to->ordinal,
                            sim_world_get_now (world));
  if (s->find_trace != NULL)
    sim_find_trace_started (s->find_trace, from->node, to->node, request);
  sim_world_drive (world, from->node);
}

static void
probe_done (SimWorld *world, gpointer data)
{
  ProbeWait *wait = data;

  sim_metrics_probe (wait->s->metrics, wait->probe->joined_at, wait->probe->probe_delay);
  sim_scenario_leave (wait->s, wait->probe, TRUE);
  g_ptr_array_remove (wait->s->probes, wait);
  g_free (wait);
}

static void
probe (SimWorld *world, gpointer data)
{
  Scenario *s = data;
  ProbeWait *wait = g_new (ProbeWait, 1);

  wait->s = s;
  wait->probe = sim_scenario_join (s, TRUE);
  g_ptr_array_add (s->probes, wait);
  s->result->probes++;
  sim_world_schedule (world,
                      sim_world_get_now (world) + sim_scenario_seconds (s->config.probe_wait_s),
                      probe_done, wait);
}

void
sim_workload_schedule (Scenario *s)
{
  SimScenarioConfig *c = &s->config;
  gint64 measured = s->end - s->window - s->warmup_end;
  gint64 find_last = s->end - c->core.connect_timeout_us - SECOND;

  for (guint m = 0; m < c->publish; m++)
    {
      gint64 at;

      if (c->survival_hours > 0)
        at = s->warmup_end + m * SECOND;
      else if (c->publish_every_s > 0)
        at = s->warmup_end + (gint64) m * sim_scenario_seconds (c->publish_every_s);
      else
        /* Spread evenly, on whole seconds (the traffic ticks). */
        at = s->warmup_end + (measured * (2 * m + 1) / (2 * c->publish)) / SECOND * SECOND;
      if (at + s->window <= s->end)
        sim_world_schedule (s->world, at, publish, s);
    }
  for (guint f = 0; f < c->finds && find_last > s->warmup_end; f++)
    sim_world_schedule (
        s->world,
        s->warmup_end + (gint64) (sim_scenario_uniform (s) * (double) (find_last - s->warmup_end)),
        find, s);
  if (c->survival_hours > 0)
    {
      gint64 last = s->warmup_end + sim_scenario_seconds (c->survival_hours * 3600);

      /* One probe at a random time in each hour: every copy of a packet
       * arrived within seconds, so copies expire together a TTL later, and
       * probes on the hour would all meet the moment the caches turn over. */
      for (guint h = 0; h < (guint) ceil (c->survival_hours); h++)
        {
          gint64 at = s->warmup_end + sim_scenario_seconds ((h + sim_scenario_uniform (s)) * 3600);

          if (at < last)
            sim_world_schedule (s->world, at, probe, s);
        }
      /* And one at the end: `survived`. */
      sim_world_schedule (s->world, last, probe, s);
    }
}

void
sim_workload_clear (Scenario *s)
{
  /* Probes still waiting at the end (their nodes go with the world). */
  for (guint i = 0; i < s->probes->len; i++)
    {
      ProbeWait *wait = g_ptr_array_index (s->probes, i);
      g_free (wait->probe);
      g_free (wait);
    }
  g_ptr_array_set_size (s->probes, 0);
}
