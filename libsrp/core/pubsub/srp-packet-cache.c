/* srp-packet-cache.c: the shared packet cache.
 *
 * Entries sit in two queues in order of arrival: one for topics this peer
 * subscribes to, one for the rest. Arrival order is also expiry order (one
 * TTL for all), so the earliest expiry is at one of the two heads, and the
 * eviction order (expired, then unsubscribed oldest, then oldest) needs
 * only the heads too. Each entry also sits in its topic's queue, which is
 * what moving a topic between the two queues and anti-entropy walk.
 * Nothing iterates a hash table, so results depend on the inputs only.
 *
 * Entries are found by ID and by ID prefix through one flat index (open
 * addressing on the prefix, linear probing, deletion by shifting back): a
 * slot holds the prefix beside the entry, so probing past other IDs reads
 * no entry, and a packet costs one probe run where two GHashTables cost
 * two, each through three arrays and a key pointer.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-packet-cache.h"
#include "srp-linear-probe.h"
#include "srp-prefetch.h"
#include "srp-recent-ids.h"

#include <stdlib.h>
#include <string.h>

typedef struct _Topic Topic;

typedef struct {
  SrpPacketCacheEntry e;     /* must stay first */
  guint64 seq;         /* arrival order */
  guint64 prefix;
  gsize cost;
  Topic *topic;
  gboolean prefix_owner; /* what lookup_prefix gives for its prefix */
  GList age_link;      /* in subscribed or other; data points here */
  GList topic_link;    /* in topic->entries; data points here */
  /* An entry that encoded its packet itself keeps the frame here, in the
   * same allocation: block is then the GBytes over it whose last
   * reference frees the entry (a message delivered as a slice of the frame
   * may outlive the entry's place in the cache). NULL for a frame the
   * caller encoded. e.frame is block unless srp_packet_cache_replace gave
   * the entry another frame. */
  GBytes *block;
  guint8 frame[];
} Entry;

struct _Topic {
  SrpId id;
  gboolean subscribed;
  GQueue entries;      /* Entry, oldest first */
  GArray *prefixes;    /* sorted guint64, rebuilt when stale */
  gboolean stale;
};

typedef struct {
  guint64 prefix;
  Entry *entry;          /* NULL: the slot is empty */
} Slot;

/* The index's smallest size; it doubles above half full and halves below
 * an eighth, so it stays within 16 slots per entry held and its probes short. */
#define MIN_SLOTS 64u

struct _SrpCache {
  gsize budget;
  gint64 ttl_us;
  guint64 next_seq;
  Slot *slots;           /* every entry, by prefix: mask + 1 slots */
  guint mask, n_slotted;
  guint64 hash_key;      /* slots by srp_prefix_hash_keyed: others choose the IDs */
  GHashTable *topics;    /* SrpId* (in the topic) -> Topic (owned) */
  Topic *last_topic;     /* the last one get_topic gave: floods stay on one */
  GHashTable *wanted;    /* SrpId* (owned) of subscribed topics, cached or not */
  /* earliest ()'s expiry, or -1, kept as the queues change: every input
   * asks for it (the expiry timer), and finding it there read three cold
   * lines, 4 % of srp-simulate's time at 10,000 peers. */
  gint64 next_expiry;
  GQueue subscribed;     /* Entry, oldest first */
  GQueue other;          /* Entry, oldest first */
  SrpPacketCacheCounters counters;
  SrpPacketCacheObserver observer;
  gpointer observer_data;

  SrpRecentIds *gone;    /* IDs that left, the oldest forgotten first */
};

static void
topic_free (gpointer data)
{
  Topic *t = data;
  g_clear_pointer (&t->prefixes, g_array_unref);
  g_free (t);
}

static guint
home_of (const SrpPacketCache *cache, guint64 prefix)
{
  return srp_prefix_hash_keyed (prefix, cache->hash_key) & cache->mask;
}

SrpPacketCache *
srp_packet_cache_new (gsize budget, gint64 ttl_us, guint remembered_ids, guint64 hash_key)
{
  SrpPacketCache *cache = g_new0 (SrpPacketCache, 1);

  cache->budget = budget;
  cache->ttl_us = ttl_us;
  cache->slots = g_new0 (Slot, MIN_SLOTS);
  cache->mask = MIN_SLOTS - 1;
  cache->topics = g_hash_table_new_full (srp_id_hash_func, srp_id_equal_func, NULL, topic_free);
  cache->wanted = g_hash_table_new_full (srp_id_hash_func, srp_id_equal_func, g_free, NULL);
  cache->hash_key = hash_key;
  cache->gone = srp_recent_ids_new (remembered_ids, hash_key ^ 1);
  cache->next_expiry = -1;
  g_queue_init (&cache->subscribed);
  g_queue_init (&cache->other);
  return cache;
}

static void
entry_free (Entry *entry)
{
  GBytes *block = entry->block;

  if (entry->e.frame != block)
    g_bytes_unref (entry->e.frame);
  if (block != NULL)
    g_bytes_unref (block); /* frees entry, now or when the last slice goes */
  else
    g_free (entry);
}

void
srp_packet_cache_free (SrpPacketCache *cache)
{
  GList *l;

  if (cache == NULL)
    return;
  while ((l = g_queue_pop_head_link (&cache->subscribed)) != NULL)
    entry_free (l->data);
  while ((l = g_queue_pop_head_link (&cache->other)) != NULL)
    entry_free (l->data);
  g_free (cache->slots);
  g_hash_table_unref (cache->topics);
  g_hash_table_unref (cache->wanted);
  srp_recent_ids_free (cache->gone);
  g_free (cache);
}

/* ---- the index ---------------------------------------------------------------------- */

static Entry *
index_find (const SrpPacketCache *cache, const SrpId *id)
{
  guint64 prefix = srp_id_prefix (id);

  for (guint i = home_of (cache, prefix); cache->slots[i].entry != NULL; i = (i + 1) & cache->mask)
    if (cache->slots[i].prefix == prefix && srp_id_equal (&cache->slots[i].entry->e.id, id))
      return cache->slots[i].entry;
  return NULL;
}

static Entry *
index_find_prefix_owner (const SrpPacketCache *cache, guint64 prefix)
{
  for (guint i = home_of (cache, prefix); cache->slots[i].entry != NULL; i = (i + 1) & cache->mask)
    if (cache->slots[i].prefix == prefix && cache->slots[i].entry->prefix_owner)
      return cache->slots[i].entry;
  return NULL;
}

static void
index_place (SrpPacketCache *cache, Entry *entry)
{
  guint i = home_of (cache, entry->prefix);

  while (cache->slots[i].entry != NULL)
    i = (i + 1) & cache->mask;
  cache->slots[i] = (Slot) { entry->prefix, entry };
}

static void
index_resize (SrpPacketCache *cache, guint size)
{
  Slot *old = cache->slots;
  guint old_size = cache->mask + 1;

  cache->slots = g_new0 (Slot, size);
  cache->mask = size - 1;
  for (guint i = 0; i < old_size; i++)
    if (old[i].entry != NULL)
      index_place (cache, old[i].entry);
  g_free (old);
}

/* The first entry of a prefix answers for it until it leaves (then
 * nobody does): what the table of prefixes did, and a forged ID sharing
 * a genuine one's prefix cannot take the place of one already held. */
static void
index_add (SrpPacketCache *cache, Entry *entry)
{
  if (2 * (cache->n_slotted + 1) > cache->mask + 1)
    index_resize (cache, 2 * (cache->mask + 1));
  entry->prefix_owner = index_find_prefix_owner (cache, entry->prefix) == NULL;
  index_place (cache, entry);
  cache->n_slotted++;
}

static void
index_remove (SrpPacketCache *cache, Entry *entry)
{
  guint hole = home_of (cache, entry->prefix);

  while (cache->slots[hole].entry != entry)
    hole = (hole + 1) & cache->mask;
  /* Later slots of the run move back into the hole (srp-linear-probe.h). */
  for (guint j = (hole + 1) & cache->mask; cache->slots[j].entry != NULL; j = (j + 1) & cache->mask)
    {
      guint home = home_of (cache, cache->slots[j].prefix);
      if (!srp_linear_probe_stays (hole, home, j))
        {
          cache->slots[hole] = cache->slots[j];
          hole = j;
        }
    }
  cache->slots[hole].entry = NULL;
  cache->n_slotted--;
  entry->prefix_owner = FALSE;
  if (cache->mask + 1 > MIN_SLOTS && 8 * cache->n_slotted < cache->mask + 1)
    index_resize (cache, (cache->mask + 1) / 2);
}

/* ---- the cache ---------------------------------------------------------------------- */

static void
remember_gone (SrpPacketCache *cache, const SrpId *id)
{
  srp_recent_ids_add (cache->gone, id);
}

gboolean
srp_packet_cache_is_gone (SrpPacketCache *cache, const SrpId *id)
{
  return srp_recent_ids_contains (cache->gone, id);
}

static GQueue *
age_queue (SrpPacketCache *cache, Entry *entry)
{
  return entry->topic->subscribed ? &cache->subscribed : &cache->other;
}

static Entry *earliest (const SrpPacketCache *cache);

static void
note_next_expiry (SrpPacketCache *cache)
{
  Entry *entry = earliest (cache);

  cache->next_expiry = entry != NULL ? entry->e.expires_at : -1;
}

/* Takes an entry out of every index; the caller frees or hands it on. */
static void
unlink_entry (SrpPacketCache *cache, Entry *entry)
{
  Topic *topic = entry->topic;

  g_queue_unlink (age_queue (cache, entry), &entry->age_link);
  note_next_expiry (cache);
  g_queue_unlink (&topic->entries, &entry->topic_link);
  topic->stale = TRUE;
  index_remove (cache, entry);
  cache->counters.used -= entry->cost;
  cache->counters.n_packets--;
  remember_gone (cache, &entry->e.id);
  if (cache->observer != NULL)
    cache->observer (&entry->e, FALSE, cache->observer_data);
  if (topic->entries.length == 0)
    {
      if (cache->last_topic == topic)
        cache->last_topic = NULL;
      g_hash_table_remove (cache->topics, &topic->id);
    }
}

static Entry *
tail_of (GQueue *queue)
{
  return queue->tail != NULL ? queue->tail->data : NULL;
}

static Entry *
head (const GQueue *queue)
{
  return queue->head != NULL ? queue->head->data : NULL;
}

/* The entry that expires first, or NULL. */
static Entry *
earliest (const SrpPacketCache *cache)
{
  Entry *a = head (&cache->subscribed), *b = head (&cache->other);

  if (a == NULL || b == NULL)
    return a != NULL ? a : b;
  return a->seq < b->seq ? a : b;
}

/* The entry evict_one takes next, in the documented order (expired, then
 * unsubscribed oldest, then oldest), or NULL when the cache is empty. */
static Entry *
next_victim (const SrpPacketCache *cache, gint64 now_us)
{
  Entry *victim = earliest (cache);

  if (victim != NULL && victim->e.expires_at > now_us)
    victim = head (&cache->other) != NULL ? head (&cache->other) : head (&cache->subscribed);
  return victim;
}

void
srp_packet_cache_prefetch (const SrpPacketCache *cache, gint64 now_us, const SrpId *id)
{
  const Entry *victim;

  SRP_PREFETCH (&cache->slots[home_of (cache, srp_id_prefix (id))]);
  srp_recent_ids_prefetch (cache->gone, id);
  /* Near the budget, storing evicts the next victim: its index slot, its
   * GBytes and its place among the IDs gone. */
  if (cache->counters.used + SRP_PACKET_CACHE_ENTRY_OVERHEAD + SRP_MAX_DATAGRAM <= cache->budget)
    return;
  victim = next_victim (cache, now_us);
  if (victim == NULL)
    return;
  SRP_PREFETCH_WRITE (&cache->slots[home_of (cache, victim->prefix)]);
  SRP_PREFETCH_WRITE (victim->block);
  srp_recent_ids_prefetch (cache->gone, &victim->e.id);
}

/* Evicts one entry to make room, in the documented order; FALSE when empty. */
static gboolean
evict_one (SrpPacketCache *cache, gint64 now_us)
{
  Entry *victim = next_victim (cache, now_us);

  if (victim == NULL)
    return FALSE;
  unlink_entry (cache, victim);
  entry_free (victim);
  cache->counters.evicted++;
  /* A full cache evicts once per packet stored, in arrival order: the
   * next victim's bookkeeping, written a cache-full ago, is cold. Loaded
   * now, srp_packet_cache_prefetch can read where its slots are. */
  victim = next_victim (cache, now_us);
  if (victim != NULL)
    for (gsize at = 0; at < sizeof (Entry); at += 64)
      SRP_PREFETCH_WRITE ((const guint8 *) victim + at);
  return TRUE;
}

static Topic *
get_topic (SrpPacketCache *cache, const SrpId *topic_id)
{
  Topic *topic = cache->last_topic;

  if (topic != NULL && srp_id_equal (&topic->id, topic_id))
    return topic;
  topic = g_hash_table_lookup (cache->topics, topic_id);
  if (topic == NULL)
    {
      topic = g_new0 (Topic, 1);
      topic->id = *topic_id;
      topic->subscribed = g_hash_table_contains (cache->wanted, topic_id);
      g_queue_init (&topic->entries);
      topic->stale = TRUE;
      g_hash_table_insert (cache->topics, &topic->id, topic);
    }
  cache->last_topic = topic;
  return topic;
}

/* Adds a packet that will expire at expires_at, no later than the
 * packets after which it is queued. */
static SrpPacketCacheResult
add_entry (SrpPacketCache *cache, gint64 now_us, const SrpPacket *packet, GBytes *encoded,
           gint64 expires_at)
{
  gsize len, cost;
  Entry *entry;

  if (index_find (cache, &packet->id) != NULL)
    return SRP_PACKET_CACHE_HELD;
  if (srp_recent_ids_contains (cache->gone, &packet->id))
    return SRP_PACKET_CACHE_GONE;
  len = SRP_PACKET_FRAME_LEN (packet->body_len);
  cost = len + SRP_PACKET_CACHE_ENTRY_OVERHEAD;
  if (cost > cache->budget)
    {
      /* Remembered all the same: a copy arriving later is then known as
       * seen, and relays do not pass it on again and again. */
      remember_gone (cache, &packet->id);
      return SRP_PACKET_CACHE_TOO_LARGE;
    }
  while (cache->counters.used + cost > cache->budget)
    if (!evict_one (cache, now_us))
      break;

  if (encoded != NULL)
    {
      g_assert (g_bytes_get_size (encoded) == len);
      entry = g_new0 (Entry, 1);
      entry->e.frame = g_bytes_ref (encoded);
    }
  else
    {
      /* Encoded where it will stay, beside its bookkeeping: one
       * allocation, and no copy through the stack. */
      entry = g_malloc (sizeof (Entry) + len);
      memset (entry, 0, sizeof (Entry));
      if (srp_packet_encode (packet, entry->frame) != len)
        g_assert_not_reached ();
      entry->block = g_bytes_new_with_free_func (entry->frame, len, g_free, entry);
      entry->e.frame = entry->block;
    }
  entry->e.id = packet->id;
  entry->e.topic_id = packet->topic_id;
  entry->e.postage = packet->postage;
  entry->e.stored_at = now_us;
  entry->e.expires_at = expires_at;
  entry->seq = cache->next_seq++;
  entry->prefix = srp_id_prefix (&packet->id);
  entry->cost = cost;
  entry->topic = get_topic (cache, &packet->topic_id);
  entry->age_link.data = entry;
  entry->topic_link.data = entry;
  /* Arrival order must stay expiry order, in both queues (a topic's
   * entries move between them): a restored packet does not expire before
   * any that came before it. */
  if (tail_of (&cache->subscribed) != NULL)
    entry->e.expires_at = MAX (entry->e.expires_at, tail_of (&cache->subscribed)->e.expires_at);
  if (tail_of (&cache->other) != NULL)
    entry->e.expires_at = MAX (entry->e.expires_at, tail_of (&cache->other)->e.expires_at);
  g_queue_push_tail_link (age_queue (cache, entry), &entry->age_link);
  note_next_expiry (cache);
  g_queue_push_tail_link (&entry->topic->entries, &entry->topic_link);
  entry->topic->stale = TRUE;
  index_add (cache, entry);
  cache->counters.used += cost;
  cache->counters.n_packets++;
  cache->counters.stored++;
  g_assert (cache->counters.used <= cache->budget);
  if (cache->observer != NULL)
    cache->observer (&entry->e, TRUE, cache->observer_data);
  return SRP_PACKET_CACHE_STORED;
}

gboolean
srp_packet_cache_replace (SrpPacketCache *cache, const SrpPacket *packet)
{
  Entry *entry = index_find (cache, &packet->id);
  guint8 frame[SRP_MAX_DATAGRAM];
  gsize len;

  if (entry == NULL)
    return FALSE;
  /* Same ID, so the same body and size: the cost and the places stay. */
  len = srp_packet_encode (packet, frame);
  g_assert (len == g_bytes_get_size (entry->e.frame));
  /* Others may hold the old frame (sends, slices): it stays as it was. */
  if (entry->e.frame != entry->block)
    g_bytes_unref (entry->e.frame);
  entry->e.frame = g_bytes_new (frame, len);
  entry->e.postage = packet->postage;
  return TRUE;
}

SrpPacketCacheResult
srp_packet_cache_add (SrpPacketCache *cache, gint64 now_us, const SrpPacket *packet)
{
  return add_entry (cache, now_us, packet, NULL, now_us + cache->ttl_us);
}

SrpPacketCacheResult
srp_packet_cache_add_encoded (SrpPacketCache *cache, gint64 now_us, const SrpPacket *packet,
                              GBytes *frame)
{
  return add_entry (cache, now_us, packet, frame, now_us + cache->ttl_us);
}

SrpPacketCacheResult
srp_packet_cache_restore (SrpPacketCache *cache, gint64 now_us, const SrpPacket *packet,
                          gint64 expires_at)
{
  return add_entry (cache, now_us, packet, NULL, CLAMP (expires_at, now_us, now_us + cache->ttl_us));
}

void
srp_packet_cache_foreach (SrpPacketCache *cache,
                          void (*func) (const SrpPacketCacheEntry *entry, gpointer data),
                          gpointer data)
{
  GList *a = cache->subscribed.head, *b = cache->other.head;

  /* Both queues are in arrival order: merged, so is the walk. */
  while (a != NULL || b != NULL)
    {
      GList **next = b == NULL || (a != NULL && ((Entry *) a->data)->seq <
                                                    ((Entry *) b->data)->seq)
                         ? &a
                         : &b;
      Entry *entry = (*next)->data;

      *next = (*next)->next;
      func (&entry->e, data);
    }
}

const SrpPacketCacheEntry *
srp_packet_cache_lookup (SrpPacketCache *cache, const SrpId *id)
{
  Entry *entry = index_find (cache, id);
  return entry != NULL ? &entry->e : NULL;
}

const SrpPacketCacheEntry *
srp_packet_cache_lookup_prefix (SrpPacketCache *cache, guint64 prefix)
{
  Entry *entry = index_find_prefix_owner (cache, prefix);
  return entry != NULL ? &entry->e : NULL;
}

gboolean
srp_packet_cache_pop_expired (SrpPacketCache *cache, gint64 now_us, SrpPacketCacheEntry *out)
{
  Entry *entry = earliest (cache);

  if (entry == NULL || entry->e.expires_at > now_us)
    return FALSE;
  unlink_entry (cache, entry);
  *out = entry->e;
  /* The frame's reference goes to the caller; when that is the block, so
   * is the entry's memory. */
  if (entry->block == NULL)
    g_free (entry);
  else if (entry->e.frame != entry->block)
    g_bytes_unref (entry->block);
  if (out->postage > 0)
    cache->counters.expired++;
  else
    cache->counters.purged++;
  return TRUE;
}

gint64
srp_packet_cache_next_expiry (SrpPacketCache *cache)
{
  return cache->next_expiry;
}

/* Moves a topic's entries into the other age queue, keeping it in arrival
 * order: a merge of two sorted lists. */
static void
move_topic (SrpPacketCache *cache, Topic *topic, GQueue *from, GQueue *to)
{
  GQueue merged = G_QUEUE_INIT;
  GQueue moving = G_QUEUE_INIT;

  for (GList *l = topic->entries.head; l != NULL; l = l->next)
    {
      Entry *entry = l->data;
      g_queue_unlink (from, &entry->age_link);
      g_queue_push_tail_link (&moving, &entry->age_link);
    }
  while (to->head != NULL || moving.head != NULL)
    {
      Entry *a = head (to), *b = head (&moving);
      GQueue *src = (b == NULL || (a != NULL && a->seq < b->seq)) ? to : &moving;
      g_queue_push_tail_link (&merged, g_queue_pop_head_link (src));
    }
  *to = merged;
  note_next_expiry (cache);
}

void
srp_packet_cache_set_subscribed (SrpPacketCache *cache, const SrpId *topic_id, gboolean subscribed)
{
  Topic *topic = g_hash_table_lookup (cache->topics, topic_id);

  if (subscribed)
    g_hash_table_add (cache->wanted, g_memdup2 (topic_id, sizeof *topic_id));
  else
    g_hash_table_remove (cache->wanted, topic_id);
  if (topic == NULL || topic->subscribed == subscribed)
    return;
  if (subscribed)
    move_topic (cache, topic, &cache->other, &cache->subscribed);
  else
    move_topic (cache, topic, &cache->subscribed, &cache->other);
  topic->subscribed = subscribed;
}

void
srp_packet_cache_set_budget (SrpPacketCache *cache, gint64 now_us, gsize budget)
{
  cache->budget = budget;
  while (cache->counters.used > cache->budget)
    if (!evict_one (cache, now_us))
      break;
}

static int
compare_u64 (const void *a, const void *b)
{
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;
  return x < y ? -1 : x > y;
}

GArray *
srp_packet_cache_topic_prefixes (SrpPacketCache *cache, const SrpId *topic_id)
{
  Topic *topic = g_hash_table_lookup (cache->topics, topic_id);

  if (topic == NULL)
    return NULL;
  if (topic->stale)
    {
      if (topic->prefixes == NULL)
        topic->prefixes = g_array_new (FALSE, FALSE, sizeof (guint64));
      g_array_set_size (topic->prefixes, 0);
      for (GList *l = topic->entries.head; l != NULL; l = l->next)
        g_array_append_val (topic->prefixes, ((Entry *) l->data)->prefix);
      qsort (topic->prefixes->data, topic->prefixes->len, sizeof (guint64), compare_u64);
      topic->stale = FALSE;
    }
  return topic->prefixes;
}

void
srp_packet_cache_foreach_topic (SrpPacketCache *cache, const SrpId *topic_id,
                         void (*func) (const SrpPacketCacheEntry *entry, gpointer data), gpointer data)
{
  Topic *topic = g_hash_table_lookup (cache->topics, topic_id);

  if (topic == NULL)
    return;
  for (GList *l = topic->entries.head; l != NULL; l = l->next)
    func (&((Entry *) l->data)->e, data);
}

void
srp_packet_cache_get_counters (SrpPacketCache *cache, SrpPacketCacheCounters *out)
{
  *out = cache->counters;
  out->budget = cache->budget;
}

void
srp_packet_cache_set_observer (SrpPacketCache *cache, SrpPacketCacheObserver func, gpointer data)
{
  cache->observer = func;
  cache->observer_data = data;
}
