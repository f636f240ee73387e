/* srp-control-stream.h: the frames of reliable streams between two linked
 * peers (docs/protocol.md, "Streams"): STREAM_DATA, STREAM_ACK,
 * STREAM_WINDOW and STREAM_RESET.
 *
 * Every frame but STREAM_ACK carries a packet number: the sender's count of
 * such frames over the link, never reused, so that acknowledgements name
 * the frame that arrived (not the bytes it held), round trips are measured
 * from any acknowledged frame, and a retransmission is a new frame.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-wire.h"

G_BEGIN_DECLS

#define SRP_STREAM_FLAG_FIN 0x01  /* the last byte of the stream ends this frame */
#define SRP_STREAM_FLAG_OPEN 0x02 /* the stream's first frame (OFFSET 0): a label follows */
#define SRP_STREAM_LABEL_MAX 128
/* PN (8), STREAM ID (4), FLAGS (1), OFFSET (8) after the prefix. */
#define SRP_STREAM_DATA_HEADER_LEN (SRP_WIRE_PREFIX_LEN + 8 + 4 + 1 + 8)
/* Stream data a frame holds at most (no label). */
#define SRP_STREAM_DATA_MAX (SRP_MAX_FRAME - SRP_STREAM_DATA_HEADER_LEN)
#define SRP_STREAM_ACK_MAX_RANGES 32
/* The STREAM ID a STREAM_WINDOW gives for the whole link. */
#define SRP_STREAM_ID_LINK 0xffffffffu
/* Offsets stay below 2^53 (GJS holds them exactly). */
#define SRP_STREAM_OFFSET_MAX (G_GUINT64_CONSTANT (1) << 53)

/* Why a stream was reset (REASON in STREAM_RESET, and what CLOSED events
 * report). Values below 0x80 travel on the wire. */
typedef enum {
  SRP_STREAM_REASON_NONE = 0,        /* closed normally, both ways */
  SRP_STREAM_REASON_REFUSED = 1,     /* the receiving application did not take it */
  SRP_STREAM_REASON_CANCELLED = 2,   /* the application gave it up before its end */
  SRP_STREAM_REASON_TOO_MANY = 3,    /* the receiver has too many streams from this peer */
  SRP_STREAM_REASON_FLOW_CONTROL = 4, /* the sender went past a window */
  SRP_STREAM_REASON_LINK_LOST = 0x80, /* local only: the peer went away */
} SrpStreamReason;

typedef struct {
  guint64 pn;
  guint32 stream_id;
  guint8 flags;
  guint64 offset;
  guint8 label_len;
  const guint8 *label; /* into the frame; label_len bytes of UTF-8 */
  const guint8 *data;  /* into the frame */
  gsize len;
} SrpStreamData;

typedef struct {
  guint32 delay_us; /* how long the receiver held the newest packet before acknowledging */
  guint n_ranges;
  struct {
    guint64 first, last; /* packet numbers [first, last], newest range first */
  } ranges[SRP_STREAM_ACK_MAX_RANGES];
} SrpStreamAck;

typedef struct {
  guint64 pn;
  guint32 stream_id; /* SRP_STREAM_ID_LINK: the whole link */
  guint64 max;       /* the sender may receive up to this offset (or link total) */
} SrpStreamWindow;

typedef struct {
  guint64 pn;
  guint32 stream_id;
  guint8 reason; /* SrpStreamReason, below 0x80 */
} SrpStreamReset;

/* Encoders write the whole frame into out and return its length. */
gsize srp_stream_data_encode (const SrpStreamData *frame, guint8 out[SRP_MAX_DATAGRAM]);
gsize srp_stream_ack_encode (const SrpStreamAck *frame, guint8 out[SRP_MAX_DATAGRAM]);
gsize srp_stream_window_encode (const SrpStreamWindow *frame, guint8 out[SRP_MAX_DATAGRAM]);
gsize srp_stream_reset_encode (const SrpStreamReset *frame, guint8 out[SRP_MAX_DATAGRAM]);

SrpDropReason srp_stream_data_decode (const guint8 *frame, gsize len, SrpStreamData *out);
SrpDropReason srp_stream_ack_decode (const guint8 *frame, gsize len, SrpStreamAck *out);
SrpDropReason srp_stream_window_decode (const guint8 *frame, gsize len, SrpStreamWindow *out);
SrpDropReason srp_stream_reset_decode (const guint8 *frame, gsize len, SrpStreamReset *out);

G_END_DECLS
