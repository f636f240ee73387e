/* bench-crypto.c: what sealed links cost, against the primitive they
 * cannot avoid, in one run:
 *   raw         ChaCha20-Poly1305 over a 1,159-byte plaintext (a packet
 *               frame of 1,024 body bytes, less the 3 bytes not repeated)
 *   seal        srp_session_seal of that frame (header, nonce, counter,
 *               rollover check, the same AEAD)
 *   open        srp_session_open (replay window, tag check)
 *   handshake   a whole handshake between two cores in virtual time
 *               (HELLO, HELLO_REPLY, HELLO_DONE: two Ed25519 signatures,
 *               two verifications, two X25519 key pairs and exchanges,
 *               HKDF), cores made and freed each time
 *   ed25519     one Ed25519 signature through nettle, and one verification
 *               (the envelope signs and checks through libsodium)
 *   sign        srp_envelope_build of a signed 1 KiB message (its SHA-256,
 *               the signature): what a publisher pays once per message
 *   verify      srp_envelope_open of it: what a subscriber pays once per
 *               message (whatever its number of packets)
 *   letter      a signed letter sealed to a recipient (X25519 from its
 *               identity, HKDF, ChaCha20-Poly1305), built and opened
 * Each runs for about a second (or argv[1] seconds), three rounds, the best
 * rate of each. The goal: seal and open at >= 0.8 of raw.
 *
 *   _build/bench/bench-crypto [SECONDS]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include <nettle/eddsa.h>

#include "srp-core.h"
#include "srp-envelope.h"
#include "srp-session.h"
#include "srp-sim-keys.h"
#include "srp-sim.h"

#define FRAME_LEN (SRP_PACKET_HEADER_LEN + SRP_WIRE_PREFIX_LEN + SRP_PACKET_MAX_BODY)

typedef struct {
  guint8 key[SRP_SESSION_KEY_LEN];
  guint8 frame[SRP_MAX_DATAGRAM], sealed[SRP_MAX_DATAGRAM], opened[SRP_MAX_DATAGRAM];
  gsize sealed_len;
  SrpSession *sender, *receiver;
  /* Seals for step_seal alone: at libcrypto's rate it rolls over to new
   * epochs (every 2^20 frames) more than once a round, which the receiver
   * of step_open, seeing none of those frames, could not follow. */
  SrpSession *sealer;
  SrpAead *aead;
  guint64 counter, sink;
  gint64 now;
  /* Envelopes: an author, a recipient, a 1 KiB payload and its signed form. */
  SrpSimKeys author, recipient;
  SrpId author_id, recipient_id, topic, prev;
  guint8 payload[SRP_PACKET_MAX_BODY], signature[SRP_SIGNATURE_LEN];
  GBytes *signed_envelope;
} Bench;

typedef void (*Step) (Bench *b);

static void
step_raw (Bench *b)
{
  guint8 tag[SRP_SEAL_TAG_LEN];

  srp_session_raw_seal (b->aead, b->key, b->counter++, b->frame + 3, FRAME_LEN - 3, tag);
  b->sink += tag[0];
}

/* nettle's ChaCha20-Poly1305, whichever the build seals with: what
 * sealing cost before libcrypto, in the same run. */
static void
step_nettle (Bench *b)
{
  guint8 tag[SRP_SEAL_TAG_LEN], nonce[SRP_AEAD_NONCE_LEN] = { 0 };

  nonce[11] = (guint8) b->counter++;
  srp_aead_seal_nettle (b->key, nonce, NULL, 0, b->frame + 3, FRAME_LEN - 3, b->frame + 3, tag);
  b->sink += tag[0];
}

static void
step_seal (Bench *b)
{
  b->sink += srp_session_seal (b->sealer, b->now, b->frame, FRAME_LEN, b->sealed);
}

static void
step_open (Bench *b)
{
  /* A fresh frame each time: the replay window takes each counter once. */
  gsize n = srp_session_seal (b->sender, b->now, b->frame, FRAME_LEN, b->sealed);

  if (srp_session_open (b->receiver, b->now, b->sealed, n, b->opened) == 0)
    g_error ("a sealed frame did not open");
  b->sink += b->opened[4];
}

static void
step_handshake (Bench *b)
{
  SrpSim *sim = srp_sim_new (b->counter++);
  guint x = srp_sim_add_node (sim, NULL), y = srp_sim_add_node (sim, NULL);

  srp_sim_set_default_link (sim, 1000, 0.0);
  srp_core_add_bootstrap (srp_sim_get_core (sim, y), srp_sim_get_now (sim),
                          srp_sim_get_address (sim, x));
  srp_sim_flush (sim, y);
  while (!srp_sim_is_connected (sim, x, y) && srp_sim_step (sim))
    ;
  if (!srp_sim_is_connected (sim, x, y))
    g_error ("the handshake did not complete");
  srp_sim_free (sim);
}

static void
step_ed25519_sign (Bench *b)
{
  b->payload[0] = (guint8) b->counter++;
  ed25519_sha512_sign (b->author.public, b->author.secret, 140, b->payload, b->signature);
  b->sink += b->signature[0];
}

static void
step_ed25519_verify (Bench *b)
{
  b->sink += ed25519_sha512_verify (b->author.public, 140, b->payload, b->signature);
}

static GBytes *
envelope (Bench *b, guint8 flags)
{
  guint8 ephemeral[32];
  SrpEnvelopeSeal seal = {
    .flags = flags,
    .author = &b->author_id,
    .sign = srp_sim_keys_sign,
    .sign_data = &b->author,
    .recipient = &b->recipient_id,
    .ephemeral_secret = ephemeral,
  };

  memset (ephemeral, (int) (b->counter & 0xff), sizeof ephemeral);
  b->prev.bytes[0] = (guint8) b->counter++;
  return srp_envelope_build (&b->topic, &b->prev, &seal, b->payload, sizeof b->payload);
}

static void
step_sign (Bench *b)
{
  GBytes *e = envelope (b, SRP_ENVELOPE_SIGNED);

  b->sink += g_bytes_get_size (e);
  g_bytes_unref (e);
}

static void
step_verify (Bench *b)
{
  SrpEnvelopeKeys keys = { 0 };
  SrpEnvelopeOpened opened;

  if (srp_envelope_open (&b->topic, &b->prev, SRP_PACKET_TYPE_ENVELOPE, b->signed_envelope, &keys,
                         &opened) != SRP_DROP_NONE)
    g_error ("a signed envelope did not open");
  b->sink += g_bytes_get_size (opened.payload);
  srp_envelope_opened_clear (&opened);
}

static void
step_letter (Bench *b)
{
  GBytes *e = envelope (b, SRP_ENVELOPE_SIGNED | SRP_ENVELOPE_LETTER);
  SrpEnvelopeKeys keys = { &b->recipient_id, srp_sim_keys_agree, &b->recipient, NULL };
  SrpEnvelopeOpened opened;

  if (srp_envelope_open (&b->topic, &b->prev, SRP_PACKET_TYPE_ENVELOPE, e, &keys, &opened) !=
      SRP_DROP_NONE)
    g_error ("a letter did not open");
  b->sink += g_bytes_get_size (opened.payload);
  srp_envelope_opened_clear (&opened);
  g_bytes_unref (e);
}

static double
measure (Bench *b, Step step, double seconds, guint batch)
{
  gint64 start = g_get_monotonic_time ();
  gint64 end = start + (gint64) (seconds * G_USEC_PER_SEC);
  gint64 now;
  guint64 n = 0;

  do
    {
      for (guint k = 0; k < batch; k++, n++)
        step (b);
      now = g_get_monotonic_time ();
    }
  while (now < end);
  return n / ((now - start) / 1e6);
}

static SrpSession *
session (gboolean initiator)
{
  SrpEphemeral a = { { 1 } }, r = { { 2 } };
  SrpId ia = { { 0xa } }, ir = { { 0xb } };
  guint8 c[SRP_CHALLENGE_LEN] = { 3 };

  srp_ephemeral_init (&a);
  srp_ephemeral_init (&r);
  return initiator ? srp_session_new (TRUE, &a, r.public, &ia, &ir, c, c, 0)
                   : srp_session_new (FALSE, &r, a.public, &ia, &ir, c, c, 0);
}

int
main (int argc, char **argv)
{
  Bench *b = g_new0 (Bench, 1);
  double seconds = argc > 1 ? g_ascii_strtod (argv[1], NULL) : 1.0;
  double raw = 0, nettle = 0, seal = 0, open = 0, handshake = 0;
  double ed_sign = 0, ed_verify = 0, sign = 0, verify = 0, letter = 0;
  guint8 seed[32];

  if (seconds <= 0)
    seconds = 1.0;
  memset (b->key, 0x42, sizeof b->key);
  memset (b->frame, 0x6d, sizeof b->frame);
  b->frame[0] = 0x53, b->frame[1] = 0x52, b->frame[2] = 1, b->frame[3] = SRP_FRAME_PACKET;
  b->sender = session (TRUE);
  b->receiver = session (FALSE);
  b->sealer = session (TRUE);
  b->aead = srp_aead_new ();
  memset (seed, 0x01, sizeof seed);
  srp_sim_keys_from_secret (&b->author, seed);
  memset (seed, 0x02, sizeof seed);
  srp_sim_keys_from_secret (&b->recipient, seed);
  memcpy (b->author_id.bytes, b->author.public, SRP_ID_LEN);
  memcpy (b->recipient_id.bytes, b->recipient.public, SRP_ID_LEN);
  memset (b->payload, 0x6d, sizeof b->payload);
  b->signed_envelope = envelope (b, SRP_ENVELOPE_SIGNED);
  for (int round = 0; round < 3; round++)
    {
      raw = MAX (raw, measure (b, step_raw, seconds, 1000));
      nettle = MAX (nettle, measure (b, step_nettle, seconds, 1000));
      seal = MAX (seal, measure (b, step_seal, seconds, 1000));
      /* open seals too: its rate is against raw twice over. */
      open = MAX (open, measure (b, step_open, seconds, 1000));
      handshake = MAX (handshake, measure (b, step_handshake, seconds, 10));
      ed_sign = MAX (ed_sign, measure (b, step_ed25519_sign, seconds, 100));
      ed_verify = MAX (ed_verify, measure (b, step_ed25519_verify, seconds, 100));
      sign = MAX (sign, measure (b, step_sign, seconds, 100));
      /* The envelope step moved PREV: measure against the one it signed. */
      b->prev.bytes[0] = 0;
      verify = MAX (verify, measure (b, step_verify, seconds, 100));
      letter = MAX (letter, measure (b, step_letter, seconds, 100));
    }
  g_print ("frames of %d bytes (packets with %d body bytes)\n", FRAME_LEN, SRP_PACKET_MAX_BODY);
  g_print ("%-22s %12.0f frames/s  %8.1f MB/s  (%s)\n", "raw ChaCha20-Poly1305", raw,
           raw * FRAME_LEN / 1e6, srp_aead_backend ());
  g_print ("%-22s %12.0f frames/s  %8.1f MB/s  %.2f x raw\n", "nettle's", nettle,
           nettle * FRAME_LEN / 1e6, nettle / raw);
  g_print ("%-22s %12.0f frames/s  %.2f x raw\n", "seal", seal, seal / raw);
  g_print ("%-22s %12.0f frames/s  %.2f x raw/2 (seal and open)\n", "seal+open", open,
           open / (raw / 2));
  g_print ("%-22s %12.0f handshakes/s (two cores each, in virtual time)\n", "handshake",
           handshake);
  g_print ("%-22s %12.0f /s  %6.1f us\n", "nettle Ed25519 sign", ed_sign, 1e6 / ed_sign);
  g_print ("%-22s %12.0f /s  %6.1f us\n", "nettle Ed25519 verify", ed_verify, 1e6 / ed_verify);
  g_print ("%-22s %12.0f msgs/s %6.1f us  %.2f x nettle sign (1 KiB payload, libsodium)\n", "signed envelope",
           sign, 1e6 / sign, sign / ed_sign);
  g_print ("%-22s %12.0f msgs/s %6.1f us  %.2f x nettle verify (libsodium)\n", "open and verify", verify,
           1e6 / verify, verify / ed_verify);
  g_print ("%-22s %12.0f letters/s %6.1f us (signed, sealed, opened, verified)\n",
           "letter", letter, 1e6 / letter);
  g_bytes_unref (b->signed_envelope);
  srp_session_free (b->sender);
  srp_session_free (b->receiver);
  srp_session_free (b->sealer);
  srp_aead_free (b->aead);
  g_free (b);
  return 0;
}
