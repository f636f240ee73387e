/* test-moved.c: a peer whose network changes (new addresses) in virtual
 * time: its peers move their links to its new address, messages flow again,
 * and its NAT is classified again.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "srp-core.h"
#include "srp-sim.h"

#define SECONDS(n) ((gint64) (n) * G_USEC_PER_SEC)
#define LATENCY_US 20000

static GHashTable *got; /* "node:text" of MESSAGE events */

static void
on_event (SrpSim *sim, guint node, const SrpCoreEvent *event, gpointer user_data)
{
  (void) sim, (void) user_data;
  if (event->type == SRP_CORE_EVENT_MESSAGE)
    g_hash_table_add (got, g_strdup_printf ("%u:%.*s", node,
                                            (int) g_bytes_get_size (event->message.data),
                                            (const char *) g_bytes_get_data (event->message.data,
                                                                             NULL)));
}

/* The address node `of` has in node `at`'s links, or NULL when not linked. */
static gboolean
address_at (SrpSim *sim, guint at, guint of, SrpAddress *out)
{
  g_autoptr (GArray) peers = g_array_new (FALSE, TRUE, sizeof (SrpCoreEvent));

  srp_core_list_peers (srp_sim_get_core (sim, at), peers);
  for (guint i = 0; i < peers->len; i++)
    {
      const SrpCoreEvent *e = &g_array_index (peers, SrpCoreEvent, i);

      if (srp_id_equal (&e->peer.id, srp_sim_get_id (sim, of)))
        {
          *out = e->peer.address;
          return TRUE;
        }
    }
  return FALSE;
}

static void
test_peers_follow (void)
{
  SrpSim *sim = srp_sim_new (51);
  SrpCore *mover;
  SrpAddress seen, public_address;
  const guint n = 5;

  got = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < n; i++)
    srp_sim_add_node (sim, NULL);
  srp_sim_set_default_link (sim, LATENCY_US, 0.0);
  srp_sim_set_event_func (sim, on_event, NULL);
  srp_sim_bootstrap_all (sim, 0);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (60));
  mover = srp_sim_get_core (sim, 1);
  g_assert_cmpuint (srp_core_get_nat (mover, NULL), ==, SRP_NAT_PUBLIC);
  g_assert_cmpuint (srp_core_get_n_connected (mover), ==, n - 1);

  srp_sim_move_node (sim, 1);
  srp_core_clear_local_addresses (mover);
  srp_core_add_local_address (mover, srp_sim_get_address (sim, 1));
  srp_core_network_changed (mover, srp_sim_get_now (sim));
  srp_sim_flush (sim, 1);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (5));

  /* Every peer has it at its new address, without a new link. */
  for (guint i = 0; i < n; i++)
    if (i != 1)
      {
        g_assert_true (address_at (sim, i, 1, &seen));
        g_assert_true (srp_address_equal (&seen, srp_sim_get_address (sim, 1)));
      }
  g_assert_cmpuint (srp_core_get_n_connected (mover), ==, n - 1);
  srp_sim_send_mail (sim, 3, 1, "to the new address");
  srp_sim_send_mail (sim, 1, 3, "from the new address");
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (2));
  g_assert_true (g_hash_table_contains (got, "1:to the new address"));
  g_assert_true (g_hash_table_contains (got, "3:from the new address"));
  /* Classified again, at the new address. */
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (10));
  g_assert_cmpuint (srp_core_get_nat (mover, &public_address), ==, SRP_NAT_PUBLIC);
  g_assert_true (srp_address_same_ip (&public_address, srp_sim_get_address (sim, 1)));
  srp_sim_free (sim);
  g_hash_table_unref (got);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/moved/peers-follow", test_peers_follow);
  return g_test_run ();
}
