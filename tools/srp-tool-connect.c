/* srp-tool-connect.c: "srp-tool connect": join the network, connect to one
 * peer by its ID (through NATs: introductions, hole punching, relays), and
 * optionally exchange a message with it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "srp-tool.h"

typedef struct {
  gboolean json;
  const char *expect;
  gboolean expected;    /* a message with exactly the --expect text came */
  gboolean reported;    /* the connection was printed: messages may follow */
  GPtrArray *early;     /* SrpMessage that came before that */
  gboolean done;        /* the current wait */
  SrpPeerInfo *info;
  guint accepted;
  GError *error;
} Connect;

static void
on_message (SrpPeer *peer, SrpMessage *message, Connect *connect)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (srp_message_get_data (message), &size);

  /* A greeting may come before the connect result does; the output keeps
   * the order of cause and effect. */
  if (!connect->reported)
    g_ptr_array_add (connect->early, g_object_ref (message));
  else
    srp_tool_print_message (message, connect->json);
  if (connect->expect != NULL && size == strlen (connect->expect) &&
      memcmp (data, connect->expect, size) == 0)
    connect->expected = TRUE;
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Connect *connect = user_data;

  connect->info = srp_peer_connect_finish (SRP_PEER (source), result, &connect->error);
  connect->done = TRUE;
}

static void
on_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Connect *connect = user_data;

  connect->accepted = srp_peer_send_finish (SRP_PEER (source), result, NULL, &connect->error);
  connect->done = TRUE;
}

static void
report_connected (Connect *connect, gint64 elapsed_us)
{
  const char *id = srp_peer_info_get_id (connect->info);
  const char *path = srp_path_to_string (srp_peer_info_get_path (connect->info));
  guint64 ms = (guint64) (elapsed_us / 1000);

  if (connect->json)
    {
      JsonBuilder *out = srp_tool_json_begin ("connected");

      srp_tool_json_string (out, "id", id);
      srp_tool_json_string (out, "path", path);
      /* Which family the path took (happy eyeballs keeps the first). */
      srp_tool_json_string (out, "address", srp_peer_info_get_address (connect->info));
      srp_tool_json_uint (out, "ms", ms);
      srp_tool_json_print (out);
    }
  else
    {
      printf ("connected to %s (%s) in %" G_GUINT64_FORMAT " ms\n", id, path, ms);
      fflush (stdout);
    }
  connect->reported = TRUE;
  for (guint i = 0; i < connect->early->len; i++)
    srp_tool_print_message (connect->early->pdata[i], connect->json);
  g_ptr_array_set_size (connect->early, 0);
}

/* Connects and prints the outcome; FALSE when there is no path in time. */
static gboolean
connect_to (SrpPeer *peer, const char *id, int timeout, Connect *connect)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  gint64 start = g_get_monotonic_time ();

  connect->done = FALSE;
  srp_peer_connect_async (peer, id, cancellable, on_connected, connect);
  if (!srp_tool_run_for (&connect->done, (guint64) timeout * 1000))
    {
      /* The callback still comes, with G_IO_ERROR_CANCELLED. */
      g_cancellable_cancel (cancellable);
      connect->done = FALSE;
      srp_tool_run_until (&connect->done);
      g_printerr ("srp-tool connect: no path to %s within %d s\n", id, timeout);
      return FALSE;
    }
  /* Neither result nor error: SIGINT or SIGTERM ended the wait. */
  if (connect->info == NULL)
    {
      g_printerr ("srp-tool connect: %s\n",
                  connect->error != NULL ? connect->error->message : "interrupted");
      return FALSE;
    }
  report_connected (connect, g_get_monotonic_time () - start);
  return TRUE;
}

/* Sends text to the peer's inbox and waits until the network took it. */
static gboolean
send_text (SrpPeer *peer, const char *id, const char *text, Connect *connect)
{
  g_autoptr (GBytes) data = g_bytes_new (text, strlen (text));

  connect->done = FALSE;
  srp_peer_send_async (peer, id, data, NULL, on_sent, connect);
  srp_tool_run_until (&connect->done);
  /* A send that was taken went to at least one peer; neither that nor an
   * error means SIGINT or SIGTERM ended the wait. */
  if (connect->accepted == 0)
    {
      g_printerr ("srp-tool connect: --send: %s\n",
                  connect->error != NULL ? connect->error->message : "interrupted");
      return FALSE;
    }
  return TRUE;
}

/* Punching picks its method from both sides' NAT types (birthday punching
 * between a symmetric and a port-restricted NAT, for one): a peer that
 * connects before it knows its own type ends up relayed where a direct path
 * was possible. Classifying takes two connected peers at different
 * addresses: with fewer there is nothing to wait for, and with more it may
 * still never finish, so the wait is bounded. */
#define NAT_WAIT_S 10

static gboolean
nat_settled (gpointer peer)
{
  return srp_peer_get_nat_type (peer) != SRP_NAT_TYPE_UNKNOWN ||
         g_list_model_get_n_items (srp_peer_get_peers (peer)) < 2;
}

/* The router has answered (or nobody will): peers are told the mapping
 * before they are asked to introduce. */
static gboolean
port_mapping_settled (gpointer peer)
{
  g_autoptr (GVariant) stats = srp_peer_get_stats (peer);
  const char *state = "off";

  g_variant_lookup (stats, "port_mapping", "&s", &state);
  return !g_str_equal (state, "requesting");
}

static gboolean
is_peer_id (const char *text)
{
  return strlen (text) == 64 && strspn (text, "0123456789abcdefABCDEF") == 64;
}

/* After the connection: --idle, --send, --expect. */
static int
follow_up (SrpPeer *peer, const char *id, int timeout, int idle, const char *send,
           Connect *connect)
{
  gboolean interrupted = FALSE;

  /* Doing nothing for a while proves that keepalives hold the path open
   * through the NATs. */
  if (idle > 0 && srp_tool_run_for (&interrupted, (guint64) idle * 1000))
    {
      g_printerr ("srp-tool connect: interrupted\n");
      return 1;
    }
  if (send != NULL && !send_text (peer, id, send, connect))
    return 1;
  if (connect->expect != NULL && !connect->expected &&
      !srp_tool_run_for (&connect->expected, (guint64) timeout * 1000))
    {
      g_printerr ("srp-tool connect: no message “%s” within %d s\n", connect->expect, timeout);
      return 1;
    }
  return 0;
}

int
srp_tool_connect (int argc, char **argv)
{
  g_auto (GStrv) bootstraps = NULL;
  g_autofree char *send = NULL;
  g_autofree char *expect = NULL;
  int timeout = 30, idle = 0, status;
  gboolean no_lan = FALSE, port_mapping = FALSE;
  g_autofree char *port_mapping_protocols = NULL;
  g_autoptr (GError) error = NULL;
  Connect connect = { FALSE };
  g_autoptr (GOptionContext) context = g_option_context_new ("PEER_ID");
  GOptionEntry entries[] = {
    { "bootstrap", 'b', 0, G_OPTION_ARG_STRING_ARRAY, &bootstraps,
      "A peer of the network; repeat for more", "HOST:PORT" },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout,
      "Seconds to wait for a bootstrap peer, for the connection, and for --expect "
      "(default 30)", "SECONDS" },
    { "idle", 0, 0, G_OPTION_ARG_INT, &idle,
      "Once connected, do nothing for this long first (the path must stay open)", "SECONDS" },
    { "send", 0, 0, G_OPTION_ARG_STRING, &send,
      "Then send TEXT to the peer's inbox; exit 1 if the network does not take it", "TEXT" },
    { "expect", 0, 0, G_OPTION_ARG_STRING, &expect,
      "Then wait for a message with exactly TEXT in this peer's inbox; exit 1 if it does not "
      "come", "TEXT" },
    { "no-lan", 0, 0, G_OPTION_ARG_NONE, &no_lan,
      "Do not find peers on this host's links (LAN discovery, on by default)", NULL },
    { "port-mapping", 0, 0, G_OPTION_ARG_NONE, &port_mapping,
      "Ask the home router for a port mapping first (PCP, NAT-PMP, UPnP-IGD), and tell peers",
      NULL },
    { "port-mapping-protocols", 0, 0, G_OPTION_ARG_STRING, &port_mapping_protocols,
      "Which protocols --port-mapping uses (default: all)", "pcp,nat-pmp,upnp-igd" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &connect.json,
      "Print {\"event\":\"connected\",\"id\":...,\"path\":...,\"ms\":...} and "
      "{\"event\":\"message\",...} lines", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (SrpPeer) peer = NULL;

  g_option_context_set_summary (context,
                                "Joins the network through the bootstrap peers and connects to "
                                "the peer PEER_ID (64 hexadecimal characters) wherever it is: "
                                "connected peers introduce the two, which punch holes through "
                                "their NATs or, failing that, talk through a relay (it first "
                                "waits up to 10 s to learn its own NAT type, which the punching "
                                "method depends on). Prints how "
                                "the peer is reached (direct or relayed) and how long it took, "
                                "and exits 0; exits 1 with the reason when there is no path "
                                "within the timeout.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!srp_tool_parse_options (context, &argc, &argv))
    return 2;
  if (argc != 2 || !is_peer_id (argv[1]) || timeout < 1 || idle < 0)
    {
      g_printerr ("srp-tool connect: give one PEER_ID (64 hexadecimal characters)\n");
      return 2;
    }

  connect.expect = expect;
  connect.early = g_ptr_array_new_with_free_func (g_object_unref);
  peer = srp_peer_new ();
  srp_peer_set_lan_discovery (peer, !no_lan);
  if (!srp_tool_set_port_mapping (peer, port_mapping, port_mapping_protocols, connect.json,
                                  &error))
    {
      g_printerr ("srp-tool connect: %s\n", error->message);
      return 2;
    }
  /* From the start: the other side may greet as soon as it is connected. */
  g_signal_connect (peer, "message", G_CALLBACK (on_message), &connect);
  if (!srp_tool_join (peer, "connect", bootstraps, timeout))
    status = 1;
  else
    {
      /* Still unknown after the wait: connect anyway, punching as it can. */
      srp_tool_run_until_condition (nat_settled, peer, (guint64) MIN (timeout, NAT_WAIT_S) * 1000);
      if (port_mapping)
        srp_tool_run_until_condition (port_mapping_settled, peer,
                                      (guint64) MIN (timeout, NAT_WAIT_S) * 1000);
      status = connect_to (peer, argv[1], timeout, &connect)
                 ? follow_up (peer, argv[1], timeout, idle, send, &connect)
                 : 1;
    }

  g_signal_handlers_disconnect_by_data (peer, &connect);
  srp_peer_close (peer);
  srp_tool_wait_port_mapping_deleted ();
  g_clear_object (&connect.info);
  g_clear_error (&connect.error);
  g_ptr_array_unref (connect.early);
  return status;
}
