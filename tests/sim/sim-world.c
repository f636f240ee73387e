/* sim-world.c: cores on the simulated network.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sim-world.h"

#include <string.h>

#include "srp-context.h"
#include "srp-core-internal.h"
#include "srp-link-table.h"
#include "srp-session.h"
#include "srp-sim-keys.h"
#include "srp-sim-trace.h"

/* Binding timeouts drawn per NAT: real routers range from 30 s to minutes. */
static const gint64 nat_timeouts_s[] = { 30, 60, 120, 180, 300 };
/* The NAT in each kind's home (carrier-grade: inside the CGN). */
static const SimNatKind home_nat[SIM_N_ACCESS] = {
  [SIM_ACCESS_FULL_CONE] = SIM_NAT_FULL_CONE,
  [SIM_ACCESS_ADDRESS_RESTRICTED] = SIM_NAT_ADDRESS_RESTRICTED,
  [SIM_ACCESS_PORT_RESTRICTED] = SIM_NAT_PORT_RESTRICTED,
  [SIM_ACCESS_SYMMETRIC] = SIM_NAT_SYMMETRIC,
  [SIM_ACCESS_CARRIER_GRADE] = SIM_NAT_PORT_RESTRICTED,
};
/* 192.168.0.0 and 100.64.0.0 as host-order integers. */
#define HOME_NET 0xc0a80000u
#define CARRIER_NET 0x64400000u

struct _SimNode {
  SrpCore *core;
  guint slot;
  guint ordinal;
  SimAccess access;
  SimHost *host;
  guint home; /* the realm behind its own NAT, 0 when public */
  gint cgn;   /* its carrier-grade NAT (index), or -1 */
  SrpSimKeys keys;
  gpointer data;
};

/* A carrier-grade NAT: one address for several homes. */
typedef struct {
  guint realm;
  SimPlace place;
  guint customers;
} Carrier;

typedef struct {
  gint64 at;
  SimActionFunc func;
  gpointer data;
} Action;

struct _SimWorld {
  SimWorldConfig config;
  SrpRng rng; /* identities, places, uplinks, NAT choices */
  SimNet *net;
  gint64 now;
  GPtrArray *slots;   /* SimNode*, NULL when free */
  GArray *free_slots; /* guint, reused last first */
  guint next_ordinal;
  guint n_online;
  SrpSimDeadlines deadlines; /* by slot */
  SrpSimQueue actions;       /* Action* */
  GArray *carriers;          /* Carrier */
  GArray *roomy_carriers;    /* indices of carriers with room for another home */
  GArray *events;            /* SrpCoreEvent, reused by drive */
  SimEventFunc event_func;
  SimWatchWants watch_wants;
  SimWatchFunc watch_func;
  gpointer watch_data;
  gpointer event_data;
  SrpSimTrace trace;
  guint64 transmits, transmit_bytes;
  guint64 by_kind[256];
  guint64 sealed_by_kind[256];
  guint64 drops[SRP_DROP_N_REASONS]; /* of cores that left */
  guint64 packet_paths[SIM_N_PACKET_PATHS]; /* of cores that left */
};

const char *const sim_packet_path_names[SIM_N_PACKET_PATHS] = {
  "new_pushed", "new_asked", "relayed", "answered", "published",
};

/* Summed at every node that leaves and over those online at the end: the
 * stats dictionary (srp_core_get_stats) cost about 1 ms a node there. */
static void
add_packet_paths (SrpCore *core, guint64 out[SIM_N_PACKET_PATHS])
{
  SrpCorePacketPaths paths;

  srp_core_get_packet_paths (core, &paths);
  out[0] += paths.new_pushed;
  out[1] += paths.new_asked;
  out[2] += paths.relayed;
  out[3] += paths.answered;
  out[4] += paths.published;
}

const char *
sim_access_name (SimAccess access)
{
  static const char *names[SIM_N_ACCESS] = {
    [SIM_ACCESS_PUBLIC] = "public",
    [SIM_ACCESS_FULL_CONE] = "full-cone",
    [SIM_ACCESS_ADDRESS_RESTRICTED] = "address-restricted",
    [SIM_ACCESS_PORT_RESTRICTED] = "port-restricted",
    [SIM_ACCESS_SYMMETRIC] = "symmetric",
    [SIM_ACCESS_CARRIER_GRADE] = "carrier-grade",
  };

  g_return_val_if_fail (access < SIM_N_ACCESS, "?");
  return names[access];
}

guint8
sim_access_expected_nat (SimAccess access)
{
  static const guint8 nats[SIM_N_ACCESS] = {
    [SIM_ACCESS_PUBLIC] = SRP_NAT_PUBLIC,
    [SIM_ACCESS_FULL_CONE] = SRP_NAT_FULL_CONE,
    [SIM_ACCESS_ADDRESS_RESTRICTED] = SRP_NAT_ADDRESS_RESTRICTED,
    [SIM_ACCESS_PORT_RESTRICTED] = SRP_NAT_PORT_RESTRICTED,
    [SIM_ACCESS_SYMMETRIC] = SRP_NAT_SYMMETRIC,
    /* Two port-restricted NATs in a row filter like one. */
    [SIM_ACCESS_CARRIER_GRADE] = SRP_NAT_PORT_RESTRICTED,
  };

  g_return_val_if_fail (access < SIM_N_ACCESS, SRP_NAT_UNKNOWN);
  return nats[access];
}

void
sim_world_config_init (SimWorldConfig *config)
{
  memset (config, 0, sizeof *config);
  config->seed = 1;
  srp_core_config_init (&config->core);
  config->cgn_customers = 8;
}

SimWorld *
sim_world_new (const SimWorldConfig *config)
{
  SimWorld *world = g_new0 (SimWorld, 1);

  world->config = *config;
  world->config.cgn_customers = MAX (world->config.cgn_customers, 1);
  /* Separate streams: the network's draws (loss, jitter) never shift who
   * joins where, and the reverse. */
  srp_rng_init (&world->rng, config->seed ^ 0x776f726c64ULL);
  world->net = sim_net_new (config->seed ^ 0x6e6574ULL, config->loss, &config->latency);
  world->now = SIM_WORLD_START_US;
  world->slots = g_ptr_array_new ();
  world->free_slots = g_array_new (FALSE, FALSE, sizeof (guint));
  srp_sim_deadlines_init (&world->deadlines);
  srp_sim_queue_init (&world->actions);
  world->carriers = g_array_new (FALSE, FALSE, sizeof (Carrier));
  world->roomy_carriers = g_array_new (FALSE, FALSE, sizeof (guint));
  world->events = g_array_new (FALSE, FALSE, sizeof (SrpCoreEvent));
  srp_sim_trace_init (&world->trace);
  return world;
}

static void
node_free (SimWorld *world, SimNode *node)
{
  for (guint r = 0; r < SRP_DROP_N_REASONS; r++)
    world->drops[r] += srp_core_get_drop_count (node->core, r);
  add_packet_paths (node->core, world->packet_paths);
  srp_core_free (node->core);
  sim_net_remove_host (world->net, node->host);
  if (node->home != 0)
    sim_net_remove_nat (world->net, node->home);
  g_free (node);
}

void
sim_world_free (SimWorld *world)
{
  if (world == NULL)
    return;
  for (guint i = 0; i < world->slots->len; i++)
    if (g_ptr_array_index (world->slots, i) != NULL)
      node_free (world, g_ptr_array_index (world->slots, i));
  g_ptr_array_unref (world->slots);
  g_array_unref (world->free_slots);
  srp_sim_deadlines_clear (&world->deadlines);
  srp_sim_queue_clear (&world->actions, g_free);
  g_array_unref (world->carriers);
  g_array_unref (world->roomy_carriers);
  g_array_unref (world->events);
  srp_sim_trace_clear (&world->trace);
  sim_net_free (world->net);
  g_free (world);
}

void
sim_world_set_event_func (SimWorld *world, SimEventFunc func, gpointer user_data)
{
  world->event_func = func;
  world->event_data = user_data;
}

void
sim_world_set_watch (SimWorld *world, SimWatchWants wants, SimWatchFunc func, gpointer user_data)
{
  world->watch_wants = wants;
  world->watch_func = func;
  world->watch_data = user_data;
}

static void
draw_nat (SimWorld *world, SimNatKind kind, SimNatBehaviour *behaviour)
{
  guint t = (guint) srp_rng_below (&world->rng, G_N_ELEMENTS (nat_timeouts_s));

  sim_nat_behaviour_init (behaviour, kind, nat_timeouts_s[t] * G_USEC_PER_SEC);
}

/* A home NAT of kind in realm parent; returns the home's realm. */
static guint
add_home (SimWorld *world, guint parent, SimNatKind kind, const SimPlace *place)
{
  SimNatBehaviour behaviour;
  /* Homes pick their subnet; most hosts get one of the first addresses. */
  guint32 first = HOME_NET | (guint32) srp_rng_below (&world->rng, 256) << 8 |
                  (guint32) (2 + srp_rng_below (&world->rng, 32));

  draw_nat (world, kind, &behaviour);
  return sim_net_add_nat (world->net, parent, sim_net_new_ip (world->net, parent), &behaviour,
                          place, first);
}

/* A carrier-grade NAT with room for one more home (a new one when none
 * has): its index. Its customers share its place. */
static guint
carrier_with_room (SimWorld *world, const SimPlace *place)
{
  Carrier carrier = { .place = *place };
  SimNatBehaviour behaviour;
  guint index;

  if (world->roomy_carriers->len > 0)
    return g_array_index (world->roomy_carriers, guint, world->roomy_carriers->len - 1);
  draw_nat (world, SIM_NAT_PORT_RESTRICTED, &behaviour);
  carrier.realm =
      sim_net_add_nat (world->net, SIM_NET_INTERNET, sim_net_new_ip (world->net, SIM_NET_INTERNET),
                       &behaviour, place, CARRIER_NET | 1);
  index = world->carriers->len;
  g_array_append_val (world->carriers, carrier);
  g_array_append_val (world->roomy_carriers, index);
  return index;
}

static void
carrier_join (SimWorld *world, guint index)
{
  Carrier *c = &g_array_index (world->carriers, Carrier, index);

  if (++c->customers == world->config.cgn_customers)
    for (guint i = 0; i < world->roomy_carriers->len; i++)
      if (g_array_index (world->roomy_carriers, guint, i) == index)
        {
          g_array_remove_index (world->roomy_carriers, i);
          break;
        }
}

static void
carrier_leave (SimWorld *world, guint index)
{
  Carrier *c = &g_array_index (world->carriers, Carrier, index);

  if (c->customers-- == world->config.cgn_customers)
    g_array_append_val (world->roomy_carriers, index);
}

static SrpAddress
to_address (const SimEndpoint *e)
{
  guint8 ip[4] = { e->ip >> 24, (e->ip >> 16) & 0xff, (e->ip >> 8) & 0xff, e->ip & 0xff };
  SrpAddress address;

  srp_address_init_ipv4 (&address, ip, e->port);
  return address;
}

static SimEndpoint
to_endpoint (const SrpAddress *a)
{
  SimEndpoint e = { 0 };

  if (a->family == SRP_ADDRESS_FAMILY_IPV4)
    {
      e.ip = (guint32) a->bytes[0] << 24 | (guint32) a->bytes[1] << 16 |
             (guint32) a->bytes[2] << 8 | a->bytes[3];
      e.port = a->port;
    }
  return e;
}

static void
update_deadline (SimWorld *world, SimNode *node, gint64 floor)
{
  gint64 deadline = srp_core_poll_timeout (node->core);

  srp_sim_deadlines_set (&world->deadlines, node->slot, deadline < 0 ? -1 : MAX (deadline, floor));
}

SimNode *
sim_world_add_node (SimWorld *world, SimAccess access, gboolean datacenter)
{
  SimNode *node = g_new0 (SimNode, 1);
  SrpCoreConfig cfg = world->config.core;
  SimPlace place;
  SimUplink uplink;
  SrpAddress local;
  guint realm = SIM_NET_INTERNET;
  guint32 ip;

  g_return_val_if_fail (access < SIM_N_ACCESS, NULL);
  node->ordinal = world->next_ordinal++;
  node->access = access;
  node->cgn = -1;
  srp_sim_keys_generate (&node->keys, &world->rng);
  sim_place_draw (&place, &world->rng, datacenter);
  sim_uplink_draw (&uplink, &world->rng, datacenter);
  if (access == SIM_ACCESS_CARRIER_GRADE)
    {
      Carrier *carrier;

      node->cgn = (gint) carrier_with_room (world, &place);
      carrier_join (world, (guint) node->cgn);
      carrier = &g_array_index (world->carriers, Carrier, node->cgn);
      /* The carrier's customers are near it, behind its last mile. */
      place = carrier->place;
      realm = carrier->realm;
    }
  if (access != SIM_ACCESS_PUBLIC)
    realm = node->home = add_home (world, realm, home_nat[access], &place);
  ip = sim_net_new_ip (world->net, realm);
  node->host = sim_net_add_host (world->net, realm, ip, &place, &uplink, node);

  cfg.seed = srp_rng_next (&world->rng);
  memcpy (cfg.peer_id.bytes, node->keys.public, SRP_ID_LEN);
  cfg.sign = srp_sim_keys_sign;
  cfg.sign_data = &node->keys;
  cfg.agree = srp_sim_keys_agree;
  cfg.agree_data = &node->keys;
  cfg.n_sockets = 2;
  node->core = srp_core_new (&cfg);
  /* What the shell tells its core: the host's own address and main port. */
  local = to_address (&(SimEndpoint){ .ip = ip, .port = 4000 });
  srp_core_add_local_address (node->core, &local);
  srp_core_set_local_port (node->core, 4000);

  if (world->free_slots->len > 0)
    {
      node->slot = g_array_index (world->free_slots, guint, world->free_slots->len - 1);
      g_array_set_size (world->free_slots, world->free_slots->len - 1);
      g_ptr_array_index (world->slots, node->slot) = node;
    }
  else
    {
      node->slot = world->slots->len;
      g_ptr_array_add (world->slots, node);
    }
  world->n_online++;
  update_deadline (world, node, world->now);
  return node;
}

void
sim_world_remove_node (SimWorld *world, SimNode *node, gboolean goodbye)
{
  if (goodbye)
    {
      srp_core_leave (node->core, world->now);
      sim_world_drive (world, node);
    }
  srp_sim_deadlines_set (&world->deadlines, node->slot, -1);
  g_ptr_array_index (world->slots, node->slot) = NULL;
  g_array_append_val (world->free_slots, node->slot);
  if (node->cgn >= 0)
    carrier_leave (world, (guint) node->cgn);
  world->n_online--;
  node_free (world, node);
}

SrpCore *
sim_node_get_core (SimNode *node)
{
  return node->core;
}

guint
sim_node_get_ordinal (const SimNode *node)
{
  return node->ordinal;
}

SimAccess
sim_node_get_access (const SimNode *node)
{
  return node->access;
}

const SrpId *
sim_node_get_id (const SimNode *node)
{
  return (const SrpId *) node->keys.public;
}

gboolean
sim_node_get_public_address (const SimNode *node, SrpAddress *out)
{
  SimEndpoint e = sim_host_get_endpoint (node->host, 0);

  if (node->access != SIM_ACCESS_PUBLIC)
    return FALSE;
  *out = to_address (&e);
  return TRUE;
}

void
sim_node_set_data (SimNode *node, gpointer data)
{
  node->data = data;
}

gpointer
sim_node_get_data (const SimNode *node)
{
  return node->data;
}

static void
trace_transmit (SimWorld *world, const SimNode *node, const SrpTransmit *t)
{
  SrpSimTrace *trace = &world->trace;

  srp_sim_trace_u64 (trace, (guint64) world->now);
  srp_sim_trace_u64 (trace, node->ordinal);
  srp_sim_trace_u64 (trace, (guint64) t->socket << 8 | t->ttl);
  srp_sim_trace_bytes (trace, &t->to, sizeof t->to);
  srp_sim_trace_bytes (trace, t->data, t->len);
}

static void
send_transmit (SimWorld *world, SimNode *node, const SrpTransmit *t)
{
  SimEndpoint to = to_endpoint (&t->to);

  world->transmits++;
  world->transmit_bytes += t->len;
  if (t->len >= 4)
    world->by_kind[t->data[3]]++;
  trace_transmit (world, node, t);
  if (world->watch_func != NULL && world->watch_wants (node, world->watch_data))
    world->watch_func (world, node, TRUE, &t->to, t->socket, t->ttl, t->data, t->len,
                       world->watch_data);
  /* A closed punch socket, or an address the sim has no route for, loses
   * the datagram like the network would. */
  sim_net_send (world->net, world->now, node->host, t->socket, t->ttl, &to, t->data, t->len, NULL);
}

/* Everything out, as the shell does it: events first (sockets to open come
 * before the transmits that use them; sockets to close after), then the
 * event function, and again while that gave the core more to do. */
static void
drive (SimWorld *world, SimNode *node, gint64 floor)
{
  gboolean busy = TRUE;

  while (busy)
    {
      SrpCoreEvent event;
      SrpTransmit t;

      busy = FALSE;
      g_array_set_size (world->events, 0);
      while (srp_core_poll_event (node->core, &event))
        {
          srp_sim_trace_event (&world->trace, world->now, node->ordinal, &event);
          if (event.type == SRP_CORE_EVENT_SOCKET_OPEN)
            sim_net_open_socket (world->net, node->host, event.socket.socket);
          g_array_append_val (world->events, event);
        }
      while (srp_core_poll_transmit (node->core, &t))
        send_transmit (world, node, &t);
      for (guint i = 0; i < world->events->len; i++)
        {
          SrpCoreEvent *e = &g_array_index (world->events, SrpCoreEvent, i);

          if (e->type == SRP_CORE_EVENT_SOCKET_CLOSE)
            sim_net_close_socket (world->net, node->host, e->socket.socket);
          if (world->event_func != NULL)
            world->event_func (world, node, e, world->event_data);
          srp_core_event_clear (e);
          busy = TRUE;
        }
    }
  update_deadline (world, node, floor);
}

void
sim_world_drive (SimWorld *world, SimNode *node)
{
  drive (world, node, world->now);
}

void
sim_world_schedule (SimWorld *world, gint64 at, SimActionFunc func, gpointer user_data)
{
  Action *action = g_new (Action, 1);

  action->at = MAX (at, world->now);
  action->func = func;
  action->data = user_data;
  srp_sim_queue_push (&world->actions, action->at, action);
}

gint64
sim_world_get_now (SimWorld *world)
{
  return world->now;
}

typedef enum {
  NEXT_NONE,
  NEXT_ARRIVAL,
  NEXT_ACTION,
  NEXT_DEADLINE,
} Next;

/* What comes next, and when: arrivals before actions before deadlines at
 * the same time, so that the order is total. */
static Next
next_thing (SimWorld *world, gint64 *at)
{
  const SrpSimQueueItem *action = srp_sim_queue_peek (&world->actions);
  gint64 arrival = sim_net_next_arrival (world->net), deadline;
  Next next = NEXT_NONE;

  *at = -1;
  if (arrival >= 0)
    *at = arrival, next = NEXT_ARRIVAL;
  if (action != NULL && (*at < 0 || action->at < *at))
    *at = action->at, next = NEXT_ACTION;
  if (srp_sim_deadlines_peek (&world->deadlines, NULL, &deadline) && (*at < 0 || deadline < *at))
    *at = deadline, next = NEXT_DEADLINE;
  return next;
}

/* What an arrived sealed frame carries, peeked with the receiving core's
 * session for the address it came from (looking changes nothing); 0 when
 * it cannot be opened. */
static gsize
peek_sealed (SimNode *node, const SrpAddress *from, const guint8 *data, gsize len,
             guint8 plain[SRP_MAX_DATAGRAM])
{
  SrpContext *ctx = srp_core_get_context (node->core);
  const SrpLink *link = srp_link_table_lookup_address (ctx->links, from);
  gsize plain_len = 0;

  if (link != NULL && link->session != NULL)
    plain_len = srp_session_peek (link->session, data, len, plain);
  if (plain_len == 0 && link != NULL && link->session_prev != NULL)
    plain_len = srp_session_peek (link->session_prev, data, len, plain);
  return plain_len;
}

static void
count_sealed (SimWorld *world, SimNode *node, const SrpAddress *from, const guint8 *data,
              gsize len)
{
  guint8 plain[SRP_MAX_DATAGRAM];
  gsize plain_len;

  if (len <= 3 || data[3] != SRP_FRAME_SEALED)
    return;
  plain_len = peek_sealed (node, from, data, len, plain);
  world->sealed_by_kind[plain_len > 3 ? plain[3] : SRP_FRAME_SEALED]++;
}

static void
watch_arrival (SimWorld *world, SimNode *node, const SrpAddress *from, guint socket,
               const guint8 *data, gsize len)
{
  guint8 plain[SRP_MAX_DATAGRAM];
  gsize plain_len;

  if (world->watch_func == NULL || !world->watch_wants (node, world->watch_data))
    return;
  if (len <= 3 || data[3] != SRP_FRAME_SEALED)
    {
      world->watch_func (world, node, FALSE, from, socket, 0, data, len, world->watch_data);
      return;
    }
  plain_len = peek_sealed (node, from, data, len, plain);
  world->watch_func (world, node, FALSE, from, socket, 0, plain_len > 3 ? plain : NULL, plain_len,
                     world->watch_data);
}

gboolean
sim_world_step (SimWorld *world)
{
  gint64 at;
  Next next = next_thing (world, &at);

  if (next == NEXT_NONE)
    return FALSE;
  world->now = MAX (world->now, at);
  if (next == NEXT_ARRIVAL)
    {
      SimDelivery d;

      if (sim_net_arrive (world->net, &d))
        {
          SimNode *node = sim_host_get_owner (d.host);
          SrpAddress from = to_address (&d.from);

          if (world->config.open_sealed)
            count_sealed (world, node, &from, d.data, d.len);
          watch_arrival (world, node, &from, d.socket, d.data, d.len);
          srp_core_handle_datagram (node->core, world->now, d.socket, &from, d.data, d.len);
          drive (world, node, world->now);
        }
    }
  else if (next == NEXT_ACTION)
    {
      Action *action = srp_sim_queue_pop (&world->actions, NULL);

      action->func (world, action->data);
      g_free (action);
    }
  else
    {
      guint slot;
      SimNode *node;

      srp_sim_deadlines_peek (&world->deadlines, &slot, NULL);
      node = g_ptr_array_index (world->slots, slot);
      srp_core_handle_timeout (node->core, world->now);
      /* A core that still asks for now after its timeout ran is asked
       * again a microsecond later, never in a loop at one instant. */
      drive (world, node, world->now + 1);
    }
  return TRUE;
}

void
sim_world_run_until (SimWorld *world, gint64 until_us)
{
  gint64 at;

  while (next_thing (world, &at) != NEXT_NONE && at <= until_us)
    sim_world_step (world);
  world->now = MAX (world->now, until_us);
}

guint
sim_world_get_n_online (SimWorld *world)
{
  return world->n_online;
}

SimNet *
sim_world_get_net (SimWorld *world)
{
  return world->net;
}

guint64
sim_world_get_transmits (SimWorld *world)
{
  return world->transmits;
}

guint64
sim_world_get_transmit_bytes (SimWorld *world)
{
  return world->transmit_bytes;
}

void
sim_world_get_drops (SimWorld *world, guint64 out[SRP_DROP_N_REASONS])
{
  memcpy (out, world->drops, sizeof world->drops);
  for (guint i = 0; i < world->slots->len; i++)
    {
      SimNode *node = g_ptr_array_index (world->slots, i);

      for (guint r = 0; node != NULL && r < SRP_DROP_N_REASONS; r++)
        out[r] += srp_core_get_drop_count (node->core, r);
    }
}

void
sim_world_get_packet_paths (SimWorld *world, guint64 out[SIM_N_PACKET_PATHS])
{
  memcpy (out, world->packet_paths, sizeof world->packet_paths);
  for (guint i = 0; i < world->slots->len; i++)
    {
      SimNode *node = g_ptr_array_index (world->slots, i);

      if (node != NULL)
        add_packet_paths (node->core, out);
    }
}

const guint64 *
sim_world_get_sealed_by_kind (SimWorld *world)
{
  return world->sealed_by_kind;
}

const guint64 *
sim_world_get_transmits_by_kind (SimWorld *world)
{
  return world->by_kind;
}

char *
sim_world_get_trace_hash (SimWorld *world)
{
  return srp_sim_trace_hex (&world->trace);
}
