/* sim-json.h: a small JSON writer (GLib 2.74 has none; json-glib would be a
 * dependency for a dozen calls). Objects and arrays nest; keys are given
 * inside objects and NULL inside arrays. Numbers that are not finite are
 * written as null.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SIM_JSON_MAX_DEPTH 16

typedef struct {
  GString *out;
  guint depth;
  gboolean has_items[SIM_JSON_MAX_DEPTH];
} SimJson;

void sim_json_init (SimJson *json, GString *out);
void sim_json_begin_object (SimJson *json, const char *key);
void sim_json_end_object (SimJson *json);
void sim_json_begin_array (SimJson *json, const char *key);
void sim_json_end_array (SimJson *json);
void sim_json_double (SimJson *json, const char *key, double value);
void sim_json_uint (SimJson *json, const char *key, guint64 value);
void sim_json_bool (SimJson *json, const char *key, gboolean value);
void sim_json_null (SimJson *json, const char *key);
void sim_json_string (SimJson *json, const char *key, const char *value);

G_END_DECLS
