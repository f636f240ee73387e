/* srp-dht.h: finding any peer by its ID (a subsystem).
 *
 * Open peers (public, full cone: those that take a HELLO from anyone) form
 * a Kademlia overlay: each keeps a routing table of others (srp-dht-table)
 * and answers FIND with the contacts it knows nearest to an ID. Every peer
 * registers how it can be reached (its address when open, else up to two
 * open peers it is connected to: its anchors) with the open peers nearest
 * to its own ID (srp-dht-register.c); a lookup walks towards the target's
 * ID until one of them answers with the registration (srp-dht-lookup.c).
 * The caller (traversal) then shakes hands with the target or one of its
 * anchors, and is introduced as for any peer a link knows.
 *
 * Nothing a lookup learns is trusted for more than where to send a HELLO:
 * the handshake proves every ID.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-context.h"
#include "srp-control-dht.h"
#include "srp-credit.h"

G_BEGIN_DECLS

typedef struct _SrpDht SrpDht;

/* A lookup ended: reach is how to get to target, or NULL when it was not
 * found. credit is what the answer that brought it pays for (srp-credit.h):
 * the HELLOs to the addresses in reach, which that answer named; NULL when
 * it came from our own registry. Called from a timer or an input, never
 * from srp_dht_find. */
typedef void (*SrpDhtFoundFunc) (gpointer data, const SrpId *target,
                                 const SrpReachability *reach, SrpCredit *credit);

/* Makes the subsystem and registers it (its frames) with ctx. */
SrpDht *srp_dht_new (SrpContext *ctx);
/* Our NAT classification: open peers answer FIND and hold registrations. */
void srp_dht_set_nat (SrpDht *dht, guint8 nat, const SrpAddress *public_address);
/* The main socket's port mapping (NULL: none): registrations name it. */
void srp_dht_set_mapped (SrpDht *dht, const SrpAddress *mapped);
/* Starts a lookup; returns its handle (never 0). */
guint64 srp_dht_find (SrpDht *dht, const SrpId *target, SrpDhtFoundFunc func, gpointer data);
/* The lookup ends without calling back. */
void srp_dht_cancel (SrpDht *dht, guint64 lookup);

G_END_DECLS
