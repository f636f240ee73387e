// test-lan.js: SrpPeer:lan-discovery from GJS: on by default, switched off
// while listening with one notify, and back on. Run with gjs -m.
//
// SPDX-License-Identifier: LGPL-2.1-or-later
import Srp from 'gi://Srp?version=1';
import {fail} from './srp-testing.js';

const peer = new Srp.Peer();
const notified = [];
peer.connect('notify::lan-discovery', p => notified.push(p.lan_discovery));
if (peer.lan_discovery !== true || peer.get_lan_discovery() !== true)
    fail('LAN discovery is not on by default');
peer.listen('127.0.0.1', 0);
peer.lan_discovery = false;
if (peer.get_lan_discovery() !== false || notified.join() !== 'false')
    fail(`switching off: ${peer.get_lan_discovery()} [${notified}]`);
peer.set_lan_discovery(false);
if (notified.length !== 1)
    fail('setting the same value notified again');
peer.set_lan_discovery(true);
if (!peer.lan_discovery || notified.join() !== 'false,true')
    fail(`switching on: [${notified}]`);
peer.close();
print('ok: lan-discovery');
