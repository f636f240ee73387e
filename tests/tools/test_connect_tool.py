#!/usr/bin/python3
# test_connect_tool.py: "srp-tool connect" and "srp-tool node" on loopback, as
# the netlab tests use them: exit statuses, the JSON lines, --send reaching
# the node. Introductions (node's "connected" and --greet) need peers that are
# not connected yet, which only tests/netlab has.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import base64
import json
import secrets

from srp_tool_testing import Node, fail, run

ADDRESS = '127.0.0.117'


def main():
    result = run('connect', '--bootstrap', f'{ADDRESS}:1', 'not-an-id')
    if result.returncode != 2:
        fail(f'a bad ID: exit {result.returncode}')

    node = Node(ADDRESS, '--greet', 'hi')
    ready = node.next_event('ready')
    bootstrap = f'{ADDRESS}:{ready["port"]}'
    try:
        result = run('connect', '--bootstrap', bootstrap, '--timeout', '10', secrets.token_hex(32))
        if result.returncode != 1 or 'No path to the peer' not in result.stderr:
            fail(f'an unknown peer: exit {result.returncode}, {result.stderr!r}')

        result = run('connect', '--bootstrap', bootstrap, '--json', '--send', 'hello', ready['id'])
        if result.returncode != 0:
            fail(f'connect to the node: exit {result.returncode}, {result.stderr!r}')
        line = json.loads(result.stdout.splitlines()[0])
        if (line['event'], line['id'], line['path']) != ('connected', ready['id'], 'direct') \
                or not isinstance(line['ms'], int) or line['ms'] < 0:
            fail(f'connect printed {line}')
        message = node.next_event('message')
        if base64.b64decode(message['data_b64']) != b'hello':
            fail(f'the node received {message}')
    finally:
        node.stop()
    print('srp-tool connect: bad ID, unknown peer, connected peer, --send')


main()
