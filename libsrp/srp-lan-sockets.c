/* srp-lan-sockets.c: receiving LAN discovery's multicast groups.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-lan-sockets.h"

#include <net/if.h>
#include <netinet/in.h>

#include "srp-control-lan.h"
#include "srp-socket-address.h"

typedef struct {
  SrpLanSockets *owner;
  GSocket *socket;
  GSource *source;
} Listener;

struct _SrpLanSockets {
  SrpLanSocketsFunc func;
  gpointer user_data;
  Listener listeners[2];
  guint n_listeners;
  guint n_joined;
};

static gboolean
on_readable (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  Listener *l = user_data;
  guint8 buffer[SRP_MAX_DATAGRAM];

  (void) condition;
  /* A few per wake-up: announcements are rare, and the main context has
   * other work. */
  for (guint i = 0; i < 16; i++)
    {
      g_autoptr (GSocketAddress) from = NULL;
      gssize n = g_socket_receive_from (socket, &from, (gchar *) buffer, sizeof buffer, NULL, NULL);
      SrpAddress address;

      if (n < 0)
        break;
      if (from != NULL && srp_socket_address_to_srp (from, &address))
        l->owner->func (g_get_monotonic_time (), &address, buffer, (gsize) n, l->owner->user_data);
    }
  return G_SOURCE_CONTINUE;
}

/* Joins group on every interface that takes it; how many did. */
static guint
join_everywhere (GSocket *socket, GInetAddress *group)
{
  struct if_nameindex *names = if_nameindex ();
  guint joined = 0;

  for (struct if_nameindex *n = names; n != NULL && n->if_index != 0; n++)
    {
      g_autoptr (GError) error = NULL;

      if (g_socket_join_multicast_group (socket, group, FALSE, n->if_name, &error))
        joined++;
      else
        g_debug ("LAN discovery: cannot join the group on %s: %s", n->if_name, error->message);
    }
  if (names != NULL)
    if_freenameindex (names);
  return joined;
}

static void
open_family (SrpLanSockets *sockets, GMainContext *context, guint8 family)
{
  GSocketFamily gfamily = family == SRP_ADDRESS_FAMILY_IPV6 ? G_SOCKET_FAMILY_IPV6
                                                            : G_SOCKET_FAMILY_IPV4;
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocket) socket = g_socket_new (gfamily, G_SOCKET_TYPE_DATAGRAM,
                                             G_SOCKET_PROTOCOL_UDP, &error);
  g_autoptr (GInetAddress) any = g_inet_address_new_any (gfamily);
  g_autoptr (GSocketAddress) bind_to = NULL;
  g_autoptr (GSocketAddress) group_address = NULL;
  SrpAddress group;
  Listener *l;
  guint joined;

  if (socket == NULL)
    {
      g_debug ("LAN discovery: no %s socket: %s", family == 6 ? "IPv6" : "IPv4", error->message);
      return;
    }
  /* The IPv6 socket must leave the port's IPv4 side to the IPv4 one. */
  if (gfamily == G_SOCKET_FAMILY_IPV6 &&
      !g_socket_set_option (socket, IPPROTO_IPV6, IPV6_V6ONLY, 1, &error))
    return;
  g_socket_set_blocking (socket, FALSE);
  /* Every peer of the host binds the same port: each gets every datagram
   * to the group (SO_REUSEADDR, which GLib sets with allow_reuse). */
  bind_to = g_inet_socket_address_new (any, SRP_LAN_PORT);
  if (!g_socket_bind (socket, bind_to, TRUE, &error))
    {
      g_debug ("LAN discovery: cannot bind port %u: %s", SRP_LAN_PORT, error->message);
      return;
    }
  srp_lan_group (family, &group);
  group_address = srp_socket_address_from_srp (&group, gfamily);
  if (group_address == NULL)
    return;
  joined = join_everywhere (
      socket, g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (group_address)));
  if (joined == 0)
    return;
  sockets->n_joined += joined;
  l = &sockets->listeners[sockets->n_listeners++];
  l->owner = sockets;
  l->socket = g_steal_pointer (&socket);
  l->source = g_socket_create_source (l->socket, G_IO_IN, NULL);
  g_source_set_callback (l->source, G_SOURCE_FUNC (on_readable), l, NULL);
  g_source_set_name (l->source, "SrpPeer LAN discovery");
  g_source_attach (l->source, context);
}

SrpLanSockets *
srp_lan_sockets_open (GMainContext *context, SrpLanSocketsFunc func, gpointer user_data)
{
  SrpLanSockets *sockets = g_new0 (SrpLanSockets, 1);

  sockets->func = func;
  sockets->user_data = user_data;
  open_family (sockets, context, SRP_ADDRESS_FAMILY_IPV4);
  open_family (sockets, context, SRP_ADDRESS_FAMILY_IPV6);
  return sockets;
}

guint
srp_lan_sockets_get_n_joined (SrpLanSockets *sockets)
{
  return sockets->n_joined;
}

void
srp_lan_sockets_free (SrpLanSockets *sockets)
{
  if (sockets == NULL)
    return;
  for (guint i = 0; i < sockets->n_listeners; i++)
    {
      g_source_destroy (sockets->listeners[i].source);
      g_source_unref (sockets->listeners[i].source);
      g_object_unref (sockets->listeners[i].socket);
    }
  g_free (sockets);
}
