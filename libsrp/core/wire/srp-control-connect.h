/* srp-control-connect.h: the control frames for connecting to a given peer
 * (docs/protocol.md, "Connecting to a peer"): INFO, CONNECT, INTRODUCE,
 * PUNCH, and the relay frames RELAY and RELAYED.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-address.h"
#include "srp-wire.h"

G_BEGIN_DECLS

#define SRP_LOCALS_MAX 4
#define SRP_OTHERS_MAX 2

/* The sender's other address family (not the one the frame's link runs
 * over): its NAT type there (1), COUNT (1, 0-2), COUNT x address where peers
 * may reach it in that family (all of one family, IPv4 or IPv6, port not
 * 0). What lets a dual-stack peer try both families (happy eyeballs). */
typedef struct {
  guint8 nat;
  guint n_addresses;
  SrpAddress addresses[SRP_OTHERS_MAX];
} SrpOtherFamily;

/* INFO: NAT type (1; the family of the link it is sent over), COUNT (1,
 * 0-4), COUNT x local address, MAPPED COUNT (1, 0-1), MAPPED COUNT x
 * mapped address (a port mapping the sender's router gave it: UPnP-IGD,
 * NAT-PMP or PCP), the other family. */
typedef struct {
  guint8 nat;
  guint n_locals;
  SrpAddress locals[SRP_LOCALS_MAX];
  gboolean has_mapped;
  SrpAddress mapped;
  SrpOtherFamily other;
} SrpInfo;

/* CONNECT: nonce (8), target ID (32). */
typedef struct {
  guint64 nonce;
  SrpId target;
} SrpConnect;

typedef enum {
  SRP_INTRODUCE_OK = 0,       /* the rest of the frame describes the peer */
  SRP_INTRODUCE_UNKNOWN = 1,  /* the introducer is not connected to that peer */
} SrpIntroduceStatus;

/* INTRODUCE: nonce (8), status (1), peer ID (32); when status is OK also
 * NAT type (1), address (as the introducer sees it), delay in ms (2), COUNT
 * (1, 0-4), COUNT x local address, MAPPED COUNT (1, 0-1), MAPPED COUNT x
 * mapped address (as the peer told the introducer in INFO), the peer's
 * other family (from its INFO). */
typedef struct {
  guint64 nonce;
  guint8 status;
  SrpId peer;
  guint8 nat;
  SrpAddress address;
  guint16 delay_ms;
  guint n_locals;
  SrpAddress locals[SRP_LOCALS_MAX];
  gboolean has_mapped;
  SrpAddress mapped;
  SrpOtherFamily other;
} SrpIntroduce;

gsize srp_info_encode (const SrpInfo *info, guint8 out[SRP_MAX_DATAGRAM]);
SrpDropReason srp_info_decode (const guint8 *frame, gsize len, SrpInfo *out);
gsize srp_connect_encode (const SrpConnect *connect, guint8 out[SRP_MAX_DATAGRAM]);
SrpDropReason srp_connect_decode (const guint8 *frame, gsize len, SrpConnect *out);
gsize srp_introduce_encode (const SrpIntroduce *intro, guint8 out[SRP_MAX_DATAGRAM]);
SrpDropReason srp_introduce_decode (const guint8 *frame, gsize len, SrpIntroduce *out);
/* PUNCH: the introduction's nonce (8). */
gsize srp_punch_encode (guint64 nonce, guint8 out[SRP_MAX_DATAGRAM]);
SrpDropReason srp_punch_decode (const guint8 *frame, gsize len, guint64 *nonce);
/* RELAY and RELAYED: an ID prefix (8; the target's, or the source's), then a
 * whole frame of at most SRP_MAX_FRAME bytes. *inner points into frame. */
gsize srp_relay_encode (SrpFrameKind kind, guint64 id_prefix, const guint8 *inner,
                        gsize inner_len, guint8 out[SRP_MAX_DATAGRAM]);
SrpDropReason srp_relay_decode (const guint8 *frame, gsize len, guint64 *id_prefix,
                                const guint8 **inner, gsize *inner_len);

G_END_DECLS
