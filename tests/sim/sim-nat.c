/* sim-nat.c: NAT mappings, permissions and their timeouts (RFC 4787).
 *
 * All NATs share three hash tables rather than owning a few each: a home
 * NAT holds a handful of entries, and 100,000 tables of a handful cost more
 * than the entries. Keys carry the NAT's number.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sim-nat.h"

#define FIRST_PORT 1024
#define N_PORTS (65536 - FIRST_PORT)
#define RANDOM_TRIES 64

typedef struct {
  SimNatBehaviour behaviour;
  guint32 external_ip;
  gboolean removed;
} Nat;

/* A mapping's identity: the remote is zero for endpoint-independent ones. */
typedef struct {
  guint32 nat;
  guint32 internal_ip;
  guint32 remote_ip;
  guint16 internal_port;
  guint16 remote_port;
} MappingKey;

typedef struct {
  MappingKey key;
  guint64 port_key; /* nat << 16 | external_port: the by_port key */
  guint16 external_port;
  gint64 expires;
} Mapping;

/* Who may send in through an external port: the remote port is zero under
 * address-dependent filtering. */
typedef struct {
  guint32 nat;
  guint32 remote_ip;
  guint16 external_port;
  guint16 remote_port;
  gint64 expires;
} Permission;

struct _SimNatTable {
  GArray *nats;            /* Nat, by number */
  GHashTable *mappings;    /* MappingKey* (in the Mapping) -> Mapping (owned) */
  GHashTable *by_port;     /* guint64* (port_key in the Mapping) -> Mapping */
  GHashTable *permissions; /* Permission* -> itself (owned) */
  SrpRng rng;
};

void
sim_nat_behaviour_init (SimNatBehaviour *b, SimNatKind kind, gint64 timeout_us)
{
  b->mapping = kind == SIM_NAT_SYMMETRIC ? SIM_MAPPING_ADDRESS_AND_PORT_DEPENDENT
                                         : SIM_MAPPING_ENDPOINT_INDEPENDENT;
  b->filtering = kind == SIM_NAT_FULL_CONE            ? SIM_FILTERING_ENDPOINT_INDEPENDENT
                 : kind == SIM_NAT_ADDRESS_RESTRICTED ? SIM_FILTERING_ADDRESS_DEPENDENT
                                                      : SIM_FILTERING_ADDRESS_AND_PORT_DEPENDENT;
  b->ports = kind == SIM_NAT_SYMMETRIC ? SIM_PORTS_RANDOM : SIM_PORTS_PRESERVE;
  b->timeout_us = timeout_us;
  b->refresh_inbound = TRUE;
}

/* A 64-bit finaliser (splitmix64's): keys differ in few bits. */
static guint64
mix (guint64 x)
{
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

static guint
mapping_key_hash (gconstpointer p)
{
  const MappingKey *k = p;

  return (guint) mix (
      mix ((guint64) k->nat << 32 | k->internal_ip) ^
      ((guint64) k->remote_ip << 32 | (guint32) k->internal_port << 16 | k->remote_port));
}

static gboolean
mapping_key_equal (gconstpointer a, gconstpointer b)
{
  const MappingKey *x = a, *y = b;

  return x->nat == y->nat && x->internal_ip == y->internal_ip && x->remote_ip == y->remote_ip &&
         x->internal_port == y->internal_port && x->remote_port == y->remote_port;
}

static guint
port_key_hash (gconstpointer p)
{
  return (guint) mix (*(const guint64 *) p);
}

static gboolean
port_key_equal (gconstpointer a, gconstpointer b)
{
  return *(const guint64 *) a == *(const guint64 *) b;
}

static guint
permission_hash (gconstpointer p)
{
  const Permission *k = p;

  return (guint) mix (mix ((guint64) k->nat << 32 | k->remote_ip) ^
                      ((guint64) k->external_port << 16 | k->remote_port));
}

static gboolean
permission_equal (gconstpointer a, gconstpointer b)
{
  const Permission *x = a, *y = b;

  return x->nat == y->nat && x->remote_ip == y->remote_ip && x->external_port == y->external_port &&
         x->remote_port == y->remote_port;
}

SimNatTable *
sim_nat_table_new (guint64 seed)
{
  SimNatTable *table = g_new0 (SimNatTable, 1);

  table->nats = g_array_new (FALSE, TRUE, sizeof (Nat));
  table->mappings = g_hash_table_new_full (mapping_key_hash, mapping_key_equal, NULL, g_free);
  table->by_port = g_hash_table_new (port_key_hash, port_key_equal);
  table->permissions = g_hash_table_new_full (permission_hash, permission_equal, g_free, NULL);
  srp_rng_init (&table->rng, seed);
  return table;
}

void
sim_nat_table_free (SimNatTable *table)
{
  if (table == NULL)
    return;
  g_hash_table_unref (table->by_port);
  g_hash_table_unref (table->mappings);
  g_hash_table_unref (table->permissions);
  g_array_unref (table->nats);
  g_free (table);
}

guint
sim_nat_add (SimNatTable *table, const SimNatBehaviour *behaviour, guint32 external_ip)
{
  Nat nat = { .behaviour = *behaviour, .external_ip = external_ip };

  g_array_append_val (table->nats, nat);
  return table->nats->len - 1;
}

static Nat *
get_nat (SimNatTable *table, guint nat)
{
  g_assert (nat < table->nats->len);
  return &g_array_index (table->nats, Nat, nat);
}

void
sim_nat_remove (SimNatTable *table, guint nat)
{
  get_nat (table, nat)->removed = TRUE;
}

guint32
sim_nat_get_external_ip (SimNatTable *table, guint nat)
{
  return get_nat (table, nat)->external_ip;
}

const SimNatBehaviour *
sim_nat_get_behaviour (SimNatTable *table, guint nat)
{
  return &get_nat (table, nat)->behaviour;
}

static void
drop_mapping (SimNatTable *table, Mapping *m)
{
  g_hash_table_remove (table->by_port, &m->port_key);
  g_hash_table_remove (table->mappings, &m->key);
}

/* The live mapping on an external port, or NULL (an expired one is freed). */
static Mapping *
mapping_on_port (SimNatTable *table, guint nat, guint16 port, gint64 now)
{
  guint64 key = (guint64) nat << 16 | port;
  Mapping *m = g_hash_table_lookup (table->by_port, &key);

  if (m != NULL && m->expires <= now)
    {
      drop_mapping (table, m);
      m = NULL;
    }
  return m;
}

/* A free external port: the preferred one when the NAT preserves ports and
 * it is free, else a random free one; 0 when none is. */
static guint16
choose_port (SimNatTable *table, guint nat, guint16 preferred, gint64 now)
{
  const Nat *n = get_nat (table, nat);
  guint start;

  if (n->behaviour.ports == SIM_PORTS_PRESERVE && preferred != 0 &&
      mapping_on_port (table, nat, preferred, now) == NULL)
    return preferred;
  for (guint i = 0; i < RANDOM_TRIES; i++)
    {
      guint16 port = (guint16) (FIRST_PORT + srp_rng_below (&table->rng, N_PORTS));
      if (mapping_on_port (table, nat, port, now) == NULL)
        return port;
    }
  /* Nearly full: walk from a random place, so the answer is still found. */
  start = (guint) srp_rng_below (&table->rng, N_PORTS);
  for (guint i = 0; i < N_PORTS; i++)
    {
      guint16 port = (guint16) (FIRST_PORT + (start + i) % N_PORTS);
      if (mapping_on_port (table, nat, port, now) == NULL)
        return port;
    }
  return 0;
}

static Permission *
find_permission (SimNatTable *table, guint nat, guint16 external_port, const SimEndpoint *remote,
                 SimFiltering filtering)
{
  Permission key = {
    .nat = nat,
    .remote_ip = remote->ip,
    .external_port = external_port,
    .remote_port = filtering == SIM_FILTERING_ADDRESS_DEPENDENT ? 0 : remote->port,
  };

  return g_hash_table_lookup (table->permissions, &key);
}

gboolean
sim_nat_outbound (SimNatTable *table, guint nat, gint64 now, const SimEndpoint *internal,
                  const SimEndpoint *remote, SimEndpoint *external)
{
  const Nat *n = get_nat (table, nat);
  gboolean dependent = n->behaviour.mapping == SIM_MAPPING_ADDRESS_AND_PORT_DEPENDENT;
  MappingKey key = {
    .nat = nat,
    .internal_ip = internal->ip,
    .internal_port = internal->port,
    .remote_ip = dependent ? remote->ip : 0,
    .remote_port = dependent ? remote->port : 0,
  };
  Mapping *m = g_hash_table_lookup (table->mappings, &key);
  gint64 expires = now + n->behaviour.timeout_us;

  g_assert (!n->removed);
  if (m != NULL && m->expires <= now)
    {
      drop_mapping (table, m);
      m = NULL;
    }
  if (m == NULL)
    {
      guint16 port = choose_port (table, nat, internal->port, now);

      if (port == 0)
        return FALSE;
      m = g_new (Mapping, 1);
      m->key = key;
      m->external_port = port;
      m->port_key = (guint64) nat << 16 | port;
      g_hash_table_insert (table->mappings, &m->key, m);
      g_hash_table_insert (table->by_port, &m->port_key, m);
    }
  m->expires = expires;
  if (n->behaviour.filtering != SIM_FILTERING_ENDPOINT_INDEPENDENT)
    {
      Permission *p =
          find_permission (table, nat, m->external_port, remote, n->behaviour.filtering);

      if (p == NULL)
        {
          p = g_new (Permission, 1);
          p->nat = nat;
          p->remote_ip = remote->ip;
          p->external_port = m->external_port;
          p->remote_port =
              n->behaviour.filtering == SIM_FILTERING_ADDRESS_DEPENDENT ? 0 : remote->port;
          g_hash_table_add (table->permissions, p);
        }
      p->expires = expires;
    }
  external->ip = n->external_ip;
  external->port = m->external_port;
  return TRUE;
}

gboolean
sim_nat_inbound (SimNatTable *table, guint nat, gint64 now, const SimEndpoint *remote,
                 guint16 external_port, SimEndpoint *internal)
{
  const Nat *n = get_nat (table, nat);
  Mapping *m = mapping_on_port (table, nat, external_port, now);
  Permission *p = NULL;

  if (m == NULL)
    return FALSE;
  if (n->behaviour.filtering != SIM_FILTERING_ENDPOINT_INDEPENDENT)
    {
      p = find_permission (table, nat, external_port, remote, n->behaviour.filtering);
      if (p == NULL || p->expires <= now)
        return FALSE;
    }
  if (n->behaviour.refresh_inbound)
    {
      m->expires = now + n->behaviour.timeout_us;
      if (p != NULL)
        p->expires = m->expires;
    }
  internal->ip = m->key.internal_ip;
  internal->port = m->key.internal_port;
  return TRUE;
}

typedef struct {
  SimNatTable *table;
  gint64 now;
} Sweep;

static gboolean
mapping_dead (gpointer key, gpointer value, gpointer data)
{
  const Mapping *m = value;
  const Sweep *s = data;

  return m->expires <= s->now || get_nat (s->table, m->key.nat)->removed;
}

static gboolean
permission_dead (gpointer key, gpointer value, gpointer data)
{
  const Permission *p = key;
  const Sweep *s = data;

  return p->expires <= s->now || get_nat (s->table, p->nat)->removed;
}

void
sim_nat_table_sweep (SimNatTable *table, gint64 now)
{
  Sweep s = { table, now };

  /* The same test on both tables, the one that does not own them first:
   * iteration order does not matter, since only dead entries go. */
  g_hash_table_foreach_remove (table->by_port, mapping_dead, &s);
  g_hash_table_foreach_remove (table->mappings, mapping_dead, &s);
  g_hash_table_foreach_remove (table->permissions, permission_dead, &s);
}

guint
sim_nat_table_count_mappings (SimNatTable *table)
{
  return g_hash_table_size (table->mappings);
}

guint
sim_nat_table_count_permissions (SimNatTable *table)
{
  return g_hash_table_size (table->permissions);
}
