/* srp-stream-private.h: what SrpPeer and SrpStream's files share about
 * streams (internal). srp-stream.c is the GIOStream and its properties,
 * srp-stream-io.c its input and output streams, srp-peer-streams.c opening
 * streams and taking the core's stream events.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-peer-private.h"
#include "srp-stream.h"

G_BEGIN_DECLS

/* A stream of peer for the core's stream handle (taken over: released when
 * the object goes). */
SrpStream *srp_stream_new (SrpPeer *peer, guint64 handle);
guint64 srp_stream_get_handle (SrpStream *self);
SrpPeer *srp_stream_get_peer (SrpStream *self);
/* The core's figures again: properties that changed are notified. */
void srp_stream_refresh (SrpStream *self);
/* The stream is over in the core (reason: SrpStreamReason), or the peer
 * closed: reads and writes fail from now on. */
void srp_stream_set_closed (SrpStream *self, guint8 reason);
/* The error a read (or a write) of a closed stream fails with. */
void srp_stream_set_error (SrpStream *self, gboolean writing, GError **error);
gboolean srp_stream_is_closed (SrpStream *self);
/* Being disposed: closing must not wait. */
gboolean srp_stream_is_releasing (SrpStream *self);

/* srp-stream-io.c: the input and output streams. */
GInputStream *srp_stream_input_new (SrpStream *stream);
GOutputStream *srp_stream_output_new (SrpStream *stream);

/* srp-peer-streams.c */
void srp_peer_streams_init (SrpPeer *self);
void srp_peer_streams_clear (SrpPeer *self);
/* A stream event from the core. */
void srp_peer_streams_handle_event (SrpPeer *self, const SrpCoreEvent *event);
/* Figures of every stream, after each drive. */
void srp_peer_streams_refresh (SrpPeer *self);
/* The peer stops listening: every stream is over. */
void srp_peer_streams_close_all (SrpPeer *self);
void srp_peer_streams_forget (SrpPeer *self, SrpStream *stream);
/* Emits SrpPeer::incoming-stream (srp-peer.c); TRUE when a handler took it. */
gboolean srp_peer_emit_incoming_stream (SrpPeer *self, SrpStream *stream);

G_END_DECLS
