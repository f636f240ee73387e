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

/* Scene 2: peers that only know one bootstrap peer find each other. Each
 * binds its own loopback address (Linux routes all of 127/8 to lo), so they
 * have different IPs and can measure their NAT types with each other's help. */

#define N_NETWORK 5
#define NETWORK_WAIT_S 20

typedef struct {
  SrpPeer *peers[N_NETWORK];
  const char *names[N_NETWORK];
  gboolean timed_out;
} Network;

static const char *
name_of (Network *net, const char *id)
{
  for (guint i = 0; i < N_NETWORK; i++)
    if (g_str_equal (srp_peer_get_id (net->peers[i]), id))
      return net->names[i];
  return "?";
}

static void
on_demo_peer_added (SrpPeer *peer, SrpPeerInfo *info, Network *net)
{
  const char *self = name_of (net, srp_peer_get_id (peer));

  printf ("  %-6s connected to %-6s at %s\n", self, name_of (net, srp_peer_info_get_id (info)),
          srp_peer_info_get_address (info));
}

static void
on_demo_nat (SrpPeer *peer, GParamSpec *pspec, Network *net)
{
  if (srp_peer_get_nat_type (peer) != SRP_NAT_TYPE_UNKNOWN)
    printf ("  %-6s measured its NAT: %s (public address %s)\n",
            name_of (net, srp_peer_get_id (peer)),
            srp_nat_type_to_string (srp_peer_get_nat_type (peer)),
            srp_peer_get_public_address (peer));
}

static gboolean
network_settled (Network *net)
{
  for (guint i = 0; i < N_NETWORK; i++)
    if (g_list_model_get_n_items (srp_peer_get_peers (net->peers[i])) != N_NETWORK - 1 ||
        srp_peer_get_nat_type (net->peers[i]) == SRP_NAT_TYPE_UNKNOWN)
      return FALSE;
  return TRUE;
}

static gboolean
on_network_timeout (gpointer user_data)
{
  ((Network *) user_data)->timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
discovery_scene (SrpPeer *alice)
{
  Network net = { .names = { "alice", "carol", "dave", "erin", "frank" } };
  g_autoptr (GError) error = NULL;
  gboolean ok;

  printf ("\nFour more peers join, each knowing only alice (--bootstrap). Peer exchange\n"
          "introduces them to each other, and each measures its NAT with the help of\n"
          "two others:\n");
  net.peers[0] = g_object_ref (alice);
  for (guint i = 0; i < N_NETWORK; i++)
    {
      g_autofree char *address = g_strdup_printf ("127.0.0.%u", 11 + i);

      if (i > 0)
        {
          net.peers[i] = srp_peer_new ();
          if (!srp_peer_add_bootstrap (net.peers[i], "127.0.0.1", srp_peer_get_port (alice),
                                       &error) ||
              !srp_peer_listen (net.peers[i], address, 0, &error))
            {
              g_printerr ("srp-tool demo: %s\n", error->message);
              for (guint j = 0; j < i; j++)
                g_object_unref (net.peers[j]);
              return FALSE;
            }
        }
      g_signal_connect (net.peers[i], "peer-added", G_CALLBACK (on_demo_peer_added), &net);
      g_signal_connect (net.peers[i], "notify::nat-type", G_CALLBACK (on_demo_nat), &net);
    }

  g_timeout_add_seconds (NETWORK_WAIT_S, on_network_timeout, &net);
  while (!network_settled (&net) && !net.timed_out)
    g_main_context_iteration (NULL, TRUE);
  ok = !net.timed_out;
  g_source_remove_by_user_data (&net);

  printf ("\nWhat each peer knows (srp_peer_get_peers, a GListModel of SrpPeerInfo):\n");
  for (guint i = 0; i < N_NETWORK; i++)
    {
      GListModel *list = srp_peer_get_peers (net.peers[i]);

      printf ("  %-6s %-16s %u peers:", net.names[i],
              srp_nat_type_to_string (srp_peer_get_nat_type (net.peers[i])),
              g_list_model_get_n_items (list));
      for (guint j = 0; j < g_list_model_get_n_items (list); j++)
        {
          g_autoptr (SrpPeerInfo) info = g_list_model_get_item (list, j);
          printf (" %s", name_of (&net, srp_peer_info_get_id (info)));
        }
      printf ("\n");
    }
  for (guint i = 0; i < N_NETWORK; i++)
    {
      g_signal_handlers_disconnect_by_data (net.peers[i], &net);
      g_object_unref (net.peers[i]);
    }
  if (!ok)
    printf ("\nThe network did not settle within %d s.\n", NETWORK_WAIT_S);
  return ok;
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
  printf ("%s\n", ok ? "Every ping was answered." : "Some pings went unanswered.");

  ok &= discovery_scene (alice);
  printf ("\n%s\n", ok ? "Done." : "The demo did not go as it should.");
  return ok ? 0 : 1;
}
