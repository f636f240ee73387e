// test-network.js: three peers on loopback find each other through one
// bootstrap peer; GJS lists them through the GListModel and follows the
// peer-added signal and the nat-type property. Run with gjs -m.
//
// SPDX-License-Identifier: LGPL-2.1-or-later
import Gio from 'gi://Gio';
import Srp from 'gi://Srp?version=1';

import {fail, waitFor} from './srp-testing.js';

// Different loopback addresses: NAT classification needs peers at two IPs.
const addresses = ['127.0.0.71', '127.0.0.72', '127.0.0.73'];
const peers = addresses.map(() => new Srp.Peer());
const added = [];
const natNotified = new Set();

peers[0].connect('peer-added', (_peer, info) => added.push(info.id));
peers.forEach((peer, i) => {
    peer.connect('notify::nat-type', p => natNotified.add(p.id));
    if (i > 0)
        peer.add_bootstrap(addresses[0], peers[0].port);
    peer.listen(addresses[i], 0);
});
try {
    peers[0].add_bootstrap('127.0.0.1', 0);
    fail('port 0 was accepted');
} catch (error) {
    if (!error.matches(Srp.error_quark(), Srp.Error.INVALID_ARGUMENT))
        fail(`port 0: ${error}`);
}

waitFor(() => peers.every(p => p.get_peers().get_n_items() === peers.length - 1),
    'every peer to list the others');
const ids = peers.map(p => p.id);
peers.forEach((peer, i) => {
    const model = peer.get_peers();
    if (!(model instanceof Gio.ListModel) || model.get_item_type() !== Srp.PeerInfo.$gtype)
        fail(`get_peers() gave ${model}`);
    const listed = [];
    for (let j = 0; j < model.get_n_items(); j++) {
        const info = model.get_item(j);
        if (!info.address.startsWith('127.0.0.') || info.since === null)
            fail(`bad peer info ${info.address}`);
        listed.push(info.id);
    }
    const expected = ids.filter(id => id !== peer.id).sort();
    if (JSON.stringify(listed.sort()) !== JSON.stringify(expected))
        fail(`${addresses[i]} lists ${listed}`);
});
if (JSON.stringify(added.sort()) !== JSON.stringify(ids.slice(1).sort()))
    fail(`peer-added gave ${added}`);

waitFor(() => natNotified.size === peers.length, 'every NAT type');
peers.forEach((peer, i) => {
    if (peer.nat_type !== Srp.NatType.PUBLIC)
        fail(`${addresses[i]}: NAT type ${peer.nat_type}`);
    if (peer.public_address !== `${addresses[i]}:${peer.port}`)
        fail(`${addresses[i]}: public address ${peer.public_address}`);
    // Each family apart: these peers are linked over IPv4 only.
    if (peer.nat_type_ipv4 !== Srp.NatType.PUBLIC || peer.nat_type_ipv6 !== Srp.NatType.UNKNOWN)
        fail(`${addresses[i]}: per family ${peer.nat_type_ipv4} ${peer.nat_type_ipv6}`);
});
if (Srp.NatType.to_string(Srp.NatType.FIREWALL) !== 'firewall')
    fail('NatType.to_string (firewall)');
if (Srp.NatType.to_string(Srp.NatType.ADDRESS_RESTRICTED) !== 'address-restricted')
    fail('NatType.to_string');
print(`${peers.length} peers listed each other; NAT types: public`);
