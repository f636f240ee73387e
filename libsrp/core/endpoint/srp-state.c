/* srp-state.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-state.h"

#include <string.h>

G_DEFINE_QUARK (srp-state-error-quark, srp_state_error)

GVariant *
srp_state_id (const SrpId *id)
{
  return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, id->bytes, SRP_ID_LEN, 1);
}

gboolean
srp_state_read_id (GVariant *value, SrpId *out)
{
  gsize n;
  const guint8 *bytes;

  if (!g_variant_is_of_type (value, G_VARIANT_TYPE_BYTESTRING))
    return FALSE;
  bytes = g_variant_get_fixed_array (value, &n, 1);
  if (n != SRP_ID_LEN)
    return FALSE;
  memcpy (out->bytes, bytes, SRP_ID_LEN);
  return TRUE;
}

GVariant *
srp_state_address (const SrpAddress *address)
{
  gsize n = address->family == SRP_ADDRESS_FAMILY_IPV4 ? 4 : 16;

  return g_variant_new ("(yq@ay)", address->family, address->port,
                        g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, address->bytes, n, 1));
}

gboolean
srp_state_read_address (GVariant *value, SrpAddress *out)
{
  g_autoptr (GVariant) bytes = NULL;
  guint8 family;
  guint16 port;
  const guint8 *ip;
  gsize n;

  if (!g_variant_is_of_type (value, G_VARIANT_TYPE ("(yqay)")))
    return FALSE;
  g_variant_get (value, "(yq@ay)", &family, &port, &bytes);
  ip = g_variant_get_fixed_array (bytes, &n, 1);
  if (family == SRP_ADDRESS_FAMILY_IPV4 && n == 4)
    srp_address_init_ipv4 (out, ip, port);
  else if (family == SRP_ADDRESS_FAMILY_IPV6 && n == 16)
    srp_address_init_ipv6 (out, ip, port);
  else
    return FALSE;
  return port != 0;
}

gboolean
srp_state_malformed (GError **error, const char *key)
{
  g_set_error (error, SRP_STATE_ERROR, SRP_STATE_ERROR_MALFORMED,
               "The saved state's “%s” is malformed", key);
  return FALSE;
}
