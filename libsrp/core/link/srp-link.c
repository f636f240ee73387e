/* srp-link.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-link.h"

#include "srp-control.h"

/* Peer exchange, probes and introductions are rare: a burst on connecting,
 * then one every two seconds. Queries cost a token per packet asked for;
 * SYNC and SUBSCRIPTIONS are cheap but can come in rounds. An introducer
 * may make us spray one birthday's worth of probes (2,048, the default
 * punch_probes) at once and another every 30 s (a punch's lifetime): its
 * credit, three times what it sent us, holds fewer than that on a young
 * link, and a spray cut short ends relayed. */
static const SrpTokenRate rates[SRP_LINK_N_BUCKETS] = {
  [SRP_LINK_BUCKET_REQUESTS] = { .burst = 10.0, .per_second = 0.5 },
  [SRP_LINK_BUCKET_QUERIES] = { .burst = 512.0, .per_second = 256.0 },
  [SRP_LINK_BUCKET_SYNCS] = { .burst = 64.0, .per_second = 16.0 },
  /* A signature check costs 55-80 us, a forgery nothing to make: a link
   * may complete 16 messages whose author signature fails, then 4 a
   * second. A genuine author's messages never fail, so an honest link
   * spends this only on forgeries it carried for someone else. */
  [SRP_LINK_BUCKET_FORGERIES] = { .burst = 16.0, .per_second = 4.0 },
  [SRP_LINK_BUCKET_SPRAYS] = { .burst = 2048.0, .per_second = 2048.0 / 30.0 },
};

const SrpTokenRate *
srp_link_bucket_rate (SrpLinkBucket bucket)
{
  g_assert ((guint) bucket < SRP_LINK_N_BUCKETS);
  return &rates[bucket];
}

SrpLink *
srp_link_new (const SrpId *id, const SrpAddress *address, gint64 now)
{
  SrpLink *link = g_new0 (SrpLink, 1);

  link->id = *id;
  link->address = *address;
  link->connected_at = now;
  link->last_seen = now;
  link->knows_us = TRUE;
  /* What its handshake sent us. */
  link->credit = srp_credit_new (SRP_HELLO_LEN);
  srp_rtt_init (&link->rtt);
  for (guint b = 0; b < SRP_LINK_N_BUCKETS; b++)
    srp_token_bucket_init (&link->buckets[b], &rates[b], now);
  return link;
}

void
srp_link_free (SrpLink *link)
{
  if (link == NULL)
    return;
  g_warn_if_fail (!srp_timer_is_armed (&link->heartbeat));
  for (guint s = 0; s < SRP_LINK_SLOTS; s++)
    g_warn_if_fail (link->slots[s] == NULL);
  srp_credit_unref (link->credit);
  srp_session_free (link->session);
  srp_session_free (link->session_prev);
  g_free (link);
}

gboolean
srp_link_take (SrpLink *link, SrpLinkBucket bucket, gint64 now, double cost)
{
  g_assert ((guint) bucket < SRP_LINK_N_BUCKETS);
  return srp_token_bucket_take (&link->buckets[bucket], &rates[bucket], now, cost);
}

gboolean
srp_link_holds (SrpLink *link, SrpLinkBucket bucket, gint64 now, double cost)
{
  g_assert ((guint) bucket < SRP_LINK_N_BUCKETS);
  return srp_token_bucket_holds (&link->buckets[bucket], &rates[bucket], now, cost);
}

guint
srp_link_take_up_to (SrpLink *link, SrpLinkBucket bucket, gint64 now, guint max)
{
  g_assert ((guint) bucket < SRP_LINK_N_BUCKETS);
  return srp_token_bucket_take_up_to (&link->buckets[bucket], &rates[bucket], now, max);
}

void
srp_link_heard (SrpLink *link, gint64 now, gsize bytes)
{
  link->last_seen = now;
  link->failures = 0;
  link->datagrams_in++;
  link->bytes_in += bytes;
  srp_credit_earn (link->credit, bytes);
}
