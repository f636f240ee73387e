/* srp-rng.h: the core's own seeded random numbers (xoshiro256**), so that the
 * same seed and inputs give the same outputs, bit for bit.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint64 s[4];
} SrpRng;

void srp_rng_init (SrpRng *rng, guint64 seed);
guint64 srp_rng_next (SrpRng *rng);
/* Uniform in [0, bound); bound > 0. */
guint64 srp_rng_below (SrpRng *rng, guint64 bound);
/* Uniform in [0, 1). */
double srp_rng_double (SrpRng *rng);
void srp_rng_fill (SrpRng *rng, guint8 *out, gsize len);
/* Shuffles array[start..] in place (Fisher-Yates). */
void srp_rng_shuffle (SrpRng *rng, GPtrArray *array, guint start);
/* Puts a uniform random sample of n of array's elements (all, when it
 * holds fewer), in random order, at its front; the rest stay behind in
 * some order. n draws instead of a whole shuffle's array->len. */
void srp_rng_shuffle_first (SrpRng *rng, GPtrArray *array, guint n);

G_END_DECLS
