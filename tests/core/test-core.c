/* test-core.c: the core's ping/pong, direct messages and input validation,
 * driven in virtual time.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-core.h"
#include "srp-control.h"
#include "srp-sim.h"

#include <string.h>

typedef struct {
  GArray *pings;    /* SrpCoreEvent (ping results) */
  GPtrArray *messages; /* GBytes */
} Collected;

static void
collect (SrpSim *sim, guint node, const SrpCoreEvent *event, gpointer user_data)
{
  Collected *c = user_data;

  if (event->type == SRP_CORE_EVENT_PING_RESULT)
    g_array_append_val (c->pings, *event);
  else if (event->type == SRP_CORE_EVENT_MESSAGE)
    g_ptr_array_add (c->messages, g_bytes_ref (event->message.data));
}

static void
collected_init (Collected *c)
{
  c->pings = g_array_new (FALSE, TRUE, sizeof (SrpCoreEvent));
  c->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
}

static void
collected_clear (Collected *c)
{
  g_array_unref (c->pings);
  g_ptr_array_unref (c->messages);
}

static void
test_ping_pong (void)
{
  SrpSim *sim = srp_sim_new (1);
  Collected c;
  guint a = srp_sim_add_node (sim, NULL), b = srp_sim_add_node (sim, NULL);
  guint64 request;
  SrpCoreEvent *result;

  collected_init (&c);
  srp_sim_set_event_func (sim, collect, &c);
  srp_sim_set_default_link (sim, 15000, 0.0);
  request = srp_core_ping (srp_sim_get_core (sim, a), srp_sim_get_now (sim),
                           srp_sim_get_address (sim, b));
  srp_sim_flush (sim, a);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + 10 * G_USEC_PER_SEC);

  g_assert_cmpuint (c.pings->len, ==, 1);
  result = &g_array_index (c.pings, SrpCoreEvent, 0);
  g_assert_cmpuint (result->ping.request, ==, request);
  g_assert_true (result->ping.ok);
  g_assert_cmpint (result->ping.rtt_us, ==, 30000);
  /* The pong reports where the ping came from: the reflexive address. */
  g_assert_true (srp_address_equal (&result->ping.reflexive, srp_sim_get_address (sim, a)));
  collected_clear (&c);
  srp_sim_free (sim);
}

static void
test_ping_retries_then_fails (void)
{
  SrpSim *sim = srp_sim_new (2);
  Collected c;
  guint a = srp_sim_add_node (sim, NULL), b = srp_sim_add_node (sim, NULL);
  SrpCoreEvent *result;

  collected_init (&c);
  srp_sim_set_event_func (sim, collect, &c);
  srp_sim_set_online (sim, b, FALSE);
  srp_core_ping (srp_sim_get_core (sim, a), srp_sim_get_now (sim), srp_sim_get_address (sim, b));
  srp_sim_flush (sim, a);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + 10 * G_USEC_PER_SEC);

  g_assert_cmpuint (c.pings->len, ==, 1);
  result = &g_array_index (c.pings, SrpCoreEvent, 0);
  g_assert_false (result->ping.ok);
  /* Four sends (default ping_attempts) went out before it failed. */
  g_assert_cmpuint (srp_sim_get_sent (sim), ==, 4);
  collected_clear (&c);
  srp_sim_free (sim);
}

static void
test_ping_survives_loss (void)
{
  /* With 50% loss each way, some pings need retries; none may hang. */
  SrpSim *sim = srp_sim_new (3);
  Collected c;
  guint a = srp_sim_add_node (sim, NULL), b = srp_sim_add_node (sim, NULL);
  guint ok = 0;

  collected_init (&c);
  srp_sim_set_event_func (sim, collect, &c);
  srp_sim_set_default_link (sim, 10000, 0.5);
  for (int i = 0; i < 200; i++)
    {
      srp_core_ping (srp_sim_get_core (sim, a), srp_sim_get_now (sim),
                     srp_sim_get_address (sim, b));
      srp_sim_flush (sim, a);
      srp_sim_run_until (sim, srp_sim_get_now (sim) + 5 * G_USEC_PER_SEC);
    }
  g_assert_cmpuint (c.pings->len, ==, 200);
  for (guint i = 0; i < c.pings->len; i++)
    ok += g_array_index (c.pings, SrpCoreEvent, i).ping.ok;
  /* Each try gets through with p = 0.25; four tries: 1 - 0.75^4 = 68%. */
  g_assert_cmpuint (ok, >, 100);
  g_assert_cmpuint (ok, <, 200);
  collected_clear (&c);
  srp_sim_free (sim);
}

static void
test_message_roundtrip (void)
{
  SrpSim *sim = srp_sim_new (4);
  Collected c;
  guint a = srp_sim_add_node (sim, NULL), b = srp_sim_add_node (sim, NULL);
  gsize sizes[] = { 0, 1, 1024, 1025, 100 * 1024 };
  SrpId topic = { { 7 } };

  collected_init (&c);
  srp_sim_set_event_func (sim, collect, &c);
  /* Messages come only for subscribed topics. */
  srp_core_subscribe (srp_sim_get_core (sim, b), srp_sim_get_now (sim), &topic);
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree guint8 *data = g_malloc (sizes[i] + 1);
      GBytes *got;

      for (gsize k = 0; k < sizes[i]; k++)
        data[k] = (guint8) (k * 31 + i);
      g_assert_true (srp_core_send_message (srp_sim_get_core (sim, a), srp_sim_get_now (sim),
                                            srp_sim_get_address (sim, b), &topic, data,
                                            sizes[i], NULL));
      srp_sim_flush (sim, a);
      srp_sim_run_until (sim, srp_sim_get_now (sim) + G_USEC_PER_SEC);
      g_assert_cmpuint (c.messages->len, ==, i + 1);
      got = g_ptr_array_index (c.messages, i);
      g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), data, sizes[i]);
    }
  collected_clear (&c);
  srp_sim_free (sim);
}

static void
test_message_too_long (void)
{
  SrpCoreConfig config;
  SrpCore *core;
  SrpAddress to;
  SrpId topic = { { 1 } };
  g_autofree guint8 *data = g_malloc0 (SRP_MESSAGE_MAX_LEN + 1);

  srp_core_config_init (&config);
  core = srp_core_new (&config);
  g_assert_true (srp_address_parse (&to, "10.0.0.1:1"));
  g_assert_false (srp_core_send_message (core, 0, &to, &topic, data, SRP_MESSAGE_MAX_LEN + 1,
                                         NULL));
  g_assert_true (srp_core_send_message (core, 0, &to, &topic, data, SRP_MESSAGE_MAX_LEN, NULL));
  srp_core_free (core);
}

/* Feeds one datagram to a fresh core and checks which drop counter moved. */
static void
assert_dropped (const guint8 *data, gsize len, SrpDropReason reason)
{
  SrpCoreConfig config;
  SrpCore *core;
  SrpAddress from;
  SrpTransmit t;

  srp_core_config_init (&config);
  core = srp_core_new (&config);
  g_assert_true (srp_address_parse (&from, "192.0.2.1:9"));
  srp_core_handle_datagram (core, 1000, 0, &from, data, len);
  for (guint r = 0; r < SRP_DROP_N_REASONS; r++)
    g_assert_cmpuint (srp_core_get_drop_count (core, r), ==, r == reason ? 1 : 0);
  g_assert_false (srp_core_poll_transmit (core, &t));
  srp_core_free (core);
}

static void
test_bad_input_is_dropped_and_counted (void)
{
  guint8 frame[SRP_MAX_DATAGRAM + 1] = { 0 };
  SrpPing ping = { .nonce = 5 };
  SrpPong pong = { .nonce = 5 };
  gsize len;

  assert_dropped (frame, 0, SRP_DROP_TOO_SHORT);
  assert_dropped ((const guint8 *) "SR", 2, SRP_DROP_TOO_SHORT);
  assert_dropped ((const guint8 *) "XX\x01\x10", 4, SRP_DROP_BAD_MAGIC);
  assert_dropped ((const guint8 *) "SR\x02\x10", 4, SRP_DROP_BAD_VERSION);
  assert_dropped ((const guint8 *) "SR\x01\x7f", 4, SRP_DROP_UNKNOWN_KIND);
  memcpy (frame, "SR\x01\x10", 4);
  assert_dropped (frame, SRP_MAX_DATAGRAM + 1, SRP_DROP_TOO_LONG);

  len = srp_ping_encode (&ping, frame);
  assert_dropped (frame, len - 1, SRP_DROP_BAD_CONTROL);  /* truncated */
  assert_dropped (frame, len + 1, SRP_DROP_BAD_CONTROL);  /* trailing byte */

  g_assert_true (srp_address_parse (&pong.observed, "192.0.2.1:9"));
  len = srp_pong_encode (&pong, frame);
  assert_dropped (frame, len, SRP_DROP_UNEXPECTED);       /* nobody asked */
  frame[4 + 32 + 8 + 1] = 5;                              /* bad address family */
  assert_dropped (frame, len, SRP_DROP_BAD_CONTROL);
}

static void
test_pong_must_match_nonce_and_address (void)
{
  SrpCoreConfig config;
  SrpCore *core;
  SrpAddress to, other;
  SrpTransmit t;
  SrpPing ping;
  SrpPong pong = { 0 };
  SrpCoreEvent event;
  guint8 frame[SRP_MAX_DATAGRAM];
  gsize len;

  srp_core_config_init (&config);
  core = srp_core_new (&config);
  g_assert_true (srp_address_parse (&to, "192.0.2.1:9"));
  g_assert_true (srp_address_parse (&other, "192.0.2.2:9"));
  srp_core_ping (core, 0, &to);
  g_assert_true (srp_core_poll_transmit (core, &t));
  g_assert_cmpint (srp_ping_decode (t.data, t.len, &ping), ==, SRP_DROP_NONE);

  pong.nonce = ping.nonce + 1;
  pong.observed = to;
  len = srp_pong_encode (&pong, frame);
  srp_core_handle_datagram (core, 10, 0, &to, frame, len);      /* wrong nonce */
  pong.nonce = ping.nonce;
  len = srp_pong_encode (&pong, frame);
  srp_core_handle_datagram (core, 10, 0, &other, frame, len);   /* wrong sender */
  g_assert_cmpuint (srp_core_get_drop_count (core, SRP_DROP_UNEXPECTED), ==, 2);
  g_assert_false (srp_core_poll_event (core, &event));

  srp_core_handle_datagram (core, 10, 0, &to, frame, len);
  g_assert_true (srp_core_poll_event (core, &event));
  g_assert_true (event.ping.ok);
  g_assert_cmpint (event.ping.rtt_us, ==, 10);
  srp_core_free (core);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/core/ping/pong", test_ping_pong);
  g_test_add_func ("/core/ping/retries-then-fails", test_ping_retries_then_fails);
  g_test_add_func ("/core/ping/survives-loss", test_ping_survives_loss);
  g_test_add_func ("/core/ping/must-match", test_pong_must_match_nonce_and_address);
  g_test_add_func ("/core/message/roundtrip", test_message_roundtrip);
  g_test_add_func ("/core/message/too-long", test_message_too_long);
  g_test_add_func ("/core/input/bad-dropped-and-counted", test_bad_input_is_dropped_and_counted);
  return g_test_run ();
}
