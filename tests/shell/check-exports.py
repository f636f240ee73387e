#!/usr/bin/python3
# check-exports.py: libsrp-1.so exports exactly what its installed headers declare.
#
# usage: check-exports.py NM LIBRARY HEADER...
#
# Every dynamic symbol the library defines must be a function starting with
# srp_ and declared in one of the public headers; internal ones (srp_core_*,
# srp_identity_*, ...) must stay hidden.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import re
import subprocess
import sys

# Defined by the linker in every shared object, not by us.
LINKER_SYMBOLS = {'_init', '_fini', '_edata', '_end', '__bss_start'}


def declared(headers):
    names = set()
    for path in headers:
        with open(path, encoding='utf-8') as f:
            text = f.read()
        text = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
        names.update(re.findall(r'\b(srp_\w+)\s*\(', text))
        for prefix in re.findall(r'G_DECLARE_\w+_TYPE\s*\(\s*\w+\s*,\s*(\w+)', text):
            names.add(prefix + '_get_type')
    return names


def main():
    nm, library, headers = sys.argv[1], sys.argv[2], sys.argv[3:]
    public = declared(headers)
    out = subprocess.run([nm, '-D', '--defined-only', library],
                         check=True, capture_output=True, text=True).stdout
    bad = []
    exported = set()
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 2:
            continue
        kind, name = fields[-2], fields[-1].split('@')[0]
        if name in LINKER_SYMBOLS:
            continue
        exported.add(name)
        if kind not in ('T', 'W', 'i'):
            bad.append(f'{name} ({kind}): exported data')
        elif not name.startswith('srp_'):
            bad.append(f'{name}: not in the srp_ namespace')
        elif name not in public:
            bad.append(f'{name}: not declared in a public header')
    for message in bad:
        print(f'not ok: {message}')
    if not exported & public:
        print('not ok: no public symbol exported at all')
        return 1
    print(f'{len(exported)} symbols exported, {len(bad)} unexpected')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
