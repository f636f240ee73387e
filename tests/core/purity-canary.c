/* purity-canary.c: a deliberately impure object. check-purity.py must
 * reject it (the test "purity-canary" expects failure), which proves the
 * check can fail at all.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib.h>
#include <sys/socket.h>

gint64 srp_purity_canary (void);

gint64
srp_purity_canary (void)
{
  return g_get_monotonic_time () + g_random_int () + socket (AF_INET, SOCK_DGRAM, 0);
}
