/* srp-token-bucket.h: a token bucket, the one rate limiter of the core.
 *
 * A bucket holds up to burst tokens and refills at per_second; taking more
 * than it holds is refused. Time is an argument, like everywhere in the core.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  double burst;
  double per_second;
} SrpTokenRate;

typedef struct {
  double tokens;
  gint64 at; /* when tokens was last brought up to date */
} SrpTokenBucket;

/* A full bucket at now. */
void srp_token_bucket_init (SrpTokenBucket *bucket, const SrpTokenRate *rate, gint64 now);
/* Takes whole tokens, as many as the bucket holds up to max; returns how
 * many (a request served in part rather than refused whole). */
guint srp_token_bucket_take_up_to (SrpTokenBucket *bucket, const SrpTokenRate *rate, gint64 now,
                                   guint max);
/* Whether cost tokens are there, taking none. */
gboolean srp_token_bucket_holds (SrpTokenBucket *bucket, const SrpTokenRate *rate, gint64 now,
                                 double cost);
/* Takes cost tokens; FALSE (and nothing taken) when fewer are there. */
gboolean srp_token_bucket_take (SrpTokenBucket *bucket, const SrpTokenRate *rate, gint64 now,
                                double cost);

G_END_DECLS
