/* srp-aead.c: ChaCha20-Poly1305 through libcrypto where the build has it,
 * through nettle otherwise (see srp-aead.h for why).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-aead.h"

#include <nettle/chacha-poly1305.h>
#include <nettle/memops.h>
#include <string.h>

#ifdef SRP_HAVE_LIBCRYPTO
#include <openssl/crypto.h>
#include <openssl/evp.h>
#endif

G_STATIC_ASSERT (SRP_AEAD_KEY_LEN == CHACHA_POLY1305_KEY_SIZE);
G_STATIC_ASSERT (SRP_AEAD_NONCE_LEN == CHACHA_POLY1305_NONCE_SIZE);
G_STATIC_ASSERT (SRP_AEAD_TAG_LEN == CHACHA_POLY1305_DIGEST_SIZE);

void
srp_aead_seal_nettle (const guint8 key[SRP_AEAD_KEY_LEN], const guint8 nonce[SRP_AEAD_NONCE_LEN],
                      const guint8 *ad, gsize ad_len, const guint8 *in, gsize len, guint8 *out,
                      guint8 tag[SRP_AEAD_TAG_LEN])
{
  struct chacha_poly1305_ctx ctx;

  chacha_poly1305_set_key (&ctx, key);
  chacha_poly1305_set_nonce (&ctx, nonce);
  chacha_poly1305_update (&ctx, ad_len, ad);
  chacha_poly1305_encrypt (&ctx, len, out, in);
  chacha_poly1305_digest (&ctx, SRP_AEAD_TAG_LEN, tag);
}

#ifdef SRP_HAVE_LIBCRYPTO

/* One context per direction: switching one context between encrypting and
 * decrypting would reset more of it on every frame. Each remembers the key
 * it holds, so a frame under the same key (all of a link's but the first)
 * sets only its nonce: libcrypto's key setup is a tenth of a frame's cost. */
typedef struct {
  EVP_CIPHER_CTX *ctx;
  guint8 key[SRP_AEAD_KEY_LEN];
  gboolean keyed;
} Direction;

struct _SrpAead {
  Direction seal;
  Direction open;
};

static EVP_CIPHER_CTX *
context_new (int encrypt)
{
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new ();

  /* Only memory running out fails here, which GLib treats as fatal too. */
  if (ctx == NULL || !EVP_CipherInit_ex (ctx, EVP_chacha20_poly1305 (), NULL, NULL, NULL, encrypt))
    g_error ("libcrypto has no ChaCha20-Poly1305");
  return ctx;
}

SrpAead *
srp_aead_new (void)
{
  SrpAead *aead = g_new0 (SrpAead, 1);

  aead->seal.ctx = context_new (1);
  aead->open.ctx = context_new (0);
  return aead;
}

void
srp_aead_free (SrpAead *aead)
{
  if (aead == NULL)
    return;
  EVP_CIPHER_CTX_free (aead->seal.ctx);
  EVP_CIPHER_CTX_free (aead->open.ctx);
  OPENSSL_cleanse (aead, sizeof *aead);
  g_free (aead);
}

const char *
srp_aead_backend (void)
{
  return "libcrypto";
}

/* Starts a frame: the key only where it changed, the nonce always. */
static EVP_CIPHER_CTX *
direction_start (Direction *d, const guint8 key[SRP_AEAD_KEY_LEN],
                 const guint8 nonce[SRP_AEAD_NONCE_LEN], int encrypt)
{
  /* Whether the key changed is no secret (a peer sees rekeying on the
   * wire), so a plain memcmp: CRYPTO_memcmp's byte loop cost 1% of a frame. */
  gboolean same = d->keyed && memcmp (d->key, key, SRP_AEAD_KEY_LEN) == 0;

  if (!EVP_CipherInit_ex (d->ctx, NULL, NULL, same ? NULL : key, nonce, encrypt))
    return NULL;
  if (!same)
    {
      memcpy (d->key, key, SRP_AEAD_KEY_LEN);
      d->keyed = TRUE;
    }
  return d->ctx;
}

/* The lengths are a frame's (below 64 KiB): they fit an int. */
void
srp_aead_seal (SrpAead *aead, const guint8 key[SRP_AEAD_KEY_LEN],
               const guint8 nonce[SRP_AEAD_NONCE_LEN], const guint8 *ad, gsize ad_len,
               const guint8 *in, gsize len, guint8 *out, guint8 tag[SRP_AEAD_TAG_LEN])
{
  g_autoptr (SrpAead) own = NULL;
  EVP_CIPHER_CTX *ctx;
  int n, ok;

  g_assert (len <= G_MAXINT && ad_len <= G_MAXINT);
  if (aead == NULL)
    aead = own = srp_aead_new ();
  ctx = direction_start (&aead->seal, key, nonce, 1);
  ok = ctx != NULL;
  ok = ok && (ad_len == 0 || EVP_CipherUpdate (ctx, NULL, &n, ad, (int) ad_len));
  ok = ok && (len == 0 || EVP_CipherUpdate (ctx, out, &n, in, (int) len));
  ok = ok && EVP_CipherFinal_ex (ctx, out + len, &n);
  ok = ok && EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_AEAD_GET_TAG, SRP_AEAD_TAG_LEN, tag);
  /* With a valid key, nonce and lengths none of these can fail. */
  if (!ok)
    g_error ("ChaCha20-Poly1305 sealing failed in libcrypto");
}

gboolean
srp_aead_open (SrpAead *aead, const guint8 key[SRP_AEAD_KEY_LEN],
               const guint8 nonce[SRP_AEAD_NONCE_LEN], const guint8 *ad, gsize ad_len,
               const guint8 *in, gsize len, guint8 *out, const guint8 tag[SRP_AEAD_TAG_LEN])
{
  g_autoptr (SrpAead) own = NULL;
  EVP_CIPHER_CTX *ctx;
  int n;

  g_assert (len <= G_MAXINT && ad_len <= G_MAXINT);
  if (aead == NULL)
    aead = own = srp_aead_new ();
  ctx = direction_start (&aead->open, key, nonce, 0);
  if (ctx == NULL ||
      (ad_len > 0 && !EVP_CipherUpdate (ctx, NULL, &n, ad, (int) ad_len)) ||
      (len > 0 && !EVP_CipherUpdate (ctx, out, &n, in, (int) len)) ||
      !EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_AEAD_SET_TAG, SRP_AEAD_TAG_LEN, (void *) tag))
    g_error ("ChaCha20-Poly1305 opening failed in libcrypto");
  /* The tag check (CRYPTO_memcmp, constant time) is Final's. */
  return EVP_CipherFinal_ex (ctx, out + len, &n) == 1;
}

#else /* nettle */

struct _SrpAead {
  char unused;
};

SrpAead *
srp_aead_new (void)
{
  return g_new0 (SrpAead, 1);
}

void
srp_aead_free (SrpAead *aead)
{
  g_free (aead);
}

const char *
srp_aead_backend (void)
{
  return "nettle";
}

void
srp_aead_seal (SrpAead *aead, const guint8 key[SRP_AEAD_KEY_LEN],
               const guint8 nonce[SRP_AEAD_NONCE_LEN], const guint8 *ad, gsize ad_len,
               const guint8 *in, gsize len, guint8 *out, guint8 tag[SRP_AEAD_TAG_LEN])
{
  srp_aead_seal_nettle (key, nonce, ad, ad_len, in, len, out, tag);
}

gboolean
srp_aead_open (SrpAead *aead, const guint8 key[SRP_AEAD_KEY_LEN],
               const guint8 nonce[SRP_AEAD_NONCE_LEN], const guint8 *ad, gsize ad_len,
               const guint8 *in, gsize len, guint8 *out, const guint8 tag[SRP_AEAD_TAG_LEN])
{
  struct chacha_poly1305_ctx ctx;
  guint8 computed[SRP_AEAD_TAG_LEN];

  chacha_poly1305_set_key (&ctx, key);
  chacha_poly1305_set_nonce (&ctx, nonce);
  chacha_poly1305_update (&ctx, ad_len, ad);
  chacha_poly1305_decrypt (&ctx, len, out, in);
  chacha_poly1305_digest (&ctx, SRP_AEAD_TAG_LEN, computed);
  return memeql_sec (computed, tag, SRP_AEAD_TAG_LEN);
}

#endif
