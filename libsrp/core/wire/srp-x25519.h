/* srp-x25519.h: X25519 (RFC 7748) for every key exchange of the core: the
 * handshake's ephemeral keys, letters, sealed lookups.
 *
 * Through libsodium (a dependency already, for the Ed25519 to X25519 map):
 * its 64-bit field arithmetic computes the same bytes as nettle's
 * curve25519_mul in a fraction of the time. nettle 3.8 goes through GMP,
 * and its X25519 took about 60 % of srp-simulate's CPU once lookups were
 * sealed (two exchanges per query). test-aead compares the two on random
 * inputs and RFC 7748's vectors.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SRP_X25519_LEN 32

/* out = X25519 (secret, point): the shared secret. All zero when point is
 * of low order (nothing is shared, whatever the secret). */
void srp_x25519 (guint8 out[SRP_X25519_LEN], const guint8 secret[SRP_X25519_LEN],
                 const guint8 point[SRP_X25519_LEN]);
/* out = X25519 (secret, 9): the public key of secret. */
void srp_x25519_base (guint8 out[SRP_X25519_LEN], const guint8 secret[SRP_X25519_LEN]);

/* An ephemeral key pair, the one shape every exchange of the core uses
 * (the handshake's halves, a lookup's asker): secret from the caller's
 * randomness, public made from it. */
typedef struct {
  guint8 secret[SRP_X25519_LEN];
  guint8 public[SRP_X25519_LEN];
} SrpEphemeral;

/* Makes public from secret (32 random bytes the caller filled in). */
void srp_ephemeral_init (SrpEphemeral *e);
/* Wipes the pair. */
void srp_ephemeral_clear (SrpEphemeral *e);

G_END_DECLS
