/* srp-control-topics.h: the control frames of topics, the shared cache and
 * anti-entropy (docs/protocol.md, "Topics and the shared cache"). IDs in
 * these frames are shortened to their first 8 bytes (srp_id_prefix).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-wire.h"

G_BEGIN_DECLS

/* SUBSCRIPTIONS: COUNT (2), COUNT x TOPIC PREFIX (8), strictly increasing. */
#define SRP_SUBSCRIPTIONS_MAX 145
typedef struct {
  guint n;
  guint64 topics[SRP_SUBSCRIPTIONS_MAX];
} SrpSubscriptions;

/* ACK and QUERY: COUNT (1, at least 1), COUNT x PACKET PREFIX (8). */
#define SRP_IDS_MAX 128
typedef struct {
  guint n;
  guint64 ids[SRP_IDS_MAX];
} SrpIdList;

/* SYNC: TOPIC ID (32), COUNT (1, at least 1), COUNT x range. A range is
 * LOWER (8), UPPER (8; 0 stands for 2^64), MODE (1), then for FINGERPRINT
 * 16 bytes, for LIST and HAVE N (2) and N x prefix (8), strictly increasing
 * and inside [LOWER, UPPER). Ranges are non-empty, increasing, disjoint. */
typedef enum {
  SRP_SYNC_FINGERPRINT = 1, /* compare: here is my fingerprint of the range */
  SRP_SYNC_LIST = 2,        /* all my IDs in the range: tell me what I lack */
  SRP_SYNC_HAVE = 3,        /* IDs in the range you lack: query them */
} SrpSyncMode;

#define SRP_FINGERPRINT_LEN 16
#define SRP_SYNC_MAX_RANGES 64
#define SRP_SYNC_MAX_ITEMS ((SRP_MAX_FRAME - SRP_WIRE_PREFIX_LEN - SRP_ID_LEN) / 8)
/* Fixed bytes of a frame and of a range (a LIST's items come on top). */
#define SRP_SYNC_HEADER_LEN (SRP_WIRE_PREFIX_LEN + SRP_ID_LEN + 1)
#define SRP_SYNC_RANGE_LEN (8 + 8 + 1)

typedef struct {
  guint64 lower, upper; /* upper 0: to the end */
  guint8 mode;
  guint8 fingerprint[SRP_FINGERPRINT_LEN];
  guint first, n_items; /* into SrpSync.items */
} SrpSyncRange;

typedef struct {
  SrpId topic_id;
  guint n_ranges;
  SrpSyncRange ranges[SRP_SYNC_MAX_RANGES];
  guint n_items;
  guint64 items[SRP_SYNC_MAX_ITEMS];
} SrpSync;

gsize srp_subscriptions_encode (const SrpSubscriptions *subs, guint8 out[SRP_MAX_DATAGRAM]);
SrpDropReason srp_subscriptions_decode (const guint8 *frame, gsize len, SrpSubscriptions *out);
gsize srp_ack_encode (const SrpIdList *ids, guint8 out[SRP_MAX_DATAGRAM]);
SrpDropReason srp_ack_decode (const guint8 *frame, gsize len, SrpIdList *out);
gsize srp_query_encode (const SrpIdList *ids, guint8 out[SRP_MAX_DATAGRAM]);
SrpDropReason srp_query_decode (const guint8 *frame, gsize len, SrpIdList *out);
/* The encoder returns 0 when the ranges do not fit one datagram. */
gsize srp_sync_encode (const SrpSync *sync, guint8 out[SRP_MAX_DATAGRAM]);
SrpDropReason srp_sync_decode (const guint8 *frame, gsize len, SrpSync *out);
/* Encoded size of one range. */
gsize srp_sync_range_size (const SrpSyncRange *range);

G_END_DECLS
