/* srp-default-gateway.c: the IPv4 default gateway, from Linux's
 * /proc/net/route (GLib has no routing API; NAT-PMP and PCP talk to the
 * default router by definition, RFC 6886 section 3 and RFC 6887 section 8.1).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-default-gateway.h"

#include <stdlib.h>

#include "srp-error.h"

#define RTF_UP 0x1
#define RTF_GATEWAY 0x2

GInetAddress *
srp_default_gateway_ipv4 (const char *route_table, GError **error)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  guint32 best = 0;
  guint64 best_metric = G_MAXUINT64;

  if (route_table == NULL)
    {
      g_autoptr (GError) local = NULL;

      if (!g_file_get_contents ("/proc/net/route", &text, NULL, &local))
        {
          g_set_error (error, SRP_ERROR, SRP_ERROR_FAILED,
                       "Cannot find the default gateway: %s", local->message);
          return NULL;
        }
      route_table = text;
    }
  lines = g_strsplit (route_table, "\n", -1);
  /* Iface Destination Gateway Flags RefCnt Use Metric Mask ...; addresses
   * in hex, in the host's byte order as the kernel wrote them. */
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto (GStrv) f = g_strsplit_set (g_strstrip (lines[i]), " \t", -1);
      g_autoptr (GPtrArray) fields = g_ptr_array_new ();
      guint64 destination, gateway, flags, metric, mask;

      for (guint k = 0; f[k] != NULL; k++)
        if (f[k][0] != '\0')
          g_ptr_array_add (fields, f[k]);
      if (fields->len < 8 ||
          !g_ascii_string_to_unsigned (fields->pdata[1], 16, 0, G_MAXUINT32, &destination, NULL) ||
          !g_ascii_string_to_unsigned (fields->pdata[2], 16, 0, G_MAXUINT32, &gateway, NULL) ||
          !g_ascii_string_to_unsigned (fields->pdata[3], 16, 0, G_MAXUINT32, &flags, NULL) ||
          !g_ascii_string_to_unsigned (fields->pdata[6], 10, 0, G_MAXUINT32, &metric, NULL) ||
          !g_ascii_string_to_unsigned (fields->pdata[7], 16, 0, G_MAXUINT32, &mask, NULL))
        continue;
      if (destination != 0 || mask != 0 || (flags & (RTF_UP | RTF_GATEWAY)) != (RTF_UP | RTF_GATEWAY) ||
          gateway == 0 || metric >= best_metric)
        continue;
      best = (guint32) gateway;
      best_metric = metric;
    }
  if (best_metric == G_MAXUINT64)
    {
      g_set_error_literal (error, SRP_ERROR, SRP_ERROR_FAILED,
                           "No IPv4 default gateway: no router to ask for a port mapping");
      return NULL;
    }
  /* The kernel printed the address's bytes as a native integer: in memory
   * they are in network order again. */
  return g_inet_address_new_from_bytes ((const guint8 *) &best, G_SOCKET_FAMILY_IPV4);
}
