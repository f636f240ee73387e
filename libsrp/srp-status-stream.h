/* srp-status-stream.h: a GIOStream that counts the bytes written through it
 * (internal). SoupWebsocketConnection keeps an unbounded queue of frames and
 * no public count of what is still unsent; wrapping the connection's stream
 * tells the status server how far behind each WebSocket client is, as a
 * browser's WebSocket.bufferedAmount does.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SRP_TYPE_STATUS_STREAM (srp_status_stream_get_type ())
G_DECLARE_FINAL_TYPE (SrpStatusStream, srp_status_stream, SRP, STATUS_STREAM, GIOStream)

/* Called after bytes went out to the base stream. It runs inside libsoup's
 * writer, which must not be re-entered: defer any further sending. */
typedef void (*SrpStatusStreamWroteFunc) (gpointer user_data);

/* Wraps base (a pollable stream, such as the one a SoupServerMessage gives
 * up); closing the wrapper closes base. */
GIOStream *srp_status_stream_new (GIOStream *base);
void srp_status_stream_set_wrote_func (SrpStatusStream *self, SrpStatusStreamWroteFunc func,
                                       gpointer user_data);
/* Every byte written to the base stream so far. */
guint64 srp_status_stream_get_written (SrpStatusStream *self);

G_END_DECLS
