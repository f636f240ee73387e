/* bench-stream.c: bulk bytes over one SrpStream on loopback, through the
 * GIO stream API, against TCP on loopback through GSocketConnection with
 * the same API in the same process and run; prints both rates and their
 * ratio (the goal of issue 11: at least 0.7).
 *
 *   bench-stream [--mib N]   (default 256)
 *
 * Both use the same loop: 64 KiB write_all_async after write_all_async on
 * one side, 64 KiB read_async after read_async on the other, one main
 * context, until N MiB were read.
 *
 * It also prints the ceiling sealing sets: the same N MiB sealed and opened
 * in full-size frames through the links' own AEAD (srp-aead.c), one after
 * the other on this thread, as both ends of the stream share it here. No
 * stream on one thread can beat that rate, so the SrpStream/TCP ratio is
 * to be read against ceiling/TCP.
 *
 * Every rate is given twice: over wall time, and over the process's CPU
 * time (user and system), which other work on a shared machine disturbs
 * far less; the ratios are of the CPU rates.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <libsrp/srp.h>
#include <string.h>
#include <sys/resource.h>

#include "srp-aead.h"
#include "srp-session.h"
#include "srp-wire.h"

#define CHUNK (64 * 1024)

/* A rate over wall time and over CPU time, in MiB/s. */
typedef struct {
  double wall, cpu;
} Rate;

static gint64
cpu_now (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return ((gint64) usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * G_USEC_PER_SEC +
         usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
}

typedef struct {
  gint64 wall, cpu;
} Clock;

static Clock
clock_start (void)
{
  return (Clock) { g_get_monotonic_time (), cpu_now () };
}

static Rate
clock_rate (Clock start, guint64 bytes)
{
  double mib = (double) bytes / (1024.0 * 1024.0);

  return (Rate) {
    mib / ((double) (g_get_monotonic_time () - start.wall) / G_USEC_PER_SEC),
    mib / ((double) MAX (cpu_now () - start.cpu, 1) / G_USEC_PER_SEC),
  };
}

typedef struct {
  GOutputStream *out;
  GInputStream *in;
  guint64 total, written, read;
  guint8 wbuf[CHUNK];
  guint8 rbuf[CHUNK];
  gboolean done;
  GError *error;
} Transfer;

static void write_next (Transfer *t);

static void
on_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Transfer *t = user_data;
  gsize n = 0;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, &n, &t->error))
    {
      t->done = TRUE;
      return;
    }
  t->written += n;
  write_next (t);
}

static void
write_next (Transfer *t)
{
  if (t->written >= t->total)
    return;
  g_output_stream_write_all_async (t->out, t->wbuf, MIN (CHUNK, t->total - t->written),
                                   G_PRIORITY_DEFAULT, NULL, on_written, t);
}

static void
on_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Transfer *t = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &t->error);

  if (n <= 0)
    {
      t->done = TRUE;
      return;
    }
  t->read += n;
  if (t->read >= t->total)
    {
      t->done = TRUE;
      return;
    }
  g_input_stream_read_async (t->in, t->rbuf, CHUNK, G_PRIORITY_DEFAULT, NULL, on_read, t);
}

/* From out to in. */
static Rate
run (GOutputStream *out, GInputStream *in, guint64 total)
{
  Transfer *t = g_new0 (Transfer, 1);
  Clock start;
  Rate rate;

  t->out = out;
  t->in = in;
  t->total = total;
  memset (t->wbuf, 0x5a, sizeof t->wbuf);
  start = clock_start ();
  write_next (t);
  g_input_stream_read_async (in, t->rbuf, CHUNK, G_PRIORITY_DEFAULT, NULL, on_read, t);
  while (!t->done)
    g_main_context_iteration (NULL, TRUE);
  if (t->error != NULL)
    g_error ("transfer failed: %s", t->error->message);
  rate = clock_rate (start, t->read);
  g_free (t);
  return rate;
}

static void
on_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
on_incoming (SrpPeer *peer, SrpStream *stream, gpointer user_data)
{
  *(SrpStream **) user_data = g_object_ref (stream);
  return TRUE;
}

static void
wait_for (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
}

static Rate
run_srp (guint64 total)
{
  g_autoptr (SrpPeer) a = srp_peer_new ();
  g_autoptr (SrpPeer) b = srp_peer_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (SrpStream) ours = NULL;
  g_autoptr (SrpStream) theirs = NULL;
  Rate rate;

  if (!srp_peer_listen (b, "127.0.0.208", 0, &error) ||
      !srp_peer_add_bootstrap (a, "127.0.0.208", srp_peer_get_port (b), &error) ||
      !srp_peer_listen (a, "127.0.0.207", 0, &error))
    g_error ("listen: %s", error->message);
  g_signal_connect (b, "incoming-stream", G_CALLBACK (on_incoming), &theirs);
  while (g_list_model_get_n_items (srp_peer_get_peers (a)) == 0)
    g_main_context_iteration (NULL, TRUE);
  srp_peer_open_stream_async (a, srp_peer_get_id (b), "bench", NULL, on_result, &result);
  wait_for (&result);
  ours = srp_peer_open_stream_finish (a, result, &error);
  if (ours == NULL)
    g_error ("open: %s", error->message);
  rate = run (g_io_stream_get_output_stream (G_IO_STREAM (ours)),
              g_io_stream_get_input_stream (G_IO_STREAM (theirs)), total);
  g_print ("srp: %.1f MiB/s (%.1f MiB/s of CPU), %" G_GUINT64_FORMAT " bytes sent again\n",
           rate.wall, rate.cpu, srp_stream_get_bytes_retransmitted (ours));
  g_io_stream_close (G_IO_STREAM (ours), NULL, NULL);
  srp_peer_close (a);
  srp_peer_close (b);
  return rate;
}

static void
on_accepted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GSocketConnection **) user_data =
    g_socket_listener_accept_finish (G_SOCKET_LISTENER (source), result, NULL, NULL);
}

static Rate
run_tcp (guint64 total)
{
  g_autoptr (GSocketListener) listener = g_socket_listener_new ();
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GInetAddress) inet = g_inet_address_new_from_string ("127.0.0.208");
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (inet, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GSocketConnection) server = NULL;
  g_autoptr (GSocketConnection) conn = NULL;
  g_autoptr (GError) error = NULL;
  Rate rate;

  if (!g_socket_listener_add_address (listener, address, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error))
    g_error ("tcp listen: %s", error->message);
  g_socket_listener_accept_async (listener, NULL, on_accepted, &server);
  conn = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (bound), NULL, &error);
  if (conn == NULL)
    g_error ("tcp connect: %s", error->message);
  while (server == NULL)
    g_main_context_iteration (NULL, TRUE);
  rate = run (g_io_stream_get_output_stream (G_IO_STREAM (conn)),
              g_io_stream_get_input_stream (G_IO_STREAM (server)), total);
  g_print ("tcp: %.1f MiB/s (%.1f MiB/s of CPU)\n", rate.wall, rate.cpu);
  return rate;
}

/* Sealing then opening total bytes in full-size frames. */
static Rate
run_ceiling (guint64 total)
{
  enum { BODY = SRP_MAX_DATAGRAM - SRP_SEAL_HEADER_LEN - SRP_AEAD_TAG_LEN };
  g_autoptr (SrpAead) aead = srp_aead_new ();
  guint8 key[SRP_AEAD_KEY_LEN], nonce[SRP_AEAD_NONCE_LEN] = { 0 };
  guint8 header[SRP_SEAL_HEADER_LEN], plain[BODY], sealed[BODY], tag[SRP_AEAD_TAG_LEN];
  guint64 done;
  Clock start;

  memset (key, 0x17, sizeof key);
  memset (header, 0x3c, sizeof header);
  memset (plain, 0x5a, sizeof plain);
  start = clock_start ();
  for (done = 0; done < total; done += BODY)
    {
      nonce[11]++;
      srp_aead_seal (aead, key, nonce, header, sizeof header, plain, BODY, sealed, tag);
      if (!srp_aead_open (aead, key, nonce, header, sizeof header, sealed, BODY, plain, tag))
        g_error ("the ceiling's own frame did not open");
    }
  return clock_rate (start, done);
}

int
main (int argc, char **argv)
{
  gint mib = 256;
  GOptionEntry entries[] = {
    { "mib", 0, 0, G_OPTION_ARG_INT, &mib, "MiB to send (default 256)", "N" },
    { NULL },
  };
  g_autoptr (GOptionContext) options = g_option_context_new ("- SrpStream against TCP");
  g_autoptr (GError) error = NULL;
  Rate srp, tcp, ceiling;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error) || mib <= 0)
    {
      g_printerr ("%s\n", error != NULL ? error->message : "--mib must be positive");
      return 2;
    }
  g_print ("%d MiB over one stream on loopback, GIO async API, one main context\n", mib);
  tcp = run_tcp ((guint64) mib * 1024 * 1024);
  srp = run_srp ((guint64) mib * 1024 * 1024);
  ceiling = run_ceiling ((guint64) mib * 1024 * 1024);
  g_print ("ceiling: %.1f MiB/s (%.1f MiB/s of CPU) sealed and opened on one thread "
           "(%s, %d-byte frames)\n",
           ceiling.wall, ceiling.cpu, srp_aead_backend (), SRP_MAX_DATAGRAM);
  g_print ("ratio ceiling/tcp: %.2f (wall %.2f)\n", ceiling.cpu / tcp.cpu, ceiling.wall / tcp.wall);
  g_print ("ratio srp/ceiling: %.2f (wall %.2f)\n", srp.cpu / ceiling.cpu, srp.wall / ceiling.wall);
  g_print ("ratio srp/tcp: %.2f (wall %.2f; goal >= 0.7)\n", srp.cpu / tcp.cpu, srp.wall / tcp.wall);
  return 0;
}
