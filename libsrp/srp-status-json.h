/* srp-status-json.h: the JSON documents of the status API (internal). Their
 * field names are stable: docs/status-api.md describes each one.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "srp-peer.h"

G_BEGIN_DECLS

/* What the status document says about the server itself. */
typedef struct {
  gint64 uptime_us;       /* since the peer started listening; -1 while it does not */
  guint n_clients;        /* WebSocket clients on /api/events */
  guint64 events_dropped; /* events those clients were too slow for */
  const char *const *endpoints; /* the API paths served, NULL-terminated */
} SrpStatusServerFacts;

/* GET /api/status */
JsonNode *srp_status_json_status (SrpPeer *peer, const SrpStatusServerFacts *facts);
/* One element of GET /api/peers, and of peer events. */
JsonNode *srp_status_json_peer (SrpPeerInfo *info);
/* GET /api/peers: {"peers": [...]} */
JsonNode *srp_status_json_peers (GListModel *peers);
/* GET /api/cache */
JsonNode *srp_status_json_cache (SrpCache *cache);
/* GET /api/topics: {"topics": [...]} */
JsonNode *srp_status_json_topics (GListModel *topics);
/* GET /api/stats: srp_peer_get_stats, a member per key */
JsonNode *srp_status_json_stats (SrpPeer *peer);

/* A WebSocket event: {"event": name} to add members to with json_builder_*,
 * then srp_status_json_event_end. */
JsonBuilder *srp_status_json_event_begin (const char *name);
JsonNode *srp_status_json_event_end (JsonBuilder *builder);
/* {"event": "dropped", "count": n} */
JsonNode *srp_status_json_dropped (guint64 count);

/* Compact UTF-8, as sent. */
GBytes *srp_status_json_to_bytes (JsonNode *node);

G_END_DECLS
