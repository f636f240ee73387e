/* srp-observed.c: whether the address a peer signed in its handshake as the
 * one it sees us at (OBSERVED in HELLO_REPLY and HELLO_DONE) is one we are
 * at (docs/protocol.md, "Handshake", and docs/security.md).
 *
 * A forwarder that names itself as a peer's address (PEERS, INTRODUCE)
 * and passes the genuine handshake on from another address of its own
 * makes both signatures check; only OBSERVED shows it: each side signed
 * the forwarder's address, not the other's. So OBSERVED must be
 *   - an IP of this host (a peer on our LAN, or no NAT in front: any port,
 *     since a punch socket's is not ours to know), or our port mapping; or
 *   - our main socket's address as linked peers' PONGs report it: the
 *     whole address when our NAT maps endpoint-independently (the port is
 *     the same towards everyone), the IP alone when it does not (symmetric:
 *     a port per destination), is not classified yet, or the handshake
 *     went through a punch socket. Two reporters at different IPs must
 *     agree on it, or every reporter: one linked attacker's PONGs cannot
 *     make its forwarding address ours. (While it is one of two reporters
 *     it can make ours doubtful: new direct handshakes then mismatch and go
 *     through an introduction, until a third peer's PONG settles it.)
 * With no report yet in that family (the first links, or just after a
 * network change) nothing can tell a NAT's outside address from a
 * forwarder's, and OBSERVED is taken: the heartbeat's PONGs fill this in
 * within the first links' first minute. Over a relay nobody sees an
 * address and both sides sign 0.0.0.0:0; that, and only that, goes with a
 * relayed path.
 *
 * The reports come from PONGs alone (srp_nat_reflexive_seen): a
 * handshake's OBSERVED is judged here, it never sets what we believe our
 * address is.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "srp-traversal-private.h"

/* Past this a report may describe a mapping the NAT has let go: a link's
 * heartbeat renews it well within (srp-mesh-heartbeat.c). */
#define REPORT_LIFE_US (5 * G_TIME_SPAN_MINUTE)

static void
forget_old (NatState *nat)
{
  gint64 now = nat->traversal->ctx->now;
  guint kept = 0;

  for (guint i = 0; i < nat->n_reports; i++)
    if (nat->reports[i].at + REPORT_LIFE_US >= now)
      nat->reports[kept++] = nat->reports[i];
  nat->n_reports = kept;
}

void
srp_observed_report (NatState *nat, const SrpAddress *reported, const SrpAddress *reporter)
{
  SrpTraversal *traversal = nat->traversal;
  NatReport *slot = NULL;

  /* The answer to a ping that left from a punch socket tells that socket's
   * mapping, not the main socket's. */
  if (!srp_address_is_valid (reporter) || srp_punch_route (traversal, reporter) != 0)
    return;
  forget_old (nat);
  for (guint i = 0; i < nat->n_reports && slot == NULL; i++)
    if (srp_address_same_ip (&nat->reports[i].reporter, reporter))
      slot = &nat->reports[i];
  if (slot == NULL && nat->n_reports < NAT_REPORTS_MAX)
    slot = &nat->reports[nat->n_reports++];
  if (slot == NULL)
    {
      /* Full: the oldest report goes. */
      slot = &nat->reports[0];
      for (guint i = 1; i < nat->n_reports; i++)
        if (nat->reports[i].at < slot->at)
          slot = &nat->reports[i];
    }
  slot->reported = *reported;
  slot->reporter = *reporter;
  slot->at = traversal->ctx->now;
}

gboolean
srp_observed_reaches_us (gpointer self, const SrpAddress *observed, const SrpAddress *path)
{
  SrpTraversal *traversal = self;
  NatState *nat;
  gboolean ip_only;
  guint agree = 0;

  if (srp_address_is_relay (path))
    return srp_address_is_unspecified (observed);
  /* 0.0.0.0:0 over a direct path: the peer's end went through a relay, ours
   * did not. */
  if (!srp_address_is_valid (observed) || srp_address_is_unspecified (observed))
    return FALSE;
  if (srp_nat_is_local (traversal, observed) ||
      (traversal->has_mapped && srp_address_equal (&traversal->mapped, observed)))
    return TRUE;
  nat = srp_nat_of (traversal, observed->family);
  forget_old (nat);
  if (nat->n_reports == 0)
    return TRUE;
  ip_only = nat->type == SRP_NAT_UNKNOWN || nat->type == SRP_NAT_SYMMETRIC ||
            srp_punch_route (traversal, path) != 0;
  for (guint i = 0; i < nat->n_reports; i++)
    agree += ip_only ? srp_address_same_ip (&nat->reports[i].reported, observed)
                     : srp_address_equal (&nat->reports[i].reported, observed);
  return agree >= 2 || agree == nat->n_reports;
}

void
srp_observed_reprobe (gpointer self, const SrpId *id)
{
  /* As after a network change: the links are asked for an introduction,
   * and the punch that brings falls back to a relay through the
   * introducer (sealed end to end: a forwarder there can only drop). */
  srp_connect_reconnect (self, id);
}
