/* sim-scenario.c: an srp-simulate run: its plan, population and churn, the
 * traffic ticks and what is collected at the end (the workload is in
 * sim-workload.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sim-scenario-private.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>

#include "srp-chain.h"

#define SECOND G_TIME_SPAN_SECOND
#define TICK_US SECOND           /* traffic is measured per second */
#define SWEEP_US (60 * SECOND)   /* expired NAT state is freed this often */
#define SETTLED_US (60 * SECOND) /* finds go between peers online this long */
#define PROGRESS_US (5 * SECOND) /* of wall time */
#define BOOTSTRAPS_PER_PEER 2
#define TOPIC_NAME "srp-simulate"

void
sim_scenario_config_init (SimScenarioConfig *c)
{
  memset (c, 0, sizeof *c);
  c->peers = 128;
  c->minutes = 10;
  c->seed = 1;
  c->hard_nat = 30;
  c->mix[SIM_ACCESS_PUBLIC] = 15;
  c->mix[SIM_ACCESS_FULL_CONE] = 5;
  c->mix[SIM_ACCESS_ADDRESS_RESTRICTED] = 10;
  c->mix[SIM_ACCESS_PORT_RESTRICTED] = 50;
  c->mix[SIM_ACCESS_CARRIER_GRADE] = 20;
  c->subscribers = 50;
  c->goodbye = 50;
  c->publish = 10;
  c->sizes[0] = 1000;
  c->n_sizes = 1;
  c->probe_wait_s = 120;
  c->finds = 100;
  c->bootstraps = 4;
  c->warmup_s = -1;
  c->window_s = 60;
  c->cgn_customers = 8;
  srp_core_config_init (&c->core);
  c->core.remembered_ids = 0;
}

static gsize
current_rss (void)
{
  unsigned long size = 0, resident = 0;
  FILE *f = fopen ("/proc/self/statm", "r");

  if (f != NULL)
    {
      if (fscanf (f, "%lu %lu", &size, &resident) != 2)
        resident = 0;
      fclose (f);
    }
  return resident * (gsize) sysconf (_SC_PAGESIZE);
}

static guint64
peak_rss (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return (guint64) usage.ru_maxrss * 1024;
}

/* The process's CPU time: on a shared machine, wall time alone misleads. */
static double
cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return (double) usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
         (double) usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

double
sim_scenario_uniform (Scenario *s)
{
  return srp_rng_double (&s->rng);
}

/* Exponential with the given mean: gaps of a Poisson process. */
static gint64
exponential (Scenario *s, gint64 mean)
{
  return (gint64) (-(double) mean * log (1.0 - sim_scenario_uniform (s)));
}

static SimAccess
draw_access (Scenario *s)
{
  double total = 0, pick;

  if (sim_scenario_uniform (s) * 100.0 < s->config.hard_nat)
    return SIM_ACCESS_SYMMETRIC;
  for (guint a = 0; a < SIM_N_ACCESS; a++)
    if (a != SIM_ACCESS_SYMMETRIC)
      total += s->config.mix[a];
  pick = sim_scenario_uniform (s) * total;
  for (guint a = 0; a < SIM_N_ACCESS; a++)
    {
      if (a == SIM_ACCESS_SYMMETRIC || s->config.mix[a] <= 0)
        continue;
      if (pick < s->config.mix[a])
        return a;
      pick -= s->config.mix[a];
    }
  return SIM_ACCESS_PORT_RESTRICTED;
}

static Peer *
add_peer (Scenario *s, SimAccess access, gboolean datacenter)
{
  Peer *peer = g_new0 (Peer, 1);

  peer->node = sim_world_add_node (s->world, access, datacenter);
  peer->ordinal = sim_node_get_ordinal (peer->node);
  peer->joined_at = sim_world_get_now (s->world);
  peer->probe_delay = -1;
  sim_node_set_data (peer->node, peer);
  s->result->nodes_created++;
  return peer;
}

static void
bootstrap_through (Scenario *s, Peer *peer, const Peer *via)
{
  SrpAddress address;

  if (sim_node_get_public_address (via->node, &address))
    srp_core_add_bootstrap (sim_node_get_core (peer->node), sim_world_get_now (s->world), &address);
}

Peer *
sim_scenario_join (Scenario *s, gboolean probe)
{
  Peer *peer = add_peer (s, draw_access (s), FALSE);
  SrpCore *core = sim_node_get_core (peer->node);
  guint n = s->bootstraps->len, first = (guint) srp_rng_below (&s->rng, n);
  guint step = n > 1 ? 1 + (guint) srp_rng_below (&s->rng, n - 1) : 0;

  peer->probe = probe;
  peer->subscriber = probe || sim_scenario_uniform (s) * 100.0 < s->config.subscribers;
  if (peer->subscriber)
    srp_core_subscribe (core, sim_world_get_now (s->world), &s->topic);
  for (guint i = 0; i < MIN (BOOTSTRAPS_PER_PEER, n); i++)
    bootstrap_through (s, peer, g_ptr_array_index (s->bootstraps, (first + i * step) % n));
  sim_world_drive (s->world, peer->node);
  if (!probe)
    {
      peer->slot = s->online->len;
      g_ptr_array_add (s->online, peer);
    }
  return peer;
}

void
sim_scenario_leave (Scenario *s, Peer *peer, gboolean goodbye)
{
  if (!peer->probe)
    {
      Peer *last = g_ptr_array_index (s->online, s->online->len - 1);

      g_ptr_array_index (s->online, peer->slot) = last;
      last->slot = peer->slot;
      g_ptr_array_set_size (s->online, s->online->len - 1);
    }
  sim_metrics_node_left (s->metrics, peer->ordinal, sim_world_get_now (s->world));
  if (s->find_trace != NULL)
    sim_find_trace_node_left (s->find_trace, peer->node);
  sim_world_remove_node (s->world, peer->node, goodbye);
  if (goodbye)
    s->result->goodbyes++;
  g_free (peer);
}

Peer *
sim_scenario_random_peer (Scenario *s)
{
  if (s->online->len == 0)
    return NULL;
  return g_ptr_array_index (s->online, srp_rng_below (&s->rng, s->online->len));
}

Peer *
sim_scenario_random_settled_peer (Scenario *s, gint64 settled, const Peer *except)
{
  for (guint tries = 0; tries < 64; tries++)
    {
      Peer *p = sim_scenario_random_peer (s);

      if (p != NULL && p != except && p->joined_at + settled <= sim_world_get_now (s->world))
        return p;
    }
  return NULL;
}

/* ---- actions ---------------------------------------------------------------------- */

static void
progress (Scenario *s, gboolean last)
{
  gint64 wall = g_get_monotonic_time ();

  if (!s->config.progress || (!last && wall - s->last_progress < PROGRESS_US))
    return;
  s->last_progress = wall;
  g_printerr ("srp-simulate: virtual %.0f / %.0f s, wall %.1f s, %u online, RSS %.0f MiB, "
              "%" G_GUINT64_FORMAT " datagrams\n",
              (double) (sim_world_get_now (s->world) - s->start) / SECOND,
              (double) (s->end - s->start) / SECOND, (double) (wall - s->wall_start) / SECOND,
              sim_world_get_n_online (s->world), (double) current_rss () / (1 << 20),
              sim_world_get_transmits (s->world));
}

static void
tick (SimWorld *world, gpointer data)
{
  Scenario *s = data;
  gint64 now = sim_world_get_now (world);
  guint64 transmits = sim_world_get_transmits (world);
  guint64 bytes = sim_world_get_transmit_bytes (world);

  if (s->last_tick >= s->warmup_end)
    sim_metrics_traffic (s->metrics, s->last_tick, now, transmits - s->last_transmits,
                         bytes - s->last_bytes, sim_world_get_n_online (world));
  if (s->last_tick < s->warmup_end && now >= s->warmup_end)
    s->rss_per_peer_warm =
        ((double) current_rss () - (double) s->rss_start) / MAX (sim_world_get_n_online (world), 1);
  s->last_tick = now;
  s->last_transmits = transmits;
  s->last_bytes = bytes;
  progress (s, FALSE);
  if (now + TICK_US <= s->end)
    sim_world_schedule (world, now + TICK_US, tick, s);
}

static void
sweep (SimWorld *world, gpointer data)
{
  Scenario *s = data;

  sim_net_sweep (sim_world_get_net (world), sim_world_get_now (world));
  sim_world_schedule (world, sim_world_get_now (world) + SWEEP_US, sweep, s);
}

static void
initial_join (SimWorld *world, gpointer data)
{
  Scenario *s = data;

  sim_scenario_join (s, FALSE);
  if (--s->to_join > 0)
    sim_world_schedule (world, sim_world_get_now (world) + s->join_gap, initial_join, s);
}

/* Each peer stays for an exponential time of mean lifetime (a peer left
 * of online ones leaves at rate online / lifetime), and peers join at rate
 * peers / lifetime: the population holds around --peers, and lifetime is
 * set so that it is replaced churn / 100 times after the warm-up. */
static void
churn_leave (SimWorld *world, gpointer data)
{
  Scenario *s = data;
  Peer *peer = sim_scenario_random_peer (s);
  gint64 next;

  if (peer != NULL)
    {
      sim_scenario_leave (s, peer, sim_scenario_uniform (s) * 100.0 < s->config.goodbye);
      s->result->leaves++;
    }
  next = sim_world_get_now (world) + exponential (s, s->lifetime / MAX (s->online->len, 1));
  if (next < s->end)
    sim_world_schedule (world, next, churn_leave, s);
}

static void
churn_join (SimWorld *world, gpointer data)
{
  Scenario *s = data;
  gint64 next = sim_world_get_now (world) +
                exponential (s, s->lifetime / (s->config.peers - s->config.bootstraps));

  sim_scenario_join (s, FALSE);
  s->result->joins++;
  if (next < s->end)
    sim_world_schedule (world, next, churn_join, s);
}

/* ---- the run ------------------------------------------------------------------------ */

gint64
sim_scenario_seconds (double seconds)
{
  return (gint64) (seconds * SECOND);
}

/* Fills in what the config leaves to the run, and the timeline. */
static void
plan (Scenario *s)
{
  SimScenarioConfig *c = &s->config;
  gint64 total, warmup;
  guint packets = 0;

  c->peers = MAX (c->peers, 2);
  c->bootstraps = CLAMP (c->bootstraps, 1, c->peers - 1);
  c->n_sizes = CLAMP (c->n_sizes, 1, SIM_MAX_SIZES);
  if (c->warmup_s < 0)
    c->warmup_s = MAX (60.0, c->peers / 500.0);
  if (c->survival_hours > 0)
    c->minutes = (c->warmup_s + c->survival_hours * 3600 + c->probe_wait_s) / 60;
  total = sim_scenario_seconds (c->minutes * 60);
  warmup = MIN (sim_scenario_seconds (c->warmup_s), total / 2);
  c->warmup_s = (double) warmup / SECOND;
  s->start = SIM_WORLD_START_US;
  s->warmup_end = s->start + warmup;
  s->end = s->start + total;
  s->window = MIN (sim_scenario_seconds (c->window_s), (s->end - s->warmup_end) / 2);
  c->window_s = (double) s->window / SECOND;
  /* Every packet a run publishes fits the memory of IDs that left the
   * cache, so a smaller memory behaves as the default one would. */
  for (guint m = 0; m < c->publish; m++)
    packets += srp_chain_packet_count (c->sizes[m % c->n_sizes]);
  if (c->core.remembered_ids == 0)
    c->core.remembered_ids = MIN (packets + 1024, 65536);
}

/* Churn after the warm-up; see churn_leave. */
static void
schedule_churn (Scenario *s)
{
  SimScenarioConfig *c = &s->config;

  if (c->churn > 0)
    {
      guint ordinary = c->peers - c->bootstraps;

      s->lifetime = (gint64) ((double) (s->end - s->warmup_end) / (c->churn / 100.0));
      sim_world_schedule (s->world, s->warmup_end + exponential (s, s->lifetime / ordinary),
                          churn_leave, s);
      sim_world_schedule (s->world, s->warmup_end + exponential (s, s->lifetime / ordinary),
                          churn_join, s);
    }
}

static void
populate (Scenario *s)
{
  for (guint b = 0; b < s->config.bootstraps; b++)
    {
      Peer *peer = add_peer (s, SIM_ACCESS_PUBLIC, TRUE);

      for (guint k = 0; k < s->bootstraps->len; k++)
        bootstrap_through (s, peer, g_ptr_array_index (s->bootstraps, k));
      sim_world_drive (s->world, peer->node);
      g_ptr_array_add (s->bootstraps, peer);
    }
  /* The rest join over the first half of the warm-up. */
  s->to_join = s->config.peers - s->config.bootstraps;
  s->join_gap = (s->warmup_end - s->start) / 2 / MAX (s->to_join, 1);
  sim_world_schedule (s->world, s->start, initial_join, s);
}

static void
collect (Scenario *s)
{
  SimResult *r = s->result;
  const SimNetStats *net = sim_net_get_stats (sim_world_get_net (s->world));
  guint64 connected = 0;
  gint64 at, delay;

  r->config = s->config;
  r->virtual_s = (double) (s->end - s->start) / SECOND;
  r->warmup_s = s->config.warmup_s;
  r->datagrams = sim_world_get_transmits (s->world);
  r->bytes = sim_world_get_transmit_bytes (s->world);
  memcpy (r->by_kind, sim_world_get_transmits_by_kind (s->world), sizeof r->by_kind);
  memcpy (r->sealed_by_kind, sim_world_get_sealed_by_kind (s->world), sizeof r->sealed_by_kind);
  sim_world_get_drops (s->world, r->drops);
  sim_world_get_packet_paths (s->world, r->packet_paths);
  r->net = *net;
  r->online_end = sim_world_get_n_online (s->world);
  for (guint i = 0; i < s->online->len + s->bootstraps->len; i++)
    {
      const Peer *p = i < s->online->len ? g_ptr_array_index (s->online, i)
                                         : g_ptr_array_index (s->bootstraps, i - s->online->len);
      SimAccess access = sim_node_get_access (p->node);
      guint8 nat = srp_core_get_nat (sim_node_get_core (p->node), NULL);

      r->access_online[access]++;
      r->nat_seen[access][MIN (nat, SRP_NAT_N_TYPES - 1)]++;
      connected += srp_core_get_n_connected (sim_node_get_core (p->node));
    }
  r->connected_mean = (double) connected / MAX (s->online->len + s->bootstraps->len, 1);
  r->rss_per_peer_warm = s->rss_per_peer_warm;
  r->rss_per_peer_end = ((double) current_rss () - (double) s->rss_start) / MAX (r->online_end, 1);
  r->nat_mappings = sim_nat_table_count_mappings (sim_net_get_nats (sim_world_get_net (s->world)));
  r->nat_permissions =
      sim_nat_table_count_permissions (sim_net_get_nats (sim_world_get_net (s->world)));
  sim_metrics_summarize (s->metrics, &r->summary);
  r->probe_times = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; i < sim_metrics_get_probe (s->metrics, i, &at, &delay); i++)
    {
      g_array_append_val (r->probe_times, at);
      g_array_append_val (r->probe_times, delay);
    }
  r->trace_hash = sim_world_get_trace_hash (s->world);
}

SimResult *
sim_scenario_run (const SimScenarioConfig *config)
{
  Scenario scenario = { .config = *config };
  Scenario *s = &scenario;
  SimWorldConfig wc;

  double cpu_start = cpu_seconds ();

  s->wall_start = s->last_progress = g_get_monotonic_time ();
  s->rss_start = current_rss ();
  s->result = g_new0 (SimResult, 1);
  srp_rng_init (&s->rng, config->seed ^ 0x776f726b6c6f6164ULL);
  srp_topic_id_from_name (TOPIC_NAME, &s->topic);
  s->online = g_ptr_array_new ();
  s->bootstraps = g_ptr_array_new ();
  s->survival = g_ptr_array_new_with_free_func (g_free);
  s->probes = g_ptr_array_new ();
  plan (s);
  s->metrics = sim_metrics_new (s->window);
  sim_world_config_init (&wc);
  wc.seed = config->seed;
  wc.loss = config->loss / 100.0;
  wc.latency.fixed_us = (gint64) (config->fixed_latency_ms * 1000);
  wc.cgn_customers = config->cgn_customers;
  wc.open_sealed = config->open_sealed;
  wc.core = s->config.core;
  s->world = sim_world_new (&wc);
  sim_world_set_event_func (s->world, sim_workload_on_event, s);
  if (config->find_log != NULL)
    s->find_trace = sim_find_trace_new (s->world);

  s->last_tick = s->start;
  populate (s);
  sim_workload_schedule (s);
  schedule_churn (s);
  sim_world_schedule (s->world, s->start + TICK_US, tick, s);
  sim_world_schedule (s->world, s->start + SWEEP_US, sweep, s);
  sim_world_run_until (s->world, s->end);
  if (s->find_trace != NULL)
    {
      g_autoptr (GError) error = NULL;

      if (!sim_find_trace_write (s->find_trace, config->find_log, &error))
        g_printerr ("srp-simulate: %s\n", error->message);
      g_clear_pointer (&s->find_trace, sim_find_trace_free);
    }
  progress (s, TRUE);
  collect (s);
  s->result->wall_s = (double) (g_get_monotonic_time () - s->wall_start) / SECOND;
  s->result->cpu_s = cpu_seconds () - cpu_start;
  s->result->peak_rss_bytes = peak_rss ();

  for (guint i = 0; i < s->online->len; i++)
    g_free (g_ptr_array_index (s->online, i));
  for (guint i = 0; i < s->bootstraps->len; i++)
    g_free (g_ptr_array_index (s->bootstraps, i));
  sim_workload_clear (s);
  g_ptr_array_unref (s->probes);
  g_ptr_array_unref (s->online);
  g_ptr_array_unref (s->bootstraps);
  g_ptr_array_unref (s->survival);
  sim_world_free (s->world);
  sim_metrics_free (s->metrics);
  return s->result;
}

void
sim_result_free (SimResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->probe_times, g_array_unref);
  g_free (result->trace_hash);
  g_free (result);
}
