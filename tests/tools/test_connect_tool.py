#!/usr/bin/python3
# test_connect_tool.py: "srp-tool connect" and "srp-tool node" on loopback, as
# the netlab tests use them: exit statuses, the JSON lines, --send reaching
# the node. Introductions (node's "connected" and --greet) need peers that are
# not connected yet, which only tests/netlab has.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import base64
import json
import queue
import secrets
import signal
import subprocess
import sys
import threading

TOOL = sys.argv[1]
ADDRESS = '127.0.0.117'
WAIT = 20  # seconds; bounds every wait, so a failure never hangs


def fail(message):
    print(f'FAIL: {message}', file=sys.stderr, flush=True)
    sys.exit(1)


def run(*args):
    return subprocess.run([TOOL, *args], capture_output=True, text=True, timeout=60)


class Node:
    """srp-tool node --json, its lines read as they come."""

    def __init__(self):
        self.process = subprocess.Popen(
            [TOOL, 'node', '--listen', f'{ADDRESS}:0', '--json', '--greet', 'hi'],
            stdout=subprocess.PIPE, text=True)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(json.loads(line))

    def next_event(self, event):
        while True:
            try:
                line = self.lines.get(timeout=WAIT)
            except queue.Empty:
                fail(f'node printed no "{event}" within {WAIT} s')
            if line['event'] == event:
                return line

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        if self.process.wait(timeout=WAIT) != 0:
            fail(f'node exited {self.process.returncode}')


def main():
    result = run('connect', '--bootstrap', f'{ADDRESS}:1', 'not-an-id')
    if result.returncode != 2:
        fail(f'a bad ID: exit {result.returncode}')

    node = Node()
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
