/* srp-error.c: the libsrp error domain.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-error.h"

/**
 * srp_error_quark:
 *
 * The quark of the libsrp error domain, [error@Error].
 *
 * Returns: the error quark
 */
G_DEFINE_QUARK (srp-error-quark, srp_error)
