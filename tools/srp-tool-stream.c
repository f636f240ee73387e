/* srp-tool-stream.c: "srp-tool stream": standard input to a stream to
 * another peer, and that stream to standard output, like netcat. One side
 * runs "stream --accept", the other "stream PEER_ID".
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>
#include <glib-unix.h>
#include <stdio.h>
#include <string.h>

#include "srp-tool.h"

#define STDIO_LABEL "stdio"

typedef struct {
  SrpStream *stream;
  gboolean opened;
  gboolean sent, received; /* each splice ended */
  gboolean events;         /* --events */
  GError *error;
} Session;

/* --events: one JSON line on standard error (standard output is the
 * stream's bytes) with the stream's path and how far it has got, when it
 * opens and whenever the path changes (a relayed link becoming direct). */
static void
print_path (SrpStream *stream)
{
  g_autoptr (JsonBuilder) out = srp_tool_json_begin ("path");
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;

  srp_tool_json_string (out, "path", srp_path_to_string (srp_stream_get_path (stream)));
  srp_tool_json_uint (out, "bytes_sent", srp_stream_get_bytes_sent (stream));
  srp_tool_json_uint (out, "bytes_received", srp_stream_get_bytes_received (stream));
  json_builder_end_object (out);
  root = json_builder_get_root (out);
  text = json_to_string (root, FALSE);
  g_printerr ("%s\n", text);
}

static void
on_path (GObject *stream, GParamSpec *pspec, gpointer user_data)
{
  (void) pspec;
  (void) user_data;
  print_path (SRP_STREAM (stream));
}

static gboolean
on_incoming (SrpPeer *peer, SrpStream *stream, gpointer user_data)
{
  Session *session = user_data;

  if (session->stream != NULL || g_strcmp0 (srp_stream_get_label (stream), STDIO_LABEL) != 0)
    return FALSE;
  session->stream = g_object_ref (stream);
  session->opened = TRUE;
  return TRUE;
}


static void
on_spliced (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Session *session = user_data;
  g_autoptr (GError) error = NULL;
  gboolean *done = g_object_get_data (source, "srp-tool-done");

  if (g_output_stream_splice_finish (G_OUTPUT_STREAM (source), result, &error) < 0 &&
      session->error == NULL)
    session->error = g_steal_pointer (&error);
  *done = TRUE;
}

static gboolean
both_done (gpointer data)
{
  Session *session = data;
  return (session->sent && session->received) || session->error != NULL;
}

static void
splice (GOutputStream *to, GInputStream *from, gboolean *done, Session *session)
{
  g_object_set_data (G_OBJECT (to), "srp-tool-done", done);
  g_output_stream_splice_async (to, from,
                                G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE |
                                  G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                                G_PRIORITY_DEFAULT, NULL, on_spliced, session);
}

int
srp_tool_stream (int argc, char **argv)
{
  g_auto (GStrv) bootstraps = NULL;
  g_autofree char *listen = NULL, *host = NULL;
  guint16 port = 0;
  gboolean accept = FALSE;
  int timeout = 30;
  Session session = { NULL };
  g_autoptr (GOptionContext) context = g_option_context_new ("[PEER_ID]");
  GOptionEntry entries[] = {
    { "bootstrap", 'b', 0, G_OPTION_ARG_STRING_ARRAY, &bootstraps,
      "A peer of the network; repeat for more", "HOST:PORT" },
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &listen,
      "Address and port to listen on (default: every address, a free port)", "ADDR:PORT" },
    { "accept", 0, 0, G_OPTION_ARG_NONE, &accept,
      "Wait for a peer to open a stream to this one instead (prints this peer's ID and port "
      "on standard error)", NULL },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout,
      "Seconds to wait for the network and for the stream (default 30)", "SECONDS" },
    { "events", 0, 0, G_OPTION_ARG_NONE, &session.events,
      "Print {\"event\":\"path\",\"path\":...,\"bytes_sent\":...,\"bytes_received\":...} "
      "on standard error when the stream opens and whenever its path changes",
      NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (SrpPeer) peer = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GInputStream) in = NULL;
  g_autoptr (GOutputStream) out = NULL;
  int status = 0;

  g_option_context_set_summary (context,
                                "Copies standard input to a reliable stream to the peer PEER_ID "
                                "and the stream to standard output, until both ends are done. "
                                "With --accept, waits for a peer to open one.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!srp_tool_parse_options (context, &argc, &argv))
    return 2;
  if ((accept ? argc != 1 : argc != 2) || timeout < 1)
    {
      g_printerr ("srp-tool stream: give one PEER_ID, or --accept\n");
      return 2;
    }
  if (listen != NULL && !srp_tool_parse_listen (listen, &host, &port, &error))
    {
      g_printerr ("srp-tool stream: --listen: %s\n", error->message);
      return 2;
    }
  peer = srp_peer_new ();
  g_signal_connect (peer, "incoming-stream", G_CALLBACK (on_incoming), &session);
  if (!srp_tool_add_bootstraps (peer, bootstraps, &error) ||
      !srp_peer_listen (peer, host, port, &error))
    {
      g_printerr ("srp-tool stream: %s\n", error->message);
      return 1;
    }
  if (accept)
    {
      g_printerr ("peer %s listening on port %u\n", srp_peer_get_id (peer),
                  srp_peer_get_port (peer));
      srp_tool_run_until (&session.opened);
    }
  else
    {
      session.stream = srp_tool_open_stream (peer, argv[1], STDIO_LABEL, timeout,
                                             &session.error);
    }
  if (session.stream == NULL)
    {
      g_printerr ("srp-tool stream: %s\n",
                  session.error != NULL ? session.error->message : "no stream");
      status = 1;
    }
  else
    {
      /* A full pipe must not stop the whole peer (its heartbeats, its
       * acknowledgements): the splices wait for the descriptors instead. */
      if (session.events)
        {
          print_path (session.stream);
          g_signal_connect (session.stream, "notify::path", G_CALLBACK (on_path), NULL);
        }
      g_unix_set_fd_nonblocking (0, TRUE, NULL);
      g_unix_set_fd_nonblocking (1, TRUE, NULL);
      in = g_unix_input_stream_new (0, FALSE);
      out = g_unix_output_stream_new (1, FALSE);
      splice (g_io_stream_get_output_stream (G_IO_STREAM (session.stream)), in, &session.sent,
              &session);
      splice (out, g_io_stream_get_input_stream (G_IO_STREAM (session.stream)),
              &session.received, &session);
      srp_tool_run_until_condition (both_done, &session, G_MAXUINT);
      if (session.error != NULL)
        {
          g_printerr ("srp-tool stream: %s\n", session.error->message);
          status = 1;
        }
      /* The peer must stay until the other side has every byte. */
      srp_tool_run_until_condition (both_done, &session, 1000);
    }
  g_signal_handlers_disconnect_by_data (peer, &session);
  g_clear_object (&session.stream);
  g_clear_error (&session.error);
  srp_peer_close (peer);
  return status;
}
