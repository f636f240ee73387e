# srp_testing.py: what the Python tests share.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import os
import sys

from gi.repository import GLib


def fail(message):
    """Ends the test at once: SystemExit raised in a GLib callback would only be printed."""
    print(f'FAIL: {message}', file=sys.stderr, flush=True)
    os._exit(1)


def wait_for(condition, what, seconds=20):
    """Iterates the default main context until condition() holds; fails after seconds."""
    context = GLib.MainContext.default()
    deadline = GLib.get_monotonic_time() + seconds * 1_000_000
    while not condition():
        if GLib.get_monotonic_time() > deadline:
            fail(f'waited {seconds} s in vain for {what}')
        context.iteration(True)


def connected_peers(addresses):
    """One Srp.Peer per loopback address, the first the others' bootstrap node; returns them
    once every peer lists all the others."""
    from gi.repository import Srp

    peers = [Srp.Peer.new() for _ in addresses]
    for peer, address in zip(peers, addresses):
        if peer is not peers[0]:
            peer.add_bootstrap(addresses[0], peers[0].props.port)
        peer.listen(address, 0)
    wait_for(lambda: all(p.get_peers().get_n_items() == len(peers) - 1 for p in peers),
             'every peer to list the others')
    return peers
