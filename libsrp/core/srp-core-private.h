/* srp-core-private.h: the state the core's files share. Each file owns one
 * concern: srp-core.c drives and dispatches, srp-core-ping.c pings,
 * srp-core-peers.c handshakes, heartbeats and exchanges peers,
 * srp-core-nat.c classifies the NAT, srp-core-message.c sends messages
 * straight to an address, srp-core-topics.c keeps subscriptions (ours and
 * our peers'), srp-core-gossip.c publishes, caches and spreads packets,
 * srp-core-fill.c asks for missing packets and answers such queries,
 * srp-core-sync.c reconciles caches (anti-entropy), srp-core-connect.c
 * connects to a given peer (introductions, hole punching), srp-core-relay.c
 * relays for others and reaches peers through relays.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-packet-cache.h"
#include "srp-control-topics.h"
#include "srp-control-connect.h"
#include "srp-core.h"
#include "srp-peer-table.h"
#include "srp-reassembler.h"
#include "srp-rng.h"

G_BEGIN_DECLS

#define MAX_PING_ATTEMPTS 16

/* Who asked for a ping decides who hears the answer. */
typedef enum {
  PING_FOR_USER,       /* srp_core_ping: an event */
  PING_FOR_HEARTBEAT,  /* a connected peer's liveness */
  PING_FOR_NAT,        /* NAT classification: a reflexive address */
} PingOwner;

typedef struct {
  guint64 request;
  PingOwner owner;
  guint socket;
  SrpAddress to;
  guint attempts;
  guint max_attempts;
  guint64 nonces[MAX_PING_ATTEMPTS];
  gint64 sent_at[MAX_PING_ATTEMPTS];
  gint64 deadline; /* next resend, or failure after the last */
} PendingPing;

/* A handshake we started (we sent HELLO to address). */
typedef struct {
  SrpAddress address;
  SrpId expected;    /* zero for a bootstrap, whose ID we learn */
  guint8 challenge[SRP_CHALLENGE_LEN];
  guint attempts;
  gint64 deadline;
} OutgoingHandshake;

/* A handshake another started (it sent us HELLO from address). */
typedef struct {
  SrpAddress address;
  SrpId initiator;
  guint8 their_challenge[SRP_CHALLENGE_LEN];
  guint8 challenge[SRP_CHALLENGE_LEN];
  gint64 expires;
} IncomingHandshake;

typedef struct {
  SrpAddress address;
  guint failures;
  gint64 next_attempt;
} Bootstrap;

typedef enum {
  NAT_IDLE,
  NAT_MAPPING,    /* waiting for reflexive addresses */
  NAT_FILTERING,  /* waiting for probes */
} NatStage;

/* IPs the probe socket has sent to, and until when their NAT mappings
 * may still be open. */
#define NAT_CONTACTED_MAX 16
typedef struct {
  SrpAddress address;
  gint64 until;
} NatContact;

typedef struct {
  NatStage stage;
  SrpNat type;
  SrpAddress public_address;
  const char *problem;
  gint64 next_run;
  gint64 deadline;
  guint resends;
  SrpId peer_a, peer_b;           /* two connected peers at different IPs */
  guint64 ping_a0, ping_b0, ping_a1; /* requests: main socket to A and B, probe socket to A */
  gboolean done_a0, done_b0, done_a1;
  SrpAddress seen_a0, seen_b0, seen_a1; /* reflexive addresses (family 0 when failed) */
  guint64 nonce_port, nonce_peer; /* probes from A's other port and from B */
  gboolean got_port, got_peer;
  gint64 last_input;              /* for re-running after silence */
  SrpAddress reflexive;           /* the main socket's address as a peer last saw it */
  NatContact contacted[NAT_CONTACTED_MAX]; /* ring, oldest overwritten */
  guint next_contact;
} NatState;

/* What a core keeps about each connected peer for topics and the cache
 * (srp-core-topics.c makes and drops them with the connection). */
typedef struct {
  SrpId id;
  SrpId inbox;                 /* its inbox topic, to prefer it for its mail */
  SrpSubscriptions topics;     /* what it announced: sorted topic prefixes */
  GArray *acks;                /* guint64 packet prefixes to acknowledge */
  gint64 ack_at;               /* when to send them, -1 when none */
  /* Rate limits for what it asks of us: tokens and when last refilled. */
  double query_tokens, sync_tokens;
  gint64 query_at, sync_at;
  guint sync_cursor;           /* rotates over our topics, round after round */
  /* What it told us in INFO: for introducing it to others. */
  gboolean has_info;
  SrpInfo info;
} RemotePeer;

/* srp_core_connect in progress. */
typedef struct {
  guint64 request;
  guint64 nonce;               /* in CONNECT; introducers pass it on to both sides */
  SrpId target;
  gint64 started, deadline;
  guint n_asked, n_unknown;
  gboolean introduced;
  SrpId introducer;            /* the first that introduced us: our relay if needed */
  gint64 relay_at;             /* -1 until planned */
  gboolean relaying;
} ConnectAttempt;

/* How this side punches, from both NAT types (srp-core-connect.c). */
typedef enum {
  PUNCH_BOTH,      /* open our NAT with a low-TTL packet, then shake hands */
  PUNCH_SPRAY,     /* they are symmetric, we map independently: probe random ports */
  PUNCH_SOCKETS,   /* we are symmetric: many sockets open mappings towards them */
  PUNCH_NONE,      /* symmetric both: only a relay will do */
} PunchRole;

/* An introduction being acted on (both sides have one). */
typedef struct {
  SrpId peer, introducer;
  guint64 nonce;
  guint8 nat;
  SrpAddress address;          /* as the introducer sees it */
  guint n_locals;
  SrpAddress locals[SRP_LOCALS_MAX];
  PunchRole role;
  gint64 start_at;             /* -1 once started */
  gint64 expires;
  guint probes_left;
  gint64 next_probe;           /* PUNCH_SPRAY */
  gint64 next_round;           /* PUNCH_SOCKETS */
  guint first_socket, n_sockets; /* PUNCH_SOCKETS: the range it opened */
} Punch;

#define SRP_SOCKETS_MAX (2 + 1024)

struct _SrpCore {
  SrpCoreConfig config;
  SrpRng rng;
  gint64 now;
  GQueue transmits; /* SrpTransmit*, oldest first */
  guint64 next_connect;
  GQueue events;    /* SrpCoreEvent*, oldest first */

  GPtrArray *pings; /* PendingPing*, in order of request */
  guint64 next_request;

  SrpPeerTable *peers;
  GPtrArray *outgoing;  /* OutgoingHandshake* */
  GPtrArray *incoming;  /* IncomingHandshake* */
  GArray *bootstraps;   /* Bootstrap */
  GArray *local_addresses; /* SrpAddress */
  gint64 next_exchange;
  gint64 next_maintenance;

  NatState nat;

  GHashTable *last_message; /* topic SrpId* -> SrpId* of our last message on it */
  SrpReassembler *reassembler;

  /* srp-core-topics.c */
  GHashTable *subscriptions;   /* SrpId* (into subscription_list) -> itself */
  GArray *subscription_list;   /* SrpId, in order of subscription */
  SrpId inbox;
  gint64 announce_at;          /* -1 when nothing changed */
  gint64 last_announce;
  GHashTable *remotes;         /* SrpId* peer ID -> RemotePeer (owned by remote_list) */
  GPtrArray *remote_list;      /* RemotePeer*, in order of connection */

  /* srp-core-gossip.c */
  SrpPacketCache *cache;
  GPtrArray *publishes;        /* Publish*, oldest first */
  SrpId last_source;           /* the peer that last sent us a packet we wanted */

  /* srp-core-fill.c */
  GPtrArray *wants;            /* Want*, oldest first */
  GHashTable *wanted;          /* guint64* prefix (in the Want) -> Want */
  gint64 next_gap_check;

  /* srp-core-sync.c */
  gint64 next_sync;

  /* srp-core-connect.c */
  GPtrArray *connects;         /* ConnectAttempt* */
  GPtrArray *punches;          /* Punch* */
  GHashTable *routes;          /* SrpAddress* -> punch socket (GUINT_TO_POINTER) */
  guint8 socket_open[SRP_SOCKETS_MAX]; /* punch sockets asked for */
  guint16 local_port;
  gint64 next_upgrade;         /* relayed peers try to become direct */

  /* srp-core-relay.c */
  GPtrArray *circuits;         /* RelayCircuit*: pairs we relay for */

  guint64 drops[SRP_DROP_N_REASONS];
  guint64 received;
  guint64 sent;
};

/* srp-core.c */
void srp_core_queue_transmit (SrpCore *core, guint socket, const SrpAddress *to,
                              const guint8 *data, gsize len);
/* The same with an IP TTL for this datagram (0: the default). */
void srp_core_queue_transmit_ttl (SrpCore *core, guint socket, guint8 ttl, const SrpAddress *to,
                                  const guint8 *data, gsize len);
/* Handles one frame as if it came from `from` on socket (relayed frames too). */
void srp_core_dispatch (SrpCore *core, guint socket, const SrpAddress *from, const guint8 *data,
                        gsize len);
SrpCoreEvent *srp_core_queue_event (SrpCore *core, SrpCoreEventType type);
void srp_core_drop (SrpCore *core, SrpDropReason reason);
/* Lowers *deadline to candidate when candidate is set and earlier. */
void srp_core_earliest (gint64 *deadline, gint64 candidate);

/* srp-core-ping.c */
guint64 srp_core_ping_internal (SrpCore *core, PingOwner owner, guint socket,
                                const SrpAddress *to, guint max_attempts);
void srp_core_ping_cancel (SrpCore *core, guint64 request);
void srp_core_handle_ping (SrpCore *core, guint socket, const SrpAddress *from,
                           const guint8 *data, gsize len);
void srp_core_handle_pong (SrpCore *core, guint socket, const SrpAddress *from,
                           const guint8 *data, gsize len);
void srp_core_pings_timeout (SrpCore *core);
gint64 srp_core_pings_deadline (SrpCore *core);

/* srp-core-peers.c */
void srp_core_peers_init (SrpCore *core);
void srp_core_peers_clear (SrpCore *core);
void srp_core_handle_hello (SrpCore *core, const SrpAddress *from, const guint8 *data, gsize len);
void srp_core_handle_hello_reply (SrpCore *core, const SrpAddress *from, const guint8 *data,
                                  gsize len);
void srp_core_handle_hello_done (SrpCore *core, const SrpAddress *from, const guint8 *data,
                                 gsize len);
void srp_core_handle_peers_request (SrpCore *core, const SrpAddress *from, const guint8 *data,
                                    gsize len);
void srp_core_handle_peers (SrpCore *core, const SrpAddress *from, const guint8 *data, gsize len);
void srp_core_handle_busy (SrpCore *core, const SrpAddress *from, const guint8 *data, gsize len);
void srp_core_handle_goodbye (SrpCore *core, const SrpAddress *from, const guint8 *data,
                              gsize len);
void srp_core_start_handshake (SrpCore *core, const SrpAddress *address, const SrpId *expected);
OutgoingHandshake *srp_core_find_outgoing_for (SrpCore *core, const SrpId *expected);
void srp_core_emit_peer (SrpCore *core, SrpCoreEventType type, const SrpPeerEntry *peer);
guint8 srp_core_peer_path (const SrpPeerEntry *peer);
/* A connected peer at address, or NULL. */
SrpPeerEntry *srp_core_authenticated (SrpCore *core, const SrpAddress *address);
/* Takes one request token from a peer; FALSE when it is over its rate. */
gboolean srp_core_peer_take_token (SrpCore *core, SrpPeerEntry *peer);
void srp_core_peer_heard (SrpCore *core, SrpPeerEntry *peer);
void srp_core_heartbeat_result (SrpCore *core, guint64 request, gboolean ok, gint64 rtt_us,
                                const SrpAddress *reflexive, gboolean knows_us);
void srp_core_peers_timeout (SrpCore *core);
gint64 srp_core_peers_deadline (SrpCore *core);

/* srp-core-nat.c */
void srp_core_nat_init (SrpCore *core);
void srp_core_nat_ping_result (SrpCore *core, guint64 request, gboolean ok,
                               const SrpAddress *reflexive);
void srp_core_nat_input (SrpCore *core);
void srp_core_nat_reflexive_seen (SrpCore *core, const SrpAddress *reflexive);
/* A peer connected, whichever side started the handshake. */
void srp_core_nat_peer_connected (SrpCore *core);
void srp_core_handle_probe_request (SrpCore *core, const SrpAddress *from, const guint8 *data,
                                    gsize len);
void srp_core_handle_probe (SrpCore *core, guint socket, const guint8 *data, gsize len);
void srp_core_nat_timeout (SrpCore *core);
gint64 srp_core_nat_deadline (SrpCore *core);

/* srp-core-topics.c */
void srp_core_topics_init (SrpCore *core);
void srp_core_topics_clear (SrpCore *core);
/* Called when a peer completes the handshake, and when it goes away. */
void srp_core_topics_peer_up (SrpCore *core, const SrpPeerEntry *peer);
void srp_core_topics_peer_down (SrpCore *core, const SrpPeerEntry *peer);
/* The connected peer at address, or NULL. */
RemotePeer *srp_core_remote_at (SrpCore *core, const SrpAddress *address);
RemotePeer *srp_core_remote (SrpCore *core, const SrpId *peer_id);
/* Sends a frame to a connected peer at its current address. */
void srp_core_send_remote (SrpCore *core, const RemotePeer *remote, const guint8 *frame,
                           gsize len);
gboolean srp_remote_subscribes (const RemotePeer *remote, const SrpId *topic_id);
/* Takes cost tokens from one of a peer's buckets; FALSE (counted as
 * rate-limited) when it is over its rate. */
gboolean srp_core_remote_take (SrpCore *core, double *tokens, gint64 *at, double cost,
                               double burst, double per_second);
/* SYNC and SUBSCRIPTIONS frames a peer may send us; packets it may query. */
#define SRP_SYNC_BURST 64.0
#define SRP_SYNC_PER_SECOND 16.0
#define SRP_QUERY_BURST 512.0
#define SRP_QUERY_PER_SECOND 256.0
void srp_core_handle_subscriptions (SrpCore *core, const SrpAddress *from, const guint8 *data,
                                    gsize len);
void srp_core_topics_timeout (SrpCore *core);
gint64 srp_core_topics_deadline (SrpCore *core);

/* srp-core-gossip.c */
void srp_core_gossip_init (SrpCore *core);
void srp_core_gossip_clear (SrpCore *core);
void srp_core_handle_packet (SrpCore *core, const SrpAddress *from, const guint8 *data,
                             gsize len);
void srp_core_handle_ack (SrpCore *core, const SrpAddress *from, const guint8 *data, gsize len);
/* Feeds a packet of a subscribed topic to the reassembler; MESSAGE events follow. */
void srp_core_deliver (SrpCore *core, const SrpPacket *packet, const SrpAddress *from);
void srp_core_gossip_timeout (SrpCore *core);
void srp_core_gossip_flush_acks (SrpCore *core);
gint64 srp_core_gossip_deadline (SrpCore *core);

/* srp-core-fill.c */
void srp_core_fill_init (SrpCore *core);
void srp_core_fill_clear (SrpCore *core);
/* Asks for a packet by prefix, first of source (may be NULL). */
void srp_core_want (SrpCore *core, guint64 prefix, const SrpId *source);
/* TRUE when the packet was asked for (and is no longer). */
gboolean srp_core_fill_arrived (SrpCore *core, const SrpId *id);
/* A packet of an incomplete chain arrived: look for gaps soon. */
void srp_core_fill_schedule (SrpCore *core);
void srp_core_handle_query (SrpCore *core, const SrpAddress *from, const guint8 *data, gsize len);
void srp_core_fill_timeout (SrpCore *core);
gint64 srp_core_fill_deadline (SrpCore *core);

/* srp-core-sync.c */
void srp_core_sync_init (SrpCore *core);
/* Opens reconciliation of our topics (one topic, or a round of all when
 * topic_id is NULL) with a connected peer. */
void srp_core_sync_start (SrpCore *core, RemotePeer *remote, const SrpId *topic_id);
void srp_core_handle_sync (SrpCore *core, const SrpAddress *from, const guint8 *data, gsize len);
void srp_core_sync_timeout (SrpCore *core);

/* srp-core-message.c */
/* The PREV ID of the next message this core publishes on topic_id. */
void srp_core_chain_prev (SrpCore *core, const SrpId *topic_id, SrpId *out);

/* srp-core-connect.c */
void srp_core_connect_init (SrpCore *core);
void srp_core_connect_clear (SrpCore *core);
void srp_core_handle_info (SrpCore *core, const SrpAddress *from, const guint8 *data, gsize len);
void srp_core_handle_connect (SrpCore *core, const SrpAddress *from, const guint8 *data,
                              gsize len);
void srp_core_handle_introduce (SrpCore *core, const SrpAddress *from, const guint8 *data,
                                gsize len);
void srp_core_handle_punch (SrpCore *core, guint socket, const SrpAddress *from,
                            const guint8 *data, gsize len);
/* A peer connected (or moved): finishes attempts and punches for it. */
void srp_core_connect_peer_up (SrpCore *core, SrpPeerEntry *peer);
void srp_core_connect_peer_down (SrpCore *core, const SrpPeerEntry *peer);
/* Whether a connection to id came from an introduction. */
gboolean srp_core_connect_is_introduced (SrpCore *core, const SrpId *id);
/* Our NAT type changed: tell connected peers. */
void srp_core_connect_send_info (SrpCore *core, const SrpAddress *to);
void srp_core_connect_nat_changed (SrpCore *core);
/* The punch socket a destination is reached through, or 0 for the main one. */
guint srp_core_route (SrpCore *core, const SrpAddress *to);
gboolean srp_core_socket_is_open (SrpCore *core, guint socket);
void srp_core_connect_timeout (SrpCore *core);
gint64 srp_core_connect_deadline (SrpCore *core);

/* srp-core-relay.c */
void srp_core_relay_init (SrpCore *core);
void srp_core_relay_clear (SrpCore *core);
/* Sends a frame to a relay address: as RELAY to the relay, when connected. */
void srp_core_relay_send (SrpCore *core, const SrpAddress *to, const guint8 *data, gsize len);
void srp_core_handle_relay (SrpCore *core, const SrpAddress *from, const guint8 *data, gsize len);
void srp_core_handle_relayed (SrpCore *core, const SrpAddress *from, const guint8 *data,
                              gsize len);
/* The connected peer whose ID starts with prefix, or NULL. */
SrpPeerEntry *srp_core_connected_with_prefix (SrpCore *core, guint64 prefix);
/* The relay address of peer through relay. */
void srp_core_relay_address (const SrpId *relay, const SrpId *peer, SrpAddress *out);
/* What PONG and HELLO_REPLY say they observed: a relay hides the address. */
void srp_core_observed (const SrpAddress *from, SrpAddress *out);
gint64 srp_core_sync_deadline (SrpCore *core);

G_END_DECLS
