// test-bootstrap-url.js: Srp.Peer.add_bootstrap_url_async and tls-database
// from GJS: a URL without the list's key is refused through the finish
// function, an http:// one too, and the property takes a GTlsDatabase.
// (The whole fetch is tests/shell/test-bootstrap-url.c's and Python's.)
// Run with gjs -m.
//
// SPDX-License-Identifier: LGPL-2.1-or-later
import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Srp from 'gi://Srp?version=1';
import {fail} from './srp-testing.js';

const peer = new Srp.Peer();
if (peer.tls_database !== null)
    fail('tls-database is not null by default');
peer.set_tls_database(Gio.TlsBackend.get_default().get_default_database());
if (peer.get_tls_database() === null)
    fail('tls-database did not stick');

const loop = new GLib.MainLoop(null, false);
const urls = ['https://127.0.0.1:1/list', 'http://127.0.0.1:1/list#ed25519=' + '0'.repeat(64)];
let pending = urls.length;
for (const url of urls) {
    peer.add_bootstrap_url_async(url, null, (source, result) => {
        try {
            source.add_bootstrap_url_finish(result);
            fail(`${url} was taken`);
        } catch (error) {
            if (!error.matches(Srp.error_quark(), Srp.Error.INVALID_ARGUMENT))
                fail(`${url}: ${error}`);
        }
        if (--pending === 0)
            loop.quit();
    });
}
loop.run();
print('ok: add_bootstrap_url_async');
