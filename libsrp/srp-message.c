/* srp-message.c: SrpMessage, one whole message as it was published.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-message-private.h"

/**
 * SrpMessage:
 *
 * A whole message, reassembled from its packets, as [signal@Topic::message]
 * and [signal@Peer::message] hand it over: its data, the topic it was
 * published on, and its ID.
 *
 * The message ID is the ID of its last packet, which through the hash chain
 * of packet IDs commits to every byte of the message: two peers that name
 * the same message ID hold the same data.
 *
 * [property@Message:sender] tells who published it: it is set only when the
 * message carries its author's Ed25519 signature and that signature
 * verified (a message whose signature fails is never handed over); it is
 * %NULL for a message published anonymously (see
 * [property@Topic:anonymous] and [method@Peer.send_anonymous]).
 */

struct _SrpMessage {
  GObject parent_instance;

  char id[2 * SRP_ID_LEN + 1];
  char topic_id[2 * SRP_ID_LEN + 1];
  char *topic;
  char *sender;
  gboolean sealed;
  GBytes *data;
};

G_DEFINE_FINAL_TYPE (SrpMessage, srp_message, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_TOPIC,
  PROP_TOPIC_ID,
  PROP_DATA,
  PROP_SENDER,
  PROP_SEALED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
srp_message_finalize (GObject *object)
{
  SrpMessage *self = SRP_MESSAGE (object);

  g_clear_pointer (&self->topic, g_free);
  g_clear_pointer (&self->sender, g_free);
  g_clear_pointer (&self->data, g_bytes_unref);

  G_OBJECT_CLASS (srp_message_parent_class)->finalize (object);
}

static void
srp_message_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  SrpMessage *self = SRP_MESSAGE (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_TOPIC:
      g_value_set_string (value, self->topic);
      break;
    case PROP_TOPIC_ID:
      g_value_set_string (value, self->topic_id);
      break;
    case PROP_DATA:
      g_value_set_boxed (value, self->data);
      break;
    case PROP_SENDER:
      g_value_set_string (value, self->sender);
      break;
    case PROP_SEALED:
      g_value_set_boolean (value, self->sealed);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
srp_message_class_init (SrpMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = srp_message_finalize;
  object_class->get_property = srp_message_get_property;

  /**
   * SrpMessage:id: (getter get_id)
   *
   * The message ID: the ID of its last packet, 64 lowercase hexadecimal
   * characters.
   */
  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, flags);

  /**
   * SrpMessage:topic: (getter get_topic)
   *
   * The name of the topic it was published on, or %NULL for a message to
   * this peer's inbox (see [method@Peer.send]).
   */
  properties[PROP_TOPIC] = g_param_spec_string ("topic", NULL, NULL, NULL, flags);

  /**
   * SrpMessage:topic-id: (getter get_topic_id)
   *
   * The topic ID: SHA-256 of the topic's name (or the inbox ID), in
   * hexadecimal.
   */
  properties[PROP_TOPIC_ID] = g_param_spec_string ("topic-id", NULL, NULL, NULL, flags);

  /**
   * SrpMessage:data: (getter get_data)
   *
   * The message's bytes, up to 1 MiB.
   */
  properties[PROP_DATA] = g_param_spec_boxed ("data", NULL, NULL, G_TYPE_BYTES, flags);

  /**
   * SrpMessage:sender: (getter get_sender)
   *
   * The author's peer ID (64 lowercase hexadecimal characters), set only
   * after the author's signature over the message verified; %NULL for an
   * anonymous message. Anyone can publish anonymously, on any topic and to
   * any inbox: treat such messages as from nobody in particular.
   */
  properties[PROP_SENDER] = g_param_spec_string ("sender", NULL, NULL, NULL, flags);

  /**
   * SrpMessage:sealed: (getter get_sealed)
   *
   * Whether the message travelled sealed: a letter sealed to this peer
   * ([method@Peer.send]), or a message of a group topic
   * ([method@Peer.subscribe_with_secret]). Other peers' caches held only
   * its ciphertext.
   */
  properties[PROP_SEALED] = g_param_spec_boolean ("sealed", NULL, NULL, FALSE, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
srp_message_init (SrpMessage *self)
{
}

SrpMessage *
srp_message_new (const SrpId *id, const SrpId *topic_id, const char *topic, const SrpId *sender,
                 gboolean sealed, GBytes *data)
{
  SrpMessage *self = g_object_new (SRP_TYPE_MESSAGE, NULL);

  srp_id_to_hex (id, self->id);
  srp_id_to_hex (topic_id, self->topic_id);
  self->topic = g_strdup (topic);
  if (sender != NULL)
    {
      self->sender = g_malloc (2 * SRP_ID_LEN + 1);
      srp_id_to_hex (sender, self->sender);
    }
  self->sealed = sealed;
  self->data = g_bytes_ref (data);
  return self;
}

/**
 * srp_message_get_id: (get-property id)
 * @self: a message
 *
 * Gets the message ID.
 *
 * Returns: (transfer none): 64 lowercase hexadecimal characters
 */
const char *
srp_message_get_id (SrpMessage *self)
{
  g_return_val_if_fail (SRP_IS_MESSAGE (self), NULL);

  return self->id;
}

/**
 * srp_message_get_topic: (get-property topic)
 * @self: a message
 *
 * Gets the name of the message's topic.
 *
 * Returns: (transfer none) (nullable): the topic name, or %NULL for an
 *   inbox message
 */
const char *
srp_message_get_topic (SrpMessage *self)
{
  g_return_val_if_fail (SRP_IS_MESSAGE (self), NULL);

  return self->topic;
}

/**
 * srp_message_get_topic_id: (get-property topic-id)
 * @self: a message
 *
 * Gets the message's topic ID.
 *
 * Returns: (transfer none): 64 lowercase hexadecimal characters
 */
const char *
srp_message_get_topic_id (SrpMessage *self)
{
  g_return_val_if_fail (SRP_IS_MESSAGE (self), NULL);

  return self->topic_id;
}

/**
 * srp_message_get_data: (get-property data)
 * @self: a message
 *
 * Gets the message's bytes.
 *
 * Returns: (transfer none): the data
 */
GBytes *
srp_message_get_data (SrpMessage *self)
{
  g_return_val_if_fail (SRP_IS_MESSAGE (self), NULL);

  return self->data;
}

/**
 * srp_message_get_sender: (get-property sender)
 * @self: a message
 *
 * Gets the peer ID of the message's verified author.
 *
 * Returns: (transfer none) (nullable): 64 lowercase hexadecimal characters,
 *   or %NULL for an anonymous message
 */
const char *
srp_message_get_sender (SrpMessage *self)
{
  g_return_val_if_fail (SRP_IS_MESSAGE (self), NULL);

  return self->sender;
}

/**
 * srp_message_get_sealed: (get-property sealed)
 * @self: a message
 *
 * Gets whether the message travelled sealed (a letter, or a group topic's
 * message).
 *
 * Returns: %TRUE when it was sealed
 */
gboolean
srp_message_get_sealed (SrpMessage *self)
{
  g_return_val_if_fail (SRP_IS_MESSAGE (self), FALSE);

  return self->sealed;
}
