/* srp-peer-private.h: the state SrpPeer's files share (internal). Each file
 * owns one concern: srp-peer.c the object, its properties and signals and
 * the core's events; srp-peer-transport.c the sockets and the timer;
 * srp-peer-ping.c pings; srp-peer-connect.c connecting to a given peer;
 * srp-peer-bootstrap.c bootstrap peers.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-peer.h"

#include "srp-cache-private.h"
#include "srp-core.h"
#include "srp-identity.h"
#include "srp-message-private.h"
#include "srp-peer-requests.h"
#include "srp-socket-set.h"
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

struct _SrpPeer {
  GObject parent_instance;

  GMainContext *context;
  SrpIdentity *identity;

  /* Set while listening. */
  SrpCore *core;
  SrpSocketSet *sockets;
  GSocketFamily family;
  GSource *timer_source;
  guint16 port;

  SrpPeerRequests *pings; /* ping tasks by the core's request number */
  SrpPeerRequests *connects; /* connect tasks by the core's request number */
  GListStore *peers;     /* SrpPeerInfo, in the order they connected */
  GHashTable *peer_index; /* SrpId * (in the info) -> SrpPeerInfo *, borrowed from peers */
  SrpNatType nat_type;
  char *public_address;
  const char *nat_problem; /* the core's static string */

  GHashTable *topics;    /* SrpId * -> GPtrArray of SrpTopic * (borrowed: topics own the peer) */
  GHashTable *delivered;     /* SrpId* message IDs handed over (srp-peer-topics.c) */
  GQueue delivered_order;     /* the same, oldest first */
  GHashTable *publishing; /* SrpId * message ID (in the task's data) -> GTask *, owned */
  SrpId inbox;           /* this peer's inbox topic */
  SrpCache *cache;

  GArray *bootstraps;    /* SrpPeerBootstrap, kept across close and listen */
  GCancellable *resolving; /* cancelled when the peer stops listening */

  guint64 send_failures;
};

typedef struct {
  char *host;
  guint16 port;
} SrpPeerBootstrap;

/* srp-peer.c: carries out what the core asks after any input (sends,
 * events, the next timeout). */
void srp_peer_drive (SrpPeer *self);
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

/* srp-peer-ping.c: the core answered (or gave up on) a ping; returns the
 * task to complete once the peer is consistent, or NULL. */
GTask *srp_peer_ping_take_result (SrpPeer *self, const SrpCoreEvent *event);
void srp_peer_ping_complete (GTask *task);

/* srp-peer-connect.c: the same for CONNECT_RESULT; completing looks the
 * peer up in the list, so call it after the events were handled. */
GTask *srp_peer_connect_take_result (SrpPeer *self, const SrpCoreEvent *event);
void srp_peer_connect_complete (GTask *task);

/* srp-peer-topics.c: subscriptions (kept across close and listen),
 * delivery of MESSAGE events, publishing and its PUBLISHED results. */
void srp_peer_topics_init (SrpPeer *self);
void srp_peer_topics_clear (SrpPeer *self);
void srp_peer_topic_add (SrpPeer *self, SrpTopic *topic);
void srp_peer_topic_remove (SrpPeer *self, SrpTopic *topic);
/* Subscribes a new core to every topic; called when the peer starts listening. */
void srp_peer_topics_start (SrpPeer *self);
/* Hands a MESSAGE event to its topics, or to SrpPeer::message for the inbox. */
void srp_peer_topics_deliver (SrpPeer *self, const SrpCoreEvent *event);
/* Publishes data; with a task, completes it on the PUBLISHED event. Returns
 * the message ID in hex, or NULL with error set. */
char *srp_peer_publish (SrpPeer *self, const SrpId *topic_id, const SrpId *recipient,
                        GBytes *data, GTask *task, GError **error);
/* The task waiting for a PUBLISHED event, removed, or NULL. */
GTask *srp_peer_publish_take_result (SrpPeer *self, const SrpCoreEvent *event);
void srp_peer_publish_complete (GTask *task);
/* Fails every publish still waiting with G_IO_ERROR_CLOSED. */
void srp_peer_publishes_close (SrpPeer *self);
void srp_peer_emit_message (SrpPeer *self, SrpMessage *message);

/* srp-topic.c */
SrpTopic *srp_topic_new (SrpPeer *peer, const char *name);
const SrpId *srp_topic_get_raw_id (SrpTopic *self);
void srp_topic_emit_message (SrpTopic *self, SrpMessage *message);

/* srp-peer-bootstrap.c: hands every bootstrap to the core (resolving names
 * first); called when the peer starts listening. */
void srp_peer_bootstraps_start (SrpPeer *self);
void srp_peer_bootstrap_clear (gpointer bootstrap);
/* Emits SrpPeer::bootstrap-failed (srp-peer.c). */
void srp_peer_emit_bootstrap_failed (SrpPeer *self, const char *host, guint16 port,
                                     const GError *error);

G_END_DECLS
