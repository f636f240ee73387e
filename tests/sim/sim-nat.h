/* sim-nat.h: NAT devices as RFC 4787 describes them, for srp-simulate.
 *
 * A NAT has an external IP, a mapping behaviour (which external port an
 * internal endpoint gets for a remote), a filtering behaviour (which remote
 * endpoints may send in through that port), a port policy and a binding
 * timeout. Every NAT of a simulation keeps its state in one SimNatTable.
 *
 * - Mapping, endpoint-independent (EIM): one external port per internal
 *   endpoint, whatever the remote. Address-and-port-dependent (symmetric):
 *   one per (internal endpoint, remote endpoint).
 * - Filtering, endpoint-independent: anyone may send to a live mapping;
 *   address-dependent: only IPs the mapping has sent to; address-and-port-
 *   dependent: only the exact IP:port it has sent to.
 * - Ports: Linux without --random keeps the internal port when it is free
 *   (PRESERVE) and picks another otherwise; with --random every new mapping
 *   gets a random port (RANDOM).
 * - Timeouts: a mapping and each of its permissions live timeout_us after
 *   the last datagram out (and, when refresh_inbound, in) that used them.
 *
 * Expired state is treated as absent the moment it expires (so results do
 * not depend on when memory is freed); sim_nat_table_sweep frees it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "srp-rng.h"

G_BEGIN_DECLS

/* An IPv4 endpoint, host byte order. */
typedef struct {
  guint32 ip;
  guint16 port;
} SimEndpoint;

typedef enum {
  SIM_MAPPING_ENDPOINT_INDEPENDENT,
  SIM_MAPPING_ADDRESS_AND_PORT_DEPENDENT,
} SimMapping;

typedef enum {
  SIM_FILTERING_ENDPOINT_INDEPENDENT,
  SIM_FILTERING_ADDRESS_DEPENDENT,
  SIM_FILTERING_ADDRESS_AND_PORT_DEPENDENT,
} SimFiltering;

typedef enum {
  SIM_PORTS_PRESERVE,
  SIM_PORTS_RANDOM,
} SimPorts;

typedef struct {
  SimMapping mapping;
  SimFiltering filtering;
  SimPorts ports;
  gint64 timeout_us;
  gboolean refresh_inbound; /* Linux conntrack: traffic either way refreshes */
} SimNatBehaviour;

/* The lab's kinds of NAT (one device each; carrier-grade stacks two). */
typedef enum {
  SIM_NAT_FULL_CONE,          /* EIM, endpoint-independent filtering */
  SIM_NAT_ADDRESS_RESTRICTED, /* EIM, address-dependent filtering */
  SIM_NAT_PORT_RESTRICTED,    /* EIM, address-and-port-dependent (Linux MASQUERADE) */
  SIM_NAT_SYMMETRIC,          /* dependent mapping, random ports (MASQUERADE --random) */
} SimNatKind;

void sim_nat_behaviour_init (SimNatBehaviour *behaviour, SimNatKind kind, gint64 timeout_us);

typedef struct _SimNatTable SimNatTable;

/* seed: for random ports (their own stream, so that NATs do not shift the
 * other random numbers of a run). */
SimNatTable *sim_nat_table_new (guint64 seed);
void sim_nat_table_free (SimNatTable *table);

/* Adds a NAT with external_ip; returns its number (never reused). */
guint sim_nat_add (SimNatTable *table, const SimNatBehaviour *behaviour, guint32 external_ip);
/* The NAT is gone (its home left): it must not be used again, and the next
 * sweep frees its state. */
void sim_nat_remove (SimNatTable *table, guint nat);
guint32 sim_nat_get_external_ip (SimNatTable *table, guint nat);
const SimNatBehaviour *sim_nat_get_behaviour (SimNatTable *table, guint nat);

/* A datagram from internal to remote leaves through the NAT: finds or makes
 * the mapping, refreshes it and the permission for remote, and gives the
 * source the remote will see. FALSE when no port is free. */
gboolean sim_nat_outbound (SimNatTable *table, guint nat, gint64 now, const SimEndpoint *internal,
                           const SimEndpoint *remote, SimEndpoint *external);
/* A datagram from remote arrives at external_port: TRUE (with the internal
 * endpoint it goes to) when a live mapping holds the port and its filtering
 * lets remote in. */
gboolean sim_nat_inbound (SimNatTable *table, guint nat, gint64 now, const SimEndpoint *remote,
                          guint16 external_port, SimEndpoint *internal);

/* Frees what expired by now, and what removed NATs held. */
void sim_nat_table_sweep (SimNatTable *table, gint64 now);
/* Live and not yet swept mappings and permissions, all NATs (for tests and
 * memory figures). */
guint sim_nat_table_count_mappings (SimNatTable *table);
guint sim_nat_table_count_permissions (SimNatTable *table);

G_END_DECLS
