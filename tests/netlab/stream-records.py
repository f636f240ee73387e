#!/usr/bin/python3
"""stream-records.py: timed records through an SrpStream, for the lab's stream tests.

  write SECONDS RATE [GO_FILE]
                      -- writes 64-byte records to stdout for SECONDS at RATE records a second:
                         8 bytes CLOCK_MONOTONIC ns when written, 8 bytes sequence number, 48
                         bytes from a seeded generator; prints "sent N BYTES SHA256" on stderr.
                         With GO_FILE, starts once that file exists (the test makes it when the
                         stream is open, so that a record's delay is the stream's, not the
                         connection's).
  read                -- reads records from stdin until EOF; prints one line on stdout:
                         "received N BYTES SHA256 MAXDELAY_MS MAXDELAY_SEQ IN_ORDER", where the
                         delay of a record is when it was read minus when it was written (the
                         lab's namespaces share one clock), so MAXDELAY is how long the stream
                         held bytes back at worst, e.g. across a network change.
Stdlib only.
"""
import hashlib
import os
import random
import struct
import sys
import time

REC = 64


def write(seconds, rate, go_file=None):
    out = sys.stdout.buffer
    while go_file is not None and not os.path.exists(go_file):
        time.sleep(0.01)
    h = hashlib.sha256()
    rng = random.Random(16)
    n = 0
    start = time.monotonic()
    tick = 0.01
    while True:
        now = time.monotonic()
        if now - start >= seconds:
            break
        due = int((now - start) * rate) + 1
        chunk = bytearray()
        while n < due:
            rec = struct.pack(">QQ", time.monotonic_ns(), n) + rng.randbytes(REC - 16)
            chunk += rec
            n += 1
        if chunk:
            h.update(chunk)
            out.write(chunk)
            out.flush()
        time.sleep(tick)
    out.close()
    print("sent %d %d %s" % (n, n * REC, h.hexdigest()), file=sys.stderr, flush=True)


def read():
    inp = sys.stdin.buffer
    h = hashlib.sha256()
    buf = b""
    n = 0
    total = 0
    max_delay = 0
    max_seq = -1
    in_order = True
    while True:
        data = inp.read1(65536) if hasattr(inp, "read1") else os.read(0, 65536)
        if not data:
            break
        now = time.monotonic_ns()
        h.update(data)
        total += len(data)
        buf += data
        while len(buf) >= REC:
            ts, seq = struct.unpack(">QQ", buf[:16])
            if seq != n:
                in_order = False
            delay = now - ts
            if delay > max_delay:
                max_delay, max_seq = delay, seq
            n += 1
            buf = buf[REC:]
    print("received %d %d %s %d %d %s" % (n, total, h.hexdigest(), max_delay // 1000000, max_seq,
                                          "yes" if in_order and not buf else "no"), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(float(sys.argv[2]), float(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else None)
    else:
        read()
