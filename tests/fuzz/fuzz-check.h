/* fuzz-check.h: how the fuzz targets report a broken invariant: a line
 * naming it, then abort (), which libFuzzer records as a crash, keeping the
 * input that caused it (the stack trace tells which target and check).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdlib.h>

static inline void
check (gboolean ok, const char *what)
{
  if (!ok)
    {
      g_printerr ("invariant broken: %s\n", what);
      abort ();
    }
}
