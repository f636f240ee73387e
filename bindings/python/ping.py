#!/usr/bin/python3
# ping.py: ping a libsrp peer from Python.
#
#   ping.py HOST PORT   ping a peer there
#   ping.py             ping a second peer in this process
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import sys

import gi

gi.require_version('Srp', '1')
from gi.repository import GLib, Srp  # noqa: E402

loop = GLib.MainLoop()
peer = Srp.Peer.new()
peer.listen(None, 0)
print(f'peer {peer.props.id} listens on port {peer.props.port}')

if len(sys.argv) == 3:
    host, port = sys.argv[1], int(sys.argv[2])
else:
    other = Srp.Peer.new()
    other.listen('127.0.0.1', 0)
    host, port = '127.0.0.1', other.props.port

status = 1


def on_ping(source, result):
    global status
    try:
        print(f'{host} port {port}: {source.ping_finish(result)} µs')
        status = 0
    except GLib.Error as error:
        print(f'{host} port {port}: {error.message}', file=sys.stderr)
    loop.quit()


peer.ping_async(host, port, None, on_ping)
loop.run()
sys.exit(status)
