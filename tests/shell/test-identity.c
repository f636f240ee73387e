/* test-identity.c: Ed25519 identities and their key files (internal API).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib/gstdio.h>
#include <gnutls/abstract.h>
#include <gnutls/x509.h>
#include <string.h>
#include <sys/stat.h>

#include "srp-envelope.h"
#include "srp-error.h"
#include "srp-identity.h"

/* A fresh path in the per-test data directory (G_TEST_OPTION_ISOLATE_DIRS). */
static char *
key_path (void)
{
  char *dir = g_build_filename (g_get_user_data_dir (), "srp", NULL);
  char *path = g_build_filename (dir, "identity.pem", NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_free (dir);
  return path;
}

static guint
file_mode (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 0777;
}

static void
test_new (void)
{
  g_autoptr (SrpIdentity) a = srp_identity_new (NULL);
  g_autoptr (SrpIdentity) b = srp_identity_new (NULL);
  char hex[2 * SRP_ID_LEN + 1];
  const char *id;

  g_assert_nonnull (a);
  id = srp_identity_get_hex_id (a);
  g_assert_cmpuint (strlen (id), ==, 64);
  for (const char *p = id; *p != '\0'; p++)
    g_assert_true (g_ascii_isdigit (*p) || (*p >= 'a' && *p <= 'f'));
  srp_id_to_hex (srp_identity_get_public_key (a), hex);
  g_assert_cmpstr (hex, ==, id);
  g_assert_cmpstr (srp_identity_get_hex_id (b), !=, id);
}

static void
test_sign_verify (void)
{
  g_autoptr (SrpIdentity) a = srp_identity_new (NULL);
  g_autoptr (SrpIdentity) b = srp_identity_new (NULL);
  g_autoptr (GError) error = NULL;
  const guint8 message[] = "a message to sign";
  guint8 signature[SRP_SIGNATURE_LEN];
  guint8 again[SRP_SIGNATURE_LEN];
  guint8 tampered[sizeof message];
  const SrpId *key = srp_identity_get_public_key (a);

  g_assert_true (srp_identity_sign (a, message, sizeof message, signature, &error));
  g_assert_no_error (error);
  g_assert_true (srp_identity_verify (key, message, sizeof message, signature));

  /* Ed25519 signatures are deterministic. */
  g_assert_true (srp_identity_sign (a, message, sizeof message, again, NULL));
  g_assert_cmpmem (signature, sizeof signature, again, sizeof again);

  memcpy (tampered, message, sizeof message);
  tampered[0] ^= 1;
  g_assert_false (srp_identity_verify (key, tampered, sizeof tampered, signature));
  g_assert_false (srp_identity_verify (srp_identity_get_public_key (b), message, sizeof message,
                                       signature));
  signature[10] ^= 0x40;
  g_assert_false (srp_identity_verify (key, message, sizeof message, signature));

  /* The empty message signs too. */
  g_assert_true (srp_identity_sign (a, NULL, 0, again, NULL));
  g_assert_true (srp_identity_verify (key, NULL, 0, again));
}

static void
test_save_load (void)
{
  g_autofree char *path = key_path ();
  g_autoptr (SrpIdentity) saved = srp_identity_new (NULL);
  g_autoptr (SrpIdentity) loaded = NULL;
  g_autoptr (GError) error = NULL;
  guint8 signature[SRP_SIGNATURE_LEN];

  g_assert_true (srp_identity_save (saved, path, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (file_mode (path), ==, 0600);

  loaded = srp_identity_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (srp_identity_get_hex_id (loaded), ==, srp_identity_get_hex_id (saved));
  g_assert_true (srp_identity_sign (loaded, (const guint8 *) "x", 1, signature, NULL));
  g_assert_true (srp_identity_verify (srp_identity_get_public_key (saved), (const guint8 *) "x",
                                     1, signature));
}

/* Saving over a file others can read leaves a file only the owner can read. */
static void
test_save_mode (void)
{
  g_autofree char *path = key_path ();
  g_autoptr (SrpIdentity) identity = srp_identity_new (NULL);
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_set_contents (path, "old", -1, NULL));
  g_assert_cmpint (g_chmod (path, 0644), ==, 0);
  g_assert_true (srp_identity_save (identity, path, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (file_mode (path), ==, 0600);
}

static void
test_load_or_create (void)
{
  g_autofree char *path = key_path ();
  g_autoptr (SrpIdentity) first = NULL;
  g_autoptr (SrpIdentity) second = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  first = srp_identity_load_or_create (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (first);
  g_assert_cmpuint (file_mode (path), ==, 0600);

  second = srp_identity_load_or_create (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (srp_identity_get_hex_id (second), ==, srp_identity_get_hex_id (first));
}

static void
test_load_missing (void)
{
  g_autofree char *path = key_path ();
  g_autoptr (GError) error = NULL;

  g_assert_null (srp_identity_load (path, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
}

/* A key file that does not hold an Ed25519 key is an error, and load_or_create
 * leaves it alone rather than replacing the identity. */
static void
check_corrupt (const char *contents, gssize len)
{
  g_autofree char *path = key_path ();
  g_autofree char *after = NULL;
  gsize after_len;
  g_autoptr (GError) error = NULL;

  if (len < 0)
    len = (gssize) strlen (contents);
  g_assert_true (g_file_set_contents (path, contents, len, NULL));

  g_assert_null (srp_identity_load (path, &error));
  g_assert_error (error, SRP_ERROR, SRP_ERROR_IDENTITY);
  g_assert_nonnull (strstr (error->message, "corrupt"));
  g_clear_error (&error);

  g_assert_null (srp_identity_load_or_create (path, &error));
  g_assert_error (error, SRP_ERROR, SRP_ERROR_IDENTITY);
  g_assert_true (g_file_get_contents (path, &after, &after_len, NULL));
  g_assert_cmpmem (after, after_len, contents, (gsize) len);
}

static char *
saved_key_pem (void)
{
  g_autofree char *path = key_path ();
  g_autoptr (SrpIdentity) identity = srp_identity_new (NULL);
  char *pem = NULL;

  g_assert_true (srp_identity_save (identity, path, NULL));
  g_assert_true (g_file_get_contents (path, &pem, NULL, NULL));
  return pem;
}

static void
test_corrupt (void)
{
  g_autofree char *pem = saved_key_pem ();
  g_autofree char *truncated = g_strndup (pem, strlen (pem) / 2);
  g_autofree char *flipped = g_strdup (pem);
  g_autofree char *huge = g_strnfill (100000, 'A');

  check_corrupt ("", 0);
  check_corrupt ("not a key\n", -1);
  check_corrupt ("\0\1\2\3", 4);
  check_corrupt (truncated, -1);
  check_corrupt (huge, -1);
  /* A character of the base64 body changed. */
  flipped[40] = flipped[40] == 'A' ? 'B' : 'A';
  check_corrupt (flipped, -1);
}

/* A valid PKCS#8 key of another algorithm is no Ed25519 identity. */
static void
test_wrong_algorithm (void)
{
  gnutls_x509_privkey_t key;
  gnutls_datum_t pem = { NULL, 0 };
  g_autofree char *text = NULL;

  g_assert_cmpint (gnutls_x509_privkey_init (&key), ==, 0);
  g_assert_cmpint (gnutls_x509_privkey_generate (key, GNUTLS_PK_ECDSA,
                                                 GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1),
                                                 0), ==, 0);
  g_assert_cmpint (gnutls_x509_privkey_export2_pkcs8 (key, GNUTLS_X509_FMT_PEM, NULL,
                                                      GNUTLS_PKCS_PLAIN, &pem), ==, 0);
  text = g_strndup ((const char *) pem.data, pem.size);
  gnutls_free (pem.data);
  gnutls_x509_privkey_deinit (key);
  check_corrupt (text, -1);
}

/* The identity signs through libsodium: the same signatures as gnutls's
 * with the key it saved (Ed25519 is deterministic). */
static void
test_signs_as_gnutls (void)
{
  g_autofree char *path = key_path ();
  g_autoptr (SrpIdentity) identity = srp_identity_new (NULL);
  g_autofree char *pem = NULL;
  gsize pem_len;
  gnutls_privkey_t key;
  gnutls_datum_t datum, message = { (unsigned char *) "what gnutls signs", 17 }, sig;
  guint8 ours[SRP_SIGNATURE_LEN];

  g_assert_true (srp_identity_save (identity, path, NULL));
  g_assert_true (g_file_get_contents (path, &pem, &pem_len, NULL));
  datum = (gnutls_datum_t) { (unsigned char *) pem, (unsigned int) pem_len };
  g_assert_cmpint (gnutls_privkey_init (&key), ==, 0);
  g_assert_cmpint (gnutls_privkey_import_x509_raw (key, &datum, GNUTLS_X509_FMT_PEM, NULL, 0), ==,
                   0);
  g_assert_cmpint (gnutls_privkey_sign_data2 (key, GNUTLS_SIGN_EDDSA_ED25519, 0, &message, &sig),
                   ==, 0);
  g_assert_true (srp_identity_sign (identity, message.data, message.size, ours, NULL));
  g_assert_cmpmem (sig.data, sig.size, ours, sizeof ours);
  gnutls_free (sig.data);
  gnutls_privkey_deinit (key);
}

/* Two identities agree on one X25519 secret, each from its own key and
 * the other's public one: what seals and opens letters. */
static void
test_agree (void)
{
  g_autoptr (SrpIdentity) a = srp_identity_new (NULL);
  g_autoptr (SrpIdentity) b = srp_identity_new (NULL);
  guint8 xa[32], xb[32], ab[32], ba[32], zero[32] = { 0 };

  g_assert_true (srp_envelope_x25519_public (srp_identity_get_public_key (a), xa));
  g_assert_true (srp_envelope_x25519_public (srp_identity_get_public_key (b), xb));
  g_assert_true (srp_identity_agree (a, xb, ab));
  g_assert_true (srp_identity_agree (b, xa, ba));
  g_assert_cmpmem (ab, sizeof ab, ba, sizeof ba);
  /* A low-order point shares nothing. */
  g_assert_false (srp_identity_agree (a, zero, ab));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/identity/new", test_new);
  g_test_add_func ("/identity/sign-verify", test_sign_verify);
  g_test_add_func ("/identity/signs-as-gnutls", test_signs_as_gnutls);
  g_test_add_func ("/identity/agree", test_agree);
  g_test_add_func ("/identity/save-load", test_save_load);
  g_test_add_func ("/identity/save-mode", test_save_mode);
  g_test_add_func ("/identity/load-or-create", test_load_or_create);
  g_test_add_func ("/identity/load-missing", test_load_missing);
  g_test_add_func ("/identity/corrupt", test_corrupt);
  g_test_add_func ("/identity/wrong-algorithm", test_wrong_algorithm);

  return g_test_run ();
}
