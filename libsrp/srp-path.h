/* srp-path.h: how a connected peer is reached.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__SRP_INSIDE__) && !defined(SRP_COMPILATION)
#error "Only <libsrp/srp.h> can be included directly."
#endif

#include <glib.h>
#include <libsrp/srp-version.h>

G_BEGIN_DECLS

/**
 * SrpPath:
 * @SRP_PATH_DIRECT: datagrams go straight to the other peer's address
 *   (possibly through a hole punched in a NAT)
 * @SRP_PATH_RELAYED: datagrams go through a third peer connected to both,
 *   because no direct path could be opened (for example between two
 *   symmetric NATs)
 *
 * How a connected peer is reached (see [property@PeerInfo:path]). A relayed
 * connection may become direct later; its [class@PeerInfo] then notifies
 * the change.
 *
 * The value nicks ("direct", "relayed") are the names `srp-tool` prints;
 * [func@Path.to_string] returns them.
 */
typedef enum {
  SRP_PATH_DIRECT,
  SRP_PATH_RELAYED,
} SrpPath;

SRP_AVAILABLE_IN_ALL
const char *srp_path_to_string (SrpPath path);

G_END_DECLS
