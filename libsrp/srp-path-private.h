/* srp-path-private.h: the core's path values as SrpPath (internal).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-path.h"

#include "srp-core.h"

G_BEGIN_DECLS

/* An SrpCorePath as the public enum. */
SrpPath srp_path_from_core (guint8 path);

G_END_DECLS
