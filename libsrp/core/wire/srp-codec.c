/* srp-codec.c: bounds-checked cursors for control messages.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-codec.h"

#include <string.h>

void
srp_reader_init (SrpReader *reader, const guint8 *data, gsize len)
{
  reader->data = data;
  reader->len = len;
  reader->pos = 0;
  reader->ok = TRUE;
}

/* Returns the next n bytes, or NULL (and fails the reader) when fewer are left. */
static const guint8 *
take (SrpReader *reader, gsize n)
{
  const guint8 *p;

  if (!reader->ok || reader->len - reader->pos < n)
    {
      reader->ok = FALSE;
      return NULL;
    }
  p = reader->data + reader->pos;
  reader->pos += n;
  return p;
}

guint8
srp_reader_u8 (SrpReader *reader)
{
  const guint8 *p = take (reader, 1);
  return p ? p[0] : 0;
}

guint16
srp_reader_u16 (SrpReader *reader)
{
  const guint8 *p = take (reader, 2);
  return p ? srp_read_u16 (p) : 0;
}

guint32
srp_reader_u32 (SrpReader *reader)
{
  const guint8 *p = take (reader, 4);
  return p ? srp_read_u32 (p) : 0;
}

guint64
srp_reader_u64 (SrpReader *reader)
{
  const guint8 *p = take (reader, 8);
  return p ? srp_read_u64 (p) : 0;
}

void
srp_reader_bytes (SrpReader *reader, guint8 *out, gsize n)
{
  const guint8 *p = take (reader, n);

  if (p)
    memcpy (out, p, n);
  else
    memset (out, 0, n);
}

void
srp_reader_id (SrpReader *reader, SrpId *out)
{
  srp_reader_bytes (reader, out->bytes, SRP_ID_LEN);
}

void
srp_reader_address (SrpReader *reader, SrpAddress *out)
{
  guint8 family = srp_reader_u8 (reader);
  guint16 port = srp_reader_u16 (reader);
  const guint8 *ip;

  memset (out, 0, sizeof *out);
  if (family == SRP_ADDRESS_FAMILY_IPV4 && (ip = take (reader, 4)) != NULL)
    srp_address_init_ipv4 (out, ip, port);
  else if (family == SRP_ADDRESS_FAMILY_IPV6 && (ip = take (reader, 16)) != NULL)
    srp_address_init_ipv6 (out, ip, port);
  else
    reader->ok = FALSE;
}

gboolean
srp_reader_done (const SrpReader *reader)
{
  return reader->ok && reader->pos == reader->len;
}

void
srp_writer_init (SrpWriter *writer, guint8 *data, gsize cap)
{
  writer->data = data;
  writer->cap = cap;
  writer->len = 0;
  writer->ok = TRUE;
}

static guint8 *
reserve (SrpWriter *writer, gsize n)
{
  guint8 *p;

  if (!writer->ok || writer->cap - writer->len < n)
    {
      writer->ok = FALSE;
      return NULL;
    }
  p = writer->data + writer->len;
  writer->len += n;
  return p;
}

void
srp_writer_u8 (SrpWriter *writer, guint8 value)
{
  guint8 *p = reserve (writer, 1);
  if (p)
    p[0] = value;
}

void
srp_writer_u16 (SrpWriter *writer, guint16 value)
{
  guint8 *p = reserve (writer, 2);
  if (p)
    srp_write_u16 (p, value);
}

void
srp_writer_u32 (SrpWriter *writer, guint32 value)
{
  guint8 *p = reserve (writer, 4);
  if (p)
    srp_write_u32 (p, value);
}

void
srp_writer_u64 (SrpWriter *writer, guint64 value)
{
  guint8 *p = reserve (writer, 8);
  if (p)
    srp_write_u64 (p, value);
}

void
srp_writer_bytes (SrpWriter *writer, const guint8 *data, gsize n)
{
  guint8 *p = reserve (writer, n);
  if (p)
    memcpy (p, data, n);
}

void
srp_writer_id (SrpWriter *writer, const SrpId *id)
{
  srp_writer_bytes (writer, id->bytes, SRP_ID_LEN);
}

void
srp_writer_address (SrpWriter *writer, const SrpAddress *address)
{
  gsize n = address->family == SRP_ADDRESS_FAMILY_IPV4 ? 4 : 16;
  guint8 *p;

  g_return_if_fail (srp_address_is_valid (address));
  srp_writer_u8 (writer, address->family);
  srp_writer_u16 (writer, address->port);
  p = reserve (writer, n);
  if (p)
    memcpy (p, address->bytes, n);
}

void
srp_writer_begin_frame (SrpWriter *writer, guint8 *out, SrpFrameKind kind)
{
  srp_wire_write_prefix (out, kind);
  srp_writer_init (writer, out, SRP_MAX_DATAGRAM);
  writer->len = SRP_WIRE_PREFIX_LEN;
}

void
srp_reader_begin_frame (SrpReader *reader, const guint8 *frame, gsize len)
{
  srp_reader_init (reader, frame, len);
  reader->pos = MIN (len, SRP_WIRE_PREFIX_LEN);
}

gsize
srp_nonce_frame_encode (SrpFrameKind kind, guint64 nonce, guint8 out[SRP_MAX_DATAGRAM])
{
  SrpWriter w;

  srp_writer_begin_frame (&w, out, kind);
  srp_writer_u64 (&w, nonce);
  g_assert (w.ok);
  return w.len;
}

SrpDropReason
srp_nonce_frame_decode (const guint8 *frame, gsize len, guint64 *nonce)
{
  SrpReader r;

  srp_reader_begin_frame (&r, frame, len);
  *nonce = srp_reader_u64 (&r);
  return srp_reader_done (&r) ? SRP_DROP_NONE : SRP_DROP_BAD_CONTROL;
}
