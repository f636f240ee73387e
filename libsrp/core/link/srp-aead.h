/* srp-aead.h: ChaCha20-Poly1305 (RFC 8439) for sealed frames, with the
 * cipher state a link reuses from frame to frame.
 *
 * Sealing is most of what a bulk transfer costs. nettle 3.8's ChaCha20 on
 * x86_64 is one block at a time (about 300 MB/s here); OpenSSL's libcrypto
 * computes several blocks at once with AVX2/AVX-512 (about 1,400 MB/s on
 * the same CPU, for 1,162-byte frames). libcrypto is used where the build
 * found it, nettle otherwise: the bytes are the same either way (the test
 * test-aead checks both against RFC 8439 and each other), so traces and
 * the wire do not depend on it.
 *
 * An SrpAead holds no key between calls (the key goes with each call:
 * links roll keys over and keep the previous one), only what setting up
 * the cipher would otherwise allocate and look up for every frame. It is
 * the caller's, one per thread; there is no global state.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SRP_AEAD_KEY_LEN 32
#define SRP_AEAD_NONCE_LEN 12
#define SRP_AEAD_TAG_LEN 16

typedef struct _SrpAead SrpAead;

SrpAead *srp_aead_new (void);
void srp_aead_free (SrpAead *aead);

/* The name of the implementation in use ("libcrypto" or "nettle"). */
const char *srp_aead_backend (void);

/* Encrypts in[0..len) into out (in == out allowed), authenticating
 * ad[0..ad_len) too, and writes the tag. aead NULL: a one-off (slower). */
void srp_aead_seal (SrpAead *aead, const guint8 key[SRP_AEAD_KEY_LEN],
                    const guint8 nonce[SRP_AEAD_NONCE_LEN], const guint8 *ad, gsize ad_len,
                    const guint8 *in, gsize len, guint8 *out, guint8 tag[SRP_AEAD_TAG_LEN]);

/* Decrypts in[0..len) into out (in == out allowed) and checks tag over ad
 * and the ciphertext in constant time. FALSE: forged or damaged (out then
 * holds garbage the caller must not use). */
gboolean srp_aead_open (SrpAead *aead, const guint8 key[SRP_AEAD_KEY_LEN],
                        const guint8 nonce[SRP_AEAD_NONCE_LEN], const guint8 *ad, gsize ad_len,
                        const guint8 *in, gsize len, guint8 *out,
                        const guint8 tag[SRP_AEAD_TAG_LEN]);

/* nettle's, whatever the build uses: for the test that compares the two. */
void srp_aead_seal_nettle (const guint8 key[SRP_AEAD_KEY_LEN],
                           const guint8 nonce[SRP_AEAD_NONCE_LEN], const guint8 *ad, gsize ad_len,
                           const guint8 *in, gsize len, guint8 *out,
                           guint8 tag[SRP_AEAD_TAG_LEN]);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrpAead, srp_aead_free)

G_END_DECLS
