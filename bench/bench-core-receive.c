/* bench-core-receive.c: what the protocol core spends on a received packet,
 * against the two operations it cannot avoid, in one run, on one thread.
 *
 * bench-flood measures the whole subscriber (sockets, GLib, GObject) across
 * four threads on a shared machine, and its figures swing by a third from
 * run to run: too much to see a change of a few per cent in the core. Here
 * a publisher and a subscriber core are connected in virtual time
 * (tests/core/srp-sim); what the publisher sends the subscriber is taken
 * off the simulated network as sealed datagrams and handed to the
 * subscriber's srp_core_handle_datagram in a loop timed by the thread's CPU
 * clock, its events drained as a shell would. It prints, per datagram:
 *   core        handle_datagram and the events it gives
 *   floor       one SHA-256 over what a packet ID covers (1,056 bytes) and
 *               one ChaCha20-Poly1305 open of a sealed frame (1,159 bytes):
 *               what any receiver of this protocol pays
 * and core / floor. 1 KiB anonymous messages (one packet each), three
 * rounds, the best of each, after a warm-up that fills every bounded table
 * (the cache, the sets of IDs gone and delivered), so that each packet
 * evicts as on a peer that has run for a while.
 *
 *   _build-release/bench/bench-core-receive [MESSAGES_PER_ROUND]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "srp-aead.h"
#include "srp-core.h"
#include "srp-sha256.h"
#include "srp-sim.h"

#define BODY_LEN 1024
#define CHUNK 256      /* messages published before the subscriber takes them */
#define ROUNDS 3
#define WARM_UP 80000  /* messages: past the 65,536 IDs the largest set keeps */

typedef struct {
  gsize len;
  guint8 data[SRP_MAX_DATAGRAM];
} Datagram;

typedef struct {
  SrpSim *sim;
  guint publisher, subscriber;
  gboolean capturing;
  /* Sealed datagrams from publisher to subscriber, in an array kept from
   * chunk to chunk: buffers allocated and freed 256 at a time made malloc
   * return memory to the kernel and fault it back in within the timed loop. */
  GArray *captured; /* of Datagram */
  guint64 sink;
} Bench;

static double
thread_cpu_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void
tap (SrpSim *sim, guint node, const SrpTransmit *t, gpointer user_data)
{
  Bench *b = user_data;

  if (b->capturing && node == b->publisher &&
      srp_address_equal (&t->to, srp_sim_get_address (sim, b->subscriber)))
    {
      Datagram *d;

      g_array_set_size (b->captured, b->captured->len + 1);
      d = &g_array_index (b->captured, Datagram, b->captured->len - 1);
      d->len = t->len;
      memcpy (d->data, t->data, t->len);
    }
}

/* What is captured is handed over by the benchmark, not by the network. */
static gboolean
filter (SrpSim *sim, guint from, guint to, const guint8 *data, gsize len, gpointer user_data)
{
  Bench *b = user_data;

  (void) sim, (void) data, (void) len;
  return b->capturing && from == b->publisher && to == b->subscriber;
}

static void
setup (Bench *b, const SrpId *topic)
{
  SrpCore *subscriber;

  b->sim = srp_sim_new (1);
  b->publisher = srp_sim_add_node (b->sim, NULL);
  b->subscriber = srp_sim_add_node (b->sim, NULL);
  b->captured = g_array_sized_new (FALSE, FALSE, sizeof (Datagram), 2 * CHUNK);
  srp_sim_set_default_link (b->sim, 1000, 0.0);
  srp_sim_set_tap (b->sim, tap, b);
  srp_sim_set_filter (b->sim, filter, b);
  subscriber = srp_sim_get_core (b->sim, b->subscriber);
  srp_core_add_bootstrap (subscriber, srp_sim_get_now (b->sim),
                          srp_sim_get_address (b->sim, b->publisher));
  srp_sim_flush (b->sim, b->subscriber);
  while (!srp_sim_is_connected (b->sim, b->publisher, b->subscriber) && srp_sim_step (b->sim))
    ;
  if (!srp_sim_is_connected (b->sim, b->publisher, b->subscriber))
    g_error ("the two cores did not connect");
  srp_core_subscribe (subscriber, srp_sim_get_now (b->sim), topic);
  srp_sim_flush (b->sim, b->subscriber);
  srp_sim_run_until (b->sim, srp_sim_get_now (b->sim) + 3 * G_USEC_PER_SEC);
}

/* Publishes CHUNK messages, takes what goes to the subscriber off the
 * network and hands it over, timed. Adds the datagrams and messages. */
static double
chunk (Bench *b, const SrpId *topic, guint64 *serial, guint64 *datagrams, guint64 *messages)
{
  SrpCore *publisher = srp_sim_get_core (b->sim, b->publisher);
  SrpCore *subscriber = srp_sim_get_core (b->sim, b->subscriber);
  const SrpAddress *from = srp_sim_get_address (b->sim, b->publisher);
  guint8 body[BODY_LEN] = { 0 };
  gint64 now = srp_sim_get_now (b->sim);
  SrpCoreEvent event;
  double start, spent;

  b->capturing = TRUE;
  for (guint i = 0; i < CHUNK; i++)
    {
      SrpId id;

      (*serial)++;
      memcpy (body, serial, sizeof *serial);
      if (srp_core_publish (publisher, now, topic, NULL, body, sizeof body, &id) == 0)
        g_error ("publishing failed");
    }
  srp_sim_flush (b->sim, b->publisher);

  start = thread_cpu_s ();
  for (guint i = 0; i < b->captured->len; i++)
    {
      const Datagram *d = &g_array_index (b->captured, Datagram, i);

      srp_core_handle_datagram (subscriber, now, 0, from, d->data, d->len);
      while (srp_core_poll_event (subscriber, &event))
        {
          if (event.type == SRP_CORE_EVENT_MESSAGE)
            (*messages)++;
          srp_core_event_clear (&event);
        }
    }
  spent = thread_cpu_s () - start;
  *datagrams += b->captured->len;
  g_array_set_size (b->captured, 0);

  /* Acknowledgements go back, and time moves on, as they would. */
  srp_sim_flush (b->sim, b->subscriber);
  srp_sim_run_until (b->sim, now + 2000);
  return spent;
}

/* SHA-256 over a packet ID's input and one ChaCha20-Poly1305 open of a
 * sealed frame's length, µs each time together (best of three). */
static double
floor_us (Bench *b)
{
  guint8 input[SRP_ID_LEN + BODY_LEN] = { 1 }, frame[1159] = { 2 }, out[1159];
  guint8 key[SRP_AEAD_KEY_LEN] = { 3 }, nonce[SRP_AEAD_NONCE_LEN] = { 0 }, tag[SRP_AEAD_TAG_LEN];
  SrpAead *aead = srp_aead_new ();
  double best = G_MAXDOUBLE;
  const guint n = 100000;

  srp_aead_seal (aead, key, nonce, NULL, 0, frame, sizeof frame, frame, tag);
  for (guint round = 0; round < ROUNDS; round++)
    {
      double start = thread_cpu_s ();

      for (guint i = 0; i < n; i++)
        {
          SrpId id;

          input[0] = (guint8) i;
          srp_sha256 (input, sizeof input, &id);
          if (!srp_aead_open (aead, key, nonce, NULL, 0, frame, sizeof frame, out, tag))
            g_error ("the floor's frame did not open");
          b->sink += id.bytes[0] + out[0];
        }
      best = MIN (best, (thread_cpu_s () - start) / n * 1e6);
    }
  srp_aead_free (aead);
  return best;
}

int
main (int argc, char **argv)
{
  Bench b = { 0 };
  guint per_round = argc > 1 ? (guint) strtoul (argv[1], NULL, 10) : 100000;
  guint64 serial = 0;
  double best = G_MAXDOUBLE, floor;
  SrpId topic;

  if (per_round < CHUNK)
    per_round = CHUNK;
  srp_topic_id_from_name ("bench-core-receive", &topic);
  setup (&b, &topic);
  g_print ("==> bench-core-receive: %u anonymous %d-byte messages a round, %d rounds, one thread\n",
           per_round, BODY_LEN, ROUNDS);
  {
    guint64 datagrams = 0, messages = 0;

    while (messages < WARM_UP)
      chunk (&b, &topic, &serial, &datagrams, &messages);
    g_print ("warm-up: %" G_GUINT64_FORMAT " messages\n", messages);
  }
  for (guint round = 1; round <= ROUNDS; round++)
    {
      guint64 datagrams = 0, messages = 0;
      double spent = 0;

      while (messages < per_round)
        {
          guint64 before = messages;

          spent += chunk (&b, &topic, &serial, &datagrams, &messages);
          if (messages == before)
            g_error ("the subscriber delivered nothing of a chunk");
        }
      g_print ("round %u: %" G_GUINT64_FORMAT " datagrams, %" G_GUINT64_FORMAT
               " messages, core %.3f us per datagram\n",
               round, datagrams, messages, spent / datagrams * 1e6);
      best = MIN (best, spent / datagrams * 1e6);
    }
  floor = floor_us (&b);
  g_print ("core %.3f us per datagram (best round), floor (SHA-256 + AEAD open) %.3f us: "
           "core / floor %.2f\n",
           best, floor, best / floor);
  g_array_unref (b.captured);
  srp_sim_free (b.sim);
  return b.sink == 42 ? 1 : 0;
}
