/* srp-source-ledger.h: what each source (an IPv4 address, an IPv6 /64) got
 * from us lately: a bounded record of recent grants, counted per source,
 * so that a responder under load can share a budget out by source rather
 * than by who asks fastest (srp-mesh-cookie.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-address.h"

G_BEGIN_DECLS

typedef struct _SrpSourceLedger SrpSourceLedger;

/* Grants are remembered for window_us, and at most capacity of them (the
 * oldest go first). */
SrpSourceLedger *srp_source_ledger_new (guint capacity, gint64 window_us);
void srp_source_ledger_free (SrpSourceLedger *ledger);
/* The grants from's source had within the window before now. */
guint srp_source_ledger_count (SrpSourceLedger *ledger, gint64 now, const SrpAddress *from);
void srp_source_ledger_add (SrpSourceLedger *ledger, gint64 now, const SrpAddress *from);

G_END_DECLS
