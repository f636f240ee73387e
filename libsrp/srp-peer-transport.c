/* srp-peer-transport.c: SrpPeer's UDP sockets and its one timer. Datagrams
 * go into the core with the time they arrived; what the core wants sent goes
 * out of the socket it names.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-peer-private.h"

#include <gio/gnetworking.h>

#include "srp-error.h"
#include "srp-local-addresses.h"
#include "srp-socket-address.h"

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

void
srp_peer_transport_send (SrpPeer *self)
{
  SrpTransmit *transmit = g_alloca (sizeof (SrpTransmit));

  while (srp_core_poll_transmit (self->core, transmit))
    {
      g_autoptr (GSocketAddress) to = NULL;
      g_autoptr (GError) error = NULL;
      char text[SRP_ADDRESS_STRING_MAX];

      /* The core names a socket it was configured with, so the index holds. */
      to = srp_socket_address_from_srp (&transmit->to, self->family);
      if (to == NULL)
        {
          self->send_failures++;
          g_debug ("Cannot send to %s from an IPv4 socket",
                   srp_address_to_string (&transmit->to, text));
          continue;
        }
      /* A full send buffer or an unreachable network loses this datagram
       * only; the protocol resends what matters. */
      if (g_socket_send_to (self->sockets[transmit->socket], to, (const char *) transmit->data,
                            transmit->len, NULL, &error) < 0)
        {
          self->send_failures++;
          g_debug ("Cannot send %" G_GSIZE_FORMAT " bytes to %s: %s", transmit->len,
                   srp_address_to_string (&transmit->to, text), error->message);
        }
    }
}

/* Reads batches of datagrams from one socket into the core. */
static void
receive_from (SrpPeer *self, guint index)
{
  SrpPeerRecvBatch *recv = self->recv;

  for (guint round = 0; round < SRP_PEER_RECV_ROUNDS && self->core != NULL; round++)
    {
      g_autoptr (GError) error = NULL;
      gint64 now;
      int n;

      for (guint i = 0; i < SRP_PEER_RECV_BATCH; i++)
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

      n = g_socket_receive_messages (self->sockets[index], recv->messages, SRP_PEER_RECV_BATCH,
                                     0, NULL, &error);
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
      for (int i = 0; i < n; i++)
        {
          SrpAddress from;

          if (srp_socket_address_to_srp (recv->addresses[i], &from))
            srp_core_handle_datagram (self->core, now, index, &from, recv->data[i],
                                      recv->messages[i].bytes_received);
        }
      for (int i = 0; i < n; i++)
        g_clear_object (&recv->addresses[i]);

      if (n < SRP_PEER_RECV_BATCH)
        break;
    }
}

static gboolean
on_readable (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  SrpPeer *self = user_data;

  receive_from (self, socket == self->sockets[SRP_PEER_SOCKET_PROBE] ? SRP_PEER_SOCKET_PROBE
                                                                      : SRP_PEER_SOCKET_MAIN);
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
bind_any (guint16 port, GInetAddress **bound, GError **error)
{
  g_autoptr (GInetAddress) any6 = g_inet_address_new_any (G_SOCKET_FAMILY_IPV6);
  g_autoptr (GInetAddress) any4 = NULL;
  g_autoptr (GError) local_error = NULL;
  GSocket *socket;

  socket = bind_socket (any6, port, TRUE, &local_error);
  if (socket != NULL)
    {
      *bound = g_steal_pointer (&any6);
      return socket;
    }
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  g_debug ("No dual-stack IPv6 socket (%s): using IPv4", local_error->message);
  any4 = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
  socket = bind_socket (any4, port, FALSE, error);
  if (socket != NULL)
    *bound = g_steal_pointer (&any4);
  return socket;
}

/* Tells the core which addresses are this host's: a reflexive address among
 * them means no NAT. A peer bound to one address has only that one. */
static void
add_local_addresses (SrpPeer *self, GInetAddress *bound)
{
  g_autoptr (GArray) addresses = NULL;

  if (!g_inet_address_get_is_any (bound))
    {
      g_autoptr (GSocketAddress) socket_address = g_inet_socket_address_new (bound, 0);
      SrpAddress address;

      if (srp_socket_address_to_srp (socket_address, &address))
        srp_core_add_local_address (self->core, &address);
      return;
    }
  addresses = srp_local_addresses_list ();
  for (guint i = 0; i < addresses->len; i++)
    srp_core_add_local_address (self->core, &g_array_index (addresses, SrpAddress, i));
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

gboolean
srp_peer_transport_open (SrpPeer *self, const char *address, guint16 port, GError **error)
{
  g_autoptr (GSocket) main_socket = NULL;
  g_autoptr (GSocket) probe_socket = NULL;
  g_autoptr (GSocketAddress) local = NULL;
  g_autoptr (GInetAddress) bound = NULL;
  SrpCoreConfig config;

  if (address != NULL)
    {
      bound = g_inet_address_new_from_string (address);
      if (bound == NULL)
        {
          g_set_error (error, SRP_ERROR, SRP_ERROR_INVALID_ARGUMENT,
                       "“%s” is not an IP address", address);
          return FALSE;
        }
      main_socket = bind_socket (bound, port, FALSE, error);
    }
  else
    main_socket = bind_any (port, &bound, error);

  /* The probe socket shares the main one's address and family, on a port of
   * the system's choosing. */
  if (main_socket != NULL)
    probe_socket = bind_socket (bound, 0, address == NULL, error);
  if (probe_socket != NULL)
    local = g_socket_get_local_address (main_socket, error);
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
  config.n_sockets = SRP_PEER_N_SOCKETS;
  config.cache_budget = (gsize) srp_cache_get_budget (self->cache);
  self->core = srp_core_new (&config);
  add_local_addresses (self, bound);
  self->recv = g_new0 (SrpPeerRecvBatch, 1);
  self->family = g_socket_get_family (main_socket);
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  self->sockets[SRP_PEER_SOCKET_MAIN] = g_steal_pointer (&main_socket);
  self->sockets[SRP_PEER_SOCKET_PROBE] = g_steal_pointer (&probe_socket);

  for (guint i = 0; i < SRP_PEER_N_SOCKETS; i++)
    self->socket_sources[i] =
      attach_source (self, g_socket_create_source (self->sockets[i], G_IO_IN, NULL),
                     G_SOURCE_FUNC (on_readable),
                     i == SRP_PEER_SOCKET_MAIN ? "SrpPeer socket" : "SrpPeer probe socket");
  self->timer_source = attach_source (self, g_source_new (&timer_source_funcs, sizeof (GSource)),
                                      on_timer, "SrpPeer timer");
  return TRUE;
}

void
srp_peer_transport_close (SrpPeer *self)
{
  for (guint i = 0; i < SRP_PEER_N_SOCKETS; i++)
    {
      clear_source (&self->socket_sources[i]);
      if (self->sockets[i] != NULL)
        g_socket_close (self->sockets[i], NULL);
      g_clear_object (&self->sockets[i]);
    }
  clear_source (&self->timer_source);
  g_clear_pointer (&self->core, srp_core_free);
  g_clear_pointer (&self->recv, g_free);
  self->port = 0;
}

GInetAddress *
srp_peer_transport_pick_address (SrpPeer *self, GList *addresses)
{
  for (GList *l = addresses; l != NULL; l = l->next)
    if (self->family == G_SOCKET_FAMILY_IPV6 || g_inet_address_get_family (l->data) == self->family)
      return l->data;
  return addresses != NULL ? addresses->data : NULL;
}
