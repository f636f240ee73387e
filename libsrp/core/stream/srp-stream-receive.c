/* srp-stream-receive.c: the receiving side of a link's streams: frames
 * into each stream's buffer (in order, each byte once, whatever the
 * network did), the windows that bound what a sender may send, and the
 * acknowledgements.
 *
 * A stream buffers at most its window (SRP_STREAM_WINDOW) beyond what the
 * application read, and a link at most SRP_STREAM_LINK_WINDOW over all its
 * streams; a frame past either is dropped (FLOW_CONTROL) and not
 * acknowledged. Windows move forward as the application reads, by a
 * STREAM_WINDOW frame once half was used.
 *
 * Acknowledgements: at once for every SRP_STREAM_ACK_EVERY frames, for a
 * frame out of order (the sender's loss detection wants to know) and for a
 * duplicate; otherwise after at most SRP_STREAM_ACK_DELAY_US. Every ACK is
 * a datagram the two hosts' kernels carry: one per 8 frames costs an eighth
 * of the data's datagrams, where TCP's one per 2 would cost half.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-stream-private.h"

#include <string.h>

void
srp_stream_core_send_ack (StreamLink *sl)
{
  SrpContext *ctx = sl->streams->ctx;
  SrpStreamAck ack = { 0 };
  guint8 buf[SRP_MAX_DATAGRAM];
  guint n = srp_range_set_n_ranges (&sl->received_pns);

  srp_timer_stop (ctx->timers, &sl->ack_timer);
  if (n == 0 || !ctx->attached)
    return;
  ack.delay_us = (guint32) CLAMP (ctx->now - sl->largest_received_at, 0, G_MAXUINT32);
  for (guint i = 0; i < n && ack.n_ranges < SRP_STREAM_ACK_MAX_RANGES; i++)
    {
      const SrpRange *r = srp_range_set_get (&sl->received_pns, n - 1 - i);

      ack.ranges[ack.n_ranges].first = r->start;
      ack.ranges[ack.n_ranges].last = r->end - 1;
      ack.n_ranges++;
    }
  sl->unacked = 0;
  sl->acks_sent++;
  srp_context_send_link (ctx, sl->link, buf, srp_stream_ack_encode (&ack, buf));
}

void
srp_stream_core_ack_fired (SrpTimer *timer, gpointer owner)
{
  (void) timer;
  srp_stream_core_send_ack (owner);
}

void
srp_stream_core_received_pn (StreamLink *sl, guint64 pn)
{
  SrpContext *ctx = sl->streams->ctx;
  guint n = srp_range_set_n_ranges (&sl->received_pns);
  guint64 largest = n > 0 ? srp_range_set_get (&sl->received_pns, n - 1)->end - 1 : 0;
  gboolean duplicate = srp_range_set_contains (&sl->received_pns, pn);
  gboolean out_of_order = n > 0 && pn != largest + 1;

  srp_range_set_add (&sl->received_pns, pn, pn + 1);
  srp_range_set_keep_highest (&sl->received_pns, SRP_STREAM_ACK_RANGES_KEPT);
  if (n == 0 || pn > largest)
    sl->largest_received_at = ctx->now;
  sl->unacked++;
  if (sl->unacked >= SRP_STREAM_ACK_EVERY || out_of_order || duplicate)
    srp_stream_core_send_ack (sl);
  else
    srp_timer_set_earlier (ctx->timers, &sl->ack_timer, ctx->now + SRP_STREAM_ACK_DELAY_US);
}

/* The stream a frame names: made when the peer opens it (with every lower
 * ID of the peer's it skipped, whose first frames are still on the way);
 * NULL for one that is over. *refused: over the limit. */
static Stream *
stream_for (StreamLink *sl, guint32 id, gboolean *refused)
{
  Stream *s = g_hash_table_lookup (sl->by_id, GUINT_TO_POINTER (id));
  gboolean remote = (id & 1) == (sl->next_remote_id & 1);

  *refused = FALSE;
  if (s != NULL || !remote || id < sl->next_remote_id)
    return s;
  if (sl->n_remote + (id - sl->next_remote_id) / 2 + 1 > SRP_STREAM_MAX_STREAMS)
    {
      *refused = TRUE;
      return NULL;
    }
  for (; sl->next_remote_id <= id; sl->next_remote_id += 2)
    s = srp_stream_core_new (sl, sl->next_remote_id, TRUE);
  return s;
}

SrpDropReason
srp_stream_core_handle_data (StreamLink *sl, const SrpStreamData *frame)
{
  SrpStreams *streams = sl->streams;
  gboolean refused;
  Stream *s = stream_for (sl, frame->stream_id, &refused);
  guint64 end = frame->offset + frame->len, start, grown = 0;
  guint64 readable_before;

  if (refused)
    return SRP_DROP_FLOW_CONTROL;
  if (s == NULL && (frame->stream_id & 1) != (sl->next_remote_id & 1) &&
      frame->stream_id >= sl->next_local_id)
    return SRP_DROP_BAD_CONTROL; /* one of ours we never opened */
  if (s == NULL || s->reset)
    {
      /* Over: taken (acknowledged) and forgotten. */
      srp_stream_core_received_pn (sl, frame->pn);
      return SRP_DROP_NONE;
    }
  if ((frame->flags & SRP_STREAM_FLAG_OPEN) && !s->incoming)
    return SRP_DROP_BAD_CONTROL;
  if (s->fin_offset >= 0 && (end > (guint64) s->fin_offset ||
                             ((frame->flags & SRP_STREAM_FLAG_FIN) && end != (guint64) s->fin_offset)))
    return SRP_DROP_BAD_CONTROL;
  if ((frame->flags & SRP_STREAM_FLAG_FIN) && end < s->recv_high)
    return SRP_DROP_BAD_CONTROL;
  if (end > s->our_max)
    return SRP_DROP_FLOW_CONTROL;
  if (end > s->recv_high)
    {
      grown = end - s->recv_high;
      if (sl->data_received + grown > sl->our_max_data)
        return SRP_DROP_FLOW_CONTROL;
    }
  srp_stream_core_received_pn (sl, frame->pn);
  srp_stream_core_peer_accepted (s);
  sl->data_received += grown;
  if (frame->flags & SRP_STREAM_FLAG_FIN)
    s->fin_offset = (gint64) end;
  if ((frame->flags & SRP_STREAM_FLAG_OPEN) && !s->announced)
    {
      memcpy (s->label, frame->label, frame->label_len);
      s->label[frame->label_len] = '\0';
      s->announced = TRUE;
      streams->accepted++;
      srp_stream_core_emit (s, SRP_CORE_EVENT_STREAM_INCOMING);
    }
  readable_before = srp_range_set_contiguous_end (&s->received, s->read_offset);
  start = MAX (frame->offset, s->read_offset);
  if (start < end)
    {
      guint64 fresh = end - start;
      gsize at = s->recv_head + (gsize) (start - s->read_offset);

      /* Counted once per byte, however often it came. */
      for (guint i = 0; i < srp_range_set_n_ranges (&s->received); i++)
        {
          const SrpRange *r = srp_range_set_get (&s->received, i);

          if (r->start < end && r->end > start)
            fresh -= MIN (r->end, end) - MAX (r->start, start);
        }
      s->bytes_received += fresh;
      streams->bytes_received += fresh;
      if (!s->released)
        {
          if (at + (end - start) > s->recv_buf->len)
            g_byte_array_set_size (s->recv_buf, at + (end - start));
          memcpy (s->recv_buf->data + at, frame->data + (start - frame->offset), end - start);
          srp_range_set_add (&s->received, start, end);
        }
    }
  s->recv_high = MAX (s->recv_high, end);
  if (s->released)
    {
      /* Nobody reads it: it is consumed as it comes. */
      guint64 unread = s->recv_high - s->read_offset;

      s->read_offset = s->recv_high;
      srp_stream_core_consumed (s, unread);
    }
  else if (s->readable_wanted && s->announced &&
           (srp_range_set_contiguous_end (&s->received, s->read_offset) > readable_before ||
            (s->fin_offset >= 0 && readable_before == (guint64) s->fin_offset)))
    {
      s->readable_wanted = FALSE;
      srp_stream_core_emit (s, SRP_CORE_EVENT_STREAM_READABLE);
    }
  srp_stream_core_maybe_free (s);
  return SRP_DROP_NONE;
}

void
srp_stream_core_consumed (Stream *s, gsize n)
{
  StreamLink *sl = s->sl;

  if (sl == NULL)
    return;
  sl->data_consumed += n;
  if (!s->closed && s->fin_offset < 0 && s->our_max - s->read_offset < SRP_STREAM_WINDOW / 2)
    {
      s->our_max = s->read_offset + SRP_STREAM_WINDOW;
      /* Even with one in flight: the newer value goes too. */
      s->window_pending = TRUE;
      srp_stream_core_queue (s);
    }
  if (sl->our_max_data - sl->data_consumed < SRP_STREAM_LINK_WINDOW / 2)
    {
      sl->our_max_data = sl->data_consumed + SRP_STREAM_LINK_WINDOW;
      sl->link_window_pending = TRUE;
    }
  srp_stream_core_pump (sl);
}

SrpDropReason
srp_stream_core_handle_window (StreamLink *sl, const SrpStreamWindow *frame)
{
  Stream *s;

  if (frame->stream_id == SRP_STREAM_ID_LINK)
    {
      srp_stream_core_received_pn (sl, frame->pn);
      if (frame->max > sl->peer_max_data)
        {
          GList *all = g_hash_table_get_values (sl->by_id);

          sl->peer_max_data = frame->max;
          /* Streams that waited for the link's window may go on. */
          for (GList *l = all; l != NULL; l = l->next)
            srp_stream_core_queue (l->data);
          g_list_free (all);
          srp_stream_core_pump (sl);
        }
      return SRP_DROP_NONE;
    }
  s = g_hash_table_lookup (sl->by_id, GUINT_TO_POINTER (frame->stream_id));
  srp_stream_core_received_pn (sl, frame->pn);
  if (s != NULL && !s->reset)
    srp_stream_core_peer_accepted (s);
  if (s != NULL && frame->max > s->peer_max)
    {
      s->peer_max = frame->max;
      srp_stream_core_queue (s);
      srp_stream_core_pump (sl);
    }
  return SRP_DROP_NONE;
}

SrpDropReason
srp_stream_core_handle_reset (StreamLink *sl, const SrpStreamReset *frame)
{
  gboolean refused;
  Stream *s = stream_for (sl, frame->stream_id, &refused);

  if (refused)
    return SRP_DROP_FLOW_CONTROL;
  srp_stream_core_received_pn (sl, frame->pn);
  if (s == NULL || s->closed)
    return SRP_DROP_NONE;
  sl->streams->resets_received++;
  /* A stream the peer opened and reset before we heard of it is nobody's. */
  if (s->incoming && !s->announced)
    s->released = TRUE;
  srp_stream_core_close (s, frame->reason, !s->released);
  srp_stream_core_maybe_free (s);
  return SRP_DROP_NONE;
}
