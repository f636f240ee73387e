/* srp-error.h: the errors libsrp reports to its callers.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__SRP_INSIDE__) && !defined(SRP_COMPILATION)
#error "Only <libsrp/srp.h> can be included directly."
#endif

#include <glib.h>
#include <libsrp/srp-version.h>

G_BEGIN_DECLS

/**
 * SRP_ERROR:
 *
 * The error domain of libsrp: errors in it have codes from [enum@Error].
 */
#define SRP_ERROR (srp_error_quark ())

/**
 * SrpError:
 * @SRP_ERROR_FAILED: a failure that no other code describes
 * @SRP_ERROR_INVALID_ARGUMENT: the caller passed a value that cannot be used
 * @SRP_ERROR_NOT_LISTENING: the peer must listen before it can do this
 * @SRP_ERROR_ALREADY_LISTENING: the peer listens already
 * @SRP_ERROR_TIMED_OUT: the other side did not answer in time
 * @SRP_ERROR_RESOLVE_FAILED: a host name could not be resolved
 * @SRP_ERROR_IDENTITY: the identity key could not be made, read or written
 * @SRP_ERROR_UNREACHABLE: no path to the peer: no connected peer could
 *   introduce the two, or neither hole punching nor a relay got through in
 *   time (see [method@Peer.connect_async])
 * @SRP_ERROR_STATE: the peer's saved state (its state directory) cannot be
 *   used: written by a newer libsrp, corrupt or truncated, another peer's,
 *   or not writable (see [ctor@Peer.new_with_state_directory])
 * @SRP_ERROR_BOOTSTRAP_LIST: a bootstrap list is malformed, or its signature
 *   does not verify with the key given (see
 *   [method@Peer.add_bootstrap_url_async])
 * @SRP_ERROR_BAD_SIGNATURE: a signature does not verify with the peer ID
 *   given (see [func@verify])
 *
 * Error codes in the [error@Error] domain (`SRP_ERROR`).
 */
typedef enum {
  SRP_ERROR_FAILED,
  SRP_ERROR_INVALID_ARGUMENT,
  SRP_ERROR_NOT_LISTENING,
  SRP_ERROR_ALREADY_LISTENING,
  SRP_ERROR_TIMED_OUT,
  SRP_ERROR_RESOLVE_FAILED,
  SRP_ERROR_IDENTITY,
  SRP_ERROR_UNREACHABLE,
  SRP_ERROR_STATE,
  SRP_ERROR_BOOTSTRAP_LIST,
  SRP_ERROR_BAD_SIGNATURE,
} SrpError;

SRP_AVAILABLE_IN_ALL
GQuark srp_error_quark (void);

G_END_DECLS
