#!/usr/bin/python3
# test_network.py: three peers on loopback find each other through one
# bootstrap peer; Python lists them through the GListModel, follows the
# peer-added signal and the nat-type property, and keeps an identity in a key
# file.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import os
import tempfile

import gi

gi.require_version('Srp', '1')
from gi.repository import Gio, GLib, Srp  # noqa: E402
from srp_testing import fail, wait_for  # noqa: E402

# Different loopback addresses: NAT classification needs peers at two IPs.
ADDRESSES = ['127.0.0.61', '127.0.0.62', '127.0.0.63']


def check_key_file():
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, 'peer.key')
        first = Srp.Peer.new_with_key_file(path)
        second = Srp.Peer.new_with_key_file(path)
        if first.props.id != second.props.id:
            fail('the key file did not keep the identity')
        if os.stat(path).st_mode & 0o777 != 0o600:
            fail(f'key file mode {oct(os.stat(path).st_mode & 0o777)}')
        with open(path, 'w') as f:
            f.write('not a key\n')
        try:
            Srp.Peer.new_with_key_file(path)
            fail('a corrupt key file gave a peer')
        except GLib.Error as error:
            if not error.matches(Srp.error_quark(), Srp.Error.IDENTITY):
                fail(f'corrupt key file: {error!r}')


def main():
    check_key_file()
    peers = [Srp.Peer.new() for _ in ADDRESSES]
    added = []
    nat_types = {}
    peers[0].connect('peer-added', lambda _peer, info: added.append(info.props.id))
    for peer, address in zip(peers, ADDRESSES):
        peer.connect('notify::nat-type',
                     lambda p, _pspec: nat_types.__setitem__(p.props.id, p.props.nat_type))
        if peer is not peers[0]:
            peer.add_bootstrap(ADDRESSES[0], peers[0].props.port)
        peer.listen(address, 0)
        if peer is peers[0]:
            try:
                peer.add_bootstrap('', 1)
                fail('an empty bootstrap host was accepted')
            except GLib.Error as error:
                if not error.matches(Srp.error_quark(), Srp.Error.INVALID_ARGUMENT):
                    fail(f'empty host: {error!r}')

    def everyone_listed():
        return all(p.get_peers().get_n_items() == len(peers) - 1 for p in peers)

    wait_for(everyone_listed, 'every peer to list the others')
    ids = {p.props.id for p in peers}
    for peer, address in zip(peers, ADDRESSES):
        model = peer.get_peers()
        if not isinstance(model, Gio.ListModel) or model.get_item_type() != Srp.PeerInfo.__gtype__:
            fail(f'get_peers() gave {model!r}')
        # A GListModel is iterable from Python, as a GTK list view would read it.
        listed = {info.props.id for info in model}
        if listed != ids - {peer.props.id}:
            fail(f'{address} lists {listed}')
        for info in model:
            if info.props.since is None or not info.props.address.startswith('127.0.0.'):
                fail(f'bad peer info {info.props.address} {info.props.since}')
    if sorted(added) != sorted(ids - {peers[0].props.id}):
        fail(f'peer-added gave {added}')

    wait_for(lambda: len(nat_types) == len(peers), 'every NAT type')
    for peer, address in zip(peers, ADDRESSES):
        if peer.props.nat_type != Srp.NatType.PUBLIC:
            fail(f'{address}: NAT type {peer.props.nat_type}')
        if peer.props.public_address != f'{address}:{peer.props.port}':
            fail(f'{address}: public address {peer.props.public_address}')
    if Srp.NatType.to_string(Srp.NatType.SYMMETRIC) != 'symmetric':
        fail('NatType.to_string')
    # Each family apart: these peers are linked over IPv4 only.
    for peer, address in zip(peers, ADDRESSES):
        if peer.props.nat_type_ipv4 != Srp.NatType.PUBLIC:
            fail(f'{address}: IPv4 NAT type {peer.props.nat_type_ipv4}')
        if peer.props.nat_type_ipv6 != Srp.NatType.UNKNOWN:
            fail(f'{address}: IPv6 NAT type {peer.props.nat_type_ipv6} without IPv6 links')
    if Srp.NatType.to_string(Srp.NatType.FIREWALL) != 'firewall':
        fail('NatType.to_string (firewall)')

    removed = []
    peers[1].connect('peer-removed', lambda _peer, info: removed.append(info.props.id))
    peers[0].close()
    # The goodbye reaches the others at once: no waiting for heartbeats.
    wait_for(lambda: peers[0].props.id in removed, 'peer-removed after a close')
    print(f'{len(peers)} peers listed each other; NAT types: public')


main()
