/* srp-chain.h: splitting a message into a chain of packets.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-packet.h"

G_BEGIN_DECLS

/* Splits data (at most SRP_MESSAGE_MAX_LEN bytes; an empty message is one
 * packet with an empty body) into packets of at most SRP_PACKET_MAX_BODY
 * bytes with INDEX 0..n-1. The first packet's PREV ID is prev (the ID of the
 * publisher's previous message on the topic, or NULL for zero); each later
 * packet's PREV ID is the ID of the one before; each NEXT ID is the ID of the
 * one after, zero for the last. Postage starts at SRP_POSTAGE_MAX.
 * Returns a GPtrArray of SrpPacket (freed with g_free), or NULL when data is
 * too long. The message ID is the ID of the last packet: through the hash
 * chain it commits to every body in order. */
GPtrArray *srp_chain_build (const SrpId *topic_id, guint8 type, const SrpId *prev,
                            const guint8 *data, gsize len);

/* Number of packets a message of len bytes needs. */
guint srp_chain_packet_count (gsize len);

G_END_DECLS
