/* srp-local-addresses.c: this host's IP addresses, from getifaddrs.
 *
 * GLib 2.74 has no portable interface listing, and GNetworkMonitor says
 * whether the network is up, not which addresses it has.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-local-addresses.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

GArray *
srp_local_addresses_list (void)
{
  GArray *out = g_array_new (FALSE, TRUE, sizeof (SrpAddress));
  struct ifaddrs *list = NULL;

  if (getifaddrs (&list) != 0)
    {
      g_debug ("Cannot list local addresses: %s", g_strerror (errno));
      return out;
    }
  for (struct ifaddrs *i = list; i != NULL; i = i->ifa_next)
    {
      SrpAddress address;

      if (i->ifa_addr == NULL || !(i->ifa_flags & IFF_UP))
        continue;
      if (i->ifa_addr->sa_family == AF_INET)
        srp_address_init_ipv4 (&address,
                               (const guint8 *) &((struct sockaddr_in *) i->ifa_addr)->sin_addr, 0);
      else if (i->ifa_addr->sa_family == AF_INET6)
        srp_address_init_ipv6 (&address,
                               ((struct sockaddr_in6 *) i->ifa_addr)->sin6_addr.s6_addr, 0);
      else
        continue;
      g_array_append_val (out, address);
    }
  freeifaddrs (list);
  return out;
}
