/* srp-sim-keys.h: Ed25519 identities drawn from a simulation's RNG, so that
 * peer IDs and signatures (deterministic in Ed25519) repeat with the seed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-core.h"
#include "srp-rng.h"

G_BEGIN_DECLS

typedef struct {
  guint8 secret[32];
  guint8 public[32];
  guint8 x25519[32]; /* the secret's Montgomery form: opens letters */
} SrpSimKeys;

void srp_sim_keys_generate (SrpSimKeys *keys, SrpRng *rng);
/* The key pair of a given Ed25519 seed (test vectors). */
void srp_sim_keys_from_secret (SrpSimKeys *keys, const guint8 secret[32]);
/* An SrpCoreSignFunc; user_data is the SrpSimKeys. */
gboolean srp_sim_keys_sign (const guint8 *data, gsize len, guint8 signature[SRP_SIGNATURE_LEN],
                            gpointer user_data);

/* An SrpCoreAgreeFunc; user_data is the SrpSimKeys. */
gboolean srp_sim_keys_agree (const guint8 their_public[32], guint8 shared[32],
                             gpointer user_data);

G_END_DECLS
