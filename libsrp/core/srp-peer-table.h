/* srp-peer-table.h: the peers a core knows, bounded so that a flood of
 * records cannot take it over: a total capacity, a limit per address prefix
 * (/24 for IPv4, /48 for IPv6), and a preference for long-lived peers (a
 * connected peer is never evicted to make room for a newcomer).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-address.h"
#include "srp-wire.h"

G_BEGIN_DECLS

typedef enum {
  SRP_PEER_KNOWN,      /* heard of (peer exchange); not talked to */
  SRP_PEER_CONNECTED,  /* handshake completed; alive */
} SrpPeerState;

typedef struct {
  SrpId id;
  SrpAddress address;
  guint8 nat;           /* SrpNat */
  SrpPeerState state;
  gint64 added_at;
  gint64 connected_at;  /* when it last became connected */
  gint64 last_seen;     /* last datagram from it, or the age a record reported */
  gint64 rtt_us;        /* -1 until measured */
  guint failures;       /* consecutive failed handshakes or heartbeats */
  gint64 next_attempt;  /* earliest time to try a handshake again */
  /* Heartbeats: the ping request in flight (0 for none) and when the next is due. */
  guint64 heartbeat_request;
  gint64 next_heartbeat;
  gboolean knows_us;    /* its last pong said we are authenticated to it */
  /* Rate limit for requests it makes of us (tokens, refilled over time). */
  double tokens;
  gint64 tokens_at;
  /* The challenges of the handshake that connected it: ours proves its
   * GOODBYE, theirs proves ours. */
  guint8 our_challenge[SRP_CHALLENGE_LEN];
  guint8 their_challenge[SRP_CHALLENGE_LEN];
  gboolean introduced;  /* connected through an introduction */
} SrpPeerEntry;

typedef struct _SrpPeerTable SrpPeerTable;

SrpPeerTable *srp_peer_table_new (guint capacity, guint prefix_limit);
void srp_peer_table_free (SrpPeerTable *table);

SrpPeerEntry *srp_peer_table_lookup (SrpPeerTable *table, const SrpId *id);
SrpPeerEntry *srp_peer_table_lookup_address (SrpPeerTable *table, const SrpAddress *address);

/* Who is asking for a place in the table. */
typedef enum {
  SRP_ADMIT_RECORD,   /* a record heard of (peer exchange): may replace failed KNOWN entries */
  SRP_ADMIT_HANDSHAKE /* a peer that proved its ID: may replace any KNOWN entry */
} SrpAdmission;

/* Adds a peer in state KNOWN, or returns the existing entry for id. When the
 * table is full or the address's prefix is at its limit, it evicts a KNOWN
 * entry as admission allows (never a CONNECTED one: long-lived peers win
 * over newcomers) and otherwise refuses: NULL. */
SrpPeerEntry *srp_peer_table_add (SrpPeerTable *table, gint64 now_us, const SrpId *id,
                                  const SrpAddress *address, SrpAdmission admission);
/* Whether srp_peer_table_add would find a place for id at address. */
gboolean srp_peer_table_has_room (SrpPeerTable *table, const SrpId *id,
                                  const SrpAddress *address, SrpAdmission admission);
/* Moves an entry to another address (a connected peer's NAT re-mapped it);
 * FALSE when the new address's prefix is at its limit. */
gboolean srp_peer_table_set_address (SrpPeerTable *table, SrpPeerEntry *entry,
                                     const SrpAddress *address);
void srp_peer_table_remove (SrpPeerTable *table, SrpPeerEntry *entry);

guint srp_peer_table_size (SrpPeerTable *table);
guint srp_peer_table_count_connected (SrpPeerTable *table);
/* The entries, in the order they were added (stable, so that iteration is
 * deterministic). Do not add or remove while holding it. */
GPtrArray *srp_peer_table_entries (SrpPeerTable *table);
/* How many entries the prefix of address holds. */
guint srp_peer_table_count_prefix (SrpPeerTable *table, const SrpAddress *address);

G_END_DECLS
