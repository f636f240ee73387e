/* test-sign.c: the public API of authors from C, without a network:
 * srp_peer_sign and srp_verify (genuine, tampered, another peer's, bad
 * arguments), and what a group topic and an anonymous topic look like
 * (srp_peer_subscribe_with_secret, SrpTopic:anonymous, SrpTopic:group).
 * tests/python/test_authors.py and tests/gjs/test-authors.js carry
 * messages between peers.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <libsrp/srp.h>
#include <string.h>

static void
test_sign_verify (void)
{
  g_autoptr (SrpPeer) a = srp_peer_new ();
  g_autoptr (SrpPeer) b = srp_peer_new ();
  g_autoptr (GBytes) data = g_bytes_new_static ("an application's format", 23);
  g_autoptr (GBytes) other = g_bytes_new_static ("an application's format!", 24);
  g_autoptr (GBytes) short_sig = g_bytes_new_static ("short", 5);
  g_autoptr (GBytes) signature = NULL, again = NULL;
  g_autoptr (GError) error = NULL;

  signature = srp_peer_sign (a, data, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (signature), ==, 64);
  g_assert_true (srp_verify (srp_peer_get_id (a), data, signature, &error));
  g_assert_no_error (error);
  again = srp_peer_sign (a, data, NULL);
  g_assert_true (g_bytes_equal (signature, again));

  g_assert_false (srp_verify (srp_peer_get_id (b), data, signature, &error));
  g_assert_error (error, SRP_ERROR, SRP_ERROR_BAD_SIGNATURE);
  g_clear_error (&error);
  g_assert_false (srp_verify (srp_peer_get_id (a), other, signature, &error));
  g_assert_error (error, SRP_ERROR, SRP_ERROR_BAD_SIGNATURE);
  g_clear_error (&error);
  g_assert_false (srp_verify (srp_peer_get_id (a), data, short_sig, &error));
  g_assert_error (error, SRP_ERROR, SRP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (srp_verify ("not an ID", data, signature, &error));
  g_assert_error (error, SRP_ERROR, SRP_ERROR_INVALID_ARGUMENT);
}

static void
test_topics (void)
{
  g_autoptr (SrpPeer) peer = srp_peer_new ();
  g_autoptr (GBytes) secret = g_bytes_new_static ("sixteen bytes or more", 21);
  g_autoptr (GBytes) other_secret = g_bytes_new_static ("sixteen bytes or more!", 22);
  g_autoptr (GBytes) short_secret = g_bytes_new_static ("fifteen bytes..", 15);
  g_autoptr (SrpTopic) plain = srp_peer_subscribe (peer, "crew");
  g_autoptr (SrpTopic) group = NULL, same = NULL, other = NULL, none = NULL;
  g_autoptr (GError) error = NULL;

  group = srp_peer_subscribe_with_secret (peer, "crew", secret, &error);
  g_assert_no_error (error);
  same = srp_peer_subscribe_with_secret (peer, "crew", secret, NULL);
  other = srp_peer_subscribe_with_secret (peer, "crew", other_secret, NULL);
  g_assert_true (srp_topic_get_group (group));
  g_assert_false (srp_topic_get_group (plain));
  g_assert_cmpstr (srp_topic_get_name (group), ==, "crew");
  /* The ID follows from the name and the secret: the plain topic, and
   * another secret, are other topics. */
  g_assert_cmpstr (srp_topic_get_id (group), ==, srp_topic_get_id (same));
  g_assert_cmpstr (srp_topic_get_id (group), !=, srp_topic_get_id (plain));
  g_assert_cmpstr (srp_topic_get_id (group), !=, srp_topic_get_id (other));
  none = srp_peer_subscribe_with_secret (peer, "crew", short_secret, &error);
  g_assert_null (none);
  g_assert_error (error, SRP_ERROR, SRP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* An unsubscribed group topic has no key left: it does not publish
   * (before the peer's listening is even looked at). */
  srp_topic_unsubscribe (other);
  {
    g_autoptr (GBytes) data = g_bytes_new_static ("x", 1);
    g_autofree char *id = srp_topic_publish (other, data, &error);

    g_assert_null (id);
    g_assert_error (error, SRP_ERROR, SRP_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
  }

  g_assert_false (srp_topic_get_anonymous (plain));
  srp_topic_set_anonymous (plain, TRUE);
  g_assert_true (srp_topic_get_anonymous (plain));
  {
    gboolean value = FALSE;
    g_object_get (plain, "anonymous", &value, NULL);
    g_assert_true (value);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/sign/sign-verify", test_sign_verify);
  g_test_add_func ("/sign/topics", test_topics);
  return g_test_run ();
}
