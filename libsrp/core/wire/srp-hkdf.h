/* srp-hkdf.h: HKDF-SHA256 (RFC 5869) through nettle, for every key the core
 * derives: sealed links, letters and group topics.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Extract with salt, then expand with info into out_len bytes. */
void srp_hkdf_sha256 (const guint8 *salt, gsize salt_len, const guint8 *ikm, gsize ikm_len,
                      const guint8 *info, gsize info_len, guint8 *out, gsize out_len);

G_END_DECLS
