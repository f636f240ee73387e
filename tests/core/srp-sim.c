/* srp-sim.c: a discrete-event network for SrpCores, in virtual time.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-sim.h"

#include "srp-control-lan.h"

#include <string.h>

#include "srp-core-internal.h"
#include "srp-rng.h"
#include "srp-sim-heap.h"
#include "srp-sim-keys.h"
#include "srp-sim-trace.h"

/* Nodes have two sockets: the main one at port 4000, the probe one at 4001. */
#define N_SOCKETS 2

typedef struct {
  SrpCore *core;
  SrpAddress address[N_SOCKETS];
  SrpAddress address6[N_SOCKETS]; /* family 0 unless srp_sim_add_ipv6 */
  /* srp_sim_set_firewall: "socket/remote" strings of what each socket has
   * sent to; only those may send back. NULL: no firewall. */
  GHashTable *sent_to;
  gboolean open_main;  /* srp_sim_open_main_socket: a port mapping through it */
  gboolean online;
  gboolean stale; /* its core may have changed since its deadline was read */
  SrpSimKeys *keys;
} Node;

typedef struct {
  gint64 at;
  guint64 seq; /* ties broken by send order, so the schedule is total */
  guint to_node;
  guint to_socket;
  SrpAddress from;
  gsize len;
  guint8 data[SRP_MAX_DATAGRAM];
} Flight;

typedef struct {
  gint64 latency_us;
  double loss;
  gint64 jitter_us;      /* extra delay, uniform in [0, jitter]: reordering */
  double duplicate;      /* chance a datagram arrives twice */
  guint64 rate;          /* bytes per second each way (0: unlimited) */
  gsize queue_bytes;     /* the bottleneck's drop-tail queue */
  gint64 busy_until[2];  /* per direction (lower node first): the queue drains until then */
} Link;

struct _SrpSim {
  SrpRng rng;
  gint64 now;
  guint64 seq;
  GArray *nodes;          /* Node */
  GHashTable *by_address; /* SrpAddress* -> (node index << 1 | socket) + 1 */
  GHashTable *links;      /* guint64 key (a << 32 | b) -> Link* */
  GHashTable *blocked;    /* guint64 keys (link key << 8 | family): that family is lost */
  gboolean one_prefix;    /* nodes added now go into 10.255.0.0/24 */
  gboolean near;          /* a low TTL reaches the other nodes (srp_sim_set_near) */
  gint64 ipv6_extra_us;   /* IPv6 datagrams take this much longer than IPv4 */
  Link default_link;
  GSequence *flights;     /* Flight*, ordered by (at, seq) */
  /* Each online node's core deadline, read again whenever the core may
   * have changed: after the sim drove it, and after its core was handed out
   * (a test may give it commands; srp_sim_flush after them, as always). */
  SrpSimDeadlines deadlines;
  GArray *stale;          /* guint: nodes whose deadline must be read again */
  SrpSimEventFunc event_func;
  gpointer event_data;
  SrpSimFilterFunc filter_func;
  gpointer filter_data;
  SrpSimTapFunc tap_func;
  gpointer tap_data;
  SrpSimTrace trace;
  guint64 sent, lost, delivered;
};

SrpSim *
srp_sim_new (guint64 seed)
{
  SrpSim *sim = g_new0 (SrpSim, 1);

  srp_rng_init (&sim->rng, seed);
  sim->now = 1000000; /* start at 1 s so "0" never means "unset" */
  sim->nodes = g_array_new (FALSE, TRUE, sizeof (Node));
  sim->by_address = g_hash_table_new (srp_address_hash_func, srp_address_equal_func);
  sim->links = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  sim->blocked = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  sim->default_link.latency_us = 20000;
  sim->flights = g_sequence_new (g_free);
  srp_sim_deadlines_init (&sim->deadlines);
  sim->stale = g_array_new (FALSE, FALSE, sizeof (guint));
  srp_sim_trace_init (&sim->trace);
  return sim;
}

void
srp_sim_free (SrpSim *sim)
{
  for (guint i = 0; i < sim->nodes->len; i++)
    {
      srp_core_free (g_array_index (sim->nodes, Node, i).core);
      g_free (g_array_index (sim->nodes, Node, i).keys);
      g_clear_pointer (&g_array_index (sim->nodes, Node, i).sent_to, g_hash_table_unref);
    }
  g_hash_table_unref (sim->by_address);
  g_array_unref (sim->nodes);
  g_hash_table_unref (sim->links);
  g_hash_table_unref (sim->blocked);
  g_sequence_free (sim->flights);
  srp_sim_deadlines_clear (&sim->deadlines);
  g_array_unref (sim->stale);
  srp_sim_trace_clear (&sim->trace);
  g_free (sim);
}

static void mark_stale (SrpSim *sim, guint node);
static Node *get_node (SrpSim *sim, guint node);
static guint64 link_key (guint a, guint b);

/* The table points into the array, which may have moved: re-key it all. */
static void
rekey (SrpSim *sim)
{
  g_hash_table_remove_all (sim->by_address);
  for (guint i = 0; i < sim->nodes->len; i++)
    for (guint s = 0; s < N_SOCKETS; s++)
      {
        Node *n = &g_array_index (sim->nodes, Node, i);

        g_hash_table_insert (sim->by_address, &n->address[s], GUINT_TO_POINTER ((i << 1 | s) + 1));
        if (n->address6[s].family != 0)
          g_hash_table_insert (sim->by_address, &n->address6[s],
                               GUINT_TO_POINTER ((i << 1 | s) + 1));
      }
}

guint
srp_sim_add_node (SrpSim *sim, const SrpCoreConfig *config)
{
  Node node = { .online = TRUE };
  SrpCoreConfig cfg;
  guint index = sim->nodes->len;
  /* One /24 per node, as peers spread over the internet would be; or all
   * in one, as behind a carrier-grade NAT pool. */
  guint8 ip[4] = { 10, (index >> 8) & 0xff, index & 0xff, 1 };

  if (sim->one_prefix)
    {
      g_assert (index < 254);
      ip[1] = 255, ip[2] = 0, ip[3] = (guint8) (index + 1);
    }

  if (config != NULL)
    cfg = *config;
  else
    srp_core_config_init (&cfg);
  cfg.seed = srp_rng_next (&sim->rng);
  node.keys = g_new0 (SrpSimKeys, 1);
  srp_sim_keys_generate (node.keys, &sim->rng);
  memcpy (cfg.peer_id.bytes, node.keys->public, SRP_ID_LEN);
  cfg.sign = srp_sim_keys_sign;
  cfg.sign_data = node.keys;
  cfg.agree = srp_sim_keys_agree;
  cfg.agree_data = node.keys;
  cfg.n_sockets = CLAMP (cfg.n_sockets, 1, N_SOCKETS);
  node.core = srp_core_new (&cfg);
  for (guint s = 0; s < N_SOCKETS; s++)
    srp_address_init_ipv4 (&node.address[s], ip, (guint16) (4000 + s));
  srp_core_add_local_address (node.core, &node.address[0]);
  g_array_append_val (sim->nodes, node);
  rekey (sim);
  mark_stale (sim, index);
  return index;
}

void
srp_sim_add_ipv6 (SrpSim *sim, guint node)
{
  Node *n = get_node (sim, node);
  /* 2001:db8::/32 (documentation) is global to the core: a dual-stack host's
   * public IPv6 address, on its interface. */
  guint8 ip[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, (node >> 8) & 0xff, node & 0xff, [15] = 1 };

  for (guint s = 0; s < N_SOCKETS; s++)
    srp_address_init_ipv6 (&n->address6[s], ip, (guint16) (4000 + s));
  srp_core_add_local_address (n->core, &n->address6[0]);
  /* The port its INFO gives with its addresses, as the shell's listen does. */
  srp_core_set_local_port (n->core, 4000);
  rekey (sim);
  mark_stale (sim, node);
}

const SrpAddress *
srp_sim_get_address6 (SrpSim *sim, guint node)
{
  return &get_node (sim, node)->address6[0];
}

void
srp_sim_set_firewall (SrpSim *sim, guint node)
{
  Node *n = get_node (sim, node);

  if (n->sent_to == NULL)
    n->sent_to = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

void
srp_sim_open_main_socket (SrpSim *sim, guint node)
{
  get_node (sim, node)->open_main = TRUE;
}

static char *
flow_key (guint socket, const SrpAddress *remote)
{
  char text[SRP_ADDRESS_STRING_MAX];

  return g_strdup_printf ("%u/%s", socket, srp_address_to_string (remote, text));
}

void
srp_sim_set_near (SrpSim *sim, gboolean near)
{
  sim->near = near;
}

void
srp_sim_set_ipv6_extra_latency (SrpSim *sim, gint64 extra_us)
{
  sim->ipv6_extra_us = extra_us;
}

void
srp_sim_block_family (SrpSim *sim, guint a, guint b, guint8 family, gboolean blocked)
{
  guint64 key = link_key (a, b) << 8 | family;

  if (blocked)
    g_hash_table_add (sim->blocked, g_memdup2 (&key, sizeof key));
  else
    g_hash_table_remove (sim->blocked, &key);
}

void
srp_sim_bootstrap_all (SrpSim *sim, guint bootstrap)
{
  for (guint i = 0; i < sim->nodes->len; i++)
    if (i != bootstrap)
      {
        srp_core_add_bootstrap (srp_sim_get_core (sim, i), sim->now,
                                srp_sim_get_address (sim, bootstrap));
        srp_sim_flush (sim, i);
      }
}

void
srp_sim_send_mail (SrpSim *sim, guint from, guint to, const char *text)
{
  SrpId inbox;

  srp_topic_id_for_inbox (srp_sim_get_id (sim, to), &inbox);
  g_assert_true (srp_core_publish (srp_sim_get_core (sim, from), sim->now, &inbox,
                                   srp_sim_get_id (sim, to), (const guint8 *) text, strlen (text),
                                   NULL));
  srp_sim_flush (sim, from);
}

void
srp_sim_move_node (SrpSim *sim, guint node)
{
  Node *n = get_node (sim, node);
  guint8 ip[4] = { 10, 254, (node >> 8) & 0xff, node & 0xff };

  /* 10.254.0.0/16 is free: srp_sim_add_node never goes there. */
  for (guint s = 0; s < N_SOCKETS; s++)
    {
      g_hash_table_remove (sim->by_address, &n->address[s]);
      ip[1] = (guint8) (254 - (n->address[s].bytes[1] == 254)); /* a second move goes back */
      srp_address_init_ipv4 (&n->address[s], ip, (guint16) (4000 + s));
    }
  for (guint s = 0; s < N_SOCKETS; s++)
    g_hash_table_insert (sim->by_address, &n->address[s], GUINT_TO_POINTER ((node << 1 | s) + 1));
}

void
srp_sim_set_one_prefix (SrpSim *sim, gboolean one_prefix)
{
  sim->one_prefix = one_prefix;
}

const SrpId *
srp_sim_get_id (SrpSim *sim, guint node)
{
  return (const SrpId *) g_array_index (sim->nodes, Node, node).keys->public;
}

static Node *
get_node (SrpSim *sim, guint node)
{
  g_assert (node < sim->nodes->len);
  return &g_array_index (sim->nodes, Node, node);
}

static void
mark_stale (SrpSim *sim, guint node)
{
  Node *n = get_node (sim, node);

  if (!n->stale)
    {
      n->stale = TRUE;
      g_array_append_val (sim->stale, node);
    }
}

/* Reads the deadlines that may have moved; offline nodes have none. */
static void
refresh_deadlines (SrpSim *sim)
{
  for (guint i = 0; i < sim->stale->len; i++)
    {
      guint node = g_array_index (sim->stale, guint, i);
      Node *n = get_node (sim, node);

      n->stale = FALSE;
      srp_sim_deadlines_set (&sim->deadlines, node, n->online ? srp_core_poll_timeout (n->core) : -1);
    }
  g_array_set_size (sim->stale, 0);
}

SrpCore *
srp_sim_get_core (SrpSim *sim, guint node)
{
  mark_stale (sim, node);
  return get_node (sim, node)->core;
}

const SrpAddress *
srp_sim_get_address (SrpSim *sim, guint node)
{
  return &get_node (sim, node)->address[0];
}

guint
srp_sim_get_n_nodes (SrpSim *sim)
{
  return sim->nodes->len;
}

void
srp_sim_set_default_link (SrpSim *sim, gint64 latency_us, double loss)
{
  sim->default_link.latency_us = latency_us;
  sim->default_link.loss = loss;
}

static guint64
link_key (guint a, guint b)
{
  return (guint64) MIN (a, b) << 32 | MAX (a, b);
}

static Link *
own_link (SrpSim *sim, guint a, guint b)
{
  guint64 key = link_key (a, b);
  Link *link = g_hash_table_lookup (sim->links, &key);
  guint64 *stored;

  if (link != NULL)
    return link;
  link = g_new0 (Link, 1);
  link->latency_us = sim->default_link.latency_us;
  link->loss = sim->default_link.loss;
  stored = g_new (guint64, 1);
  *stored = key;
  g_hash_table_replace (sim->links, stored, link);
  return link;
}

void
srp_sim_set_link (SrpSim *sim, guint a, guint b, gint64 latency_us, double loss)
{
  Link *link = own_link (sim, a, b);

  link->latency_us = latency_us;
  link->loss = loss;
}

void
srp_sim_set_link_disorder (SrpSim *sim, guint a, guint b, gint64 jitter_us, double duplicate)
{
  Link *link = own_link (sim, a, b);

  link->jitter_us = jitter_us;
  link->duplicate = duplicate;
}

void
srp_sim_set_link_rate (SrpSim *sim, guint a, guint b, guint64 bytes_per_second, gsize queue_bytes)
{
  Link *link = own_link (sim, a, b);

  link->rate = bytes_per_second;
  link->queue_bytes = queue_bytes;
}

void
srp_sim_set_online (SrpSim *sim, guint node, gboolean online)
{
  get_node (sim, node)->online = online;
  mark_stale (sim, node);
}

void
srp_sim_set_filter (SrpSim *sim, SrpSimFilterFunc func, gpointer user_data)
{
  sim->filter_func = func;
  sim->filter_data = user_data;
}

void
srp_sim_set_event_func (SrpSim *sim, SrpSimEventFunc func, gpointer user_data)
{
  sim->event_func = func;
  sim->event_data = user_data;
}

gint64
srp_sim_get_now (SrpSim *sim)
{
  return sim->now;
}

static void
trace (SrpSim *sim, const void *data, gsize len)
{
  srp_sim_trace_bytes (&sim->trace, data, len);
}

static void
trace_u64 (SrpSim *sim, guint64 value)
{
  srp_sim_trace_u64 (&sim->trace, value);
}

static gint
flight_compare (gconstpointer a, gconstpointer b, gpointer user_data)
{
  const Flight *fa = a, *fb = b;

  if (fa->at != fb->at)
    return fa->at < fb->at ? -1 : 1;
  return fa->seq < fb->seq ? -1 : fa->seq > fb->seq;
}


/* Asks the filter about a datagram, showing a sealed frame opened with the
 * receiver's session for the sender (peeked: the real open still works). */
static gboolean
filter_drops (SrpSim *sim, guint from_node, guint to_node, const SrpTransmit *t)
{
  guint8 plain[SRP_MAX_DATAGRAM];
  gsize len = 0;

  if (t->len > 3 && t->data[3] == SRP_FRAME_SEALED)
    {
      /* Not srp_sim_get_core: looking changes nothing, so the core's
       * deadline need not be read again. */
      SrpContext *ctx = srp_core_get_context (get_node (sim, to_node)->core);
      const SrpLink *link = srp_link_table_lookup (ctx->links, srp_sim_get_id (sim, from_node));

      if (link != NULL && link->session != NULL)
        len = srp_session_peek (link->session, t->data, t->len, plain);
      if (len == 0 && link != NULL && link->session_prev != NULL)
        len = srp_session_peek (link->session_prev, t->data, t->len, plain);
    }
  if (len > 0)
    return sim->filter_func (sim, from_node, to_node, plain, len, sim->filter_data);
  return sim->filter_func (sim, from_node, to_node, t->data, t->len, sim->filter_data);
}

/* Puts one datagram on the way from from_node to a node's socket, unless
 * the link loses it. */
static void
fly (SrpSim *sim, guint from_node, const SrpTransmit *t, guint to_node, guint to_socket)
{
  const Link *link;
  guint64 key;
  Flight *flight;
  gint64 at;
  guint copies;

  key = link_key (from_node, to_node);
  link = g_hash_table_lookup (sim->links, &key);
  if (link == NULL)
    link = &sim->default_link;
  /* Draw for loss even on lossless links, so that changing one link's loss
   * does not shift every later random number. */
  if (srp_rng_double (&sim->rng) < link->loss)
    {
      sim->lost++;
      return;
    }
  if (sim->filter_func != NULL && filter_drops (sim, from_node, to_node, t))
    {
      sim->lost++;
      return;
    }
  at = sim->now + link->latency_us;
  if (t->to.family == SRP_ADDRESS_FAMILY_IPV6)
    at += sim->ipv6_extra_us;
  /* The options below draw from the RNG only when set, so that runs
   * without them replay as before. */
  if (link->rate > 0)
    {
      /* A bottleneck: each datagram waits for the ones queued before it,
       * and finds the queue full past queue_bytes. */
      gint64 *busy = &((Link *) link)->busy_until[from_node < to_node ? 0 : 1];
      gint64 start = MAX (*busy, sim->now);
      gint64 wire_us = (gint64) ((guint64) t->len * G_USEC_PER_SEC / link->rate);

      if ((guint64) (start - sim->now) * link->rate / G_USEC_PER_SEC > link->queue_bytes)
        {
          sim->lost++;
          return;
        }
      *busy = start + wire_us;
      at = *busy + link->latency_us;
    }
  if (link->jitter_us > 0)
    at += (gint64) (srp_rng_double (&sim->rng) * (double) link->jitter_us);
  copies = link->duplicate > 0 && srp_rng_double (&sim->rng) < link->duplicate ? 2 : 1;
  for (guint c = 0; c < copies; c++)
    {
      flight = g_new (Flight, 1);
      flight->at = at + (gint64) c * (link->jitter_us / 2 + 1);
      flight->seq = sim->seq++;
      flight->to_node = to_node;
      flight->to_socket = to_socket;
      /* From the sender's address of the destination's family. */
      flight->from = t->to.family == SRP_ADDRESS_FAMILY_IPV6
                       ? get_node (sim, from_node)->address6[t->socket]
                       : get_node (sim, from_node)->address[t->socket];
      flight->len = t->len;
      memcpy (flight->data, t->data, t->len);
      g_sequence_insert_sorted (sim->flights, flight, flight_compare, NULL);
    }
}

/* A LAN multicast group: every other online node in the sender's /24 gets
 * it, on its main socket (where the shell hands such datagrams in). */
static gboolean
send_to_group (SrpSim *sim, guint from_node, const SrpTransmit *t)
{
  SrpAddress v4, v6;
  const SrpAddress *own = &get_node (sim, from_node)->address[0];

  srp_lan_group (SRP_ADDRESS_FAMILY_IPV4, &v4);
  srp_lan_group (SRP_ADDRESS_FAMILY_IPV6, &v6);
  if (!srp_address_equal (&t->to, &v4) && !srp_address_equal (&t->to, &v6))
    return FALSE;
  /* The sim's nodes are IPv4 only: the IPv6 group reaches nobody. */
  if (srp_address_equal (&t->to, &v6) || t->socket != 0)
    {
      sim->lost++;
      return TRUE;
    }
  for (guint i = 0; i < sim->nodes->len; i++)
    {
      const Node *other = get_node (sim, i);

      if (i != from_node && other->online && memcmp (other->address[0].bytes, own->bytes, 3) == 0)
        fly (sim, from_node, t, i, 0);
    }
  return TRUE;
}

/* A stateful firewall in front of the node: checked on arrival, as
 * conntrack does. */
static gboolean
firewall_drops (const Node *to, const Flight *flight)
{
  g_autofree char *key = NULL;

  if (to->sent_to == NULL || (to->open_main && flight->to_socket == 0))
    return FALSE;
  key = flow_key (flight->to_socket, &flight->from);
  return !g_hash_table_contains (to->sent_to, key);
}

static gboolean
family_blocked (SrpSim *sim, guint a, guint b, guint8 family)
{
  guint64 key = link_key (a, b) << 8 | family;

  return g_hash_table_contains (sim->blocked, &key);
}

static void
send_datagram (SrpSim *sim, guint from_node, const SrpTransmit *t)
{
  guint found = GPOINTER_TO_UINT (g_hash_table_lookup (sim->by_address, &t->to));

  sim->sent++;
  if (sim->tap_func != NULL)
    sim->tap_func (sim, from_node, t, sim->tap_data);
  trace_u64 (sim, (guint64) sim->now);
  trace_u64 (sim, from_node);
  trace (sim, &t->to, sizeof t->to);
  trace (sim, t->data, t->len);
  /* Whatever leaves opens the sender's firewall, low TTL or not. */
  if (get_node (sim, from_node)->sent_to != NULL)
    g_hash_table_add (get_node (sim, from_node)->sent_to, flow_key (t->socket, &t->to));
  if (found == 0 && send_to_group (sim, from_node, t))
    return;
  /* Nodes are far apart (a low TTL dies on the way) unless set near, and
   * have no punch sockets (the sim has no NATs to punch through). */
  if (found == 0 || (t->ttl != 0 && !sim->near) || t->socket >= N_SOCKETS)
    {
      sim->lost++; /* nobody at that address */
      return;
    }
  /* No IPv6 address of its own to send from, or that family blocked. */
  if ((t->to.family == SRP_ADDRESS_FAMILY_IPV6 &&
       get_node (sim, from_node)->address6[0].family == 0) ||
      (g_hash_table_size (sim->blocked) > 0 && family_blocked (sim, from_node, (found - 1) >> 1,
                                                               t->to.family)))
    {
      sim->lost++;
      return;
    }
  fly (sim, from_node, t, (found - 1) >> 1, (found - 1) & 1);
}

void
srp_sim_flush (SrpSim *sim, guint node)
{
  SrpCore *core = get_node (sim, node)->core;
  SrpTransmit t;
  SrpCoreEvent event;

  while (srp_core_poll_transmit (core, &t))
    send_datagram (sim, node, &t);
  while (srp_core_poll_event (core, &event))
    {
      srp_sim_trace_event (&sim->trace, sim->now, node, &event);
      if (sim->event_func != NULL)
        sim->event_func (sim, node, &event, sim->event_data);
      srp_core_event_clear (&event);
    }
  mark_stale (sim, node);
}

/* The earliest core deadline among online nodes, or -1. */
static gint64
next_deadline (SrpSim *sim)
{
  gint64 at;

  refresh_deadlines (sim);
  return srp_sim_deadlines_peek (&sim->deadlines, NULL, &at) ? at : -1;
}

static int
compare_uint (gconstpointer a, gconstpointer b)
{
  guint x = *(const guint *) a, y = *(const guint *) b;
  return x < y ? -1 : x > y;
}

gboolean
srp_sim_step (SrpSim *sim)
{
  GSequenceIter *first = g_sequence_get_begin_iter (sim->flights);
  Flight *flight = g_sequence_iter_is_end (first) ? NULL : g_sequence_get (first);
  gint64 deadline = next_deadline (sim);

  if (flight == NULL && deadline < 0)
    return FALSE;

  if (flight != NULL && (deadline < 0 || flight->at <= deadline))
    {
      Node *to = get_node (sim, flight->to_node);

      sim->now = MAX (sim->now, flight->at);
      if (to->online && !firewall_drops (to, flight))
        {
          sim->delivered++;
          srp_core_handle_datagram (to->core, sim->now, flight->to_socket, &flight->from,
                                    flight->data, flight->len);
          srp_sim_flush (sim, flight->to_node);
        }
      else
        sim->lost++;
      g_sequence_remove (first);
      return TRUE;
    }

  sim->now = MAX (sim->now, deadline);
  {
    /* Every node that is due, in index order, each handled once. */
    g_autoptr (GArray) due = g_array_new (FALSE, FALSE, sizeof (guint));
    guint node;
    gint64 at;

    while (srp_sim_deadlines_peek (&sim->deadlines, &node, &at) && at <= sim->now)
      {
        g_array_append_val (due, node);
        srp_sim_deadlines_set (&sim->deadlines, node, -1);
        mark_stale (sim, node);
      }
    g_array_sort (due, compare_uint);
    for (guint i = 0; i < due->len; i++)
      {
        node = g_array_index (due, guint, i);
        srp_core_handle_timeout (get_node (sim, node)->core, sim->now);
        srp_sim_flush (sim, node);
      }
  }
  return TRUE;
}

void
srp_sim_run_until (SrpSim *sim, gint64 until_us)
{
  while (TRUE)
    {
      GSequenceIter *first = g_sequence_get_begin_iter (sim->flights);
      gint64 next = g_sequence_iter_is_end (first) ? -1 : ((Flight *) g_sequence_get (first))->at;
      gint64 deadline = next_deadline (sim);

      if (deadline >= 0 && (next < 0 || deadline < next))
        next = deadline;
      if (next < 0 || next > until_us)
        break;
      srp_sim_step (sim);
    }
  sim->now = MAX (sim->now, until_us);
}

guint64
srp_sim_get_sent (SrpSim *sim)
{
  return sim->sent;
}

guint64
srp_sim_get_lost (SrpSim *sim)
{
  return sim->lost;
}

guint64
srp_sim_get_delivered (SrpSim *sim)
{
  return sim->delivered;
}

char *
srp_sim_get_trace_hash (SrpSim *sim)
{
  return srp_sim_trace_hex (&sim->trace);
}

gboolean
srp_sim_is_connected (SrpSim *sim, guint node, guint other)
{
  g_autoptr (GArray) peers = g_array_new (FALSE, FALSE, sizeof (SrpCoreEvent));

  srp_core_list_peers (srp_sim_get_core (sim, node), peers);
  for (guint p = 0; p < peers->len; p++)
    if (srp_id_equal (&g_array_index (peers, SrpCoreEvent, p).peer.id, srp_sim_get_id (sim, other)))
      return TRUE;
  return FALSE;
}

gboolean
srp_sim_inject_from (SrpSim *sim, guint from, guint to, const guint8 *frame, gsize len)
{
  SrpContext *ctx = srp_core_get_context (srp_sim_get_core (sim, from));
  SrpLink *link = srp_link_table_lookup_address (ctx->links, srp_sim_get_address (sim, to));
  guint8 sealed[SRP_MAX_DATAGRAM];

  if (link == NULL)
    return FALSE;
  if (link->session != NULL && srp_session_seals_kind (frame[3]))
    {
      len = srp_session_seal (link->session, srp_sim_get_now (sim), frame, len, sealed);
      frame = sealed;
    }
  srp_core_handle_datagram (srp_sim_get_core (sim, to), srp_sim_get_now (sim), 0,
                            srp_sim_get_address (sim, from), frame, len);
  return TRUE;
}

void
srp_sim_set_tap (SrpSim *sim, SrpSimTapFunc func, gpointer user_data)
{
  sim->tap_func = func;
  sim->tap_data = user_data;
}
