#!/usr/bin/python3
# test_lan.py: SrpPeer:lan-discovery from Python: on by default, switched off
# and on again, before and while listening, with notify::lan-discovery once
# per change; the stats say what the core does. (Finding peers on a real LAN
# is the netlab test's: tests/netlab/test-lan-discovery.sh.)
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import gi

gi.require_version('Srp', '1')
from gi.repository import Srp  # noqa: E402
from srp_testing import fail  # noqa: E402


def core_says(peer):
    stats = peer.get_stats().unpack()
    found = [v for v in stats.values() if isinstance(v, dict) and 'lan_discovery' in v]
    if 'lan_discovery' in stats:
        return stats['lan_discovery']
    if not found:
        fail(f'no lan_discovery in the stats: {sorted(stats)}')
    return found[0]['lan_discovery']


def main():
    peer = Srp.Peer.new()
    notified = []
    peer.connect('notify::lan-discovery', lambda p, _pspec: notified.append(p.props.lan_discovery))
    if not peer.props.lan_discovery or not peer.get_lan_discovery():
        fail('LAN discovery is not on by default')
    peer.props.lan_discovery = False
    if peer.get_lan_discovery() or notified != [False]:
        fail(f'switching off before listen: {peer.get_lan_discovery()} {notified}')
    peer.set_lan_discovery(False)
    if notified != [False]:
        fail('setting the same value notified again')
    peer.listen('127.0.0.1', 0)
    if core_says(peer):
        fail('the core announces though the property is off')
    peer.set_lan_discovery(True)
    if notified != [False, True] or not core_says(peer):
        fail(f'switching on while listening: {notified}, core {core_says(peer)}')
    peer.close()
    peer.listen('127.0.0.1', 0)
    if not core_says(peer):
        fail('LAN discovery did not survive close and listen')
    peer.close()
    print('ok: lan-discovery')


main()
