/* srp-peer-network.c: a peer that moves to another network (a laptop from
 * one Wi-Fi to another, a cable unplugged, a new DHCP lease) finds its
 * connections again. GNetworkMonitor says when routes change; a look at the
 * addresses every second catches what it does not report. When the set of
 * addresses differs from what the core was told, the core gets the new set
 * and srp_core_network_changed: it classifies its NAT again and finds every
 * link again from the new address (core/traversal/srp-moved.c). The socket
 * is bound to every address, so it needs no new binding: the kernel sends
 * from the new address by itself, on the same port.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-peer-private.h"

#include "srp-local-addresses.h"

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

static void
check (SrpPeer *self)
{
  g_autoptr (GArray) now = srp_local_addresses_list ();
  SrpCore *core = self->core;

  if (!srp_peer_is_listening (self) || same_addresses (now, self->local_addresses))
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
srp_peer_network_start (SrpPeer *self)
{
  srp_peer_network_stop (self);
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
}
