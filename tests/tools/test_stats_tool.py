#!/usr/bin/python3
# test_stats_tool.py: "srp-tool stats --run" joins a node on loopback and
# prints what it counted: the JSON has the keys of srp_peer_get_stats, with
# the connection and a malformed datagram sent to it counted. And "srp-tool
# stats" reads the same from a node's status API (node --http).
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import json
import socket
import subprocess

from srp_tool_testing import TOOL, Node, fail, run

ADDRESS = '127.0.0.118'


def main():
    for bad in (('--run', '--seconds', '-1'), ('--bootstrap', f'{ADDRESS}:1')):
        result = run('stats', *bad)
        if result.returncode != 2:
            fail(f'stats {bad}: exit {result.returncode}')
    node = Node(ADDRESS, '--http', f'{ADDRESS}:0')
    ready = node.next_event('ready')
    http = node.next_event('http')
    try:
        stats = subprocess.Popen([TOOL, 'stats', '--run', '--listen', f'{ADDRESS}:0', '--bootstrap',
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
        # The node's own figures, through its API: it saw the peer come and go.
        result = run('stats', '--api', http['url'], '--json')
        if result.returncode != 0:
            fail(f'stats --api: exit {result.returncode}, {result.stderr!r}')
        remote = json.loads(result.stdout)
        if remote['datagrams_in'] < 2 or 'bad-control' not in remote['drops']:
            fail(f'stats --api: {remote}')
        result = run('stats', '--api', http['url'])
        if result.returncode != 0 or 'peers_connected' not in result.stdout:
            fail(f'stats --api as a table: exit {result.returncode}, {result.stdout!r}')
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
    result = run('stats', '--run', '--seconds', '0')
    if result.returncode != 0 or 'peers_connected' not in result.stdout:
        fail(f'stats as a table: exit {result.returncode}, {result.stdout!r}')
    result = run('stats', '--api', 'http://127.0.0.1:1')
    if result.returncode != 1 or 'cannot read' not in result.stderr:
        fail(f'stats from no node: exit {result.returncode}, {result.stderr!r}')
    print('srp-tool stats: --run with the connection and a malformed datagram counted; a '
          "node's through its API; tables")


main()
