/* srp-stream-private.h: the stream subsystem's state, shared by its files:
 * srp-stream.c (the subsystem, the application's calls, a stream's life),
 * srp-stream-send.c (choosing and pacing frames), srp-stream-recovery.c
 * (acknowledgements, losses, the retransmission timeout) and
 * srp-stream-receive.c (reassembly, windows, acknowledging).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-congestion.h"
#include "srp-range-set.h"
#include "srp-stream.h"

G_BEGIN_DECLS

/* An acknowledgement waits at most this long, or for this many frames. */
#define SRP_STREAM_ACK_DELAY_US (5 * G_TIME_SPAN_MILLISECOND)
#define SRP_STREAM_ACK_EVERY 8
/* Packet-number ranges a receiver remembers to acknowledge. */
#define SRP_STREAM_ACK_RANGES_KEPT 64
/* A frame is lost when this many later ones were acknowledged... */
#define SRP_STREAM_PACKET_THRESHOLD 3

typedef struct _StreamLink StreamLink;
typedef struct _Stream Stream;

typedef enum {
  SENT_DATA,
  SENT_WINDOW,
  SENT_RESET,
} SentKind;

/* A frame in flight: what it carried, so that its loss can be repaired
 * with what is current (the bytes again, the latest window). */
typedef struct {
  guint64 pn;
  gint64 sent_at;
  guint32 size;
  guint8 kind;        /* SentKind */
  guint8 flags;       /* SRP_STREAM_FLAG_* of a DATA frame */
  gboolean in_flight; /* neither acknowledged nor lost yet */
  gboolean lost;      /* declared lost, kept a while in case its ACK still comes */
  guint32 lost_event; /* the link's loss event that declared it (0: a timeout) */
  guint32 stream_id;  /* SRP_STREAM_ID_LINK for the link's window */
  guint64 offset;
  guint32 len;
} SentFrame;

struct _Stream {
  SrpStreams *streams;
  guint64 handle;
  guint32 id;
  StreamLink *sl;          /* NULL once the link is gone */
  SrpId peer_id;
  char label[SRP_STREAM_LABEL_MAX + 1];
  gboolean incoming;       /* the peer opened it */
  gboolean announced;      /* INCOMING was emitted (incoming streams) */
  gboolean released;       /* the application let go of the handle */
  gboolean closed;         /* nothing more happens on it; CLOSED was emitted */
  guint8 reason;           /* SrpStreamReason */
  gboolean queued;         /* in its link's send queue */
  gboolean accepted;       /* incoming: the application took it; ours: the peer's did */

  /* Sending: bytes [send_base, write_end) wait at send_buf + send_head
   * until acknowledged. */
  GByteArray *send_buf;
  gsize send_head;
  guint64 send_base;       /* every byte below is acknowledged */
  guint64 write_end;       /* bytes the application wrote */
  guint64 next_new;        /* the first byte never sent */
  guint64 peer_max;        /* the peer's window: we may send below it */
  SrpRangeSet acked;       /* acknowledged above send_base */
  SrpRangeSet lost;        /* to send again */
  gboolean open_pending;   /* an empty OPEN frame must go (nothing written yet) */
  gboolean open_acked;
  gboolean fin_wanted, fin_in_flight, fin_acked;
  gboolean write_blocked;  /* a write was cut short: WRITABLE is owed */
  gboolean reset;          /* abandoned, by either side */
  gboolean reset_pending, reset_in_flight, reset_acked; /* ours, to send */
  guint8 reset_reason;

  /* Receiving: bytes from read_offset at recv_buf + recv_head, those in
   * `received` present. */
  GByteArray *recv_buf;
  gsize recv_head;
  guint64 read_offset;
  guint64 recv_high;       /* the end of the highest byte received */
  SrpRangeSet received;
  gint64 fin_offset;       /* -1 until known */
  gboolean eof_read;       /* the application read the end */
  guint64 our_max;         /* the window we gave */
  gboolean window_pending, window_in_flight;
  gboolean readable_wanted; /* the application read everything: READABLE is owed */

  guint64 bytes_sent, bytes_received, bytes_retransmitted;
  guint64 loss_events, frames_lost, frames_late_acked, congestion_undos;
};

struct _StreamLink {
  SrpStreams *streams;
  SrpLink *link;
  GHashTable *by_id;        /* guint32 id -> Stream* */
  guint32 next_local_id;    /* we open even IDs if our peer ID is the lower, else odd */
  guint32 next_remote_id;   /* below it, a remote ID not in by_id is over */
  guint n_local, n_remote;
  GQueue sendq;             /* Stream* that may have a frame to send, round robin */

  /* Sending. */
  guint64 next_pn;
  GArray *sent;             /* SentFrame, ascending pn; a prefix not in flight is trimmed */
  gsize bytes_in_flight;
  gboolean has_acked;
  guint64 largest_acked;
  SrpCongestion cc;
  gboolean cwnd_limited;    /* a frame waited for the window since the last ACK */
  gint64 pace_next;         /* when the pacer lets the next frame go */
  gint64 rto_base;          /* the retransmission timeout counts from here */
  guint timeouts;           /* in a row, for the backoff */
  guint64 peer_max_data;    /* the peer's window for the whole link */
  guint64 data_sent;        /* new bytes sent over all streams */
  gboolean link_window_pending, link_window_in_flight;
  SrpTimer loss_timer, pace_timer;

  /* Receiving. */
  SrpRangeSet received_pns;
  gint64 largest_received_at;
  guint unacked;            /* frames received since our last ACK */
  SrpTimer ack_timer;
  guint64 our_max_data;     /* the link window we gave */
  guint64 data_received;    /* the sum of every stream's recv_high */
  guint64 data_consumed;    /* read (or discarded) of that */

  guint64 frames_sent, frames_retransmitted, acks_sent;
  /* The last loss event, while it may prove spurious: how many frames it
   * declared lost, and how many of them were acknowledged after all. */
  guint32 loss_event;
  guint event_lost, event_late_acked;
};

struct _SrpStreams {
  SrpContext *ctx;
  guint slot;
  GHashTable *by_handle;    /* guint64 handle -> Stream* */
  guint64 opened, accepted, refused, resets_received;
  guint64 bytes_sent, bytes_received, bytes_retransmitted;
  guint64 loss_events, frames_lost, frames_late_acked, congestion_undos;
};

static inline StreamLink *
srp_streams_link (SrpStreams *streams, SrpLink *link)
{
  return srp_link_slot (link, streams->slot);
}

/* srp-stream.c */
Stream *srp_stream_core_new (StreamLink *sl, guint32 id, gboolean incoming);
void srp_stream_core_emit (Stream *s, SrpCoreEventType type);
/* Ends the stream with reason (CLOSED, unless the application asked). */
void srp_stream_core_close (Stream *s, guint8 reason, gboolean emit);
/* Frees the stream if nothing more can happen to it. */
void srp_stream_core_maybe_free (Stream *s);
gsize srp_stream_core_send_room (const Stream *s);

/* The peer's application took one of our streams (its first window or byte). */
void srp_stream_core_peer_accepted (Stream *s);

/* srp-stream-send.c */
void srp_stream_core_queue (Stream *s);
void srp_stream_core_pump (StreamLink *sl);
void srp_stream_core_pace_fired (SrpTimer *timer, gpointer owner);

/* srp-stream-recovery.c */
void srp_stream_core_sent (StreamLink *sl, const SentFrame *frame);
SrpDropReason srp_stream_core_handle_ack (StreamLink *sl, const SrpStreamAck *ack);
void srp_stream_core_loss_fired (SrpTimer *timer, gpointer owner);
void srp_stream_core_arm_loss_timer (StreamLink *sl);
gint64 srp_stream_core_rto (const StreamLink *sl);

/* srp-stream-receive.c */
SrpDropReason srp_stream_core_handle_data (StreamLink *sl, const SrpStreamData *frame);
SrpDropReason srp_stream_core_handle_window (StreamLink *sl, const SrpStreamWindow *frame);
SrpDropReason srp_stream_core_handle_reset (StreamLink *sl, const SrpStreamReset *frame);
/* A frame with a packet number arrived and was taken: acknowledge it. */
void srp_stream_core_received_pn (StreamLink *sl, guint64 pn);
void srp_stream_core_send_ack (StreamLink *sl);
void srp_stream_core_ack_fired (SrpTimer *timer, gpointer owner);
/* The application took n bytes: windows open again. */
void srp_stream_core_consumed (Stream *s, gsize n);

G_END_DECLS
