/* srp-control-stream.c: encoding and strict decoding of the stream frames.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-control-stream.h"

#include "srp-codec.h"

gsize
srp_stream_data_encode (const SrpStreamData *frame, guint8 out[SRP_MAX_DATAGRAM])
{
  SrpWriter w;

  srp_writer_begin_frame (&w, out, SRP_FRAME_STREAM_DATA);
  srp_writer_u64 (&w, frame->pn);
  srp_writer_u32 (&w, frame->stream_id);
  srp_writer_u8 (&w, frame->flags);
  srp_writer_u64 (&w, frame->offset);
  if (frame->flags & SRP_STREAM_FLAG_OPEN)
    {
      srp_writer_u8 (&w, frame->label_len);
      if (frame->label_len > 0)
        srp_writer_bytes (&w, frame->label, frame->label_len);
    }
  if (frame->len > 0)
    srp_writer_bytes (&w, frame->data, frame->len);
  g_assert (w.ok && w.len <= SRP_MAX_FRAME);
  return w.len;
}

SrpDropReason
srp_stream_data_decode (const guint8 *frame, gsize len, SrpStreamData *out)
{
  SrpReader r;

  srp_reader_begin_frame (&r, frame, len);
  out->pn = srp_reader_u64 (&r);
  out->stream_id = srp_reader_u32 (&r);
  out->flags = srp_reader_u8 (&r);
  out->offset = srp_reader_u64 (&r);
  out->label_len = 0;
  out->label = NULL;
  if (!r.ok || (out->flags & ~(SRP_STREAM_FLAG_FIN | SRP_STREAM_FLAG_OPEN)) != 0 ||
      out->stream_id == SRP_STREAM_ID_LINK || out->pn >= SRP_STREAM_OFFSET_MAX)
    return SRP_DROP_BAD_CONTROL;
  if (out->flags & SRP_STREAM_FLAG_OPEN)
    {
      /* Only the first frame opens, and its label is text. */
      if (out->offset != 0)
        return SRP_DROP_BAD_CONTROL;
      out->label_len = srp_reader_u8 (&r);
      out->label = frame + r.pos;
      if (!r.ok || out->label_len > SRP_STREAM_LABEL_MAX || r.pos + out->label_len > len ||
          !g_utf8_validate ((const char *) out->label, out->label_len, NULL))
        return SRP_DROP_BAD_CONTROL;
      r.pos += out->label_len;
    }
  out->data = frame + r.pos;
  out->len = len - r.pos;
  if (out->offset >= SRP_STREAM_OFFSET_MAX || out->len > SRP_STREAM_OFFSET_MAX - out->offset)
    return SRP_DROP_BAD_CONTROL;
  return SRP_DROP_NONE;
}

gsize
srp_stream_ack_encode (const SrpStreamAck *frame, guint8 out[SRP_MAX_DATAGRAM])
{
  SrpWriter w;

  g_assert (frame->n_ranges >= 1 && frame->n_ranges <= SRP_STREAM_ACK_MAX_RANGES);
  srp_writer_begin_frame (&w, out, SRP_FRAME_STREAM_ACK);
  srp_writer_u32 (&w, frame->delay_us);
  srp_writer_u8 (&w, frame->n_ranges);
  for (guint i = 0; i < frame->n_ranges; i++)
    {
      srp_writer_u64 (&w, frame->ranges[i].last);
      srp_writer_u64 (&w, frame->ranges[i].first);
    }
  g_assert (w.ok);
  return w.len;
}

SrpDropReason
srp_stream_ack_decode (const guint8 *frame, gsize len, SrpStreamAck *out)
{
  SrpReader r;

  srp_reader_begin_frame (&r, frame, len);
  out->delay_us = srp_reader_u32 (&r);
  out->n_ranges = srp_reader_u8 (&r);
  if (!r.ok || out->n_ranges == 0 || out->n_ranges > SRP_STREAM_ACK_MAX_RANGES)
    return SRP_DROP_BAD_CONTROL;
  for (guint i = 0; i < out->n_ranges; i++)
    {
      out->ranges[i].last = srp_reader_u64 (&r);
      out->ranges[i].first = srp_reader_u64 (&r);
      if (!r.ok || out->ranges[i].first > out->ranges[i].last ||
          out->ranges[i].last >= SRP_STREAM_OFFSET_MAX)
        return SRP_DROP_BAD_CONTROL;
      /* Newest first, apart and not adjacent: one way to write each set. */
      if (i > 0 && out->ranges[i].last + 1 >= out->ranges[i - 1].first)
        return SRP_DROP_BAD_CONTROL;
    }
  return srp_reader_done (&r) ? SRP_DROP_NONE : SRP_DROP_BAD_CONTROL;
}

gsize
srp_stream_window_encode (const SrpStreamWindow *frame, guint8 out[SRP_MAX_DATAGRAM])
{
  SrpWriter w;

  srp_writer_begin_frame (&w, out, SRP_FRAME_STREAM_WINDOW);
  srp_writer_u64 (&w, frame->pn);
  srp_writer_u32 (&w, frame->stream_id);
  srp_writer_u64 (&w, frame->max);
  g_assert (w.ok);
  return w.len;
}

SrpDropReason
srp_stream_window_decode (const guint8 *frame, gsize len, SrpStreamWindow *out)
{
  SrpReader r;

  srp_reader_begin_frame (&r, frame, len);
  out->pn = srp_reader_u64 (&r);
  out->stream_id = srp_reader_u32 (&r);
  out->max = srp_reader_u64 (&r);
  if (!srp_reader_done (&r) || out->pn >= SRP_STREAM_OFFSET_MAX ||
      out->max > SRP_STREAM_OFFSET_MAX)
    return SRP_DROP_BAD_CONTROL;
  return SRP_DROP_NONE;
}

gsize
srp_stream_reset_encode (const SrpStreamReset *frame, guint8 out[SRP_MAX_DATAGRAM])
{
  SrpWriter w;

  srp_writer_begin_frame (&w, out, SRP_FRAME_STREAM_RESET);
  srp_writer_u64 (&w, frame->pn);
  srp_writer_u32 (&w, frame->stream_id);
  srp_writer_u8 (&w, frame->reason);
  g_assert (w.ok);
  return w.len;
}

SrpDropReason
srp_stream_reset_decode (const guint8 *frame, gsize len, SrpStreamReset *out)
{
  SrpReader r;

  srp_reader_begin_frame (&r, frame, len);
  out->pn = srp_reader_u64 (&r);
  out->stream_id = srp_reader_u32 (&r);
  out->reason = srp_reader_u8 (&r);
  if (!srp_reader_done (&r) || out->pn >= SRP_STREAM_OFFSET_MAX ||
      out->stream_id == SRP_STREAM_ID_LINK || out->reason == SRP_STREAM_REASON_NONE ||
      out->reason >= 0x80)
    return SRP_DROP_BAD_CONTROL;
  return SRP_DROP_NONE;
}
