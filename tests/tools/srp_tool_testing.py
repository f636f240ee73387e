# srp_tool_testing.py: what the srp-tool tests share: running the tool, and
# a "srp-tool node --json" whose lines are read as they come.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import json
import queue
import signal
import subprocess
import sys
import threading

TOOL = sys.argv[1]
WAIT = 20  # seconds; bounds every wait, so a failure never hangs


def fail(message):
    print(f'FAIL: {message}', file=sys.stderr, flush=True)
    sys.exit(1)


# One-shot commands that join through a bootstrap peer: without LAN discovery,
# so that the suite's peers, run side by side on this host, do not find one
# another (a subscriber's catch-up went to another test's peer).
NO_LAN = ('publish', 'send', 'subscribe')


def run(*args):
    if args and args[0] in NO_LAN:
        args = (args[0], '--no-lan', *args[1:])
    return subprocess.run([TOOL, *args], capture_output=True, text=True, timeout=60)


class Node:
    """srp-tool node --json on address, its lines read as they come. state:
    None for --ephemeral, a directory for --state, '' for the default one."""

    def __init__(self, address, *extra, state=None, env=None):
        keep = ['--ephemeral'] if state is None else ['--state', state] if state else []
        self.process = subprocess.Popen(
            [TOOL, 'node', *keep, '--listen', f'{address}:0', '--json', *extra],
            stdout=subprocess.PIPE, text=True, env=env)
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
