/* srp-bootstrap-list.h: signed lists of bootstrap peers, as served over
 * HTTPS for srp_peer_add_bootstrap_url_async (internal). The format:
 *
 *   SRP-BOOTSTRAP-LIST 1\n
 *   peer HOST:PORT\n              1 to 64 lines; an IPv6 address in [ ]
 *   signature BASE64\n            Ed25519, over every byte before this line
 *
 * UTF-8, LF line ends, at most 64 KiB, nothing after the signature line.
 * The key that signs it is the caller's to give (it comes with the URL).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "srp-wire.h"

G_BEGIN_DECLS

#define SRP_BOOTSTRAP_LIST_MAX_BYTES (64 * 1024)
#define SRP_BOOTSTRAP_LIST_MAX_PEERS 64

typedef struct {
  char *host;
  guint16 port;
} SrpBootstrapEntry;

/* Checks the signature with key, then the lines; returns the entries
 * (SrpBootstrapEntry, with their hosts to free: srp_bootstrap_list_free) or
 * NULL with SRP_ERROR_BOOTSTRAP_LIST saying what is wrong. */
GArray *srp_bootstrap_list_parse (const guint8 *data, gsize len, const SrpId *key,
                                  GError **error);
void srp_bootstrap_list_free (GArray *entries);

/* Signs a list of "HOST:PORT" strings (for tests and for tools that make
 * lists); the caller signs with sign. */
char *srp_bootstrap_list_make (const char *const *peers,
                               gboolean (*sign) (const guint8 *data, gsize len,
                                                 guint8 signature[SRP_SIGNATURE_LEN],
                                                 gpointer user_data),
                               gpointer user_data);

G_END_DECLS
