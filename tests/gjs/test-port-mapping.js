// test-port-mapping.js: SrpPeer:port-mapping from GJS: off by default, the
// protocols as flags, switched on for a peer on loopback (no router: the
// problem says so at once, no mapped address) and off again. Run with gjs -m.
//
// SPDX-License-Identifier: LGPL-2.1-or-later
import Srp from 'gi://Srp?version=1';
import {fail} from './srp-testing.js';

const peer = new Srp.Peer();
const notified = [];
peer.connect('notify::port-mapping', p => notified.push(p.port_mapping));
if (peer.port_mapping !== false || peer.get_port_mapping() !== false)
    fail('port mapping is on by default');
if (peer.port_mapping_protocols !== Srp.PortMappingProtocols.ALL)
    fail(`default protocols: ${peer.port_mapping_protocols}`);
peer.port_mapping_protocols = Srp.PortMappingProtocols.PCP | Srp.PortMappingProtocols.NAT_PMP;
if (peer.get_port_mapping_protocols() !== 3)
    fail(`protocols: ${peer.get_port_mapping_protocols()}`);
peer.port_mapping = true;
peer.listen('127.0.0.1', 0);
const problem = peer.port_mapping_problem;
if (!problem || !problem.includes('no IPv4 router to ask') || peer.mapped_address !== null)
    fail(`on loopback: ${problem} ${peer.mapped_address}`);
if (peer.get_stats().deepUnpack().port_mapping.deepUnpack() !== 'failed')
    fail('stats: not failed');
peer.set_port_mapping(false);
if (notified.join() !== 'true,false' || peer.port_mapping_problem !== null)
    fail(`switching off: [${notified}] ${peer.port_mapping_problem}`);
peer.close();
print('ok: port-mapping');
