/* test-loopback.c: what the C tests of peers on loopback share.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-loopback.h"

static gboolean
on_deadline (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

void
test_wait_until (TestCondition condition, gpointer data, const char *what)
{
  gboolean expired = FALSE;
  guint timeout = g_timeout_add_seconds (TEST_WAIT_SECONDS, on_deadline, &expired);

  while (!condition (data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (expired)
    g_error ("Waited %d s in vain for %s", TEST_WAIT_SECONDS, what);
  g_source_remove (timeout);
}

SrpPeer *
test_peer_at (const char *address)
{
  g_autoptr (GError) error = NULL;
  SrpPeer *peer = srp_peer_new ();

  g_assert_true (srp_peer_listen (peer, address, 0, &error));
  g_assert_no_error (error);
  return peer;
}

void
test_add_bootstrap (SrpPeer *peer, SrpPeer *bootstrap, const char *address)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (srp_peer_add_bootstrap (peer, address, srp_peer_get_port (bootstrap), &error));
  g_assert_no_error (error);
}

void
test_keep_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GAsyncResult **out = user_data;

  g_assert_null (*out);
  *out = g_object_ref (result);
}

gboolean
test_has_result (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

gboolean
test_all_connected (gpointer data)
{
  TestNetwork *net = data;

  for (guint i = 0; i < net->n; i++)
    if (g_list_model_get_n_items (srp_peer_get_peers (net->peers[i])) != net->n - 1)
      return FALSE;
  return TRUE;
}
