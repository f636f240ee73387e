/* srp-packet.c: the packet frame: encoding, strict decoding, the packet ID.
 *
 * docs/protocol.md ("Packet frame", "Validation") is the normative text.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-packet.h"

#include <string.h>

#include "srp-sha256.h"

/* Offsets within a frame, prefix included. */
enum {
  OFF_PREV = SRP_WIRE_PREFIX_LEN,
  OFF_ID = OFF_PREV + SRP_ID_LEN,
  OFF_TOPIC = OFF_ID + SRP_ID_LEN,
  OFF_TYPE = OFF_TOPIC + SRP_ID_LEN,
  OFF_INDEX = OFF_TYPE + 1,
  OFF_POSTAGE = OFF_INDEX + 4,
  OFF_NEXT = OFF_POSTAGE + 1,
  OFF_BODY = OFF_NEXT + SRP_ID_LEN,
};

G_STATIC_ASSERT (OFF_BODY == SRP_PACKET_FRAME_LEN (0));
G_STATIC_ASSERT (OFF_POSTAGE == SRP_PACKET_POSTAGE_OFFSET);
G_STATIC_ASSERT (SRP_PACKET_FRAME_LEN (SRP_PACKET_MAX_BODY) <= SRP_MAX_DATAGRAM);

/* A message of at most SRP_MESSAGE_MAX_LEN bytes has at most this many packets. */
#define MAX_PACKETS (SRP_MESSAGE_MAX_LEN / SRP_PACKET_MAX_BODY)

/* SHA-256 (PREV ID ‖ TOPIC ID ‖ TYPE ‖ INDEX ‖ LAST ‖ BODY): every field
 * but NEXT ID (which cannot be: the next ID depends on this one) and
 * POSTAGE (which relays lower). LAST says whether NEXT ID is zero, so that
 * nobody can end a chain early or renumber it under the same IDs. */
static void
id_of (const SrpPacket *packet, gboolean last, SrpId *out)
{
  guint8 header[SRP_PACKET_ID_HEADER_LEN];

  memcpy (header, packet->prev_id.bytes, SRP_ID_LEN);
  memcpy (header + SRP_ID_LEN, packet->topic_id.bytes, SRP_ID_LEN);
  header[2 * SRP_ID_LEN] = packet->type;
  srp_write_u32 (header + 2 * SRP_ID_LEN + 1, packet->index);
  header[2 * SRP_ID_LEN + 5] = last ? 1 : 0;
  srp_sha256_2 (header, sizeof header, packet->body, packet->body_len, out);
}

void
srp_packet_compute_id (SrpPacket *packet)
{
  id_of (packet, srp_id_is_zero (&packet->next_id), &packet->id);
}

void
srp_packet_compute_id_as (SrpPacket *packet, gboolean last)
{
  id_of (packet, last, &packet->id);
}

gsize
srp_packet_encode (const SrpPacket *packet, guint8 *out)
{
  g_return_val_if_fail (srp_packet_validate (packet) == SRP_DROP_NONE, 0);

  srp_wire_write_prefix (out, SRP_FRAME_PACKET);
  memcpy (out + OFF_PREV, packet->prev_id.bytes, SRP_ID_LEN);
  memcpy (out + OFF_ID, packet->id.bytes, SRP_ID_LEN);
  memcpy (out + OFF_TOPIC, packet->topic_id.bytes, SRP_ID_LEN);
  out[OFF_TYPE] = packet->type;
  srp_write_u32 (out + OFF_INDEX, packet->index);
  out[OFF_POSTAGE] = packet->postage;
  memcpy (out + OFF_NEXT, packet->next_id.bytes, SRP_ID_LEN);
  memcpy (out + OFF_BODY, packet->body, packet->body_len);
  return SRP_PACKET_FRAME_LEN (packet->body_len);
}

SrpDropReason
srp_packet_validate (const SrpPacket *packet)
{
  gboolean has_next = !srp_id_is_zero (&packet->next_id);

  if (packet->body_len > SRP_PACKET_MAX_BODY)
    return SRP_DROP_BODY_TOO_LONG;
  if (packet->type != SRP_PACKET_TYPE_MESSAGE && packet->type != SRP_PACKET_TYPE_ENVELOPE)
    return SRP_DROP_BAD_TYPE;
  if (packet->postage > SRP_POSTAGE_MAX)
    return SRP_DROP_BAD_POSTAGE;
  /* The last possible packet of a 1 MiB message cannot have a successor. */
  if (packet->index >= MAX_PACKETS || (packet->index == MAX_PACKETS - 1 && has_next))
    return SRP_DROP_BAD_INDEX;
  if (srp_id_equal (&packet->next_id, &packet->id) || srp_id_equal (&packet->prev_id, &packet->id))
    return SRP_DROP_BAD_LINK;
  if (has_next && srp_id_equal (&packet->next_id, &packet->prev_id))
    return SRP_DROP_BAD_LINK;
  /* Only the first packet of a message may follow nothing. */
  if (packet->index > 0 && srp_id_is_zero (&packet->prev_id))
    return SRP_DROP_BAD_LINK;
  /* Chains are split canonically: every packet but the last is full, and
   * only a one-packet (empty) message has an empty body. So a message has
   * exactly one chain, and a short packet is always a chain's end. */
  if (has_next && packet->body_len < SRP_PACKET_MAX_BODY)
    return SRP_DROP_BAD_LINK;
  if (packet->index > 0 && packet->body_len == 0)
    return SRP_DROP_BAD_LINK;
  return SRP_DROP_NONE;
}

/* The prefix of a datagram, and that its KIND is want. */
static SrpDropReason
check_kind (const guint8 *data, gsize len, guint8 want)
{
  SrpDropReason reason;
  guint8 kind;

  reason = srp_wire_check_prefix (data, len, &kind);
  if (reason != SRP_DROP_NONE)
    return reason;
  return kind == want ? SRP_DROP_NONE : SRP_DROP_UNKNOWN_KIND;
}

/* Everything srp_packet_decode checks but the ID and the prefix, for the
 * packet frame in len bytes of data (check_kind passed on it, or on the
 * datagram it begins). */
static SrpDropReason
decode_packet (const guint8 *data, gsize len, SrpPacket *out)
{
  if (len < SRP_PACKET_FRAME_LEN (0))
    return SRP_DROP_TOO_SHORT;
  if (len - SRP_PACKET_FRAME_LEN (0) > SRP_PACKET_MAX_BODY)
    return SRP_DROP_BODY_TOO_LONG;

  memcpy (out->prev_id.bytes, data + OFF_PREV, SRP_ID_LEN);
  memcpy (out->id.bytes, data + OFF_ID, SRP_ID_LEN);
  memcpy (out->topic_id.bytes, data + OFF_TOPIC, SRP_ID_LEN);
  out->type = data[OFF_TYPE];
  out->index = srp_read_u32 (data + OFF_INDEX);
  out->postage = data[OFF_POSTAGE];
  memcpy (out->next_id.bytes, data + OFF_NEXT, SRP_ID_LEN);
  out->body_len = (guint16) (len - OFF_BODY);
  memcpy (out->body, data + OFF_BODY, out->body_len);

  return srp_packet_validate (out);
}

/* Everything srp_packet_decode checks but the ID. */
static SrpDropReason
decode_fields (const guint8 *data, gsize len, SrpPacket *out)
{
  SrpDropReason reason = check_kind (data, len, SRP_FRAME_PACKET);

  return reason != SRP_DROP_NONE ? reason : decode_packet (data, len, out);
}

SrpDropReason
srp_packet_decode_fields (const guint8 *data, gsize len, SrpPacket *out)
{
  return decode_fields (data, len, out);
}

gsize
srp_packet_add_sent_to (guint8 *frame, gsize len, const guint32 *sent_to, guint n)
{
  g_return_val_if_fail (n >= 1 && n <= SRP_SENT_TO_MAX, len);

  frame[SRP_WIRE_PREFIX_LEN - 1] = SRP_FRAME_PACKET_SENT_TO;
  for (guint i = 0; i < n; i++)
    srp_write_u32 (frame + len + 4 * i, sent_to[i]);
  frame[len + 4 * n] = (guint8) n;
  return len + SRP_SENT_TO_LEN (n);
}

SrpDropReason
srp_packet_sent_to_decode_fields (const guint8 *data, gsize len, SrpPacketSentTo *out,
                                  gsize *packet_len)
{
  SrpDropReason reason;
  guint n;

  reason = check_kind (data, len, SRP_FRAME_PACKET_SENT_TO);
  if (reason != SRP_DROP_NONE)
    return reason;
  /* The trailer is read from the end: the body has no length field. A
   * COUNT of 0 is no PACKET_SENT_TO frame (that is a PACKET), and one
   * above what any sender writes does not parse: each frame has one
   * encoding. */
  if (len < SRP_PACKET_FRAME_LEN (0) + SRP_SENT_TO_LEN (1))
    return SRP_DROP_TOO_SHORT;
  n = data[len - 1];
  if (n == 0 || n > SRP_SENT_TO_MAX)
    return SRP_DROP_BAD_CONTROL;
  if (len < SRP_PACKET_FRAME_LEN (0) + SRP_SENT_TO_LEN (n))
    return SRP_DROP_TOO_SHORT;
  *packet_len = len - SRP_SENT_TO_LEN (n);
  reason = decode_packet (data, *packet_len, &out->packet);
  if (reason != SRP_DROP_NONE)
    return reason;
  out->n_sent_to = n;
  for (guint i = 0; i < n; i++)
    out->sent_to[i] = srp_read_u32 (data + *packet_len + 4 * i);
  return SRP_DROP_NONE;
}

SrpDropReason
srp_packet_check_id (const SrpPacket *packet)
{
  SrpId id;

  id_of (packet, srp_id_is_zero (&packet->next_id), &id);
  return srp_id_equal (&id, &packet->id) ? SRP_DROP_NONE : SRP_DROP_BAD_PACKET_ID;
}

SrpDropReason
srp_packet_decode (const guint8 *data, gsize len, SrpPacket *out)
{
  /* The cheap checks first: the hash is most of the cost of a packet. */
  SrpDropReason reason = decode_fields (data, len, out);

  if (reason != SRP_DROP_NONE)
    return reason;
  return srp_packet_check_id (out);
}

gboolean
srp_packet_same_header (const SrpPacket *a, const SrpPacket *b)
{
  /* POSTAGE is left out: each relay lowers it, so two honest copies of one
   * packet may differ there. */
  return srp_id_equal (&a->prev_id, &b->prev_id) && srp_id_equal (&a->id, &b->id) &&
         srp_id_equal (&a->topic_id, &b->topic_id) && a->type == b->type &&
         a->index == b->index && srp_id_equal (&a->next_id, &b->next_id) &&
         a->body_len == b->body_len;
}
