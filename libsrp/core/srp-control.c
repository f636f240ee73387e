/* srp-control.c: encoding and strict decoding of control messages.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-control.h"

#include "srp-codec.h"

/* Starts a writer after a prefix of the given kind. */
static void
begin_frame (SrpWriter *writer, guint8 *out, SrpFrameKind kind)
{
  srp_wire_write_prefix (out, kind);
  srp_writer_init (writer, out, SRP_MAX_DATAGRAM);
  writer->len = SRP_WIRE_PREFIX_LEN;
}

/* Starts a reader after the prefix, which the caller has checked. */
static void
begin_read (SrpReader *reader, const guint8 *frame, gsize len)
{
  srp_reader_init (reader, frame, len);
  reader->pos = MIN (len, SRP_WIRE_PREFIX_LEN);
}

gsize
srp_ping_encode (const SrpPing *ping, guint8 out[SRP_MAX_DATAGRAM])
{
  SrpWriter w;

  begin_frame (&w, out, SRP_FRAME_PING);
  srp_writer_id (&w, &ping->sender);
  srp_writer_u64 (&w, ping->nonce);
  g_assert (w.ok);
  return w.len;
}

SrpDropReason
srp_ping_decode (const guint8 *frame, gsize len, SrpPing *out)
{
  SrpReader r;

  begin_read (&r, frame, len);
  srp_reader_id (&r, &out->sender);
  out->nonce = srp_reader_u64 (&r);
  return srp_reader_done (&r) ? SRP_DROP_NONE : SRP_DROP_BAD_CONTROL;
}

gsize
srp_pong_encode (const SrpPong *pong, guint8 out[SRP_MAX_DATAGRAM])
{
  SrpWriter w;

  begin_frame (&w, out, SRP_FRAME_PONG);
  srp_writer_id (&w, &pong->sender);
  srp_writer_u64 (&w, pong->nonce);
  srp_writer_address (&w, &pong->observed);
  g_assert (w.ok);
  return w.len;
}

SrpDropReason
srp_pong_decode (const guint8 *frame, gsize len, SrpPong *out)
{
  SrpReader r;

  begin_read (&r, frame, len);
  srp_reader_id (&r, &out->sender);
  out->nonce = srp_reader_u64 (&r);
  srp_reader_address (&r, &out->observed);
  return srp_reader_done (&r) ? SRP_DROP_NONE : SRP_DROP_BAD_CONTROL;
}
