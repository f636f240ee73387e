/* test-bootstrap-url.c: srp_peer_add_bootstrap_url_async against a local
 * HTTPS SoupServer whose certificate (and its own authority) openssl makes
 * at test time: a good list is taken and cached, and serves when the server
 * is gone; a certificate nobody trusts, a bad signature, a wrong key, a
 * malformed list and a URL without a key are clear errors that change
 * nothing. Skipped (77) without openssl.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <libsoup/soup.h>
#include <glib/gstdio.h>
#include <string.h>

#include "srp-bootstrap-list.h"
#include "srp-error.h"
#include "srp-identity.h"
#include "srp-peer-private.h"

static char *dir;
static SoupServer *server;
static guint16 port;
static GHashTable *documents; /* path -> body (char *) */
static SrpIdentity *signer;

static void
on_request (SoupServer *srv, SoupServerMessage *msg, const char *path, GHashTable *query,
            gpointer user_data)
{
  const char *body = g_hash_table_lookup (documents, path);

  (void) srv, (void) query, (void) user_data;
  /* No keep-alive: every connection is closed (and freed) after its answer. */
  soup_message_headers_append (soup_server_message_get_response_headers (msg), "Connection",
                               "close");
  if (body == NULL)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY, body, strlen (body));
}

static gboolean
sign_with (const guint8 *data, gsize len, guint8 signature[SRP_SIGNATURE_LEN], gpointer user_data)
{
  return srp_identity_sign (user_data, data, len, signature, NULL);
}

static char *
url_for (const char *path, SrpIdentity *key)
{
  return g_strdup_printf ("https://127.0.0.1:%u%s#ed25519=%s", port, path,
                          srp_identity_get_hex_id (key));
}

typedef struct {
  gboolean done;
  guint n;
  GError *error;
} Result;

static void
on_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Result *r = user_data;

  r->n = srp_peer_add_bootstrap_url_finish (SRP_PEER (source), result, &r->error);
  r->done = TRUE;
}

static Result
add_url (SrpPeer *peer, const char *url)
{
  Result r = { FALSE };

  srp_peer_add_bootstrap_url_async (peer, url, NULL, on_done, &r);
  while (!r.done)
    g_main_context_iteration (NULL, TRUE);
  /* libsoup closes its connections in idle callbacks. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return r;
}

static SrpPeer *
trusting_peer (void)
{
  g_autofree char *ca = g_build_filename (dir, "cert.pem", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsDatabase) db = g_tls_file_database_new (ca, &error);
  SrpPeer *peer = srp_peer_new ();

  g_assert_no_error (error);
  srp_peer_set_tls_database (peer, db);
  g_assert_true (srp_peer_get_tls_database (peer) == db);
  return peer;
}

static void
test_good_list_cached (void)
{
  g_autoptr (SrpPeer) peer = trusting_peer ();
  g_autoptr (SrpPeer) offline = trusting_peer ();
  g_autofree char *url = url_for ("/good", signer);
  Result r = add_url (peer, url);

  g_assert_no_error (r.error);
  g_assert_cmpuint (r.n, ==, 3);
  g_assert_cmpuint (peer->bootstraps->len, ==, 3);
  g_assert_cmpstr (g_array_index (peer->bootstraps, SrpPeerBootstrap, 2).host, ==, "2001:db8::7");
  g_assert_cmpuint (g_array_index (peer->bootstraps, SrpPeerBootstrap, 2).port, ==, 7000);
  /* Again: nothing twice. */
  r = add_url (peer, url);
  g_assert_no_error (r.error);
  g_assert_cmpuint (peer->bootstraps->len, ==, 3);

  /* The server is gone (the network is down): the cached copy serves. */
  soup_server_disconnect (server);
  r = add_url (offline, url);
  g_assert_no_error (r.error);
  g_assert_cmpuint (r.n, ==, 3);
  g_assert_cmpuint (offline->bootstraps->len, ==, 3);
}

static void
expect_refused (SrpPeer *peer, const char *url, GQuark domain, int code)
{
  Result r = add_url (peer, url);

  g_assert_error (r.error, domain, code);
  g_test_message ("refused as it should be: %s", r.error->message);
  g_assert_nonnull (strstr (r.error->message, "127.0.0.1"));
  g_assert_cmpuint (r.n, ==, 0);
  g_assert_cmpuint (peer->bootstraps->len, ==, 0);
  g_clear_error (&r.error);
}

static void
test_refusals (void)
{
  g_autoptr (SrpPeer) peer = trusting_peer ();
  g_autoptr (SrpPeer) untrusting = srp_peer_new ();
  g_autoptr (SrpIdentity) other = srp_identity_new (NULL);
  g_autofree char *bad_sig = url_for ("/bad-signature", signer);
  g_autofree char *wrong_key = url_for ("/good", other);
  g_autofree char *malformed = url_for ("/malformed", signer);
  g_autofree char *bad_line = url_for ("/bad-line", signer);
  g_autofree char *missing = url_for ("/missing", signer);
  g_autofree char *good = url_for ("/good", signer);
  g_autofree char *plain = g_strdup_printf ("http://127.0.0.1:%u/good#ed25519=%s", port,
                                            srp_identity_get_hex_id (signer));
  g_autofree char *no_key = g_strdup_printf ("https://127.0.0.1:%u/good", port);
  Result r;

  expect_refused (peer, bad_sig, SRP_ERROR, SRP_ERROR_BOOTSTRAP_LIST);
  expect_refused (peer, wrong_key, SRP_ERROR, SRP_ERROR_BOOTSTRAP_LIST);
  expect_refused (peer, malformed, SRP_ERROR, SRP_ERROR_BOOTSTRAP_LIST);
  expect_refused (peer, bad_line, SRP_ERROR, SRP_ERROR_BOOTSTRAP_LIST);
  expect_refused (peer, missing, SRP_ERROR, SRP_ERROR_BOOTSTRAP_LIST);
  /* The system does not trust the test's certificate. */
  r = add_url (untrusting, good);
  g_assert_nonnull (r.error);
  g_assert_true (r.error->domain == G_TLS_ERROR || r.error->domain == G_IO_ERROR);
  g_test_message ("untrusted certificate: %s", r.error->message);
  g_assert_cmpuint (untrusting->bootstraps->len, ==, 0);
  g_clear_error (&r.error);
  /* Caller errors, at once. */
  r = add_url (peer, plain);
  g_assert_error (r.error, SRP_ERROR, SRP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&r.error);
  r = add_url (peer, no_key);
  g_assert_error (r.error, SRP_ERROR, SRP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&r.error);
  g_assert_cmpuint (peer->bootstraps->len, ==, 0);
}

static gboolean
make_certificate (void)
{
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  g_autofree char *key = g_build_filename (dir, "key.pem", NULL);
  g_autofree char *cert = g_build_filename (dir, "cert.pem", NULL);
  const char *argv[] = { openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                         "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
                         "-days", "1", "-subj", "/CN=127.0.0.1", "-addext",
                         "subjectAltName=IP:127.0.0.1", "-addext", "basicConstraints=critical,CA:TRUE",
                         NULL };
  int status = 1;

  if (openssl == NULL)
    return FALSE;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL |
                                                              G_SPAWN_STDERR_TO_DEV_NULL,
                               NULL, NULL, NULL, NULL, &status, NULL));
  return status == 0;
}

static void
serve (void)
{
  g_autofree char *key = g_build_filename (dir, "key.pem", NULL);
  g_autofree char *cert = g_build_filename (dir, "cert.pem", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsCertificate) certificate = g_tls_certificate_new_from_files (cert, key, &error);
  static const char *const peers[] = { "203.0.113.11:7000", "boot.example.org:7001",
                                       "[2001:db8::7]:7000", NULL };
  static const char *const bad_peers[] = { "203.0.113.11:7000", "no port here", NULL };
  char *good, *bad;
  GSList *uris;

  g_assert_no_error (error);
  signer = srp_identity_new (&error);
  g_assert_no_error (error);
  documents = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  good = srp_bootstrap_list_make (peers, sign_with, signer);
  g_hash_table_insert (documents, "/good", good);
  bad = g_strdup (good);
  bad[30] ^= 1; /* inside the first peer line: the signature no longer matches */
  g_hash_table_insert (documents, "/bad-signature", bad);
  g_hash_table_insert (documents, "/malformed", g_strdup ("peer 203.0.113.11:7000\n"));
  g_hash_table_insert (documents, "/bad-line", srp_bootstrap_list_make (bad_peers, sign_with,
                                                                         signer));
  server = soup_server_new ("tls-certificate", certificate, NULL);
  soup_server_add_handler (server, NULL, on_request, NULL, NULL);
  g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY |
                                                          SOUP_SERVER_LISTEN_HTTPS,
                                           &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  port = (guint16) g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
}

int
main (int argc, char **argv)
{
  int status;

  /* No system proxy lookups (libproxy) for a local server. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  dir = g_dir_make_tmp ("srp-bootstrap-url-XXXXXX", NULL);
  if (!make_certificate ())
    {
      g_print ("1..0 # SKIP openssl cannot make a test certificate\n");
      return 77;
    }
  serve ();
  /* Refusals first: the good test stops the server. */
  g_test_add_func ("/bootstrap-url/refusals", test_refusals);
  g_test_add_func ("/bootstrap-url/good-list-cached", test_good_list_cached);
  status = g_test_run ();
  g_clear_object (&server);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_hash_table_unref (documents);
  srp_identity_free (signer);
  {
    g_autofree char *key = g_build_filename (dir, "key.pem", NULL);
    g_autofree char *cert = g_build_filename (dir, "cert.pem", NULL);

    g_unlink (key);
    g_unlink (cert);
    g_rmdir (dir);
  }
  g_free (dir);
  return status;
}
