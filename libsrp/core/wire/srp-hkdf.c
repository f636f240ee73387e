/* srp-hkdf.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-hkdf.h"

#include <nettle/hkdf.h>
#include <nettle/hmac.h>
#include <string.h>

void
srp_hkdf_sha256 (const guint8 *salt, gsize salt_len, const guint8 *ikm, gsize ikm_len,
                 const guint8 *info, gsize info_len, guint8 *out, gsize out_len)
{
  struct hmac_sha256_ctx mac;
  guint8 prk[SHA256_DIGEST_SIZE];

  hmac_sha256_set_key (&mac, salt_len, salt);
  hkdf_extract (&mac, (nettle_hash_update_func *) hmac_sha256_update,
                (nettle_hash_digest_func *) hmac_sha256_digest, SHA256_DIGEST_SIZE, ikm_len, ikm,
                prk);
  hmac_sha256_set_key (&mac, sizeof prk, prk);
  hkdf_expand (&mac, (nettle_hash_update_func *) hmac_sha256_update,
               (nettle_hash_digest_func *) hmac_sha256_digest, SHA256_DIGEST_SIZE, info_len, info,
               out_len, out);
  memset (prk, 0, sizeof prk);
  memset (&mac, 0, sizeof mac);
}
