/* srp-status-server.h: an HTTP and WebSocket view of a peer, for dashboards
 * and srp-tool.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__SRP_INSIDE__) && !defined(SRP_COMPILATION)
#error "Only <libsrp/srp.h> can be included directly."
#endif

#include <gio/gio.h>
#include <libsrp/srp-peer.h>
#include <libsrp/srp-version.h>

G_BEGIN_DECLS

#define SRP_TYPE_STATUS_SERVER (srp_status_server_get_type ())

SRP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SrpStatusServer, srp_status_server, SRP, STATUS_SERVER, GObject)

SRP_AVAILABLE_IN_ALL
SrpStatusServer *srp_status_server_new (SrpPeer *peer);

SRP_AVAILABLE_IN_ALL
SrpPeer *srp_status_server_get_peer (SrpStatusServer *self);

SRP_AVAILABLE_IN_ALL
const char *srp_status_server_get_token (SrpStatusServer *self);

SRP_AVAILABLE_IN_ALL
void srp_status_server_set_token (SrpStatusServer *self, const char *token);

SRP_AVAILABLE_IN_ALL
gboolean srp_status_server_listen (SrpStatusServer *self, const char *address, guint port,
                                   GError **error);

SRP_AVAILABLE_IN_ALL
guint srp_status_server_get_port (SrpStatusServer *self);

SRP_AVAILABLE_IN_ALL
char *srp_status_server_get_url (SrpStatusServer *self);

SRP_AVAILABLE_IN_ALL
void srp_status_server_close (SrpStatusServer *self);

G_END_DECLS
