/* srp-signature.h: Ed25519 signature checks for the core (through gnutls).
 * Signing stays with whoever holds the private key: the core asks through
 * SrpCoreConfig.sign.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-wire.h"

G_BEGIN_DECLS

/* TRUE when signature is public_key's Ed25519 signature of data. */
gboolean srp_signature_verify (const SrpId *public_key, const guint8 *data, gsize len,
                               const guint8 signature[SRP_SIGNATURE_LEN]);

G_END_DECLS
