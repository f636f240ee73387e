/* srp-token-bucket.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-token-bucket.h"

void
srp_token_bucket_init (SrpTokenBucket *bucket, const SrpTokenRate *rate, gint64 now)
{
  bucket->tokens = rate->burst;
  bucket->at = now;
}

static void
refill (SrpTokenBucket *bucket, const SrpTokenRate *rate, gint64 now)
{
  /* A clock that steps back refills nothing rather than draining. */
  double elapsed = (double) MAX (now - bucket->at, 0) / G_TIME_SPAN_SECOND;

  bucket->tokens = MIN (rate->burst, bucket->tokens + elapsed * rate->per_second);
  bucket->at = now;
}

guint
srp_token_bucket_take_up_to (SrpTokenBucket *bucket, const SrpTokenRate *rate, gint64 now,
                             guint max)
{
  guint n;

  refill (bucket, rate, now);
  n = (guint) MIN ((double) max, MAX (bucket->tokens, 0.0));
  bucket->tokens -= n;
  return n;
}

gboolean
srp_token_bucket_holds (SrpTokenBucket *bucket, const SrpTokenRate *rate, gint64 now, double cost)
{
  refill (bucket, rate, now);
  return bucket->tokens >= cost;
}

gboolean
srp_token_bucket_take (SrpTokenBucket *bucket, const SrpTokenRate *rate, gint64 now, double cost)
{
  refill (bucket, rate, now);
  if (bucket->tokens < cost)
    return FALSE;
  bucket->tokens -= cost;
  return TRUE;
}
