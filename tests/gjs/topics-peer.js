// topics-peer.js: one peer in its own GJS process, driven by
// tests/python/test_processes.py. It is the twin of
// tests/python/topics_peer.py and speaks the same lines (see there):
//
//   gjs -m topics-peer.js LISTEN_ADDRESS BOOTSTRAP_HOST:PORT TOPIC
//
// JSON events on stdout; "publish BASE64" and "send PEER_ID BASE64" on
// stdin; the end of stdin closes the peer and exits 0.
//
// SPDX-License-Identifier: LGPL-2.1-or-later
import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import Srp from 'gi://Srp?version=1';
import System from 'system';

function emit(event, fields = {}) {
    print(JSON.stringify({event, ...fields}));
}

function onMessage(message) {
    const data = message.data.toArray();
    emit('message', {topic: message.topic, id: message.id, size: data.length,
        data_b64: GLib.base64_encode(data)});
}

function runCommand(peer, topic, line) {
    const words = line.split(' ');
    if (words[0] === 'publish' && words.length === 2)
        emit('published', {id: topic.publish(new GLib.Bytes(GLib.base64_decode(words[1])))});
    else if (words[0] === 'send' && words.length === 3)
        emit('sent', {id: peer.send(words[1], new GLib.Bytes(GLib.base64_decode(words[2])))});
    else
        throw new Error(`unknown command “${line}”`);
}

const [listen, bootstrap, topicName] = ARGV;
const colon = bootstrap.lastIndexOf(':');
const loop = new GLib.MainLoop(null, false);
const peer = new Srp.Peer();
const topic = peer.subscribe(topicName);
topic.connect('message', (_t, message) => onMessage(message));
peer.connect('message', (_p, message) => onMessage(message));
for (const signal of ['peer-added', 'peer-removed'])
    peer.connect(signal, p => emit('peers', {n: p.get_peers().get_n_items()}));
peer.add_bootstrap(bootstrap.slice(0, colon), Number(bootstrap.slice(colon + 1)));
peer.listen(listen, 0);
emit('ready', {id: peer.id, port: peer.port});

const stdin = new Gio.DataInputStream({
    base_stream: new Gio.UnixInputStream({fd: 0, close_fd: false}),
});
let failure = null;
function onLine(stream, result) {
    try {
        const [line] = stream.read_line_finish_utf8(result);
        if (line === null) {
            loop.quit();
            return;
        }
        runCommand(peer, topic, line);
        stream.read_line_async(GLib.PRIORITY_DEFAULT, null, onLine);
    } catch (error) {
        failure = error;
        loop.quit();
    }
}
stdin.read_line_async(GLib.PRIORITY_DEFAULT, null, onLine);
loop.run();
peer.close();
if (failure !== null) {
    printerr(`topics-peer.js: ${failure}`);
    System.exit(1);
}
emit('stopped');
