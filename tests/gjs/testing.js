// testing.js: what the GJS tests share.
//
// SPDX-License-Identifier: LGPL-2.1-or-later
import GLib from 'gi://GLib';
import System from 'system';

export function fail(message) {
    printerr(`FAIL: ${message}`);
    System.exit(1);
}

// Iterates the default main context until condition() holds; fails after seconds.
export function waitFor(condition, what, seconds = 20) {
    const context = GLib.MainContext.default();
    const deadline = GLib.get_monotonic_time() + seconds * 1_000_000;
    while (!condition()) {
        if (GLib.get_monotonic_time() > deadline)
            fail(`waited ${seconds} s in vain for ${what}`);
        context.iteration(true);
    }
}
