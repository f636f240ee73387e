/* srp-tool-node.c: "srp-tool node": run a peer until SIGINT or SIGTERM.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdio.h>

#include "srp-tool.h"

int
srp_tool_node (int argc, char **argv)
{
  g_autofree char *listen = NULL;
  gboolean json = FALSE;
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  GOptionEntry entries[] = {
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &listen,
      "Address and port to listen on (default: every address, a free port)", "ADDR:PORT" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON object per line", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (SrpPeer) peer = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *host = NULL;
  guint16 port = 0;
  gboolean done = FALSE;

  g_option_context_set_summary (context, "Runs a peer that answers other peers until "
                                         "interrupted (SIGINT or SIGTERM).");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!srp_tool_parse_options (context, &argc, &argv))
    return 2;
  if (argc != 1)
    {
      g_printerr ("srp-tool node: unexpected argument “%s”\n", argv[1]);
      return 2;
    }
  if (listen != NULL && !srp_tool_parse_host_port (listen, &host, &port, &error))
    {
      g_printerr ("srp-tool node: --listen: %s\n", error->message);
      return 2;
    }

  peer = srp_peer_new ();
  if (!srp_peer_listen (peer, host, port, &error))
    {
      g_printerr ("srp-tool node: %s\n", error->message);
      return 1;
    }
  if (json)
    printf ("{\"event\":\"ready\",\"id\":\"%s\",\"port\":%u}\n", srp_peer_get_id (peer),
            srp_peer_get_port (peer));
  else
    printf ("peer %s listening on port %u\n", srp_peer_get_id (peer), srp_peer_get_port (peer));
  fflush (stdout);

  srp_tool_run_until (&done);
  srp_peer_close (peer);
  if (json)
    printf ("{\"event\":\"stopped\"}\n");
  return 0;
}
