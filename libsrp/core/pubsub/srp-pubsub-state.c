/* srp-pubsub-state.c: what pub/sub keeps across close and listen, and what
 * persistence stores: subscriptions, the chain heads of what we published,
 * the delivered memory, and the cache (each packet with the life it had
 * left). Import checks everything as it would a datagram: a packet whose ID
 * does not match its body is refused with the whole state.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-pubsub-private.h"

#include "srp-packet.h"
#include "srp-state.h"

#define SUBSCRIPTIONS "subscriptions"
#define CHAIN_HEADS "chain_heads"
#define DELIVERED "delivered"
#define CACHE "cache"
#define OUTBOX "outbox"

static void
add_delivered (const SrpId *id, gpointer data)
{
  g_variant_builder_add_value (data, srp_state_id (id));
}

typedef struct {
  GVariantBuilder *builder;
  gint64 now;
} CacheExport;

/* A cached packet as (ayx): its frame, its life left. */
static GVariant *
cache_record (const SrpPacketCacheEntry *entry, gint64 now)
{
  gsize len;
  const guint8 *frame = g_bytes_get_data (entry->frame, &len);

  return g_variant_new ("(@ayx)", g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, frame, len, 1),
                        MAX (entry->expires_at - now, 0));
}

static void
add_cached (const SrpPacketCacheEntry *entry, gpointer data)
{
  CacheExport *e = data;

  g_variant_builder_add_value (e->builder, cache_record (entry, e->now));
}

void
srp_pubsub_journal_cache (const SrpPacketCacheEntry *entry, gboolean stored, gpointer data)
{
  SrpPubsub *ps = data;
  SrpJournal *journal = &ps->ctx->journal;

  if (!srp_journal_is_on (journal))
    return;
  if (stored)
    srp_journal_push_cached (journal, &entry->id, entry->frame,
                             MAX (entry->expires_at - ps->ctx->now, 0));
  else
    srp_journal_push_id (journal, SRP_STATE_CHANGE_CACHE_REMOVE, &entry->id);
}

GVariant *
srp_pubsub_export_subscriptions (SrpPubsub *ps)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("aay"));
  for (guint i = 0; i < ps->subscription_list->len; i++)
    {
      const SrpId *id = &g_array_index (ps->subscription_list, SrpId, i);
      /* The inbox is always there; a group topic's key is not kept, and
       * it is nothing without it (the application subscribes again). */
      if (!srp_id_equal (id, &ps->inbox) && srp_pubsub_group_key (ps, id) == NULL)
        g_variant_builder_add_value (&b, srp_state_id (id));
    }
  return g_variant_builder_end (&b);
}

void
srp_pubsub_export_state (gpointer self, GVariantDict *dict)
{
  SrpPubsub *ps = self;
  GVariantBuilder b;
  GHashTableIter iter;
  gpointer topic, head;
  CacheExport cache = { &b, ps->ctx->now };

  g_variant_dict_insert_value (dict, SUBSCRIPTIONS, srp_pubsub_export_subscriptions (ps));
  g_variant_dict_insert_value (dict, OUTBOX, srp_publish_export (ps));

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(ayay)"));
  g_hash_table_iter_init (&iter, ps->chain_heads);
  while (g_hash_table_iter_next (&iter, &topic, &head))
    g_variant_builder_add (&b, "(@ay@ay)", srp_state_id (topic), srp_state_id (head));
  g_variant_dict_insert_value (dict, CHAIN_HEADS, g_variant_builder_end (&b));

  g_variant_builder_init (&b, G_VARIANT_TYPE ("aay"));
  srp_recent_ids_foreach (ps->delivered, add_delivered, &b);
  g_variant_dict_insert_value (dict, DELIVERED, g_variant_builder_end (&b));

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(ayx)"));
  srp_packet_cache_foreach (ps->cache, add_cached, &cache);
  g_variant_dict_insert_value (dict, CACHE, g_variant_builder_end (&b));
}

/* The value at key, of type, or NULL (absent); FALSE with error when it has
 * another type. */
static gboolean
lookup (GVariantDict *dict, const char *key, const char *type, GVariant **out, GError **error)
{
  *out = g_variant_dict_lookup_value (dict, key, NULL);
  if (*out != NULL && !g_variant_is_of_type (*out, G_VARIANT_TYPE (type)))
    {
      g_clear_pointer (out, g_variant_unref);
      return srp_state_malformed (error, key);
    }
  return TRUE;
}

static gboolean
read_ids (GVariant *list, GArray *out)
{
  for (gsize i = 0; i < g_variant_n_children (list); i++)
    {
      g_autoptr (GVariant) child = g_variant_get_child_value (list, i);
      SrpId id;

      if (!srp_state_read_id (child, &id))
        return FALSE;
      g_array_append_val (out, id);
    }
  return TRUE;
}

typedef struct {
  SrpId message_id, topic_id;
  GPtrArray *packets; /* SrpPacket*, in chain order */
  gint64 life;
} OutboxItem;

static void
outbox_item_free (gpointer data)
{
  OutboxItem *item = data;

  g_ptr_array_unref (item->packets);
  g_free (item);
}

/* A saved publish, checked as a chain that ends at its message ID on its
 * topic; NULL when it is not one. */
static OutboxItem *
read_outbox_item (GVariant *record)
{
  g_autoptr (GVariant) id = NULL, topic = NULL, frames = NULL;
  OutboxItem *item = g_new0 (OutboxItem, 1);
  gsize n;

  item->packets = g_ptr_array_new_with_free_func (g_free);
  g_variant_get (record, "(@ay@ay@aayx)", &id, &topic, &frames, &item->life);
  n = g_variant_n_children (frames);
  if (!srp_state_read_id (id, &item->message_id) || !srp_state_read_id (topic, &item->topic_id) ||
      n == 0 || item->life < 0)
    goto bad;
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr (GVariant) frame = g_variant_get_child_value (frames, i);
      SrpPacket *packet = g_new (SrpPacket, 1);
      gsize len;
      const guint8 *data = g_variant_get_fixed_array (frame, &len, 1);

      g_ptr_array_add (item->packets, packet);
      if (srp_packet_decode (data, len, packet) != SRP_DROP_NONE ||
          !srp_id_equal (&packet->topic_id, &item->topic_id))
        goto bad;
      if (i > 0 && !srp_id_equal (&packet->prev_id,
                                  &((SrpPacket *) g_ptr_array_index (item->packets, i - 1))->id))
        goto bad;
    }
  if (!srp_id_equal (&((SrpPacket *) g_ptr_array_index (item->packets, n - 1))->id,
                     &item->message_id))
    goto bad;
  return item;

bad:
  outbox_item_free (item);
  return NULL;
}

gboolean
srp_pubsub_import_state (gpointer self, GVariantDict *dict, gboolean apply, GError **error)
{
  SrpPubsub *ps = self;
  SrpContext *ctx = ps->ctx;
  g_autoptr (GVariant) subscriptions = NULL, heads = NULL, delivered = NULL, cache = NULL;
  g_autoptr (GArray) subscribed = g_array_new (FALSE, FALSE, sizeof (SrpId));
  g_autoptr (GArray) delivered_ids = g_array_new (FALSE, FALSE, sizeof (SrpId));
  g_autoptr (GPtrArray) packets = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) lives = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GArray) head_pairs = g_array_new (FALSE, FALSE, sizeof (SrpId));
  g_autoptr (GVariant) outbox = NULL;
  g_autoptr (GPtrArray) outbox_items = g_ptr_array_new_with_free_func (outbox_item_free);

  if (!lookup (dict, SUBSCRIPTIONS, "aay", &subscriptions, error) ||
      !lookup (dict, CHAIN_HEADS, "a(ayay)", &heads, error) ||
      !lookup (dict, DELIVERED, "aay", &delivered, error) ||
      !lookup (dict, CACHE, "a(ayx)", &cache, error) ||
      !lookup (dict, OUTBOX, "a" SRP_PUBLISH_RECORD_TYPE, &outbox, error))
    return FALSE;
  /* Everything is checked before anything is taken. */
  if (subscriptions != NULL && !read_ids (subscriptions, subscribed))
    return srp_state_malformed (error, SUBSCRIPTIONS);
  if (delivered != NULL && !read_ids (delivered, delivered_ids))
    return srp_state_malformed (error, DELIVERED);
  for (gsize i = 0; heads != NULL && i < g_variant_n_children (heads); i++)
    {
      g_autoptr (GVariant) topic = NULL, head = NULL;
      SrpId pair[2];

      g_variant_get_child (heads, i, "(@ay@ay)", &topic, &head);
      if (!srp_state_read_id (topic, &pair[0]) || !srp_state_read_id (head, &pair[1]))
        return srp_state_malformed (error, CHAIN_HEADS);
      g_array_append_vals (head_pairs, pair, 2);
    }
  for (gsize i = 0; cache != NULL && i < g_variant_n_children (cache); i++)
    {
      g_autoptr (GVariant) frame = NULL;
      gint64 life;
      gsize len;
      const guint8 *data;
      SrpPacket *packet = g_new (SrpPacket, 1);

      g_ptr_array_add (packets, packet);
      g_variant_get_child (cache, i, "(@ayx)", &frame, &life);
      data = g_variant_get_fixed_array (frame, &len, 1);
      if (life < 0 || srp_packet_decode (data, len, packet) != SRP_DROP_NONE)
        return srp_state_malformed (error, CACHE);
      g_array_append_val (lives, life);
    }
  for (gsize i = 0; outbox != NULL && i < g_variant_n_children (outbox); i++)
    {
      g_autoptr (GVariant) record = g_variant_get_child_value (outbox, i);
      OutboxItem *item = read_outbox_item (record);

      if (item == NULL)
        return srp_state_malformed (error, OUTBOX);
      g_ptr_array_add (outbox_items, item);
    }
  if (!apply)
    return TRUE;

  for (guint i = 0; i < delivered_ids->len; i++)
    srp_recent_ids_add (ps->delivered, &g_array_index (delivered_ids, SrpId, i));
  for (guint i = 0; i < head_pairs->len; i += 2)
    srp_publish_set_chain_head (ps, &g_array_index (head_pairs, SrpId, i),
                                &g_array_index (head_pairs, SrpId, i + 1));
  for (guint i = 0; i < packets->len; i++)
    srp_packet_cache_restore (ps->cache, ctx->now, g_ptr_array_index (packets, i),
                              ctx->now + g_array_index (lives, gint64, i));
  {
    g_autoptr (GHashTable) waiting = srp_publish_message_ids (ps);

    for (guint i = 0; i < outbox_items->len; i++)
      {
        OutboxItem *item = g_ptr_array_index (outbox_items, i);

        if (!g_hash_table_add (waiting, g_memdup2 (&item->message_id, sizeof item->message_id)))
          continue; /* waiting already, or twice in the state */
        srp_publish_restore (ps, &item->message_id, &item->topic_id, item->packets, item->life);
      }
  }
  /* Last: subscribing hands over what the cache holds of the topic, and
   * the delivered memory keeps what was handed over before from coming
   * again. */
  for (guint i = 0; i < subscribed->len; i++)
    srp_pubsub_subscribe (ps, &g_array_index (subscribed, SrpId, i));
  return TRUE;
}
