/* srp-address.c: plain-data transport addresses for the core.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-address.h"

#include <string.h>

void
srp_address_init_ipv4 (SrpAddress *address, const guint8 ip[4], guint16 port)
{
  memset (address, 0, sizeof *address);
  address->family = SRP_ADDRESS_FAMILY_IPV4;
  address->port = port;
  memcpy (address->bytes, ip, 4);
}

void
srp_address_init_ipv6 (SrpAddress *address, const guint8 ip[16], guint16 port)
{
  memset (address, 0, sizeof *address);
  address->family = SRP_ADDRESS_FAMILY_IPV6;
  address->port = port;
  memcpy (address->bytes, ip, 16);
}

/* Significant bytes, for comparing and hashing. */
static gsize
family_length (guint8 family)
{
  switch (family)
    {
    case SRP_ADDRESS_FAMILY_IPV4:
      return 4;
    case SRP_ADDRESS_FAMILY_IPV6:
    case SRP_ADDRESS_FAMILY_RELAY:
      return 16;
    default:
      return 0;
    }
}

gboolean
srp_address_is_valid (const SrpAddress *address)
{
  return address != NULL && (address->family == SRP_ADDRESS_FAMILY_IPV4 ||
                             address->family == SRP_ADDRESS_FAMILY_IPV6);
}

void
srp_address_init_relay (SrpAddress *address, guint64 relay_prefix, guint64 peer_prefix)
{
  memset (address, 0, sizeof *address);
  address->family = SRP_ADDRESS_FAMILY_RELAY;
  for (int i = 0; i < 8; i++)
    {
      address->bytes[i] = (guint8) (relay_prefix >> (56 - 8 * i));
      address->bytes[8 + i] = (guint8) (peer_prefix >> (56 - 8 * i));
    }
}

gboolean
srp_address_is_relay (const SrpAddress *address)
{
  return address->family == SRP_ADDRESS_FAMILY_RELAY;
}

static guint64
read_be64 (const guint8 *p)
{
  guint64 v = 0;
  for (int i = 0; i < 8; i++)
    v = v << 8 | p[i];
  return v;
}

guint64
srp_address_relay_prefix (const SrpAddress *address)
{
  return read_be64 (address->bytes);
}

guint64
srp_address_relayed_prefix (const SrpAddress *address)
{
  return read_be64 (address->bytes + 8);
}

gboolean
srp_address_is_unspecified (const SrpAddress *address)
{
  static const guint8 zero[16];
  return srp_address_is_valid (address) && address->port == 0 &&
         memcmp (address->bytes, zero, family_length (address->family)) == 0;
}

gboolean
srp_address_is_private (const SrpAddress *address)
{
  const guint8 *b = address->bytes;

  if (address->family == SRP_ADDRESS_FAMILY_IPV4)
    return b[0] == 10 || (b[0] == 172 && (b[1] & 0xf0) == 16) || (b[0] == 192 && b[1] == 168) ||
           (b[0] == 100 && (b[1] & 0xc0) == 64) || (b[0] == 169 && b[1] == 254);
  if (address->family == SRP_ADDRESS_FAMILY_IPV6)
    return (b[0] & 0xfe) == 0xfc || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80);
  return FALSE;
}

gboolean
srp_address_same_ip (const SrpAddress *a, const SrpAddress *b)
{
  return a->family == b->family &&
         memcmp (a->bytes, b->bytes, family_length (a->family)) == 0;
}

gboolean
srp_address_equal (const SrpAddress *a, const SrpAddress *b)
{
  return srp_address_same_ip (a, b) && a->port == b->port;
}

guint
srp_address_hash (const SrpAddress *address)
{
  /* FNV-1a over the significant bytes: stable across runs, which keeps
   * hash-table iteration order (and so the core's output) deterministic. */
  guint32 h = 2166136261u;
  gsize n = family_length (address->family);

  h = (h ^ address->family) * 16777619u;
  for (gsize i = 0; i < n; i++)
    h = (h ^ address->bytes[i]) * 16777619u;
  h = (h ^ (address->port & 0xff)) * 16777619u;
  h = (h ^ (address->port >> 8)) * 16777619u;
  return h;
}

guint
srp_address_hash_func (gconstpointer address)
{
  return srp_address_hash (address);
}

gboolean
srp_address_equal_func (gconstpointer a, gconstpointer b)
{
  return srp_address_equal (a, b);
}

static gboolean
parse_port (const char *text, guint16 *port)
{
  guint64 value;
  char *end = NULL;

  if (text[0] < '0' || text[0] > '9')
    return FALSE;
  value = g_ascii_strtoull (text, &end, 10);
  if (*end != '\0' || value > 65535)
    return FALSE;
  *port = (guint16) value;
  return TRUE;
}

static gboolean
parse_ipv4 (const char *text, gsize len, guint8 out[4])
{
  gsize i = 0;

  for (int part = 0; part < 4; part++)
    {
      guint value = 0;
      gsize digits = 0;

      while (i < len && text[i] >= '0' && text[i] <= '9' && digits < 3)
        value = value * 10 + (guint) (text[i++] - '0'), digits++;
      if (digits == 0 || value > 255)
        return FALSE;
      out[part] = (guint8) value;
      if (part < 3)
        {
          if (i >= len || text[i] != '.')
            return FALSE;
          i++;
        }
    }
  return i == len;
}

static int
hex_value (char c)
{
  return g_ascii_xdigit_value (c);
}

/* Parses an IPv6 literal (RFC 4291 text forms, with an optional trailing
 * dotted IPv4 part). */
static gboolean
parse_ipv6 (const char *text, gsize len, guint8 out[16])
{
  guint16 groups[8] = { 0 };
  int n_groups = 0, gap = -1;
  gsize i = 0;

  if (len >= 2 && text[0] == ':' && text[1] == ':')
    {
      gap = 0;
      i = 2;
    }
  else if (len >= 1 && text[0] == ':')
    return FALSE;

  while (i < len)
    {
      gsize start = i;
      guint value = 0;

      if (n_groups >= 8)
        return FALSE;
      /* A trailing IPv4 part ("::ffff:1.2.3.4") takes two groups: it is the
       * last group, so it has a '.' and no ':' after it. */
      if (memchr (text + i, '.', len - i) != NULL && memchr (text + i, ':', len - i) == NULL)
        {
          guint8 v4[4];
          if (n_groups > 6 || !parse_ipv4 (text + i, len - i, v4))
            return FALSE;
          groups[n_groups++] = (guint16) (v4[0] << 8 | v4[1]);
          groups[n_groups++] = (guint16) (v4[2] << 8 | v4[3]);
          i = len;
          break;
        }
      while (i < len && hex_value (text[i]) >= 0 && i - start < 4)
        value = value * 16 + (guint) hex_value (text[i++]);
      if (i == start)
        return FALSE;
      groups[n_groups++] = (guint16) value;
      if (i == len)
        break;
      if (text[i] != ':')
        return FALSE;
      i++;
      if (i < len && text[i] == ':')
        {
          if (gap >= 0)
            return FALSE;
          gap = n_groups;
          i++;
        }
      else if (i == len)
        return FALSE;
    }

  if (gap < 0 && n_groups != 8)
    return FALSE;
  if (gap >= 0 && n_groups > 7)
    return FALSE;

  memset (out, 0, 16);
  if (gap < 0)
    gap = n_groups;
  for (int g = 0; g < gap; g++)
    out[2 * g] = groups[g] >> 8, out[2 * g + 1] = groups[g] & 0xff;
  for (int g = gap, tail = 8 - (n_groups - gap); g < n_groups; g++, tail++)
    out[2 * tail] = groups[g] >> 8, out[2 * tail + 1] = groups[g] & 0xff;
  return TRUE;
}

gboolean
srp_address_parse (SrpAddress *address, const char *text)
{
  const char *colon;
  guint16 port;
  guint8 ip[16];

  g_return_val_if_fail (address != NULL, FALSE);
  if (text == NULL)
    return FALSE;

  if (text[0] == '[')
    {
      const char *close = strchr (text, ']');
      if (close == NULL || close[1] != ':' || !parse_port (close + 2, &port) ||
          !parse_ipv6 (text + 1, (gsize) (close - text - 1), ip))
        return FALSE;
      srp_address_init_ipv6 (address, ip, port);
      return TRUE;
    }

  colon = strrchr (text, ':');
  if (colon == NULL || strchr (text, ':') != colon || !parse_port (colon + 1, &port) ||
      !parse_ipv4 (text, (gsize) (colon - text), ip))
    return FALSE;
  srp_address_init_ipv4 (address, ip, port);
  return TRUE;
}

const char *
srp_address_to_string (const SrpAddress *address, char *buf)
{
  if (address->family == SRP_ADDRESS_FAMILY_IPV4)
    {
      g_snprintf (buf, SRP_ADDRESS_STRING_MAX, "%u.%u.%u.%u:%u", address->bytes[0],
                  address->bytes[1], address->bytes[2], address->bytes[3], address->port);
    }
  else if (address->family == SRP_ADDRESS_FAMILY_IPV6)
    {
      /* RFC 5952: compress the longest run (of two or more) of zero groups. */
      guint16 g[8];
      int best = -1, best_len = 0;
      GString *s = g_string_sized_new (SRP_ADDRESS_STRING_MAX);

      for (int i = 0; i < 8; i++)
        g[i] = (guint16) (address->bytes[2 * i] << 8 | address->bytes[2 * i + 1]);
      for (int i = 0; i < 8;)
        {
          int j = i;
          while (j < 8 && g[j] == 0)
            j++;
          if (j - i > best_len && j - i >= 2)
            best = i, best_len = j - i;
          i = j > i ? j : i + 1;
        }
      g_string_append_c (s, '[');
      for (int i = 0; i < 8; i++)
        {
          if (i == best)
            {
              g_string_append (s, "::");
              i += best_len - 1;
              continue;
            }
          if (i > 0 && i != best + best_len)
            g_string_append_c (s, ':');
          g_string_append_printf (s, "%x", g[i]);
        }
      g_string_append_printf (s, "]:%u", address->port);
      g_strlcpy (buf, s->str, SRP_ADDRESS_STRING_MAX);
      g_string_free (s, TRUE);
    }
  else if (address->family == SRP_ADDRESS_FAMILY_RELAY)
    g_snprintf (buf, SRP_ADDRESS_STRING_MAX, "relay:%016" G_GINT64_MODIFIER "x@%016" G_GINT64_MODIFIER "x",
                srp_address_relayed_prefix (address), srp_address_relay_prefix (address));
  else
    g_strlcpy (buf, "(none)", SRP_ADDRESS_STRING_MAX);
  return buf;
}

void
srp_address_observed (const SrpAddress *from, SrpAddress *out)
{
  static const guint8 any[4] = { 0, 0, 0, 0 };

  if (srp_address_is_relay (from))
    srp_address_init_ipv4 (out, any, 0);
  else
    *out = *from;
}
