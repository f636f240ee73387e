#!/usr/bin/env python3
"""Fails when the pure core calls a clock, a socket or global randomness.

Reads the undefined symbols of the core's static library with nm: anything
the core's objects call from outside is listed there, however it is spelt
in the source (macros included). Usage: check-purity.py NM LIBRARY.a
"""
import re
import subprocess
import sys

FORBIDDEN = re.compile(r"""^(
    g_get_monotonic_time | g_get_real_time | g_get_current_time | g_date_time_new_now.* |
    g_timer_.* | g_usleep | clock_gettime | clock | time | gettimeofday | ftime | times |
    g_random_.* | rand | rand_r | random | srand | srandom | drand48 | lrand48 | arc4random.* |
    getrandom | getentropy | gnutls_rnd | g_rand_new | g_rand_new_with_seed_array |
    socket | bind | connect | sendto | recvfrom | sendmsg | recvmsg | send | recv |
    sendmmsg | recvmmsg | getaddrinfo | poll | select | epoll_.* | read | write |
    g_socket_.* | g_main_.* | g_timeout_.* | g_idle_.* | g_source_.* |
    fopen | open | g_file_.*
)$""", re.X)


def main():
    nm, library = sys.argv[1], sys.argv[2]
    out = subprocess.run([nm, "-u", "--without-symbol-versions", library],
                         check=True, capture_output=True, text=True).stdout
    current = "?"
    bad = []
    for line in out.splitlines():
        if line.endswith(":"):
            current = line[:-1]
            continue
        parts = line.split()
        if not parts:
            continue
        symbol = parts[-1].split("@")[0]
        if FORBIDDEN.match(symbol):
            bad.append(f"{current}: {symbol}")
    if bad:
        print("the core must not call these (time, sockets and randomness are inputs):")
        for b in bad:
            print("  " + b)
        return 1
    print(f"{library}: no clock, socket or global-randomness calls")
    return 0


if __name__ == "__main__":
    sys.exit(main())
