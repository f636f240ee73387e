/* srp-version.c: run-time version information.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-version.h"

/**
 * srp_get_major_version:
 *
 * Returns the major version of the libsrp in use, which may differ from
 * [const@MAJOR_VERSION] when the program was built against other headers.
 *
 * Returns: the major version
 */
guint
srp_get_major_version (void)
{
  return SRP_MAJOR_VERSION;
}

/**
 * srp_get_minor_version:
 *
 * Returns the minor version of the libsrp in use.
 *
 * Returns: the minor version
 */
guint
srp_get_minor_version (void)
{
  return SRP_MINOR_VERSION;
}

/**
 * srp_get_micro_version:
 *
 * Returns the micro version of the libsrp in use.
 *
 * Returns: the micro version
 */
guint
srp_get_micro_version (void)
{
  return SRP_MICRO_VERSION;
}
