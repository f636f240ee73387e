/* srp-tool.h: what the srp-tool commands share.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <libsrp/srp.h>

G_BEGIN_DECLS

/* Each command parses its own options from argv (argv[0] is the command's
 * name) and returns the process exit status. */
typedef int (*SrpToolCommandFunc) (int argc, char **argv);

int srp_tool_ping (int argc, char **argv);
int srp_tool_node (int argc, char **argv);
int srp_tool_demo (int argc, char **argv);

/* Splits "HOST:PORT" or "[IPV6]:PORT"; FALSE with an error otherwise. */
gboolean srp_tool_parse_host_port (const char *text, char **host, guint16 *port, GError **error);

/* Parses options with a context named after the command; prints the error
 * and returns FALSE when they do not parse. */
gboolean srp_tool_parse_options (GOptionContext *context, int *argc, char ***argv);

/* Runs the thread-default main loop until *done is TRUE, or SIGINT/SIGTERM. */
void srp_tool_run_until (gboolean *done);

/* Pings host:port and waits for the answer: the round-trip time in
 * microseconds, or -1 with error set. */
gint64 srp_tool_ping_and_wait (SrpPeer *peer, const char *host, guint16 port, GError **error);

G_END_DECLS
