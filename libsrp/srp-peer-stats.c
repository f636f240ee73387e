/* srp-peer-stats.c: srp_peer_get_stats, the peer's figures in one
 * dictionary: the core's, and the shell's own.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "srp-peer-private.h"

/**
 * srp_peer_get_stats:
 * @self: a peer
 *
 * Gets everything the peer counts, as a dictionary (`a{sv}`) whose keys
 * stay the same from release to release (new ones may be added). Counters
 * run from the peer's creation, across [method@Peer.close] and
 * [method@Peer.listen]; 64-bit values stay below 2^53.
 *
 * Traffic: `datagrams_in`, `datagrams_out`, `bytes_in`, `bytes_out` (`t`),
 * `send_failures` (`t`, datagrams the system refused to send),
 * `network_changes` (`t`, times the host's addresses changed while listening).
 *
 * Refused input: `drops` (`a{st}`, a count per reason, such as
 * `bad-control` for a control frame that does not parse, `unauthenticated`
 * for a request from a peer that has not shaken hands, `rate-limited`),
 * and their sum `drops_total` (`t`).
 *
 * Peers: `peers_known`, `peers_connected`, `peers_half_open` (handshakes
 * others started and did not finish), `handshakes_outgoing`,
 * `pings_pending` (`u`), `cookies_sent` (`t`, HELLOs answered with a cookie
 * while the peer was under load).
 *
 * Topics and the cache: `topics` (`u`, subscriptions, the inbox included),
 * `publishes_pending` (`u`, publishes waiting for their acknowledgements),
 * `publishes_pending_bytes` (`t`, their frames, at most 16 MiB),
 * `publishes_closed_early` (`t`, publishes reported before all their
 * acknowledgements came, to stay within that bound),
 * `publish_resends_deferred` (`t`, resend rounds skipped because every
 * target missing packets was still acknowledging earlier ones: behind, not
 * lossy),
 * `wants` (`u`, missing packets being asked for), `packets_new_pushed` and
 * `packets_new_asked` (`t`, packets new to this peer that came pushed, by a
 * relay or their publisher, and that it had asked for), `packets_relayed`,
 * `packets_answered` and `packets_published` (`t`, copies it sent by the
 * gossip rule, in answer to queries, and as their publisher, resends
 * included), `reassembler_chains`
 * (`u`) and `reassembler_bytes` (`t`, incomplete messages),
 * `delivered_remembered` (`u`), `cache_budget`, `cache_used` (`t`),
 * `cache_packets` (`u`), `cache_stored`, `cache_evicted`, `cache_expired`,
 * `cache_purged` (`t`).
 *
 * Getting through NATs: `nat` (`s`, as [enum@NatType] nicks),
 * `connects_pending`, `punches`, `punch_sockets` (`u`), `connects`
 * (`a{sa{st}}`: for each pair of NAT types as "OURS/THEIRS", such as
 * "port-restricted/symmetric", the counts `attempts`, `direct`, `relayed`
 * and `failed` of finished [method@Peer.connect_async] attempts),
 * `relay_circuits` (`u`, pairs of peers this one relays for) and
 * `relayed_bytes` (`t`).
 *
 * Finding peers by ID: `dht_contacts` (`u`, open peers in the routing
 * table), `dht_registrations` (`u`, other peers' registrations held, open
 * peers only), `dht_lookups_pending` (`u`), `dht_lookups_found`,
 * `dht_lookups_failed`, `dht_finds_answered`, `dht_registrations_taken`,
 * `dht_own_lookups` (`t`, lookups of this peer's own ID, each followed by a
 * registration).
 *
 * Streams: `streams` (`u`, streams the core holds), `streams_opened`,
 * `streams_accepted`, `streams_refused`, `streams_resets_received`,
 * `stream_bytes_sent`, `stream_bytes_received`,
 * `stream_bytes_retransmitted` (`t`).
 *
 * Port mapping ([property@Peer:port-mapping]): `port_mapping` (`s`: `off`,
 * `requesting`, `mapped` or `failed`), `port_mapping_bad_responses` (`t`,
 * datagrams from the router that were no valid answer, dropped),
 * `port_mapping_renewals` (`t`); while mapped `port_mapping_protocol`
 * (`s`: `pcp`, `nat-pmp` or `upnp-igd`), `port_mapping_address` (`s`),
 * `port_mapping_lifetime_s` (`u`, as granted) and `port_mapping_ms` (`t`,
 * from listen to the mapping); `port_mapping_problem` (`s`) when there is
 * none. The core's `mapped_address` (`s`) is the address peers are told.
 *
 * The shell: `listening` (`b`), `uptime_s` (`t`, seconds since listen, 0
 * when not listening), `operations_pending` (`u`), and `timers` (`a{su}`,
 * the core's pending deadlines by reason).
 *
 * From Python, `peer.get_stats().unpack()` gives a dict; in C, look keys up
 * with [method@GLib.Variant.lookup] or a [struct@GLib.VariantDict].
 *
 * Returns: (transfer full): the statistics, an `a{sv}` [struct@GLib.Variant]
 */
GVariant *
srp_peer_get_stats (SrpPeer *self)
{
  GVariantDict dict;
  gint64 uptime = 0;
  g_autoptr (GVariant) core_stats = NULL;

  g_return_val_if_fail (SRP_IS_PEER (self), NULL);

  /* g_variant_dict_init does not take a floating value: held here. */
  core_stats = g_variant_ref_sink (srp_core_get_stats (srp_peer_get_core (self)));
  g_variant_dict_init (&dict, core_stats);
  if (srp_peer_is_listening (self))
    uptime = (g_get_monotonic_time () - self->listening_since) / G_USEC_PER_SEC;
  g_variant_dict_insert (&dict, "send_failures", "t", self->send_failures);
  g_variant_dict_insert (&dict, "network_changes", "t", self->network_changes);
  g_variant_dict_insert (&dict, "listening", "b", srp_peer_is_listening (self));
  g_variant_dict_insert (&dict, "uptime_s", "t", (guint64) uptime);
  g_variant_dict_insert (&dict, "operations_pending", "u",
                         srp_operations_count (self->operations));
  srp_peer_portmap_stats (self, &dict);
  return g_variant_ref_sink (g_variant_dict_end (&dict));
}
