#!/usr/bin/python3
# test_peers.py: two peers in one GLib main loop ping each other through
# PyGObject and the uninstalled typelib.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import os
import re
import sys

import gi

gi.require_version('Srp', '1')
from gi.repository import GLib, Srp  # noqa: E402


def fail(message):
    # os._exit: SystemExit raised in a GLib callback would only be printed.
    print(f'FAIL: {message}', file=sys.stderr, flush=True)
    os._exit(1)


def check_id(peer):
    if not re.fullmatch('[0-9a-f]{64}', peer.props.id):
        fail(f'bad id {peer.props.id!r}')
    if peer.props.id != peer.get_id():
        fail('the id property and get_id() differ')


def check_not_listening():
    loop = GLib.MainLoop()
    peer = Srp.Peer.new()
    outcome = []

    def done(source, result):
        try:
            outcome.append(source.ping_finish(result))
        except GLib.Error as error:
            outcome.append(error)
        loop.quit()

    peer.ping_async('127.0.0.1', 9, None, done)
    loop.run()
    error = outcome[0]
    if not isinstance(error, GLib.Error) or \
            not error.matches(Srp.error_quark(), Srp.Error.NOT_LISTENING):
        fail(f'ping before listen gave {error!r}, not Srp.Error.NOT_LISTENING')


def main():
    loop = GLib.MainLoop()
    peers = {'a': Srp.Peer.new(), 'b': Srp.Peer()}
    rtts = {}

    for peer in peers.values():
        check_id(peer)
        if peer.props.port != 0:
            fail('port is not 0 before listen')
        peer.listen('127.0.0.1', 0)
        if peer.props.port == 0 or peer.props.port != peer.get_port():
            fail(f'bad port {peer.props.port}')
    if peers['a'].props.id == peers['b'].props.id:
        fail('two peers have the same id')

    def done(peer, result, name):
        try:
            rtts[name] = peer.ping_finish(result)
        except GLib.Error as error:
            fail(f'ping from {name}: {error.message}')
        if len(rtts) == len(peers):
            loop.quit()

    def timeout():
        fail('no answer within 10 s')

    for name, peer in peers.items():
        other = peers['b' if name == 'a' else 'a']
        peer.ping_async('127.0.0.1', other.props.port, None, done, name)
    GLib.timeout_add_seconds(10, timeout)
    loop.run()

    for name, rtt in rtts.items():
        if not 0 < rtt < 10 * 1000 * 1000:
            fail(f'ping from {name}: round trip of {rtt} µs')
        print(f'{name}: {rtt} µs')

    check_not_listening()
    for peer in peers.values():
        peer.close()
        if peer.props.port != 0:
            fail('port is not 0 after close')
    print('ok')


if __name__ == '__main__':
    main()
