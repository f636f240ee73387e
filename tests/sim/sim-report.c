/* sim-report.c: JSON and text output of srp-simulate.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sim-report.h"

#include <math.h>

#include "sim-json.h"

static const char *
frame_name (guint kind)
{
  switch (kind)
    {
    case SRP_FRAME_PACKET:
      return "packet";
    case SRP_FRAME_PACKET_SENT_TO:
      return "packet_sent_to";
    case SRP_FRAME_PING:
      return "ping";
    case SRP_FRAME_PONG:
      return "pong";
    case SRP_FRAME_HELLO:
      return "hello";
    case SRP_FRAME_HELLO_REPLY:
      return "hello_reply";
    case SRP_FRAME_HELLO_DONE:
      return "hello_done";
    case SRP_FRAME_PEERS_REQUEST:
      return "peers_request";
    case SRP_FRAME_PEERS:
      return "peers";
    case SRP_FRAME_PROBE_REQUEST:
      return "probe_request";
    case SRP_FRAME_PROBE:
      return "probe";
    case SRP_FRAME_BUSY:
      return "busy";
    case SRP_FRAME_GOODBYE:
      return "goodbye";
    case SRP_FRAME_SUBSCRIPTIONS:
      return "subscriptions";
    case SRP_FRAME_ACK:
      return "ack";
    case SRP_FRAME_QUERY:
      return "query";
    case SRP_FRAME_SYNC:
      return "sync";
    case SRP_FRAME_INFO:
      return "info";
    case SRP_FRAME_CONNECT:
      return "connect";
    case SRP_FRAME_INTRODUCE:
      return "introduce";
    case SRP_FRAME_PUNCH:
      return "punch";
    case SRP_FRAME_RELAY:
      return "relay";
    case SRP_FRAME_RELAYED:
      return "relayed";
    case SRP_FRAME_FIND:
      return "find";
    case SRP_FRAME_FOUND:
      return "found";
    case SRP_FRAME_REGISTER:
      return "register";
    case SRP_FRAME_SEALED_QUERY:
      return "sealed_query";
    case SRP_FRAME_SEALED_ANSWER:
      return "sealed_answer";
    default:
      return NULL;
    }
}

static void
json_config (SimJson *j, const SimScenarioConfig *c)
{
  sim_json_begin_object (j, "config");
  sim_json_double (j, "minutes", c->minutes);
  sim_json_double (j, "loss", c->loss);
  sim_json_double (j, "hard_nat", c->hard_nat);
  sim_json_begin_object (j, "mix");
  for (guint a = 0; a < SIM_N_ACCESS; a++)
    if (a != SIM_ACCESS_SYMMETRIC)
      sim_json_double (j, sim_access_name (a), c->mix[a]);
  sim_json_end_object (j);
  sim_json_double (j, "subscribers", c->subscribers);
  sim_json_double (j, "churn", c->churn);
  sim_json_double (j, "goodbye", c->goodbye);
  sim_json_uint (j, "publish", c->publish);
  sim_json_begin_array (j, "sizes");
  for (guint i = 0; i < c->n_sizes; i++)
    sim_json_uint (j, NULL, c->sizes[i]);
  sim_json_end_array (j);
  sim_json_double (j, "publish_every_s", c->publish_every_s);
  sim_json_double (j, "survival_hours", c->survival_hours);
  sim_json_double (j, "probe_wait_s", c->probe_wait_s);
  sim_json_uint (j, "finds", c->finds);
  sim_json_uint (j, "bootstraps", c->bootstraps);
  sim_json_double (j, "fixed_latency_ms", c->fixed_latency_ms);
  sim_json_uint (j, "cgn_customers", c->cgn_customers);
  sim_json_begin_object (j, "core");
  sim_json_uint (j, "remembered_ids", c->core.remembered_ids);
  sim_json_uint (j, "peer_capacity", c->core.peer_capacity);
  sim_json_uint (j, "target_connections", c->core.target_connections);
  sim_json_uint (j, "cache_budget", c->core.cache_budget);
  sim_json_uint (j, "reassembly_max_bytes", c->core.reassembly_max_bytes);
  sim_json_double (j, "cache_ttl_s", (double) c->core.cache_ttl_us / G_USEC_PER_SEC);
  sim_json_double (j, "sync_s", (double) c->core.sync_us / G_USEC_PER_SEC);
  sim_json_double (j, "heartbeat_s", (double) c->core.heartbeat_us / G_USEC_PER_SEC);
  sim_json_uint (j, "fanout", c->core.fanout);
  sim_json_end_object (j);
  sim_json_end_object (j);
}

/* An object of the counters that are not zero, named by frame kind. */
static void
json_by_kind (SimJson *j, const char *key, const guint64 counts[256])
{
  sim_json_begin_object (j, key);
  for (guint k = 0; k < 256; k++)
    if (counts[k] > 0)
      {
        char other[16];

        g_snprintf (other, sizeof other, "0x%02x", k);
        sim_json_uint (j, frame_name (k) != NULL ? frame_name (k) : other, counts[k]);
      }
  sim_json_end_object (j);
}

static void
json_counts (SimJson *j, const SimResult *r)
{
  json_by_kind (j, "datagrams_by_kind", r->by_kind);
  json_by_kind (j, "filtered_by_kind", r->net.filtered_by_kind);
  if (r->config.open_sealed)
    json_by_kind (j, "sealed_by_kind", r->sealed_by_kind);
  sim_json_begin_object (j, "packets");
  for (guint i = 0; i < SIM_N_PACKET_PATHS; i++)
    sim_json_uint (j, sim_packet_path_names[i], r->packet_paths[i]);
  sim_json_end_object (j);
  sim_json_begin_object (j, "drops");
  for (guint d = 1; d < SRP_DROP_N_REASONS; d++)
    if (r->drops[d] > 0)
      sim_json_uint (j, srp_drop_reason_name (d), r->drops[d]);
  sim_json_end_object (j);
  sim_json_begin_object (j, "lost");
  for (guint l = 0; l < SIM_N_LOST; l++)
    sim_json_uint (j, sim_lost_name (l), r->net.lost[l]);
  sim_json_end_object (j);
  sim_json_begin_object (j, "access_online");
  for (guint a = 0; a < SIM_N_ACCESS; a++)
    sim_json_uint (j, sim_access_name (a), r->access_online[a]);
  sim_json_end_object (j);
  /* What each kind's cores concluded about their NAT, at the end. */
  sim_json_begin_object (j, "nat_classification");
  for (guint a = 0; a < SIM_N_ACCESS; a++)
    {
      sim_json_begin_object (j, sim_access_name (a));
      for (guint n = 0; n < SRP_NAT_N_TYPES; n++)
        if (r->nat_seen[a][n] > 0)
          sim_json_uint (j, srp_nat_name (n), r->nat_seen[a][n]);
      sim_json_end_object (j);
    }
  sim_json_end_object (j);
}

void
sim_report_json (const SimResult *r, GString *out)
{
  const SimSummary *s = &r->summary;
  SimJson j;

  sim_json_init (&j, out);
  sim_json_begin_object (&j, NULL);
  /* The stable keys first, in the order. */
  sim_json_uint (&j, "peers", r->config.peers);
  sim_json_double (&j, "virtual_s", r->virtual_s);
  sim_json_double (&j, "wall_s", r->wall_s);
  sim_json_uint (&j, "peak_rss_bytes", r->peak_rss_bytes);
  sim_json_uint (&j, "datagrams", r->datagrams);
  sim_json_double (&j, "idle_datagrams_per_peer_s", s->idle_datagrams_per_peer_s);
  sim_json_double (&j, "t50_s", s->t_mean[0]);
  sim_json_double (&j, "t90_s", s->t_mean[1]);
  sim_json_double (&j, "t99_s", s->t_mean[2]);
  sim_json_double (&j, "t100_s", s->t_mean[3]);
  sim_json_double (&j, "reached_share", s->reached_share);
  sim_json_double (&j, "reached_share_at_2_5s", s->reached_share_at_2_5s);
  sim_json_double (&j, "datagrams_per_copy", s->datagrams_per_copy);
  sim_json_double (&j, "find_success", s->find_success);
  sim_json_double (&j, "find_p99_s", s->find_p99_s);
  if (r->config.survival_hours > 0 && s->probes > 0)
    sim_json_bool (&j, "survived", s->last_probe_got);
  else
    sim_json_null (&j, "survived");

  sim_json_uint (&j, "seed", r->config.seed);
  sim_json_double (&j, "cpu_s", r->cpu_s);
  sim_json_string (&j, "trace_hash", r->trace_hash);
  sim_json_uint (&j, "bytes", r->bytes);
  sim_json_double (&j, "idle_bytes_per_peer_s", s->idle_bytes_per_peer_s);
  sim_json_double (&j, "warmup_s", r->warmup_s);
  sim_json_double (&j, "window_s", r->config.window_s);
  sim_json_uint (&j, "messages", s->n_messages);
  sim_json_uint (&j, "messages_t50", s->t_n[0]);
  sim_json_uint (&j, "messages_t90", s->t_n[1]);
  sim_json_uint (&j, "messages_t99", s->t_n[2]);
  sim_json_uint (&j, "messages_complete", s->t_n[3]);
  sim_json_uint (&j, "subscribers_counted", s->counted);
  sim_json_uint (&j, "subscribers_reached", s->reached);
  sim_json_uint (&j, "subscribers_excluded", s->excluded);
  sim_json_uint (&j, "copies", s->copies);
  sim_json_uint (&j, "busy_datagrams", s->busy_datagrams);
  sim_json_uint (&j, "idle_datagrams", s->idle_datagrams);
  sim_json_double (&j, "extra_datagrams_per_copy", s->extra_datagrams_per_copy);
  sim_json_uint (&j, "finds", s->finds);
  sim_json_uint (&j, "finds_ok", s->finds_ok);
  sim_json_uint (&j, "finds_excluded", s->finds_excluded);
  sim_json_uint (&j, "finds_relayed", s->finds_relayed);
  sim_json_double (&j, "find_within_2s", s->find_within_2s);
  sim_json_double (&j, "find_p50_s", s->find_p50_s);
  sim_json_uint (&j, "survival_probes_got", s->probes_got);
  sim_json_begin_array (&j, "survival_probes");
  for (guint i = 0; r->probe_times != NULL && i + 1 < r->probe_times->len; i += 2)
    {
      gint64 at = g_array_index (r->probe_times, gint64, i);
      gint64 delay = g_array_index (r->probe_times, gint64, i + 1);

      sim_json_begin_object (&j, NULL);
      sim_json_double (&j, "at_h",
                       (double) (at - SIM_WORLD_START_US) / G_USEC_PER_SEC / 3600 -
                           r->warmup_s / 3600);
      sim_json_double (&j, "delay_s", delay >= 0 ? (double) delay / G_USEC_PER_SEC : NAN);
      sim_json_end_object (&j);
    }
  sim_json_end_array (&j);
  sim_json_double (&j, "rss_per_peer_bytes", r->rss_per_peer_end);
  sim_json_double (&j, "rss_per_peer_warm_bytes", r->rss_per_peer_warm);
  sim_json_uint (&j, "nodes_created", r->nodes_created);
  sim_json_uint (&j, "joins", r->joins);
  sim_json_uint (&j, "leaves", r->leaves);
  sim_json_uint (&j, "goodbyes", r->goodbyes);
  sim_json_uint (&j, "publishes", r->publishes);
  sim_json_uint (&j, "online_end", r->online_end);
  sim_json_double (&j, "connected_mean", r->connected_mean);
  sim_json_uint (&j, "delivered", r->net.delivered);
  sim_json_uint (&j, "nat_mappings", r->nat_mappings);
  sim_json_uint (&j, "nat_permissions", r->nat_permissions);
  json_counts (&j, r);
  json_config (&j, &r->config);
  sim_json_end_object (&j);
}

static void
share (GString *out, const char *label, double value)
{
  if (isnan (value))
    g_string_append_printf (out, "  %-34s -\n", label);
  else
    g_string_append_printf (out, "  %-34s %.2f %%\n", label, 100 * value);
}

static void
seconds (GString *out, const char *label, double value, guint n, guint of)
{
  if (isnan (value))
    g_string_append_printf (out, "  %-34s - (no message got there)\n", label);
  else
    g_string_append_printf (out, "  %-34s %.3f s (%u of %u messages)\n", label, value, n, of);
}

char *
sim_report_describe (const SimResult *r)
{
  const SimScenarioConfig *c = &r->config;

  return g_strdup_printf ("%u peers, %.0f %% hard NAT, %.0f %% subscribers, %.0f %% churn over "
                          "%.0f min, %.0f %% loss, %u messages, seed %" G_GUINT64_FORMAT,
                          c->peers, c->hard_nat, c->subscribers, c->churn, c->minutes, c->loss,
                          r->summary.n_messages, c->seed);
}

void
sim_report_text (const SimResult *r, GString *out)
{
  const SimSummary *s = &r->summary;
  g_autofree char *what = sim_report_describe (r);

  g_string_append_printf (out, "srp-simulate: %s\n", what);
  g_string_append_printf (out, "  %-34s %.0f s virtual (%.0f s warm-up), %.1f s wall, %.1f s CPU\n",
                          "time", r->virtual_s, r->warmup_s, r->wall_s, r->cpu_s);
  g_string_append_printf (out, "  %-34s %.0f MiB peak, %.1f KiB per peer\n", "memory",
                          (double) r->peak_rss_bytes / (1 << 20), r->rss_per_peer_end / 1024);
  g_string_append_printf (out,
                          "  %-34s %u online at the end (%" G_GUINT64_FORMAT
                          " joined, %" G_GUINT64_FORMAT " left), %.1f connections each\n",
                          "peers", r->online_end, r->joins, r->leaves, r->connected_mean);
  g_string_append_printf (
      out, "  %-34s %" G_GUINT64_FORMAT " (%.1f MB), %.2f per peer per idle s\n", "datagrams",
      r->datagrams, (double) r->bytes / 1e6, s->idle_datagrams_per_peer_s);
  g_string_append_printf (out,
                          "  %-34s %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                          " subscriber copies (%" G_GUINT64_FORMAT " left first)\n",
                          "delivery", s->reached, s->counted, s->excluded);
  share (out, "reached", s->reached_share);
  share (out, "reached within 2.5 s", s->reached_share_at_2_5s);
  seconds (out, "t50 (mean over messages)", s->t_mean[0], s->t_n[0], s->n_messages);
  seconds (out, "t90", s->t_mean[1], s->t_n[1], s->n_messages);
  seconds (out, "t99", s->t_mean[2], s->t_n[2], s->n_messages);
  seconds (out, "t100", s->t_mean[3], s->t_n[3], s->n_messages);
  g_string_append_printf (out, "  %-34s %.2f (%.2f above idle traffic)\n", "datagrams per copy",
                          s->datagrams_per_copy, s->extra_datagrams_per_copy);
  g_string_append_printf (out, "  %-34s %u of %u counted (%u excluded), %u relayed\n",
                          "finds by ID", s->finds_ok, s->finds - s->finds_excluded,
                          s->finds_excluded, s->finds_relayed);
  share (out, "find success", s->find_success);
  share (out, "found within 2 s", s->find_within_2s);
  if (!isnan (s->find_p99_s))
    g_string_append_printf (out, "  %-34s %.3f s (p50 %.3f s)\n", "find p99 (successful)",
                            s->find_p99_s, s->find_p50_s);
  if (r->config.survival_hours > 0)
    g_string_append_printf (out, "  %-34s %s (%u of %u probes got it)\n", "survived",
                            s->last_probe_got ? "yes" : "no", s->probes_got, s->probes);
  g_string_append_printf (out, "  %-34s %s\n", "trace hash", r->trace_hash);
}
