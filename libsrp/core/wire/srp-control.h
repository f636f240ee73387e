/* srp-control.h: control messages (compact binary, after the 4-byte prefix).
 * docs/protocol.md, "Control messages", is their specification.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-address.h"
#include "srp-wire.h"

G_BEGIN_DECLS

/* PING: sender ID (32), nonce (8). */
typedef struct {
  SrpId sender;
  guint64 nonce;
} SrpPing;

/* PONG: sender ID (32), the ping's nonce (8), flags (1), the address the
 * ping came from (7 or 19). */
#define SRP_PONG_AUTHENTICATED 0x01 /* the pinger completed the handshake with us */
#define SRP_PONG_FLAGS_KNOWN SRP_PONG_AUTHENTICATED
typedef struct {
  SrpId sender;
  guint64 nonce;
  guint8 flags;
  SrpAddress observed;
} SrpPong;

/* HELLO: sender ID (32), challenge (16), flags (1), ephemeral X25519 key
 * (32), then zero padding to SRP_HELLO_LEN, so that the reply is never 1.5
 * times larger than it. */
#define SRP_HELLO_LEN 160
#define SRP_HELLO_EPHEMERAL_LEN 32
/* The handshake is for an introduction to one of the responder's links (a
 * lookup named it an anchor): it may take a place kept for those. */
#define SRP_HELLO_FLAG_INTRODUCTION 0x01
/* COOKIE (16) follows EPHEMERAL: the answer to a responder's COOKIE. */
#define SRP_HELLO_FLAG_COOKIE 0x02
#define SRP_COOKIE_LEN 16
typedef struct {
  SrpId sender;
  guint8 challenge[SRP_CHALLENGE_LEN];
  guint8 flags;
  guint8 ephemeral[SRP_HELLO_EPHEMERAL_LEN];
  guint8 cookie[SRP_COOKIE_LEN]; /* with SRP_HELLO_FLAG_COOKIE */
} SrpHello;

/* COOKIE: the HELLO's challenge (16), then a cookie (16) that proves, when
 * a HELLO from the same address brings it back, that the address receives. */
typedef struct {
  guint8 echo[SRP_CHALLENGE_LEN];
  guint8 cookie[SRP_COOKIE_LEN];
} SrpCookie;
gsize srp_cookie_encode (const SrpCookie *cookie, guint8 out[SRP_MAX_DATAGRAM]);
SrpDropReason srp_cookie_decode (const guint8 *frame, gsize len, SrpCookie *out);

/* HELLO_REPLY: sender ID (32), the HELLO's challenge (16), a new challenge
 * (16), the responder's ephemeral key (32), the address the HELLO came
 * from (7 or 19), signature (64) over srp_handshake_transcript (REPLY, ...). */
typedef struct {
  SrpId sender;
  guint8 echo[SRP_CHALLENGE_LEN];
  guint8 challenge[SRP_CHALLENGE_LEN];
  guint8 ephemeral[SRP_HELLO_EPHEMERAL_LEN];
  SrpAddress observed;
  guint8 signature[SRP_SIGNATURE_LEN];
} SrpHelloReply;

/* HELLO_DONE: sender ID (32), the reply's challenge (16), the address the
 * reply came from (7 or 19), signature (64) over srp_handshake_transcript
 * (DONE, ...). */
typedef struct {
  SrpId sender;
  guint8 echo[SRP_CHALLENGE_LEN];
  SrpAddress observed;
  guint8 signature[SRP_SIGNATURE_LEN];
} SrpHelloDone;

typedef enum {
  SRP_TRANSCRIPT_REPLY = 1,
  SRP_TRANSCRIPT_DONE = 2,
} SrpTranscriptKind;

/* What each side signs: "SRP1 handshake", the kind, the initiator's and the
 * responder's IDs, both challenges, both ephemeral keys, and the address
 * the signer sees the other at (REPLY: the initiator's, DONE: the
 * responder's). Returns the length written into out (at most
 * SRP_TRANSCRIPT_LEN bytes). */
#define SRP_TRANSCRIPT_LEN                                                                       \
  (14 + 1 + 2 * SRP_ID_LEN + 2 * SRP_CHALLENGE_LEN + 2 * SRP_HELLO_EPHEMERAL_LEN + 19)
gsize srp_handshake_transcript (SrpTranscriptKind kind, const SrpId *initiator,
                                const SrpId *responder,
                                const guint8 initiator_ephemeral[SRP_HELLO_EPHEMERAL_LEN],
                                const guint8 responder_ephemeral[SRP_HELLO_EPHEMERAL_LEN],
                                const SrpAddress *observed,
                                const guint8 initiator_challenge[SRP_CHALLENGE_LEN],
                                const guint8 responder_challenge[SRP_CHALLENGE_LEN],
                                guint8 *out);

/* PEERS: count (1), then per peer: ID (32), NAT type (1), seconds since last
 * seen (2), address (7 or 19). At most SRP_PEERS_MAX entries. */
#define SRP_PEERS_MAX 16
typedef struct {
  SrpId id;
  guint8 nat;
  guint16 age_s;
  SrpAddress address;
} SrpPeerRecord;

typedef struct {
  guint n;
  SrpPeerRecord peers[SRP_PEERS_MAX];
} SrpPeers;

/* BUSY: the same layout as PEERS, with at most SRP_BUSY_MAX records, so the
 * answer to a HELLO stays under 3 times the HELLO's size. */
#define SRP_BUSY_MAX 4

/* PROBE_REQUEST: nonce (8), mode (1), target address (7 or 19). */
typedef enum {
  SRP_PROBE_FROM_OTHER_PORT = 1, /* from the answerer's second socket */
  SRP_PROBE_FROM_MAIN_PORT = 2,  /* from the answerer's main socket */
} SrpProbeMode;

typedef struct {
  guint64 nonce;
  guint8 mode;
  SrpAddress target;
} SrpProbeRequest;

/* GOODBYE: the sender's ID and the challenge the recipient sent it in the
 * handshake of this connection, which only the two of them saw, so that an
 * off-path attacker cannot disconnect peers with forged goodbyes. */
typedef struct {
  SrpId sender;
  guint8 token[SRP_CHALLENGE_LEN];
} SrpGoodbye;

/* Encoders write the whole frame, prefix included, and return its length. */
gsize srp_ping_encode (const SrpPing *ping, guint8 out[SRP_MAX_DATAGRAM]);
SrpDropReason srp_ping_decode (const guint8 *frame, gsize len, SrpPing *out);
gsize srp_pong_encode (const SrpPong *pong, guint8 out[SRP_MAX_DATAGRAM]);
SrpDropReason srp_pong_decode (const guint8 *frame, gsize len, SrpPong *out);

gsize srp_hello_encode (const SrpHello *hello, guint8 out[SRP_MAX_DATAGRAM]);
SrpDropReason srp_hello_decode (const guint8 *frame, gsize len, SrpHello *out);
gsize srp_hello_reply_encode (const SrpHelloReply *reply, guint8 out[SRP_MAX_DATAGRAM]);
SrpDropReason srp_hello_reply_decode (const guint8 *frame, gsize len, SrpHelloReply *out);
gsize srp_hello_done_encode (const SrpHelloDone *done, guint8 out[SRP_MAX_DATAGRAM]);
SrpDropReason srp_hello_done_decode (const guint8 *frame, gsize len, SrpHelloDone *out);
/* PEERS_REQUEST has no body. */
gsize srp_peers_request_encode (guint8 out[SRP_MAX_DATAGRAM]);
SrpDropReason srp_peers_request_decode (const guint8 *frame, gsize len);
gsize srp_peers_encode (const SrpPeers *peers, guint8 out[SRP_MAX_DATAGRAM]);
SrpDropReason srp_peers_decode (const guint8 *frame, gsize len, SrpPeers *out);
gsize srp_busy_encode (const SrpPeers *peers, guint8 out[SRP_MAX_DATAGRAM]);
SrpDropReason srp_busy_decode (const guint8 *frame, gsize len, SrpPeers *out);
gsize srp_probe_request_encode (const SrpProbeRequest *request, guint8 out[SRP_MAX_DATAGRAM]);
SrpDropReason srp_probe_request_decode (const guint8 *frame, gsize len, SrpProbeRequest *out);
/* PROBE: nonce (8). */
gsize srp_probe_encode (guint64 nonce, guint8 out[SRP_MAX_DATAGRAM]);
SrpDropReason srp_probe_decode (const guint8 *frame, gsize len, guint64 *nonce);
gsize srp_goodbye_encode (const SrpGoodbye *goodbye, guint8 out[SRP_MAX_DATAGRAM]);
SrpDropReason srp_goodbye_decode (const guint8 *frame, gsize len, SrpGoodbye *out);

G_END_DECLS
