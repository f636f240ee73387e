/* srp-stream-recovery.c: acknowledgements, losses and the retransmission
 * timeout of a link's stream frames (after RFC 9002 and RFC 6298).
 *
 * - An ACK names packet numbers, so the newest frame it acknowledges for
 *   the first time gives an RTT sample (less the delay the receiver says
 *   it held it) for the link's estimator, unambiguously: a retransmission
 *   is a new packet number.
 * - A frame still in flight is lost once SRP_STREAM_PACKET_THRESHOLD later
 *   ones were acknowledged, or 9/8 of a round trip after a later one was
 *   (reordering within that is harmless): its content is queued again and
 *   the congestion window is reduced once for the round.
 * - A frame declared lost stays known for a few round trips: when its ACK
 *   comes after all (it was overtaken, not lost), its bytes count as
 *   delivered, and when every frame a loss event declared lost comes back
 *   so, the event was spurious and its window reduction is undone.
 * - When nothing is acknowledged for a retransmission timeout (the link's
 *   RFC 6298 RTO, doubled at each expiry in a row), every frame in flight
 *   counts as lost, the window falls to its minimum and the link is
 *   suspected: the mesh checks at once whether the peer is still there.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-stream-private.h"

#define RTO_INITIAL_US (1 * G_TIME_SPAN_SECOND)
#define RTO_MIN_US (20 * G_TIME_SPAN_MILLISECOND)
#define RTO_MAX_US (10 * G_TIME_SPAN_SECOND)

gint64
srp_stream_core_rto (const StreamLink *sl)
{
  gint64 rto = srp_rtt_timeout (&sl->link->rtt, RTO_INITIAL_US, RTO_MIN_US, RTO_MAX_US);

  /* The receiver may hold its ACK that long. */
  rto += SRP_STREAM_ACK_DELAY_US;
  return MIN (rto << MIN (sl->timeouts, 6), 60 * G_TIME_SPAN_SECOND);
}

void
srp_stream_core_sent (StreamLink *sl, const SentFrame *frame)
{
  if (sl->bytes_in_flight == 0)
    sl->rto_base = frame->sent_at;
  sl->bytes_in_flight += frame->size;
  sl->frames_sent++;
  g_array_append_val (sl->sent, *frame);
  if (!srp_timer_is_armed (&sl->loss_timer))
    srp_stream_core_arm_loss_timer (sl);
}

static Stream *
stream_of (StreamLink *sl, guint32 id)
{
  return g_hash_table_lookup (sl->by_id, GUINT_TO_POINTER (id));
}

static void
data_acked (Stream *s, const SentFrame *f)
{
  if (s->reset)
    return;
  srp_range_set_add (&s->acked, f->offset, f->offset + f->len);
  srp_range_set_remove (&s->lost, f->offset, f->offset + f->len);
  if (f->flags & SRP_STREAM_FLAG_OPEN)
    s->open_acked = TRUE;
  if (f->flags & SRP_STREAM_FLAG_FIN)
    {
      s->fin_acked = TRUE;
      s->fin_in_flight = FALSE;
    }
}

static void
touch (GPtrArray *touched, Stream *s)
{
  if (touched->len == 0 || g_ptr_array_index (touched, touched->len - 1) != s)
    g_ptr_array_add (touched, s);
}

static void
frame_acked (StreamLink *sl, SentFrame *f, GPtrArray *touched)
{
  Stream *s = f->stream_id == SRP_STREAM_ID_LINK ? NULL : stream_of (sl, f->stream_id);

  f->in_flight = FALSE;
  sl->bytes_in_flight -= f->size;
  srp_congestion_on_ack (&sl->cc, sl->streams->ctx->now, f->size, f->sent_at, sl->cwnd_limited,
                         srp_rtt_has_sample (&sl->link->rtt) ? sl->link->rtt.smoothed_us : 0);
  if (f->kind == SENT_WINDOW && f->stream_id == SRP_STREAM_ID_LINK)
    {
      sl->link_window_in_flight = FALSE;
      return;
    }
  if (s == NULL)
    return;
  if (f->kind == SENT_WINDOW)
    s->window_in_flight = FALSE;
  else if (f->kind == SENT_RESET)
    {
      s->reset_in_flight = FALSE;
      s->reset_acked = TRUE;
    }
  else
    data_acked (s, f);
  touch (touched, s);
}

/* The ACK of a frame declared lost, come after all: its bytes are there
 * (need not go again, if they have not yet), and when it is the last of
 * its loss event's frames to come back so, the event was reordering. The
 * window and reset frames it carried were sent again at the loss: those
 * answer for themselves. */
static void
frame_late_acked (StreamLink *sl, SentFrame *f, GPtrArray *touched)
{
  SrpStreams *streams = sl->streams;
  Stream *s = f->stream_id == SRP_STREAM_ID_LINK ? NULL : stream_of (sl, f->stream_id);

  f->lost = FALSE;
  streams->frames_late_acked++;
  if (f->lost_event != 0 && f->lost_event == sl->loss_event &&
      ++sl->event_late_acked == sl->event_lost && srp_congestion_undo (&sl->cc))
    streams->congestion_undos++;
  if (s != NULL && f->kind == SENT_DATA)
    {
      data_acked (s, f);
      touch (touched, s);
    }
}

static void
frame_lost (StreamLink *sl, SentFrame *f)
{
  Stream *s = f->stream_id == SRP_STREAM_ID_LINK ? NULL : stream_of (sl, f->stream_id);

  f->in_flight = FALSE;
  f->lost = TRUE;
  f->lost_event = 0;
  sl->streams->frames_lost++;
  sl->bytes_in_flight -= f->size;
  if (f->kind == SENT_WINDOW && f->stream_id == SRP_STREAM_ID_LINK)
    {
      /* The current window goes again, not the lost one. */
      sl->link_window_in_flight = FALSE;
      sl->link_window_pending = TRUE;
      return;
    }
  if (s == NULL || (s->reset && f->kind != SENT_RESET))
    return;
  if (f->kind == SENT_WINDOW)
    {
      s->window_in_flight = FALSE;
      s->window_pending = !s->closed;
    }
  else if (f->kind == SENT_RESET)
    {
      s->reset_in_flight = FALSE;
      s->reset_pending = !s->reset_acked;
    }
  else
    {
      guint64 start = MAX (f->offset, s->send_base), end = f->offset + f->len;

      if (start < end)
        {
          srp_range_set_add (&s->lost, start, end);
          /* What a later copy already got acknowledged need not go again. */
          for (guint i = 0; i < srp_range_set_n_ranges (&s->acked); i++)
            {
              const SrpRange *r = srp_range_set_get (&s->acked, i);

              if (r->start >= end)
                break;
              srp_range_set_remove (&s->lost, r->start, r->end);
            }
        }
      if ((f->flags & SRP_STREAM_FLAG_OPEN) && !s->open_acked && f->len == 0)
        s->open_pending = TRUE;
      if ((f->flags & SRP_STREAM_FLAG_FIN) && !s->fin_acked)
        s->fin_in_flight = FALSE;
    }
  srp_stream_core_queue (s);
}

/* The first frame with pn >= value. */
static guint
sent_index (StreamLink *sl, guint64 value)
{
  guint lo = 0, hi = sl->sent->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (g_array_index (sl->sent, SentFrame, mid).pn < value)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

static gint64
loss_delay (const StreamLink *sl)
{
  const SrpRtt *rtt = &sl->link->rtt;
  gint64 base = srp_rtt_has_sample (rtt) ? MAX (rtt->smoothed_us, rtt->latest_us) : RTO_INITIAL_US;

  return MAX (base * 9 / 8, G_TIME_SPAN_MILLISECOND);
}

/* Declares lost what is overtaken; returns the time the next frame in
 * flight would be (-1: none waits for it). */
static gint64
detect_losses (StreamLink *sl)
{
  SrpContext *ctx = sl->streams->ctx;
  gint64 delay = loss_delay (sl), next = -1;
  gint64 newest_lost = G_MININT64;
  guint first = G_MAXUINT, last = 0, n_lost = 0;

  if (!sl->has_acked)
    return -1;
  for (guint i = 0; i < sl->sent->len; i++)
    {
      SentFrame *f = &g_array_index (sl->sent, SentFrame, i);

      if (f->pn >= sl->largest_acked)
        break;
      if (!f->in_flight)
        continue;
      if (sl->largest_acked - f->pn >= SRP_STREAM_PACKET_THRESHOLD || f->sent_at + delay <= ctx->now)
        {
          newest_lost = MAX (newest_lost, f->sent_at);
          frame_lost (sl, f);
          first = MIN (first, i);
          last = i;
          n_lost++;
        }
      else if (next < 0)
        next = f->sent_at + delay;
    }
  if (newest_lost == G_MININT64)
    return next;
  /* A new loss event, or more of the current one: either way these
   * frames must all come back for it to be undone. */
  if (srp_congestion_on_loss (&sl->cc, ctx->now, newest_lost))
    {
      sl->streams->loss_events++;
      sl->loss_event = sl->loss_event == G_MAXUINT32 ? 1 : sl->loss_event + 1;
      sl->event_lost = 0;
      sl->event_late_acked = 0;
    }
  sl->event_lost += n_lost;
  for (guint i = first; i <= last; i++)
    {
      SentFrame *f = &g_array_index (sl->sent, SentFrame, i);

      if (f->lost && f->lost_event == 0 && f->sent_at <= newest_lost)
        f->lost_event = sl->loss_event;
    }
  return next;
}

/* Drops the frames at the front that are done with: acknowledged, or lost
 * long enough ago (3 loss delays) that no ACK of theirs is coming. */
static void
trim_sent (StreamLink *sl)
{
  gint64 forget_before = sl->streams->ctx->now - 3 * loss_delay (sl);
  guint n = 0;

  while (n < sl->sent->len)
    {
      const SentFrame *f = &g_array_index (sl->sent, SentFrame, n);

      if (f->in_flight || (f->lost && f->sent_at > forget_before))
        break;
      n++;
    }
  if (n > 0)
    g_array_remove_range (sl->sent, 0, n);
}

void
srp_stream_core_arm_loss_timer (StreamLink *sl)
{
  SrpContext *ctx = sl->streams->ctx;
  gint64 deadline = -1;

  if (sl->bytes_in_flight > 0)
    deadline = sl->rto_base + srp_stream_core_rto (sl);
  srp_timer_set (ctx->timers, &sl->loss_timer, deadline);
}

/* The acknowledged prefix of a stream leaves its buffer; a writer that
 * waited for room hears of it. */
static void
advance (Stream *s)
{
  guint64 base = srp_range_set_contiguous_end (&s->acked, s->send_base);

  if (base > s->send_base)
    {
      s->send_head += base - s->send_base;
      s->send_base = base;
      srp_range_set_remove_below (&s->acked, base);
      if (s->send_head >= 65536 && s->send_head * 2 >= s->send_buf->len)
        {
          g_byte_array_remove_range (s->send_buf, 0, s->send_head);
          s->send_head = 0;
        }
    }
  if (s->write_blocked && !s->released && srp_stream_core_send_room (s) >= SRP_STREAM_WINDOW / 4)
    {
      s->write_blocked = FALSE;
      srp_stream_core_emit (s, SRP_CORE_EVENT_STREAM_WRITABLE);
    }
}

SrpDropReason
srp_stream_core_handle_ack (StreamLink *sl, const SrpStreamAck *ack)
{
  SrpContext *ctx = sl->streams->ctx;
  GPtrArray *touched;
  gboolean progress = FALSE;
  gint64 next_loss;

  if (ack->ranges[0].last >= sl->next_pn)
    return SRP_DROP_BAD_CONTROL; /* acknowledges what we never sent */
  touched = g_ptr_array_new ();
  for (guint r = 0; r < ack->n_ranges; r++)
    {
      for (guint i = sent_index (sl, ack->ranges[r].first); i < sl->sent->len; i++)
        {
          SentFrame *f = &g_array_index (sl->sent, SentFrame, i);

          if (f->pn > ack->ranges[r].last)
            break;
          if (f->lost)
            frame_late_acked (sl, f, touched);
          if (!f->in_flight)
            continue;
          if (r == 0 && f->pn == ack->ranges[0].last &&
              (!sl->has_acked || f->pn > sl->largest_acked))
            {
              gint64 sample = ctx->now - f->sent_at;
              gint64 delay = MIN ((gint64) ack->delay_us, SRP_STREAM_ACK_DELAY_US);

              if (sl->link->rtt.min_us < 0 || sample - delay >= sl->link->rtt.min_us)
                sample -= delay;
              srp_rtt_sample (&sl->link->rtt, sample);
              srp_congestion_on_rtt (&sl->cc, ctx->now, sample, f->sent_at);
            }
          frame_acked (sl, f, touched);
          progress = TRUE;
        }
    }
  if (!sl->has_acked || ack->ranges[0].last > sl->largest_acked)
    {
      sl->has_acked = TRUE;
      sl->largest_acked = ack->ranges[0].last;
    }
  if (progress)
    {
      sl->timeouts = 0;
      sl->rto_base = ctx->now;
      sl->cwnd_limited = FALSE;
    }
  next_loss = detect_losses (sl);
  trim_sent (sl);
  srp_stream_core_arm_loss_timer (sl);
  if (next_loss >= 0 && next_loss < sl->loss_timer.deadline)
    srp_timer_set (ctx->timers, &sl->loss_timer, next_loss);
  for (guint i = 0; i < touched->len; i++)
    {
      Stream *s = g_ptr_array_index (touched, i);

      if (!s->reset)
        advance (s);
      srp_stream_core_maybe_free (s);
    }
  g_ptr_array_unref (touched);
  srp_stream_core_pump (sl);
  return SRP_DROP_NONE;
}

void
srp_stream_core_loss_fired (SrpTimer *timer, gpointer owner)
{
  StreamLink *sl = owner;
  SrpContext *ctx = sl->streams->ctx;
  gint64 next_loss;

  (void) timer;
  next_loss = detect_losses (sl);
  if (sl->bytes_in_flight > 0 && ctx->now >= sl->rto_base + srp_stream_core_rto (sl))
    {
      /* Nothing came back for a whole timeout: everything in flight goes
       * again, slowly, and the mesh checks on the peer. */
      for (guint i = 0; i < sl->sent->len; i++)
        {
          SentFrame *f = &g_array_index (sl->sent, SentFrame, i);

          if (f->in_flight)
            frame_lost (sl, f);
        }
      srp_congestion_on_timeout (&sl->cc, ctx->now);
      sl->timeouts++;
      sl->rto_base = ctx->now;
      next_loss = -1;
      srp_context_suspect_link (ctx, sl->link);
    }
  trim_sent (sl);
  srp_stream_core_arm_loss_timer (sl);
  if (next_loss >= 0 && (!srp_timer_is_armed (&sl->loss_timer) || next_loss < sl->loss_timer.deadline))
    srp_timer_set (ctx->timers, &sl->loss_timer, next_loss);
  srp_stream_core_pump (sl);
}
