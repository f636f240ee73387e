/* gen-corpus.c: writes the seed corpus of fuzz-packet into a folder:
 * single frames (valid and invalid, each a whole-input datagram) and
 * record files (FLAGS, then length-prefixed frames: see fuzz-packet.c);
 * that of fuzz-control-topics into another (gen-corpus-control.c), and that
 * of fuzz-dispatch into a third (gen-corpus-dispatch.c).
 *
 *   gen-corpus tests/fuzz/corpus tests/fuzz/corpus-control-topics tests/fuzz/corpus-dispatch
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen-corpus.h"
#include "srp-chain.h"
#include "srp-rng.h"

static const char *out_dir;

void
gen_corpus_write (const char *dir, const char *name, const guint8 *data, gsize len)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;

  if (!g_file_set_contents (path, (const char *) data, len, &error))
    {
      g_printerr ("gen-corpus: %s\n", error->message);
      exit (1);
    }
}

/* Writes a frame with no checks, for the invalid seeds. */
static gsize
encode_raw (const SrpPacket *p, guint8 *out)
{
  srp_wire_write_prefix (out, SRP_FRAME_PACKET);
  memcpy (out + 4, &p->prev_id, 32);
  memcpy (out + 36, &p->id, 32);
  memcpy (out + 68, &p->topic_id, 32);
  out[100] = p->type;
  srp_write_u32 (out + 101, p->index);
  out[105] = p->postage;
  memcpy (out + 106, &p->next_id, 32);
  memcpy (out + 138, p->body, p->body_len);
  return SRP_PACKET_FRAME_LEN (p->body_len);
}

static void
write_file (const char *name, const guint8 *data, gsize len)
{
  gen_corpus_write (out_dir, name, data, len);
}

static void
write_frame (const char *name, const SrpPacket *p, gboolean raw)
{
  guint8 frame[SRP_MAX_DATAGRAM];
  write_file (name, frame, raw ? encode_raw (p, frame) : srp_packet_encode (p, frame));
}

static void
record_add (GByteArray *records, const SrpPacket *p)
{
  guint8 frame[SRP_MAX_DATAGRAM];
  guint8 len[2];
  gsize n = encode_raw (p, frame);

  srp_write_u16 (len, (guint16) n);
  g_byte_array_append (records, len, 2);
  g_byte_array_append (records, frame, n);
}

static GByteArray *
records_new (guint8 flags)
{
  GByteArray *records = g_byte_array_new ();
  g_byte_array_append (records, &flags, 1);
  return records;
}

static void
records_write (const char *name, GByteArray *records)
{
  write_file (name, records->data, records->len);
  g_byte_array_unref (records);
}

static GPtrArray *
chain (SrpRng *rng, const SrpId *prev, gsize len)
{
  guint8 *data = g_malloc (MAX (len, 1));
  SrpId topic;
  GPtrArray *packets;

  srp_rng_fill (rng, data, len);
  memset (&topic, 0x42, sizeof topic);
  packets = srp_chain_build (&topic, SRP_PACKET_TYPE_MESSAGE, prev, data, len);
  g_free (data);
  return packets;
}

#define AT(c, i) ((SrpPacket *) (c)->pdata[i])

int
main (int argc, char **argv)
{
  g_autoptr (GPtrArray) one = NULL;
  g_autoptr (GPtrArray) empty = NULL;
  g_autoptr (GPtrArray) three = NULL;
  g_autoptr (GPtrArray) ten = NULL;
  SrpRng rng;
  SrpPacket p;
  GByteArray *records;
  SrpId prev;

  if (argc != 5)
    {
      g_printerr ("usage: %s PACKET_OUTDIR CONTROL_OUTDIR DISPATCH_OUTDIR DHT_SEAL_OUTDIR\n",
                  argv[0]);
      return 2;
    }
  out_dir = argv[1];
  srp_rng_init (&rng, 1);
  memset (&prev, 0xab, sizeof prev);
  one = chain (&rng, NULL, 11);
  empty = chain (&rng, NULL, 0);
  three = chain (&rng, &prev, 2100);
  ten = chain (&rng, &prev, 10 * 1024 - 100);

  /* Valid single frames. */
  write_frame ("frame-one", AT (one, 0), FALSE);
  write_frame ("frame-empty", AT (empty, 0), FALSE);
  write_frame ("frame-chain-first", AT (three, 0), FALSE);
  write_frame ("frame-chain-middle", AT (three, 1), FALSE);
  write_frame ("frame-chain-last", AT (three, 2), FALSE);

  /* PACKET_SENT_TO: a packet and the peers named with it (protocol.md,
   * "Packet frame with SENT TO"): one name, the most a frame carries, and
   * trailers that must be dropped (COUNT 0, over the maximum, more names
   * than the frame holds). */
  {
    static const guint32 names[SRP_SENT_TO_MAX] = {
      0xa1b2c3d4, 0x01020304, 0xdeadbeef, 0x00000000, 0xffffffff,
      0x12345678, 0x9abcdef0, 0x0badf00d, 0x55aa55aa, 0x13579bdf,
    };
    guint8 frame[SRP_MAX_DATAGRAM];
    gsize len;

    len = srp_packet_encode (AT (one, 0), frame);
    write_file ("sent-to-one", frame, srp_packet_add_sent_to (frame, len, names, 1));
    len = srp_packet_encode (AT (three, 0), frame);
    len = srp_packet_add_sent_to (frame, len, names, SRP_SENT_TO_MAX);
    write_file ("sent-to-full", frame, len);
    frame[len - 1] = SRP_SENT_TO_MAX + 1;
    write_file ("sent-to-bad-count", frame, len);
    len = srp_packet_encode (AT (empty, 0), frame);
    len = srp_packet_add_sent_to (frame, len, names, 2);
    frame[len - 1] = 0;
    write_file ("sent-to-count-zero", frame, len);
    frame[len - 1] = 3;
    write_file ("sent-to-too-many-names", frame, len);
  }

  /* Invalid single frames, one a rule. */
  p = *AT (three, 1);
  p.type = 3;
  write_frame ("bad-type", &p, TRUE);
  p = *AT (three, 1);
  p.postage = 17;
  write_frame ("bad-postage", &p, TRUE);
  p = *AT (three, 1);
  p.index = 1024;
  write_frame ("bad-index", &p, TRUE);
  p = *AT (three, 1);
  p.next_id = p.id;
  write_frame ("bad-link-next-self", &p, TRUE);
  p = *AT (three, 2);
  p.next_id = AT (three, 0)->id;
  write_frame ("bad-link-short-with-next", &p, TRUE);
  p = *AT (three, 1);
  p.body[0] ^= 1;
  write_frame ("bad-packet-id", &p, TRUE);
  {
    guint8 frame[SRP_MAX_DATAGRAM];
    gsize n = srp_packet_encode (AT (one, 0), frame);

    write_file ("too-short", frame, SRP_PACKET_FRAME_LEN (0) - 1);
    frame[0] = 'X';
    write_file ("bad-magic", frame, n);
    frame[0] = 'S';
    frame[2] = 2;
    write_file ("bad-version", frame, n);
    frame[2] = 1;
    frame[3] = SRP_FRAME_PING;
    write_file ("bad-kind", frame, n);
  }

  /* A chain out of order, with a duplicate: one message. */
  records = records_new (0);
  record_add (records, AT (three, 2));
  record_add (records, AT (three, 0));
  record_add (records, AT (three, 0));
  record_add (records, AT (three, 1));
  records_write ("records-chain-shuffled", records);

  /* A conflicting copy (INDEX changed under the same ID) first. */
  records = records_new (0);
  p = *AT (three, 1);
  p.index = 2;
  record_add (records, &p);
  for (guint i = 0; i < three->len; i++)
    record_add (records, AT (three, i));
  records_write ("records-conflict", records);

  /* Ten packets reversed: over the fuzz reassembler's byte bound. */
  records = records_new (0);
  for (guint i = ten->len; i > 0; i--)
    record_add (records, AT (ten, i - 1));
  records_write ("records-over-bound", records);

  /* IDs recomputed by the harness: headers changed at will. */
  records = records_new (1);
  for (guint i = 0; i < three->len; i++)
    {
      p = *AT (three, i);
      memset (&p.id, 0, sizeof p.id);
      record_add (records, &p);
    }
  p = *AT (three, 0);
  p.body[5] ^= 0x55;
  record_add (records, &p);
  record_add (records, AT (one, 0));
  record_add (records, AT (empty, 0));
  records_write ("records-fix-ids", records);

  /* Interleaved messages, slow enough for timeouts. */
  records = records_new (0);
  for (guint i = 0; i < ten->len; i += 2)
    {
      record_add (records, AT (ten, i));
      if (i / 2 < three->len)
        record_add (records, AT (three, i / 2));
    }
  records_write ("records-interleaved", records);

  gen_corpus_control (argv[2]);
  gen_corpus_dispatch (argv[3]);
  gen_corpus_dht_seal (argv[4]);
  return 0;
}
