/* srp-tool.h: what the srp-tool commands share.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libsrp/srp.h>

G_BEGIN_DECLS

/* Each command parses its own options from argv (argv[0] is the command's
 * name) and returns the process exit status. */
typedef int (*SrpToolCommandFunc) (int argc, char **argv);

int srp_tool_ping (int argc, char **argv);
int srp_tool_node (int argc, char **argv);
int srp_tool_demo (int argc, char **argv);
int srp_tool_nat_check (int argc, char **argv);
int srp_tool_publish (int argc, char **argv);
int srp_tool_subscribe (int argc, char **argv);
int srp_tool_send (int argc, char **argv);
int srp_tool_connect (int argc, char **argv);
int srp_tool_stream (int argc, char **argv);
int srp_tool_send_file (int argc, char **argv);
int srp_tool_receive (int argc, char **argv);
int srp_tool_status (int argc, char **argv);
int srp_tool_peers (int argc, char **argv);
int srp_tool_stats (int argc, char **argv);
int srp_tool_state (int argc, char **argv);
/* srp-tool-state.c: the state directory of node: state, or with neither
 * it nor ephemeral the default under $XDG_STATE_HOME; NULL when ephemeral. */
char *srp_tool_state_directory (const char *state, gboolean ephemeral);

/* Prints a received message as a line of text, or of JSON. */
void srp_tool_print_message (SrpMessage *message, gboolean json);

/* Splits "HOST:PORT" or "[IPV6]:PORT"; FALSE with an error otherwise. */
gboolean srp_tool_parse_host_port (const char *text, char **host, guint16 *port, GError **error);
/* The same for --listen, where port 0 means one the system chooses. */
gboolean srp_tool_parse_listen (const char *text, char **host, guint16 *port, GError **error);

/* The port of node --http when none is given, and where status and peers
 * look by default. */
#define SRP_TOOL_HTTP_PORT 7770
/* --http's [ADDRESS:]PORT ("" for 127.0.0.1 and the default port); host is
 * NULL (loopback) when only a port is given. */
gboolean srp_tool_parse_http (const char *text, char **host, guint16 *port, GError **error);

/* Adds each "HOST:PORT" of list (NULL-terminated, may be NULL) as a
 * bootstrap peer; FALSE with an error at the first that does not parse. */
gboolean srp_tool_add_bootstraps (SrpPeer *peer, char **list, GError **error);

/* srp-tool-json.c: --json output, through json-glib. Starts a JSON object
 * line {"event":"NAME" in out; add fields with srp_tool_json_string and
 * srp_tool_json_uint, then print it with srp_tool_json_print. */
JsonBuilder *srp_tool_json_begin (const char *event);
void srp_tool_json_string (JsonBuilder *out, const char *key, const char *value);
void srp_tool_json_uint (JsonBuilder *out, const char *key, guint64 value);
/* Closes the object, prints it as one line on stdout, flushes, frees out. */
void srp_tool_json_print (JsonBuilder *out);
/* Prints any JSON value as one line on stdout and flushes. */
void srp_tool_json_print_node (JsonNode *node);

/* srp-tool-api.c: GETs path from a node's status API (url NULL: the
 * default one), with token (nullable); NULL, with the reason printed on
 * stderr for command, when that fails. */
JsonNode *srp_tool_api_fetch (const char *command, const char *url, const char *token,
                              const char *path);

/* Parses options with a context named after the command; prints the error
 * and returns FALSE when they do not parse. */
gboolean srp_tool_parse_options (GOptionContext *context, int *argc, char ***argv);

/* Runs the thread-default main loop until *done is TRUE, or SIGINT/SIGTERM. */
void srp_tool_run_until (gboolean *done);
/* The same for at most timeout_ms: then it sets *done itself. FALSE when the
 * time ran out. */
gboolean srp_tool_run_for (gboolean *done, guint64 timeout_ms);
/* Runs the thread-default main loop until condition (data) holds, for at
 * most timeout_ms; FALSE when the time ran out first. For waits on state
 * that several signals change. */
gboolean srp_tool_run_until_condition (gboolean (*condition) (gpointer data), gpointer data,
                                       guint64 timeout_ms);

/* Joins the network through bootstraps (as --bootstrap gave them) and waits
 * up to timeout seconds until peer is connected, and a moment more for
 * other peers; FALSE with a message for command printed. */
gboolean srp_tool_join (SrpPeer *peer, const char *command, char **bootstraps, int timeout);

/* Pings host:port and waits for the answer: the round-trip time in
 * microseconds, or -1 with error set. */
gint64 srp_tool_ping_and_wait (SrpPeer *peer, const char *host, guint16 port, GError **error);

/* Prints that peer listens: {"event":"ready","id":…,"port":…} with json,
 * else "peer ID listening on port PORT". */
void srp_tool_print_ready (SrpPeer *peer, gboolean json);

/* srp-tool-portmap.c: SrpPeer:port-mapping on or off, with protocols
 * (comma-separated pcp, nat-pmp, upnp-igd; NULL: all), and a
 * "port-mapping" line whenever the mapping or its problem changes. */
gboolean srp_tool_set_port_mapping (SrpPeer *peer, gboolean on, const char *protocols,
                                    gboolean json, GError **error);
/* After srp_peer_close: runs the main context until the router answered
 * the deletion of a UPnP-IGD mapping (PCP and NAT-PMP need no answer), at
 * most 2 s. */
void srp_tool_wait_port_mapping_deleted (void);

/* Waits up to timeout seconds for a first connected peer (the other is
 * found through the network), then opens a stream to peer_id labelled
 * label and waits for it: the stream, or NULL with error. */
SrpStream *srp_tool_open_stream (SrpPeer *peer, const char *peer_id, const char *label,
                                 int timeout, GError **error);

G_END_DECLS
