// test-store.js: a peer with a state directory, from GJS
// (Srp.Peer.new_with_state_directory): its identity, its subscriptions and
// what it published come back after a restart; a file that is no database
// is a GLib.Error in Srp.Error.STATE. Run with gjs -m.
//
// SPDX-License-Identifier: LGPL-2.1-or-later
import GLib from 'gi://GLib';
import Srp from 'gi://Srp?version=1';
import {expectSrpError, fail} from './srp-testing.js';

const base = GLib.dir_make_tmp('srp-store-gjs-XXXXXX');
const directory = GLib.build_filenamev([base, 'peer']);

let peer = Srp.Peer.new_with_state_directory(directory);
if (peer.state_directory !== directory)
    fail(`state_directory is ${peer.state_directory}`);
const id = peer.id;
const topic = peer.subscribe('store/gjs');
peer.listen('127.0.0.1', 0);
const messageId = topic.publish(new GLib.Bytes(new TextEncoder().encode('kept')));
peer.run_dispose();

peer = Srp.Peer.new_with_state_directory(directory);
if (peer.id !== id)
    fail('the restarted peer has another identity');
const names = [];
for (let i = 0; i < peer.get_topics().get_n_items(); i++)
    names.push(peer.get_topics().get_item(i).name);
if (names.join() !== 'store/gjs')
    fail(`the restarted peer lists topics ${names}`);
// What it published is in its cache, for the peers that come later.
const stats = peer.get_stats();
if (stats.lookup_value('cache_packets', null).unpack() < 1)
    fail(`the cache came back empty, ${messageId} lost`);
peer.run_dispose();

// A file that is no database: refused, never a fresh peer.
const path = GLib.build_filenamev([directory, `${id}.sqlite`]);
GLib.file_set_contents(path, 'no database at all, not even close to one'.repeat(200));
expectSrpError(() => Srp.Peer.new_with_state_directory(directory), Srp.Error.STATE,
    'a garbage state database');
print('1 passed, 0 failed');
