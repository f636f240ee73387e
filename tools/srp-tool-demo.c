/* srp-tool-demo.c: "srp-tool demo": two peers on loopback exchange packets.
 * The demo grows with the library: each capability adds a scene.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdio.h>

#include "srp-tool.h"

/* One ping from one peer to the other, printed as a line of the demo. */
static gboolean
ping_once (SrpPeer *from, const char *from_name, SrpPeer *to, const char *to_name)
{
  g_autoptr (GError) error = NULL;
  gint64 rtt_us = srp_tool_ping_and_wait (from, "127.0.0.1", srp_peer_get_port (to), &error);

  if (rtt_us < 0)
    {
      printf ("  %s -> %s: %s\n", from_name, to_name, error->message);
      return FALSE;
    }
  printf ("  %s -> %s: ping, pong in %.3f ms\n", from_name, to_name, rtt_us / 1000.0);
  return TRUE;
}

int
srp_tool_demo (int argc, char **argv)
{
  int rounds = 3;
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  GOptionEntry entries[] = {
    { "rounds", 'r', 0, G_OPTION_ARG_INT, &rounds, "Ping rounds (default 3)", "N" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (SrpPeer) alice = NULL;
  g_autoptr (SrpPeer) bob = NULL;
  g_autoptr (GError) error = NULL;
  gboolean ok = TRUE;

  g_option_context_set_summary (context, "Starts two peers on loopback and shows them "
                                         "exchanging packets.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!srp_tool_parse_options (context, &argc, &argv))
    return 2;

  printf ("libsrp %s demo\n\n", SRP_VERSION_S);
  alice = srp_peer_new ();
  bob = srp_peer_new ();
  if (!srp_peer_listen (alice, "127.0.0.1", 0, &error) ||
      !srp_peer_listen (bob, "127.0.0.1", 0, &error))
    {
      g_printerr ("srp-tool demo: %s\n", error->message);
      return 1;
    }
  printf ("Two peers, each with its own Ed25519 identity, on loopback:\n");
  printf ("  alice  %s  port %u\n", srp_peer_get_id (alice), srp_peer_get_port (alice));
  printf ("  bob    %s  port %u\n\n", srp_peer_get_id (bob), srp_peer_get_port (bob));

  printf ("They exchange ping and pong packets:\n");
  for (int i = 0; i < rounds; i++)
    {
      ok &= ping_once (alice, "alice", bob, "bob");
      ok &= ping_once (bob, "bob", alice, "alice");
    }
  printf ("\n%s\n", ok ? "Done: every ping was answered." : "Some pings went unanswered.");
  return ok ? 0 : 1;
}
