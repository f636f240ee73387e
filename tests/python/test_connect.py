#!/usr/bin/python3
# test_connect.py: Peer.connect_async from Python between three peers on
# loopback: invalid IDs, an already-connected peer (its PeerInfo, reached
# directly), a peer nobody knows, cancellation.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import secrets

import gi

gi.require_version('Srp', '1')
from gi.repository import Gio, GLib, Srp  # noqa: E402
from srp_testing import fail, wait_for  # noqa: E402

ADDRESSES = ['127.0.0.111', '127.0.0.112', '127.0.0.113']


def connect(peer, peer_id, cancel=False):
    """Runs connect_async to its end: (PeerInfo, None) or (None, GLib.Error).
    With cancel, cancels before the main loop had a turn."""
    results = []
    cancellable = Gio.Cancellable()
    peer.connect_async(peer_id, cancellable, lambda _peer, result: results.append(result))
    if cancel:
        cancellable.cancel()
    wait_for(lambda: results, 'a connect result')
    try:
        return peer.connect_finish(results[0]), None
    except GLib.Error as error:
        return None, error


def expect_failure(peer, peer_id, domain, code, cancel=False):
    info, error = connect(peer, peer_id, cancel)
    if info is not None or not error.matches(domain, code):
        fail(f'connect to {peer_id!r}: {info!r} {error!r}, not code {code}')
    return error


def main():
    peers = [Srp.Peer.new() for _ in ADDRESSES]
    connected = []
    for peer, address in zip(peers, ADDRESSES):
        peer.connect('connected', lambda _peer, info: connected.append(info.props.id))
        if peer is not peers[0]:
            peer.add_bootstrap(ADDRESSES[0], peers[0].props.port)
        peer.listen(address, 0)
    wait_for(lambda: all(p.get_peers().get_n_items() == len(peers) - 1 for p in peers),
             'every peer to list the others')
    a, b, c = peers

    srp_error = Srp.error_quark()
    for bad in ['', 'xyz', b.props.id[:-1], b.props.id[:-1] + 'g', a.props.id]:
        expect_failure(a, bad, srp_error, Srp.Error.INVALID_ARGUMENT)
    expect_failure(Srp.Peer.new(), b.props.id, srp_error, Srp.Error.NOT_LISTENING)
    expect_failure(a, secrets.token_hex(32), Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED,
                   cancel=True)

    # Already connected: the PeerInfo of the list, reached directly.
    info, error = connect(a, b.props.id)
    if error is not None:
        fail(f'connect to a connected peer: {error.message}')
    if info.props.id != b.props.id or info.props.path != Srp.Path.DIRECT:
        fail(f'connect gave {info.props.id} {info.props.path}')
    if info not in list(a.get_peers()):
        fail('the PeerInfo is not the one in get_peers()')
    if Srp.Path.to_string(info.props.path) != 'direct':
        fail(f'Path.to_string gave {Srp.Path.to_string(info.props.path)}')

    # Nobody knows this ID: no path, and the reason says why.
    error = expect_failure(a, secrets.token_hex(32), srp_error, Srp.Error.UNREACHABLE)
    if not error.message.startswith('No path to the peer: '):
        fail(f'unreachable: {error.message}')

    info, error = connect(c, a.props.id)
    if error is not None or info.props.id != a.props.id:
        fail(f'connect after the others: {error!r}')
    # None of these connections came through an introduction.
    if connected:
        fail(f'connected emitted for {connected}')
    print('connect_async: invalid IDs, connected peers, unknown peers, cancellation')


main()
