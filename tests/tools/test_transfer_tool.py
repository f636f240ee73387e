#!/usr/bin/python3
# test_transfer_tool.py: "srp-tool send-file" to "srp-tool receive" on
# loopback: the file arrives the same, both say the SHA-256 matched, with
# --json progress events; a receiver that kept part of the file from an
# interrupted transfer gets only the rest, and the whole still matches; and "srp-tool stream" carries standard input
# both ways between "stream --accept" and "stream PEER_ID", the opener's --events saying on
# standard error that the stream opened direct.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import json
import os
import subprocess
import tempfile
import threading

from srp_tool_testing import TOOL, WAIT, fail

ADDRESSES = ['127.0.0.209', '127.0.0.210']


def first_line(process):
    line = process.stdout.readline()
    if not line:
        fail(f'{process.args[1]} printed nothing')
    return line


def transfer(directory, kept=0):
    """Sends a file; with kept, the receiver holds that much of it from an
    interrupted transfer (NAME.part), and only the rest is sent."""
    data = os.urandom(3 * 1024 * 1024 + 17)
    source = os.path.join(directory, 'payload.bin')
    with open(source, 'wb') as f:
        f.write(data)
    target = os.path.join(directory, f'in-{kept}')
    os.mkdir(target)
    if kept:
        with open(os.path.join(target, 'payload.bin.part'), 'wb') as f:
            f.write(data[:kept])
    receiver = subprocess.Popen([TOOL, 'receive', '--json', '--listen', f'{ADDRESSES[0]}:0',
                                 '--dir', target], stdout=subprocess.PIPE, text=True)
    listening = json.loads(first_line(receiver))
    if listening['event'] != 'ready':
        fail(f'receive printed {listening}')
    sender = subprocess.run([TOOL, 'send-file', '--json', '--bootstrap',
                             f'{ADDRESSES[0]}:{listening["port"]}', listening['id'], source],
                            capture_output=True, text=True, timeout=60)
    if sender.returncode != 0:
        receiver.kill()
        out, _ = receiver.communicate()
        fail(f'send-file exited {sender.returncode}: {sender.stderr} {sender.stdout[-300:]}; '
             f'receive said {out[-300:]}')
    events = [json.loads(line) for line in sender.stdout.splitlines()]
    if events[-1]['event'] != 'sent' or events[-1]['receiver'] != 'ok':
        fail(f'send-file said {events[-1]}')
    if events[-1]['resumed_from'] != kept:
        fail(f'send-file resumed from {events[-1]["resumed_from"]}, not {kept}')
    if not any(e['event'] == 'progress' for e in events):
        fail('send-file printed no progress')
    out, _ = receiver.communicate(timeout=WAIT)
    if receiver.returncode != 0:
        fail(f'receive exited {receiver.returncode}')
    received = [json.loads(line) for line in out.splitlines()][-1]
    if received['event'] != 'received' or received['check'] != 'ok':
        fail(f'receive said {received}')
    if os.path.exists(os.path.join(target, 'payload.bin.part')):
        fail('the .part file is still there')
    with open(os.path.join(target, 'payload.bin'), 'rb') as f:
        if f.read() != data:
            fail('the received file differs')


def stream(directory):
    one, two = os.urandom(200_000), os.urandom(150_000)
    accept = subprocess.Popen([TOOL, 'stream', '--accept', '--listen', f'{ADDRESSES[0]}:0'],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    words = accept.stderr.readline().split()
    if len(words) < 6 or words[0] != b'peer':
        fail(f'stream --accept printed {words!r}')
    peer_id, port = words[1].decode(), words[5].decode()
    opener = subprocess.Popen([TOOL, 'stream', '--events', '--bootstrap', f'{ADDRESSES[0]}:{port}',
                               '--listen', f'{ADDRESSES[1]}:0', peer_id],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    # Both write and close at once; each reads what the other wrote.
    results = {}
    other = threading.Thread(target=lambda: results.update(accept=accept.communicate(two, timeout=60)))
    other.start()
    got_opener, events = opener.communicate(one, timeout=60)
    other.join()
    got_accept = results['accept'][0]
    if opener.returncode != 0 or accept.returncode != 0:
        fail(f'stream exited {opener.returncode} and {accept.returncode}')
    if got_accept != one or got_opener != two:
        fail(f'stream carried {len(got_accept)} and {len(got_opener)} bytes')
    paths = [json.loads(line) for line in events.splitlines() if line.startswith(b'{')]
    if not paths or paths[0].get('event') != 'path' or paths[0].get('path') != 'direct' or \
            not isinstance(paths[0].get('bytes_sent'), int):
        fail(f'stream --events printed {events[:300]!r}')


def main():
    with tempfile.TemporaryDirectory() as directory:
        transfer(directory)
        transfer(directory, kept=1024 * 1024 + 5)
        stream(directory)
    print('ok')


main()
