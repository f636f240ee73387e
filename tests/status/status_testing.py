# status_testing.py: what the status API tests share: a node with --http in
# its own process (so that blocking clients cannot stall it), requests and a
# WebSocket through libsoup, and raw sockets for clients that misbehave.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import base64
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading

import gi

gi.require_version('Soup', '3.0')
gi.require_version('Srp', '1')
from gi.repository import GLib, Soup  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'python'))
import srp_testing  # noqa: E402

WAIT = 20  # seconds; bounds every wait, so a failure never hangs
_children = []


def _die_with_parent():
    """In a child, before exec: killed when the test dies, however it dies,
    so that no node, browser or X server outlives it (or holds its pipes)."""
    import ctypes
    ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def spawn(command, **kwargs):
    """subprocess.Popen for a process the test owns."""
    process = subprocess.Popen(command, preexec_fn=_die_with_parent, **kwargs)
    _children.append(process)
    return process


def fail(message):
    for process in _children:
        if process.poll() is None:
            process.kill()
    srp_testing.fail(message)


def wait_for(condition, what, seconds=WAIT):
    """Iterates the default main context until condition() holds."""
    context = GLib.MainContext.default()
    deadline = GLib.get_monotonic_time() + seconds * 1_000_000
    while not condition():
        if GLib.get_monotonic_time() > deadline:
            fail(f'waited {seconds} s in vain for {what}')
        context.iteration(True)


class Node:
    """srp-tool node --json --http, its lines read as they come."""

    def __init__(self, tool, address, *args):
        self.process = spawn(
            [tool, 'node', '--listen', f'{address}:0', '--json', *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines = queue.Queue()
        self.counts = {}
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()
        self.ready = self.next_event('ready')
        if '--http' in args:
            self.http = self.next_event('http')
            self.api = self.http['url'].rstrip('/')
            self.port = self.http['port']

    def _read(self):
        for line in self.process.stdout:
            event = json.loads(line)
            with self.lock:
                self.counts[event['event']] = self.counts.get(event['event'], 0) + 1
            self.lines.put(event)

    def count(self, event):
        with self.lock:
            return self.counts.get(event, 0)

    def next_event(self, event):
        while True:
            try:
                line = self.lines.get(timeout=WAIT)
            except queue.Empty:
                fail(f'node printed no "{event}" within {WAIT} s; '
                     f'stderr: {self.stop_and_read_errors()}')
            if line['event'] == event:
                return line

    def stop_and_read_errors(self):
        self.process.kill()
        return self.process.stderr.read()

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        if self.process.wait(timeout=WAIT) != 0:
            fail(f'node exited {self.process.returncode}: {self.process.stderr.read()}')


class Response:
    def __init__(self, message, body):
        self.status = message.get_status()
        self.headers = message.get_response_headers()
        self.body = body.get_data() if body is not None else b''

    def header(self, name):
        return self.headers.get_one(name)

    def json(self):
        return json.loads(self.body)


def local_session():
    """A session for the node's API on this machine: no proxy resolver (the
    default may load libproxy, whose C++ exceptions abort under the ASan
    preload; and a proxy has no business between us and loopback)."""
    return Soup.Session(proxy_resolver=None)


def request(url, method='GET', headers=None):
    """One request through libsoup (synchronous: the server is in another process)."""
    session = local_session()
    message = Soup.Message.new(method, url)
    for name, value in (headers or {}).items():
        message.get_request_headers().replace(name, value)
    body = session.send_and_read(message, None)
    return Response(message, body)


def get_json(url, headers=None):
    response = request(url, headers=headers)
    if response.status != 200:
        fail(f'GET {url}: {response.status} {response.body!r}')
    if not response.header('Content-Type').startswith('application/json'):
        fail(f'GET {url}: Content-Type {response.header("Content-Type")}')
    return response.json()


class EventStream:
    """A libsoup WebSocket client of /api/events, keeping every event."""

    def __init__(self, url, headers=None):
        self.events = []
        self.error = None
        self.connection = None
        self.session = local_session()
        message = Soup.Message.new('GET', url)
        for name, value in (headers or {}).items():
            message.get_request_headers().replace(name, value)
        self.message = message
        self.session.websocket_connect_async(message, None, None, GLib.PRIORITY_DEFAULT, None,
                                             self._connected)
        wait_for(lambda: self.connection is not None or self.error is not None,
                 f'a WebSocket to {url}')

    def _connected(self, session, result):
        try:
            self.connection = session.websocket_connect_finish(result)
        except GLib.Error as error:
            self.error = error
            return
        self.connection.connect('message', self._message)

    def _message(self, connection, kind, data):
        self.events.append(json.loads(data.get_data()))

    def of(self, name):
        return [e for e in self.events if e['event'] == name]

    def wait(self, name, what, match=lambda e: True):
        wait_for(lambda: any(match(e) for e in self.of(name)), what)
        return next(e for e in self.of(name) if match(e))

    def close(self):
        self.connection.close(Soup.WebsocketCloseCode.NORMAL, None)


def raw_websocket(port, path='/api/events', receive_buffer=None):
    """A WebSocket opened by hand, for clients that stop reading or vanish."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer is not None:
        # Before connecting, so that the window it announces is small too.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.settimeout(WAIT)
    sock.connect(('127.0.0.1', port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f'GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n'
                  'Upgrade: websocket\r\nConnection: Upgrade\r\n'
                  f'Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n').encode())
    head = b''
    while not head.endswith(b'\r\n\r\n'):
        byte = sock.recv(1)  # one at a time: what follows the head is the stream
        if not byte:
            fail(f'the server closed during the handshake: {head!r}')
        head += byte
    if b' 101 ' not in head.split(b'\r\n')[0]:
        fail(f'no upgrade: {head!r}')
    return sock
