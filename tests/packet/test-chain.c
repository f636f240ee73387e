/* test-chain.c: splitting messages into hash-linked chains of packets.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "srp-chain.h"
#include "srp-rng.h"
#include "srp-sha256.h"

static void
test_packet_count (void)
{
  g_assert_cmpuint (srp_chain_packet_count (0), ==, 1);
  g_assert_cmpuint (srp_chain_packet_count (1), ==, 1);
  g_assert_cmpuint (srp_chain_packet_count (1023), ==, 1);
  g_assert_cmpuint (srp_chain_packet_count (1024), ==, 1);
  g_assert_cmpuint (srp_chain_packet_count (1025), ==, 2);
  g_assert_cmpuint (srp_chain_packet_count (2048), ==, 2);
  g_assert_cmpuint (srp_chain_packet_count (2049), ==, 3);
  g_assert_cmpuint (srp_chain_packet_count (SRP_MESSAGE_MAX_LEN), ==, 1024);
}

/* Checks every rule of docs/protocol.md "Chains and the message ID". */
static void
check_chain (GPtrArray *chain, const SrpId *topic, const SrpId *prev, const guint8 *data,
             gsize len)
{
  gsize offset = 0;

  g_assert_nonnull (chain);
  g_assert_cmpuint (chain->len, ==, srp_chain_packet_count (len));
  for (guint i = 0; i < chain->len; i++)
    {
      const SrpPacket *p = chain->pdata[i];
      gboolean last = i + 1 == chain->len;
      guint8 frame[SRP_MAX_DATAGRAM];
      SrpPacket q;
      SrpId id;

      g_assert_cmpint (srp_packet_validate (p), ==, SRP_DROP_NONE);
      g_assert_cmpuint (p->index, ==, i);
      g_assert_cmpuint (p->type, ==, SRP_PACKET_TYPE_MESSAGE);
      g_assert_cmpuint (p->postage, ==, SRP_POSTAGE_MAX);
      g_assert_true (srp_id_equal (&p->topic_id, topic));
      if (i == 0 && prev != NULL)
        g_assert_true (srp_id_equal (&p->prev_id, prev));
      else if (i == 0)
        g_assert_true (srp_id_is_zero (&p->prev_id));
      else
        g_assert_true (srp_id_equal (&p->prev_id, &((SrpPacket *) chain->pdata[i - 1])->id));
      if (last)
        g_assert_true (srp_id_is_zero (&p->next_id));
      else
        g_assert_true (srp_id_equal (&p->next_id, &((SrpPacket *) chain->pdata[i + 1])->id));
      if (!last)
        g_assert_cmpuint (p->body_len, ==, SRP_PACKET_MAX_BODY);
      else
        g_assert_cmpuint (p->body_len, ==, len - offset);
      g_assert_cmpmem (p->body, p->body_len, data + offset, p->body_len);
      offset += p->body_len;

      {
        SrpPacket again = *p;

        srp_packet_compute_id (&again);
        id = again.id;
      }
      g_assert_true (srp_id_equal (&id, &p->id));

      g_assert_cmpint (srp_packet_decode (frame, srp_packet_encode (p, frame), &q), ==,
                       SRP_DROP_NONE);
    }
  g_assert_cmpuint (offset, ==, len);
}

static void
test_build (void)
{
  static const gsize sizes[] = { 0, 1, 2, 1023, 1024, 1025, 2047, 2048, 2049, 5000, 40000,
                                 SRP_MESSAGE_MAX_LEN - 1, SRP_MESSAGE_MAX_LEN };
  guint8 *data = g_malloc (SRP_MESSAGE_MAX_LEN);
  SrpRng rng;
  SrpId topic, prev;

  srp_rng_init (&rng, 7);
  srp_rng_fill (&rng, data, SRP_MESSAGE_MAX_LEN);
  srp_rng_fill (&rng, topic.bytes, SRP_ID_LEN);
  srp_rng_fill (&rng, prev.bytes, SRP_ID_LEN);
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr (GPtrArray) a = srp_chain_build (&topic, SRP_PACKET_TYPE_MESSAGE, NULL,
                                                 data, sizes[i]);
      g_autoptr (GPtrArray) b = srp_chain_build (&topic, SRP_PACKET_TYPE_MESSAGE, &prev,
                                                 data, sizes[i]);
      check_chain (a, &topic, NULL, data, sizes[i]);
      check_chain (b, &topic, &prev, data, sizes[i]);
      /* The message ID depends on the previous message. */
      g_assert_false (srp_id_equal (&((SrpPacket *) a->pdata[a->len - 1])->id,
                                    &((SrpPacket *) b->pdata[b->len - 1])->id));
    }
  g_free (data);
}

static void
test_message_id_commits (void)
{
  guint8 data[3000];
  SrpId topic = { { 1 } }, before, after;
  GPtrArray *chain;

  memset (data, 'x', sizeof data);
  chain = srp_chain_build (&topic, SRP_PACKET_TYPE_MESSAGE, NULL, data, sizeof data);
  before = ((SrpPacket *) chain->pdata[chain->len - 1])->id;
  g_ptr_array_unref (chain);

  /* A change in the first packet's body changes the message ID. */
  data[0] = 'y';
  chain = srp_chain_build (&topic, SRP_PACKET_TYPE_MESSAGE, NULL, data, sizeof data);
  after = ((SrpPacket *) chain->pdata[chain->len - 1])->id;
  g_ptr_array_unref (chain);
  g_assert_false (srp_id_equal (&before, &after));

  /* The topic is hashed too: the same bytes on another topic are another
   * message, not a conflict. */
  topic.bytes[0] = 2;
  chain = srp_chain_build (&topic, SRP_PACKET_TYPE_MESSAGE, NULL, data, sizeof data);
  g_assert_false (srp_id_equal (&after, &((SrpPacket *) chain->pdata[chain->len - 1])->id));
  g_ptr_array_unref (chain);
}

static void
test_too_long (void)
{
  guint8 *data = g_malloc0 (SRP_MESSAGE_MAX_LEN + 1);
  SrpId topic = { { 0 } };

  g_assert_null (srp_chain_build (&topic, SRP_PACKET_TYPE_MESSAGE, NULL, data,
                                  SRP_MESSAGE_MAX_LEN + 1));
  g_free (data);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/chain/packet-count", test_packet_count);
  g_test_add_func ("/chain/build", test_build);
  g_test_add_func ("/chain/message-id-commits", test_message_id_commits);
  g_test_add_func ("/chain/too-long", test_too_long);
  return g_test_run ();
}
