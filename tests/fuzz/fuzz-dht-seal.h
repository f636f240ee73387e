/* fuzz-dht-seal.h: the fixed identities and the fixed query that
 * fuzz-dht-seal and its seed corpus (gen-corpus-dht-seal.c) share, so that
 * the seeds open.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <nettle/curve25519.h>
#include <sodium.h>
#include <string.h>

#include "srp-control-dht.h"
#include "srp-dht-seal.h"

typedef struct {
  guint8 sk[64]; /* seed, public key */
  guint8 x25519[32];
  SrpId id;
} FuzzDhtKeys;

static inline gboolean
fuzz_dht_keys_init (FuzzDhtKeys *k, guint8 seed_byte)
{
  guint8 seed[32], pk[32];

  memset (seed, seed_byte, sizeof seed);
  crypto_sign_seed_keypair (pk, k->sk, seed);
  memcpy (k->id.bytes, pk, 32);
  return crypto_sign_ed25519_sk_to_curve25519 (k->x25519, k->sk) == 0;
}

static inline gboolean
fuzz_dht_agree (const guint8 their_public[32], guint8 shared[32], gpointer user_data)
{
  curve25519_mul (shared, ((FuzzDhtKeys *) user_data)->x25519, their_public);
  return TRUE;
}

/* The contact's identity (seed 02), and the query whose keys answers are
 * sealed under: a FIND sealed to it with an ephemeral secret of 11s. */
static inline gsize
fuzz_dht_fixed_query (const FuzzDhtKeys *contact, guint8 out[SRP_MAX_DATAGRAM],
                      SrpDhtQueryKeys *keys)
{
  SrpFind find = { .nonce = 9, .flags = SRP_FIND_FLAG_OPEN };
  guint8 secret[32], frame[SRP_MAX_DATAGRAM];

  memset (secret, 0x11, sizeof secret);
  memset (find.target.bytes, 0xb1, SRP_ID_LEN);
  memset (find.sender.bytes, 0xb2, SRP_ID_LEN);
  return srp_dht_seal_query (&contact->id, secret, frame,
                             srp_find_encode_padded (&find, SRP_SEALED_FIND_LEN, frame), out, keys);
}
