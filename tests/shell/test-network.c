/* test-network.c: SrpPeer joining a network of real peers on loopback:
 * bootstrap, peer exchange, the peer list, NAT classification, persistent
 * identities.
 *
 * Each peer binds its own loopback address (127.0.0.x: Linux routes the whole
 * /8 to lo), so peers have different IPs, as NAT classification needs.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib/gstdio.h>
#include <libsrp/srp.h>

#include "test-loopback.h"
#include "test-resolver.h"

static gboolean
all_classified (gpointer data)
{
  TestNetwork *net = data;

  for (guint i = 0; i < net->n; i++)
    if (srp_peer_get_nat_type (net->peers[i]) == SRP_NAT_TYPE_UNKNOWN)
      return FALSE;
  return TRUE;
}

static void
on_peer_added (SrpPeer *peer, SrpPeerInfo *info, gpointer user_data)
{
  guint position;

  /* The info is in the list by the time the signal comes. */
  g_assert_true (g_list_store_find (G_LIST_STORE (srp_peer_get_peers (peer)), info, &position));
  (*(guint *) user_data)++;
}

static void
on_peer_removed (SrpPeer *peer, SrpPeerInfo *info, gpointer user_data)
{
  guint position;

  g_assert_false (g_list_store_find (G_LIST_STORE (srp_peer_get_peers (peer)), info, &position));
  (*(guint *) user_data)++;
}

/* Four peers that only know the first one find each other through peer
 * exchange, list each other, and classify themselves as public. */
static void
test_discovery (void)
{
  const char *addresses[] = { "127.0.0.11", "127.0.0.12", "127.0.0.13", "127.0.0.14" };
  SrpPeer *peers[G_N_ELEMENTS (addresses)];
  TestNetwork net = { peers, G_N_ELEMENTS (addresses) };
  guint added = 0, removed = 0, nat_notifies = 0;

  for (guint i = 0; i < net.n; i++)
    {
      peers[i] = test_peer_at (addresses[i]);
      if (i > 0)
        test_add_bootstrap (peers[i], peers[0], addresses[0]);
    }
  g_signal_connect (peers[0], "peer-added", G_CALLBACK (on_peer_added), &added);
  g_signal_connect (peers[0], "peer-removed", G_CALLBACK (on_peer_removed), &removed);
  g_signal_connect_swapped (peers[3], "notify::nat-type", G_CALLBACK (g_atomic_int_inc),
                            &nat_notifies);
  test_wait_until (test_all_connected, &net, "every peer to list every other");
  g_assert_cmpuint (added, ==, net.n - 1);

  for (guint i = 0; i < net.n; i++)
    {
      GListModel *list = srp_peer_get_peers (peers[i]);

      g_assert_true (g_list_model_get_item_type (list) == SRP_TYPE_PEER_INFO);
      for (guint j = 0; j < g_list_model_get_n_items (list); j++)
        {
          g_autoptr (SrpPeerInfo) info = g_list_model_get_item (list, j);
          gboolean found = FALSE;

          for (guint k = 0; k < net.n; k++)
            if (k != i && g_str_equal (srp_peer_info_get_id (info), srp_peer_get_id (peers[k])))
              {
                g_autofree char *address =
                  g_strdup_printf ("%s:%u", addresses[k], srp_peer_get_port (peers[k]));
                g_assert_cmpstr (srp_peer_info_get_address (info), ==, address);
                found = TRUE;
              }
          g_assert_true (found);
          g_assert_nonnull (srp_peer_info_get_since (info));
        }
    }

  test_wait_until (all_classified, &net, "every peer's NAT type");
  for (guint i = 0; i < net.n; i++)
    {
      g_autofree char *public_address =
        g_strdup_printf ("%s:%u", addresses[i], srp_peer_get_port (peers[i]));

      g_assert_cmpint (srp_peer_get_nat_type (peers[i]), ==, SRP_NAT_TYPE_PUBLIC);
      g_assert_cmpstr (srp_peer_get_public_address (peers[i]), ==, public_address);
      g_assert_null (srp_peer_get_nat_problem (peers[i]));
    }
  g_assert_cmpuint (nat_notifies, ==, 1);
  g_assert_cmpstr (srp_nat_type_to_string (SRP_NAT_TYPE_PORT_RESTRICTED), ==, "port-restricted");

  /* Closing empties the list, with a signal per peer, and forgets the NAT. */
  srp_peer_close (peers[0]);
  g_assert_cmpuint (g_list_model_get_n_items (srp_peer_get_peers (peers[0])), ==, 0);
  g_assert_cmpuint (removed, ==, net.n - 1);
  g_assert_cmpint (srp_peer_get_nat_type (peers[0]), ==, SRP_NAT_TYPE_UNKNOWN);
  g_assert_null (srp_peer_get_public_address (peers[0]));

  for (guint i = 0; i < net.n; i++)
    g_object_unref (peers[i]);
}

/* A peer alone cannot classify its NAT and says why. */
static void
test_nat_problem (void)
{
  g_autoptr (SrpPeer) a = test_peer_at ("127.0.0.21");
  g_autoptr (SrpPeer) b = test_peer_at ("127.0.0.22");
  TestNetwork net = { (SrpPeer *[]) { a, b }, 2 };

  test_add_bootstrap (b, a, "127.0.0.21");
  test_wait_until (test_all_connected, &net, "two peers to connect");
  g_assert_cmpint (srp_peer_get_nat_type (b), ==, SRP_NAT_TYPE_UNKNOWN);
  g_assert_cmpstr (srp_peer_get_nat_problem (b), ==,
                   "fewer than two connected peers at different addresses");
}

typedef struct {
  char *host;
  GError *error;
} BootstrapFailure;

static void
on_bootstrap_failed (SrpPeer *peer, const char *host, guint port, const GError *error,
                     gpointer user_data)
{
  BootstrapFailure *failure = user_data;

  failure->host = g_strdup (host);
  failure->error = g_error_copy (error);
}

static gboolean
failed (gpointer data)
{
  return ((BootstrapFailure *) data)->error != NULL;
}

/* Names resolve through GResolver when the peer listens; one that does not is
 * reported, not retried forever in silence. */
static void
test_bootstrap_names (void)
{
  g_autoptr (GResolver) saved = g_resolver_get_default ();
  g_autoptr (GResolver) fake = test_resolver_new ("bootstrap.test", "127.0.0.31");
  g_autoptr (SrpPeer) a = test_peer_at ("127.0.0.31");
  g_autoptr (SrpPeer) b = srp_peer_new ();
  g_autoptr (GError) error = NULL;
  BootstrapFailure failure = { NULL, NULL };
  TestNetwork net = { (SrpPeer *[]) { a, b }, 2 };

  g_resolver_set_default (fake);
  /* Added before listening: kept, and tried once b listens. */
  test_add_bootstrap (b, a, "bootstrap.test");
  g_assert_true (srp_peer_add_bootstrap (b, "nowhere.test", 4242, &error));
  g_signal_connect (b, "bootstrap-failed", G_CALLBACK (on_bootstrap_failed), &failure);
  g_assert_true (srp_peer_listen (b, "127.0.0.32", 0, &error));
  g_assert_no_error (error);

  test_wait_until (test_all_connected, &net, "a bootstrap by name");
  test_wait_until (failed, &failure, "a name that does not resolve");
  g_assert_cmpstr (failure.host, ==, "nowhere.test");
  g_assert_error (failure.error, SRP_ERROR, SRP_ERROR_RESOLVE_FAILED);
  g_resolver_set_default (saved);
  g_free (failure.host);
  g_error_free (failure.error);
}

static void
test_bootstrap_errors (void)
{
  g_autoptr (SrpPeer) peer = srp_peer_new ();
  g_autoptr (GError) error = NULL;

  g_assert_false (srp_peer_add_bootstrap (peer, "", 4242, &error));
  g_assert_error (error, SRP_ERROR, SRP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (srp_peer_add_bootstrap (peer, "127.0.0.1", 0, &error));
  g_assert_error (error, SRP_ERROR, SRP_ERROR_INVALID_ARGUMENT);
}

/* The identity in a key file survives a restart; the file is private; a
 * corrupt file is an error, never a new identity. */
static void
test_key_file (void)
{
  g_autofree char *dir = g_dir_make_tmp ("srp-test-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "peer.key", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (SrpPeer) first = NULL;
  g_autoptr (SrpPeer) second = NULL;
  g_autoptr (SrpPeer) corrupt = NULL;
  g_autoptr (SrpPeer) fresh = srp_peer_new ();
  GStatBuf st;

  first = srp_peer_new_with_key_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  second = srp_peer_new_with_key_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (srp_peer_get_id (first), ==, srp_peer_get_id (second));
  g_assert_cmpstr (srp_peer_get_id (first), !=, srp_peer_get_id (fresh));

  g_assert_true (g_file_set_contents (path, "-----BEGIN PRIVATE KEY-----\nbroken\n", -1, NULL));
  corrupt = srp_peer_new_with_key_file (path, &error);
  g_assert_null (corrupt);
  g_assert_error (error, SRP_ERROR, SRP_ERROR_IDENTITY);

  g_remove (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/network/discovery", test_discovery);
  g_test_add_func ("/network/nat-problem", test_nat_problem);
  g_test_add_func ("/network/bootstrap-names", test_bootstrap_names);
  g_test_add_func ("/network/errors/bootstrap", test_bootstrap_errors);
  g_test_add_func ("/network/key-file", test_key_file);

  return g_test_run ();
}
