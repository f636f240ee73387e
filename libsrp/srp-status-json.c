/* srp-status-json.c: the JSON documents of the status API, built with
 * json-glib from the public API of SrpPeer alone, so that they never depend
 * on the peer's internals.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <libsoup/soup.h>

#include "srp-status-json.h"

#include "srp-enums.h"
#include "srp-version.h"

static void
add_string (JsonBuilder *builder, const char *name, const char *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_int (JsonBuilder *builder, const char *name, gint64 value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

/* Counters are guint64 in the API but stay below 2^53 (JavaScript's exact
 * integers), far below gint64's limit. */
static void
add_count (JsonBuilder *builder, const char *name, guint64 value)
{
  add_int (builder, name, (gint64) MIN (value, (guint64) G_MAXINT64));
}

static void
add_versions (JsonBuilder *builder)
{
  g_autofree char *srp = g_strdup_printf ("%u.%u.%u", srp_get_major_version (),
                                          srp_get_minor_version (), srp_get_micro_version ());
  g_autofree char *glib = g_strdup_printf ("%u.%u.%u", glib_major_version, glib_minor_version,
                                           glib_micro_version);
  g_autofree char *soup = g_strdup_printf ("%u.%u.%u", soup_get_major_version (),
                                           soup_get_minor_version (), soup_get_micro_version ());

  json_builder_set_member_name (builder, "versions");
  json_builder_begin_object (builder);
  add_string (builder, "libsrp", srp);
  add_string (builder, "glib", glib);
  add_string (builder, "libsoup", soup);
  /* json-glib has no run-time version query. */
  add_string (builder, "json_glib", JSON_VERSION_S);
  json_builder_end_object (builder);
}

static JsonNode *
finish (JsonBuilder *builder)
{
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

JsonNode *
srp_status_json_status (SrpPeer *peer, const SrpStatusServerFacts *facts)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  guint port = srp_peer_get_port (peer);

  json_builder_begin_object (builder);
  add_string (builder, "id", srp_peer_get_id (peer));
  json_builder_set_member_name (builder, "listening");
  json_builder_add_boolean_value (builder, port != 0);
  add_int (builder, "port", port);
  add_string (builder, "nat_type", srp_nat_type_to_string (srp_peer_get_nat_type (peer)));
  add_string (builder, "public_address", srp_peer_get_public_address (peer));
  add_string (builder, "nat_problem", srp_peer_get_nat_problem (peer));
  json_builder_set_member_name (builder, "uptime_s");
  if (facts->uptime_us >= 0)
    json_builder_add_int_value (builder, facts->uptime_us / G_USEC_PER_SEC);
  else
    json_builder_add_null_value (builder);
  add_int (builder, "peers", g_list_model_get_n_items (srp_peer_get_peers (peer)));
  add_int (builder, "clients", facts->n_clients);
  add_count (builder, "events_dropped", facts->events_dropped);
  json_builder_set_member_name (builder, "endpoints");
  json_builder_begin_array (builder);
  for (guint i = 0; facts->endpoints != NULL && facts->endpoints[i] != NULL; i++)
    json_builder_add_string_value (builder, facts->endpoints[i]);
  json_builder_end_array (builder);
  add_versions (builder);
  return finish (builder);
}

static void
build_peer (JsonBuilder *builder, SrpPeerInfo *info)
{
  GDateTime *since = srp_peer_info_get_since (info);
  g_autoptr (GDateTime) since_utc = since != NULL ? g_date_time_to_utc (since) : NULL;
  g_autofree char *since_text = since_utc != NULL ? g_date_time_format_iso8601 (since_utc) : NULL;
  gint64 rtt = srp_peer_info_get_rtt (info);

  json_builder_begin_object (builder);
  add_string (builder, "id", srp_peer_info_get_id (info));
  add_string (builder, "address", srp_peer_info_get_address (info));
  add_string (builder, "nat_type", srp_nat_type_to_string (srp_peer_info_get_nat_type (info)));
  add_string (builder, "path", srp_path_to_string (srp_peer_info_get_path (info)));
  json_builder_set_member_name (builder, "rtt_us");
  if (rtt >= 0)
    json_builder_add_int_value (builder, rtt);
  else
    json_builder_add_null_value (builder);
  add_string (builder, "since", since_text);
  add_count (builder, "bytes_in", srp_peer_info_get_bytes_in (info));
  add_count (builder, "bytes_out", srp_peer_info_get_bytes_out (info));
  json_builder_end_object (builder);
}

JsonNode *
srp_status_json_peer (SrpPeerInfo *info)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  build_peer (builder, info);
  return json_builder_get_root (builder);
}

JsonNode *
srp_status_json_peers (GListModel *peers)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  guint n = g_list_model_get_n_items (peers);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "peers");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (SrpPeerInfo) info = g_list_model_get_item (peers, i);
      build_peer (builder, info);
    }
  json_builder_end_array (builder);
  return finish (builder);
}

JsonNode *
srp_status_json_cache (SrpCache *cache)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  json_builder_begin_object (builder);
  add_count (builder, "budget", srp_cache_get_budget (cache));
  add_count (builder, "used", srp_cache_get_used (cache));
  add_int (builder, "packets", srp_cache_get_n_packets (cache));
  add_count (builder, "stored", srp_cache_get_stored (cache));
  add_count (builder, "evicted", srp_cache_get_evicted (cache));
  add_count (builder, "expired", srp_cache_get_expired (cache));
  add_count (builder, "purged", srp_cache_get_purged (cache));
  return finish (builder);
}

JsonBuilder *
srp_status_json_event_begin (const char *name)
{
  JsonBuilder *builder = json_builder_new ();

  json_builder_begin_object (builder);
  add_string (builder, "event", name);
  return builder;
}

JsonNode *
srp_status_json_event_end (JsonBuilder *builder)
{
  JsonNode *root = finish (builder);

  g_object_unref (builder);
  return root;
}

JsonNode *
srp_status_json_dropped (guint64 count)
{
  JsonBuilder *builder = srp_status_json_event_begin ("dropped");

  add_count (builder, "count", count);
  return srp_status_json_event_end (builder);
}

GBytes *
srp_status_json_to_bytes (JsonNode *node)
{
  char *text = json_to_string (node, FALSE);

  return g_bytes_new_take (text, strlen (text));
}

JsonNode *
srp_status_json_topics (GListModel *topics)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  guint n = g_list_model_get_n_items (topics);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "topics");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (SrpTopic) topic = g_list_model_get_item (topics, i);

      json_builder_begin_object (builder);
      add_string (builder, "name", srp_topic_get_name (topic));
      add_string (builder, "id", srp_topic_get_id (topic));
      json_builder_set_member_name (builder, "subscribed");
      json_builder_add_boolean_value (builder, srp_topic_get_subscribed (topic));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  return finish (builder);
}

JsonNode *
srp_status_json_stats (SrpPeer *peer)
{
  g_autoptr (GVariant) stats = srp_peer_get_stats (peer);

  return json_gvariant_serialize (stats);
}
