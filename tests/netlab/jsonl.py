#!/usr/bin/python3
"""jsonl: read the JSON lines that `srp-tool ... --json` prints (Python stdlib only).

    jsonl.py field FILE EVENT KEY        the KEY of the first EVENT line (null: empty); exit 1 if none
    jsonl.py count FILE EVENT [KEY=VAL]  how many EVENT lines (with KEY equal to VAL, if given)
    jsonl.py each FILE EVENT KEY...      every EVENT line's KEYs, one line each, space-separated
    jsonl.py message FILE TEXT           exit 0 when a "message" event carries exactly TEXT
    jsonl.py prefix-peers FILE PREFIX    most peers whose address starts with PREFIX that were
                                         connected at once (peer-added minus peer-removed)

Lines that are not JSON objects (a stray warning on stdout) are skipped, so the scripts need not
care whether a tool mixed them in. Parsing JSON rather than grepping keeps the tests independent of
key order and escaping.
"""

import base64
import binascii
import json
import sys


def events(path):
    try:
        f = open(path, encoding="utf-8", errors="replace")
    except OSError:
        return
    with f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if isinstance(obj, dict):
                yield obj


def text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    cmd, path = argv[1], argv[2]
    if cmd == "field" and len(argv) == 5:
        for e in events(path):
            if e.get("event") == argv[3] and argv[4] in e:
                print(text(e[argv[4]]))
                return 0
        return 1
    if cmd == "count" and len(argv) in (4, 5):
        key = val = None
        if len(argv) == 5:
            key, val = argv[4].split("=", 1)
        n = sum(1 for e in events(path)
                if e.get("event") == argv[3] and (key is None or text(e.get(key)) == val))
        print(n)
        return 0
    if cmd == "each" and len(argv) >= 5:
        for e in events(path):
            if e.get("event") == argv[3]:
                print(" ".join(text(e.get(k)) or "-" for k in argv[4:]))
        return 0
    if cmd == "message" and len(argv) == 4:
        want = argv[3].encode()
        for e in events(path):
            if e.get("event") != "message":
                continue
            try:
                data = base64.b64decode(e.get("data_b64") or "", validate=True)
            except (binascii.Error, ValueError):
                continue
            if data == want:
                return 0
        return 1
    if cmd == "prefix-peers" and len(argv) == 4:
        live, most = set(), 0
        for e in events(path):
            if e.get("event") == "peer-added" and text(e.get("address")).startswith(argv[3]):
                live.add(e.get("id"))
            elif e.get("event") == "peer-removed":
                live.discard(e.get("id"))
            most = max(most, len(live))
        print(most)
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
