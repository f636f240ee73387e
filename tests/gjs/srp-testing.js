// srp-testing.js: what the GJS tests share (the counterpart of
// tests/python/srp_testing.py). Import it relative to the test:
//   import {fail, waitFor} from './srp-testing.js';
//
// SPDX-License-Identifier: LGPL-2.1-or-later
import GLib from 'gi://GLib';
import Srp from 'gi://Srp?version=1';
import System from 'system';

// Ends the test at once, also from a signal handler (where a thrown
// exception would only be logged by GJS).
export function fail(message) {
    printerr(`FAIL: ${message}`);
    System.exit(1);
}

// Iterates the default main context until condition() holds; fails after
// seconds. The limit is a hang guard, not a timing assertion.
export function waitFor(condition, what, seconds = 20) {
    const context = GLib.MainContext.default();
    const deadline = GLib.get_monotonic_time() + seconds * 1_000_000;
    while (!condition()) {
        if (GLib.get_monotonic_time() > deadline)
            fail(`waited ${seconds} s in vain for ${what}`);
        context.iteration(true);
    }
}

// Fails unless calling f throws a GLib.Error with code in the Srp.Error domain.
export function expectSrpError(f, code, what) {
    try {
        f();
    } catch (error) {
        if (!(error instanceof GLib.Error) || !error.matches(Srp.error_quark(), code))
            fail(`${what}: ${error}`);
        return;
    }
    fail(`${what} did not fail`);
}

// Peers listening on the given loopback addresses, each but the first
// bootstrapped through the first; returns once each lists all the others.
export function startNetwork(addresses) {
    const peers = addresses.map(() => new Srp.Peer());
    peers.forEach((peer, i) => {
        if (i > 0)
            peer.add_bootstrap(addresses[0], peers[0].port);
        peer.listen(addresses[i], 0);
    });
    waitFor(() => peers.every(p => p.get_peers().get_n_items() === peers.length - 1),
        'every peer to list the others');
    return peers;
}

export const encoder = new TextEncoder();
export const decoder = new TextDecoder();

// Whether two Uint8Arrays hold the same bytes.
export function sameBytes(a, b) {
    return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

// The lowercase hexadecimal SHA-256 of a Uint8Array.
export function sha256Hex(bytes) {
    const checksum = new GLib.Checksum(GLib.ChecksumType.SHA256);
    checksum.update(bytes);
    return checksum.get_string();
}

// A hexadecimal string as a Uint8Array.
export function fromHex(hex) {
    return Uint8Array.from(hex.match(/../g), pair => parseInt(pair, 16));
}
