// test-peers.js: two peers in one GLib main loop ping each other through
// GJS and the uninstalled typelib. Run with gjs -m.
//
// SPDX-License-Identifier: LGPL-2.1-or-later
import GLib from 'gi://GLib';
import Srp from 'gi://Srp?version=1';
import {fail} from './srp-testing.js';

const loop = new GLib.MainLoop(null, false);
const peers = {a: Srp.Peer.new(), b: new Srp.Peer()};
const rtts = {};

for (const peer of Object.values(peers)) {
    if (!/^[0-9a-f]{64}$/.test(peer.id) || peer.id !== peer.get_id())
        fail(`bad id ${peer.id}`);
    if (peer.port !== 0)
        fail('port is not 0 before listen');
    peer.listen('127.0.0.1', 0);
    if (peer.port === 0 || peer.port !== peer.get_port())
        fail(`bad port ${peer.port}`);
}
if (peers.a.id === peers.b.id)
    fail('two peers have the same id');

for (const [name, peer] of Object.entries(peers)) {
    const other = name === 'a' ? peers.b : peers.a;
    peer.ping_async('127.0.0.1', other.port, null, (source, result) => {
        try {
            rtts[name] = source.ping_finish(result);
        } catch (error) {
            fail(`ping from ${name}: ${error.message}`);
        }
        if (Object.keys(rtts).length === 2)
            loop.quit();
    });
}
GLib.timeout_add_seconds(GLib.PRIORITY_DEFAULT, 10, () => fail('no answer within 10 s'));
loop.run();

for (const [name, rtt] of Object.entries(rtts)) {
    if (!(rtt > 0 && rtt < 10_000_000))
        fail(`ping from ${name}: round trip of ${rtt} µs`);
    print(`${name}: ${rtt} µs`);
}

// Errors arrive as GLib.Error in the Srp.Error domain.
const lonely = new Srp.Peer();
lonely.ping_async('127.0.0.1', 9, null, (source, result) => {
    try {
        source.ping_finish(result);
        fail('ping before listen succeeded');
    } catch (error) {
        if (!error.matches(Srp.error_quark(), Srp.Error.NOT_LISTENING))
            fail(`ping before listen: ${error}`);
    }
    loop.quit();
});
loop.run();

for (const peer of Object.values(peers))
    peer.close();
print('ok');
