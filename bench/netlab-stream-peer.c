/* netlab-stream-peer.c: one end of a lab benchmark (bench-netlab-stream), either over
 * SrpStream or over a kernel TCP connection, through the same GIO stream code, so that the two
 * differ only in the transport:
 *
 *   srp-recv --listen ADDR:PORT [--measure S | --messages]     prints this peer's ID on stderr
 *   srp-send --to ADDR:PORT --id PEER_ID (--seconds S | --messages N) [--streams K]
 *   tcp-recv --listen ADDR:PORT [--measure S | --messages]
 *   tcp-send --to ADDR:PORT (--seconds S | --messages N) [--streams K]
 *
 * Bulk: the sender writes 64 KiB after 64 KiB for S seconds on one stream; the receiver counts
 * what arrives in the --measure seconds after its first byte and prints the goodput.
 * Messages: every 10 ms the sender writes one 64-byte record (a sequence number and the
 * monotonic time it was written) on each of K SrpStreams, or the same K records one after
 * another on its one TCP connection (TCP_NODELAY); the receiver prints percentiles of the time
 * from write to read (the lab's namespaces share one monotonic clock).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <libsrp/srp.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define CHUNK (64 * 1024)
#define RECORD 64
#define TICK_MS 10
#define MAX_STREAMS 64
#define GIVE_UP_S 90

typedef struct _Bench Bench;

typedef struct {
  Bench *bench;
  GIOStream *io;
  GByteArray *pending; /* records not yet handed to a write */
  gboolean busy, closed;
  guint8 rbuf[CHUNK];
  GByteArray *partial; /* a record cut by a read */
  guint8 wbuf[CHUNK];
} Conn;

struct _Bench {
  gboolean srp, sender;
  int seconds, measure, messages, n_streams;
  gboolean messages_mode;
  GPtrArray *conns;
  gint64 first_byte, deadline;
  guint64 bytes;
  guint ended;
  guint rounds;
  GArray *latencies; /* gint64 µs */
  gboolean done;
  int status;
};

static void
fail (Bench *b, const char *what, const GError *error)
{
  g_printerr ("netlab-stream-peer: %s: %s\n", what, error ? error->message : "failed");
  b->status = 1;
  b->done = TRUE;
}

static gboolean
parse_host_port (const char *s, char **host, guint16 *port)
{
  const char *colon = s ? strrchr (s, ':') : NULL;
  guint64 p;

  if (colon == NULL || !g_ascii_string_to_unsigned (colon + 1, 10, 0, 65535, &p, NULL))
    return FALSE;
  *host = g_strndup (s, colon - s);
  *port = (guint16) p;
  return TRUE;
}

/* ---- receiving ---------------------------------------------------------------------------- */

/* NETLAB_STREAM_STATS=1: the sender's stream counters (losses, undos,
 * timeouts, window) on one line of stderr, to see why a run shared the link
 * as it did. */
static void
print_stream_stats (SrpPeer *peer)
{
  g_autoptr (GVariant) stats = srp_peer_get_stats (peer);
  g_autoptr (GString) line = g_string_new ("stats:");
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_iter_init (&iter, stats);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      if (g_str_has_prefix (key, "stream_"))
        {
          g_autofree char *text = g_variant_print (value, FALSE);
          g_string_append_printf (line, " %s=%s", key + strlen ("stream_"), text);
        }
      g_variant_unref (value);
    }
  g_printerr ("%s\n", line->str);
}

static void read_next (Conn *c);

static void
take_records (Conn *c, const guint8 *data, gsize n)
{
  Bench *b = c->bench;
  gint64 now = g_get_monotonic_time ();

  g_byte_array_append (c->partial, data, n);
  while (c->partial->len >= RECORD)
    {
      gint64 sent;

      memcpy (&sent, c->partial->data + 8, sizeof sent);
      sent = now - sent;
      g_array_append_val (b->latencies, sent);
      g_byte_array_remove_range (c->partial, 0, RECORD);
    }
}

static void
on_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Conn *c = user_data;
  Bench *b = c->bench;
  g_autoptr (GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  gint64 now = g_get_monotonic_time ();

  if (n < 0)
    {
      fail (b, "read", error);
      return;
    }
  if (n == 0)
    {
      if (++b->ended == b->conns->len && b->messages_mode)
        b->done = TRUE;
      return;
    }
  if (b->first_byte == 0)
    {
      b->first_byte = now;
      b->deadline = now + (gint64) b->measure * G_USEC_PER_SEC;
    }
  if (b->messages_mode)
    take_records (c, c->rbuf, n);
  else if (now < b->deadline)
    b->bytes += n;
  else
    {
      b->done = TRUE;
      return;
    }
  read_next (c);
}

static void
read_next (Conn *c)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (c->io), c->rbuf, sizeof c->rbuf,
                             G_PRIORITY_DEFAULT, NULL, on_read, c);
}

static Conn *
add_conn (Bench *b, GIOStream *io)
{
  Conn *c = g_new0 (Conn, 1);

  c->bench = b;
  c->io = g_object_ref (io);
  c->pending = g_byte_array_new ();
  c->partial = g_byte_array_new ();
  g_ptr_array_add (b->conns, c);
  return c;
}

static gboolean
on_incoming_stream (SrpPeer *peer, SrpStream *stream, gpointer user_data)
{
  (void) peer;
  read_next (add_conn (user_data, G_IO_STREAM (stream)));
  return TRUE;
}

static gboolean
on_incoming_tcp (GSocketService *service, GSocketConnection *connection, GObject *source,
                 gpointer user_data)
{
  (void) service;
  (void) source;
  read_next (add_conn (user_data, G_IO_STREAM (connection)));
  return TRUE;
}

static gint
compare_i64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

static void
report (Bench *b)
{
  if (!b->messages_mode)
    {
      printf ("goodput_mbit=%.2f bytes=%" G_GUINT64_FORMAT "\n",
              b->bytes * 8.0 / 1e6 / b->measure, b->bytes);
      return;
    }
  if (b->latencies->len == 0)
    {
      printf ("messages=0\n");
      return;
    }
  g_array_sort (b->latencies, compare_i64);
#define PCT(p) (g_array_index (b->latencies, gint64, (b->latencies->len - 1) * (p) / 100) / 1e3)
  printf ("messages=%u p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n", b->latencies->len, PCT (50),
          PCT (99), PCT (100));
#undef PCT
}

/* ---- sending ------------------------------------------------------------------------------- */

static void write_pending (Conn *c);

static void
on_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Conn *c = user_data;
  g_autoptr (GError) error = NULL;
  gsize n = 0;

  c->busy = FALSE;
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, &n, &error))
    {
      /* A bulk receiver leaves once it has measured: the end, not a failure. */
      if (!c->bench->messages_mode)
        {
          c->bench->done = TRUE;
          return;
        }
      fail (c->bench, "write", error);
      return;
    }
  if (c->bench->messages_mode)
    g_byte_array_remove_range (c->pending, 0, n);
  write_pending (c);
}

static void
on_closed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Conn *c = user_data;
  Bench *b = c->bench;
  g_autoptr (GError) error = NULL;

  if (!g_output_stream_close_finish (G_OUTPUT_STREAM (source), result, &error))
    fail (b, "close", error);
  if (++b->ended == b->conns->len)
    b->done = TRUE;
}

static void
write_pending (Conn *c)
{
  Bench *b = c->bench;
  GOutputStream *out = g_io_stream_get_output_stream (c->io);

  if (c->busy || c->closed || b->done)
    return;
  if (!b->messages_mode)
    {
      if (g_get_monotonic_time () >= b->deadline)
        {
          c->closed = TRUE;
          g_output_stream_close_async (out, G_PRIORITY_DEFAULT, NULL, on_closed, c);
          return;
        }
      c->busy = TRUE;
      g_output_stream_write_all_async (out, c->wbuf, sizeof c->wbuf, G_PRIORITY_DEFAULT, NULL,
                                       on_written, c);
      return;
    }
  if (c->pending->len > 0)
    {
      c->busy = TRUE;
      g_output_stream_write_all_async (out, c->pending->data, c->pending->len,
                                       G_PRIORITY_DEFAULT, NULL, on_written, c);
    }
  else if (b->rounds >= (guint) b->messages)
    {
      c->closed = TRUE;
      g_output_stream_close_async (out, G_PRIORITY_DEFAULT, NULL, on_closed, c);
    }
}

/* Every TICK_MS, one record on each stream (on TCP, K records on the one connection). */
static gboolean
on_tick (gpointer user_data)
{
  Bench *b = user_data;
  guint per_conn = b->srp ? 1 : (guint) b->n_streams;

  for (guint i = 0; i < b->conns->len; i++)
    {
      Conn *c = g_ptr_array_index (b->conns, i);

      for (guint k = 0; k < per_conn; k++)
        {
          guint8 rec[RECORD] = { 0 };
          guint64 seq = (guint64) b->rounds * b->n_streams + i + k;
          gint64 now = g_get_monotonic_time ();

          memcpy (rec, &seq, sizeof seq);
          memcpy (rec + 8, &now, sizeof now);
          g_byte_array_append (c->pending, rec, sizeof rec);
        }
    }
  b->rounds++;
  for (guint i = 0; i < b->conns->len; i++)
    write_pending (g_ptr_array_index (b->conns, i));
  return b->rounds < (guint) b->messages ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

typedef struct {
  GObject *stream;
  GError *error;
  gboolean done;
} Opened;

static void
on_opened (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Opened *o = user_data;

  if (SRP_IS_PEER (source))
    o->stream = (GObject *) srp_peer_open_stream_finish (SRP_PEER (source), result, &o->error);
  else
    o->stream = (GObject *) g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (source),
                                                                    result, &o->error);
  o->done = TRUE;
}

/* The baseline is CUBIC whatever the host's default (it may be BBR, and a network namespace
 * cannot change its default here), and messages go out as they are written (no Nagle). */
static gboolean
tcp_setup (Bench *b, GSocketConnection *connection)
{
  int fd = g_socket_get_fd (g_socket_connection_get_socket (connection));
  char name[16] = "";
  socklen_t len = sizeof name;
  int one = 1;

  if (setsockopt (fd, IPPROTO_TCP, TCP_CONGESTION, "cubic", strlen ("cubic")) != 0 ||
      getsockopt (fd, IPPROTO_TCP, TCP_CONGESTION, name, &len) != 0 ||
      strncmp (name, "cubic", sizeof name) != 0 ||
      setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
    {
      g_printerr ("netlab-stream-peer: cannot make the TCP connection CUBIC: %s\n",
                  g_strerror (errno));
      b->status = 1;
      return FALSE;
    }
  g_printerr ("tcp congestion control: %s\n", name);
  return TRUE;
}

static void
run_until (gboolean *flag, gint64 timeout_us)
{
  gint64 until = g_get_monotonic_time () + timeout_us;

  while (!*flag && g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, TRUE);
}

static gboolean
wake (gpointer data)
{
  (void) data;
  return G_SOURCE_CONTINUE;
}

int
main (int argc, char **argv)
{
  g_autofree char *listen = NULL, *to = NULL, *id = NULL, *host = NULL;
  guint16 port = 0;
  Bench b = { 0 };
  GOptionEntry entries[] = {
    { "listen", 0, 0, G_OPTION_ARG_STRING, &listen, "Receive on", "ADDR:PORT" },
    { "to", 0, 0, G_OPTION_ARG_STRING, &to, "Send to (for SrpStream: the receiver as bootstrap)",
      "ADDR:PORT" },
    { "id", 0, 0, G_OPTION_ARG_STRING, &id, "The receiving peer's ID (SrpStream)", "PEER_ID" },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &b.seconds, "Bulk: send for S seconds", "S" },
    { "measure", 0, 0, G_OPTION_ARG_INT, &b.measure,
      "Bulk: count S seconds from the first byte (default 8)", "S" },
    { "messages", 0, 0, G_OPTION_ARG_INT, &b.messages,
      "Messages: N rounds (sender); any value: receive records (receiver)", "N" },
    { "streams", 0, 0, G_OPTION_ARG_INT, &b.n_streams, "Messages: K streams (default 1)", "K" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("srp-recv|srp-send|tcp-recv|tcp-send");
  g_autoptr (GError) error = NULL;
  g_autoptr (SrpPeer) peer = NULL;
  g_autoptr (GSocketService) service = NULL;
  const char *mode;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2)
    {
      g_printerr ("%s\n", error ? error->message : "give one mode (see --help)");
      return 2;
    }
  mode = argv[1];
  b.srp = g_str_has_prefix (mode, "srp-");
  b.sender = g_str_has_suffix (mode, "-send");
  b.messages_mode = b.messages > 0;
  b.n_streams = MAX (b.n_streams, 1);
  b.measure = b.measure > 0 ? b.measure : 8;
  b.conns = g_ptr_array_new ();
  b.latencies = g_array_new (FALSE, FALSE, sizeof (gint64));
  if (b.n_streams > MAX_STREAMS || !parse_host_port (b.sender ? to : listen, &host, &port) ||
      (b.sender && b.srp && id == NULL) || (b.sender && !b.messages_mode && b.seconds <= 0))
    {
      g_printerr ("netlab-stream-peer: bad arguments (see --help)\n");
      return 2;
    }
  /* The receiver's reports on a quiet link must not wait for a packet to wake the loop. */
  g_timeout_add (100, wake, NULL);

  if (!b.sender)
    {
      if (b.srp)
        {
          peer = srp_peer_new ();
          g_signal_connect (peer, "incoming-stream", G_CALLBACK (on_incoming_stream), &b);
          if (!srp_peer_listen (peer, host, port, &error))
            {
              fail (&b, "listen", error);
              return 1;
            }
          g_printerr ("peer %s listening on port %u\n", srp_peer_get_id (peer),
                      srp_peer_get_port (peer));
        }
      else
        {
          g_autoptr (GInetAddress) addr = g_inet_address_new_from_string (host);
          g_autoptr (GSocketAddress) sa = addr ? g_inet_socket_address_new (addr, port) : NULL;

          service = g_socket_service_new ();
          if (sa == NULL || !g_socket_listener_add_address (G_SOCKET_LISTENER (service), sa,
                                                            G_SOCKET_TYPE_STREAM,
                                                            G_SOCKET_PROTOCOL_TCP, NULL, NULL,
                                                            &error))
            {
              fail (&b, "listen", error);
              return 1;
            }
          g_signal_connect (service, "incoming", G_CALLBACK (on_incoming_tcp), &b);
          g_printerr ("tcp listening on port %u\n", port);
        }
      /* Bulk: until the measurement ends; messages: until every stream ended. Never more
       * than GIVE_UP_S. */
      gint64 give_up = g_get_monotonic_time () + GIVE_UP_S * G_USEC_PER_SEC;

      while (!b.done)
        {
          g_main_context_iteration (NULL, TRUE);
          if (g_get_monotonic_time () > give_up)
            {
              fail (&b, "receive", NULL);
              g_printerr ("netlab-stream-peer: nothing complete after %d s\n", GIVE_UP_S);
            }
          if (!b.messages_mode && b.first_byte != 0 && g_get_monotonic_time () >= b.deadline)
            b.done = TRUE;
        }
      if (b.status == 0)
        report (&b);
      fflush (stdout);
      if (peer != NULL)
        srp_peer_close (peer);
      return b.status;
    }

  /* Sending: one connection (TCP) or K streams (SrpStream) to the receiver. */
  if (b.srp)
    {
      peer = srp_peer_new ();
      if (!srp_peer_listen (peer, NULL, 0, &error) ||
          !srp_peer_add_bootstrap (peer, host, port, &error))
        {
          fail (&b, "peer", error);
          return 1;
        }
      /* Opening asks the network where the peer is: join it (the receiver) first. */
      {
        gint64 until = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

        while (g_list_model_get_n_items (srp_peer_get_peers (peer)) == 0 &&
               g_get_monotonic_time () < until)
          g_main_context_iteration (NULL, TRUE);
      }
    }
  for (int i = 0; i < (b.srp ? b.n_streams : 1); i++)
    {
      Opened o = { NULL, NULL, FALSE };

      if (b.srp)
        srp_peer_open_stream_async (peer, id, "bench", NULL, on_opened, &o);
      else
        {
          g_autoptr (GSocketClient) client = g_socket_client_new ();
          g_socket_client_connect_to_host_async (client, to, port, NULL, on_opened, &o);
          run_until (&o.done, 30 * G_USEC_PER_SEC);
        }
      run_until (&o.done, 30 * G_USEC_PER_SEC);
      if (o.stream == NULL)
        {
          fail (&b, "open", o.error);
          g_clear_error (&o.error);
          return 1;
        }
      if (!b.srp && !tcp_setup (&b, G_SOCKET_CONNECTION (o.stream)))
        return 1;
      add_conn (&b, G_IO_STREAM (o.stream));
      g_object_unref (o.stream);
    }
  if (b.messages_mode)
    g_timeout_add (TICK_MS, on_tick, &b);
  else
    {
      b.deadline = g_get_monotonic_time () + (gint64) b.seconds * G_USEC_PER_SEC;
      for (guint i = 0; i < b.conns->len; i++)
        write_pending (g_ptr_array_index (b.conns, i));
    }
  while (!b.done)
    g_main_context_iteration (NULL, TRUE);
  /* The peer stays until the receiver has every byte (its ACKs, its retransmissions). */
  {
    gboolean never = FALSE;
    run_until (&never, 3 * G_USEC_PER_SEC);
  }
  if (peer != NULL && g_getenv ("NETLAB_STREAM_STATS") != NULL)
    print_stream_stats (peer);
  if (peer != NULL)
    srp_peer_close (peer);
  return b.status;
}
