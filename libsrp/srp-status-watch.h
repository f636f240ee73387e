/* srp-status-watch.h: watches a peer through its public signals and turns
 * what happens into the events of /api/events (internal).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "srp-peer.h"

G_BEGIN_DECLS

typedef struct _SrpStatusWatch SrpStatusWatch;

/* Called with each event, to send to every client. */
typedef void (*SrpStatusWatchEmitFunc) (JsonNode *event, gpointer user_data);

SrpStatusWatch *srp_status_watch_new (SrpPeer *peer, GMainContext *context,
                                      SrpStatusWatchEmitFunc emit, gpointer user_data);
void srp_status_watch_free (SrpStatusWatch *self);

/* Traffic samples every interval_ms while on (that is, while anyone
 * listens), 0 for off. */
void srp_status_watch_set_sampling (SrpStatusWatch *self, guint interval_ms);
/* Microseconds since the peer started listening, -1 while it does not. */
gint64 srp_status_watch_get_uptime (SrpStatusWatch *self);

G_END_DECLS
