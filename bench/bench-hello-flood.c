/* bench-hello-flood.c: a real node (srp-tool node, its own process) flooded
 * on loopback with well-formed HELLOs from many source ports, and what a
 * legitimate peer gets from it meanwhile (issue 12). docs/protocol.md,
 * "Under load: cookies", says what the node should do: at most 64 full
 * answers a second, COOKIE beyond, pings and newcomers served.
 *
 * The node runs as `srp-tool node` in a process of its own, not in this
 * one: it is then the shell a user runs (GSocket receive path, the tool's
 * main loop), its CPU is its own (/proc/PID/stat) and not mixed with the
 * flooder's, and a crash or a stall shows as one. Its figures come from its
 * status API (`srp-tool stats --api`).
 *
 * This process holds three things:
 *   - the flooder, one thread: SOCKETS UDP sockets (one source port each)
 *     send HELLOs in sendmmsg batches of 32 as fast as the thread goes,
 *     each with a random sender ID, challenge and ephemeral key
 *     (srp_hello_encode, the core's encoder), and read what comes back on
 *     them between rounds, counted by frame kind;
 *   - a pinger (SrpPeer, public API) pinging the node 10 times a second;
 *   - a messenger (SrpPeer), linked to the node before the phases, sending
 *     a letter to the node's inbox 10 times a second: a letter counts as
 *     answered when the node took it (srp_peer_send_finish: its only link
 *     acknowledged it);
 *   - newcomers (SrpPeer), fresh peers bootstrapping to the node a second
 *     into the phase and halfway: how long until they are connected (they
 *     may keep trying up to 30 s from their start, past the flood's end).
 * The pinger and a newcomer run first without the flood (the baseline, in
 * the same run), then during it.
 *
 *   _build-release/bench/bench-hello-flood [--seconds 10] [--baseline 3] [--sockets 128]
 *                                          [--echo-cookies] [--addresses N]
 *
 * By default the flooder never answers what it gets, as a flood from
 * spoofed sources cannot; --echo-cookies answers each COOKIE with its
 * HELLO, as a flood from hosts that receive can. The flood comes from
 * 127.0.0.2, one address (a responder gives each source its share of the
 * half-open places); --addresses N spreads its sockets over N addresses
 * of 127.0.1.0/24 instead, as a flood from many hosts (or spoofed ones)
 * does.
 *
 * A benchmark: it prints, it never fails on figures (exit 1 only when it
 * cannot run: no node, no status API).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _GNU_SOURCE
#include <libsrp/srp.h>
#include <json-glib/json-glib.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench-raw-udp.h"
#include "srp-control.h"

#define BATCH 32
#define MAX_SOCKETS 1024
#define PING_INTERVAL_MS 100
/* How long pings and newcomers may take after a phase before they count as
 * unanswered (the core gives up on a ping after its resends anyway). */
#define SETTLE_MS 4000
/* How long a newcomer may try, from its start: a handshake that failed under
 * the flood is tried again 0.5 + 1 + 2 + 4 s later and its bootstrap backs
 * off 10 s (srp-mesh-handshake.c), so whether it gets in once the flood is
 * over shows only well after it. */
#define NEWCOMER_WAIT_MS 30000

/* ---- the flooder ---- */

typedef struct {
  guint16 port;
  guint n_sockets;
  gboolean echo_cookies; /* answer each COOKIE with its HELLO, as an initiator does */
  guint n_addresses;     /* 0: all from 127.0.0.2; else over 127.0.1.1-N */
  atomic_bool stop;
  guint64 seed;
  /* results, read after the join */
  guint64 sent, send_failures;
  guint64 replies[256]; /* by frame kind */
  guint64 replies_other; /* not an SRP frame */
  guint64 cookies_echoed;
  double seconds;        /* from the first send to the stop */
  double cpu_us;
} Flood;

static guint64
xorshift (guint64 *s)
{
  guint64 x = *s;

  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return *s = x;
}

static void
random_bytes (guint64 *s, guint8 *out, gsize len)
{
  for (gsize i = 0; i < len; i += 8)
    {
      guint64 r = xorshift (s);
      memcpy (out + i, &r, MIN (8, len - i));
    }
}

static void
random_hello (guint64 *seed, SrpHello *hello)
{
  random_bytes (seed, hello->sender.bytes, SRP_ID_LEN);
  random_bytes (seed, hello->challenge, SRP_CHALLENGE_LEN);
  random_bytes (seed, hello->ephemeral, SRP_HELLO_EPHEMERAL_LEN);
}

/* With --echo-cookies the flood comes from sources that receive (as a
 * flood from real hosts does): a COOKIE gets its HELLO back at once, with
 * the echoed challenge and the cookie, and may be answered in full. */
static void
echo_cookie (Flood *flood, int fd, const guint8 *frame, gsize len)
{
  SrpCookie cookie;
  SrpHello hello = { .flags = SRP_HELLO_FLAG_COOKIE };
  guint8 out[SRP_MAX_DATAGRAM];

  if (srp_cookie_decode (frame, len, &cookie) != SRP_DROP_NONE)
    return;
  random_hello (&flood->seed, &hello);
  memcpy (hello.challenge, cookie.echo, SRP_CHALLENGE_LEN);
  memcpy (hello.cookie, cookie.cookie, SRP_COOKIE_LEN);
  if (send (fd, out, srp_hello_encode (&hello, out), 0) > 0)
    flood->cookies_echoed++;
}

static void
count_reply (Flood *flood, int fd, const guint8 *frame, gssize len)
{
  if (len >= 4 && frame[0] == 0x53 && frame[1] == 0x52 && frame[2] == 0x01)
    {
      flood->replies[frame[3]]++;
      if (flood->echo_cookies && frame[3] == SRP_FRAME_COOKIE && !atomic_load (&flood->stop))
        echo_cookie (flood, fd, frame, len);
    }
  else
    flood->replies_other++;
}

/* Reads whatever waits on fd, without blocking. */
static void
drain (Flood *flood, int fd, guint8 (*buf)[SRP_MAX_DATAGRAM], struct mmsghdr *msgs,
       struct iovec *iov)
{
  for (;;)
    {
      int n;

      for (guint i = 0; i < BATCH; i++)
        {
          iov[i].iov_base = buf[i];
          iov[i].iov_len = SRP_MAX_DATAGRAM;
          memset (&msgs[i].msg_hdr, 0, sizeof msgs[i].msg_hdr);
          msgs[i].msg_hdr.msg_iov = &iov[i];
          msgs[i].msg_hdr.msg_iovlen = 1;
        }
      n = recvmmsg (fd, msgs, BATCH, MSG_DONTWAIT, NULL);
      if (n <= 0)
        return;
      for (int i = 0; i < n; i++)
        count_reply (flood, fd, buf[i], msgs[i].msg_len);
    }
}

static gpointer
flood_main (gpointer data)
{
  Flood *flood = data;
  clockid_t clock = bench_thread_cpu_clock ();
  int fds[MAX_SOCKETS];
  struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons (flood->port),
                            .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  /* Static: one flood thread at a time, and 2 x 32 datagrams of stack is much. */
  static guint8 out[BATCH][SRP_MAX_DATAGRAM], in[BATCH][SRP_MAX_DATAGRAM];
  struct mmsghdr msgs[BATCH], rmsgs[BATCH];
  struct iovec iov[BATCH], riov[BATCH];
  SrpHello hello = { .flags = 0 };
  double cpu0 = bench_cpu_us (clock);
  gint64 start = g_get_monotonic_time ();

  for (guint k = 0; k < flood->n_sockets; k++)
    {
      /* From 127.0.0.2: the flood is one attacker's address, the pinger
       * and the newcomers (127.0.0.1) everyone else's, so a responder's
       * share per source is seen at work. */
      guint32 from = flood->n_addresses == 0 ? INADDR_LOOPBACK + 1
                                             : INADDR_LOOPBACK + 256 + 1 + k % flood->n_addresses;
      struct sockaddr_in any = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (from) };

      fds[k] = socket (AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
      if (fds[k] < 0 || bind (fds[k], (struct sockaddr *) &any, sizeof any) < 0 ||
          connect (fds[k], (struct sockaddr *) &to, sizeof to) < 0)
        g_error ("bench-hello-flood: flood socket: %s", g_strerror (errno));
    }

  while (!atomic_load (&flood->stop))
    {
      for (guint k = 0; k < flood->n_sockets; k++)
        {
          int n;

          for (guint i = 0; i < BATCH; i++)
            {
              random_hello (&flood->seed, &hello);
              iov[i].iov_base = out[i];
              iov[i].iov_len = srp_hello_encode (&hello, out[i]);
              memset (&msgs[i].msg_hdr, 0, sizeof msgs[i].msg_hdr);
              msgs[i].msg_hdr.msg_iov = &iov[i];
              msgs[i].msg_hdr.msg_iovlen = 1;
            }
          n = sendmmsg (fds[k], msgs, BATCH, 0);
          if (n > 0)
            flood->sent += n;
          if (n < BATCH)
            flood->send_failures += BATCH - MAX (n, 0);
        }
      for (guint k = 0; k < flood->n_sockets; k++)
        drain (flood, fds[k], in, rmsgs, riov);
    }
  flood->seconds = (g_get_monotonic_time () - start) / 1e6;
  flood->cpu_us = bench_cpu_us (clock) - cpu0;

  /* Replies still on their way. */
  for (gint64 until = g_get_monotonic_time () + 500 * 1000; g_get_monotonic_time () < until;)
    {
      g_usleep (20 * 1000);
      for (guint k = 0; k < flood->n_sockets; k++)
        drain (flood, fds[k], in, rmsgs, riov);
    }
  for (guint k = 0; k < flood->n_sockets; k++)
    close (fds[k]);
  return NULL;
}

/* The size of one HELLO datagram, for the header line. */
static gsize
hello_len (void)
{
  static guint8 out[SRP_MAX_DATAGRAM];
  SrpHello hello = { .flags = 0 };

  return srp_hello_encode (&hello, out);
}

/* ---- the node ---- */

typedef struct {
  GSubprocess *process;
  GDataInputStream *out;
  char *id;
  guint16 port;
  char *api;
} Node;

/* Reads the node's JSON lines until the event; NULL at the end of its output. */
static JsonObject *
node_read_event (Node *node, const char *event, JsonParser *parser)
{
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line (node->out, NULL, NULL, NULL);
      JsonObject *object;

      if (line == NULL)
        return NULL;
      if (!json_parser_load_from_data (parser, line, -1, NULL) ||
          !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        continue;
      object = json_node_get_object (json_parser_get_root (parser));
      if (g_strcmp0 (json_object_get_string_member_with_default (object, "event", ""), event) == 0)
        return object;
    }
}

/* The node's later lines (peer-added, ...) are read and forgotten, so that
 * a full pipe never stops it. */
static void
on_node_line (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autofree char *line =
    g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), result, NULL, NULL);

  if (line != NULL)
    g_data_input_stream_read_line_async (G_DATA_INPUT_STREAM (source), G_PRIORITY_DEFAULT, NULL,
                                         on_node_line, NULL);
}

static gboolean
node_start (Node *node)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *event;

  node->process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, SRP_TOOL, "node",
                                    "--ephemeral", "--json", "--no-lan", "--listen",
                                    "127.0.0.1:0", "--http", "127.0.0.1:0", NULL);
  if (node->process == NULL)
    {
      g_printerr ("bench-hello-flood: %s: %s\n", SRP_TOOL, error->message);
      return FALSE;
    }
  node->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (node->process));
  if ((event = node_read_event (node, "ready", parser)) == NULL)
    return FALSE;
  node->id = g_strdup (json_object_get_string_member (event, "id"));
  node->port = json_object_get_int_member (event, "port");
  if ((event = node_read_event (node, "http", parser)) == NULL)
    return FALSE;
  node->api = g_strdup (json_object_get_string_member (event, "url"));
  g_data_input_stream_read_line_async (node->out, G_PRIORITY_DEFAULT, NULL, on_node_line, NULL);
  return TRUE;
}

static gboolean
node_alive (Node *node)
{
  g_autofree char *path =
    g_strdup_printf ("/proc/%s/stat", g_subprocess_get_identifier (node->process));

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* The node's CPU time (user + system), in seconds; -1 when it is gone. */
static double
node_cpu_s (Node *node)
{
  g_autofree char *path =
    g_strdup_printf ("/proc/%s/stat", g_subprocess_get_identifier (node->process));
  g_autofree char *text = NULL;
  const char *p;
  unsigned long utime, stime;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (p = strrchr (text, ')')) == NULL)
    return -1;
  /* After ") ": state (3), then fields 4-13, utime (14), stime (15). */
  if (sscanf (p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
    return -1;
  return (double) (utime + stime) / sysconf (_SC_CLK_TCK);
}

/* VmRSS or VmHWM of the node, in KiB; -1 when it is gone. */
static double
node_memory_kib (Node *node, const char *field)
{
  g_autofree char *path =
    g_strdup_printf ("/proc/%s/status", g_subprocess_get_identifier (node->process));
  g_autofree char *text = NULL;
  const char *p;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (p = strstr (text, field)) == NULL)
    return -1;
  return g_ascii_strtod (p + strlen (field) + 1, NULL);
}

/* The node's srp_peer_get_stats, through its status API and srp-tool stats. */
static JsonObject *
node_stats (Node *node)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  const char *argv[] = { SRP_TOOL, "stats", "--json", "--api", node->api, NULL };
  int status;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out,
                     NULL, &status, &error) ||
      !g_spawn_check_wait_status (status, NULL) ||
      !json_parser_load_from_data (parser, out, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return NULL;
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static double
stat_number (JsonObject *stats, const char *key)
{
  return stats != NULL ? json_object_get_double_member_with_default (stats, key, 0) : 0;
}

static double
stat_drop (JsonObject *stats, const char *reason)
{
  JsonObject *drops;

  if (stats == NULL || (drops = json_object_get_object_member (stats, "drops")) == NULL)
    return 0;
  return json_object_get_double_member_with_default (drops, reason, 0);
}

/* ---- the legitimate peers ---- */

typedef struct {
  const char *host;
  guint16 port;
  guint sent, answered, pending;
  GArray *rtt_ms; /* double */
  guint timer;
  /* the messenger's letters */
  const char *node_id;
  guint letters_sent, letters_taken, letters_pending;
} Pinger;

static void
on_pinged (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Pinger *pinger = user_data;
  gint64 rtt_us = srp_peer_ping_finish (SRP_PEER (source), result, NULL);

  pinger->pending--;
  if (rtt_us >= 0)
    {
      double ms = rtt_us / 1000.0;

      pinger->answered++;
      g_array_append_val (pinger->rtt_ms, ms);
    }
}

typedef struct {
  SrpPeer *peer;
  SrpPeer *messenger;
  Pinger *pinger;
} PingTick;

static void
on_letter_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Pinger *pinger = user_data;

  pinger->letters_pending--;
  if (srp_peer_send_finish (SRP_PEER (source), result, NULL, NULL) > 0)
    pinger->letters_taken++;
}

static gboolean
on_ping_tick (gpointer data)
{
  PingTick *tick = data;
  g_autofree char *text = g_strdup_printf ("letter %u", tick->pinger->letters_sent);
  g_autoptr (GBytes) letter = g_bytes_new (text, strlen (text));

  tick->pinger->letters_sent++;
  tick->pinger->letters_pending++;
  srp_peer_send_async (tick->messenger, tick->pinger->node_id, letter, NULL, on_letter_sent,
                       tick->pinger);

  tick->pinger->sent++;
  tick->pinger->pending++;
  srp_peer_ping_async (tick->peer, tick->pinger->host, tick->pinger->port, NULL, on_pinged,
                       tick->pinger);
  return G_SOURCE_CONTINUE;
}

typedef struct {
  SrpPeer *peer;
  const char *node_id;
  gint64 started_us;
  double connect_ms; /* -1 until connected */
} Newcomer;

static void
on_newcomer_added (SrpPeer *peer, SrpPeerInfo *info, Newcomer *newcomer)
{
  if (newcomer->connect_ms < 0 && g_str_equal (srp_peer_info_get_id (info), newcomer->node_id))
    newcomer->connect_ms = (g_get_monotonic_time () - newcomer->started_us) / 1000.0;
}

/* Each newcomer is a host of its own (127.0.0.10 and on): under load a
 * responder shares its signatures out by source address, and the pinger,
 * the messenger and earlier newcomers had theirs from 127.0.0.1. */
static Newcomer *
newcomer_start (Node *node, guint index)
{
  Newcomer *newcomer = g_new0 (Newcomer, 1);
  g_autoptr (GError) error = NULL;
  g_autofree char *host = g_strdup_printf ("127.0.0.%u", 10 + index);

  newcomer->peer = srp_peer_new ();
  newcomer->node_id = node->id;
  newcomer->connect_ms = -1;
  srp_peer_set_lan_discovery (newcomer->peer, FALSE);
  g_signal_connect (newcomer->peer, "peer-added", G_CALLBACK (on_newcomer_added), newcomer);
  newcomer->started_us = g_get_monotonic_time ();
  if (!srp_peer_add_bootstrap (newcomer->peer, "127.0.0.1", node->port, &error) ||
      !srp_peer_listen (newcomer->peer, host, 0, &error))
    g_error ("bench-hello-flood: newcomer: %s", error->message);
  return newcomer;
}

static void
newcomer_free (Newcomer *newcomer)
{
  /* What a newcomer that never got in saw: its own drops by reason. */
  if (newcomer->connect_ms < 0)
    {
      g_autoptr (GVariant) stats = srp_peer_get_stats (newcomer->peer);
      g_autoptr (GVariant) drops = g_variant_lookup_value (stats, "drops", NULL);
      g_autofree char *text = drops != NULL ? g_variant_print (drops, FALSE) : g_strdup ("-");
      guint64 in = 0, out = 0;

      g_variant_lookup (stats, "datagrams_in", "t", &in);
      g_variant_lookup (stats, "datagrams_out", "t", &out);
      printf ("  (a newcomer that never got in: %" G_GUINT64_FORMAT " datagrams out, %"
              G_GUINT64_FORMAT " in, drops %s)\n", out, in, text);
    }
  srp_peer_close (newcomer->peer);
  g_object_unref (newcomer->peer);
  g_free (newcomer);
}

/* ---- one phase: with or without the flood ---- */

#define NEWCOMERS_MAX 4

typedef struct {
  const char *name;
  double seconds;
  gboolean flooded;
  Flood flood;
  Pinger pinger;
  guint n_newcomers;
  double connect_ms[NEWCOMERS_MAX]; /* -1: never connected */
  double after_end_ms[NEWCOMERS_MAX]; /* how long it connected after the phase ended */
  double node_cpu_s;
  double rx_datagrams, tx_datagrams, kernel_drops, cookies_sent;
  double drops_total, drops_rate_limited, drops_other;
  double half_open_end, rss_kib_end, hwm_kib_end;
  gboolean node_alive_end;
  char *drops_text; /* reason=count, ... */
} Phase;

static void
run_until (gint64 until_us)
{
  /* Polled, not blocking: a blocking iteration would oversleep the phase's
   * deadlines by the next source's timeout. */
  while (g_get_monotonic_time () < until_us)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
}

static char *
drops_diff (JsonObject *before, JsonObject *after)
{
  GString *text = g_string_new (NULL);
  JsonObject *drops = after != NULL ? json_object_get_object_member (after, "drops") : NULL;
  g_autoptr (GList) reasons = drops != NULL ? json_object_get_members (drops) : NULL;

  for (GList *l = reasons; l != NULL; l = l->next)
    {
      double n = stat_drop (after, l->data) - stat_drop (before, l->data);

      if (n > 0)
        g_string_append_printf (text, "%s%s %.0f", text->len ? ", " : "", (char *) l->data, n);
    }
  return g_string_free (text, FALSE);
}

static void
run_phase (Node *node, SrpPeer *pinger_peer, SrpPeer *messenger, Phase *phase)
{
  g_autoptr (JsonObject) before = node_stats (node);
  g_autoptr (JsonObject) at_end = NULL;
  g_autoptr (JsonObject) after = NULL;
  double cpu0 = node_cpu_s (node), kdrops0 = bench_socket_drops (node->port);
  Newcomer *newcomers[NEWCOMERS_MAX] = { NULL };
  PingTick tick = { pinger_peer, messenger, &phase->pinger };
  GThread *thread = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 end = start + (gint64) (phase->seconds * G_USEC_PER_SEC);
  double newcomer_at[NEWCOMERS_MAX];

  /* Newcomers a second into the phase and halfway, when the phase is long
   * enough for both. */
  phase->n_newcomers = phase->seconds >= 4 ? 2 : 1;
  newcomer_at[0] = MIN (1.0, phase->seconds / 4);
  newcomer_at[1] = phase->seconds / 2;

  phase->pinger.host = "127.0.0.1";
  phase->pinger.port = node->port;
  phase->pinger.node_id = node->id;
  phase->pinger.rtt_ms = g_array_new (FALSE, FALSE, sizeof (double));
  if (phase->flooded)
    {
      phase->flood.port = node->port;
      phase->flood.seed = (guint64) g_get_real_time () | 1;
      thread = g_thread_new ("hello-flood", flood_main, &phase->flood);
    }
  phase->pinger.timer = g_timeout_add (PING_INTERVAL_MS, on_ping_tick, &tick);
  for (guint i = 0; i < phase->n_newcomers; i++)
    {
      run_until (start + (gint64) (newcomer_at[i] * G_USEC_PER_SEC));
      newcomers[i] = newcomer_start (node, phase->flooded * NEWCOMERS_MAX + i);
    }
  run_until (end);
  g_source_remove (phase->pinger.timer);
  if (thread != NULL)
    {
      atomic_store (&phase->flood.stop, TRUE);
      g_thread_join (thread);
    }
  phase->node_cpu_s = node_cpu_s (node) - cpu0;
  phase->kernel_drops = bench_socket_drops (node->port) - kdrops0;
  phase->half_open_end = -1;
  if ((at_end = node_stats (node)) != NULL)
    phase->half_open_end = stat_number (at_end, "peers_half_open");

  /* Pings in flight get SETTLE_MS more, newcomers still trying up to
   * NEWCOMER_WAIT_MS from their start. */
  for (gint64 settle = g_get_monotonic_time () + SETTLE_MS * 1000;;)
    {
      gint64 now = g_get_monotonic_time ();
      gboolean waiting =
        (phase->pinger.pending > 0 || phase->pinger.letters_pending > 0) && now < settle;

      for (guint i = 0; i < phase->n_newcomers; i++)
        waiting |= newcomers[i]->connect_ms < 0 &&
                   now < newcomers[i]->started_us + NEWCOMER_WAIT_MS * 1000;
      if (!waiting)
        break;
      run_until (now + 10 * 1000);
    }
  for (guint i = 0; i < phase->n_newcomers; i++)
    {
      phase->connect_ms[i] = newcomers[i]->connect_ms;
      phase->after_end_ms[i] =
        newcomers[i]->started_us / 1000.0 + newcomers[i]->connect_ms - end / 1000.0;
      newcomer_free (newcomers[i]);
    }
  /* Traffic is counted to the end of the phase proper, so that a phase's
   * rates are its own; drops after the settle, which may add some. */
  after = node_stats (node);
  phase->rx_datagrams =
    stat_number (at_end, "datagrams_in") - stat_number (before, "datagrams_in");
  phase->tx_datagrams =
    stat_number (at_end, "datagrams_out") - stat_number (before, "datagrams_out");
  phase->cookies_sent =
    stat_number (at_end, "cookies_sent") - stat_number (before, "cookies_sent");
  phase->drops_total = stat_number (after, "drops_total") - stat_number (before, "drops_total");
  phase->drops_text = drops_diff (before, after);
  phase->rss_kib_end = node_memory_kib (node, "VmRSS:");
  phase->hwm_kib_end = node_memory_kib (node, "VmHWM:");
  phase->node_alive_end = node_alive (node) && after != NULL;
}

/* ---- the table ---- */

static int
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
percentile (GArray *values, double p)
{
  if (values->len == 0)
    return -1;
  g_array_sort (values, compare_double);
  return g_array_index (values, double, MIN (values->len - 1, (guint) (p * values->len)));
}

static char *
format_ms (double ms)
{
  return ms < 0 ? g_strdup ("never") : g_strdup_printf ("%.1f ms", ms);
}

static void
row (const char *label, const char *base, const char *flooded, const char *note)
{
  printf ("  %-26s %16s %16s   %s\n", label, base, flooded, note != NULL ? note : "");
}

/* One row of numbers: printf formats for both columns, and a note. */
#define ROW(label, fmt, base_value, flood_value, ...)                                        \
  G_STMT_START                                                                               \
  {                                                                                          \
    g_autofree char *b_ = g_strdup_printf (fmt, base_value);                                 \
    g_autofree char *f_ = g_strdup_printf (fmt, flood_value);                                \
    g_autofree char *n_ = g_strdup_printf (__VA_ARGS__);                                     \
    row (label, b_, f_, n_);                                                                 \
  }                                                                                          \
  G_STMT_END

static double
phase_seconds (Phase *phase)
{
  return phase->flooded ? phase->flood.seconds : phase->seconds;
}

static double
ratio (double a, double b)
{
  return b > 0 && a >= 0 ? a / b : 0;
}

static void
print_table (Phase *base, Phase *flooded)
{
  Flood *flood = &flooded->flood;
  double s0 = phase_seconds (base), s1 = phase_seconds (flooded);
  double full = flood->replies[SRP_FRAME_HELLO_REPLY];
  double cookies = flood->replies[SRP_FRAME_COOKIE];
  double busy = flood->replies[SRP_FRAME_BUSY];
  double other = flood->replies_other;
  double p50[2] = { percentile (base->pinger.rtt_ms, 0.5),
                    percentile (flooded->pinger.rtt_ms, 0.5) };
  double p99[2] = { percentile (base->pinger.rtt_ms, 0.99),
                    percentile (flooded->pinger.rtt_ms, 0.99) };

  for (guint k = 0; k < 256; k++)
    if (k != SRP_FRAME_HELLO_REPLY && k != SRP_FRAME_COOKIE && k != SRP_FRAME_BUSY)
      other += flood->replies[k];

  printf ("\n");
  row ("", "no flood", "HELLO flood", "");
  ROW ("seconds", "%.1f", s0, s1, "%s", "");
  /* Echoed HELLOs (--echo-cookies) are offered too. */
  flood->sent += flood->cookies_echoed;
  ROW ("HELLOs offered /s", "%.0f", 0.0, flood->sent / s1,
       "%u source ports, flooder CPU %.0f %% of a core, %.0f sends refused, %.0f of them "
       "cookies echoed", flood->n_sockets, 100 * flood->cpu_us / 1e6 / s1,
       (double) flood->send_failures, (double) flood->cookies_echoed);
  ROW ("node received /s", "%.0f", base->rx_datagrams / s0, flooded->rx_datagrams / s1,
       "%.1f %% of offered", 100 * ratio (flooded->rx_datagrams, flood->sent));
  ROW ("kernel drops, node socket", "%.0f", base->kernel_drops, flooded->kernel_drops,
       "%.1f %% of offered", 100 * ratio (flooded->kernel_drops, flood->sent));
  ROW ("node sent /s", "%.0f", base->tx_datagrams / s0, flooded->tx_datagrams / s1, "%s", "");
  ROW ("node CPU, % of a core", "%.0f", 100 * base->node_cpu_s / s0,
       100 * flooded->node_cpu_s / s1, "%.2f us a datagram received",
       1e6 * ratio (flooded->node_cpu_s, flooded->rx_datagrams));
  ROW ("flood: full replies", "%.0f", 0.0, full, "%.1f/s (at most 64/s), %.4f %% of offered",
       full / s1, 100 * ratio (full, flood->sent));
  ROW ("flood: COOKIE replies", "%.0f", 0.0, cookies,
       "%.1f %% of offered; node counted %.0f", 100 * ratio (cookies, flood->sent),
       flooded->cookies_sent);
  {
    g_autofree char *f = g_strdup_printf ("%.0f / %.0f", busy, other);

    row ("flood: BUSY / other", "-", f, "");
  }
  {
    g_autofree char *b = g_strdup_printf ("%u/%u", base->pinger.answered, base->pinger.sent);
    g_autofree char *f =
      g_strdup_printf ("%u/%u", flooded->pinger.answered, flooded->pinger.sent);
    g_autofree char *n =
      g_strdup_printf ("%.0f %% vs %.0f %%", 100 * ratio (flooded->pinger.answered,
                                                          flooded->pinger.sent),
                       100 * ratio (base->pinger.answered, base->pinger.sent));
    row ("pings answered", b, f, n);
  }
  {
    g_autofree char *b =
      g_strdup_printf ("%u/%u", base->pinger.letters_taken, base->pinger.letters_sent);
    g_autofree char *f =
      g_strdup_printf ("%u/%u", flooded->pinger.letters_taken, flooded->pinger.letters_sent);
    g_autofree char *n =
      g_strdup_printf ("%.0f %% vs %.0f %%",
                       100 * ratio (flooded->pinger.letters_taken, flooded->pinger.letters_sent),
                       100 * ratio (base->pinger.letters_taken, base->pinger.letters_sent));
    row ("letters taken by the node", b, f, n);
  }
  ROW ("ping RTT p50, ms", "%.2f", p50[0], p50[1], "x%.1f", ratio (p50[1], p50[0]));
  ROW ("ping RTT p99, ms", "%.2f", p99[0], p99[1], "x%.1f", ratio (p99[1], p99[0]));
  for (guint i = 0; i < MAX (base->n_newcomers, flooded->n_newcomers); i++)
    {
      g_autofree char *label = g_strdup_printf ("newcomer %u connected in", i + 1);
      g_autofree char *b = i < base->n_newcomers ? format_ms (base->connect_ms[i]) : g_strdup ("");
      g_autofree char *f =
        i < flooded->n_newcomers ? format_ms (flooded->connect_ms[i]) : g_strdup ("");
      g_autofree char *n =
        i >= flooded->n_newcomers  ? g_strdup ("")
        : flooded->connect_ms[i] < 0 ? g_strdup_printf ("never: gave up %d s after its start",
                                                        NEWCOMER_WAIT_MS / 1000)
        : flooded->after_end_ms[i] > 0
          ? g_strdup_printf ("%.1f s after the flood ended", flooded->after_end_ms[i] / 1000)
          : g_strdup ("during the flood");
      row (label, b, f, n);
    }
  ROW ("half-open at the end", "%.0f", base->half_open_end, flooded->half_open_end, "%s",
       "(of 64; the flood's signed HELLOs never finish)");
  ROW ("node RSS, KiB", "%.0f", base->rss_kib_end, flooded->rss_kib_end, "peak %.0f KiB%s",
       flooded->hwm_kib_end, flooded->node_alive_end ? "" : "; THE NODE IS GONE");
  ROW ("node drops", "%.0f", base->drops_total, flooded->drops_total, "%s", "");
  printf ("  drops by reason: no flood: %s; flood: %s\n",
          *base->drops_text ? base->drops_text : "none",
          *flooded->drops_text ? flooded->drops_text : "none");
}

int
main (int argc, char **argv)
{
  double seconds = 10, baseline = 3;
  int sockets = 128, addresses = 0;
  gboolean echo_cookies = FALSE;
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  GOptionEntry entries[] = {
    { "seconds", 's', 0, G_OPTION_ARG_DOUBLE, &seconds, "How long the flood lasts (default 10)",
      "S" },
    { "baseline", 'b', 0, G_OPTION_ARG_DOUBLE, &baseline,
      "How long the phase without flood lasts (default 3)", "S" },
    { "sockets", 'n', 0, G_OPTION_ARG_INT, &sockets,
      "Source ports the flood comes from (default 128)", "N" },
    { "echo-cookies", 'e', 0, G_OPTION_ARG_NONE, &echo_cookies,
      "Answer each COOKIE with its HELLO, as a flood from hosts that receive would", NULL },
    { "addresses", 'a', 0, G_OPTION_ARG_INT, &addresses,
      "Spread the flood's sockets over this many source addresses (127.0.1.1-N; default: "
      "all from 127.0.0.2)", "N" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (SrpPeer) pinger = srp_peer_new ();
  g_autoptr (SrpPeer) messenger = srp_peer_new ();
  Node node = { NULL };
  Phase phases[2] = {
    { .name = "baseline, no flood", .flooded = FALSE },
    { .name = "HELLO flood", .flooded = TRUE },
  };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-hello-flood: %s\n", error->message);
      return 2;
    }
  if (sockets < 1 || sockets > MAX_SOCKETS || seconds <= 0 || baseline <= 0 || addresses < 0 ||
      addresses > 254)
    {
      g_printerr ("bench-hello-flood: --sockets 1-%d, --addresses 0-254, --seconds and "
                  "--baseline above 0\n",
                  MAX_SOCKETS);
      return 2;
    }
  phases[0].seconds = baseline;
  phases[1].seconds = seconds;
  phases[1].flood.n_sockets = sockets;
  phases[1].flood.echo_cookies = echo_cookies;
  phases[1].flood.n_addresses = (guint) addresses;

  if (!node_start (&node))
    {
      g_printerr ("bench-hello-flood: the node did not start\n");
      return 1;
    }
  srp_peer_set_lan_discovery (pinger, FALSE);
  if (!srp_peer_listen (pinger, "127.0.0.1", 0, &error))
    {
      g_printerr ("bench-hello-flood: %s\n", error->message);
      return 1;
    }
  /* The messenger is linked before the phases: its letters measure what a
   * linked peer gets through, not whether it can join (the newcomers do). */
  srp_peer_set_lan_discovery (messenger, FALSE);
  if (!srp_peer_add_bootstrap (messenger, "127.0.0.1", node.port, &error) ||
      !srp_peer_listen (messenger, "127.0.0.1", 0, &error))
    {
      g_printerr ("bench-hello-flood: messenger: %s\n", error->message);
      return 1;
    }
  for (gint64 until = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
       g_list_model_get_n_items (srp_peer_get_peers (messenger)) == 0 &&
       g_get_monotonic_time () < until;)
    run_until (g_get_monotonic_time () + 10 * 1000);
  if (g_list_model_get_n_items (srp_peer_get_peers (messenger)) == 0)
    {
      g_printerr ("bench-hello-flood: the messenger did not connect to the node\n");
      return 1;
    }
  printf ("bench-hello-flood: srp-tool node on 127.0.0.1:%u (pid %s), HELLOs of %" G_GSIZE_FORMAT
          " bytes from %d ports of %d address(es)%s, pings and letters every %d ms, %d CPUs\n",
          node.port, g_subprocess_get_identifier (node.process), hello_len (), sockets,
          MAX (addresses, 1), echo_cookies ? " (cookies echoed)" : "",
          PING_INTERVAL_MS, (int) sysconf (_SC_NPROCESSORS_ONLN));
  fflush (stdout);
  for (guint i = 0; i < G_N_ELEMENTS (phases); i++)
    run_phase (&node, pinger, messenger, &phases[i]);
  print_table (&phases[0], &phases[1]);

  srp_peer_close (pinger);
  srp_peer_close (messenger);
  g_subprocess_send_signal (node.process, SIGTERM);
  g_subprocess_wait (node.process, NULL, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (phases); i++)
    {
      g_array_unref (phases[i].pinger.rtt_ms);
      g_free (phases[i].drops_text);
    }
  g_object_unref (node.out);
  g_object_unref (node.process);
  g_free (node.id);
  g_free (node.api);
  return 0;
}
