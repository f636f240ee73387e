#!/usr/bin/python3
# topics_peer.py: one peer in its own process, driven by test_processes.py
# (tests/gjs/topics-peer.js is its GJS twin and speaks the same lines).
#
#   topics_peer.py LISTEN_ADDRESS BOOTSTRAP_HOST:PORT TOPIC
#
# It subscribes to TOPIC, joins through the bootstrap peer and prints one
# JSON object per line: {"event":"ready","id","port"}, {"event":"peers","n"}
# whenever its number of connected peers changes, {"event":"message",...} as
# srp-tool subscribe --json does (topic null for its inbox), and
# {"event":"published"|"sent","id"} for its own. It reads commands from
# stdin, one a line:
#   publish BASE64          publish on TOPIC
#   send PEER_ID BASE64     send to a peer's inbox
# At the end of stdin it closes the peer, prints {"event":"stopped"} and
# exits 0; so it also ends when the test that started it dies.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import base64
import json
import sys

import gi

gi.require_version('Srp', '1')
from gi.repository import Gio, GLib, Srp  # noqa: E402


def emit(event, **fields):
    print(json.dumps({'event': event, **fields}, separators=(',', ':')), flush=True)


def on_message(message):
    data = message.props.data.get_data()
    emit('message', topic=message.props.topic, id=message.props.id, size=len(data),
         data_b64=base64.b64encode(data).decode())


def run_command(peer, topic, line):
    words = line.split()
    if words[0] == 'publish' and len(words) == 2:
        emit('published', id=topic.publish(GLib.Bytes.new(base64.b64decode(words[1]))))
    elif words[0] == 'send' and len(words) == 3:
        emit('sent', id=peer.send(words[1], GLib.Bytes.new(base64.b64decode(words[2]))))
    else:
        raise ValueError(f'unknown command {line!r}')


def main():
    listen, bootstrap, topic_name = sys.argv[1:]
    host, port = bootstrap.rsplit(':', 1)
    loop = GLib.MainLoop()
    peer = Srp.Peer.new()
    topic = peer.subscribe(topic_name)
    topic.connect('message', lambda _t, m: on_message(m))
    peer.connect('message', lambda _p, m: on_message(m))
    for signal in ('peer-added', 'peer-removed'):
        peer.connect(signal, lambda p, _i: emit('peers', n=p.get_peers().get_n_items()))
    peer.add_bootstrap(host, int(port))
    peer.listen(listen, 0)
    emit('ready', id=peer.props.id, port=peer.props.port)

    stdin = Gio.DataInputStream.new(Gio.UnixInputStream.new(0, False))
    failure = []

    def on_line(stream, result):
        try:
            line, _length = stream.read_line_finish_utf8(result)
            if line is None:
                loop.quit()
                return
            run_command(peer, topic, line)
            stream.read_line_async(GLib.PRIORITY_DEFAULT, None, on_line)
        except Exception as error:  # noqa: BLE001: any failure ends the peer, loudly
            failure.append(error)
            loop.quit()

    stdin.read_line_async(GLib.PRIORITY_DEFAULT, None, on_line)
    loop.run()
    peer.close()
    if failure:
        print(f'topics_peer.py: {failure[0]!r}', file=sys.stderr, flush=True)
        sys.exit(1)
    emit('stopped')


main()
