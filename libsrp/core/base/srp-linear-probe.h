/* srp-linear-probe.h: the one rule that linear probing with backward-shift
 * deletion needs, shared by the open-addressing indexes (the packet
 * cache's, srp-packet-cache.c; the recent-ID sets', srp-recent-ids.c).
 *
 * When slot hole empties, the entries after it in the run (up to the next
 * empty slot) move back into it one by one, except those that would then
 * sit before their home slot and never be found.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Whether the entry at slot j, whose home slot is home, must stay where it
 * is when slot hole (before j in the run) empties: its home is cyclically
 * within (hole, j]. */
static inline gboolean
srp_linear_probe_stays (guint hole, guint home, guint j)
{
  return hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
}

G_END_DECLS
