/* srp-stream-send.c: what a link's streams send next, and when.
 *
 * Streams with something to send wait in a queue and take turns, one
 * frame each, so that a stream repairing a loss or sending much never
 * holds another up. For each stream, in order: its RESET, its window, the
 * bytes to send again, new bytes within the peer's windows, an empty OPEN
 * or FIN. The link's own window goes before any stream.
 *
 * A frame goes when the congestion window has room for it and the pacer
 * allows: frames are spread over the round trip (srp-congestion.c) with a
 * burst allowance of 2 ms or 10 frames, since hosts wake up late.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-stream-private.h"

#include <string.h>

#define BURST_FRAMES 10
#define BURST_US (2 * G_TIME_SPAN_MILLISECOND)

void
srp_stream_core_queue (Stream *s)
{
  if (s->queued || s->sl == NULL)
    return;
  s->queued = TRUE;
  g_queue_push_tail (&s->sl->sendq, s);
}

static guint64
send_credit (const Stream *s)
{
  const StreamLink *sl = s->sl;
  guint64 stream_credit = s->peer_max > s->next_new ? s->peer_max - s->next_new : 0;
  guint64 link_credit = sl->peer_max_data > sl->data_sent ? sl->peer_max_data - sl->data_sent : 0;

  return MIN (stream_credit, link_credit);
}

static void
send_frame (StreamLink *sl, const guint8 *buf, gsize len, SentFrame *record)
{
  SrpContext *ctx = sl->streams->ctx;

  record->pn = sl->next_pn++;
  record->sent_at = ctx->now;
  record->size = len;
  record->in_flight = TRUE;
  srp_context_send_link (ctx, sl->link, buf, len);
  srp_stream_core_sent (sl, record);
}

/* DATA from offset (at most max bytes, all of [offset, end) that fits). */
static void
send_data (Stream *s, guint64 offset, guint64 end, gboolean retransmit)
{
  StreamLink *sl = s->sl;
  SrpStreamData frame = { .stream_id = s->id, .offset = offset };
  SentFrame record = { .kind = SENT_DATA, .stream_id = s->id, .offset = offset };
  guint8 buf[SRP_MAX_DATAGRAM];
  gsize room = SRP_STREAM_DATA_MAX, len;

  /* The opener's first bytes carry the label: the stream needs no other
   * frame to exist. */
  if (!s->incoming && offset == 0)
    {
      frame.flags |= SRP_STREAM_FLAG_OPEN;
      frame.label_len = strlen (s->label);
      frame.label = (const guint8 *) s->label;
      room -= 1 + frame.label_len;
      s->open_pending = FALSE;
    }
  len = (gsize) MIN ((guint64) room, end - offset);
  frame.pn = sl->next_pn;
  frame.data = s->send_buf->data + s->send_head + (offset - s->send_base);
  frame.len = len;
  if (s->fin_wanted && offset + len == s->write_end)
    {
      frame.flags |= SRP_STREAM_FLAG_FIN;
      s->fin_in_flight = TRUE;
    }
  record.flags = frame.flags;
  record.len = len;
  if (retransmit)
    {
      srp_range_set_remove (&s->lost, offset, offset + len);
      s->bytes_retransmitted += len;
      sl->streams->bytes_retransmitted += len;
      sl->frames_retransmitted++;
    }
  else
    {
      s->next_new = offset + len;
      sl->data_sent += len;
      s->bytes_sent += len;
      sl->streams->bytes_sent += len;
    }
  send_frame (sl, buf, srp_stream_data_encode (&frame, buf), &record);
}

static void
send_window (StreamLink *sl, guint32 stream_id, guint64 max)
{
  SrpStreamWindow frame = { .pn = sl->next_pn, .stream_id = stream_id, .max = max };
  SentFrame record = { .kind = SENT_WINDOW, .stream_id = stream_id };
  guint8 buf[SRP_MAX_DATAGRAM];

  send_frame (sl, buf, srp_stream_window_encode (&frame, buf), &record);
}

/* One frame of s, if it has one ready; TRUE when it sent. */
static gboolean
send_one (Stream *s)
{
  StreamLink *sl = s->sl;
  SrpRange lost;

  if (s->reset_pending)
    {
      SrpStreamReset frame = { .pn = sl->next_pn, .stream_id = s->id, .reason = s->reset_reason };
      SentFrame record = { .kind = SENT_RESET, .stream_id = s->id };
      guint8 buf[SRP_MAX_DATAGRAM];

      s->reset_pending = FALSE;
      s->reset_in_flight = TRUE;
      send_frame (sl, buf, srp_stream_reset_encode (&frame, buf), &record);
      return TRUE;
    }
  if (s->reset)
    return FALSE;
  if (s->window_pending)
    {
      s->window_pending = FALSE;
      s->window_in_flight = TRUE;
      send_window (sl, s->id, s->our_max);
      return TRUE;
    }
  if (srp_range_set_first_after (&s->lost, 0, &lost))
    {
      send_data (s, lost.start, lost.end, TRUE);
      return TRUE;
    }
  if (s->next_new < s->write_end && send_credit (s) > 0)
    {
      send_data (s, s->next_new, s->next_new + MIN (send_credit (s), s->write_end - s->next_new),
                 FALSE);
      return TRUE;
    }
  if (s->open_pending && !s->open_acked && s->write_end == 0)
    {
      send_data (s, 0, 0, FALSE);
      return TRUE;
    }
  if (s->fin_wanted && !s->fin_acked && !s->fin_in_flight && s->next_new == s->write_end)
    {
      send_data (s, s->write_end, s->write_end, FALSE);
      return TRUE;
    }
  return FALSE;
}

static gboolean
has_frame (const Stream *s)
{
  if (s->reset_pending)
    return TRUE;
  if (s->reset)
    return FALSE;
  return s->window_pending || !srp_range_set_is_empty (&s->lost) ||
         (s->next_new < s->write_end && send_credit (s) > 0) ||
         (s->open_pending && !s->open_acked && s->write_end == 0) ||
         (s->fin_wanted && !s->fin_acked && !s->fin_in_flight && s->next_new == s->write_end);
}

/* May the pacer let a frame go now? Arms the pace timer when not. */
static gboolean
pacer_allows (StreamLink *sl)
{
  SrpContext *ctx = sl->streams->ctx;
  gint64 srtt = srp_rtt_has_sample (&sl->link->rtt) ? sl->link->rtt.smoothed_us : 0;
  gint64 interval = srp_congestion_pacing_interval (&sl->cc, SRP_CONGESTION_MSS, srtt);
  gint64 burst = MAX (BURST_US, BURST_FRAMES * interval);

  /* An idle pacer saves up at most one burst. */
  if (sl->pace_next < ctx->now - burst)
    sl->pace_next = ctx->now - burst;
  if (sl->pace_next > ctx->now)
    {
      srp_timer_set (ctx->timers, &sl->pace_timer, sl->pace_next);
      return FALSE;
    }
  sl->pace_next += interval;
  return TRUE;
}

void
srp_stream_core_pump (StreamLink *sl)
{
  SrpContext *ctx = sl->streams->ctx;

  if (!ctx->attached)
    return;
  while (TRUE)
    {
      Stream *s;
      gboolean link_window = sl->link_window_pending;

      if (!link_window && g_queue_is_empty (&sl->sendq))
        break;
      if (sl->bytes_in_flight + SRP_CONGESTION_MSS > sl->cc.window)
        {
          sl->cwnd_limited = TRUE;
          break;
        }
      if (srp_timer_is_armed (&sl->pace_timer) || !pacer_allows (sl))
        break;
      if (link_window)
        {
          sl->link_window_pending = FALSE;
          sl->link_window_in_flight = TRUE;
          send_window (sl, SRP_STREAM_ID_LINK, sl->our_max_data);
          continue;
        }
      /* Streams with nothing ready leave the queue until something changes
       * (a write, a loss, a window). */
      s = g_queue_pop_head (&sl->sendq);
      s->queued = FALSE;
      if (!send_one (s))
        {
          /* The pacer's slot was not used. */
          sl->pace_next -= srp_congestion_pacing_interval (
            &sl->cc, SRP_CONGESTION_MSS,
            srp_rtt_has_sample (&sl->link->rtt) ? sl->link->rtt.smoothed_us : 0);
          continue;
        }
      if (has_frame (s))
        srp_stream_core_queue (s);
    }
}

void
srp_stream_core_pace_fired (SrpTimer *timer, gpointer owner)
{
  (void) timer;
  srp_stream_core_pump (owner);
}
