/* srp-peer.h: a peer of the Stream Relay network.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__SRP_INSIDE__) && !defined(SRP_COMPILATION)
#error "Only <libsrp/srp.h> can be included directly."
#endif

#include <gio/gio.h>
#include <libsrp/srp-cache.h>
#include <libsrp/srp-nat-type.h>
#include <libsrp/srp-peer-info.h>
#include <libsrp/srp-port-mapping.h>
#include <libsrp/srp-stream.h>
#include <libsrp/srp-topic.h>
#include <libsrp/srp-version.h>

G_BEGIN_DECLS

#define SRP_TYPE_PEER (srp_peer_get_type ())

SRP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SrpPeer, srp_peer, SRP, PEER, GObject)

SRP_AVAILABLE_IN_ALL
SrpPeer *srp_peer_new (void);

SRP_AVAILABLE_IN_ALL
SrpPeer *srp_peer_new_with_key_file (const char *path, GError **error);
SRP_AVAILABLE_IN_ALL
SrpPeer *srp_peer_new_with_state_directory (const char *path, GError **error);
SRP_AVAILABLE_IN_ALL
const char *srp_peer_get_state_directory (SrpPeer *self);

SRP_AVAILABLE_IN_ALL
const char *srp_peer_get_id (SrpPeer *self);

SRP_AVAILABLE_IN_ALL
guint16 srp_peer_get_port (SrpPeer *self);

SRP_AVAILABLE_IN_ALL
SrpNatType srp_peer_get_nat_type (SrpPeer *self);

SRP_AVAILABLE_IN_ALL
const char *srp_peer_get_public_address (SrpPeer *self);

SRP_AVAILABLE_IN_ALL
const char *srp_peer_get_nat_problem (SrpPeer *self);

SRP_AVAILABLE_IN_ALL
GListModel *srp_peer_get_peers (SrpPeer *self);

SRP_AVAILABLE_IN_ALL
gboolean srp_peer_add_bootstrap (SrpPeer *self, const char *host, guint16 port, GError **error);

SRP_AVAILABLE_IN_ALL
SrpTopic *srp_peer_subscribe (SrpPeer *self, const char *name);

SRP_AVAILABLE_IN_ALL
SrpTopic *srp_peer_subscribe_with_secret (SrpPeer *self, const char *name, GBytes *secret,
                                          GError **error);

SRP_AVAILABLE_IN_ALL
char *srp_peer_send (SrpPeer *self, const char *recipient, GBytes *data, GError **error);

SRP_AVAILABLE_IN_ALL
char *srp_peer_send_anonymous (SrpPeer *self, const char *recipient, GBytes *data,
                               GError **error);

SRP_AVAILABLE_IN_ALL
GBytes *srp_peer_sign (SrpPeer *self, GBytes *data, GError **error);

SRP_AVAILABLE_IN_ALL
gboolean srp_verify (const char *peer_id, GBytes *data, GBytes *signature, GError **error);

SRP_AVAILABLE_IN_ALL
void srp_peer_send_async (SrpPeer *self, const char *recipient, GBytes *data,
                          GCancellable *cancellable, GAsyncReadyCallback callback,
                          gpointer user_data);

SRP_AVAILABLE_IN_ALL
guint srp_peer_send_finish (SrpPeer *self, GAsyncResult *result, char **message_id,
                            GError **error);

SRP_AVAILABLE_IN_ALL
GListModel *srp_peer_get_topics (SrpPeer *self);

SRP_AVAILABLE_IN_ALL
GVariant *srp_peer_get_stats (SrpPeer *self);

SRP_AVAILABLE_IN_ALL
SrpCache *srp_peer_get_cache (SrpPeer *self);

SRP_AVAILABLE_IN_ALL
gboolean srp_peer_get_lan_discovery (SrpPeer *self);

SRP_AVAILABLE_IN_ALL
void srp_peer_set_lan_discovery (SrpPeer *self, gboolean enabled);

SRP_AVAILABLE_IN_ALL
gboolean srp_peer_get_port_mapping (SrpPeer *self);

SRP_AVAILABLE_IN_ALL
void srp_peer_set_port_mapping (SrpPeer *self, gboolean enabled);

SRP_AVAILABLE_IN_ALL
SrpPortMappingProtocols srp_peer_get_port_mapping_protocols (SrpPeer *self);

SRP_AVAILABLE_IN_ALL
void srp_peer_set_port_mapping_protocols (SrpPeer *self, SrpPortMappingProtocols protocols);

SRP_AVAILABLE_IN_ALL
const char *srp_peer_get_mapped_address (SrpPeer *self);

SRP_AVAILABLE_IN_ALL
const char *srp_peer_get_port_mapping_problem (SrpPeer *self);

SRP_AVAILABLE_IN_ALL
void srp_peer_add_bootstrap_url_async (SrpPeer *self, const char *url, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);

SRP_AVAILABLE_IN_ALL
guint srp_peer_add_bootstrap_url_finish (SrpPeer *self, GAsyncResult *result, GError **error);

SRP_AVAILABLE_IN_ALL
GTlsDatabase *srp_peer_get_tls_database (SrpPeer *self);

SRP_AVAILABLE_IN_ALL
void srp_peer_set_tls_database (SrpPeer *self, GTlsDatabase *database);

SRP_AVAILABLE_IN_ALL
gboolean srp_peer_listen (SrpPeer *self, const char *address, guint16 port, GError **error);

SRP_AVAILABLE_IN_ALL
void srp_peer_close (SrpPeer *self);

SRP_AVAILABLE_IN_ALL
void srp_peer_ping_async (SrpPeer *self, const char *host, guint16 port,
                          GCancellable *cancellable, GAsyncReadyCallback callback,
                          gpointer user_data);

SRP_AVAILABLE_IN_ALL
gint64 srp_peer_ping_finish (SrpPeer *self, GAsyncResult *result, GError **error);

SRP_AVAILABLE_IN_ALL
void srp_peer_connect_async (SrpPeer *self, const char *peer_id, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data);

SRP_AVAILABLE_IN_ALL
SrpPeerInfo *srp_peer_connect_finish (SrpPeer *self, GAsyncResult *result, GError **error);

SRP_AVAILABLE_IN_ALL
void srp_peer_open_stream_async (SrpPeer *self, const char *peer_id, const char *label,
                                 GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data);

SRP_AVAILABLE_IN_ALL
SrpStream *srp_peer_open_stream_finish (SrpPeer *self, GAsyncResult *result, GError **error);

G_END_DECLS
