/* srp-state.h: the pieces of a core's durable state as GVariants.
 *
 * srp_core_export_state writes one a{sv} dictionary; each subsystem puts
 * its own keys in it (srp-subsystem.h). These helpers keep IDs, addresses
 * and packets in one form everywhere, and check what comes back: state read
 * from a disk is as untrusted as a datagram.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-address.h"
#include "srp-wire.h"

G_BEGIN_DECLS

/* The version of the dictionary's layout; import refuses others. */
#define SRP_STATE_VERSION 1

#define SRP_STATE_ERROR (srp_state_error_quark ())
GQuark srp_state_error_quark (void);

typedef enum {
  SRP_STATE_ERROR_VERSION,   /* written by another version of the layout */
  SRP_STATE_ERROR_MALFORMED, /* a value has the wrong type or fails its checks */
} SrpStateError;

/* An ID as "ay" of 32 bytes. */
GVariant *srp_state_id (const SrpId *id);
gboolean srp_state_read_id (GVariant *value, SrpId *out);

/* An IP address as (yqay): family, port, 4 or 16 bytes. */
GVariant *srp_state_address (const SrpAddress *address);
gboolean srp_state_read_address (GVariant *value, SrpAddress *out);

/* Sets error to a MALFORMED error naming key. */
gboolean srp_state_malformed (GError **error, const char *key);

G_END_DECLS
