/* srp-tool-api.c: "srp-tool status" and "srp-tool peers": read the status
 * API of a running node (srp-tool node --http, or any program with an
 * SrpStatusServer) and print it as a table, or as the API's JSON.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <libsoup/soup.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "srp-tool.h"

#define DEFAULT_API "http://127.0.0.1:" G_STRINGIFY (SRP_TOOL_HTTP_PORT)

typedef struct {
  char *api;
  char *token;
  gboolean json;
} Api;

static void
api_clear (Api *api)
{
  g_free (api->api);
  g_free (api->token);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Api, api_clear)

/* Parses the options every API command has; FALSE when they do not. */
static gboolean
parse_api_options (const char *command, const char *summary, Api *api, int *argc, char ***argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  GOptionEntry entries[] = {
    { "api", 'a', 0, G_OPTION_ARG_STRING, &api->api,
      "The node's status API (default " DEFAULT_API ", where node --http serves)", "URL" },
    { "token", 0, 0, G_OPTION_ARG_STRING, &api->token,
      "The token the node was started with (node --token)", "TOKEN" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &api->json,
      "Print the API's JSON document as one line (docs/status-api.md)", NULL },
    G_OPTION_ENTRY_NULL
  };

  g_option_context_set_summary (context, summary);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!srp_tool_parse_options (context, argc, argv))
    return FALSE;
  if (*argc != 1)
    {
      g_printerr ("srp-tool %s: unexpected argument “%s”\n", command, (*argv)[1]);
      return FALSE;
    }
  return TRUE;
}

/* The error document's message, or the HTTP reason. */
static const char *
error_text (JsonNode *root, SoupMessage *msg)
{
  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
    {
      JsonObject *object = json_node_get_object (root);

      if (json_object_has_member (object, "message"))
        return json_object_get_string_member (object, "message");
    }
  return soup_message_get_reason_phrase (msg);
}

/* Whether the URL's host is a loopback address or "localhost". */
static gboolean
is_loopback_url (GUri *uri)
{
  const char *host = g_uri_get_host (uri);
  g_autoptr (GInetAddress) address = NULL;

  if (host == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

/* GETs path from the API; NULL, with the reason printed, when that fails. */
static JsonNode *
fetch (const char *command, const Api *api, const char *path)
{
  g_autofree char *base = g_strdup (api->api != NULL ? api->api : DEFAULT_API);
  g_autofree char *url = NULL;
  g_autoptr (SoupSession) session = soup_session_new_with_options ("timeout", 10, NULL);
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GBytes) body = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonNode *root = NULL;
  guint status;

  while (g_str_has_suffix (base, "/"))
    base[strlen (base) - 1] = '\0';
  url = g_strconcat (base, path, NULL);
  msg = soup_message_new (SOUP_METHOD_GET, url);
  if (msg == NULL)
    {
      g_printerr ("srp-tool %s: --api: “%s” is not an http:// URL\n", command, base);
      return NULL;
    }
  /* A node on this machine is asked directly, whatever proxy the
   * environment names: a proxy cannot reach our loopback. */
  if (is_loopback_url (soup_message_get_uri (msg)))
    soup_session_set_proxy_resolver (session, NULL);
  if (api->token != NULL)
    {
      g_autofree char *bearer = g_strconcat ("Bearer ", api->token, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                    bearer);
    }
  body = soup_session_send_and_read (session, msg, NULL, &error);
  if (body == NULL)
    {
      g_printerr ("srp-tool %s: cannot read %s (is “srp-tool node --http” running there?): "
                  "%s\n", command, url, error->message);
      return NULL;
    }
  if (json_parser_load_from_data (parser, g_bytes_get_data (body, NULL),
                                  (gssize) g_bytes_get_size (body), NULL))
    root = json_parser_get_root (parser);
  status = soup_message_get_status (msg);
  if (status != SOUP_STATUS_OK || root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_printerr ("srp-tool %s: %s: %u %s%s\n", command, url, status, error_text (root, msg),
                  status == SOUP_STATUS_UNAUTHORIZED && api->token == NULL
                    ? " (give the node's --token)"
                    : "");
      return NULL;
    }
  return json_node_copy (root);
}

JsonNode *
srp_tool_api_fetch (const char *command, const char *url, const char *token, const char *path)
{
  const Api api = { (char *) url, (char *) token, FALSE };

  return fetch (command, &api, path);
}

static const char *
text_or (JsonObject *object, const char *member, const char *fallback)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return fallback;
  return json_node_get_string (node);
}

static char *
duration (gint64 seconds)
{
  if (seconds >= 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT " h %02" G_GINT64_FORMAT " min", seconds / 3600,
                            seconds / 60 % 60);
  if (seconds >= 60)
    return g_strdup_printf ("%" G_GINT64_FORMAT " min %02" G_GINT64_FORMAT " s", seconds / 60,
                            seconds % 60);
  return g_strdup_printf ("%" G_GINT64_FORMAT " s", seconds);
}

static void
print_row (const char *label, const char *value)
{
  printf ("%-16s %s\n", label, value);
}

int
srp_tool_status (int argc, char **argv)
{
  g_auto (Api) api = { 0 };
  g_autoptr (JsonNode) root = NULL;
  JsonObject *status, *versions;
  g_autofree char *port = NULL, *uptime = NULL, *peers = NULL, *clients = NULL;
  g_autofree char *version_text = NULL;

  if (!parse_api_options ("status", "Shows the status of a running node: its ID, NAT type, "
                                    "public address, uptime and versions.",
                          &api, &argc, &argv))
    return 2;
  root = fetch ("status", &api, "/api/status");
  if (root == NULL)
    return 1;
  if (api.json)
    {
      srp_tool_json_print_node (root);
      return 0;
    }
  status = json_node_get_object (root);
  versions = json_object_get_object_member (status, "versions");
  port = json_object_get_boolean_member (status, "listening")
           ? g_strdup_printf ("%" G_GINT64_FORMAT " (UDP)",
                              json_object_get_int_member (status, "port"))
           : g_strdup ("not listening");
  uptime = JSON_NODE_HOLDS_NULL (json_object_get_member (status, "uptime_s"))
             ? g_strdup ("—")
             : duration (json_object_get_int_member (status, "uptime_s"));
  peers = g_strdup_printf ("%" G_GINT64_FORMAT " connected",
                           json_object_get_int_member (status, "peers"));
  clients = g_strdup_printf ("%" G_GINT64_FORMAT " (events dropped: %" G_GINT64_FORMAT ")",
                             json_object_get_int_member (status, "clients"),
                             json_object_get_int_member (status, "events_dropped"));
  version_text = g_strdup_printf ("libsrp %s, GLib %s, libsoup %s, json-glib %s",
                                  text_or (versions, "libsrp", "?"),
                                  text_or (versions, "glib", "?"),
                                  text_or (versions, "libsoup", "?"),
                                  text_or (versions, "json_glib", "?"));
  print_row ("ID", text_or (status, "id", "?"));
  print_row ("port", port);
  print_row ("NAT type", text_or (status, "nat_type", "?"));
  print_row ("public address", text_or (status, "public_address", "not known yet"));
  if (text_or (status, "nat_problem", NULL) != NULL)
    print_row ("NAT problem", text_or (status, "nat_problem", NULL));
  print_row ("uptime", uptime);
  print_row ("peers", peers);
  print_row ("event clients", clients);
  print_row ("versions", version_text);
  return 0;
}

/* A table whose columns fit their widest cell, counted in characters. */
static void
print_table (GPtrArray *rows, guint n_columns)
{
  g_autofree guint *widths = g_new0 (guint, n_columns);

  for (guint r = 0; r < rows->len; r++)
    for (guint c = 0; c < n_columns; c++)
      widths[c] = MAX (widths[c], (guint) g_utf8_strlen (((char **) rows->pdata[r])[c], -1));
  for (guint r = 0; r < rows->len; r++)
    {
      char **cells = rows->pdata[r];
      g_autoptr (GString) line = g_string_new (NULL);

      for (guint c = 0; c < n_columns; c++)
        {
          g_string_append (line, cells[c]);
          if (c + 1 < n_columns)
            for (guint pad = (guint) g_utf8_strlen (cells[c], -1); pad < widths[c] + 2; pad++)
              g_string_append_c (line, ' ');
        }
      puts (line->str);
    }
}

static char *
since_text (JsonObject *peer)
{
  const char *since = text_or (peer, "since", NULL);
  g_autoptr (GDateTime) when = since != NULL ? g_date_time_new_from_iso8601 (since, NULL) : NULL;
  g_autoptr (GDateTime) local = when != NULL ? g_date_time_to_local (when) : NULL;

  return local != NULL ? g_date_time_format (local, "%H:%M:%S") : g_strdup ("—");
}

int
srp_tool_peers (int argc, char **argv)
{
  g_auto (Api) api = { 0 };
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  JsonArray *peers;
  /* Whole IDs for scripts; on a terminal the table must fit a line. */
  gboolean terminal = isatty (STDOUT_FILENO);

  if (!parse_api_options ("peers", "Lists the peers a running node is connected to, with "
                                   "their NAT type, path (direct or relayed) and round-trip "
                                   "time.",
                          &api, &argc, &argv))
    return 2;
  root = fetch ("peers", &api, "/api/peers");
  if (root == NULL)
    return 1;
  if (api.json)
    {
      srp_tool_json_print_node (root);
      return 0;
    }
  peers = json_object_get_array_member (json_node_get_object (root), "peers");
  if (json_array_get_length (peers) == 0)
    {
      printf ("no connected peers\n");
      return 0;
    }
  g_ptr_array_add (rows, g_strsplit ("ID|ADDRESS|NAT TYPE|PATH|RTT|SINCE", "|", -1));
  for (guint i = 0; i < json_array_get_length (peers); i++)
    {
      JsonObject *peer = json_array_get_object_element (peers, i);
      const char *id = text_or (peer, "id", "?");
      JsonNode *rtt = json_object_get_member (peer, "rtt_us");
      char **row = g_new0 (char *, 7);

      row[0] = terminal ? g_strdup_printf ("%.12s…", id) : g_strdup (id);
      row[1] = g_strdup (text_or (peer, "address", "?"));
      row[2] = g_strdup (text_or (peer, "nat_type", "?"));
      row[3] = g_strdup (text_or (peer, "path", "?"));
      row[4] = rtt == NULL || JSON_NODE_HOLDS_NULL (rtt)
                 ? g_strdup ("—")
                 : g_strdup_printf ("%.1f ms", json_node_get_int (rtt) / 1000.0);
      row[5] = since_text (peer);
      g_ptr_array_add (rows, row);
    }
  print_table (rows, 6);
  return 0;
}
