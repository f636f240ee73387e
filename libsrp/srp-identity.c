/* srp-identity.c: Ed25519 key pairs through gnutls (made, loaded, saved as
 * PKCS#8), signing through libsodium, and the X25519 form that opens letters.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-identity.h"

#include <errno.h>
#include <gio/gio.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <nettle/memops.h>
#include <sodium.h>
#include <string.h>

#include "srp-error.h"
#include "srp-signature.h"
#include "srp-x25519.h"

/* A PKCS#8 PEM Ed25519 key is about 120 bytes; anything far larger is not ours. */
#define KEY_FILE_MAX_LEN 16384

struct _SrpIdentity {
  gnutls_privkey_t privkey;
  SrpId public_key;
  char hex_id[2 * SRP_ID_LEN + 1];
  /* The Montgomery form of the private key: letters are sealed to the
   * public key's (srp-envelope.c), and opened with this. */
  guint8 x25519_secret[SRP_X25519_LEN];
  /* The seed and public key, as libsodium signs with them: a signature a
   * message costs its author 23 us there, 40 and more through gnutls. */
  guint8 sign_key[2 * SRP_ID_LEN];
};

static gboolean
set_gnutls_error (GError **error, int ret, const char *what)
{
  g_set_error (error, SRP_ERROR, SRP_ERROR_IDENTITY, "%s: %s", what, gnutls_strerror (ret));
  return FALSE;
}

/* Takes ownership of privkey; fills in the public key and hex ID. */
static SrpIdentity *
identity_from_privkey (gnutls_privkey_t privkey, GError **error)
{
  g_autoptr (SrpIdentity) identity = g_new0 (SrpIdentity, 1);
  gnutls_datum_t x = { NULL, 0 }, k = { NULL, 0 };
  guint8 sk[2 * SRP_ID_LEN];
  gboolean ok;
  int ret;

  identity->privkey = privkey;
  if (gnutls_privkey_get_pk_algorithm (privkey, NULL) != GNUTLS_PK_EDDSA_ED25519)
    {
      g_set_error_literal (error, SRP_ERROR, SRP_ERROR_IDENTITY, "The key is not an Ed25519 key");
      return NULL;
    }
  ret = gnutls_privkey_export_ecc_raw2 (privkey, NULL, &x, NULL, &k, 0);
  if (ret < 0)
    {
      set_gnutls_error (error, ret, "Cannot export the public key");
      return NULL;
    }
  if (x.size != SRP_ID_LEN || k.size != SRP_ID_LEN)
    {
      g_set_error (error, SRP_ERROR, SRP_ERROR_IDENTITY,
                   "The key has %u and %u bytes, not %d", x.size, k.size, SRP_ID_LEN);
      gnutls_free (x.data);
      gnutls_memset (k.data, 0, k.size);
      gnutls_free (k.data);
      return NULL;
    }
  memcpy (identity->public_key.bytes, x.data, SRP_ID_LEN);
  /* libsodium's secret key is the seed and the public key; its map hashes
   * the seed as Ed25519 does and keeps the scalar. */
  memcpy (sk, k.data, SRP_ID_LEN);
  memcpy (sk + SRP_ID_LEN, x.data, SRP_ID_LEN);
  gnutls_free (x.data);
  gnutls_memset (k.data, 0, k.size);
  gnutls_free (k.data);
  ok = sodium_init () >= 0 &&
       crypto_sign_ed25519_sk_to_curve25519 (identity->x25519_secret, sk) == 0;
  memcpy (identity->sign_key, sk, sizeof sk);
  sodium_memzero (sk, sizeof sk);
  if (!ok)
    {
      g_set_error_literal (error, SRP_ERROR, SRP_ERROR_IDENTITY,
                           "Cannot derive the key letters are sealed to");
      return NULL;
    }
  srp_id_to_hex (&identity->public_key, identity->hex_id);
  return g_steal_pointer (&identity);
}

SrpIdentity *
srp_identity_new (GError **error)
{
  gnutls_privkey_t privkey;
  int ret;

  ret = gnutls_privkey_init (&privkey);
  if (ret < 0)
    {
      set_gnutls_error (error, ret, "Cannot make a key");
      return NULL;
    }
  ret = gnutls_privkey_generate2 (privkey, GNUTLS_PK_EDDSA_ED25519, 0, 0, NULL, 0);
  if (ret < 0)
    {
      gnutls_privkey_deinit (privkey);
      set_gnutls_error (error, ret, "Cannot generate an Ed25519 key");
      return NULL;
    }
  return identity_from_privkey (privkey, error);
}

void
srp_identity_free (SrpIdentity *identity)
{
  if (identity == NULL)
    return;
  g_clear_pointer (&identity->privkey, gnutls_privkey_deinit);
  sodium_memzero (identity->x25519_secret, sizeof identity->x25519_secret);
  sodium_memzero (identity->sign_key, sizeof identity->sign_key);
  g_free (identity);
}

SrpIdentity *
srp_identity_load (const char *path, GError **error)
{
  g_autofree char *contents = NULL;
  g_autofree char *display = NULL;
  gsize len = 0;
  gnutls_privkey_t privkey;
  gnutls_datum_t datum;
  GError *local_error = NULL;
  SrpIdentity *identity;
  int ret;

  g_return_val_if_fail (path != NULL, NULL);

  display = g_filename_display_name (path);
  if (!g_file_get_contents (path, &contents, &len, error))
    return NULL;
  if (len == 0 || len > KEY_FILE_MAX_LEN)
    {
      gnutls_memset (contents, 0, len);
      g_set_error (error, SRP_ERROR, SRP_ERROR_IDENTITY,
                   "Key file “%s” is corrupt: %s", display, len == 0 ? "it is empty" : "it is too long");
      return NULL;
    }

  ret = gnutls_privkey_init (&privkey);
  if (ret < 0)
    {
      gnutls_memset (contents, 0, len);
      set_gnutls_error (error, ret, "Cannot make a key");
      return NULL;
    }
  datum.data = (unsigned char *) contents;
  datum.size = (unsigned int) len;
  ret = gnutls_privkey_import_x509_raw (privkey, &datum, GNUTLS_X509_FMT_PEM, NULL, 0);
  gnutls_memset (contents, 0, len);
  if (ret < 0)
    {
      gnutls_privkey_deinit (privkey);
      g_set_error (error, SRP_ERROR, SRP_ERROR_IDENTITY,
                   "Key file “%s” is corrupt: %s", display, gnutls_strerror (ret));
      return NULL;
    }

  identity = identity_from_privkey (privkey, &local_error);
  if (identity == NULL)
    g_propagate_prefixed_error (error, local_error, "Key file “%s” is corrupt: ", display);
  return identity;
}

gboolean
srp_identity_save (SrpIdentity *identity, const char *path, GError **error)
{
  gnutls_x509_privkey_t x509 = NULL;
  gnutls_datum_t pem = { NULL, 0 };
  gboolean ok;
  int ret;

  g_return_val_if_fail (identity != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  ret = gnutls_privkey_export_x509 (identity->privkey, &x509);
  if (ret >= 0)
    {
      ret = gnutls_x509_privkey_export2_pkcs8 (x509, GNUTLS_X509_FMT_PEM, NULL,
                                               GNUTLS_PKCS_PLAIN, &pem);
      gnutls_x509_privkey_deinit (x509);
    }
  if (ret < 0)
    return set_gnutls_error (error, ret, "Cannot export the private key");

  /* Written to a temporary file created 0600 and renamed over path, so the key
   * is never readable by others and a crash leaves the old file or the new one. */
  ok = g_file_set_contents_full (path, (const char *) pem.data, pem.size,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
  gnutls_memset (pem.data, 0, pem.size);
  gnutls_free (pem.data);
  return ok;
}

SrpIdentity *
srp_identity_load_or_create (const char *path, GError **error)
{
  GError *local_error = NULL;
  g_autoptr (SrpIdentity) identity = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  identity = srp_identity_load (path, &local_error);
  if (identity != NULL)
    return g_steal_pointer (&identity);
  /* Only a missing file makes a new identity: any other failure would change
   * the peer's ID behind its owner's back. */
  if (!g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  g_clear_error (&local_error);

  identity = srp_identity_new (error);
  if (identity == NULL || !srp_identity_save (identity, path, error))
    return NULL;
  return g_steal_pointer (&identity);
}

const SrpId *
srp_identity_get_public_key (SrpIdentity *identity)
{
  g_return_val_if_fail (identity != NULL, NULL);
  return &identity->public_key;
}

const char *
srp_identity_get_hex_id (SrpIdentity *identity)
{
  g_return_val_if_fail (identity != NULL, NULL);
  return identity->hex_id;
}

gboolean
srp_identity_sign (SrpIdentity *identity, const guint8 *data, gsize len,
                   guint8 signature[SRP_SIGNATURE_LEN], GError **error)
{
  g_return_val_if_fail (identity != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (len <= G_MAXUINT, FALSE);

  /* Ed25519 is deterministic: these are the signatures gnutls would make
   * with the key it loaded, without its allocations per call. */
  if (crypto_sign_detached (signature, NULL, data, len, identity->sign_key) != 0)
    {
      g_set_error_literal (error, SRP_ERROR, SRP_ERROR_IDENTITY, "Cannot sign");
      return FALSE;
    }
  return TRUE;
}

gboolean
srp_identity_verify (const SrpId *public_key, const guint8 *data, gsize len,
                     const guint8 signature[SRP_SIGNATURE_LEN])
{
  g_return_val_if_fail (public_key != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (signature != NULL, FALSE);

  return len <= G_MAXUINT && srp_signature_verify (public_key, data, len, signature);
}

gboolean
srp_identity_agree (SrpIdentity *identity, const guint8 their_public[32], guint8 shared[32])
{
  static const guint8 zero[SRP_X25519_LEN] = { 0 };

  g_return_val_if_fail (identity != NULL, FALSE);

  srp_x25519 (shared, identity->x25519_secret, their_public);
  /* A low-order point gives zero whatever our secret. */
  return !memeql_sec (shared, zero, SRP_X25519_LEN);
}
