/* srp-control-lan.h: LAN discovery (docs/protocol.md, "LAN discovery"):
 * the ANNOUNCE frame and the multicast groups it is sent to.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-address.h"
#include "srp-wire.h"

G_BEGIN_DECLS

/* The groups, both on this port: 239.255.83.80 (IPv4, organisation-local
 * scope, sent with TTL 1) and ff02::5352:5050 (IPv6, link-local scope). */
#define SRP_LAN_PORT 7387

/* ANNOUNCE: sender ID (32), flags (1, 0), zeros up to SRP_HELLO_LEN, so
 * that the HELLO it brings is never larger than it. */
typedef struct {
  SrpId sender;
} SrpAnnounce;

gsize srp_announce_encode (const SrpAnnounce *announce, guint8 out[SRP_MAX_DATAGRAM]);
SrpDropReason srp_announce_decode (const guint8 *frame, gsize len, SrpAnnounce *out);

/* The group address of a family (SRP_ADDRESS_FAMILY_IPV4 or _IPV6). */
void srp_lan_group (guint8 family, SrpAddress *out);

G_END_DECLS
