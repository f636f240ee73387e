/* srp-stream.h: a reliable byte stream to another peer.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__SRP_INSIDE__) && !defined(SRP_COMPILATION)
#error "Only <libsrp/srp.h> can be included directly."
#endif

#include <gio/gio.h>
#include <libsrp/srp-path.h>
#include <libsrp/srp-version.h>

G_BEGIN_DECLS

#define SRP_TYPE_STREAM (srp_stream_get_type ())

SRP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SrpStream, srp_stream, SRP, STREAM, GIOStream)

SRP_AVAILABLE_IN_ALL
const char *srp_stream_get_peer_id (SrpStream *self);
SRP_AVAILABLE_IN_ALL
const char *srp_stream_get_label (SrpStream *self);
SRP_AVAILABLE_IN_ALL
SrpPath srp_stream_get_path (SrpStream *self);
SRP_AVAILABLE_IN_ALL
gint64 srp_stream_get_rtt (SrpStream *self);
SRP_AVAILABLE_IN_ALL
guint64 srp_stream_get_bytes_sent (SrpStream *self);
SRP_AVAILABLE_IN_ALL
guint64 srp_stream_get_bytes_received (SrpStream *self);
SRP_AVAILABLE_IN_ALL
guint64 srp_stream_get_bytes_retransmitted (SrpStream *self);

G_END_DECLS
