/* srp-status-auth.h: who may read the status API (internal).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* 0 when msg may read the API; otherwise the HTTP status to refuse it with
 * (401 or 403), and *reason says why. token is NULL when none is set. */
guint srp_status_auth_check (SoupServerMessage *msg, const char *token, const char **reason);

G_END_DECLS
