/* bench-flood.c: a publisher floods 1 KiB messages on a topic to one and to
 * three subscribers on loopback, all through the public API, against two
 * plain UDP sockets measured in the same run (bench-raw-udp.c).
 *
 * Every peer runs in its own thread with its own GMainContext, as an
 * application with one peer per process would: the publisher and a
 * subscriber then use the two CPUs the way the raw sender and receiver
 * threads do, and each thread's CPU clock tells what its peer cost. (One
 * context for all would add the publisher's and the subscribers' costs
 * into one rate and hide which side is slow.)
 *
 * For each number of subscribers and each offered rate (messages/s, "max":
 * as fast as the publisher goes), it floods for SECONDS and prints:
 *   delivered/s  per subscriber, counted until deliveries pause after the
 *                flood, and the ratio of all subscribers' sum to raw UDP's
 *                datagrams/s (recvmmsg)
 *   share        of the messages published that every subscriber got, by
 *                the end of the wait
 *   repaired     how long after the flood stopped every message had
 *                arrived everywhere, or "> REPAIR s"
 *   sub µs       subscriber thread CPU per message it delivered (a 1 KiB
 *                message is one datagram; the ACKs and relays it causes
 *                count too), against a raw recvfrom
 *   pub µs       publisher thread CPU per datagram published (message ×
 *                min (fanout 3, subscribers)), ACKs it handles included,
 *                against a raw sendto
 *   drop p, s    datagrams the kernel dropped for a full receive buffer at
 *                the publisher's and the subscribers' main sockets
 *                (/proc/net/udp; the publisher's are ACKs and relayed copies)
 * Each round measures raw UDP again; with --repeat N the last table holds
 * the medians of the N rounds (ratios are taken within a round first).
 *
 *   _build-release/bench/bench-flood [--seconds S] [--repair S] [--repeat N]
 *                                    [--rates 50000,100000,max] [--subscribers 1,3]
 *                                    [--anonymous] [--size BYTES]
 *
 * Messages are signed by their author (the default of SrpTopic); with
 * --anonymous they go without (one packet each, as before authors).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _GNU_SOURCE
#include <libsrp/srp.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "bench-raw-udp.h"

#define MESSAGE_LEN_MAX 1024
#define TOPIC "bench-flood"
#define MAX_SUBSCRIBERS 8
#define FANOUT 3
/* Messages published per dispatch: paced, at most (the rest waits for the
 * next millisecond); unpaced, always. Other sources run in between. */
#define PACED_BURST 256
#define UNPACED_BURST 32
/* The run tag of warm-up messages, never a round's. */
#define WARMUP_TAG G_MAXUINT32
#define SETUP_TIMEOUT_US (10 * G_USEC_PER_SEC)
/* Deliveries that pause this long after the flood end its throughput. */
#define DRAIN_PAUSE_US (100 * 1000)

typedef struct {
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  SrpPeer *peer;
  SrpTopic *topic;
  clockid_t cpu_clock;
  guint16 bootstrap_port; /* 0 for the publisher */
  guint16 port;
  GMutex lock;
  GCond cond;
  gboolean ready;
  atomic_int n_connected;

  /* A subscriber's deliveries of this run's messages, by sequence number. */
  guint32 tag;
  guint8 *seen;
  guint32 max_seq;
  atomic_uint delivered;
  atomic_uint warm;
  atomic_llong last_delivery_us;
} Node;

typedef struct {
  Node *node;
  guint32 tag;
  double rate; /* messages/s; 0: unpaced */
  gint64 duration_us; /* unpaced: how long */
  gint64 start_us, end_us;
  guint32 total; /* paced: the number to publish */
  guint32 published;
  guint errors;
  gint64 finished_us;
  atomic_bool done;
} Flood;

typedef struct {
  double offered;      /* messages/s the publisher managed */
  double per_sub;      /* delivered/s, mean over subscribers */
  double ratio;        /* all subscribers' delivered/s over raw UDP's */
  double share;
  double repair_ms;    /* INFINITY: not within the wait */
  double sub_cpu_us, sub_ratio;
  double pub_cpu_us, pub_ratio;
  double pub_drops;    /* datagrams the kernel dropped at the publisher's main socket */
  double sub_drops;    /* ... and at the subscribers' (summed); -1: unknown */
} Result;

typedef struct {
  double seconds, repair;
  int repeat;
  char *rates, *subscribers;
} Options;

/* --anonymous: publish without an author (TYPE 01, no signature); by
 * default every message is signed, its 97-byte envelope making a 1 KiB
 * message two packets. */
static gboolean anonymous;
/* --size: the messages' length (1,024 by default; at most that, so that
 * raw UDP's datagrams stay comparable). */
static gint message_len = MESSAGE_LEN_MAX;

/* Runs func (data) in node's thread and waits for it. */
typedef struct {
  GSourceFunc func;
  gpointer data;
  gboolean done;
  GMutex lock;
  GCond cond;
} Call;

static gboolean
call_dispatch (gpointer data)
{
  Call *call = data;

  call->func (call->data);
  g_mutex_lock (&call->lock);
  call->done = TRUE;
  g_cond_signal (&call->cond);
  g_mutex_unlock (&call->lock);
  return G_SOURCE_REMOVE;
}

static void
node_call (Node *node, GSourceFunc func, gpointer data)
{
  Call call = { func, data, FALSE };

  g_mutex_init (&call.lock);
  g_cond_init (&call.cond);
  g_main_context_invoke (node->context, call_dispatch, &call);
  g_mutex_lock (&call.lock);
  while (!call.done)
    g_cond_wait (&call.cond, &call.lock);
  g_mutex_unlock (&call.lock);
  g_mutex_clear (&call.lock);
  g_cond_clear (&call.cond);
}

static void
fill_message (guint8 message[MESSAGE_LEN_MAX], guint32 tag, guint32 seq)
{
  memset (message, 0xa5, MESSAGE_LEN_MAX);
  memcpy (message, &tag, sizeof tag);
  memcpy (message + sizeof tag, &seq, sizeof seq);
}

static gboolean
publish_one (Node *node, guint32 tag, guint32 seq)
{
  guint8 message[MESSAGE_LEN_MAX];
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *id = NULL;

  fill_message (message, tag, seq);
  bytes = g_bytes_new (message, (gsize) message_len);
  id = srp_topic_publish (node->topic, bytes, &error);
  return id != NULL;
}

static void
on_message (SrpTopic *topic, SrpMessage *message, gpointer user_data)
{
  Node *node = user_data;
  gsize len;
  const guint8 *data = g_bytes_get_data (srp_message_get_data (message), &len);
  guint32 tag, seq;

  if (len != (gsize) message_len)
    return;
  memcpy (&tag, data, sizeof tag);
  memcpy (&seq, data + sizeof tag, sizeof seq);
  if (tag == WARMUP_TAG)
    atomic_fetch_add (&node->warm, 1);
  if (tag != node->tag || seq >= node->max_seq || node->seen[seq])
    return;
  node->seen[seq] = 1;
  atomic_fetch_add (&node->delivered, 1);
  atomic_store (&node->last_delivery_us, g_get_monotonic_time ());
}

static void
on_peer_added (SrpPeer *peer, SrpPeerInfo *info, gpointer user_data)
{
  atomic_fetch_add (&((Node *) user_data)->n_connected, 1);
}

static void
on_peer_removed (SrpPeer *peer, SrpPeerInfo *info, gpointer user_data)
{
  atomic_fetch_sub (&((Node *) user_data)->n_connected, 1);
}

static gpointer
node_main (gpointer data)
{
  Node *node = data;
  g_autoptr (GError) error = NULL;

  g_main_context_push_thread_default (node->context);
  node->cpu_clock = bench_thread_cpu_clock ();
  node->peer = srp_peer_new ();
  node->topic = srp_peer_subscribe (node->peer, TOPIC);
  srp_topic_set_anonymous (node->topic, anonymous);
  g_signal_connect (node->topic, "message", G_CALLBACK (on_message), node);
  g_signal_connect (node->peer, "peer-added", G_CALLBACK (on_peer_added), node);
  g_signal_connect (node->peer, "peer-removed", G_CALLBACK (on_peer_removed), node);
  if ((node->bootstrap_port != 0 &&
       !srp_peer_add_bootstrap (node->peer, "127.0.0.1", node->bootstrap_port, &error)) ||
      !srp_peer_listen (node->peer, "127.0.0.1", 0, &error))
    g_error ("Cannot start a peer: %s", error->message);
  node->port = srp_peer_get_port (node->peer);

  g_mutex_lock (&node->lock);
  node->ready = TRUE;
  g_cond_signal (&node->cond);
  g_mutex_unlock (&node->lock);

  g_main_loop_run (node->loop);

  srp_peer_close (node->peer);
  g_clear_object (&node->topic);
  g_clear_object (&node->peer);
  while (g_main_context_iteration (node->context, FALSE))
    ;
  g_main_context_pop_thread_default (node->context);
  return NULL;
}

static void
node_start (Node *node, const char *name, guint16 bootstrap_port, guint32 tag, guint32 max_seq)
{
  memset (node, 0, sizeof *node);
  node->context = g_main_context_new ();
  node->loop = g_main_loop_new (node->context, FALSE);
  node->bootstrap_port = bootstrap_port;
  node->tag = tag;
  node->max_seq = max_seq;
  node->seen = g_malloc0 (max_seq);
  g_mutex_init (&node->lock);
  g_cond_init (&node->cond);
  node->thread = g_thread_new (name, node_main, node);
  g_mutex_lock (&node->lock);
  while (!node->ready)
    g_cond_wait (&node->cond, &node->lock);
  g_mutex_unlock (&node->lock);
}

/* BENCH_FLOOD_STATS=1: the peer's nonzero counters, to see where a loss went. */
static gboolean
node_print_stats (gpointer data)
{
  Node *node = data;
  g_autoptr (GVariant) stats = srp_peer_get_stats (node->peer);
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_print ("  [%s]", node->bootstrap_port == 0 ? "publisher" : "subscriber");
  g_variant_iter_init (&iter, stats);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT64) && g_variant_get_uint64 (value) != 0)
        g_print (" %s=%" G_GUINT64_FORMAT, key, g_variant_get_uint64 (value));
      else if (g_variant_is_of_type (value, G_VARIANT_TYPE ("a{st}")))
        {
          GVariantIter reasons;
          const char *reason;
          guint64 count;

          g_variant_iter_init (&reasons, value);
          while (g_variant_iter_next (&reasons, "{&st}", &reason, &count))
            if (count != 0)
              g_print (" %s.%s=%" G_GUINT64_FORMAT, key, reason, count);
        }
      g_variant_unref (value);
    }
  g_print ("\n");
  return G_SOURCE_REMOVE;
}

static gboolean
node_quit (gpointer data)
{
  g_main_loop_quit (((Node *) data)->loop);
  return G_SOURCE_REMOVE;
}

static void
node_stop (Node *node)
{
  node_call (node, node_quit, node);
  g_thread_join (node->thread);
  g_main_loop_unref (node->loop);
  g_main_context_unref (node->context);
  g_mutex_clear (&node->lock);
  g_cond_clear (&node->cond);
  g_free (node->seen);
}

static gboolean
flood_tick (gpointer data)
{
  Flood *flood = data;
  gint64 now = g_get_monotonic_time ();
  guint32 due;

  if (flood->rate > 0)
    due = MIN (flood->total, (guint32) ((now - flood->start_us) * flood->rate / 1e6) + 1);
  else
    due = now < flood->end_us ? MIN (flood->total, flood->published + UNPACED_BURST) : 0;
  for (guint k = 0; flood->published < due && k < PACED_BURST; k++)
    if (!publish_one (flood->node, flood->tag, flood->published++))
      flood->errors++;
  if (flood->published < flood->total && (flood->rate > 0 || now < flood->end_us))
    return G_SOURCE_CONTINUE;
  flood->finished_us = g_get_monotonic_time ();
  atomic_store (&flood->done, TRUE);
  return G_SOURCE_REMOVE;
}

static gboolean
flood_start (gpointer data)
{
  Flood *flood = data;
  GSource *source = flood->rate > 0 ? g_timeout_source_new (1) : g_idle_source_new ();

  /* Unpaced, the flood takes turns with the socket reads (ACKs) instead
   * of waiting until nothing else is ready. */
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, flood_tick, flood, NULL);
  flood->start_us = g_get_monotonic_time ();
  flood->end_us = flood->start_us + flood->duration_us;
  g_source_attach (source, flood->node->context);
  g_source_unref (source);
  return G_SOURCE_REMOVE;
}

static gboolean
publish_warmup (gpointer data)
{
  publish_one (data, WARMUP_TAG, 0);
  return G_SOURCE_REMOVE;
}

static void
sleep_ms (guint ms)
{
  g_usleep (ms * 1000);
}

/* Waits until every subscriber is connected and gets what is published. */
static void
warm_up (Node *publisher, Node *subscribers, guint n)
{
  gint64 deadline = g_get_monotonic_time () + SETUP_TIMEOUT_US;
  guint warm = 0;

  while (atomic_load (&publisher->n_connected) < (int) n)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("The subscribers did not connect within %d s", (int) (SETUP_TIMEOUT_US / 1000000));
      sleep_ms (2);
    }
  while (warm < n)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("The subscribers got no warm-up message within %d s",
                 (int) (SETUP_TIMEOUT_US / 1000000));
      node_call (publisher, publish_warmup, publisher);
      sleep_ms (5);
      warm = 0;
      for (guint i = 0; i < n; i++)
        warm += atomic_load (&subscribers[i].warm) > 0;
    }
}

static void
run_flood (guint n, double rate, const Options *options, guint32 tag, const BenchRawUdp *raw,
           Result *result)
{
  Node publisher, subscribers[MAX_SUBSCRIBERS];
  Flood flood = { 0 };
  guint32 max_seq = (guint32) (options->seconds * 1e6) + 1024;
  double pub_cpu, sub_cpu[MAX_SUBSCRIBERS];
  guint32 drained[MAX_SUBSCRIBERS];
  gint64 drained_at[MAX_SUBSCRIBERS];
  gint64 deadline, complete_us = -1;
  guint64 delivered = 0;
  double per_sub = 0, cpu = 0;

  node_start (&publisher, "publisher", 0, tag, 1);
  for (guint i = 0; i < n; i++)
    node_start (&subscribers[i], "subscriber", publisher.port, tag, max_seq);
  warm_up (&publisher, subscribers, n);

  flood.node = &publisher;
  flood.tag = tag;
  flood.rate = rate;
  flood.total = rate > 0 ? MIN ((guint32) (rate * options->seconds), max_seq) : max_seq;
  flood.duration_us = (gint64) (options->seconds * G_USEC_PER_SEC);
  pub_cpu = bench_cpu_us (publisher.cpu_clock);
  for (guint i = 0; i < n; i++)
    sub_cpu[i] = bench_cpu_us (subscribers[i].cpu_clock);
  node_call (&publisher, flood_start, &flood);
  while (!atomic_load (&flood.done))
    sleep_ms (1);

  /* Throughput: what arrived until deliveries paused after the flood. */
  for (guint i = 0; i < n; i++)
    {
      guint32 before;

      do
        {
          before = atomic_load (&subscribers[i].delivered);
          g_usleep (DRAIN_PAUSE_US);
        }
      while (atomic_load (&subscribers[i].delivered) != before);
      drained[i] = before;
      drained_at[i] = atomic_load (&subscribers[i].last_delivery_us);
    }

  /* Repair: until every subscriber has every message, or the wait is over. */
  deadline = flood.finished_us + (gint64) (options->repair * G_USEC_PER_SEC);
  for (;;)
    {
      gint64 last = flood.finished_us;
      guint complete = 0;

      for (guint i = 0; i < n; i++)
        if (atomic_load (&subscribers[i].delivered) == flood.published)
          {
            complete++;
            last = MAX (last, atomic_load (&subscribers[i].last_delivery_us));
          }
      if (complete == n)
        {
          complete_us = last;
          break;
        }
      if (g_get_monotonic_time () > deadline)
        break;
      sleep_ms (1);
    }

  pub_cpu = bench_cpu_us (publisher.cpu_clock) - pub_cpu;
  for (guint i = 0; i < n; i++)
    {
      guint32 got = atomic_load (&subscribers[i].delivered);

      sub_cpu[i] = bench_cpu_us (subscribers[i].cpu_clock) - sub_cpu[i];
      delivered += got;
      cpu += got > 0 ? sub_cpu[i] / got : 0;
      if (drained_at[i] > flood.start_us)
        per_sub += drained[i] / ((drained_at[i] - flood.start_us) / 1e6);
    }
  result->pub_drops = bench_socket_drops (publisher.port);
  result->sub_drops = 0;
  for (guint i = 0; i < n && result->sub_drops >= 0; i++)
    {
      double drops = bench_socket_drops (subscribers[i].port);

      result->sub_drops = drops >= 0 ? result->sub_drops + drops : -1;
    }
  if (g_getenv ("BENCH_FLOOD_STATS") != NULL)
    {
      node_call (&publisher, node_print_stats, &publisher);
      for (guint i = 0; i < n; i++)
        node_call (&subscribers[i], node_print_stats, &subscribers[i]);
    }
  for (guint i = 0; i < n; i++)
    node_stop (&subscribers[i]);
  node_stop (&publisher);
  if (flood.errors > 0)
    g_printerr ("%u publishes failed\n", flood.errors);

  result->offered = flood.published / ((flood.finished_us - flood.start_us) / 1e6);
  result->per_sub = per_sub / n;
  result->ratio = per_sub / raw->delivered_per_s;
  result->share = flood.published > 0 ? (double) delivered / ((double) flood.published * n) : 0;
  result->repair_ms = complete_us >= 0 ? (complete_us - flood.finished_us) / 1e3 : INFINITY;
  result->sub_cpu_us = cpu / n;
  result->sub_ratio = result->sub_cpu_us / raw->recvfrom_cpu_us;
  result->pub_cpu_us = pub_cpu / ((double) flood.published * MIN (n, FANOUT));
  result->pub_ratio = result->pub_cpu_us / raw->sendto_cpu_us;
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* The median over n rounds of the double at offset in element k of each
 * round's stride elements. */
static double
median_at (const void *base, gsize element_size, guint stride, guint k, int n, gsize offset)
{
  g_autofree double *values = g_new (double, n);

  for (int i = 0; i < n; i++)
    memcpy (&values[i], (const char *) base + (i * stride + k) * element_size + offset,
            sizeof (double));
  qsort (values, n, sizeof *values, compare_doubles);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

#define MEDIAN(base, stride, k, n, type, field)                                \
  median_at (base, sizeof (type), stride, k, n, G_STRUCT_OFFSET (type, field))

static void
print_header (void)
{
  g_print ("%4s %9s %9s | %10s %6s | %7s %9s | %7s %6s | %7s %6s | %6s %6s\n", "subs",
           "offered", "pub/s", "deliv/s", "x raw", "share", "repaired", "sub us", "x recv",
           "pub us", "x send", "drop p", "drop s");
}

static void
print_row (guint n, double rate, const Result *r)
{
  g_autofree char *offered = rate > 0 ? g_strdup_printf ("%.0f", rate) : g_strdup ("max");
  g_autofree char *repaired = NULL;

  if (isinf (r->repair_ms))
    repaired = g_strdup ("> wait");
  else
    repaired = g_strdup_printf ("%.0f ms", r->repair_ms);
  g_print ("%4u %9s %9.0f | %10.0f %6.2f | %6.2f%% %9s | %7.2f %6.2f | %7.2f %6.2f | %6.0f %6.0f\n",
           n, offered, r->offered, r->per_sub, r->ratio, 100 * r->share, repaired, r->sub_cpu_us,
           r->sub_ratio, r->pub_cpu_us, r->pub_ratio, r->pub_drops, r->sub_drops);
}

/* "50000,100000,max" -> rates, 0 for max. */
static GArray *
parse_list (const char *text, gboolean allow_max)
{
  g_auto (GStrv) parts = g_strsplit (text, ",", -1);
  GArray *values = g_array_new (FALSE, FALSE, sizeof (double));

  for (guint i = 0; parts[i] != NULL; i++)
    {
      double value = allow_max && g_str_equal (parts[i], "max") ? 0 : g_ascii_strtod (parts[i], NULL);

      if (value < 0 || (value == 0 && !(allow_max && g_str_equal (parts[i], "max"))))
        g_error ("Not a valid list entry: “%s”", parts[i]);
      g_array_append_val (values, value);
    }
  return values;
}

int
main (int argc, char **argv)
{
  Options options = { 1.0, 3.0, 3, NULL, NULL };
  GOptionEntry entries[] = {
    { "seconds", 0, 0, G_OPTION_ARG_DOUBLE, &options.seconds, "Flood for this long (1)", "S" },
    { "repair", 0, 0, G_OPTION_ARG_DOUBLE, &options.repair,
      "Wait this long after the flood for every message (3)", "S" },
    { "repeat", 0, 0, G_OPTION_ARG_INT, &options.repeat, "Rounds; the medians follow (3)", "N" },
    { "rates", 0, 0, G_OPTION_ARG_STRING, &options.rates,
      "Offered messages/s, max: unpaced (50000,100000,max)", "LIST" },
    { "size", 0, 0, G_OPTION_ARG_INT, &message_len, "Message length, 8 to 1024 (1024)", "BYTES" },
    { "anonymous", 0, 0, G_OPTION_ARG_NONE, &anonymous,
      "Publish without an author (no signature)", NULL },
    { "subscribers", 0, 0, G_OPTION_ARG_STRING, &options.subscribers,
      "Numbers of subscribers (1,3)", "LIST" },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- flood a topic on loopback");
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) rates = NULL;
  g_autoptr (GArray) subs = NULL;
  g_autofree Result *results = NULL;
  g_autofree BenchRawUdp *raws = NULL;
  guint n_scenarios;
  guint32 tag = 1;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    g_error ("%s", error->message);
  if (options.seconds <= 0 || options.repair < 0 || options.repeat < 1)
    g_error ("--seconds and --repeat must be positive, --repair not negative");
  rates = parse_list (options.rates != NULL ? options.rates : "50000,100000,max", TRUE);
  subs = parse_list (options.subscribers != NULL ? options.subscribers : "1,3", FALSE);
  for (guint s = 0; s < subs->len; s++)
    if (g_array_index (subs, double, s) > MAX_SUBSCRIBERS)
      g_error ("At most %d subscribers", MAX_SUBSCRIBERS);
  n_scenarios = subs->len * rates->len;
  results = g_new0 (Result, n_scenarios * options.repeat);
  raws = g_new0 (BenchRawUdp, options.repeat);

  if (message_len < 8 || message_len > MESSAGE_LEN_MAX)
    g_error ("--size takes 8 to %d bytes", MESSAGE_LEN_MAX);
  g_print ("==> bench-flood: %d-byte %s messages on a topic, %g s floods, repairs awaited %g s\n",
           message_len, anonymous ? "anonymous" : "signed",
           options.seconds, options.repair);
  g_print ("goals at the highest rate: x raw >= 0.5, share 100%% repaired within 100 ms, "
           "x recv <= 2, x send <= 1.5\n");
  for (int round = 0; round < options.repeat; round++)
    {
      BenchRawUdp *raw = &raws[round];

      bench_raw_udp_measure (options.seconds, raw);
      g_print ("\nround %d: raw UDP %.0f datagrams/s (sendmmsg/recvmmsg), "
               "sendto %.2f us, recvfrom %.2f us CPU per datagram\n",
               round + 1, raw->delivered_per_s, raw->sendto_cpu_us, raw->recvfrom_cpu_us);
      print_header ();
      for (guint s = 0; s < subs->len; s++)
        for (guint r = 0; r < rates->len; r++)
          {
            guint n = (guint) g_array_index (subs, double, s);
            double rate = g_array_index (rates, double, r);
            Result *result = &results[round * n_scenarios + s * rates->len + r];

            run_flood (n, rate, &options, tag++, raw, result);
            print_row (n, rate, result);
          }
    }

  if (options.repeat > 1)
    {
      BenchRawUdp raw;
      Result m;

      raw.delivered_per_s = MEDIAN (raws, 1, 0, options.repeat, BenchRawUdp, delivered_per_s);
      raw.sendto_cpu_us = MEDIAN (raws, 1, 0, options.repeat, BenchRawUdp, sendto_cpu_us);
      raw.recvfrom_cpu_us = MEDIAN (raws, 1, 0, options.repeat, BenchRawUdp, recvfrom_cpu_us);
      g_print ("\nmedians of %d rounds: raw UDP %.0f datagrams/s, sendto %.2f us, "
               "recvfrom %.2f us\n",
               options.repeat, raw.delivered_per_s, raw.sendto_cpu_us, raw.recvfrom_cpu_us);
      print_header ();
      for (guint k = 0; k < n_scenarios; k++)
        {
#define M(field) MEDIAN (results, n_scenarios, k, options.repeat, Result, field)
          m.offered = M (offered);
          m.per_sub = M (per_sub);
          m.ratio = M (ratio);
          m.share = M (share);
          m.repair_ms = M (repair_ms);
          m.sub_cpu_us = M (sub_cpu_us);
          m.sub_ratio = M (sub_ratio);
          m.pub_cpu_us = M (pub_cpu_us);
          m.pub_ratio = M (pub_ratio);
          m.pub_drops = M (pub_drops);
          m.sub_drops = M (sub_drops);
#undef M
          print_row ((guint) g_array_index (subs, double, k / rates->len),
                     g_array_index (rates, double, k % rates->len), &m);
        }
    }
  g_free (options.rates);
  g_free (options.subscribers);
  return 0;
}
