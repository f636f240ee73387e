/* srp-peer-table.h: the peers a core knows of but is not connected to
 * (records from peer exchange, bootstrap answers and peers that went away),
 * and the places every peer takes.
 *
 * The table is bounded so that a flood of records cannot take it over: a
 * total capacity, counting known records and links alike (a link holds its
 * place through srp_peer_table_hold), and limits per address prefix (/24
 * for IPv4, /48 for IPv6): few records (prefix_limit), more links that
 * nobody asked for (prefix_link_limit), and no limit but the capacity for
 * a link we asked for or that a link introduced, so that the many peers
 * of one carrier-grade NAT pool still reach each other. Only known
 * records are ever evicted, so long-lived connections win over newcomers,
 * and a record heard of replaces only records that have failed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-address.h"
#include "srp-credit.h"
#include "srp-wire.h"

G_BEGIN_DECLS

typedef struct {
  SrpId id;
  SrpAddress address;
  guint8 nat;           /* SrpNat */
  gint64 added_at;
  gint64 last_seen;     /* when we last heard from it, or the age a record reported */
  guint failures;       /* consecutive failed handshakes */
  gint64 next_attempt;  /* earliest time to try a handshake again */
  SrpCredit *named_by;  /* pays our HELLOs until it answers (srp-credit.h); NULL: the
                         * application or a handshake vouched for the address */
} SrpKnownPeer;

typedef struct _SrpPeerTable SrpPeerTable;

/* Who is asking for a place. */
typedef enum {
  SRP_ADMIT_RECORD,    /* a record heard of: may replace failed records */
  SRP_ADMIT_HANDSHAKE, /* a peer that proved its ID: may replace any record */
  SRP_ADMIT_INTRODUCED /* the same, asked for (connect) or introduced by a link: no prefix limit */
} SrpAdmission;

SrpPeerTable *srp_peer_table_new (guint capacity, guint prefix_limit, guint prefix_link_limit);
void srp_peer_table_free (SrpPeerTable *table);

SrpKnownPeer *srp_peer_table_lookup (SrpPeerTable *table, const SrpId *id);
SrpKnownPeer *srp_peer_table_lookup_address (SrpPeerTable *table, const SrpAddress *address);

/* Whether one more place at address would fit, evicting records as
 * admission allows (nothing is evicted here). */
gboolean srp_peer_table_has_room (SrpPeerTable *table, const SrpAddress *address,
                                  SrpAdmission admission);
/* Makes that room by evicting as needed; FALSE (nothing evicted) when it
 * cannot. */
gboolean srp_peer_table_make_room (SrpPeerTable *table, const SrpAddress *address,
                                   SrpAdmission admission);
/* Adds a record at now, after making room; NULL when there is none. The ID
 * and the address must not be in the table yet. */
SrpKnownPeer *srp_peer_table_add (SrpPeerTable *table, gint64 now, const SrpId *id,
                                   const SrpAddress *address, SrpAdmission admission);
void srp_peer_table_remove (SrpPeerTable *table, SrpKnownPeer *record);

/* A link takes a place at address, or gives it back. hold does not check
 * for room: call make_room first. */
void srp_peer_table_hold (SrpPeerTable *table, const SrpAddress *address);
void srp_peer_table_release (SrpPeerTable *table, const SrpAddress *address);
/* Whether one more link fits in the prefix of address (the capacity
 * aside): always for SRP_ADMIT_INTRODUCED. */
gboolean srp_peer_table_link_fits (SrpPeerTable *table, const SrpAddress *address,
                                   SrpAdmission admission);
/* Whether a link's place may move from one address to another: not when
 * the new address's prefix is another one, full of links, and admission is
 * not SRP_ADMIT_INTRODUCED. */
gboolean srp_peer_table_can_move (SrpPeerTable *table, const SrpAddress *from,
                                  const SrpAddress *to, SrpAdmission admission);
/* Moves a link's place (after can_move said yes). */
void srp_peer_table_move (SrpPeerTable *table, const SrpAddress *from, const SrpAddress *to);

/* Records only, and places taken (records and links). */
guint srp_peer_table_size (SrpPeerTable *table);
guint srp_peer_table_places (SrpPeerTable *table);
/* The records, in the order they were added (stable, so that iteration is
 * deterministic). Do not add or remove while iterating over it. */
GPtrArray *srp_peer_table_records (SrpPeerTable *table);
/* Records, and links, in the prefix of address. */
guint srp_peer_table_count_prefix (SrpPeerTable *table, const SrpAddress *address);
guint srp_peer_table_count_prefix_links (SrpPeerTable *table, const SrpAddress *address);

G_END_DECLS
