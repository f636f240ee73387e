/* sim-scenario.h: a whole srp-simulate run: the population, its churn and
 * its workload, on a SimWorld, measured by SimMetrics.
 *
 * - Bootstrap nodes (public, in data centres, never leaving) come first;
 *   the peers join over the first half of the warm-up, each through two of
 *   them. Each peer's access (NAT kind) is drawn by share, and each
 *   subscribes to the one topic with the subscriber share.
 * - After the warm-up, churn runs as a join and a leave process: peers
 *   join as a Poisson process and each stays an exponential time, with the
 *   rates set so that the population holds around `peers` and is replaced
 *   churn / 100 times. A leaver says goodbye with the goodbye share, else
 *   vanishes. Joiners are new peers (new IDs), drawn like the first.
 * - Messages are published by random peers, spread over the measured time
 *   (or every publish_every_s); finds connect a random peer to the ID of
 *   another it is not connected to, both online for at least a minute.
 * - Survival: the messages are published at the end of the warm-up; at a
 *   random time in every hour, and at the end, a new subscriber (a probe)
 *   joins, waits, and leaves.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "sim-metrics.h"
#include "sim-net.h"
#include "sim-world.h"

G_BEGIN_DECLS

#define SIM_MAX_SIZES 8

typedef struct {
  guint peers;    /* the population, bootstrap nodes included */
  double minutes; /* the run, warm-up included (not with survival) */
  guint64 seed;
  double loss;                /* % of datagrams crossing the internet */
  double hard_nat;            /* % of peers behind symmetric NATs */
  double mix[SIM_N_ACCESS];   /* weights of the other kinds (the symmetric entry is unused) */
  double subscribers;         /* % of peers subscribed to the topic */
  double churn;               /* % of the population replaced after the warm-up */
  double goodbye;             /* % of leavers that say goodbye */
  guint publish;              /* messages */
  gsize sizes[SIM_MAX_SIZES]; /* message sizes, used in turn */
  guint n_sizes;
  double publish_every_s; /* > 0: one message every so often from the warm-up's end */
  double survival_hours;  /* > 0: a survival run of that many hours */
  double probe_wait_s;    /* how long a survival probe waits for the message */
  guint finds;
  guint bootstraps;
  double warmup_s;         /* < 0: max (60, peers / 500) */
  double window_s;         /* delivery is measured this long after publishing */
  double fixed_latency_ms; /* > 0: every path has this latency, no jitter */
  guint cgn_customers;
  gboolean open_sealed; /* count what sealed frames carry (sim-world.h) */
  char *find_log;       /* non-NULL: each find's phases go to this file (sim-find-trace.h) */
  SrpCoreConfig core; /* remembered_ids 0: sized to the run (see srp-simulate --help) */
  gboolean progress;  /* a line on stderr every few seconds of wall time */
} SimScenarioConfig;

void sim_scenario_config_init (SimScenarioConfig *config);

typedef struct {
  SimScenarioConfig config; /* as run: defaults resolved */
  double virtual_s, wall_s, cpu_s, warmup_s;
  guint64 peak_rss_bytes;
  double rss_per_peer_warm, rss_per_peer_end; /* bytes: RSS growth / peers online */
  guint64 datagrams, bytes;
  guint64 by_kind[256];
  guint64 sealed_by_kind[256]; /* arrived, by what they carry (with open_sealed) */
  guint64 drops[SRP_DROP_N_REASONS]; /* what the cores refused, by reason */
  guint64 packet_paths[SIM_N_PACKET_PATHS]; /* sim_world_get_packet_paths */
  SimNetStats net;
  guint64 nodes_created, joins, leaves, goodbyes, publishes, probes;
  guint online_end;
  double connected_mean; /* connected peers per online peer, at the end */
  guint access_online[SIM_N_ACCESS];
  guint nat_seen[SIM_N_ACCESS][SRP_NAT_N_TYPES]; /* true kind x classification, at the end */
  guint nat_mappings, nat_permissions;           /* NAT state at the end */
  SimSummary summary;
  GArray *probe_times; /* gint64 pairs (at, delay), in order */
  char *trace_hash;
} SimResult;

SimResult *sim_scenario_run (const SimScenarioConfig *config);
void sim_result_free (SimResult *result);

G_END_DECLS
