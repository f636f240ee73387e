/* srp-peer-network.c: a peer that moves to another network (a laptop from
 * one Wi-Fi to another, a cable unplugged, a new DHCP lease) finds its
 * connections again. GNetworkMonitor says when routes change; a look at the
 * addresses every second catches what it does not report. When the set of
 * addresses differs from what the core was told, the core gets the new set
 * and srp_core_network_changed: it classifies its NAT again and finds every
 * link again from the new address (core/traversal/srp-moved.c). A socket
 * bound to every address needs no new binding: the kernel sends from the
 * new address by itself, on the same port. Sockets bound to one address
 * (listen with an address) are bound again when it goes away, to an
 * address of the same family the host has now (the same port for the main
 * one when it is free there), and the core is told that one alone.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-peer-private.h"

#include "srp-local-addresses.h"
#include "srp-socket-address.h"

#include <string.h>

#define POLL_SECONDS 1

static gboolean
same_addresses (GArray *a, GArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    {
      gboolean found = FALSE;

      for (guint j = 0; j < b->len && !found; j++)
        found = srp_address_same_ip (&g_array_index (a, SrpAddress, i),
                                     &g_array_index (b, SrpAddress, j));
      if (!found)
        return FALSE;
    }
  return TRUE;
}

/* An address that can stand in for a vanished one of the same family: not
 * loopback, not link-local (those would need an interface scope). */
static gboolean
can_replace (const SrpAddress *address, guint8 family)
{
  static const guint8 loopback6[16] = { [15] = 1 };
  const guint8 *b = address->bytes;

  if (address->family != family)
    return FALSE;
  if (family == SRP_ADDRESS_FAMILY_IPV4)
    return b[0] != 127 && !(b[0] == 169 && b[1] == 254);
  return memcmp (b, loopback6, 16) != 0 && !(b[0] == 0xfe && (b[1] & 0xc0) == 0x80);
}

static GInetAddress *
to_inet (const SrpAddress *address)
{
  return g_inet_address_new_from_bytes (address->bytes, address->family == SRP_ADDRESS_FAMILY_IPV6
                                                          ? G_SOCKET_FAMILY_IPV6
                                                          : G_SOCKET_FAMILY_IPV4);
}

/* Sockets bound to one address: nothing to do while it is there; once it is
 * gone, bind them again to another of its family, and tell the core. */
static void
check_bound (SrpPeer *self)
{
  g_autoptr (GArray) now = srp_local_addresses_list ();
  g_autoptr (GSocketAddress) socket_address = g_inet_socket_address_new (self->bound, 0);
  g_autoptr (GInetAddress) replacement = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  SrpAddress bound, chosen;

  if (!srp_socket_address_to_srp (socket_address, &bound))
    return;
  for (guint i = 0; i < now->len; i++)
    if (srp_address_same_ip (&g_array_index (now, SrpAddress, i), &bound))
      return;
  for (guint i = 0; i < now->len && replacement == NULL; i++)
    if (can_replace (&g_array_index (now, SrpAddress, i), bound.family))
      {
        chosen = g_array_index (now, SrpAddress, i);
        replacement = to_inet (&chosen);
      }
  /* Nothing to move to yet (between two networks): look again later. */
  if (replacement == NULL)
    return;
  text = g_inet_address_to_string (replacement);
  if (!srp_peer_transport_rebind (self, replacement, &error))
    {
      g_debug ("Cannot bind to %s: %s", text, error->message);
      return;
    }
  g_debug ("The bound address went away: bound again to %s", text);
  g_set_object (&self->bound, replacement);
  srp_core_clear_local_addresses (self->core);
  srp_core_add_local_address (self->core, &chosen);
  self->network_changes++;
  srp_core_network_changed (self->core, g_get_monotonic_time ());
  srp_peer_drive (self);
}

static void
check (SrpPeer *self)
{
  g_autoptr (GArray) now = NULL;
  SrpCore *core = self->core;

  if (!srp_peer_is_listening (self))
    return;
  if (self->bound != NULL)
    {
      check_bound (self);
      return;
    }
  now = srp_local_addresses_list ();
  if (same_addresses (now, self->local_addresses))
    return;
  g_debug ("The network changed: %u local addresses, were %u", now->len,
           self->local_addresses->len);
  srp_core_clear_local_addresses (core);
  for (guint i = 0; i < now->len; i++)
    srp_core_add_local_address (core, &g_array_index (now, SrpAddress, i));
  g_array_unref (self->local_addresses);
  self->local_addresses = g_steal_pointer (&now);
  self->network_changes++;
  srp_core_network_changed (core, g_get_monotonic_time ());
  /* Another network, another router (or none): the mapping is asked for
   * again (the old one is deleted, in case the router is the same). */
  srp_peer_portmap_restart (self);
  srp_peer_drive (self);
}

static gboolean
on_poll (gpointer user_data)
{
  check (user_data);
  return G_SOURCE_CONTINUE;
}

static void
on_network_changed (GNetworkMonitor *monitor, gboolean available, gpointer user_data)
{
  (void) monitor, (void) available;
  check (user_data);
}

void
srp_peer_network_start (SrpPeer *self, GInetAddress *bound)
{
  srp_peer_network_stop (self);
  /* Loopback is not a network the host moves between, and 127.0.0.2 and
   * the rest of 127/8 answer without being any interface's address: a peer
   * bound there would seem to have lost its address and bind elsewhere. */
  if (g_inet_address_get_is_loopback (bound))
    return;
  if (!g_inet_address_get_is_any (bound))
    self->bound = g_object_ref (bound);
  self->local_addresses = srp_local_addresses_list ();
  self->network_poll = g_timeout_source_new_seconds (POLL_SECONDS);
  g_source_set_callback (self->network_poll, on_poll, self, NULL);
  g_source_set_name (self->network_poll, "SrpPeer network check");
  g_source_attach (self->network_poll, self->context);
  self->network_changed_id = g_signal_connect (g_network_monitor_get_default (), "network-changed",
                                               G_CALLBACK (on_network_changed), self);
}

void
srp_peer_network_stop (SrpPeer *self)
{
  if (self->network_changed_id != 0)
    g_clear_signal_handler (&self->network_changed_id, g_network_monitor_get_default ());
  if (self->network_poll != NULL)
    g_source_destroy (self->network_poll);
  g_clear_pointer (&self->network_poll, g_source_unref);
  g_clear_pointer (&self->local_addresses, g_array_unref);
  g_clear_object (&self->bound);
}
