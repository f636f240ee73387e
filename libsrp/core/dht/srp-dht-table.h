/* srp-dht-table.h: a Kademlia routing table of open peers (k-buckets).
 *
 * Contacts are filed by how many leading bits their ID shares with ours
 * (bucket 0: the other half of the ID space; bucket 255: the nearest),
 * at most k per bucket. A full bucket keeps the contacts it has, which have
 * answered before, over a newcomer, unless one of them stopped answering:
 * old contacts are the likeliest to stay (Kademlia's observation), and a
 * flood of fresh IDs cannot push them out.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-control-dht.h"
#include "srp-credit.h"

G_BEGIN_DECLS

typedef struct _SrpDhtTable SrpDhtTable;

SrpDhtTable *srp_dht_table_new (const SrpId *self, guint k);
void srp_dht_table_free (SrpDhtTable *table);

/* Adds the contact or refreshes its address; FALSE when its bucket is full
 * of contacts that answer (or it is ourselves). credit: what queries to a
 * contact that has not answered us are paid from (its namer's: a FIND's
 * sender, a FOUND's answerer), or NULL for one that answered us, proving
 * it receives at its address. A contact once proven stays so; one not yet
 * keeps the credit it came with. */
gboolean srp_dht_table_add (SrpDhtTable *table, const SrpDhtContact *contact, gint64 now,
                            SrpCredit *credit);
/* The credit queries to the contact spend (borrowed), or NULL: proven, or
 * not in the table. */
SrpCredit *srp_dht_table_credit (SrpDhtTable *table, const SrpId *id);
/* A query to it went unanswered: after two in a row it leaves the table. */
void srp_dht_table_failed (SrpDhtTable *table, const SrpId *id);
void srp_dht_table_remove (SrpDhtTable *table, const SrpId *id);
/* Up to max contacts nearest to target (XOR distance), nearest first;
 * returns how many. */
guint srp_dht_table_closest (SrpDhtTable *table, const SrpId *target, guint max,
                             SrpDhtContact *out);
guint srp_dht_table_size (SrpDhtTable *table);

/* The nearest contacts to a target among any number offered, kept in a
 * caller's array of max: each offer costs one distance comparison when it
 * is not among them, so a FIND answer over thousands of known peers never
 * sorts them all. The first offer of an ID wins: later ones of the same ID
 * (another source's address for it) are ignored. */
typedef struct {
  const SrpId *target;
  SrpDhtContact *out;
  guint max, n;
} SrpDhtNearest;

void srp_dht_nearest_init (SrpDhtNearest *nearest, const SrpId *target, guint max,
                           SrpDhtContact *out);
void srp_dht_nearest_offer (SrpDhtNearest *nearest, const SrpDhtContact *contact);

/* The XOR distance order: negative when a is nearer to target than b. */
int srp_dht_compare_distance (const SrpId *target, const SrpId *a, const SrpId *b);
/* Leading bits a and b share (0-256). */
guint srp_dht_shared_bits (const SrpId *a, const SrpId *b);

G_END_DECLS
