/* sim-net.h: the simulated internet: address realms, hosts, NAT gateways and
 * datagrams in flight.
 *
 * Realm 0 is the internet. Each NAT gateway has an external IP in its
 * parent realm and an inside realm of its own, so NATs stack (a home NAT
 * inside a carrier-grade NAT). A datagram leaves its host through the
 * uplink queue, climbs through the NATs above it (each maps it, and each is
 * one router hop) until it reaches a realm that holds its destination, and
 * is scheduled to arrive there after the path's latency. On arrival it goes
 * down through the NATs on the far side, which filter it against what their
 * own side sent until then: inbound decisions are taken at arrival time, so
 * two sides punching at once behave as they do on a real network.
 *
 * TTL: each NAT gateway is a hop; the internet between two edges is
 * SIM_NET_INTERNET_HOPS more. A datagram whose TTL runs out is dropped at
 * that router, after the NATs it already crossed have mapped it: a low-TTL
 * punch opens the sender's own NATs and never reaches the far side.
 * Loss (--loss) applies to datagrams that cross the internet.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "sim-latency.h"
#include "sim-nat.h"
#include "sim-uplink.h"
#include "srp-sim-heap.h"

G_BEGIN_DECLS

/* Three ISP routers on each side and a core router, as in tests/netlab. */
#define SIM_NET_INTERNET_HOPS 7
#define SIM_NET_DEFAULT_TTL 64
/* LAN and hairpin paths: one switch or one router. */
#define SIM_NET_LOCAL_US 300

#define SIM_NET_INTERNET 0

typedef enum {
  SIM_LOST_RANDOM,    /* --loss */
  SIM_LOST_QUEUE,     /* the sender's uplink queue was full */
  SIM_LOST_TTL,       /* TTL ran out at a router */
  SIM_LOST_FILTERED,  /* a NAT had no mapping, or its filtering refused */
  SIM_LOST_NO_HOST,   /* nobody at that address (any more) */
  SIM_LOST_NO_SOCKET, /* the host has no socket on that port (any more) */
  SIM_LOST_NAT_FULL,  /* a NAT had no free port */
  SIM_N_LOST
} SimLost;

const char *sim_lost_name (SimLost reason);

typedef struct {
  guint64 sent, bytes_sent, delivered;
  guint64 lost[SIM_N_LOST];
  guint64 filtered_by_kind[256]; /* SIM_LOST_FILTERED, by frame kind (data[3]) */
} SimNetStats;

typedef struct _SimNet SimNet;
typedef struct _SimHost SimHost;

SimNet *sim_net_new (guint64 seed, double loss, const SimLatency *latency);
void sim_net_free (SimNet *net);

/* The next unused address of a realm: on the internet one /24 each (peers
 * in one /24 share the core's prefix limit), inside a NAT the next after
 * the realm's first address. Addresses are never reused, so a datagram to
 * a host that left finds nobody. */
guint32 sim_net_new_ip (SimNet *net, guint realm);

/* A NAT gateway at ip in parent, whose inside addresses start at
 * inside_first (192.168.1.2 in a home, 100.64.0.1 in a carrier's network);
 * returns its inside realm. */
guint sim_net_add_nat (SimNet *net, guint parent, guint32 ip, const SimNatBehaviour *behaviour,
                       const SimPlace *place, guint32 inside_first);
/* Takes a gateway (and its realm) away; what is inside must be gone already. */
void sim_net_remove_nat (SimNet *net, guint realm);
SimNatTable *sim_net_get_nats (SimNet *net);

/* A host at ip in realm with sockets 0 and 1 at ports 4000 and 4001. */
SimHost *sim_net_add_host (SimNet *net, guint realm, guint32 ip, const SimPlace *place,
                           const SimUplink *uplink, gpointer owner);
void sim_net_remove_host (SimNet *net, SimHost *host);
gpointer sim_host_get_owner (const SimHost *host);
SimEndpoint sim_host_get_endpoint (const SimHost *host, guint socket);
/* Opens socket number (2 and up) on a random free ephemeral port, as a
 * system would; FALSE when it is open already. */
gboolean sim_net_open_socket (SimNet *net, SimHost *host, guint socket);
void sim_net_close_socket (SimNet *net, SimHost *host, guint socket);
guint sim_host_count_sockets (const SimHost *host);

/* Hands a datagram from host's socket to the network at now (ttl 0: the
 * default). FALSE when it was lost before leaving the sender's side (and
 * why, in reason). */
gboolean sim_net_send (SimNet *net, gint64 now, SimHost *from, guint socket, guint8 ttl,
                       const SimEndpoint *to, const guint8 *data, gsize len, SimLost *reason);

typedef struct {
  SimHost *host;
  guint socket;
  SimEndpoint from;
  const guint8 *data; /* valid until the next sim_net_arrive */
  gsize len;
} SimDelivery;

/* When the next datagram arrives, or -1. */
gint64 sim_net_next_arrival (SimNet *net);
/* Takes the next datagram off the wire at its time and passes it down to
 * its host: TRUE with out filled in, FALSE when it was lost on the far side. */
gboolean sim_net_arrive (SimNet *net, SimDelivery *out);

const SimNetStats *sim_net_get_stats (SimNet *net);
guint sim_net_get_n_in_flight (SimNet *net);
/* Frees expired NAT state. */
void sim_net_sweep (SimNet *net, gint64 now);

G_END_DECLS
