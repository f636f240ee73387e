#!/usr/bin/python3
# copy-file.py: copy a file to another libsrp peer over an SrpStream.
#
#   copy-file.py FILE        copy FILE to a second peer in this process
#                            and check that the copy is the same
#
# The receiving peer takes streams labelled "file:NAME" in its
# incoming-stream handler and splices each into a file; the sender splices
# the file into the stream. Both sides are plain GIO: any GInputStream and
# GOutputStream would do.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import hashlib
import os
import sys
import tempfile

import gi

gi.require_version('Srp', '1')
from gi.repository import Gio, GLib, Srp  # noqa: E402

loop = GLib.MainLoop()
status = 1
directory = tempfile.mkdtemp()
path = sys.argv[1] if len(sys.argv) > 1 else __file__

sender = Srp.Peer.new()
receiver = Srp.Peer.new()
receiver.listen('127.0.0.1', 0)
sender.add_bootstrap('127.0.0.1', receiver.props.port)
sender.listen('127.0.0.1', 0)


def on_received(sink, result, target):
    global status
    sink.splice_finish(result)
    with open(path, 'rb') as a, open(target, 'rb') as b:
        same = hashlib.sha256(a.read()).digest() == hashlib.sha256(b.read()).digest()
    print(f'received {os.path.getsize(target)} bytes into {target}: '
          f'{"the same" if same else "DIFFERENT"}')
    status = 0 if same else 1
    loop.quit()


def on_incoming(_peer, stream):
    if not stream.props.label.startswith('file:'):
        return False
    target = os.path.join(directory, os.path.basename(stream.props.label[5:]))
    sink = Gio.File.new_for_path(target).replace(None, False, Gio.FileCreateFlags.NONE, None)
    sink.splice_async(stream.get_input_stream(),
                      Gio.OutputStreamSpliceFlags.CLOSE_TARGET, GLib.PRIORITY_DEFAULT, None,
                      on_received, target)
    # The splice holds the input stream; the stream itself must stay too.
    streams.append(stream)
    return True


streams = []
receiver.connect('incoming-stream', on_incoming)


def on_sent(out, result, stream):
    print(f'sent {out.splice_finish(result)} bytes, '
          f'{stream.props.bytes_retransmitted} sent again')


def on_open(peer, result):
    try:
        stream = peer.open_stream_finish(result)
    except GLib.Error as error:
        print(f'cannot open a stream: {error.message}', file=sys.stderr)
        loop.quit()
        return
    streams.append(stream)
    source = Gio.File.new_for_path(path).read(None)
    stream.get_output_stream().splice_async(
        source, Gio.OutputStreamSpliceFlags.CLOSE_SOURCE | Gio.OutputStreamSpliceFlags.CLOSE_TARGET,
        GLib.PRIORITY_DEFAULT, None, on_sent, stream)


def start():
    if sender.get_peers().get_n_items() == 0:
        return GLib.SOURCE_CONTINUE
    sender.open_stream_async(receiver.props.id, 'file:' + os.path.basename(path), None, on_open)
    return GLib.SOURCE_REMOVE


GLib.timeout_add(10, start)
GLib.timeout_add_seconds(20, loop.quit)
loop.run()
sys.exit(status)
