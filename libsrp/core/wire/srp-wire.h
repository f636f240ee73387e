/* srp-wire.h: constants and small types of the SRP wire format, version 1.
 * docs/protocol.md is the normative description; keep the two in step.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Every datagram starts with MAGIC (2) VERSION (1) KIND (1). */
#define SRP_WIRE_MAGIC_0 0x53 /* 'S' */
#define SRP_WIRE_MAGIC_1 0x52 /* 'R' */
#define SRP_WIRE_VERSION 1
#define SRP_WIRE_PREFIX_LEN 4

/* No datagram is longer: fits the IPv6 minimum MTU (1280) less IPv6 and UDP headers. */
#define SRP_MAX_DATAGRAM 1232
/* A relay adds a prefix and an 8-byte ID prefix to a frame: every frame a
 * peer makes is at most this long, so that any of them can be relayed. */
#define SRP_RELAY_HEADER_LEN (4 + 8)
/* A frame to a link goes sealed, this much longer (srp-session.h); a
 * relayed one is sealed twice (end to end, then to the relay). */
#define SRP_SEAL_OVERHEAD 26
#define SRP_MAX_FRAME (SRP_MAX_DATAGRAM - SRP_RELAY_HEADER_LEN - 2 * SRP_SEAL_OVERHEAD)
/* What a RELAY or RELAYED carries: a frame, sealed end to end. */
#define SRP_MAX_RELAYED (SRP_MAX_FRAME + SRP_SEAL_OVERHEAD)

#define SRP_ID_LEN 32
/* PREV ID, PACKET ID, TOPIC ID (32 each), TYPE (1), INDEX (4), POSTAGE (1), NEXT ID (32). */
#define SRP_PACKET_HEADER_LEN 134
#define SRP_PACKET_MAX_BODY 1024
#define SRP_POSTAGE_MAX 16
/* A published message is at most 1 MiB, so a chain has at most 1024 packets. */
#define SRP_MESSAGE_MAX_LEN (1024 * 1024)

typedef enum {
  SRP_FRAME_PACKET = 0x01, /* a content-addressed packet (header + body) */
  SRP_FRAME_PACKET_SENT_TO = 0x02, /* the same, and the peers the sender sends it to too */
  SRP_FRAME_PING = 0x10,   /* control: ping */
  SRP_FRAME_PONG = 0x11,   /* control: pong */
  SRP_FRAME_HELLO = 0x20,       /* handshake 1/3: who I am, and a challenge */
  SRP_FRAME_HELLO_REPLY = 0x21, /* handshake 2/3: signed answer, and a challenge back */
  SRP_FRAME_HELLO_DONE = 0x22,  /* handshake 3/3: signed answer */
  SRP_FRAME_PEERS_REQUEST = 0x23, /* peer exchange: send me some peers you know */
  SRP_FRAME_PEERS = 0x24,         /* peer exchange: a sample of known peers */
  SRP_FRAME_PROBE_REQUEST = 0x25, /* NAT classification: send a probe to my other socket */
  SRP_FRAME_PROBE = 0x26,         /* NAT classification: the probe */
  SRP_FRAME_BUSY = 0x27,          /* handshake refused (table full); other peers to try */
  SRP_FRAME_COOKIE = 0x28,        /* handshake deferred (responder busy): say HELLO with this */
  SRP_FRAME_GOODBYE = 0x2f,       /* the sender is leaving: forget it now, not after heartbeats */
  SRP_FRAME_SUBSCRIPTIONS = 0x30, /* topics: the topics the sender subscribes to */
  SRP_FRAME_ACK = 0x31,           /* topics: packets (fresh from their publisher) received */
  SRP_FRAME_QUERY = 0x32,         /* cache: send me these packets, if you hold them */
  SRP_FRAME_SYNC = 0x33,          /* cache: anti-entropy (range-based set reconciliation) */
  SRP_FRAME_INFO = 0x40,          /* connecting: the sender's NAT type and local addresses */
  SRP_FRAME_CONNECT = 0x41,       /* connecting: introduce me to this peer */
  SRP_FRAME_INTRODUCE = 0x42,     /* connecting: here is a peer to punch a hole to */
  SRP_FRAME_PUNCH = 0x43,         /* connecting: a hole-punching probe */
  SRP_FRAME_RELAY = 0x44,         /* relaying: pass this frame on to that peer */
  SRP_FRAME_RELAYED = 0x45,       /* relaying: a frame from that peer */
  SRP_FRAME_FIND = 0x60,          /* finding: who do you know near this ID, and how to reach it */
  SRP_FRAME_FOUND = 0x61,         /* finding: the answer to FIND */
  SRP_FRAME_REGISTER = 0x62,      /* finding: the sender can be reached through these anchors */
  SRP_FRAME_SEALED_QUERY = 0x63,  /* finding: FIND or REGISTER sealed to a contact that is no link */
  SRP_FRAME_SEALED_ANSWER = 0x64, /* finding: FOUND sealed back under the query's key */
  SRP_FRAME_STREAM_DATA = 0x50,   /* streams: bytes of a stream (opens it, ends it) */
  SRP_FRAME_STREAM_ACK = 0x51,    /* streams: the packet numbers received (selective) */
  SRP_FRAME_STREAM_WINDOW = 0x52, /* streams: the receiver takes bytes up to here */
  SRP_FRAME_STREAM_RESET = 0x53,  /* streams: the stream is abandoned (or refused) */
  SRP_FRAME_SEALED = 0x70,        /* any frame of a link, sealed with its session's key */
  SRP_FRAME_ANNOUNCE = 0x46,      /* LAN discovery: a peer on this link (multicast) */
} SrpFrameKind;

/* NAT types, as on the wire and in SrpNatType. */
typedef enum {
  SRP_NAT_UNKNOWN = 0,
  SRP_NAT_PUBLIC = 1,
  SRP_NAT_FULL_CONE = 2,
  SRP_NAT_ADDRESS_RESTRICTED = 3,
  SRP_NAT_PORT_RESTRICTED = 4,
  SRP_NAT_SYMMETRIC = 5,
  /* No translation (our own address is what peers see), but a stateful
   * firewall lets in only what answers our own traffic: IPv6 behind a home
   * router, mostly. */
  SRP_NAT_FIREWALL = 6,
  SRP_NAT_N_TYPES
} SrpNat;

const char *srp_nat_name (SrpNat nat);

#define SRP_SIGNATURE_LEN 64
#define SRP_CHALLENGE_LEN 16

typedef enum {
  SRP_PACKET_TYPE_MESSAGE = 0x01, /* part of a message published to a topic */
  SRP_PACKET_TYPE_ENVELOPE = 0x02, /* the same, the message in an envelope: signed by its
                                    * author and/or sealed (srp-envelope.h) */
} SrpPacketType;

/* A 32-byte identifier (packet, topic or peer). Plain data: compare with memcmp. */
typedef struct {
  guint8 bytes[SRP_ID_LEN];
} SrpId;

gboolean srp_id_is_zero (const SrpId *id);
gboolean srp_id_equal (const SrpId *a, const SrpId *b);
guint srp_id_hash (const SrpId *id);
/* A hash of id under a secret key, for tables whose keys others choose: a
 * packet ID costs a hash to make, so anyone can grind IDs that share
 * srp_id_hash's bits and make one slot's probe run as long as the table
 * (hash flooding). Under an unknown key, which IDs collide is unknown. */
guint srp_id_hash_keyed (const SrpId *id, guint64 key);
/* The same for a 64-bit ID prefix. */
guint srp_prefix_hash_keyed (guint64 prefix, guint64 key);
/* A key for srp_id_hash_keyed from the core's seed (its one source of
 * randomness) and a label per table, without drawing from its RNG. */
guint64 srp_hash_key_from_seed (guint64 seed, guint64 label);
guint srp_id_hash_func (gconstpointer id);
gboolean srp_id_equal_func (gconstpointer a, gconstpointer b);
/* Writes 64 lowercase hex characters and a NUL into out (65 bytes). */
void srp_id_to_hex (const SrpId *id, char out[2 * SRP_ID_LEN + 1]);
gboolean srp_id_from_hex (SrpId *id, const char *hex);

/* The first 8 bytes of an ID as a big-endian integer: the short form the
 * ACK, QUERY, SYNC and relay frames carry. */
static inline guint64 srp_id_prefix (const SrpId *id);

/* Why an input was rejected. Every rejection the core makes has one of these,
 * and the core counts them (srp_core_get_drop_count). Append only. */
typedef enum {
  SRP_DROP_NONE = 0,
  SRP_DROP_TOO_SHORT,        /* shorter than the prefix or the frame's fixed part */
  SRP_DROP_TOO_LONG,         /* longer than SRP_MAX_DATAGRAM */
  SRP_DROP_BAD_MAGIC,
  SRP_DROP_BAD_VERSION,
  SRP_DROP_UNKNOWN_KIND,
  SRP_DROP_BODY_TOO_LONG,    /* packet body over SRP_PACKET_MAX_BODY */
  SRP_DROP_BAD_TYPE,         /* unknown packet TYPE */
  SRP_DROP_BAD_POSTAGE,      /* POSTAGE above SRP_POSTAGE_MAX */
  SRP_DROP_BAD_PACKET_ID,    /* PACKET ID is not the hash of what it covers */
  SRP_DROP_BAD_LINK,         /* NEXT ID or PREV ID inconsistent with the packet itself */
  SRP_DROP_BAD_INDEX,        /* INDEX too large for a message of at most 1 MiB */
  SRP_DROP_BAD_CONTROL,      /* a control message that does not parse exactly */
  SRP_DROP_DUPLICATE,        /* already seen (not an error, but not accepted again) */
  SRP_DROP_CONFLICT,         /* same PACKET ID as a held packet but other header fields */
  SRP_DROP_REASSEMBLY_FULL,  /* evicted to keep the reassembler within its bounds */
  SRP_DROP_REASSEMBLY_TIMEOUT, /* incomplete chain dropped after its timeout */
  SRP_DROP_UNEXPECTED,       /* well-formed but not expected (an unsolicited pong, ...) */
  SRP_DROP_BAD_SIGNATURE,    /* a handshake signature that does not verify */
  SRP_DROP_UNAUTHENTICATED,  /* a request from an address that has not completed the handshake */
  SRP_DROP_RATE_LIMITED,     /* over a per-peer or global rate limit */
  SRP_DROP_TABLE_FULL,       /* a peer record refused: table full or its prefix at its limit */
  SRP_DROP_UNWANTED,         /* a packet this peer does not take: purged before, or not
                              * subscribed and from an address that is not connected */
  SRP_DROP_FLOW_CONTROL,     /* stream bytes past the window we gave, or a stream over the limit */
  SRP_DROP_BAD_SEAL,         /* a sealed frame that does not open: forged, altered, replayed */
  SRP_DROP_UNSEALED,         /* a link frame in clear from a link whose frames are sealed */
  SRP_DROP_BAD_AUTHOR,       /* a message whose author signature does not verify */
  SRP_DROP_BAD_ENVELOPE,     /* a message of TYPE 02 whose envelope does not parse */
  SRP_DROP_UNOPENED,         /* a sealed message we cannot open (not ours, forged), or one
                              * in clear on a group topic */
  SRP_DROP_FORGER,           /* a packet for us from a link whose budget of failed author
                              * checks is spent */
  SRP_DROP_ADDRESS_MISMATCH,  /* a handshake whose peer signed an address we are not at: a forwarder
                               * between us (or a NAT we cannot see through); not a link there */
  SRP_DROP_N_REASONS
} SrpDropReason;

const char *srp_drop_reason_name (SrpDropReason reason);

/* Checks the 4-byte prefix; on success stores the frame kind. */
SrpDropReason srp_wire_check_prefix (const guint8 *data, gsize len, guint8 *kind);
/* Writes the 4-byte prefix for kind into out. */
void srp_wire_write_prefix (guint8 *out, SrpFrameKind kind);

/* Big-endian integer helpers; callers check bounds first. */
static inline guint16 srp_read_u16 (const guint8 *p) { return (guint16) (p[0] << 8 | p[1]); }
static inline guint32 srp_read_u32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}
static inline guint64 srp_read_u64 (const guint8 *p)
{
  return (guint64) srp_read_u32 (p) << 32 | srp_read_u32 (p + 4);
}
static inline void srp_write_u16 (guint8 *p, guint16 v) { p[0] = v >> 8; p[1] = v & 0xff; }
static inline void srp_write_u32 (guint8 *p, guint32 v)
{
  p[0] = v >> 24; p[1] = (v >> 16) & 0xff; p[2] = (v >> 8) & 0xff; p[3] = v & 0xff;
}
static inline void srp_write_u64 (guint8 *p, guint64 v)
{
  srp_write_u32 (p, (guint32) (v >> 32));
  srp_write_u32 (p + 4, (guint32) v);
}

static inline guint64
srp_id_prefix (const SrpId *id)
{
  return srp_read_u64 (id->bytes);
}

G_END_DECLS
