// ping.js: ping a libsrp peer from GJS.
//
//   gjs -m ping.js HOST PORT   ping a peer there
//   gjs -m ping.js             ping a second peer in this process
//
// SPDX-License-Identifier: LGPL-2.1-or-later
import GLib from 'gi://GLib';
import Srp from 'gi://Srp?version=1';
import System from 'system';

const loop = new GLib.MainLoop(null, false);
const peer = new Srp.Peer();
peer.listen(null, 0);
print(`peer ${peer.id} listens on port ${peer.port}`);

let [host, port] = ARGV;
let other = null;
if (port === undefined) {
    other = new Srp.Peer();
    other.listen('127.0.0.1', 0);
    [host, port] = ['127.0.0.1', other.port];
}

let status = 1;
peer.ping_async(host, Number(port), null, (source, result) => {
    try {
        print(`${host} port ${port}: ${source.ping_finish(result)} µs`);
        status = 0;
    } catch (error) {
        printerr(`${host} port ${port}: ${error.message}`);
    }
    loop.quit();
});
loop.run();
System.exit(status);
