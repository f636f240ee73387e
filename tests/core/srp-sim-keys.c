/* srp-sim-keys.c: Ed25519 through nettle (gnutls's own crypto library): the
 * library signs through gnutls, which cannot take a key made from a seed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-sim-keys.h"

#include <nettle/eddsa.h>

void
srp_sim_keys_generate (SrpSimKeys *keys, SrpRng *rng)
{
  srp_rng_fill (rng, keys->secret, sizeof keys->secret);
  ed25519_sha512_public_key (keys->public, keys->secret);
}

gboolean
srp_sim_keys_sign (const guint8 *data, gsize len, guint8 signature[SRP_SIGNATURE_LEN],
                   gpointer user_data)
{
  SrpSimKeys *keys = user_data;

  ed25519_sha512_sign (keys->public, keys->secret, len, data, signature);
  return TRUE;
}
