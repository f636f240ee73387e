#!/usr/bin/python3
# test_port_mapping.py: SrpPeer:port-mapping from Python: off by default,
# switched on and off with notify once per change, the protocols as flags,
# and a peer on loopback (no router to ask) told why at once, in
# port-mapping-problem and the stats, with no mapped address. (Mappings from
# a real router are the netlab test's: tests/netlab/test-port-mapping.sh.)
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import gi

gi.require_version('Srp', '1')
from gi.repository import Srp  # noqa: E402
from srp_testing import fail  # noqa: E402


def state(peer):
    return peer.get_stats().unpack()['port_mapping']


def main():
    peer = Srp.Peer.new()
    notified = []
    peer.connect('notify::port-mapping', lambda p, _pspec: notified.append(p.props.port_mapping))
    problems = []
    peer.connect('notify::port-mapping-problem',
                 lambda p, _pspec: problems.append(p.props.port_mapping_problem))
    if peer.props.port_mapping or peer.get_port_mapping():
        fail('port mapping is on by default')
    every = Srp.PortMappingProtocols.PCP | Srp.PortMappingProtocols.NAT_PMP | \
        Srp.PortMappingProtocols.UPNP_IGD
    if peer.props.port_mapping_protocols != every or Srp.PortMappingProtocols.ALL != every:
        fail(f'default protocols: {peer.props.port_mapping_protocols}')
    peer.props.port_mapping_protocols = Srp.PortMappingProtocols.PCP
    if peer.get_port_mapping_protocols() != Srp.PortMappingProtocols.PCP:
        fail('the protocols did not change')
    if state(peer) != 'off':
        fail(f'state before anything: {state(peer)}')
    peer.props.port_mapping = True
    if notified != [True] or not peer.get_port_mapping():
        fail(f'switching on: {notified}')
    peer.set_port_mapping(True)
    if notified != [True]:
        fail('setting the same value notified again')
    peer.listen('127.0.0.1', 0)
    problem = peer.props.port_mapping_problem
    if problem is None or 'no IPv4 router to ask' not in problem or problems != [problem]:
        fail(f'on loopback: problem {problem!r}, notified {problems}')
    stats = peer.get_stats().unpack()
    if stats['port_mapping'] != 'failed' or stats.get('port_mapping_problem') != problem:
        fail(f'stats on loopback: {stats.get("port_mapping")} {stats.get("port_mapping_problem")}')
    if peer.props.mapped_address is not None or peer.get_mapped_address() is not None:
        fail('a mapped address with no router')
    if 'mapped_address' in stats:
        fail('the core was told a mapping')
    peer.props.port_mapping = False
    if notified != [True, False] or peer.props.port_mapping_problem is not None:
        fail(f'switching off while listening: {notified}, {peer.props.port_mapping_problem!r}')
    if state(peer) != 'off':
        fail(f'state after switching off: {state(peer)}')
    peer.close()
    print('ok: port-mapping')


main()
