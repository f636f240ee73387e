/* sim-find-trace.h: where a find's time goes, phase by phase, seen from the
 * wire (srp-simulate --find-log).
 *
 * A find watches its two nodes (sim_world_set_watch) from srp_core_connect
 * to CONNECT_RESULT and notes, in virtual time since the connect: the
 * lookup (FINDs the initiator sent for the target, the first FOUND that
 * brought the target's reachability), the introduction (INTRODUCE about
 * the other side arriving at each, UNKNOWN answers), the punch (a PUNCH
 * with the introduction's nonce arriving at each side), the first HELLO of
 * the other side arriving at each side directly, and the first RELAYED
 * frame at the initiator. Nothing in the cores changes: sealed frames are
 * peeked with the receiver's session, as --open-sealed does.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "sim-world.h"

G_BEGIN_DECLS

typedef struct _SimFindTrace SimFindTrace;

SimFindTrace *sim_find_trace_new (SimWorld *world);
void sim_find_trace_free (SimFindTrace *trace);

void sim_find_trace_started (SimFindTrace *trace, SimNode *from, SimNode *to, guint64 request);
void sim_find_trace_result (SimFindTrace *trace, SimNode *from, guint64 request, gboolean ok,
                            guint8 path, gint64 elapsed_us, const char *reason);
/* A node left: its finds are written as unfinished. */
void sim_find_trace_node_left (SimFindTrace *trace, SimNode *node);

/* One line per find, tab-separated, with a header line; times in ms since
 * the connect, -1 when it did not happen. Unfinished finds last. */
gboolean sim_find_trace_write (SimFindTrace *trace, const char *path, GError **error);

G_END_DECLS
