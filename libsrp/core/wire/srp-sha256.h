/* srp-sha256.h: SHA-256 through gnutls, which uses the CPU's SHA instructions.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-wire.h"

G_BEGIN_DECLS

void srp_sha256 (const void *data, gsize len, SrpId *out);
/* SHA-256 of a || b without copying them together. */
void srp_sha256_2 (const void *a, gsize a_len, const void *b, gsize b_len, SrpId *out);

G_END_DECLS
