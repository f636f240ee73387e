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
 * Each runs for about a second (or argv[1] seconds), three rounds, the best
 * rate of each. The goal: seal and open at >= 0.8 of raw.
 *
 *   _build/bench/bench-crypto [SECONDS]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "srp-core.h"
#include "srp-session.h"
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

  if (seconds <= 0)
    seconds = 1.0;
  memset (b->key, 0x42, sizeof b->key);
  memset (b->frame, 0x6d, sizeof b->frame);
  b->frame[0] = 0x53, b->frame[1] = 0x52, b->frame[2] = 1, b->frame[3] = SRP_FRAME_PACKET;
  b->sender = session (TRUE);
  b->receiver = session (FALSE);
  b->sealer = session (TRUE);
  b->aead = srp_aead_new ();
  for (int round = 0; round < 3; round++)
    {
      raw = MAX (raw, measure (b, step_raw, seconds, 1000));
      nettle = MAX (nettle, measure (b, step_nettle, seconds, 1000));
      seal = MAX (seal, measure (b, step_seal, seconds, 1000));
      /* open seals too: its rate is against raw twice over. */
      open = MAX (open, measure (b, step_open, seconds, 1000));
      handshake = MAX (handshake, measure (b, step_handshake, seconds, 10));
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
  srp_session_free (b->sender);
  srp_session_free (b->receiver);
  srp_session_free (b->sealer);
  srp_aead_free (b->aead);
  g_free (b);
  return 0;
}
