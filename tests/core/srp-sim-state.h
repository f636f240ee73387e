/* srp-sim-state.h: what the tests of a core's durable state share
 * (test-state.c, test-journal.c): a fresh core that is a simulated node's
 * peer, to import into, and draining one by hand.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-sim.h"

G_BEGIN_DECLS

/* A fresh core with node's identity, outside the simulation (nothing signs:
 * no handshakes). */
SrpCore *srp_sim_core_like (SrpSim *sim, guint node);
/* Drops what core queued to send; returns how many MESSAGE events it had. */
guint srp_sim_drain_messages (SrpCore *core);

G_END_DECLS
