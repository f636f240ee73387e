/* srp-topic.c: SrpTopic, one subscription to a named topic.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-peer-private.h"

#include "srp-error.h"

#include <string.h>

/**
 * SrpTopic:
 *
 * A subscription to a topic, made with [method@Peer.subscribe]: every
 * message published on the topic anywhere in the network comes out of
 * [signal@Topic::message], once each, as soon as it is whole, in whatever
 * order messages complete. Messages published while this peer was offline
 * arrive too, from other peers' caches, once it is back.
 *
 * [method@Topic.publish] publishes a message of up to 1 MiB on the topic,
 * signed with this peer's identity: subscribers see this peer's ID as the
 * message's [property@Message:sender]. Set [property@Topic:anonymous] to
 * publish without an author.
 *
 * A group topic ([method@Peer.subscribe_with_secret]) takes its ID and key
 * from its name and a secret the members share: what is published on it
 * is sealed under the key, only its members can read it or publish into
 * it, and other peers' caches still carry its ciphertext for members that
 * are offline.
 *
 * The peer holds the topic while it is subscribed (see
 * [method@Peer.get_topics]): the subscription ends with
 * [method@Topic.unsubscribe], or when the peer goes away. A topic does not
 * keep its peer alive: keep a reference to the peer while you use it.
 */

struct _SrpTopic {
  GObject parent_instance;

  SrpPeer *peer; /* weak: cleared when the peer goes */
  char *name;
  SrpId raw_id;
  char id[2 * SRP_ID_LEN + 1];
  gboolean subscribed;
  gboolean anonymous;
  guint8 *group_key; /* a group topic's (SRP_ENVELOPE_KEY_LEN), else NULL */
};

G_DEFINE_FINAL_TYPE (SrpTopic, srp_topic, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_ID,
  PROP_SUBSCRIBED,
  PROP_ANONYMOUS,
  PROP_GROUP,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_MESSAGE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
forget_peer (SrpTopic *self)
{
  if (self->peer != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->peer), (gpointer *) &self->peer);
  self->peer = NULL;
}

static void
srp_topic_dispose (GObject *object)
{
  SrpTopic *self = SRP_TOPIC (object);

  if (self->subscribed && self->peer != NULL)
    srp_peer_topic_remove (self->peer, self);
  self->subscribed = FALSE;
  forget_peer (self);

  G_OBJECT_CLASS (srp_topic_parent_class)->dispose (object);
}

static void
srp_topic_finalize (GObject *object)
{
  SrpTopic *self = SRP_TOPIC (object);

  g_free (self->name);
  if (self->group_key != NULL)
    memset (self->group_key, 0, SRP_ENVELOPE_KEY_LEN);
  g_free (self->group_key);

  G_OBJECT_CLASS (srp_topic_parent_class)->finalize (object);
}

static void
srp_topic_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  SrpTopic *self = SRP_TOPIC (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_SUBSCRIBED:
      g_value_set_boolean (value, self->subscribed);
      break;
    case PROP_ANONYMOUS:
      g_value_set_boolean (value, self->anonymous);
      break;
    case PROP_GROUP:
      g_value_set_boolean (value, self->group_key != NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
srp_topic_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  SrpTopic *self = SRP_TOPIC (object);

  switch (prop_id)
    {
    case PROP_ANONYMOUS:
      srp_topic_set_anonymous (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
srp_topic_class_init (SrpTopicClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = srp_topic_dispose;
  object_class->finalize = srp_topic_finalize;
  object_class->get_property = srp_topic_get_property;
  object_class->set_property = srp_topic_set_property;

  /**
   * SrpTopic:name: (getter get_name)
   *
   * The topic's name, as given to [method@Peer.subscribe].
   */
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);

  /**
   * SrpTopic:id: (getter get_id)
   *
   * The topic ID: SHA-256 of the name's UTF-8 bytes, in lowercase
   * hexadecimal; for a group topic, derived from the name and the secret
   * (docs/protocol.md, "Group topics"). Peers only ever see the ID.
   */
  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, flags);

  /**
   * SrpTopic:subscribed: (getter get_subscribed)
   *
   * Whether messages still come: %FALSE after [method@Topic.unsubscribe].
   */
  properties[PROP_SUBSCRIBED] = g_param_spec_boolean ("subscribed", NULL, NULL, TRUE, flags);

  /**
   * SrpTopic:anonymous: (getter get_anonymous) (setter set_anonymous)
   *
   * Whether what this topic publishes goes without an author: no peer ID
   * and no signature, so that subscribers see no
   * [property@Message:sender]. %FALSE by default: messages are signed
   * with this peer's identity (once per message, whatever its size).
   */
  properties[PROP_ANONYMOUS] =
      g_param_spec_boolean ("anonymous", NULL, NULL, FALSE,
                            G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * SrpTopic:group: (getter get_group)
   *
   * Whether this is a group topic, made with
   * [method@Peer.subscribe_with_secret]: its messages are sealed under a
   * key the members derive from a shared secret.
   */
  properties[PROP_GROUP] = g_param_spec_boolean ("group", NULL, NULL, FALSE, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * SrpTopic::message:
   * @self: the topic
   * @message: the message
   *
   * Emitted for each whole message published on the topic, once.
   */
  /* Emitted once per message, so with a marshaller of its own: the
   * generic one goes through GValues and libffi for every emission. */
  signals[SIGNAL_MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  g_cclosure_marshal_VOID__OBJECT, G_TYPE_NONE, 1, SRP_TYPE_MESSAGE);
  g_signal_set_va_marshaller (signals[SIGNAL_MESSAGE], G_TYPE_FROM_CLASS (klass),
                              g_cclosure_marshal_VOID__OBJECTv);
}

static void
srp_topic_init (SrpTopic *self)
{
}

SrpTopic *
srp_topic_new (SrpPeer *peer, const char *name)
{
  SrpTopic *self = g_object_new (SRP_TYPE_TOPIC, NULL);

  self->peer = peer;
  g_object_add_weak_pointer (G_OBJECT (peer), (gpointer *) &self->peer);
  self->name = g_strdup (name);
  srp_topic_id_from_name (name, &self->raw_id);
  srp_id_to_hex (&self->raw_id, self->id);
  self->subscribed = TRUE;
  srp_peer_topic_add (peer, self);
  return self;
}

SrpTopic *
srp_topic_new_group (SrpPeer *peer, const char *name, const SrpId *topic_id,
                     const guint8 key[SRP_ENVELOPE_KEY_LEN])
{
  SrpTopic *self = g_object_new (SRP_TYPE_TOPIC, NULL);

  self->peer = peer;
  g_object_add_weak_pointer (G_OBJECT (peer), (gpointer *) &self->peer);
  self->name = g_strdup (name);
  self->raw_id = *topic_id;
  srp_id_to_hex (&self->raw_id, self->id);
  self->group_key = g_memdup2 (key, SRP_ENVELOPE_KEY_LEN);
  self->subscribed = TRUE;
  srp_peer_topic_add (peer, self);
  return self;
}

const guint8 *
srp_topic_get_group_key (SrpTopic *self)
{
  return self->group_key;
}

void
srp_topic_orphan (SrpTopic *self)
{
  /* The peer's reference may be the last: keep the topic for the notify. */
  g_object_ref (self);
  if (self->subscribed)
    {
      self->subscribed = FALSE;
      srp_peer_topic_remove (self->peer, self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUBSCRIBED]);
    }
  forget_peer (self);
  g_object_unref (self);
}

/* The peer, or NULL with error set when it is gone. */
static SrpPeer *
get_peer (SrpTopic *self, GError **error)
{
  if (self->peer == NULL)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "The topic's peer is gone");
  return self->peer;
}

const SrpId *
srp_topic_get_raw_id (SrpTopic *self)
{
  return &self->raw_id;
}

void
srp_topic_emit_message (SrpTopic *self, SrpMessage *message)
{
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, message);
}

/**
 * srp_topic_get_name: (get-property name)
 * @self: a topic
 *
 * Gets the topic's name.
 *
 * Returns: (transfer none): the name
 */
const char *
srp_topic_get_name (SrpTopic *self)
{
  g_return_val_if_fail (SRP_IS_TOPIC (self), NULL);

  return self->name;
}

/**
 * srp_topic_get_id: (get-property id)
 * @self: a topic
 *
 * Gets the topic ID.
 *
 * Returns: (transfer none): 64 lowercase hexadecimal characters
 */
const char *
srp_topic_get_id (SrpTopic *self)
{
  g_return_val_if_fail (SRP_IS_TOPIC (self), NULL);

  return self->id;
}

/**
 * srp_topic_get_subscribed: (get-property subscribed)
 * @self: a topic
 *
 * Gets whether the subscription holds.
 *
 * Returns: %FALSE after [method@Topic.unsubscribe]
 */
gboolean
srp_topic_get_subscribed (SrpTopic *self)
{
  g_return_val_if_fail (SRP_IS_TOPIC (self), FALSE);

  return self->subscribed;
}

/**
 * srp_topic_get_anonymous: (get-property anonymous)
 * @self: a topic
 *
 * Gets whether the topic publishes without an author.
 *
 * Returns: %TRUE when its messages carry no signature
 */
gboolean
srp_topic_get_anonymous (SrpTopic *self)
{
  g_return_val_if_fail (SRP_IS_TOPIC (self), FALSE);

  return self->anonymous;
}

/**
 * srp_topic_set_anonymous: (set-property anonymous)
 * @self: a topic
 * @anonymous: %TRUE to publish without an author
 *
 * Sets whether what this topic publishes from now on carries no author.
 */
void
srp_topic_set_anonymous (SrpTopic *self, gboolean anonymous)
{
  g_return_if_fail (SRP_IS_TOPIC (self));

  anonymous = !!anonymous;
  if (self->anonymous == anonymous)
    return;
  self->anonymous = anonymous;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ANONYMOUS]);
}

/**
 * srp_topic_get_group: (get-property group)
 * @self: a topic
 *
 * Gets whether this is a group topic.
 *
 * Returns: %TRUE for a topic made with [method@Peer.subscribe_with_secret]
 */
gboolean
srp_topic_get_group (SrpTopic *self)
{
  g_return_val_if_fail (SRP_IS_TOPIC (self), FALSE);

  return self->group_key != NULL;
}

static guint
publish_flags (SrpTopic *self)
{
  /* Unlinked: an anonymous message chained to our signed ones would name
   * us through its PREV ID. */
  return self->anonymous ? SRP_CORE_PUBLISH_UNLINKED : SRP_CORE_PUBLISH_SIGNED;
}

/* A group's key goes with its subscription: once unsubscribed, a group
 * topic could only publish in clear, so it does not publish at all. */
static gboolean
check_can_publish (SrpTopic *self, GError **error)
{
  if (get_peer (self, error) == NULL)
    return FALSE;
  if (self->group_key != NULL && !self->subscribed)
    {
      g_set_error_literal (error, SRP_ERROR, SRP_ERROR_INVALID_ARGUMENT,
                           "An unsubscribed group topic cannot publish: its key went with it");
      return FALSE;
    }
  return TRUE;
}

/**
 * srp_topic_publish:
 * @self: a topic
 * @data: the message, at most 1 MiB (less 145 bytes when it is signed or
 *   the topic is a group's)
 * @error: return location for an error
 *
 * Publishes a message on the topic: it is split into packets, kept in this
 * peer's cache and sent to a few connected peers (subscribers first), which
 * spread it further and cache it for subscribers that are offline now.
 * Publishing does not need a subscription; an unsubscribed topic can still
 * publish, but for a group topic, whose key goes with its subscription.
 * Unless [property@Topic:anonymous] is set, the message carries this
 * peer's ID and its Ed25519 signature; on a group topic it is sealed under
 * the group's key.
 *
 * Fails with %SRP_ERROR_NOT_LISTENING when the peer does not listen,
 * %SRP_ERROR_INVALID_ARGUMENT when @data is too long or the topic is an
 * unsubscribed group topic, and
 * %G_IO_ERROR_CLOSED when the peer is gone. Use
 * [method@Topic.publish_async] to learn how many peers took the message.
 *
 * Returns: (transfer full): the message ID (64 hexadecimal
 *   characters), or %NULL with @error set
 */
char *
srp_topic_publish (SrpTopic *self, GBytes *data, GError **error)
{
  g_return_val_if_fail (SRP_IS_TOPIC (self), NULL);
  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_can_publish (self, error))
    return NULL;
  return srp_peer_publish (self->peer, &self->raw_id, NULL, publish_flags (self), data, NULL,
                           error);
}

/**
 * srp_topic_publish_async:
 * @self: a topic
 * @data: the message, at most 1 MiB (see [method@Topic.publish])
 * @cancellable: (nullable): a cancellable
 * @callback: (scope async) (nullable): called once peers took the message, or the time ran out
 * @user_data: (closure): data for @callback
 *
 * Publishes a message as [method@Topic.publish] does, and finds out whether
 * the network took it: @callback runs once 3 peers (or every connected
 * peer, in a smaller network) acknowledged every packet, or after 10 s.
 * Call [method@Topic.publish_finish] from it.
 *
 * Cancelling @cancellable makes the result %G_IO_ERROR_CANCELLED at once;
 * the message itself is out already and keeps spreading.
 */
void
srp_topic_publish_async (SrpTopic *self, GBytes *data, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *id = NULL;

  g_return_if_fail (SRP_IS_TOPIC (self));
  g_return_if_fail (data != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, srp_topic_publish_async);
  if (g_task_return_error_if_cancelled (task))
    return;
  if (check_can_publish (self, &error))
    id = srp_peer_publish (self->peer, &self->raw_id, NULL, publish_flags (self), data, task,
                           &error);
  if (id == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
}

/**
 * srp_topic_publish_finish:
 * @self: a topic
 * @result: the result passed to the callback of [method@Topic.publish_async]
 * @message_id: (out) (optional) (nullable) (transfer full): the message ID
 *   (64 hexadecimal characters, as [method@Topic.publish] returns it), or
 *   %NULL on error
 * @error: return location for an error
 *
 * Finishes publishing. Fails with %SRP_ERROR_TIMED_OUT when fewer peers
 * than wanted acknowledged the message in time (the message may still
 * spread), %SRP_ERROR_NOT_LISTENING or %SRP_ERROR_INVALID_ARGUMENT as
 * [method@Topic.publish] does, %G_IO_ERROR_CANCELLED when it was
 * cancelled, and %G_IO_ERROR_CLOSED when the peer closed first.
 *
 * Returns: how many peers took the message, or 0 on error
 */
guint
srp_topic_publish_finish (SrpTopic *self, GAsyncResult *result, char **message_id,
                          GError **error)
{
  g_return_val_if_fail (SRP_IS_TOPIC (self), 0);
  g_return_val_if_fail (g_task_is_valid (result, self), 0);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == srp_topic_publish_async, 0);

  return srp_peer_publish_finish (result, message_id, error);
}

/**
 * srp_topic_unsubscribe:
 * @self: a topic
 *
 * Ends the subscription: no more [signal@Topic::message], and the peer
 * lets go of the topic ([method@Peer.get_topics]). Other topics for the
 * same name on the same peer keep theirs. Unsubscribing twice does nothing.
 */
void
srp_topic_unsubscribe (SrpTopic *self)
{
  g_return_if_fail (SRP_IS_TOPIC (self));

  if (!self->subscribed)
    return;
  self->subscribed = FALSE;
  /* The peer's reference may be the last: keep the topic for the notify. */
  g_object_ref (self);
  if (self->peer != NULL)
    srp_peer_topic_remove (self->peer, self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUBSCRIBED]);
  g_object_unref (self);
}
