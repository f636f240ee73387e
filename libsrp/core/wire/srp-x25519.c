/* srp-x25519.c: X25519 through libsodium (see srp-x25519.h for why).
 *
 * libsodium's implementation is chosen once by sodium_init (a faster one
 * where the CPU has AVX); the core never calls it, so it stays free of that
 * global state, and the portable one it starts with is already several
 * times nettle's speed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-x25519.h"

#include <sodium.h>
#include <string.h>

G_STATIC_ASSERT (SRP_X25519_LEN == crypto_scalarmult_BYTES);
G_STATIC_ASSERT (SRP_X25519_LEN == crypto_scalarmult_SCALARBYTES);

void
srp_x25519 (guint8 out[SRP_X25519_LEN], const guint8 secret[SRP_X25519_LEN],
            const guint8 point[SRP_X25519_LEN])
{
  /* It refuses (-1) exactly when the result is all zero, a low-order
   * point: the callers test for zero, as with nettle. */
  if (crypto_scalarmult (out, secret, point) != 0)
    memset (out, 0, SRP_X25519_LEN);
}

void
srp_x25519_base (guint8 out[SRP_X25519_LEN], const guint8 secret[SRP_X25519_LEN])
{
  /* Never fails: the base point is of large order. */
  if (crypto_scalarmult_base (out, secret) != 0)
    memset (out, 0, SRP_X25519_LEN);
}

void
srp_ephemeral_init (SrpEphemeral *e)
{
  srp_x25519_base (e->public, e->secret);
}

void
srp_ephemeral_clear (SrpEphemeral *e)
{
  /* Through a volatile-safe wipe: a plain memset of a dying struct may be
   * optimised away. */
  sodium_memzero (e, sizeof *e);
}
