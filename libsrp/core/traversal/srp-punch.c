/* srp-punch.c: acting on introductions: hole punching, punch sockets and
 * routes, and relayed links that try to become direct.
 *
 * Each side punches according to both NAT types:
 * - endpoint-independent mappings on both sides (or one side public or full
 *   cone): a PUNCH with a low TTL first, which opens our own NAT(s) but dies
 *   before the far NAT (where, arriving first, it would make Linux conntrack
 *   give the far side's own mapping another port); then, at the common
 *   start, the handshake at full TTL;
 * - symmetric against endpoint-independent (birthday punching): the
 *   symmetric side opens punch_sockets sockets, each sending a low-TTL PUNCH
 *   towards the other side to open a mapping; the other side sends paced
 *   PUNCH probes to random ports of the symmetric side's IP, at most
 *   punch_probes. The first probe through marks the socket to keep (a
 *   route); the others close, and the handshake runs over the kept one;
 * - symmetric both, or no direct path after a while: the initiator shakes
 *   hands through the introducer, as a relay (srp-relay.c).
 * Two peers behind one public address also try each other's local
 * addresses. A dual-stack peer told of the other's addresses in its other
 * family (INFO, INTRODUCE) punches both, IPv6 first: the IPv4 handshake
 * starts HEAD_START_US after the IPv6 one, and whichever completes first
 * makes the link (its link_up ends the punch, so the later family's
 * handshake never starts when the first one completed within the head
 * start). Nothing here sends to an address that no link introduced;
 * introductions are rate-limited per introducer, and at most MAX_PUNCHES
 * run at once, one of them with punch sockets.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-traversal-private.h"

#include <string.h>

#define MAX_PUNCHES 8
#define PUNCH_LIFETIME_US (30 * G_TIME_SPAN_SECOND)
#define RELAY_AFTER_US (3 * G_TIME_SPAN_SECOND) /* cone pairs */
#define RELAY_AFTER_BIRTHDAY_US (15 * G_TIME_SPAN_SECOND)
#define PROBE_INTERVAL_US (10 * G_TIME_SPAN_MILLISECOND)
/* 2,048 probes take 1.3 s. At 8 per 10 ms, the 1,177 probes that give 99 %
 * odds against 256 mappings took 1.5 s, and finds by ID between symmetric
 * and port-restricted peers took 2.1-2.2 s
 * (srp-simulate, 10,000 peers, 200 finds: 98.0 % within 2 s, p99 2.23 s;
 * at 16: 99.5 %, 1.52 s, with 0.2 % more datagrams in all, the probes sent
 * while the hit's answer is on its way). */
#define PROBES_PER_INTERVAL 16
#define SOCKET_ROUND_US (10 * G_TIME_SPAN_SECOND) /* keeps the symmetric side's mappings */
/* A relayed link asks for a new introduction UPGRADE_FIRST_US after it
 * came up, then after twice as long each time, up to every UPGRADE_US: a
 * direct path that failed for a moment (a lost punch, a router that came
 * back) is found within seconds, one that stays closed costs the relay two
 * INTRODUCEs a minute. Birthday pairs (one side symmetric) try every
 * UPGRADE_US from the start (on_upgrade). */
#define UPGRADE_FIRST_US (5 * G_TIME_SPAN_SECOND)
#define UPGRADE_US (60 * G_TIME_SPAN_SECOND)
/* RFC 8305's Connection Attempt Delay: long enough for an IPv6 handshake
 * across a continent, short enough that a broken IPv6 costs little. */
#define HEAD_START_US (250 * G_TIME_SPAN_MILLISECOND)

static void on_punch_timer (SrpTimer *timer, gpointer owner);

static void
punch_free (gpointer data)
{
  Punch *punch = data;

  srp_timer_stop (punch->traversal->ctx->timers, &punch->timer);
  srp_credit_unref (punch->credit);
  g_free (punch);
}

/* ---- sockets and routes ------------------------------------------------------------- */

gboolean
srp_punch_socket_is_open (gpointer self, guint socket)
{
  SrpTraversal *traversal = self;

  return socket >= SRP_FIRST_PUNCH_SOCKET && socket < SRP_SOCKETS_MAX &&
         traversal->socket_open[socket];
}

guint
srp_punch_route (gpointer self, const SrpAddress *to)
{
  SrpTraversal *traversal = self;

  return GPOINTER_TO_UINT (g_hash_table_lookup (traversal->routes, to));
}

static void
open_socket (SrpTraversal *traversal, guint socket)
{
  traversal->socket_open[socket] = TRUE;
  srp_context_event (traversal->ctx, SRP_CORE_EVENT_SOCKET_OPEN)->socket.socket = socket;
}

static void
close_socket (SrpTraversal *traversal, guint socket)
{
  if (!srp_punch_socket_is_open (traversal, socket))
    return;
  traversal->socket_open[socket] = FALSE;
  srp_context_event (traversal->ctx, SRP_CORE_EVENT_SOCKET_CLOSE)->socket.socket = socket;
}

static gboolean
socket_routed (SrpTraversal *traversal, guint socket)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, traversal->routes);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (GPOINTER_TO_UINT (value) == socket)
      return TRUE;
  return FALSE;
}

/* Closes a punch's sockets but the one a route keeps. */
static void
close_punch_sockets (SrpTraversal *traversal, Punch *punch)
{
  for (guint s = punch->first_socket; s < punch->first_socket + punch->n_sockets; s++)
    if (!socket_routed (traversal, s))
      close_socket (traversal, s);
  punch->n_sockets = 0;
}

static void on_upgrade (SrpTimer *timer, gpointer owner);
static void schedule_upgrade (SrpTraversal *traversal, SrpLink *link);

void
srp_punch_init (SrpTraversal *traversal)
{
  traversal->punches = g_ptr_array_new_with_free_func (punch_free);
  traversal->routes = g_hash_table_new_full (srp_address_hash_func, srp_address_equal_func,
                                             g_free, NULL);
}

void
srp_punch_clear (SrpTraversal *traversal)
{
  /* The shell closes every socket when it detaches: no SOCKET_CLOSE is owed. */
  g_ptr_array_set_size (traversal->punches, 0);
  g_hash_table_remove_all (traversal->routes);
  memset (traversal->socket_open, 0, sizeof traversal->socket_open);
  {
    GPtrArray *links = srp_link_table_list (traversal->ctx->links);

    for (guint i = 0; i < links->len; i++)
      srp_timer_stop (traversal->ctx->timers,
                      &traversal_link (traversal, g_ptr_array_index (links, i))->upgrade);
  }
}

/* ---- punches ---------------------------------------------------------------------------- */

/* A firewall may filter by port as well: punched as port-restricted. */
static gboolean
filters_ports (guint8 nat)
{
  return nat == SRP_NAT_PORT_RESTRICTED || nat == SRP_NAT_FIREWALL;
}

PunchRole
srp_punch_choose_role (guint8 ours, guint8 theirs)
{
  if (ours == SRP_NAT_SYMMETRIC && theirs == SRP_NAT_SYMMETRIC)
    return PUNCH_NONE;
  /* Public, full-cone and address-restricted sides let a symmetric side's
   * new mapping in once they have sent to its IP: plain punching does. */
  if (ours == SRP_NAT_SYMMETRIC && filters_ports (theirs))
    return PUNCH_SOCKETS;
  if (theirs == SRP_NAT_SYMMETRIC && filters_ports (ours))
    return PUNCH_SPRAY;
  return PUNCH_BOTH;
}

/* A port mapping makes its side reachable from anywhere at the mapped
 * address, whatever its NAT does to what it sends: the other side shakes
 * hands with it. The mapped side sends nothing itself: were its own
 * packet to the other's address first through its NAT, the conntrack entry
 * it leaves would clash with the one the other's HELLO makes coming in
 * through the mapping (the same two addresses), and Linux drops that
 * HELLO. When both have one, the lower ID goes to the other's. */
PunchRole
srp_punch_choose_role_mapped (SrpTraversal *traversal, guint8 ours, guint8 theirs,
                              const SrpId *peer, gboolean theirs_mapped)
{
  gboolean ours_mapped = traversal->has_mapped;

  if (theirs_mapped &&
      (!ours_mapped || memcmp (&traversal->ctx->config->peer_id, peer, sizeof *peer) < 0))
    return PUNCH_MAPPED;
  if (ours_mapped)
    return PUNCH_AWAIT;
  return srp_punch_choose_role (ours, theirs);
}

static Punch *
find_punch (SrpTraversal *traversal, const SrpId *peer)
{
  for (guint i = 0; i < traversal->punches->len; i++)
    {
      Punch *p = g_ptr_array_index (traversal->punches, i);
      if (srp_id_equal (&p->peer, peer))
        return p;
    }
  return NULL;
}

gboolean
srp_punch_exists (SrpTraversal *traversal, const SrpId *peer)
{
  return find_punch (traversal, peer) != NULL;
}

static void
remove_punch (SrpTraversal *traversal, Punch *punch)
{
  close_punch_sockets (traversal, punch);
  g_ptr_array_remove (traversal->punches, punch);
}

/* The punch's next step into the timer table: the earliest of its times. */
static void
rearm (SrpTraversal *traversal, Punch *punch)
{
  gint64 at = punch->expires;

  if (punch->start_at >= 0)
    at = MIN (at, punch->start_at);
  if (punch->next_probe >= 0)
    at = MIN (at, punch->next_probe);
  if (punch->next_round >= 0)
    at = MIN (at, punch->next_round);
  if (punch->alt_at >= 0)
    at = MIN (at, punch->alt_at);
  srp_timer_set (traversal->ctx->timers, &punch->timer, at);
}

static gboolean
same_public_address (SrpTraversal *traversal, const Punch *punch)
{
  const NatState *nat = srp_nat_of (traversal, punch->address.family);

  return srp_address_is_valid (&nat->reflexive) &&
         srp_address_same_ip (&nat->reflexive, &punch->address);
}

/* FALSE when the punch's credit is spent (nothing sent). A low-TTL punch
 * (ttl not 0) is not paid for: it opens our own NAT and dies a few hops
 * out, long before the address it is sent to (unless that is within
 * punch_ttl hops of us), so it cannot be pointed at a victim; and the
 * symmetric side of a birthday punch sends one from each of its
 * punch_sockets sockets, more than a quiet introducer's credit holds. */
static gboolean
send_punch (SrpTraversal *traversal, const Punch *punch, guint socket, guint8 ttl,
            const SrpAddress *to)
{
  guint8 frame[SRP_MAX_DATAGRAM];
  gsize len = srp_punch_encode (punch->nonce, frame);

  if (ttl == 0 && !srp_credit_spend (punch->credit, len))
    {
      srp_context_drop (traversal->ctx, SRP_DROP_RATE_LIMITED);
      return FALSE;
    }
  srp_context_transmit (traversal->ctx, socket, ttl, to, frame, len);
  return TRUE;
}

/* The low-TTL packets that open our own NAT(s) towards the other side. */
static void
open_own_nat (SrpTraversal *traversal, const Punch *punch)
{
  send_punch (traversal, punch, 0, traversal->ctx->config->punch_ttl, &punch->address);
  if (same_public_address (traversal, punch))
    for (guint i = 0; i < punch->n_locals; i++)
      send_punch (traversal, punch, 0, 0, &punch->locals[i]);
}

/* The other family's addresses, when we can use that family and plain
 * punching does there: sets n_alts and opens our own firewall/NAT towards
 * them. The family that is IPv6 goes first; returns how much later the
 * main address's handshake starts (0, or HEAD_START_US). */
static gint64
plan_alternatives (SrpTraversal *traversal, Punch *punch, const SrpOtherFamily *other)
{
  guint8 family;

  punch->n_alts = 0;
  punch->alt_at = -1;
  if (other->n_addresses == 0 || srp_address_is_relay (&punch->address))
    return 0;
  family = other->addresses[0].family;
  if (family == punch->address.family || !srp_connect_has_family (traversal, family) ||
      srp_punch_choose_role (srp_nat_of (traversal, family)->type, other->nat) != PUNCH_BOTH)
    return 0;
  punch->n_alts = MIN (other->n_addresses, SRP_OTHERS_MAX);
  memcpy (punch->alts, other->addresses, punch->n_alts * sizeof punch->alts[0]);
  for (guint i = 0; i < punch->n_alts; i++)
    send_punch (traversal, punch, 0, traversal->ctx->config->punch_ttl, &punch->alts[i]);
  if (family == SRP_ADDRESS_FAMILY_IPV6)
    {
      punch->alt_at = punch->start_at;
      /* The main family's handshake, spray or birthday sockets start
       * HEAD_START_US later: where IPv6 gets through they never do (a
       * birthday costs 256 sockets, or up to 2,048 probes). */
      return punch->role == PUNCH_BOTH || punch->role == PUNCH_SPRAY || punch->role == PUNCH_SOCKETS
               ? HEAD_START_US
               : 0;
    }
  punch->alt_at = punch->start_at + HEAD_START_US;
  return 0;
}

static gboolean
is_alternative (const Punch *punch, const SrpAddress *address)
{
  for (guint i = 0; i < punch->n_alts; i++)
    if (srp_address_same_ip (&punch->alts[i], address))
      return TRUE;
  return FALSE;
}

static gboolean
sockets_busy (SrpTraversal *traversal)
{
  for (guint i = 0; i < traversal->punches->len; i++)
    if (((Punch *) g_ptr_array_index (traversal->punches, i))->n_sockets > 0)
      return TRUE;
  return FALSE;
}

/* The lowest run of n closed punch sockets, or 0. */
static guint
free_sockets (SrpTraversal *traversal, guint n)
{
  guint run = 0;

  for (guint s = SRP_FIRST_PUNCH_SOCKET; s < SRP_SOCKETS_MAX; s++)
    {
      run = traversal->socket_open[s] ? 0 : run + 1;
      if (run == n)
        return s + 1 - n;
    }
  return 0;
}

/* A birthday punch's sockets (the symmetric side): opened now, their
 * PUNCHes from a later timeout, once the shell has opened them. */
static void
start_sockets (SrpTraversal *traversal, Punch *punch)
{
  SrpContext *ctx = traversal->ctx;
  guint first = sockets_busy (traversal) ? 0 : free_sockets (traversal, ctx->config->punch_sockets);

  if (first == 0)
    {
      punch->role = PUNCH_BOTH; /* one birthday at a time: the relay will do */
      return;
    }
  punch->first_socket = first;
  punch->n_sockets = ctx->config->punch_sockets;
  for (guint s = first; s < first + punch->n_sockets; s++)
    open_socket (traversal, s);
  punch->next_round = ctx->now + 1;
}

/* An introduction to a peer linked to us over IPv4 that offers IPv6, while
 * we have IPv6: out, the introduction as if it named the IPv6 address
 * alone (its NAT type there, no locals, no mapping, no other family). */
static gboolean
ipv6_instead (SrpTraversal *traversal, const SrpIntroduce *intro, SrpIntroduce *out)
{
  if (intro->address.family != SRP_ADDRESS_FAMILY_IPV4 || !srp_other_family_is_ipv6 (&intro->other) ||
      !srp_connect_has_family (traversal, SRP_ADDRESS_FAMILY_IPV6))
    return FALSE;
  *out = *intro;
  out->address = intro->other.addresses[0];
  out->nat = intro->other.nat;
  out->n_locals = 0;
  out->has_mapped = FALSE;
  memset (&out->other, 0, sizeof out->other);
  return TRUE;
}

SrpDropReason
srp_punch_handle_introduce (gpointer self, const SrpInput *input, gpointer frame)
{
  gint64 head_start;
  SrpTraversal *traversal = self;
  SrpContext *ctx = traversal->ctx;
  const SrpIntroduce *intro = frame;
  SrpLink *introducer = input->link;
  SrpLink *existing;
  ConnectAttempt *attempt;
  Punch *punch;
  gint64 after;
  SrpIntroduce ipv6;
  gboolean linked_there;

  if (srp_id_equal (&intro->peer, &ctx->config->peer_id))
    return SRP_DROP_UNEXPECTED;
  attempt = srp_connect_find (traversal, intro->nonce, &intro->peer);
  if (intro->status == SRP_INTRODUCE_UNKNOWN)
    {
      if (attempt != NULL)
        srp_connect_unknown (traversal, attempt);
      return SRP_DROP_NONE;
    }
  if (!srp_context_take (ctx, introducer, SRP_LINK_BUCKET_REQUESTS, 1.0))
    return SRP_DROP_NONE;
  existing = srp_link_table_lookup (ctx->links, &intro->peer);
  /* A direct link needs no punch, unless the peer is now elsewhere (its
   * network changed: it asks through an introducer, which sees it at its
   * new address), or we asked after our own network changed, or one of us
   * asked for IPv6 instead of the IPv4 we share (srp-connect.c,
   * ask_for_ipv6): then only IPv6 is punched. */
  linked_there = existing != NULL && !srp_address_is_relay (&existing->address) &&
                 srp_address_equal (&existing->address, &intro->address);
  if (linked_there && ipv6_instead (traversal, intro, &ipv6))
    intro = &ipv6;
  else if (linked_there && attempt == NULL)
    return SRP_DROP_NONE;
  if (attempt != NULL)
    srp_connect_introduced (traversal, attempt, introducer, intro->nat, -1);
  punch = find_punch (traversal, &intro->peer);
  /* An earlier punch for this peer that got nowhere while a link stays:
   * - a try for IPv6 (the IPv4 link stays): this one is asked for anew;
   * - a relayed link keeps the punch that failed (srp_punch_link_up) until
   *   it expires; an upgrade's new introduction (another nonce) takes its
   *   place once it has shaken hands, or the first upgrades would be lost
   *   to it. */
  if (punch != NULL && punch->nonce != intro->nonce &&
      (intro == &ipv6 || (punch->start_at < 0 && existing != NULL &&
                          srp_address_is_relay (&existing->address))))
    {
      remove_punch (traversal, punch);
      punch = NULL;
    }
  if (punch != NULL)
    return SRP_DROP_NONE; /* another introducer of the same attempt */
  if (traversal->punches->len >= MAX_PUNCHES)
    return SRP_DROP_RATE_LIMITED; /* too much at once */
  punch = g_new0 (Punch, 1);
  punch->traversal = traversal;
  punch->peer = intro->peer;
  punch->introducer = introducer->id;
  punch->nonce = intro->nonce;
  punch->nat = intro->nat;
  punch->address = intro->address;
  punch->mapped = intro->mapped;
  punch->n_locals = intro->n_locals;
  memcpy (punch->locals, intro->locals, sizeof punch->locals);
  punch->role = srp_punch_choose_role_mapped (traversal,
                                             srp_nat_type_for (traversal, &intro->address),
                                             intro->nat, &intro->peer, intro->has_mapped);
  punch->start_at = ctx->now + (gint64) intro->delay_ms * G_TIME_SPAN_MILLISECOND;
  punch->expires = ctx->now + PUNCH_LIFETIME_US;
  punch->probes_left = ctx->config->punch_probes;
  punch->next_probe = -1;
  punch->next_round = -1;
  punch->alt_at = -1;
  /* An introduction we did not ask for: what it makes us send, the
   * introducer pays for. */
  if (attempt == NULL)
    punch->credit = srp_credit_ref (introducer->credit);
  srp_timer_init (&punch->timer, SRP_TIMER_PUNCH, on_punch_timer, traversal);
  g_ptr_array_add (traversal->punches, punch);

  if (punch->role == PUNCH_BOTH || punch->role == PUNCH_SPRAY)
    open_own_nat (traversal, punch);
  head_start = plan_alternatives (traversal, punch, &intro->other);
  punch->start_at += head_start;
  /* Behind IPv6's head start a birthday's sockets wait too: when IPv6
   * gets through, none is opened. */
  if (punch->role == PUNCH_SOCKETS && head_start == 0)
    start_sockets (traversal, punch);
  rearm (traversal, punch);
  if (attempt != NULL)
    {
      /* Symmetric both ways in this family relays at once, unless the
       * other family may still get through directly: then it has the time
       * a plain punch has. */
      after = punch->role == PUNCH_NONE ? (punch->n_alts > 0 ? RELAY_AFTER_US : 0)
              : punch->role == PUNCH_SPRAY || punch->role == PUNCH_SOCKETS ? RELAY_AFTER_BIRTHDAY_US
                                                                           : RELAY_AFTER_US;
      srp_connect_introduced (traversal, attempt, introducer, intro->nat, punch->start_at + after);
    }
  return SRP_DROP_NONE;
}

SrpDropReason
srp_punch_handle_punch (gpointer self, const SrpInput *input, gpointer frame)
{
  SrpTraversal *traversal = self;
  guint64 nonce = *(const guint64 *) frame;
  Punch *punch = NULL;

  if (srp_address_is_relay (input->from))
    return SRP_DROP_UNEXPECTED;
  for (guint i = 0; i < traversal->punches->len && punch == NULL; i++)
    {
      Punch *p = g_ptr_array_index (traversal->punches, i);
      gboolean local = FALSE;

      for (guint k = 0; k < p->n_locals; k++)
        local = local || srp_address_equal (&p->locals[k], input->from);
      if (p->nonce == nonce && (srp_address_same_ip (&p->address, input->from) || local ||
                                is_alternative (p, input->from)))
        punch = p;
    }
  if (punch == NULL)
    return SRP_DROP_UNEXPECTED;
  /* A probe got through: the path works from this socket. */
  if (input->socket >= SRP_FIRST_PUNCH_SOCKET)
    {
      g_hash_table_replace (traversal->routes, g_memdup2 (input->from, sizeof *input->from),
                            GUINT_TO_POINTER (input->socket));
      close_punch_sockets (traversal, punch);
      punch->next_round = -1;
    }
  punch->probes_left = 0;
  punch->next_probe = -1;
  rearm (traversal, punch);
  /* IPv6 has its head start over the main address's family, PUNCH or not:
   * a low-TTL PUNCH that got through (few hops between the two) would
   * otherwise start the IPv4 handshake at once, and IPv4 would win the
   * race it was meant to lose. The timer starts it at start_at, to the
   * same address. */
  if (punch->role == PUNCH_BOTH && punch->n_alts > 0 &&
      punch->alts[0].family == SRP_ADDRESS_FAMILY_IPV6 &&
      srp_address_equal (input->from, &punch->address) && traversal->ctx->now < punch->start_at)
    return SRP_DROP_NONE;
  /* A PUNCH proves nothing of its source (the introducer knew the nonce). */
  srp_mesh_start_paid_handshake (traversal->mesh, input->from, &punch->peer, 0, punch->credit);
  return SRP_DROP_NONE;
}

/* One interval's probes. Those of an introduction we did not ask for are
 * paid from its introducer's spray bucket, not from its credit (see
 * srp-link.c): they go to random ports of one IP, paced, at most a
 * birthday's worth per punch lifetime, whatever the introducer sent us. */
static void
spray (SrpTraversal *traversal, Punch *punch)
{
  SrpContext *ctx = traversal->ctx;
  guint n = MIN (PROBES_PER_INTERVAL, punch->probes_left);
  guint8 frame[SRP_MAX_DATAGRAM];
  gsize len = srp_punch_encode (punch->nonce, frame);

  if (punch->credit != NULL)
    {
      SrpLink *introducer = srp_link_table_lookup (ctx->links, &punch->introducer);

      n = introducer != NULL ? srp_context_take_up_to (ctx, introducer, SRP_LINK_BUCKET_SPRAYS, n)
                             : 0;
      if (n < MIN (PROBES_PER_INTERVAL, punch->probes_left))
        punch->probes_left = n; /* this batch is the last */
    }
  for (guint k = 0; k < n; k++)
    {
      SrpAddress to = punch->address;

      to.port = (guint16) (1024 + srp_rng_below (&ctx->rng, 65536 - 1024));
      srp_context_transmit (ctx, 0, 0, &to, frame, len);
    }
  punch->probes_left -= n;
  punch->next_probe = punch->probes_left > 0 ? ctx->now + PROBE_INTERVAL_US : -1;
}

static void
on_punch_timer (SrpTimer *timer, gpointer owner)
{
  SrpTraversal *traversal = owner;
  SrpContext *ctx = traversal->ctx;
  Punch *punch = G_STRUCT_MEMBER_P (timer, -G_STRUCT_OFFSET (Punch, timer));

  if (punch->expires <= ctx->now)
    {
      remove_punch (traversal, punch);
      return;
    }
  if (punch->start_at >= 0 && punch->start_at <= ctx->now)
    {
      punch->start_at = -1;
      if (punch->role == PUNCH_BOTH)
        {
          srp_mesh_start_paid_handshake (traversal->mesh, &punch->address, &punch->peer, 0,
                                         punch->credit);
          if (same_public_address (traversal, punch))
            for (guint k = 0; k < punch->n_locals; k++)
              srp_mesh_start_paid_handshake (traversal->mesh, &punch->locals[k], &punch->peer, 0,
                                             punch->credit);
        }
      else if (punch->role == PUNCH_SPRAY)
        punch->next_probe = ctx->now;
      else if (punch->role == PUNCH_SOCKETS && punch->n_sockets == 0)
        {
          start_sockets (traversal, punch);
          if (punch->role == PUNCH_BOTH) /* no sockets free: a plain handshake */
            srp_mesh_start_paid_handshake (traversal->mesh, &punch->address, &punch->peer, 0,
                                           punch->credit);
        }
      else if (punch->role == PUNCH_MAPPED)
        srp_mesh_start_paid_handshake (traversal->mesh, &punch->mapped, &punch->peer, 0,
                                       punch->credit);
    }
  if (punch->alt_at >= 0 && punch->alt_at <= ctx->now)
    {
      punch->alt_at = -1;
      for (guint k = 0; k < punch->n_alts; k++)
        srp_mesh_start_paid_handshake (traversal->mesh, &punch->alts[k], &punch->peer, 0,
                                       punch->credit);
    }
  if (punch->next_probe >= 0 && punch->next_probe <= ctx->now)
    spray (traversal, punch);
  if (punch->next_round >= 0 && punch->next_round <= ctx->now)
    {
      for (guint s = punch->first_socket; s < punch->first_socket + punch->n_sockets; s++)
        send_punch (traversal, punch, s, ctx->config->punch_ttl, &punch->address);
      punch->next_round = ctx->now + SOCKET_ROUND_US;
    }
  rearm (traversal, punch);
}

/* ---- links coming and going ------------------------------------------------------------- */

/* The punch for link's peer while IPv6 still has its head start over the
 * link's family (IPv4): the main address's handshake has not started yet,
 * so the link came from another handshake (peer exchange, a connect from
 * the other side, handshakes that crossed), and IPv6 may yet win. */
static Punch *
ipv6_ahead (SrpTraversal *traversal, const SrpLink *link)
{
  Punch *punch = find_punch (traversal, &link->id);

  if (punch == NULL || link->address.family != SRP_ADDRESS_FAMILY_IPV4 ||
      srp_address_is_relay (&link->address) || punch->role != PUNCH_BOTH || punch->n_alts == 0 ||
      punch->alts[0].family != SRP_ADDRESS_FAMILY_IPV6 || punch->start_at < 0 ||
      punch->start_at <= traversal->ctx->now)
    return NULL;
  return punch;
}

/* Whether link (just up) came inside IPv6's head start: until, when the
 * head start ends. A connect waits that long for the IPv6 handshake to
 * move the link (srp-connect.c). */
gboolean
srp_punch_ipv6_ahead (SrpTraversal *traversal, const SrpLink *link, gint64 *until)
{
  Punch *punch = ipv6_ahead (traversal, link);

  if (punch != NULL)
    *until = punch->start_at;
  return punch != NULL;
}

void
srp_punch_link_up (SrpTraversal *traversal, SrpLink *link)
{
  Punch *punch;

  /* Happy eyeballs: a link over IPv4 inside IPv6's head start leaves the
   * punch to IPv6 alone. The IPv4 handshake it planned is moot, and the
   * IPv6 ones, dropped when the link came (srp-mesh-handshake.c), start
   * again at once; the one that completes moves the link, and a punch
   * that gets nowhere expires. */
  if ((punch = ipv6_ahead (traversal, link)) != NULL)
    {
      punch->start_at = -1;
      punch->alt_at = traversal->ctx->now;
      rearm (traversal, punch);
      return;
    }
  /* A relayed link keeps its punch until the direct path works. */
  if (!srp_address_is_relay (&link->address) &&
      (punch = find_punch (traversal, &link->id)) != NULL)
    remove_punch (traversal, punch);
  if (srp_address_is_relay (&link->address))
    schedule_upgrade (traversal, link);
  else
    {
      TraversalLink *tl = traversal_link (traversal, link);

      tl->upgrade_gap = 0;
      srp_timer_stop (traversal->ctx->timers, &tl->upgrade);
    }
}

void
srp_punch_link_down (SrpTraversal *traversal, SrpLink *link)
{
  guint socket = srp_punch_route (traversal, &link->address);

  srp_timer_stop (traversal->ctx->timers, &traversal_link (traversal, link)->upgrade);
  if (socket != 0)
    {
      g_hash_table_remove (traversal->routes, &link->address);
      if (!socket_routed (traversal, socket))
        close_socket (traversal, socket);
    }
}

/* ---- relayed links becoming direct ------------------------------------------------------- */

void
srp_punch_link_init (SrpTraversal *traversal, SrpLink *link)
{
  TraversalLink *tl = traversal_link (traversal, link);

  tl->traversal = traversal;
  tl->link = link;
  srp_timer_init (&tl->upgrade, SRP_TIMER_UPGRADE, on_upgrade, traversal);
}

/* A relayed link's next try to become direct: CONNECT through its relay,
 * for an introduction that punches. */
static void
on_upgrade (SrpTimer *timer, gpointer owner)
{
  SrpTraversal *traversal = owner;
  SrpContext *ctx = traversal->ctx;
  TraversalLink *tl = G_STRUCT_MEMBER_P (timer, -G_STRUCT_OFFSET (TraversalLink, upgrade));
  SrpLink *link = tl->link;
  PunchRole role = srp_punch_choose_role ((guint8) srp_nat_primary (traversal)->type, link->nat);
  SrpLink *relay;

  if (tl->upgrade_gap == 0)
    return;
  /* A birthday punch costs up to punch_probes datagrams (or punch_sockets
   * mappings) and fails half the time by its nature, not for a moment:
   * such pairs try once a minute only, from a minute after the link came
   * up. */
  if (!traversal->has_mapped && (role == PUNCH_SPRAY || role == PUNCH_SOCKETS) &&
      tl->upgrade_gap < UPGRADE_US)
    {
      tl->upgrade_at += UPGRADE_US - tl->upgrade_gap;
      tl->upgrade_gap = UPGRADE_US;
      srp_timer_set (ctx->timers, &tl->upgrade, tl->upgrade_at);
      return;
    }
  tl->upgrade_gap = MIN (2 * tl->upgrade_gap, UPGRADE_US);
  tl->upgrade_at = ctx->now + tl->upgrade_gap;
  srp_timer_set (ctx->timers, &tl->upgrade, tl->upgrade_at);
  /* With our own port mapping, an introduction brings them to it. */
  if (!traversal->has_mapped && role == PUNCH_NONE)
    return;
  relay = srp_link_table_lookup_prefix (ctx->links, srp_address_relay_prefix (&link->address));
  if (relay != NULL)
    srp_connect_send (traversal, relay, srp_rng_next (&ctx->rng), &link->id);
}

/* A link that came up (or moved) relayed tries its first upgrade soon. */
static void
schedule_upgrade (SrpTraversal *traversal, SrpLink *link)
{
  TraversalLink *tl = traversal_link (traversal, link);

  tl->upgrade_gap = UPGRADE_FIRST_US;
  tl->upgrade_at = traversal->ctx->now + UPGRADE_FIRST_US;
  srp_timer_set (traversal->ctx->timers, &tl->upgrade, tl->upgrade_at);
}
