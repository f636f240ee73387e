/* srp-signature.c: Ed25519 verification through gnutls.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-signature.h"

#include <gnutls/abstract.h>

gboolean
srp_signature_verify (const SrpId *public_key, const guint8 *data, gsize len,
                      const guint8 signature[SRP_SIGNATURE_LEN])
{
  gnutls_pubkey_t key = NULL;
  gnutls_datum_t x = { (unsigned char *) public_key->bytes, SRP_ID_LEN };
  gnutls_datum_t message = { (unsigned char *) data, (unsigned int) len };
  gnutls_datum_t sig = { (unsigned char *) signature, SRP_SIGNATURE_LEN };
  gboolean ok;

  if (gnutls_pubkey_init (&key) < 0)
    return FALSE;
  /* A public key that is not a valid curve point fails here or in verify. */
  ok = gnutls_pubkey_import_ecc_raw (key, GNUTLS_ECC_CURVE_ED25519, &x, NULL) >= 0 &&
       gnutls_pubkey_verify_data2 (key, GNUTLS_SIGN_EDDSA_ED25519, 0, &message, &sig) >= 0;
  gnutls_pubkey_deinit (key);
  return ok;
}
