/* test-sealed.c: sealed links, in virtual time.
 *
 *   - no-plaintext-on-the-wire: every datagram of a network that publishes
 *     a message, sends a letter and streams bytes is captured; none holds
 *     any 16 bytes of any of them (all three are delivered); the letter is
 *     sealed to its recipient, and no peer's cache (in its exported state)
 *     holds 16 bytes of it either, though peers cache it;
 *   - replayed-altered-reordered: a captured sealed frame sent again, or
 *     with one bit flipped, is dropped (bad-seal); frames that arrive out
 *     of order are taken;
 *   - crossing-handshakes: two peers that shake hands with each other at
 *     the same moment (hole punching makes them) end with each other's
 *     sessions in opposite orders, and still open what the other seals;
 *   - vector: the test vector of docs/protocol.md ("Sealed frames"),
 *     which Python's cryptography package (OpenSSL) gives too;
 *   - keys-roll-over: after SRP_SESSION_REKEY_US, and after
 *     SRP_SESSION_REKEY_FRAMES, the sender moves to the next key and the
 *     receiver follows; late frames under the old key still open within
 *     the grace time, not after.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _GNU_SOURCE /* memmem */
#include <string.h>

#include "srp-control.h"
#include "srp-core-internal.h"
#include "srp-core.h"
#include "srp-session.h"
#include "srp-sim.h"

/* 53520170 | epoch 00 | counter 0000000000000000 | cipher (1) | tag (16) */
#define SEALED_VECTOR "535201700000000000000000003bcb1c74d569d23df3cdcbfdab449714f9"
#define SECONDS(s) ((gint64) (s) * G_USEC_PER_SEC)

typedef struct {
  GPtrArray *datagrams; /* GBytes of every datagram, once tapping */
  gboolean tapping;
  GHashTable *got;      /* message SrpId* -> GBytes, any node */
  GByteArray *streamed; /* what incoming streams brought, read as it came */
} Capture;

static void
on_tap (SrpSim *sim, guint node, const SrpTransmit *t, gpointer data)
{
  Capture *c = data;

  if (c->tapping)
    g_ptr_array_add (c->datagrams, g_bytes_new (t->data, t->len));
}

static void
on_event (SrpSim *sim, guint node, const SrpCoreEvent *event, gpointer data)
{
  Capture *c = data;

  if (event->type == SRP_CORE_EVENT_MESSAGE)
    g_hash_table_replace (c->got, g_memdup2 (&event->message.id, sizeof (SrpId)),
                          g_bytes_ref (event->message.data));
  else if (event->type == SRP_CORE_EVENT_STREAM_INCOMING ||
           event->type == SRP_CORE_EVENT_STREAM_READABLE)
    {
      SrpCore *core = srp_sim_get_core (sim, node);
      guint8 buf[4096];
      gboolean eof = FALSE;
      gssize n;

      if (event->type == SRP_CORE_EVENT_STREAM_INCOMING)
        srp_core_stream_accept (core, srp_sim_get_now (sim), event->stream.stream);
      while ((n = srp_core_stream_read (core, srp_sim_get_now (sim), event->stream.stream, buf,
                                        sizeof buf, &eof)) > 0)
        g_byte_array_append (c->streamed, buf, (guint) n);
      if (eof)
        srp_core_stream_release (core, srp_sim_get_now (sim), event->stream.stream);
    }
}

static void
capture_init (Capture *c)
{
  c->datagrams = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  c->got = g_hash_table_new_full (srp_id_hash_func, srp_id_equal_func, g_free,
                                  (GDestroyNotify) g_bytes_unref);
  c->streamed = g_byte_array_new ();
  c->tapping = FALSE;
}

static SrpSim *
make_network (guint n, Capture *c)
{
  SrpSim *sim = srp_sim_new (77);

  capture_init (c);
  for (guint i = 0; i < n; i++)
    srp_sim_add_node (sim, NULL);
  srp_sim_set_default_link (sim, 10000, 0.0);
  srp_sim_set_tap (sim, on_tap, c);
  srp_sim_set_event_func (sim, on_event, c);
  for (guint i = 1; i < n; i++)
    {
      srp_core_add_bootstrap (srp_sim_get_core (sim, i), srp_sim_get_now (sim),
                              srp_sim_get_address (sim, 0));
      srp_sim_flush (sim, i);
    }
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (30));
  return sim;
}

static void
capture_clear (Capture *c)
{
  g_ptr_array_unref (c->datagrams);
  g_hash_table_destroy (c->got);
  g_byte_array_unref (c->streamed);
}

/* Whether any 16-byte stretch of secret appears in data. */
static gboolean
leaks (GBytes *datagram, const guint8 *secret, gsize len)
{
  gsize n;
  const guint8 *d = g_bytes_get_data (datagram, &n);

  for (gsize at = 0; at + 16 <= len; at += 8)
    if (memmem (d, n, secret + at, 16) != NULL)
      return TRUE;
  return FALSE;
}

static guint8 *
make_secret (const char *label, gsize len)
{
  guint8 *s = g_malloc (len);

  for (gsize i = 0; i < len; i++)
    s[i] = (guint8) label[i % strlen (label)] ^ (guint8) (i / 251);
  return s;
}

static void
test_no_plaintext_on_the_wire (void)
{
  Capture c;
  SrpSim *sim = make_network (4, &c);
  SrpId topic, message, letter, inbox;
  const gsize len = 3000;
  g_autofree guint8 *news = make_secret ("public news, sealed on every link ", len);
  g_autofree guint8 *mail = make_secret ("a letter for node three alone ", len);
  g_autofree guint8 *bytes = make_secret ("a stream from node one to its peer ", len);
  guint sealed = 0, letters_cached = 0;
  guint64 stream;
  GBytes *got;

  for (guint i = 0; i < 4; i++)
    g_assert_cmpuint (srp_core_get_n_connected (srp_sim_get_core (sim, i)), >, 0);
  srp_topic_id_from_name ("sealed news", &topic);
  for (guint i = 2; i < 4; i++)
    {
      srp_core_subscribe (srp_sim_get_core (sim, i), srp_sim_get_now (sim), &topic);
      srp_sim_flush (sim, i);
    }
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (5));
  c.tapping = TRUE;
  g_assert_true (srp_core_publish (srp_sim_get_core (sim, 1), srp_sim_get_now (sim), &topic, NULL,
                                   news, len, &message));
  srp_sim_flush (sim, 1);
  srp_topic_id_for_inbox (srp_sim_get_id (sim, 3), &inbox);
  /* The letter is sealed to node 3 (and signed): no cache can read it. */
  g_assert_true (srp_core_publish_full (srp_sim_get_core (sim, 1), srp_sim_get_now (sim), &inbox,
                                        srp_sim_get_id (sim, 3),
                                        SRP_CORE_PUBLISH_SIGNED | SRP_CORE_PUBLISH_SEALED, mail,
                                        len, &letter));
  srp_sim_flush (sim, 1);
  /* And a stream from node 1 to node 0 (its bootstrap, so a link). */
  stream = srp_core_stream_open (srp_sim_get_core (sim, 1), srp_sim_get_now (sim),
                                 srp_sim_get_id (sim, 0), "sealed stream");
  g_assert_cmpuint (stream, !=, 0);
  g_assert_cmpint (srp_core_stream_write (srp_sim_get_core (sim, 1), srp_sim_get_now (sim), stream,
                                          bytes, len), ==, (gssize) len);
  g_assert_true (srp_core_stream_finish (srp_sim_get_core (sim, 1), srp_sim_get_now (sim), stream));
  srp_core_stream_release (srp_sim_get_core (sim, 1), srp_sim_get_now (sim), stream);
  srp_sim_flush (sim, 1);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (20));

  /* All three arrived, so their bytes did cross the network... */
  g_assert_cmpmem (c.streamed->data, c.streamed->len, bytes, len);
  got = g_hash_table_lookup (c.got, &message);
  g_assert_nonnull (got);
  g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), news, len);
  got = g_hash_table_lookup (c.got, &letter);
  g_assert_nonnull (got);
  g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), mail, len);
  /* ...but never in clear. */
  g_assert_cmpuint (c.datagrams->len, >, 10);
  for (guint i = 0; i < c.datagrams->len; i++)
    {
      GBytes *d = g_ptr_array_index (c.datagrams, i);

      g_assert_false (leaks (d, news, len));
      g_assert_false (leaks (d, mail, len));
      g_assert_false (leaks (d, bytes, len));
      sealed += ((const guint8 *) g_bytes_get_data (d, NULL))[3] == SRP_FRAME_SEALED;
    }
  /* Every cache, the recipient's included, holds the letter as it came:
   * sealed to node 3. The cache is in each core's exported state. */
  for (guint i = 0; i < 4; i++)
    {
      g_autoptr (GVariant) state = g_variant_ref_sink (
          srp_core_export_state (srp_sim_get_core (sim, i), srp_sim_get_now (sim)));
      g_autoptr (GBytes) bytes_of_state = g_variant_get_data_as_bytes (state);
      g_autoptr (GBytes) cached = srp_core_cache_lookup (srp_sim_get_core (sim, i), &letter);

      g_assert_false (leaks (bytes_of_state, mail, len));
      if (i != 1)
        letters_cached += cached != NULL;
    }
  g_assert_cmpuint (letters_cached, >, 0);
  g_test_message ("%u datagrams captured, %u sealed, no plaintext; the letter cached (sealed) by "
                  "%u peers", c.datagrams->len, sealed, letters_cached);
  g_assert_cmpuint (sealed, >, 9); /* at least the packets of both and the stream's frames */
  capture_clear (&c);
  srp_sim_free (sim);
}

/* ---- replay, tampering, reordering ---------------------------------------------------------- */

static void
test_replayed_altered_reordered (void)
{
  Capture c;
  SrpSim *sim = make_network (2, &c);
  SrpCore *b = srp_sim_get_core (sim, 1);
  SrpContext *actx = srp_core_get_context (srp_sim_get_core (sim, 0));
  SrpLink *to_b = srp_link_table_lookup_address (actx->links, srp_sim_get_address (sim, 1));
  guint8 frame[SRP_MAX_DATAGRAM], first[SRP_MAX_DATAGRAM], second[SRP_MAX_DATAGRAM];
  gsize n1, n2, n;
  guint64 bad, peers;

  g_assert_nonnull (to_b);
  g_assert_nonnull (to_b->session);
  /* Two sealed PEERS_REQUESTs from a, as a would seal them. */
  n = srp_peers_request_encode (frame);
  n1 = srp_session_seal (to_b->session, srp_sim_get_now (sim), frame, n, first);
  n2 = srp_session_seal (to_b->session, srp_sim_get_now (sim), frame, n, second);
  peers = srp_core_get_context (b)->frames_in[SRP_FRAME_PEERS_REQUEST];
  bad = srp_core_get_drop_count (b, SRP_DROP_BAD_SEAL);

  /* Out of order: both taken. */
  srp_core_handle_datagram (b, srp_sim_get_now (sim), 0, srp_sim_get_address (sim, 0), second, n2);
  srp_core_handle_datagram (b, srp_sim_get_now (sim), 0, srp_sim_get_address (sim, 0), first, n1);
  g_assert_cmpuint (srp_core_get_context (b)->frames_in[SRP_FRAME_PEERS_REQUEST], ==, peers + 2);
  /* Again: replays, dropped. */
  srp_core_handle_datagram (b, srp_sim_get_now (sim), 0, srp_sim_get_address (sim, 0), first, n1);
  srp_core_handle_datagram (b, srp_sim_get_now (sim), 0, srp_sim_get_address (sim, 0), second, n2);
  g_assert_cmpuint (srp_core_get_drop_count (b, SRP_DROP_BAD_SEAL), ==, bad + 2);
  /* One bit flipped anywhere, header or body or tag: dropped. */
  n = srp_session_seal (to_b->session, srp_sim_get_now (sim), frame, srp_peers_request_encode (frame),
                        first);
  for (gsize at = 4; at < n; at++)
    {
      memcpy (second, first, n);
      second[at] ^= 0x10;
      srp_core_handle_datagram (b, srp_sim_get_now (sim), 0, srp_sim_get_address (sim, 0), second,
                                n);
    }
  g_assert_cmpuint (srp_core_get_drop_count (b, SRP_DROP_BAD_SEAL), ==, bad + 2 + (n - 4));
  g_assert_cmpuint (srp_core_get_context (b)->frames_in[SRP_FRAME_PEERS_REQUEST], ==, peers + 2);
  /* The untouched one still opens: nothing above spent its counter. */
  srp_core_handle_datagram (b, srp_sim_get_now (sim), 0, srp_sim_get_address (sim, 0), first, n);
  g_assert_cmpuint (srp_core_get_context (b)->frames_in[SRP_FRAME_PEERS_REQUEST], ==, peers + 3);
  /* The link lives on. */
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (60));
  g_assert_true (srp_sim_is_connected (sim, 0, 1));
  capture_clear (&c);
  srp_sim_free (sim);
}

/* ---- rollover ------------------------------------------------------------------------------- */

static SrpSession *
session_pair (SrpSession **other)
{
  SrpEphemeral a = { { 1 } }, b = { { 2 } };
  SrpId ia = { { 0xa } }, ib = { { 0xb } };
  guint8 ca[SRP_CHALLENGE_LEN] = { 3 }, cb[SRP_CHALLENGE_LEN] = { 4 };

  a.secret[31] = 0x40, b.secret[31] = 0x40;
  srp_ephemeral_init (&a);
  srp_ephemeral_init (&b);
  *other = srp_session_new (FALSE, &b, a.public, &ia, &ib, ca, cb, 0);
  return srp_session_new (TRUE, &a, b.public, &ia, &ib, ca, cb, 0);
}

static void
test_keys_roll_over (void)
{
  SrpSession *i, *r = NULL;
  guint8 frame[SRP_MAX_DATAGRAM], sealed[SRP_MAX_DATAGRAM], late[SRP_MAX_DATAGRAM],
      later[SRP_MAX_DATAGRAM], out[SRP_MAX_DATAGRAM];
  gsize n = srp_peers_request_encode (frame), late_len, later_len;
  SrpSessionCounters counters;

  i = session_pair (&r);
  g_assert_nonnull (i);
  g_assert_nonnull (r);
  /* Each side opens what the other sealed, not what it sealed itself. */
  g_assert_cmpuint (srp_session_open (r, 0, sealed, srp_session_seal (i, 0, frame, n, sealed), out),
                    ==, n);
  g_assert_cmpmem (out, n, frame, n);
  g_assert_cmpuint (srp_session_open (i, 0, sealed, srp_session_seal (i, 0, frame, n, sealed), out),
                    ==, 0);

  /* Two frames sealed just before the rollover, delivered late. */
  late_len = srp_session_seal (i, SRP_SESSION_REKEY_US - 1, frame, n, late);
  later_len = srp_session_seal (i, SRP_SESSION_REKEY_US - 1, frame, n, later);
  /* By time: the next frame goes under epoch 1, and opens. */
  n = srp_session_seal (i, SRP_SESSION_REKEY_US, frame, srp_peers_request_encode (frame), sealed);
  g_assert_cmpuint (srp_session_send_epoch (i), ==, 1);
  g_assert_cmpuint (sealed[4], ==, 1);
  g_assert_cmpuint (srp_session_open (r, SRP_SESSION_REKEY_US, sealed, n, out), >, 0);
  /* The late one still opens within the grace time... */
  g_assert_cmpuint (srp_session_open (r, SRP_SESSION_REKEY_US + 1, late, late_len, out), >, 0);
  /* ...the other, after it, does not: the old key is gone. */
  g_assert_cmpuint (srp_session_open (r, SRP_SESSION_REKEY_US + SRP_SESSION_GRACE_US + 1, later,
                                      later_len, out),
                    ==, 0);

  /* By volume: SRP_SESSION_REKEY_FRAMES frames later, epoch 2. */
  for (guint64 k = 0; k < SRP_SESSION_REKEY_FRAMES; k++)
    {
      gsize m = srp_session_seal (i, SRP_SESSION_REKEY_US + 2, frame, 4, sealed);
      if (k % 4096 == 0)
        g_assert_cmpuint (srp_session_open (r, SRP_SESSION_REKEY_US + 2, sealed, m, out), >, 0);
    }
  n = srp_session_seal (i, SRP_SESSION_REKEY_US + 3, frame, 4, sealed);
  g_assert_cmpuint (srp_session_send_epoch (i), ==, 2);
  g_assert_cmpuint (srp_session_open (r, SRP_SESSION_REKEY_US + 3, sealed, n, out), >, 0);
  srp_session_get_counters (r, &counters);
  g_assert_cmpuint (counters.rekeys_seen, ==, 2);
  srp_session_free (i);
  srp_session_free (r);
}

static void
test_crossing_handshakes (void)
{
  Capture c;
  SrpSim *sim = srp_sim_new (78);
  SrpId inbox, id;
  GBytes *got;

  capture_init (&c);
  srp_sim_add_node (sim, NULL);
  srp_sim_add_node (sim, NULL);
  srp_sim_set_default_link (sim, 10000, 0.0);
  srp_sim_set_event_func (sim, on_event, &c);
  /* Both say HELLO at once: each handshake completes on both sides. */
  for (guint i = 0; i < 2; i++)
    srp_core_add_bootstrap (srp_sim_get_core (sim, i), srp_sim_get_now (sim),
                            srp_sim_get_address (sim, 1 - i));
  for (guint i = 0; i < 2; i++)
    srp_sim_flush (sim, i);
  srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (5));
  g_assert_true (srp_sim_is_connected (sim, 0, 1));
  g_assert_true (srp_sim_is_connected (sim, 1, 0));
  for (guint i = 0; i < 2; i++)
    {
      char text[] = "letter from ?";

      text[12] = (char) ('0' + i);
      srp_topic_id_for_inbox (srp_sim_get_id (sim, 1 - i), &inbox);
      g_assert_true (srp_core_publish (srp_sim_get_core (sim, i), srp_sim_get_now (sim), &inbox,
                                       srp_sim_get_id (sim, 1 - i), (const guint8 *) text,
                                       sizeof text, &id));
      srp_sim_flush (sim, i);
      srp_sim_run_until (sim, srp_sim_get_now (sim) + SECONDS (2));
      got = g_hash_table_lookup (c.got, &id);
      g_assert_nonnull (got);
      g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), text, sizeof text);
    }
  for (guint i = 0; i < 2; i++)
    g_assert_cmpuint (srp_core_get_drop_count (srp_sim_get_core (sim, i), SRP_DROP_BAD_SEAL), ==,
                      0);
  capture_clear (&c);
  srp_sim_free (sim);
}

/* docs/protocol.md, "Sealed frames": the test vector. */
static void
test_vector (void)
{
  static const char expect[] = SEALED_VECTOR;
  guint8 key[SRP_SESSION_KEY_LEN], frame[SRP_MAX_DATAGRAM], sealed[SRP_MAX_DATAGRAM];
  gsize n;
  GString *hex = g_string_new (NULL);

  for (guint i = 0; i < sizeof key; i++)
    key[i] = (guint8) i;
  n = srp_session_seal_frame (key, 0, 0, frame, srp_peers_request_encode (frame), sealed);
  for (gsize i = 0; i < n; i++)
    g_string_append_printf (hex, "%02x", sealed[i]);
  g_test_message ("sealed PEERS_REQUEST: %s", hex->str);
  g_assert_cmpstr (hex->str, ==, expect);
  g_string_free (hex, TRUE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/sealed/no-plaintext-on-the-wire", test_no_plaintext_on_the_wire);
  g_test_add_func ("/sealed/replayed-altered-reordered", test_replayed_altered_reordered);
  g_test_add_func ("/sealed/keys-roll-over", test_keys_roll_over);
  g_test_add_func ("/sealed/vector", test_vector);
  g_test_add_func ("/sealed/crossing-handshakes", test_crossing_handshakes);
  return g_test_run ();
}
