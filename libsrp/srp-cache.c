/* srp-cache.c: SrpCache, the application's view of the packet cache the
 * core keeps: its budget, what it holds, and lookups.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-cache-private.h"

#include "srp-peer-private.h"

/**
 * SrpCache:
 *
 * A peer's share of the network-wide packet cache. Every peer keeps packets
 * of any topic, up to a byte budget, preferring topics it subscribes to, so
 * that a peer that was offline gets what was published meanwhile from the
 * peers that stayed.
 *
 * Each cached packet lives for a while; near the end of its life it is
 * passed to a few random peers with its postage one lower, and at postage 0
 * it is dropped for good. When the budget is full, expired packets go
 * first, then packets of topics nobody here subscribes to (oldest first),
 * then the oldest.
 *
 * Get it with [method@Peer.get_cache]. The figures change (with notify) as
 * the peer works.
 */

struct _SrpCache {
  GObject parent_instance;

  SrpPeer *peer; /* borrowed: the peer owns this */
  guint64 budget;
  SrpCacheStats stats;
};

G_DEFINE_FINAL_TYPE (SrpCache, srp_cache, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_BUDGET,
  PROP_USED,
  PROP_N_PACKETS,
  PROP_STORED,
  PROP_EVICTED,
  PROP_EXPIRED,
  PROP_PURGED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
srp_cache_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  SrpCache *self = SRP_CACHE (object);

  switch (prop_id)
    {
    case PROP_BUDGET:
      g_value_set_uint64 (value, self->budget);
      break;
    case PROP_USED:
      g_value_set_uint64 (value, self->stats.used);
      break;
    case PROP_N_PACKETS:
      g_value_set_uint (value, self->stats.n_packets);
      break;
    case PROP_STORED:
      g_value_set_uint64 (value, self->stats.stored);
      break;
    case PROP_EVICTED:
      g_value_set_uint64 (value, self->stats.evicted);
      break;
    case PROP_EXPIRED:
      g_value_set_uint64 (value, self->stats.expired);
      break;
    case PROP_PURGED:
      g_value_set_uint64 (value, self->stats.purged);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
srp_cache_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_BUDGET:
      srp_cache_set_budget (SRP_CACHE (object), g_value_get_uint64 (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
srp_cache_class_init (SrpCacheClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  SrpCoreConfig defaults;

  srp_core_config_init (&defaults);
  object_class->get_property = srp_cache_get_property;
  object_class->set_property = srp_cache_set_property;

  /**
   * SrpCache:budget: (getter get_budget) (setter set_budget)
   *
   * The most bytes of packets the cache holds (16 MiB by default). It is
   * never exceeded; lowering it evicts at once.
   */
  properties[PROP_BUDGET] =
    g_param_spec_uint64 ("budget", NULL, NULL, 0, G_MAXUINT64, defaults.cache_budget,
                         flags | G_PARAM_WRITABLE);

  /**
   * SrpCache:used: (getter get_used)
   *
   * The bytes of packets the cache holds now.
   */
  properties[PROP_USED] = g_param_spec_uint64 ("used", NULL, NULL, 0, G_MAXUINT64, 0, flags);

  /**
   * SrpCache:n-packets: (getter get_n_packets)
   *
   * How many packets the cache holds now.
   */
  properties[PROP_N_PACKETS] = g_param_spec_uint ("n-packets", NULL, NULL, 0, G_MAXUINT, 0, flags);

  /**
   * SrpCache:stored: (getter get_stored)
   *
   * How many packets were stored since the peer was made (counts go on across
   * [method@Peer.close] and [method@Peer.listen]).
   */
  properties[PROP_STORED] = g_param_spec_uint64 ("stored", NULL, NULL, 0, G_MAXUINT64, 0, flags);

  /**
   * SrpCache:evicted: (getter get_evicted)
   *
   * How many packets were evicted to stay within the budget.
   */
  properties[PROP_EVICTED] = g_param_spec_uint64 ("evicted", NULL, NULL, 0, G_MAXUINT64, 0, flags);

  /**
   * SrpCache:expired: (getter get_expired)
   *
   * How many packets reached the end of their life here.
   */
  properties[PROP_EXPIRED] = g_param_spec_uint64 ("expired", NULL, NULL, 0, G_MAXUINT64, 0, flags);

  /**
   * SrpCache:purged: (getter get_purged)
   *
   * How many packets were dropped for good at postage 0.
   */
  properties[PROP_PURGED] = g_param_spec_uint64 ("purged", NULL, NULL, 0, G_MAXUINT64, 0, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
srp_cache_init (SrpCache *self)
{
  SrpCoreConfig defaults;

  srp_core_config_init (&defaults);
  self->budget = defaults.cache_budget;
  self->stats.budget = defaults.cache_budget;
}

SrpCache *
srp_cache_new (SrpPeer *peer)
{
  SrpCache *self = g_object_new (SRP_TYPE_CACHE, NULL);

  self->peer = peer;
  return self;
}

void
srp_cache_detach (SrpCache *self)
{
  self->peer = NULL;
}

void
srp_cache_update (SrpCache *self, const SrpCacheStats *stats)
{
  GObject *object = G_OBJECT (self);
  SrpCacheStats old = self->stats;

  /* Every drive of the peer calls this, most often with nothing new. */
  if (old.budget == stats->budget && old.used == stats->used && old.n_packets == stats->n_packets &&
      old.stored == stats->stored && old.evicted == stats->evicted &&
      old.expired == stats->expired && old.purged == stats->purged)
    return;
  self->stats = *stats;
  g_object_freeze_notify (object);
#define NOTIFY_IF_CHANGED(field, prop) \
  if (old.field != stats->field) g_object_notify_by_pspec (object, properties[prop])
  NOTIFY_IF_CHANGED (used, PROP_USED);
  NOTIFY_IF_CHANGED (n_packets, PROP_N_PACKETS);
  NOTIFY_IF_CHANGED (stored, PROP_STORED);
  NOTIFY_IF_CHANGED (evicted, PROP_EVICTED);
  NOTIFY_IF_CHANGED (expired, PROP_EXPIRED);
  NOTIFY_IF_CHANGED (purged, PROP_PURGED);
#undef NOTIFY_IF_CHANGED
  g_object_thaw_notify (object);
}

/**
 * srp_cache_get_budget: (get-property budget)
 * @self: a cache
 *
 * Gets the cache's budget.
 *
 * Returns: bytes
 */
guint64
srp_cache_get_budget (SrpCache *self)
{
  g_return_val_if_fail (SRP_IS_CACHE (self), 0);

  return self->budget;
}

/**
 * srp_cache_set_budget: (set-property budget)
 * @self: a cache
 * @budget: bytes
 *
 * Sets the most bytes of packets the cache may hold; lowering it evicts at
 * once. It holds across [method@Peer.close] and [method@Peer.listen].
 */
void
srp_cache_set_budget (SrpCache *self, guint64 budget)
{
  g_return_if_fail (SRP_IS_CACHE (self));

  budget = MIN (budget, G_MAXSIZE);
  if (self->budget == budget)
    return;
  self->budget = budget;
  if (self->peer != NULL && self->peer->core != NULL)
    {
      srp_core_set_cache_budget (self->peer->core, g_get_monotonic_time (), (gsize) budget);
      srp_peer_drive (self->peer);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUDGET]);
}

/**
 * srp_cache_get_used: (get-property used)
 * @self: a cache
 *
 * Gets the bytes the cache holds.
 *
 * Returns: bytes
 */
guint64
srp_cache_get_used (SrpCache *self)
{
  g_return_val_if_fail (SRP_IS_CACHE (self), 0);

  return self->stats.used;
}

/**
 * srp_cache_get_n_packets: (get-property n-packets)
 * @self: a cache
 *
 * Gets how many packets the cache holds.
 *
 * Returns: the number of packets
 */
guint
srp_cache_get_n_packets (SrpCache *self)
{
  g_return_val_if_fail (SRP_IS_CACHE (self), 0);

  return self->stats.n_packets;
}

/**
 * srp_cache_lookup:
 * @self: a cache
 * @packet_id: a packet ID, 64 hexadecimal characters
 *
 * Looks a packet up by its ID.
 *
 * Returns: (transfer full) (nullable): the packet as it travels on the wire
 *   (see docs/protocol.md), or %NULL when the cache does not hold it or the ID
 *   is not valid
 */
GBytes *
srp_cache_lookup (SrpCache *self, const char *packet_id)
{
  SrpId id;

  g_return_val_if_fail (SRP_IS_CACHE (self), NULL);
  g_return_val_if_fail (packet_id != NULL, NULL);

  if (self->peer == NULL || self->peer->core == NULL || !srp_id_from_hex (&id, packet_id))
    return NULL;
  return srp_core_cache_lookup (self->peer->core, &id);
}

/**
 * srp_cache_get_stored: (get-property stored)
 * @self: a cache
 *
 * Gets how many packets were stored.
 *
 * Returns: the number of packets, since the peer was made
 */
guint64
srp_cache_get_stored (SrpCache *self)
{
  g_return_val_if_fail (SRP_IS_CACHE (self), 0);

  return self->stats.stored;
}

/**
 * srp_cache_get_evicted: (get-property evicted)
 * @self: a cache
 *
 * Gets how many packets were evicted to stay within the budget.
 *
 * Returns: the number of packets, since the peer was made
 */
guint64
srp_cache_get_evicted (SrpCache *self)
{
  g_return_val_if_fail (SRP_IS_CACHE (self), 0);

  return self->stats.evicted;
}

/**
 * srp_cache_get_expired: (get-property expired)
 * @self: a cache
 *
 * Gets how many packets reached the end of their life here.
 *
 * Returns: the number of packets, since the peer was made
 */
guint64
srp_cache_get_expired (SrpCache *self)
{
  g_return_val_if_fail (SRP_IS_CACHE (self), 0);

  return self->stats.expired;
}

/**
 * srp_cache_get_purged: (get-property purged)
 * @self: a cache
 *
 * Gets how many packets were dropped for good at postage 0.
 *
 * Returns: the number of packets, since the peer was made
 */
guint64
srp_cache_get_purged (SrpCache *self)
{
  g_return_val_if_fail (SRP_IS_CACHE (self), 0);

  return self->stats.purged;
}
