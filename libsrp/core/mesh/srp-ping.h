/* srp-ping.h: pings for whoever needs one (the application, heartbeats, NAT
 * classification), and answering others' pings.
 *
 * A ping is resent until answered or out of attempts; each send has its own
 * nonce, so a late answer to an early send still gives the right round-trip
 * time (Karn's problem). An answer must come from where the ping went, to
 * the socket it left from, and carry one of its nonces: a third party can
 * guess none.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-context.h"
#include "srp-control.h"

G_BEGIN_DECLS

#define SRP_PING_MAX_ATTEMPTS 16

typedef struct _SrpPings SrpPings;

/* How a ping ended: pong is NULL when every attempt went unanswered. */
typedef void (*SrpPingDone) (gpointer data, guint64 request, gint64 rtt_us, const SrpPong *pong);

SrpPings *srp_pings_new (SrpContext *ctx);
void srp_pings_free (SrpPings *pings);

/* Sends a ping from socket to to; done (or, when NULL, a PING_RESULT
 * event) follows. Returns the request number. */
guint64 srp_pings_start (SrpPings *pings, guint socket, const SrpAddress *to, guint max_attempts,
                         SrpPingDone done, gpointer data);
/* Forgets a ping: nothing follows. */
void srp_pings_cancel (SrpPings *pings, guint64 request);
/* Forgets every ping (the sockets went away). */
void srp_pings_clear (SrpPings *pings);
guint srp_pings_count (SrpPings *pings);

/* The frame handlers. */
SrpDropReason srp_pings_handle_ping (SrpPings *pings, const SrpInput *input, const SrpPing *ping);
SrpDropReason srp_pings_handle_pong (SrpPings *pings, const SrpInput *input, const SrpPong *pong);

G_END_DECLS
