#!/usr/bin/python3
# test_authors.py: four peers on loopback; Python signs and verifies its own
# bytes (Srp.Peer.sign, Srp.verify), reads who published a message
# (Srp.Message.props.sender, signed by default, None when anonymous), sends
# sealed letters (signed and anonymous), and uses a group topic that only
# the peers given its secret read.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import gi

gi.require_version('Srp', '1')
from gi.repository import GLib, Srp  # noqa: E402
from srp_testing import connected_peers, fail, wait_for  # noqa: E402

ADDRESSES = ['127.0.0.121', '127.0.0.122', '127.0.0.123', '127.0.0.124']
SECRET = GLib.Bytes.new(b'the crew shares these 32 bytes!!')


def expect_error(f, code, what):
    try:
        f()
    except GLib.Error as error:
        if not error.matches(Srp.error_quark(), code):
            fail(f'{what}: {error!r}')
        return
    fail(f'{what} did not fail')


def pause(ms):
    done = []
    GLib.timeout_add(ms, lambda: done.append(True) and False)
    wait_for(lambda: done, f'{ms} ms')


def check_helpers(peer, other):
    data = GLib.Bytes.new(b'an application format')
    signature = peer.sign(data)
    if signature.get_size() != 64:
        fail(f'a signature of {signature.get_size()} bytes')
    if not Srp.verify(peer.props.id, data, signature):
        fail('a genuine signature did not verify')
    expect_error(lambda: Srp.verify(other.props.id, data, signature), Srp.Error.BAD_SIGNATURE,
                 "another peer's ID")
    expect_error(lambda: Srp.verify(peer.props.id, GLib.Bytes.new(b'an application format!'),
                                    signature), Srp.Error.BAD_SIGNATURE, 'other bytes')
    expect_error(lambda: Srp.verify(peer.props.id, data, GLib.Bytes.new(b'short')),
                 Srp.Error.INVALID_ARGUMENT, 'a short signature')
    expect_error(lambda: Srp.verify('not-an-id', data, signature), Srp.Error.INVALID_ARGUMENT,
                 'a malformed ID')
    # Deterministic (Ed25519), and the empty message signs too.
    if peer.sign(data).get_data() != signature.get_data():
        fail('signing twice gave two signatures')
    empty = GLib.Bytes.new(b'')
    if not Srp.verify(peer.props.id, empty, peer.sign(empty)):
        fail('the empty message')


def main():
    peers = connected_peers(ADDRESSES)
    check_helpers(peers[0], peers[1])

    # Authors: signed by default, anonymous on request.
    got = []
    sub = peers[1].subscribe('py/authors')
    sub.connect('message', lambda _t, m: got.append(m))
    pause(300)
    publisher = peers[0].subscribe('py/authors')
    if publisher.props.anonymous or publisher.props.group:
        fail('a plain topic is anonymous or a group by default')
    publisher.publish(GLib.Bytes.new(b'signed'))
    publisher.props.anonymous = True
    publisher.publish(GLib.Bytes.new(b'anonymous'))
    wait_for(lambda: len(got) == 2, 'both messages')
    by_data = {m.props.data.get_data(): m for m in got}
    if by_data[b'signed'].props.sender != peers[0].props.id or by_data[b'signed'].props.sealed:
        fail(f'signed message from {by_data[b"signed"].props.sender}')
    if by_data[b'anonymous'].props.sender is not None:
        fail('the anonymous message has a sender')

    # Letters: sealed to the recipient, signed unless sent anonymously.
    letters = []
    peers[2].connect('message', lambda _p, m: letters.append(m))
    peers[0].send(peers[2].props.id, GLib.Bytes.new(b'for peer 2'))
    peers[3].send_anonymous(peers[2].props.id, GLib.Bytes.new(b'guess who'))
    wait_for(lambda: len(letters) == 2, 'two letters')
    by_data = {m.props.data.get_data(): m for m in letters}
    if by_data[b'for peer 2'].props.sender != peers[0].props.id:
        fail(f'letter from {by_data[b"for peer 2"].props.sender}')
    if by_data[b'guess who'].props.sender is not None:
        fail('the anonymous letter has a sender')
    if not all(m.props.sealed for m in letters):
        fail('a letter was not sealed')
    expect_error(lambda: peers[0].send('00' * 32, GLib.Bytes.new(b'x')),
                 Srp.Error.INVALID_ARGUMENT, 'a letter to a key that is no point')

    # Group topics: peers 1 and 2 have the secret, peer 3 the name alone.
    crew = {1: [], 2: [], 3: []}
    groups = {}
    for i in (1, 2):
        groups[i] = peers[i].subscribe_with_secret('py/crew', SECRET)
        groups[i].connect('message', lambda _t, m, i=i: crew[i].append(m))
    outsider = peers[3].subscribe('py/crew')
    outsider.connect('message', lambda _t, m: crew[3].append(m))
    if not groups[1].props.group or groups[1].props.id == outsider.props.id:
        fail('the group topic looks like the plain one')
    if groups[1].props.id != groups[2].props.id:
        fail('two members derived two IDs')
    expect_error(lambda: peers[1].subscribe_with_secret('py/crew', GLib.Bytes.new(b'short')),
                 Srp.Error.INVALID_ARGUMENT, 'a short secret')
    pause(300)
    groups[1].publish(GLib.Bytes.new(b'crew only'))
    outsider.publish(GLib.Bytes.new(b'plain crew'))
    wait_for(lambda: crew[2], 'the group message at peer 2')
    pause(1000)
    if [m.props.data.get_data() for m in crew[2]] != [b'crew only']:
        fail(f'peer 2 got {[m.props.data.get_data() for m in crew[2]]}')
    if not crew[2][0].props.sealed or crew[2][0].props.sender != peers[1].props.id:
        fail('the group message was not sealed, or not from peer 1')
    if [m.props.data.get_data() for m in crew[3]] != []:
        fail('the outsider read the group (or its own message came back)')
    print('sign and verify; signed and anonymous messages; signed and anonymous letters, '
          'sealed; a group topic read by its members alone')


if __name__ == '__main__':
    main()
