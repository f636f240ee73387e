/* srp-peer-private.h: the state SrpPeer's files share (internal). Each file
 * owns one concern: srp-peer.c the object, its properties and signals and
 * the core's events; srp-peer-transport.c the sockets and the timer;
 * srp-peer-ping.c pings; srp-peer-bootstrap.c bootstrap peers.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-peer.h"

#include "srp-cache-private.h"
#include "srp-core.h"
#include "srp-identity.h"
#include "srp-message-private.h"
#include "srp-topic.h"

G_BEGIN_DECLS

/* Datagrams taken from a socket per g_socket_receive_messages call, and
 * calls per wake-up before other sources get a turn. */
#define SRP_PEER_RECV_BATCH 16
#define SRP_PEER_RECV_ROUNDS 8

/* The main socket carries the protocol; the probe socket only serves NAT
 * classification (answers that must come from, or reach, another port). */
enum {
  SRP_PEER_SOCKET_MAIN,
  SRP_PEER_SOCKET_PROBE,
  SRP_PEER_N_SOCKETS
};

typedef struct {
  guint8 data[SRP_PEER_RECV_BATCH][SRP_MAX_DATAGRAM + 1];
  GInputVector vectors[SRP_PEER_RECV_BATCH];
  GInputMessage messages[SRP_PEER_RECV_BATCH];
  GSocketAddress *addresses[SRP_PEER_RECV_BATCH];
} SrpPeerRecvBatch;

struct _SrpPeer {
  GObject parent_instance;

  GMainContext *context;
  SrpIdentity *identity;

  /* Set while listening. */
  SrpCore *core;
  GSocket *sockets[SRP_PEER_N_SOCKETS];
  GSource *socket_sources[SRP_PEER_N_SOCKETS];
  GSocketFamily family;
  GSource *timer_source;
  SrpPeerRecvBatch *recv;
  guint16 port;

  GHashTable *pings;     /* guint64 *request (in the task's data) -> GTask *, owned */
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
  guint64 recv_failures;
};

typedef struct {
  char *host;
  guint16 port;
} SrpPeerBootstrap;

/* srp-peer.c: carries out what the core asks after any input (sends,
 * events, the next timeout). */
void srp_peer_drive (SrpPeer *self);

/* srp-peer-transport.c */
gboolean srp_peer_transport_open (SrpPeer *self, const char *address, guint16 port,
                                  GError **error);
void srp_peer_transport_close (SrpPeer *self);
void srp_peer_transport_send (SrpPeer *self);
/* Prefers an address the main socket can reach: IPv4 sockets cannot send to IPv6. */
GInetAddress *srp_peer_transport_pick_address (SrpPeer *self, GList *addresses);

/* srp-peer-ping.c: the core answered (or gave up on) a ping; returns the
 * task to complete once the peer is consistent, or NULL. */
GTask *srp_peer_ping_take_result (SrpPeer *self, const SrpCoreEvent *event);
void srp_peer_ping_complete (GTask *task);
/* Fails every pending ping with G_IO_ERROR_CLOSED. */
void srp_peer_pings_close (SrpPeer *self);

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
