// test-stream.js: SrpStream from GJS between two peers on loopback:
// open_stream_async, incoming-stream, 256 KiB through the GIO streams
// (write_bytes_async, read_bytes_async to the end), the properties, and a
// refused stream. Run with gjs -m.
//
// SPDX-License-Identifier: LGPL-2.1-or-later
import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import {fail, sameBytes, startNetwork, waitFor} from './srp-testing.js';

function openStream(peer, id, label) {
    let result = null;
    peer.open_stream_async(id, label, null, (_peer, res) => {
        result = res;
    });
    waitFor(() => result !== null, 'the stream to open');
    try {
        return {stream: peer.open_stream_finish(result)};
    } catch (error) {
        return {error};
    }
}

const [a, b] = startNetwork(['127.0.0.205', '127.0.0.206']);
const taken = [];
let take = true;
b.connect('incoming-stream', (_peer, stream) => {
    if (!take)
        return false;
    taken.push(stream);
    return true;
});

let {stream, error} = openStream(a, b.id, 'gjs');
if (error)
    fail(`open: ${error.message}`);
if (taken.length !== 1 || taken[0].label !== 'gjs' || taken[0].peer_id !== a.id)
    fail(`incoming: ${taken.length} ${taken[0]?.label}`);

const data = new Uint8Array(256 * 1024).map((_, i) => (i * 13) & 0xff);
let wrote = false;
stream.get_output_stream().write_all_async(data, GLib.PRIORITY_DEFAULT, null, (out, res) => {
    out.write_all_finish(res);
    wrote = true;
});
waitFor(() => wrote, 'the write');
stream.get_output_stream().close(null);

const chunks = [];
let ended = false;
const input = taken[0].get_input_stream();
function onRead(source, res) {
    const chunk = source.read_bytes_finish(res);
    if (chunk.get_size() === 0) {
        ended = true;
        return;
    }
    chunks.push(chunk.toArray());
    source.read_bytes_async(65536, GLib.PRIORITY_DEFAULT, null, onRead);
}
input.read_bytes_async(65536, GLib.PRIORITY_DEFAULT, null, onRead);
waitFor(() => ended, 'the end of the stream');
const got = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
let at = 0;
for (const c of chunks) {
    got.set(c, at);
    at += c.length;
}
if (!sameBytes(got, data))
    fail(`got ${got.length} bytes, not the ${data.length} sent`);
waitFor(() => stream.bytes_sent === data.length, 'bytes-sent');
if (taken[0].bytes_received !== data.length || stream.rtt < 0)
    fail(`bytes-received ${taken[0].bytes_received}, rtt ${stream.rtt}`);

take = false;
({stream, error} = openStream(a, b.id, 'refused'));
if (stream || !error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CONNECTION_REFUSED))
    fail(`refused: ${stream} ${error}`);
a.close();
b.close();
print('ok');
