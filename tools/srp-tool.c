/* srp-tool.c: the srp-tool command line: dispatch and shared helpers.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "srp-tool.h"

typedef struct {
  const char *name;
  SrpToolCommandFunc func;
  const char *summary;
} Command;

static const Command commands[] = {
  { "node", srp_tool_node, "Run a peer until interrupted" },
  { "ping", srp_tool_ping, "Ping a peer and print the round-trip time" },
  { "nat-check", srp_tool_nat_check, "Tell what kind of NAT this host is behind" },
  { "publish", srp_tool_publish, "Publish a message on a topic" },
  { "subscribe", srp_tool_subscribe, "Print the messages published on a topic" },
  { "send", srp_tool_send, "Send a message to one peer's inbox" },
  { "connect", srp_tool_connect, "Connect to a peer by its ID, through NATs" },
  { "stream", srp_tool_stream, "Standard input to a stream to a peer, the stream to output" },
  { "send-file", srp_tool_send_file, "Send a file to a peer running receive, SHA-256 checked" },
  { "receive", srp_tool_receive, "Take files sent with send-file" },
  { "status", srp_tool_status, "Show a running node's status (node --http)" },
  { "peers", srp_tool_peers, "List a running node's connected peers (node --http)" },
  { "stats", srp_tool_stats, "Run a peer for a while and print what it counted" },
  { "state", srp_tool_state, "Summarise what a peer's state directory holds" },
  { "demo", srp_tool_demo, "Show peers on loopback: ping, discovery, topics, catching up" },
};

static void
print_usage (FILE *out)
{
  fprintf (out, "Usage: srp-tool COMMAND [OPTION…]\n\n"
                "A command-line peer of the Stream Relay Protocol (libsrp %s).\n\n"
                "Commands:\n",
           SRP_VERSION_S);
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf (out, "\nRun 'srp-tool COMMAND --help' for a command's options.\n");
}

static gboolean srp_tool_parse_address (const char *text, guint min_port, char **host,
                                        guint16 *port, GError **error);

gboolean
srp_tool_parse_host_port (const char *text, char **host, guint16 *port, GError **error)
{
  return srp_tool_parse_address (text, 1, host, port, error);
}

gboolean
srp_tool_parse_listen (const char *text, char **host, guint16 *port, GError **error)
{
  /* ":PORT": every address (one dual-stack socket), on that port. */
  if (text != NULL && text[0] == ':' && text[1] != ':')
    {
      g_autofree char *any = g_strconcat ("any", text, NULL);

      if (!srp_tool_parse_address (any, 0, host, port, error))
        return FALSE;
      g_clear_pointer (host, g_free);
      return TRUE;
    }
  return srp_tool_parse_address (text, 0, host, port, error);
}

static gboolean
srp_tool_parse_address (const char *text, guint min_port, char **host, guint16 *port,
                        GError **error)
{
  const char *colon;
  guint64 value;

  if (text == NULL || *text == '\0')
    goto bad;
  if (text[0] == '[')
    {
      const char *close = strchr (text, ']');
      if (close == NULL || close[1] != ':')
        goto bad;
      colon = close + 1;
      *host = g_strndup (text + 1, (gsize) (close - text - 1));
    }
  else
    {
      colon = strrchr (text, ':');
      if (colon == NULL || colon == text)
        goto bad;
      *host = g_strndup (text, (gsize) (colon - text));
    }
  if (!g_ascii_string_to_unsigned (colon + 1, 10, min_port, 65535, &value, NULL))
    {
      g_clear_pointer (host, g_free);
      goto bad;
    }
  *port = (guint16) value;
  return TRUE;

bad:
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               "“%s” is not HOST:PORT (a port from %u to 65535; IPv6 as [ADDRESS]:PORT)",
               text ? text : "", min_port);
  return FALSE;
}

gboolean
srp_tool_parse_http (const char *text, char **host, guint16 *port, GError **error)
{
  guint64 value;

  *host = NULL;
  *port = SRP_TOOL_HTTP_PORT;
  if (*text == '\0')
    return TRUE;
  if (g_ascii_string_to_unsigned (text, 10, 0, 65535, &value, NULL))
    {
      *port = (guint16) value;
      return TRUE;
    }
  return srp_tool_parse_listen (text, host, port, error);
}

gboolean
srp_tool_add_bootstraps (SrpPeer *peer, char **list, GError **error)
{
  for (guint i = 0; list != NULL && list[i] != NULL; i++)
    {
      g_autofree char *host = NULL;
      guint16 port;

      if (!srp_tool_parse_host_port (list[i], &host, &port, error) ||
          !srp_peer_add_bootstrap (peer, host, port, error))
        {
          g_prefix_error (error, "--bootstrap: ");
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
srp_tool_parse_options (GOptionContext *context, int *argc, char ***argv)
{
  g_autoptr (GError) error = NULL;

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_printerr ("srp-tool: %s\n", error->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
on_signal (gpointer user_data)
{
  gboolean *done = user_data;

  *done = TRUE;
  g_main_context_wakeup (NULL);
  return G_SOURCE_CONTINUE;
}

void
srp_tool_run_until (gboolean *done)
{
  guint sigint = g_unix_signal_add (SIGINT, on_signal, done);
  guint sigterm = g_unix_signal_add (SIGTERM, on_signal, done);

  while (!*done)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (sigint);
  g_source_remove (sigterm);
}

typedef struct {
  gboolean *done;
  gboolean expired;
} Deadline;

static gboolean
on_deadline (gpointer user_data)
{
  Deadline *deadline = user_data;

  deadline->expired = TRUE;
  *deadline->done = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
srp_tool_run_for (gboolean *done, guint64 timeout_ms)
{
  Deadline deadline = { done, FALSE };
  /* GLib timers count in guint milliseconds: about 49 days at most. */
  guint timer = g_timeout_add ((guint) MIN (timeout_ms, G_MAXUINT), on_deadline, &deadline);

  srp_tool_run_until (done);
  if (!deadline.expired)
    g_source_remove (timer);
  return !deadline.expired;
}

static void
on_first_peer (SrpPeer *peer, SrpPeerInfo *info, gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
}

gboolean
srp_tool_join (SrpPeer *peer, const char *command, char **bootstraps, int timeout)
{
  g_autoptr (GError) error = NULL;
  gboolean done = FALSE;
  gulong handler;

  if (bootstraps == NULL)
    {
      g_printerr ("srp-tool %s: give at least one --bootstrap HOST:PORT\n", command);
      return FALSE;
    }
  if (!srp_tool_add_bootstraps (peer, bootstraps, &error) ||
      !srp_peer_listen (peer, NULL, 0, &error))
    {
      g_printerr ("srp-tool %s: %s\n", command, error->message);
      return FALSE;
    }
  handler = g_signal_connect (peer, "peer-added", G_CALLBACK (on_first_peer), &done);
  srp_tool_run_for (&done, (guint64) timeout * 1000);
  g_signal_handler_disconnect (peer, handler);
  if (g_list_model_get_n_items (srp_peer_get_peers (peer)) == 0)
    {
      g_printerr ("srp-tool %s: no bootstrap peer answered within %d s\n", command, timeout);
      return FALSE;
    }
  /* A moment for peer exchange to bring in more peers than the bootstrap. */
  done = FALSE;
  srp_tool_run_for (&done, 500);
  return TRUE;
}

gboolean
srp_tool_run_until_condition (gboolean (*condition) (gpointer data), gpointer data,
                              guint64 timeout_ms)
{
  gboolean expired = FALSE;
  Deadline deadline = { &expired, FALSE };
  guint timer = g_timeout_add ((guint) MIN (timeout_ms, G_MAXUINT), on_deadline, &deadline);

  while (!condition (data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (timer);
  return condition (data);
}

void
srp_tool_print_ready (SrpPeer *peer, gboolean json)
{
  if (json)
    {
      JsonBuilder *out = srp_tool_json_begin ("ready");

      srp_tool_json_string (out, "id", srp_peer_get_id (peer));
      srp_tool_json_uint (out, "port", srp_peer_get_port (peer));
      srp_tool_json_print (out);
    }
  else
    {
      printf ("peer %s listening on port %u\n", srp_peer_get_id (peer), srp_peer_get_port (peer));
      fflush (stdout);
    }
}

typedef struct {
  gboolean done;
  SrpStream *stream;
  GError *error;
} OpenWait;

static void
on_stream_opened (GObject *source, GAsyncResult *result, gpointer user_data)
{
  OpenWait *wait = user_data;

  wait->stream = srp_peer_open_stream_finish (SRP_PEER (source), result, &wait->error);
  wait->done = TRUE;
}

static gboolean
has_peers (gpointer peer)
{
  return g_list_model_get_n_items (srp_peer_get_peers (peer)) > 0;
}

SrpStream *
srp_tool_open_stream (SrpPeer *peer, const char *peer_id, const char *label, int timeout,
                      GError **error)
{
  OpenWait wait = { FALSE, NULL, NULL };

  srp_tool_run_until_condition (has_peers, peer, (guint64) timeout * 1000);
  srp_peer_open_stream_async (peer, peer_id, label, NULL, on_stream_opened, &wait);
  if (!srp_tool_run_for (&wait.done, (guint64) timeout * 1000))
    {
      /* The callback comes later, when the open gives up. */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "No stream within %d s", timeout);
      srp_tool_run_until (&wait.done);
      g_clear_object (&wait.stream);
      g_clear_error (&wait.error);
      return NULL;
    }
  if (wait.stream == NULL && wait.error == NULL)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Interrupted");
  else if (wait.error != NULL)
    g_propagate_error (error, wait.error);
  return wait.stream;
}

typedef struct {
  gboolean done;
  gint64 rtt_us;
  GError *error;
} PingWait;

static void
on_pinged (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PingWait *wait = user_data;

  wait->rtt_us = srp_peer_ping_finish (SRP_PEER (source), result, &wait->error);
  wait->done = TRUE;
}

gint64
srp_tool_ping_and_wait (SrpPeer *peer, const char *host, guint16 port, GError **error)
{
  PingWait wait = { 0 };

  srp_peer_ping_async (peer, host, port, NULL, on_pinged, &wait);
  srp_tool_run_until (&wait.done);
  if (wait.error != NULL)
    {
      g_propagate_error (error, wait.error);
      return -1;
    }
  return wait.rtt_us;
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");

  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 ||
      strcmp (argv[1], "help") == 0)
    {
      print_usage (argc < 2 ? stderr : stdout);
      return argc < 2 ? 2 : 0;
    }
  if (strcmp (argv[1], "--version") == 0)
    {
      printf ("srp-tool %s\n", SRP_VERSION_S);
      return 0;
    }
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      return commands[i].func (argc - 1, argv + 1);

  g_printerr ("srp-tool: unknown command “%s”\n\n", argv[1]);
  print_usage (stderr);
  return 2;
}
