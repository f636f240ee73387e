/* srp-core-nat.c: NAT classification (RFC 4787 terms).
 *
 * Mapping: the main socket pings two connected peers at different IPs; the
 * reflexive addresses they report are equal for an endpoint-independent
 * mapping and differ for an endpoint-dependent one (symmetric NAT).
 *
 * Filtering: the second socket pings peer A only, which opens a mapping to
 * A's main port and teaches us that mapping's reflexive address. Then:
 *   A is asked to send a probe there from its *other* port: it gets in
 *     unless filtering is port-dependent (address-restricted or open);
 *   B, which the second socket never contacted, is asked to send one from its
 *     main port: it gets in only with open filtering (full cone, or no NAT).
 * No NAT at all (public) is a reflexive address equal to a local one, with
 * open filtering.
 *
 * Every wait has a timeout and the requests are resent, so a lost packet
 * delays classification but never hangs it. It re-runs periodically, when
 * the reflexive address changes, and after the network was silent.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-core-private.h"

#include <string.h>

#include "srp-control.h"

#define PROBE_WAIT_US (1500 * G_TIME_SPAN_MILLISECOND)
#define PROBE_RESEND_US (400 * G_TIME_SPAN_MILLISECOND)
#define RETRY_US (5 * G_TIME_SPAN_SECOND)
#define SILENCE_US (2 * G_TIME_SPAN_MINUTE)
/* How long a NAT may keep a mapping open after its last packet: UDP
 * conntrack timeouts run from 30 s to a few minutes; 10 minutes is safe. */
#define MAPPING_LIFE_US (10 * G_TIME_SPAN_MINUTE)

void
srp_core_nat_init (SrpCore *core)
{
  core->nat.stage = NAT_IDLE;
  core->nat.type = SRP_NAT_UNKNOWN;
  core->nat.next_run = 0; /* as soon as two peers allow it */
}

guint8
srp_core_get_nat (SrpCore *core, SrpAddress *public_address)
{
  if (public_address != NULL)
    *public_address = core->nat.public_address;
  return (guint8) core->nat.type;
}

const char *
srp_core_get_nat_problem (SrpCore *core)
{
  return core->nat.problem;
}

static void
conclude (SrpCore *core, SrpNat type, const SrpAddress *public_address)
{
  NatState *nat = &core->nat;

  nat->stage = NAT_IDLE;
  nat->problem = NULL;
  nat->next_run = core->now + core->config.nat_recheck_us;
  if (nat->type == type && srp_address_equal (&nat->public_address, public_address))
    return;
  nat->type = type;
  nat->public_address = *public_address;
  {
    SrpCoreEvent *event = srp_core_queue_event (core, SRP_CORE_EVENT_NAT_CHANGED);
    event->nat.nat = (guint8) type;
    event->nat.public_address = *public_address;
  }
  srp_core_connect_nat_changed (core);
}

/* Gives up this round; tries again a little later. */
static void
postpone (SrpCore *core, const char *problem)
{
  core->nat.stage = NAT_IDLE;
  core->nat.problem = problem;
  core->nat.next_run = core->now + RETRY_US;
}

static gboolean
is_bootstrap (SrpCore *core, const SrpAddress *address)
{
  for (guint i = 0; i < core->bootstraps->len; i++)
    if (srp_address_equal (&g_array_index (core->bootstraps, Bootstrap, i).address, address))
      return TRUE;
  return FALSE;
}

/* How well a connected peer serves classification: a public peer best
 * (nothing between us and it skews the answer), then a bootstrap peer
 * (usually public), then any other. A peer at our own public IP is behind
 * our NAT, reachable only by hairpinning: of no use. */
static int
peer_rank (SrpCore *core, const SrpPeerEntry *e)
{
  if (e->state != SRP_PEER_CONNECTED || srp_address_is_relay (&e->address) ||
      (core->nat.reflexive.family != 0 && srp_address_same_ip (&e->address, &core->nat.reflexive)))
    return -1;
  if (e->nat == SRP_NAT_PUBLIC)
    return 2;
  return is_bootstrap (core, &e->address) ? 1 : 0;
}

/* Whether the probe socket may still have an open mapping towards the IP of
 * address: then a probe from there gets through any NAT but a
 * port-restricted one, and proves nothing about filtering. */
static gboolean
probe_socket_contacted (SrpCore *core, const SrpAddress *address)
{
  for (guint i = 0; i < NAT_CONTACTED_MAX; i++)
    {
      const NatContact *c = &core->nat.contacted[i];

      if (c->until > core->now && srp_address_same_ip (&c->address, address))
        return TRUE;
    }
  return FALSE;
}

static void
probe_socket_contacts (SrpCore *core, const SrpAddress *address)
{
  NatState *nat = &core->nat;

  nat->contacted[nat->next_contact].address = *address;
  nat->contacted[nat->next_contact].until = core->now + MAPPING_LIFE_US;
  nat->next_contact = (nat->next_contact + 1) % NAT_CONTACTED_MAX;
}

/* The best-ranked connected peer that passes accept, at random among equals
 * (so that a retry after a failure tries others), or NULL. */
static SrpPeerEntry *
pick_one (SrpCore *core, const SrpPeerEntry *a)
{
  GPtrArray *entries = srp_peer_table_entries (core->peers);
  g_autoptr (GPtrArray) tier = g_ptr_array_new ();

  for (int rank = 2; rank >= 0; rank--)
    {
      g_ptr_array_set_size (tier, 0);
      for (guint i = 0; i < entries->len; i++)
        {
          SrpPeerEntry *e = g_ptr_array_index (entries, i);

          if (peer_rank (core, e) != rank)
            continue;
          /* B: at another IP than A, and one the probe socket never sent to. */
          if (a != NULL && (srp_address_same_ip (&a->address, &e->address) ||
                            probe_socket_contacted (core, &e->address)))
            continue;
          g_ptr_array_add (tier, e);
        }
      if (tier->len > 0)
        return g_ptr_array_index (tier, (guint) srp_rng_below (&core->rng, tier->len));
    }
  return NULL;
}

/* Picks A and B for a round; FALSE when no two peers qualify. A is best
 * taken among peers the probe socket has contacted already, which leaves
 * the most peers fit to be B. */
static gboolean
pick_peers (SrpCore *core, SrpPeerEntry **a, SrpPeerEntry **b)
{
  GPtrArray *entries = srp_peer_table_entries (core->peers);

  *a = NULL;
  for (guint i = 0; i < entries->len && *a == NULL; i++)
    {
      SrpPeerEntry *e = g_ptr_array_index (entries, i);

      if (peer_rank (core, e) >= 0 && probe_socket_contacted (core, &e->address))
        *a = e;
    }
  if (*a == NULL)
    *a = pick_one (core, NULL);
  *b = *a != NULL ? pick_one (core, *a) : NULL;
  return *b != NULL;
}

static void
start (SrpCore *core)
{
  NatState *nat = &core->nat;
  SrpPeerEntry *a, *b;
  guint attempts = core->config.ping_attempts;

  if (core->config.n_sockets < 2)
    {
      postpone (core, "no second socket for NAT probes");
      nat->next_run = -1;
      return;
    }
  if (!pick_peers (core, &a, &b))
    {
      nat->problem = "fewer than two connected peers at different addresses";
      nat->next_run = -1; /* srp_core_nat_peer_connected restarts it */
      return;
    }
  nat->stage = NAT_MAPPING;
  nat->peer_a = a->id;
  nat->peer_b = b->id;
  nat->done_a0 = nat->done_b0 = nat->done_a1 = FALSE;
  memset (&nat->seen_a0, 0, sizeof nat->seen_a0);
  memset (&nat->seen_b0, 0, sizeof nat->seen_b0);
  memset (&nat->seen_a1, 0, sizeof nat->seen_a1);
  nat->ping_a0 = srp_core_ping_internal (core, PING_FOR_NAT, 0, &a->address, attempts);
  nat->ping_b0 = srp_core_ping_internal (core, PING_FOR_NAT, 0, &b->address, attempts);
  nat->ping_a1 = srp_core_ping_internal (core, PING_FOR_NAT, 1, &a->address, attempts);
  probe_socket_contacts (core, &a->address);
}

static gboolean
is_local (SrpCore *core, const SrpAddress *address)
{
  for (guint i = 0; i < core->local_addresses->len; i++)
    if (srp_address_same_ip (&g_array_index (core->local_addresses, SrpAddress, i), address))
      return TRUE;
  return FALSE;
}

static void
send_probe_requests (SrpCore *core)
{
  NatState *nat = &core->nat;
  SrpPeerEntry *a = srp_peer_table_lookup (core->peers, &nat->peer_a);
  SrpPeerEntry *b = srp_peer_table_lookup (core->peers, &nat->peer_b);
  SrpProbeRequest request = { .target = nat->seen_a1 };
  guint8 frame[SRP_MAX_DATAGRAM];

  if (a == NULL || b == NULL || a->state != SRP_PEER_CONNECTED || b->state != SRP_PEER_CONNECTED)
    {
      postpone (core, "a peer left during NAT classification");
      return;
    }
  request.nonce = nat->nonce_port;
  request.mode = SRP_PROBE_FROM_OTHER_PORT;
  srp_core_queue_transmit (core, 0, &a->address, frame, srp_probe_request_encode (&request, frame));
  request.nonce = nat->nonce_peer;
  request.mode = SRP_PROBE_FROM_MAIN_PORT;
  srp_core_queue_transmit (core, 0, &b->address, frame, srp_probe_request_encode (&request, frame));
  nat->resends++;
}

static void
mapping_known (SrpCore *core)
{
  NatState *nat = &core->nat;

  if (nat->seen_a0.family == 0 || nat->seen_b0.family == 0 || nat->seen_a1.family == 0)
    {
      postpone (core, "peers did not answer NAT pings");
      return;
    }
  if (!srp_address_equal (&nat->seen_a0, &nat->seen_b0))
    {
      /* Endpoint-dependent mapping: filtering hardly matters, since no mapping
       * can be predicted for a third party. */
      conclude (core, SRP_NAT_SYMMETRIC, &nat->seen_a0);
      return;
    }
  nat->stage = NAT_FILTERING;
  nat->nonce_port = srp_rng_next (&core->rng);
  nat->nonce_peer = srp_rng_next (&core->rng);
  nat->got_port = nat->got_peer = FALSE;
  nat->resends = 0;
  nat->deadline = core->now + PROBE_WAIT_US;
  send_probe_requests (core);
}

void
srp_core_nat_ping_result (SrpCore *core, guint64 request, gboolean ok,
                          const SrpAddress *reflexive)
{
  NatState *nat = &core->nat;
  SrpAddress *slot = NULL;

  if (nat->stage != NAT_MAPPING)
    return;
  if (request == nat->ping_a0)
    slot = &nat->seen_a0, nat->done_a0 = TRUE;
  else if (request == nat->ping_b0)
    slot = &nat->seen_b0, nat->done_b0 = TRUE;
  else if (request == nat->ping_a1)
    slot = &nat->seen_a1, nat->done_a1 = TRUE;
  else
    return;
  if (ok)
    *slot = *reflexive;
  if (nat->done_a0 && nat->done_b0 && nat->done_a1)
    mapping_known (core);
}

void
srp_core_nat_input (SrpCore *core)
{
  NatState *nat = &core->nat;

  /* Silent long enough for NAT bindings to lapse: whatever we knew may be
   * stale, so check again now that traffic is back. */
  if (nat->type != SRP_NAT_UNKNOWN && nat->stage == NAT_IDLE &&
      nat->last_input + SILENCE_US < core->now)
    nat->next_run = core->now;
  nat->last_input = core->now;
}

void
srp_core_nat_reflexive_seen (SrpCore *core, const SrpAddress *reflexive)
{
  NatState *nat = &core->nat;

  /* Through a relay nobody sees our address. */
  if (srp_address_is_unspecified (reflexive))
    return;
  nat->reflexive = *reflexive;
  /* The main socket's public address moved: the NAT re-mapped us, or we
   * changed networks. Classify again. */
  if (nat->type != SRP_NAT_UNKNOWN && nat->type != SRP_NAT_SYMMETRIC &&
      nat->stage == NAT_IDLE && !srp_address_equal (&nat->public_address, reflexive))
    nat->next_run = core->now;
  else
    srp_core_nat_peer_connected (core);
}

void
srp_core_nat_peer_connected (SrpCore *core)
{
  NatState *nat = &core->nat;

  /* Classification was waiting for a second peer: this may be it. */
  if (nat->stage == NAT_IDLE && nat->next_run < 0)
    nat->next_run = core->now;
}

void
srp_core_handle_probe_request (SrpCore *core, const SrpAddress *from, const guint8 *data,
                               gsize len)
{
  SrpProbeRequest request;
  SrpPeerEntry *peer = srp_core_authenticated (core, from);
  guint8 frame[SRP_MAX_DATAGRAM];
  SrpDropReason reason = srp_probe_request_decode (data, len, &request);

  if (reason == SRP_DROP_NONE && peer == NULL)
    reason = SRP_DROP_UNAUTHENTICATED;
  /* Probes go only to the requester's own IP: nobody can aim them elsewhere. */
  if (reason == SRP_DROP_NONE && !srp_address_same_ip (&request.target, from))
    reason = SRP_DROP_UNEXPECTED;
  /* Without a second socket, a probe "from the other port" would leave from
   * the main one and tell the requester its NAT filters less than it does. */
  if (reason == SRP_DROP_NONE && request.mode == SRP_PROBE_FROM_OTHER_PORT &&
      core->config.n_sockets < 2)
    reason = SRP_DROP_UNEXPECTED;
  if (reason != SRP_DROP_NONE)
    {
      srp_core_drop (core, reason);
      return;
    }
  if (!srp_core_peer_take_token (core, peer))
    return;
  /* Serving another peer's classification opens our own NAT towards it. */
  if (request.mode == SRP_PROBE_FROM_OTHER_PORT)
    probe_socket_contacts (core, &request.target);
  srp_core_queue_transmit (core, request.mode == SRP_PROBE_FROM_OTHER_PORT ? 1 : 0,
                           &request.target, frame, srp_probe_encode (request.nonce, frame));
}

void
srp_core_handle_probe (SrpCore *core, guint socket, const guint8 *data, gsize len)
{
  NatState *nat = &core->nat;
  guint64 nonce;
  SrpDropReason reason = srp_probe_decode (data, len, &nonce);

  if (reason != SRP_DROP_NONE)
    {
      srp_core_drop (core, reason);
      return;
    }
  if (nat->stage != NAT_FILTERING || socket != 1 ||
      (nonce != nat->nonce_port && nonce != nat->nonce_peer))
    {
      srp_core_drop (core, SRP_DROP_UNEXPECTED);
      return;
    }
  if (nonce == nat->nonce_port)
    nat->got_port = TRUE;
  else
    nat->got_peer = TRUE;
  /* Both in: nothing more to learn by waiting. */
  if (nat->got_port && nat->got_peer)
    nat->deadline = core->now;
}

static void
filtering_known (SrpCore *core)
{
  NatState *nat = &core->nat;
  SrpNat type;

  if (nat->got_peer)
    type = is_local (core, &nat->seen_a0) ? SRP_NAT_PUBLIC : SRP_NAT_FULL_CONE;
  else if (nat->got_port)
    type = SRP_NAT_ADDRESS_RESTRICTED;
  else
    type = SRP_NAT_PORT_RESTRICTED;
  conclude (core, type, &nat->seen_a0);
}

/* When the probe requests are next due again: every PROBE_RESEND_US from the
 * start of the filtering stage. */
static gint64
next_probe_resend (const NatState *nat)
{
  return nat->deadline - PROBE_WAIT_US + (gint64) nat->resends * PROBE_RESEND_US;
}

void
srp_core_nat_timeout (SrpCore *core)
{
  NatState *nat = &core->nat;

  if (nat->stage == NAT_IDLE)
    {
      if (nat->next_run >= 0 && nat->next_run <= core->now)
        start (core);
      return;
    }
  if (nat->stage == NAT_FILTERING && nat->deadline <= core->now)
    filtering_known (core);
  else if (nat->stage == NAT_FILTERING && !(nat->got_port && nat->got_peer) &&
           core->now >= next_probe_resend (nat))
    send_probe_requests (core);
}

gint64
srp_core_nat_deadline (SrpCore *core)
{
  NatState *nat = &core->nat;

  if (nat->stage == NAT_IDLE)
    return nat->next_run;
  if (nat->stage == NAT_FILTERING)
    return nat->got_port && nat->got_peer ? nat->deadline
                                          : MIN (nat->deadline, next_probe_resend (nat));
  return -1; /* NAT_MAPPING: the pings' own deadlines drive it */
}
