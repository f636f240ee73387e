/* srp-tool-ping.c: "srp-tool ping HOST:PORT".
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdio.h>

#include "srp-tool.h"

int
srp_tool_ping (int argc, char **argv)
{
  int count = 1;
  g_autoptr (GOptionContext) context = g_option_context_new ("HOST:PORT");
  GOptionEntry entries[] = {
    { "count", 'c', 0, G_OPTION_ARG_INT, &count, "Number of pings (default 1)", "N" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (SrpPeer) peer = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *host = NULL;
  guint16 port;
  int failures = 0;

  g_option_context_set_summary (context, "Pings a peer and prints the round-trip time.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!srp_tool_parse_options (context, &argc, &argv))
    return 2;
  if (argc != 2 || count < 1)
    {
      g_printerr ("srp-tool ping: give one HOST:PORT (and a --count of at least 1)\n");
      return 2;
    }
  if (!srp_tool_parse_host_port (argv[1], &host, &port, &error))
    {
      g_printerr ("srp-tool ping: %s\n", error->message);
      return 2;
    }

  peer = srp_peer_new ();
  if (!srp_peer_listen (peer, NULL, 0, &error))
    {
      g_printerr ("srp-tool ping: %s\n", error->message);
      return 1;
    }
  for (int i = 0; i < count; i++)
    {
      g_autoptr (GError) ping_error = NULL;
      gint64 rtt_us = srp_tool_ping_and_wait (peer, host, port, &ping_error);

      if (rtt_us < 0)
        {
          printf ("%s: %s\n", argv[1], ping_error->message);
          failures++;
        }
      else
        printf ("%s: rtt %.3f ms\n", argv[1], rtt_us / 1000.0);
      fflush (stdout);
    }
  return failures == count ? 1 : 0;
}
