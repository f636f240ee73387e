/* srp-dht-seal.c: sealed lookups through nettle (X25519, ChaCha20-Poly1305)
 * and HKDF-SHA256 (srp-hkdf.c); the map from an Ed25519 key to its X25519
 * form is the letters' (srp-envelope.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-dht-seal.h"

#include <nettle/chacha-poly1305.h>
#include <nettle/memops.h>
#include <string.h>

#include "srp-hkdf.h"
#include "srp-x25519.h"

G_STATIC_ASSERT (CHACHA_POLY1305_DIGEST_SIZE == SRP_DHT_SEAL_TAG_LEN);
G_STATIC_ASSERT (SRP_X25519_LEN == SRP_DHT_SEAL_EPHEMERAL_LEN);

static const char query_label[] = "SRP1 dht query";

#define QUERY_HEADER_LEN (SRP_WIRE_PREFIX_LEN + SRP_DHT_SEAL_EPHEMERAL_LEN)
#define ANSWER_HEADER_LEN (SRP_WIRE_PREFIX_LEN + SRP_DHT_SEAL_ECHO_LEN + 8)
/* The inner frame goes in from its KIND: its MAGIC and VERSION are known. */
#define INNER_SKIP (SRP_WIRE_PREFIX_LEN - 1)

/* Both keys of a query: HKDF over the X25519 secret, salted with the
 * ephemeral public key and the contact's ID, so that they belong to this
 * query to this contact alone. FALSE when nothing is shared (a low-order
 * point). */
static gboolean
derive (const guint8 shared[32], const guint8 ephemeral[32], const SrpId *recipient,
        SrpDhtQueryKeys *keys)
{
  static const guint8 zero[32] = { 0 };
  guint8 salt[SRP_DHT_SEAL_EPHEMERAL_LEN + SRP_ID_LEN];
  guint8 okm[2 * SRP_DHT_SEAL_KEY_LEN];

  if (memeql_sec (shared, zero, 32))
    return FALSE;
  memcpy (salt, ephemeral, SRP_DHT_SEAL_EPHEMERAL_LEN);
  memcpy (salt + SRP_DHT_SEAL_EPHEMERAL_LEN, recipient->bytes, SRP_ID_LEN);
  srp_hkdf_sha256 (salt, sizeof salt, shared, 32, (const guint8 *) query_label,
                   sizeof query_label - 1, okm, sizeof okm);
  memcpy (keys->echo, ephemeral, SRP_DHT_SEAL_ECHO_LEN);
  memcpy (keys->query_key, okm, SRP_DHT_SEAL_KEY_LEN);
  memcpy (keys->answer_key, okm + SRP_DHT_SEAL_KEY_LEN, SRP_DHT_SEAL_KEY_LEN);
  memset (okm, 0, sizeof okm);
  return TRUE;
}

static void
write_prefix (guint8 *out, guint8 kind)
{
  out[0] = SRP_WIRE_MAGIC_0;
  out[1] = SRP_WIRE_MAGIC_1;
  out[2] = SRP_WIRE_VERSION;
  out[3] = kind;
}

/* Seals frame's KIND and body after header (header_len bytes of out,
 * written, and authenticated); returns the whole length. */
static gsize
seal (const guint8 key[SRP_DHT_SEAL_KEY_LEN], const guint8 nonce[CHACHA_POLY1305_NONCE_SIZE],
      guint8 *out, gsize header_len, const guint8 *frame, gsize len)
{
  struct chacha_poly1305_ctx ctx;
  gsize inner_len = len - INNER_SKIP;

  chacha_poly1305_set_key (&ctx, key);
  chacha_poly1305_set_nonce (&ctx, nonce);
  chacha_poly1305_update (&ctx, header_len, out);
  chacha_poly1305_encrypt (&ctx, inner_len, out + header_len, frame + INNER_SKIP);
  chacha_poly1305_digest (&ctx, SRP_DHT_SEAL_TAG_LEN, out + header_len + inner_len);
  memset (&ctx, 0, sizeof ctx);
  return header_len + inner_len + SRP_DHT_SEAL_TAG_LEN;
}

/* The inverse of seal, into out with its prefix rebuilt; FALSE when the
 * tag is wrong (out then holds garbage). */
static gboolean
open_inner (const guint8 key[SRP_DHT_SEAL_KEY_LEN], const guint8 nonce[CHACHA_POLY1305_NONCE_SIZE],
       const guint8 *data, gsize header_len, gsize len, guint8 *out, gsize *out_len)
{
  struct chacha_poly1305_ctx ctx;
  gsize inner_len = len - header_len - SRP_DHT_SEAL_TAG_LEN;
  guint8 tag[SRP_DHT_SEAL_TAG_LEN];
  gboolean ok;

  chacha_poly1305_set_key (&ctx, key);
  chacha_poly1305_set_nonce (&ctx, nonce);
  chacha_poly1305_update (&ctx, header_len, data);
  chacha_poly1305_decrypt (&ctx, inner_len, out + INNER_SKIP, data + header_len);
  chacha_poly1305_digest (&ctx, sizeof tag, tag);
  memset (&ctx, 0, sizeof ctx);
  ok = memeql_sec (tag, data + header_len + inner_len, sizeof tag);
  out[0] = SRP_WIRE_MAGIC_0;
  out[1] = SRP_WIRE_MAGIC_1;
  out[2] = SRP_WIRE_VERSION;
  *out_len = INNER_SKIP + inner_len;
  return ok;
}

void
srp_dht_ephemeral_init (SrpDhtEphemeral *ephemeral, const guint8 secret[32])
{
  memcpy (ephemeral->pair.secret, secret, sizeof ephemeral->pair.secret);
  srp_ephemeral_init (&ephemeral->pair);
  ephemeral->ready = TRUE;
}

void
srp_dht_ephemeral_clear (SrpDhtEphemeral *ephemeral)
{
  srp_ephemeral_clear (&ephemeral->pair);
  ephemeral->ready = FALSE;
}

gsize
srp_dht_seal_query (const SrpId *recipient, const guint8 ephemeral_secret[32], const guint8 *frame,
                    gsize len, guint8 out[SRP_MAX_DATAGRAM], SrpDhtQueryKeys *keys)
{
  guint8 recipient_x[32];
  SrpDhtEphemeral ephemeral;
  gsize n;

  if (!srp_envelope_x25519_public (recipient, recipient_x))
    return 0;
  srp_dht_ephemeral_init (&ephemeral, ephemeral_secret);
  n = srp_dht_seal_query_to (recipient, recipient_x, &ephemeral, frame, len, out, keys);
  srp_dht_ephemeral_clear (&ephemeral);
  return n;
}

gsize
srp_dht_seal_query_to (const SrpId *recipient, const guint8 recipient_x[32],
                       const SrpDhtEphemeral *ephemeral, const guint8 *frame, gsize len,
                       guint8 out[SRP_MAX_DATAGRAM], SrpDhtQueryKeys *keys)
{
  static const guint8 nonce[CHACHA_POLY1305_NONCE_SIZE] = { 0 };
  guint8 shared[32];
  gboolean ok;

  g_return_val_if_fail (len >= SRP_WIRE_PREFIX_LEN, 0);
  g_return_val_if_fail (ephemeral->ready, 0);
  if (len + SRP_SEALED_QUERY_OVERHEAD > SRP_MAX_DATAGRAM)
    return 0;
  write_prefix (out, SRP_FRAME_SEALED_QUERY);
  memcpy (out + SRP_WIRE_PREFIX_LEN, ephemeral->pair.public, SRP_DHT_SEAL_EPHEMERAL_LEN);
  srp_x25519 (shared, ephemeral->pair.secret, recipient_x);
  ok = derive (shared, ephemeral->pair.public, recipient, keys);
  memset (shared, 0, sizeof shared);
  if (!ok)
    return 0;
  /* The key is this query's alone (this ephemeral, this recipient): its
   * nonce may be zero. */
  return seal (keys->query_key, nonce, out, QUERY_HEADER_LEN, frame, len);
}

SrpDropReason
srp_dht_open_query (const SrpId *self, SrpEnvelopeAgreeFunc agree, gpointer agree_data,
                    const guint8 *data, gsize len, guint8 out[SRP_MAX_DATAGRAM], gsize *out_len,
                    SrpDhtQueryKeys *keys)
{
  static const guint8 nonce[CHACHA_POLY1305_NONCE_SIZE] = { 0 };
  const guint8 *ephemeral = data + SRP_WIRE_PREFIX_LEN;
  guint8 shared[32];
  gboolean ok;

  if (len < SRP_SEALED_QUERY_MIN || len > SRP_MAX_DATAGRAM)
    return SRP_DROP_BAD_CONTROL;
  if (agree == NULL || !agree (ephemeral, shared, agree_data))
    return SRP_DROP_BAD_SEAL;
  ok = derive (shared, ephemeral, self, keys);
  memset (shared, 0, sizeof shared);
  if (!ok || !open_inner (keys->query_key, nonce, data, QUERY_HEADER_LEN, len, out, out_len))
    return SRP_DROP_BAD_SEAL;
  return SRP_DROP_NONE;
}

static void
answer_nonce (const guint8 *header_nonce, guint8 nonce[CHACHA_POLY1305_NONCE_SIZE])
{
  memset (nonce, 0, CHACHA_POLY1305_NONCE_SIZE - 8);
  memcpy (nonce + CHACHA_POLY1305_NONCE_SIZE - 8, header_nonce, 8);
}

gsize
srp_dht_seal_answer (const SrpDhtQueryKeys *keys, guint64 nonce, const guint8 *frame, gsize len,
                     guint8 out[SRP_MAX_DATAGRAM])
{
  guint8 full_nonce[CHACHA_POLY1305_NONCE_SIZE];
  guint8 *at = out + SRP_WIRE_PREFIX_LEN;

  g_return_val_if_fail (len >= SRP_WIRE_PREFIX_LEN, 0);
  if (len + SRP_SEALED_ANSWER_OVERHEAD > SRP_MAX_DATAGRAM)
    return 0;
  write_prefix (out, SRP_FRAME_SEALED_ANSWER);
  memcpy (at, keys->echo, SRP_DHT_SEAL_ECHO_LEN);
  at += SRP_DHT_SEAL_ECHO_LEN;
  for (guint i = 0; i < 8; i++)
    at[i] = (guint8) (nonce >> (56 - 8 * i));
  answer_nonce (at, full_nonce);
  return seal (keys->answer_key, full_nonce, out, ANSWER_HEADER_LEN, frame, len);
}

gboolean
srp_dht_answer_echo (const guint8 *data, gsize len, guint8 echo[SRP_DHT_SEAL_ECHO_LEN])
{
  if (len < SRP_SEALED_ANSWER_MIN || len > SRP_MAX_DATAGRAM)
    return FALSE;
  memcpy (echo, data + SRP_WIRE_PREFIX_LEN, SRP_DHT_SEAL_ECHO_LEN);
  return TRUE;
}

SrpDropReason
srp_dht_open_answer (const SrpDhtQueryKeys *keys, const guint8 *data, gsize len,
                     guint8 out[SRP_MAX_DATAGRAM], gsize *out_len)
{
  guint8 nonce[CHACHA_POLY1305_NONCE_SIZE];

  if (len < SRP_SEALED_ANSWER_MIN || len > SRP_MAX_DATAGRAM)
    return SRP_DROP_BAD_CONTROL;
  answer_nonce (data + SRP_WIRE_PREFIX_LEN + SRP_DHT_SEAL_ECHO_LEN, nonce);
  if (!open_inner (keys->answer_key, nonce, data, ANSWER_HEADER_LEN, len, out, out_len))
    return SRP_DROP_BAD_SEAL;
  return SRP_DROP_NONE;
}
