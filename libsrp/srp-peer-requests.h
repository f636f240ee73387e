/* srp-peer-requests.h: GTasks waiting for the core to answer a request
 * (internal): pings and connects, by the request number the core gave.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _SrpPeerRequests SrpPeerRequests;

/* Cancellation callbacks run on context. */
SrpPeerRequests *srp_peer_requests_new (GMainContext *context);
/* Drops pending tasks without completing them: only for finalization, when
 * srp_peer_requests_close has completed them already. */
void srp_peer_requests_free (SrpPeerRequests *requests);

/* Keeps a reference to task until the core answers request. When the
 * task's cancellable fires first, the task is removed and returns
 * G_IO_ERROR_CANCELLED; the core's answer then finds nothing. */
void srp_peer_requests_add (SrpPeerRequests *requests, guint64 request, GTask *task);
/* The task waiting for request, removed (the caller owns the reference), or
 * NULL when it was cancelled or comes from before a close. */
GTask *srp_peer_requests_take (SrpPeerRequests *requests, guint64 request);
/* Fails every waiting task with G_IO_ERROR_CLOSED; callbacks run after the
 * table is empty, so they may start new requests. */
void srp_peer_requests_close (SrpPeerRequests *requests);

G_END_DECLS
