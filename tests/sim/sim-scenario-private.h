/* sim-scenario-private.h: the state of an srp-simulate run, shared by the
 * population and churn (sim-scenario.c) and the workload (sim-workload.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "sim-find-trace.h"
#include "sim-scenario.h"
#include "srp-rng.h"

G_BEGIN_DECLS

typedef struct {
  SimNode *node;
  guint ordinal;
  gint64 joined_at;
  guint slot; /* in Scenario.online, for ordinary peers */
  gboolean subscriber, probe;
  guint probe_got;    /* probes: survival messages received */
  gint64 probe_delay; /* probes: when the last of them came, -1 before */
} Peer;

typedef struct {
  SimScenarioConfig config;
  SimWorld *world;
  SimMetrics *metrics;
  SimFindTrace *find_trace; /* with --find-log, else NULL */
  SrpRng rng; /* the workload's own stream */
  SrpId topic;
  GPtrArray *online;     /* Peer*: ordinary peers (not bootstraps, not probes) */
  GPtrArray *bootstraps; /* Peer* */
  GPtrArray *survival;   /* SrpId*: the messages probes wait for */
  GPtrArray *probes;     /* ProbeWait*: probes still waiting */
  gint64 start, warmup_end, end, window;
  guint to_join; /* initial joins left */
  gint64 join_gap;
  gint64 lifetime; /* churn: a peer's mean time online */
  guint64 last_transmits, last_bytes;
  gint64 last_tick;
  gint64 wall_start, last_progress;
  gsize rss_start;
  double rss_per_peer_warm;
  SimResult *result;
} Scenario;

/* sim-scenario.c */
/* An ordinary peer (or a probe) joins: access and subscription drawn,
 * through two bootstrap nodes chosen at random. */
Peer *sim_scenario_join (Scenario *s, gboolean probe);
void sim_scenario_leave (Scenario *s, Peer *peer, gboolean goodbye);
/* A random ordinary peer, or NULL. */
Peer *sim_scenario_random_peer (Scenario *s);
/* A random peer online for at least settled (not except), or NULL after a few tries. */
Peer *sim_scenario_random_settled_peer (Scenario *s, gint64 settled, const Peer *except);
/* Uniform in [0, 1) from the workload's stream. */
double sim_scenario_uniform (Scenario *s);
gint64 sim_scenario_seconds (double seconds);

/* sim-workload.c */
void sim_workload_on_event (SimWorld *world, SimNode *node, const SrpCoreEvent *event,
                            gpointer user_data);
/* Publishes, finds and probes, from the end of the warm-up. */
void sim_workload_schedule (Scenario *s);
/* Frees the probes still waiting at the end. */
void sim_workload_clear (Scenario *s);

G_END_DECLS
