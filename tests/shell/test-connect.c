/* test-connect.c: srp_peer_connect_async between three peers on loopback:
 * its argument checks, an already-connected peer, a peer nobody knows,
 * cancellation, and the path of connected peers; and how SrpPeerInfo takes a
 * relayed peer becoming direct.
 *
 * Introductions, hole punching and relays need peers that are not connected
 * yet, which loopback peers always are after peer exchange: tests/netlab
 * sees them (and SrpPeer::connected) behind real NATs.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <libsrp/srp.h>
#include <string.h>

#include "srp-peer-info-private.h"
#include "test-loopback.h"

typedef struct {
  SrpPeer *peers[3];
  guint connected_signals;
} Fixture;

static const char *addresses[] = { "127.0.0.51", "127.0.0.52", "127.0.0.53" };

static void
on_connected (SrpPeer *peer, SrpPeerInfo *info, gpointer user_data)
{
  ((Fixture *) user_data)->connected_signals++;
}

static void
fixture_set_up (Fixture *fixture, gconstpointer data)
{
  TestNetwork net = { fixture->peers, G_N_ELEMENTS (fixture->peers) };

  for (guint i = 0; i < net.n; i++)
    {
      fixture->peers[i] = test_peer_at (addresses[i]);
      if (i > 0)
        test_add_bootstrap (fixture->peers[i], fixture->peers[0], addresses[0]);
      g_signal_connect (fixture->peers[i], "connected", G_CALLBACK (on_connected), fixture);
    }
  test_wait_until (test_all_connected, &net, "three peers to connect");
}

static void
fixture_tear_down (Fixture *fixture, gconstpointer data)
{
  for (guint i = 0; i < G_N_ELEMENTS (fixture->peers); i++)
    g_clear_object (&fixture->peers[i]);
}

/* Connects and waits for the result. With cancel, cancels right after the
 * call, before the main loop had a turn. */
static SrpPeerInfo *
connect_and_wait (SrpPeer *peer, const char *id, gboolean cancel, GError **error)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GAsyncResult) result = NULL;

  srp_peer_connect_async (peer, id, cancellable, test_keep_result, &result);
  if (cancel)
    g_cancellable_cancel (cancellable);
  test_wait_until (test_has_result, &result, "a connect result");
  return srp_peer_connect_finish (peer, result, error);
}

static void
assert_connect_fails (SrpPeer *peer, const char *id, GQuark domain, int code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SrpPeerInfo) info = connect_and_wait (peer, id, FALSE, &error);

  g_assert_null (info);
  g_assert_error (error, domain, code);
}

/* 64 hexadecimal characters that are no peer's ID. */
static char *
unknown_id (void)
{
  GString *id = g_string_new (NULL);

  for (guint i = 0; i < 8; i++)
    g_string_append_printf (id, "%08x", g_random_int ());
  return g_string_free (id, FALSE);
}

static void
test_invalid (Fixture *fixture, gconstpointer data)
{
  SrpPeer *a = fixture->peers[0];
  g_autoptr (SrpPeer) idle = srp_peer_new ();
  g_autofree char *too_short = g_strndup (srp_peer_get_id (fixture->peers[1]), 63);
  g_autofree char *not_hex = g_strdup (srp_peer_get_id (fixture->peers[1]));

  not_hex[10] = 'g';
  assert_connect_fails (a, "", SRP_ERROR, SRP_ERROR_INVALID_ARGUMENT);
  assert_connect_fails (a, too_short, SRP_ERROR, SRP_ERROR_INVALID_ARGUMENT);
  assert_connect_fails (a, not_hex, SRP_ERROR, SRP_ERROR_INVALID_ARGUMENT);
  assert_connect_fails (a, srp_peer_get_id (a), SRP_ERROR, SRP_ERROR_INVALID_ARGUMENT);
  assert_connect_fails (idle, srp_peer_get_id (a), SRP_ERROR, SRP_ERROR_NOT_LISTENING);
  g_assert_cmpuint (fixture->connected_signals, ==, 0);
}

/* Connecting to a connected peer gives the very SrpPeerInfo of the list,
 * reached directly, and is no introduction. */
static void
test_already_connected (Fixture *fixture, gconstpointer data)
{
  SrpPeer *a = fixture->peers[0];
  const char *b_id = srp_peer_get_id (fixture->peers[1]);
  GListModel *list = srp_peer_get_peers (a);
  g_autoptr (GError) error = NULL;
  g_autoptr (SrpPeerInfo) info = NULL;
  gboolean listed = FALSE;

  info = connect_and_wait (a, b_id, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (SRP_IS_PEER_INFO (info));
  g_assert_cmpstr (srp_peer_info_get_id (info), ==, b_id);
  g_assert_cmpint (srp_peer_info_get_path (info), ==, SRP_PATH_DIRECT);
  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr (SrpPeerInfo) item = g_list_model_get_item (list, i);
      listed |= item == info;
    }
  g_assert_true (listed);
  g_assert_cmpuint (fixture->connected_signals, ==, 0);
}

/* No connected peer knows a random ID: the core says so. */
static void
test_unknown (Fixture *fixture, gconstpointer data)
{
  g_autofree char *id = unknown_id ();
  g_autoptr (GError) error = NULL;
  g_autoptr (SrpPeerInfo) info = connect_and_wait (fixture->peers[0], id, FALSE, &error);

  g_assert_null (info);
  g_assert_error (error, SRP_ERROR, SRP_ERROR_UNREACHABLE);
  g_assert_true (g_str_has_prefix (error->message, "No path to the peer: "));
}

/* A cancelled connect reports G_IO_ERROR_CANCELLED, once (test_keep_result checks),
 * and leaves the peer able to connect; a cancellable cancelled before the
 * call fails it at once. */
static void
test_cancel (Fixture *fixture, gconstpointer data)
{
  SrpPeer *a = fixture->peers[0];
  g_autofree char *id = unknown_id ();
  g_autoptr (GCancellable) cancelled = g_cancellable_new ();
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (SrpPeerInfo) info = NULL;

  info = connect_and_wait (a, id, TRUE, &error);
  g_assert_null (info);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  g_cancellable_cancel (cancelled);
  srp_peer_connect_async (a, srp_peer_get_id (fixture->peers[1]), cancelled, test_keep_result, &result);
  test_wait_until (test_has_result, &result, "a connect result");
  g_assert_null (srp_peer_connect_finish (a, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  info = connect_and_wait (a, srp_peer_get_id (fixture->peers[2]), FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (srp_peer_info_get_id (info), ==, srp_peer_get_id (fixture->peers[2]));
}

/* Peers connected through bootstraps and peer exchange are direct. */
static void
test_paths (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GEnumClass) klass = g_type_class_ref (SRP_TYPE_PATH);

  for (guint i = 0; i < G_N_ELEMENTS (fixture->peers); i++)
    {
      GListModel *list = srp_peer_get_peers (fixture->peers[i]);

      for (guint j = 0; j < g_list_model_get_n_items (list); j++)
        {
          g_autoptr (SrpPeerInfo) info = g_list_model_get_item (list, j);
          SrpPath path = SRP_PATH_RELAYED;

          g_object_get (info, "path", &path, NULL);
          g_assert_cmpint (path, ==, SRP_PATH_DIRECT);
        }
    }
  g_assert_cmpstr (srp_path_to_string (SRP_PATH_DIRECT), ==, "direct");
  g_assert_cmpstr (srp_path_to_string (SRP_PATH_RELAYED), ==, "relayed");
  g_assert_cmpstr (g_enum_get_value (klass, SRP_PATH_RELAYED)->value_nick, ==, "relayed");
}

static void
count_notify (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  guint *counts = user_data;

  counts[g_str_equal (pspec->name, "path") ? 0 : g_str_equal (pspec->name, "address") ? 1 : 2]++;
}

/* What PEER_ADDED and PEER_CHANGED say about a relayed peer that becomes
 * direct (the core's events, as loopback never makes them). */
static void
test_relayed_to_direct (void)
{
  SrpCoreEvent event = { .type = SRP_CORE_EVENT_PEER_ADDED };
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autoptr (SrpPeerInfo) info = NULL;
  static const guint8 ip[4] = { 192, 0, 2, 7 };
  guint counts[3] = { 0 };

  memset (event.peer.id.bytes, 0xab, SRP_ID_LEN);
  srp_address_init_relay (&event.peer.address, 0x0123456789abcdef, 0xabababababababab);
  event.peer.rtt_us = -1;
  event.peer.path = SRP_CORE_PATH_RELAYED;
  event.peer.introduced = TRUE;
  info = srp_peer_info_new (&event, now);
  g_assert_cmpint (srp_peer_info_get_path (info), ==, SRP_PATH_RELAYED);
  g_assert_cmpstr (srp_peer_info_get_address (info), ==,
                   "relay:abababababababab@0123456789abcdef");

  g_signal_connect (info, "notify", G_CALLBACK (count_notify), counts);
  event.type = SRP_CORE_EVENT_PEER_CHANGED;
  srp_peer_info_update (info, &event);
  g_assert_cmpuint (counts[0] + counts[1] + counts[2], ==, 0);

  srp_address_init_ipv4 (&event.peer.address, ip, 4242);
  event.peer.path = SRP_CORE_PATH_DIRECT;
  srp_peer_info_update (info, &event);
  g_assert_cmpint (srp_peer_info_get_path (info), ==, SRP_PATH_DIRECT);
  g_assert_cmpstr (srp_peer_info_get_address (info), ==, "192.0.2.7:4242");
  g_assert_cmpuint (counts[0], ==, 1);
  g_assert_cmpuint (counts[1], ==, 1);
  g_assert_cmpuint (counts[2], ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/connect/invalid", test_invalid);
  ADD ("/connect/already-connected", test_already_connected);
  ADD ("/connect/unknown", test_unknown);
  ADD ("/connect/cancel", test_cancel);
  ADD ("/connect/paths", test_paths);
#undef ADD
  g_test_add_func ("/connect/relayed-to-direct", test_relayed_to_direct);

  return g_test_run ();
}
