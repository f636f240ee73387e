/* srp-tool-stats.c: "srp-tool stats": what a peer counted (the keys of
 * srp_peer_get_stats), as a table or as JSON: a running node's, read from
 * its status API (srp-tool node --http), or, with --run, a peer's that this
 * command runs for a while (joining the network through the bootstrap
 * peers, if any).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdio.h>

#include "srp-tool.h"

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

/* One line per member, objects indented under theirs, in the order of
 * their names: readable, and the same from run to run. */
static void
print_table (JsonObject *object, int depth)
{
  g_autoptr (GList) names = json_object_get_members (object);
  g_autoptr (GPtrArray) sorted = g_ptr_array_new ();

  for (GList *l = names; l != NULL; l = l->next)
    g_ptr_array_add (sorted, l->data);
  g_ptr_array_sort (sorted, compare_names);
  for (guint i = 0; i < sorted->len; i++)
    {
      const char *name = sorted->pdata[i];
      JsonNode *value = json_object_get_member (object, name);

      if (JSON_NODE_HOLDS_OBJECT (value))
        {
          printf ("%*s%s:%s\n", depth * 2, "", name,
                  json_object_get_size (json_node_get_object (value)) == 0 ? " none" : "");
          print_table (json_node_get_object (value), depth + 1);
        }
      else
        {
          g_autofree char *text = json_to_string (value, FALSE);
          printf ("%*s%-*s %s\n", depth * 2, "", 28 - depth * 2, name, text);
        }
    }
}

/* Runs a peer for seconds and returns its stats; NULL with the reason
 * printed. */
static JsonNode *
run_peer (const char *listen, char **bootstraps, int seconds, gboolean quiet)
{
  g_autoptr (SrpPeer) peer = srp_peer_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) stats = NULL;
  g_autofree char *host = NULL;
  guint16 port = 0;
  gboolean done = FALSE;

  if ((listen != NULL && !srp_tool_parse_listen (listen, &host, &port, &error)) ||
      !srp_tool_add_bootstraps (peer, bootstraps, &error) ||
      !srp_peer_listen (peer, host, port, &error))
    {
      fprintf (stderr, "srp-tool stats: %s\n", error->message);
      return NULL;
    }
  if (!quiet)
    fprintf (stderr, "srp-tool stats: %s runs on port %u for %d s\n", srp_peer_get_id (peer),
             srp_peer_get_port (peer), seconds);
  srp_tool_run_for (&done, (guint64) seconds * 1000);
  stats = srp_peer_get_stats (peer);
  srp_peer_close (peer);
  return json_gvariant_serialize (stats);
}

int
srp_tool_stats (int argc, char **argv)
{
  g_auto (GStrv) bootstraps = NULL;
  g_autofree char *listen = NULL, *api = NULL, *token = NULL;
  gboolean json = FALSE, run = FALSE;
  int seconds = 5;
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  GOptionEntry entries[] = {
    { "api", 'a', 0, G_OPTION_ARG_STRING, &api,
      "The node's status API (default http://127.0.0.1:" G_STRINGIFY (SRP_TOOL_HTTP_PORT)
      ", where node --http serves)", "URL" },
    { "token", 0, 0, G_OPTION_ARG_STRING, &token,
      "The token the node was started with (node --token)", "TOKEN" },
    { "run", 'r', 0, G_OPTION_ARG_NONE, &run,
      "Run a peer here instead, for --seconds, and print its figures", NULL },
    { "bootstrap", 'b', 0, G_OPTION_ARG_STRING_ARRAY, &bootstraps,
      "With --run: a peer to join the network through (repeatable)", "HOST:PORT" },
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &listen,
      "With --run: address and port to listen on (default: every address, a free port)",
      "ADDR:PORT" },
    { "seconds", 's', 0, G_OPTION_ARG_INT, &seconds,
      "With --run: how long the peer runs before it reports (default 5)", "SECONDS" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      "Print the statistics as one JSON object, with the keys of srp_peer_get_stats", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (JsonNode) stats = NULL;

  g_option_context_set_summary (context,
                                "Prints what a peer counted: traffic, refused input by reason, "
                                "peers, the cache, topics, and connection attempts per pair of "
                                "NAT types. Reads a running node's status API, or runs a peer "
                                "with --run.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!srp_tool_parse_options (context, &argc, &argv))
    return 2;
  if (seconds < 0 || (!run && (bootstraps != NULL || listen != NULL)))
    {
      fprintf (stderr, "srp-tool stats: %s\n",
               seconds < 0 ? "--seconds must not be negative"
                           : "--bootstrap and --listen go with --run");
      return 2;
    }
  stats = run ? run_peer (listen, bootstraps, seconds, json)
              : srp_tool_api_fetch ("stats", api, token, "/api/stats");
  if (stats == NULL)
    return 1;
  if (json)
    srp_tool_json_print_node (stats);
  else
    print_table (json_node_get_object (stats), 0);
  return 0;
}
