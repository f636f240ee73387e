/* srp-address.h: a transport address as plain data, so the core never needs GIO.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  SRP_ADDRESS_FAMILY_NONE = 0,
  SRP_ADDRESS_FAMILY_IPV4 = 4,
  SRP_ADDRESS_FAMILY_IPV6 = 6,
  /* Not a network address: a peer reached through a relay. bytes[0..7] are
   * the relay's ID prefix, bytes[8..15] the peer's; port is 0. Never on the
   * wire and never handed to the shell. */
  SRP_ADDRESS_FAMILY_RELAY = 0x52,
} SrpAddressFamily;

/* Longest text form: "[" 45 chars of IPv6 "]:" 5 digits, and a NUL. */
#define SRP_ADDRESS_STRING_MAX 56

/* An IPv4 address is kept in bytes[0..3]; the other bytes stay zero so that
 * two equal addresses compare equal with memcmp and hash alike. */
typedef struct {
  guint8 family;  /* SrpAddressFamily */
  guint8 pad;
  guint16 port;   /* host byte order */
  guint8 bytes[16];
} SrpAddress;

void srp_address_init_ipv4 (SrpAddress *address, const guint8 ip[4], guint16 port);
void srp_address_init_ipv6 (SrpAddress *address, const guint8 ip[16], guint16 port);
gboolean srp_address_parse (SrpAddress *address, const char *text);
gboolean srp_address_equal (const SrpAddress *a, const SrpAddress *b);
gboolean srp_address_same_ip (const SrpAddress *a, const SrpAddress *b);
guint srp_address_hash (const SrpAddress *address);
/* TRUE for an IPv4 or IPv6 address (a relay address is not valid on the wire). */
gboolean srp_address_is_valid (const SrpAddress *address);
void srp_address_init_relay (SrpAddress *address, guint64 relay_prefix, guint64 peer_prefix);
gboolean srp_address_is_relay (const SrpAddress *address);
guint64 srp_address_relay_prefix (const SrpAddress *address);
guint64 srp_address_relayed_prefix (const SrpAddress *address);
/* 0.0.0.0:0: what PONG and HELLO_REPLY report as "observed" when the frame
 * came through a relay, which hides the address. */
gboolean srp_address_is_unspecified (const SrpAddress *address);
/* A private or link-local address (10/8, 172.16/12, 192.168/16, the
 * carrier-grade 100.64/10, 169.254/16; fc00::/7, fe80::/10): one that no
 * peer on the internet reaches. */
gboolean srp_address_is_private (const SrpAddress *address);
/* What PONG and HELLO_REPLY report having seen a frame come from: the
 * address, or 0.0.0.0:0 for a relay address (the relay hides it). */
void srp_address_observed (const SrpAddress *from, SrpAddress *out);
/* Writes "1.2.3.4:5", "[::1]:5" or "relay:PEER@RELAY" (hex ID prefixes) into buf (SRP_ADDRESS_STRING_MAX bytes); returns buf. */
const char *srp_address_to_string (const SrpAddress *address, char *buf);

/* GHashTable adaptors for SrpAddress keys. */
guint srp_address_hash_func (gconstpointer address);
gboolean srp_address_equal_func (gconstpointer a, gconstpointer b);

G_END_DECLS
