/* srp-control-lan.c: the ANNOUNCE frame of LAN discovery.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-control-lan.h"

#include "srp-codec.h"
#include "srp-control.h"

gsize
srp_announce_encode (const SrpAnnounce *announce, guint8 out[SRP_MAX_DATAGRAM])
{
  SrpWriter w;

  srp_writer_begin_frame (&w, out, SRP_FRAME_ANNOUNCE);
  srp_writer_id (&w, &announce->sender);
  srp_writer_u8 (&w, 0); /* flags: none defined */
  while (w.len < SRP_HELLO_LEN)
    srp_writer_u8 (&w, 0);
  g_assert (w.ok);
  return w.len;
}

SrpDropReason
srp_announce_decode (const guint8 *frame, gsize len, SrpAnnounce *out)
{
  SrpReader r;

  if (len != SRP_HELLO_LEN)
    return SRP_DROP_BAD_CONTROL;
  srp_reader_begin_frame (&r, frame, len);
  srp_reader_id (&r, &out->sender);
  /* Flags and padding: zeros only, so that a later version's flags are
   * not taken for this one's. */
  while (r.ok && r.pos < r.len)
    if (srp_reader_u8 (&r) != 0)
      return SRP_DROP_BAD_CONTROL;
  return srp_reader_done (&r) ? SRP_DROP_NONE : SRP_DROP_BAD_CONTROL;
}

void
srp_lan_group (guint8 family, SrpAddress *out)
{
  static const guint8 v4[4] = { 239, 255, 83, 80 };
  static const guint8 v6[16] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53, 0x52, 0x50, 0x50 };

  if (family == SRP_ADDRESS_FAMILY_IPV6)
    srp_address_init_ipv6 (out, v6, SRP_LAN_PORT);
  else
    srp_address_init_ipv4 (out, v4, SRP_LAN_PORT);
}
