/* srp-sha256.c: SHA-256 through gnutls.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-sha256.h"

#include <string.h>
#include <gnutls/crypto.h>

void
srp_sha256 (const void *data, gsize len, SrpId *out)
{
  /* Cannot fail for a built-in algorithm with valid arguments. */
  int ret = gnutls_hash_fast (GNUTLS_DIG_SHA256, data, len, out->bytes);
  g_assert (ret == 0);
}

void
srp_sha256_2 (const void *a, gsize a_len, const void *b, gsize b_len, SrpId *out)
{
  /* Packet IDs hash a 70-byte header and the BODY (at most 70 + 1024
   * bytes). Copying them into one stack buffer costs far less than
   * gnutls_hash_init, which allocates a context on every call. */
  guint8 buf[128 + SRP_PACKET_MAX_BODY];

  if (a_len + b_len <= sizeof buf)
    {
      memcpy (buf, a, a_len);
      if (b_len > 0)
        memcpy (buf + a_len, b, b_len);
      srp_sha256 (buf, a_len + b_len, out);
    }
  else
    {
      gnutls_hash_hd_t hd;
      int ret = gnutls_hash_init (&hd, GNUTLS_DIG_SHA256);

      g_assert (ret == 0);
      gnutls_hash (hd, a, a_len);
      gnutls_hash (hd, b, b_len);
      gnutls_hash_deinit (hd, out->bytes);
    }
}
