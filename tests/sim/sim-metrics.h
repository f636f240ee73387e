/* sim-metrics.h: what srp-simulate measures, and the figures it reports.
 *
 * Delivery: each published message is measured against the subscribers
 * that were online when it was published (the publisher aside). One that
 * left before the message reached it, within the window, is not counted
 * (it could not have been reached); every other one is, reached or not.
 * tN_s is the time until N % of the counted subscribers had it, averaged
 * over the messages that reached N % within the window.
 *
 * Traffic: the datagrams of every second after the warm-up are "busy" when
 * a message's window overlaps it and "idle" otherwise.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-core.h"

G_BEGIN_DECLS

typedef struct _SimMetrics SimMetrics;

SimMetrics *sim_metrics_new (gint64 window_us);
void sim_metrics_free (SimMetrics *metrics);

/* Nodes, by ordinal (sim_node_get_ordinal); left_at for the exclusions. */
void sim_metrics_node_left (SimMetrics *metrics, guint ordinal, gint64 now);

/* eligible: the ordinals of the counted subscribers. */
void sim_metrics_published (SimMetrics *metrics, const SrpId *message_id, guint n_packets,
                            gint64 now, const guint *eligible, guint n_eligible);
void sim_metrics_received (SimMetrics *metrics, const SrpId *message_id, guint ordinal, gint64 now);

/* Finds (srp_core_connect to a peer ID): counted unless either side left
 * before the result. */
void sim_metrics_find_started (SimMetrics *metrics, guint initiator, guint64 request, guint target,
                               gint64 now);
void sim_metrics_find_result (SimMetrics *metrics, guint initiator, guint64 request, gboolean ok,
                              guint8 path, gint64 elapsed_us);

/* A second (or so) of traffic: datagrams (and their bytes) sent in
 * [from, to) by the peers online. */
void sim_metrics_traffic (SimMetrics *metrics, gint64 from, gint64 to, guint64 datagrams,
                          guint64 bytes, guint online);

/* A survival probe: a new subscriber joined at `at` and got the message
 * after delay_us (-1: not within its wait). */
void sim_metrics_probe (SimMetrics *metrics, gint64 at, gint64 delay_us);

#define SIM_CURVE_POINTS 240

typedef struct {
  guint n_messages;
  guint64 counted, reached, excluded, reached_at_2_5s;
  double t_mean[4]; /* t50, t90, t99, t100 (s); NAN when no message got there */
  guint t_n[4];     /* messages that got there */
  double reached_share, reached_share_at_2_5s;
  guint64 copies; /* packets x subscribers reached */
  guint64 busy_datagrams, idle_datagrams, idle_bytes;
  double busy_peer_seconds, idle_peer_seconds;
  double datagrams_per_copy;       /* busy datagrams / copies */
  double extra_datagrams_per_copy; /* the same less the idle rate over the busy time */
  double idle_datagrams_per_peer_s, idle_bytes_per_peer_s;
  guint finds, finds_ok, finds_excluded, finds_within_2s, finds_relayed;
  double find_success, find_within_2s, find_p50_s, find_p99_s; /* p: of the successful */
  guint probes, probes_got;
  gint64 last_probe_at; /* -1 without probes */
  gboolean last_probe_got;
  /* Share of counted subscribers reached by time t after publishing,
   * all messages pooled, at log-spaced t from 10 ms to the window. */
  double curve_t[SIM_CURVE_POINTS], curve_share[SIM_CURVE_POINTS];
} SimSummary;

void sim_metrics_summarize (SimMetrics *metrics, SimSummary *out);
/* For JSON: the probes, as (at, delay) pairs in order. */
guint sim_metrics_get_probe (SimMetrics *metrics, guint i, gint64 *at, gint64 *delay_us);

G_END_DECLS
