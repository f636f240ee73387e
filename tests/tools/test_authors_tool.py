#!/usr/bin/python3
# test_authors_tool.py: "srp-tool publish/subscribe --secret-file" (a group
# topic) and "--anonymous" on loopback: a member prints both messages, the
# signed one with its sender and the anonymous one without; a subscriber to
# the plain name prints nothing; a short secret is refused.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import base64
import json
import os
import re
import subprocess
import tempfile

from srp_tool_testing import TOOL, Node, fail, run

ADDRESS = '127.0.0.141'


def subscribe(bootstrap, *extra):
    return subprocess.Popen([TOOL, 'subscribe', '--no-lan', '--json', '--bootstrap', bootstrap, '--topic',
                             'crew', *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def main():
    node = Node(ADDRESS)
    ready = node.next_event('ready')
    bootstrap = f'{ADDRESS}:{ready["port"]}'
    with tempfile.TemporaryDirectory() as tmp:
        secret = os.path.join(tmp, 'secret')
        short = os.path.join(tmp, 'short')
        with open(secret, 'wb') as f:
            f.write(os.urandom(32))
        with open(short, 'wb') as f:
            f.write(b'too short')
        try:
            result = run('subscribe', '--bootstrap', bootstrap, '--topic', 'crew',
                         '--secret-file', short, '--count', '1')
            if result.returncode != 2 or 'at least 16 bytes' not in result.stderr:
                fail(f'a short secret: exit {result.returncode}, {result.stderr!r}')

            for args in (['signed'], ['--anonymous', 'no name']):
                result = run('publish', '--bootstrap', bootstrap, '--topic', 'crew',
                             '--secret-file', secret, *args)
                if result.returncode != 0:
                    fail(f'publish {args}: exit {result.returncode}, {result.stderr!r}')
            # Both come back from the node's cache, which holds them sealed.
            member = subscribe(bootstrap, '--secret-file', secret, '--count', '2',
                               '--timeout', '20')
            outsider = subscribe(bootstrap, '--count', '1', '--timeout', '5')
            out, err = member.communicate(timeout=30)
            if member.returncode != 0:
                fail(f'the member: exit {member.returncode}, {err!r}')
            lines = {}
            for line in out.splitlines():
                m = json.loads(line)
                lines[base64.b64decode(m['data_b64'])] = m.get('sender')
            if set(lines) != {b'signed', b'no name'}:
                fail(f'the member printed {sorted(lines)}')
            if not re.fullmatch('[0-9a-f]{64}', lines[b'signed'] or '') or lines[b'no name']:
                fail(f'senders {lines}')
            out, _ = outsider.communicate(timeout=30)
            if outsider.returncode != 1 or out.strip():
                fail(f'the plain name: exit {outsider.returncode}, printed {out!r}')
        finally:
            node.stop()
    print('srp-tool: a group topic read by its member alone, signed and anonymous')


main()
