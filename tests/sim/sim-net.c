/* sim-net.c: routing datagrams through realms and NATs.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sim-net.h"

#include <string.h>

#define MAIN_PORT 4000
#define PROBE_PORT 4001
/* Linux's default ephemeral range (net.ipv4.ip_local_port_range). */
#define EPHEMERAL_FIRST 32768
#define EPHEMERAL_LAST 60999

typedef enum {
  ENTITY_HOST = 1,
  ENTITY_GATEWAY,
} EntityType;

/* What an address in a realm leads to; first in both kinds. */
typedef struct {
  EntityType type;
  guint64 key; /* realm << 32 | ip: the entities table's key */
} Entity;

typedef struct {
  guint16 number;
  guint16 port;
} PunchSocket;

struct _SimHost {
  Entity entity;
  guint realm;
  guint32 ip;
  SimPlace place;
  SimUplink uplink;
  gpointer owner;
  GArray *punch; /* PunchSocket, NULL while none is open */
};

typedef struct {
  Entity entity;
  guint nat;    /* in the SimNatTable */
  guint inside; /* its realm */
  guint parent;
  guint32 ip; /* in parent */
  SimPlace place;
} Gateway;

typedef struct {
  Gateway *gateway; /* NULL for the internet, and once removed */
  guint32 next_ip;
} Realm;

typedef struct {
  guint realm;
  SimEndpoint to, from;
  guint8 ttl;
  guint16 len;
  guint8 data[];
} Flight;

struct _SimNet {
  SrpRng rng; /* loss, jitter and ephemeral ports */
  double loss;
  SimLatency latency;
  SimNatTable *nats;
  GArray *realms;       /* Realm, by number */
  GHashTable *entities; /* guint64* key (in the entity) -> Entity */
  SrpSimQueue flights;  /* Flight*, by arrival */
  Flight *arrived;      /* the last one handed out, freed at the next */
  SimNetStats stats;
};

const char *
sim_lost_name (SimLost reason)
{
  static const char *names[SIM_N_LOST] = {
    [SIM_LOST_RANDOM] = "random",     [SIM_LOST_QUEUE] = "queue",
    [SIM_LOST_TTL] = "ttl",           [SIM_LOST_FILTERED] = "filtered",
    [SIM_LOST_NO_HOST] = "no_host",   [SIM_LOST_NO_SOCKET] = "no_socket",
    [SIM_LOST_NAT_FULL] = "nat_full",
  };

  g_return_val_if_fail (reason < SIM_N_LOST, "?");
  return names[reason];
}

static guint
key_hash (gconstpointer key)
{
  guint64 x = *(const guint64 *) key * 0x9e3779b97f4a7c15ULL;
  return (guint) (x >> 32);
}

static gboolean
key_equal (gconstpointer a, gconstpointer b)
{
  return *(const guint64 *) a == *(const guint64 *) b;
}

static guint64
entity_key (guint realm, guint32 ip)
{
  return (guint64) realm << 32 | ip;
}

SimNet *
sim_net_new (guint64 seed, double loss, const SimLatency *latency)
{
  SimNet *net = g_new0 (SimNet, 1);
  Realm internet = { .next_ip = 0 };

  srp_rng_init (&net->rng, seed);
  net->loss = loss;
  net->latency = *latency;
  net->nats = sim_nat_table_new (seed ^ 0x6e617473ULL);
  net->realms = g_array_new (FALSE, TRUE, sizeof (Realm));
  g_array_append_val (net->realms, internet);
  net->entities = g_hash_table_new (key_hash, key_equal);
  srp_sim_queue_init (&net->flights);
  return net;
}

void
sim_net_free (SimNet *net)
{
  GHashTableIter iter;
  gpointer value;

  if (net == NULL)
    return;
  g_hash_table_iter_init (&iter, net->entities);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Entity *e = value;
      if (e->type == ENTITY_HOST && ((SimHost *) e)->punch != NULL)
        g_array_unref (((SimHost *) e)->punch);
      g_free (e);
    }
  g_hash_table_unref (net->entities);
  g_array_unref (net->realms);
  srp_sim_queue_clear (&net->flights, g_free);
  g_free (net->arrived);
  sim_nat_table_free (net->nats);
  g_free (net);
}

guint32
sim_net_new_ip (SimNet *net, guint realm)
{
  Realm *r = &g_array_index (net->realms, Realm, realm);
  guint32 k = r->next_ip++;

  if (realm != SIM_NET_INTERNET)
    return k;
  /* 11.0.0.1, 11.0.1.1, ...: past 10/8, one /24 each. */
  g_assert (k < 65536u * 200);
  return (11 + k / 65536) << 24 | (k / 256 % 256) << 16 | (k % 256) << 8 | 1;
}

static Entity *
lookup (SimNet *net, guint realm, guint32 ip)
{
  guint64 key = entity_key (realm, ip);
  return g_hash_table_lookup (net->entities, &key);
}

static void
add_entity (SimNet *net, Entity *e, EntityType type, guint realm, guint32 ip)
{
  e->type = type;
  e->key = entity_key (realm, ip);
  g_assert (!g_hash_table_contains (net->entities, &e->key));
  g_hash_table_insert (net->entities, &e->key, e);
}

guint
sim_net_add_nat (SimNet *net, guint parent, guint32 ip, const SimNatBehaviour *behaviour,
                 const SimPlace *place, guint32 inside_first)
{
  Gateway *gw = g_new0 (Gateway, 1);
  Realm inside = { .gateway = gw, .next_ip = inside_first };

  gw->nat = sim_nat_add (net->nats, behaviour, ip);
  gw->inside = net->realms->len;
  gw->parent = parent;
  gw->ip = ip;
  gw->place = *place;
  g_array_append_val (net->realms, inside);
  add_entity (net, &gw->entity, ENTITY_GATEWAY, parent, ip);
  return gw->inside;
}

void
sim_net_remove_nat (SimNet *net, guint realm)
{
  Realm *r = &g_array_index (net->realms, Realm, realm);
  Gateway *gw = r->gateway;

  g_return_if_fail (gw != NULL);
  g_hash_table_remove (net->entities, &gw->entity.key);
  sim_nat_remove (net->nats, gw->nat);
  r->gateway = NULL;
  g_free (gw);
}

SimNatTable *
sim_net_get_nats (SimNet *net)
{
  return net->nats;
}

SimHost *
sim_net_add_host (SimNet *net, guint realm, guint32 ip, const SimPlace *place,
                  const SimUplink *uplink, gpointer owner)
{
  SimHost *host = g_new0 (SimHost, 1);

  host->realm = realm;
  host->ip = ip;
  host->place = *place;
  host->uplink = *uplink;
  host->owner = owner;
  add_entity (net, &host->entity, ENTITY_HOST, realm, ip);
  return host;
}

void
sim_net_remove_host (SimNet *net, SimHost *host)
{
  g_hash_table_remove (net->entities, &host->entity.key);
  if (host->punch != NULL)
    g_array_unref (host->punch);
  g_free (host);
}

gpointer
sim_host_get_owner (const SimHost *host)
{
  return host->owner;
}

static guint16
socket_port (const SimHost *host, guint socket)
{
  if (socket == 0)
    return MAIN_PORT;
  if (socket == 1)
    return PROBE_PORT;
  for (guint i = 0; host->punch != NULL && i < host->punch->len; i++)
    if (g_array_index (host->punch, PunchSocket, i).number == socket)
      return g_array_index (host->punch, PunchSocket, i).port;
  return 0;
}

/* The socket bound to port, or -1. */
static gint
port_socket (const SimHost *host, guint16 port)
{
  if (port == MAIN_PORT)
    return 0;
  if (port == PROBE_PORT)
    return 1;
  for (guint i = 0; host->punch != NULL && i < host->punch->len; i++)
    if (g_array_index (host->punch, PunchSocket, i).port == port)
      return g_array_index (host->punch, PunchSocket, i).number;
  return -1;
}

SimEndpoint
sim_host_get_endpoint (const SimHost *host, guint socket)
{
  SimEndpoint e = { .ip = host->ip, .port = socket_port (host, socket) };
  return e;
}

gboolean
sim_net_open_socket (SimNet *net, SimHost *host, guint socket)
{
  PunchSocket s = { .number = (guint16) socket };

  g_return_val_if_fail (socket >= 2 && socket <= G_MAXUINT16, FALSE);
  if (socket_port (host, socket) != 0)
    return FALSE;
  do
    s.port = (guint16) (EPHEMERAL_FIRST +
                        srp_rng_below (&net->rng, EPHEMERAL_LAST - EPHEMERAL_FIRST + 1));
  while (port_socket (host, s.port) >= 0);
  if (host->punch == NULL)
    host->punch = g_array_new (FALSE, FALSE, sizeof (PunchSocket));
  g_array_append_val (host->punch, s);
  return TRUE;
}

void
sim_net_close_socket (SimNet *net, SimHost *host, guint socket)
{
  for (guint i = 0; host->punch != NULL && i < host->punch->len; i++)
    if (g_array_index (host->punch, PunchSocket, i).number == socket)
      {
        g_array_remove_index_fast (host->punch, i);
        break;
      }
  if (host->punch != NULL && host->punch->len == 0)
    g_clear_pointer (&host->punch, g_array_unref);
}

guint
sim_host_count_sockets (const SimHost *host)
{
  return 2 + (host->punch != NULL ? host->punch->len : 0);
}

static const SimPlace *
place_of (const Entity *e)
{
  return e->type == ENTITY_HOST ? &((const SimHost *) e)->place : &((const Gateway *) e)->place;
}

static gboolean
lose (SimNet *net, SimLost why, SimLost *reason)
{
  net->stats.lost[why]++;
  if (reason != NULL)
    *reason = why;
  return FALSE;
}

gboolean
sim_net_send (SimNet *net, gint64 now, SimHost *host, guint socket, guint8 ttl,
              const SimEndpoint *to, const guint8 *data, gsize len, SimLost *reason)
{
  SimEndpoint from = sim_host_get_endpoint (host, socket);
  guint realm = host->realm;
  guint hops_left = ttl != 0 ? ttl : SIM_NET_DEFAULT_TTL;
  const Gateway *last = NULL;
  const Entity *target;
  gint64 departure, latency;
  Flight *flight;

  g_assert (len <= G_MAXUINT16);
  net->stats.sent++;
  net->stats.bytes_sent += len;
  if (from.port == 0)
    return lose (net, SIM_LOST_NO_SOCKET, reason);
  departure = sim_uplink_send (&host->uplink, now, len);
  if (departure < 0)
    return lose (net, SIM_LOST_QUEUE, reason);
  /* Up through the NATs until a realm holds the destination. */
  while ((target = lookup (net, realm, to->ip)) == NULL)
    {
      const Gateway *gw = g_array_index (net->realms, Realm, realm).gateway;

      if (gw == NULL)
        return lose (net, SIM_LOST_NO_HOST, reason);
      if (hops_left <= 1)
        return lose (net, SIM_LOST_TTL, reason);
      hops_left--;
      if (!sim_nat_outbound (net->nats, gw->nat, now, &from, to, &from))
        return lose (net, SIM_LOST_NAT_FULL, reason);
      last = gw;
      realm = gw->parent;
    }
  if ((last != NULL && target == &last->entity) || realm != SIM_NET_INTERNET)
    /* Hairpinned by the gateway just crossed, or a LAN. */
    latency = SIM_NET_LOCAL_US;
  else
    {
      gboolean lost;

      if (hops_left <= SIM_NET_INTERNET_HOPS)
        return lose (net, SIM_LOST_TTL, reason);
      hops_left -= SIM_NET_INTERNET_HOPS;
      /* Both draws every time, so that one datagram's fate never shifts
       * the random numbers of the next. */
      lost = srp_rng_double (&net->rng) < net->loss;
      latency = sim_latency_base (&net->latency, &host->place, place_of (target));
      latency += sim_latency_jitter (&net->latency, latency, &net->rng);
      if (lost)
        return lose (net, SIM_LOST_RANDOM, reason);
    }
  flight = g_malloc (sizeof (Flight) + len);
  flight->realm = realm;
  flight->to = *to;
  flight->from = from;
  flight->ttl = (guint8) hops_left;
  flight->len = (guint16) len;
  memcpy (flight->data, data, len);
  srp_sim_queue_push (&net->flights, departure + latency, flight);
  return TRUE;
}

gint64
sim_net_next_arrival (SimNet *net)
{
  const SrpSimQueueItem *next = srp_sim_queue_peek (&net->flights);
  return next != NULL ? next->at : -1;
}

gboolean
sim_net_arrive (SimNet *net, SimDelivery *out)
{
  gint64 now;
  Flight *flight;
  guint realm;
  SimEndpoint to;
  guint hops_left;
  const Entity *e;

  g_clear_pointer (&net->arrived, g_free);
  flight = net->arrived = srp_sim_queue_pop (&net->flights, &now);
  g_return_val_if_fail (flight != NULL, FALSE);
  realm = flight->realm;
  to = flight->to;
  hops_left = flight->ttl;
  /* Down through the far side's NATs, as they are now. */
  while ((e = lookup (net, realm, to.ip)) != NULL && e->type == ENTITY_GATEWAY)
    {
      const Gateway *gw = (const Gateway *) e;

      if (hops_left <= 1)
        return lose (net, SIM_LOST_TTL, NULL);
      hops_left--;
      if (!sim_nat_inbound (net->nats, gw->nat, now, &flight->from, to.port, &to))
        {
          if (flight->len >= 4)
            net->stats.filtered_by_kind[flight->data[3]]++;
          return lose (net, SIM_LOST_FILTERED, NULL);
        }
      realm = gw->inside;
    }
  if (e == NULL)
    return lose (net, SIM_LOST_NO_HOST, NULL);
  out->host = (SimHost *) e;
  if (port_socket (out->host, to.port) < 0)
    return lose (net, SIM_LOST_NO_SOCKET, NULL);
  out->socket = (guint) port_socket (out->host, to.port);
  out->from = flight->from;
  out->data = flight->data;
  out->len = flight->len;
  net->stats.delivered++;
  return TRUE;
}

const SimNetStats *
sim_net_get_stats (SimNet *net)
{
  return &net->stats;
}

guint
sim_net_get_n_in_flight (SimNet *net)
{
  return srp_sim_queue_size (&net->flights);
}

void
sim_net_sweep (SimNet *net, gint64 now)
{
  sim_nat_table_sweep (net->nats, now);
}
