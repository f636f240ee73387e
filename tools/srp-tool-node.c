/* srp-tool-node.c: "srp-tool node": run a peer until SIGINT or SIGTERM,
 * printing what happens to it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "srp-tool.h"

typedef struct {
  gboolean json;
  char *greet;
  char *http;  /* --http [ADDRESS:]PORT, "" for the default */
} Node;

static const char *
path_name (SrpPeerInfo *info)
{
  return srp_path_to_string (srp_peer_info_get_path (info));
}

/* Prints {"event":EVENT,"id":...,"path":...} with --json; FALSE without. */
static gboolean
print_json_path (Node *node, const char *event, SrpPeerInfo *info)
{
  JsonBuilder *out;

  if (!node->json)
    return FALSE;
  out = srp_tool_json_begin (event);
  srp_tool_json_string (out, "id", srp_peer_info_get_id (info));
  srp_tool_json_string (out, "path", path_name (info));
  srp_tool_json_print (out);
  return TRUE;
}

static void
on_path (SrpPeerInfo *info, GParamSpec *pspec, Node *node)
{
  if (print_json_path (node, "path", info))
    return;
  printf ("path to %s is now %s\n", srp_peer_info_get_id (info), path_name (info));
  fflush (stdout);
}

/* A connected peer at a new address (its network changed). */
static void
on_address (SrpPeerInfo *info, GParamSpec *pspec, Node *node)
{
  if (node->json)
    {
      JsonBuilder *out = srp_tool_json_begin ("address");
      srp_tool_json_string (out, "id", srp_peer_info_get_id (info));
      srp_tool_json_string (out, "address", srp_peer_info_get_address (info));
      srp_tool_json_print (out);
      return;
    }
  printf ("%s is now at %s\n", srp_peer_info_get_id (info), srp_peer_info_get_address (info));
  fflush (stdout);
}

static void
on_connected (SrpPeer *peer, SrpPeerInfo *info, Node *node)
{
  if (print_json_path (node, "connected", info))
    return;
  printf ("%s connected through an introduction (%s)\n", srp_peer_info_get_id (info),
          path_name (info));
  fflush (stdout);
}

/* Every new connection is greeted, whether an introduction made it or peer
 * exchange did (a peer anyone can reach is often connected before it is
 * asked for). */
static void
greet (SrpPeer *peer, SrpPeerInfo *info, Node *node)
{
  g_autoptr (GBytes) greeting = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *message_id = NULL;

  if (node->greet == NULL)
    return;
  greeting = g_bytes_new (node->greet, strlen (node->greet));
  message_id = srp_peer_send (peer, srp_peer_info_get_id (info), greeting, &error);
  if (message_id == NULL)
    g_printerr ("srp-tool node: --greet: %s\n", error->message);
}

static void
on_peer_added (SrpPeer *peer, SrpPeerInfo *info, Node *node)
{
  /* Relayed connections may become direct later. */
  g_signal_connect (info, "notify::path", G_CALLBACK (on_path), node);
  g_signal_connect (info, "notify::address", G_CALLBACK (on_address), node);
  greet (peer, info, node);
  if (node->json)
    {
      JsonBuilder *out = srp_tool_json_begin ("peer-added");
      srp_tool_json_string (out, "id", srp_peer_info_get_id (info));
      srp_tool_json_string (out, "address", srp_peer_info_get_address (info));
      srp_tool_json_string (out, "nat", srp_nat_type_to_string (srp_peer_info_get_nat_type (info)));
      srp_tool_json_string (out, "path", path_name (info));
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
  g_signal_handlers_disconnect_by_data (info, node);
  if (node->json)
    {
      JsonBuilder *out = srp_tool_json_begin ("peer-removed");
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
      JsonBuilder *out = srp_tool_json_begin ("nat");
      srp_tool_json_string (out, "type", type);
      srp_tool_json_string (out, "address", address);
      srp_tool_json_print (out);
      return;
    }
  printf ("NAT: %s, public address %s\n", type, address);
  fflush (stdout);
}

/* Each family's own classification (an IPv6 firewall behind an IPv4 NAT is
 * the usual home): "nat-family" events, beside "nat" for the main one. */
static void
on_nat_family (SrpPeer *peer, GParamSpec *pspec, Node *node)
{
  gboolean v6 = g_str_equal (pspec->name, "nat-type-ipv6");
  SrpNatType type;

  g_object_get (peer, pspec->name, &type, NULL);
  if (type == SRP_NAT_TYPE_UNKNOWN)
    return;
  if (node->json)
    {
      JsonBuilder *out = srp_tool_json_begin ("nat-family");
      srp_tool_json_string (out, "family", v6 ? "ipv6" : "ipv4");
      srp_tool_json_string (out, "type", srp_nat_type_to_string (type));
      srp_tool_json_print (out);
      return;
    }
  printf ("NAT (%s): %s\n", v6 ? "IPv6" : "IPv4", srp_nat_type_to_string (type));
  fflush (stdout);
}

static void
on_bootstrap_failed (SrpPeer *peer, const char *host, guint port, const GError *error,
                     Node *node)
{
  if (node->json)
    {
      JsonBuilder *out = srp_tool_json_begin ("bootstrap-failed");
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

/* --http takes an optional value: alone, it serves on the default port. */
static gboolean
on_http_option (const char *name, const char *value, gpointer data, GError **error)
{
  Node *node = data;

  g_free (node->http);
  node->http = g_strdup (value != NULL ? value : "");
  return TRUE;
}

/* Starts the status server of --http and prints its URL; NULL with a
 * message printed when it cannot listen. */
static SrpStatusServer *
serve_status (SrpPeer *peer, Node *node, const char *token)
{
  g_autoptr (SrpStatusServer) server = srp_status_server_new (peer);
  g_autoptr (GError) error = NULL;
  g_autofree char *host = NULL;
  g_autofree char *url = NULL;
  guint16 port = 0;

  if (!srp_tool_parse_http (node->http, &host, &port, &error))
    {
      g_printerr ("srp-tool node: --http: %s\n", error->message);
      return NULL;
    }
  srp_status_server_set_token (server, token);
  if (!srp_status_server_listen (server, host, port, &error))
    {
      g_printerr ("srp-tool node: --http: %s\n", error->message);
      return NULL;
    }
  url = srp_status_server_get_url (server);
  if (node->json)
    {
      JsonBuilder *out = srp_tool_json_begin ("http");
      srp_tool_json_string (out, "url", url);
      srp_tool_json_uint (out, "port", srp_status_server_get_port (server));
      srp_tool_json_print (out);
    }
  else
    {
      printf ("status dashboard at %s%s\n", url,
              token != NULL ? " (API requests need the token)" : "");
      fflush (stdout);
    }
  return g_steal_pointer (&server);
}

int
srp_tool_node (int argc, char **argv)
{
  g_autofree char *listen = NULL;
  g_auto (GStrv) bootstraps = NULL;
  g_autofree char *key = NULL;
  g_autofree char *state = NULL;
  g_autofree char *state_directory = NULL;
  gboolean ephemeral = FALSE;
  g_autofree char *greet = NULL;
  g_autofree char *token = NULL;
  gboolean no_lan = FALSE;
  gboolean port_mapping = FALSE, no_port_mapping = FALSE;
  g_autofree char *port_mapping_protocols = NULL;
  Node node = { FALSE };
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  GOptionEntry entries[] = {
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &listen,
      "Address and port to listen on (default: every address, a free port; :PORT every address, that port)", "ADDR:PORT" },
    { "bootstrap", 'b', 0, G_OPTION_ARG_STRING_ARRAY, &bootstraps,
      "A peer to join the network through; repeat for more (two at different addresses "
      "let the peer classify its NAT)", "HOST:PORT" },
    { "state", 's', 0, G_OPTION_ARG_FILENAME, &state,
      "Keep the peer's identity and state in DIR: a restarted node loses nothing it "
      "accepted (default: $XDG_STATE_HOME/srp/node)", "DIR" },
    { "ephemeral", 0, 0, G_OPTION_ARG_NONE, &ephemeral,
      "Keep nothing: a new identity, state in memory only", NULL },
    { "key", 'k', 0, G_OPTION_ARG_FILENAME, &key,
      "Keep only the peer's identity, in FILE (made, mode 0600, when missing); the rest "
      "of its state in memory", "FILE" },
    { "greet", 0, 0, G_OPTION_ARG_STRING, &greet,
      "Send TEXT to the inbox of every peer this one connects with (for srp-tool connect "
      "--expect)", "TEXT" },
    { "http", 0, G_OPTION_FLAG_OPTIONAL_ARG, G_OPTION_ARG_CALLBACK, on_http_option,
      "Serve the status dashboard and API on ADDRESS:PORT (default 127.0.0.1:"
      G_STRINGIFY (SRP_TOOL_HTTP_PORT) "; port 0 for a free one)", "[ADDRESS:]PORT" },
    { "token", 0, 0, G_OPTION_ARG_STRING, &token,
      "The secret API requests must carry (needed for an --http ADDRESS beyond loopback)",
      "TOKEN" },
    { "no-lan", 0, 0, G_OPTION_ARG_NONE, &no_lan,
      "Do not find peers on this host's links (LAN discovery, on by default)", NULL },
    { "port-mapping", 0, 0, G_OPTION_ARG_NONE, &port_mapping,
      "Ask the home router for a mapping of the UDP port (PCP, NAT-PMP, UPnP-IGD), so that "
      "peers can connect directly even through a symmetric NAT", NULL },
    { "no-port-mapping", 0, 0, G_OPTION_ARG_NONE, &no_port_mapping,
      "Do not ask the router for a port mapping (the default)", NULL },
    { "port-mapping-protocols", 0, 0, G_OPTION_ARG_STRING, &port_mapping_protocols,
      "Which protocols --port-mapping uses (default: all)", "pcp,nat-pmp,upnp-igd" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &node.json,
      "Print one JSON object per line: ready, http, nat, port-mapping, peer-added, "
      "peer-removed, connected, path, address, message, bootstrap-failed, stopped", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (SrpPeer) peer = NULL;
  g_autoptr (SrpStatusServer) server = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *host = NULL;
  guint16 port = 0;
  gboolean done = FALSE;
  GOptionGroup *group;
  g_autofree char *http = NULL; /* frees node.http */

  g_option_context_set_summary (context,
                                "Runs a peer until interrupted (SIGINT or SIGTERM): it joins "
                                "the network through the bootstrap peers, answers other peers, "
                                "and prints the peers it connects to and its NAT type.");
  /* A main group of our own, so that --http's callback gets the node. */
  group = g_option_group_new (NULL, NULL, NULL, &node, NULL);
  g_option_group_add_entries (group, entries);
  g_option_context_set_main_group (context, group);
  if (!srp_tool_parse_options (context, &argc, &argv))
    return 2;
  http = node.http;
  if (argc != 1)
    {
      g_printerr ("srp-tool node: unexpected argument “%s”\n", argv[1]);
      return 2;
    }
  node.greet = greet;
  if (listen != NULL && !srp_tool_parse_listen (listen, &host, &port, &error))
    {
      g_printerr ("srp-tool node: --listen: %s\n", error->message);
      return 2;
    }

  if ((state != NULL) + ephemeral + (key != NULL) > 1)
    {
      g_printerr ("srp-tool node: --state, --ephemeral and --key exclude each other\n");
      return 2;
    }
  state_directory = srp_tool_state_directory (state, ephemeral || key != NULL);
  if (state_directory != NULL)
    peer = srp_peer_new_with_state_directory (state_directory, &error);
  else
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
  srp_peer_set_lan_discovery (peer, !no_lan);
  if (port_mapping && no_port_mapping)
    {
      g_printerr ("srp-tool node: --port-mapping and --no-port-mapping exclude each other\n");
      return 2;
    }
  if (!srp_tool_set_port_mapping (peer, port_mapping, port_mapping_protocols, node.json, &error))
    {
      g_printerr ("srp-tool node: %s\n", error->message);
      return 2;
    }
  g_signal_connect (peer, "peer-added", G_CALLBACK (on_peer_added), &node);
  g_signal_connect (peer, "peer-removed", G_CALLBACK (on_peer_removed), &node);
  g_signal_connect (peer, "connected", G_CALLBACK (on_connected), &node);
  g_signal_connect (peer, "notify::nat-type", G_CALLBACK (on_nat_type), &node);
  g_signal_connect (peer, "notify::nat-type-ipv4", G_CALLBACK (on_nat_family), &node);
  g_signal_connect (peer, "notify::nat-type-ipv6", G_CALLBACK (on_nat_family), &node);
  g_signal_connect (peer, "bootstrap-failed", G_CALLBACK (on_bootstrap_failed), &node);
  g_signal_connect (peer, "message", G_CALLBACK (on_message), &node);
  if (!srp_peer_listen (peer, host, port, &error))
    {
      g_printerr ("srp-tool node: %s\n", error->message);
      return 1;
    }
  srp_tool_print_ready (peer, node.json);
  if (node.http != NULL && (server = serve_status (peer, &node, token)) == NULL)
    return 1;

  srp_tool_run_until (&done);
  /* Quietly: the peer-removed lines of a shutdown are no news either. */
  g_signal_handlers_disconnect_by_data (peer, &node);
  g_clear_object (&server);
  srp_peer_close (peer);
  srp_tool_wait_port_mapping_deleted ();
  if (node.json)
    srp_tool_json_print (srp_tool_json_begin ("stopped"));
  else
    printf ("stopped\n");
  return 0;
}
