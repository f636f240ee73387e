/* srp-peer-topics.c: SrpPeer's subscriptions, its inbox, and publishing.
 * The peer holds every subscribed SrpTopic until it is unsubscribed, so a
 * subscription needs no reference of the application's; the core keeps the
 * topics themselves (and what it delivered) across close and listen.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-peer-private.h"

#include "srp-error.h"

#include <string.h>

typedef struct {
  guint n_accepted;
  char message_id[2 * SRP_ID_LEN + 1];
} PublishResult;

void
srp_peer_topics_init (SrpPeer *self)
{
  self->subscriptions = g_list_store_new (SRP_TYPE_TOPIC);
  self->topics = g_hash_table_new_full (srp_id_hash_func, srp_id_equal_func, NULL,
                                        (GDestroyNotify) g_ptr_array_unref);
  srp_topic_id_for_inbox (srp_identity_get_public_key (self->identity), &self->inbox);
}

void
srp_peer_topics_dispose (SrpPeer *self)
{
  guint n;

  if (self->subscriptions == NULL)
    return;
  /* Newest first, so that each removal is from the end of the store. */
  while ((n = g_list_model_get_n_items (G_LIST_MODEL (self->subscriptions))) > 0)
    {
      g_autoptr (SrpTopic) topic = g_list_model_get_item (G_LIST_MODEL (self->subscriptions),
                                                          n - 1);
      srp_topic_orphan (topic);
    }
}

void
srp_peer_topics_clear (SrpPeer *self)
{
  g_clear_pointer (&self->topics, g_hash_table_unref);
  g_clear_object (&self->subscriptions);
}

void
srp_peer_topic_add (SrpPeer *self, SrpTopic *topic)
{
  const SrpId *id = srp_topic_get_raw_id (topic);
  const guint8 *key = srp_topic_get_group_key (topic);
  GPtrArray *list = g_hash_table_lookup (self->topics, id);

  if (list == NULL)
    {
      list = g_ptr_array_new ();
      /* The key lives in the first topic; remove re-keys when it goes. */
      g_hash_table_insert (self->topics, (gpointer) id, list);
      if (key != NULL)
        /* Not stored: the secret is the application's to keep. */
        srp_core_subscribe_group (srp_peer_get_core (self), g_get_monotonic_time (), id, key);
      else
        {
          srp_core_subscribe (srp_peer_get_core (self), g_get_monotonic_time (), id);
          srp_peer_store_topic (self, srp_topic_get_name (topic), TRUE);
        }
    }
  g_ptr_array_add (list, topic);
  g_list_store_append (self->subscriptions, topic);
  if (srp_peer_is_listening (self))
    srp_peer_drive (self);
  else
    srp_peer_store_flush (self);
}

void
srp_peer_topic_remove (SrpPeer *self, SrpTopic *topic)
{
  const SrpId *id = srp_topic_get_raw_id (topic);
  GPtrArray *list = g_hash_table_lookup (self->topics, id);
  guint position;
  SrpId key;

  if (list == NULL || !g_ptr_array_remove (list, topic))
    return;
  key = *id;
  /* Steal and re-insert: the key points into the topic, and the store's
   * reference (let go below) may be the last. */
  g_hash_table_steal (self->topics, &key);
  if (g_list_store_find (self->subscriptions, topic, &position))
    g_list_store_remove (self->subscriptions, position);
  if (list->len > 0)
    {
      g_hash_table_insert (self->topics, (gpointer) srp_topic_get_raw_id (list->pdata[0]), list);
      return;
    }
  g_ptr_array_unref (list);
  srp_core_unsubscribe (srp_peer_get_core (self), g_get_monotonic_time (), &key);
  if (srp_topic_get_group_key (topic) == NULL)
    srp_peer_store_topic (self, srp_topic_get_name (topic), FALSE);
  if (srp_peer_is_listening (self))
    srp_peer_drive (self);
  else
    srp_peer_store_flush (self);
}

/* Emits the event's message on topic, which the caller holds a reference
 * to, unless it was unsubscribed meanwhile. */
static void
deliver_to (SrpTopic *topic, const SrpCoreEvent *event, const SrpId *sender)
{
  g_autoptr (SrpMessage) message = NULL;

  if (!srp_topic_get_subscribed (topic))
    return;
  message = srp_message_new (&event->message.id, &event->message.topic_id,
                             srp_topic_get_name (topic), sender, event->message.sealed,
                             event->message.data);
  srp_topic_emit_message (topic, message);
}

void
srp_peer_topics_deliver (SrpPeer *self, const SrpCoreEvent *event)
{
  g_autoptr (GPtrArray) receivers = NULL;
  const SrpId *sender = event->message.has_author ? &event->message.author : NULL;
  GPtrArray *list;

  /* The core hands each message over once, across close and listen; the
   * store makes that hold across restarts. */
  srp_peer_store_delivering (self, &event->message.id);
  if (srp_id_equal (&event->message.topic_id, &self->inbox))
    {
      g_autoptr (SrpMessage) message =
        srp_message_new (&event->message.id, &event->message.topic_id, NULL, sender,
                         event->message.sealed, event->message.data);
      srp_peer_emit_message (self, message);
      return;
    }
  list = g_hash_table_lookup (self->topics, &event->message.topic_id);
  if (list == NULL || list->len == 0)
    return; /* unsubscribed since */
  if (list->len == 1)
    {
      /* One subscription, as most topics have: held alone, without the
       * array below. */
      g_autoptr (SrpTopic) topic = g_object_ref (list->pdata[0]);

      deliver_to (topic, event, sender);
      return;
    }
  /* A handler may unsubscribe (and so change the list) or drop a topic. */
  receivers = g_ptr_array_new_full (list->len, g_object_unref);
  for (guint i = 0; i < list->len; i++)
    g_ptr_array_add (receivers, g_object_ref (list->pdata[i]));
  for (guint i = 0; i < receivers->len; i++)
    deliver_to (receivers->pdata[i], event, sender);
}

static void
publish_finish (GTask *task, const SrpCoreEvent *result)
{
  guint n = result->published.n_accepted;
  PublishResult *r;

  if (!result->published.complete || n == 0)
    {
      if (n == 0)
        g_task_return_new_error (task, SRP_ERROR, SRP_ERROR_TIMED_OUT,
                                 "No peer took the message (is the peer connected?)");
      else
        g_task_return_new_error (task, SRP_ERROR, SRP_ERROR_TIMED_OUT,
                                 "Only %u peer%s took the message in time", n, n == 1 ? "" : "s");
      return;
    }
  r = g_new0 (PublishResult, 1);
  r->n_accepted = n;
  srp_id_to_hex (&result->published.message_id, r->message_id);
  g_task_return_pointer (task, r, g_free);
}

char *
srp_peer_publish (SrpPeer *self, const SrpId *topic_id, const SrpId *recipient, guint flags,
                  GBytes *data, GTask *task, GError **error)
{
  char hex[2 * SRP_ID_LEN + 1];
  SrpId message_id;
  gsize len;
  const guint8 *bytes = g_bytes_get_data (data, &len);
  guint64 request;
  GPtrArray *topics = g_hash_table_lookup (self->topics, topic_id);
  gboolean group = topics != NULL && topics->len > 0 &&
                   srp_topic_get_group_key (topics->pdata[0]) != NULL;
  /* An envelope (a signature, a seal) takes its room from the 1 MiB. */
  gsize max = (flags & ~SRP_CORE_PUBLISH_UNLINKED) != 0 || group ? SRP_ENVELOPE_PAYLOAD_MAX
                                                                 : SRP_MESSAGE_MAX_LEN;

  if (!srp_peer_is_listening (self))
    {
      g_set_error_literal (error, SRP_ERROR, SRP_ERROR_NOT_LISTENING,
                           "The peer must listen before it can publish");
      return NULL;
    }
  if (len > max)
    {
      g_set_error (error, SRP_ERROR, SRP_ERROR_INVALID_ARGUMENT,
                   "A message is at most %" G_GSIZE_FORMAT " bytes; this one has %" G_GSIZE_FORMAT,
                   max, len);
      return NULL;
    }
  request = srp_core_publish_full (self->core, g_get_monotonic_time (), topic_id, recipient, flags,
                                   bytes, len, &message_id);
  if (request == 0)
    {
      g_set_error_literal (error, SRP_ERROR, SRP_ERROR_FAILED, "The message was not published");
      return NULL;
    }
  if (task != NULL)
    srp_operations_start (self->operations, request, task, publish_finish);
  srp_peer_drive_deferring_sends (self);
  srp_id_to_hex (&message_id, hex);
  return g_strdup (hex);
}

guint
srp_peer_publish_finish (GAsyncResult *result, char **message_id, GError **error)
{
  g_autofree PublishResult *r = g_task_propagate_pointer (G_TASK (result), error);

  if (message_id != NULL)
    *message_id = r != NULL ? g_strdup (r->message_id) : NULL;
  return r != NULL ? r->n_accepted : 0;
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
 * [method@Peer.listen] until [method@Topic.unsubscribe]: the peer keeps
 * the topic in [method@Peer.get_topics], so this works without keeping a
 * reference:
 *
 * ```python
 * peer.subscribe("weather").connect("message", on_message)
 * ```
 *
 * Subscribing twice to one name gives two topics, each with its own
 * signal; the peer subscribes to the name while either is subscribed.
 *
 * A peer with a state directory ([ctor@Peer.new_with_state_directory])
 * comes back subscribed to what it was: the first subscribe to such a
 * name returns the topic the peer restored.
 *
 * Returns: (transfer full): the topic
 */
SrpTopic *
srp_peer_subscribe (SrpPeer *self, const char *name)
{
  SrpTopic *topic;

  g_return_val_if_fail (SRP_IS_PEER (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  topic = srp_peer_store_take_restored_topic (self, name);
  return topic != NULL ? topic : srp_topic_new (self, name);
}

/* Letters are always sealed to their recipient; signed unless anonymous. */
static char *
send_to_inbox (SrpPeer *self, const char *recipient, gboolean anonymous, GBytes *data,
               GTask *task, GError **error)
{
  SrpId id, inbox;
  guint8 x25519[32];

  if (!srp_peer_parse_id (recipient, &id, error))
    return NULL;
  if (!srp_envelope_x25519_public (&id, x25519))
    {
      g_set_error (error, SRP_ERROR, SRP_ERROR_INVALID_ARGUMENT,
                   "%s is not a valid Ed25519 public key: nothing can be sealed to it",
                   recipient);
      return NULL;
    }
  srp_topic_id_for_inbox (&id, &inbox);
  return srp_peer_publish (self, &inbox, &id,
                           SRP_CORE_PUBLISH_SEALED | (anonymous ? 0 : SRP_CORE_PUBLISH_SIGNED),
                           data, task, error);
}

/**
 * srp_peer_send:
 * @self: a peer
 * @recipient: the recipient's peer ID (64 hexadecimal characters)
 * @data: the message, at most 1 MiB less 145 bytes
 * @error: return location for an error
 *
 * Sends a message to one peer, which may be offline: it is published on
 * the recipient's inbox topic (derived from its ID, see docs/protocol.md),
 * preferring the recipient itself when spreading, and other peers keep it
 * in their caches until the recipient comes back. The recipient receives
 * it through [signal@Peer::message], with this peer's ID as its
 * [property@Message:sender].
 *
 * The letter is sealed to the recipient's key (an ephemeral X25519 key
 * agreed with the X25519 form of its identity, ChaCha20-Poly1305): the
 * peers that carry and cache it hold ciphertext, and only the recipient
 * can read it, or learn who wrote it. Use [method@Peer.send_anonymous] to
 * leave the author out.
 *
 * Fails with %SRP_ERROR_INVALID_ARGUMENT for a malformed ID (or one that is
 * no valid key) or data too long, and %SRP_ERROR_NOT_LISTENING when the
 * peer does not listen.
 *
 * Returns: (transfer full): the message ID, or %NULL with @error set
 */
char *
srp_peer_send (SrpPeer *self, const char *recipient, GBytes *data, GError **error)
{
  g_return_val_if_fail (SRP_IS_PEER (self), NULL);
  g_return_val_if_fail (recipient != NULL, NULL);
  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return send_to_inbox (self, recipient, FALSE, data, NULL, error);
}

/**
 * srp_peer_send_anonymous:
 * @self: a peer
 * @recipient: the recipient's peer ID (64 hexadecimal characters)
 * @data: the message, at most 1 MiB less 145 bytes
 * @error: return location for an error
 *
 * Sends a letter as [method@Peer.send] does, sealed to the recipient, but
 * without an author: the recipient's [property@Message:sender] is %NULL,
 * and nothing in the letter names this peer.
 *
 * Returns: (transfer full): the message ID, or %NULL with @error set
 */
char *
srp_peer_send_anonymous (SrpPeer *self, const char *recipient, GBytes *data, GError **error)
{
  g_return_val_if_fail (SRP_IS_PEER (self), NULL);
  g_return_val_if_fail (recipient != NULL, NULL);
  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return send_to_inbox (self, recipient, TRUE, data, NULL, error);
}

/**
 * srp_peer_send_async:
 * @self: a peer
 * @recipient: the recipient's peer ID
 * @data: the message, at most 1 MiB less 145 bytes
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
  id = send_to_inbox (self, recipient, FALSE, data, task, &error);
  if (id == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
}

/**
 * srp_peer_send_finish:
 * @self: a peer
 * @result: the result passed to the callback of [method@Peer.send_async]
 * @message_id: (out) (optional) (nullable) (transfer full): the message ID
 *   (64 hexadecimal characters), or %NULL on error
 * @error: return location for an error
 *
 * Finishes sending; see [method@Topic.publish_finish] for the errors.
 *
 * Returns: how many peers took the message, or 0 on error
 */
guint
srp_peer_send_finish (SrpPeer *self, GAsyncResult *result, char **message_id, GError **error)
{
  g_return_val_if_fail (SRP_IS_PEER (self), 0);
  g_return_val_if_fail (g_task_is_valid (result, self), 0);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == srp_peer_send_async, 0);

  return srp_peer_publish_finish (result, message_id, error);
}

/**
 * srp_peer_subscribe_with_secret:
 * @self: a peer
 * @name: the group topic's name (any UTF-8 text)
 * @secret: what the members share (any bytes; at least 16 random ones)
 * @error: return location for an error
 *
 * Subscribes to a group topic: its ID and its key are derived from @name
 * and @secret (HKDF-SHA256, docs/protocol.md, "Group topics"), so only
 * peers given the secret find it or read it. What the returned topic
 * publishes is sealed under the key (and signed, unless
 * [property@Topic:anonymous]); only what opens under it is delivered, so
 * peers without the secret can neither read the topic nor publish into
 * it (what they send is dropped and counted as `unopened`). Other peers
 * still cache and relay the ciphertext, so a member that was offline
 * catches up as on any topic.
 *
 * The secret is not kept in the peer's state directory: after a restart,
 * subscribe again.
 *
 * Fails with %SRP_ERROR_INVALID_ARGUMENT when @secret is shorter than 16
 * bytes.
 *
 * Returns: (transfer full): the topic, or %NULL with @error set
 */
SrpTopic *
srp_peer_subscribe_with_secret (SrpPeer *self, const char *name, GBytes *secret,
                                GError **error)
{
  guint8 key[SRP_ENVELOPE_KEY_LEN];
  SrpId topic_id;
  SrpTopic *topic;
  gsize len;
  const guint8 *bytes;

  g_return_val_if_fail (SRP_IS_PEER (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (secret != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  bytes = g_bytes_get_data (secret, &len);
  /* A short secret could be guessed from the topic ID on the wire. */
  if (len < 16)
    {
      g_set_error (error, SRP_ERROR, SRP_ERROR_INVALID_ARGUMENT,
                   "A group secret has at least 16 bytes; this one has %" G_GSIZE_FORMAT, len);
      return NULL;
    }
  srp_envelope_group_derive (name, bytes, len, &topic_id, key);
  topic = srp_topic_new_group (self, name, &topic_id, key);
  memset (key, 0, sizeof key);
  return topic;
}

/**
 * srp_peer_get_topics:
 * @self: a peer
 *
 * Gets the peer's subscriptions: every [class@Topic] made with
 * [method@Peer.subscribe] and not unsubscribed yet, in the order they were
 * made, as a live list (with [signal@Gio.ListModel::items-changed]). The
 * peer holds them: a subscription lasts until [method@Topic.unsubscribe],
 * whether or not the application keeps a reference to its topic.
 *
 * Returns: (transfer none): a [iface@Gio.ListModel] of [class@Topic]
 */
GListModel *
srp_peer_get_topics (SrpPeer *self)
{
  g_return_val_if_fail (SRP_IS_PEER (self), NULL);

  return G_LIST_MODEL (self->subscriptions);
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
