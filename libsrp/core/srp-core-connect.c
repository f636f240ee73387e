/* srp-core-connect.c: connecting to a given peer (docs/protocol.md,
 * "Connecting to a peer").
 *
 * - Every peer tells its connected peers its NAT type and local addresses
 *   (INFO), so that they can introduce it.
 * - srp_core_connect asks the connected peers (CONNECT); one that is
 *   connected to the target introduces the two (INTRODUCE to both, with
 *   start delays from its RTTs so that both begin together, as DCUtR does);
 *   one that is not says so, and when nobody is, the attempt fails at once.
 * - Each side then punches according to both NAT types:
 *   - endpoint-independent mappings on both sides (or one side public or
 *     full cone): a PUNCH with a low TTL first, which opens our own NAT(s)
 *     but dies before the far NAT (where, arriving first, it would make
 *     Linux conntrack give the far side's own mapping another port); then,
 *     at the common start, the handshake at full TTL;
 *   - symmetric against endpoint-independent (birthday punching): the
 *     symmetric side opens punch_sockets sockets, each sending a low-TTL
 *     PUNCH towards the other side to open a mapping; the other side sends
 *     paced PUNCH probes to random ports of the symmetric side's IP, at most
 *     punch_probes. The first probe through marks the socket to keep (a
 *     route); the others close, and the handshake runs over the kept one;
 *   - symmetric both, or no direct path after a while: the initiator shakes
 *     hands through the introducer, as a relay (srp-core-relay.c). Relayed
 *     peers ask for a new introduction now and then, to become direct.
 * - Two peers behind one public address also try each other's local
 *   addresses.
 * - Nothing here sends to an address that no connected, authenticated peer
 *   introduced; introductions are rate-limited per introducer, and at most
 *   MAX_PUNCHES run at once, one of them with punch sockets.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-core-private.h"

#include <string.h>

#define MAX_ATTEMPTS 32
#define MAX_PUNCHES 8
#define MAX_ASKED 8                      /* connected peers asked for an introduction */
#define PUNCH_LIFETIME_US (30 * G_TIME_SPAN_SECOND)
#define RELAY_AFTER_US (3 * G_TIME_SPAN_SECOND)         /* cone pairs */
#define RELAY_AFTER_BIRTHDAY_US (15 * G_TIME_SPAN_SECOND)
#define PROBE_INTERVAL_US (10 * G_TIME_SPAN_MILLISECOND)
#define PROBES_PER_INTERVAL 8            /* 2,048 probes take 2.6 s */
#define SOCKET_ROUND_US (10 * G_TIME_SPAN_SECOND) /* keeps the symmetric side's mappings */
#define UPGRADE_US (60 * G_TIME_SPAN_SECOND)
#define FIRST_SOCKET 2

void
srp_core_connect_init (SrpCore *core)
{
  core->connects = g_ptr_array_new_with_free_func (g_free);
  core->punches = g_ptr_array_new_with_free_func (g_free);
  core->routes = g_hash_table_new_full (srp_address_hash_func, srp_address_equal_func, g_free,
                                        NULL);
  core->next_upgrade = -1;
}

void
srp_core_connect_clear (SrpCore *core)
{
  g_ptr_array_unref (core->connects);
  g_ptr_array_unref (core->punches);
  g_hash_table_unref (core->routes);
}

void
srp_core_set_local_port (SrpCore *core, guint16 port)
{
  core->local_port = port;
}

/* ---- sockets and routes ----------------------------------------------------- */

gboolean
srp_core_socket_is_open (SrpCore *core, guint socket)
{
  return socket >= FIRST_SOCKET && socket < SRP_SOCKETS_MAX && core->socket_open[socket];
}

guint
srp_core_route (SrpCore *core, const SrpAddress *to)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (core->routes, to));
}

static void
open_socket (SrpCore *core, guint socket)
{
  core->socket_open[socket] = TRUE;
  srp_core_queue_event (core, SRP_CORE_EVENT_SOCKET_OPEN)->socket.socket = socket;
}

static void
close_socket (SrpCore *core, guint socket)
{
  if (!srp_core_socket_is_open (core, socket))
    return;
  core->socket_open[socket] = FALSE;
  srp_core_queue_event (core, SRP_CORE_EVENT_SOCKET_CLOSE)->socket.socket = socket;
}

static gboolean
socket_routed (SrpCore *core, guint socket)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, core->routes);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (GPOINTER_TO_UINT (value) == socket)
      return TRUE;
  return FALSE;
}

/* Closes a punch's sockets but the one a route keeps. */
static void
close_punch_sockets (SrpCore *core, Punch *punch)
{
  for (guint s = punch->first_socket; s < punch->first_socket + punch->n_sockets; s++)
    if (!socket_routed (core, s))
      close_socket (core, s);
  punch->n_sockets = 0;
}

/* ---- INFO -------------------------------------------------------------------- */

void
srp_core_connect_send_info (SrpCore *core, const SrpAddress *to)
{
  SrpInfo info = { .nat = (guint8) core->nat.type };
  guint8 frame[SRP_MAX_DATAGRAM];

  for (guint i = 0; i < core->local_addresses->len && info.n_locals < SRP_LOCALS_MAX; i++)
    {
      SrpAddress *local = &info.locals[info.n_locals];

      *local = g_array_index (core->local_addresses, SrpAddress, i);
      local->port = core->local_port;
      if (local->port != 0)
        info.n_locals++;
    }
  srp_core_queue_transmit (core, 0, to, frame, srp_info_encode (&info, frame));
}

void
srp_core_connect_nat_changed (SrpCore *core)
{
  GPtrArray *entries = srp_peer_table_entries (core->peers);

  for (guint i = 0; i < entries->len; i++)
    {
      SrpPeerEntry *peer = g_ptr_array_index (entries, i);
      if (peer->state == SRP_PEER_CONNECTED)
        srp_core_connect_send_info (core, &peer->address);
    }
}

void
srp_core_handle_info (SrpCore *core, const SrpAddress *from, const guint8 *data, gsize len)
{
  SrpPeerEntry *peer = srp_core_authenticated (core, from);
  RemotePeer *remote = peer != NULL ? srp_core_remote (core, &peer->id) : NULL;
  SrpInfo info;
  SrpDropReason reason = srp_info_decode (data, len, &info);

  if (reason == SRP_DROP_NONE && remote == NULL)
    reason = SRP_DROP_UNAUTHENTICATED;
  if (reason != SRP_DROP_NONE)
    {
      srp_core_drop (core, reason);
      return;
    }
  remote->info = info;
  remote->has_info = TRUE;
  if (peer->nat != info.nat)
    {
      peer->nat = info.nat;
      srp_core_emit_peer (core, SRP_CORE_EVENT_PEER_CHANGED, peer);
    }
}

/* ---- attempts ---------------------------------------------------------------- */

static void
finish_attempt (SrpCore *core, guint index, const SrpPeerEntry *peer, const char *reason)
{
  ConnectAttempt *a = g_ptr_array_index (core->connects, index);
  SrpCoreEvent *event = srp_core_queue_event (core, SRP_CORE_EVENT_CONNECT_RESULT);

  event->connect.request = a->request;
  event->connect.id = a->target;
  event->connect.ok = peer != NULL;
  event->connect.path = peer != NULL ? srp_core_peer_path (peer) : 0;
  event->connect.elapsed_us = core->now - a->started;
  event->connect.reason = reason;
  g_ptr_array_remove_index (core->connects, index);
}

static void
send_connect (SrpCore *core, const SrpAddress *to, guint64 nonce, const SrpId *target)
{
  SrpConnect connect = { .nonce = nonce, .target = *target };
  guint8 frame[SRP_MAX_DATAGRAM];

  srp_core_queue_transmit (core, 0, to, frame, srp_connect_encode (&connect, frame));
}

guint64
srp_core_connect (SrpCore *core, gint64 now_us, const SrpId *peer_id)
{
  GPtrArray *entries = srp_peer_table_entries (core->peers);
  SrpPeerEntry *known = srp_peer_table_lookup (core->peers, peer_id);
  ConnectAttempt *a;
  guint64 request;

  g_return_val_if_fail (peer_id != NULL, 0);
  core->now = now_us;
  a = g_new0 (ConnectAttempt, 1);
  a->request = request = ++core->next_connect;
  a->target = *peer_id;
  a->started = now_us;
  a->deadline = now_us + core->config.connect_timeout_us;
  a->relay_at = -1;
  a->nonce = srp_rng_next (&core->rng);
  if (core->connects->len >= MAX_ATTEMPTS)
    finish_attempt (core, 0, NULL, "too many connection attempts at once");
  g_ptr_array_add (core->connects, a);

  if (srp_id_equal (peer_id, &core->config.peer_id))
    {
      finish_attempt (core, core->connects->len - 1, NULL, "that is this peer's own ID");
      return request;
    }
  if (known != NULL && known->state == SRP_PEER_CONNECTED)
    {
      finish_attempt (core, core->connects->len - 1, known, NULL);
      return request;
    }
  for (guint i = 0; i < entries->len && a->n_asked < MAX_ASKED; i++)
    {
      SrpPeerEntry *peer = g_ptr_array_index (entries, i);

      if (peer->state != SRP_PEER_CONNECTED)
        continue;
      send_connect (core, &peer->address, a->nonce, peer_id);
      a->n_asked++;
    }
  /* A peer heard of in peer exchange may take a handshake as it is
   * (public, full cone): try that as well. */
  if (known != NULL && srp_address_is_valid (&known->address))
    srp_core_start_handshake (core, &known->address, peer_id);
  else if (a->n_asked == 0)
    finish_attempt (core, core->connects->len - 1, NULL,
                    "no connected peer to ask for an introduction");
  return request;
}

static ConnectAttempt *
find_attempt (SrpCore *core, guint64 nonce, const SrpId *target)
{
  for (guint i = 0; i < core->connects->len; i++)
    {
      ConnectAttempt *a = g_ptr_array_index (core->connects, i);
      if (a->nonce == nonce && srp_id_equal (&a->target, target))
        return a;
    }
  return NULL;
}

/* ---- the introducer's side ------------------------------------------------------ */

static void
send_introduce (SrpCore *core, const SrpPeerEntry *to, guint64 nonce, const SrpPeerEntry *about,
                gint64 max_rtt)
{
  RemotePeer *remote = srp_core_remote (core, &about->id);
  SrpIntroduce intro = {
    .nonce = nonce,
    .status = SRP_INTRODUCE_OK,
    .peer = about->id,
    .nat = about->nat,
    .address = about->address,
  };
  gint64 rtt = MAX (to->rtt_us, 0);
  guint8 frame[SRP_MAX_DATAGRAM];

  /* Both get their INTRODUCE half their RTT from now: the nearer waits for
   * the farther, so that both start together. */
  intro.delay_ms = (guint16) MIN ((max_rtt - rtt) / 2 / 1000, G_MAXUINT16);
  /* Local addresses only help two peers behind the same public address. */
  if (remote != NULL && remote->has_info && srp_address_same_ip (&to->address, &about->address))
    {
      intro.n_locals = remote->info.n_locals;
      memcpy (intro.locals, remote->info.locals, sizeof intro.locals);
    }
  srp_core_queue_transmit (core, 0, &to->address, frame, srp_introduce_encode (&intro, frame));
}

void
srp_core_handle_connect (SrpCore *core, const SrpAddress *from, const guint8 *data, gsize len)
{
  SrpPeerEntry *asker = srp_core_authenticated (core, from);
  SrpPeerEntry *target;
  SrpConnect connect;
  guint8 frame[SRP_MAX_DATAGRAM];
  SrpDropReason reason = srp_connect_decode (data, len, &connect);

  if (reason == SRP_DROP_NONE && asker == NULL)
    reason = SRP_DROP_UNAUTHENTICATED;
  if (reason != SRP_DROP_NONE)
    {
      srp_core_drop (core, reason);
      return;
    }
  if (!srp_core_peer_take_token (core, asker))
    return;
  target = srp_peer_table_lookup (core->peers, &connect.target);
  /* Peers reached through a relay have no address to give. */
  if (target == NULL || target->state != SRP_PEER_CONNECTED || target == asker ||
      srp_address_is_relay (&target->address) || srp_address_is_relay (&asker->address))
    {
      SrpIntroduce unknown = { .nonce = connect.nonce, .status = SRP_INTRODUCE_UNKNOWN,
                               .peer = connect.target };
      srp_core_queue_transmit (core, 0, from, frame, srp_introduce_encode (&unknown, frame));
      return;
    }
  send_introduce (core, target, connect.nonce, asker, MAX (MAX (asker->rtt_us, target->rtt_us), 0));
  send_introduce (core, asker, connect.nonce, target, MAX (MAX (asker->rtt_us, target->rtt_us), 0));
}

/* ---- punching ------------------------------------------------------------------- */

static PunchRole
choose_role (guint8 ours, guint8 theirs)
{
  if (ours == SRP_NAT_SYMMETRIC && theirs == SRP_NAT_SYMMETRIC)
    return PUNCH_NONE;
  /* Public, full-cone and address-restricted sides let a symmetric side's
   * new mapping in once they have sent to its IP: plain punching does. */
  if (ours == SRP_NAT_SYMMETRIC && theirs == SRP_NAT_PORT_RESTRICTED)
    return PUNCH_SOCKETS;
  if (theirs == SRP_NAT_SYMMETRIC && ours == SRP_NAT_PORT_RESTRICTED)
    return PUNCH_SPRAY;
  return PUNCH_BOTH;
}

static Punch *
find_punch (SrpCore *core, const SrpId *peer, guint *index)
{
  for (guint i = 0; i < core->punches->len; i++)
    {
      Punch *p = g_ptr_array_index (core->punches, i);
      if (srp_id_equal (&p->peer, peer))
        {
          if (index != NULL)
            *index = i;
          return p;
        }
    }
  return NULL;
}

static void
remove_punch (SrpCore *core, guint index)
{
  Punch *punch = g_ptr_array_index (core->punches, index);

  close_punch_sockets (core, punch);
  g_ptr_array_remove_index (core->punches, index);
}

static gboolean
same_public_address (SrpCore *core, const Punch *punch)
{
  return srp_address_is_valid (&core->nat.reflexive) &&
         srp_address_same_ip (&core->nat.reflexive, &punch->address);
}

static void
send_punch (SrpCore *core, guint socket, guint8 ttl, const SrpAddress *to, guint64 nonce)
{
  guint8 frame[SRP_MAX_DATAGRAM];
  srp_core_queue_transmit_ttl (core, socket, ttl, to, frame, srp_punch_encode (nonce, frame));
}

/* The low-TTL packets that open our own NAT(s) towards the other side. */
static void
open_own_nat (SrpCore *core, const Punch *punch)
{
  send_punch (core, 0, core->config.punch_ttl, &punch->address, punch->nonce);
  if (same_public_address (core, punch))
    for (guint i = 0; i < punch->n_locals; i++)
      send_punch (core, 0, 0, &punch->locals[i], punch->nonce);
}

static gboolean
sockets_busy (SrpCore *core)
{
  for (guint i = 0; i < core->punches->len; i++)
    if (((Punch *) g_ptr_array_index (core->punches, i))->n_sockets > 0)
      return TRUE;
  return FALSE;
}

/* The lowest run of n closed punch sockets, or 0. */
static guint
free_sockets (SrpCore *core, guint n)
{
  guint run = 0;

  for (guint s = FIRST_SOCKET; s < SRP_SOCKETS_MAX; s++)
    {
      run = core->socket_open[s] ? 0 : run + 1;
      if (run == n)
        return s + 1 - n;
    }
  return 0;
}

void
srp_core_handle_introduce (SrpCore *core, const SrpAddress *from, const guint8 *data, gsize len)
{
  SrpPeerEntry *introducer = srp_core_authenticated (core, from);
  SrpPeerEntry *existing;
  ConnectAttempt *attempt;
  SrpIntroduce intro;
  Punch *punch;
  SrpDropReason reason = srp_introduce_decode (data, len, &intro);

  if (reason == SRP_DROP_NONE && introducer == NULL)
    reason = SRP_DROP_UNAUTHENTICATED;
  if (reason == SRP_DROP_NONE && srp_id_equal (&intro.peer, &core->config.peer_id))
    reason = SRP_DROP_UNEXPECTED;
  if (reason != SRP_DROP_NONE)
    {
      srp_core_drop (core, reason);
      return;
    }
  attempt = find_attempt (core, intro.nonce, &intro.peer);
  if (intro.status == SRP_INTRODUCE_UNKNOWN)
    {
      if (attempt != NULL && !attempt->introduced && ++attempt->n_unknown >= attempt->n_asked &&
          srp_core_find_outgoing_for (core, &attempt->target) == NULL)
        {
          guint index;
          g_ptr_array_find (core->connects, attempt, &index);
          finish_attempt (core, index, NULL, "no connected peer knows that peer");
        }
      return;
    }
  if (!srp_core_peer_take_token (core, introducer))
    return;
  existing = srp_peer_table_lookup (core->peers, &intro.peer);
  if (existing != NULL && existing->state == SRP_PEER_CONNECTED &&
      !srp_address_is_relay (&existing->address))
    return;
  if (attempt != NULL && !attempt->introduced)
    {
      attempt->introduced = TRUE;
      attempt->introducer = introducer->id;
    }
  punch = find_punch (core, &intro.peer, NULL);
  if (punch != NULL || core->punches->len >= MAX_PUNCHES)
    {
      /* Another introducer of the same attempt, or too much at once. */
      if (punch == NULL)
        srp_core_drop (core, SRP_DROP_RATE_LIMITED);
      return;
    }
  punch = g_new0 (Punch, 1);
  punch->peer = intro.peer;
  punch->introducer = introducer->id;
  punch->nonce = intro.nonce;
  punch->nat = intro.nat;
  punch->address = intro.address;
  punch->n_locals = intro.n_locals;
  memcpy (punch->locals, intro.locals, sizeof punch->locals);
  punch->role = choose_role ((guint8) core->nat.type, intro.nat);
  punch->start_at = core->now + (gint64) intro.delay_ms * G_TIME_SPAN_MILLISECOND;
  punch->expires = core->now + PUNCH_LIFETIME_US;
  punch->probes_left = core->config.punch_probes;
  punch->next_probe = -1;
  punch->next_round = -1;
  g_ptr_array_add (core->punches, punch);

  if (punch->role == PUNCH_SOCKETS)
    {
      guint first = sockets_busy (core) ? 0 : free_sockets (core, core->config.punch_sockets);

      if (first == 0)
        punch->role = PUNCH_BOTH; /* one birthday at a time: the relay will do */
      else
        {
          punch->first_socket = first;
          punch->n_sockets = core->config.punch_sockets;
          for (guint s = first; s < first + punch->n_sockets; s++)
            open_socket (core, s);
          /* Sent from a later timeout, once the shell has opened them. */
          punch->next_round = core->now + 1;
        }
    }
  if (punch->role == PUNCH_BOTH || punch->role == PUNCH_SPRAY)
    open_own_nat (core, punch);
  if (attempt != NULL)
    {
      gint64 after = punch->role == PUNCH_NONE      ? 0
                     : punch->role == PUNCH_BOTH    ? RELAY_AFTER_US
                                                    : RELAY_AFTER_BIRTHDAY_US;
      attempt->relay_at = punch->start_at + after;
    }
}

void
srp_core_handle_punch (SrpCore *core, guint socket, const SrpAddress *from, const guint8 *data,
                       gsize len)
{
  guint64 nonce;
  Punch *punch = NULL;
  SrpDropReason reason = srp_punch_decode (data, len, &nonce);

  if (reason == SRP_DROP_NONE && srp_address_is_relay (from))
    reason = SRP_DROP_UNEXPECTED;
  for (guint i = 0; reason == SRP_DROP_NONE && i < core->punches->len && punch == NULL; i++)
    {
      Punch *p = g_ptr_array_index (core->punches, i);
      gboolean local = FALSE;

      for (guint k = 0; k < p->n_locals; k++)
        local = local || srp_address_equal (&p->locals[k], from);
      if (p->nonce == nonce && (srp_address_same_ip (&p->address, from) || local))
        punch = p;
    }
  if (reason == SRP_DROP_NONE && punch == NULL)
    reason = SRP_DROP_UNEXPECTED;
  if (reason != SRP_DROP_NONE)
    {
      srp_core_drop (core, reason);
      return;
    }
  /* A probe got through: the path works from this socket. */
  if (socket >= FIRST_SOCKET)
    {
      g_hash_table_replace (core->routes, g_memdup2 (from, sizeof *from),
                            GUINT_TO_POINTER (socket));
      close_punch_sockets (core, punch);
      punch->next_round = -1;
    }
  punch->probes_left = 0;
  srp_core_start_handshake (core, from, &punch->peer);
}

/* ---- the peer table's news ------------------------------------------------------ */

gboolean
srp_core_connect_is_introduced (SrpCore *core, const SrpId *id)
{
  for (guint i = 0; i < core->connects->len; i++)
    if (srp_id_equal (&((ConnectAttempt *) g_ptr_array_index (core->connects, i))->target, id))
      return TRUE;
  return find_punch (core, id, NULL) != NULL;
}

void
srp_core_connect_peer_up (SrpCore *core, SrpPeerEntry *peer)
{
  guint index;

  for (guint i = 0; i < core->connects->len;)
    {
      ConnectAttempt *a = g_ptr_array_index (core->connects, i);
      if (srp_id_equal (&a->target, &peer->id))
        finish_attempt (core, i, peer, NULL);
      else
        i++;
    }
  /* A relayed peer keeps its punch until the direct path works. */
  if (!srp_address_is_relay (&peer->address) && find_punch (core, &peer->id, &index) != NULL)
    remove_punch (core, index);
  if (srp_address_is_relay (&peer->address) && core->next_upgrade < 0)
    core->next_upgrade = core->now + UPGRADE_US;
}

void
srp_core_connect_peer_down (SrpCore *core, const SrpPeerEntry *peer)
{
  guint socket = srp_core_route (core, &peer->address);

  if (socket != 0)
    {
      g_hash_table_remove (core->routes, &peer->address);
      if (!socket_routed (core, socket))
        close_socket (core, socket);
    }
}

/* ---- timers ------------------------------------------------------------------------ */

static void
run_attempts (SrpCore *core)
{
  for (guint i = 0; i < core->connects->len;)
    {
      ConnectAttempt *a = g_ptr_array_index (core->connects, i);

      if (a->deadline <= core->now)
        {
          finish_attempt (core, i, NULL, "no path to the peer in time");
          continue;
        }
      if (a->relay_at >= 0 && a->relay_at <= core->now && !a->relaying)
        {
          SrpPeerEntry *relay = srp_peer_table_lookup (core->peers, &a->introducer);
          SrpAddress via;

          a->relaying = TRUE;
          if (relay != NULL && relay->state == SRP_PEER_CONNECTED)
            {
              srp_core_relay_address (&a->introducer, &a->target, &via);
              srp_core_start_handshake (core, &via, &a->target);
            }
        }
      i++;
    }
}

static void
spray (SrpCore *core, Punch *punch)
{
  for (guint n = 0; n < PROBES_PER_INTERVAL && punch->probes_left > 0; n++)
    {
      SrpAddress to = punch->address;

      to.port = (guint16) (1024 + srp_rng_below (&core->rng, 65536 - 1024));
      send_punch (core, 0, 0, &to, punch->nonce);
      punch->probes_left--;
    }
  punch->next_probe = punch->probes_left > 0 ? core->now + PROBE_INTERVAL_US : -1;
}

static void
run_punches (SrpCore *core)
{
  for (guint i = 0; i < core->punches->len;)
    {
      Punch *punch = g_ptr_array_index (core->punches, i);

      if (punch->expires <= core->now)
        {
          remove_punch (core, i);
          continue;
        }
      if (punch->start_at >= 0 && punch->start_at <= core->now)
        {
          punch->start_at = -1;
          if (punch->role == PUNCH_BOTH)
            {
              srp_core_start_handshake (core, &punch->address, &punch->peer);
              if (same_public_address (core, punch))
                for (guint k = 0; k < punch->n_locals; k++)
                  srp_core_start_handshake (core, &punch->locals[k], &punch->peer);
            }
          else if (punch->role == PUNCH_SPRAY)
            punch->next_probe = core->now;
        }
      if (punch->next_probe >= 0 && punch->next_probe <= core->now)
        spray (core, punch);
      if (punch->next_round >= 0 && punch->next_round <= core->now)
        {
          for (guint s = punch->first_socket; s < punch->first_socket + punch->n_sockets; s++)
            send_punch (core, s, core->config.punch_ttl, &punch->address, punch->nonce);
          punch->next_round = core->now + SOCKET_ROUND_US;
        }
      i++;
    }
}

/* Relayed peers ask their relay for a new introduction, to go direct. */
static void
run_upgrades (SrpCore *core)
{
  GPtrArray *entries = srp_peer_table_entries (core->peers);
  gboolean any = FALSE;

  if (core->next_upgrade < 0 || core->next_upgrade > core->now)
    return;
  for (guint i = 0; i < entries->len; i++)
    {
      SrpPeerEntry *peer = g_ptr_array_index (entries, i);
      SrpPeerEntry *relay;

      if (peer->state != SRP_PEER_CONNECTED || !srp_address_is_relay (&peer->address))
        continue;
      any = TRUE;
      if (choose_role ((guint8) core->nat.type, peer->nat) == PUNCH_NONE)
        continue;
      relay = srp_core_connected_with_prefix (core, srp_address_relay_prefix (&peer->address));
      if (relay != NULL)
        send_connect (core, &relay->address, srp_rng_next (&core->rng), &peer->id);
    }
  core->next_upgrade = any ? core->now + UPGRADE_US : -1;
}

void
srp_core_connect_timeout (SrpCore *core)
{
  run_attempts (core);
  run_punches (core);
  run_upgrades (core);
}

gint64
srp_core_connect_deadline (SrpCore *core)
{
  gint64 deadline = core->next_upgrade;

  for (guint i = 0; i < core->connects->len; i++)
    {
      ConnectAttempt *a = g_ptr_array_index (core->connects, i);
      srp_core_earliest (&deadline, a->deadline);
      if (!a->relaying)
        srp_core_earliest (&deadline, a->relay_at);
    }
  for (guint i = 0; i < core->punches->len; i++)
    {
      Punch *p = g_ptr_array_index (core->punches, i);
      srp_core_earliest (&deadline, p->expires);
      srp_core_earliest (&deadline, p->start_at);
      srp_core_earliest (&deadline, p->next_probe);
      srp_core_earliest (&deadline, p->next_round);
    }
  return deadline;
}
