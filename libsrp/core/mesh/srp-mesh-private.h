/* srp-mesh-private.h: the state the mesh's files share. srp-mesh.c
 * registers the subsystem and owns its observers; srp-mesh-handshake.c
 * makes and ends links; srp-mesh-heartbeat.c keeps them alive;
 * srp-mesh-exchange.c learns of peers and keeps connections up.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-control.h"
#include "srp-mesh.h"
#include "srp-source-ledger.h"

G_BEGIN_DECLS

#define SRP_MESH_MAX_INCOMING 64     /* handshakes others started, awaiting DONE */
#define SRP_MESH_MAX_OUTGOING 8      /* handshakes we run at once (bootstraps aside) */
#define SRP_MESH_MAINTENANCE_US (1 * G_TIME_SPAN_SECOND)
/* Of peer_capacity, the places only handshakes for an introduction may
 * take: an open peer that everybody links to still takes the finder a
 * lookup sent it, to introduce it to the peer that registered it. */
#define SRP_MESH_INTRODUCTION_RESERVE(capacity) ((capacity) / 8)
#define SRP_MESH_ASK_ON_CONNECT_BELOW 64 /* known peers under which a new link is asked for PEERS */
/* A peer short of links that knows too few peers to dial more, and got no
 * PEERS since it asked, asks again this soon after asking (doubling while
 * that lasts, up to exchange_us): its request or the answer was lost. */
#define SRP_MESH_STARVING_ASK_US (2 * G_TIME_SPAN_SECOND)
/* New handshakes we start, whatever suggested them (bootstraps, PEERS,
 * BUSY, introductions, punches, re-handshakes): at most 8 a second
 * sustained, 16 at once. A peer keeps 8 connections up: a burst of 16
 * brings them all up at once; a network that answers every HELLO with
 * BUSY naming new records gets no more than 8 HELLOs a second out of it. */
#define SRP_MESH_HANDSHAKE_BURST 16.0
#define SRP_MESH_HANDSHAKES_PER_SECOND 8.0
/* HELLOs answered with a signature and a key exchange: past this, or with
 * half the half-open places taken, a HELLO must bring a cookie
 * (srp-mesh-cookie.c). */
#define SRP_MESH_COSTLY_BURST 64.0
#define SRP_MESH_COSTLY_PER_SECOND 64.0
/* Under load, half-open places one source (an IPv4 address, an IPv6 /64)
 * may hold (srp-mesh-cookie.c). */
#define SRP_MESH_HALF_OPEN_PER_SOURCE 4
/* Under load, full answers (signatures) one source may have had in the
 * last SRP_MESH_SIGNED_WINDOW_US: a flood from many addresses that receive
 * then takes at most 2 × its addresses per 10 s of the 64 a second, and
 * newcomers find the rest (srp-mesh-cookie.c). The ledger holds what the
 * budget can give in the window, and then some. */
#define SRP_MESH_SIGNED_PER_SOURCE 2
#define SRP_MESH_SIGNED_WINDOW_US (10 * G_TIME_SPAN_SECOND)
#define SRP_MESH_SIGNED_LEDGER 1024
#define SRP_MESH_COOKIE_SECRET_LEN 32

/* A handshake we started (we sent HELLO to address). */
typedef struct {
  SrpMesh *mesh;
  SrpAddress address;
  SrpId expected;    /* zero for a bootstrap, whose ID we learn */
  guint8 challenge[SRP_CHALLENGE_LEN];
  guint attempts;
  gboolean second_round; /* a half-open link's repair got its HELLOs again (srp-mesh-handshake.c) */
  gboolean busy_retried; /* a BUSY for a connect we expect was answered with one more HELLO */
  gint64 sent_at;    /* the last HELLO: its reply is a round-trip sample if it was the only one */
  guint8 flags;      /* HELLO's */
  guint8 cookie[SRP_COOKIE_LEN]; /* the responder's, once it asked for one (flags has COOKIE) */
  SrpEphemeral ephemeral; /* our key exchange's half */
  SrpCredit *credit; /* pays the HELLOs (whoever named the address); NULL: unmetered */
  SrpTimer timer;    /* the next HELLO, or giving up */
} OutgoingHandshake;

/* A handshake another started (it sent us HELLO from address). */
typedef struct {
  SrpMesh *mesh;
  SrpAddress address;
  SrpId initiator;
  guint8 their_challenge[SRP_CHALLENGE_LEN];
  guint8 challenge[SRP_CHALLENGE_LEN];
  guint8 their_ephemeral[SRP_HELLO_EPHEMERAL_LEN];
  SrpEphemeral ephemeral; /* ours, in the HELLO_REPLY */
  gint64 replied_at; /* our HELLO_REPLY with this challenge: DONE answers that one alone */
  SrpTimer timer;    /* forgotten then */
  gboolean introduction; /* HELLO had SRP_HELLO_FLAG_INTRODUCTION */
  GPtrArray *early;  /* GBytes: link frames that overtook the DONE (NULL: none) */
  gsize early_bytes;
} IncomingHandshake;

typedef struct {
  SrpAddress address;
  guint failures;
  gint64 next_attempt;
} Bootstrap;

struct _SrpMesh {
  SrpContext *ctx;
  SrpPings *pings;
  GPtrArray *outgoing;   /* OutgoingHandshake*, owned */
  GPtrArray *incoming;   /* IncomingHandshake*, owned */
  GArray *bootstraps;    /* Bootstrap */
  SrpTimer exchange;     /* ask a random link for peers */
  guint starving_asks;   /* asks in a row while short of links and of peers to dial */
  gboolean peers_awaited; /* a PEERS_REQUEST went out and no PEERS came since */
  SrpTimer maintenance;  /* bootstraps, and connections to keep up */
  SrpTokenBucket handshake_budget; /* new outgoing handshakes (SRP_MESH_HANDSHAKE_BURST) */
  /* srp-mesh-cookie.c */
  SrpTokenBucket costly;           /* HELLOs answered in full */
  SrpSourceLedger *signed_for;     /* ... and to which sources, lately */
  guint8 cookie_secret[SRP_MESH_COOKIE_SECRET_LEN], cookie_previous[SRP_MESH_COOKIE_SECRET_LEN];
  gint64 cookie_rotate_at;
  guint64 cookies_sent;
};

/* srp-mesh-handshake.c */
void srp_mesh_handshake_init (SrpMesh *mesh);
void srp_mesh_handshake_clear (SrpMesh *mesh);
SrpDropReason srp_mesh_handle_hello (gpointer self, const SrpInput *input, gpointer frame);
SrpDropReason srp_mesh_handle_hello_reply (gpointer self, const SrpInput *input, gpointer frame);
SrpDropReason srp_mesh_handle_hello_done (gpointer self, const SrpInput *input, gpointer frame);
SrpDropReason srp_mesh_handle_busy (gpointer self, const SrpInput *input, gpointer frame);
SrpDropReason srp_mesh_handle_goodbye (gpointer self, const SrpInput *input, gpointer frame);
gboolean srp_mesh_hold_early (SrpMesh *mesh, const SrpInput *input);
/* Closes a link whose peer went silent or stopped knowing us; it stays
 * known, for a later try. */
void srp_mesh_disconnect (SrpMesh *mesh, SrpLink *link);
guint srp_mesh_outgoing_count (SrpMesh *mesh);
gboolean srp_mesh_has_outgoing (SrpMesh *mesh, const SrpAddress *address);
/* When the exchange should ask for peers next, asked now. */
gint64 srp_mesh_next_exchange (SrpMesh *mesh);

/* srp-mesh-cookie.c: whether to answer a HELLO in full now (TRUE), or with
 * a COOKIE (sent here) or nothing (FALSE). */
void srp_mesh_cookie_init (SrpMesh *mesh);
gboolean srp_mesh_cookie_admits (SrpMesh *mesh, const SrpInput *input, const SrpHello *hello);
SrpDropReason srp_mesh_handle_cookie (gpointer self, const SrpInput *input, gpointer frame);

/* srp-mesh-heartbeat.c */
void srp_mesh_heartbeat_start (SrpMesh *mesh, SrpLink *link);
void srp_mesh_heartbeat_stop (SrpMesh *mesh, SrpLink *link);
void srp_mesh_heartbeat_suspect (SrpMesh *mesh, SrpLink *link);

/* srp-mesh-exchange.c */
SrpDropReason srp_mesh_handle_peers_request (gpointer self, const SrpInput *input, gpointer frame);
SrpDropReason srp_mesh_handle_peers (gpointer self, const SrpInput *input, gpointer frame);
void srp_mesh_request_peers (SrpMesh *mesh, const SrpLink *link);
/* Fills out with up to max random peers other than except, links first:
 * they are the ones known to work. */
void srp_mesh_sample_peers (SrpMesh *mesh, const SrpLink *except, guint max, SrpPeers *out);
/* Records peers; credit (the namer's) pays our first HELLOs to them. */
void srp_mesh_learn_peers (SrpMesh *mesh, const SrpPeers *peers, SrpCredit *credit);
void srp_mesh_schedule_maintenance (SrpMesh *mesh, gint64 at);
void srp_mesh_maintenance (SrpTimer *timer, gpointer owner);
void srp_mesh_exchange (SrpTimer *timer, gpointer owner);
/* Bookkeeping of bootstraps that answered or failed. */
void srp_mesh_bootstrap_connected (SrpMesh *mesh, const SrpAddress *address);
void srp_mesh_bootstrap_failed (SrpMesh *mesh, const SrpAddress *address);
/* srp-mesh-state.c */
void srp_mesh_export_state (gpointer self, GVariantDict *dict);
gboolean srp_mesh_import_state (gpointer self, GVariantDict *dict, gboolean apply,
                                GError **error);

/* Exponential back-off for a peer that failed n times. */
gint64 srp_mesh_backoff (guint n);

G_END_DECLS
