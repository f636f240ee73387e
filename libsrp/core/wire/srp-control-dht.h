/* srp-control-dht.h: the control frames for finding a peer by its ID
 * (docs/protocol.md, "Finding a peer by ID"): FIND, FOUND and REGISTER.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-address.h"
#include "srp-wire.h"

G_BEGIN_DECLS

/* FIND is padded to this many bytes, so that FOUND (at most SRP_FOUND_MAX_LEN)
 * is never more than 3 times what a stranger sent. */
#define SRP_FIND_LEN 200
#define SRP_FOUND_MAX_LEN 600
/* Inside a SEALED_QUERY (srp-dht-seal.h, 49 bytes more), FIND is padded to
 * this many: the sealed query, 211 bytes, is still a third of the largest
 * FOUND sealed back (600 + 33). */
#define SRP_SEALED_FIND_LEN 162
#define SRP_FOUND_MAX_CONTACTS 8
#define SRP_REGISTER_MAX_ANCHORS 2
#define SRP_FIND_FLAG_OPEN 0x01 /* the sender takes HELLOs from anyone (public, full cone) */

/* FIND: nonce (8), target ID (32), sender ID (32), flags (1), zero padding
 * to SRP_FIND_LEN. */
typedef struct {
  guint64 nonce;
  SrpId target;
  SrpId sender;
  guint8 flags;
} SrpFind;

/* A peer and where it takes HELLOs: ID (32), NAT (1), address. */
typedef struct {
  SrpId id;
  guint8 nat;
  SrpAddress address;
} SrpDhtContact;

/* How a registered peer is reached: its NAT type (1), its own address when
 * it is open (a flag (1) and the address), and COUNT (1, 0-2) open peers
 * it is connected to, each ID (32) and address. */
typedef struct {
  guint8 nat;
  gboolean has_address;
  SrpAddress address;
  guint n_anchors;
  SrpDhtContact anchors[SRP_REGISTER_MAX_ANCHORS]; /* nat unused (open) */
} SrpReachability;

/* FOUND: nonce (8), target ID (32), COUNT (1, 0-8) contacts, then a flag
 * (1) and, when set, the target's reachability. */
typedef struct {
  guint64 nonce;
  SrpId target;
  guint n_contacts;
  SrpDhtContact contacts[SRP_FOUND_MAX_CONTACTS];
  gboolean has_reachability;
  SrpReachability reachability;
} SrpFound;

/* REGISTER: sender ID (32), reachability, signature (64) by the sender
 * over "SRP1 register" || sender ID || the reachability as encoded. */
typedef struct {
  SrpId sender;
  SrpReachability reachability;
  guint8 signature[SRP_SIGNATURE_LEN];
} SrpRegister;

gsize srp_find_encode (const SrpFind *find, guint8 out[SRP_MAX_DATAGRAM]);
SrpDropReason srp_find_decode (const guint8 *frame, gsize len, SrpFind *out);
/* The same padded to padded_len (SRP_FIND_LEN, or SRP_SEALED_FIND_LEN for
 * the FIND a SEALED_QUERY holds); decoding takes that length alone. */
gsize srp_find_encode_padded (const SrpFind *find, gsize padded_len,
                              guint8 out[SRP_MAX_DATAGRAM]);
SrpDropReason srp_find_decode_padded (const guint8 *frame, gsize len, gsize padded_len,
                                      SrpFind *out);
gsize srp_found_encode (const SrpFound *found, guint8 out[SRP_MAX_DATAGRAM]);
SrpDropReason srp_found_decode (const guint8 *frame, gsize len, SrpFound *out);
gsize srp_register_encode (const SrpRegister *reg, guint8 out[SRP_MAX_DATAGRAM]);
SrpDropReason srp_register_decode (const guint8 *frame, gsize len, SrpRegister *out);
/* What REGISTER's signature covers, into out (at most SRP_MAX_DATAGRAM). */
gsize srp_register_transcript (const SrpId *sender, const SrpReachability *reach,
                               guint8 out[SRP_MAX_DATAGRAM]);

G_END_DECLS
