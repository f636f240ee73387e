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

gboolean
srp_token_bucket_take (SrpTokenBucket *bucket, const SrpTokenRate *rate, gint64 now, double cost)
{
  /* A clock that steps back refills nothing rather than draining. */
  double elapsed = (double) MAX (now - bucket->at, 0) / G_TIME_SPAN_SECOND;

  bucket->tokens = MIN (rate->burst, bucket->tokens + elapsed * rate->per_second);
  bucket->at = now;
  if (bucket->tokens < cost)
    return FALSE;
  bucket->tokens -= cost;
  return TRUE;
}
