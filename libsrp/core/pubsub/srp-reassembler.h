/* srp-reassembler.h: turns packets that arrive in any order, with duplicates,
 * loss and many messages interleaved, back into whole messages.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-packet.h"

G_BEGIN_DECLS

typedef struct {
  gsize max_bytes;          /* bodies held in incomplete chains; oldest chain evicted past it */
  guint max_chains;         /* incomplete chains held at once */
  gint64 timeout_us;        /* an incomplete chain with no new packet for this long is dropped */
  guint remembered_ids;     /* IDs of packets of delivered messages kept to refuse repeats */
  guint64 hash_key;         /* of the set of those IDs (srp_recent_ids_new) */
} SrpReassemblerConfig;

/* Defaults: 8 MiB, 4096 chains (linked runs), 60 s, 65536 IDs. */
void srp_reassembler_config_init (SrpReassemblerConfig *config);

typedef struct _SrpReassembler SrpReassembler;

typedef struct {
  SrpId id;         /* message ID: the ID of its last packet */
  SrpId first_prev; /* PREV ID of its first packet (the publisher's previous message, or zero) */
  SrpId topic_id;
  guint8 type;
  guint n_packets;
  GBytes *data;     /* owned by the struct: see srp_reassembled_message_clear */
} SrpReassembledMessage;

void srp_reassembled_message_clear (SrpReassembledMessage *message);

SrpReassembler *srp_reassembler_new (const SrpReassemblerConfig *config);
void srp_reassembler_free (SrpReassembler *reassembler);

/* Takes a packet that srp_packet_decode accepted. Returns SRP_DROP_NONE when
 * the packet was taken (it may complete a message: see _pop_message), or the
 * reason it was not (DUPLICATE, CONFLICT, ...), which the caller counts. */
SrpDropReason srp_reassembler_add (SrpReassembler *reassembler, gint64 now_us,
                                   const SrpPacket *packet);
/* The same, for a packet whose encoded frame the caller holds (nullable;
 * srp_packet_encode's layout, POSTAGE aside): a message of this packet
 * alone then takes its bytes as a slice of frame, without a copy. */
SrpDropReason srp_reassembler_add_framed (SrpReassembler *reassembler, gint64 now_us,
                                          const SrpPacket *packet, GBytes *frame);
/* Starts loading what adding packet will read first (srp-prefetch.h). */
void srp_reassembler_prefetch (const SrpReassembler *reassembler, const SrpPacket *packet);

/* Hands over the next completed message, in order of completion. Each
 * message is handed over exactly once. */
gboolean srp_reassembler_pop_message (SrpReassembler *reassembler, SrpReassembledMessage *out);

/* Appends to ids (a GArray of SrpId) the IDs of packets that incomplete
 * chains are known to miss: the PREV ID of a held packet whose INDEX is not
 * 0 and the NEXT ID of a held packet that is not last, where that packet is
 * not held. New IDs become known as packets arrive. */
void srp_reassembler_get_missing (SrpReassembler *reassembler, GArray *ids);

/* Drops chains past their timeout; returns how many. */
guint srp_reassembler_expire (SrpReassembler *reassembler, gint64 now_us);
/* The earliest time at which a chain times out, or -1 when none is held. */
gint64 srp_reassembler_next_deadline (SrpReassembler *reassembler);

guint srp_reassembler_get_chain_count (SrpReassembler *reassembler);
gsize srp_reassembler_get_bytes (SrpReassembler *reassembler);
/* Packets dropped to respect max_bytes / max_chains (REASSEMBLY_FULL) or
 * the timeout (REASSEMBLY_TIMEOUT) after they were taken. A packet that
 * srp_reassembler_add refuses is only returned, for the caller to count. */
guint64 srp_reassembler_get_drop_count (SrpReassembler *reassembler, SrpDropReason reason);

G_END_DECLS
