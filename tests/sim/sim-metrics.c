/* sim-metrics.c: delivery times, find results, traffic and probes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sim-metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  SrpId id;
  gint64 at;
  guint n_packets;
  guint n;         /* counted subscribers */
  guint *ordinals; /* sorted */
  gint64 *delays;  /* per ordinal, -1 until reached */
} Message;

typedef struct {
  guint initiator, target;
  guint64 request;
  gint64 started;
  gint64 elapsed; /* -1 until the result */
  gboolean ok;
  guint8 path;
} Find;

typedef struct {
  gint64 at, delay;
} Probe;

struct _SimMetrics {
  gint64 window;
  GPtrArray *messages; /* Message* */
  GHashTable *by_id;   /* SrpId* (in the message) -> Message */
  GArray *left_at;     /* gint64 per ordinal, -1 while online */
  GArray *finds;       /* Find */
  GHashTable *pending; /* guint64 (initiator << 32 | request) -> index + 1 */
  GArray *probes;      /* Probe */
  guint64 busy_datagrams, idle_datagrams, idle_bytes;
  double busy_peer_seconds, idle_peer_seconds;
};

static void
message_free (gpointer data)
{
  Message *m = data;

  g_free (m->ordinals);
  g_free (m->delays);
  g_free (m);
}

SimMetrics *
sim_metrics_new (gint64 window_us)
{
  SimMetrics *metrics = g_new0 (SimMetrics, 1);

  metrics->window = window_us;
  metrics->messages = g_ptr_array_new_with_free_func (message_free);
  metrics->by_id = g_hash_table_new (srp_id_hash_func, srp_id_equal_func);
  metrics->left_at = g_array_new (FALSE, FALSE, sizeof (gint64));
  metrics->finds = g_array_new (FALSE, FALSE, sizeof (Find));
  metrics->pending = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  metrics->probes = g_array_new (FALSE, FALSE, sizeof (Probe));
  return metrics;
}

void
sim_metrics_free (SimMetrics *metrics)
{
  if (metrics == NULL)
    return;
  g_hash_table_unref (metrics->by_id);
  g_ptr_array_unref (metrics->messages);
  g_array_unref (metrics->left_at);
  g_array_unref (metrics->finds);
  g_hash_table_unref (metrics->pending);
  g_array_unref (metrics->probes);
  g_free (metrics);
}

static gint64
left_at (SimMetrics *metrics, guint ordinal)
{
  return ordinal < metrics->left_at->len ? g_array_index (metrics->left_at, gint64, ordinal) : -1;
}

void
sim_metrics_node_left (SimMetrics *metrics, guint ordinal, gint64 now)
{
  while (metrics->left_at->len <= ordinal)
    {
      gint64 online = -1;
      g_array_append_val (metrics->left_at, online);
    }
  g_array_index (metrics->left_at, gint64, ordinal) = now;
}

static int
compare_uint (const void *a, const void *b)
{
  guint x = *(const guint *) a, y = *(const guint *) b;
  return x < y ? -1 : x > y;
}

void
sim_metrics_published (SimMetrics *metrics, const SrpId *message_id, guint n_packets, gint64 now,
                       const guint *eligible, guint n_eligible)
{
  Message *m = g_new0 (Message, 1);

  m->id = *message_id;
  m->at = now;
  m->n_packets = n_packets;
  m->n = n_eligible;
  m->ordinals = g_memdup2 (eligible, sizeof (guint) * MAX (n_eligible, 1));
  qsort (m->ordinals, n_eligible, sizeof (guint), compare_uint);
  m->delays = g_new (gint64, MAX (n_eligible, 1));
  for (guint i = 0; i < n_eligible; i++)
    m->delays[i] = -1;
  g_ptr_array_add (metrics->messages, m);
  g_hash_table_insert (metrics->by_id, &m->id, m);
}

void
sim_metrics_received (SimMetrics *metrics, const SrpId *message_id, guint ordinal, gint64 now)
{
  Message *m = g_hash_table_lookup (metrics->by_id, message_id);
  const guint *found;

  if (m == NULL)
    return;
  found = bsearch (&ordinal, m->ordinals, m->n, sizeof (guint), compare_uint);
  if (found != NULL && m->delays[found - m->ordinals] < 0)
    m->delays[found - m->ordinals] = now - m->at;
}

static guint64
find_key (guint initiator, guint64 request)
{
  return (guint64) initiator << 32 | (request & 0xffffffffu);
}

void
sim_metrics_find_started (SimMetrics *metrics, guint initiator, guint64 request, guint target,
                          gint64 now)
{
  Find find = {
    .initiator = initiator, .target = target, .request = request, .started = now, .elapsed = -1
  };
  guint64 *key = g_new (guint64, 1);

  *key = find_key (initiator, request);
  g_array_append_val (metrics->finds, find);
  g_hash_table_replace (metrics->pending, key, GUINT_TO_POINTER (metrics->finds->len));
}

void
sim_metrics_find_result (SimMetrics *metrics, guint initiator, guint64 request, gboolean ok,
                         guint8 path, gint64 elapsed_us)
{
  guint64 key = find_key (initiator, request);
  guint index = GPOINTER_TO_UINT (g_hash_table_lookup (metrics->pending, &key));
  Find *find;

  if (index == 0)
    return; /* a connect the scenario did not count */
  find = &g_array_index (metrics->finds, Find, index - 1);
  find->ok = ok;
  find->path = path;
  find->elapsed = elapsed_us;
  g_hash_table_remove (metrics->pending, &key);
}

void
sim_metrics_traffic (SimMetrics *metrics, gint64 from, gint64 to, guint64 datagrams, guint64 bytes,
                     guint online)
{
  gboolean busy = FALSE;
  double peer_seconds = (double) online * (double) (to - from) / G_USEC_PER_SEC;

  /* Messages are published in time order: look back from the latest. */
  for (guint i = metrics->messages->len; i > 0 && !busy; i--)
    {
      const Message *m = g_ptr_array_index (metrics->messages, i - 1);

      if (m->at + metrics->window <= from)
        break;
      busy = m->at < to;
    }
  if (busy)
    {
      metrics->busy_datagrams += datagrams;
      metrics->busy_peer_seconds += peer_seconds;
    }
  else
    {
      metrics->idle_datagrams += datagrams;
      metrics->idle_bytes += bytes;
      metrics->idle_peer_seconds += peer_seconds;
    }
}

void
sim_metrics_probe (SimMetrics *metrics, gint64 at, gint64 delay_us)
{
  Probe probe = { .at = at, .delay = delay_us };

  g_array_append_val (metrics->probes, probe);
}

guint
sim_metrics_get_probe (SimMetrics *metrics, guint i, gint64 *at, gint64 *delay_us)
{
  if (i < metrics->probes->len)
    {
      *at = g_array_index (metrics->probes, Probe, i).at;
      *delay_us = g_array_index (metrics->probes, Probe, i).delay;
    }
  return metrics->probes->len;
}

static int
compare_i64 (const void *a, const void *b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

static void
summarize_messages (SimMetrics *metrics, SimSummary *out, GArray *pooled)
{
  static const double quantiles[4] = { 0.5, 0.9, 0.99, 1.0 };
  double sums[4] = { 0 };
  g_autoptr (GArray) delays = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = 0; i < metrics->messages->len; i++)
    {
      const Message *m = g_ptr_array_index (metrics->messages, i);
      guint counted = 0;

      g_array_set_size (delays, 0);
      for (guint k = 0; k < m->n; k++)
        {
          gint64 d = m->delays[k], gone = left_at (metrics, m->ordinals[k]);
          gboolean reached = d >= 0 && d <= metrics->window;

          if (!reached && gone >= 0 && gone < m->at + metrics->window)
            {
              out->excluded++;
              continue;
            }
          counted++;
          if (reached)
            {
              g_array_append_val (delays, d);
              g_array_append_val (pooled, d);
              out->copies += m->n_packets;
              if (d <= 2500 * G_TIME_SPAN_MILLISECOND)
                out->reached_at_2_5s++;
            }
        }
      out->counted += counted;
      out->reached += delays->len;
      g_array_sort (delays, compare_i64);
      for (guint q = 0; q < 4 && counted > 0; q++)
        {
          /* The first time at least that share of the counted had it. */
          guint need = MAX ((guint) ceil (quantiles[q] * counted - 1e-9), 1);

          if (need <= delays->len)
            {
              sums[q] += (double) g_array_index (delays, gint64, need - 1) / G_USEC_PER_SEC;
              out->t_n[q]++;
            }
        }
    }
  for (guint q = 0; q < 4; q++)
    out->t_mean[q] = out->t_n[q] > 0 ? sums[q] / out->t_n[q] : NAN;
  out->reached_share = out->counted > 0 ? (double) out->reached / out->counted : NAN;
  out->reached_share_at_2_5s =
      out->counted > 0 ? (double) out->reached_at_2_5s / out->counted : NAN;
}

static void
summarize_curve (SimMetrics *metrics, SimSummary *out, GArray *pooled)
{
  double first = 0.01, last = MAX ((double) metrics->window / G_USEC_PER_SEC, 0.02);
  guint k = 0;

  g_array_sort (pooled, compare_i64);
  for (guint i = 0; i < SIM_CURVE_POINTS; i++)
    {
      double t = first * pow (last / first, (double) i / (SIM_CURVE_POINTS - 1));

      while (k < pooled->len && (double) g_array_index (pooled, gint64, k) / G_USEC_PER_SEC <= t)
        k++;
      out->curve_t[i] = t;
      out->curve_share[i] = out->counted > 0 ? (double) k / out->counted : 0.0;
    }
}

static void
summarize_finds (SimMetrics *metrics, SimSummary *out)
{
  g_autoptr (GArray) times = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = 0; i < metrics->finds->len; i++)
    {
      const Find *f = &g_array_index (metrics->finds, Find, i);
      gint64 end = f->elapsed >= 0 ? f->started + f->elapsed : G_MAXINT64;
      gint64 gone_a = left_at (metrics, f->initiator), gone_b = left_at (metrics, f->target);

      out->finds++;
      /* No answer by the end, or a side left first: not a fair trial. */
      if (f->elapsed < 0 || (gone_a >= 0 && gone_a < end) || (gone_b >= 0 && gone_b < end))
        {
          out->finds_excluded++;
          continue;
        }
      if (!f->ok)
        continue;
      out->finds_ok++;
      if (f->path == SRP_CORE_PATH_RELAYED)
        out->finds_relayed++;
      if (f->elapsed <= 2 * G_TIME_SPAN_SECOND)
        out->finds_within_2s++;
      g_array_append_val (times, f->elapsed);
    }
  g_array_sort (times, compare_i64);
  {
    guint counted = out->finds - out->finds_excluded;

    out->find_success = counted > 0 ? (double) out->finds_ok / counted : NAN;
    out->find_within_2s = counted > 0 ? (double) out->finds_within_2s / counted : NAN;
  }
  out->find_p50_s = out->find_p99_s = NAN;
  if (times->len > 0)
    {
      guint p50 = MAX ((guint) ceil (0.5 * times->len), 1);
      guint p99 = MAX ((guint) ceil (0.99 * times->len), 1);

      out->find_p50_s = (double) g_array_index (times, gint64, p50 - 1) / G_USEC_PER_SEC;
      out->find_p99_s = (double) g_array_index (times, gint64, p99 - 1) / G_USEC_PER_SEC;
    }
}

void
sim_metrics_summarize (SimMetrics *metrics, SimSummary *out)
{
  g_autoptr (GArray) pooled = g_array_new (FALSE, FALSE, sizeof (gint64));

  memset (out, 0, sizeof *out);
  out->n_messages = metrics->messages->len;
  summarize_messages (metrics, out, pooled);
  summarize_curve (metrics, out, pooled);
  summarize_finds (metrics, out);

  out->busy_datagrams = metrics->busy_datagrams;
  out->idle_datagrams = metrics->idle_datagrams;
  out->idle_bytes = metrics->idle_bytes;
  out->busy_peer_seconds = metrics->busy_peer_seconds;
  out->idle_peer_seconds = metrics->idle_peer_seconds;
  out->idle_datagrams_per_peer_s =
      metrics->idle_peer_seconds > 0 ? metrics->idle_datagrams / metrics->idle_peer_seconds : NAN;
  out->idle_bytes_per_peer_s =
      metrics->idle_peer_seconds > 0 ? metrics->idle_bytes / metrics->idle_peer_seconds : NAN;
  out->datagrams_per_copy = out->copies > 0 ? (double) metrics->busy_datagrams / out->copies : NAN;
  out->extra_datagrams_per_copy = NAN;
  if (out->copies > 0 && !isnan (out->idle_datagrams_per_peer_s))
    out->extra_datagrams_per_copy = ((double) metrics->busy_datagrams -
                                     out->idle_datagrams_per_peer_s * metrics->busy_peer_seconds) /
                                    out->copies;

  out->last_probe_at = -1;
  for (guint i = 0; i < metrics->probes->len; i++)
    {
      const Probe *p = &g_array_index (metrics->probes, Probe, i);

      out->probes++;
      if (p->delay >= 0)
        out->probes_got++;
      out->last_probe_at = p->at;
      out->last_probe_got = p->delay >= 0;
    }
}
