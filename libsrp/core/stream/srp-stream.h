/* srp-stream.h: reliable, ordered byte streams between two linked peers (a
 * subsystem).
 *
 * Many streams share one link. Each stream frame carries a packet number
 * of the link; the receiver acknowledges packet numbers with ranges
 * (STREAM_ACK), so a loss is found from later frames arriving (three
 * later, or 9/8 of a round trip later) and repaired by sending the bytes
 * again in a new frame, or after a retransmission timeout derived from the
 * link's RTT estimator (srp-stream-recovery.c). One CUBIC congestion
 * window per link, paced (srp-congestion.c), decides how much is in
 * flight; windows per stream and per link (STREAM_WINDOW) bound what the
 * receiver buffers (srp-stream-receive.c). Bytes of one stream wait for
 * nothing of another: each is reassembled on its own.
 *
 * A stream opens with its first frame (the OPEN flag and a label), so
 * opening costs no round trip. The receiving application takes it or
 * refuses it (STREAM_RESET, reason REFUSED).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-context.h"
#include "srp-control-stream.h"

G_BEGIN_DECLS

typedef struct _SrpStreams SrpStreams;

/* Memory bounds (docs/design.md, "Streams"): a stream buffers at most
 * SRP_STREAM_WINDOW bytes each way, a link at most SRP_STREAM_LINK_WINDOW
 * received bytes over all its streams; a link holds at most
 * SRP_STREAM_MAX_STREAMS streams each side opened. */
#define SRP_STREAM_WINDOW (1024 * 1024)
#define SRP_STREAM_LINK_WINDOW (4 * 1024 * 1024)
#define SRP_STREAM_MAX_STREAMS 256

typedef SrpCoreStreamInfo SrpStreamInfo;

SrpStreams *srp_streams_new (SrpContext *ctx);

/* See srp_core_stream_* in srp-core.h. */
guint64 srp_streams_open (SrpStreams *streams, const SrpId *peer_id, const char *label);
void srp_streams_accept (SrpStreams *streams, guint64 handle);
gssize srp_streams_write (SrpStreams *streams, guint64 handle, const guint8 *data, gsize len);
gboolean srp_streams_finish (SrpStreams *streams, guint64 handle);
gssize srp_streams_read (SrpStreams *streams, guint64 handle, guint8 *out, gsize len,
                         gboolean *eof);
void srp_streams_reset (SrpStreams *streams, guint64 handle, guint8 reason);
void srp_streams_release (SrpStreams *streams, guint64 handle);
gboolean srp_streams_get_info (SrpStreams *streams, guint64 handle, SrpStreamInfo *out);

G_END_DECLS
