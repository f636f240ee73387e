/* srp-stream.c: SrpStream, a GIOStream over one of the core's streams.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-stream-private.h"

#include "srp-control-stream.h"
#include "srp-enums.h"

/**
 * SrpStream:
 *
 * A reliable, ordered byte stream to another peer, made with
 * [method@Peer.open_stream_async] or received through
 * [signal@Peer::incoming-stream].
 *
 * Its input and output streams implement [iface@Gio.PollableInputStream]
 * and [iface@Gio.PollableOutputStream], so everything that works on a
 * [class@Gio.IOStream] works on it: [method@Gio.OutputStream.splice_async],
 * [class@Gio.DataInputStream], and so on. Bytes arrive in order, exactly
 * once, however the network loses, reorders or repeats datagrams; many
 * streams to the same peer share one connection, and a loss on one never
 * delays another.
 *
 * Closing the output stream ends the stream in that direction: the other
 * side reads the end of the stream after the last byte. Closing the
 * [class@Gio.IOStream] closes both. When the other peer resets the stream
 * or goes away, reads fail with %G_IO_ERROR_CONNECTION_CLOSED and writes
 * with %G_IO_ERROR_BROKEN_PIPE.
 *
 * The stream lives in the main context of its [class@Peer]: use it from
 * there. Blocking reads and writes run that context until they can go on.
 */

struct _SrpStream {
  GIOStream parent_instance;

  SrpPeer *peer;
  guint64 handle;
  char *peer_id;
  char *label;
  gboolean closed;
  gboolean releasing;    /* disposed: closing does not wait for the peer */
  guint8 reason;
  SrpPath path;
  gint64 rtt;
  guint64 bytes_sent, bytes_received, bytes_retransmitted;
  GInputStream *input;
  GOutputStream *output;
};

G_DEFINE_FINAL_TYPE (SrpStream, srp_stream, G_TYPE_IO_STREAM)

enum {
  PROP_0,
  PROP_PEER_ID,
  PROP_LABEL,
  PROP_PATH,
  PROP_RTT,
  PROP_BYTES_SENT,
  PROP_BYTES_RECEIVED,
  PROP_BYTES_RETRANSMITTED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

SrpStream *
srp_stream_new (SrpPeer *peer, guint64 handle)
{
  SrpStream *self = g_object_new (SRP_TYPE_STREAM, NULL);
  SrpCoreStreamInfo info;
  char hex[2 * SRP_ID_LEN + 1];

  self->peer = g_object_ref (peer);
  self->handle = handle;
  if (srp_core_stream_get_info (srp_peer_get_core (peer), handle, &info))
    {
      srp_id_to_hex (&info.peer_id, hex);
      self->peer_id = g_strdup (hex);
      self->label = g_strdup (info.label);
      self->path = info.path == SRP_CORE_PATH_RELAYED ? SRP_PATH_RELAYED : SRP_PATH_DIRECT;
      self->rtt = info.rtt_us;
    }
  else
    self->closed = TRUE;
  self->input = srp_stream_input_new (self);
  self->output = srp_stream_output_new (self);
  return self;
}

guint64
srp_stream_get_handle (SrpStream *self)
{
  return self->handle;
}

SrpPeer *
srp_stream_get_peer (SrpStream *self)
{
  return self->peer;
}

gboolean
srp_stream_is_releasing (SrpStream *self)
{
  return self->releasing;
}

gboolean
srp_stream_is_closed (SrpStream *self)
{
  return self->closed;
}

static void
set_u64 (SrpStream *self, guint64 *field, guint64 value, guint prop)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

void
srp_stream_refresh (SrpStream *self)
{
  SrpCoreStreamInfo info;
  SrpPath path;

  if (!srp_core_stream_get_info (srp_peer_get_core (self->peer), self->handle, &info))
    return;
  g_object_freeze_notify (G_OBJECT (self));
  set_u64 (self, &self->bytes_sent, info.bytes_sent, PROP_BYTES_SENT);
  set_u64 (self, &self->bytes_received, info.bytes_received, PROP_BYTES_RECEIVED);
  set_u64 (self, &self->bytes_retransmitted, info.bytes_retransmitted, PROP_BYTES_RETRANSMITTED);
  if (info.path != 0)
    {
      path = info.path == SRP_CORE_PATH_RELAYED ? SRP_PATH_RELAYED : SRP_PATH_DIRECT;
      if (path != self->path)
        {
          self->path = path;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PATH]);
        }
    }
  if (info.rtt_us != self->rtt && info.rtt_us >= 0)
    {
      self->rtt = info.rtt_us;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RTT]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

void
srp_stream_set_closed (SrpStream *self, guint8 reason)
{
  if (self->closed)
    return;
  self->closed = TRUE;
  self->reason = reason;
}

void
srp_stream_set_error (SrpStream *self, gboolean writing, GError **error)
{
  switch (self->reason)
    {
    case SRP_STREAM_REASON_REFUSED:
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED,
                           "The other peer refused the stream");
      return;
    case SRP_STREAM_REASON_LINK_LOST:
      g_set_error_literal (error, G_IO_ERROR, writing ? G_IO_ERROR_BROKEN_PIPE
                                                      : G_IO_ERROR_CONNECTION_CLOSED,
                           "The connection to the other peer was lost");
      return;
    default:
      g_set_error_literal (error, G_IO_ERROR, writing ? G_IO_ERROR_BROKEN_PIPE
                                                      : G_IO_ERROR_CONNECTION_CLOSED,
                           "The stream was reset");
    }
}

static GInputStream *
srp_stream_get_input_stream (GIOStream *stream)
{
  return SRP_STREAM (stream)->input;
}

static GOutputStream *
srp_stream_get_output_stream (GIOStream *stream)
{
  return SRP_STREAM (stream)->output;
}

static void
srp_stream_dispose (GObject *object)
{
  SrpStream *self = SRP_STREAM (object);

  /* Closing finishes what was written (GIOStream would close it later,
   * without its streams); the core still delivers it after the release,
   * so nothing waits here. */
  self->releasing = TRUE;
  if (self->input != NULL && !g_io_stream_is_closed (G_IO_STREAM (self)))
    g_io_stream_close (G_IO_STREAM (self), NULL, NULL);
  if (self->peer != NULL)
    {
      srp_peer_streams_forget (self->peer, self);
      srp_core_stream_release (srp_peer_get_core (self->peer), g_get_monotonic_time (),
                               self->handle);
      srp_peer_drive (self->peer);
    }
  g_clear_object (&self->input);
  g_clear_object (&self->output);
  g_clear_object (&self->peer);
  G_OBJECT_CLASS (srp_stream_parent_class)->dispose (object);
}

static void
srp_stream_finalize (GObject *object)
{
  SrpStream *self = SRP_STREAM (object);

  g_free (self->peer_id);
  g_free (self->label);
  G_OBJECT_CLASS (srp_stream_parent_class)->finalize (object);
}

static void
srp_stream_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  SrpStream *self = SRP_STREAM (object);

  switch (prop_id)
    {
    case PROP_PEER_ID:
      g_value_set_string (value, self->peer_id);
      break;
    case PROP_LABEL:
      g_value_set_string (value, self->label);
      break;
    case PROP_PATH:
      g_value_set_enum (value, self->path);
      break;
    case PROP_RTT:
      g_value_set_int64 (value, self->rtt);
      break;
    case PROP_BYTES_SENT:
      g_value_set_uint64 (value, self->bytes_sent);
      break;
    case PROP_BYTES_RECEIVED:
      g_value_set_uint64 (value, self->bytes_received);
      break;
    case PROP_BYTES_RETRANSMITTED:
      g_value_set_uint64 (value, self->bytes_retransmitted);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
srp_stream_class_init (SrpStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GIOStreamClass *io_class = G_IO_STREAM_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = srp_stream_dispose;
  object_class->finalize = srp_stream_finalize;
  object_class->get_property = srp_stream_get_property;
  io_class->get_input_stream = srp_stream_get_input_stream;
  io_class->get_output_stream = srp_stream_get_output_stream;

  /**
   * SrpStream:peer-id: (getter get_peer_id)
   *
   * The other peer's ID (64 hexadecimal characters).
   */
  properties[PROP_PEER_ID] = g_param_spec_string ("peer-id", NULL, NULL, NULL, flags);
  /**
   * SrpStream:label: (getter get_label)
   *
   * What the opener called the stream (may be empty): it tells the
   * receiving application what the stream is for.
   */
  properties[PROP_LABEL] = g_param_spec_string ("label", NULL, NULL, NULL, flags);
  /**
   * SrpStream:path: (getter get_path)
   *
   * How the other peer is reached; a relayed stream may become direct,
   * without losing a byte.
   */
  properties[PROP_PATH] = g_param_spec_enum ("path", NULL, NULL, SRP_TYPE_PATH, SRP_PATH_DIRECT,
                                             flags);
  /**
   * SrpStream:rtt: (getter get_rtt)
   *
   * The smoothed round-trip time to the other peer, in microseconds, or -1
   * before it was measured.
   */
  properties[PROP_RTT] = g_param_spec_int64 ("rtt", NULL, NULL, -1, G_MAXINT64, -1, flags);
  /**
   * SrpStream:bytes-sent: (getter get_bytes_sent)
   *
   * Bytes of the stream sent so far, each counted once.
   */
  properties[PROP_BYTES_SENT] = g_param_spec_uint64 ("bytes-sent", NULL, NULL, 0,
                                                     G_MAXUINT64, 0, flags);
  /**
   * SrpStream:bytes-received: (getter get_bytes_received)
   *
   * Bytes of the stream received so far, each counted once.
   */
  properties[PROP_BYTES_RECEIVED] = g_param_spec_uint64 ("bytes-received", NULL, NULL, 0,
                                                         G_MAXUINT64, 0, flags);
  /**
   * SrpStream:bytes-retransmitted: (getter get_bytes_retransmitted)
   *
   * Bytes sent again because the network lost them (or seemed to).
   */
  properties[PROP_BYTES_RETRANSMITTED] = g_param_spec_uint64 ("bytes-retransmitted", NULL, NULL,
                                                              0, G_MAXUINT64, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
srp_stream_init (SrpStream *self)
{
  self->rtt = -1;
}

/**
 * srp_stream_get_peer_id: (get-property peer-id)
 * @self: a stream
 *
 * Gets [property@Stream:peer-id].
 *
 * Returns: the other peer's ID
 */
const char *
srp_stream_get_peer_id (SrpStream *self)
{
  g_return_val_if_fail (SRP_IS_STREAM (self), NULL);
  return self->peer_id;
}

/**
 * srp_stream_get_label: (get-property label)
 * @self: a stream
 *
 * Gets [property@Stream:label].
 *
 * Returns: the stream's label, as its opener gave it (empty for none)
 */
const char *
srp_stream_get_label (SrpStream *self)
{
  g_return_val_if_fail (SRP_IS_STREAM (self), NULL);
  return self->label;
}

/**
 * srp_stream_get_path: (get-property path)
 * @self: a stream
 *
 * Gets [property@Stream:path].
 *
 * Returns: how the other peer is reached
 */
SrpPath
srp_stream_get_path (SrpStream *self)
{
  g_return_val_if_fail (SRP_IS_STREAM (self), SRP_PATH_DIRECT);
  return self->path;
}

/**
 * srp_stream_get_rtt: (get-property rtt)
 * @self: a stream
 *
 * Gets [property@Stream:rtt].
 *
 * Returns: the smoothed round-trip time in microseconds, or -1
 */
gint64
srp_stream_get_rtt (SrpStream *self)
{
  g_return_val_if_fail (SRP_IS_STREAM (self), -1);
  return self->rtt;
}

/**
 * srp_stream_get_bytes_sent: (get-property bytes-sent)
 * @self: a stream
 *
 * Gets [property@Stream:bytes-sent].
 *
 * Returns: the bytes sent so far
 */
guint64
srp_stream_get_bytes_sent (SrpStream *self)
{
  g_return_val_if_fail (SRP_IS_STREAM (self), 0);
  return self->bytes_sent;
}

/**
 * srp_stream_get_bytes_received: (get-property bytes-received)
 * @self: a stream
 *
 * Gets [property@Stream:bytes-received].
 *
 * Returns: the bytes received so far
 */
guint64
srp_stream_get_bytes_received (SrpStream *self)
{
  g_return_val_if_fail (SRP_IS_STREAM (self), 0);
  return self->bytes_received;
}

/**
 * srp_stream_get_bytes_retransmitted: (get-property bytes-retransmitted)
 * @self: a stream
 *
 * Gets [property@Stream:bytes-retransmitted].
 *
 * Returns: the bytes sent again so far
 */
guint64
srp_stream_get_bytes_retransmitted (SrpStream *self)
{
  g_return_val_if_fail (SRP_IS_STREAM (self), 0);
  return self->bytes_retransmitted;
}
