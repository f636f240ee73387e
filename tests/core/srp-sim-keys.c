/* srp-sim-keys.c: Ed25519 through nettle (gnutls's own crypto library): the
 * library signs through gnutls, which cannot take a key made from a seed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-sim-keys.h"

#include <nettle/eddsa.h>
#include "srp-x25519.h"
#include <sodium.h>
#include <string.h>

void
srp_sim_keys_generate (SrpSimKeys *keys, SrpRng *rng)
{
  guint8 secret[32];

  srp_rng_fill (rng, secret, sizeof secret);
  srp_sim_keys_from_secret (keys, secret);
}

void
srp_sim_keys_from_secret (SrpSimKeys *keys, const guint8 secret[32])
{
  guint8 sk[64];

  memcpy (keys->secret, secret, sizeof keys->secret);
  ed25519_sha512_public_key (keys->public, keys->secret);
  memcpy (sk, keys->secret, 32);
  memcpy (sk + 32, keys->public, 32);
  g_assert (crypto_sign_ed25519_sk_to_curve25519 (keys->x25519, sk) == 0);
}

gboolean
srp_sim_keys_agree (const guint8 their_public[32], guint8 shared[32], gpointer user_data)
{
  SrpSimKeys *keys = user_data;

  srp_x25519 (shared, keys->x25519, their_public);
  return TRUE;
}

gboolean
srp_sim_keys_sign (const guint8 *data, gsize len, guint8 signature[SRP_SIGNATURE_LEN],
                   gpointer user_data)
{
  SrpSimKeys *keys = user_data;

  guint8 sk[64];

  /* libsodium's signer: the same (deterministic) signatures as nettle's,
   * in half the time. */
  memcpy (sk, keys->secret, 32);
  memcpy (sk + 32, keys->public, 32);
  return crypto_sign_detached (signature, NULL, data, len, sk) == 0;
}
