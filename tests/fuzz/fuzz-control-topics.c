/* fuzz-control-topics.c: libFuzzer target for the control frames of topics
 * and the cache: SUBSCRIPTIONS, ACK, QUERY and SYNC.
 *
 * The input is one datagram. Its prefix is checked and its KIND picks the
 * decoder, as the core does. A frame that decodes must satisfy what the
 * core then relies on (counts within bounds, sorted prefixes, SYNC ranges
 * non-empty, increasing and holding their items) and re-encode to the same
 * bytes (one canonical encoding). A SYNC is also answered as a peer would,
 * from a set of its own that shares some IDs with the frame, and every
 * frame of the answer must decode in turn: nothing a peer sends can make
 * us send what we would refuse ourselves.
 *
 * tests/fuzz/gen-corpus-control.c writes the seed corpus.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "fuzz-check.h"
#include "srp-control-topics.h"
#include "srp-rbsr.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static void
check_same (const guint8 *frame, gsize len, const guint8 *again, gsize again_len)
{
  check (again_len == len && memcmp (again, frame, len) == 0, "re-encoding gives the same bytes");
}

static void
check_subscriptions (const guint8 *frame, gsize len)
{
  g_autofree SrpSubscriptions *subs = g_new (SrpSubscriptions, 1);
  guint8 again[SRP_MAX_DATAGRAM];

  if (srp_subscriptions_decode (frame, len, subs) != SRP_DROP_NONE)
    return;
  check (subs->n <= SRP_SUBSCRIPTIONS_MAX, "subscriptions within bounds");
  for (guint i = 1; i < subs->n; i++)
    check (subs->topics[i - 1] < subs->topics[i], "subscriptions sorted and unique");
  check_same (frame, len, again, srp_subscriptions_encode (subs, again));
}

static void
check_ids (const guint8 *frame, gsize len, guint8 kind)
{
  SrpIdList ids;
  guint8 again[SRP_MAX_DATAGRAM];
  gboolean ack = kind == SRP_FRAME_ACK;

  if ((ack ? srp_ack_decode (frame, len, &ids) : srp_query_decode (frame, len, &ids)) !=
      SRP_DROP_NONE)
    return;
  check (ids.n >= 1 && ids.n <= SRP_IDS_MAX, "ID list within bounds");
  check_same (frame, len, again, ack ? srp_ack_encode (&ids, again) : srp_query_encode (&ids, again));
}

/* Decodes a SYNC and checks the ranges; FALSE when it does not decode. */
static gboolean
decode_sync (const guint8 *frame, gsize len, SrpSync *sync)
{
  if (srp_sync_decode (frame, len, sync) != SRP_DROP_NONE)
    return FALSE;
  check (sync->n_ranges >= 1 && sync->n_ranges <= SRP_SYNC_MAX_RANGES, "range count");
  check (sync->n_items <= SRP_SYNC_MAX_ITEMS, "item count");
  for (guint i = 0; i < sync->n_ranges; i++)
    {
      const SrpSyncRange *range = &sync->ranges[i];

      check (range->upper == 0 || range->lower < range->upper, "a range is not empty");
      check (i == 0 || (sync->ranges[i - 1].upper != 0 &&
                        sync->ranges[i - 1].upper <= range->lower),
             "ranges increase and do not overlap");
      check (range->first + range->n_items <= sync->n_items, "a range's items exist");
      for (guint k = 0; k < range->n_items; k++)
        {
          guint64 item = sync->items[range->first + k];

          check (item >= range->lower && (range->upper == 0 || item < range->upper),
                 "items lie in their range");
          check (k == 0 || sync->items[range->first + k - 1] < item, "items increase");
        }
    }
  return TRUE;
}

static void
check_answer_frame (const guint8 *frame, gsize len, gpointer data)
{
  g_autofree SrpSync *sync = g_new (SrpSync, 1);

  check (decode_sync (frame, len, sync), "an answer decodes");
}

static int
compare_u64 (gconstpointer a, gconstpointer b)
{
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;
  return x < y ? -1 : x > y;
}

/* Answers sync from a set of ours: every other item of the frame, and
 * values spread over the space, so that ranges both agree and differ. */
static void
answer_sync (const SrpSync *sync)
{
  g_autoptr (GArray) mine = g_array_new (FALSE, FALSE, sizeof (guint64));
  SrpRbsrOutput out;
  guint n = 0;

  for (guint i = 0; i < sync->n_items; i += 2)
    g_array_append_val (mine, sync->items[i]);
  for (guint64 i = 1; i <= 64; i++)
    {
      guint64 spread = i * (G_MAXUINT64 / 65);
      g_array_append_val (mine, spread);
    }
  g_array_sort (mine, compare_u64);
  for (guint i = 0; i < mine->len; i++)
    if (n == 0 || g_array_index (mine, guint64, n - 1) != g_array_index (mine, guint64, i))
      g_array_index (mine, guint64, n++) = g_array_index (mine, guint64, i);
  g_array_set_size (mine, n);

  srp_rbsr_output_init (&out);
  srp_rbsr_answer ((const guint64 *) mine->data, mine->len, sync, &out);
  for (guint i = 0; i < out.need->len; i++)
    check (!g_array_binary_search (mine, &g_array_index (out.need, guint64, i), compare_u64, NULL),
           "we never ask for what we hold");
  srp_rbsr_pack (&out, &sync->topic_id, 16, check_answer_frame, NULL);
  srp_rbsr_output_clear (&out);
}

static void
check_sync (const guint8 *frame, gsize len)
{
  g_autofree SrpSync *sync = g_new (SrpSync, 1);
  guint8 again[SRP_MAX_DATAGRAM];

  if (!decode_sync (frame, len, sync))
    return;
  check_same (frame, len, again, srp_sync_encode (sync, again));
  answer_sync (sync);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  guint8 kind;

  if (srp_wire_check_prefix (data, size, &kind) != SRP_DROP_NONE)
    return 0;
  switch (kind)
    {
    case SRP_FRAME_SUBSCRIPTIONS:
      check_subscriptions (data, size);
      break;
    case SRP_FRAME_ACK:
    case SRP_FRAME_QUERY:
      check_ids (data, size, kind);
      break;
    case SRP_FRAME_SYNC:
      check_sync (data, size);
      break;
    default:
      break;
    }
  return 0;
}
