/* srp-tool-demo.h: what the scenes of "srp-tool demo" share: the network
 * the discovery scene builds, which the topic scenes then use.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-tool.h"

G_BEGIN_DECLS

#define SRP_TOOL_DEMO_N_PEERS 5

typedef struct {
  SrpPeer *peers[SRP_TOOL_DEMO_N_PEERS];
  const char *names[SRP_TOOL_DEMO_N_PEERS];
  char addresses[SRP_TOOL_DEMO_N_PEERS][16]; /* the loopback address each listens on */
} SrpToolDemoNetwork;

/* The demo name of the peer with this ID, or "?". */
const char *srp_tool_demo_name_of (SrpToolDemoNetwork *net, const char *id);

/* A SrpPeer::peer-added handler (data: the network) that prints a line. */
void srp_tool_demo_print_peer_added (SrpPeer *peer, SrpPeerInfo *info, SrpToolDemoNetwork *net);

/* The scenes on topics (srp-tool-demo-topics.c): publish and subscribe,
 * then a peer catching up after being offline. FALSE when something did not
 * happen in time, with the reason printed. */
gboolean srp_tool_demo_topic_scenes (SrpToolDemoNetwork *net);

G_END_DECLS
