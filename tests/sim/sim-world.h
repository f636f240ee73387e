/* sim-world.h: unmodified SrpCores on the simulated internet (sim-net.h), in
 * virtual time.
 *
 * A node is a core with an Ed25519 identity, a host (place, uplink) and the
 * NATs in front of it. The world drives each core as the shell would: a
 * datagram or a timeout in, then everything out (punch sockets opened before
 * the transmits go, closed after), and keeps the core's next deadline in an
 * indexed heap, so that a step costs O(log n). Datagrams in flight and
 * scheduled actions sit in heaps too. Everything the cores send and report
 * goes into the trace hash.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "sim-net.h"
#include "srp-core.h"

G_BEGIN_DECLS

/* How a node reaches the internet: the lab's kinds (tests/netlab). */
typedef enum {
  SIM_ACCESS_PUBLIC,
  SIM_ACCESS_FULL_CONE,
  SIM_ACCESS_ADDRESS_RESTRICTED,
  SIM_ACCESS_PORT_RESTRICTED,
  SIM_ACCESS_SYMMETRIC,
  SIM_ACCESS_CARRIER_GRADE, /* a port-restricted home NAT behind a port-restricted CGN */
  SIM_N_ACCESS
} SimAccess;

/* "public", "full-cone", "address-restricted", "port-restricted",
 * "symmetric", "carrier-grade". */
const char *sim_access_name (SimAccess access);
/* The SrpNat a correct classification gives. */
guint8 sim_access_expected_nat (SimAccess access);

typedef struct {
  guint64 seed;
  double loss; /* per datagram crossing the internet, 0..1 */
  SimLatency latency;
  SrpCoreConfig core;  /* for every core; seed, ID and signer are set per node */
  guint cgn_customers; /* homes behind one carrier-grade NAT address (default 8) */
  /* Count what sealed frames carry, opened (peeked) with the receiver's
   * session: costs a second decryption of each, so off unless asked. */
  gboolean open_sealed;
} SimWorldConfig;

void sim_world_config_init (SimWorldConfig *config);

typedef struct _SimWorld SimWorld;
typedef struct _SimNode SimNode;

/* Virtual time starts at 1 s, so that 0 never means "unset" to a core. */
#define SIM_WORLD_START_US G_USEC_PER_SEC

/* Every event a core reports, after the world acted on it; the function
 * may give the node commands (and need not drive it) but must not remove
 * nodes: schedule an action for that. */
typedef void (*SimEventFunc) (SimWorld *world, SimNode *node, const SrpCoreEvent *event,
                              gpointer user_data);
typedef void (*SimActionFunc) (SimWorld *world, gpointer user_data);

SimWorld *sim_world_new (const SimWorldConfig *config);
void sim_world_free (SimWorld *world);
void sim_world_set_event_func (SimWorld *world, SimEventFunc func, gpointer user_data);
/* Datagrams as a watched node sees them, for tracing (sim-find-trace.h):
 * what it sends (outgoing, as handed out: sealed frames stay sealed) and
 * what arrives (sealed frames opened, peeked, with its session for the
 * sender; plain NULL when they cannot be); ttl: what the core asked (0:
 * the default), 0 for arrivals. Called only for nodes that
 * wants says yes to; it changes nothing in the run. */
typedef gboolean (*SimWatchWants) (SimNode *node, gpointer user_data);
typedef void (*SimWatchFunc) (SimWorld *world, SimNode *node, gboolean outgoing,
                              const SrpAddress *remote, guint socket, guint8 ttl,
                              const guint8 *plain, gsize len, gpointer user_data);
void sim_world_set_watch (SimWorld *world, SimWatchWants wants, SimWatchFunc func,
                          gpointer user_data);

/* A node joins, behind access; a data-centre node has a fast uplink and a
 * short last mile. */
SimNode *sim_world_add_node (SimWorld *world, SimAccess access, gboolean datacenter);
/* A node leaves: with goodbye it says GOODBYE first (srp_core_leave), else
 * it vanishes. */
void sim_world_remove_node (SimWorld *world, SimNode *node, gboolean goodbye);

SrpCore *sim_node_get_core (SimNode *node);
/* With open_sealed: arrived sealed frames by the kind they carry (those no
 * session opens, under SRP_FRAME_SEALED). */
const guint64 *sim_world_get_sealed_by_kind (SimWorld *world);
/* What every core that ever ran refused, by reason (srp_core_get_drop_count). */
void sim_world_get_drops (SimWorld *world, guint64 out[SRP_DROP_N_REASONS]);
/* Where packets came from and went, summed over every core that ever ran:
 * srp_core_get_packet_paths' new_pushed, new_asked, relayed, answered and
 * published, in that order (sim_packet_path_names; the stats' packets_*). */
#define SIM_N_PACKET_PATHS 5
extern const char *const sim_packet_path_names[SIM_N_PACKET_PATHS];
void sim_world_get_packet_paths (SimWorld *world, guint64 out[SIM_N_PACKET_PATHS]);
/* Nodes are numbered in order of creation, from 0, never reused. */
guint sim_node_get_ordinal (const SimNode *node);
SimAccess sim_node_get_access (const SimNode *node);
const SrpId *sim_node_get_id (const SimNode *node);
/* Where the internet reaches the node's main socket (public nodes only). */
gboolean sim_node_get_public_address (const SimNode *node, SrpAddress *out);
void sim_node_set_data (SimNode *node, gpointer data);
gpointer sim_node_get_data (const SimNode *node);

/* Drains a node after a command was given to its core. */
void sim_world_drive (SimWorld *world, SimNode *node);
void sim_world_schedule (SimWorld *world, gint64 at, SimActionFunc func, gpointer user_data);

gint64 sim_world_get_now (SimWorld *world);
/* The next delivery, action or deadline; FALSE when nothing is pending. */
gboolean sim_world_step (SimWorld *world);
/* Steps until nothing is due by until_us, then sets the clock to it. */
void sim_world_run_until (SimWorld *world, gint64 until_us);

guint sim_world_get_n_online (SimWorld *world);
SimNet *sim_world_get_net (SimWorld *world);
/* Datagrams the cores handed out, in total and by frame kind (data[3]). */
guint64 sim_world_get_transmits (SimWorld *world);
guint64 sim_world_get_transmit_bytes (SimWorld *world);
const guint64 *sim_world_get_transmits_by_kind (SimWorld *world); /* 256 counters */
char *sim_world_get_trace_hash (SimWorld *world);

G_END_DECLS
