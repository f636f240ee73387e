// ping.vala: two libsrp peers ping each other from Vala; exits 0 when both
// get an answer.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

async bool ping (Srp.Peer from, Srp.Peer to) {
    try {
        int64 rtt = yield from.ping_async ("127.0.0.1", (uint16) to.port, null);
        print ("%s -> %s: %" + int64.FORMAT + " us\n", from.id[0:8], to.id[0:8], rtt);
        return rtt > 0;
    } catch (Error e) {
        printerr ("%s\n", e.message);
        return false;
    }
}

int main () {
    var loop = new MainLoop ();
    var a = new Srp.Peer ();
    var b = new Srp.Peer ();
    int pending = 2;
    int failures = 0;

    try {
        a.listen ("127.0.0.1", 0);
        b.listen ("127.0.0.1", 0);
    } catch (Error e) {
        printerr ("%s\n", e.message);
        return 1;
    }

    AsyncReadyCallback done = (obj, res) => {
        if (!ping.end (res))
            failures++;
        if (--pending == 0)
            loop.quit ();
    };
    ping.begin (a, b, done);
    ping.begin (b, a, done);
    loop.run ();
    return failures == 0 ? 0 : 1;
}
