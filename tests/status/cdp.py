# cdp.py: headless Chromium driven through the DevTools protocol over
# --remote-debugging-pipe (file descriptors 3 and 4, messages ending in NUL):
# nothing to install beyond Debian's chromium, and no port to race for.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import json
import os
import queue
import subprocess
import threading

from status_testing import spawn

# Quiet and self-contained: no GPU, no network of its own, a fresh profile.
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync',
         '--remote-debugging-pipe']


def plain_environment():
    """The environment without a sanitizer runtime: sanitized builds preload
    it for Python (tests/python/meson.build), and a browser or X server
    must not get it."""
    return {k: v for k, v in os.environ.items()
            if k not in ('LD_PRELOAD', 'ASAN_OPTIONS', 'LSAN_OPTIONS', 'UBSAN_OPTIONS')}


class ProtocolError(Exception):
    pass


class Browser:
    def __init__(self, chromium, profile, log_path):
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        # Chromium reads commands from fd 3 and writes to fd 4 (bash: dash takes
        # single-digit descriptors only).
        command = f'exec "$0" "$@" 3<&{to_chrome_r} 4>&{from_chrome_w} ' \
                  f'{to_chrome_r}<&- {from_chrome_w}>&-'
        self._log = open(log_path, 'w')
        self.process = spawn(
            ['bash', '-c', command, chromium, *FLAGS, f'--user-data-dir={profile}',
             'about:blank'],
            pass_fds=(to_chrome_r, from_chrome_w), stdout=self._log, stderr=self._log,
            env=plain_environment())
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._next_id = 0
        self._replies = {}
        self._cond = threading.Condition()
        self.events = queue.Queue()
        self.all_events = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        buffer = b''
        with os.fdopen(self._from_chrome, 'rb', buffering=0) as stream:
            while True:
                chunk = stream.read(65536)
                if not chunk:
                    break
                buffer += chunk
                while b'\0' in buffer:
                    raw, buffer = buffer.split(b'\0', 1)
                    message = json.loads(raw)
                    if 'id' in message:
                        with self._cond:
                            self._replies[message['id']] = message
                            self._cond.notify_all()
                    else:
                        self.all_events.append(message)
                        self.events.put(message)
        with self._cond:
            self._replies[None] = None  # the browser is gone
            self._cond.notify_all()

    def send(self, method, params=None, session=None, timeout=30):
        self._next_id += 1
        ident = self._next_id
        message = {'id': ident, 'method': method, 'params': params or {}}
        if session is not None:
            message['sessionId'] = session
        os.write(self._to_chrome, json.dumps(message).encode() + b'\0')
        with self._cond:
            if not self._cond.wait_for(lambda: ident in self._replies or None in self._replies,
                                       timeout):
                raise ProtocolError(f'{method}: no answer within {timeout} s')
            reply = self._replies.pop(ident, None)
        if reply is None:
            raise ProtocolError(f'{method}: the browser exited')
        if 'error' in reply:
            raise ProtocolError(f'{method}: {reply["error"]}')
        return reply['result']

    def wait_event(self, method, session, timeout=30):
        while True:
            try:
                event = self.events.get(timeout=timeout)
            except queue.Empty:
                raise ProtocolError(f'no {method} within {timeout} s') from None
            if event['method'] == method and event.get('sessionId') == session:
                return event

    def open_page(self):
        """Attaches to the first page; returns its session ID."""
        targets = self.send('Target.getTargets')['targetInfos']
        page = next(t for t in targets if t['type'] == 'page')
        return self.send('Target.attachToTarget',
                         {'targetId': page['targetId'], 'flatten': True})['sessionId']

    def evaluate(self, session, expression, timeout=30):
        """Runs expression (awaiting a promise) and returns its value."""
        result = self.send('Runtime.evaluate',
                           {'expression': expression, 'awaitPromise': True,
                            'returnByValue': True}, session, timeout)
        if 'exceptionDetails' in result:
            raise ProtocolError(f'{expression[:60]}…: {result["exceptionDetails"]}')
        return result['result'].get('value')

    def close(self):
        try:
            self.send('Browser.close', timeout=10)
        except ProtocolError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_chrome)
        self._log.close()
