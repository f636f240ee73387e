/* test-packet.c: the packet frame: round trips, every rejection, and the
 * test vectors of docs/protocol.md, byte for byte.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "srp-chain.h"
#include "srp-packet.h"
#include "srp-rng.h"
#include "srp-sha256.h"

#ifndef SRP_PROTOCOL_MD
#define SRP_PROTOCOL_MD "docs/protocol.md"
#endif

/* Offsets written out again here, independently of srp-packet.c. */
enum {
  AT_PREV = 4,
  AT_ID = 36,
  AT_TOPIC = 68,
  AT_TYPE = 100,
  AT_INDEX = 101,
  AT_POSTAGE = 105,
  AT_NEXT = 106,
  AT_BODY = 138,
};

/* Writes a frame without any checks, so that invalid ones can be made. */
static gsize
write_frame_raw (const SrpPacket *p, guint8 *out)
{
  out[0] = 'S';
  out[1] = 'R';
  out[2] = 1;
  out[3] = 1;
  memcpy (out + AT_PREV, &p->prev_id, 32);
  memcpy (out + AT_ID, &p->id, 32);
  memcpy (out + AT_TOPIC, &p->topic_id, 32);
  out[AT_TYPE] = p->type;
  out[AT_INDEX] = p->index >> 24;
  out[AT_INDEX + 1] = (p->index >> 16) & 0xff;
  out[AT_INDEX + 2] = (p->index >> 8) & 0xff;
  out[AT_INDEX + 3] = p->index & 0xff;
  out[AT_POSTAGE] = p->postage;
  memcpy (out + AT_NEXT, &p->next_id, 32);
  memcpy (out + AT_BODY, p->body, p->body_len);
  return AT_BODY + p->body_len;
}

static void
fill_id (SrpId *id, guint8 seed)
{
  for (guint i = 0; i < SRP_ID_LEN; i++)
    id->bytes[i] = (guint8) (seed + i);
}

/* A valid middle-of-chain packet: INDEX 5, full body, both links set. */
static void
make_middle (SrpPacket *p)
{
  memset (p, 0, sizeof *p);
  fill_id (&p->prev_id, 0x10);
  fill_id (&p->topic_id, 0x20);
  fill_id (&p->next_id, 0x30);
  p->type = SRP_PACKET_TYPE_MESSAGE;
  p->index = 5;
  p->postage = SRP_POSTAGE_MAX;
  p->body_len = SRP_PACKET_MAX_BODY;
  for (guint i = 0; i < p->body_len; i++)
    p->body[i] = (guint8) (i * 7);
  srp_packet_compute_id (p);
}

static void
assert_packets_equal (const SrpPacket *a, const SrpPacket *b)
{
  g_assert_true (srp_packet_same_header (a, b));
  g_assert_cmpuint (a->postage, ==, b->postage);
  g_assert_cmpmem (a->body, a->body_len, b->body, b->body_len);
}

static void
test_round_trip (void)
{
  SrpRng rng;
  guint8 frame[SRP_MAX_DATAGRAM], again[SRP_MAX_DATAGRAM];

  srp_rng_init (&rng, 1);
  for (guint n = 0; n < 2000; n++)
    {
      SrpPacket p = { 0 }, q;
      gsize len;

      srp_rng_fill (&rng, p.topic_id.bytes, SRP_ID_LEN);
      p.type = SRP_PACKET_TYPE_MESSAGE;
      p.postage = (guint8) srp_rng_below (&rng, SRP_POSTAGE_MAX + 1);
      p.index = (guint32) srp_rng_below (&rng, 1024);
      if (p.index > 0 || srp_rng_below (&rng, 2))
        srp_rng_fill (&rng, p.prev_id.bytes, SRP_ID_LEN);
      if (p.index < 1023 && srp_rng_below (&rng, 2))
        {
          srp_rng_fill (&rng, p.next_id.bytes, SRP_ID_LEN);
          p.body_len = SRP_PACKET_MAX_BODY;
        }
      else
        p.body_len = (guint16) srp_rng_below (&rng, SRP_PACKET_MAX_BODY + 1);
      if (p.index > 0 && p.body_len == 0)
        p.body_len = 1;
      srp_rng_fill (&rng, p.body, p.body_len);
      srp_packet_compute_id (&p);
      g_assert_cmpint (srp_packet_validate (&p), ==, SRP_DROP_NONE);

      len = srp_packet_encode (&p, frame);
      g_assert_cmpuint (len, ==, SRP_PACKET_FRAME_LEN (p.body_len));
      g_assert_cmpuint (write_frame_raw (&p, again), ==, len);
      g_assert_cmpmem (frame, len, again, len);

      memset (&q, 0xee, sizeof q);
      g_assert_cmpint (srp_packet_decode (frame, len, &q), ==, SRP_DROP_NONE);
      assert_packets_equal (&p, &q);
      g_assert_cmpuint (srp_packet_encode (&q, again), ==, len);
      g_assert_cmpmem (frame, len, again, len);
    }
}

/* SHA-256 (PREV ID ‖ TOPIC ID ‖ TYPE ‖ INDEX ‖ LAST ‖ BODY), written out
 * again here from the frame's own bytes. */
static void
expected_id (const SrpPacket *p, SrpId *out)
{
  guint8 frame[SRP_MAX_DATAGRAM], buf[70 + SRP_PACKET_MAX_BODY];

  write_frame_raw (p, frame);
  memcpy (buf, frame + AT_PREV, 32);
  memcpy (buf + 32, frame + AT_TOPIC, 32);
  memcpy (buf + 64, frame + AT_TYPE, 1 + 4);
  buf[69] = srp_id_is_zero (&p->next_id) ? 1 : 0;
  memcpy (buf + 70, p->body, p->body_len);
  srp_sha256 (buf, 70 + p->body_len, out);
}

static void
test_id_rule (void)
{
  SrpPacket p, q;
  SrpId expect;

  make_middle (&p);
  expected_id (&p, &expect);
  g_assert_true (srp_id_equal (&p.id, &expect));

  /* Every field but POSTAGE and NEXT ID changes it; NEXT ID only by being
   * zero or not. */
  q = p, q.index++, srp_packet_compute_id (&q);
  g_assert_false (srp_id_equal (&p.id, &q.id));
  q = p, q.topic_id.bytes[5] ^= 1, srp_packet_compute_id (&q);
  g_assert_false (srp_id_equal (&p.id, &q.id));
  q = p, memset (&q.next_id, 0, sizeof q.next_id), srp_packet_compute_id (&q);
  g_assert_false (srp_id_equal (&p.id, &q.id));
  q = p, q.next_id.bytes[5] ^= 1, q.postage = 1, srp_packet_compute_id (&q);
  g_assert_true (srp_id_equal (&p.id, &q.id));

  /* Empty body: the header alone. */
  p.body_len = 0;
  srp_packet_compute_id (&p);
  expected_id (&p, &expect);
  g_assert_true (srp_id_equal (&p.id, &expect));
}

typedef void (*Mutate) (SrpPacket *p);

static void mut_none (SrpPacket *p) { (void) p; }
static void mut_type0 (SrpPacket *p) { p->type = 0; }
static void mut_type3 (SrpPacket *p) { p->type = 3; }
static void mut_type_ff (SrpPacket *p) { p->type = 0xff; }
static void mut_postage0 (SrpPacket *p) { p->postage = 0; }
static void mut_postage17 (SrpPacket *p) { p->postage = SRP_POSTAGE_MAX + 1; }
static void mut_postage_ff (SrpPacket *p) { p->postage = 0xff; }
static void mut_index1024 (SrpPacket *p) { p->index = 1024; }
static void mut_index_max (SrpPacket *p) { p->index = G_MAXUINT32; }
static void mut_index1023_next (SrpPacket *p) { p->index = 1023; }
static void
mut_index1023_last (SrpPacket *p)
{
  p->index = 1023;
  memset (&p->next_id, 0, sizeof p->next_id);
  srp_packet_compute_id (p);
}
static void mut_next_self (SrpPacket *p) { p->next_id = p->id; }
static void mut_prev_self (SrpPacket *p) { p->prev_id = p->id; }
static void mut_next_is_prev (SrpPacket *p) { p->next_id = p->prev_id; }
static void
mut_index_no_prev (SrpPacket *p)
{
  memset (&p->prev_id, 0, sizeof p->prev_id);
  srp_packet_compute_id (p);
}
static void
mut_first_no_prev (SrpPacket *p)
{
  p->index = 0;
  memset (&p->prev_id, 0, sizeof p->prev_id);
  srp_packet_compute_id (p);
}
static void
mut_short_with_next (SrpPacket *p)
{
  p->body_len = SRP_PACKET_MAX_BODY - 1;
  srp_packet_compute_id (p);
}
static void
mut_short_last (SrpPacket *p)
{
  p->body_len = 1;
  memset (&p->next_id, 0, sizeof p->next_id);
  srp_packet_compute_id (p);
}
static void
mut_empty_later (SrpPacket *p)
{
  p->body_len = 0;
  memset (&p->next_id, 0, sizeof p->next_id);
  srp_packet_compute_id (p);
}
static void
mut_empty_first (SrpPacket *p)
{
  mut_empty_later (p);
  p->index = 0;
  srp_packet_compute_id (p);
}
static void mut_body_flip (SrpPacket *p) { p->body[100] ^= 1; }
static void mut_id_flip (SrpPacket *p) { p->id.bytes[31] ^= 0x80; }
static void mut_prev_flip (SrpPacket *p) { p->prev_id.bytes[0] ^= 1; }
/* Covered by the ID: a copy with another TOPIC, INDEX or end is refused. */
static void mut_topic (SrpPacket *p) { p->topic_id.bytes[3] ^= 0xff; }
static void mut_index (SrpPacket *p) { p->index++; }
static void mut_next_zero (SrpPacket *p) { memset (&p->next_id, 0, sizeof p->next_id); }
/* Not covered (it cannot be): changing it keeps the packet valid. */
static void mut_next_other (SrpPacket *p) { p->next_id.bytes[9] ^= 0xff; }

static const struct {
  const char *what;
  Mutate mutate;
  SrpDropReason expect;
} header_cases[] = {
  { "valid", mut_none, SRP_DROP_NONE },
  { "type 0", mut_type0, SRP_DROP_BAD_TYPE },
  { "type 3", mut_type3, SRP_DROP_BAD_TYPE },
  { "type ff", mut_type_ff, SRP_DROP_BAD_TYPE },
  { "postage 0", mut_postage0, SRP_DROP_NONE },
  { "postage 17", mut_postage17, SRP_DROP_BAD_POSTAGE },
  { "postage ff", mut_postage_ff, SRP_DROP_BAD_POSTAGE },
  { "index 1024", mut_index1024, SRP_DROP_BAD_INDEX },
  { "index max", mut_index_max, SRP_DROP_BAD_INDEX },
  { "index 1023 with next", mut_index1023_next, SRP_DROP_BAD_INDEX },
  { "index 1023 last", mut_index1023_last, SRP_DROP_NONE },
  { "next is self", mut_next_self, SRP_DROP_BAD_LINK },
  { "prev is self", mut_prev_self, SRP_DROP_BAD_LINK },
  { "next is prev", mut_next_is_prev, SRP_DROP_BAD_LINK },
  { "index > 0 without prev", mut_index_no_prev, SRP_DROP_BAD_LINK },
  { "first without prev", mut_first_no_prev, SRP_DROP_NONE },
  { "short body with next", mut_short_with_next, SRP_DROP_BAD_LINK },
  { "short last", mut_short_last, SRP_DROP_NONE },
  { "empty body, index > 0", mut_empty_later, SRP_DROP_BAD_LINK },
  { "empty first and last", mut_empty_first, SRP_DROP_NONE },
  { "body changed", mut_body_flip, SRP_DROP_BAD_PACKET_ID },
  { "id changed", mut_id_flip, SRP_DROP_BAD_PACKET_ID },
  { "prev changed", mut_prev_flip, SRP_DROP_BAD_PACKET_ID },
  { "topic changed", mut_topic, SRP_DROP_BAD_PACKET_ID },
  { "index changed", mut_index, SRP_DROP_BAD_PACKET_ID },
  { "next set to zero", mut_next_zero, SRP_DROP_BAD_PACKET_ID },
  { "next changed", mut_next_other, SRP_DROP_NONE },
};

static void
test_header_rejections (void)
{
  guint8 frame[SRP_MAX_DATAGRAM + 8];

  for (guint i = 0; i < G_N_ELEMENTS (header_cases); i++)
    {
      SrpPacket p, q;
      gsize len;
      SrpDropReason got;

      make_middle (&p);
      header_cases[i].mutate (&p);
      len = write_frame_raw (&p, frame);
      got = srp_packet_decode (frame, len, &q);
      g_test_message ("%s: %s", header_cases[i].what, srp_drop_reason_name (got));
      g_assert_cmpstr (srp_drop_reason_name (got), ==,
                       srp_drop_reason_name (header_cases[i].expect));
      /* validate agrees on everything but the ID. */
      if (header_cases[i].expect != SRP_DROP_BAD_PACKET_ID)
        g_assert_cmpint (srp_packet_validate (&p), ==, header_cases[i].expect);
      if (got == SRP_DROP_NONE)
        {
          guint8 again[SRP_MAX_DATAGRAM];
          g_assert_cmpuint (srp_packet_encode (&q, again), ==, len);
          g_assert_cmpmem (frame, len, again, len);
        }
    }
}

static void
test_length_rejections (void)
{
  guint8 frame[SRP_MAX_DATAGRAM + 8];
  SrpPacket p, q;
  gsize len;

  make_middle (&p);
  memset (&p.next_id, 0, sizeof p.next_id);
  srp_packet_compute_id (&p);
  len = write_frame_raw (&p, frame);
  g_assert_cmpuint (len, ==, 1162);
  g_assert_cmpint (srp_packet_decode (frame, len, &q), ==, SRP_DROP_NONE);

  for (gsize n = 0; n < SRP_WIRE_PREFIX_LEN; n++)
    g_assert_cmpint (srp_packet_decode (frame, n, &q), ==, SRP_DROP_TOO_SHORT);
  for (gsize n = SRP_WIRE_PREFIX_LEN; n < AT_BODY; n++)
    g_assert_cmpint (srp_packet_decode (frame, n, &q), ==, SRP_DROP_TOO_SHORT);
  /* A truncated body is caught by the hash (there is no length field). */
  g_assert_cmpint (srp_packet_decode (frame, len - 1, &q), ==, SRP_DROP_BAD_PACKET_ID);
  /* 1163 .. 1232: fits a datagram, but the body is over 1024. */
  memset (frame + len, 0, sizeof frame - len);
  g_assert_cmpint (srp_packet_decode (frame, len + 1, &q), ==, SRP_DROP_BODY_TOO_LONG);
  g_assert_cmpint (srp_packet_decode (frame, SRP_MAX_DATAGRAM, &q), ==,
                   SRP_DROP_BODY_TOO_LONG);
  g_assert_cmpint (srp_packet_decode (frame, SRP_MAX_DATAGRAM + 1, &q), ==,
                   SRP_DROP_TOO_LONG);

  /* validate alone: a body_len over the maximum. */
  p.body_len = SRP_PACKET_MAX_BODY + 1;
  g_assert_cmpint (srp_packet_validate (&p), ==, SRP_DROP_BODY_TOO_LONG);
}

static void
test_prefix_rejections (void)
{
  guint8 frame[SRP_MAX_DATAGRAM];
  SrpPacket p, q;
  gsize len;

  make_middle (&p);
  len = write_frame_raw (&p, frame);

  frame[0] = 'X';
  g_assert_cmpint (srp_packet_decode (frame, len, &q), ==, SRP_DROP_BAD_MAGIC);
  frame[0] = 'S';
  frame[1] = 'r';
  g_assert_cmpint (srp_packet_decode (frame, len, &q), ==, SRP_DROP_BAD_MAGIC);
  frame[1] = 'R';
  frame[2] = 0;
  g_assert_cmpint (srp_packet_decode (frame, len, &q), ==, SRP_DROP_BAD_VERSION);
  frame[2] = 2;
  g_assert_cmpint (srp_packet_decode (frame, len, &q), ==, SRP_DROP_BAD_VERSION);
  frame[2] = 1;
  for (guint kind = 0; kind < 256; kind++)
    {
      frame[3] = (guint8) kind;
      g_assert_cmpint (srp_packet_decode (frame, len, &q), ==,
                       kind == SRP_FRAME_PACKET ? SRP_DROP_NONE : SRP_DROP_UNKNOWN_KIND);
    }
}

static void
test_reason_names (void)
{
  static const char *const expect[] = {
    "none", "too-short", "too-long", "bad-magic", "bad-version", "unknown-kind",
    "body-too-long", "bad-type", "bad-postage", "bad-packet-id", "bad-link", "bad-index",
  };
  GHashTable *seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < G_N_ELEMENTS (expect); i++)
    g_assert_cmpstr (srp_drop_reason_name (i), ==, expect[i]);
  for (guint i = 0; i < SRP_DROP_N_REASONS; i++)
    {
      const char *name = srp_drop_reason_name (i);
      g_assert_cmpstr (name, !=, "unknown");
      g_assert_false (g_hash_table_contains (seen, name));
      g_hash_table_add (seen, (gpointer) name);
    }
  g_assert_cmpstr (srp_drop_reason_name (SRP_DROP_N_REASONS), ==, "unknown");
  g_hash_table_destroy (seen);
}

static void
test_same_header (void)
{
  SrpPacket a, b;

  make_middle (&a);
  b = a;
  g_assert_true (srp_packet_same_header (&a, &b));
  b.postage = 3; /* relays lower it */
  g_assert_true (srp_packet_same_header (&a, &b));
  b.index++;
  g_assert_false (srp_packet_same_header (&a, &b));
  b = a;
  b.next_id.bytes[0] ^= 1;
  g_assert_false (srp_packet_same_header (&a, &b));
  b = a;
  b.topic_id.bytes[0] ^= 1;
  g_assert_false (srp_packet_same_header (&a, &b));
}

static const char vector1_0[] =
  "5352010100000000000000000000000000000000000000000000000000000000000000006ff89bc8128642ff7cd84de5"
  "5741c4538bfa3580113a6f3a4ee68b62bbc5dd74000102030405060708090a0b0c0d0e0f101112131415161718191a1b"
  "1c1d1e1f010000000010000000000000000000000000000000000000000000000000000000000000000048656c6c6f2c"
  "2053525021";

static const char vector2_0[] =
  "53520101abababababababababababababababababababababababababababababababab6bff7b8bba68a3e653353233"
  "2d33d245d19b81c4f41f45fca0b7e6def3b9d540000102030405060708090a0b0c0d0e0f101112131415161718191a1b"
  "1c1d1e1f01000000001014ac0a03a0585aad0d6f58b55974ea2493928a66a837c3283b756e23a3491fa0000102030405"
  "060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435"
  "363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465"
  "666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495"
  "969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5"
  "c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5"
  "f6f7f8f9fa000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a"
  "2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a"
  "5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a"
  "8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9ba"
  "bbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9ea"
  "ebecedeeeff0f1f2f3f4f5f6f7f8f9fa000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
  "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f"
  "505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
  "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
  "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
  "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fa000102030405060708090a0b0c0d0e0f1011121314"
  "15161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f4041424344"
  "45464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f7071727374"
  "75767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4"
  "a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4"
  "d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fa00010203040506070809"
  "0a0b0c0d0e0f10111213";

static const char vector2_1[] =
  "535201016bff7b8bba68a3e6533532332d33d245d19b81c4f41f45fca0b7e6def3b9d54014ac0a03a0585aad0d6f58b5"
  "5974ea2493928a66a837c3283b756e23a3491fa0000102030405060708090a0b0c0d0e0f101112131415161718191a1b"
  "1c1d1e1f010000000110b712d4714a569e81d2c0b08a7bfdfbeeed85c3824f31b99d511ed7c00581d8a5141516171819"
  "1a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f40414243444546474849"
  "4a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f70717273747576777879"
  "7a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9"
  "aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9"
  "dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fa000102030405060708090a0b0c0d0e"
  "0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e"
  "3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e"
  "6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e"
  "9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdce"
  "cfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fa00010203"
  "0405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f30313233"
  "3435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f60616263"
  "6465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f90919293"
  "9495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3"
  "c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3"
  "f4f5f6f7f8f9fa000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728"
  "292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758"
  "595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788"
  "898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8"
  "b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8"
  "e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fa000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d"
  "1e1f2021222324252627";

static const char vector2_2[] =
  "5352010114ac0a03a0585aad0d6f58b55974ea2493928a66a837c3283b756e23a3491fa0b712d4714a569e81d2c0b08a"
  "7bfdfbeeed85c3824f31b99d511ed7c00581d8a5000102030405060708090a0b0c0d0e0f101112131415161718191a1b"
  "1c1d1e1f010000000210000000000000000000000000000000000000000000000000000000000000000028292a2b2c2d"
  "2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b";

static const char vector3_0[] =
  "5352010100000000000000000000000000000000000000000000000000000000000000002a975dfb6e97633509889d9c"
  "6e4381d5418f63bbd7567fbf2ad7bbabdc53ead1000102030405060708090a0b0c0d0e0f101112131415161718191a1b"
  "1c1d1e1f0100000000100000000000000000000000000000000000000000000000000000000000000000";

/* Vector 1 as a PACKET_SENT_TO copy naming a1b2c3d4 and 01020304. */
static const char vector4_0[] =
  "5352010200000000000000000000000000000000000000000000000000000000000000006ff89bc8128642ff7cd84de5"
  "5741c4538bfa3580113a6f3a4ee68b62bbc5dd74000102030405060708090a0b0c0d0e0f101112131415161718191a1b"
  "1c1d1e1f010000000010000000000000000000000000000000000000000000000000000000000000000048656c6c6f2c"
  "2053525021a1b2c3d40102030402";

/* The frames of the "Test vectors" section of docs/protocol.md, in order.
 * The doc is checked to carry exactly these, and the encoder to make them. */
static const char *const all_vectors[] = {
  vector1_0, vector2_0, vector2_1, vector2_2, vector3_0, vector4_0,
};

static char *
to_hex (const guint8 *data, gsize len)
{
  static const char digits[] = "0123456789abcdef";
  char *hex = g_malloc (2 * len + 1);

  for (gsize i = 0; i < len; i++)
    {
      hex[2 * i] = digits[data[i] >> 4];
      hex[2 * i + 1] = digits[data[i] & 0xf];
    }
  hex[2 * len] = '\0';
  return hex;
}

static void
vector_topic (SrpId *topic)
{
  for (guint i = 0; i < SRP_ID_LEN; i++)
    topic->bytes[i] = (guint8) i;
}

/* Builds the chain, checks each encoded frame against the hex, decodes the
 * hex back, and checks the message ID (the last packet's ID). */
static void
check_vector (const SrpId *prev, const guint8 *data, gsize len,
              const char *const *frames, guint n_frames)
{
  SrpId topic;
  GPtrArray *chain;

  vector_topic (&topic);
  chain = srp_chain_build (&topic, SRP_PACKET_TYPE_MESSAGE, prev, data, len);
  g_assert_nonnull (chain);
  g_assert_cmpuint (chain->len, ==, n_frames);
  g_assert_cmpuint (srp_chain_packet_count (len), ==, n_frames);
  for (guint i = 0; i < n_frames; i++)
    {
      const SrpPacket *p = chain->pdata[i];
      guint8 frame[SRP_MAX_DATAGRAM];
      gsize frame_len = srp_packet_encode (p, frame);
      g_autofree char *hex = to_hex (frame, frame_len);
      SrpPacket q;

      g_assert_cmpstr (hex, ==, frames[i]);
      g_assert_cmpint (srp_packet_decode (frame, frame_len, &q), ==, SRP_DROP_NONE);
      assert_packets_equal (p, &q);
    }
  g_ptr_array_unref (chain);
}

static void
test_vectors (void)
{
  static const char hello[] = "Hello, SRP!";
  guint8 pattern[2100];
  SrpId prev;

  check_vector (NULL, (const guint8 *) hello, strlen (hello),
                (const char *const[]){ vector1_0 }, 1);

  memset (&prev, 0xab, sizeof prev);
  for (guint k = 0; k < sizeof pattern; k++)
    pattern[k] = (guint8) (k % 251);
  check_vector (&prev, pattern, sizeof pattern,
                (const char *const[]){ vector2_0, vector2_1, vector2_2 }, 3);

  check_vector (NULL, NULL, 0, (const char *const[]){ vector3_0 }, 1);
}

/* Vector 4: the trailer is written and read back as the doc gives it,
 * the packet it follows is vector 1's, and a trailer that does not parse
 * exactly is dropped (COUNT 0 or over SRP_SENT_TO_MAX: bad-control; more
 * names than the frame holds: too-short). */
static void
test_sent_to_vector (void)
{
  static const char hello[] = "Hello, SRP!";
  static const guint32 names[] = { 0xa1b2c3d4, 0x01020304 };
  guint8 frame[SRP_MAX_DATAGRAM];
  SrpPacketSentTo out;
  SrpPacket plain;
  SrpId topic;
  GPtrArray *chain;
  gsize len, packet_len = 0;
  g_autofree char *hex = NULL;

  vector_topic (&topic);
  chain = srp_chain_build (&topic, SRP_PACKET_TYPE_MESSAGE, NULL, (const guint8 *) hello,
                           strlen (hello));
  len = srp_packet_encode (chain->pdata[0], frame);
  len = srp_packet_add_sent_to (frame, len, names, G_N_ELEMENTS (names));
  hex = to_hex (frame, len);
  g_assert_cmpstr (hex, ==, vector4_0);

  g_assert_cmpint (srp_packet_sent_to_decode_fields (frame, len, &out, &packet_len), ==,
                   SRP_DROP_NONE);
  g_assert_cmpuint (packet_len, ==, len - SRP_SENT_TO_LEN (2));
  g_assert_cmpuint (out.n_sent_to, ==, 2);
  g_assert_cmphex (out.sent_to[0], ==, names[0]);
  g_assert_cmphex (out.sent_to[1], ==, names[1]);
  assert_packets_equal (chain->pdata[0], &out.packet);
  /* As KIND 01 it is no packet: the ID does not cover the trailer. */
  g_assert_cmpint (srp_packet_decode (frame, len, &plain), ==, SRP_DROP_UNKNOWN_KIND);

  frame[len - 1] = 0;
  g_assert_cmpint (srp_packet_sent_to_decode_fields (frame, len, &out, &packet_len), ==,
                   SRP_DROP_BAD_CONTROL);
  frame[len - 1] = SRP_SENT_TO_MAX + 1;
  g_assert_cmpint (srp_packet_sent_to_decode_fields (frame, len, &out, &packet_len), ==,
                   SRP_DROP_BAD_CONTROL);
  /* 5 names would leave 138 - 12 bytes for the packet frame. */
  frame[len - 1] = 5;
  g_assert_cmpint (srp_packet_sent_to_decode_fields (frame, len, &out, &packet_len), ==,
                   SRP_DROP_TOO_SHORT);
  g_ptr_array_unref (chain);
}

/* Every ```hex block of the doc, whitespace removed, in order. */
static GPtrArray *
doc_hex_blocks (const char *text)
{
  GPtrArray *blocks = g_ptr_array_new_with_free_func (g_free);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  GString *block = NULL;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = g_strstrip (lines[i]);

      if (block == NULL && strcmp (line, "```hex") == 0)
        block = g_string_new (NULL);
      else if (block != NULL && strcmp (line, "```") == 0)
        g_ptr_array_add (blocks, g_string_free (block, FALSE)), block = NULL;
      else if (block != NULL)
        g_string_append (block, line);
    }
  g_assert_null (block); /* an unterminated block */
  return blocks;
}

static void
test_vectors_in_doc (void)
{
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) blocks = NULL;

  if (!g_file_get_contents (SRP_PROTOCOL_MD, &text, NULL, &error))
    {
      /* Built outside meson without the path: say so rather than pass. */
      g_test_skip (error->message);
      return;
    }
  blocks = doc_hex_blocks (text);
  g_assert_cmpuint (blocks->len, ==, G_N_ELEMENTS (all_vectors));
  for (guint i = 0; i < blocks->len; i++)
    g_assert_cmpstr (blocks->pdata[i], ==, all_vectors[i]);
  g_assert_nonnull (strstr (text, "## Control messages"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/packet/round-trip", test_round_trip);
  g_test_add_func ("/packet/id-rule", test_id_rule);
  g_test_add_func ("/packet/reject/header", test_header_rejections);
  g_test_add_func ("/packet/reject/length", test_length_rejections);
  g_test_add_func ("/packet/reject/prefix", test_prefix_rejections);
  g_test_add_func ("/packet/reason-names", test_reason_names);
  g_test_add_func ("/packet/same-header", test_same_header);
  g_test_add_func ("/packet/vectors", test_vectors);
  g_test_add_func ("/packet/sent-to-vector", test_sent_to_vector);
  g_test_add_func ("/packet/vectors-in-doc", test_vectors_in_doc);
  return g_test_run ();
}
