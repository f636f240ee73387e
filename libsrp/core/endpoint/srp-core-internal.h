/* srp-core-internal.h: what tests and fuzz targets may reach inside a core
 * (never the shell): its context, to make links by hand and read its
 * queues.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-context.h"

G_BEGIN_DECLS

SrpContext *srp_core_get_context (SrpCore *core);
/* Takes type (SrpNat) as family's NAT classification at once, without the
 * probes that would measure it: for tests of what a NAT type makes a core
 * do (a port-filtering peer sprays symmetric ones). */
void srp_core_assume_nat (SrpCore *core, guint8 family, guint8 type,
                          const SrpAddress *public_address);

G_END_DECLS
