/* srp-nat-type.c: NAT type names.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-nat-type.h"

#include "srp-wire.h"

/* The public enum is the core's wire value: peers exchange it in PEERS
 * records, and the shell converts by cast. */
G_STATIC_ASSERT ((int) SRP_NAT_TYPE_UNKNOWN == SRP_NAT_UNKNOWN);
G_STATIC_ASSERT ((int) SRP_NAT_TYPE_PUBLIC == SRP_NAT_PUBLIC);
G_STATIC_ASSERT ((int) SRP_NAT_TYPE_FULL_CONE == SRP_NAT_FULL_CONE);
G_STATIC_ASSERT ((int) SRP_NAT_TYPE_ADDRESS_RESTRICTED == SRP_NAT_ADDRESS_RESTRICTED);
G_STATIC_ASSERT ((int) SRP_NAT_TYPE_PORT_RESTRICTED == SRP_NAT_PORT_RESTRICTED);
G_STATIC_ASSERT ((int) SRP_NAT_TYPE_SYMMETRIC == SRP_NAT_SYMMETRIC);
G_STATIC_ASSERT ((int) SRP_NAT_TYPE_FIREWALL == SRP_NAT_FIREWALL);

/**
 * srp_nat_type_to_string:
 * @nat_type: a NAT type
 *
 * Gets the name of a NAT type in lower case with dashes, such as
 * "port-restricted": the enum value's nick. Values out of range are
 * "unknown".
 *
 * Returns: (transfer none): the name
 */
const char *
srp_nat_type_to_string (SrpNatType nat_type)
{
  return srp_nat_name ((SrpNat) nat_type);
}
