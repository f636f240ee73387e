#!/usr/bin/python3
# test_state_tool.py: "srp-tool node --state DIR" keeps the node's identity
# and state, by default under $XDG_STATE_HOME; a node restarted with no
# bootstrap rejoins through the peers it knew; "srp-tool state --json"
# summarises the directory; --state and --ephemeral exclude each other.
#
#   test_state_tool.py SRP_TOOL
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import json
import os
import shutil
import tempfile

from srp_tool_testing import Node, fail, run

BOOTSTRAP = '127.0.0.195'
ADDRESS = '127.0.0.196'


def state_node(*args, state='', env=None):
    return Node(ADDRESS, *args, state=state, env=env)


def main():
    base = tempfile.mkdtemp(prefix='srp-state-tool-')
    bootstrap = Node(BOOTSTRAP)
    try:
        boot = bootstrap.next_event('ready')
        directory = os.path.join(base, 'node')
        node = state_node('--bootstrap', f'{BOOTSTRAP}:{boot["port"]}', state=directory)
        ready = node.next_event('ready')
        if node.next_event('peer-added')['id'] != boot['id']:
            fail('the node connected to another peer than its bootstrap')
        node.stop()

        result = run('state', '--state', directory, '--json')
        if result.returncode != 0:
            fail(f'state: {result.returncode} {result.stderr}')
        summary = json.loads(result.stdout)
        print(f'state: {summary}')
        if summary['peer_id'] != ready['id'] or summary['known_peers'] < 1:
            fail(f'state says {summary}, the node was {ready["id"]}')
        for key in ('cache_packets', 'cache_bytes', 'outbox', 'delivered', 'topics'):
            if key not in summary:
                fail(f'state --json has no {key}')
        text = run('state', '--state', directory)
        if text.returncode != 0 or ready['id'] not in text.stdout:
            fail(f'state (text): {text.stdout!r} {text.stderr!r}')

        # Restarted with no bootstrap: the same peer, back through the one it knew.
        again = state_node(state=directory)
        if again.next_event('ready')['id'] != ready['id']:
            fail('the restarted node has another identity')
        if again.next_event('peer-added')['id'] != boot['id']:
            fail('the restarted node did not rejoin through its known peer')
        again.stop()

        # The default directory, under $XDG_STATE_HOME.
        env = dict(os.environ, XDG_STATE_HOME=os.path.join(base, 'xdg'))
        join = ['--bootstrap', f'{BOOTSTRAP}:{boot["port"]}']
        default = state_node(*join, env=env)
        first = default.next_event('ready')['id']
        # Stopped once it runs its loop (SIGTERM is handled from there on).
        default.next_event('peer-added')
        default.stop()
        if not os.path.exists(os.path.join(base, 'xdg', 'srp', 'node', 'identity.key')):
            fail('node keeps no state under $XDG_STATE_HOME by default')
        default = state_node(*join, env=env)
        if default.next_event('ready')['id'] != first:
            fail('the default state directory did not keep the identity')
        default.next_event('peer-added')
        default.stop()

        result = run('node', '--state', directory, '--ephemeral')
        if result.returncode != 2:
            fail(f'node --state --ephemeral: {result.returncode} {result.stderr!r}')
        result = run('state', '--state', os.path.join(base, 'nothing'))
        if result.returncode != 1 or 'identity' not in result.stderr.lower():
            fail(f'state of an empty directory: {result.returncode} {result.stderr!r}')
        print('1 passed, 0 failed')
    finally:
        bootstrap.stop()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == '__main__':
    main()
