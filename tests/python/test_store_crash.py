#!/usr/bin/python3
# test_store_crash.py: what a peer with a state directory accepted survives
# SIGKILL at any moment (srp_peer_new_with_state_directory).
#
# 1. A publisher (store_peer.py publish) publishes 1,000 messages and is
#    killed with SIGKILL at random moments, at least 10 times, each time
#    started again on the same state directory, going on from the last
#    message whose ID it printed. Nobody else is online.
# 2. A subscriber that was offline throughout comes online at the end (the
#    publisher now runs to its end and stays): it must get every message
#    whose ID the publisher printed, exactly once, with the right bytes.
# 3. A second subscriber, a slow one (2 ms a message), is killed repeatedly
#    while it receives (each time within 50 ms of the first message of
#    that life; up to 10 times, fewer when a life's start, which hands over
#    what the last one had cached, already completes it) and started again
#    on its own state directory: across its lives no message comes twice
#    and none is lost.
#
# What "lost" means for 3: the store writes a message's ID right before it
# emits the message (that is what keeps a restart from emitting it again),
# so a kill that falls between that write and the handler's print loses
# that one message for the application. Such messages are in the
# subscriber's delivered table (read here with sqlite3): accepted, and
# counted in the output; anything else missing fails.
#
# A kill between a publish and the publisher's print of its ID leaves a
# message the test never heard of; the restarted publisher publishes that
# index again under a new ID. Such messages (at most one per kill, each
# with the bytes of an index that was published under another ID) are
# allowed and counted: the application's own bookkeeping is at least once.
#
#   test_store_crash.py STORE_PEER
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import base64
import glob
import json
import os
import queue
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from store_peer import body  # noqa: E402

COUNT = 1000
KILLS = 10
ADDRESS = '127.0.0.181'
WAIT_S = 60  # hang guard for each step, not a timing assertion
PAUSE_MS = '2'  # the killed subscriber's work per message
QUIET_S = 8  # nothing new for this long after its catch-up sync: it has all it will get


def fail(message):
    print(f'FAIL: {message}', file=sys.stderr, flush=True)
    sys.exit(1)


class Child:
    """store_peer.py in its own process; its JSON lines, read as they come."""

    def __init__(self, store_peer, *args):
        self.process = subprocess.Popen([sys.executable, store_peer, *args],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(json.loads(line))
        self.lines.put(None)

    def next(self, timeout):
        """The next event, or None when the child ended or timeout passed."""
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            return None

    def wait_event(self, name, seen):
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            event = self.next(deadline - time.monotonic())
            if event is None:
                fail(f'{name}: the peer ended (status {self.process.poll()})')
            seen(event)
            if event['event'] == name:
                return event
        fail(f'waited {WAIT_S} s in vain for {name}')

    def wait_for_message(self, seen, timeout):
        """Reads events until a message; FALSE when none came in timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            event = self.next(deadline - time.monotonic())
            if event is None:
                return False
            seen(event)
            if event['event'] == 'message':
                return True
        return False

    def kill(self, seen):
        """SIGKILL, then every line it printed before it died."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        while (event := self.next(WAIT_S)) is not None:
            seen(event)

    def stop(self):
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def publish_with_kills(store_peer, directory, rng):
    published = {}  # message ID -> index
    state = {'next': 0}

    def seen(event):
        if event['event'] == 'published':
            published[event['id']] = event['index']
            state['next'] = event['index'] + 1

    kills = 0
    port = None
    while kills < KILLS or state['next'] < COUNT // 2:
        child = Child(store_peer, 'publish', directory, ADDRESS, str(port or 0),
                      str(state['next']), str(COUNT))
        ready = child.wait_event('ready', seen)
        port = ready['port']
        # A random moment of its work: startup, publishing, or between.
        time.sleep(rng.uniform(0.0, 0.12))
        child.kill(seen)
        kills += 1
    print(f'publisher killed {kills} times, {len(published)} IDs printed so far', flush=True)
    final = Child(store_peer, 'publish', directory, ADDRESS, str(port), str(state['next']),
                  str(COUNT))
    final.wait_event('done', seen)
    indexes = sorted(published.values())
    if indexes != list(range(COUNT)):
        fail(f'the publisher printed {len(indexes)} IDs for {len(set(indexes))} indexes')
    return final, port, published, kills


def receive(child, published, received, extra, deadline_what):
    """Reads child's messages into received (ID -> count) until all of
    published came; extra collects IDs the publisher never printed."""
    def seen(event):
        if event['event'] != 'message':
            return
        data = base64.b64decode(event['data_b64'])
        if event['id'] in published:
            if data != body(published[event['id']]):
                fail(f'message {event["id"][:8]} has the wrong bytes')
        else:
            extra.append((event['id'], data))
        received[event['id']] = received.get(event['id'], 0) + 1
    return seen


def check_extra(extra, kills):
    bodies = {body(i) for i in range(COUNT)}
    for message_id, data in extra:
        if data not in bodies:
            fail(f'message {message_id[:8]} is none the publisher made')
    if len(extra) > kills:
        fail(f'{len(extra)} messages with unprinted IDs after {kills} kills')


def delivered_in(directory):
    (path,) = glob.glob(os.path.join(directory, '*.sqlite'))
    db = sqlite3.connect(f'file:{path}?mode=ro', uri=True)
    try:
        return {row[0].hex() for row in db.execute('SELECT id FROM delivered')}
    finally:
        db.close()


def main():
    store_peer = sys.argv[-1]
    rng = random.Random(int(os.environ.get('SRP_CRASH_SEED', time.time_ns())))
    base = tempfile.mkdtemp(prefix='srp-crash-')
    children = []
    try:
        start = time.monotonic()
        publisher, port, published, kills = publish_with_kills(
            store_peer, os.path.join(base, 'publisher'), rng)
        children.append(publisher)
        print(f'published {COUNT} in {time.monotonic() - start:.1f} s '
              f'({len(published) - COUNT} republished after a kill)', flush=True)

        # 2. The subscriber that was offline throughout.
        start = time.monotonic()
        received, extra = {}, []
        late = Child(store_peer, 'subscribe', os.path.join(base, 'late'), ADDRESS, str(port))
        children.append(late)
        seen = receive(late, published, received, extra, 'late')
        deadline = time.monotonic() + WAIT_S
        while not all(i in received for i in published):
            event = late.next(max(0.0, deadline - time.monotonic()))
            if event is None:
                fail(f'the late subscriber has {len(received)} of {len(published)} messages')
            seen(event)
        late.stop()
        twice = [i for i, n in received.items() if n > 1]
        if twice:
            fail(f'{len(twice)} messages came twice to the late subscriber')
        check_extra(extra, kills)
        print(f'late subscriber: all {len(published)} exactly once, right bytes, '
              f'in {time.monotonic() - start:.1f} s', flush=True)

        # 3. A subscriber killed while it receives.
        start = time.monotonic()
        directory = os.path.join(base, 'killed')
        received, extra = {}, []
        seen = receive(None, published, received, extra, 'killed')
        sub_kills = 0
        lives = []  # messages received when each kill fell
        while True:
            child = Child(store_peer, 'subscribe', directory, ADDRESS, str(port), PAUSE_MS)
            child.wait_event('ready', seen)
            if sub_kills >= KILLS or len(received) >= len(published):
                break
            # While it receives: within a moment of its first new message
            # (none coming: what is missing was handed over as a kill fell).
            if not child.wait_for_message(seen, QUIET_S):
                break
            time.sleep(rng.uniform(0.0, 0.05))
            child.kill(seen)
            sub_kills += 1
            lives.append(len(received))
        children.append(child)
        # Until everything came, or (for messages handed over as a kill fell)
        # until nothing more comes for a while: the last life has caught up.
        deadline = time.monotonic() + WAIT_S
        while any(i not in received for i in published) and time.monotonic() < deadline:
            event = child.next(QUIET_S)
            if event is None:
                break
            seen(event)
        child.stop()
        while (event := child.next(QUIET_S)) is not None:
            seen(event)
        missing = {i for i in published if i not in received}
        handed_in_a_kill = missing & delivered_in(directory)
        if missing - handed_in_a_kill:
            fail(f'the killed subscriber has {len(received)} of {len(published)} messages; '
                 f'{len(missing - handed_in_a_kill)} were never handed over')
        twice = [i for i, n in received.items() if n > 1]
        if twice:
            fail(f'{len(twice)} messages came twice to the subscriber killed {sub_kills} times')
        if len(handed_in_a_kill) > sub_kills:
            fail(f'{len(handed_in_a_kill)} messages lost in {sub_kills} kills')
        check_extra(extra, kills)
        print(f'subscriber killed {sub_kills} times: none twice, '
              f'{len(published) - len(handed_in_a_kill)} of {len(published)} shown, '
              f'{len(handed_in_a_kill)} handed over as a kill fell, '
              f'in {time.monotonic() - start:.1f} s (received by each kill: {lives})',
              flush=True)
        print('1 passed, 0 failed')
    finally:
        for child in children:
            child.stop()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == '__main__':
    main()
