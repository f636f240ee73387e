#!/usr/bin/python3
# test_stream.py: SrpStream from Python between two peers on loopback:
# open_stream_async, incoming-stream, 1 MiB through the GIO streams with
# async writes and reads, the end of the stream, the properties, and a
# refused stream.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import os

import gi

gi.require_version('Srp', '1')
from gi.repository import Gio, GLib, Srp  # noqa: E402
from srp_testing import connected_peers, fail, wait_for  # noqa: E402

ADDRESSES = ['127.0.0.203', '127.0.0.204']


def open_stream(peer, peer_id, label):
    results = []
    peer.open_stream_async(peer_id, label, None, lambda _peer, result: results.append(result))
    wait_for(lambda: results, 'the stream to open')
    try:
        return peer.open_stream_finish(results[0]), None
    except GLib.Error as error:
        return None, error


def main():
    peers = connected_peers(ADDRESSES)
    a, b = peers

    taken = []
    take = [True]

    def on_incoming(_peer, stream):
        if not take[0]:
            return False
        taken.append(stream)
        return True

    b.connect('incoming-stream', on_incoming)
    stream, error = open_stream(a, b.props.id, 'python')
    if error is not None:
        fail(f'open: {error.message}')
    if len(taken) != 1 or taken[0].props.label != 'python':
        fail(f'incoming: {taken!r}')
    if stream.props.peer_id != b.props.id or taken[0].props.peer_id != a.props.id:
        fail('peer IDs')

    data = os.urandom(1024 * 1024)
    written = []
    stream.get_output_stream().write_all_async(
        data, GLib.PRIORITY_DEFAULT, None,
        lambda out, result: written.append(out.write_all_finish(result)))
    wait_for(lambda: written, 'the write')
    stream.get_output_stream().close(None)

    got = bytearray()
    ended = []
    source = taken[0].get_input_stream()

    def on_read(input_stream, result):
        chunk = input_stream.read_bytes_finish(result)
        if chunk.get_size() == 0:
            ended.append(True)
            return
        got.extend(chunk.get_data())
        input_stream.read_bytes_async(65536, GLib.PRIORITY_DEFAULT, None, on_read)

    source.read_bytes_async(65536, GLib.PRIORITY_DEFAULT, None, on_read)
    wait_for(lambda: ended, 'the end of the stream')
    if bytes(got) != data:
        fail(f'got {len(got)} bytes, not the {len(data)} sent')
    wait_for(lambda: stream.props.bytes_sent == len(data), 'bytes-sent')
    if taken[0].props.bytes_received != len(data):
        fail(f'bytes-received {taken[0].props.bytes_received}')
    if stream.props.rtt < 0 or stream.props.path != Srp.Path.DIRECT:
        fail(f'rtt {stream.props.rtt}, path {stream.props.path}')

    take[0] = False
    stream, error = open_stream(a, b.props.id, 'refused')
    if stream is not None or not error.matches(Gio.io_error_quark(),
                                               Gio.IOErrorEnum.CONNECTION_REFUSED):
        fail(f'refused: {stream!r} {error!r}')
    for peer in peers:
        peer.close()
    print('ok')


main()
