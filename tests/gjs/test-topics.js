// test-topics.js: three peers on loopback in one GJS process: subscribe,
// publish (sync and async, one and several packets), receive through
// SrpTopic::message, send to an inbox (SrpPeer::message), read the cache,
// and unsubscribe. Run with gjs -m.
//
// SPDX-License-Identifier: LGPL-2.1-or-later
import GLib from 'gi://GLib';
import Srp from 'gi://Srp?version=1';

import {decoder, encoder, expectSrpError, fail, fromHex, sameBytes, sha256Hex, startNetwork,
    waitFor} from './srp-testing.js';

const NAME = 'gjs/weather';
const HEADER_LEN = 138; // wire prefix and packet header, before the body (docs/protocol.md)

// Different loopback addresses from the other tests, which run in parallel.
const [alice, bob, carol] = startNetwork(['127.0.0.91', '127.0.0.92', '127.0.0.93']);

// Subscribers: bob twice (one topic object will unsubscribe alone), carol
// once, and bob also on a topic nobody publishes to.
const received = new Map(); // topic object -> [Srp.Message]
function follow(peer, name) {
    const topic = peer.subscribe(name);
    received.set(topic, []);
    topic.connect('message', (t, message) => received.get(t).push(message));
    return topic;
}
const bobWeather = follow(bob, NAME);
const bobWeather2 = follow(bob, NAME);
const carolWeather = follow(carol, NAME);
const bobOther = follow(bob, 'gjs/other');

const expectedId = sha256Hex(encoder.encode(NAME));
for (const topic of [bobWeather, bobWeather2, carolWeather]) {
    if (topic.id !== expectedId || topic.name !== NAME || !topic.subscribed)
        fail(`topic ${topic.name} ${topic.id} ${topic.subscribed}, want ID ${expectedId}`);
}
if (bobOther.id === expectedId)
    fail('two names gave one topic ID');

// The publisher does not subscribe: an unsubscribed topic still publishes.
const weather = alice.subscribe(NAME);
weather.unsubscribe();

// One packet (UTF-8 text), five packets (a pattern that differs from packet
// to packet, so a reordered or repeated body shows), three packets async.
const small = encoder.encode('sunny, 21 °C');
const large = Uint8Array.from({length: 5000}, (_, i) => (i * 7 + (i >> 10) * 13) & 0xff);
const viaAsync = Uint8Array.from({length: 3 * 1024 - 5}, (_, i) => (i * 31 + 5) & 0xff);

const smallId = weather.publish(new GLib.Bytes(small));
const largeId = weather.publish(new GLib.Bytes(large));
for (const id of [smallId, largeId]) {
    if (!/^[0-9a-f]{64}$/.test(id))
        fail(`publish gave ID ${id}`);
}

let asyncOutcome = null, asyncId = null;
weather.publish_async(new GLib.Bytes(viaAsync), null, (topic, result) => {
    if (asyncOutcome !== null)
        fail('publish_async called back twice');
    try {
        [asyncOutcome, asyncId] = topic.publish_finish(result);
    } catch (error) {
        asyncOutcome = error;
    }
});

// Every subscribed topic object gets each message once, whole, in any order.
const payloads = [small, large, viaAsync];
function checkWeather(topic, who) {
    const messages = received.get(topic);
    if (messages.length !== payloads.length)
        fail(`${who}: ${messages.length} messages, want ${payloads.length}`);
    for (const payload of payloads) {
        const matches = messages.filter(m => sameBytes(m.data.toArray(), payload));
        if (matches.length !== 1)
            fail(`${who}: ${matches.length} copies of the ${payload.length}-byte message`);
    }
    for (const m of messages) {
        if (m.topic !== NAME || m.topic_id !== expectedId || !/^[0-9a-f]{64}$/.test(m.id))
            fail(`${who}: message ${m.id} on ${m.topic} (${m.topic_id})`);
        // Signed by default: the author, verified, and nothing sealed.
        if (m.sender !== alice.id || m.sealed)
            fail(`${who}: message ${m.id} from ${m.sender} (sealed: ${m.sealed})`);
    }
    const byId = id => messages.find(m => m.id === id);
    if (!byId(smallId) || !sameBytes(byId(smallId).data.toArray(), small) ||
        !byId(largeId) || !sameBytes(byId(largeId).data.toArray(), large))
        fail(`${who}: message IDs differ from those publish returned`);
}
const subscribed = [[bobWeather, 'bob'], [bobWeather2, 'bob (2nd topic)'], [carolWeather, 'carol']];
for (const [topic, who] of subscribed) {
    waitFor(() => received.get(topic).length >= payloads.length, `the messages at ${who}`);
    checkWeather(topic, who);
}
if (received.get(bobOther).length !== 0)
    fail('a message on another topic came out of gjs/other');

// The count may be short of every peer (missing ACKs just after joining are
// a known core issue); it must still come, once, and be a count or a timeout.
waitFor(() => asyncOutcome !== null, 'publish_async to call back');
if (asyncOutcome instanceof GLib.Error) {
    if (!asyncOutcome.matches(Srp.error_quark(), Srp.Error.TIMED_OUT))
        fail(`publish_async: ${asyncOutcome}`);
    print(`publish_async: ${asyncOutcome.message} (known core issue; delivery checked above)`);
} else if (!(asyncOutcome >= 1 && asyncOutcome <= 2)) {
    fail(`publish_async: taken by ${asyncOutcome} peers of 2`);
} else if (!received.get(carolWeather).some(m => m.id === asyncId)) {
    fail(`publish_finish gave ID ${asyncId}, which no message delivered has`);
}

// The cache: every peer holds the 10 packets (relays cache what they pass
// on); carol's copy of the one-packet message is the frame on the wire.
// Each message is signed: an envelope of FLAGS (01), AUTHOR (32) and
// SIGNATURE (64) before the payload, and TYPE 02 (docs/protocol.md).
const ENVELOPE_LEN = 1 + 32 + 64;
const nPackets = 1 + 5 + 4;
const totalBytes = payloads.reduce((sum, p) => sum + p.length, 0);
for (const [peer, who] of [[alice, 'alice'], [bob, 'bob'], [carol, 'carol']]) {
    const cache = peer.get_cache();
    if (cache.budget !== 16 * 1024 * 1024 || cache.n_packets < nPackets ||
        cache.used < totalBytes + nPackets * HEADER_LEN || cache.used > cache.budget)
        fail(`${who}'s cache: ${cache.n_packets} packets, ${cache.used} of ${cache.budget} bytes`);
}
const frame = carol.get_cache().lookup(smallId)?.toArray();
if (!frame || frame.length !== HEADER_LEN + ENVELOPE_LEN + small.length ||
    !sameBytes(frame.subarray(68, 100), fromHex(expectedId)) || frame[100] !== 2 ||
    frame[HEADER_LEN] !== 1 ||
    !sameBytes(frame.subarray(HEADER_LEN + 1, HEADER_LEN + 33), fromHex(alice.id)) ||
    !sameBytes(frame.subarray(HEADER_LEN + ENVELOPE_LEN), small))
    fail(`carol's cached frame of the one-packet message: ${frame}`);
if (carol.get_cache().lookup('not an ID') !== null)
    fail('lookup of a malformed ID gave a packet');

// Inbox: alice sends to bob; only bob's SrpPeer::message has it, with the
// inbox topic ID SHA-256("srp-inbox:" ‖ bob's ID) and no topic name.
const inbox = {bob: [], carol: []};
bob.connect('message', (_peer, m) => inbox.bob.push(m));
carol.connect('message', (_peer, m) => inbox.carol.push(m));
const letter = encoder.encode('hello, bob');
const letterId = alice.send(bob.id, new GLib.Bytes(letter));
waitFor(() => inbox.bob.length > 0, 'the inbox message at bob');
const inboxId = sha256Hex(Uint8Array.from([...encoder.encode('srp-inbox:'), ...fromHex(bob.id)]));
const [mail] = inbox.bob;
if (inbox.bob.length !== 1 || mail.id !== letterId || !sameBytes(mail.data.toArray(), letter) ||
    mail.topic !== null || mail.topic_id !== inboxId)
    fail(`bob's inbox: ${inbox.bob.length} messages, ` +
        `“${decoder.decode(mail.data.toArray())}” ${mail.id} ${mail.topic} ${mail.topic_id}`);
expectSrpError(() => alice.send('not-an-id', new GLib.Bytes(letter)),
    Srp.Error.INVALID_ARGUMENT, 'send to a malformed ID');

// A peer that does not listen cannot publish, sync or async.
const lonely = new Srp.Peer().subscribe(NAME);
expectSrpError(() => lonely.publish(new GLib.Bytes(small)), Srp.Error.NOT_LISTENING,
    'publish before listen');
let lonelyOutcome = null;
lonely.publish_async(new GLib.Bytes(small), null, (topic, result) => {
    lonelyOutcome = () => topic.publish_finish(result);
});
waitFor(() => lonelyOutcome !== null, 'publish_async before listen to call back');
expectSrpError(lonelyOutcome, Srp.Error.NOT_LISTENING, 'publish_async before listen');

// Unsubscribing one of bob's two topic objects stops only that one; the
// other receiving the next message proves the message reached bob. Carol,
// still subscribed, must have it too before she unsubscribes below.
let notified = false;
bobWeather.connect('notify::subscribed', () => (notified = true));
bobWeather.unsubscribe();
if (bobWeather.subscribed || !notified)
    fail('unsubscribe did not clear and notify subscribed');
const after1 = encoder.encode('after bob unsubscribed one topic');
weather.publish(new GLib.Bytes(after1));
for (const [topic, who] of [[bobWeather2, 'bob\'s 2nd topic'], [carolWeather, 'carol']]) {
    waitFor(() => received.get(topic).length > payloads.length, who);
    if (received.get(topic).length !== payloads.length + 1 ||
        !sameBytes(received.get(topic)[payloads.length].data.toArray(), after1))
        fail(`${who} got other messages`);
}

// Carol unsubscribes her only topic object, so her peer no longer
// subscribes; the packet reaching her cache proves it reached her (caching
// and delivering happen in the same step), and nothing may come out.
carolWeather.unsubscribe();
const after2Id = weather.publish(new GLib.Bytes(encoder.encode('after carol unsubscribed')));
waitFor(() => carol.get_cache().lookup(after2Id) !== null, 'the last message in carol\'s cache');
waitFor(() => received.get(bobWeather2).length > payloads.length + 1, 'the last message at bob');
if (received.get(bobWeather).length !== payloads.length ||
    received.get(carolWeather).length !== payloads.length + 1)
    fail(`a message came out of an unsubscribed topic: bob ${received.get(bobWeather).length}, ` +
        `carol ${received.get(carolWeather).length} (want ${payloads.length} and 1 more)`);
if (inbox.carol.length !== 0 || inbox.bob.length !== 1 || received.get(bobOther).length !== 0 ||
    received.get(bobWeather2).length !== payloads.length + 2)
    fail('a message went where it was not sent');

// Lowering the budget evicts at once.
const carolCache = carol.get_cache();
carolCache.budget = 2000;
if (carolCache.budget !== 2000 || carolCache.used > 2000 || carolCache.n_packets >= nPackets)
    fail(`budget 2000: ${carolCache.n_packets} packets, ${carolCache.used} bytes`);

print(`3 peers: ${payloads.map(p => p.length).join(', ')}-byte messages (2 sync, 1 async) ` +
    'and 2 after unsubscribing, 1 inbox message; ' +
    `bob caches ${bob.get_cache().n_packets} packets`);
for (const peer of [alice, bob, carol])
    peer.close();
