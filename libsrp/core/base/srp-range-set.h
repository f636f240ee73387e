/* srp-range-set.h: a set of 64-bit integers kept as sorted, disjoint,
 * non-adjacent half-open ranges [start, end). Streams use it for the bytes
 * received out of order, the bytes acknowledged, the bytes to send again,
 * and the packet numbers to acknowledge.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint64 start, end; /* [start, end) */
} SrpRange;

typedef struct {
  GArray *ranges; /* SrpRange, ascending */
} SrpRangeSet;

void srp_range_set_init (SrpRangeSet *set);
void srp_range_set_clear (SrpRangeSet *set);
/* Adds [start, end), merging what it touches. */
void srp_range_set_add (SrpRangeSet *set, guint64 start, guint64 end);
/* Removes [start, end). */
void srp_range_set_remove (SrpRangeSet *set, guint64 start, guint64 end);
/* Removes everything below value. */
void srp_range_set_remove_below (SrpRangeSet *set, guint64 value);
gboolean srp_range_set_contains (const SrpRangeSet *set, guint64 value);
/* The end of the range that starts at or covers from (from itself when
 * from is not in the set): how far the set is contiguous from there. */
guint64 srp_range_set_contiguous_end (const SrpRangeSet *set, guint64 from);
/* The first range that ends after from, clipped to start at from or later;
 * FALSE when there is none. */
gboolean srp_range_set_first_after (const SrpRangeSet *set, guint64 from, SrpRange *out);
/* Drops the lowest ranges until at most max are left. */
void srp_range_set_keep_highest (SrpRangeSet *set, guint max);

static inline guint
srp_range_set_n_ranges (const SrpRangeSet *set)
{
  return set->ranges->len;
}

static inline gboolean
srp_range_set_is_empty (const SrpRangeSet *set)
{
  return set->ranges->len == 0;
}

static inline const SrpRange *
srp_range_set_get (const SrpRangeSet *set, guint i)
{
  return &g_array_index (set->ranges, SrpRange, i);
}

G_END_DECLS
