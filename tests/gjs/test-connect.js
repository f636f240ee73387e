// test-connect.js: Peer.connect_async from GJS between three peers on
// loopback: invalid IDs, an already-connected peer (its PeerInfo, reached
// directly), a peer nobody knows, cancellation. Run with gjs -m.
//
// SPDX-License-Identifier: LGPL-2.1-or-later
import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import Srp from 'gi://Srp?version=1';
import {fail, startNetwork, waitFor} from './srp-testing.js';

// Runs connect_async to its end: {info} or {error}. With cancel, cancels
// before the main loop had a turn.
function connect(peer, id, cancel = false) {
    const cancellable = new Gio.Cancellable();
    let result = null;
    peer.connect_async(id, cancellable, (_peer, res) => {
        result = res;
    });
    if (cancel)
        cancellable.cancel();
    waitFor(() => result !== null, 'a connect result');
    try {
        return {info: peer.connect_finish(result)};
    } catch (error) {
        return {error};
    }
}

function expectFailure(peer, id, domain, code, cancel = false) {
    const {info, error} = connect(peer, id, cancel);
    if (info || !error.matches(domain, code))
        fail(`connect to '${id}': ${info} ${error}, not code ${code}`);
    return error;
}

function randomId() {
    let id = '';
    for (let i = 0; i < 8; i++)
        id += GLib.random_int().toString(16).padStart(8, '0');
    return id;
}

const peers = startNetwork(['127.0.0.114', '127.0.0.115', '127.0.0.116']);
const connected = [];
for (const peer of peers)
    peer.connect('connected', (_peer, info) => connected.push(info.id));
const [a, b, c] = peers;

const srpError = Srp.error_quark();
for (const bad of ['', 'xyz', b.id.slice(0, -1), `${b.id.slice(0, -1)}g`, a.id])
    expectFailure(a, bad, srpError, Srp.Error.INVALID_ARGUMENT);
expectFailure(new Srp.Peer(), b.id, srpError, Srp.Error.NOT_LISTENING);
expectFailure(a, randomId(), Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED, true);

// Already connected: the PeerInfo of the list, reached directly.
let {info, error} = connect(a, b.id);
if (error)
    fail(`connect to a connected peer: ${error.message}`);
if (info.id !== b.id || info.path !== Srp.Path.DIRECT)
    fail(`connect gave ${info.id} ${info.path}`);
const listed = [];
for (let i = 0; i < a.get_peers().get_n_items(); i++)
    listed.push(a.get_peers().get_item(i));
if (!listed.includes(info))
    fail('the PeerInfo is not the one in get_peers()');
if (Srp.Path.to_string(Srp.Path.RELAYED) !== 'relayed')
    fail('Path.to_string');

// Nobody knows this ID: no path, and the reason says why.
error = expectFailure(a, randomId(), srpError, Srp.Error.UNREACHABLE);
if (!error.message.startsWith('No path to the peer: '))
    fail(`unreachable: ${error.message}`);

({info, error} = connect(c, a.id));
if (error || info.id !== a.id)
    fail(`connect after the others: ${error}`);
// None of these connections came through an introduction.
if (connected.length > 0)
    fail(`connected emitted for ${connected}`);
print('connect_async: invalid IDs, connected peers, unknown peers, cancellation');
