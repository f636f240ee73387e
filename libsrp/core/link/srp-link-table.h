/* srp-link-table.h: the links of a core, by peer ID, by address and in the
 * order they connected (stable, so that iteration is deterministic).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-link.h"

G_BEGIN_DECLS

typedef struct _SrpLinkTable SrpLinkTable;

SrpLinkTable *srp_link_table_new (void);
/* The table must be empty: links are closed through the core. */
void srp_link_table_free (SrpLinkTable *table);

/* Takes ownership of link; its ID and address must be free. */
void srp_link_table_add (SrpLinkTable *table, SrpLink *link);
/* Removes link and hands ownership back. */
void srp_link_table_remove (SrpLinkTable *table, SrpLink *link);
/* Moves link to another address (which must be free). */
void srp_link_table_move (SrpLinkTable *table, SrpLink *link, const SrpAddress *address);

SrpLink *srp_link_table_lookup (SrpLinkTable *table, const SrpId *id);
SrpLink *srp_link_table_lookup_address (SrpLinkTable *table, const SrpAddress *address);
/* The link whose ID starts with the 8-byte prefix (srp_id_prefix), or NULL. */
SrpLink *srp_link_table_lookup_prefix (SrpLinkTable *table, guint64 prefix);

guint srp_link_table_size (SrpLinkTable *table);
/* The links in the order they connected. Do not add or remove while
 * iterating over it. */
GPtrArray *srp_link_table_list (SrpLinkTable *table);

G_END_DECLS
