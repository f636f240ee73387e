#!/usr/bin/python3
# test_stats_tool.py: "srp-tool stats" joins a node on loopback and prints
# what it counted: the JSON has the keys of srp_peer_get_stats, with the
# connection and a malformed datagram sent to it counted.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import json
import socket
import subprocess

from srp_tool_testing import TOOL, Node, fail, run

ADDRESS = '127.0.0.118'


def main():
    result = run('stats', '--seconds', '-1')
    if result.returncode != 2:
        fail(f'a negative --seconds: exit {result.returncode}')
    node = Node(ADDRESS)
    ready = node.next_event('ready')
    try:
        stats = subprocess.Popen([TOOL, 'stats', '--listen', f'{ADDRESS}:0', '--bootstrap',
                                  f'{ADDRESS}:{ready["port"]}', '--seconds', '3', '--json'],
                                 stdout=subprocess.PIPE, text=True)
        # Its port shows in the node's peer list once it has joined.
        peer = node.next_event('peer-added')
        host, port = peer['address'].rsplit(':', 1)
        # The prefix of a PING (magic "SR", version 1, kind 0x10), no body.
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(b'SR\x01\x10', (host, int(port)))
        out, _ = stats.communicate(timeout=30)
        if stats.returncode != 0:
            fail(f'stats exited {stats.returncode}')
        counted = json.loads(out)
    finally:
        node.stop()
    if counted['peers_connected'] != 1 or counted['drops']['bad-control'] != 1:
        fail(f'stats counted {counted["peers_connected"]} peers, '
             f'{counted["drops"]["bad-control"]} malformed datagrams')
    for key in ('datagrams_in', 'bytes_out', 'cache_budget', 'connects', 'timers', 'topics'):
        if key not in counted:
            fail(f'no {key} in {sorted(counted)}')
    if counted['datagrams_in'] < 2 or counted['uptime_s'] < 2:
        fail(f'stats: {counted}')
    result = run('stats', '--seconds', '0')
    if result.returncode != 0 or 'peers_connected' not in result.stdout:
        fail(f'stats as a table: exit {result.returncode}, {result.stdout!r}')
    print('srp-tool stats: JSON with the connection and a malformed datagram counted; a table')


main()
