// topics.vala: two libsrp peers on loopback; Bob subscribes to a topic, Alice
// publishes on it and sends Bob a letter, each with yield. Exits 0 once Bob
// has both, 1 after 20 s without.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

const string TOPIC = "vala/weather";

// Waits until peer has a connection, looking whenever its list changes.
async void connected (Srp.Peer peer) {
    if (peer.get_peers ().get_n_items () > 0)
        return;
    ulong handler = peer.peer_added.connect (() => connected.callback ());
    yield;
    peer.disconnect (handler);
}

// A message body as text. Bodies are bytes, not NUL-terminated strings:
// casting get_data () to string would read past the end.
string text_of (Bytes body) {
    var text = new StringBuilder.sized (body.get_size () + 1);
    text.append_len ((string) body.get_data (), (ssize_t) body.get_size ());
    return text.str;
}

async void wait_ms (uint ms) {
    Timeout.add (ms, () => { wait_ms.callback (); return Source.REMOVE; });
    yield;
}

async bool talk (Srp.Peer alice, Srp.Peer bob) {
    yield connected (bob);
    // A moment for Bob's subscription to reach Alice, who then prefers him.
    yield wait_ms (300);
    try {
        var topic = alice.subscribe (TOPIC);
        string? id;
        uint taken = yield topic.publish_async (new Bytes ("sunny, 21 °C".data), null, out id);
        print ("published %s on %s, taken by %u peer(s)\n", id, topic.name, taken);
        taken = yield alice.send_async (bob.id, new Bytes ("hello Bob".data), null, out id);
        print ("letter %s taken by %u peer(s)\n", id, taken);
        return true;
    } catch (Error e) {
        printerr ("%s\n", e.message);
        return false;
    }
}

int main () {
    var loop = new MainLoop ();
    var alice = new Srp.Peer ();
    var bob = new Srp.Peer ();
    string? weather = null;
    string? letter = null;
    bool sent = false;

    // Subscribed before listening, so nothing published meanwhile is missed.
    var bobs_topic = bob.subscribe (TOPIC);
    bobs_topic.message.connect ((message) => {
        weather = text_of (message.data);
        print ("Bob got on %s: %s\n", message.topic ?? "?", weather);
    });
    bob.message.connect ((message) => {
        letter = text_of (message.data);
        print ("Bob got a letter: %s\n", letter);
    });
    try {
        alice.listen ("127.0.0.1", 0);
        bob.add_bootstrap ("127.0.0.1", (uint16) alice.port);
        bob.listen ("127.0.0.1", 0);
    } catch (Error e) {
        printerr ("%s\n", e.message);
        return 1;
    }

    bool talked = false;
    talk.begin (alice, bob, (obj, res) => { sent = talk.end (res); talked = true; });
    // The letter can arrive before send_async's own result: wait for both.
    Timeout.add (50, () => {
        if (weather != null && letter != null && talked)
            loop.quit ();
        return Source.CONTINUE;
    });
    Timeout.add_seconds (20, () => { loop.quit (); return Source.REMOVE; });
    loop.run ();
    return sent && weather == "sunny, 21 °C" && letter == "hello Bob" ? 0 : 1;
}
