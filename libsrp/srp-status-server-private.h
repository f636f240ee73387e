/* srp-status-server-private.h: the state SrpStatusServer's files share
 * (internal): srp-status-server.c the object and its listening,
 * srp-status-http.c the requests.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "srp-status-server.h"

#include "srp-status-client.h"
#include "srp-status-json.h"
#include "srp-status-watch.h"

G_BEGIN_DECLS

struct _SrpStatusServer {
  GObject parent_instance;

  SrpPeer *peer;
  GMainContext *context;
  char *token;
  SrpStatusWatch *watch;
  GPtrArray *clients;     /* SrpStatusClient *, owned */
  guint64 events_dropped; /* over every client, gone or not */
  SrpStatusClientLimits limits;
  guint sample_interval_ms;

  /* Set while listening. */
  SoupServer *soup;
  GInetAddress *address;
  guint port;
};

/* srp-status-server.c */
SrpStatusServerFacts srp_status_server_get_facts (SrpStatusServer *self);
/* Takes a client of /api/events; hello is the first event it gets. */
void srp_status_server_add_client (SrpStatusServer *self, SoupWebsocketConnection *connection);
/* For tests: tighter queues and faster samples than in real use. */
void srp_status_server_set_limits (SrpStatusServer *self, const SrpStatusClientLimits *limits,
                                   guint sample_interval_ms);

/* srp-status-http.c: answers every request of soup. */
void srp_status_http_serve (SrpStatusServer *self, SoupServer *soup);
/* The API paths served (so that clients need not probe), NULL-terminated. */
const char *const *srp_status_http_endpoints (void);

G_END_DECLS
