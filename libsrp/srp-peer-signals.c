/* srp-peer-signals.c: SrpPeer's signals, their documentation, and the
 * functions the rest of the shell emits them through.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-peer-private.h"
#include "srp-stream-private.h"

#include "srp-peer-info-private.h"

enum {
  SIGNAL_PEER_ADDED,
  SIGNAL_PEER_REMOVED,
  SIGNAL_BOOTSTRAP_FAILED,
  SIGNAL_MESSAGE,
  SIGNAL_CONNECTED,
  SIGNAL_INCOMING_STREAM,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

gboolean
srp_peer_emit_incoming_stream (SrpPeer *self, SrpStream *stream)
{
  gboolean taken = FALSE;

  g_signal_emit (self, signals[SIGNAL_INCOMING_STREAM], 0, stream, &taken);
  return taken;
}

void
srp_peer_emit_peer_added (SrpPeer *self, SrpPeerInfo *info)
{
  g_signal_emit (self, signals[SIGNAL_PEER_ADDED], 0, info);
}

void
srp_peer_emit_peer_removed (SrpPeer *self, SrpPeerInfo *info)
{
  g_signal_emit (self, signals[SIGNAL_PEER_REMOVED], 0, info);
}

void
srp_peer_emit_connected (SrpPeer *self, SrpPeerInfo *info)
{
  g_signal_emit (self, signals[SIGNAL_CONNECTED], 0, info);
}

void
srp_peer_emit_message (SrpPeer *self, SrpMessage *message)
{
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, message);
}

void
srp_peer_emit_bootstrap_failed (SrpPeer *self, const char *host, guint16 port,
                                const GError *error)
{
  g_signal_emit (self, signals[SIGNAL_BOOTSTRAP_FAILED], 0, host, (guint) port, error);
}

void
srp_peer_class_add_signals (GObjectClass *klass)
{
  /**
   * SrpPeer::peer-added:
   * @self: the peer
   * @info: the peer it connected to
   *
   * Emitted when the peer has connected to another one (the handshake that
   * proves the other's ID is done), after @info was added to
   * [method@Peer.get_peers].
   */
  signals[SIGNAL_PEER_ADDED] =
    g_signal_new ("peer-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, SRP_TYPE_PEER_INFO);

  /**
   * SrpPeer::peer-removed:
   * @self: the peer
   * @info: the peer it lost
   *
   * Emitted when a connected peer went silent (3 missed heartbeats) or
   * away, or this peer closed, after @info was removed from
   * [method@Peer.get_peers].
   */
  signals[SIGNAL_PEER_REMOVED] =
    g_signal_new ("peer-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, SRP_TYPE_PEER_INFO);

  /**
   * SrpPeer::bootstrap-failed:
   * @self: the peer
   * @host: the bootstrap peer's host, as given to [method@Peer.add_bootstrap]
   * @port: its port
   * @error: what went wrong, such as %SRP_ERROR_RESOLVE_FAILED
   *
   * Emitted when a bootstrap peer cannot be tried at all, for example when
   * its name does not resolve. Unanswered bootstrap peers are retried and do
   * not emit this.
   */
  signals[SIGNAL_BOOTSTRAP_FAILED] =
    g_signal_new ("bootstrap-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_UINT, G_TYPE_ERROR);

  /**
   * SrpPeer::message:
   * @self: the peer
   * @message: the message
   *
   * Emitted for each whole message sent to this peer's inbox with
   * [method@Peer.send], once, including those sent while it was offline.
   * Its [property@Message:topic] is %NULL.
   */
  /* Emitted once per message, so with a marshaller of its own: the
   * generic one goes through GValues and libffi for every emission. */
  signals[SIGNAL_MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  g_cclosure_marshal_VOID__OBJECT, G_TYPE_NONE, 1, SRP_TYPE_MESSAGE);
  g_signal_set_va_marshaller (signals[SIGNAL_MESSAGE], G_TYPE_FROM_CLASS (klass),
                              g_cclosure_marshal_VOID__OBJECTv);

  /**
   * SrpPeer::connected:
   * @self: the peer
   * @info: the peer it connected to
   *
   * Emitted when a connection was made through an introduction: a
   * connected peer introduced this one and @info to each other, because
   * one of them asked to connect to the other with
   * [method@Peer.connect_async]. It comes on both sides, whichever asked,
   * right after [signal@Peer::peer-added] for the same @info. Connections
   * made otherwise (bootstrap peers, peer exchange) do not emit it.
   *
   * [property@PeerInfo:path] tells whether the connection is direct (a
   * hole was punched through the NATs on the way) or relayed.
   */
  signals[SIGNAL_CONNECTED] =
    g_signal_new ("connected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, SRP_TYPE_PEER_INFO);

  /**
   * SrpPeer::incoming-stream:
   * @self: the peer
   * @stream: the stream a connected peer opened (see
   *   [method@Peer.open_stream_async]); its [property@Stream:label] says
   *   what for
   *
   * Emitted when another peer opens a stream to this one. A handler that
   * takes the stream keeps a reference to it and returns %TRUE; when no
   * handler does, the stream is refused and the opener's
   * [method@Peer.open_stream_finish] fails with
   * %G_IO_ERROR_CONNECTION_REFUSED.
   *
   * Returns: %TRUE when a handler took the stream
   */
  signals[SIGNAL_INCOMING_STREAM] =
    g_signal_new ("incoming-stream", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  g_signal_accumulator_true_handled, NULL, NULL, G_TYPE_BOOLEAN, 1,
                  SRP_TYPE_STREAM);
}
