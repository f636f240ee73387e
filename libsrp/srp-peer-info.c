/* srp-peer-info.c: SrpPeerInfo, one connected peer as an application sees it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-peer-info-private.h"

#include "srp-enums.h"
#include "srp-path-private.h"

/**
 * SrpPeerInfo:
 *
 * A peer that this peer is connected to: its ID, the address it is reached
 * at, its NAT type, whether it is reached directly or through a relay, the
 * round-trip time to it, since when it is connected and the bytes that
 * went each way.
 *
 * [method@Peer.get_peers] lists them as a [iface@Gio.ListModel], so a
 * `GtkListView` can show a peer's neighbours directly. The properties
 * change (with notify) as the peer learns more, for example when a
 * heartbeat measures a new round-trip time; the byte counts and the
 * round-trip time are brought up to date once a second.
 */

struct _SrpPeerInfo {
  GObject parent_instance;

  SrpId raw_id;
  char id[2 * SRP_ID_LEN + 1];
  SrpAddress raw_address;
  char address[SRP_ADDRESS_STRING_MAX];
  SrpNatType nat_type;
  SrpPath path;
  gint64 rtt_us;
  GDateTime *since;
  guint64 bytes_in, bytes_out;
};

G_DEFINE_FINAL_TYPE (SrpPeerInfo, srp_peer_info, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_ADDRESS,
  PROP_NAT_TYPE,
  PROP_PATH,
  PROP_RTT,
  PROP_SINCE,
  PROP_BYTES_IN,
  PROP_BYTES_OUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
srp_peer_info_finalize (GObject *object)
{
  SrpPeerInfo *self = SRP_PEER_INFO (object);

  g_clear_pointer (&self->since, g_date_time_unref);

  G_OBJECT_CLASS (srp_peer_info_parent_class)->finalize (object);
}

static void
srp_peer_info_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  SrpPeerInfo *self = SRP_PEER_INFO (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_ADDRESS:
      g_value_set_string (value, self->address);
      break;
    case PROP_NAT_TYPE:
      g_value_set_enum (value, self->nat_type);
      break;
    case PROP_PATH:
      g_value_set_enum (value, self->path);
      break;
    case PROP_RTT:
      g_value_set_int64 (value, self->rtt_us);
      break;
    case PROP_SINCE:
      g_value_set_boxed (value, self->since);
      break;
    case PROP_BYTES_IN:
      g_value_set_uint64 (value, self->bytes_in);
      break;
    case PROP_BYTES_OUT:
      g_value_set_uint64 (value, self->bytes_out);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
srp_peer_info_class_init (SrpPeerInfoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = srp_peer_info_finalize;
  object_class->get_property = srp_peer_info_get_property;

  /**
   * SrpPeerInfo:id: (getter get_id)
   *
   * The other peer's ID: its public key as 64 lowercase hexadecimal
   * characters, proven in the handshake.
   */
  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, flags);

  /**
   * SrpPeerInfo:address: (getter get_address)
   *
   * The address the other peer is reached at, as "IP:PORT" (IPv6 as
   * "[IP]:PORT"). Behind a NAT this is its NAT's public address. A relayed
   * peer ([property@PeerInfo:path]) has no address of its own here:
   * "relay:PEER@RELAY", with the first 16 hexadecimal characters of its ID
   * and of the relay's.
   */
  properties[PROP_ADDRESS] = g_param_spec_string ("address", NULL, NULL, NULL, flags);

  /**
   * SrpPeerInfo:nat-type: (getter get_nat_type)
   *
   * The NAT type the other peer reports for itself.
   */
  properties[PROP_NAT_TYPE] =
    g_param_spec_enum ("nat-type", NULL, NULL, SRP_TYPE_NAT_TYPE, SRP_NAT_TYPE_UNKNOWN, flags);

  /**
   * SrpPeerInfo:path: (getter get_path)
   *
   * How the other peer is reached: %SRP_PATH_DIRECT, or %SRP_PATH_RELAYED
   * through a third peer when no direct path could be opened. It changes
   * (with notify) when a relayed connection becomes direct.
   */
  properties[PROP_PATH] =
    g_param_spec_enum ("path", NULL, NULL, SRP_TYPE_PATH, SRP_PATH_DIRECT, flags);

  /**
   * SrpPeerInfo:rtt: (getter get_rtt)
   *
   * The last measured round-trip time to the other peer in microseconds,
   * or -1 before the first measurement.
   */
  properties[PROP_RTT] = g_param_spec_int64 ("rtt", NULL, NULL, -1, G_MAXINT64, -1, flags);

  /**
   * SrpPeerInfo:since: (getter get_since)
   *
   * When the connection was made, in local time.
   */
  properties[PROP_SINCE] = g_param_spec_boxed ("since", NULL, NULL, G_TYPE_DATE_TIME, flags);

  /**
   * SrpPeerInfo:bytes-in: (getter get_bytes_in)
   *
   * Bytes received from the other peer since the connection was made
   * (through a relay: the frames it relayed), as of at most a second ago.
   */
  properties[PROP_BYTES_IN] =
    g_param_spec_uint64 ("bytes-in", NULL, NULL, 0, G_MAXUINT64, 0, flags);

  /**
   * SrpPeerInfo:bytes-out: (getter get_bytes_out)
   *
   * Bytes sent to the other peer since the connection was made, as of at
   * most a second ago.
   */
  properties[PROP_BYTES_OUT] =
    g_param_spec_uint64 ("bytes-out", NULL, NULL, 0, G_MAXUINT64, 0, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
srp_peer_info_init (SrpPeerInfo *self)
{
  self->rtt_us = -1;
}

SrpPeerInfo *
srp_peer_info_new (const SrpCoreEvent *event, GDateTime *since)
{
  SrpPeerInfo *self = g_object_new (SRP_TYPE_PEER_INFO, NULL);

  self->raw_id = event->peer.id;
  srp_id_to_hex (&event->peer.id, self->id);
  self->raw_address = event->peer.address;
  srp_address_to_string (&event->peer.address, self->address);
  self->nat_type = (SrpNatType) event->peer.nat;
  self->path = srp_path_from_core (event->peer.path);
  self->rtt_us = event->peer.rtt_us;
  self->since = g_date_time_ref (since);
  self->bytes_in = event->peer.bytes_in;
  self->bytes_out = event->peer.bytes_out;
  return self;
}

void
srp_peer_info_update (SrpPeerInfo *self, const SrpCoreEvent *event)
{
  GObject *object = G_OBJECT (self);
  SrpPath path = srp_path_from_core (event->peer.path);

  g_object_freeze_notify (object);
  if (!srp_address_equal (&self->raw_address, &event->peer.address))
    {
      self->raw_address = event->peer.address;
      srp_address_to_string (&event->peer.address, self->address);
      g_object_notify_by_pspec (object, properties[PROP_ADDRESS]);
    }
  if (self->nat_type != (SrpNatType) event->peer.nat)
    {
      self->nat_type = (SrpNatType) event->peer.nat;
      g_object_notify_by_pspec (object, properties[PROP_NAT_TYPE]);
    }
  if (self->path != path)
    {
      self->path = path;
      g_object_notify_by_pspec (object, properties[PROP_PATH]);
    }
  if (self->rtt_us != event->peer.rtt_us)
    {
      self->rtt_us = event->peer.rtt_us;
      g_object_notify_by_pspec (object, properties[PROP_RTT]);
    }
  /* Counts only grow; an event that knows none (0) leaves them. */
  if (event->peer.bytes_in > self->bytes_in)
    {
      self->bytes_in = event->peer.bytes_in;
      g_object_notify_by_pspec (object, properties[PROP_BYTES_IN]);
    }
  if (event->peer.bytes_out > self->bytes_out)
    {
      self->bytes_out = event->peer.bytes_out;
      g_object_notify_by_pspec (object, properties[PROP_BYTES_OUT]);
    }
  g_object_thaw_notify (object);
}

const SrpId *
srp_peer_info_get_raw_id (SrpPeerInfo *self)
{
  return &self->raw_id;
}

/**
 * srp_peer_info_get_id: (get-property id)
 * @self: a peer info
 *
 * Gets the other peer's ID.
 *
 * Returns: (transfer none): 64 lowercase hexadecimal characters
 */
const char *
srp_peer_info_get_id (SrpPeerInfo *self)
{
  g_return_val_if_fail (SRP_IS_PEER_INFO (self), NULL);

  return self->id;
}

/**
 * srp_peer_info_get_address: (get-property address)
 * @self: a peer info
 *
 * Gets the address the other peer is reached at.
 *
 * Returns: (transfer none): "IP:PORT", "[IP]:PORT" for IPv6, or
 *   "relay:PEER@RELAY" for a relayed peer
 */
const char *
srp_peer_info_get_address (SrpPeerInfo *self)
{
  g_return_val_if_fail (SRP_IS_PEER_INFO (self), NULL);

  return self->address;
}

/**
 * srp_peer_info_get_nat_type: (get-property nat-type)
 * @self: a peer info
 *
 * Gets the NAT type the other peer reports.
 *
 * Returns: the NAT type
 */
SrpNatType
srp_peer_info_get_nat_type (SrpPeerInfo *self)
{
  g_return_val_if_fail (SRP_IS_PEER_INFO (self), SRP_NAT_TYPE_UNKNOWN);

  return self->nat_type;
}

/**
 * srp_peer_info_get_path: (get-property path)
 * @self: a peer info
 *
 * Gets how the other peer is reached.
 *
 * Returns: the path
 */
SrpPath
srp_peer_info_get_path (SrpPeerInfo *self)
{
  g_return_val_if_fail (SRP_IS_PEER_INFO (self), SRP_PATH_DIRECT);

  return self->path;
}

/**
 * srp_peer_info_get_rtt: (get-property rtt)
 * @self: a peer info
 *
 * Gets the last measured round-trip time to the other peer.
 *
 * Returns: microseconds, or -1 before the first measurement
 */
gint64
srp_peer_info_get_rtt (SrpPeerInfo *self)
{
  g_return_val_if_fail (SRP_IS_PEER_INFO (self), -1);

  return self->rtt_us;
}

/**
 * srp_peer_info_get_since: (get-property since)
 * @self: a peer info
 *
 * Gets when the connection was made.
 *
 * Returns: (transfer none): the local time of connection
 */
GDateTime *
srp_peer_info_get_since (SrpPeerInfo *self)
{
  g_return_val_if_fail (SRP_IS_PEER_INFO (self), NULL);

  return self->since;
}

/**
 * srp_peer_info_get_bytes_in: (get-property bytes-in)
 * @self: a peer info
 *
 * Gets how many bytes came from the other peer.
 *
 * Returns: bytes received since the connection was made
 */
guint64
srp_peer_info_get_bytes_in (SrpPeerInfo *self)
{
  g_return_val_if_fail (SRP_IS_PEER_INFO (self), 0);

  return self->bytes_in;
}

/**
 * srp_peer_info_get_bytes_out: (get-property bytes-out)
 * @self: a peer info
 *
 * Gets how many bytes went to the other peer.
 *
 * Returns: bytes sent since the connection was made
 */
guint64
srp_peer_info_get_bytes_out (SrpPeerInfo *self)
{
  g_return_val_if_fail (SRP_IS_PEER_INFO (self), 0);

  return self->bytes_out;
}
