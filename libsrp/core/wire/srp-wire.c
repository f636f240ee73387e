/* srp-wire.c: identifiers, the datagram prefix and the names of drop reasons.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-wire.h"

#include <string.h>

static const SrpId zero_id;

gboolean
srp_id_is_zero (const SrpId *id)
{
  return memcmp (id, &zero_id, sizeof zero_id) == 0;
}

gboolean
srp_id_equal (const SrpId *a, const SrpId *b)
{
  return memcmp (a, b, sizeof *a) == 0;
}

guint
srp_id_hash (const SrpId *id)
{
  /* IDs are SHA-256 outputs (or keys), already uniform: any 4 bytes will do. */
  return srp_read_u32 (id->bytes);
}

/* splitmix64's finalizer: a bijection in which every input bit flips
 * about half the output bits. */
static guint64
mix64 (guint64 x)
{
  x ^= x >> 30;
  x *= G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  x ^= x >> 27;
  x *= G_GUINT64_CONSTANT (0x94d049bb133111eb);
  x ^= x >> 31;
  return x;
}

guint
srp_prefix_hash_keyed (guint64 prefix, guint64 key)
{
  return (guint) mix64 (prefix ^ key);
}

guint
srp_id_hash_keyed (const SrpId *id, guint64 key)
{
  return srp_prefix_hash_keyed (srp_id_prefix (id), key);
}

guint64
srp_hash_key_from_seed (guint64 seed, guint64 label)
{
  return mix64 (mix64 (seed) ^ label);
}

guint
srp_id_hash_func (gconstpointer id)
{
  return srp_id_hash (id);
}

gboolean
srp_id_equal_func (gconstpointer a, gconstpointer b)
{
  return srp_id_equal (a, b);
}

void
srp_id_to_hex (const SrpId *id, char out[2 * SRP_ID_LEN + 1])
{
  static const char digits[] = "0123456789abcdef";

  for (gsize i = 0; i < SRP_ID_LEN; i++)
    {
      out[2 * i] = digits[id->bytes[i] >> 4];
      out[2 * i + 1] = digits[id->bytes[i] & 0xf];
    }
  out[2 * SRP_ID_LEN] = '\0';
}

gboolean
srp_id_from_hex (SrpId *id, const char *hex)
{
  if (hex == NULL || strlen (hex) != 2 * SRP_ID_LEN)
    return FALSE;
  for (gsize i = 0; i < SRP_ID_LEN; i++)
    {
      int hi = g_ascii_xdigit_value (hex[2 * i]);
      int lo = g_ascii_xdigit_value (hex[2 * i + 1]);
      if (hi < 0 || lo < 0)
        return FALSE;
      id->bytes[i] = (guint8) (hi << 4 | lo);
    }
  return TRUE;
}

const char *
srp_drop_reason_name (SrpDropReason reason)
{
  static const char *const names[SRP_DROP_N_REASONS] = {
    [SRP_DROP_NONE] = "none",
    [SRP_DROP_TOO_SHORT] = "too-short",
    [SRP_DROP_TOO_LONG] = "too-long",
    [SRP_DROP_BAD_MAGIC] = "bad-magic",
    [SRP_DROP_BAD_VERSION] = "bad-version",
    [SRP_DROP_UNKNOWN_KIND] = "unknown-kind",
    [SRP_DROP_BODY_TOO_LONG] = "body-too-long",
    [SRP_DROP_BAD_TYPE] = "bad-type",
    [SRP_DROP_BAD_POSTAGE] = "bad-postage",
    [SRP_DROP_BAD_PACKET_ID] = "bad-packet-id",
    [SRP_DROP_BAD_LINK] = "bad-link",
    [SRP_DROP_BAD_INDEX] = "bad-index",
    [SRP_DROP_BAD_CONTROL] = "bad-control",
    [SRP_DROP_DUPLICATE] = "duplicate",
    [SRP_DROP_CONFLICT] = "conflict",
    [SRP_DROP_REASSEMBLY_FULL] = "reassembly-full",
    [SRP_DROP_REASSEMBLY_TIMEOUT] = "reassembly-timeout",
    [SRP_DROP_UNEXPECTED] = "unexpected",
    [SRP_DROP_BAD_SIGNATURE] = "bad-signature",
    [SRP_DROP_UNAUTHENTICATED] = "unauthenticated",
    [SRP_DROP_RATE_LIMITED] = "rate-limited",
    [SRP_DROP_TABLE_FULL] = "table-full",
    [SRP_DROP_UNWANTED] = "unwanted",
    [SRP_DROP_FLOW_CONTROL] = "flow-control",
    [SRP_DROP_BAD_SEAL] = "bad-seal",
    [SRP_DROP_BAD_AUTHOR] = "bad-author",
    [SRP_DROP_BAD_ENVELOPE] = "bad-envelope",
    [SRP_DROP_UNOPENED] = "unopened",
    [SRP_DROP_FORGER] = "forger",
    [SRP_DROP_UNSEALED] = "unsealed",
    [SRP_DROP_ADDRESS_MISMATCH] = "address-mismatch",
  };

  if ((guint) reason >= SRP_DROP_N_REASONS || names[reason] == NULL)
    return "unknown";
  return names[reason];
}

SrpDropReason
srp_wire_check_prefix (const guint8 *data, gsize len, guint8 *kind)
{
  if (len < SRP_WIRE_PREFIX_LEN)
    return SRP_DROP_TOO_SHORT;
  if (len > SRP_MAX_DATAGRAM)
    return SRP_DROP_TOO_LONG;
  if (data[0] != SRP_WIRE_MAGIC_0 || data[1] != SRP_WIRE_MAGIC_1)
    return SRP_DROP_BAD_MAGIC;
  if (data[2] != SRP_WIRE_VERSION)
    return SRP_DROP_BAD_VERSION;
  *kind = data[3];
  return SRP_DROP_NONE;
}

void
srp_wire_write_prefix (guint8 *out, SrpFrameKind kind)
{
  out[0] = SRP_WIRE_MAGIC_0;
  out[1] = SRP_WIRE_MAGIC_1;
  out[2] = SRP_WIRE_VERSION;
  out[3] = (guint8) kind;
}

const char *
srp_nat_name (SrpNat nat)
{
  static const char *const names[SRP_NAT_N_TYPES] = {
    [SRP_NAT_UNKNOWN] = "unknown",
    [SRP_NAT_PUBLIC] = "public",
    [SRP_NAT_FULL_CONE] = "full-cone",
    [SRP_NAT_ADDRESS_RESTRICTED] = "address-restricted",
    [SRP_NAT_PORT_RESTRICTED] = "port-restricted",
    [SRP_NAT_SYMMETRIC] = "symmetric",
    [SRP_NAT_FIREWALL] = "firewall",
  };

  return (guint) nat < SRP_NAT_N_TYPES ? names[nat] : "unknown";
}
