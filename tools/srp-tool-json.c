/* srp-tool-json.c: the --json lines of srp-tool, one JSON object per line,
 * made and escaped by json-glib. Field names and shapes are an interface:
 * tests/tools, tests/python/test_processes.py and tests/netlab parse them.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdio.h>

#include "srp-tool.h"

JsonBuilder *
srp_tool_json_begin (const char *event)
{
  JsonBuilder *out = json_builder_new ();

  json_builder_begin_object (out);
  srp_tool_json_string (out, "event", event);
  return out;
}

void
srp_tool_json_string (JsonBuilder *out, const char *key, const char *value)
{
  json_builder_set_member_name (out, key);
  if (value != NULL)
    json_builder_add_string_value (out, value);
  else
    json_builder_add_null_value (out);
}

/* Every number srp-tool prints stays far below 2^53 (JavaScript's exact
 * integers), so gint64 holds it. */
void
srp_tool_json_uint (JsonBuilder *out, const char *key, guint64 value)
{
  json_builder_set_member_name (out, key);
  json_builder_add_int_value (out, (gint64) MIN (value, (guint64) G_MAXINT64));
}

void
srp_tool_json_print_node (JsonNode *node)
{
  g_autofree char *text = json_to_string (node, FALSE);

  puts (text);
  fflush (stdout);
}

void
srp_tool_json_print (JsonBuilder *out)
{
  g_autoptr (JsonNode) root = NULL;

  json_builder_end_object (out);
  root = json_builder_get_root (out);
  srp_tool_json_print_node (root);
  g_object_unref (out);
}
