#!/usr/bin/python3
# test_processes.py: real processes on loopback. A bootstrap peer
# (srp-tool node, C), a Python peer (topics_peer.py) and a GJS peer
# (tests/gjs/topics-peer.js), each its own OS process, form a network;
# Python and GJS publish on one topic and send to each other's inbox, and
# each must receive the other's messages with the right IDs and bytes. Then
# srp-tool subscribe (C) starts late and must get both topic messages from
# the others' caches.
#
#   test_processes.py SRP_TOOL GJS PYTHON_PEER GJS_PEER
#
# GJS may be '' (not found): the test then says SKIP and exits 77. Every
# child still running is killed when the test ends, fails or gets SIGTERM;
# the children stay in the test's process group, which meson's timeout
# signals as a whole, and the Python and GJS peers also end when their
# stdin closes, that is when this process dies.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import base64
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time

TOPIC = 'cross/process'
# One address each: readable output, and NAT classification needs peers at
# two IPs (the peer table's limit of 16 peers per /24 would allow one IP).
# Other tests use other addresses: tests run in parallel.
BOOTSTRAP_ADDRESS = '127.0.0.101'
PYTHON_ADDRESS = '127.0.0.102'
GJS_ADDRESS = '127.0.0.103'
WAIT_S = 20  # hang guard for each step, not a timing assertion


class Failure(Exception):
    pass


def short(message_id):
    return message_id[:8] + '…'


class Child:
    """A process whose stdout lines are JSON events and whose stderr is passed on."""

    def __init__(self, name, argv, lines):
        self.name = name
        self.events = []
        self.ended = False
        self.may_end = False
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
        threading.Thread(target=self._read_stdout, args=(lines,), daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stdout(self, lines):
        for line in self.process.stdout:
            lines.put((self, line))
        lines.put((self, None))

    def _read_stderr(self):
        for line in self.process.stderr:
            print(f'  [{self.name} stderr] {line}', end='', file=sys.stderr, flush=True)

    def command(self, line):
        self.process.stdin.write(line + '\n')
        self.process.stdin.flush()

    def all(self, event):
        return [e for e in self.events if e['event'] == event]

    def last(self, event):
        found = self.all(event)
        return found[-1] if found else None

    def messages(self):
        return self.all('message')


class Network:
    def __init__(self):
        self.lines = queue.Queue()
        self.children = []

    def start(self, name, argv):
        child = Child(name, argv, self.lines)
        self.children.append(child)
        return child

    def wait_for(self, condition, what):
        """Reads the children's events until condition() holds."""
        deadline = time.monotonic() + WAIT_S
        while not condition():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Failure(f'waited {WAIT_S} s in vain for {what}')
            try:
                child, line = self.lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                child.ended = True
                if not child.may_end:
                    raise Failure(f'{child.name} exited with status {child.process.wait()} '
                                  f'while the test waited for {what}')
                continue
            try:
                child.events.append(json.loads(line))
            except ValueError:
                raise Failure(f'{child.name} printed {line!r}, not JSON') from None

    def wait_ready(self, child, address):
        self.wait_for(lambda: child.last('ready'), f'{child.name} to listen')
        ready = child.last('ready')
        print(f'{child.name:<10} listens on {address}:{ready["port"]}, id {short(ready["id"])}')
        return ready

    def stop(self, child, how, says_stopped=True):
        """Ends a child with how() and checks that it closes cleanly."""
        child.may_end = True
        how()
        self.wait_for(lambda: child.ended, f'{child.name} to exit')
        status = child.process.wait()
        if status != 0 or (says_stopped and child.last('stopped') is None):
            raise Failure(f'{child.name} ended with status {status}, events {child.events[-3:]}')

    def kill_all(self):
        for child in self.children:
            if child.process.poll() is None:
                print(f'killing {child.name} (pid {child.process.pid})', file=sys.stderr)
                child.process.kill()
            child.process.wait()


def expect_message(child, message_id, topic, data, what):
    """Fails unless child received message_id exactly once, on topic, with data."""
    copies = [m for m in child.messages() if m['id'] == message_id]
    if len(copies) != 1:
        raise Failure(f'{child.name} got {len(copies)} copies of {what} {short(message_id)}')
    got = base64.b64decode(copies[0]['data_b64'])
    if copies[0]['topic'] != topic or got != data or copies[0]['size'] != len(data):
        raise Failure(f'{child.name} got {what} with topic {copies[0]["topic"]!r}, '
                      f'{len(got)} bytes (want {topic!r}, {len(data)} bytes, same content)')
    where = f'on "{topic}"' if topic else 'in its inbox'
    print(f'{child.name:<10} got {what} {short(message_id)} {where}: {len(data)} bytes, '
          'content matches')


def publish(net, child, line, event, what):
    """Gives child a publish or send command; returns the message ID it reports."""
    before = len(child.all(event))
    child.command(line)
    net.wait_for(lambda: len(child.all(event)) > before, f'{child.name} to report {what}')
    message_id = child.last(event)['id']
    print(f'{child.name:<10} {what}: message {short(message_id)}')
    return message_id


def b64(data):
    return base64.b64encode(data).decode()


def run(net, srp_tool, gjs, python_peer, gjs_peer):
    node = net.start('bootstrap', [srp_tool, 'node', '--ephemeral', '--json', '--listen',
                                   f'{BOOTSTRAP_ADDRESS}:0'])
    port = net.wait_ready(node, BOOTSTRAP_ADDRESS)['port']
    bootstrap = f'{BOOTSTRAP_ADDRESS}:{port}'
    py = net.start('python', [sys.executable, python_peer, PYTHON_ADDRESS, bootstrap, TOPIC])
    js = net.start('gjs', [gjs, '-m', gjs_peer, GJS_ADDRESS, bootstrap, TOPIC])
    py_id = net.wait_ready(py, PYTHON_ADDRESS)['id']
    js_id = net.wait_ready(js, GJS_ADDRESS)['id']
    net.wait_for(lambda: all(c.last('peers') and c.last('peers')['n'] >= 2 for c in (py, js)),
                 'python and gjs to connect to each other and the bootstrap peer')
    print('network:   python and gjs each connected to 2 peers')

    # Random bytes: no two messages share a body (a first packet's ID covers
    # only its body and a zero PREV ID, so equal bodies would be one packet).
    py_post = b'python on the topic: ' + os.urandom(3000)  # 3 packets
    js_post = b'gjs on the topic: ' + os.urandom(1500)     # 2 packets
    py_letter = b'python to the gjs inbox: ' + os.urandom(8).hex().encode()
    js_letter = b'gjs to the python inbox: ' + os.urandom(8).hex().encode()
    py_post_id = publish(net, py, f'publish {b64(py_post)}', 'published',
                         f'published {len(py_post)} bytes on "{TOPIC}"')
    js_post_id = publish(net, js, f'publish {b64(js_post)}', 'published',
                         f'published {len(js_post)} bytes on "{TOPIC}"')
    py_letter_id = publish(net, py, f'send {js_id} {b64(py_letter)}', 'sent',
                           f'sent {len(py_letter)} bytes to the gjs inbox')
    js_letter_id = publish(net, js, f'send {py_id} {b64(js_letter)}', 'sent',
                           f'sent {len(js_letter)} bytes to the python inbox')

    def has(child, *ids):
        return lambda: all(any(m['id'] == i for m in child.messages()) for i in ids)

    net.wait_for(has(js, py_post_id, py_letter_id), 'gjs to receive the python messages')
    net.wait_for(has(py, js_post_id, js_letter_id), 'python to receive the gjs messages')

    # A C subscriber that was not there when they were published.
    late = net.start('C late', [srp_tool, 'subscribe', '--no-lan', '--json', '--bootstrap', bootstrap,
                                '--topic', TOPIC, '--count', '2', '--timeout', str(WAIT_S)])
    print('C late     srp-tool subscribe starts after both were published')
    net.wait_for(has(late, py_post_id, js_post_id), 'the late subscriber to catch up')

    # Everyone ends cleanly; only then are the message lists complete.
    net.stop(late, lambda: None, says_stopped=False)  # exits by itself after --count
    net.stop(py, py.process.stdin.close)
    net.stop(js, js.process.stdin.close)
    net.stop(node, node.process.terminate)
    print('all processes exited with status 0')

    expect_message(js, py_post_id, TOPIC, py_post, 'python\'s post')
    expect_message(js, py_letter_id, None, py_letter, 'python\'s letter')
    expect_message(py, js_post_id, TOPIC, js_post, 'gjs\'s post')
    expect_message(py, js_letter_id, None, js_letter, 'gjs\'s letter')
    expect_message(late, py_post_id, TOPIC, py_post, 'python\'s post')
    expect_message(late, js_post_id, TOPIC, js_post, 'gjs\'s post')
    # Signed by their publishers (Python, GJS) and checked by the C
    # subscriber: srp-tool prints the verified sender.
    for message_id, author, who in ((py_post_id, py_id, 'python'), (js_post_id, js_id, 'gjs')):
        senders = [m.get('sender') for m in late.messages() if m['id'] == message_id]
        if senders != [author]:
            raise Failure(f'C late got {who}\'s post from {senders}, want {short(author)}')
    print('C late     both posts carry their verified authors')
    # Nothing else, from anyone. What a publisher hears of its own message
    # is not this test's business, so its own IDs are left out.
    expected = {js: {py_post_id, py_letter_id}, py: {js_post_id, js_letter_id},
                late: {py_post_id, js_post_id}, node: set()}
    own = {py: {py_post_id}, js: {js_post_id}}
    for child, ids in expected.items():
        got = [m['id'] for m in child.messages() if m['id'] not in own.get(child, set())]
        if sorted(got) != sorted(ids):
            raise Failure(f'{child.name} got {sorted(map(short, got))}, '
                          f'want {sorted(map(short, ids))}')


def on_sigterm(_signum, _frame):
    raise Failure('stopped by SIGTERM (meson timeout?)')


def main():
    srp_tool, gjs, python_peer, gjs_peer = sys.argv[1:]
    if not gjs:
        print('SKIP: gjs not found; this test needs it for the GJS peer', flush=True)
        sys.exit(77)
    signal.signal(signal.SIGTERM, on_sigterm)
    net = Network()
    try:
        run(net, srp_tool, gjs, python_peer, gjs_peer)
    except Failure as failure:
        print(f'FAIL: {failure}', file=sys.stderr)
        for child in net.children:
            print(f'  {child.name} events: {child.events[-5:]}', file=sys.stderr)
        sys.exit(1)
    finally:
        net.kill_all()
    print('PASS: python, gjs and C peers exchanged every message across processes')


main()
