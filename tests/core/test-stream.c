/* test-stream.c: reliable streams between two cores, in virtual time:
 * bytes arrive in order and exactly once through loss, reordering and
 * duplication; a loss on one stream does not hold up another; a slow
 * reader stalls its writer within bounded memory; a bottleneck is shared
 * without flooding it; a relayed stream whose link becomes direct
 * mid-transfer loses and repeats nothing; a refused stream and a vanished
 * peer end the stream with the right reason, never a hang. And the frames'
 * wire form.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-control-stream.h"
#include "srp-core-internal.h"
#include "srp-rng.h"
#include "srp-sim.h"
#include "srp-stream.h"

#include <string.h>

#define MS(n) ((gint64) (n) * G_TIME_SPAN_MILLISECOND)
#define SECONDS(n) ((gint64) (n) * G_USEC_PER_SEC)

/* ---- two cores and an application on each ------------------------------------------ */

/* Node 0 writes, node 1 reads; node 2 exists only in relayed worlds, as
 * the introducer and relay of the other two. */
#define N_NODES 3

typedef struct {
  guint64 handle;
  GBytes *data;   /* what to write */
  gsize written;
  gboolean finish;
} Writer;

typedef struct {
  guint64 handle;
  GByteArray *got;
  gboolean eof;
  gint64 eof_at;
  gint64 first_byte_at;
  gint closed_reason; /* -1 until CLOSED */
} Reader;

typedef struct {
  SrpSim *sim;
  gboolean refuse[N_NODES];
  gboolean paused[N_NODES];     /* the node's application does not read */
  gboolean dirty[N_NODES];     /* commands were given: flush after the step */
  GPtrArray *writers[N_NODES];    /* Writer*, of streams the node writes */
  GPtrArray *readers[N_NODES];    /* Reader*, of streams the node reads */
  guint64 max_receive_buffered, max_send_buffered;
  guint accepted[N_NODES];     /* ACCEPTED events */
} World;

static SrpCore *
core_of (World *w, guint node)
{
  w->dirty[node] = TRUE;
  return srp_sim_get_core (w->sim, node);
}

static Reader *
reader_for (World *w, guint node, guint64 handle, gboolean make)
{
  Reader *r;

  for (guint i = 0; i < w->readers[node]->len; i++)
    if (((Reader *) g_ptr_array_index (w->readers[node], i))->handle == handle)
      return g_ptr_array_index (w->readers[node], i);
  if (!make)
    return NULL;
  r = g_new0 (Reader, 1);
  r->handle = handle;
  r->got = g_byte_array_new ();
  r->closed_reason = -1;
  r->first_byte_at = -1;
  g_ptr_array_add (w->readers[node], r);
  return r;
}

static void
reader_free (gpointer p)
{
  Reader *r = p;

  g_byte_array_unref (r->got);
  g_free (r);
}

static void
writer_free (gpointer p)
{
  Writer *wr = p;

  g_bytes_unref (wr->data);
  g_free (wr);
}

static void
drain (World *w, guint node, Reader *r)
{
  SrpCore *core = core_of (w, node);
  guint8 buf[16384];
  gboolean eof = FALSE;
  gssize n;
  SrpCoreStreamInfo info;

  if (w->paused[node] || r->eof)
    return;
  while ((n = srp_core_stream_read (core, srp_sim_get_now (w->sim), r->handle, buf, sizeof buf,
                                    &eof)) > 0)
    {
      if (r->first_byte_at < 0)
        r->first_byte_at = srp_sim_get_now (w->sim);
      g_byte_array_append (r->got, buf, n);
    }
  if (eof && !r->eof)
    {
      r->eof = TRUE;
      r->eof_at = srp_sim_get_now (w->sim);
    }
  if (srp_core_stream_get_info (core, r->handle, &info))
    w->max_receive_buffered = MAX (w->max_receive_buffered, info.receive_buffered);
}

static void
pump_writer (World *w, guint node, Writer *wr)
{
  SrpCore *core = core_of (w, node);
  gsize len;
  const guint8 *data = g_bytes_get_data (wr->data, &len);
  SrpCoreStreamInfo info;

  while (wr->written < len)
    {
      gssize n = srp_core_stream_write (core, srp_sim_get_now (w->sim), wr->handle,
                                        data + wr->written, MIN (len - wr->written, 65536));

      if (n <= 0)
        break;
      wr->written += n;
    }
  if (wr->written == len && wr->finish)
    {
      srp_core_stream_finish (core, srp_sim_get_now (w->sim), wr->handle);
      wr->finish = FALSE;
    }
  if (srp_core_stream_get_info (core, wr->handle, &info))
    w->max_send_buffered = MAX (w->max_send_buffered, info.send_buffered);
}

static void
on_event (SrpSim *sim, guint node, const SrpCoreEvent *event, gpointer user_data)
{
  World *w = user_data;
  Reader *r;

  (void) sim;
  switch (event->type)
    {
    case SRP_CORE_EVENT_STREAM_INCOMING:
      if (w->refuse[node])
        {
          srp_core_stream_reset (core_of (w, node), srp_sim_get_now (w->sim), event->stream.stream,
                                 SRP_STREAM_REASON_REFUSED);
          srp_core_stream_release (core_of (w, node), srp_sim_get_now (w->sim),
                                   event->stream.stream);
          break;
        }
      srp_core_stream_accept (core_of (w, node), srp_sim_get_now (w->sim), event->stream.stream);
      drain (w, node, reader_for (w, node, event->stream.stream, TRUE));
      break;
    case SRP_CORE_EVENT_STREAM_ACCEPTED:
      w->accepted[node]++;
      break;
    case SRP_CORE_EVENT_STREAM_READABLE:
      r = reader_for (w, node, event->stream.stream, FALSE);
      g_assert_nonnull (r);
      drain (w, node, r);
      break;
    case SRP_CORE_EVENT_STREAM_WRITABLE:
      for (guint i = 0; i < w->writers[node]->len; i++)
        {
          Writer *wr = g_ptr_array_index (w->writers[node], i);

          if (wr->handle == event->stream.stream)
            pump_writer (w, node, wr);
        }
      break;
    case SRP_CORE_EVENT_STREAM_CLOSED:
      r = reader_for (w, node, event->stream.stream, TRUE);
      r->closed_reason = event->stream.reason;
      break;
    default:
      break;
    }
}

static void
world_init_nodes (World *w, guint64 seed, guint n)
{
  memset (w, 0, sizeof *w);
  w->sim = srp_sim_new (seed);
  srp_sim_set_default_link (w->sim, MS (20), 0.0);
  for (guint i = 0; i < N_NODES; i++)
    {
      if (i < n)
        srp_sim_add_node (w->sim, NULL);
      w->writers[i] = g_ptr_array_new_with_free_func (writer_free);
      w->readers[i] = g_ptr_array_new_with_free_func (reader_free);
    }
  srp_sim_set_event_func (w->sim, on_event, w);
}

static void
world_init (World *w, guint64 seed)
{
  world_init_nodes (w, seed, 2);
  srp_core_add_bootstrap (srp_sim_get_core (w->sim, 1), 0, srp_sim_get_address (w->sim, 0));
  srp_sim_flush (w->sim, 1);
  while (!srp_sim_is_connected (w->sim, 1, 0) || !srp_sim_is_connected (w->sim, 0, 1))
    g_assert_true (srp_sim_step (w->sim));
}

static void
world_clear (World *w)
{
  for (guint i = 0; i < N_NODES; i++)
    {
      g_ptr_array_unref (w->writers[i]);
      g_ptr_array_unref (w->readers[i]);
    }
  srp_sim_free (w->sim);
}

static void
world_step (World *w)
{
  g_assert_true (srp_sim_step (w->sim));
  for (guint i = 0; i < srp_sim_get_n_nodes (w->sim); i++)
    if (w->dirty[i])
      {
        w->dirty[i] = FALSE;
        srp_sim_flush (w->sim, i);
      }
}

typedef gboolean (*Condition) (World *w, gpointer data);

/* Steps until cond holds; FALSE when virtual time passed until first. */
static gboolean
world_run (World *w, gint64 for_us, Condition cond, gpointer data)
{
  gint64 until = srp_sim_get_now (w->sim) + for_us;

  while (cond == NULL || !cond (w, data))
    {
      if (srp_sim_get_now (w->sim) >= until)
        return cond == NULL;
      world_step (w);
    }
  return TRUE;
}

static GBytes *
random_bytes (guint64 seed, gsize len)
{
  SrpRng rng;
  guint8 *data = g_malloc (len);

  srp_rng_init (&rng, seed);
  for (gsize i = 0; i < len; i++)
    data[i] = (guint8) srp_rng_next (&rng);
  return g_bytes_new_take (data, len);
}

/* Node 0 opens a stream to node 1 and writes len bytes (then FIN). */
static Writer *
start_writer (World *w, const char *label, gsize len, guint64 seed)
{
  Writer *wr = g_new0 (Writer, 1);

  wr->handle = srp_core_stream_open (core_of (w, 0), srp_sim_get_now (w->sim),
                                     srp_sim_get_id (w->sim, 1), label);
  g_assert_cmpuint (wr->handle, !=, 0);
  wr->data = random_bytes (seed, len);
  wr->finish = TRUE;
  g_ptr_array_add (w->writers[0], wr);
  pump_writer (w, 0, wr);
  srp_sim_flush (w->sim, 0);
  w->dirty[0] = FALSE;
  return wr;
}

static gboolean
all_read (World *w, gpointer data)
{
  guint n = GPOINTER_TO_UINT (data);
  guint done = 0;

  for (guint i = 0; i < w->readers[1]->len; i++)
    done += ((Reader *) g_ptr_array_index (w->readers[1], i))->eof;
  return done >= n;
}

static void
assert_same (Reader *r, Writer *wr)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (wr->data, &len);

  g_assert_cmpuint (r->got->len, ==, len);
  g_assert_true (memcmp (r->got->data, data, len) == 0);
}

static guint64
stat_u64 (SrpCore *core, const char *key)
{
  g_autoptr (GVariant) stats = g_variant_ref_sink (srp_core_get_stats (core));
  guint64 value = 0;

  g_variant_lookup (stats, key, "t", &value);
  return value;
}

/* ---- tests ---------------------------------------------------------------------------- */

/* 10% loss, up to 30 ms of extra delay (frames overtake each other by
 * dozens) and 10% duplicates: every byte arrives, in order, once. Without
 * retransmission the transfer never ends; without reassembly by offset
 * the bytes come out of order; without acknowledgement by packet number
 * and SACK it takes far longer than its deadline. */
static void
test_stream_disorder (void)
{
  World w;
  Writer *wr;
  Reader *r;
  SrpCoreStreamInfo info;
  gsize len = 2 * 1024 * 1024;
  gint64 start;

  world_init (&w, 11);
  start = srp_sim_get_now (w.sim);
  srp_sim_set_link (w.sim, 0, 1, MS (20), 0.10);
  srp_sim_set_link_disorder (w.sim, 0, 1, MS (30), 0.10);
  wr = start_writer (&w, "disorder", len, 1);
  g_assert_true (world_run (&w, SECONDS (120), all_read, GUINT_TO_POINTER (1)));
  r = g_ptr_array_index (w.readers[1], 0);
  assert_same (r, wr);
  g_assert_true (srp_core_stream_get_info (srp_sim_get_core (w.sim, 0), wr->handle, &info));
  g_assert_cmpuint (info.bytes_sent, ==, len);
  g_assert_cmpuint (info.bytes_retransmitted, >, 0);
  g_assert_true (srp_core_stream_get_info (srp_sim_get_core (w.sim, 1), r->handle, &info));
  g_assert_cmpstr (info.label, ==, "disorder");
  g_assert_cmpuint (info.bytes_received, ==, len);
  g_test_message ("2 MiB through 10%% loss, 30 ms jitter, 10%% duplicates: %.1f s, %" G_GUINT64_FORMAT
                  " bytes sent again", (r->eof_at - start) / 1e6,
                  stat_u64 (srp_sim_get_core (w.sim, 0), "stream_bytes_retransmitted"));
  world_clear (&w);
}

/* A path that reorders by more than the loss thresholds (20 ms each way,
 * up to 30 ms more: frames overtake each other by dozens) but loses
 * nothing: frames are declared lost, and then their ACKs come. Each such
 * loss event is undone once every frame it declared lost is acknowledged
 * after all, so the window is not cut again and again for losses that
 * never were (CUBIC would otherwise sit at a fraction of the path). */
static void
test_stream_reordering_is_not_loss (void)
{
  World w;
  Writer *wr;
  Reader *r;
  gsize len = 2 * 1024 * 1024;
  gint64 start;
  guint64 events, undos, lost, late;

  world_init (&w, 12);
  start = srp_sim_get_now (w.sim);
  srp_sim_set_link (w.sim, 0, 1, MS (20), 0.0);
  srp_sim_set_link_disorder (w.sim, 0, 1, MS (30), 0.0);
  wr = start_writer (&w, "reordered", len, 1);
  g_assert_true (world_run (&w, SECONDS (120), all_read, GUINT_TO_POINTER (1)));
  r = g_ptr_array_index (w.readers[1], 0);
  assert_same (r, wr);
  events = stat_u64 (srp_sim_get_core (w.sim, 0), "stream_loss_events");
  undos = stat_u64 (srp_sim_get_core (w.sim, 0), "stream_congestion_undos");
  lost = stat_u64 (srp_sim_get_core (w.sim, 0), "stream_frames_lost");
  late = stat_u64 (srp_sim_get_core (w.sim, 0), "stream_frames_late_acked");
  g_test_message ("2 MiB, reordered, nothing lost: %.1f s; %" G_GUINT64_FORMAT " frames declared "
                  "lost, %" G_GUINT64_FORMAT " acknowledged after all; %" G_GUINT64_FORMAT
                  " loss events, %" G_GUINT64_FORMAT " undone",
                  (r->eof_at - start) / 1e6, lost, late, events, undos);
  g_assert_cmpuint (events, >, 0);
  /* All but a few: a frame declared lost by a timeout, or whose ACK came
   * after it was forgotten (3 loss delays), is not undone. */
  g_assert_cmpuint (late * 100, >=, lost * 99);
  g_assert_cmpuint (undos * 100, >=, events * 95);
  world_clear (&w);
}

/* Loses stream 0's first data frame after the OPEN, once. */
typedef struct {
  guint32 stream_id;
  gboolean dropped;
} DropOne;

static gboolean
drop_first_data (SrpSim *sim, guint from, guint to, const guint8 *data, gsize len, gpointer user)
{
  DropOne *d = user;
  SrpStreamData frame;

  (void) sim;
  (void) to;
  if (d->dropped || from != 0 || len < 4 || data[3] != SRP_FRAME_STREAM_DATA ||
      srp_stream_data_decode (data, len, &frame) != SRP_DROP_NONE)
    return FALSE;
  if (frame.stream_id != d->stream_id || frame.offset != 0 || frame.len == 0)
    return FALSE;
  d->dropped = TRUE;
  return TRUE;
}

/* Stream A's first frame is lost; stream B, opened after it, is read in
 * full before A's first byte can be: B waits for nothing of A. With one
 * ordered sequence for both, B would wait for A's repair. */
static void
test_stream_independent (void)
{
  World w;
  Writer *a, *b;
  Reader *ra = NULL, *rb = NULL;
  DropOne drop = { 0 };
  SrpContext *ctx;
  SrpLink *link;

  world_init (&w, 12);
  ctx = srp_core_get_context (srp_sim_get_core (w.sim, 0));
  link = srp_link_table_lookup (ctx->links, srp_sim_get_id (w.sim, 1));
  g_assert_nonnull (link);
  /* The next stream node 0 opens gets the first free ID of its parity. */
  drop.stream_id = memcmp (srp_sim_get_id (w.sim, 0), srp_sim_get_id (w.sim, 1), SRP_ID_LEN) < 0
                     ? 0 : 1;
  srp_sim_set_filter (w.sim, drop_first_data, &drop);
  a = start_writer (&w, "a", 4000, 2);
  b = start_writer (&w, "b", 4000, 3);
  g_assert_true (world_run (&w, SECONDS (10), all_read, GUINT_TO_POINTER (2)));
  g_assert_true (drop.dropped);
  for (guint i = 0; i < w.readers[1]->len; i++)
    {
      Reader *r = g_ptr_array_index (w.readers[1], i);
      SrpCoreStreamInfo info;

      srp_core_stream_get_info (srp_sim_get_core (w.sim, 1), r->handle, &info);
      if (g_str_equal (info.label, "a"))
        ra = r;
      else
        rb = r;
    }
  g_assert_nonnull (ra);
  g_assert_nonnull (rb);
  assert_same (ra, a);
  assert_same (rb, b);
  g_assert_cmpint (rb->eof_at, <, ra->first_byte_at);
  g_assert_cmpuint (w.accepted[0], ==, 2);
  world_clear (&w);
}

/* The receiving application stops reading: the writer is held back once
 * the windows are full (its writes take nothing), the receiver buffers at
 * most a stream window and the sender at most its send buffer. When the
 * reader resumes, everything arrives. Without flow control the receiver
 * would buffer all 8 MiB. */
static void
test_stream_slow_reader (void)
{
  World w;
  Writer *wr;
  gsize len = 8 * 1024 * 1024;
  SrpCoreStreamInfo info;

  world_init (&w, 13);
  w.paused[1] = TRUE;
  wr = start_writer (&w, "slow", len, 4);
  world_run (&w, SECONDS (20), NULL, NULL);
  g_assert_cmpuint (wr->written, <, len);
  g_assert_true (srp_core_stream_get_info (srp_sim_get_core (w.sim, 1),
                                           ((Reader *) g_ptr_array_index (w.readers[1], 0))->handle,
                                           &info));
  g_assert_cmpuint (info.receive_buffered, <=, SRP_STREAM_WINDOW);
  g_assert_cmpuint (info.receive_buffered, >, SRP_STREAM_WINDOW / 2);
  g_assert_cmpuint (w.max_send_buffered, <=, SRP_STREAM_WINDOW);
  g_test_message ("stalled: %zu of %zu bytes written, %zu buffered at the receiver", wr->written,
                  len, info.receive_buffered);
  w.paused[1] = FALSE;
  drain (&w, 1, g_ptr_array_index (w.readers[1], 0));
  g_assert_true (world_run (&w, SECONDS (60), all_read, GUINT_TO_POINTER (1)));
  assert_same (g_ptr_array_index (w.readers[1], 0), wr);
  g_assert_cmpuint (w.max_receive_buffered, <=, SRP_STREAM_WINDOW);
  world_clear (&w);
}

/* A 1 MB/s bottleneck with a 64 KiB queue: the congestion window and the
 * pacer keep the queue from overflowing much, and the transfer still
 * uses most of the rate. Sending as fast as the windows allow would lose
 * most of a 1 MiB burst at the queue. */
static void
test_stream_bottleneck (void)
{
  World w;
  Writer *wr;
  Reader *r;
  gsize len = 4 * 1024 * 1024;
  gint64 start;
  double seconds, lost;
  guint64 sent0, lost0;

  world_init (&w, 14);
  srp_sim_set_link_rate (w.sim, 0, 1, 1000 * 1000, 64 * 1024);
  sent0 = srp_sim_get_sent (w.sim);
  lost0 = srp_sim_get_lost (w.sim);
  start = srp_sim_get_now (w.sim);
  wr = start_writer (&w, "bulk", len, 5);
  g_assert_true (world_run (&w, SECONDS (60), all_read, GUINT_TO_POINTER (1)));
  r = g_ptr_array_index (w.readers[1], 0);
  assert_same (r, wr);
  seconds = (r->eof_at - start) / 1e6;
  lost = (double) (srp_sim_get_lost (w.sim) - lost0) / (double) (srp_sim_get_sent (w.sim) - sent0);
  g_test_message ("4 MiB through 1 MB/s: %.2f s (%.0f%% of the rate), %.1f%% of datagrams lost",
                  seconds, 100.0 * len / 1e6 / seconds, 100 * lost);
  g_assert_cmpfloat (lost, <, 0.05);
  g_assert_cmpfloat (len / 1e6 / seconds, >, 0.7);
  world_clear (&w);
}

/* 5% random loss each way on a 40 ms round trip with room for 2 MB/s:
 * random loss is not congestion, but every loss event reduces the window
 * once, so the window lives where Reno's would (about 1.22 / sqrt (0.05)
 * = 5.5 frames, 170 KB/s), and CUBIC's Reno-friendly growth must keep it
 * there. A window that collapsed to its 2 frames at each loss would carry
 * 62 KB/s; one stuck at the initial window of 10 would carry more, but
 * not 2 MiB in time with losses, and one that did not reduce would flood
 * the 64 KiB queue. */
static void
test_stream_random_loss (void)
{
  World w;
  Writer *wr;
  Reader *r;
  gsize len = 2 * 1024 * 1024;
  gint64 start;
  double rate;

  world_init (&w, 15);
  srp_sim_set_link (w.sim, 0, 1, MS (20), 0.05);
  srp_sim_set_link_rate (w.sim, 0, 1, 2 * 1000 * 1000, 64 * 1024);
  start = srp_sim_get_now (w.sim);
  wr = start_writer (&w, "lossy", len, 6);
  g_assert_true (world_run (&w, SECONDS (120), all_read, GUINT_TO_POINTER (1)));
  r = g_ptr_array_index (w.readers[1], 0);
  assert_same (r, wr);
  rate = len / ((r->eof_at - start) / 1e6);
  g_test_message ("2 MiB at 5%% loss, 40 ms RTT: %.1f s, %.0f KB/s, %" G_GUINT64_FORMAT
                  " bytes sent again",
                  (r->eof_at - start) / 1e6, rate / 1000,
                  stat_u64 (core_of (&w, 0), "stream_bytes_retransmitted"));
  g_assert_cmpfloat (rate, >, 115 * 1000);
  world_clear (&w);
}

/* Nodes 0 and 1 cannot reach each other (node 2 bootstraps both): node 0
 * connects to node 1, relayed through node 2. */
static void
world_init_relayed (World *w, guint64 seed)
{
  world_init_nodes (w, seed, 3);
  srp_sim_set_link (w->sim, 0, 1, MS (20), 1.0);
  for (guint i = 0; i < 2; i++)
    {
      srp_core_add_bootstrap (srp_sim_get_core (w->sim, i), 0, srp_sim_get_address (w->sim, 2));
      srp_sim_flush (w->sim, i);
    }
  /* Joined, and each knows its NAT type (which the introduction carries). */
  srp_sim_run_until (w->sim, srp_sim_get_now (w->sim) + SECONDS (30));
  srp_core_connect (core_of (w, 0), srp_sim_get_now (w->sim), srp_sim_get_id (w->sim, 1));
  srp_sim_flush (w->sim, 0);
  w->dirty[0] = FALSE;
  while (!srp_sim_is_connected (w->sim, 0, 1) || !srp_sim_is_connected (w->sim, 1, 0))
    world_step (w);
}

typedef struct {
  Writer *wr;
  gsize len;
  guint64 read_relayed, read_direct; /* bytes node 1 had read when seen on either path */
  gint64 direct_at;
  gboolean relayed_after_direct;
} PathWatch;

static gboolean
watch_path (World *w, gpointer data)
{
  PathWatch *pw = data;
  SrpCoreStreamInfo info;
  Reader *r = w->readers[1]->len > 0 ? g_ptr_array_index (w->readers[1], 0) : NULL;
  guint64 got = r != NULL ? r->got->len : 0;

  g_assert_true (srp_core_stream_get_info (srp_sim_get_core (w->sim, 0), pw->wr->handle, &info));
  if (got < pw->len && info.path == SRP_CORE_PATH_RELAYED)
    {
      pw->read_relayed = MAX (pw->read_relayed, got);
      pw->relayed_after_direct = pw->relayed_after_direct || pw->read_direct > 0;
    }
  else if (got < pw->len && info.path == SRP_CORE_PATH_DIRECT && pw->read_direct == 0)
    {
      pw->read_direct = MAX (got, 1);
      pw->direct_at = srp_sim_get_now (w->sim);
    }
  return r != NULL && r->eof;
}

/* A stream on a relayed link, 250 KB/s each way on every path: 2 MiB
 * take about 8 s. 1 s in the direct path opens; the link's first upgrade
 * (5 s after it came up relayed) finds it and the link moves, frames of
 * the relay still in flight, the keys new. The reader gets every byte
 * once, in order; the stream goes on over the direct path and never back. */
static void
test_stream_relay_becomes_direct (void)
{
  World w;
  PathWatch pw = { 0 };
  SrpCoreStreamInfo info;
  Reader *r;
  gint64 up;

  world_init_relayed (&w, 21);
  up = srp_sim_get_now (w.sim);
  srp_sim_set_link_rate (w.sim, 0, 2, 250 * 1000, 64 * 1024);
  srp_sim_set_link_rate (w.sim, 1, 2, 250 * 1000, 64 * 1024);
  pw.len = 2 * 1024 * 1024;
  pw.wr = start_writer (&w, "moving", pw.len, 8);
  g_assert_true (srp_core_stream_get_info (srp_sim_get_core (w.sim, 0), pw.wr->handle, &info));
  g_assert_cmpuint (info.path, ==, SRP_CORE_PATH_RELAYED);
  g_assert_false (world_run (&w, SECONDS (1), watch_path, &pw));
  srp_sim_set_link (w.sim, 0, 1, MS (20), 0.0);
  srp_sim_set_link_rate (w.sim, 0, 1, 250 * 1000, 64 * 1024);
  g_assert_true (world_run (&w, SECONDS (60), watch_path, &pw));
  r = g_ptr_array_index (w.readers[1], 0);
  assert_same (r, pw.wr);
  g_assert_cmpint (r->closed_reason, ==, -1);
  g_test_message ("relayed until %" G_GUINT64_FORMAT " bytes were read, direct from %" G_GUINT64_FORMAT
                  " (%.1f s after the link came up); all %zu in %.1f s, %" G_GUINT64_FORMAT
                  " bytes sent again",
                  pw.read_relayed, pw.read_direct, (pw.direct_at - up) / 1e6, pw.len, (r->eof_at - up) / 1e6,
                  stat_u64 (core_of (&w, 0), "stream_bytes_retransmitted"));
  /* Both paths carried part of it: the move was mid-transfer. */
  g_assert_cmpuint (pw.read_relayed, >, 0);
  g_assert_cmpuint (pw.read_direct, >, 0);
  g_assert_cmpuint (pw.read_direct, <, pw.len);
  g_assert_false (pw.relayed_after_direct);
  world_clear (&w);
}

static gboolean
writer_closed (World *w, gpointer data)
{
  Reader *r = reader_for (w, 0, ((Writer *) data)->handle, FALSE);
  return r != NULL && r->closed_reason >= 0;
}

/* The receiving application refuses: the opener's stream ends REFUSED. */
static void
test_stream_refused (void)
{
  World w;
  Writer *wr;

  world_init (&w, 15);
  w.refuse[1] = TRUE;
  wr = start_writer (&w, "no", 10000, 6);
  g_assert_true (world_run (&w, SECONDS (5), writer_closed, wr));
  g_assert_cmpint (reader_for (&w, 0, wr->handle, FALSE)->closed_reason, ==,
                   SRP_STREAM_REASON_REFUSED);
  g_assert_cmpint (srp_core_stream_write (srp_sim_get_core (w.sim, 0), srp_sim_get_now (w.sim),
                                          wr->handle, (const guint8 *) "x", 1), ==, -1);
  g_assert_cmpuint (stat_u64 (srp_sim_get_core (w.sim, 1), "streams_refused"), ==, 1);
  g_assert_cmpuint (w.accepted[0], ==, 0);
  srp_core_stream_release (srp_sim_get_core (w.sim, 0), srp_sim_get_now (w.sim), wr->handle);
  world_clear (&w);
}

/* The peer goes away mid-transfer: the retransmission timeouts make the
 * mesh check on it, the link goes, and the stream ends LINK_LOST within
 * seconds (not after the heartbeats' minute), never hanging. */
static void
test_stream_peer_vanishes (void)
{
  World w;
  Writer *wr;
  gint64 gone;
  gssize n;
  gboolean eof;
  guint8 buf[16];

  world_init (&w, 16);
  wr = start_writer (&w, "gone", 4 * 1024 * 1024, 7);
  world_run (&w, MS (300), NULL, NULL);
  srp_sim_set_online (w.sim, 1, FALSE);
  gone = srp_sim_get_now (w.sim);
  g_assert_true (world_run (&w, SECONDS (30), writer_closed, wr));
  g_assert_cmpint (reader_for (&w, 0, wr->handle, FALSE)->closed_reason, ==,
                   SRP_STREAM_REASON_LINK_LOST);
  g_test_message ("closed %.1f s after the peer vanished", (srp_sim_get_now (w.sim) - gone) / 1e6);
  n = srp_core_stream_write (srp_sim_get_core (w.sim, 0), srp_sim_get_now (w.sim), wr->handle,
                             (const guint8 *) "x", 1);
  g_assert_cmpint (n, ==, -1);
  n = srp_core_stream_read (srp_sim_get_core (w.sim, 0), srp_sim_get_now (w.sim), wr->handle, buf,
                            sizeof buf, &eof);
  g_assert_cmpint (n, ==, -1);
  srp_core_stream_release (srp_sim_get_core (w.sim, 0), srp_sim_get_now (w.sim), wr->handle);
  world_clear (&w);
}

static gboolean
reader_closed (World *w, gpointer data)
{
  (void) data;
  return w->readers[1]->len > 0 &&
         ((Reader *) g_ptr_array_index (w->readers[1], 0))->closed_reason >= 0;
}

/* Everything arrived, unread, then the writer vanished: the bytes and the
 * end are still the reader's (the link's loss does not take them), as TCP
 * keeps what it received. */
static void
test_stream_read_after_loss (void)
{
  World w;
  Writer *wr;
  Reader *r;

  world_init (&w, 18);
  w.paused[1] = TRUE;
  wr = start_writer (&w, "last words", 20000, 8);
  world_run (&w, SECONDS (2), NULL, NULL);
  srp_sim_set_online (w.sim, 0, FALSE);
  g_assert_true (world_run (&w, SECONDS (200), reader_closed, NULL));
  r = g_ptr_array_index (w.readers[1], 0);
  g_assert_cmpint (r->closed_reason, ==, SRP_STREAM_REASON_LINK_LOST);
  w.paused[1] = FALSE;
  drain (&w, 1, r);
  g_assert_true (r->eof);
  assert_same (r, wr);
  srp_core_stream_release (srp_sim_get_core (w.sim, 1), srp_sim_get_now (w.sim), r->handle);
  world_clear (&w);
}

/* ---- the wire ------------------------------------------------------------------------ */

static char *
hex (const guint8 *data, gsize len)
{
  GString *s = g_string_new (NULL);

  for (gsize i = 0; i < len; i++)
    g_string_append_printf (s, "%02x", data[i]);
  return g_string_free (s, FALSE);
}

/* The test vectors of docs/protocol.md, "Streams". */
static void
test_stream_wire (void)
{
  guint8 out[SRP_MAX_DATAGRAM];
  SrpStreamData data = { .pn = 7, .stream_id = 2, .flags = SRP_STREAM_FLAG_OPEN | SRP_STREAM_FLAG_FIN,
                         .offset = 0, .label_len = 3, .label = (const guint8 *) "cat",
                         .data = (const guint8 *) "hi", .len = 2 };
  SrpStreamAck ack = { .delay_us = 1000, .n_ranges = 2,
                       .ranges = { { .first = 5, .last = 9 }, { .first = 1, .last = 2 } } };
  SrpStreamWindow window = { .pn = 8, .stream_id = SRP_STREAM_ID_LINK, .max = 4194304 };
  SrpStreamReset reset = { .pn = 9, .stream_id = 3, .reason = SRP_STREAM_REASON_REFUSED };
  SrpStreamData d2;
  SrpStreamAck a2;
  gsize len;
  g_autofree char *h1 = NULL, *h2 = NULL, *h3 = NULL, *h4 = NULL;

  len = srp_stream_data_encode (&data, out);
  h1 = hex (out, len);
  g_assert_cmpstr (h1, ==, "53520150" "0000000000000007" "00000002" "03" "0000000000000000"
                           "03636174" "6869");
  g_assert_cmpint (srp_stream_data_decode (out, len, &d2), ==, SRP_DROP_NONE);
  g_assert_cmpuint (d2.len, ==, 2);
  g_assert_cmpuint (d2.label_len, ==, 3);
  /* OPEN away from offset 0, unknown flags, a label past the end: malformed. */
  out[20] = 1;
  g_assert_cmpint (srp_stream_data_decode (out, len, &d2), ==, SRP_DROP_BAD_CONTROL);
  out[20] = 0;
  out[16] = 0x07;
  g_assert_cmpint (srp_stream_data_decode (out, len, &d2), ==, SRP_DROP_BAD_CONTROL);
  out[16] = 0x03;
  out[21] = 200;
  g_assert_cmpint (srp_stream_data_decode (out, len, &d2), ==, SRP_DROP_BAD_CONTROL);
  g_assert_cmpint (srp_stream_data_decode (out, 20, &d2), ==, SRP_DROP_BAD_CONTROL);

  len = srp_stream_ack_encode (&ack, out);
  h2 = hex (out, len);
  g_assert_cmpstr (h2, ==, "53520151" "000003e8" "02" "0000000000000009" "0000000000000005"
                           "0000000000000002" "0000000000000001");
  g_assert_cmpint (srp_stream_ack_decode (out, len, &a2), ==, SRP_DROP_NONE);
  g_assert_cmpuint (a2.n_ranges, ==, 2);
  /* Ranges that touch, or come oldest first, are malformed. */
  ack.ranges[1].last = 4;
  len = srp_stream_ack_encode (&ack, out);
  g_assert_cmpint (srp_stream_ack_decode (out, len, &a2), ==, SRP_DROP_BAD_CONTROL);
  g_assert_cmpint (srp_stream_ack_decode (out, len - 1, &a2), ==, SRP_DROP_BAD_CONTROL);

  len = srp_stream_window_encode (&window, out);
  h3 = hex (out, len);
  g_assert_cmpstr (h3, ==, "53520152" "0000000000000008" "ffffffff" "0000000000400000");
  len = srp_stream_reset_encode (&reset, out);
  h4 = hex (out, len);
  g_assert_cmpstr (h4, ==, "53520153" "0000000000000009" "00000003" "01");
  out[len - 1] = 0;
  g_assert_cmpint (srp_stream_reset_decode (out, len, &reset), ==, SRP_DROP_BAD_CONTROL);
}

/* Malformed stream frames from a link are dropped and counted. */
static void
test_stream_malformed_counted (void)
{
  World w;
  SrpCore *core;
  guint8 frame[SRP_MAX_DATAGRAM];
  SrpStreamAck ack = { .n_ranges = 1, .ranges = { { .first = 0, .last = 1000000 } } };
  guint64 before;
  gsize len;

  world_init (&w, 17);
  core = srp_sim_get_core (w.sim, 0);
  before = srp_core_get_drop_count (core, SRP_DROP_BAD_CONTROL);
  /* A truncated DATA and an ACK of frames never sent. */
  /* From node 1 over its link, sealed as node 1 would. */
  srp_wire_write_prefix (frame, SRP_FRAME_STREAM_DATA);
  g_assert_true (srp_sim_inject_from (w.sim, 1, 0, frame, 10));
  len = srp_stream_ack_encode (&ack, frame);
  g_assert_true (srp_sim_inject_from (w.sim, 1, 0, frame, len));
  g_assert_cmpuint (srp_core_get_drop_count (core, SRP_DROP_BAD_CONTROL), ==, before + 2);
  srp_sim_flush (w.sim, 0);
  world_clear (&w);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/stream/disorder", test_stream_disorder);
  g_test_add_func ("/stream/reordering-is-not-loss", test_stream_reordering_is_not_loss);
  g_test_add_func ("/stream/independent", test_stream_independent);
  g_test_add_func ("/stream/slow-reader", test_stream_slow_reader);
  g_test_add_func ("/stream/bottleneck", test_stream_bottleneck);
  g_test_add_func ("/stream/random-loss", test_stream_random_loss);
  g_test_add_func ("/stream/relay-becomes-direct", test_stream_relay_becomes_direct);
  g_test_add_func ("/stream/refused", test_stream_refused);
  g_test_add_func ("/stream/peer-vanishes", test_stream_peer_vanishes);
  g_test_add_func ("/stream/read-after-loss", test_stream_read_after_loss);
  g_test_add_func ("/stream/wire", test_stream_wire);
  g_test_add_func ("/stream/malformed-counted", test_stream_malformed_counted);
  return g_test_run ();
}
