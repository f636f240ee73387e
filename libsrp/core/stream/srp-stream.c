/* srp-stream.c: the stream subsystem: its link slot, its frames in the
 * dispatch table, the application's calls and a stream's life.
 *
 * A stream ends when both directions did (our FIN acknowledged, the peer's
 * FIN read) or either side reset it, or its link went away; its record
 * stays until the application released it too, so that what it asks
 * afterwards has an answer.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-stream-private.h"

#include <string.h>

SRP_FRAME_DECODER (decode_data, srp_stream_data_decode, SrpStreamData)
SRP_FRAME_DECODER (decode_ack, srp_stream_ack_decode, SrpStreamAck)
SRP_FRAME_DECODER (decode_window, srp_stream_window_decode, SrpStreamWindow)
SRP_FRAME_DECODER (decode_reset, srp_stream_reset_decode, SrpStreamReset)

static StreamLink *
input_link (SrpStreams *streams, const SrpInput *input)
{
  return srp_streams_link (streams, input->link);
}

static SrpDropReason
handle_data (gpointer self, const SrpInput *input, gpointer frame)
{
  return srp_stream_core_handle_data (input_link (self, input), frame);
}

static SrpDropReason
handle_ack (gpointer self, const SrpInput *input, gpointer frame)
{
  return srp_stream_core_handle_ack (input_link (self, input), frame);
}

static SrpDropReason
handle_window (gpointer self, const SrpInput *input, gpointer frame)
{
  return srp_stream_core_handle_window (input_link (self, input), frame);
}

static SrpDropReason
handle_reset (gpointer self, const SrpInput *input, gpointer frame)
{
  return srp_stream_core_handle_reset (input_link (self, input), frame);
}

/* Relayed links carry streams too: the relay passes frames on. */
static const SrpFrameHandler frames[] = {
  { SRP_FRAME_STREAM_DATA, SRP_FROM_LINK, sizeof (SrpStreamData), decode_data, handle_data },
  { SRP_FRAME_STREAM_ACK, SRP_FROM_LINK, sizeof (SrpStreamAck), decode_ack, handle_ack },
  { SRP_FRAME_STREAM_WINDOW, SRP_FROM_LINK, sizeof (SrpStreamWindow), decode_window,
    handle_window },
  { SRP_FRAME_STREAM_RESET, SRP_FROM_LINK, sizeof (SrpStreamReset), decode_reset, handle_reset },
};

/* ---- a stream's life ---------------------------------------------------------------- */

Stream *
srp_stream_core_new (StreamLink *sl, guint32 id, gboolean incoming)
{
  SrpStreams *streams = sl->streams;
  Stream *s = g_new0 (Stream, 1);

  s->streams = streams;
  s->handle = srp_context_next_request (streams->ctx);
  s->id = id;
  s->sl = sl;
  s->peer_id = sl->link->id;
  s->incoming = incoming;
  s->send_buf = g_byte_array_new ();
  s->recv_buf = g_byte_array_new ();
  s->peer_max = SRP_STREAM_WINDOW;
  s->our_max = SRP_STREAM_WINDOW;
  s->fin_offset = -1;
  s->readable_wanted = TRUE;
  s->open_pending = !incoming;
  srp_range_set_init (&s->acked);
  srp_range_set_init (&s->lost);
  srp_range_set_init (&s->received);
  g_hash_table_insert (sl->by_id, GUINT_TO_POINTER (id), s);
  g_hash_table_insert (streams->by_handle, &s->handle, s);
  if (incoming)
    sl->n_remote++;
  else
    sl->n_local++;
  return s;
}

void
srp_stream_core_emit (Stream *s, SrpCoreEventType type)
{
  SrpCoreEvent *event = srp_context_event (s->streams->ctx, type);

  event->stream.stream = s->handle;
  event->stream.peer_id = s->peer_id;
  event->stream.reason = s->reason;
}

gsize
srp_stream_core_send_room (const Stream *s)
{
  guint64 buffered = s->write_end - s->send_base;

  return buffered >= SRP_STREAM_WINDOW ? 0 : SRP_STREAM_WINDOW - buffered;
}

/* Bytes it holds that the application will never read count as read for
 * the link's window. */
static void
discard_received (Stream *s)
{
  if (s->sl != NULL && s->recv_high > s->read_offset)
    s->sl->data_consumed += s->recv_high - s->read_offset;
  s->read_offset = MAX (s->read_offset, s->recv_high);
  g_byte_array_set_size (s->recv_buf, 0);
  s->recv_head = 0;
  srp_range_set_remove_below (&s->received, G_MAXUINT64);
}

void
srp_stream_core_close (Stream *s, guint8 reason, gboolean emit)
{
  if (s->closed)
    return;
  s->closed = TRUE;
  s->reason = reason;
  if (reason != SRP_STREAM_REASON_NONE)
    {
      s->reset = TRUE;
      /* What arrived before the peer went away is still the application's
       * to read (the end too, when it came); a reset takes it all. */
      if (reason != SRP_STREAM_REASON_LINK_LOST)
        discard_received (s);
      g_byte_array_set_size (s->send_buf, 0);
      s->send_head = 0;
      srp_range_set_remove_below (&s->lost, G_MAXUINT64);
    }
  if (emit)
    srp_stream_core_emit (s, SRP_CORE_EVENT_STREAM_CLOSED);
}

static gboolean
send_done (const Stream *s)
{
  if (s->reset)
    return !s->reset_pending && !s->reset_in_flight;
  return s->fin_acked && s->send_base == s->write_end;
}

static gboolean
receive_done (const Stream *s)
{
  if (s->reset)
    return TRUE;
  /* A released stream's bytes are discarded as they come. */
  return s->fin_offset >= 0 && (s->eof_read || s->released) &&
         s->recv_high == (guint64) s->fin_offset;
}

static void
stream_free (Stream *s)
{
  StreamLink *sl = s->sl;

  if (sl != NULL)
    {
      discard_received (s);
      g_hash_table_remove (sl->by_id, GUINT_TO_POINTER (s->id));
      if (s->queued)
        g_queue_remove (&sl->sendq, s);
      if (s->incoming)
        sl->n_remote--;
      else
        sl->n_local--;
    }
  g_hash_table_remove (s->streams->by_handle, &s->handle);
  g_byte_array_unref (s->send_buf);
  g_byte_array_unref (s->recv_buf);
  srp_range_set_clear (&s->acked);
  srp_range_set_clear (&s->lost);
  srp_range_set_clear (&s->received);
  g_free (s);
}

void
srp_stream_core_maybe_free (Stream *s)
{
  if (s->sl != NULL && !s->closed && send_done (s) && receive_done (s))
    srp_stream_core_close (s, SRP_STREAM_REASON_NONE, !s->released);
  if (!s->released)
    return;
  if (s->sl == NULL || (s->closed && send_done (s)))
    stream_free (s);
}

/* ---- the application's calls ------------------------------------------------------- */

static Stream *
lookup (SrpStreams *streams, guint64 handle)
{
  return g_hash_table_lookup (streams->by_handle, &handle);
}

guint64
srp_streams_open (SrpStreams *streams, const SrpId *peer_id, const char *label)
{
  SrpLink *link = srp_link_table_lookup (streams->ctx->links, peer_id);
  StreamLink *sl;
  Stream *s;
  gsize label_len = label != NULL ? strlen (label) : 0;

  g_return_val_if_fail (label_len <= SRP_STREAM_LABEL_MAX, 0);
  g_return_val_if_fail (label == NULL || g_utf8_validate (label, -1, NULL), 0);
  if (link == NULL || !streams->ctx->attached)
    return 0;
  sl = srp_streams_link (streams, link);
  if (sl->n_local >= SRP_STREAM_MAX_STREAMS || sl->next_local_id >= G_MAXINT32)
    return 0;
  s = srp_stream_core_new (sl, sl->next_local_id, FALSE);
  sl->next_local_id += 2;
  if (label_len > 0)
    memcpy (s->label, label, label_len);
  streams->opened++;
  /* The OPEN frame goes now: the peer hears of the stream before any byte. */
  srp_stream_core_queue (s);
  srp_stream_core_pump (sl);
  return s->handle;
}

void
srp_stream_core_peer_accepted (Stream *s)
{
  if (s->incoming || s->accepted)
    return;
  s->accepted = TRUE;
  srp_stream_core_emit (s, SRP_CORE_EVENT_STREAM_ACCEPTED);
}

void
srp_streams_accept (SrpStreams *streams, guint64 handle)
{
  Stream *s = lookup (streams, handle);

  if (s == NULL || !s->incoming || s->accepted || s->reset || s->sl == NULL)
    return;
  s->accepted = TRUE;
  /* The window the opener has already, sent once more: it says "taken". */
  s->window_pending = TRUE;
  srp_stream_core_queue (s);
  srp_stream_core_pump (s->sl);
}

gssize
srp_streams_write (SrpStreams *streams, guint64 handle, const guint8 *data, gsize len)
{
  Stream *s = lookup (streams, handle);
  gsize n;

  if (s == NULL || s->closed || s->reset || s->fin_wanted || s->released || s->sl == NULL)
    return -1;
  n = MIN (len, srp_stream_core_send_room (s));
  if (n < len)
    s->write_blocked = TRUE;
  if (n == 0)
    return 0;
  g_byte_array_append (s->send_buf, data, n);
  s->write_end += n;
  srp_stream_core_queue (s);
  srp_stream_core_pump (s->sl);
  return n;
}

gboolean
srp_streams_finish (SrpStreams *streams, guint64 handle)
{
  Stream *s = lookup (streams, handle);

  if (s == NULL || s->reset || s->sl == NULL)
    return FALSE;
  if (s->fin_wanted)
    return TRUE;
  s->fin_wanted = TRUE;
  srp_stream_core_queue (s);
  srp_stream_core_pump (s->sl);
  return TRUE;
}

gssize
srp_streams_read (SrpStreams *streams, guint64 handle, guint8 *out, gsize len, gboolean *eof)
{
  Stream *s = lookup (streams, handle);
  guint64 ready;
  gsize n;

  *eof = FALSE;
  if (s == NULL || (s->reset && s->reason != SRP_STREAM_REASON_LINK_LOST))
    return -1;
  ready = srp_range_set_contiguous_end (&s->received, s->read_offset) - s->read_offset;
  n = (gsize) MIN ((guint64) len, ready);
  if (n > 0)
    {
      memcpy (out, s->recv_buf->data + s->recv_head, n);
      s->recv_head += n;
      s->read_offset += n;
      srp_range_set_remove_below (&s->received, s->read_offset);
      /* Compact now and then, not on every read. */
      if (s->recv_head >= 65536 && s->recv_head * 2 >= s->recv_buf->len)
        {
          g_byte_array_remove_range (s->recv_buf, 0, s->recv_head);
          s->recv_head = 0;
        }
      srp_stream_core_consumed (s, n);
    }
  if (n == ready)
    {
      s->readable_wanted = TRUE;
      if (s->fin_offset >= 0 && s->read_offset == (guint64) s->fin_offset)
        {
          *eof = TRUE;
          if (!s->eof_read)
            {
              s->eof_read = TRUE;
              if (s->sl == NULL)
                return n;
              srp_stream_core_maybe_free (s);
            }
        }
      else if (s->sl == NULL)
        return n > 0 ? (gssize) n : -1;
    }
  return n;
}

void
srp_streams_reset (SrpStreams *streams, guint64 handle, guint8 reason)
{
  Stream *s = lookup (streams, handle);

  g_return_if_fail (reason > SRP_STREAM_REASON_NONE && reason < SRP_STREAM_REASON_LINK_LOST);
  if (s == NULL || s->reset || s->closed || s->sl == NULL)
    return;
  if (reason == SRP_STREAM_REASON_REFUSED)
    streams->refused++;
  s->reset_reason = reason;
  s->reset_pending = TRUE;
  srp_stream_core_close (s, reason, FALSE);
  srp_stream_core_queue (s);
  srp_stream_core_pump (s->sl);
}

void
srp_streams_release (SrpStreams *streams, guint64 handle)
{
  Stream *s = lookup (streams, handle);

  if (s == NULL || s->released)
    return;
  s->released = TRUE;
  if (s->sl != NULL && !s->closed)
    {
      /* Let go of the handle, not of what was written: it still goes, and
       * ends with FIN. What comes from the peer is read by nobody. */
      discard_received (s);
      s->fin_wanted = TRUE;
      srp_stream_core_queue (s);
      srp_stream_core_pump (s->sl);
    }
  srp_stream_core_maybe_free (s);
}

gboolean
srp_streams_get_info (SrpStreams *streams, guint64 handle, SrpStreamInfo *out)
{
  Stream *s = lookup (streams, handle);
  SrpLink *link;

  memset (out, 0, sizeof *out);
  if (s == NULL)
    return FALSE;
  link = s->sl != NULL ? s->sl->link : NULL;
  out->peer_id = s->peer_id;
  memcpy (out->label, s->label, sizeof out->label);
  out->incoming = s->incoming;
  out->accepted = s->accepted;
  out->closed = s->closed;
  out->reason = s->reason;
  out->path = link != NULL ? srp_link_path (link) : 0;
  out->rtt_us = link != NULL && srp_rtt_has_sample (&link->rtt) ? link->rtt.smoothed_us : -1;
  out->bytes_sent = s->bytes_sent;
  out->bytes_received = s->bytes_received;
  out->bytes_retransmitted = s->bytes_retransmitted;
  out->send_buffered = s->write_end - s->send_base;
  out->receive_buffered = s->recv_high - s->read_offset;
  if (!s->reset || s->reason == SRP_STREAM_REASON_LINK_LOST)
    {
      out->readable = srp_range_set_contiguous_end (&s->received, s->read_offset) - s->read_offset;
      out->at_end = s->fin_offset >= 0 && s->read_offset == (guint64) s->fin_offset;
    }
  out->delivered = !s->reset && s->fin_acked && s->send_base == s->write_end;
  if (!s->reset && !s->closed && !s->fin_wanted && !s->released && s->sl != NULL)
    out->writable = srp_stream_core_send_room (s);
  return TRUE;
}

/* ---- the subsystem -------------------------------------------------------------------- */

static void
streams_link_init (gpointer self, SrpLink *link, gpointer slot)
{
  SrpStreams *streams = self;
  StreamLink *sl = slot;
  const SrpId *us = &streams->ctx->config->peer_id;
  gboolean lower = memcmp (us->bytes, link->id.bytes, SRP_ID_LEN) < 0;

  sl->streams = streams;
  sl->link = link;
  sl->by_id = g_hash_table_new (NULL, NULL);
  /* The two ends never pick the same ID: the lower peer ID opens even ones. */
  sl->next_local_id = lower ? 0 : 1;
  sl->next_remote_id = lower ? 1 : 0;
  g_queue_init (&sl->sendq);
  sl->sent = g_array_new (FALSE, FALSE, sizeof (SentFrame));
  srp_congestion_init (&sl->cc, 2 * SRP_STREAM_LINK_WINDOW);
  sl->peer_max_data = SRP_STREAM_LINK_WINDOW;
  sl->our_max_data = SRP_STREAM_LINK_WINDOW;
  sl->pace_next = G_MININT64;
  srp_range_set_init (&sl->received_pns);
  srp_timer_init (&sl->loss_timer, SRP_TIMER_STREAM_LOSS, srp_stream_core_loss_fired, sl);
  srp_timer_init (&sl->pace_timer, SRP_TIMER_STREAM_PACE, srp_stream_core_pace_fired, sl);
  srp_timer_init (&sl->ack_timer, SRP_TIMER_STREAM_ACK, srp_stream_core_ack_fired, sl);
}

static void
streams_link_flush (gpointer self, SrpLink *link, gpointer slot)
{
  StreamLink *sl = slot;

  (void) self;
  (void) link;
  if (srp_timer_is_armed (&sl->ack_timer))
    srp_stream_core_send_ack (sl);
}

static void
streams_link_down (gpointer self, SrpLink *link, gpointer slot)
{
  SrpStreams *streams = self;
  StreamLink *sl = slot;
  GList *all = g_hash_table_get_values (sl->by_id);
  SrpTimerTable *timers = streams->ctx->timers;

  (void) link;
  for (GList *l = all; l != NULL; l = l->next)
    {
      Stream *s = l->data;

      srp_stream_core_close (s, SRP_STREAM_REASON_LINK_LOST, !s->released);
      s->sl = NULL;
      s->queued = FALSE;
      srp_stream_core_maybe_free (s);
    }
  g_list_free (all);
  g_hash_table_remove_all (sl->by_id);
  g_queue_clear (&sl->sendq);
  srp_timer_stop (timers, &sl->loss_timer);
  srp_timer_stop (timers, &sl->pace_timer);
  srp_timer_stop (timers, &sl->ack_timer);
}

static void
streams_link_slot_clear (gpointer slot)
{
  StreamLink *sl = slot;

  g_clear_pointer (&sl->by_id, g_hash_table_unref);
  g_clear_pointer (&sl->sent, g_array_unref);
  srp_range_set_clear (&sl->received_pns);
}

static void
streams_stats (gpointer self, GVariantDict *dict)
{
  SrpStreams *streams = self;

  g_variant_dict_insert (dict, "streams", "u", g_hash_table_size (streams->by_handle));
  g_variant_dict_insert (dict, "streams_opened", "t", streams->opened);
  g_variant_dict_insert (dict, "streams_accepted", "t", streams->accepted);
  g_variant_dict_insert (dict, "streams_refused", "t", streams->refused);
  g_variant_dict_insert (dict, "streams_resets_received", "t", streams->resets_received);
  g_variant_dict_insert (dict, "stream_bytes_sent", "t", streams->bytes_sent);
  g_variant_dict_insert (dict, "stream_bytes_received", "t", streams->bytes_received);
  g_variant_dict_insert (dict, "stream_bytes_retransmitted", "t", streams->bytes_retransmitted);
  g_variant_dict_insert (dict, "stream_loss_events", "t", streams->loss_events);
  g_variant_dict_insert (dict, "stream_frames_lost", "t", streams->frames_lost);
  g_variant_dict_insert (dict, "stream_frames_late_acked", "t", streams->frames_late_acked);
  g_variant_dict_insert (dict, "stream_congestion_undos", "t", streams->congestion_undos);
}

static void
streams_free (gpointer self)
{
  SrpStreams *streams = self;
  GList *all = g_hash_table_get_values (streams->by_handle);

  /* Links are closed first: what is left belongs to no link. */
  for (GList *l = all; l != NULL; l = l->next)
    {
      Stream *s = l->data;

      s->released = TRUE;
      srp_stream_core_maybe_free (s);
    }
  g_list_free (all);
  g_hash_table_unref (streams->by_handle);
  g_free (streams);
}

static const SrpSubsystemClass streams_class = {
  .name = "stream",
  .link_slot_size = sizeof (StreamLink),
  .link_init = streams_link_init,
  .link_flush = streams_link_flush,
  .link_down = streams_link_down,
  .link_slot_clear = streams_link_slot_clear,
  .stats = streams_stats,
  .free = streams_free,
};

SrpStreams *
srp_streams_new (SrpContext *ctx)
{
  SrpStreams *streams = g_new0 (SrpStreams, 1);

  streams->ctx = ctx;
  streams->by_handle = g_hash_table_new (g_int64_hash, g_int64_equal);
  srp_context_add_subsystem (ctx, &streams_class, streams);
  streams->slot = srp_context_slot (ctx, streams);
  srp_dispatch_add (ctx->dispatch, frames, G_N_ELEMENTS (frames), streams);
  return streams;
}
