/* srp-tool-portmap.c: --port-mapping for the commands that run a peer:
 * switches SrpPeer:port-mapping and prints what the router granted (or why
 * not), as a "port-mapping" line.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-tool.h"

#include <stdio.h>

#include "srp-portmap.h"

static void
on_port_mapping (SrpPeer *peer, GParamSpec *pspec, gpointer json)
{
  g_autoptr (GVariant) stats = srp_peer_get_stats (peer);
  const char *state = "off", *protocol = NULL, *problem = srp_peer_get_port_mapping_problem (peer);
  const char *address = srp_peer_get_mapped_address (peer);
  guint64 ms = 0;

  (void) pspec;
  /* One line per change: the address and the problem are notified apart. */
  if (address == NULL && problem == NULL)
    return;
  g_variant_lookup (stats, "port_mapping", "&s", &state);
  g_variant_lookup (stats, "port_mapping_protocol", "&s", &protocol);
  g_variant_lookup (stats, "port_mapping_ms", "t", &ms);
  if (GPOINTER_TO_INT (json))
    {
      JsonBuilder *out = srp_tool_json_begin ("port-mapping");

      srp_tool_json_string (out, "state", state);
      if (address != NULL)
        {
          srp_tool_json_string (out, "address", address);
          srp_tool_json_string (out, "protocol", protocol);
          srp_tool_json_uint (out, "ms", ms);
        }
      if (problem != NULL)
        srp_tool_json_string (out, "problem", problem);
      srp_tool_json_print (out);
      return;
    }
  if (address != NULL)
    printf ("port mapping: %s through %s (in %" G_GUINT64_FORMAT " ms)\n", address, protocol, ms);
  else
    printf ("port mapping: %s\n", problem);
  fflush (stdout);
}

gboolean
srp_tool_set_port_mapping (SrpPeer *peer, gboolean on, const char *protocols, gboolean json,
                           GError **error)
{
  if (protocols != NULL)
    {
      g_auto (GStrv) names = g_strsplit (protocols, ",", -1);
      SrpPortMappingProtocols set = 0;

      for (guint i = 0; names[i] != NULL; i++)
        {
          const char *n = g_strstrip (names[i]);

          if (g_str_equal (n, "pcp"))
            set |= SRP_PORT_MAPPING_PCP;
          else if (g_str_equal (n, "nat-pmp"))
            set |= SRP_PORT_MAPPING_NAT_PMP;
          else if (g_str_equal (n, "upnp-igd") || g_str_equal (n, "upnp"))
            set |= SRP_PORT_MAPPING_UPNP_IGD;
          else
            {
              g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "--port-mapping-protocols: “%s” is none of pcp, nat-pmp, upnp-igd", n);
              return FALSE;
            }
        }
      srp_peer_set_port_mapping_protocols (peer, set);
    }
  g_signal_connect (peer, "notify::mapped-address", G_CALLBACK (on_port_mapping),
                    GINT_TO_POINTER (json));
  g_signal_connect (peer, "notify::port-mapping-problem", G_CALLBACK (on_port_mapping),
                    GINT_TO_POINTER (json));
  srp_peer_set_port_mapping (peer, on);
  return TRUE;
}

void
srp_tool_wait_port_mapping_deleted (void)
{
  gint64 until = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;

  while (srp_portmap_upnp_deletions_pending () > 0 && g_get_monotonic_time () < until)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (10 * 1000);
}
