/* srp-nat.c: NAT classification (RFC 4787 terms).
 *
 * Mapping: the main socket pings two links at different IPs; the reflexive
 * addresses they report are equal for an endpoint-independent mapping and
 * differ for an endpoint-dependent one (symmetric NAT).
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
 * IPv4 and IPv6 are classified apart (one NatState each, each with links of
 * its own family): a home router usually translates IPv4 and only filters
 * IPv6 (SRP_NAT_FIREWALL: the reflexive address is a local one, but
 * unsolicited probes do not get in).
 *
 * Every wait has a timeout and the requests are resent, so a lost packet
 * delays classification but never hangs it. It re-runs periodically, when
 * the reflexive address changes, and after the network was silent.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-traversal-private.h"

#include <string.h>

#define PROBE_WAIT_US (1500 * G_TIME_SPAN_MILLISECOND)
#define PROBE_RESEND_US (400 * G_TIME_SPAN_MILLISECOND)
#define RETRY_US (5 * G_TIME_SPAN_SECOND)
#define SILENCE_US (2 * G_TIME_SPAN_MINUTE)
/* How long a NAT may keep a mapping open after its last packet: UDP
 * conntrack timeouts run from 30 s to a few minutes; 10 minutes is safe. */
#define MAPPING_LIFE_US (10 * G_TIME_SPAN_MINUTE)

static void on_timer (SrpTimer *timer, gpointer owner);

/* When the probe requests are next due again: every PROBE_RESEND_US from the
 * start of the filtering stage. */
static gint64
next_probe_resend (const NatState *nat)
{
  return nat->deadline - PROBE_WAIT_US + (gint64) nat->resends * PROBE_RESEND_US;
}

/* Puts the stage's next deadline into the timer table. */
static void
rearm (NatState *nat)
{
  gint64 at = -1;

  if (nat->stage == NAT_IDLE)
    at = nat->next_run;
  else if (nat->stage == NAT_FILTERING)
    at = nat->got_port && nat->got_peer ? nat->deadline
                                        : MIN (nat->deadline, next_probe_resend (nat));
  /* NAT_MAPPING: the pings' own deadlines drive it. */
  srp_timer_set (nat->traversal->ctx->timers, &nat->timer, at);
}

static void
init_family (SrpTraversal *traversal, NatState *nat, guint8 family)
{
  memset (nat, 0, sizeof *nat);
  nat->traversal = traversal;
  nat->family = family;
  nat->stage = NAT_IDLE;
  nat->type = SRP_NAT_UNKNOWN;
  srp_timer_init (&nat->timer, SRP_TIMER_NAT, on_timer, nat);
  /* IPv4 as soon as two links allow it; IPv6 once a link of its own
   * comes up (srp_nat_link_up), so that an IPv4-only peer never runs it. */
  nat->next_run = family == SRP_ADDRESS_FAMILY_IPV4 ? traversal->ctx->now : -1;
  rearm (nat);
}

void
srp_nat_init (SrpTraversal *traversal)
{
  init_family (traversal, &traversal->nat[SRP_NAT_V4], SRP_ADDRESS_FAMILY_IPV4);
  init_family (traversal, &traversal->nat[SRP_NAT_V6], SRP_ADDRESS_FAMILY_IPV6);
}

/* A classification measuring the mapping has pings out: they answer nothing now. */
static void
cancel_mapping_pings (SrpTraversal *traversal, NatState *nat)
{
  SrpPings *pings = srp_mesh_get_pings (traversal->mesh);

  if (nat->stage != NAT_MAPPING)
    return;
  srp_pings_cancel (pings, nat->ping_a0);
  srp_pings_cancel (pings, nat->ping_b0);
  srp_pings_cancel (pings, nat->ping_a1);
}

void
srp_nat_reset (SrpTraversal *traversal)
{
  for (guint f = 0; f < SRP_NAT_FAMILIES; f++)
    {
      NatState *nat = &traversal->nat[f];

      cancel_mapping_pings (traversal, nat);
      srp_timer_stop (traversal->ctx->timers, &nat->timer);
    }
  srp_nat_init (traversal);
}

void
srp_nat_stop (SrpTraversal *traversal)
{
  for (guint f = 0; f < SRP_NAT_FAMILIES; f++)
    srp_timer_stop (traversal->ctx->timers, &traversal->nat[f].timer);
}

NatState *
srp_nat_of (SrpTraversal *traversal, guint8 family)
{
  return &traversal->nat[family == SRP_ADDRESS_FAMILY_IPV6 ? SRP_NAT_V6 : SRP_NAT_V4];
}

/* What the peer says of itself where one family must stand for both (its
 * DHT record, SrpPeer:nat-type): IPv4 once known, else IPv6. */
NatState *
srp_nat_primary (SrpTraversal *traversal)
{
  if (traversal->nat[SRP_NAT_V4].type == SRP_NAT_UNKNOWN &&
      traversal->nat[SRP_NAT_V6].type != SRP_NAT_UNKNOWN)
    return &traversal->nat[SRP_NAT_V6];
  return &traversal->nat[SRP_NAT_V4];
}

guint8
srp_nat_type_for (SrpTraversal *traversal, const SrpAddress *address)
{
  if (address->family != SRP_ADDRESS_FAMILY_IPV4 && address->family != SRP_ADDRESS_FAMILY_IPV6)
    return (guint8) srp_nat_primary (traversal)->type;
  return (guint8) srp_nat_of (traversal, address->family)->type;
}

guint8
srp_traversal_get_nat (SrpTraversal *traversal, SrpAddress *public_address)
{
  NatState *nat = srp_nat_primary (traversal);

  if (public_address != NULL)
    *public_address = nat->public_address;
  return (guint8) nat->type;
}

guint8
srp_traversal_get_nat_family (SrpTraversal *traversal, guint8 family, SrpAddress *public_address)
{
  NatState *nat = srp_nat_of (traversal, family);

  if (public_address != NULL)
    *public_address = nat->public_address;
  return (guint8) nat->type;
}

const char *
srp_traversal_get_nat_problem (SrpTraversal *traversal)
{
  return srp_nat_primary (traversal)->problem;
}

static void
conclude (NatState *nat, SrpNat type, const SrpAddress *public_address)
{
  SrpTraversal *traversal = nat->traversal;
  SrpContext *ctx = traversal->ctx;
  SrpCoreEvent *event;
  NatState *primary;

  nat->stage = NAT_IDLE;
  nat->problem = NULL;
  nat->next_run = ctx->now + ctx->config->nat_recheck_us;
  if (nat->type == type && srp_address_equal (&nat->public_address, public_address))
    return;
  nat->type = type;
  nat->public_address = *public_address;
  primary = srp_nat_primary (traversal);
  srp_dht_set_nat (traversal->dht, (guint8) primary->type, &primary->public_address);
  event = srp_context_event (ctx, SRP_CORE_EVENT_NAT_CHANGED);
  event->nat.nat = (guint8) type;
  event->nat.family = nat->family;
  event->nat.public_address = *public_address;
  srp_connect_nat_changed (traversal);
}

void
srp_nat_assume (SrpTraversal *traversal, guint8 family, SrpNat type,
                const SrpAddress *public_address)
{
  NatState *nat = srp_nat_of (traversal, family);

  cancel_mapping_pings (traversal, nat);
  conclude (nat, type, public_address);
}

/* Gives up this round; tries again a little later. */
static void
postpone (NatState *nat, const char *problem)
{
  nat->stage = NAT_IDLE;
  nat->problem = problem;
  nat->next_run = nat->traversal->ctx->now + RETRY_US;
}

/* How well a link serves classification: a public peer best (nothing
 * between us and it skews the answer), then a bootstrap peer (usually
 * public), then any other. A peer at our own public IP is behind our NAT,
 * reachable only by hairpinning: of no use; nor is one at a private address
 * on our own link (found by LAN discovery, or told of by an introducer): it
 * sees our inside address, not the mapping the internet sees. Only links of
 * the family being classified count. */
static int
link_rank (const NatState *nat, const SrpLink *link)
{
  SrpTraversal *traversal = nat->traversal;

  if (link->address.family != nat->family || srp_address_is_relay (&link->address) ||
      (srp_address_is_private (&link->address) && srp_lan_on_our_link (traversal, &link->address)) ||
      (nat->reflexive.family != 0 && srp_address_same_ip (&link->address, &nat->reflexive)))
    return -1;
  if (link->nat == SRP_NAT_PUBLIC)
    return 2;
  return srp_mesh_is_bootstrap (traversal->mesh, &link->address) ? 1 : 0;
}

/* Whether the probe socket may still have an open mapping towards the IP of
 * address: then a probe from there gets through any NAT but a
 * port-restricted one, and proves nothing about filtering. */
static gboolean
probe_socket_contacted (const NatState *nat, const SrpAddress *address)
{
  for (guint i = 0; i < NAT_CONTACTED_MAX; i++)
    {
      const NatContact *c = &nat->contacted[i];

      if (c->until > nat->traversal->ctx->now && srp_address_same_ip (&c->address, address))
        return TRUE;
    }
  return FALSE;
}

static void
probe_socket_contacts (SrpTraversal *traversal, const SrpAddress *address)
{
  NatState *nat = srp_nat_of (traversal, address->family);

  nat->contacted[nat->next_contact].address = *address;
  nat->contacted[nat->next_contact].until = traversal->ctx->now + MAPPING_LIFE_US;
  nat->next_contact = (nat->next_contact + 1) % NAT_CONTACTED_MAX;
}

/* The best-ranked link fit to be B when a is given, at random among equals
 * (so that a retry after a failure tries others), or NULL. */
static SrpLink *
pick_one (NatState *nat, const SrpLink *a)
{
  SrpTraversal *traversal = nat->traversal;
  GPtrArray *links = srp_link_table_list (traversal->ctx->links);
  g_autoptr (GPtrArray) tier = g_ptr_array_new ();

  for (int rank = 2; rank >= 0; rank--)
    {
      g_ptr_array_set_size (tier, 0);
      for (guint i = 0; i < links->len; i++)
        {
          SrpLink *link = g_ptr_array_index (links, i);

          if (link_rank (nat, link) != rank)
            continue;
          /* B: at another IP than A, and one the probe socket never sent to. */
          if (a != NULL && (srp_address_same_ip (&a->address, &link->address) ||
                            probe_socket_contacted (nat, &link->address)))
            continue;
          g_ptr_array_add (tier, link);
        }
      if (tier->len > 0)
        return g_ptr_array_index (tier, (guint) srp_rng_below (&traversal->ctx->rng, tier->len));
    }
  return NULL;
}

/* Picks A and B for a round; FALSE when no two links qualify. A is best
 * taken among links the probe socket has contacted already, which leaves
 * the most links fit to be B. */
static gboolean
pick_links (NatState *nat, SrpLink **a, SrpLink **b)
{
  GPtrArray *links = srp_link_table_list (nat->traversal->ctx->links);

  *a = NULL;
  for (guint i = 0; i < links->len && *a == NULL; i++)
    {
      SrpLink *link = g_ptr_array_index (links, i);

      if (link_rank (nat, link) >= 0 && probe_socket_contacted (nat, &link->address))
        *a = link;
    }
  if (*a == NULL)
    *a = pick_one (nat, NULL);
  *b = *a != NULL ? pick_one (nat, *a) : NULL;
  return *b != NULL;
}

static void mapping_known (NatState *nat);

static void
on_ping (gpointer data, guint64 request, gint64 rtt_us, const SrpPong *pong)
{
  NatState *nat = data;
  SrpAddress *slot = NULL;

  (void) rtt_us;
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
  if (pong != NULL)
    *slot = pong->observed;
  /* The main socket's answers are links' PONGs like the heartbeat's: the
   * first reports a handshake's OBSERVED is judged by (srp-observed.c),
   * seconds before the first heartbeat. The probe socket's are not about
   * the main socket. */
  if (pong != NULL && slot != &nat->seen_a1)
    {
      SrpLink *link = srp_link_table_lookup (nat->traversal->ctx->links,
                                             slot == &nat->seen_a0 ? &nat->peer_a : &nat->peer_b);

      if (link != NULL && srp_address_is_valid (&pong->observed) &&
          !srp_address_is_unspecified (&pong->observed))
        srp_observed_report (srp_nat_of (nat->traversal, pong->observed.family), &pong->observed,
                             &link->address);
    }
  if (nat->done_a0 && nat->done_b0 && nat->done_a1)
    mapping_known (nat);
  rearm (nat);
}

static void
start (NatState *nat)
{
  SrpTraversal *traversal = nat->traversal;
  SrpContext *ctx = traversal->ctx;
  SrpPings *pings = srp_mesh_get_pings (traversal->mesh);
  SrpLink *a, *b;
  guint attempts = ctx->config->ping_attempts;

  if (ctx->config->n_sockets < 2)
    {
      postpone (nat, "no second socket for NAT probes");
      nat->next_run = -1;
      return;
    }
  if (!pick_links (nat, &a, &b))
    {
      nat->problem = "fewer than two connected peers at different addresses";
      nat->next_run = -1; /* srp_nat_link_up restarts it */
      return;
    }
  nat->stage = NAT_MAPPING;
  nat->peer_a = a->id;
  nat->peer_b = b->id;
  nat->done_a0 = nat->done_b0 = nat->done_a1 = FALSE;
  memset (&nat->seen_a0, 0, sizeof nat->seen_a0);
  memset (&nat->seen_b0, 0, sizeof nat->seen_b0);
  memset (&nat->seen_a1, 0, sizeof nat->seen_a1);
  nat->ping_a0 = srp_pings_start (pings, 0, &a->address, attempts, on_ping, nat);
  nat->ping_b0 = srp_pings_start (pings, 0, &b->address, attempts, on_ping, nat);
  nat->ping_a1 = srp_pings_start (pings, 1, &a->address, attempts, on_ping, nat);
  probe_socket_contacts (traversal, &a->address);
}

gboolean
srp_nat_is_local (SrpTraversal *traversal, const SrpAddress *address)
{
  for (guint i = 0; i < traversal->local_addresses->len; i++)
    if (srp_address_same_ip (&g_array_index (traversal->local_addresses, SrpAddress, i), address))
      return TRUE;
  return FALSE;
}

static void
send_probe_requests (NatState *nat)
{
  SrpContext *ctx = nat->traversal->ctx;
  SrpLink *a = srp_link_table_lookup (ctx->links, &nat->peer_a);
  SrpLink *b = srp_link_table_lookup (ctx->links, &nat->peer_b);
  SrpProbeRequest request = { .target = nat->seen_a1 };
  guint8 frame[SRP_MAX_DATAGRAM];

  if (a == NULL || b == NULL)
    {
      postpone (nat, "a peer left during NAT classification");
      return;
    }
  request.nonce = nat->nonce_port;
  request.mode = SRP_PROBE_FROM_OTHER_PORT;
  srp_context_send_link (ctx, a, frame, srp_probe_request_encode (&request, frame));
  request.nonce = nat->nonce_peer;
  request.mode = SRP_PROBE_FROM_MAIN_PORT;
  srp_context_send_link (ctx, b, frame, srp_probe_request_encode (&request, frame));
  nat->resends++;
}

static void
mapping_known (NatState *nat)
{
  SrpContext *ctx = nat->traversal->ctx;

  if (nat->seen_a0.family == 0 || nat->seen_b0.family == 0 || nat->seen_a1.family == 0)
    {
      postpone (nat, "peers did not answer NAT pings");
      return;
    }
  if (!srp_address_equal (&nat->seen_a0, &nat->seen_b0))
    {
      /* Endpoint-dependent mapping: filtering hardly matters, since no mapping
       * can be predicted for a third party. */
      conclude (nat, SRP_NAT_SYMMETRIC, &nat->seen_a0);
      return;
    }
  nat->stage = NAT_FILTERING;
  nat->nonce_port = srp_rng_next (&ctx->rng);
  nat->nonce_peer = srp_rng_next (&ctx->rng);
  nat->got_port = nat->got_peer = FALSE;
  nat->resends = 0;
  nat->deadline = ctx->now + PROBE_WAIT_US;
  send_probe_requests (nat);
}

void
srp_nat_input (gpointer self)
{
  SrpTraversal *traversal = self;

  for (guint f = 0; f < SRP_NAT_FAMILIES; f++)
    {
      NatState *nat = &traversal->nat[f];

      /* Silent long enough for NAT bindings to lapse: whatever we knew may be
       * stale, so check again now that traffic is back. */
      if (nat->type != SRP_NAT_UNKNOWN && nat->stage == NAT_IDLE &&
          nat->last_input + SILENCE_US < traversal->ctx->now)
        {
          nat->next_run = traversal->ctx->now;
          rearm (nat);
        }
      nat->last_input = traversal->ctx->now;
    }
}

void
srp_nat_link_up (SrpTraversal *traversal, const SrpAddress *address)
{
  /* Relay links count as IPv4, as before IPv6 had a classification of
   * its own: they never serve as A or B, but may find two that do. */
  NatState *nat = srp_nat_of (traversal, address->family);

  /* Classification was waiting for a second link: this may be it. */
  if (nat->stage == NAT_IDLE && nat->next_run < 0)
    {
      nat->next_run = traversal->ctx->now;
      rearm (nat);
    }
}

void
srp_nat_reflexive_seen (gpointer self, const SrpAddress *reflexive, const SrpAddress *reporter)
{
  SrpTraversal *traversal = self;
  NatState *nat;

  /* Through a relay nobody sees our address. */
  if (srp_address_is_unspecified (reflexive) ||
      (reflexive->family != SRP_ADDRESS_FAMILY_IPV4 && reflexive->family != SRP_ADDRESS_FAMILY_IPV6))
    return;
  nat = srp_nat_of (traversal, reflexive->family);
  nat->reflexive = *reflexive;
  srp_observed_report (nat, reflexive, reporter);
  /* The main socket's public address moved: the NAT re-mapped us, or we
   * changed networks. Classify again. */
  if (nat->type != SRP_NAT_UNKNOWN && nat->type != SRP_NAT_SYMMETRIC &&
      nat->stage == NAT_IDLE && !srp_address_equal (&nat->public_address, reflexive))
    {
      nat->next_run = traversal->ctx->now;
      rearm (nat);
    }
  else
    srp_nat_link_up (traversal, reflexive);
}

SrpDropReason
srp_nat_handle_probe_request (gpointer self, const SrpInput *input, gpointer frame)
{
  SrpTraversal *traversal = self;
  SrpContext *ctx = traversal->ctx;
  const SrpProbeRequest *request = frame;
  guint8 out[SRP_MAX_DATAGRAM];

  /* Probes go only to the requester's own IP: nobody can aim them elsewhere. */
  if (!srp_address_same_ip (&request->target, input->from))
    return SRP_DROP_UNEXPECTED;
  /* Without a second socket, a probe "from the other port" would leave from
   * the main one and tell the requester its NAT filters less than it does. */
  if (request->mode == SRP_PROBE_FROM_OTHER_PORT && ctx->config->n_sockets < 2)
    return SRP_DROP_UNEXPECTED;
  if (!srp_context_take (ctx, input->link, SRP_LINK_BUCKET_REQUESTS, 1.0))
    return SRP_DROP_NONE;
  /* Serving another peer's classification opens our own NAT towards it. */
  if (request->mode == SRP_PROBE_FROM_OTHER_PORT)
    probe_socket_contacts (traversal, &request->target);
  srp_context_transmit (ctx, request->mode == SRP_PROBE_FROM_OTHER_PORT ? 1 : 0, 0,
                        &request->target, out, srp_probe_encode (request->nonce, out));
  return SRP_DROP_NONE;
}

SrpDropReason
srp_nat_handle_probe (gpointer self, const SrpInput *input, gpointer frame)
{
  SrpTraversal *traversal = self;
  NatState *nat = srp_nat_of (traversal, input->from->family);
  guint64 nonce = *(const guint64 *) frame;

  if (nat->stage != NAT_FILTERING || input->socket != 1 ||
      (nonce != nat->nonce_port && nonce != nat->nonce_peer))
    return SRP_DROP_UNEXPECTED;
  if (nonce == nat->nonce_port)
    nat->got_port = TRUE;
  else
    nat->got_peer = TRUE;
  /* Both in: nothing more to learn by waiting. */
  if (nat->got_port && nat->got_peer)
    nat->deadline = traversal->ctx->now;
  rearm (nat);
  return SRP_DROP_NONE;
}

static void
filtering_known (NatState *nat)
{
  gboolean local = srp_nat_is_local (nat->traversal, &nat->seen_a0);
  SrpNat type;

  /* No translation but filtering (address- or port-dependent alike: the
   * punch is the same) is a firewall; with open filtering, public. */
  if (nat->got_peer)
    type = local ? SRP_NAT_PUBLIC : SRP_NAT_FULL_CONE;
  else if (local)
    type = SRP_NAT_FIREWALL;
  else if (nat->got_port)
    type = SRP_NAT_ADDRESS_RESTRICTED;
  else
    type = SRP_NAT_PORT_RESTRICTED;
  conclude (nat, type, &nat->seen_a0);
}

static void
on_timer (SrpTimer *timer, gpointer owner)
{
  NatState *nat = owner;
  gint64 now = nat->traversal->ctx->now;

  (void) timer;
  if (nat->stage == NAT_IDLE)
    {
      if (nat->next_run >= 0 && nat->next_run <= now)
        start (nat);
    }
  else if (nat->stage == NAT_FILTERING && nat->deadline <= now)
    filtering_known (nat);
  else if (nat->stage == NAT_FILTERING && !(nat->got_port && nat->got_peer) &&
           now >= next_probe_resend (nat))
    send_probe_requests (nat);
  rearm (nat);
}
