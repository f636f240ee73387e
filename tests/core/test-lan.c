/* test-lan.c: LAN discovery in virtual time: peers of one link find each
 * other with no bootstrap, only when switched on, and a forged or flooding
 * ANNOUNCE brings few handshakes, none off the link or from loopback.
 *
 * The sim delivers a datagram to the IPv4 LAN group to every other node of
 * the sender's /24 (srp-sim.c, send_to_group).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "srp-control-lan.h"
#include "srp-control.h"
#include "srp-core.h"
#include "srp-sim-keys.h"
#include "srp-sim.h"

#define SECONDS(n) ((gint64) (n) * G_USEC_PER_SEC)
#define LATENCY_US 1000

static void
lan_on (SrpSim *sim, guint node)
{
  SrpCore *core = srp_sim_get_core (sim, node);

  srp_core_set_local_port (core, srp_sim_get_address (sim, node)->port);
  srp_core_set_lan_discovery (core, srp_sim_get_now (sim), TRUE);
  srp_sim_flush (sim, node);
}

/* n nodes in one /24, nobody told of anybody. */
static SrpSim *
make_lan (guint64 seed, guint n)
{
  SrpSim *sim = srp_sim_new (seed);

  srp_sim_set_one_prefix (sim, TRUE);
  for (guint i = 0; i < n; i++)
    srp_sim_add_node (sim, NULL);
  srp_sim_set_default_link (sim, LATENCY_US, 0.0);
  return sim;
}

static void
test_find_each_other (void)
{
  SrpSim *sim = make_lan (41, 4);

  for (guint i = 0; i < 4; i++)
    lan_on (sim, i);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (2));
  for (guint i = 0; i < 4; i++)
    for (guint j = 0; j < 4; j++)
      if (i != j)
        g_assert_true (srp_sim_is_connected (sim, i, j));
  srp_sim_free (sim);
}

/* Off by default: an announcer is heard only by peers that have it on. A
 * peer switched on later is found at once (its own first ANNOUNCE). */
static void
test_switched_on_only (void)
{
  SrpSim *sim = make_lan (42, 2);

  g_assert_false (srp_core_get_lan_discovery (srp_sim_get_core (sim, 1)));
  lan_on (sim, 0);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (40));
  g_assert_false (srp_sim_is_connected (sim, 0, 1));
  g_assert_false (srp_sim_is_connected (sim, 1, 0));
  lan_on (sim, 1);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (1));
  g_assert_true (srp_sim_is_connected (sim, 0, 1));
  g_assert_true (srp_sim_is_connected (sim, 1, 0));

  /* Switched off, a newcomer's ANNOUNCE brings nothing. */
  srp_core_set_lan_discovery (srp_sim_get_core (sim, 0), srp_sim_get_now (sim), FALSE);
  srp_core_set_lan_discovery (srp_sim_get_core (sim, 1), srp_sim_get_now (sim), FALSE);
  srp_sim_flush (sim, 0);
  srp_sim_flush (sim, 1);
  srp_sim_add_node (sim, NULL);
  lan_on (sim, 2);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (5));
  g_assert_false (srp_sim_is_connected (sim, 0, 2));
  g_assert_false (srp_sim_is_connected (sim, 1, 2));
  srp_sim_free (sim);
}

static guint
count_hellos (SrpCore *core)
{
  SrpTransmit t;
  SrpHello hello;
  guint n = 0;

  while (srp_core_poll_transmit (core, &t))
    if (srp_hello_decode (t.data, t.len, &hello) == SRP_DROP_NONE)
      n++;
  return n;
}

/* A flood of ANNOUNCEs from many IDs: a few handshakes at once, then two a
 * second; none for an address off our link, our own ID, or a bad frame. */
static void
test_forged_and_flooding (void)
{
  SrpRng rng;
  SrpSimKeys keys;
  SrpCoreConfig config;
  SrpCore *core;
  SrpAddress local, from;
  SrpAnnounce announce = { 0 };
  guint8 frame[SRP_MAX_DATAGRAM];
  gsize len;
  guint8 ip[4] = { 10, 1, 2, 3 };
  gint64 now = SECONDS (100);
  guint64 unexpected;

  srp_rng_init (&rng, 43);
  srp_sim_keys_generate (&keys, &rng);
  srp_core_config_init (&config);
  config.seed = 43;
  memcpy (config.peer_id.bytes, keys.public, SRP_ID_LEN);
  config.sign = srp_sim_keys_sign;
  config.sign_data = &keys;
  core = srp_core_new (&config);
  srp_address_init_ipv4 (&local, ip, 4000);
  srp_core_add_local_address (core, &local);
  srp_core_set_local_port (core, 4000);
  srp_core_set_lan_discovery (core, now, TRUE);
  srp_core_handle_timeout (core, now);
  count_hellos (core); /* its own ANNOUNCEs */

  for (guint i = 0; i < 100; i++)
    {
      ip[3] = (guint8) (10 + i);
      srp_address_init_ipv4 (&from, ip, 5000);
      announce.sender.bytes[0] = 0xa0;
      announce.sender.bytes[1] = (guint8) i;
      len = srp_announce_encode (&announce, frame);
      g_assert_cmpuint (len, ==, SRP_HELLO_LEN);
      srp_core_handle_datagram (core, now, 0, &from, frame, len);
    }
  g_assert_cmpuint (count_hellos (core), ==, 8);
  g_assert_cmpuint (srp_core_get_drop_count (core, SRP_DROP_RATE_LIMITED), ==, 92);

  /* A second later, two more. */
  for (guint i = 100; i < 110; i++)
    {
      ip[3] = (guint8) (10 + i);
      srp_address_init_ipv4 (&from, ip, 5000);
      announce.sender.bytes[1] = (guint8) i;
      len = srp_announce_encode (&announce, frame);
      srp_core_handle_datagram (core, now + SECONDS (1), 0, &from, frame, len);
    }
  g_assert_cmpuint (count_hellos (core), ==, 2);

  /* Off our link, our own ID, a padding byte set: nothing. */
  unexpected = srp_core_get_drop_count (core, SRP_DROP_UNEXPECTED);
  now += SECONDS (60);
  ip[2] = 99;
  srp_address_init_ipv4 (&from, ip, 5000);
  announce.sender.bytes[1] = 200;
  len = srp_announce_encode (&announce, frame);
  srp_core_handle_datagram (core, now, 0, &from, frame, len);
  g_assert_cmpuint (srp_core_get_drop_count (core, SRP_DROP_UNEXPECTED), ==, unexpected + 1);
  ip[2] = 2;
  srp_address_init_ipv4 (&from, ip, 5000);
  announce.sender = config.peer_id;
  len = srp_announce_encode (&announce, frame);
  srp_core_handle_datagram (core, now, 0, &from, frame, len);
  g_assert_cmpuint (srp_core_get_drop_count (core, SRP_DROP_UNEXPECTED), ==, unexpected + 2);
  /* Loopback is no LAN (peers of one host listening there stay apart). */
  {
    guint8 lo[4] = { 127, 0, 0, 9 };
    SrpAddress loopback;

    srp_address_init_ipv4 (&loopback, lo, 5000);
    announce.sender.bytes[0] ^= 1;
    len = srp_announce_encode (&announce, frame);
    srp_core_handle_datagram (core, now, 0, &loopback, frame, len);
    g_assert_cmpuint (srp_core_get_drop_count (core, SRP_DROP_UNEXPECTED), ==, unexpected + 3);
  }
  len = srp_announce_encode (&announce, frame);
  frame[len - 1] = 1;
  srp_core_handle_datagram (core, now, 0, &from, frame, len);
  g_assert_cmpuint (srp_core_get_drop_count (core, SRP_DROP_BAD_CONTROL), ==, 1);
  g_assert_cmpuint (count_hellos (core), ==, 0);
  srp_core_free (core);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/lan/find-each-other", test_find_each_other);
  g_test_add_func ("/lan/switched-on-only", test_switched_on_only);
  g_test_add_func ("/lan/forged-and-flooding", test_forged_and_flooding);
  return g_test_run ();
}
