/* srp-tool-stats.c: "srp-tool stats": run a peer for a while (joining the
 * network through the bootstrap peers, if any) and print what it counted,
 * srp_peer_get_stats, as a table or as JSON.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <stdio.h>

#include "srp-tool.h"

static int
compare_keys (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

/* One line per key, nested dictionaries indented under theirs, in the
 * order of their keys: readable, and the same from run to run. */
static void
print_table (GVariant *dict, int depth)
{
  g_autoptr (GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_iter_init (&iter, dict);
  while (g_variant_iter_next (&iter, "{&s@*}", &key, &value))
    {
      g_ptr_array_add (keys, g_strdup (key));
      g_variant_unref (value);
    }
  g_ptr_array_sort (keys, compare_keys);
  for (guint i = 0; i < keys->len; i++)
    {
      g_autoptr (GVariant) v = g_variant_lookup_value (dict, keys->pdata[i], NULL);
      g_autoptr (GVariant) inner = g_variant_is_of_type (v, G_VARIANT_TYPE_VARIANT)
                                       ? g_variant_get_variant (v)
                                       : g_variant_ref (v);

      if (g_variant_is_of_type (inner, G_VARIANT_TYPE ("a{s*}")))
        {
          printf ("%*s%s:\n", depth * 2, "", (const char *) keys->pdata[i]);
          print_table (inner, depth + 1);
        }
      else
        {
          g_autofree char *text = g_variant_print (inner, FALSE);
          printf ("%*s%-*s %s\n", depth * 2, "", 28 - depth * 2,
                  (const char *) keys->pdata[i], text);
        }
    }
}

static void
print_json (GVariant *stats)
{
  g_autoptr (JsonNode) node = json_gvariant_serialize (stats);
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  printf ("%s\n", text);
  fflush (stdout);
}

int
srp_tool_stats (int argc, char **argv)
{
  g_auto (GStrv) bootstraps = NULL;
  g_autofree char *listen = NULL;
  gboolean json = FALSE;
  int seconds = 5;
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  GOptionEntry entries[] = {
    { "bootstrap", 'b', 0, G_OPTION_ARG_STRING_ARRAY, &bootstraps,
      "A peer to join the network through (repeatable)", "HOST:PORT" },
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &listen,
      "Address and port to listen on (default: every address, a free port)", "ADDR:PORT" },
    { "seconds", 's', 0, G_OPTION_ARG_INT, &seconds,
      "How long the peer runs before it reports (default 5)", "SECONDS" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      "Print the statistics as one JSON object, with the keys of srp_peer_get_stats", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (SrpPeer) peer = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) stats = NULL;
  g_autofree char *host = NULL;
  guint16 port = 0;
  gboolean done = FALSE;

  g_option_context_set_summary (context,
                                "Runs a peer for a while, then prints what it counted: traffic, "
                                "refused input by reason, peers, the cache, topics, and connection "
                                "attempts per pair of NAT types.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!srp_tool_parse_options (context, &argc, &argv))
    return 2;
  if (seconds < 0)
    {
      fprintf (stderr, "srp-tool stats: --seconds must not be negative\n");
      return 2;
    }
  peer = srp_peer_new ();
  if ((listen != NULL && !srp_tool_parse_listen (listen, &host, &port, &error)) ||
      !srp_tool_add_bootstraps (peer, bootstraps, &error) ||
      !srp_peer_listen (peer, host, port, &error))
    {
      fprintf (stderr, "srp-tool stats: %s\n", error->message);
      return 1;
    }
  if (!json)
    fprintf (stderr, "srp-tool stats: %s runs on port %u for %d s\n", srp_peer_get_id (peer),
             srp_peer_get_port (peer), seconds);
  srp_tool_run_for (&done, (guint64) seconds * 1000);
  stats = srp_peer_get_stats (peer);
  if (json)
    print_json (stats);
  else
    print_table (stats, 0);
  srp_peer_close (peer);
  return 0;
}
