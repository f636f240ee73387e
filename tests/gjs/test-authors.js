// test-authors.js: three peers on loopback in one GJS process: detached
// signatures (Srp.Peer.sign, Srp.verify), the verified author of a message
// (Srp.Message.sender; null when anonymous), sealed letters, and a group
// topic read by the peers given its secret alone. Run with gjs -m.
//
// SPDX-License-Identifier: LGPL-2.1-or-later
import GLib from 'gi://GLib';
import Srp from 'gi://Srp?version=1';

import {decoder, encoder, expectSrpError, fail, startNetwork, waitFor} from './srp-testing.js';

const [alice, bob, carol] = startNetwork(['127.0.0.131', '127.0.0.132', '127.0.0.133']);

function pause(ms) {
    let done = false;
    GLib.timeout_add(GLib.PRIORITY_DEFAULT, ms, () => {
        done = true;
        return GLib.SOURCE_REMOVE;
    });
    waitFor(() => done, `${ms} ms`);
}

// Detached signatures for the application's own formats.
const data = new GLib.Bytes(encoder.encode('a GJS format'));
const signature = alice.sign(data);
if (signature.get_size() !== 64 || !Srp.verify(alice.id, data, signature))
    fail('a genuine signature did not verify');
expectSrpError(() => Srp.verify(bob.id, data, signature), Srp.Error.BAD_SIGNATURE,
    "verify with another peer's ID");
expectSrpError(() => Srp.verify(alice.id, new GLib.Bytes(encoder.encode('other')), signature),
    Srp.Error.BAD_SIGNATURE, 'verify other bytes');
expectSrpError(() => Srp.verify(alice.id, data, new GLib.Bytes(new Uint8Array(63))),
    Srp.Error.INVALID_ARGUMENT, 'verify a 63-byte signature');

// Authors: signed by default, none when the topic is anonymous.
const got = [];
bob.subscribe('gjs/authors').connect('message', (t, m) => got.push(m));
pause(300);
const publisher = alice.subscribe('gjs/authors');
publisher.publish(new GLib.Bytes(encoder.encode('signed')));
publisher.anonymous = true;
publisher.publish(new GLib.Bytes(encoder.encode('anonymous')));
waitFor(() => got.length === 2, 'both messages at bob');
const text = m => decoder.decode(m.data.toArray());
const signed = got.find(m => text(m) === 'signed');
const anonymous = got.find(m => text(m) === 'anonymous');
if (!signed || signed.sender !== alice.id || signed.sealed)
    fail(`signed message from ${signed?.sender}`);
if (!anonymous || anonymous.sender !== null)
    fail(`anonymous message from ${anonymous?.sender}`);

// A letter: sealed to carol, from alice.
const letters = [];
carol.connect('message', (p, m) => letters.push(m));
alice.send(carol.id, new GLib.Bytes(encoder.encode('for carol')));
waitFor(() => letters.length === 1, 'the letter at carol');
if (text(letters[0]) !== 'for carol' || letters[0].sender !== alice.id || !letters[0].sealed)
    fail(`letter ${text(letters[0])} from ${letters[0].sender}`);

// A group topic: bob and carol share the secret; alice has the name alone.
const secret = new GLib.Bytes(encoder.encode('a secret of more than sixteen bytes'));
const crew = [];
const bobCrew = bob.subscribe_with_secret('gjs/crew', secret);
const carolCrew = carol.subscribe_with_secret('gjs/crew', secret);
carolCrew.connect('message', (t, m) => crew.push(m));
const outsider = [];
alice.subscribe('gjs/crew').connect('message', (t, m) => outsider.push(m));
if (!bobCrew.group || bobCrew.id !== carolCrew.id)
    fail('the members derived other topics');
expectSrpError(() => bob.subscribe_with_secret('gjs/crew', new GLib.Bytes(new Uint8Array(15))),
    Srp.Error.INVALID_ARGUMENT, 'a 15-byte secret');
pause(300);
bobCrew.publish(new GLib.Bytes(encoder.encode('crew only')));
waitFor(() => crew.length === 1, 'the group message at carol');
pause(500);
if (text(crew[0]) !== 'crew only' || crew[0].sender !== bob.id || !crew[0].sealed)
    fail(`group message ${text(crew[0])} from ${crew[0].sender}`);
if (outsider.length !== 0)
    fail('alice read the group topic');
print('sign and verify; signed and anonymous messages; a sealed letter; a group topic');
