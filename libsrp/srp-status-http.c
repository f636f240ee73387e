/* srp-status-http.c: the requests of the status server: the dashboard's
 * files from the library's GResource, the JSON endpoints, and the upgrade of
 * /api/events to a WebSocket. docs/status-api.md describes each path.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <sys/socket.h>

#include "srp-status-server-private.h"

#include "srp-status-auth.h"
#include "srp-status-stream.h"

#define RESOURCE_PREFIX "/org/libsrp/status/"
#define EVENTS_PATH "/api/events"
#define EVENTS_SEND_BUFFER (64 * 1024)

typedef JsonNode *(*ApiFunc) (SrpStatusServer *self);

static JsonNode *
api_status (SrpStatusServer *self)
{
  SrpStatusServerFacts facts = srp_status_server_get_facts (self);

  return srp_status_json_status (self->peer, &facts);
}

static JsonNode *
api_peers (SrpStatusServer *self)
{
  return srp_status_json_peers (srp_peer_get_peers (self->peer));
}

static JsonNode *
api_cache (SrpStatusServer *self)
{
  return srp_status_json_cache (srp_peer_get_cache (self->peer));
}

static JsonNode *
api_topics (SrpStatusServer *self)
{
  return srp_status_json_topics (srp_peer_get_topics (self->peer));
}

static JsonNode *
api_stats (SrpStatusServer *self)
{
  return srp_status_json_stats (self->peer);
}

static const struct {
  const char *path;
  ApiFunc func;
} apis[] = {
  { "/api/status", api_status },
  { "/api/peers", api_peers },
  { "/api/cache", api_cache },
  { "/api/topics", api_topics },
  { "/api/stats", api_stats },
};

/* The dashboard. It holds no data of the peer, so it needs no token: the
 * page reads the API with the token it was opened with. */
static const struct {
  const char *path;
  const char *resource;
  const char *content_type;
} files[] = {
  { "/", "index.html", "text/html; charset=utf-8" },
  { "/dashboard.css", "dashboard.css", "text/css; charset=utf-8" },
  { "/dashboard.js", "dashboard.js", "text/javascript; charset=utf-8" },
  { "/favicon.svg", "favicon.svg", "image/svg+xml" },
};

static void
respond (SoupServerMessage *msg, guint status, const char *content_type, GBytes *body)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, content_type, SOUP_MEMORY_COPY,
                                    g_bytes_get_data (body, NULL), g_bytes_get_size (body));
}

static void
respond_json (SoupServerMessage *msg, guint status, JsonNode *node)
{
  g_autoptr (GBytes) body = srp_status_json_to_bytes (node);

  respond (msg, status, "application/json; charset=utf-8", body);
}

/* {"error": CODE, "message": TEXT}: CODE is stable, TEXT is for people. */
static void
respond_error (SoupServerMessage *msg, guint status, const char *code, const char *message)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) node = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_add_string_value (builder, code);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);
  if (status == SOUP_STATUS_UNAUTHORIZED)
    soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                  "WWW-Authenticate", "Bearer realm=\"libsrp\"");
  respond_json (msg, status, node);
}

static gboolean
method_allowed (SoupServerMessage *msg, gboolean get_only)
{
  const char *method = soup_server_message_get_method (msg);

  if (method == SOUP_METHOD_GET || (!get_only && method == SOUP_METHOD_HEAD))
    return TRUE;
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow",
                                get_only ? "GET" : "GET, HEAD");
  respond_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method-not-allowed",
                 get_only ? "Only GET is allowed here" : "Only GET and HEAD are allowed here");
  return FALSE;
}

static gboolean
authorized (SrpStatusServer *self, SoupServerMessage *msg)
{
  const char *reason = NULL;
  guint status = srp_status_auth_check (msg, self->token, &reason);

  if (status == 0)
    return TRUE;
  respond_error (msg, status, status == SOUP_STATUS_UNAUTHORIZED ? "unauthorized" : "forbidden",
                 reason);
  return FALSE;
}

static void
serve_file (SoupServerMessage *msg, const char *resource, const char *content_type)
{
  g_autofree char *path = g_strconcat (RESOURCE_PREFIX, resource, NULL);
  g_autoptr (GBytes) body = g_resources_lookup_data (path, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  /* Compiled into the library: missing only if the build is broken. */
  if (body == NULL)
    {
      g_critical ("The dashboard resource %s is missing", path);
      respond_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "internal", "Missing resource");
      return;
    }
  /* Everything the page loads comes from here; nothing inline, no other host. */
  soup_message_headers_replace (headers, "Content-Security-Policy",
                                "default-src 'self'; connect-src 'self'; img-src 'self'; "
                                "frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
  respond (msg, SOUP_STATUS_OK, content_type, body);
}

/* Runs once the 101 response went out: from then on the connection is the
 * client's WebSocket, on a stream that counts what reaches the socket. */
static void
on_upgraded (SoupServerMessage *msg, SrpStatusServer *self)
{
  GUri *uri = soup_server_message_get_uri (msg);
  g_autofree char *origin = g_strdup (soup_message_headers_get_one (
    soup_server_message_get_request_headers (msg), "Origin"));
  g_autoptr (GIOStream) base = soup_server_message_steal_connection (msg);
  g_autoptr (GIOStream) stream = NULL;
  g_autoptr (SoupWebsocketConnection) connection = NULL;

  if (base == NULL)
    return;
  stream = srp_status_stream_new (base);
  connection = soup_websocket_connection_new (stream, uri, SOUP_WEBSOCKET_CONNECTION_SERVER,
                                              origin, NULL, NULL);
  srp_status_server_add_client (self, connection);
}

static void
serve_events (SrpStatusServer *self, SoupServerMessage *msg)
{
  GSocket *socket = soup_server_message_get_socket (msg);
  g_autoptr (GError) error = NULL;

  /* No extensions: compression would hide how many bytes a client is behind. */
  if (!soup_websocket_server_check_handshake (msg, NULL, NULL, NULL, &error))
    {
      respond_error (msg, SOUP_STATUS_BAD_REQUEST, "not-websocket", error->message);
      return;
    }
  soup_websocket_server_process_handshake (msg, NULL, NULL, NULL, NULL);
  /* The kernel would otherwise grow the send buffer to megabytes for a
   * client that stopped reading; events are small, this is plenty. */
  if (socket != NULL &&
      !g_socket_set_option (socket, SOL_SOCKET, SO_SNDBUF, EVENTS_SEND_BUFFER, &error))
    g_debug ("Could not bound the send buffer: %s", error->message);
  g_signal_connect_object (msg, "wrote-informational", G_CALLBACK (on_upgraded), self, 0);
}

static void
handle (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
        gpointer user_data)
{
  SrpStatusServer *self = user_data;
  g_autofree char *message = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    if (g_str_equal (path, files[i].path))
      {
        if (method_allowed (msg, FALSE))
          serve_file (msg, files[i].resource, files[i].content_type);
        return;
      }
  for (guint i = 0; i < G_N_ELEMENTS (apis); i++)
    if (g_str_equal (path, apis[i].path))
      {
        if (method_allowed (msg, FALSE) && authorized (self, msg))
          {
            g_autoptr (JsonNode) node = apis[i].func (self);
            respond_json (msg, SOUP_STATUS_OK, node);
          }
        return;
      }
  if (g_str_equal (path, EVENTS_PATH))
    {
      if (method_allowed (msg, TRUE) && authorized (self, msg))
        serve_events (self, msg);
      return;
    }
  message = g_strdup_printf ("No such path: %s", path);
  respond_error (msg, SOUP_STATUS_NOT_FOUND, "not-found", message);
}

const char *const *
srp_status_http_endpoints (void)
{
  static const char *endpoints[G_N_ELEMENTS (apis) + 2];

  /* Made from the table once, so the list cannot disagree with it. */
  if (endpoints[0] == NULL)
    {
      for (guint i = 0; i < G_N_ELEMENTS (apis); i++)
        endpoints[i] = apis[i].path;
      endpoints[G_N_ELEMENTS (apis)] = EVENTS_PATH;
    }
  return endpoints;
}

void
srp_status_http_serve (SrpStatusServer *self, SoupServer *soup)
{
  soup_server_add_handler (soup, NULL, handle, self, NULL);
}
