/* srp-range-set.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-range-set.h"

void
srp_range_set_init (SrpRangeSet *set)
{
  set->ranges = g_array_new (FALSE, FALSE, sizeof (SrpRange));
}

void
srp_range_set_clear (SrpRangeSet *set)
{
  g_clear_pointer (&set->ranges, g_array_unref);
}

/* The index of the first range whose end is >= value (ranges that could
 * touch or hold value start there). Binary search: sets hold up to a few
 * hundred ranges under heavy loss. */
static guint
first_ending_at_or_after (const SrpRangeSet *set, guint64 value)
{
  guint lo = 0, hi = set->ranges->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (srp_range_set_get (set, mid)->end < value)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

void
srp_range_set_add (SrpRangeSet *set, guint64 start, guint64 end)
{
  guint i, j;
  SrpRange merged = { start, end };

  if (start >= end)
    return;
  i = first_ending_at_or_after (set, start);
  j = i;
  /* Every range from i that starts at or before end touches [start, end). */
  while (j < set->ranges->len && srp_range_set_get (set, j)->start <= end)
    {
      const SrpRange *r = srp_range_set_get (set, j);

      merged.start = MIN (merged.start, r->start);
      merged.end = MAX (merged.end, r->end);
      j++;
    }
  if (j > i)
    g_array_remove_range (set->ranges, i, j - i);
  g_array_insert_val (set->ranges, i, merged);
}

void
srp_range_set_remove (SrpRangeSet *set, guint64 start, guint64 end)
{
  guint i;

  if (start >= end)
    return;
  i = first_ending_at_or_after (set, start + 1);
  while (i < set->ranges->len)
    {
      SrpRange *r = &g_array_index (set->ranges, SrpRange, i);

      if (r->start >= end)
        break;
      if (r->start < start && r->end > end)
        {
          /* A hole in the middle: split. */
          SrpRange tail = { end, r->end };

          r->end = start;
          g_array_insert_val (set->ranges, i + 1, tail);
          return;
        }
      if (r->start < start)
        {
          r->end = start;
          i++;
        }
      else if (r->end > end)
        {
          r->start = end;
          return;
        }
      else
        g_array_remove_index (set->ranges, i);
    }
}

void
srp_range_set_remove_below (SrpRangeSet *set, guint64 value)
{
  if (value > 0)
    srp_range_set_remove (set, 0, value);
}

gboolean
srp_range_set_contains (const SrpRangeSet *set, guint64 value)
{
  guint i = first_ending_at_or_after (set, value + 1);

  return i < set->ranges->len && srp_range_set_get (set, i)->start <= value;
}

guint64
srp_range_set_contiguous_end (const SrpRangeSet *set, guint64 from)
{
  guint i = first_ending_at_or_after (set, from);

  if (i < set->ranges->len && srp_range_set_get (set, i)->start <= from)
    return srp_range_set_get (set, i)->end;
  return from;
}

gboolean
srp_range_set_first_after (const SrpRangeSet *set, guint64 from, SrpRange *out)
{
  guint i = first_ending_at_or_after (set, from + 1);

  if (i >= set->ranges->len)
    return FALSE;
  *out = *srp_range_set_get (set, i);
  out->start = MAX (out->start, from);
  return TRUE;
}

void
srp_range_set_keep_highest (SrpRangeSet *set, guint max)
{
  if (set->ranges->len > max)
    g_array_remove_range (set->ranges, 0, set->ranges->len - max);
}
