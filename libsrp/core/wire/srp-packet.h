/* srp-packet.h: one SRP packet (the seed's 134-byte header and a body of at
 * most 1024 bytes): encoding, strict decoding and the packet ID.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-wire.h"

G_BEGIN_DECLS

/* On-wire length of a packet frame: prefix, header and body. */
#define SRP_PACKET_FRAME_LEN(body_len) (SRP_WIRE_PREFIX_LEN + SRP_PACKET_HEADER_LEN + (body_len))

/* Offset of the POSTAGE byte within a frame: relays rewrite it in place. */
#define SRP_PACKET_POSTAGE_OFFSET (SRP_WIRE_PREFIX_LEN + 3 * SRP_ID_LEN + 1 + 4)

typedef struct {
  SrpId prev_id;
  SrpId id;       /* SHA-256 (prev_id || topic_id || type || index || last || body) */
  SrpId topic_id;
  guint8 type;    /* SrpPacketType */
  guint32 index;  /* position in its message's chain, from 0 */
  guint8 postage; /* 0..SRP_POSTAGE_MAX */
  SrpId next_id;  /* ID of the next packet of the chain, zero for the last */
  guint16 body_len;
  guint8 body[SRP_PACKET_MAX_BODY];
} SrpPacket;

/* Whether packet is a message on its own: the first of its chain (INDEX 0)
 * and the last (no NEXT ID). */
static inline gboolean
srp_packet_is_alone (const SrpPacket *packet)
{
  return packet->index == 0 && srp_id_is_zero (&packet->next_id);
}

/* A packet frame of KIND PACKET_SENT_TO ends with a trailer: SENT TO
 * (4 bytes each: the first 4 bytes of a peer ID) and its COUNT (1). The
 * peers named have this packet, or are being sent it by the sender: a
 * relay need not send it there. As many fit a full packet sealed on a
 * direct link (1162 + 26 + 1 + 4 x 10 = 1229 bytes). */
#define SRP_SENT_TO_MAX 10
#define SRP_SENT_TO_LEN(n) (4 * (n) + 1)

typedef struct {
  SrpPacket packet;
  guint n_sent_to;
  guint32 sent_to[SRP_SENT_TO_MAX];
} SrpPacketSentTo;

/* The first 4 bytes of a peer ID, as SENT TO names it. */
static inline guint32
srp_sent_to_prefix (const SrpId *peer)
{
  return (guint32) peer->bytes[0] << 24 | (guint32) peer->bytes[1] << 16 |
         (guint32) peer->bytes[2] << 8 | peer->bytes[3];
}

/* Turns the packet frame in frame (len bytes, KIND PACKET) into a
 * PACKET_SENT_TO frame naming the n (1..SRP_SENT_TO_MAX) peers in
 * sent_to, in place: frame holds at least len + SRP_SENT_TO_LEN (n)
 * bytes. Returns the new length. */
gsize srp_packet_add_sent_to (guint8 *frame, gsize len, const guint32 *sent_to, guint n);

/* Decodes a PACKET_SENT_TO datagram as srp_packet_decode_fields does a
 * PACKET one (the ID is not checked), and its trailer. *packet_len is
 * the length of the packet frame the trailer follows. */
SrpDropReason srp_packet_sent_to_decode_fields (const guint8 *data, gsize len,
                                                SrpPacketSentTo *out, gsize *packet_len);

/* What the packet ID hashes before the body: PREV ID, TOPIC ID, TYPE,
 * INDEX (4, big-endian), LAST (1: 01 when NEXT ID is zero, else 00). */
#define SRP_PACKET_ID_HEADER_LEN (2 * SRP_ID_LEN + 1 + 4 + 1)

/* Sets packet->id from every field but POSTAGE and NEXT ID (of which only
 * whether it is zero counts). */
void srp_packet_compute_id (SrpPacket *packet);
/* The same, for a packet whose NEXT ID is not filled in yet: last says
 * whether it will be zero. */
void srp_packet_compute_id_as (SrpPacket *packet, gboolean last);

/* Writes the whole frame (prefix included) into out, which holds at least
 * SRP_PACKET_FRAME_LEN (packet->body_len) bytes; returns the length written.
 * The packet must be valid (as srp_packet_validate says). */
gsize srp_packet_encode (const SrpPacket *packet, guint8 *out);

/* Decodes a whole datagram (prefix included) into out, checking everything
 * the packet alone can tell: lengths, TYPE, POSTAGE, INDEX, the links, and
 * that the PACKET ID is what srp_packet_compute_id gives. */
SrpDropReason srp_packet_decode (const guint8 *data, gsize len, SrpPacket *out);
/* srp_packet_decode but for the ID: every other check. For a frame this
 * peer checked already and kept (its packet cache holds only packets whose
 * ID was checked on the way in, or that it made), where the hash, most of
 * a decode's cost, would only give the same answer again; or for one whose
 * ID the caller checks with srp_packet_check_id before it trusts it. */
SrpDropReason srp_packet_decode_fields (const guint8 *data, gsize len, SrpPacket *out);
/* SRP_DROP_BAD_PACKET_ID unless packet's ID is what its contents give. */
SrpDropReason srp_packet_check_id (const SrpPacket *packet);

/* The header checks of srp_packet_decode, without recomputing the ID. */
SrpDropReason srp_packet_validate (const SrpPacket *packet);

/* TRUE when the header fields (all but the body, which the ID covers) agree. */
gboolean srp_packet_same_header (const SrpPacket *a, const SrpPacket *b);

G_END_DECLS
