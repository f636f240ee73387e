/* srp-peer.c: SrpPeer, the GObject shell around the sans-IO core. It owns the
 * socket, the clock and the main context; the core owns the protocol.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-peer.h"

#include <gio/gnetworking.h>

#include "srp-core.h"
#include "srp-error.h"
#include "srp-identity.h"
#include "srp-socket-address.h"

/* Datagrams taken from the socket per g_socket_receive_messages call, and
 * calls per wake-up before other sources get a turn. */
#define RECV_BATCH 16
#define RECV_ROUNDS 8

/**
 * SrpPeer:
 *
 * A peer of the Stream Relay network: an Ed25519 identity and a UDP socket.
 *
 * A new peer has a fresh identity, shown as its [property@Peer:id]. Call
 * [method@Peer.listen] to bind its socket; then it answers pings from other
 * peers and can ping them with [method@Peer.ping_async].
 *
 * A peer runs in the thread-default [struct@GLib.MainContext] of the thread
 * that made it, and must be used from that thread only.
 *
 * ```c
 * static void
 * on_ping (GObject *source, GAsyncResult *result, gpointer user_data)
 * {
 *   g_autoptr (GError) error = NULL;
 *   gint64 rtt_us = srp_peer_ping_finish (SRP_PEER (source), result, &error);
 *
 *   if (rtt_us < 0)
 *     g_printerr ("No answer: %s\n", error->message);
 *   else
 *     g_print ("Round trip: %" G_GINT64_FORMAT " µs\n", rtt_us);
 * }
 *
 * g_autoptr (SrpPeer) peer = srp_peer_new ();
 * g_autoptr (GError) error = NULL;
 *
 * if (!srp_peer_listen (peer, NULL, 0, &error))
 *   g_error ("%s", error->message);
 * g_print ("%s listens on port %u\n", srp_peer_get_id (peer), srp_peer_get_port (peer));
 * srp_peer_ping_async (peer, "peer.example.org", 4242, NULL, on_ping, NULL);
 * ```
 */

typedef struct {
  guint8 data[RECV_BATCH][SRP_MAX_DATAGRAM + 1];
  GInputVector vectors[RECV_BATCH];
  GInputMessage messages[RECV_BATCH];
  GSocketAddress *addresses[RECV_BATCH];
} RecvBatch;

struct _SrpPeer {
  GObject parent_instance;

  GMainContext *context;
  SrpIdentity *identity;

  /* Set while listening. */
  SrpCore *core;
  GSocket *socket;
  GSocketFamily family;
  GSource *socket_source;
  GSource *timer_source;
  RecvBatch *recv;
  guint16 port;

  GHashTable *pings; /* guint64 *request (in the task's PingData) -> GTask *, owned */
  guint64 send_failures;
  guint64 recv_failures;
};

G_DEFINE_FINAL_TYPE (SrpPeer, srp_peer, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_PORT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct {
  guint16 port;
  guint64 request;
  SrpAddress to;
  GSource *cancel_source;
  gboolean ok;
  gint64 rtt_us;
} PingData;

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static void
ping_data_free (gpointer data)
{
  PingData *ping = data;

  clear_source (&ping->cancel_source);
  g_free (ping);
}

/* The pending ping with that request number, removed from the table (with its
 * reference), or NULL. */
static GTask *
take_ping (SrpPeer *self, guint64 request)
{
  gpointer key, task;

  if (!g_hash_table_steal_extended (self->pings, &request, &key, &task))
    return NULL;
  clear_source (&((PingData *) g_task_get_task_data (task))->cancel_source);
  return task;
}

static void
send_transmits (SrpPeer *self)
{
  SrpTransmit *transmit = g_alloca (sizeof (SrpTransmit));

  while (srp_core_poll_transmit (self->core, transmit))
    {
      g_autoptr (GSocketAddress) to = NULL;
      g_autoptr (GError) error = NULL;
      char text[SRP_ADDRESS_STRING_MAX];

      /* One socket for now: the core only knows index 0. */
      if (transmit->socket == 0)
        to = srp_socket_address_from_srp (&transmit->to, self->family);
      if (to == NULL)
        {
          self->send_failures++;
          g_debug ("Cannot send to %s from socket %u",
                   srp_address_to_string (&transmit->to, text), transmit->socket);
          continue;
        }
      /* A full send buffer or an unreachable network loses this datagram
       * only; the protocol resends what matters. */
      if (g_socket_send_to (self->socket, to, (const char *) transmit->data, transmit->len,
                            NULL, &error) < 0)
        {
          self->send_failures++;
          g_debug ("Cannot send %" G_GSIZE_FORMAT " bytes to %s: %s", transmit->len,
                   srp_address_to_string (&transmit->to, text), error->message);
        }
    }
}

static void
complete_ping (GTask *task)
{
  PingData *ping = g_task_get_task_data (task);
  char text[SRP_ADDRESS_STRING_MAX];

  if (ping->ok)
    g_task_return_int (task, (gssize) ping->rtt_us);
  else
    g_task_return_new_error (task, SRP_ERROR, SRP_ERROR_TIMED_OUT, "No answer from %s",
                             srp_address_to_string (&ping->to, text));
}

/* Carries out what the core asks for after any input: sends, events, and the
 * next timeout. Tasks complete last, once the peer's state is consistent,
 * because their callbacks may call back into the peer. */
static void
srp_peer_drive (SrpPeer *self)
{
  g_autoptr (GPtrArray) done = NULL;
  SrpCoreEvent event;

  if (self->core == NULL)
    return;

  send_transmits (self);

  done = g_ptr_array_new_with_free_func (g_object_unref);
  while (srp_core_poll_event (self->core, &event))
    {
      switch (event.type)
        {
        case SRP_CORE_EVENT_PING_RESULT:
          {
            GTask *task = take_ping (self, event.ping.request);
            PingData *ping;

            if (task == NULL) /* cancelled, or from before a close */
              break;
            ping = g_task_get_task_data (task);
            ping->ok = event.ping.ok;
            ping->rtt_us = MAX (event.ping.rtt_us, 0);
            g_ptr_array_add (done, task);
            break;
          }
        case SRP_CORE_EVENT_NONE:
        default:
          break;
        }
      srp_core_event_clear (&event);
    }

  g_source_set_ready_time (self->timer_source, srp_core_poll_timeout (self->core));

  for (guint i = 0; i < done->len; i++)
    complete_ping (done->pdata[i]);
}

static gboolean
on_socket_readable (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  SrpPeer *self = user_data;
  RecvBatch *recv = self->recv;

  for (guint round = 0; round < RECV_ROUNDS; round++)
    {
      g_autoptr (GError) error = NULL;
      gint64 now;
      int n;

      for (guint i = 0; i < RECV_BATCH; i++)
        {
          recv->vectors[i].buffer = recv->data[i];
          recv->vectors[i].size = sizeof recv->data[i];
          recv->messages[i] = (GInputMessage) {
            .address = &recv->addresses[i],
            .vectors = &recv->vectors[i],
            .num_vectors = 1,
          };
          recv->addresses[i] = NULL;
        }

      n = g_socket_receive_messages (socket, recv->messages, RECV_BATCH, 0, NULL, &error);
      if (n < 0)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            {
              self->recv_failures++;
              g_debug ("Cannot receive: %s", error->message);
            }
          break;
        }

      now = g_get_monotonic_time ();
      for (int i = 0; i < n && self->core != NULL; i++)
        {
          SrpAddress from;

          if (srp_socket_address_to_srp (recv->addresses[i], &from))
            srp_core_handle_datagram (self->core, now, 0, &from, recv->data[i],
                                      recv->messages[i].bytes_received);
        }
      for (int i = 0; i < n; i++)
        g_clear_object (&recv->addresses[i]);

      if (n < RECV_BATCH)
        break;
    }

  srp_peer_drive (self);
  return G_SOURCE_CONTINUE;
}

/* A source that fires at its ready time and then waits for the next one. */
static gboolean
timer_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  g_source_set_ready_time (source, -1);
  return callback (user_data);
}

static GSourceFuncs timer_source_funcs = {
  .dispatch = timer_dispatch,
};

static gboolean
on_timer (gpointer user_data)
{
  SrpPeer *self = user_data;

  srp_core_handle_timeout (self->core, g_get_monotonic_time ());
  srp_peer_drive (self);
  return G_SOURCE_CONTINUE;
}

static GSource *
attach_source (SrpPeer *self, GSource *source, GSourceFunc callback, const char *name)
{
  g_source_set_callback (source, callback, self, NULL);
  g_source_set_name (source, name);
  g_source_attach (source, self->context);
  return source;
}

static void
srp_peer_stop (SrpPeer *self, gboolean notify)
{
  g_autoptr (GPtrArray) pending = NULL;
  GHashTableIter iter;
  gpointer task;

  if (self->socket == NULL)
    return;

  clear_source (&self->socket_source);
  clear_source (&self->timer_source);
  g_socket_close (self->socket, NULL);
  g_clear_object (&self->socket);
  g_clear_pointer (&self->core, srp_core_free);
  g_clear_pointer (&self->recv, g_free);
  self->port = 0;

  pending = g_ptr_array_new_with_free_func (g_object_unref);
  g_hash_table_iter_init (&iter, self->pings);
  while (g_hash_table_iter_next (&iter, NULL, &task))
    {
      clear_source (&((PingData *) g_task_get_task_data (task))->cancel_source);
      g_ptr_array_add (pending, task);
      g_hash_table_iter_steal (&iter);
    }

  if (notify)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
  for (guint i = 0; i < pending->len; i++)
    g_task_return_new_error (pending->pdata[i], G_IO_ERROR, G_IO_ERROR_CLOSED,
                             "The peer was closed");
}

static void
srp_peer_dispose (GObject *object)
{
  srp_peer_stop (SRP_PEER (object), FALSE);

  G_OBJECT_CLASS (srp_peer_parent_class)->dispose (object);
}

static void
srp_peer_finalize (GObject *object)
{
  SrpPeer *self = SRP_PEER (object);

  g_clear_pointer (&self->pings, g_hash_table_unref);
  g_clear_pointer (&self->identity, srp_identity_free);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (srp_peer_parent_class)->finalize (object);
}

static void
srp_peer_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  SrpPeer *self = SRP_PEER (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, srp_peer_get_id (self));
      break;
    case PROP_PORT:
      g_value_set_uint (value, srp_peer_get_port (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
srp_peer_class_init (SrpPeerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = srp_peer_dispose;
  object_class->finalize = srp_peer_finalize;
  object_class->get_property = srp_peer_get_property;

  /**
   * SrpPeer:id: (getter get_id)
   *
   * The peer's ID: its Ed25519 public key as 64 lowercase hexadecimal
   * characters. It stays the same for the life of the peer.
   */
  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * SrpPeer:port: (getter get_port)
   *
   * The UDP port the peer's socket is bound to, or 0 when it does not
   * listen. It changes in [method@Peer.listen] and [method@Peer.close].
   */
  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT16, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
srp_peer_init (SrpPeer *self)
{
  g_autoptr (GError) error = NULL;

  self->context = g_main_context_ref_thread_default ();
  self->pings = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_object_unref);
  self->identity = srp_identity_new (&error);
  /* Only a broken gnutls random generator gets here: like running out of
   * memory, nothing sensible can follow. */
  if (self->identity == NULL)
    g_error ("Cannot make a peer identity: %s", error->message);
}

/**
 * srp_peer_new:
 *
 * Makes a peer with a fresh identity. It does not listen yet: see
 * [method@Peer.listen].
 *
 * The peer belongs to the thread-default main context of the calling thread.
 *
 * Returns: (transfer full): a new peer
 */
SrpPeer *
srp_peer_new (void)
{
  return g_object_new (SRP_TYPE_PEER, NULL);
}

/**
 * srp_peer_get_id: (get-property id)
 * @self: a peer
 *
 * Gets the peer's ID, 64 lowercase hexadecimal characters of its public key.
 *
 * Returns: (transfer none): the ID
 */
const char *
srp_peer_get_id (SrpPeer *self)
{
  g_return_val_if_fail (SRP_IS_PEER (self), NULL);

  return srp_identity_get_hex_id (self->identity);
}

/**
 * srp_peer_get_port: (get-property port)
 * @self: a peer
 *
 * Gets the UDP port the peer listens on.
 *
 * Returns: the port, or 0 when the peer does not listen
 */
guint16
srp_peer_get_port (SrpPeer *self)
{
  g_return_val_if_fail (SRP_IS_PEER (self), 0);

  return self->port;
}

/* The core signs handshakes through this; the private key stays here. */
static gboolean
sign_with_identity (const guint8 *data, gsize len, guint8 signature[SRP_SIGNATURE_LEN],
                    gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  if (srp_identity_sign (user_data, data, len, signature, &error))
    return TRUE;
  g_debug ("%s", error->message);
  return FALSE;
}

static GSocket *
bind_socket (GInetAddress *inet, guint16 port, gboolean dual_stack, GError **error)
{
  GSocketFamily family = g_inet_address_get_family (inet);
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GSocketAddress) address = NULL;

  socket = g_socket_new (family, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, error);
  if (socket == NULL)
    return NULL;
  if (family == G_SOCKET_FAMILY_IPV6 &&
      !g_socket_set_option (socket, IPPROTO_IPV6, IPV6_V6ONLY, dual_stack ? 0 : 1, error))
    return NULL;
  g_socket_set_blocking (socket, FALSE);
  address = g_inet_socket_address_new (inet, port);
  if (!g_socket_bind (socket, address, FALSE, error))
    return NULL;
  return g_steal_pointer (&socket);
}

/* One dual-stack IPv6 socket reaches both families; hosts without IPv6 get
 * an IPv4 one. A port in use is an error either way. */
static GSocket *
bind_any (guint16 port, GError **error)
{
  g_autoptr (GInetAddress) any6 = g_inet_address_new_any (G_SOCKET_FAMILY_IPV6);
  g_autoptr (GInetAddress) any4 = NULL;
  g_autoptr (GError) local_error = NULL;
  GSocket *socket;

  socket = bind_socket (any6, port, TRUE, &local_error);
  if (socket != NULL)
    return socket;
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  g_debug ("No dual-stack IPv6 socket (%s): using IPv4", local_error->message);
  any4 = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
  return bind_socket (any4, port, FALSE, error);
}

/**
 * srp_peer_listen:
 * @self: a peer
 * @address: (nullable): the local IP address to bind to, such as "127.0.0.1"
 *   or "::1", or %NULL for all interfaces
 * @port: the UDP port to bind to, or 0 for one the system chooses
 * @error: return location for an error
 *
 * Binds the peer's UDP socket and starts answering other peers. Read the
 * bound port from [property@Peer:port].
 *
 * With a %NULL @address the peer listens on all interfaces of both IP
 * families where the system allows one dual-stack socket, and on IPv4 only
 * otherwise. An explicit address binds its own family only.
 *
 * Fails with %SRP_ERROR_ALREADY_LISTENING when the peer listens already,
 * %SRP_ERROR_INVALID_ARGUMENT when @address is not an IP address, or the
 * [error@Gio.IOErrorEnum] of the failed bind, such as
 * %G_IO_ERROR_ADDRESS_IN_USE.
 *
 * Returns: %TRUE when the peer listens
 */
gboolean
srp_peer_listen (SrpPeer *self, const char *address, guint16 port, GError **error)
{
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GSocketAddress) local = NULL;
  SrpCoreConfig config;

  g_return_val_if_fail (SRP_IS_PEER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->socket != NULL)
    {
      g_set_error (error, SRP_ERROR, SRP_ERROR_ALREADY_LISTENING,
                   "The peer listens already, on port %u", self->port);
      return FALSE;
    }

  if (address != NULL)
    {
      g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (address);

      if (inet == NULL)
        {
          g_set_error (error, SRP_ERROR, SRP_ERROR_INVALID_ARGUMENT,
                       "“%s” is not an IP address", address);
          return FALSE;
        }
      socket = bind_socket (inet, port, FALSE, error);
    }
  else
    socket = bind_any (port, error);

  if (socket != NULL)
    local = g_socket_get_local_address (socket, error);
  if (local == NULL)
    {
      g_prefix_error (error, "Cannot listen on %s port %u: ",
                      address != NULL ? address : "all interfaces", port);
      return FALSE;
    }

  srp_core_config_init (&config);
  config.seed = (guint64) g_random_int () << 32 | g_random_int ();
  config.peer_id = *srp_identity_get_public_key (self->identity);
  config.sign = sign_with_identity;
  config.sign_data = self->identity;
  /* One socket so far: NAT probes from a second one are still to come. */
  config.n_sockets = 1;
  self->core = srp_core_new (&config);
  self->recv = g_new0 (RecvBatch, 1);
  self->family = g_socket_get_family (socket);
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  self->socket = g_steal_pointer (&socket);

  self->socket_source = attach_source (self, g_socket_create_source (self->socket, G_IO_IN, NULL),
                                       G_SOURCE_FUNC (on_socket_readable), "SrpPeer socket");
  self->timer_source = attach_source (self, g_source_new (&timer_source_funcs, sizeof (GSource)),
                                      on_timer, "SrpPeer timer");

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
  /* Arms the timer for whatever a new core wants done on its own. */
  srp_peer_drive (self);
  return TRUE;
}

/**
 * srp_peer_close:
 * @self: a peer
 *
 * Stops listening: closes the socket and fails pending pings with
 * %G_IO_ERROR_CLOSED. The peer keeps its identity and may listen again.
 * Closing a peer that does not listen does nothing.
 *
 * Disposing of the peer closes it too.
 */
void
srp_peer_close (SrpPeer *self)
{
  g_return_if_fail (SRP_IS_PEER (self));

  srp_peer_stop (self, TRUE);
}

static gboolean
on_ping_cancelled (GCancellable *cancellable, gpointer user_data)
{
  GTask *task = user_data;
  SrpPeer *self = g_task_get_source_object (task);
  PingData *ping = g_task_get_task_data (task);

  /* The core may still answer; with the task gone, drive ignores it. */
  task = take_ping (self, ping->request);
  if (task != NULL)
    {
      g_task_return_error_if_cancelled (task);
      g_object_unref (task);
    }
  return G_SOURCE_REMOVE;
}

static void
ping_start (GTask *task, GInetAddress *inet)
{
  SrpPeer *self = g_task_get_source_object (task);
  PingData *ping = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autoptr (GSocketAddress) address = NULL;
  g_autoptr (GSocketAddress) reachable = NULL;
  g_autofree char *text = NULL;

  /* The peer may have closed while a name resolved. */
  if (self->core == NULL)
    {
      g_task_return_new_error (task, SRP_ERROR, SRP_ERROR_NOT_LISTENING,
                               "The peer does not listen");
      return;
    }

  address = g_inet_socket_address_new (inet, ping->port);
  srp_socket_address_to_srp (address, &ping->to);
  reachable = srp_socket_address_from_srp (&ping->to, self->family);
  if (reachable == NULL)
    {
      text = g_inet_address_to_string (inet);
      g_task_return_new_error (task, SRP_ERROR, SRP_ERROR_INVALID_ARGUMENT,
                               "Cannot reach %s from an IPv4 socket", text);
      return;
    }

  ping->request = srp_core_ping (self->core, g_get_monotonic_time (), &ping->to);
  g_hash_table_insert (self->pings, &ping->request, g_object_ref (task));
  if (cancellable != NULL)
    {
      ping->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (ping->cancel_source, G_SOURCE_FUNC (on_ping_cancelled), task, NULL);
      g_source_attach (ping->cancel_source, self->context);
    }
  srp_peer_drive (self);
}

/* Prefers an address the socket can reach: an IPv4 socket cannot send to IPv6. */
static GInetAddress *
pick_address (GList *addresses, GSocketFamily family)
{
  for (GList *l = addresses; l != NULL; l = l->next)
    if (family == G_SOCKET_FAMILY_IPV6 || g_inet_address_get_family (l->data) == family)
      return l->data;
  return addresses != NULL ? addresses->data : NULL;
}

static void
on_resolved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  SrpPeer *self = g_task_get_source_object (task);
  g_autoptr (GError) error = NULL;
  GList *addresses;

  addresses = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, &error);
  if (addresses == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_new_error (task, SRP_ERROR, SRP_ERROR_RESOLVE_FAILED, "%s", error->message);
      return;
    }
  ping_start (task, pick_address (addresses, self->family));
  g_resolver_free_addresses (addresses);
}

/**
 * srp_peer_ping_async:
 * @self: a peer
 * @host: the other peer's host name or IP address
 * @port: the other peer's UDP port
 * @cancellable: (nullable): a cancellable
 * @callback: (scope async) (nullable): called when the ping is answered or fails
 * @user_data: (closure): data for @callback
 *
 * Pings another peer and measures the round trip. The peer must listen
 * (see [method@Peer.listen]). Host names are resolved with the default
 * [class@Gio.Resolver]; IP addresses are used as they are.
 *
 * An unanswered ping is sent again a few times before it fails. Call
 * [method@Peer.ping_finish] from @callback for the result.
 */
void
srp_peer_ping_async (SrpPeer *self, const char *host, guint16 port, GCancellable *cancellable,
                     GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GInetAddress) inet = NULL;
  g_autoptr (GResolver) resolver = NULL;
  PingData *ping;

  g_return_if_fail (SRP_IS_PEER (self));
  g_return_if_fail (host != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, srp_peer_ping_async);
  ping = g_new0 (PingData, 1);
  ping->port = port;
  g_task_set_task_data (task, ping, ping_data_free);

  if (g_task_return_error_if_cancelled (task))
    return;
  if (self->core == NULL)
    {
      g_task_return_new_error (task, SRP_ERROR, SRP_ERROR_NOT_LISTENING,
                               "The peer must listen before it can ping");
      return;
    }
  if (port == 0)
    {
      g_task_return_new_error (task, SRP_ERROR, SRP_ERROR_INVALID_ARGUMENT,
                               "Cannot ping port 0");
      return;
    }

  inet = g_inet_address_new_from_string (host);
  if (inet != NULL)
    {
      ping_start (task, inet);
      return;
    }
  resolver = g_resolver_get_default ();
  g_resolver_lookup_by_name_async (resolver, host, cancellable, on_resolved,
                                   g_steal_pointer (&task));
}

/**
 * srp_peer_ping_finish:
 * @self: a peer
 * @result: the result passed to the callback of [method@Peer.ping_async]
 * @error: return location for an error
 *
 * Finishes a ping.
 *
 * Fails with %SRP_ERROR_NOT_LISTENING when the peer did not listen,
 * %SRP_ERROR_RESOLVE_FAILED when the host name did not resolve,
 * %SRP_ERROR_TIMED_OUT when the other peer did not answer,
 * %SRP_ERROR_INVALID_ARGUMENT for port 0 or an address the socket cannot
 * reach, %G_IO_ERROR_CANCELLED when cancelled, and %G_IO_ERROR_CLOSED when
 * the peer was closed first.
 *
 * Returns: the round-trip time in microseconds, or -1 on error
 */
gint64
srp_peer_ping_finish (SrpPeer *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (SRP_IS_PEER (self), -1);
  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == srp_peer_ping_async, -1);

  return g_task_propagate_int (G_TASK (result), error);
}
