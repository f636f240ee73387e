/* srp-socket-address.c: between GIO's GSocketAddress and the core's SrpAddress.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-socket-address.h"

#include <string.h>

static const guint8 ipv4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

gboolean
srp_socket_address_to_srp (GSocketAddress *socket_address, SrpAddress *address)
{
  GInetAddress *inet;
  const guint8 *bytes;
  guint16 port;

  if (!G_IS_INET_SOCKET_ADDRESS (socket_address))
    return FALSE;
  inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (socket_address));
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (socket_address));
  bytes = g_inet_address_to_bytes (inet);

  switch (g_inet_address_get_family (inet))
    {
    case G_SOCKET_FAMILY_IPV4:
      srp_address_init_ipv4 (address, bytes, port);
      return TRUE;
    case G_SOCKET_FAMILY_IPV6:
      if (memcmp (bytes, ipv4_mapped_prefix, sizeof ipv4_mapped_prefix) == 0)
        srp_address_init_ipv4 (address, bytes + sizeof ipv4_mapped_prefix, port);
      else
        srp_address_init_ipv6 (address, bytes, port);
      return TRUE;
    case G_SOCKET_FAMILY_INVALID:
    case G_SOCKET_FAMILY_UNIX:
    default:
      return FALSE;
    }
}

GSocketAddress *
srp_socket_address_from_srp (const SrpAddress *address, GSocketFamily family)
{
  g_autoptr (GInetAddress) inet = NULL;
  guint8 mapped[16];

  switch (address->family)
    {
    case SRP_ADDRESS_FAMILY_IPV4:
      if (family == G_SOCKET_FAMILY_IPV6)
        {
          memcpy (mapped, ipv4_mapped_prefix, sizeof ipv4_mapped_prefix);
          memcpy (mapped + sizeof ipv4_mapped_prefix, address->bytes, 4);
          inet = g_inet_address_new_from_bytes (mapped, G_SOCKET_FAMILY_IPV6);
        }
      else
        inet = g_inet_address_new_from_bytes (address->bytes, G_SOCKET_FAMILY_IPV4);
      break;
    case SRP_ADDRESS_FAMILY_IPV6:
      if (family != G_SOCKET_FAMILY_IPV6)
        return NULL;
      inet = g_inet_address_new_from_bytes (address->bytes, G_SOCKET_FAMILY_IPV6);
      break;
    default:
      return NULL;
    }
  return g_inet_socket_address_new (inet, address->port);
}
