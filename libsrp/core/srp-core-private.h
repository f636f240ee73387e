/* srp-core-private.h: the state the core's files share. Each file owns one
 * concern: srp-core.c drives and dispatches, srp-core-ping.c pings,
 * srp-core-peers.c handshakes, heartbeats and exchanges peers,
 * srp-core-nat.c classifies the NAT, srp-core-message.c carries messages.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

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

struct _SrpCore {
  SrpCoreConfig config;
  SrpRng rng;
  gint64 now;
  GQueue transmits; /* SrpTransmit*, oldest first */
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

  guint64 drops[SRP_DROP_N_REASONS];
  guint64 received;
  guint64 sent;
};

/* srp-core.c */
void srp_core_queue_transmit (SrpCore *core, guint socket, const SrpAddress *to,
                              const guint8 *data, gsize len);
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

/* srp-core-message.c */
void srp_core_handle_packet (SrpCore *core, const SrpAddress *from, const guint8 *data,
                             gsize len);

G_END_DECLS
