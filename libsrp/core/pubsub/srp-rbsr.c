/* srp-rbsr.c: range-based set reconciliation over 64-bit ID prefixes.
 *
 * Each side answers each range of the other's message:
 *   FINGERPRINT equal          -> nothing (the range agrees);
 *   FINGERPRINT differs, few   -> LIST of all my IDs in the range;
 *   FINGERPRINT differs, many  -> SRP_RBSR_BRANCHES sub-ranges with equal
 *                                 shares of my IDs, each with a FINGERPRINT;
 *   LIST                       -> the IDs I lack go to need, the IDs the
 *                                 other lacks go back as HAVE;
 *   HAVE                       -> the IDs I lack go to need.
 * A range only ever splits into smaller ones and a LIST is answered without
 * a LIST, so the exchange ends; rounds grow with log(n) and bytes with the
 * number of differences times the branching.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-rbsr.h"

#include <string.h>

#include "srp-sha256.h"

void
srp_rbsr_output_init (SrpRbsrOutput *out)
{
  out->ranges = g_array_new (FALSE, TRUE, sizeof (SrpSyncRange));
  out->items = g_array_new (FALSE, FALSE, sizeof (guint64));
  out->need = g_array_new (FALSE, FALSE, sizeof (guint64));
}

void
srp_rbsr_output_clear (SrpRbsrOutput *out)
{
  g_clear_pointer (&out->ranges, g_array_unref);
  g_clear_pointer (&out->items, g_array_unref);
  g_clear_pointer (&out->need, g_array_unref);
}

void
srp_rbsr_fingerprint (const guint64 *items, guint n, guint8 out[SRP_FINGERPRINT_LEN])
{
  g_autofree guint8 *bytes = g_malloc (MAX (n, 1) * 8);
  SrpId digest;

  for (guint i = 0; i < n; i++)
    srp_write_u64 (bytes + 8 * i, items[i]);
  srp_sha256 (bytes, (gsize) n * 8, &digest);
  memcpy (out, digest.bytes, SRP_FINGERPRINT_LEN);
}

/* Index of the first item >= value (n when none). */
static guint
lower_bound (const guint64 *items, guint n, guint64 value)
{
  guint lo = 0, hi = n;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      if (items[mid] < value)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* The items of [lower, upper) (upper 0: to the end) as [*a, *b). */
static void
slice (const guint64 *items, guint n, guint64 lower, guint64 upper, guint *a, guint *b)
{
  *a = lower_bound (items, n, lower);
  *b = upper == 0 ? n : lower_bound (items, n, upper);
}

static void
add_range (SrpRbsrOutput *out, guint64 lower, guint64 upper, guint8 mode, const guint64 *items,
           guint n)
{
  SrpSyncRange range = { .lower = lower, .upper = upper, .mode = mode };

  if (mode == SRP_SYNC_FINGERPRINT)
    srp_rbsr_fingerprint (items, n, range.fingerprint);
  else
    {
      range.first = out->items->len;
      range.n_items = n;
      g_array_append_vals (out->items, items, n);
    }
  g_array_append_val (out->ranges, range);
}

/* My IDs of a range, as a FINGERPRINT or, when few, as a LIST. */
static void
describe (SrpRbsrOutput *out, guint64 lower, guint64 upper, const guint64 *items, guint n)
{
  add_range (out, lower, upper, n <= SRP_RBSR_LIST_MAX ? SRP_SYNC_LIST : SRP_SYNC_FINGERPRINT,
             items, n);
}

void
srp_rbsr_open (const guint64 *mine, guint n_mine, SrpRbsrOutput *out)
{
  describe (out, 0, 0, mine, n_mine);
}

/* Sub-ranges with equal shares of items[0..n): boundaries at item values,
 * which are unique, so every sub-range is non-empty. */
static void
split (SrpRbsrOutput *out, guint64 lower, guint64 upper, const guint64 *items, guint n)
{
  guint64 from = lower;
  guint start = 0;

  for (guint k = 1; k <= SRP_RBSR_BRANCHES; k++)
    {
      guint end = k == SRP_RBSR_BRANCHES ? n : (guint) ((guint64) n * k / SRP_RBSR_BRANCHES);
      guint64 to = k == SRP_RBSR_BRANCHES ? upper : items[end];

      describe (out, from, to, items + start, end - start);
      from = to;
      start = end;
    }
}

/* HAVE ranges for the IDs the other side lacks, in chunks that fit frames. */
static void
offer (SrpRbsrOutput *out, guint64 lower, guint64 upper, const guint64 *items, guint n)
{
  for (guint start = 0; start < n; start += SRP_RBSR_HAVE_MAX)
    {
      guint count = MIN (SRP_RBSR_HAVE_MAX, n - start);
      guint64 from = start == 0 ? lower : items[start];
      guint64 to = start + count >= n ? upper : items[start + count];

      add_range (out, from, to, SRP_SYNC_HAVE, items + start, count);
    }
}

/* Merges my items and a received list: which side lacks what. */
static void
compare_lists (SrpRbsrOutput *out, const guint64 *mine, guint n_mine, const guint64 *theirs,
               guint n_theirs, GArray *they_lack)
{
  guint i = 0, j = 0;

  while (i < n_mine || j < n_theirs)
    {
      if (j == n_theirs || (i < n_mine && mine[i] < theirs[j]))
        g_array_append_val (they_lack, mine[i++]);
      else if (i == n_mine || theirs[j] < mine[i])
        g_array_append_val (out->need, theirs[j++]);
      else
        i++, j++;
    }
}

void
srp_rbsr_answer (const guint64 *mine, guint n_mine, const SrpSync *in, SrpRbsrOutput *out)
{
  for (guint r = 0; r < in->n_ranges; r++)
    {
      const SrpSyncRange *range = &in->ranges[r];
      const guint64 *theirs = in->items + range->first;
      guint a, b;

      slice (mine, n_mine, range->lower, range->upper, &a, &b);
      switch (range->mode)
        {
        case SRP_SYNC_FINGERPRINT:
          {
            guint8 fp[SRP_FINGERPRINT_LEN];

            srp_rbsr_fingerprint (mine + a, b - a, fp);
            if (memcmp (fp, range->fingerprint, sizeof fp) == 0)
              break;
            if (b - a <= SRP_RBSR_LIST_MAX)
              add_range (out, range->lower, range->upper, SRP_SYNC_LIST, mine + a, b - a);
            else
              split (out, range->lower, range->upper, mine + a, b - a);
            break;
          }
        case SRP_SYNC_LIST:
          {
            g_autoptr (GArray) they_lack = g_array_new (FALSE, FALSE, sizeof (guint64));

            compare_lists (out, mine + a, b - a, theirs, range->n_items, they_lack);
            offer (out, range->lower, range->upper, (const guint64 *) they_lack->data,
                   they_lack->len);
            break;
          }
        case SRP_SYNC_HAVE:
          for (guint k = 0; k < range->n_items; k++)
            {
              guint at = lower_bound (mine + a, b - a, theirs[k]);
              if (a + at == b || mine[a + at] != theirs[k])
                g_array_append_val (out->need, theirs[k]);
            }
          break;
        default:
          g_assert_not_reached ();
        }
    }
}

void
srp_rbsr_pack (const SrpRbsrOutput *out, const SrpId *topic_id, guint max_frames,
               void (*emit) (const guint8 *frame, gsize len, gpointer data), gpointer data)
{
  g_autofree SrpSync *sync = g_new0 (SrpSync, 1);
  guint8 frame[SRP_MAX_DATAGRAM];
  gsize size = SRP_SYNC_HEADER_LEN;
  guint frames = 0;

  sync->topic_id = *topic_id;
  for (guint r = 0; r <= out->ranges->len && frames < max_frames; r++)
    {
      const SrpSyncRange *range =
          r < out->ranges->len ? &g_array_index (out->ranges, SrpSyncRange, r) : NULL;
      gsize need = range != NULL ? srp_sync_range_size (range) : 0;

      if (sync->n_ranges > 0 &&
          (range == NULL || size + need > SRP_MAX_FRAME || sync->n_ranges == SRP_SYNC_MAX_RANGES))
        {
          gsize len = srp_sync_encode (sync, frame);

          g_assert (len > 0);
          emit (frame, len, data);
          frames++;
          sync->n_ranges = 0;
          sync->n_items = 0;
          size = SRP_SYNC_HEADER_LEN;
        }
      if (range == NULL || frames >= max_frames)
        break;
      /* Every range fits a frame alone: lists are at most SRP_RBSR_HAVE_MAX
       * (HAVE) or SRP_RBSR_LIST_MAX (LIST) long. */
      sync->ranges[sync->n_ranges] = *range;
      sync->ranges[sync->n_ranges].first = sync->n_items;
      if (range->n_items > 0)
        memcpy (sync->items + sync->n_items,
                &g_array_index (out->items, guint64, range->first), 8 * (gsize) range->n_items);
      sync->n_items += range->n_items;
      sync->n_ranges++;
      size += need;
    }
}
