#!/usr/bin/python3
# test_store.py: a peer with a state directory, from Python
# (Srp.Peer.new_with_state_directory):
# - the identity and the subscriptions come back after a restart (the
#   restored topic is the one subscribe() returns), and what was handed over
#   before is not handed over again;
# - a restarted peer given no bootstrap reconnects through the peers it knew;
# - bad state is a GLib.Error (Srp.Error.STATE), never a crash nor a peer
#   with another identity: a database of a newer schema, a truncated or
#   garbage file, a directory that cannot be made, one in use by another
#   peer; moving the database away starts over with the same identity.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import glob
import os
import shutil
import sqlite3
import tempfile

import gi

gi.require_version('Srp', '1')
from gi.repository import GLib, Srp  # noqa: E402
from srp_testing import fail, wait_for  # noqa: E402

PUBLISHER = '127.0.0.191'
SUBSCRIBER = '127.0.0.192'
TOPIC = 'store/python'


def database(directory):
    (path,) = glob.glob(os.path.join(directory, '*.sqlite'))
    return path


def expect_state_error(directory, what, contains):
    try:
        Srp.Peer.new_with_state_directory(directory)
    except GLib.Error as error:
        if not error.matches(Srp.Error.quark(), Srp.Error.STATE):
            fail(f'{what}: {error.domain} {error.code} {error.message}')
        if contains not in error.message:
            fail(f'{what}: the error says {error.message!r}')
        print(f'{what}: {error.message}')
        return
    fail(f'{what}: the peer was made')


def restart_keeps_what_was_accepted(base):
    directory = os.path.join(base, 'subscriber')
    publisher = Srp.Peer.new()
    publisher.listen(PUBLISHER, 0)
    sender = publisher.subscribe(TOPIC)

    peer = Srp.Peer.new_with_state_directory(directory)
    if peer.props.state_directory != directory:
        fail(f'state-directory is {peer.props.state_directory}')
    peer_id = peer.props.id
    got = []
    peer.subscribe(TOPIC).connect('message', lambda _t, m: got.append(m.props.id))
    peer.add_bootstrap(PUBLISHER, publisher.props.port)
    peer.listen(SUBSCRIBER, 0)
    wait_for(lambda: peer.get_peers().get_n_items() == 1, 'the subscriber to connect')
    sent = [sender.publish(GLib.Bytes.new(b'before %d' % i)) for i in range(5)]
    wait_for(lambda: len(got) == 5, 'five messages')
    peer.run_dispose()
    del peer

    # The same identity and subscription; no bootstrap this time.
    again = Srp.Peer.new_with_state_directory(directory)
    if again.props.id != peer_id:
        fail('the restarted peer has another identity')
    restored = [t.props.name for t in again.get_topics()]
    if restored != [TOPIC]:
        fail(f'the restarted peer lists topics {restored}')
    topic = again.subscribe(TOPIC)
    if topic != again.get_topics().get_item(0):
        fail('subscribe() did not return the restored topic')
    if again.subscribe(TOPIC) == topic:
        fail('a second subscribe() returned the restored topic again')
    later = []
    topic.connect('message', lambda _t, m: later.append(m.props.id))
    again.listen(SUBSCRIBER, 0)
    wait_for(lambda: again.get_peers().get_n_items() == 1,
             'the restarted peer to reconnect through the peer it knew')
    new_id = sender.publish(GLib.Bytes.new(b'after'))
    wait_for(lambda: new_id in later, 'the message published after the restart')
    if set(later) & set(sent):
        fail(f'{len(set(later) & set(sent))} messages were handed over again after a restart')
    again.run_dispose()
    publisher.run_dispose()
    return directory, peer_id


def bad_state(base, directory, peer_id):
    path = database(directory)
    saved = path + '.good'
    shutil.copy(path, saved)

    # In use: a second peer on the same directory.
    first = Srp.Peer.new_with_state_directory(directory)
    expect_state_error(directory, 'in use', 'in use')
    first.run_dispose()

    with sqlite3.connect(path) as db:
        db.execute('PRAGMA user_version = 99')
    db.close()
    expect_state_error(directory, 'newer schema', 'newer')

    shutil.copy(saved, path)
    with open(path, 'r+b') as f:
        f.truncate(os.path.getsize(path) // 2)
    expect_state_error(directory, 'truncated', path)

    with open(path, 'wb') as f:
        f.write(os.urandom(8192))
    expect_state_error(directory, 'garbage', path)

    with open(path, 'wb'):
        pass
    expect_state_error(directory, 'empty', 'empty or truncated')

    # /proc takes no directories, even from root.
    expect_state_error('/proc/srp-test-state', 'cannot be made', 'state directory')

    # A peer made with GObject's constructor keeps the error for listen.
    peer = Srp.Peer(state_directory=directory)
    try:
        peer.listen(SUBSCRIBER, 0)
        fail('a peer with a bad state directory listened')
    except GLib.Error as error:
        if not error.matches(Srp.Error.quark(), Srp.Error.STATE):
            fail(f'listen: {error.message}')
    peer.run_dispose()

    # The documented recovery: the database moved away, the identity stays.
    os.rename(path, path + '.broken')
    fresh = Srp.Peer.new_with_state_directory(directory)
    if fresh.props.id != peer_id:
        fail('starting over changed the identity')
    fresh.run_dispose()


def main():
    base = tempfile.mkdtemp(prefix='srp-store-')
    try:
        directory, peer_id = restart_keeps_what_was_accepted(base)
        bad_state(base, directory, peer_id)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print('1 passed, 0 failed')


if __name__ == '__main__':
    main()
