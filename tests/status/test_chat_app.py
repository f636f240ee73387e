#!/usr/bin/python3
# test_chat_app.py: bindings/python/chat as a person meets it. Two srp-chat
# windows under Xvfb (GTK with the cairo renderer) join a network through a
# srp-tool node; each lists the other peers with NAT type and path; Alice
# types a line and presses Enter, Bob's window shows it; Bob goes offline,
# Alice writes again, and when Bob comes back the line fills in from the
# caches; Alice sends Bob a file from his peer row, and both windows' file
# rows run their progress bars to the end, Bob's copy the same bytes. What
# the windows show is read from the row widgets GTK made (the
# app's --test-control mode, chat_control.py), and screenshots of both are
# saved in the build directory.
#
# usage: test_chat_app.py SRP_TOOL SRP_CHAT SCREENSHOT_DIR
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import hashlib
import json
import os
import queue
import shutil
import subprocess
import sys
import threading

from cdp import plain_environment
from status_testing import Node, fail, spawn

TOOL, CHAT, SHOTS = sys.argv[1], sys.argv[2], sys.argv[3]
WAIT = 30


def missing_tools():
    if shutil.which('Xvfb') is None:
        return 'Xvfb is not installed (Debian package xvfb)'
    probe = subprocess.run([sys.executable, '-c', 'import gi; gi.require_version("Gtk", "4.0"); '
                            'gi.require_version("Adw", "1")'], capture_output=True, text=True)
    if probe.returncode != 0:
        return 'GTK 4 or libadwaita typelibs are missing (gir1.2-gtk-4.0, gir1.2-adw-1)'
    return None


class Xvfb:
    """A private X server; -displayfd tells which display it took."""

    def __init__(self):
        read, write = os.pipe()
        self.process = spawn(
            ['Xvfb', '-displayfd', str(write), '-screen', '0', '1280x800x24', '-nolisten', 'tcp'],
            pass_fds=(write,), stderr=subprocess.DEVNULL, env=plain_environment())
        os.close(write)
        with os.fdopen(read) as f:
            number = f.readline().strip()
        if not number:
            fail('Xvfb did not start')
        self.display = f':{number}'

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=WAIT)


class Chat:
    """An srp-chat window driven through --test-control."""

    def __init__(self, display, name, address, bootstrap, downloads):
        env = dict(os.environ, DISPLAY=display, GDK_BACKEND='x11', GSK_RENDERER='cairo',
                   NO_AT_BRIDGE='1', GTK_A11Y='none')
        self.name = name
        self.process = spawn(
            [sys.executable, CHAT, '--test-control', '--topic', 'test/room', '--name', name,
             '--listen', f'{address}:0', '--bootstrap', bootstrap, '--downloads', downloads],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        self.replies = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.ready = self._next('a window')

    def _read(self):
        for line in self.process.stdout:
            self.replies.put(json.loads(line))
        self.replies.put(None)

    def _next(self, what):
        try:
            reply = self.replies.get(timeout=WAIT)
        except queue.Empty:
            fail(f'{self.name}: no answer within {WAIT} s for {what}')
        if reply is None:
            fail(f'{self.name}: the app exited ({self.process.wait()}) waiting for {what}')
        return reply

    def ask(self, command):
        self.process.stdin.write(command + '\n')
        self.process.stdin.flush()
        return self._next(command)

    def quit(self):
        self.ask('quit')
        if self.process.wait(timeout=WAIT) != 0:
            fail(f'{self.name} exited {self.process.returncode}')


def send_file(alice, bob):
    """Alice sends Bob 3 MiB from his row; both rows end full, the bytes match."""
    name = 'holiday-photos.bin'
    source = os.path.join(SHOTS, name)
    with open(source, 'wb') as f:
        f.write(os.urandom(3 * 1024 * 1024))
    for stale in (os.path.join(SHOTS, 'bob-downloads', name),):
        if os.path.exists(stale):
            os.unlink(stale)
    if alice.ask(f'send-file {bob.ready["ready"][:16]} {source}') != {'sending': name}:
        fail('Alice cannot send Bob a file from his row')
    sent, got = alice.ask(f'wait-file {name}'), bob.ask(f'wait-file {name}')
    for who, reply, state in (('Alice', sent, 'sent'), ('Bob', got, 'received')):
        if reply['state'] != state or reply['fraction'] != 1.0:
            fail(f'{who}\'s file row: {reply}')
    with open(source, 'rb') as a, open(got['path'], 'rb') as b:
        if hashlib.sha256(a.read()).digest() != hashlib.sha256(b.read()).digest():
            fail(f'Bob\'s copy {got["path"]} differs')
    return got


def main():
    why = missing_tools()
    if why is not None:
        print(f'SKIP: {why}')
        sys.exit(77)
    os.makedirs(SHOTS, exist_ok=True)
    xvfb = Xvfb()
    node = Node(TOOL, '127.0.0.171')
    bootstrap = f'127.0.0.171:{node.ready["port"]}'
    chats = []
    try:
        alice = Chat(xvfb.display, 'Alice', '127.0.0.172', bootstrap,
                     os.path.join(SHOTS, 'alice-downloads'))
        chats.append(alice)
        bob = Chat(xvfb.display, 'Bob', '127.0.0.173', bootstrap,
                   os.path.join(SHOTS, 'bob-downloads'))
        chats.append(bob)
        for chat in chats:
            if chat.ask('wait-peers 2') != {'peers': 2}:
                fail(f'{chat.name} does not list the node and the other window')
        shown = bob.ask('peers')['peers']
        if sorted(p['id'] for p in shown) != sorted([alice.ready['ready'][:16],
                                                     node.ready['id'][:16]]) \
                or any(p['path'] != 'direct' or not p['nat'] for p in shown):
            fail(f'Bob lists {shown}')

        posted = alice.ask('post Hello Bob, this is Alice')
        if posted['entry'] != '':
            fail(f'the entry kept {posted["entry"]!r} after Enter')
        if alice.ask('wait-line Hello Bob, this is Alice')['author'] != 'Alice (you)':
            fail('Alice does not see her own line')
        if bob.ask('wait-line Hello Bob, this is Alice')['author'] != 'Alice':
            fail('Bob sees the line under another name')

        if bob.ask('offline')['subtitle'] != 'offline':
            fail('Bob does not show that he is offline')
        alice.ask('post Bob, this came while you were away')
        bob.ask('online')
        if bob.ask('wait-line Bob, this came while you were away')['author'] != 'Alice':
            fail('the line from while Bob was away did not fill in')

        send_file(alice, bob)

        for chat in chats:
            path = os.path.join(SHOTS, f'chat-{chat.name.lower()}.png')
            reply = chat.ask(f'screenshot {path}')
            if not os.path.getsize(path) or reply['width'] < 100:
                fail(f'screenshot of {chat.name}: {reply}')
        for chat in list(chats):
            chat.quit()
            chats.remove(chat)
        print(f'two windows: a line posted and shown, a line from while away filled in, '
              f'a file sent with its progress shown on both sides; screenshots in {SHOTS}')
    finally:
        for chat in chats:
            chat.process.kill()
        node.stop()
        xvfb.stop()


main()
