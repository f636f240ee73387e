/* srp-delivered.h: the IDs of messages handed over to the application, so
 * that none is handed over twice: caches give back what we had, a peer
 * that was away gets old messages again through anti-entropy, and the
 * reassembler's own memory is of packets, not messages. Bounded: the oldest
 * are forgotten first.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-wire.h"

G_BEGIN_DECLS

typedef struct _SrpDelivered SrpDelivered;

SrpDelivered *srp_delivered_new (guint capacity);
void srp_delivered_free (SrpDelivered *delivered);

/* TRUE the first time id is seen (and it is remembered from then on). */
gboolean srp_delivered_add (SrpDelivered *delivered, const SrpId *id);
gboolean srp_delivered_contains (SrpDelivered *delivered, const SrpId *id);
guint srp_delivered_size (SrpDelivered *delivered);
/* Calls func for each ID, oldest first. */
void srp_delivered_foreach (SrpDelivered *delivered, void (*func) (const SrpId *id, gpointer data),
                            gpointer data);

G_END_DECLS
