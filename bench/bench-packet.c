/* bench-packet.c: how close the packet layer runs to the hash it cannot
 * avoid. For packets with 1024-byte bodies it measures, in one run:
 *   hash        srp_sha256 over the 32 + 1024 bytes a packet ID covers
 *   encode      fill a packet, compute its ID, srp_packet_encode
 *   decode      srp_packet_decode (checks and recomputes the ID)
 *   round trip  encode then decode (two hashes, inherently)
 * Each runs for about a second (or argv[1] seconds), in three rounds; the
 * best rate of each counts. The goal: encode and decode at >= 0.8 of one hash, the
 * round trip at >= 0.8 of two.
 *
 *   _build/bench/bench-packet [SECONDS]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "srp-packet.h"
#include "srp-rng.h"
#include "srp-sha256.h"

typedef struct {
  guint8 input[SRP_ID_LEN + SRP_PACKET_MAX_BODY]; /* PREV ID || BODY */
  SrpId topic;
  SrpId next;
  guint8 frame[SRP_MAX_DATAGRAM];
  gsize frame_len;
  SrpPacket packet;
  guint64 sink; /* keeps results alive */
} Bench;

typedef void (*Step) (Bench *b, guint64 i);

static void
step_hash (Bench *b, guint64 i)
{
  SrpId id;

  b->input[SRP_ID_LEN] = (guint8) i;
  srp_sha256 (b->input, sizeof b->input, &id);
  b->sink += id.bytes[0];
}

static gsize
build_and_encode (Bench *b, guint64 i, guint8 *out)
{
  SrpPacket *p = &b->packet;

  memcpy (p->prev_id.bytes, b->input, SRP_ID_LEN);
  p->topic_id = b->topic;
  p->type = SRP_PACKET_TYPE_MESSAGE;
  p->index = 1 + (guint32) (i % 1000);
  p->postage = SRP_POSTAGE_MAX;
  p->next_id = b->next;
  p->body_len = SRP_PACKET_MAX_BODY;
  memcpy (p->body, b->input + SRP_ID_LEN, SRP_PACKET_MAX_BODY);
  p->body[0] = (guint8) i;
  srp_packet_compute_id (p);
  return srp_packet_encode (p, out);
}

static void
step_encode (Bench *b, guint64 i)
{
  b->sink += build_and_encode (b, i, b->frame) + b->frame[40];
}

static void
step_decode (Bench *b, guint64 i)
{
  SrpPacket out;

  if (srp_packet_decode (b->frame, b->frame_len, &out) != SRP_DROP_NONE)
    g_error ("decode failed");
  b->sink += out.index + i;
}

static void
step_round_trip (Bench *b, guint64 i)
{
  guint8 frame[SRP_MAX_DATAGRAM];
  gsize len = build_and_encode (b, i, frame);
  SrpPacket out;

  if (srp_packet_decode (frame, len, &out) != SRP_DROP_NONE)
    g_error ("round trip failed");
  b->sink += out.body[0];
}

/* Packets a second over one run of about `seconds`. */
static double
measure (Bench *b, Step step, double seconds)
{
  gint64 start = g_get_monotonic_time ();
  gint64 end = start + (gint64) (seconds * G_USEC_PER_SEC);
  gint64 now;
  guint64 n = 0;

  do
    {
      for (int k = 0; k < 1000; k++, n++)
        step (b, n);
      now = g_get_monotonic_time ();
    }
  while (now < end);
  return n / ((now - start) / 1e6);
}

int
main (int argc, char **argv)
{
  Bench *b = g_new0 (Bench, 1);
  double seconds = argc > 1 ? g_ascii_strtod (argv[1], NULL) : 1.0;
  double hash, encode, decode, round_trip;
  SrpRng rng;

  if (seconds <= 0)
    seconds = 1.0;
  srp_rng_init (&rng, 1);
  srp_rng_fill (&rng, b->input, sizeof b->input);
  srp_rng_fill (&rng, b->topic.bytes, SRP_ID_LEN);
  srp_rng_fill (&rng, b->next.bytes, SRP_ID_LEN);
  b->frame_len = build_and_encode (b, 0, b->frame);

  /* The four take turns, three rounds, best of each: a machine busy with
   * something else for a while skews all of them alike, not the ratios. */
  hash = encode = decode = round_trip = 0;
  for (int round = 0; round < 3; round++)
    {
      hash = MAX (hash, measure (b, step_hash, seconds));
      encode = MAX (encode, measure (b, step_encode, seconds));
      decode = MAX (decode, measure (b, step_decode, seconds));
      round_trip = MAX (round_trip, measure (b, step_round_trip, seconds));
    }

  g_print ("packets of %d body bytes; SHA-256 over %d bytes a packet\n", SRP_PACKET_MAX_BODY,
           SRP_ID_LEN + SRP_PACKET_MAX_BODY);
  g_print ("%-14s %12.0f packets/s\n", "hash", hash);
  g_print ("%-14s %12.0f packets/s  %.2f x one hash\n", "encode", encode, encode / hash);
  g_print ("%-14s %12.0f packets/s  %.2f x one hash\n", "decode+verify", decode, decode / hash);
  g_print ("%-14s %12.0f packets/s  %.2f x two hashes\n", "round trip", round_trip,
           round_trip / (hash / 2));
  g_print ("(checksum %" G_GUINT64_FORMAT ")\n", b->sink % 1000);
  g_free (b);
  return 0;
}
