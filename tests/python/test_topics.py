#!/usr/bin/python3
# test_topics.py: three peers on loopback; Python subscribes, publishes
# (messages of 1 byte to 100 KiB), sends to an inbox, and watches the cache.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import os

import gi

gi.require_version('Srp', '1')
from gi.repository import GLib, Srp  # noqa: E402
from srp_testing import connected_peers, fail, wait_for  # noqa: E402

ADDRESSES = ['127.0.0.81', '127.0.0.82', '127.0.0.83']


def main():
    peers = connected_peers(ADDRESSES)

    received = {1: [], 2: []}
    topics = {}
    for i in (1, 2):
        topic = peers[i].subscribe('weather/utrecht')
        topic.connect('message', lambda _t, m, i=i: received[i].append(m))
        topics[i] = topic
    if topics[1].props.id != topics[2].props.id or len(topics[1].props.id) != 64:
        fail('topic IDs')
    # Let the subscriptions reach the publisher.
    settled = []
    GLib.timeout_add(300, lambda: settled.append(True) and False)
    wait_for(lambda: settled, 'subscriptions to spread')

    publisher = peers[0].subscribe('weather/utrecht')
    payloads = [b'x', os.urandom(10 * 1024), os.urandom(100 * 1024)]
    results = []
    finished_ids = []
    ids = []
    for data in payloads:
        def done(topic, result):
            try:
                n, message_id = topic.publish_finish(result)
                results.append(n)
                finished_ids.append(message_id)
            except GLib.Error as error:
                results.append(error)
        publisher.publish_async(GLib.Bytes.new(data), None, done)
    wait_for(lambda: len(results) == len(payloads), 'publish results')
    for r in results:
        if isinstance(r, GLib.Error) or r < 2:
            fail(f'publish gave {r!r}')
    for i in (1, 2):
        wait_for(lambda i=i: len(received[i]) == len(payloads), f'messages at peer {i}')
        got = sorted(m.props.data.get_data() for m in received[i])
        if got != sorted(payloads):
            fail(f'peer {i} got other bytes')
        for m in received[i]:
            if m.props.topic != 'weather/utrecht' or len(m.props.id) != 64:
                fail(f'message properties {m.props.topic} {m.props.id}')
            ids.append(m.props.id)
        # publish_finish names the messages that were delivered.
        if sorted(finished_ids) != sorted(m.props.id for m in received[i]):
            fail(f'publish_finish gave IDs {finished_ids}, peer {i} got others')

    # The cache holds what passed through, within its budget.
    cache = peers[1].get_cache()
    if cache.props.n_packets == 0 or cache.props.used > cache.props.budget:
        fail(f'cache {cache.props.n_packets} packets, {cache.props.used} bytes')

    # Too large, and not listening: clear errors.
    try:
        publisher.publish(GLib.Bytes.new(b'\0' * (1024 * 1024 + 1)))
        fail('a message over 1 MiB was accepted')
    except GLib.Error as error:
        if not error.matches(Srp.error_quark(), Srp.Error.INVALID_ARGUMENT):
            fail(f'over 1 MiB: {error!r}')

    # An inbox message.
    inbox = []
    peers[2].connect('message', lambda _p, m: inbox.append(m))
    peers[0].send(peers[2].props.id, GLib.Bytes.new(b'hello, peer 2'))
    wait_for(lambda: inbox, 'an inbox message')
    if inbox[0].props.data.get_data() != b'hello, peer 2' or inbox[0].props.topic is not None:
        fail('inbox message')
    try:
        peers[0].send('not-an-id', GLib.Bytes.new(b'x'))
        fail('a bad peer ID was accepted')
    except GLib.Error as error:
        if not error.matches(Srp.error_quark(), Srp.Error.INVALID_ARGUMENT):
            fail(f'bad id: {error!r}')

    # After unsubscribing, nothing more arrives.
    topics[1].unsubscribe()
    before = len(received[1])
    publisher.publish(GLib.Bytes.new(b'after'))
    wait_for(lambda: len(received[2]) == len(payloads) + 1, 'the last message at peer 2')
    if len(received[1]) != before or topics[1].props.subscribed:
        fail('a message came after unsubscribe')

    # Closing and listening again: the caches of the others give peer 2 its
    # topic's messages back, but none is handed over a second time, and what
    # was published while it was away is.
    peers[2].close()
    publisher.publish(GLib.Bytes.new(b'while away'))
    peers[2].listen(ADDRESSES[2], 0)
    wait_for(lambda: len(received[2]) == len(payloads) + 2, 'the message sent while away')
    done = []
    GLib.timeout_add(1500, lambda: done.append(True) and False)
    wait_for(lambda: done, 'a moment for repeats to show')
    got = [m.props.data.get_data() for m in received[2]]
    if len(got) != len(set(got)) or got[-1] != b'while away':
        fail(f'after listening again peer 2 got {len(got)} messages, {len(set(got))} distinct')
    print('3 peers: messages of 1 B, 10 KiB and 100 KiB, an inbox message; '
          f'peer 1 caches {cache.props.n_packets} packets')


main()
