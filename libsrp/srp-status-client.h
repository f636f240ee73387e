/* srp-status-client.h: one WebSocket client of /api/events (internal), with
 * a bounded queue: pushing an event never blocks and never grows memory
 * without bound; what a slow client cannot take is dropped and counted.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct {
  guint max_events;       /* events waiting in our queue, not yet handed to libsoup */
  gsize max_unsent;       /* bytes handed to libsoup that did not reach the socket yet */
  guint stall_timeout_ms; /* a client that takes nothing for this long is closed */
} SrpStatusClientLimits;

typedef struct _SrpStatusClient SrpStatusClient;

/* The connection closed (either side, or a stall): free the client. */
typedef void (*SrpStatusClientClosedFunc) (SrpStatusClient *client, gpointer user_data);

/* Takes over a WebSocket connection made on a SrpStatusStream (whose
 * written count tells how far the client is behind). */
SrpStatusClient *srp_status_client_new (SoupWebsocketConnection *connection,
                                        const SrpStatusClientLimits *limits,
                                        GMainContext *context,
                                        SrpStatusClientClosedFunc closed, gpointer user_data);
/* Disconnects (without waiting for the client) and frees. */
void srp_status_client_free (SrpStatusClient *self);

/* Queues one event (a JSON text); returns FALSE when it was dropped. */
gboolean srp_status_client_push (SrpStatusClient *self, GBytes *event);
/* Events dropped for this client so far. */
guint64 srp_status_client_get_dropped (SrpStatusClient *self);

G_END_DECLS
