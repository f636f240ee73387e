/* sim-json.c: writes JSON, one member per line.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sim-json.h"

#include <math.h>

void
sim_json_init (SimJson *json, GString *out)
{
  json->out = out;
  json->depth = 0;
  json->has_items[0] = FALSE;
}

static void
escaped (GString *out, const char *s)
{
  g_string_append_c (out, '"');
  for (; *s != '\0'; s++)
    {
      if (*s == '"' || *s == '\\')
        g_string_append_printf (out, "\\%c", *s);
      else if ((guchar) *s < 0x20)
        g_string_append_printf (out, "\\u%04x", (guchar) *s);
      else
        g_string_append_c (out, *s);
    }
  g_string_append_c (out, '"');
}

/* The separator, indentation and key before a value. */
static void
member (SimJson *json, const char *key)
{
  if (json->depth > 0)
    {
      g_string_append (json->out, json->has_items[json->depth] ? ",\n" : "\n");
      json->has_items[json->depth] = TRUE;
      for (guint i = 0; i < json->depth; i++)
        g_string_append (json->out, "  ");
    }
  if (key != NULL)
    {
      escaped (json->out, key);
      g_string_append (json->out, ": ");
    }
}

static void
open_nested (SimJson *json, const char *key, char bracket)
{
  member (json, key);
  g_string_append_c (json->out, bracket);
  g_assert (json->depth + 1 < SIM_JSON_MAX_DEPTH);
  json->has_items[++json->depth] = FALSE;
}

static void
close_nested (SimJson *json, char bracket)
{
  gboolean had = json->has_items[json->depth--];

  if (had)
    {
      g_string_append_c (json->out, '\n');
      for (guint i = 0; i < json->depth; i++)
        g_string_append (json->out, "  ");
    }
  g_string_append_c (json->out, bracket);
  if (json->depth == 0)
    g_string_append_c (json->out, '\n');
}

void
sim_json_begin_object (SimJson *json, const char *key)
{
  open_nested (json, key, '{');
}

void
sim_json_end_object (SimJson *json)
{
  close_nested (json, '}');
}

void
sim_json_begin_array (SimJson *json, const char *key)
{
  open_nested (json, key, '[');
}

void
sim_json_end_array (SimJson *json)
{
  close_nested (json, ']');
}

void
sim_json_double (SimJson *json, const char *key, double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (value))
    {
      sim_json_null (json, key);
      return;
    }
  member (json, key);
  /* Six significant digits are plenty, and stay readable. */
  g_string_append (json->out, g_ascii_formatd (buf, sizeof buf, "%.6g", value));
}

void
sim_json_uint (SimJson *json, const char *key, guint64 value)
{
  member (json, key);
  g_string_append_printf (json->out, "%" G_GUINT64_FORMAT, value);
}

void
sim_json_bool (SimJson *json, const char *key, gboolean value)
{
  member (json, key);
  g_string_append (json->out, value ? "true" : "false");
}

void
sim_json_null (SimJson *json, const char *key)
{
  member (json, key);
  g_string_append (json->out, "null");
}

void
sim_json_string (SimJson *json, const char *key, const char *value)
{
  member (json, key);
  escaped (json->out, value);
}
