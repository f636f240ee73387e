/* srp-packet-rivals.h: copies of a cached packet ID that name another
 * NEXT ID, and which of them the cache keeps.
 *
 * The packet ID covers every field but NEXT ID, so anyone who saw a packet
 * can send a copy with another NEXT ID under the same ID. The cache holds
 * whichever came first; the other waits here (a few, the oldest going
 * first). The chain decides between them: a NEXT ID is *proven* when the
 * packet it names is cached and names this one as its PREV ID, with the
 * next INDEX. A held copy whose NEXT ID is not proven gives way to a rival
 * whose NEXT ID is, when either arrives first: the cache stops serving the
 * forgery to gap filling and anti-entropy as soon as the chain shows it
 * wrong.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-packet-cache.h"

G_BEGIN_DECLS

typedef struct _SrpPacketRivals SrpPacketRivals;

SrpPacketRivals *srp_packet_rivals_new (guint max);
void srp_packet_rivals_free (SrpPacketRivals *rivals);

typedef enum {
  SRP_PACKET_RIVALS_SAME,     /* the cached copy (or no copy at all) */
  SRP_PACKET_RIVALS_REPLACED, /* the cache took it: the chain proved its NEXT ID */
  SRP_PACKET_RIVALS_WAITING,  /* another NEXT ID, unproven: it waits as a rival */
} SrpPacketRivalsResult;

/* A copy of a cached ID came in: the cache takes it when the chain proves
 * its NEXT ID and not the held one's, else it waits as a rival. */
SrpPacketRivalsResult srp_packet_rivals_offer (SrpPacketRivals *rivals, SrpPacketCache *cache,
                                               const SrpPacket *packet);
/* packet was just cached: the copy held for its PREV ID, if that names
 * another NEXT ID, gives way to a rival that names packet. */
void srp_packet_rivals_successor (SrpPacketRivals *rivals, SrpPacketCache *cache,
                                  const SrpPacket *packet);
/* Copies replaced since the start. */
guint64 srp_packet_rivals_get_replaced (SrpPacketRivals *rivals);

G_END_DECLS
