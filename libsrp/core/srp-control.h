/* srp-control.h: control messages (compact binary, after the 4-byte prefix).
 * docs/protocol.md, "Control messages", is their specification.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-address.h"
#include "srp-wire.h"

G_BEGIN_DECLS

/* PING: sender ID (32), nonce (8). */
typedef struct {
  SrpId sender;
  guint64 nonce;
} SrpPing;

/* PONG: sender ID (32), the ping's nonce (8), the address the ping came from (7 or 19). */
typedef struct {
  SrpId sender;
  guint64 nonce;
  SrpAddress observed;
} SrpPong;

/* Encoders write the whole frame, prefix included, and return its length. */
gsize srp_ping_encode (const SrpPing *ping, guint8 out[SRP_MAX_DATAGRAM]);
SrpDropReason srp_ping_decode (const guint8 *frame, gsize len, SrpPing *out);
gsize srp_pong_encode (const SrpPong *pong, guint8 out[SRP_MAX_DATAGRAM]);
SrpDropReason srp_pong_decode (const guint8 *frame, gsize len, SrpPong *out);

G_END_DECLS
