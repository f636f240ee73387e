/* srp-peer-topics.c: SrpPeer's subscriptions, its inbox, and publishing.
 * Subscriptions live here, not in the core, so that they outlast a close
 * and apply again to the next core at listen.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-peer-private.h"

#include "srp-error.h"

/* Message IDs handed over, remembered across close and listen: a new core
 * knows nothing it delivered before, and would hand over again what peers'
 * caches give it back. Bounded: the oldest are forgotten first. */
#define DELIVERED_MAX 16384

typedef struct {
  SrpId message_id;
  guint n_accepted;
  gboolean complete;
} PublishData;

void
srp_peer_topics_init (SrpPeer *self)
{
  self->topics = g_hash_table_new_full (srp_id_hash_func, srp_id_equal_func, NULL,
                                        (GDestroyNotify) g_ptr_array_unref);
  self->publishing = g_hash_table_new_full (srp_id_hash_func, srp_id_equal_func, NULL,
                                            g_object_unref);
  srp_topic_id_for_inbox (srp_identity_get_public_key (self->identity), &self->inbox);
  self->delivered = g_hash_table_new_full (srp_id_hash_func, srp_id_equal_func, g_free, NULL);
  g_queue_init (&self->delivered_order);
}

void
srp_peer_topics_clear (SrpPeer *self)
{
  g_clear_pointer (&self->topics, g_hash_table_unref);
  g_clear_pointer (&self->publishing, g_hash_table_unref);
  g_queue_clear (&self->delivered_order);
  g_clear_pointer (&self->delivered, g_hash_table_unref);
}

/* TRUE the first time a message ID is seen. */
static gboolean
first_delivery (SrpPeer *self, const SrpId *id)
{
  SrpId *copy;

  if (g_hash_table_contains (self->delivered, id))
    return FALSE;
  if (g_queue_get_length (&self->delivered_order) >= DELIVERED_MAX)
    g_hash_table_remove (self->delivered, g_queue_pop_head (&self->delivered_order));
  copy = g_memdup2 (id, sizeof *id);
  g_hash_table_add (self->delivered, copy);
  g_queue_push_tail (&self->delivered_order, copy);
  return TRUE;
}

void
srp_peer_topic_add (SrpPeer *self, SrpTopic *topic)
{
  const SrpId *id = srp_topic_get_raw_id (topic);
  GPtrArray *list = g_hash_table_lookup (self->topics, id);

  if (list == NULL)
    {
      list = g_ptr_array_new ();
      /* The key lives in the first topic; remove re-keys when it goes. */
      g_hash_table_insert (self->topics, (gpointer) id, list);
      if (self->core != NULL)
        {
          srp_core_subscribe (self->core, g_get_monotonic_time (), id);
          srp_peer_drive (self);
        }
    }
  g_ptr_array_add (list, topic);
}

void
srp_peer_topic_remove (SrpPeer *self, SrpTopic *topic)
{
  const SrpId *id = srp_topic_get_raw_id (topic);
  GPtrArray *list = g_hash_table_lookup (self->topics, id);
  SrpId key;

  if (list == NULL || !g_ptr_array_remove (list, topic))
    return;
  key = *id;
  /* Steal and re-insert: the key pointed into the topic that may be going. */
  g_hash_table_steal (self->topics, &key);
  if (list->len > 0)
    {
      g_hash_table_insert (self->topics, (gpointer) srp_topic_get_raw_id (list->pdata[0]), list);
      return;
    }
  g_ptr_array_unref (list);
  if (self->core != NULL)
    {
      srp_core_unsubscribe (self->core, g_get_monotonic_time (), &key);
      srp_peer_drive (self);
    }
}

void
srp_peer_topics_start (SrpPeer *self)
{
  GHashTableIter iter;
  gpointer id;
  gint64 now = g_get_monotonic_time ();

  g_hash_table_iter_init (&iter, self->topics);
  while (g_hash_table_iter_next (&iter, &id, NULL))
    srp_core_subscribe (self->core, now, id);
}

void
srp_peer_topics_deliver (SrpPeer *self, const SrpCoreEvent *event)
{
  g_autoptr (GPtrArray) receivers = NULL;
  GPtrArray *list;

  if (!first_delivery (self, &event->message.id))
    return;
  if (srp_id_equal (&event->message.topic_id, &self->inbox))
    {
      g_autoptr (SrpMessage) message =
        srp_message_new (&event->message.id, &event->message.topic_id, NULL, event->message.data);
      srp_peer_emit_message (self, message);
      return;
    }
  list = g_hash_table_lookup (self->topics, &event->message.topic_id);
  if (list == NULL || list->len == 0)
    return; /* unsubscribed since */
  /* A handler may unsubscribe (and so change the list) or drop a topic. */
  receivers = g_ptr_array_new_full (list->len, g_object_unref);
  for (guint i = 0; i < list->len; i++)
    g_ptr_array_add (receivers, g_object_ref (list->pdata[i]));
  for (guint i = 0; i < receivers->len; i++)
    {
      SrpTopic *topic = receivers->pdata[i];
      g_autoptr (SrpMessage) message = NULL;

      if (!srp_topic_get_subscribed (topic))
        continue;
      message = srp_message_new (&event->message.id, &event->message.topic_id,
                                 srp_topic_get_name (topic), event->message.data);
      srp_topic_emit_message (topic, message);
    }
}

char *
srp_peer_publish (SrpPeer *self, const SrpId *topic_id, const SrpId *recipient, GBytes *data,
                  GTask *task, GError **error)
{
  char hex[2 * SRP_ID_LEN + 1];
  SrpId message_id;
  gsize len;
  const guint8 *bytes = g_bytes_get_data (data, &len);

  if (self->core == NULL)
    {
      g_set_error_literal (error, SRP_ERROR, SRP_ERROR_NOT_LISTENING,
                           "The peer must listen before it can publish");
      return NULL;
    }
  if (len > SRP_MESSAGE_MAX_LEN)
    {
      g_set_error (error, SRP_ERROR, SRP_ERROR_INVALID_ARGUMENT,
                   "A message is at most %u bytes; this one has %" G_GSIZE_FORMAT,
                   (guint) SRP_MESSAGE_MAX_LEN, len);
      return NULL;
    }
  if (!srp_core_publish (self->core, g_get_monotonic_time (), topic_id, recipient, bytes, len,
                         &message_id))
    {
      g_set_error_literal (error, SRP_ERROR, SRP_ERROR_FAILED, "The message was not published");
      return NULL;
    }
  if (task != NULL)
    {
      PublishData *publish = g_new0 (PublishData, 1);

      publish->message_id = message_id;
      g_task_set_task_data (task, publish, g_free);
      g_hash_table_replace (self->publishing, &publish->message_id, g_object_ref (task));
    }
  srp_peer_drive (self);
  srp_id_to_hex (&message_id, hex);
  return g_strdup (hex);
}

GTask *
srp_peer_publish_take_result (SrpPeer *self, const SrpCoreEvent *event)
{
  gpointer key, value;
  PublishData *publish;

  if (!g_hash_table_steal_extended (self->publishing, &event->published.message_id, &key, &value))
    return NULL;
  publish = g_task_get_task_data (value);
  publish->n_accepted = event->published.n_accepted;
  publish->complete = event->published.complete;
  return value;
}

void
srp_peer_publish_complete (GTask *task)
{
  PublishData *publish = g_task_get_task_data (task);

  if (publish->complete && publish->n_accepted > 0)
    g_task_return_int (task, publish->n_accepted);
  else if (publish->n_accepted == 0)
    g_task_return_new_error (task, SRP_ERROR, SRP_ERROR_TIMED_OUT,
                             "No peer took the message (is the peer connected?)");
  else
    g_task_return_new_error (task, SRP_ERROR, SRP_ERROR_TIMED_OUT,
                             "Only %u peer%s took the message in time", publish->n_accepted,
                             publish->n_accepted == 1 ? "" : "s");
}

void
srp_peer_publishes_close (SrpPeer *self)
{
  g_autoptr (GPtrArray) pending = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer task;

  g_hash_table_iter_init (&iter, self->publishing);
  while (g_hash_table_iter_next (&iter, NULL, &task))
    {
      g_ptr_array_add (pending, task);
      g_hash_table_iter_steal (&iter);
    }
  for (guint i = 0; i < pending->len; i++)
    g_task_return_new_error (pending->pdata[i], G_IO_ERROR, G_IO_ERROR_CLOSED,
                             "The peer was closed");
}

/**
 * srp_peer_subscribe:
 * @self: a peer
 * @name: the topic's name (any UTF-8 text)
 *
 * Subscribes to a topic: messages published on it anywhere in the network
 * come out of the topic's [signal@Topic::message], including those
 * published while this peer was offline, from other peers' caches. The
 * subscription is announced to connected peers, so that publishers and
 * relays prefer this one, and holds across [method@Peer.close] and
 * [method@Peer.listen] until [method@Topic.unsubscribe] or the topic's
 * disposal.
 *
 * Returns: (transfer full): the topic
 */
SrpTopic *
srp_peer_subscribe (SrpPeer *self, const char *name)
{
  g_return_val_if_fail (SRP_IS_PEER (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  return srp_topic_new (self, name);
}

static char *
send_to_inbox (SrpPeer *self, const char *recipient, GBytes *data, GTask *task, GError **error)
{
  SrpId id, inbox;

  if (!srp_peer_parse_id (recipient, &id, error))
    return NULL;
  srp_topic_id_for_inbox (&id, &inbox);
  return srp_peer_publish (self, &inbox, &id, data, task, error);
}

/**
 * srp_peer_send:
 * @self: a peer
 * @recipient: the recipient's peer ID (64 hexadecimal characters)
 * @data: the message, at most 1 MiB
 * @error: return location for an error
 *
 * Sends a message to one peer, which may be offline: it is published on
 * the recipient's inbox topic (derived from its ID, see docs/protocol.md),
 * preferring the recipient itself when spreading, and other peers keep it
 * in their caches until the recipient comes back. The recipient receives
 * it through [signal@Peer::message].
 *
 * Fails with %SRP_ERROR_INVALID_ARGUMENT for a malformed ID or data longer
 * than 1 MiB, and %SRP_ERROR_NOT_LISTENING when the peer does not listen.
 *
 * Returns: (transfer full) (nullable): the message ID, or %NULL with @error set
 */
char *
srp_peer_send (SrpPeer *self, const char *recipient, GBytes *data, GError **error)
{
  g_return_val_if_fail (SRP_IS_PEER (self), NULL);
  g_return_val_if_fail (recipient != NULL, NULL);
  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return send_to_inbox (self, recipient, data, NULL, error);
}

/**
 * srp_peer_send_async:
 * @self: a peer
 * @recipient: the recipient's peer ID
 * @data: the message, at most 1 MiB
 * @cancellable: (nullable): a cancellable
 * @callback: (scope async) (nullable): called once peers took the message, or the time ran out
 * @user_data: (closure): data for @callback
 *
 * Sends a message as [method@Peer.send] does, and finds out whether the
 * network took it, as [method@Topic.publish_async] does. Call
 * [method@Peer.send_finish] from @callback.
 */
void
srp_peer_send_async (SrpPeer *self, const char *recipient, GBytes *data,
                     GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *id = NULL;

  g_return_if_fail (SRP_IS_PEER (self));
  g_return_if_fail (recipient != NULL);
  g_return_if_fail (data != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, srp_peer_send_async);
  if (g_task_return_error_if_cancelled (task))
    return;
  id = send_to_inbox (self, recipient, data, task, &error);
  if (id == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
}

/**
 * srp_peer_send_finish:
 * @self: a peer
 * @result: the result passed to the callback of [method@Peer.send_async]
 * @error: return location for an error
 *
 * Finishes sending; see [method@Topic.publish_finish] for the errors.
 *
 * Returns: how many peers took the message, or 0 on error
 */
guint
srp_peer_send_finish (SrpPeer *self, GAsyncResult *result, GError **error)
{
  gssize n;

  g_return_val_if_fail (SRP_IS_PEER (self), 0);
  g_return_val_if_fail (g_task_is_valid (result, self), 0);

  n = g_task_propagate_int (G_TASK (result), error);
  return n < 0 ? 0 : (guint) n;
}

/**
 * srp_peer_get_cache:
 * @self: a peer
 *
 * Gets the peer's share of the network-wide packet cache.
 *
 * Returns: (transfer none): the cache
 */
SrpCache *
srp_peer_get_cache (SrpPeer *self)
{
  g_return_val_if_fail (SRP_IS_PEER (self), NULL);

  return self->cache;
}
