/* srp-control-topics.c: encoding and strict decoding of the SUBSCRIPTIONS,
 * ACK, QUERY and SYNC frames.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-control-topics.h"

#include "srp-codec.h"

gsize
srp_subscriptions_encode (const SrpSubscriptions *subs, guint8 out[SRP_MAX_DATAGRAM])
{
  SrpWriter w;

  g_return_val_if_fail (subs->n <= SRP_SUBSCRIPTIONS_MAX, 0);
  srp_writer_begin_frame (&w, out, SRP_FRAME_SUBSCRIPTIONS);
  srp_writer_u16 (&w, (guint16) subs->n);
  for (guint i = 0; i < subs->n; i++)
    srp_writer_u64 (&w, subs->topics[i]);
  g_assert (w.ok);
  return w.len;
}

SrpDropReason
srp_subscriptions_decode (const guint8 *frame, gsize len, SrpSubscriptions *out)
{
  SrpReader r;

  srp_reader_begin_frame (&r, frame, len);
  out->n = srp_reader_u16 (&r);
  if (out->n > SRP_SUBSCRIPTIONS_MAX)
    return SRP_DROP_BAD_CONTROL;
  for (guint i = 0; i < out->n; i++)
    {
      out->topics[i] = srp_reader_u64 (&r);
      /* Sorted and unique: one canonical encoding, and cheap lookups. */
      if (i > 0 && out->topics[i] <= out->topics[i - 1])
        return SRP_DROP_BAD_CONTROL;
    }
  return srp_reader_done (&r) ? SRP_DROP_NONE : SRP_DROP_BAD_CONTROL;
}

static gsize
encode_ids (SrpFrameKind kind, const SrpIdList *ids, guint8 *out)
{
  SrpWriter w;

  g_return_val_if_fail (ids->n >= 1 && ids->n <= SRP_IDS_MAX, 0);
  srp_writer_begin_frame (&w, out, kind);
  srp_writer_u8 (&w, (guint8) ids->n);
  for (guint i = 0; i < ids->n; i++)
    srp_writer_u64 (&w, ids->ids[i]);
  g_assert (w.ok);
  return w.len;
}

static SrpDropReason
decode_ids (const guint8 *frame, gsize len, SrpIdList *out)
{
  SrpReader r;

  srp_reader_begin_frame (&r, frame, len);
  out->n = srp_reader_u8 (&r);
  if (out->n < 1 || out->n > SRP_IDS_MAX)
    return SRP_DROP_BAD_CONTROL;
  for (guint i = 0; i < out->n; i++)
    out->ids[i] = srp_reader_u64 (&r);
  return srp_reader_done (&r) ? SRP_DROP_NONE : SRP_DROP_BAD_CONTROL;
}

gsize
srp_ack_encode (const SrpIdList *ids, guint8 out[SRP_MAX_DATAGRAM])
{
  return encode_ids (SRP_FRAME_ACK, ids, out);
}

SrpDropReason
srp_ack_decode (const guint8 *frame, gsize len, SrpIdList *out)
{
  return decode_ids (frame, len, out);
}

gsize
srp_query_encode (const SrpIdList *ids, guint8 out[SRP_MAX_DATAGRAM])
{
  return encode_ids (SRP_FRAME_QUERY, ids, out);
}

SrpDropReason
srp_query_decode (const guint8 *frame, gsize len, SrpIdList *out)
{
  return decode_ids (frame, len, out);
}

gsize
srp_sync_range_size (const SrpSyncRange *range)
{
  if (range->mode == SRP_SYNC_FINGERPRINT)
    return SRP_SYNC_RANGE_LEN + SRP_FINGERPRINT_LEN;
  return SRP_SYNC_RANGE_LEN + 2 + 8 * (gsize) range->n_items;
}

gsize
srp_sync_encode (const SrpSync *sync, guint8 out[SRP_MAX_DATAGRAM])
{
  SrpWriter w;

  g_return_val_if_fail (sync->n_ranges >= 1 && sync->n_ranges <= SRP_SYNC_MAX_RANGES, 0);
  srp_writer_begin_frame (&w, out, SRP_FRAME_SYNC);
  srp_writer_id (&w, &sync->topic_id);
  srp_writer_u8 (&w, (guint8) sync->n_ranges);
  for (guint i = 0; i < sync->n_ranges; i++)
    {
      const SrpSyncRange *range = &sync->ranges[i];

      srp_writer_u64 (&w, range->lower);
      srp_writer_u64 (&w, range->upper);
      srp_writer_u8 (&w, range->mode);
      if (range->mode == SRP_SYNC_FINGERPRINT)
        srp_writer_bytes (&w, range->fingerprint, SRP_FINGERPRINT_LEN);
      else
        {
          srp_writer_u16 (&w, (guint16) range->n_items);
          for (guint k = 0; k < range->n_items; k++)
            srp_writer_u64 (&w, sync->items[range->first + k]);
        }
    }
  return w.ok ? w.len : 0;
}

/* Inside [lower, upper), where upper 0 is the end of the space. */
static gboolean
in_range (guint64 value, guint64 lower, guint64 upper)
{
  return value >= lower && (upper == 0 || value < upper);
}

SrpDropReason
srp_sync_decode (const guint8 *frame, gsize len, SrpSync *out)
{
  SrpReader r;
  gboolean ended = FALSE;
  guint64 next_lower = 0;

  srp_reader_begin_frame (&r, frame, len);
  srp_reader_id (&r, &out->topic_id);
  out->n_ranges = srp_reader_u8 (&r);
  out->n_items = 0;
  if (out->n_ranges < 1 || out->n_ranges > SRP_SYNC_MAX_RANGES)
    return SRP_DROP_BAD_CONTROL;
  for (guint i = 0; i < out->n_ranges && r.ok; i++)
    {
      SrpSyncRange *range = &out->ranges[i];

      range->lower = srp_reader_u64 (&r);
      range->upper = srp_reader_u64 (&r);
      range->mode = srp_reader_u8 (&r);
      range->first = out->n_items;
      range->n_items = 0;
      /* Non-empty, after the previous range, nothing after one that ends the space. */
      if (ended || range->lower < next_lower || (range->upper != 0 && range->upper <= range->lower))
        return SRP_DROP_BAD_CONTROL;
      ended = range->upper == 0;
      next_lower = range->upper;
      if (range->mode == SRP_SYNC_FINGERPRINT)
        srp_reader_bytes (&r, range->fingerprint, SRP_FINGERPRINT_LEN);
      else if (range->mode == SRP_SYNC_LIST || range->mode == SRP_SYNC_HAVE)
        {
          range->n_items = srp_reader_u16 (&r);
          if (range->n_items > SRP_SYNC_MAX_ITEMS - out->n_items)
            return SRP_DROP_BAD_CONTROL;
          for (guint k = 0; k < range->n_items; k++)
            {
              guint64 item = srp_reader_u64 (&r);

              if (!in_range (item, range->lower, range->upper) ||
                  (k > 0 && item <= out->items[out->n_items - 1]))
                return SRP_DROP_BAD_CONTROL;
              out->items[out->n_items++] = item;
            }
        }
      else
        return SRP_DROP_BAD_CONTROL;
    }
  return srp_reader_done (&r) ? SRP_DROP_NONE : SRP_DROP_BAD_CONTROL;
}
