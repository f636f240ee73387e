/* srp-signature.c: Ed25519 verification through libsodium.
 *
 * Every handshake checks one signature each way, and every signed message
 * one more. libsodium takes the raw key (no key object per check) and
 * needs 55 us where gnutls (nettle, through GMP) took 214 (bench-crypto);
 * it is the check messages' authors already had (srp-envelope.c), so one
 * rule holds for every signature: keys of small order and non-canonical
 * signatures are refused.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-signature.h"

#include <sodium.h>

G_STATIC_ASSERT (SRP_SIGNATURE_LEN == crypto_sign_BYTES);
G_STATIC_ASSERT (SRP_ID_LEN == crypto_sign_PUBLICKEYBYTES);

gboolean
srp_signature_verify (const SrpId *public_key, const guint8 *data, gsize len,
                      const guint8 signature[SRP_SIGNATURE_LEN])
{
  /* A public key that is not a valid curve point fails too. */
  return crypto_sign_verify_detached (signature, data, len, public_key->bytes) == 0;
}
