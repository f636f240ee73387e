/* fuzz-envelope.c: libFuzzer target for envelopes (docs/protocol.md,
 * "Envelopes"): the bytes of a whole message of TYPE 01 or 02, opened as a
 * subscriber opens them.
 *
 * The first input byte picks the receiver: bit 0 the TYPE (01 or 02), bit
 * 1 whether the topic is a group's (with a fixed key), bit 2 whether the
 * receiver can open letters (a fixed identity); the rest is the message.
 * Opening must give a reason or a payload that lies within the input, an
 * author only when SIGNED, and on a group topic only what was sealed to
 * the group. Then the rest is taken as a payload: built into a signed
 * message, a signed letter and a group message, each must open back to it
 * with its author, and fail for a receiver that lacks the key.
 *
 * corpus-envelope/ holds the test vectors of protocol.md as seeds.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <nettle/curve25519.h>
#include <sodium.h>
#include <string.h>

#include "fuzz-check.h"
#include "srp-envelope.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

typedef struct {
  guint8 sk[64]; /* seed, public key */
  guint8 x25519[32];
  SrpId id;
} Keys;

static void
keys_init (Keys *k, guint8 seed_byte)
{
  guint8 seed[32], pk[32];

  memset (seed, seed_byte, sizeof seed);
  crypto_sign_seed_keypair (pk, k->sk, seed);
  memcpy (k->id.bytes, pk, 32);
  check (crypto_sign_ed25519_sk_to_curve25519 (k->x25519, k->sk) == 0, "the X25519 form");
}

static gboolean
sign (const guint8 *data, gsize len, guint8 signature[SRP_SIGNATURE_LEN], gpointer user_data)
{
  return crypto_sign_detached (signature, NULL, data, len, ((Keys *) user_data)->sk) == 0;
}

static gboolean
agree (const guint8 their_public[32], guint8 shared[32], gpointer user_data)
{
  curve25519_mul (shared, ((Keys *) user_data)->x25519, their_public);
  return TRUE;
}

static void
check_opened (SrpDropReason reason, const SrpEnvelopeOpened *o, gsize len, gboolean group)
{
  if (reason != SRP_DROP_NONE)
    {
      check (reason == SRP_DROP_BAD_ENVELOPE || reason == SRP_DROP_UNOPENED ||
             reason == SRP_DROP_BAD_AUTHOR, "a reason envelopes give");
      check (o->payload == NULL, "no payload with a reason");
      return;
    }
  check (o->payload != NULL && g_bytes_get_size (o->payload) <= len, "the payload is inside");
  check (!group || (o->flags & SRP_ENVELOPE_GROUP), "a group takes sealed messages alone");
}

/* Builds payload with seal, opens it with keys: it must come back whole. */
static void
round_trip (const SrpId *topic, const SrpId *prev, SrpEnvelopeSeal *seal,
            const SrpEnvelopeKeys *keys, const SrpEnvelopeKeys *outsider, const guint8 *payload,
            gsize len, const Keys *author)
{
  g_autoptr (GBytes) built = srp_envelope_build (topic, prev, seal, payload, len);
  SrpEnvelopeOpened opened;

  check (built != NULL, "an envelope builds");
  check (srp_envelope_open (topic, prev, SRP_PACKET_TYPE_ENVELOPE, built, keys, &opened) ==
             SRP_DROP_NONE, "an envelope opens for its receiver");
  check (opened.flags == seal->flags, "its flags");
  check (memcmp (opened.author.bytes, author->id.bytes, SRP_ID_LEN) == 0, "its author");
  check (g_bytes_get_size (opened.payload) == len &&
             (len == 0 || memcmp (g_bytes_get_data (opened.payload, NULL), payload, len) == 0),
         "its payload");
  srp_envelope_opened_clear (&opened);
  if (outsider != NULL)
    check (srp_envelope_open (topic, prev, SRP_PACKET_TYPE_ENVELOPE, built, outsider, &opened) ==
               SRP_DROP_UNOPENED, "a sealed envelope stays shut for others");
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  static Keys author, recipient;
  static gboolean ready;
  static const guint8 group_key[SRP_ENVELOPE_KEY_LEN] = { 0x6b, 0x65, 0x79 };
  SrpId topic = { { 0 } }, prev = { { 0 } };
  SrpEnvelopeKeys keys = { 0 }, outsider = { 0 };
  SrpEnvelopeOpened opened;
  guint8 ephemeral[32], nonce[SRP_ENVELOPE_NONCE_LEN] = { 7 };
  g_autoptr (GBytes) message = NULL;
  SrpEnvelopeSeal seal = { 0 };
  SrpDropReason reason;
  guint8 mode;
  gsize len;

  if (!ready)
    {
      check (sodium_init () >= 0, "libsodium");
      keys_init (&author, 0x01);
      keys_init (&recipient, 0x02);
      ready = TRUE;
    }
  if (size < 1 || size - 1 > SRP_ENVELOPE_PAYLOAD_MAX)
    return 0;
  mode = data[0];
  len = size - 1;
  for (guint i = 0; i < SRP_ID_LEN; i++)
    topic.bytes[i] = (guint8) i;
  message = g_bytes_new (data + 1, len);
  if (mode & 2)
    keys.group_key = group_key;
  if (mode & 4)
    {
      keys.self_id = &recipient.id;
      keys.agree = agree;
      keys.agree_data = &recipient;
    }
  reason = srp_envelope_open (&topic, &prev,
                              mode & 1 ? SRP_PACKET_TYPE_ENVELOPE : SRP_PACKET_TYPE_MESSAGE,
                              message, &keys, &opened);
  check_opened (reason, &opened, len, keys.group_key != NULL);
  srp_envelope_opened_clear (&opened);

  /* What we build, we open. */
  memset (ephemeral, mode | 1, sizeof ephemeral);
  seal.author = &author.id;
  seal.sign = sign;
  seal.sign_data = &author;
  seal.flags = SRP_ENVELOPE_SIGNED;
  keys = (SrpEnvelopeKeys) { 0 }; /* a plain topic: the receiver of the first part may be a group */
  outsider = (SrpEnvelopeKeys) { .group_key = group_key };
  round_trip (&topic, &prev, &seal, &keys, &outsider, data + 1, len, &author);
  keys = (SrpEnvelopeKeys) { &recipient.id, agree, &recipient, NULL };
  outsider = (SrpEnvelopeKeys) { &author.id, agree, &author, NULL };
  seal.flags = SRP_ENVELOPE_SIGNED | SRP_ENVELOPE_LETTER;
  seal.recipient = &recipient.id;
  seal.ephemeral_secret = ephemeral;
  round_trip (&topic, &prev, &seal, &keys, &outsider, data + 1, len, &author);
  keys = (SrpEnvelopeKeys) { .group_key = group_key };
  outsider = (SrpEnvelopeKeys) { 0 };
  seal.flags = SRP_ENVELOPE_SIGNED | SRP_ENVELOPE_GROUP;
  seal.group_key = group_key;
  seal.nonce = nonce;
  round_trip (&topic, &prev, &seal, &keys, &outsider, data + 1, len, &author);
  return 0;
}
