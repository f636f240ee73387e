/* srp-traversal-private.h: the state traversal's files share.
 * srp-traversal.c registers the subsystem (frames, observers, router);
 * srp-nat.c classifies our NAT; srp-connect.c runs connection attempts, is
 * the introducer for others, and keeps what links told us in INFO;
 * srp-punch.c punches holes and keeps routes; srp-relay.c relays.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-control-connect.h"
#include "srp-control.h"
#include "srp-dht.h"
#include "srp-token-bucket.h"
#include "srp-traversal.h"

G_BEGIN_DECLS

/* ---- NAT classification (srp-nat.c) ---------------------------------------------- */

#define SRP_NAT_V4 0
#define SRP_NAT_V6 1
#define SRP_NAT_FAMILIES 2

typedef enum {
  NAT_IDLE,
  NAT_MAPPING,    /* waiting for reflexive addresses */
  NAT_FILTERING,  /* waiting for probes */
} NatStage;

/* IPs the probe socket has sent to, and until when their NAT mappings may
 * still be open. */
#define NAT_CONTACTED_MAX 16
typedef struct {
  SrpAddress address;
  gint64 until;
} NatContact;

/* What a linked peer's PONG said our main socket's address is
 * (srp-observed.c). */
#define NAT_REPORTS_MAX 16
typedef struct {
  SrpAddress reported;
  SrpAddress reporter;            /* one report per reporter IP: its latest */
  gint64 at;
} NatReport;

/* One address family's classification. */
typedef struct {
  SrpTraversal *traversal;
  guint8 family;                  /* SRP_ADDRESS_FAMILY_IPV4 or _IPV6 */
  NatStage stage;
  SrpNat type;
  SrpAddress public_address;
  const char *problem;
  gint64 next_run;                /* IDLE: when to start (-1: when a link comes up) */
  gint64 deadline;                /* FILTERING: when to conclude */
  guint resends;
  SrpId peer_a, peer_b;           /* two links at different IPs */
  guint64 ping_a0, ping_b0, ping_a1; /* requests: main socket to A and B, probe socket to A */
  gboolean done_a0, done_b0, done_a1;
  SrpAddress seen_a0, seen_b0, seen_a1; /* reflexive addresses (family 0 when failed) */
  guint64 nonce_port, nonce_peer; /* probes from A's other port and from B */
  gboolean got_port, got_peer;
  gint64 last_input;              /* for re-running after silence */
  SrpAddress reflexive;           /* the main socket's address as a peer last saw it */
  NatReport reports[NAT_REPORTS_MAX]; /* what links' PONGs said it is (srp-observed.c) */
  guint n_reports;
  NatContact contacted[NAT_CONTACTED_MAX]; /* ring, oldest overwritten */
  guint next_contact;
  SrpTimer timer;
} NatState;

/* ---- connecting (srp-connect.c) ----------------------------------------------------- */

/* srp_core_connect in progress. */
typedef struct {
  SrpTraversal *traversal;
  guint64 request;
  guint64 nonce;               /* in CONNECT; introducers pass it on to both sides */
  SrpId target;
  gint64 started;
  guint n_asked, n_unknown;
  gboolean introduced;
  SrpId introducer;            /* the first that introduced us: our relay if needed */
  gboolean relaying;
  guint8 our_nat, their_nat;   /* at the introduction: for the outcome counts */
  SrpTimer deadline;           /* gives up */
  SrpTimer relay;              /* no direct path yet: through the introducer */
  guint64 lookup;              /* the DHT lookup of the target under way, or 0 */
  gboolean found;              /* a lookup gave the target's reachability */
  SrpId anchors[SRP_REGISTER_MAX_ANCHORS]; /* found anchors we are shaking hands with */
  guint n_anchors;
  SrpId transient[SRP_REGISTER_MAX_ANCHORS]; /* anchors connected for this attempt alone */
  guint n_transient;
  gboolean internal;           /* a link we have, found again after a network change: no event */
  gboolean upgrading;          /* a link we have over IPv4, asked for again for IPv6 */
  gboolean awaiting_ipv6;      /* linked over IPv4 inside IPv6's head start: waits for it */
} ConnectAttempt;

/* What a link told us in INFO, and for a relayed link when it next tries
 * to become direct (its traversal slot). */
typedef struct {
  SrpTraversal *traversal;
  SrpLink *link;
  gboolean has_info;
  SrpInfo info;
  gint64 upgrade_at;           /* the next try (when upgrade_gap > 0) */
  gint64 upgrade_gap;          /* 0: not relayed; doubles from the first try's to 60 s */
  SrpTimer upgrade;            /* at upgrade_at, while relayed */
} TraversalLink;

/* A CONNECT the introducer holds until both sides' INFO is in: an
 * introduction carries their NAT types, and one that says "unknown" makes
 * its receiver punch the wrong way (no birthday). */
typedef struct {
  SrpId asker, target;
  guint64 nonce;
  gint64 until; /* then introduced with what we have */
} HeldConnect;

/* Outcomes of attempts, per pair of NAT types. */
typedef struct {
  guint64 attempts, direct, relayed, failed;
} ConnectOutcomes;

/* ---- punching (srp-punch.c) ---------------------------------------------------------- */

/* How this side punches, from both NAT types. */
typedef enum {
  PUNCH_BOTH,      /* open our NAT with a low-TTL packet, then shake hands */
  PUNCH_SPRAY,     /* they are symmetric, we map independently: probe random ports */
  PUNCH_SOCKETS,   /* we are symmetric: many sockets open mappings towards them */
  PUNCH_NONE,      /* symmetric both: only a relay will do */
  PUNCH_MAPPED,    /* they have a port mapping: shake hands with it at the start */
  PUNCH_AWAIT,     /* we have one: they come to it (our own sends would clash) */
} PunchRole;

/* An introduction being acted on (both sides have one). */
typedef struct {
  SrpTraversal *traversal;
  SrpId peer, introducer;
  guint64 nonce;
  guint8 nat;
  SrpAddress address;          /* as the introducer sees it */
  SrpAddress mapped;           /* PUNCH_MAPPED: their router's port mapping */
  guint n_locals;
  SrpAddress locals[SRP_LOCALS_MAX];
  PunchRole role;
  /* The peer's other address family (happy eyeballs, RFC 8305 style): its
   * addresses there, punched like the main one (PUNCH_BOTH), the IPv6 side
   * first and the IPv4 one HEAD_START later; the first handshake to complete
   * is the link, and ends the punch. n_alts is 0 when we cannot use that
   * family, or it needs more than plain punching. */
  guint n_alts;
  SrpAddress alts[SRP_OTHERS_MAX];
  gint64 alt_at;               /* the alternative's handshakes; -1 once started or none */
  gint64 start_at;             /* -1 once started */
  gint64 expires;
  guint probes_left;
  gint64 next_probe;           /* PUNCH_SPRAY, -1 when none */
  gint64 next_round;           /* PUNCH_SOCKETS, -1 when none */
  guint first_socket, n_sockets; /* PUNCH_SOCKETS: the range it opened */
  /* Pays what goes to the addresses until one answers: the introducer's
   * credit (srp-credit.h) when another peer asked for the introduction;
   * NULL when we asked for it (srp_core_connect). */
  SrpCredit *credit;
  SrpTimer timer;              /* the earliest of the times above */
} Punch;

/* After a network change (srp-moved.c). */
typedef struct {
  SrpTimer timer;              /* ask for introductions to the links not found again */
  guint round;
} MovedState;

/* LAN discovery (srp-lan.c). */
typedef struct {
  gboolean enabled;
  SrpTimer timer;              /* the next ANNOUNCE */
  guint burst;                 /* ANNOUNCEs sent since the start */
  SrpTokenBucket bucket;       /* handshakes ANNOUNCEs may start */
  guint64 sent, heard, handshakes;
} LanState;

struct _SrpTraversal {
  SrpContext *ctx;
  SrpMesh *mesh;
  SrpDht *dht;                 /* finds peers no link knows */
  guint slot;                  /* links' TraversalLink */

  NatState nat[SRP_NAT_FAMILIES]; /* SRP_NAT_V4, SRP_NAT_V6 */
  GArray *local_addresses;     /* SrpAddress */
  guint16 local_port;
  gboolean has_mapped;         /* a port mapping our router gave the main socket */
  SrpAddress mapped;           /* (the shell asks for it: UPnP-IGD, NAT-PMP, PCP) */

  GPtrArray *connects;         /* ConnectAttempt*, owned */
  GHashTable *outcomes;        /* GUINT_TO_POINTER (ours << 8 | theirs) -> ConnectOutcomes* */
  GArray *held;                /* HeldConnect, oldest first */
  SrpTimer hold;               /* the oldest held CONNECT's until */
  SrpTimer info_repeat;        /* INFO again to every link, once a change settled */

  GPtrArray *punches;          /* Punch*, owned */
  GHashTable *routes;          /* SrpAddress* -> punch socket (GUINT_TO_POINTER) */
  guint8 socket_open[SRP_SOCKETS_MAX];

  GPtrArray *circuits;         /* RelayCircuit*: pairs we relay for */
  guint64 relayed_bytes;

  LanState lan;
  MovedState moved;
};

static inline TraversalLink *
traversal_link (SrpTraversal *traversal, const SrpLink *link)
{
  return srp_link_slot (link, traversal->slot);
}

/* srp-nat.c */
void srp_nat_init (SrpTraversal *traversal);
void srp_nat_reset (SrpTraversal *traversal);
void srp_nat_stop (SrpTraversal *traversal);
void srp_nat_input (gpointer self);
void srp_nat_reflexive_seen (gpointer self, const SrpAddress *reflexive,
                             const SrpAddress *reporter);
/* A link came up at address: its family's classification may have been
 * waiting for it. */
void srp_nat_link_up (SrpTraversal *traversal, const SrpAddress *address);
/* Takes type as the family's classification at once, as if measured (the
 * tests' srp_core_assume_nat). */
void srp_nat_assume (SrpTraversal *traversal, guint8 family, SrpNat type,
                     const SrpAddress *public_address);
NatState *srp_nat_of (SrpTraversal *traversal, guint8 family);
NatState *srp_nat_primary (SrpTraversal *traversal);
/* Our NAT type towards address (its family's; the primary one for relay
 * addresses). */
guint8 srp_nat_type_for (SrpTraversal *traversal, const SrpAddress *address);
gboolean srp_nat_is_local (SrpTraversal *traversal, const SrpAddress *address);
SrpDropReason srp_nat_handle_probe_request (gpointer self, const SrpInput *input, gpointer frame);
SrpDropReason srp_nat_handle_probe (gpointer self, const SrpInput *input, gpointer frame);

/* srp-observed.c: whether an address a peer signed in its handshake is one
 * we are at (the router's reaches_us), from the PONGs' reports. */
void srp_observed_report (NatState *nat, const SrpAddress *reported, const SrpAddress *reporter);
gboolean srp_observed_reaches_us (gpointer self, const SrpAddress *observed,
                                  const SrpAddress *path);
/* A handshake with id was refused for its address (the router's reprobe):
 * introductions, then a relay. */
void srp_observed_reprobe (gpointer self, const SrpId *id);

/* srp-moved.c */
void srp_moved_init (SrpTraversal *traversal);
void srp_moved_clear (SrpTraversal *traversal);

/* srp-connect.c: an attempt for a peer we are linked to, whose NAT lets
 * only the address it knew us at in: introductions bring its punch. */
void srp_connect_reconnect (SrpTraversal *traversal, const SrpId *peer_id);

/* srp-lan.c */
void srp_lan_init (SrpTraversal *traversal);
/* Listening with a known port: announce (again) from now. */
void srp_lan_start (SrpTraversal *traversal);
void srp_lan_stop (SrpTraversal *traversal);
void srp_lan_set_enabled (SrpTraversal *traversal, gboolean enabled);
gboolean srp_lan_get_enabled (SrpTraversal *traversal);
SrpDropReason srp_lan_handle_announce (gpointer self, const SrpInput *input, gpointer frame);
/* Whether address is on one of our own links (not loopback). */
gboolean srp_lan_on_our_link (SrpTraversal *traversal, const SrpAddress *address);
void srp_lan_stats (SrpTraversal *traversal, GVariantDict *dict);

/* srp-connect.c */
void srp_connect_init (SrpTraversal *traversal);
/* Whether we can use family at all: classified there, or an address of it
 * (a global one for IPv6). */
gboolean srp_connect_has_family (SrpTraversal *traversal, guint8 family);
/* Whether a peer's other-family addresses (INFO, INTRODUCE) are IPv6 ones. */
static inline gboolean
srp_other_family_is_ipv6 (const SrpOtherFamily *other)
{
  return other->n_addresses > 0 && other->addresses[0].family == SRP_ADDRESS_FAMILY_IPV6;
}
void srp_connect_clear (SrpTraversal *traversal);
void srp_connect_free (SrpTraversal *traversal);
/* Tells a link our NAT type and local addresses; or every link. */
void srp_connect_send_info (SrpTraversal *traversal, const SrpLink *link);
void srp_connect_nat_changed (SrpTraversal *traversal);
/* Whether a link to id comes from an introduction. */
gboolean srp_connect_is_introduced (SrpTraversal *traversal, const SrpId *id);
/* srp_connect_is_introduced, as the context's router hook. */
gboolean srp_connect_expects (gpointer self, const SrpId *id);
/* A link to its target came up, or moved: finish attempts for it. */
void srp_connect_link_up (SrpTraversal *traversal, SrpLink *link);
/* The attempt an INTRODUCE answers, or NULL. */
ConnectAttempt *srp_connect_find (SrpTraversal *traversal, guint64 nonce, const SrpId *target);
/* An introducer answered an attempt; the punch decides when to relay. */
void srp_connect_introduced (SrpTraversal *traversal, ConnectAttempt *attempt,
                             const SrpLink *introducer, guint8 their_nat, gint64 relay_at);
void srp_connect_unknown (SrpTraversal *traversal, ConnectAttempt *attempt);
void srp_connect_send (SrpTraversal *traversal, const SrpLink *to, guint64 nonce,
                       const SrpId *target);
void srp_connect_stats (SrpTraversal *traversal, GVariantDict *dict);
SrpDropReason srp_connect_handle_info (gpointer self, const SrpInput *input, gpointer frame);
SrpDropReason srp_connect_handle_connect (gpointer self, const SrpInput *input, gpointer frame);

/* srp-punch.c */
void srp_punch_init (SrpTraversal *traversal);
void srp_punch_clear (SrpTraversal *traversal);
PunchRole srp_punch_choose_role (guint8 ours, guint8 theirs);
/* The same, knowing whether either side has a port mapping. */
PunchRole srp_punch_choose_role_mapped (SrpTraversal *traversal, guint8 ours, guint8 theirs,
                                        const SrpId *peer, gboolean theirs_mapped);
gboolean srp_punch_exists (SrpTraversal *traversal, const SrpId *peer);
/* A link to the punch's peer is up (or moved): a direct one ends the punch. */
void srp_punch_link_init (SrpTraversal *traversal, SrpLink *link);
void srp_punch_link_up (SrpTraversal *traversal, SrpLink *link);
gboolean srp_punch_ipv6_ahead (SrpTraversal *traversal, const SrpLink *link, gint64 *until);
void srp_punch_link_down (SrpTraversal *traversal, SrpLink *link);
guint srp_punch_route (gpointer self, const SrpAddress *to);
gboolean srp_punch_socket_is_open (gpointer self, guint socket);
SrpDropReason srp_punch_handle_introduce (gpointer self, const SrpInput *input, gpointer frame);
SrpDropReason srp_punch_handle_punch (gpointer self, const SrpInput *input, gpointer frame);

/* srp-relay.c */
/* A decoded RELAY or RELAYED frame (the inner frame points into the datagram). */
typedef struct {
  guint64 prefix;
  const guint8 *inner;
  gsize inner_len;
} SrpRelayFrame;
#define SRP_RELAY_FRAME_SIZE sizeof (SrpRelayFrame)
SrpDropReason srp_relay_decode_frame (const guint8 *frame, gsize len, gpointer out);
void srp_relay_init (SrpTraversal *traversal);
void srp_relay_clear (SrpTraversal *traversal);
void srp_relay_send (gpointer self, const SrpAddress *to, const guint8 *data, gsize len);
/* The relay address of peer through relay. */
void srp_relay_address (const SrpId *relay, const SrpId *peer, SrpAddress *out);
SrpDropReason srp_relay_handle_relay (gpointer self, const SrpInput *input, gpointer frame);
SrpDropReason srp_relay_handle_relayed (gpointer self, const SrpInput *input, gpointer frame);

G_END_DECLS
