/* exports-canary.c: a library exporting one public symbol and one internal
 * one, so that check-exports.py is seen to fail when something leaks.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define SRP_EXPORT __attribute__ ((visibility ("default")))

SRP_EXPORT unsigned srp_get_major_version (void);
SRP_EXPORT int srp_core_leaked (void);

unsigned
srp_get_major_version (void)
{
  return 1;
}

int
srp_core_leaked (void)
{
  return 1;
}
