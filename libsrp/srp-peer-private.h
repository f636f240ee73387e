/* srp-peer-private.h: the state SrpPeer's files share (internal). Each file
 * owns one concern: srp-peer.c the object, its properties and signals;
 * srp-peer-drive.c carrying out what the core asks and what its events
 * mean; srp-peer-transport.c the sockets and the timer; srp-peer-ping.c
 * pings; srp-peer-connect.c connecting to a given peer; srp-peer-topics.c
 * subscriptions, delivery and publishing; srp-peer-bootstrap.c bootstrap
 * peers; srp-peer-stats.c statistics; srp-operation.c the record every
 * asynchronous operation keeps.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-peer.h"

#include "srp-cache-private.h"
#include "srp-core.h"
#include "srp-envelope.h"
#include "srp-identity.h"
#include "srp-message-private.h"
#include "srp-operation.h"
#include "srp-socket-set.h"
#include "srp-store.h"
#include "srp-topic.h"

G_BEGIN_DECLS

/* The main socket carries the protocol; the probe socket only serves NAT
 * classification (answers that must come from, or reach, another port).
 * Punch sockets, numbered from SRP_PEER_N_SOCKETS up, come and go as the
 * core asks while it connects to a peer. */
enum {
  SRP_PEER_SOCKET_MAIN,
  SRP_PEER_SOCKET_PROBE,
  SRP_PEER_N_SOCKETS
};

/* SrpPeer's properties (srp-peer.c installs them; srp_peer_notify). */
enum {
  SRP_PEER_PROP_0,
  SRP_PEER_PROP_ID,
  SRP_PEER_PROP_PORT,
  SRP_PEER_PROP_NAT_TYPE,
  SRP_PEER_PROP_PUBLIC_ADDRESS,
  SRP_PEER_PROP_NAT_PROBLEM,
  SRP_PEER_PROP_STATE_DIRECTORY,
  SRP_PEER_PROP_LAN_DISCOVERY,
  SRP_PEER_PROP_TLS_DATABASE,
  SRP_PEER_PROP_PORT_MAPPING,
  SRP_PEER_PROP_PORT_MAPPING_PROTOCOLS,
  SRP_PEER_PROP_MAPPED_ADDRESS,
  SRP_PEER_PROP_PORT_MAPPING_PROBLEM,
  SRP_PEER_PROP_NAT_TYPE_IPV4,
  SRP_PEER_PROP_NAT_TYPE_IPV6,
  SRP_PEER_N_PROPS
};

struct _SrpPeer {
  GObject parent_instance;

  GMainContext *context;
  SrpIdentity *identity;
  /* Made when first needed (srp_peer_get_core), then kept as long as the
   * peer: listen and close only attach and detach the sockets. */
  SrpCore *core;

  /* Set while listening. */
  SrpSocketSet *sockets;
  GSocketFamily family;
  GSource *timer_source;
  GSource *send_source;    /* what a publish queued, sent at the loop's next turn */
  GSource *refresh_source; /* brings SrpPeerInfo figures up to date */
  guint16 port;
  gint64 listening_since;
  guint closes;          /* how many times it closed: drive stops at a close */

  SrpOperations *operations; /* pings, connects, publishes, sends */
  GListStore *peers;     /* SrpPeerInfo, in the order they connected */
  GHashTable *peer_index; /* SrpId * (in the info) -> SrpPeerInfo *, borrowed from peers */
  SrpNatType nat_type;
  SrpNatType nat_type_ipv4, nat_type_ipv6; /* each family's own */
  char *public_address;
  const char *nat_problem; /* the core's static string */

  GListStore *subscriptions; /* SrpTopic, subscribed, in order: the peer holds them */
  GHashTable *topics;    /* SrpId * -> GPtrArray of SrpTopic * (borrowed from subscriptions) */
  SrpId inbox;           /* this peer's inbox topic */
  SrpCache *cache;

  GArray *bootstraps;    /* SrpPeerBootstrap, kept across close and listen */
  GCancellable *resolving; /* cancelled when the peer stops listening */

  guint64 send_failures;

  /* srp-peer-store.c: with a state directory, what the core changes goes
   * to the store once per drive. */
  char *state_directory;
  SrpStore *store;
  GError *state_error;     /* why the state directory could not be used */
  GHashTable *restored_topics; /* name -> SrpTopic* (borrowed): subscribed at start, not yet asked for */
  GSource *checkpoint_source;
  int state_lock;          /* the directory's lock file, held while the store is open; -1 */
  gboolean lan_discovery;  /* SrpPeer:lan-discovery */
  struct _SrpLanSockets *lan; /* while listening with it on */

  /* Network changes (srp-peer-network.c), while listening on every address. */
  GArray *local_addresses;  /* SrpAddress, as last given to the core */
  GInetAddress *bound;      /* the one address the sockets are bound to, or NULL: every address */
  GSource *network_poll;
  gulong network_changed_id;
  guint64 network_changes;

  /* srp-peer-portmap.c: SrpPeer:port-mapping, and the clients asking the
   * router while listening. */
  gboolean port_mapping;
  SrpPortMappingProtocols port_mapping_protocols;
  struct _SrpPeerPortmap *portmap;

  GPtrArray *bootstrap_urls; /* srp-peer-bootstrap-url.c's lists */
  GTlsDatabase *tls_database; /* SrpPeer:tls-database, or NULL */
  GHashTable *streams;   /* guint64 * handle -> SrpStream * (weak; srp-peer-streams.c) */
  GPtrArray *stream_opens; /* GTask * of srp_peer_open_stream_async waiting */
};

typedef struct {
  char *host;
  guint16 port;
} SrpPeerBootstrap;

/* The core, made on first use with the peer's identity. */
SrpCore *srp_peer_get_core (SrpPeer *self);
static inline gboolean
srp_peer_is_listening (SrpPeer *self)
{
  return self->sockets != NULL;
}

/* srp-peer-drive.c: carries out what the core asks after any input (sends,
 * events, the next timeout). */
void srp_peer_drive (SrpPeer *self);
/* srp_peer_drive, but the datagrams wait for the main loop's next turn
 * (before any other source of lower priority than G_PRIORITY_HIGH): an
 * application that publishes many messages in one callback has them sent
 * in one batch, runs to one peer segmented, not one system call each. */
void srp_peer_drive_deferring_sends (SrpPeer *self);
/* srp-peer-signals.c: the signals, made once by class_init. */
void srp_peer_class_add_signals (GObjectClass *klass);
/* Arms the send source (srp-peer-transport.c). */
void srp_peer_transport_send_soon (SrpPeer *self);
/* A peer ID from its hex form; SRP_ERROR_INVALID_ARGUMENT otherwise. */
gboolean srp_peer_parse_id (const char *text, SrpId *id, GError **error);

/* srp-peer-transport.c */
gboolean srp_peer_transport_open (SrpPeer *self, const char *address, guint16 port,
                                  GError **error);
void srp_peer_transport_close (SrpPeer *self);
void srp_peer_transport_send (SrpPeer *self);
/* Opens or closes punch socket number index (SOCKET_OPEN, SOCKET_CLOSE). */
void srp_peer_transport_open_punch (SrpPeer *self, guint index);
void srp_peer_transport_close_punch (SrpPeer *self, guint index);
/* Prefers an address the main socket can reach: IPv4 sockets cannot send to IPv6. */
GInetAddress *srp_peer_transport_pick_address (SrpPeer *self, GList *addresses);

/* srp-peer-drive.c: what the core's events mean to an application. */
void srp_peer_handle_event (SrpPeer *self, const SrpCoreEvent *event);
/* Empties the list of peers (newest first, with peer-removed for each). */
void srp_peer_forget_peers (SrpPeer *self);
void srp_peer_set_nat (SrpPeer *self, SrpNatType nat_type, const SrpAddress *public_address);
/* One family's classification (SRP_ADDRESS_FAMILY_IPV4 or _IPV6). */
void srp_peer_set_nat_family (SrpPeer *self, guint8 family, SrpNatType nat_type);
void srp_peer_set_nat_problem (SrpPeer *self, const char *problem);
/* Emits signals (srp-peer.c). */
void srp_peer_emit_peer_added (SrpPeer *self, SrpPeerInfo *info);
void srp_peer_emit_peer_removed (SrpPeer *self, SrpPeerInfo *info);
void srp_peer_emit_connected (SrpPeer *self, SrpPeerInfo *info);
void srp_peer_emit_message (SrpPeer *self, SrpMessage *message);
void srp_peer_notify (SrpPeer *self, guint prop);

/* srp-peer-topics.c: subscriptions (the peer holds them), delivery of
 * MESSAGE events, publishing and its PUBLISHED results. */
void srp_peer_topics_init (SrpPeer *self);
/* Ends every subscription (the peer goes away). */
void srp_peer_topics_dispose (SrpPeer *self);
void srp_peer_topics_clear (SrpPeer *self);
void srp_peer_topic_add (SrpPeer *self, SrpTopic *topic);
void srp_peer_topic_remove (SrpPeer *self, SrpTopic *topic);
/* Hands a MESSAGE event to its topics, or to SrpPeer::message for the inbox. */
void srp_peer_topics_deliver (SrpPeer *self, const SrpCoreEvent *event);
/* Publishes data; with a task, completes it on the PUBLISHED event. Returns
 * the message ID in hex, or NULL with error set. */
char *srp_peer_publish (SrpPeer *self, const SrpId *topic_id, const SrpId *recipient,
                        guint flags, GBytes *data, GTask *task, GError **error);
/* What the finish functions of publish_async and send_async return. */
guint srp_peer_publish_finish (GAsyncResult *result, char **message_id, GError **error);

/* srp-topic.c */
SrpTopic *srp_topic_new (SrpPeer *peer, const char *name);
SrpTopic *srp_topic_new_group (SrpPeer *peer, const char *name, const SrpId *topic_id,
                               const guint8 key[SRP_ENVELOPE_KEY_LEN]);
/* A group topic's key, or NULL. */
const guint8 *srp_topic_get_group_key (SrpTopic *self);
const SrpId *srp_topic_get_raw_id (SrpTopic *self);
void srp_topic_emit_message (SrpTopic *self, SrpMessage *message);
/* The peer is going away: the subscription ends, without the peer. */
void srp_topic_orphan (SrpTopic *self);

/* srp-peer-drive.c: brings the list of peers' figures (bytes, RTT) up to
 * date; called once a second while listening. */
void srp_peer_refresh_infos (SrpPeer *self);

/* srp-peer-store.c: opens the state directory (identity, database) and
 * takes the saved state into the core; error kept in state_error. */
void srp_peer_store_open (SrpPeer *self);
/* Writes what the core changed since the last flush, in one transaction. */
void srp_peer_store_flush (SrpPeer *self);
/* Flushes and closes the store (the peer goes away). */
void srp_peer_store_close (SrpPeer *self);
/* A message is about to be handed to the application: its ID goes to disk
 * first. */
void srp_peer_store_delivering (SrpPeer *self, const SrpId *message_id);
/* A topic was subscribed to (or left) by name. */
void srp_peer_store_topic (SrpPeer *self, const char *name, gboolean subscribed);
/* The topic restored under name that nobody asked for yet (transfer full), or NULL. */
SrpTopic *srp_peer_store_take_restored_topic (SrpPeer *self, const char *name);

/* srp-peer-bootstrap.c: hands every bootstrap to the core (resolving names
 * first); called when the peer starts listening. */
void srp_peer_bootstraps_start (SrpPeer *self);
void srp_peer_bootstrap_clear (gpointer bootstrap);
/* Emits SrpPeer::bootstrap-failed (srp-peer.c). */
void srp_peer_emit_bootstrap_failed (SrpPeer *self, const char *host, guint16 port,
                                     const GError *error);

/* srp-peer-bootstrap-url.c: frees the lists and their refresh timers. */
void srp_peer_bootstrap_urls_clear (SrpPeer *self);

/* srp-peer-network.c: follows the host's addresses (GNetworkMonitor, and a
 * look every second): when they change, the core is told the new ones and
 * that the network changed. Only for a peer listening on every address: one
 * bound to a single address keeps it. */
/* bound: the address the sockets are bound to (the wildcard: every address). */
void srp_peer_network_start (SrpPeer *self, GInetAddress *bound);
/* Binds every socket again to address, the main one at its port if it is
 * free there (srp-peer-transport.c). */
gboolean srp_peer_transport_rebind (SrpPeer *self, GInetAddress *address, GError **error);
void srp_peer_network_stop (SrpPeer *self);

/* srp-peer-lan.c: LAN discovery's sockets follow SrpPeer:lan-discovery
 * while listening (start after the main socket is bound; stop on close). */
void srp_peer_lan_start (SrpPeer *self);
void srp_peer_lan_stop (SrpPeer *self);

/* srp-peer-portmap.c: asks the router for a mapping of the main socket's
 * port while listening with SrpPeer:port-mapping on (start once bound, on
 * the address bound to; stop deletes it), and its figures for
 * srp_peer_get_stats. */
void srp_peer_portmap_start (SrpPeer *self, GInetAddress *bound);
void srp_peer_portmap_stop (SrpPeer *self);
/* Stops and starts again, on the main socket's address (a network change). */
void srp_peer_portmap_restart (SrpPeer *self);
void srp_peer_portmap_free (SrpPeer *self);
void srp_peer_portmap_stats (SrpPeer *self, GVariantDict *dict);

G_END_DECLS
