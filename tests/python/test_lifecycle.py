#!/usr/bin/python3
# test_lifecycle.py: what a Python user may count on from SrpPeer's life and
# its asynchronous operations:
# - a subscription lasts without a reference to its topic, and
#   get_topics() lists it;
# - the cache and the subscriptions survive close() then listen();
# - publish_async, send_async, ping_async and connect_async all end with
#   G_IO_ERROR_CANCELLED at once when cancelled;
# - publish_finish and send_finish give the message ID;
# - get_stats() counts a malformed datagram under its reason.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import gc
import os

import gi

gi.require_version('Srp', '1')
from gi.repository import Gio, GLib, Srp  # noqa: E402
from srp_testing import connected_peers, fail, wait_for  # noqa: E402

ADDRESSES = ['127.0.0.91', '127.0.0.92', '127.0.0.93']
# A cancelled operation must end well before anything the network does
# could end it (a publish waits 10 s for acknowledgements, a ping 2 s).
AT_ONCE_S = 0.5


def a_connected_network():
    peers = connected_peers(ADDRESSES)
    # The handshake measured each round trip: no waiting for a heartbeat.
    for peer in peers:
        for info in peer.get_peers():
            if info.props.rtt < 0:
                fail(f'no RTT for {info.props.id} right after connecting')
    return peers


def pause(ms):
    done = []
    GLib.timeout_add(ms, lambda: done.append(True) and False)
    wait_for(lambda: done, f'{ms} ms')


def subscription_without_reference(peers):
    got = []
    # The one-liner: the topic object is not kept by the test.
    peers[2].subscribe('lifecycle/no-reference').connect('message', lambda _t, m: got.append(m))
    gc.collect()
    topics = list(peers[2].get_topics())
    if [t.props.name for t in topics] != ['lifecycle/no-reference']:
        fail(f'get_topics lists {[t.props.name for t in topics]}')
    pause(1200)  # the subscription reaches the others (announced at most once a second)
    publisher = peers[0].subscribe('lifecycle/no-reference')
    publisher.unsubscribe()
    if list(peers[0].get_topics()):
        fail('an unsubscribed topic is still listed')
    message_id = publisher.publish(GLib.Bytes.new(b'nobody kept the topic'))
    wait_for(lambda: got, 'the message at a topic nobody kept')
    if got[0].props.id != message_id or got[0].props.data.get_data() != b'nobody kept the topic':
        fail('the message at a topic nobody kept')
    return topics[0]


def ids_from_finish(peers):
    publisher = peers[0].subscribe('lifecycle/ids')
    outcomes = []

    def published(topic, result):
        outcomes.append(('publish',) + tuple(topic.publish_finish(result)))

    def sent(peer, result):
        outcomes.append(('send',) + tuple(peer.send_finish(result)))

    letters = []
    peers[1].connect('message', lambda _p, m: letters.append(m))
    publisher.publish_async(GLib.Bytes.new(b'which ID?'), None, published)
    peers[0].send_async(peers[1].props.id, GLib.Bytes.new(b'a letter'), None, sent)
    wait_for(lambda: len(outcomes) == 2 and letters, 'publish and send to finish')
    for kind, n, message_id in outcomes:
        if n < 1 or message_id is None or len(message_id) != 64:
            fail(f'{kind}_finish gave {n}, {message_id!r}')
    letter_id = [m for k, _n, m in outcomes if k == 'send'][0]
    if letters[0].props.id != letter_id:
        fail(f'send_finish gave {letter_id}, the letter came as {letters[0].props.id}')


def cancelled_at_once(what, start):
    """start(cancellable, callback) begins an operation whose callback
    raises from its finish function; it must fail with CANCELLED, soon."""
    cancellable = Gio.Cancellable.new()
    outcome = []

    def done(source, result):
        try:
            outcome.append(finish(source, result))
        except GLib.Error as error:
            outcome.append(error)

    finish = start(cancellable, done)
    began = GLib.get_monotonic_time()
    cancellable.cancel()
    wait_for(lambda: outcome, f'{what} to call back after cancel')
    elapsed = (GLib.get_monotonic_time() - began) / 1e6
    error = outcome[0]
    if not isinstance(error, GLib.Error) or not error.matches(Gio.io_error_quark(),
                                                              Gio.IOErrorEnum.CANCELLED):
        fail(f'cancelled {what} gave {error!r}')
    if elapsed > AT_ONCE_S:
        fail(f'cancelled {what} took {elapsed:.2f} s')
    print(f'{what}: cancelled in {elapsed * 1000:.1f} ms')


def cancellation(peers):
    # A peer alone: nobody will ever acknowledge its publishes or letters,
    # nor answer its pings, nor introduce it. Only the cancellation ends them.
    lonely = Srp.Peer.new()
    lonely.listen('127.0.0.94', 0)
    topic = lonely.subscribe('lifecycle/cancel')
    silent = Gio.Socket.new(Gio.SocketFamily.IPV4, Gio.SocketType.DATAGRAM,
                            Gio.SocketProtocol.UDP)
    silent.bind(Gio.InetSocketAddress.new_from_string('127.0.0.95', 0), False)
    silent_port = silent.get_local_address().get_port()

    cancelled_at_once('publish_async', lambda c, cb: (
        topic.publish_async(GLib.Bytes.new(b'x'), c, cb), Srp.Topic.publish_finish)[1])
    cancelled_at_once('send_async', lambda c, cb: (
        lonely.send_async(peers[1].props.id, GLib.Bytes.new(b'x'), c, cb),
        Srp.Peer.send_finish)[1])
    cancelled_at_once('ping_async', lambda c, cb: (
        lonely.ping_async('127.0.0.95', silent_port, c, cb), Srp.Peer.ping_finish)[1])
    # Connected peers are asked to introduce it to a peer nobody knows.
    cancelled_at_once('connect_async', lambda c, cb: (
        peers[0].connect_async('ab' * 32, c, cb), Srp.Peer.connect_finish)[1])
    # And the peer is still usable: an uncancelled ping goes through.
    pinged = []
    lonely.ping_async(ADDRESSES[0], peers[0].props.port, None,
                      lambda p, r: pinged.append(p.ping_finish(r)))
    wait_for(lambda: pinged, 'a ping after the cancellations')
    lonely.close()


def survives_close_and_listen(peers, kept_topic):
    peer = peers[2]
    cache = peer.get_cache()
    before = cache.props.n_packets
    if before == 0:
        fail('peer 2 caches nothing to keep')
    peer.close()
    if cache.props.n_packets != before:
        fail(f'closing emptied the cache: {before} -> {cache.props.n_packets} packets')
    if list(peer.get_topics()) != [kept_topic] or not kept_topic.props.subscribed:
        fail('closing ended a subscription')
    peer.listen(ADDRESSES[2], 0)
    if cache.props.n_packets != before:
        fail(f'listening again emptied the cache: {before} -> {cache.props.n_packets} packets')
    wait_for(lambda: peer.get_peers().get_n_items() == 2, 'peer 2 back in the network')
    print(f'close and listen: {before} cached packets and the subscription kept')


def malformed_datagram_counted(peers):
    target = peers[1]
    before = target.get_stats().unpack()['drops']['bad-control']
    sock = Gio.Socket.new(Gio.SocketFamily.IPV4, Gio.SocketType.DATAGRAM, Gio.SocketProtocol.UDP)
    # The prefix of a PING (magic "SR", version 1, kind 0x10) with no body.
    sock.send_to(Gio.InetSocketAddress.new_from_string(ADDRESSES[1], target.props.port),
                 b'SR\x01\x10', None)
    wait_for(lambda: target.get_stats().unpack()['drops']['bad-control'] == before + 1,
             'the malformed datagram to be counted')
    stats = target.get_stats().unpack()
    for key in ('datagrams_in', 'datagrams_out', 'bytes_in', 'bytes_out', 'peers_connected',
                'cache_packets', 'connects', 'drops_total', 'timers', 'uptime_s'):
        if key not in stats:
            fail(f'get_stats has no {key}')
    if stats['peers_connected'] != 2 or stats['drops_total'] < 1 or not stats['listening']:
        fail(f'stats {stats}')
    # Per peer, the list shows the bytes that went each way.
    wait_for(lambda: all(info.props.bytes_in > 0 and info.props.bytes_out > 0
                         for info in target.get_peers()), 'byte counts per peer')


def main():
    peers = a_connected_network()
    kept_topic = subscription_without_reference(peers)
    ids_from_finish(peers)
    cancellation(peers)
    malformed_datagram_counted(peers)
    survives_close_and_listen(peers, kept_topic)
    for peer in peers:
        peer.close()
    print('subscriptions without references, IDs from finish, cancellation at once, '
          'stats, close and listen: all as promised')
    os._exit(0)


main()
