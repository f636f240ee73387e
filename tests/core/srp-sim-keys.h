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
} SrpSimKeys;

void srp_sim_keys_generate (SrpSimKeys *keys, SrpRng *rng);
/* An SrpCoreSignFunc; user_data is the SrpSimKeys. */
gboolean srp_sim_keys_sign (const guint8 *data, gsize len, guint8 signature[SRP_SIGNATURE_LEN],
                            gpointer user_data);

G_END_DECLS
