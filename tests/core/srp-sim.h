/* srp-sim.h: runs many SrpCores over a simulated network in virtual time.
 *
 * Links have a latency and a loss rate; loss, and each core's seed, come from
 * the simulation's own seeded RNG. Time jumps straight to the next delivery
 * or core deadline, so minutes of protocol run in milliseconds. Deadlines
 * sit in a heap (tests/core/srp-sim-heap.h) and are read again only from
 * cores that may have changed: ones the sim drove, and ones whose core
 * srp_sim_get_core handed out (so a test that keeps a core pointer across
 * steps and gives it commands calls srp_sim_flush after them). Everything
 * the cores send and report is folded into a SHA-256 trace hash: the same
 * seed must give the same hash, bit for bit.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-core.h"

G_BEGIN_DECLS

typedef struct _SrpSim SrpSim;

typedef void (*SrpSimEventFunc) (SrpSim *sim, guint node, const SrpCoreEvent *event,
                                 gpointer user_data);

SrpSim *srp_sim_new (guint64 seed);
void srp_sim_free (SrpSim *sim);

/* Adds a core at 10.a.b.1:4000 (a.b from its index, one /24 each) with a
 * probe socket at port 4001 and an Ed25519 identity drawn from the sim's
 * RNG; returns its index. config may be NULL for defaults; its seed, ID,
 * signer and sockets are set by the sim. */
guint srp_sim_add_node (SrpSim *sim, const SrpCoreConfig *config);
SrpCore *srp_sim_get_core (SrpSim *sim, guint node);
/* Nodes added from now on (while one_prefix) are at 10.255.0.(index + 1):
 * all in one /24, as behind one carrier-grade NAT pool (indexes < 254). */
void srp_sim_set_one_prefix (SrpSim *sim, gboolean one_prefix);
/* Every node but bootstrap is given bootstrap's address to join through. */
void srp_sim_bootstrap_all (SrpSim *sim, guint bootstrap);
/* Publishes text from node from to node to's inbox (the publish must be taken). */
void srp_sim_send_mail (SrpSim *sim, guint from, guint to, const char *text);
/* The node moves to another network: new addresses (10.254.x.y, or
 * 10.253.x.y for a second move) for its sockets. Its core is not told:
 * that is the test's to do (srp_core_network_changed). */
void srp_sim_move_node (SrpSim *sim, guint node);
/* The node becomes dual-stack: also at [2001:db8:0:N::1]:4000 (N its index),
 * which its core is told is a local address. A datagram to an IPv6 address
 * leaves from the sender's IPv6 address, and is lost if it has none. */
void srp_sim_add_ipv6 (SrpSim *sim, guint node);
const SrpAddress *srp_sim_get_address6 (SrpSim *sim, guint node);
/* A stateful firewall in front of the node (no NAT): a datagram reaches a
 * socket of it only from an address that socket has sent to (even with a
 * low TTL), checked on arrival; no timeout. */
void srp_sim_set_firewall (SrpSim *sim, guint node);
/* A port mapping on the node's firewall: anyone reaches its main socket
 * (the core must be told, srp_core_set_mapped_address). */
void srp_sim_open_main_socket (SrpSim *sim, guint node);
/* Loses every datagram of family (SRP_ADDRESS_FAMILY_IPV4 or _IPV6) between
 * nodes a and b, both ways: one family broken between two hosts. */
/* Whether a low-TTL datagram (a PUNCH opening its sender's NAT) reaches
 * the other nodes, as between hosts a few hops apart. Default FALSE. */
void srp_sim_set_near (SrpSim *sim, gboolean near);
/* IPv6 datagrams take extra_us longer than IPv4 ones on every link (a
 * slower IPv6 route, as through a tunnel). Default 0. */
void srp_sim_set_ipv6_extra_latency (SrpSim *sim, gint64 extra_us);
void srp_sim_block_family (SrpSim *sim, guint a, guint b, guint8 family, gboolean blocked);
/* The node's main socket address; its probe socket is the same IP, port + 1. */
const SrpAddress *srp_sim_get_address (SrpSim *sim, guint node);
/* The node's peer ID (Ed25519 public key, derived from the sim's seed). */
const SrpId *srp_sim_get_id (SrpSim *sim, guint node);
guint srp_sim_get_n_nodes (SrpSim *sim);
/* TRUE when node lists other among its connected peers. */
gboolean srp_sim_is_connected (SrpSim *sim, guint node, guint other);

/* Every link's latency (one way) and loss, unless set per link. */
void srp_sim_set_default_link (SrpSim *sim, gint64 latency_us, double loss);
void srp_sim_set_link (SrpSim *sim, guint a, guint b, gint64 latency_us, double loss);
/* Disorder on the link a-b, both ways: each datagram is delayed by up to
 * jitter_us more (uniformly, so datagrams overtake each other), and
 * arrives twice with probability duplicate. */
void srp_sim_set_link_disorder (SrpSim *sim, guint a, guint b, gint64 jitter_us,
                                double duplicate);
/* A bottleneck on the link a-b: bytes_per_second each way, behind a
 * drop-tail queue of queue_bytes (what a sender that outruns it loses). */
void srp_sim_set_link_rate (SrpSim *sim, guint a, guint b, guint64 bytes_per_second,
                            gsize queue_bytes);
/* Called for every datagram handed to the network (after the link's own
 * loss): TRUE loses it. For tests that lose one datagram in particular. A
 * sealed frame is shown opened, as its receiver would read it (with the
 * receiver's session, which the look does not change). */
typedef gboolean (*SrpSimFilterFunc) (SrpSim *sim, guint from, guint to, const guint8 *data,
                                      gsize len, gpointer user_data);
void srp_sim_set_filter (SrpSim *sim, SrpSimFilterFunc func, gpointer user_data);
/* A node that is offline neither receives nor is driven. */
void srp_sim_set_online (SrpSim *sim, guint node, gboolean online);

void srp_sim_set_event_func (SrpSim *sim, SrpSimEventFunc func, gpointer user_data);

/* Sees every datagram a node hands to the network (what a wiretap would). */
typedef void (*SrpSimTapFunc) (SrpSim *sim, guint node, const SrpTransmit *t, gpointer user_data);
void srp_sim_set_tap (SrpSim *sim, SrpSimTapFunc func, gpointer user_data);

gint64 srp_sim_get_now (SrpSim *sim);
/* Drains a node after a command was given to it directly. */
void srp_sim_flush (SrpSim *sim, guint node);
/* Advances to the next delivery or deadline; FALSE when nothing is pending. */
gboolean srp_sim_step (SrpSim *sim);
/* Steps until nothing is pending or virtual time passes until_us. */
void srp_sim_run_until (SrpSim *sim, gint64 until_us);

/* Hands frame to node `to` at once, as node `from` would send it over
 * their link: sealed with their session when they have one (tests that
 * play an authenticated peer). FALSE when from holds no link to `to`. */
gboolean srp_sim_inject_from (SrpSim *sim, guint from, guint to, const guint8 *frame, gsize len);

/* Datagrams handed to the network, lost by it, and delivered. */
guint64 srp_sim_get_sent (SrpSim *sim);
guint64 srp_sim_get_lost (SrpSim *sim);
guint64 srp_sim_get_delivered (SrpSim *sim);

/* 64 hex characters of the trace so far. */
char *srp_sim_get_trace_hash (SrpSim *sim);

G_END_DECLS
