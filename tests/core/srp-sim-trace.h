/* srp-sim-trace.h: the trace hash of a simulation: everything the cores send
 * and report, folded into SHA-256, so that two runs can be compared bit for
 * bit by comparing 64 hex characters.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gnutls/crypto.h>

#include "srp-core.h"

G_BEGIN_DECLS

typedef struct {
  gnutls_hash_hd_t hash;
} SrpSimTrace;

void srp_sim_trace_init (SrpSimTrace *trace);
void srp_sim_trace_clear (SrpSimTrace *trace);
void srp_sim_trace_bytes (SrpSimTrace *trace, const void *data, gsize len);
/* Big-endian, so that the hash does not depend on the host's byte order. */
void srp_sim_trace_u64 (SrpSimTrace *trace, guint64 value);
/* Folds what an event says that a run's outcome depends on. */
void srp_sim_trace_event (SrpSimTrace *trace, gint64 now, guint64 node, const SrpCoreEvent *event);
/* 64 hex characters of the trace so far (it goes on). */
char *srp_sim_trace_hex (SrpSimTrace *trace);

G_END_DECLS
