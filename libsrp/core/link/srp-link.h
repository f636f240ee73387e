/* srp-link.h: one connected peer, and everything known about the connection.
 *
 * A link is made when a handshake completes and freed when the peer goes
 * away. It owns the handshake's proof, the path, the RTT estimator, the
 * token buckets that limit what the peer may ask of us, the heartbeat state
 * and traffic counters; each subsystem keeps its own per-peer state in its
 * slot (see srp-subsystem.h), made and freed with the link.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-address.h"
#include "srp-credit.h"
#include "srp-session.h"
#include "srp-rtt.h"
#include "srp-timer-table.h"
#include "srp-token-bucket.h"
#include "srp-wire.h"

G_BEGIN_DECLS

/* Subsystems a core has at most (each one slot per link). */
#define SRP_LINK_SLOTS 4

/* What a peer may ask of us, each with its own budget. */
typedef enum {
  SRP_LINK_BUCKET_REQUESTS, /* peer exchange, probes, introductions */
  SRP_LINK_BUCKET_QUERIES,  /* packets asked for by QUERY, one token each */
  SRP_LINK_BUCKET_SYNCS,    /* SYNC and SUBSCRIPTIONS frames */
  SRP_LINK_BUCKET_FORGERIES, /* messages it completed whose author signature failed */
  SRP_LINK_BUCKET_SPRAYS,   /* birthday probes its introductions make us send, one each */
  SRP_LINK_N_BUCKETS
} SrpLinkBucket;

/* How a link's peer is reached (the values of SrpCorePath). */
typedef enum {
  SRP_LINK_PATH_DIRECT = 1,
  SRP_LINK_PATH_RELAYED = 2,
} SrpLinkPath;

typedef struct _SrpLink SrpLink;

struct _SrpLink {
  SrpId id;
  SrpAddress address;      /* an IP address, or a relay address (SRP_ADDRESS_FAMILY_RELAY) */
  guint8 nat;              /* SrpNat, as the peer reported it */
  gboolean introduced;     /* made through an introduction (either side asked) */
  gint64 connected_at;
  gint64 last_seen;        /* the last datagram from it */

  /* The handshake's challenges: ours proves its GOODBYE, theirs proves ours. */
  guint8 our_challenge[SRP_CHALLENGE_LEN];
  guint8 their_challenge[SRP_CHALLENGE_LEN];

  SrpRtt rtt;
  SrpTokenBucket buckets[SRP_LINK_N_BUCKETS];

  /* Heartbeats (srp-mesh-heartbeat.c): the ping in flight (0 for none),
   * missed heartbeats in a row, and when the next one is due. */
  guint64 heartbeat_ping;
  guint failures;
  gboolean knows_us;       /* its last pong said we are authenticated to it */
  gboolean confirmed;      /* it has shown it holds the link too (a frame only links send, or
                            * a pong saying so): the link is not half-open */
  gint64 suspected_at;     /* when the ping in flight checks a suspicion (0: a plain heartbeat) */
  SrpTimer heartbeat;

  guint64 datagrams_in, datagrams_out, bytes_in, bytes_out;
  /* Pays what we send to addresses it names until they answer: three
   * times what it sent us (srp-credit.h). */
  SrpCredit *credit;
  /* The keys its frames are sealed with (srp-session.h); NULL for a link
   * made without a handshake (tests), whose frames go in clear. */
  SrpSession *session;
  /* The session it replaced, still opened (not used to seal): two peers
   * that shake hands with each other at once (hole punching does) each
   * end with both sessions, in opposite orders, so each seals with one
   * and opens with either. */
  SrpSession *session_prev;

  gpointer slots[SRP_LINK_SLOTS];
};

/* The budgets of each bucket. */
const SrpTokenRate *srp_link_bucket_rate (SrpLinkBucket bucket);

/* A new link at now; buckets full, no RTT yet. */
SrpLink *srp_link_new (const SrpId *id, const SrpAddress *address, gint64 now);
/* Frees the link; its slots and timers must be gone. */
void srp_link_free (SrpLink *link);

static inline SrpLinkPath
srp_link_path (const SrpLink *link)
{
  return srp_address_is_relay (&link->address) ? SRP_LINK_PATH_RELAYED : SRP_LINK_PATH_DIRECT;
}

/* Takes cost tokens from one of its buckets; FALSE when it is over its rate. */
gboolean srp_link_take (SrpLink *link, SrpLinkBucket bucket, gint64 now, double cost);
gboolean srp_link_holds (SrpLink *link, SrpLinkBucket bucket, gint64 now, double cost);
guint srp_link_take_up_to (SrpLink *link, SrpLinkBucket bucket, gint64 now, guint max);
/* Any datagram from the peer shows it is alive. */
void srp_link_heard (SrpLink *link, gint64 now, gsize bytes);

G_END_DECLS
