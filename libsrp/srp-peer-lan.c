/* srp-peer-lan.c: SrpPeer:lan-discovery. The core announces and answers
 * (core/traversal/srp-lan.c); here the peer only switches it and opens the
 * sockets that hear the multicast groups.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-peer-private.h"

#include "srp-lan-sockets.h"

static void
on_lan_datagram (gint64 now_us, const SrpAddress *from, const guint8 *data, gsize len,
                 gpointer user_data)
{
  SrpPeer *self = user_data;

  /* As if it came to the main socket: the handshake it brings goes from
   * there, to the announcer's main socket. */
  srp_core_handle_datagram (self->core, now_us, SRP_PEER_SOCKET_MAIN, from, data, len);
  srp_peer_drive (self);
}

/* A main socket bound to a loopback address takes datagrams from this host
 * only: nobody on the LAN could answer its announcements, and what it would
 * hear are the other programs of this host (the test suite's peers, run
 * side by side, found each other that way and took each other's
 * messages). Such a peer keeps to the peers it is given. */
static gboolean
bound_to_loopback (SrpPeer *self)
{
  GSocket *main_socket = srp_socket_set_get (self->sockets, SRP_PEER_SOCKET_MAIN);
  g_autoptr (GSocketAddress) local = g_socket_get_local_address (main_socket, NULL);

  return local != NULL && G_IS_INET_SOCKET_ADDRESS (local) &&
         g_inet_address_get_is_loopback (
             g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local)));
}

void
srp_peer_lan_start (SrpPeer *self)
{
  SrpCore *core = srp_peer_get_core (self);

  srp_core_set_lan_discovery (core, g_get_monotonic_time (), self->lan_discovery);
  if (!self->lan_discovery || !srp_peer_is_listening (self) || self->lan != NULL)
    return;
  if (bound_to_loopback (self))
    {
      g_debug ("LAN discovery: listening on a loopback address; not announcing");
      return;
    }
  self->lan = srp_lan_sockets_open (self->context, on_lan_datagram, self);
  if (srp_lan_sockets_get_n_joined (self->lan) == 0)
    g_debug ("LAN discovery: no interface took the multicast groups; announcing only");
}

void
srp_peer_lan_stop (SrpPeer *self)
{
  g_clear_pointer (&self->lan, srp_lan_sockets_free);
}

/**
 * srp_peer_get_lan_discovery: (get-property lan-discovery)
 * @self: a peer
 *
 * Whether the peer finds peers on its own links (see
 * [property@Peer:lan-discovery]).
 *
 * Returns: %TRUE when LAN discovery is on
 */
gboolean
srp_peer_get_lan_discovery (SrpPeer *self)
{
  g_return_val_if_fail (SRP_IS_PEER (self), FALSE);

  return self->lan_discovery;
}

/**
 * srp_peer_set_lan_discovery: (set-property lan-discovery)
 * @self: a peer
 * @enabled: whether to announce this peer on its links and answer the peers
 *   heard there
 *
 * Switches LAN discovery on or off (see [property@Peer:lan-discovery]),
 * at once when the peer is listening.
 */
void
srp_peer_set_lan_discovery (SrpPeer *self, gboolean enabled)
{
  g_return_if_fail (SRP_IS_PEER (self));

  enabled = !!enabled;
  if (self->lan_discovery == enabled)
    return;
  self->lan_discovery = enabled;
  if (srp_peer_is_listening (self))
    {
      if (enabled)
        srp_peer_lan_start (self);
      else
        {
          srp_peer_lan_stop (self);
          srp_core_set_lan_discovery (srp_peer_get_core (self), g_get_monotonic_time (), FALSE);
        }
      srp_peer_drive (self);
    }
  else if (self->core != NULL)
    srp_core_set_lan_discovery (self->core, g_get_monotonic_time (), enabled);
  srp_peer_notify (self, SRP_PEER_PROP_LAN_DISCOVERY);
}
