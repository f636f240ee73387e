/* srp-tool-node.c: "srp-tool node": run a peer until SIGINT or SIGTERM,
 * printing what happens to it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdio.h>

#include "srp-tool.h"

typedef struct {
  gboolean json;
} Node;

static void
on_peer_added (SrpPeer *peer, SrpPeerInfo *info, Node *node)
{
  if (node->json)
    {
      GString *out = srp_tool_json_begin ("peer-added");
      srp_tool_json_string (out, "id", srp_peer_info_get_id (info));
      srp_tool_json_string (out, "address", srp_peer_info_get_address (info));
      srp_tool_json_string (out, "nat", srp_nat_type_to_string (srp_peer_info_get_nat_type (info)));
      srp_tool_json_print (out);
      return;
    }
  printf ("connected to %s at %s (%s)\n", srp_peer_info_get_id (info),
          srp_peer_info_get_address (info),
          srp_nat_type_to_string (srp_peer_info_get_nat_type (info)));
  fflush (stdout);
}

static void
on_peer_removed (SrpPeer *peer, SrpPeerInfo *info, Node *node)
{
  if (node->json)
    {
      GString *out = srp_tool_json_begin ("peer-removed");
      srp_tool_json_string (out, "id", srp_peer_info_get_id (info));
      srp_tool_json_print (out);
      return;
    }
  printf ("lost %s\n", srp_peer_info_get_id (info));
  fflush (stdout);
}

static void
on_nat_type (SrpPeer *peer, GParamSpec *pspec, Node *node)
{
  const char *type = srp_nat_type_to_string (srp_peer_get_nat_type (peer));
  const char *address = srp_peer_get_public_address (peer);

  /* Closing resets the type to unknown; that is no news. */
  if (srp_peer_get_nat_type (peer) == SRP_NAT_TYPE_UNKNOWN)
    return;
  if (node->json)
    {
      GString *out = srp_tool_json_begin ("nat");
      srp_tool_json_string (out, "type", type);
      srp_tool_json_string (out, "address", address);
      srp_tool_json_print (out);
      return;
    }
  printf ("NAT: %s, public address %s\n", type, address);
  fflush (stdout);
}

static void
on_bootstrap_failed (SrpPeer *peer, const char *host, guint port, const GError *error,
                     Node *node)
{
  if (node->json)
    {
      GString *out = srp_tool_json_begin ("bootstrap-failed");
      srp_tool_json_string (out, "host", host);
      srp_tool_json_uint (out, "port", port);
      srp_tool_json_string (out, "reason", error->message);
      srp_tool_json_print (out);
      return;
    }
  printf ("%s\n", error->message);
  fflush (stdout);
}

static void
on_message (SrpPeer *peer, SrpMessage *message, Node *node)
{
  srp_tool_print_message (message, node->json);
}

int
srp_tool_node (int argc, char **argv)
{
  g_autofree char *listen = NULL;
  g_auto (GStrv) bootstraps = NULL;
  g_autofree char *key = NULL;
  Node node = { FALSE };
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  GOptionEntry entries[] = {
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &listen,
      "Address and port to listen on (default: every address, a free port)", "ADDR:PORT" },
    { "bootstrap", 'b', 0, G_OPTION_ARG_STRING_ARRAY, &bootstraps,
      "A peer to join the network through; repeat for more (two at different addresses "
      "let the peer classify its NAT)", "HOST:PORT" },
    { "key", 'k', 0, G_OPTION_ARG_FILENAME, &key,
      "Keep the peer's identity in FILE (made, mode 0600, when missing)", "FILE" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &node.json,
      "Print one JSON object per line: ready, nat, peer-added, peer-removed, "
      "bootstrap-failed, stopped", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (SrpPeer) peer = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *host = NULL;
  guint16 port = 0;
  gboolean done = FALSE;

  g_option_context_set_summary (context,
                                "Runs a peer until interrupted (SIGINT or SIGTERM): it joins "
                                "the network through the bootstrap peers, answers other peers, "
                                "and prints the peers it connects to and its NAT type.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!srp_tool_parse_options (context, &argc, &argv))
    return 2;
  if (argc != 1)
    {
      g_printerr ("srp-tool node: unexpected argument “%s”\n", argv[1]);
      return 2;
    }
  if (listen != NULL && !srp_tool_parse_listen (listen, &host, &port, &error))
    {
      g_printerr ("srp-tool node: --listen: %s\n", error->message);
      return 2;
    }

  peer = key != NULL ? srp_peer_new_with_key_file (key, &error) : srp_peer_new ();
  if (peer == NULL)
    {
      g_printerr ("srp-tool node: %s\n", error->message);
      return 1;
    }
  if (!srp_tool_add_bootstraps (peer, bootstraps, &error))
    {
      g_printerr ("srp-tool node: %s\n", error->message);
      return 2;
    }
  g_signal_connect (peer, "peer-added", G_CALLBACK (on_peer_added), &node);
  g_signal_connect (peer, "peer-removed", G_CALLBACK (on_peer_removed), &node);
  g_signal_connect (peer, "notify::nat-type", G_CALLBACK (on_nat_type), &node);
  g_signal_connect (peer, "bootstrap-failed", G_CALLBACK (on_bootstrap_failed), &node);
  g_signal_connect (peer, "message", G_CALLBACK (on_message), &node);
  if (!srp_peer_listen (peer, host, port, &error))
    {
      g_printerr ("srp-tool node: %s\n", error->message);
      return 1;
    }
  if (node.json)
    {
      GString *out = srp_tool_json_begin ("ready");
      srp_tool_json_string (out, "id", srp_peer_get_id (peer));
      srp_tool_json_uint (out, "port", srp_peer_get_port (peer));
      srp_tool_json_print (out);
    }
  else
    {
      printf ("peer %s listening on port %u\n", srp_peer_get_id (peer), srp_peer_get_port (peer));
      fflush (stdout);
    }

  srp_tool_run_until (&done);
  /* Quietly: the peer-removed lines of a shutdown are no news either. */
  g_signal_handlers_disconnect_by_data (peer, &node);
  srp_peer_close (peer);
  if (node.json)
    srp_tool_json_print (srp_tool_json_begin ("stopped"));
  else
    printf ("stopped\n");
  return 0;
}
