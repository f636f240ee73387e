/* srp-lan.c: LAN discovery (docs/protocol.md, "LAN discovery").
 *
 * While enabled and listening, the core sends ANNOUNCE (its ID, padded to a
 * HELLO's size) to the IPv4 and IPv6 multicast groups from its main socket:
 * at once, 1 s and 3 s later (a peer that starts at the same moment may
 * miss the first), then every 30 s, jittered. The shell joins the groups
 * and hands what arrives to the core like any datagram. A peer that hears
 * an ANNOUNCE from a stranger on its own link shakes hands with the
 * announcer's address, which is its main socket: the answer is the normal
 * handshake, authenticated as any other. The shell owns the sockets; all
 * the protocol is here.
 *
 * Nothing on the wire says a datagram came by multicast, so the checks are
 * what make a forged ANNOUNCE harmless: only from an address on one of our
 * own links (the same /24 or /64 as a local address, or IPv6 link-local),
 * at most a few handshakes a second (a token bucket), none to a peer we are
 * linked to or already shaking hands with; the HELLO it brings is no larger
 * than the ANNOUNCE.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-traversal-private.h"

#include <string.h>

#include "srp-control-lan.h"

#define BURST_DELAY_1_US (1 * G_TIME_SPAN_SECOND)
#define BURST_DELAY_2_US (2 * G_TIME_SPAN_SECOND)
#define ANNOUNCE_EVERY_US (30 * G_TIME_SPAN_SECOND)

/* Handshakes ANNOUNCEs may start: 8 at once, then 2 a second. */
static const SrpTokenRate handshake_rate = { .burst = 8, .per_second = 2 };

static void on_announce_timer (SrpTimer *timer, gpointer owner);

void
srp_lan_init (SrpTraversal *traversal)
{
  srp_timer_init (&traversal->lan.timer, SRP_TIMER_LAN_ANNOUNCE, on_announce_timer, traversal);
  srp_token_bucket_init (&traversal->lan.bucket, &handshake_rate, 0);
}

static gboolean
can_announce (SrpTraversal *traversal)
{
  return traversal->lan.enabled && traversal->ctx->attached && traversal->local_port != 0;
}

void
srp_lan_start (SrpTraversal *traversal)
{
  SrpContext *ctx = traversal->ctx;

  if (!can_announce (traversal))
    return;
  traversal->lan.burst = 0;
  srp_timer_set (ctx->timers, &traversal->lan.timer, ctx->now);
}

void
srp_lan_stop (SrpTraversal *traversal)
{
  srp_timer_stop (traversal->ctx->timers, &traversal->lan.timer);
}

void
srp_lan_set_enabled (SrpTraversal *traversal, gboolean enabled)
{
  if (traversal->lan.enabled == enabled)
    return;
  traversal->lan.enabled = enabled;
  if (enabled)
    srp_lan_start (traversal);
  else
    srp_lan_stop (traversal);
}

gboolean
srp_lan_get_enabled (SrpTraversal *traversal)
{
  return traversal->lan.enabled;
}

static void
on_announce_timer (SrpTimer *timer, gpointer owner)
{
  SrpTraversal *traversal = owner;
  SrpContext *ctx = traversal->ctx;
  SrpAnnounce announce = { .sender = ctx->config->peer_id };
  guint8 frame[SRP_MAX_DATAGRAM];
  gsize len = srp_announce_encode (&announce, frame);
  static const guint8 families[] = { SRP_ADDRESS_FAMILY_IPV4, SRP_ADDRESS_FAMILY_IPV6 };
  gint64 next;

  if (!can_announce (traversal))
    return;
  for (guint i = 0; i < G_N_ELEMENTS (families); i++)
    {
      SrpAddress group;

      srp_lan_group (families[i], &group);
      srp_context_send (ctx, &group, frame, len);
      traversal->lan.sent++;
    }
  if (traversal->lan.burst == 0)
    next = BURST_DELAY_1_US;
  else if (traversal->lan.burst == 1)
    next = BURST_DELAY_2_US;
  else
    /* 0.8 to 1.2 of the period, so that the peers of one LAN spread out. */
    next = ANNOUNCE_EVERY_US * 4 / 5 + (gint64) srp_rng_below (&ctx->rng, ANNOUNCE_EVERY_US * 2 / 5);
  traversal->lan.burst++;
  srp_timer_set (ctx->timers, timer, ctx->now + next);
}

static gboolean
is_loopback (const SrpAddress *address)
{
  static const guint8 v6[16] = { [15] = 1 };

  return (address->family == SRP_ADDRESS_FAMILY_IPV4 && address->bytes[0] == 127) ||
         (address->family == SRP_ADDRESS_FAMILY_IPV6 && memcmp (address->bytes, v6, 16) == 0);
}

/* Whether address is on one of our links: the /24 (IPv4) or /64 (IPv6) of
 * one of our local addresses, or IPv6 link-local. Loopback is no LAN: peers
 * of one host that listen there (tests, a local setup) stay apart. */
gboolean
srp_lan_on_our_link (SrpTraversal *traversal, const SrpAddress *address)
{
  gsize keep;

  if (is_loopback (address))
    return FALSE;
  if (address->family == SRP_ADDRESS_FAMILY_IPV6 && address->bytes[0] == 0xfe &&
      (address->bytes[1] & 0xc0) == 0x80)
    return TRUE;
  if (address->family == SRP_ADDRESS_FAMILY_IPV4)
    keep = 3;
  else if (address->family == SRP_ADDRESS_FAMILY_IPV6)
    keep = 8;
  else
    return FALSE;
  for (guint i = 0; i < traversal->local_addresses->len; i++)
    {
      const SrpAddress *local = &g_array_index (traversal->local_addresses, SrpAddress, i);

      if (local->family == address->family && memcmp (local->bytes, address->bytes, keep) == 0)
        return TRUE;
    }
  return FALSE;
}

SrpDropReason
srp_lan_handle_announce (gpointer self, const SrpInput *input, gpointer frame)
{
  SrpTraversal *traversal = self;
  SrpContext *ctx = traversal->ctx;
  const SrpAnnounce *announce = frame;

  /* Our own, looped back by the host; or discovery is off. */
  if (!traversal->lan.enabled || srp_id_equal (&announce->sender, &ctx->config->peer_id))
    return SRP_DROP_UNEXPECTED;
  if (!srp_lan_on_our_link (traversal, input->from))
    return SRP_DROP_UNEXPECTED;
  traversal->lan.heard++;
  if (srp_link_table_lookup (ctx->links, &announce->sender) != NULL ||
      srp_mesh_is_handshaking (traversal->mesh, &announce->sender))
    return SRP_DROP_NONE;
  if (!srp_token_bucket_take (&traversal->lan.bucket, &handshake_rate, ctx->now, 1.0))
    return SRP_DROP_RATE_LIMITED;
  traversal->lan.handshakes++;
  srp_mesh_start_handshake (traversal->mesh, input->from, &announce->sender);
  return SRP_DROP_NONE;
}

void
srp_lan_stats (SrpTraversal *traversal, GVariantDict *dict)
{
  g_variant_dict_insert (dict, "lan_discovery", "b", traversal->lan.enabled);
  g_variant_dict_insert (dict, "lan_announces_sent", "t", traversal->lan.sent);
  g_variant_dict_insert (dict, "lan_announces_heard", "t", traversal->lan.heard);
  g_variant_dict_insert (dict, "lan_handshakes", "t", traversal->lan.handshakes);
}
