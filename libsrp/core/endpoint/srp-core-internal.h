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

G_END_DECLS
