/* srp-path.c: path names, and the core's path values.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-path-private.h"

/**
 * srp_path_to_string:
 * @path: a path
 *
 * Gets the name of a path: "direct" or "relayed", the enum value's nick.
 * Values out of range are "unknown".
 *
 * Returns: (transfer none): the name
 */
const char *
srp_path_to_string (SrpPath path)
{
  switch (path)
    {
    case SRP_PATH_DIRECT:
      return "direct";
    case SRP_PATH_RELAYED:
      return "relayed";
    default:
      return "unknown";
    }
}

SrpPath
srp_path_from_core (guint8 path)
{
  /* Anything but RELAYED (such as the 0 of a core that does not set paths
   * yet) counts as direct: the handshake itself reached the peer's address. */
  return path == SRP_CORE_PATH_RELAYED ? SRP_PATH_RELAYED : SRP_PATH_DIRECT;
}
