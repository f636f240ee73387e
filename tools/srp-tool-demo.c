/* srp-tool-demo.c: "srp-tool demo": two peers on loopback exchange packets,
 * then more join (scenes 1 and 2; the topic scenes live in
 * srp-tool-demo-topics.c). The demo grows with the library: each capability
 * adds a scene.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdio.h>

#include "srp-tool-demo.h"

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

#define N_NETWORK SRP_TOOL_DEMO_N_PEERS
#define NETWORK_WAIT_S 20

const char *
srp_tool_demo_name_of (SrpToolDemoNetwork *net, const char *id)
{
  for (guint i = 0; i < N_NETWORK; i++)
    if (net->peers[i] != NULL && g_str_equal (srp_peer_get_id (net->peers[i]), id))
      return net->names[i];
  return "?";
}

void
srp_tool_demo_print_peer_added (SrpPeer *peer, SrpPeerInfo *info, SrpToolDemoNetwork *net)
{
  const char *self = srp_tool_demo_name_of (net, srp_peer_get_id (peer));

  printf ("  %-6s connected to %-6s at %s\n", self,
          srp_tool_demo_name_of (net, srp_peer_info_get_id (info)),
          srp_peer_info_get_address (info));
}

static void
on_demo_nat (SrpPeer *peer, GParamSpec *pspec, SrpToolDemoNetwork *net)
{
  if (srp_peer_get_nat_type (peer) != SRP_NAT_TYPE_UNKNOWN)
    printf ("  %-6s measured its NAT: %s (public address %s)\n",
            srp_tool_demo_name_of (net, srp_peer_get_id (peer)),
            srp_nat_type_to_string (srp_peer_get_nat_type (peer)),
            srp_peer_get_public_address (peer));
}

static gboolean
network_settled (gpointer data)
{
  SrpToolDemoNetwork *net = data;

  for (guint i = 0; i < N_NETWORK; i++)
    if (g_list_model_get_n_items (srp_peer_get_peers (net->peers[i])) != N_NETWORK - 1 ||
        srp_peer_get_nat_type (net->peers[i]) == SRP_NAT_TYPE_UNKNOWN)
      return FALSE;
  return TRUE;
}

/* Fills net (alice first) and leaves it up for the scenes that follow; the
 * caller unrefs its peers, even on failure. */
static gboolean
discovery_scene (SrpPeer *alice, SrpToolDemoNetwork *net)
{
  static const char *const names[N_NETWORK] = { "alice", "carol", "dave", "erin", "frank" };
  g_autoptr (GError) error = NULL;
  gboolean ok;

  printf ("\nFour more peers join, each knowing only alice (--bootstrap). Peer exchange\n"
          "introduces them to each other, and each measures its NAT with the help of\n"
          "two others:\n");
  for (guint i = 0; i < N_NETWORK; i++)
    {
      net->names[i] = names[i];
      /* alice listens on 127.0.0.1 since the ping scene. */
      g_snprintf (net->addresses[i], sizeof net->addresses[i], "127.0.0.%u", i > 0 ? 11 + i : 1);
      if (i == 0)
        net->peers[i] = g_object_ref (alice);
      else
        {
          net->peers[i] = srp_peer_new ();
          if (!srp_peer_add_bootstrap (net->peers[i], "127.0.0.1", srp_peer_get_port (alice),
                                       &error) ||
              !srp_peer_listen (net->peers[i], net->addresses[i], 0, &error))
            {
              g_printerr ("srp-tool demo: %s\n", error->message);
              return FALSE;
            }
        }
      g_signal_connect (net->peers[i], "peer-added",
                        G_CALLBACK (srp_tool_demo_print_peer_added), net);
      g_signal_connect (net->peers[i], "notify::nat-type", G_CALLBACK (on_demo_nat), net);
    }

  ok = srp_tool_run_until_condition (network_settled, net, NETWORK_WAIT_S * 1000);
  for (guint i = 0; i < N_NETWORK; i++)
    g_signal_handlers_disconnect_by_data (net->peers[i], net);

  printf ("\nWhat each peer knows (srp_peer_get_peers, a GListModel of SrpPeerInfo):\n");
  for (guint i = 0; i < N_NETWORK; i++)
    {
      GListModel *list = srp_peer_get_peers (net->peers[i]);

      printf ("  %-6s %-16s %u peers:", net->names[i],
              srp_nat_type_to_string (srp_peer_get_nat_type (net->peers[i])),
              g_list_model_get_n_items (list));
      for (guint j = 0; j < g_list_model_get_n_items (list); j++)
        {
          g_autoptr (SrpPeerInfo) info = g_list_model_get_item (list, j);
          printf (" %s", srp_tool_demo_name_of (net, srp_peer_info_get_id (info)));
        }
      printf ("\n");
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
  SrpToolDemoNetwork net = { { NULL } };
  gboolean ok = TRUE;

  g_option_context_set_summary (context, "Starts peers on loopback and shows them exchanging "
                                         "packets, finding each other, and publishing on "
                                         "topics, also to a peer that was offline.");
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

  /* The topic scenes need the network; without it they would only fail too. */
  if (discovery_scene (alice, &net))
    ok &= srp_tool_demo_topic_scenes (&net);
  else
    ok = FALSE;
  for (guint i = 0; i < N_NETWORK; i++)
    g_clear_object (&net.peers[i]);
  printf ("\n%s\n", ok ? "Done." : "The demo did not go as it should.");
  return ok ? 0 : 1;
}
