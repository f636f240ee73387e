#!/usr/bin/python3
# store_peer.py: one peer of the crash test (test_store_crash.py), in its own
# process, with a state directory, killed with SIGKILL at random moments and
# started again on the same directory. Prints one JSON object per line and
# ends when its stdin closes (the test died).
#
#   store_peer.py publish DIR ADDRESS PORT FIRST COUNT
#       listens on ADDRESS:PORT, publishes message FIRST..COUNT-1 on the
#       topic, one per main-loop turn with a 1 ms pause, printing
#       {"event":"published","index":I,"id":ID} after each; then "done".
#   store_peer.py subscribe DIR ADDRESS BOOTSTRAP_PORT [PAUSE_MS]
#       subscribes, listens, bootstraps through ADDRESS:BOOTSTRAP_PORT and
#       prints {"event":"message","id":ID,"data_b64":...} for each message,
#       taking PAUSE_MS over each (a slow application: messages then come
#       over a while, and kills fall while it receives).
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import base64
import json
import sys
import time

import gi

gi.require_version('Srp', '1')
from gi.repository import GLib, Srp  # noqa: E402

TOPIC = 'store/crash'


def body(index):
    """Message index's bytes: mostly small, every 97th a chain of packets."""
    size = 3000 if index % 97 == 0 else 40 + index % 200
    return (f'crash-message-{index}:' * (size // 16 + 1)).encode()[:size]


def emit(**fields):
    print(json.dumps(fields), flush=True)


def main():
    role, directory, address = sys.argv[1:4]
    peer = Srp.Peer.new_with_state_directory(directory)
    loop = GLib.MainLoop()
    GLib.io_add_watch(GLib.IOChannel.unix_new(0), GLib.PRIORITY_DEFAULT,
                      GLib.IOCondition.IN | GLib.IOCondition.HUP, lambda *a: loop.quit())
    topic = peer.subscribe(TOPIC)
    if role == 'publish':
        port, first, count = (int(a) for a in sys.argv[4:7])
        peer.listen(address, port)
        emit(event='ready', id=peer.props.id, port=peer.props.port)
        state = {'next': first}

        def publish_one():
            index = state['next']
            if index >= count:
                emit(event='done')
                return GLib.SOURCE_REMOVE
            message_id = topic.publish(GLib.Bytes.new(body(index)))
            emit(event='published', index=index, id=message_id)
            state['next'] = index + 1
            return GLib.SOURCE_CONTINUE

        GLib.timeout_add(1, publish_one)
    else:
        bootstrap_port = int(sys.argv[4])
        pause_s = int(sys.argv[5]) / 1000 if len(sys.argv) > 5 else 0

        def on_message(_topic, message):
            data = message.get_data().get_data()
            emit(event='message', id=message.get_id(), data_b64=base64.b64encode(data).decode())
            if pause_s:
                time.sleep(pause_s)

        topic.connect('message', on_message)
        peer.listen(address, 0)
        peer.add_bootstrap(address, bootstrap_port)
        emit(event='ready', id=peer.props.id, port=peer.props.port)
    loop.run()


if __name__ == '__main__':
    main()
