/* srp-credit.h: the three-times rule for addresses that have not proved
 * they receive.
 *
 * Whoever names an address to us (a link's PEERS or INTRODUCE, a
 * stranger's BUSY or FOUND) could be naming a victim. Everything we send
 * there before the address answers a challenge of ours is paid from the
 * namer's credit: three times the bytes we received from it. A link earns
 * credit with every datagram it sends us (up to a cap, so that a quiet
 * link cannot bank a flood); a stranger's frame gives a credit of its own
 * size, spent by the sends it caused. Credits are shared by reference: a
 * record, a handshake or a punch holds the credit of whoever named it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Bytes out per byte in, to an address that has not proved it receives. */
#define SRP_CREDIT_FACTOR 3
/* A link's credit stops growing here (a few handshakes' worth of HELLOs). */
#define SRP_CREDIT_MAX (64 * 1024)

typedef struct _SrpCredit SrpCredit;

/* A credit of SRP_CREDIT_FACTOR times bytes_in. */
SrpCredit *srp_credit_new (gsize bytes_in);
SrpCredit *srp_credit_ref (SrpCredit *credit);
void srp_credit_unref (SrpCredit *credit);
/* bytes_in more arrived from the namer. */
void srp_credit_earn (SrpCredit *credit, gsize bytes_in);
/* Pays bytes_out; FALSE (nothing paid) when the credit is short. A NULL
 * credit (an address the application chose) always pays. */
gboolean srp_credit_spend (SrpCredit *credit, gsize bytes_out);
/* What is left, in bytes out. */
gsize srp_credit_left (const SrpCredit *credit);

/* Replaces *slot's reference with one to credit (which may be NULL). */
void srp_credit_set (SrpCredit **slot, SrpCredit *credit);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SrpCredit, srp_credit_unref)

G_END_DECLS
