/* srp-status-server.c: SrpStatusServer, the object: its properties, its
 * listening socket, and its WebSocket clients. The requests are answered in
 * srp-status-http.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-status-server-private.h"

#include "srp-error.h"

/**
 * SrpStatusServer:
 *
 * An HTTP server that shows what a [class@Peer] is doing: a dashboard page
 * at `/`, JSON documents under `/api/` (the peer's status, its connected
 * peers, its cache) and a WebSocket at `/api/events` that pushes changes as
 * they happen. `docs/status-api.md` in libsrp's sources describes every
 * path and field; `srp-tool node --http` runs one.
 *
 * The server is safe by default. It binds the loopback address unless told
 * otherwise, and binding any other address needs a token
 * ([property@StatusServer:token]), which API requests must then carry, as
 * an `Authorization: Bearer TOKEN` header or a `token=TOKEN` query
 * parameter. Message bodies are never shown: only their size, ID and topic.
 *
 * Serving never holds up the peer: the server runs in the peer's main
 * context without blocking, and a WebSocket client that reads too slowly
 * (or vanished) loses events, which it is told of, rather than making the
 * server keep them.
 *
 * ```c
 * g_autoptr (SrpStatusServer) server = srp_status_server_new (peer);
 * g_autofree char *url = NULL;
 *
 * if (!srp_status_server_listen (server, NULL, 0, &error))
 *   g_error ("%s", error->message);
 * url = srp_status_server_get_url (server);
 * g_print ("Dashboard at %s\n", url);
 * ```
 */

G_DEFINE_FINAL_TYPE (SrpStatusServer, srp_status_server, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PEER,
  PROP_TOKEN,
  PROP_PORT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* A client that takes nothing for 30 s is gone; 256 events or 256 KiB
 * behind, it loses events. */
static const SrpStatusClientLimits default_limits = { 256, 256 * 1024, 30 * 1000 };
#define DEFAULT_SAMPLE_INTERVAL_MS 1000

static void
broadcast (JsonNode *event, gpointer user_data)
{
  SrpStatusServer *self = user_data;
  g_autoptr (GBytes) text = NULL;

  if (self->clients->len == 0)
    return;
  text = srp_status_json_to_bytes (event);
  for (guint i = 0; i < self->clients->len; i++)
    if (!srp_status_client_push (self->clients->pdata[i], text))
      self->events_dropped++;
}

static void
on_client_closed (SrpStatusClient *client, gpointer user_data)
{
  SrpStatusServer *self = user_data;

  g_ptr_array_remove (self->clients, client);
  if (self->clients->len == 0)
    srp_status_watch_set_sampling (self->watch, 0);
}

SrpStatusServerFacts
srp_status_server_get_facts (SrpStatusServer *self)
{
  SrpStatusServerFacts facts = {
    .uptime_us = srp_status_watch_get_uptime (self->watch),
    .n_clients = self->clients->len,
    .events_dropped = self->events_dropped,
    .endpoints = srp_status_http_endpoints (),
  };

  return facts;
}

/* {"event": "hello", "api": 1, "status": ..., "peers": [...], "cache": ...}:
 * the state the events that follow change, taken at the same moment. */
static JsonNode *
hello (SrpStatusServer *self)
{
  SrpStatusServerFacts facts = srp_status_server_get_facts (self);
  JsonBuilder *builder = srp_status_json_event_begin ("hello");
  g_autoptr (JsonNode) peers = srp_status_json_peers (srp_peer_get_peers (self->peer));

  json_builder_set_member_name (builder, "api");
  json_builder_add_int_value (builder, 1);
  json_builder_set_member_name (builder, "status");
  json_builder_add_value (builder, srp_status_json_status (self->peer, &facts));
  json_builder_set_member_name (builder, "peers");
  json_builder_add_value (builder,
                          json_node_copy (json_object_get_member (json_node_get_object (peers),
                                                                  "peers")));
  json_builder_set_member_name (builder, "cache");
  json_builder_add_value (builder, srp_status_json_cache (srp_peer_get_cache (self->peer)));
  return srp_status_json_event_end (builder);
}

void
srp_status_server_add_client (SrpStatusServer *self, SoupWebsocketConnection *connection)
{
  SrpStatusClient *client =
    srp_status_client_new (connection, &self->limits, self->context, on_client_closed, self);
  g_autoptr (JsonNode) event = NULL;
  g_autoptr (GBytes) text = NULL;

  /* Clients send nothing but control frames. */
  soup_websocket_connection_set_max_incoming_payload_size (connection, 4096);
  /* Pings keep idle connections through middleboxes, and find dead ones. */
  soup_websocket_connection_set_keepalive_interval (connection, 15);
  g_ptr_array_add (self->clients, client);
  event = hello (self);
  text = srp_status_json_to_bytes (event);
  srp_status_client_push (client, text);
  if (self->clients->len == 1)
    srp_status_watch_set_sampling (self->watch, self->sample_interval_ms);
}

void
srp_status_server_set_limits (SrpStatusServer *self, const SrpStatusClientLimits *limits,
                              guint sample_interval_ms)
{
  self->limits = *limits;
  self->sample_interval_ms = sample_interval_ms;
}

static void
srp_status_server_constructed (GObject *object)
{
  SrpStatusServer *self = SRP_STATUS_SERVER (object);

  G_OBJECT_CLASS (srp_status_server_parent_class)->constructed (object);

  g_return_if_fail (SRP_IS_PEER (self->peer));
  self->watch = srp_status_watch_new (self->peer, self->context, broadcast, self);
}

static void
srp_status_server_dispose (GObject *object)
{
  SrpStatusServer *self = SRP_STATUS_SERVER (object);

  srp_status_server_close (self);
  g_clear_pointer (&self->watch, srp_status_watch_free);
  g_clear_object (&self->peer);

  G_OBJECT_CLASS (srp_status_server_parent_class)->dispose (object);
}

static void
srp_status_server_finalize (GObject *object)
{
  SrpStatusServer *self = SRP_STATUS_SERVER (object);

  g_clear_pointer (&self->clients, g_ptr_array_unref);
  g_clear_pointer (&self->token, g_free);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (srp_status_server_parent_class)->finalize (object);
}

static void
srp_status_server_get_property (GObject *object, guint prop_id, GValue *value,
                                GParamSpec *pspec)
{
  SrpStatusServer *self = SRP_STATUS_SERVER (object);

  switch (prop_id)
    {
    case PROP_PEER:
      g_value_set_object (value, self->peer);
      break;
    case PROP_TOKEN:
      g_value_set_string (value, self->token);
      break;
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
srp_status_server_set_property (GObject *object, guint prop_id, const GValue *value,
                                GParamSpec *pspec)
{
  SrpStatusServer *self = SRP_STATUS_SERVER (object);

  switch (prop_id)
    {
    case PROP_PEER:
      self->peer = g_value_dup_object (value);
      break;
    case PROP_TOKEN:
      srp_status_server_set_token (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
srp_status_server_class_init (SrpStatusServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->constructed = srp_status_server_constructed;
  object_class->dispose = srp_status_server_dispose;
  object_class->finalize = srp_status_server_finalize;
  object_class->get_property = srp_status_server_get_property;
  object_class->set_property = srp_status_server_set_property;

  /**
   * SrpStatusServer:peer: (getter get_peer)
   *
   * The peer the server shows. The server keeps it alive.
   */
  properties[PROP_PEER] = g_param_spec_object ("peer", NULL, NULL, SRP_TYPE_PEER,
                                               flags | G_PARAM_READWRITE |
                                                 G_PARAM_CONSTRUCT_ONLY);

  /**
   * SrpStatusServer:token: (getter get_token) (setter set_token)
   *
   * The secret that API requests must carry, as an `Authorization: Bearer`
   * header or a `token` query parameter, or %NULL for none. Without one the
   * server only listens on loopback addresses and only answers requests
   * that name a loopback host, which keeps other hosts and other web sites
   * out. The dashboard's own files are served without it.
   *
   * It may change at any time (to rotate it, for instance), but not to
   * %NULL while the server listens beyond loopback.
   */
  properties[PROP_TOKEN] =
    g_param_spec_string ("token", NULL, NULL, NULL, flags | G_PARAM_READWRITE);

  /**
   * SrpStatusServer:port: (getter get_port)
   *
   * The TCP port the server listens on, or 0 when it does not. It changes in
   * [method@StatusServer.listen] and [method@StatusServer.close].
   */
  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT16, 0, flags | G_PARAM_READABLE);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
srp_status_server_init (SrpStatusServer *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->clients = g_ptr_array_new_with_free_func ((GDestroyNotify) srp_status_client_free);
  self->limits = default_limits;
  self->sample_interval_ms = DEFAULT_SAMPLE_INTERVAL_MS;
}

/**
 * srp_status_server_new:
 * @peer: the peer to show
 *
 * Makes a status server for @peer. It does not listen yet: see
 * [method@StatusServer.listen]. It belongs to the thread-default main
 * context of the calling thread, which should be the peer's.
 *
 * Returns: (transfer full): a new status server
 */
SrpStatusServer *
srp_status_server_new (SrpPeer *peer)
{
  g_return_val_if_fail (SRP_IS_PEER (peer), NULL);

  return g_object_new (SRP_TYPE_STATUS_SERVER, "peer", peer, NULL);
}

/**
 * srp_status_server_get_peer: (get-property peer)
 * @self: a status server
 *
 * Gets the peer the server shows.
 *
 * Returns: (transfer none): the peer
 */
SrpPeer *
srp_status_server_get_peer (SrpStatusServer *self)
{
  g_return_val_if_fail (SRP_IS_STATUS_SERVER (self), NULL);

  return self->peer;
}

/**
 * srp_status_server_get_token: (get-property token)
 * @self: a status server
 *
 * Gets the token API requests must carry.
 *
 * Returns: (transfer none) (nullable): the token, or %NULL for none
 */
const char *
srp_status_server_get_token (SrpStatusServer *self)
{
  g_return_val_if_fail (SRP_IS_STATUS_SERVER (self), NULL);

  return self->token;
}

static gboolean
beyond_loopback (SrpStatusServer *self)
{
  return self->address != NULL && !g_inet_address_get_is_loopback (self->address);
}

/**
 * srp_status_server_set_token: (set-property token)
 * @self: a status server
 * @token: (nullable): the secret, or %NULL (or "") for none
 *
 * Sets the token that API requests must carry from now on. Set it before
 * [method@StatusServer.listen] to listen beyond loopback. Use a long random
 * string: anyone who has it can watch the peer.
 *
 * Removing the token while the server listens beyond loopback is a
 * programming error.
 */
void
srp_status_server_set_token (SrpStatusServer *self, const char *token)
{
  g_return_if_fail (SRP_IS_STATUS_SERVER (self));

  if (token != NULL && *token == '\0')
    token = NULL;
  g_return_if_fail (token != NULL || !beyond_loopback (self));
  if (g_strcmp0 (self->token, token) == 0)
    return;
  g_free (self->token);
  self->token = g_strdup (token);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOKEN]);
}

static GInetAddress *
parse_address (const char *address, GError **error)
{
  GInetAddress *inet;

  if (address == NULL || g_ascii_strcasecmp (address, "localhost") == 0)
    address = "127.0.0.1";
  inet = g_inet_address_new_from_string (address);
  if (inet == NULL)
    g_set_error (error, SRP_ERROR, SRP_ERROR_INVALID_ARGUMENT,
                 "“%s” is not an IP address (such as 127.0.0.1, ::1 or 0.0.0.0)", address);
  return inet;
}

static guint
bound_port (SoupServer *soup)
{
  GSList *listeners = soup_server_get_listeners (soup);
  g_autoptr (GSocketAddress) local = NULL;
  guint port = 0;

  if (listeners != NULL)
    local = g_socket_get_local_address (listeners->data, NULL);
  if (local != NULL && G_IS_INET_SOCKET_ADDRESS (local))
    port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  g_slist_free (listeners);
  return port;
}

/**
 * srp_status_server_listen:
 * @self: a status server
 * @address: (nullable): the local IP address to bind to, such as
 *   "127.0.0.1", "::1" or "0.0.0.0" (all IPv4 interfaces), or %NULL for
 *   127.0.0.1
 * @port: the TCP port, or 0 for one the system chooses
 * @error: return location for an error
 *
 * Starts serving. Read the bound port from [property@StatusServer:port],
 * or the whole address from [method@StatusServer.get_url].
 *
 * Fails with %SRP_ERROR_ALREADY_LISTENING when the server listens already,
 * %SRP_ERROR_INVALID_ARGUMENT when @address is not an IP address, when
 * @port is above 65535, or when @address is not a loopback address and no
 * [property@StatusServer:token] is set, and with the [error@Gio.IOErrorEnum]
 * of a failed bind, such as %G_IO_ERROR_ADDRESS_IN_USE.
 *
 * Returns: %TRUE when the server listens
 */
gboolean
srp_status_server_listen (SrpStatusServer *self, const char *address, guint port,
                          GError **error)
{
  g_autoptr (GInetAddress) inet = NULL;
  g_autoptr (GSocketAddress) socket_address = NULL;
  g_autoptr (SoupServer) soup = NULL;
  gboolean listening;

  g_return_val_if_fail (SRP_IS_STATUS_SERVER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->soup != NULL)
    {
      g_set_error (error, SRP_ERROR, SRP_ERROR_ALREADY_LISTENING,
                   "The status server listens already, on port %u", self->port);
      return FALSE;
    }
  if (port > G_MAXUINT16)
    {
      g_set_error (error, SRP_ERROR, SRP_ERROR_INVALID_ARGUMENT, "%u is not a TCP port", port);
      return FALSE;
    }
  inet = parse_address (address, error);
  if (inet == NULL)
    return FALSE;
  if (!g_inet_address_get_is_loopback (inet) && self->token == NULL)
    {
      g_autofree char *text = g_inet_address_to_string (inet);

      g_set_error (error, SRP_ERROR, SRP_ERROR_INVALID_ARGUMENT,
                   "Listening on %s, beyond loopback, needs a token: anyone who can reach "
                   "the port could watch the peer (set SrpStatusServer:token first)",
                   text);
      return FALSE;
    }

  soup = soup_server_new ("server-header", "libsrp/" SRP_VERSION_S " ", NULL);
  srp_status_http_serve (self, soup);
  socket_address = g_inet_socket_address_new (inet, (guint16) port);
  /* SoupServer attaches its sources to the thread-default context. */
  g_main_context_push_thread_default (self->context);
  listening = soup_server_listen (soup, socket_address, 0, error);
  g_main_context_pop_thread_default (self->context);
  if (!listening)
    return FALSE;

  self->soup = g_steal_pointer (&soup);
  self->address = g_steal_pointer (&inet);
  self->port = bound_port (self->soup);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
  return TRUE;
}

/**
 * srp_status_server_get_port: (get-property port)
 * @self: a status server
 *
 * Gets the TCP port the server listens on.
 *
 * Returns: the port, or 0 when the server does not listen
 */
guint
srp_status_server_get_port (SrpStatusServer *self)
{
  g_return_val_if_fail (SRP_IS_STATUS_SERVER (self), 0);

  return self->port;
}

/**
 * srp_status_server_get_url:
 * @self: a status server
 *
 * Gets the address of the dashboard, such as "http://127.0.0.1:7770/"
 * ("http://[::1]:7770/" for IPv6). For a server bound to all interfaces
 * ("0.0.0.0" or "::") that is the address it was bound to: put one of the
 * host's own names or addresses in its place. The token is not part of it.
 *
 * Returns: (transfer full) (nullable): the URL, or %NULL when the server
 *   does not listen
 */
char *
srp_status_server_get_url (SrpStatusServer *self)
{
  g_autofree char *host = NULL;

  g_return_val_if_fail (SRP_IS_STATUS_SERVER (self), NULL);

  if (self->address == NULL)
    return NULL;
  host = g_inet_address_to_string (self->address);
  if (g_inet_address_get_family (self->address) == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("http://[%s]:%u/", host, self->port);
  return g_strdup_printf ("http://%s:%u/", host, self->port);
}

/**
 * srp_status_server_close:
 * @self: a status server
 *
 * Stops serving: closes the listening socket and every WebSocket client. The
 * server may listen again. Closing a server that does not listen does
 * nothing; disposing of the server closes it.
 */
void
srp_status_server_close (SrpStatusServer *self)
{
  g_return_if_fail (SRP_IS_STATUS_SERVER (self));

  if (self->soup == NULL)
    return;
  g_ptr_array_set_size (self->clients, 0);
  srp_status_watch_set_sampling (self->watch, 0);
  soup_server_disconnect (self->soup);
  g_clear_object (&self->soup);
  g_clear_object (&self->address);
  self->port = 0;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
}
