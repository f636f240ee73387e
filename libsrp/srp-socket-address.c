/* srp-socket-address.c: between the system's socket addresses (native, or
 * wrapped in GIO's GSocketAddress) and the core's SrpAddress. The native
 * forms carry the rules; the GIO forms go through them.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-socket-address.h"

#include <gio/gnetworking.h>
#include <string.h>

static const guint8 ipv4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

gboolean
srp_socket_address_from_native (const struct sockaddr *native, gsize len, SrpAddress *address)
{
  if (len >= sizeof (struct sockaddr_in) && native->sa_family == AF_INET)
    {
      const struct sockaddr_in *in = (const struct sockaddr_in *) native;

      srp_address_init_ipv4 (address, (const guint8 *) &in->sin_addr, g_ntohs (in->sin_port));
      return TRUE;
    }
  if (len >= sizeof (struct sockaddr_in6) && native->sa_family == AF_INET6)
    {
      const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *) native;
      const guint8 *bytes = in6->sin6_addr.s6_addr;

      if (memcmp (bytes, ipv4_mapped_prefix, sizeof ipv4_mapped_prefix) == 0)
        srp_address_init_ipv4 (address, bytes + sizeof ipv4_mapped_prefix,
                               g_ntohs (in6->sin6_port));
      else
        srp_address_init_ipv6 (address, bytes, g_ntohs (in6->sin6_port));
      return TRUE;
    }
  return FALSE;
}

gsize
srp_socket_address_to_native (const SrpAddress *address, GSocketFamily family,
                              struct sockaddr_storage *native)
{
  /* Only the part in use is cleared: this runs for every datagram sent. */
  if (address->family == SRP_ADDRESS_FAMILY_IPV4 && family == G_SOCKET_FAMILY_IPV4)
    {
      struct sockaddr_in *in = (struct sockaddr_in *) native;

      memset (in, 0, sizeof *in);
      in->sin_family = AF_INET;
      in->sin_port = g_htons (address->port);
      memcpy (&in->sin_addr, address->bytes, 4);
      return sizeof *in;
    }
  if ((address->family == SRP_ADDRESS_FAMILY_IPV4 || address->family == SRP_ADDRESS_FAMILY_IPV6) &&
      family == G_SOCKET_FAMILY_IPV6)
    {
      struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) native;

      memset (in6, 0, sizeof *in6);
      in6->sin6_family = AF_INET6;
      in6->sin6_port = g_htons (address->port);
      if (address->family == SRP_ADDRESS_FAMILY_IPV4)
        {
          memcpy (in6->sin6_addr.s6_addr, ipv4_mapped_prefix, sizeof ipv4_mapped_prefix);
          memcpy (in6->sin6_addr.s6_addr + sizeof ipv4_mapped_prefix, address->bytes, 4);
        }
      else
        memcpy (in6->sin6_addr.s6_addr, address->bytes, 16);
      return sizeof *in6;
    }
  return 0;
}

gboolean
srp_socket_address_to_srp (GSocketAddress *socket_address, SrpAddress *address)
{
  struct sockaddr_storage native;

  if (!G_IS_INET_SOCKET_ADDRESS (socket_address) ||
      !g_socket_address_to_native (socket_address, &native, sizeof native, NULL))
    return FALSE;
  return srp_socket_address_from_native ((struct sockaddr *) &native,
                                         g_socket_address_get_native_size (socket_address),
                                         address);
}

GSocketAddress *
srp_socket_address_from_srp (const SrpAddress *address, GSocketFamily family)
{
  struct sockaddr_storage native;
  gsize len = srp_socket_address_to_native (address, family, &native);

  return len > 0 ? g_socket_address_new_from_native (&native, len) : NULL;
}
