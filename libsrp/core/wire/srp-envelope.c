/* srp-envelope.c: envelopes through nettle (X25519, ChaCha20-Poly1305),
 * HKDF-SHA256 (srp-hkdf.c) and libsodium: Ed25519 checks (two and a half
 * times nettle's speed: every delivered message costs one) and the map
 * from an Ed25519 public key to its X25519 form (nettle has none).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-envelope.h"

#include <nettle/chacha-poly1305.h>
#include <nettle/memops.h>
#include <sodium.h>
#include <string.h>

#include "srp-hkdf.h"
#include "srp-sha256.h"
#include "srp-x25519.h"

G_STATIC_ASSERT (CHACHA_POLY1305_NONCE_SIZE == SRP_ENVELOPE_NONCE_LEN);
G_STATIC_ASSERT (CHACHA_POLY1305_DIGEST_SIZE == SRP_ENVELOPE_TAG_LEN);
G_STATIC_ASSERT (SRP_X25519_LEN == SRP_ENVELOPE_EPHEMERAL_LEN);

static const char author_label[] = "SRP1 author";
static const char letter_label[] = "SRP1 letter";
static const char group_salt[] = "SRP1 group";

G_STATIC_ASSERT (sizeof author_label - 1 == 11);

#define KNOWN_FLAGS (SRP_ENVELOPE_SIGNED | SRP_ENVELOPE_LETTER | SRP_ENVELOPE_GROUP)
/* TOPIC ID, PREV ID, FLAGS and the seal header: what a seal authenticates. */
#define AAD_MAX (2 * SRP_ID_LEN + 1 + SRP_ENVELOPE_EPHEMERAL_LEN)

void
srp_envelope_signed_bytes (const SrpId *topic_id, const SrpId *prev_id, guint8 flags,
                           const SrpId *author, const guint8 *payload, gsize len,
                           guint8 out[SRP_ENVELOPE_SIGNED_LEN])
{
  gsize at = 0;
  SrpId digest;

  /* The payload goes in as its SHA-256: Ed25519 hashes what it signs
   * twice, and a 1 MiB message is hashed once here instead. */
  srp_sha256 (payload, len, &digest);
  memcpy (out + at, author_label, sizeof author_label - 1), at += sizeof author_label - 1;
  memcpy (out + at, topic_id->bytes, SRP_ID_LEN), at += SRP_ID_LEN;
  memcpy (out + at, prev_id->bytes, SRP_ID_LEN), at += SRP_ID_LEN;
  out[at++] = flags;
  memcpy (out + at, author->bytes, SRP_ID_LEN), at += SRP_ID_LEN;
  memcpy (out + at, digest.bytes, SRP_ID_LEN), at += SRP_ID_LEN;
  g_assert (at == SRP_ENVELOPE_SIGNED_LEN);
}

gboolean
srp_envelope_x25519_public (const SrpId *identity, guint8 out[32])
{
  /* Pure arithmetic on the point (no sodium_init state involved); it
   * refuses points that are not on the curve or of small order. */
  return crypto_sign_ed25519_pk_to_curve25519 (out, identity->bytes) == 0;
}

static gsize
aad_of (const SrpId *topic_id, const SrpId *prev_id, guint8 flags, const guint8 *header,
        gsize header_len, guint8 out[AAD_MAX])
{
  gsize at = 0;

  memcpy (out + at, topic_id->bytes, SRP_ID_LEN), at += SRP_ID_LEN;
  memcpy (out + at, prev_id->bytes, SRP_ID_LEN), at += SRP_ID_LEN;
  out[at++] = flags;
  memcpy (out + at, header, header_len), at += header_len;
  return at;
}

/* A letter's key: HKDF over the X25519 secret, salted with the ephemeral
 * public key and the recipient's ID, so that it belongs to this letter to
 * this recipient alone. FALSE when nothing is shared (a low-order point). */
static gboolean
letter_key (const guint8 shared[32], const guint8 ephemeral[32], const SrpId *recipient,
            guint8 key[SRP_ENVELOPE_KEY_LEN])
{
  static const guint8 zero[32] = { 0 };
  guint8 salt[SRP_ENVELOPE_EPHEMERAL_LEN + SRP_ID_LEN];

  if (memeql_sec (shared, zero, 32))
    return FALSE;
  memcpy (salt, ephemeral, SRP_ENVELOPE_EPHEMERAL_LEN);
  memcpy (salt + SRP_ENVELOPE_EPHEMERAL_LEN, recipient->bytes, SRP_ID_LEN);
  srp_hkdf_sha256 (salt, sizeof salt, shared, 32, (const guint8 *) letter_label,
                   sizeof letter_label - 1, key, SRP_ENVELOPE_KEY_LEN);
  return TRUE;
}

GBytes *
srp_envelope_build (const SrpId *topic_id, const SrpId *prev_id, const SrpEnvelopeSeal *seal,
                    const guint8 *payload, gsize len)
{
  gboolean signed_ = (seal->flags & SRP_ENVELOPE_SIGNED) != 0;
  gboolean letter = (seal->flags & SRP_ENVELOPE_LETTER) != 0;
  gboolean group = (seal->flags & SRP_ENVELOPE_GROUP) != 0;
  gsize header_len = letter ? SRP_ENVELOPE_EPHEMERAL_LEN : group ? SRP_ENVELOPE_NONCE_LEN : 0;
  gsize inner_len = (signed_ ? SRP_ENVELOPE_AUTHOR_LEN : 0) + len;
  gsize total = 1 + header_len + inner_len + (letter || group ? SRP_ENVELOPE_TAG_LEN : 0);
  guint8 key[SRP_ENVELOPE_KEY_LEN];
  g_autofree guint8 *out = NULL;
  guint8 *inner;

  g_return_val_if_fail ((seal->flags & ~KNOWN_FLAGS) == 0 && seal->flags != 0, NULL);
  g_return_val_if_fail (!(letter && group), NULL);
  g_return_val_if_fail (len <= SRP_ENVELOPE_PAYLOAD_MAX, NULL);

  out = g_malloc (total);
  out[0] = seal->flags;
  inner = out + 1 + header_len;
  if (letter)
    {
      guint8 recipient_x[32], shared[32];

      if (!srp_envelope_x25519_public (seal->recipient, recipient_x))
        return NULL;
      srp_x25519_base (out + 1, seal->ephemeral_secret);
      srp_x25519 (shared, seal->ephemeral_secret, recipient_x);
      if (!letter_key (shared, out + 1, seal->recipient, key))
        return NULL;
      memset (shared, 0, sizeof shared);
    }
  else if (group)
    {
      memcpy (out + 1, seal->nonce, SRP_ENVELOPE_NONCE_LEN);
      memcpy (key, seal->group_key, SRP_ENVELOPE_KEY_LEN);
    }
  if (signed_)
    {
      guint8 to_sign[SRP_ENVELOPE_SIGNED_LEN];

      srp_envelope_signed_bytes (topic_id, prev_id, seal->flags, seal->author, payload, len,
                                 to_sign);
      memcpy (inner, seal->author->bytes, SRP_ID_LEN);
      if (seal->sign == NULL ||
          !seal->sign (to_sign, sizeof to_sign, inner + SRP_ID_LEN, seal->sign_data))
        return NULL;
    }
  if (len > 0)
    memcpy (inner + (signed_ ? SRP_ENVELOPE_AUTHOR_LEN : 0), payload, len);
  if (letter || group)
    {
      struct chacha_poly1305_ctx ctx;
      guint8 aad[AAD_MAX], nonce[SRP_ENVELOPE_NONCE_LEN] = { 0 };
      gsize aad_len = aad_of (topic_id, prev_id, seal->flags, out + 1, header_len, aad);

      /* A letter's key is fresh for every letter: its nonce may be zero. */
      if (group)
        memcpy (nonce, seal->nonce, sizeof nonce);
      chacha_poly1305_set_key (&ctx, key);
      chacha_poly1305_set_nonce (&ctx, nonce);
      chacha_poly1305_update (&ctx, aad_len, aad);
      chacha_poly1305_encrypt (&ctx, inner_len, inner, inner);
      chacha_poly1305_digest (&ctx, SRP_ENVELOPE_TAG_LEN, inner + inner_len);
      memset (key, 0, sizeof key);
      memset (&ctx, 0, sizeof ctx);
    }
  return g_bytes_new_take (g_steal_pointer (&out), total);
}

void
srp_envelope_opened_clear (SrpEnvelopeOpened *opened)
{
  g_clear_pointer (&opened->payload, g_bytes_unref);
}

/* Opens a sealed inner part in place; FALSE when it does not open. */
static gboolean
open_sealed (const SrpId *topic_id, const SrpId *prev_id, guint8 flags, const guint8 *header,
             gsize header_len, const guint8 key[SRP_ENVELOPE_KEY_LEN], const guint8 *nonce,
             const guint8 *cipher, gsize len, guint8 *plain)
{
  struct chacha_poly1305_ctx ctx;
  guint8 aad[AAD_MAX], tag[SRP_ENVELOPE_TAG_LEN];
  gsize aad_len = aad_of (topic_id, prev_id, flags, header, header_len, aad);

  chacha_poly1305_set_key (&ctx, key);
  chacha_poly1305_set_nonce (&ctx, nonce);
  chacha_poly1305_update (&ctx, aad_len, aad);
  chacha_poly1305_decrypt (&ctx, len, plain, cipher);
  chacha_poly1305_digest (&ctx, sizeof tag, tag);
  memset (&ctx, 0, sizeof ctx);
  return memeql_sec (tag, cipher + len, sizeof tag);
}

SrpDropReason
srp_envelope_open (const SrpId *topic_id, const SrpId *prev_id, guint8 type, GBytes *data,
                   const SrpEnvelopeKeys *keys, SrpEnvelopeOpened *out)
{
  gsize len;
  const guint8 *bytes = g_bytes_get_data (data, &len);
  g_autofree guint8 *plain = NULL;
  const guint8 *inner;
  gsize inner_len, header_len;
  guint8 flags;

  memset (out, 0, sizeof *out);
  if (type == SRP_PACKET_TYPE_MESSAGE)
    {
      /* Only members can seal under a group's key: a bare message on a
       * group topic came from someone who is not one. */
      if (keys->group_key != NULL)
        return SRP_DROP_UNOPENED;
      out->payload = g_bytes_ref (data);
      return SRP_DROP_NONE;
    }
  if (type != SRP_PACKET_TYPE_ENVELOPE || len < 1)
    return SRP_DROP_BAD_ENVELOPE;
  flags = bytes[0];
  if (flags == 0 || (flags & ~KNOWN_FLAGS) != 0 ||
      ((flags & SRP_ENVELOPE_LETTER) && (flags & SRP_ENVELOPE_GROUP)))
    return SRP_DROP_BAD_ENVELOPE;
  header_len = (flags & SRP_ENVELOPE_LETTER)  ? SRP_ENVELOPE_EPHEMERAL_LEN
               : (flags & SRP_ENVELOPE_GROUP) ? SRP_ENVELOPE_NONCE_LEN
                                              : 0;
  if (header_len > 0 && len < 1 + header_len + SRP_ENVELOPE_TAG_LEN)
    return SRP_DROP_BAD_ENVELOPE;
  if (keys->group_key != NULL && !(flags & SRP_ENVELOPE_GROUP))
    return SRP_DROP_UNOPENED;
  if (header_len == 0)
    {
      inner = bytes + 1;
      inner_len = len - 1;
    }
  else
    {
      const guint8 *header = bytes + 1;
      const guint8 *cipher = header + header_len;
      guint8 key[SRP_ENVELOPE_KEY_LEN], nonce[SRP_ENVELOPE_NONCE_LEN] = { 0 };
      gboolean opened;

      inner_len = len - 1 - header_len - SRP_ENVELOPE_TAG_LEN;
      if (flags & SRP_ENVELOPE_LETTER)
        {
          guint8 shared[32];

          if (keys->agree == NULL || keys->self_id == NULL ||
              !keys->agree (header, shared, keys->agree_data) ||
              !letter_key (shared, header, keys->self_id, key))
            return SRP_DROP_UNOPENED;
          memset (shared, 0, sizeof shared);
        }
      else
        {
          if (keys->group_key == NULL)
            return SRP_DROP_UNOPENED;
          memcpy (key, keys->group_key, sizeof key);
          memcpy (nonce, header, sizeof nonce);
        }
      plain = g_malloc (MAX (inner_len, 1));
      opened = open_sealed (topic_id, prev_id, flags, header, header_len, key, nonce, cipher,
                            inner_len, plain);
      memset (key, 0, sizeof key);
      if (!opened)
        return SRP_DROP_UNOPENED;
      inner = plain;
    }
  if (flags & SRP_ENVELOPE_SIGNED)
    {
      guint8 to_sign[SRP_ENVELOPE_SIGNED_LEN];
      SrpId author;

      if (inner_len < SRP_ENVELOPE_AUTHOR_LEN)
        return SRP_DROP_BAD_ENVELOPE;
      memcpy (author.bytes, inner, SRP_ID_LEN);
      srp_envelope_signed_bytes (topic_id, prev_id, flags, &author,
                                 inner + SRP_ENVELOPE_AUTHOR_LEN,
                                 inner_len - SRP_ENVELOPE_AUTHOR_LEN, to_sign);
      /* libsodium's check: 55 us where nettle's takes 141 (bench-crypto),
       * and it takes the raw key, no key object per message. It refuses
       * small-order keys and non-canonical signatures. */
      if (crypto_sign_verify_detached (inner + SRP_ID_LEN, to_sign, sizeof to_sign,
                                       author.bytes) != 0)
        return SRP_DROP_BAD_AUTHOR;
      out->author = author;
      inner += SRP_ENVELOPE_AUTHOR_LEN;
      inner_len -= SRP_ENVELOPE_AUTHOR_LEN;
    }
  out->flags = flags;
  if (plain != NULL)
    out->payload = g_bytes_new (inner, inner_len);
  else
    out->payload = g_bytes_new_from_bytes (data, (gsize) (inner - bytes), inner_len);
  return SRP_DROP_NONE;
}

void
srp_envelope_group_derive (const char *name, const guint8 *secret, gsize secret_len,
                           SrpId *topic_id, guint8 key[SRP_ENVELOPE_KEY_LEN])
{
  gsize name_len = strlen (name);
  g_autofree guint8 *info = g_malloc (4 + name_len);

  /* One extract, two labels: the ID that everyone sees on the wire tells
   * nothing of the key. */
  memcpy (info + 4, name, name_len);
  memcpy (info, "tid:", 4);
  srp_hkdf_sha256 ((const guint8 *) group_salt, sizeof group_salt - 1, secret, secret_len, info,
                   4 + name_len, topic_id->bytes, SRP_ID_LEN);
  memcpy (info, "key:", 4);
  srp_hkdf_sha256 ((const guint8 *) group_salt, sizeof group_salt - 1, secret, secret_len, info,
                   4 + name_len, key, SRP_ENVELOPE_KEY_LEN);
}
