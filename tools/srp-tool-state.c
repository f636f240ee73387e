/* srp-tool-state.c: "srp-tool state", what a state directory holds, and
 * where "srp-tool node" keeps its state.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdio.h>

#include "srp-identity.h"
#include "srp-store.h"
#include "srp-tool.h"

char *
srp_tool_state_directory (const char *state, gboolean ephemeral)
{
  if (ephemeral)
    return NULL;
  if (state != NULL)
    return g_strdup (state);
  return g_build_filename (g_get_user_state_dir (), "srp", "node", NULL);
}

static void
print_text (GVariant *summary)
{
  /* The summary's counts, each on its line. */
  static const struct {
    const char *key, *label, *unit;
  } lines[] = {
    { "cache_packets", "cache", " packets" },
    { "cache_bytes", "cache bytes", "" },
    { "outbox", "outbox", " unacknowledged publishes" },
    { "delivered", "delivered", " message IDs remembered" },
    { "chain_heads", "chain heads", " topics published on" },
    { "known_peers", "known peers", "" },
  };
  g_autofree const char **topics = NULL;
  const char *id;

  g_variant_lookup (summary, "peer_id", "&s", &id);
  printf ("identity      %s\n", id);
  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    {
      guint64 value = 0;

      g_variant_lookup (summary, lines[i].key, "t", &value);
      printf ("%-14s%" G_GUINT64_FORMAT "%s\n", lines[i].label, value, lines[i].unit);
    }
  g_variant_lookup (summary, "topics", "^a&s", &topics);
  printf ("subscriptions %u\n", g_strv_length ((char **) topics));
  for (guint i = 0; topics[i] != NULL; i++)
    printf ("  %s\n", topics[i]);
}

static void
print_json (GVariant *summary)
{
  JsonBuilder *out = srp_tool_json_begin ("state");
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_iter_init (&iter, summary);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    {
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
        srp_tool_json_string (out, key, g_variant_get_string (value, NULL));
      else if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT64))
        srp_tool_json_uint (out, key, g_variant_get_uint64 (value));
      else if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
        srp_tool_json_uint (out, key, g_variant_get_uint32 (value));
      else if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING_ARRAY))
        {
          g_autofree const char **names = g_variant_get_strv (value, NULL);

          json_builder_set_member_name (out, key);
          json_builder_begin_array (out);
          for (guint i = 0; names[i] != NULL; i++)
            json_builder_add_string_value (out, names[i]);
          json_builder_end_array (out);
        }
    }
  srp_tool_json_print (out);
}

int
srp_tool_state (int argc, char **argv)
{
  g_autofree char *state = NULL;
  gboolean json = FALSE;
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  GOptionEntry entries[] = {
    { "state", 's', 0, G_OPTION_ARG_FILENAME, &state,
      "The state directory (default: where srp-tool node keeps its own)", "DIR" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one {\"event\":\"state\",...} line", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autofree char *directory = NULL;
  g_autofree char *key_path = NULL;
  g_autofree char *db_path = NULL;
  g_autoptr (SrpIdentity) identity = NULL;
  g_autoptr (SrpStore) store = NULL;
  g_autoptr (GVariant) summary = NULL;
  g_autoptr (GError) error = NULL;

  g_option_context_set_summary (context,
                                "Summarises what a peer's state directory holds: its identity, "
                                "cache, outbox, subscriptions and known peers. It only reads: "
                                "the node may be running.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!srp_tool_parse_options (context, &argc, &argv))
    return 2;
  if (argc != 1)
    {
      g_printerr ("srp-tool state: unexpected argument “%s”\n", argv[1]);
      return 2;
    }
  directory = srp_tool_state_directory (state, FALSE);
  key_path = g_build_filename (directory, "identity.key", NULL);
  identity = srp_identity_load (key_path, &error);
  if (identity == NULL)
    {
      g_printerr ("srp-tool state: %s\n", error->message);
      return 1;
    }
  db_path = srp_store_path (directory, srp_identity_get_hex_id (identity));
  store = srp_store_open_read_only (db_path, &error);
  if (store == NULL)
    {
      g_printerr ("srp-tool state: %s\n", error->message);
      return 1;
    }
  summary = g_variant_ref_sink (srp_store_summarize (store));
  if (json)
    print_json (summary);
  else
    print_text (summary);
  return 0;
}
