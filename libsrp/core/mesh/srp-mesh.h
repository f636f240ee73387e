/* srp-mesh.h: becoming and staying a member of the network (a subsystem).
 *
 * - Handshake (HELLO, HELLO_REPLY, HELLO_DONE): each side signs the other's
 *   challenge, so nobody can claim an ID without its private key. Only
 *   linked (authenticated) peers get service beyond the handshake.
 * - Heartbeats: a link is pinged every heartbeat_us unless traffic showed
 *   it alive, and dropped after heartbeat_misses missed heartbeats.
 * - Peer exchange: on connecting and every exchange_us, a link is asked for
 *   a sample of the peers it knows.
 * - Maintenance: bootstraps are retried while nothing is connected, and
 *   known peers are connected to until target_connections are up.
 * - Pings, for everyone (srp-ping.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-context.h"
#include "srp-ping.h"

G_BEGIN_DECLS

typedef struct _SrpMesh SrpMesh;

/* Makes the mesh and registers it (and its frames) with ctx. */
SrpMesh *srp_mesh_new (SrpContext *ctx);

SrpPings *srp_mesh_get_pings (SrpMesh *mesh);

/* Shakes hands with whoever is at address (expected: the ID it must prove,
 * or NULL for a bootstrap, whose ID we learn). Nothing happens when a
 * handshake to that address runs already. */
void srp_mesh_start_handshake (SrpMesh *mesh, const SrpAddress *address, const SrpId *expected);
/* The same, with the HELLOs paid from credit (srp-credit.h): the credit of
 * whoever named address, when it has not proved it receives. NULL: the
 * record for expected at address pays, if it has a namer. flags: the
 * HELLO's (SRP_HELLO_FLAG_INTRODUCTION, to be introduced by the peer at
 * address to one of its links: it may use the places it keeps for that).
 * FALSE when the handshake budget (SRP_MESH_HANDSHAKES_PER_SECOND) or the
 * credit refused it. */
gboolean srp_mesh_start_paid_handshake (SrpMesh *mesh, const SrpAddress *address,
                                        const SrpId *expected, guint8 flags, SrpCredit *credit);
/* Says GOODBYE to one link and closes it; its peer stays known. */
void srp_mesh_goodbye (SrpMesh *mesh, SrpLink *link);
/* Whether a handshake we started expects id. */
gboolean srp_mesh_is_handshaking (SrpMesh *mesh, const SrpId *id);

void srp_mesh_add_bootstrap (SrpMesh *mesh, const SrpAddress *address);
gboolean srp_mesh_is_bootstrap (SrpMesh *mesh, const SrpAddress *address);

/* Says GOODBYE to every link, so that peers free our place at once rather
 * than after missed heartbeats, and closes them. They stay known, to come
 * back to. */
void srp_mesh_leave (SrpMesh *mesh);
/* The known peers (links first) as "a(ay(yqay)yx)": the journal's
 * KNOWN_PEERS value. */
GVariant *srp_mesh_export_known_peers (SrpMesh *mesh);

G_END_DECLS
