/* srp-connect.c: connecting to a given peer (docs/protocol.md, "Connecting
 * to a peer"): attempts, the introducer's side, and INFO.
 *
 * - Every link is told our NAT type and local addresses (INFO), so that it
 *   can introduce us.
 * - srp_core_connect asks the links (CONNECT); one that is linked to the
 *   target introduces the two (INTRODUCE to both, with start delays from
 *   its RTTs so that both begin together, as DCUtR does); one that is not
 *   says so, and when nobody is, the attempt fails at once. The punching
 *   itself is srp-punch.c's.
 * - An attempt ends when a link to the target comes up, or at its deadline;
 *   when the punch leaves no direct path in time, it shakes hands through
 *   the introducer, as a relay.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-traversal-private.h"

#include <string.h>

#define MAX_ATTEMPTS 32
#define MAX_ASKED 8 /* links asked for an introduction */
#define NOT_FOUND "no connected peer knows that peer, and no lookup found it"
#define UNREACHABLE "the peer's anchors cannot be reached"
/* How long a connect to a peer linked over IPv4 waits for IPv6 (RFC 8305's
 * spirit: long enough for a punch through two firewalls with one resend,
 * short enough that a broken IPv6 costs little). */
#define IPV6_WAIT_US (1 * G_TIME_SPAN_SECOND)
/* How long an introducer holds a CONNECT for a side's INFO. INFO goes out
 * just before a new link's first CONNECT, but datagrams sent together may
 * arrive in either order; one that was lost is not waited for long. */
#define HOLD_US (500 * G_TIME_SPAN_MILLISECOND)
#define MAX_HELD 16
/* After our INFO changed, it goes to every link once more this much later
 * (srp_connect_nat_changed). */
#define INFO_REPEAT_US (1 * G_TIME_SPAN_SECOND)

static void
attempt_free (gpointer data)
{
  ConnectAttempt *a = data;

  if (a->lookup != 0)
    srp_dht_cancel (a->traversal->dht, a->lookup);
  srp_timer_stop (a->traversal->ctx->timers, &a->deadline);
  srp_timer_stop (a->traversal->ctx->timers, &a->relay);
  g_free (a);
}

static void on_hold (SrpTimer *timer, gpointer owner);
static void on_info_repeat (SrpTimer *timer, gpointer owner);

void
srp_connect_init (SrpTraversal *traversal)
{
  traversal->connects = g_ptr_array_new_with_free_func (attempt_free);
  traversal->outcomes = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  traversal->held = g_array_new (FALSE, FALSE, sizeof (HeldConnect));
  srp_timer_init (&traversal->hold, SRP_TIMER_CONNECT_HOLD, on_hold, traversal);
  srp_timer_init (&traversal->info_repeat, SRP_TIMER_INFO_REPEAT, on_info_repeat, traversal);
}

void
srp_connect_clear (SrpTraversal *traversal)
{
  g_ptr_array_set_size (traversal->connects, 0);
  g_array_set_size (traversal->held, 0);
  srp_timer_stop (traversal->ctx->timers, &traversal->hold);
  srp_timer_stop (traversal->ctx->timers, &traversal->info_repeat);
}

void
srp_connect_free (SrpTraversal *traversal)
{
  srp_timer_stop (traversal->ctx->timers, &traversal->hold);
  srp_timer_stop (traversal->ctx->timers, &traversal->info_repeat);
  g_ptr_array_unref (traversal->connects);
  g_hash_table_unref (traversal->outcomes);
  g_array_unref (traversal->held);
}

static void release_held (SrpTraversal *traversal);

/* ---- INFO --------------------------------------------------------------------------- */

/* Whether a local address could be reached from elsewhere on the internet
 * (no NAT in front of it, as IPv6 mostly is): not loopback, link-local or
 * private. */
static gboolean
is_global (const SrpAddress *address)
{
  const guint8 *b = address->bytes;
  static const guint8 loopback6[16] = { [15] = 1 };

  if (srp_address_is_private (address) || srp_address_is_unspecified (address))
    return FALSE;
  if (address->family == SRP_ADDRESS_FAMILY_IPV4)
    return b[0] != 127 && b[0] < 224;
  return address->family == SRP_ADDRESS_FAMILY_IPV6 && memcmp (b, loopback6, 16) != 0 &&
         b[0] != 0xff;
}

gboolean
srp_connect_has_family (SrpTraversal *traversal, guint8 family)
{
  NatState *nat = srp_nat_of (traversal, family);

  if (nat->type != SRP_NAT_UNKNOWN)
    return TRUE;
  for (guint i = 0; i < traversal->local_addresses->len; i++)
    {
      const SrpAddress *local = &g_array_index (traversal->local_addresses, SrpAddress, i);

      /* IPv4 behind a NAT has only private addresses, and works. */
      if (local->family == family &&
          (is_global (local) || (family == SRP_ADDRESS_FAMILY_IPV4 && local->bytes[0] != 127 &&
                                 !srp_address_is_unspecified (local))))
        return TRUE;
    }
  return FALSE;
}

/* Where peers may reach us in the family other than link's: the public
 * address its classification found, else our global addresses there on
 * our port (an IPv6 host has its public address on its interface). */
static void
other_family (SrpTraversal *traversal, const SrpLink *link, SrpOtherFamily *out)
{
  guint8 family = link->address.family == SRP_ADDRESS_FAMILY_IPV6 ? SRP_ADDRESS_FAMILY_IPV4
                                                                   : SRP_ADDRESS_FAMILY_IPV6;
  NatState *nat = srp_nat_of (traversal, family);

  memset (out, 0, sizeof *out);
  out->nat = (guint8) nat->type;
  if (nat->type != SRP_NAT_UNKNOWN && srp_address_is_valid (&nat->public_address) &&
      nat->public_address.port != 0)
    {
      out->addresses[out->n_addresses++] = nat->public_address;
      return;
    }
  for (guint i = 0; i < traversal->local_addresses->len && out->n_addresses < SRP_OTHERS_MAX &&
                    traversal->local_port != 0;
       i++)
    {
      const SrpAddress *local = &g_array_index (traversal->local_addresses, SrpAddress, i);

      if (local->family == family && is_global (local))
        {
          out->addresses[out->n_addresses] = *local;
          out->addresses[out->n_addresses++].port = traversal->local_port;
        }
    }
}

void
srp_connect_send_info (SrpTraversal *traversal, const SrpLink *link)
{
  /* The NAT type of the family this link runs over: the one its peer needs
   * to punch to us at the address it sees. */
  SrpInfo info = { .nat = srp_nat_type_for (traversal, &link->address) };
  guint8 frame[SRP_MAX_DATAGRAM];

  for (guint i = 0; i < traversal->local_addresses->len && info.n_locals < SRP_LOCALS_MAX; i++)
    {
      SrpAddress *local = &info.locals[info.n_locals];

      *local = g_array_index (traversal->local_addresses, SrpAddress, i);
      local->port = traversal->local_port;
      if (local->port != 0)
        info.n_locals++;
    }
  info.has_mapped = traversal->has_mapped;
  info.mapped = traversal->mapped;
  other_family (traversal, link, &info.other);
  srp_context_send_link (traversal->ctx, link, frame, srp_info_encode (&info, frame));
}

static void
send_info_to_all (SrpTraversal *traversal)
{
  GPtrArray *links = srp_link_table_list (traversal->ctx->links);

  for (guint i = 0; i < links->len; i++)
    srp_connect_send_info (traversal, g_ptr_array_index (links, i));
}

/* INFO carries no sequence number, and a receiver keeps the last one that
 * came. Two sent close together (a link's first, with NAT unknown, then
 * the classification's a few ms later) can swap places on the way, and the
 * peer would keep "unknown" for good: as an introducer it then told
 * others to punch us as a cone, not a birthday (srp-simulate --find-log:
 * finds relayed after 3 s). So once it changed, INFO goes to every link
 * again INFO_REPEAT_US later, past any reordering: at most one more per
 * link and change. */
void
srp_connect_nat_changed (SrpTraversal *traversal)
{
  send_info_to_all (traversal);
  srp_timer_set (traversal->ctx->timers, &traversal->info_repeat,
                 traversal->ctx->now + INFO_REPEAT_US);
}

static void
on_info_repeat (SrpTimer *timer, gpointer owner)
{
  (void) timer;
  send_info_to_all (owner);
}

SrpDropReason
srp_connect_handle_info (gpointer self, const SrpInput *input, gpointer frame)
{
  SrpTraversal *traversal = self;
  const SrpInfo *info = frame;
  TraversalLink *tl = traversal_link (traversal, input->link);

  tl->info = *info;
  tl->has_info = TRUE;
  if (input->link->nat != info->nat)
    {
      input->link->nat = info->nat;
      srp_context_emit_link (traversal->ctx, SRP_CORE_EVENT_PEER_CHANGED, input->link);
    }
  release_held (traversal);
  return SRP_DROP_NONE;
}

/* ---- attempts ----------------------------------------------------------------------- */

static ConnectOutcomes *
outcomes_for (SrpTraversal *traversal, guint8 ours, guint8 theirs)
{
  gpointer key = GUINT_TO_POINTER ((guint) ours << 8 | theirs);
  ConnectOutcomes *o = g_hash_table_lookup (traversal->outcomes, key);

  if (o == NULL)
    {
      o = g_new0 (ConnectOutcomes, 1);
      g_hash_table_insert (traversal->outcomes, key, o);
    }
  return o;
}

/* Ends an attempt: CONNECT_RESULT, counted per pair of NAT types. */
static void
finish_attempt (SrpTraversal *traversal, ConnectAttempt *a, const SrpLink *link,
                const char *reason, gboolean counted)
{
  SrpContext *ctx = traversal->ctx;

  /* Asked again for IPv6, or waiting for it: whatever became of that, the
   * link we have is the answer (an upgrade's was counted when it came). */
  if (a->upgrading || a->awaiting_ipv6)
    {
      link = srp_link_table_lookup (ctx->links, &a->target);
      reason = link != NULL ? NULL : reason;
      counted = counted && !a->upgrading;
    }
  if (a->internal)
    {
      g_ptr_array_remove (traversal->connects, a);
      return;
    }
  {
    SrpCoreEvent *event = srp_context_event (ctx, SRP_CORE_EVENT_CONNECT_RESULT);

    event->connect.request = a->request;
    event->connect.id = a->target;
    event->connect.ok = link != NULL;
    event->connect.path = link != NULL ? (guint8) srp_link_path (link) : 0;
    event->connect.elapsed_us = ctx->now - a->started;
    event->connect.reason = reason;
  }
  if (counted)
    {
      guint8 theirs = link != NULL && link->nat != SRP_NAT_UNKNOWN ? link->nat : a->their_nat;
      guint8 ours = link != NULL ? srp_nat_type_for (traversal, &link->address)
                                 : (guint8) srp_nat_primary (traversal)->type;
      ConnectOutcomes *o = outcomes_for (traversal, a->introduced ? a->our_nat : ours, theirs);

      o->attempts++;
      if (link == NULL)
        o->failed++;
      else if (srp_link_path (link) == SRP_LINK_PATH_DIRECT)
        o->direct++;
      else
        o->relayed++;
    }
  /* Anchors we connected to only to be introduced take places kept for
   * that: they are given back, unless we need them (we are short of
   * links, or the new link runs through a relay). */
  for (guint i = 0; i < a->n_transient; i++)
    {
      SrpLink *anchor = srp_link_table_lookup (ctx->links, &a->transient[i]);

      if (anchor != NULL && (link == NULL || !srp_address_is_relay (&link->address)) &&
          srp_link_table_size (ctx->links) > ctx->config->target_connections)
        srp_mesh_goodbye (traversal->mesh, anchor);
    }
  g_ptr_array_remove (traversal->connects, a);
}

static void
on_deadline (SrpTimer *timer, gpointer owner)
{
  ConnectAttempt *a = G_STRUCT_MEMBER_P (timer, -G_STRUCT_OFFSET (ConnectAttempt, deadline));

  finish_attempt (owner, a, NULL, "no path to the peer in time", TRUE);
}

static void
on_relay (SrpTimer *timer, gpointer owner)
{
  SrpTraversal *traversal = owner;
  ConnectAttempt *a = G_STRUCT_MEMBER_P (timer, -G_STRUCT_OFFSET (ConnectAttempt, relay));
  SrpLink *relay = srp_link_table_lookup (traversal->ctx->links, &a->introducer);
  SrpAddress via;

  a->relaying = TRUE;
  if (relay != NULL)
    {
      srp_relay_address (&a->introducer, &a->target, &via);
      srp_mesh_start_handshake (traversal->mesh, &via, &a->target);
    }
}

/* Whether anything may still bring the target: links asked, a lookup, a
 * handshake with it or with an anchor. */
static gboolean
attempt_pending (SrpTraversal *traversal, const ConnectAttempt *a)
{
  if (a->introduced || a->n_unknown < a->n_asked || a->lookup != 0 ||
      srp_mesh_is_handshaking (traversal->mesh, &a->target))
    return TRUE;
  for (guint i = 0; i < a->n_anchors; i++)
    if (srp_mesh_is_handshaking (traversal->mesh, &a->anchors[i]))
      return TRUE;
  return FALSE;
}

static void on_found (gpointer data, const SrpId *target, const SrpReachability *reach,
                      SrpCredit *credit);

void
srp_connect_send (SrpTraversal *traversal, const SrpLink *to, guint64 nonce, const SrpId *target)
{
  SrpConnect connect = { .nonce = nonce, .target = *target };
  guint8 frame[SRP_MAX_DATAGRAM];

  srp_context_send_link (traversal->ctx, to, frame, srp_connect_encode (&connect, frame));
}

/* A connect to a peer we have a direct link with over IPv4, while both of
 * us may have IPv6 (its INFO offered it, or has not come yet): happy
 * eyeballs for a link that came up without an introduction (peer
 * exchange, bootstrap records and our own links run over the family we
 * joined in) or while IPv6 was broken. The others are asked to introduce
 * us again; the introduction punches IPv6 alone on both sides
 * (srp-punch.c), and the IPv6 handshake moves the link. The attempt ends
 * with the link as it is then, moved or not, within IPV6_WAIT_US. FALSE
 * when there is nothing to try. */
static gboolean
ask_for_ipv6 (SrpTraversal *traversal, ConnectAttempt *a, const SrpLink *linked)
{
  SrpContext *ctx = traversal->ctx;
  GPtrArray *links = srp_link_table_list (ctx->links);
  TraversalLink *tl = traversal_link (traversal, linked);

  if (linked->address.family != SRP_ADDRESS_FAMILY_IPV4 ||
      !srp_connect_has_family (traversal, SRP_ADDRESS_FAMILY_IPV6) ||
      (tl->has_info && !srp_other_family_is_ipv6 (&tl->info.other)))
    return FALSE;
  for (guint i = 0; i < links->len && a->n_asked < MAX_ASKED; i++)
    {
      SrpLink *link = g_ptr_array_index (links, i);

      if (link != linked && !srp_address_is_relay (&link->address))
        {
          srp_connect_send (traversal, link, a->nonce, &a->target);
          a->n_asked++;
        }
    }
  if (a->n_asked == 0)
    return FALSE;
  a->upgrading = TRUE;
  srp_timer_set (ctx->timers, &a->deadline, ctx->now + IPV6_WAIT_US);
  return TRUE;
}

guint64
srp_traversal_connect (SrpTraversal *traversal, const SrpId *peer_id)
{
  SrpContext *ctx = traversal->ctx;
  GPtrArray *links = srp_link_table_list (ctx->links);
  SrpLink *linked = srp_link_table_lookup (ctx->links, peer_id);
  SrpKnownPeer *known = srp_peer_table_lookup (ctx->peers, peer_id);
  ConnectAttempt *a = g_new0 (ConnectAttempt, 1);
  guint64 request = srp_context_next_request (ctx);

  a->traversal = traversal;
  a->request = request;
  a->target = *peer_id;
  a->started = ctx->now;
  a->nonce = srp_rng_next (&ctx->rng);
  a->their_nat = known != NULL ? known->nat : SRP_NAT_UNKNOWN;
  srp_timer_init (&a->deadline, SRP_TIMER_CONNECT_DEADLINE, on_deadline, traversal);
  srp_timer_init (&a->relay, SRP_TIMER_CONNECT_RELAY, on_relay, traversal);
  srp_timer_set (ctx->timers, &a->deadline, ctx->now + ctx->config->connect_timeout_us);
  if (traversal->connects->len >= MAX_ATTEMPTS)
    finish_attempt (traversal, g_ptr_array_index (traversal->connects, 0), NULL,
                    "too many connection attempts at once", FALSE);
  g_ptr_array_add (traversal->connects, a);

  if (srp_id_equal (peer_id, &ctx->config->peer_id))
    {
      finish_attempt (traversal, a, NULL, "that is this peer's own ID", FALSE);
      return request;
    }
  if (linked != NULL)
    {
      if (!ask_for_ipv6 (traversal, a, linked))
        finish_attempt (traversal, a, linked, NULL, FALSE);
      return request;
    }
  for (guint i = 0; i < links->len && a->n_asked < MAX_ASKED; i++)
    {
      srp_connect_send (traversal, g_ptr_array_index (links, i), a->nonce, peer_id);
      a->n_asked++;
    }
  /* A peer heard of in peer exchange may take a handshake as it is
   * (public, full cone): try that as well. */
  if (known != NULL && srp_address_is_valid (&known->address))
    srp_mesh_start_handshake (traversal->mesh, &known->address, peer_id);
  /* In a large network no link knows most peers: look it up meanwhile. */
  a->lookup = srp_dht_find (traversal->dht, peer_id, on_found, a);
  return request;
}

#define RECONNECT_TIMEOUT_US (10 * G_TIME_SPAN_SECOND)

void
srp_connect_reconnect (SrpTraversal *traversal, const SrpId *peer_id)
{
  SrpContext *ctx = traversal->ctx;
  GPtrArray *links = srp_link_table_list (ctx->links);
  ConnectAttempt *a;

  for (guint i = 0; i < traversal->connects->len; i++)
    if (srp_id_equal (&((ConnectAttempt *) g_ptr_array_index (traversal->connects, i))->target,
                      peer_id))
      return;
  if (traversal->connects->len >= MAX_ATTEMPTS)
    return;
  a = g_new0 (ConnectAttempt, 1);
  a->traversal = traversal;
  a->internal = TRUE;
  a->request = srp_context_next_request (ctx);
  a->target = *peer_id;
  a->started = ctx->now;
  a->nonce = srp_rng_next (&ctx->rng);
  srp_timer_init (&a->deadline, SRP_TIMER_CONNECT_DEADLINE, on_deadline, traversal);
  srp_timer_init (&a->relay, SRP_TIMER_CONNECT_RELAY, on_relay, traversal);
  srp_timer_set (ctx->timers, &a->deadline, ctx->now + RECONNECT_TIMEOUT_US);
  g_ptr_array_add (traversal->connects, a);
  for (guint i = 0; i < links->len && a->n_asked < MAX_ASKED; i++)
    {
      SrpLink *link = g_ptr_array_index (links, i);

      if (!srp_id_equal (&link->id, peer_id) && !srp_address_is_relay (&link->address))
        {
          srp_connect_send (traversal, link, a->nonce, peer_id);
          a->n_asked++;
        }
    }
}

/* The lookup ended: shake hands with the target, or with its anchors and
 * ask them (CONNECT) once connected. */
static void
on_found (gpointer data, const SrpId *target, const SrpReachability *reach, SrpCredit *credit)
{
  ConnectAttempt *a = data;
  SrpTraversal *traversal = a->traversal;
  SrpContext *ctx = traversal->ctx;

  a->lookup = 0;
  a->found = reach != NULL;
  if (reach != NULL && reach->has_address && a->their_nat == SRP_NAT_UNKNOWN)
    a->their_nat = reach->nat;
  /* An open peer that everybody links to keeps places for peers that were
   * sent to it by a lookup. */
  /* The HELLOs go on the credit of the answer that named these addresses
   * (srp-dht.h). Without one, a record we hold of an anchor, named by a
   * PEERS or BUSY long ago and its credit spent, would pay instead, and
   * refuse: the registration found, the find ended "not found"
   * (srp-simulate --find-log, 2,000 peers: 8 finds in 1,000). */
  if (reach != NULL && reach->has_address)
    srp_mesh_start_paid_handshake (traversal->mesh, &reach->address, target,
                                   SRP_HELLO_FLAG_INTRODUCTION, credit);
  for (guint i = 0; reach != NULL && i < reach->n_anchors; i++)
    {
      const SrpDhtContact *anchor = &reach->anchors[i];
      SrpLink *link = srp_link_table_lookup (ctx->links, &anchor->id);

      if (srp_id_equal (&anchor->id, &ctx->config->peer_id))
        continue;
      if (link != NULL && !srp_address_is_relay (&link->address))
        {
          srp_connect_send (traversal, link, a->nonce, target);
          a->n_asked++;
        }
      else if (a->n_anchors < SRP_REGISTER_MAX_ANCHORS)
        {
          a->anchors[a->n_anchors++] = anchor->id;
          srp_mesh_start_paid_handshake (traversal->mesh, &anchor->address, &anchor->id,
                                         SRP_HELLO_FLAG_INTRODUCTION, credit);
        }
    }
  if (!attempt_pending (traversal, a))
    finish_attempt (traversal, a, NULL, a->found ? UNREACHABLE : NOT_FOUND, TRUE);
}

void
srp_traversal_cancel (SrpTraversal *traversal, guint64 request)
{
  for (guint i = 0; i < traversal->connects->len; i++)
    if (((ConnectAttempt *) g_ptr_array_index (traversal->connects, i))->request == request)
      {
        g_ptr_array_remove_index (traversal->connects, i);
        return;
      }
}

ConnectAttempt *
srp_connect_find (SrpTraversal *traversal, guint64 nonce, const SrpId *target)
{
  for (guint i = 0; i < traversal->connects->len; i++)
    {
      ConnectAttempt *a = g_ptr_array_index (traversal->connects, i);
      if (a->nonce == nonce && srp_id_equal (&a->target, target))
        return a;
    }
  return NULL;
}

void
srp_connect_introduced (SrpTraversal *traversal, ConnectAttempt *attempt,
                        const SrpLink *introducer, guint8 their_nat, gint64 relay_at)
{
  if (!attempt->introduced)
    {
      attempt->introduced = TRUE;
      attempt->introducer = introducer->id;
      attempt->our_nat = srp_nat_type_for (traversal, &introducer->address);
      attempt->their_nat = their_nat;
    }
  /* A link we have needs no relay. */
  if (relay_at >= 0 && !attempt->relaying && !attempt->upgrading)
    srp_timer_set (traversal->ctx->timers, &attempt->relay, relay_at);
}

void
srp_connect_unknown (SrpTraversal *traversal, ConnectAttempt *attempt)
{
  attempt->n_unknown++;
  /* The last link said it does not know the peer; a lookup that found it
   * earlier is the better reason (its anchors and address did not answer). */
  if (!attempt_pending (traversal, attempt))
    finish_attempt (traversal, attempt, NULL, attempt->found ? UNREACHABLE : NOT_FOUND, TRUE);
}

gboolean
srp_connect_is_introduced (SrpTraversal *traversal, const SrpId *id)
{
  for (guint i = 0; i < traversal->connects->len; i++)
    if (srp_id_equal (&((ConnectAttempt *) g_ptr_array_index (traversal->connects, i))->target, id))
      return TRUE;
  return srp_punch_exists (traversal, id);
}

gboolean
srp_connect_expects (gpointer self, const SrpId *id)
{
  return srp_connect_is_introduced (self, id);
}

void
srp_connect_link_up (SrpTraversal *traversal, SrpLink *link)
{
  for (guint i = 0; i < traversal->connects->len;)
    {
      ConnectAttempt *a = g_ptr_array_index (traversal->connects, i);

      if (srp_id_equal (&a->target, &link->id))
        {
          gint64 until;

          /* Linked over IPv4 while IPv6 still had its head start: the
           * punch tries IPv6 on (srp-punch.c), and the attempt answers
           * when the link moves there, or when the head start is over. */
          if (!a->upgrading && !a->awaiting_ipv6 &&
              srp_punch_ipv6_ahead (traversal, link, &until))
            {
              a->awaiting_ipv6 = TRUE;
              srp_timer_set (traversal->ctx->timers, &a->deadline, until);
              i++;
              continue;
            }
          finish_attempt (traversal, a, link, NULL, TRUE);
          continue;
        }
      /* An anchor the lookup named is connected now: it can introduce us. */
      for (guint k = 0; k < a->n_anchors; k++)
        if (srp_id_equal (&a->anchors[k], &link->id) && !srp_address_is_relay (&link->address))
          {
            a->anchors[k] = a->anchors[--a->n_anchors];
            if (a->n_transient < SRP_REGISTER_MAX_ANCHORS)
              a->transient[a->n_transient++] = link->id;
            srp_connect_send (traversal, link, a->nonce, &a->target);
            a->n_asked++;
            break;
          }
      i++;
    }
}

/* ---- the introducer's side ------------------------------------------------------------- */

static void
send_introduce (SrpTraversal *traversal, const SrpLink *to, guint64 nonce, const SrpLink *about,
                gint64 max_rtt)
{
  TraversalLink *tl = traversal_link (traversal, about);
  SrpIntroduce intro = {
    .nonce = nonce,
    .status = SRP_INTRODUCE_OK,
    .peer = about->id,
    .nat = about->nat,
    .address = about->address,
  };
  gint64 rtt = MAX (to->rtt.smoothed_us, 0);
  guint8 frame[SRP_MAX_DATAGRAM];

  /* Both get their INTRODUCE half their RTT from now: the nearer waits for
   * the farther, so that both start together. */
  intro.delay_ms = (guint16) MIN ((max_rtt - rtt) / 2 / 1000, G_MAXUINT16);
  /* Local addresses only help two peers behind the same public address. */
  if (tl->has_info && srp_address_same_ip (&to->address, &about->address))
    {
      intro.n_locals = tl->info.n_locals;
      memcpy (intro.locals, tl->info.locals, sizeof intro.locals);
    }
  /* A port mapping helps anyone: it takes datagrams from everywhere. */
  if (tl->has_info && tl->info.has_mapped)
    {
      intro.has_mapped = TRUE;
      intro.mapped = tl->info.mapped;
    }
  /* Its other family: the receiver may try both (IPv6 first). Only what
   * differs from the family the address we give is of. */
  if (tl->has_info && tl->info.other.n_addresses > 0 &&
      tl->info.other.addresses[0].family != about->address.family)
    intro.other = tl->info.other;
  else if (tl->has_info)
    intro.other.nat = tl->info.other.nat;
  srp_context_send_link (traversal->ctx, to, frame, srp_introduce_encode (&intro, frame));
}

static void
send_unknown (SrpTraversal *traversal, const SrpAddress *to, guint64 nonce, const SrpId *target)
{
  SrpIntroduce unknown = { .nonce = nonce, .status = SRP_INTRODUCE_UNKNOWN, .peer = *target };
  guint8 out[SRP_MAX_DATAGRAM];

  srp_context_send (traversal->ctx, to, out, srp_introduce_encode (&unknown, out));
}

/* Whether we can introduce these two: both connected directly (peers
 * reached through a relay have no address to give). */
static gboolean
can_introduce (const SrpLink *asker, const SrpLink *target)
{
  return target != NULL && target != asker && !srp_address_is_relay (&target->address) &&
         !srp_address_is_relay (&asker->address);
}

static void
introduce (SrpTraversal *traversal, const SrpLink *asker, const SrpLink *target, guint64 nonce)
{
  gint64 max_rtt = MAX (MAX (asker->rtt.smoothed_us, target->rtt.smoothed_us), 0);

  send_introduce (traversal, target, nonce, asker, max_rtt);
  send_introduce (traversal, asker, nonce, target, max_rtt);
}

static gboolean
has_info (SrpTraversal *traversal, const SrpLink *link)
{
  return traversal_link (traversal, link)->has_info;
}

/* Introduces the held CONNECTs whose sides both told us their INFO now, or
 * whose time is up; forgets those whose asker went; re-arms the timer. */
static void
release_held (SrpTraversal *traversal)
{
  SrpContext *ctx = traversal->ctx;

  for (guint i = 0; i < traversal->held->len;)
    {
      HeldConnect *h = &g_array_index (traversal->held, HeldConnect, i);
      SrpLink *asker = srp_link_table_lookup (ctx->links, &h->asker);
      SrpLink *target = srp_link_table_lookup (ctx->links, &h->target);

      if (asker != NULL && !can_introduce (asker, target))
        send_unknown (traversal, &asker->address, h->nonce, &h->target);
      else if (asker != NULL && h->until > ctx->now && !(has_info (traversal, asker) &&
                                                         has_info (traversal, target)))
        {
          i++;
          continue;
        }
      else if (asker != NULL)
        introduce (traversal, asker, target, h->nonce);
      g_array_remove_index (traversal->held, i);
    }
  if (traversal->held->len > 0)
    srp_timer_set (ctx->timers, &traversal->hold,
                   g_array_index (traversal->held, HeldConnect, 0).until);
  else
    srp_timer_stop (ctx->timers, &traversal->hold);
}

static void
on_hold (SrpTimer *timer, gpointer owner)
{
  release_held (owner);
}

SrpDropReason
srp_connect_handle_connect (gpointer self, const SrpInput *input, gpointer frame)
{
  SrpTraversal *traversal = self;
  SrpContext *ctx = traversal->ctx;
  const SrpConnect *connect = frame;
  SrpLink *asker = input->link;
  SrpLink *target;

  if (!srp_context_take (ctx, asker, SRP_LINK_BUCKET_REQUESTS, 1.0))
    return SRP_DROP_NONE;
  target = srp_link_table_lookup (ctx->links, &connect->target);
  if (!can_introduce (asker, target))
    {
      send_unknown (traversal, input->from, connect->nonce, &connect->target);
      return SRP_DROP_NONE;
    }
  /* A side whose INFO has not come yet (a link that just came up: its
   * CONNECT overtook its INFO) would be introduced with NAT type unknown,
   * and the other side would not punch a birthday for it. */
  if ((!has_info (traversal, asker) || !has_info (traversal, target)) &&
      traversal->held->len < MAX_HELD)
    {
      HeldConnect h = { .asker = asker->id, .target = target->id, .nonce = connect->nonce,
                        .until = ctx->now + HOLD_US };

      g_array_append_val (traversal->held, h);
      if (!srp_timer_is_armed (&traversal->hold))
        srp_timer_set (ctx->timers, &traversal->hold, h.until);
      return SRP_DROP_NONE;
    }
  introduce (traversal, asker, target, connect->nonce);
  return SRP_DROP_NONE;
}

/* ---- stats ------------------------------------------------------------------------------ */

static int
compare_keys (gconstpointer a, gconstpointer b)
{
  guint x = GPOINTER_TO_UINT (*(gconstpointer *) a), y = GPOINTER_TO_UINT (*(gconstpointer *) b);
  return x < y ? -1 : x > y;
}

void
srp_connect_stats (SrpTraversal *traversal, GVariantDict *dict)
{
  g_autoptr (GPtrArray) keys = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;
  GVariantBuilder b;

  g_hash_table_iter_init (&iter, traversal->outcomes);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (keys, key);
  /* In a stable order, so that two snapshots compare line by line. */
  g_ptr_array_sort (keys, compare_keys);
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{sa{st}}"));
  for (guint i = 0; i < keys->len; i++)
    {
      guint pair_key = GPOINTER_TO_UINT (keys->pdata[i]);
      const ConnectOutcomes *o = g_hash_table_lookup (traversal->outcomes, keys->pdata[i]);
      g_autofree char *pair = g_strdup_printf ("%s/%s", srp_nat_name (pair_key >> 8),
                                               srp_nat_name (pair_key & 0xff));
      GVariantBuilder counts;

      g_variant_builder_init (&counts, G_VARIANT_TYPE ("a{st}"));
      g_variant_builder_add (&counts, "{st}", "attempts", o->attempts);
      g_variant_builder_add (&counts, "{st}", "direct", o->direct);
      g_variant_builder_add (&counts, "{st}", "relayed", o->relayed);
      g_variant_builder_add (&counts, "{st}", "failed", o->failed);
      g_variant_builder_add (&b, "{sa{st}}", pair, &counts);
    }
  g_variant_dict_insert_value (dict, "connects", g_variant_builder_end (&b));
}
