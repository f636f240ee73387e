/* srp-dht-private.h: the state the DHT's files share. srp-dht.c registers
 * the subsystem and answers FIND and REGISTER; srp-dht-lookup.c walks the
 * overlay; srp-dht-register.c keeps our own registration up.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "srp-dht.h"
#include "srp-dht-registry.h"
#include "srp-dht-seal.h"
#include "srp-dht-table.h"
#include "srp-token-bucket.h"

G_BEGIN_DECLS

#define SRP_DHT_K 8                 /* contacts per bucket, and per answer */
#define SRP_DHT_ALPHA 3             /* queries a lookup has in flight */
#define SRP_DHT_HOMES 4             /* open peers a registration goes to */
#define SRP_DHT_REGISTRATIONS 4096  /* registrations an open peer holds */
#define SRP_DHT_REGISTRATION_TTL_US (30 * G_TIME_SPAN_MINUTE)
#define SRP_DHT_REREGISTER_US (10 * G_TIME_SPAN_MINUTE)
#define SRP_DHT_KEY_CACHE 128       /* contacts' X25519 forms kept (srp-dht-sealed.c) */

/* A contact's ID in its X25519 form, to seal queries to. */
typedef struct {
  SrpId id;
  guint8 x25519[32];
  gboolean used, valid; /* valid: the ID is a key (else nothing is sent to it) */
} SrpDhtKeyCacheEntry;

struct _SrpDht {
  SrpContext *ctx;
  guint8 nat;
  SrpAddress public_address;
  gboolean has_mapped;            /* a port mapping our router gave the main socket */
  SrpAddress mapped;
  SrpDhtTable *table;
  SrpDhtRegistry *registry;
  SrpTokenBucket find_budget;     /* FINDs answered */
  SrpTokenBucket register_budget; /* REGISTERs checked (a signature each) */
  SrpTokenBucket open_budget;     /* SEALED_QUERYs opened (a key exchange each) */
  SrpDhtKeyCacheEntry *key_cache; /* SRP_DHT_KEY_CACHE, by the ID's first bytes */

  /* srp-dht-lookup.c */
  GPtrArray *lookups; /* Lookup*, owned */
  guint64 next_lookup;

  /* srp-dht-register.c */
  SrpTimer reregister;
  SrpId anchors[SRP_REGISTER_MAX_ANCHORS]; /* what we registered last */
  guint n_anchors;
  guint64 registering; /* the lookup of our own ID under way, or 0 */
  guint registrations; /* lookups of our own ID so far */
  guint settling;      /* the next one comes SETTLING_FIRST_US << this after the last */
  gint64 registered_at; /* the last one's end */
  SrpDhtContact homes[SRP_DHT_HOMES]; /* where the last lookup of our ID sent it */
  guint n_homes;
  gboolean send_to_homes; /* the next registration goes to the same homes, no lookup */

  guint64 finds_answered, registrations_taken, lookups_found, lookups_failed;
};

/* FINDs an open peer answers (each at most 3 times its size), sealed or not. */
extern const SrpTokenRate srp_dht_find_rate;
/* SEALED_QUERYs an open peer opens: as many as FINDs and REGISTERs together. */
extern const SrpTokenRate srp_dht_open_rate;

gboolean srp_dht_nat_is_open (guint8 nat);
/* Whether we take FIND and REGISTER from there at all: we are open, it came
 * to the main socket, not through a relay. */
gboolean srp_dht_takes_queries (SrpDht *dht, const SrpInput *input);
/* Answers a FIND (its budget taken) with FOUND, sealed under keys (NULL: in
 * clear, to a link). */
SrpDropReason srp_dht_answer_find (SrpDht *dht, const SrpInput *input, const SrpFind *find,
                                   const SrpDhtQueryKeys *keys);
/* Checks and holds a REGISTER (its own budget, its signature). */
SrpDropReason srp_dht_take_register (SrpDht *dht, const SrpInput *input, const SrpRegister *reg);
/* The max contacts nearest to target among the routing table, our open
 * links and the open peers we know of (nearest first). Links and records
 * count: the mesh is connected, so an overlay that knows every open peer
 * the mesh knows cannot split into parts that never meet. */
guint srp_dht_closest_known (SrpDht *dht, const SrpId *target, guint max, SrpDhtContact *out);
/* How this peer is reached, as it would register it; FALSE when it cannot
 * be (NAT unknown, or behind a NAT with no open link). */
gboolean srp_dht_own_reachability (SrpDht *dht, SrpReachability *out);

/* srp-dht-lookup.c */
typedef void (*SrpDhtClosestFunc) (gpointer data, const SrpDhtContact *answered, guint n);
void srp_dht_lookup_init (SrpDht *dht);
void srp_dht_lookup_clear (SrpDht *dht);
/* A lookup of our own ID: func gets the nearest contacts that answered. */
guint64 srp_dht_find_closest (SrpDht *dht, const SrpId *target, SrpDhtClosestFunc func,
                              gpointer data);
/* A FOUND in clear from a link, for one of our queries asked in clear. */
SrpDropReason srp_dht_take_found (SrpDht *dht, const SrpInput *input, const SrpFound *found);
/* A SEALED_ANSWER: opened under the keys of the query it names. */
SrpDropReason srp_dht_handle_sealed_answer (gpointer self, const SrpInput *input, gpointer frame);

/* srp-dht-sealed.c */
/* Whether a query to contact goes sealed to its ID: no link is at its
 * address (a link's frames are sealed by the link). */
gboolean srp_dht_seals_to (SrpDht *dht, const SrpDhtContact *contact);
/* Sends a FIND (padded for how it goes) or REGISTER (frame) to contact: in
 * clear when a link is at its address, else sealed to its ID, keys filled
 * (*sealed TRUE). Paid from credit; FALSE when it went nowhere (short of
 * credit: RATE_LIMITED counted; or the contact's ID is no key). */
gboolean srp_dht_send_query (SrpDht *dht, const SrpDhtContact *contact, const guint8 *frame,
                             gsize len, SrpCredit *credit, SrpDhtEphemeral *ephemeral,
                             SrpDhtQueryKeys *keys, gboolean *sealed);
SrpDropReason srp_dht_handle_sealed_query (gpointer self, const SrpInput *input, gpointer frame);
guint srp_dht_lookup_count (SrpDht *dht);

/* srp-dht-register.c */
void srp_dht_register_init (SrpDht *dht);
void srp_dht_register_clear (SrpDht *dht);
/* Our reachability may have changed: register again soon. */
void srp_dht_register_soon (SrpDht *dht);
void srp_dht_register_link_up (SrpDht *dht, const SrpLink *link);
/* An open peer we did not know of: if it is nearer our ID than a home, we
 * register again soon. */
void srp_dht_register_heard_of (SrpDht *dht, const SrpId *id);
void srp_dht_register_link_down (SrpDht *dht, const SrpLink *link);

G_END_DECLS
