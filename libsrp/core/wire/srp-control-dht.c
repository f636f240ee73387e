/* srp-control-dht.c: FIND, FOUND and REGISTER on the wire.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-control-dht.h"

#include <string.h>

#include "srp-codec.h"

static const char register_label[] = "SRP1 register";

gsize
srp_find_encode (const SrpFind *find, guint8 out[SRP_MAX_DATAGRAM])
{
  return srp_find_encode_padded (find, SRP_FIND_LEN, out);
}

SrpDropReason
srp_find_decode (const guint8 *frame, gsize len, SrpFind *out)
{
  return srp_find_decode_padded (frame, len, SRP_FIND_LEN, out);
}

gsize
srp_find_encode_padded (const SrpFind *find, gsize padded_len, guint8 out[SRP_MAX_DATAGRAM])
{
  SrpWriter w;

  srp_writer_begin_frame (&w, out, SRP_FRAME_FIND);
  srp_writer_u64 (&w, find->nonce);
  srp_writer_id (&w, &find->target);
  srp_writer_id (&w, &find->sender);
  srp_writer_u8 (&w, find->flags);
  while (w.len < padded_len)
    srp_writer_u8 (&w, 0);
  g_assert (w.ok);
  return w.len;
}

SrpDropReason
srp_find_decode_padded (const guint8 *frame, gsize len, gsize padded_len, SrpFind *out)
{
  SrpReader r;

  /* Exactly the padded size: a shorter FIND would make FOUND an amplifier. */
  if (len != padded_len)
    return SRP_DROP_BAD_CONTROL;
  srp_reader_begin_frame (&r, frame, len);
  out->nonce = srp_reader_u64 (&r);
  srp_reader_id (&r, &out->target);
  srp_reader_id (&r, &out->sender);
  out->flags = srp_reader_u8 (&r);
  return r.ok ? SRP_DROP_NONE : SRP_DROP_BAD_CONTROL;
}

static void
write_contact (SrpWriter *w, const SrpDhtContact *c)
{
  srp_writer_id (w, &c->id);
  srp_writer_u8 (w, c->nat);
  srp_writer_address (w, &c->address);
}

static gboolean
read_contact (SrpReader *r, SrpDhtContact *c)
{
  srp_reader_id (r, &c->id);
  c->nat = srp_reader_u8 (r);
  srp_reader_address (r, &c->address);
  return r->ok && c->nat < SRP_NAT_N_TYPES && c->address.port != 0 && !srp_id_is_zero (&c->id);
}

static void
write_reachability (SrpWriter *w, const SrpReachability *reach)
{
  g_assert (reach->n_anchors <= SRP_REGISTER_MAX_ANCHORS);
  srp_writer_u8 (w, reach->nat);
  srp_writer_u8 (w, reach->has_address ? 1 : 0);
  if (reach->has_address)
    srp_writer_address (w, &reach->address);
  srp_writer_u8 (w, (guint8) reach->n_anchors);
  for (guint i = 0; i < reach->n_anchors; i++)
    {
      srp_writer_id (w, &reach->anchors[i].id);
      srp_writer_address (w, &reach->anchors[i].address);
    }
}

static gboolean
read_reachability (SrpReader *r, SrpReachability *reach)
{
  guint8 flag;

  memset (reach, 0, sizeof *reach);
  reach->nat = srp_reader_u8 (r);
  flag = srp_reader_u8 (r);
  if (!r->ok || reach->nat >= SRP_NAT_N_TYPES || flag > 1)
    return FALSE;
  reach->has_address = flag == 1;
  if (reach->has_address)
    srp_reader_address (r, &reach->address);
  reach->n_anchors = srp_reader_u8 (r);
  if (!r->ok || reach->n_anchors > SRP_REGISTER_MAX_ANCHORS ||
      (reach->has_address && reach->address.port == 0))
    return FALSE;
  for (guint i = 0; i < reach->n_anchors; i++)
    {
      SrpDhtContact *a = &reach->anchors[i];

      srp_reader_id (r, &a->id);
      srp_reader_address (r, &a->address);
      a->nat = SRP_NAT_UNKNOWN;
      if (!r->ok || a->address.port == 0 || srp_id_is_zero (&a->id))
        return FALSE;
    }
  return r->ok;
}

gsize
srp_found_encode (const SrpFound *found, guint8 out[SRP_MAX_DATAGRAM])
{
  SrpWriter w;

  g_assert (found->n_contacts <= SRP_FOUND_MAX_CONTACTS);
  srp_writer_begin_frame (&w, out, SRP_FRAME_FOUND);
  srp_writer_u64 (&w, found->nonce);
  srp_writer_id (&w, &found->target);
  srp_writer_u8 (&w, (guint8) found->n_contacts);
  for (guint i = 0; i < found->n_contacts; i++)
    write_contact (&w, &found->contacts[i]);
  srp_writer_u8 (&w, found->has_reachability ? 1 : 0);
  if (found->has_reachability)
    write_reachability (&w, &found->reachability);
  g_assert (w.ok && w.len <= SRP_FOUND_MAX_LEN);
  return w.len;
}

SrpDropReason
srp_found_decode (const guint8 *frame, gsize len, SrpFound *out)
{
  SrpReader r;
  guint8 flag;

  memset (out, 0, sizeof *out);
  srp_reader_begin_frame (&r, frame, len);
  out->nonce = srp_reader_u64 (&r);
  srp_reader_id (&r, &out->target);
  out->n_contacts = srp_reader_u8 (&r);
  if (!r.ok || out->n_contacts > SRP_FOUND_MAX_CONTACTS)
    return SRP_DROP_BAD_CONTROL;
  for (guint i = 0; i < out->n_contacts; i++)
    if (!read_contact (&r, &out->contacts[i]))
      return SRP_DROP_BAD_CONTROL;
  flag = srp_reader_u8 (&r);
  if (!r.ok || flag > 1)
    return SRP_DROP_BAD_CONTROL;
  out->has_reachability = flag == 1;
  if (out->has_reachability && !read_reachability (&r, &out->reachability))
    return SRP_DROP_BAD_CONTROL;
  return srp_reader_done (&r) ? SRP_DROP_NONE : SRP_DROP_BAD_CONTROL;
}

gsize
srp_register_transcript (const SrpId *sender, const SrpReachability *reach,
                         guint8 out[SRP_MAX_DATAGRAM])
{
  SrpWriter w;

  srp_writer_init (&w, out, SRP_MAX_DATAGRAM);
  srp_writer_bytes (&w, (const guint8 *) register_label, sizeof register_label - 1);
  srp_writer_id (&w, sender);
  write_reachability (&w, reach);
  g_assert (w.ok);
  return w.len;
}

gsize
srp_register_encode (const SrpRegister *reg, guint8 out[SRP_MAX_DATAGRAM])
{
  SrpWriter w;

  srp_writer_begin_frame (&w, out, SRP_FRAME_REGISTER);
  srp_writer_id (&w, &reg->sender);
  write_reachability (&w, &reg->reachability);
  srp_writer_bytes (&w, reg->signature, SRP_SIGNATURE_LEN);
  g_assert (w.ok);
  return w.len;
}

SrpDropReason
srp_register_decode (const guint8 *frame, gsize len, SrpRegister *out)
{
  SrpReader r;

  memset (out, 0, sizeof *out);
  srp_reader_begin_frame (&r, frame, len);
  srp_reader_id (&r, &out->sender);
  if (!read_reachability (&r, &out->reachability))
    return SRP_DROP_BAD_CONTROL;
  srp_reader_bytes (&r, out->signature, SRP_SIGNATURE_LEN);
  if (!srp_reader_done (&r) || srp_id_is_zero (&out->sender))
    return SRP_DROP_BAD_CONTROL;
  return SRP_DROP_NONE;
}
