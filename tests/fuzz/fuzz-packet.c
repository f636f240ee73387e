/* fuzz-packet.c: libFuzzer target for the packet layer.
 *
 * The whole input is first decoded as one datagram, as a PACKET and as a
 * PACKET_SENT_TO (a packet and its trailer of names). Then it is read as
 * FLAGS (1 byte) followed by records, each a 2-byte big-endian length and
 * that many bytes (the last record takes what is left). Each record is
 * decoded; with FLAGS bit 0 set, its PACKET ID is first recomputed, so that
 * mutated headers get past the hash and reach the reassembler. Every
 * accepted packet must re-encode to the same bytes, and goes into a
 * reassembler with small bounds whose invariants are checked throughout.
 *
 * tests/fuzz/gen-corpus.c writes the seed corpus in this format.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "fuzz-check.h"
#include "srp-packet.h"
#include "srp-reassembler.h"
#include "srp-sha256.h"

#define FLAG_FIX_IDS 0x01

#define MAX_BYTES (8 * 1024)
#define MAX_CHAINS 4
#define TIMEOUT_US 2000

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static void
check_reassembler (SrpReassembler *r)
{
  SrpReassembledMessage m = { 0 };

  check (srp_reassembler_get_bytes (r) <= MAX_BYTES, "bytes within max_bytes");
  check (srp_reassembler_get_chain_count (r) <= MAX_CHAINS, "chains within max_chains");
  check ((srp_reassembler_get_chain_count (r) == 0) == (srp_reassembler_next_deadline (r) == -1),
         "a deadline exactly when chains are held");
  while (srp_reassembler_pop_message (r, &m))
    {
      gsize len = g_bytes_get_size (m.data);

      check (m.n_packets >= 1 && m.n_packets <= SRP_MESSAGE_MAX_LEN / SRP_PACKET_MAX_BODY,
             "packet count of a message");
      /* The canonical split: all packets full but the last, which is not
       * empty unless the message is one empty packet. */
      check (len <= (gsize) m.n_packets * SRP_PACKET_MAX_BODY, "message not too long");
      check (m.n_packets == 1 || len > (gsize) (m.n_packets - 1) * SRP_PACKET_MAX_BODY,
             "message not too short");
      srp_reassembled_message_clear (&m);
    }
}

static void
take_record (SrpReassembler *r, gint64 now, const guint8 *frame, gsize len, gboolean fix_id)
{
  guint8 buf[SRP_MAX_DATAGRAM];
  guint8 again[SRP_MAX_DATAGRAM];
  SrpPacket packet;

  if (fix_id && len >= SRP_PACKET_FRAME_LEN (0) && len <= SRP_PACKET_FRAME_LEN (SRP_PACKET_MAX_BODY))
    {
      SrpPacket raw;

      /* The fields as they are (decoding may refuse them later), and the
       * ID they give. */
      memcpy (buf, frame, len);
      memcpy (raw.prev_id.bytes, buf + SRP_WIRE_PREFIX_LEN, SRP_ID_LEN);
      memcpy (raw.topic_id.bytes, buf + SRP_WIRE_PREFIX_LEN + 2 * SRP_ID_LEN, SRP_ID_LEN);
      raw.type = buf[SRP_WIRE_PREFIX_LEN + 3 * SRP_ID_LEN];
      raw.index = srp_read_u32 (buf + SRP_WIRE_PREFIX_LEN + 3 * SRP_ID_LEN + 1);
      memcpy (raw.next_id.bytes, buf + SRP_PACKET_FRAME_LEN (0) - SRP_ID_LEN, SRP_ID_LEN);
      raw.body_len = (guint16) (len - SRP_PACKET_FRAME_LEN (0));
      memcpy (raw.body, buf + SRP_PACKET_FRAME_LEN (0), raw.body_len);
      srp_packet_compute_id (&raw);
      memcpy (buf + SRP_WIRE_PREFIX_LEN + SRP_ID_LEN, raw.id.bytes, SRP_ID_LEN);
      frame = buf;
    }
  if (srp_packet_decode (frame, len, &packet) != SRP_DROP_NONE)
    return;
  check (srp_packet_validate (&packet) == SRP_DROP_NONE, "validate agrees with decode");
  check (srp_packet_encode (&packet, again) == len && memcmp (again, frame, len) == 0,
         "re-encoding gives the same bytes");

  srp_reassembler_add (r, now, &packet);
  check_reassembler (r);
}

/* The whole input as a PACKET_SENT_TO datagram: a trailer that parses
 * names 1..SRP_SENT_TO_MAX peers and ends the datagram exactly, and a frame
 * whose packet checks re-encodes (packet, then trailer) to the same bytes. */
static void
check_sent_to (const guint8 *data, size_t size)
{
  SrpPacketSentTo hinted;
  gsize packet_len = 0;
  guint8 again[SRP_MAX_DATAGRAM];
  gsize len;

  if (srp_packet_sent_to_decode_fields (data, size, &hinted, &packet_len) != SRP_DROP_NONE)
    return;
  check (hinted.n_sent_to >= 1 && hinted.n_sent_to <= SRP_SENT_TO_MAX, "names within bounds");
  check (packet_len + SRP_SENT_TO_LEN (hinted.n_sent_to) == size, "the trailer ends the frame");
  if (srp_packet_validate (&hinted.packet) != SRP_DROP_NONE)
    return;
  len = srp_packet_encode (&hinted.packet, again);
  check (len == packet_len, "the packet is what the trailer follows");
  len = srp_packet_add_sent_to (again, len, hinted.sent_to, hinted.n_sent_to);
  check (len == size && memcmp (again, data, size) == 0,
         "re-encoding the sent-to frame gives the same bytes");
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  static SrpReassemblerConfig config = {
    .max_bytes = MAX_BYTES,
    .max_chains = MAX_CHAINS,
    .timeout_us = TIMEOUT_US,
    .remembered_ids = 16,
  };
  SrpReassembler *r;
  SrpPacket packet;
  GArray *missing;
  gboolean fix_ids;
  gint64 now = 0;

  if (srp_packet_decode (data, size, &packet) == SRP_DROP_NONE)
    {
      guint8 again[SRP_MAX_DATAGRAM];
      check (srp_packet_encode (&packet, again) == size && memcmp (again, data, size) == 0,
             "re-encoding the whole input gives the same bytes");
    }
  check_sent_to (data, size);
  if (size < 1)
    return 0;

  fix_ids = (data[0] & FLAG_FIX_IDS) != 0;
  data++, size--;
  r = srp_reassembler_new (&config);
  while (size > 0)
    {
      gsize len = size >= 2 ? srp_read_u16 (data) : size;

      if (size >= 2)
        data += 2, size -= 2;
      len = MIN (len, size);
      take_record (r, now, data, len, fix_ids);
      data += len, size -= len;
      now += 300;
      srp_reassembler_expire (r, now);
      check_reassembler (r);
    }
  missing = g_array_new (FALSE, FALSE, sizeof (SrpId));
  srp_reassembler_get_missing (r, missing);
  check (missing->len <= 2 * srp_reassembler_get_chain_count (r), "two ends a chain at most");
  g_array_unref (missing);
  srp_reassembler_free (r);
  return 0;
}
