/* srp-peer-transport.c: SrpPeer's UDP sockets and its one timer. Datagrams
 * go into the core with the time they arrived; what the core wants sent goes
 * out of the socket it names (srp-socket-set.c reads and writes them), and
 * punch sockets open and close as the core asks.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-peer-private.h"

#include "srp-error.h"
#include "srp-local-addresses.h"
#include "srp-socket-address.h"

void
srp_peer_transport_send (SrpPeer *self)
{
  const SrpTransmit *batch[SRP_UDP_SEND_BATCH];
  guint n;

  /* Straight from the core's ring into sendmmsg: no copy on the way. */
  while ((n = srp_core_peek_transmits (self->core, batch, G_N_ELEMENTS (batch))) > 0)
    {
      srp_socket_set_send_batch (self->sockets, batch, n);
      srp_core_release_transmits (self->core, n);
    }
  /* Lost datagrams (a full network, an unreachable address, a punch socket
   * that is gone) are the protocol's to resend; they are only counted. */
  self->send_failures += srp_socket_set_take_lost (self->sockets);
}

static void
on_datagram (guint index, gint64 now_us, const SrpAddress *from, const guint8 *data, gsize len,
             gpointer user_data)
{
  SrpPeer *self = user_data;

  srp_core_handle_datagram (self->core, now_us, index, from, data, len);
}

static void
on_read (gpointer user_data)
{
  srp_peer_drive (user_data);
}

void
srp_peer_transport_open_punch (SrpPeer *self, guint index)
{
  g_autoptr (GError) error = NULL;

  /* The core numbers punch sockets from 2; the first two are never its to
   * replace. Without the socket, the core's probes through it are lost and
   * that attempt fails on its own. */
  if (index < SRP_PEER_N_SOCKETS ||
      !srp_socket_set_bind_like (self->sockets, index, SRP_PEER_SOCKET_MAIN, &error))
    g_debug ("Cannot open punch socket %u: %s", index,
             error != NULL ? error->message : "reserved number");
}

void
srp_peer_transport_close_punch (SrpPeer *self, guint index)
{
  if (index >= SRP_PEER_N_SOCKETS)
    srp_socket_set_close (self->sockets, index);
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
on_send (gpointer user_data)
{
  srp_peer_transport_send (user_data);
  return G_SOURCE_CONTINUE;
}

void
srp_peer_transport_send_soon (SrpPeer *self)
{
  g_source_set_ready_time (self->send_source, 0);
}

static gboolean
on_timer (gpointer user_data)
{
  SrpPeer *self = user_data;

  srp_core_handle_timeout (self->core, g_get_monotonic_time ());
  srp_peer_drive (self);
  return G_SOURCE_CONTINUE;
}

/* One dual-stack IPv6 socket reaches both families; hosts without IPv6 get
 * an IPv4 one. A port in use is an error either way. */
static gboolean
bind_any (SrpSocketSet *sockets, guint16 port, GError **error)
{
  g_autoptr (GInetAddress) any6 = g_inet_address_new_any (G_SOCKET_FAMILY_IPV6);
  g_autoptr (GInetAddress) any4 = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GError) local_error = NULL;

  if (srp_socket_set_bind (sockets, SRP_PEER_SOCKET_MAIN, any6, port, TRUE, &local_error))
    return TRUE;
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  g_debug ("No dual-stack IPv6 socket (%s): using IPv4", local_error->message);
  return srp_socket_set_bind (sockets, SRP_PEER_SOCKET_MAIN, any4, port, FALSE, error);
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

static gboolean
on_refresh (gpointer user_data)
{
  srp_peer_refresh_infos (user_data);
  return G_SOURCE_CONTINUE;
}

gboolean
srp_peer_transport_open (SrpPeer *self, const char *address, guint16 port, GError **error)
{
  g_autoptr (SrpSocketSet) sockets = NULL;
  g_autoptr (GInetAddress) requested = NULL;
  g_autoptr (GSocketAddress) local = NULL;
  GInetAddress *bound;
  GSocket *main_socket;
  SrpCore *core = srp_peer_get_core (self);
  gboolean ok;

  if (address != NULL)
    {
      requested = g_inet_address_new_from_string (address);
      if (requested == NULL)
        {
          g_set_error (error, SRP_ERROR, SRP_ERROR_INVALID_ARGUMENT,
                       "“%s” is not an IP address", address);
          return FALSE;
        }
    }

  sockets = srp_socket_set_new (self->context, on_datagram, on_read, self);
  if (requested != NULL)
    ok = srp_socket_set_bind (sockets, SRP_PEER_SOCKET_MAIN, requested, port, FALSE, error);
  else
    ok = bind_any (sockets, port, error);
  /* The probe socket shares the main one's address and family, on a port of
   * the system's choosing; so do punch sockets. */
  if (ok)
    ok = srp_socket_set_bind_like (sockets, SRP_PEER_SOCKET_PROBE, SRP_PEER_SOCKET_MAIN, error);
  main_socket = srp_socket_set_get (sockets, SRP_PEER_SOCKET_MAIN);
  if (ok)
    local = g_socket_get_local_address (main_socket, error);
  if (local == NULL)
    {
      g_prefix_error (error, "Cannot listen on %s port %u: ",
                      address != NULL ? address : "all interfaces", port);
      return FALSE;
    }
  bound = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local));

  srp_core_attach (core, g_get_monotonic_time ());
  add_local_addresses (self, bound);
  self->family = g_socket_get_family (main_socket);
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  /* With it, the core tells peers its local addresses, so that two peers
   * behind one NAT can connect over their LAN. */
  srp_core_set_local_port (core, self->port);
  self->sockets = g_steal_pointer (&sockets);
  srp_peer_lan_start (self);
  srp_peer_portmap_start (self, bound);
  srp_peer_network_start (self, bound);
  self->listening_since = g_get_monotonic_time ();
  self->timer_source = g_source_new (&timer_source_funcs, sizeof (GSource));
  g_source_set_callback (self->timer_source, on_timer, self, NULL);
  g_source_set_name (self->timer_source, "SrpPeer timer");
  g_source_attach (self->timer_source, self->context);
  /* Ahead of the application's own sources: what it published in one
   * callback goes out before it publishes more. */
  self->send_source = g_source_new (&timer_source_funcs, sizeof (GSource));
  g_source_set_callback (self->send_source, on_send, self, NULL);
  g_source_set_priority (self->send_source, G_PRIORITY_HIGH);
  g_source_set_name (self->send_source, "SrpPeer sends");
  g_source_attach (self->send_source, self->context);
  /* Byte counts and RTTs change without events: the list of peers shows
   * them as of at most a second ago. */
  self->refresh_source = g_timeout_source_new_seconds (1);
  g_source_set_callback (self->refresh_source, on_refresh, self, NULL);
  g_source_set_name (self->refresh_source, "SrpPeer refresh");
  g_source_attach (self->refresh_source, self->context);
  return TRUE;
}

gboolean
srp_peer_transport_rebind (SrpPeer *self, GInetAddress *address, GError **error)
{
  g_autoptr (GArray) indexes = srp_socket_set_list (self->sockets);
  g_autoptr (GSocketAddress) local = NULL;
  GSocket *main_socket;

  if (!srp_socket_set_rebind (self->sockets, SRP_PEER_SOCKET_MAIN, address, self->port, error))
    return FALSE;
  /* The probe socket, and punch sockets still open: the core keeps their
   * numbers, on system-chosen ports as before. One that cannot be bound
   * again is closed; the core's datagrams through it are lost, as through
   * any socket that failed. */
  for (guint i = 0; i < indexes->len; i++)
    {
      guint index = g_array_index (indexes, guint, i);
      g_autoptr (GError) local_error = NULL;

      if (index != SRP_PEER_SOCKET_MAIN &&
          !srp_socket_set_rebind (self->sockets, index, address, 0, &local_error))
        {
          g_debug ("Cannot bind socket %u again: %s", index, local_error->message);
          srp_socket_set_close (self->sockets, index);
        }
    }
  main_socket = srp_socket_set_get (self->sockets, SRP_PEER_SOCKET_MAIN);
  local = g_socket_get_local_address (main_socket, error);
  if (local == NULL)
    return FALSE;
  if (self->port != g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)))
    {
      self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
      srp_core_set_local_port (self->core, self->port);
      srp_peer_notify (self, SRP_PEER_PROP_PORT);
    }
  return TRUE;
}

void
srp_peer_transport_close (SrpPeer *self)
{
  srp_peer_lan_stop (self);
  srp_peer_portmap_stop (self);
  srp_peer_network_stop (self);
  g_clear_pointer (&self->sockets, srp_socket_set_free);
  if (self->timer_source != NULL)
    g_source_destroy (self->timer_source);
  g_clear_pointer (&self->timer_source, g_source_unref);
  if (self->send_source != NULL)
    g_source_destroy (self->send_source);
  g_clear_pointer (&self->send_source, g_source_unref);
  if (self->refresh_source != NULL)
    g_source_destroy (self->refresh_source);
  g_clear_pointer (&self->refresh_source, g_source_unref);
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
