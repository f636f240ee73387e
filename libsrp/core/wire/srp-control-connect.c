/* srp-control-connect.c: encoding and strict decoding of INFO, CONNECT,
 * INTRODUCE, PUNCH, RELAY and RELAYED.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-control-connect.h"

#include <string.h>

#include "srp-codec.h"

static void
write_locals (SrpWriter *w, guint n, const SrpAddress *locals)
{
  srp_writer_u8 (w, (guint8) n);
  for (guint i = 0; i < n; i++)
    srp_writer_address (w, &locals[i]);
}

static gboolean
read_locals (SrpReader *r, guint *n, SrpAddress *locals)
{
  *n = srp_reader_u8 (r);
  if (*n > SRP_LOCALS_MAX)
    return FALSE;
  for (guint i = 0; i < *n; i++)
    srp_reader_address (r, &locals[i]);
  return TRUE;
}

static void
write_mapped (SrpWriter *w, gboolean has_mapped, const SrpAddress *mapped)
{
  srp_writer_u8 (w, has_mapped ? 1 : 0);
  if (has_mapped)
    srp_writer_address (w, mapped);
}

/* A mapped address is somewhere to send to: it must be one. */
static gboolean
read_mapped (SrpReader *r, gboolean *has_mapped, SrpAddress *mapped)
{
  guint8 n = srp_reader_u8 (r);

  if (n > 1)
    return FALSE;
  *has_mapped = n == 1;
  if (!*has_mapped)
    return TRUE;
  srp_reader_address (r, mapped);
  return !r->ok || (srp_address_is_valid (mapped) && mapped->port != 0);
}

static void
write_other (SrpWriter *w, const SrpOtherFamily *other)
{
  srp_writer_u8 (w, other->nat);
  srp_writer_u8 (w, (guint8) other->n_addresses);
  for (guint i = 0; i < other->n_addresses; i++)
    srp_writer_address (w, &other->addresses[i]);
}

/* One family, a real one, with ports: anything else would have us send to
 * what the sender cannot be reached at. */
static gboolean
read_other (SrpReader *r, SrpOtherFamily *other)
{
  other->nat = srp_reader_u8 (r);
  other->n_addresses = srp_reader_u8 (r);
  if (other->nat >= SRP_NAT_N_TYPES || other->n_addresses > SRP_OTHERS_MAX)
    return FALSE;
  for (guint i = 0; i < other->n_addresses; i++)
    {
      SrpAddress *a = &other->addresses[i];

      srp_reader_address (r, a);
      if (!r->ok || a->port == 0 ||
          (a->family != SRP_ADDRESS_FAMILY_IPV4 && a->family != SRP_ADDRESS_FAMILY_IPV6) ||
          a->family != other->addresses[0].family)
        return FALSE;
    }
  return TRUE;
}

gsize
srp_info_encode (const SrpInfo *info, guint8 out[SRP_MAX_DATAGRAM])
{
  SrpWriter w;

  g_return_val_if_fail (info->n_locals <= SRP_LOCALS_MAX, 0);
  srp_writer_begin_frame (&w, out, SRP_FRAME_INFO);
  g_return_val_if_fail (info->other.n_addresses <= SRP_OTHERS_MAX, 0);
  srp_writer_u8 (&w, info->nat);
  write_locals (&w, info->n_locals, info->locals);
  write_mapped (&w, info->has_mapped, &info->mapped);
  write_other (&w, &info->other);
  g_assert (w.ok);
  return w.len;
}

SrpDropReason
srp_info_decode (const guint8 *frame, gsize len, SrpInfo *out)
{
  SrpReader r;

  memset (out, 0, sizeof *out);
  srp_reader_begin_frame (&r, frame, len);
  out->nat = srp_reader_u8 (&r);
  if (out->nat >= SRP_NAT_N_TYPES || !read_locals (&r, &out->n_locals, out->locals) ||
      !read_mapped (&r, &out->has_mapped, &out->mapped) ||
      !read_other (&r, &out->other))
    return SRP_DROP_BAD_CONTROL;
  return srp_reader_done (&r) ? SRP_DROP_NONE : SRP_DROP_BAD_CONTROL;
}

gsize
srp_connect_encode (const SrpConnect *connect, guint8 out[SRP_MAX_DATAGRAM])
{
  SrpWriter w;

  srp_writer_begin_frame (&w, out, SRP_FRAME_CONNECT);
  srp_writer_u64 (&w, connect->nonce);
  srp_writer_id (&w, &connect->target);
  g_assert (w.ok);
  return w.len;
}

SrpDropReason
srp_connect_decode (const guint8 *frame, gsize len, SrpConnect *out)
{
  SrpReader r;

  srp_reader_begin_frame (&r, frame, len);
  out->nonce = srp_reader_u64 (&r);
  srp_reader_id (&r, &out->target);
  return srp_reader_done (&r) ? SRP_DROP_NONE : SRP_DROP_BAD_CONTROL;
}

gsize
srp_introduce_encode (const SrpIntroduce *intro, guint8 out[SRP_MAX_DATAGRAM])
{
  SrpWriter w;

  srp_writer_begin_frame (&w, out, SRP_FRAME_INTRODUCE);
  srp_writer_u64 (&w, intro->nonce);
  srp_writer_u8 (&w, intro->status);
  srp_writer_id (&w, &intro->peer);
  if (intro->status == SRP_INTRODUCE_OK)
    {
      g_return_val_if_fail (intro->n_locals <= SRP_LOCALS_MAX, 0);
      g_return_val_if_fail (intro->other.n_addresses <= SRP_OTHERS_MAX, 0);
      srp_writer_u8 (&w, intro->nat);
      srp_writer_address (&w, &intro->address);
      srp_writer_u16 (&w, intro->delay_ms);
      write_locals (&w, intro->n_locals, intro->locals);
      write_mapped (&w, intro->has_mapped, &intro->mapped);
      write_other (&w, &intro->other);
    }
  g_assert (w.ok);
  return w.len;
}

SrpDropReason
srp_introduce_decode (const guint8 *frame, gsize len, SrpIntroduce *out)
{
  SrpReader r;

  memset (out, 0, sizeof *out);
  srp_reader_begin_frame (&r, frame, len);
  out->nonce = srp_reader_u64 (&r);
  out->status = srp_reader_u8 (&r);
  srp_reader_id (&r, &out->peer);
  if (out->status == SRP_INTRODUCE_OK)
    {
      out->nat = srp_reader_u8 (&r);
      srp_reader_address (&r, &out->address);
      out->delay_ms = srp_reader_u16 (&r);
      if (out->nat >= SRP_NAT_N_TYPES || !read_locals (&r, &out->n_locals, out->locals) ||
          !read_mapped (&r, &out->has_mapped, &out->mapped) ||
          !read_other (&r, &out->other))
        return SRP_DROP_BAD_CONTROL;
    }
  else if (out->status != SRP_INTRODUCE_UNKNOWN)
    return SRP_DROP_BAD_CONTROL;
  return srp_reader_done (&r) ? SRP_DROP_NONE : SRP_DROP_BAD_CONTROL;
}

gsize
srp_punch_encode (guint64 nonce, guint8 out[SRP_MAX_DATAGRAM])
{
  return srp_nonce_frame_encode (SRP_FRAME_PUNCH, nonce, out);
}

SrpDropReason
srp_punch_decode (const guint8 *frame, gsize len, guint64 *nonce)
{
  return srp_nonce_frame_decode (frame, len, nonce);
}

gsize
srp_relay_encode (SrpFrameKind kind, guint64 id_prefix, const guint8 *inner, gsize inner_len,
                  guint8 out[SRP_MAX_DATAGRAM])
{
  SrpWriter w;

  g_return_val_if_fail (kind == SRP_FRAME_RELAY || kind == SRP_FRAME_RELAYED, 0);
  g_return_val_if_fail (inner_len <= SRP_MAX_RELAYED, 0);
  srp_writer_begin_frame (&w, out, kind);
  srp_writer_u64 (&w, id_prefix);
  srp_writer_bytes (&w, inner, inner_len);
  g_assert (w.ok);
  return w.len;
}

SrpDropReason
srp_relay_decode (const guint8 *frame, gsize len, guint64 *id_prefix, const guint8 **inner,
                  gsize *inner_len)
{
  SrpReader r;
  guint8 kind;

  srp_reader_begin_frame (&r, frame, len);
  *id_prefix = srp_reader_u64 (&r);
  if (!r.ok)
    return SRP_DROP_TOO_SHORT;
  *inner = frame + r.pos;
  *inner_len = len - r.pos;
  /* A whole SRP frame, and never another relay frame: no nesting. */
  if (*inner_len > SRP_MAX_RELAYED || srp_wire_check_prefix (*inner, *inner_len, &kind) != SRP_DROP_NONE ||
      kind == SRP_FRAME_RELAY || kind == SRP_FRAME_RELAYED)
    return SRP_DROP_BAD_CONTROL;
  return SRP_DROP_NONE;
}
