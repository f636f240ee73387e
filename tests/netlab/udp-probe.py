#!/usr/bin/python3
"""udp-probe: look at NAT behaviour from inside the libsrp netlab (Python stdlib only).

Server (a reflector, run on public hosts):
    udp-probe.py server --port 3478 --port 3479 [--bind IP] [--log]
  Every port answers these one-line ASCII requests:
    PING <nonce>            -> "PONG <nonce> <seen-ip:port> <local-port>" from the same port
    FROM <port> <nonce>     -> that PONG from its other port <port>, then "ACK <nonce>" from this one
    SENDTO <ip:port> <nonce>-> PONG to ip:port (an address it is *told* to send to), then ACK back
    RELAY <ip:port> <nonce> -> asks the reflector at ip:port to SENDTO the requester's address;
                               when that reflector ACKs, "ACK <nonce>" goes back to the requester
  The ACKs let a client tell "filtered" from "not sent": a probe that would get in arrives before
  its ACK, because it takes the shorter path.

Clients (run inside hosts):
    udp-probe.py ping --to IP:PORT [--port N] [--ttl N]   print the address the reflector saw
    udp-probe.py send --to IP:PORT [--port N] --data TEXT send one datagram
    udp-probe.py listen --port N [--timeout S] [--ready-file F]
                                                        print "ip:port data" for each datagram
    udp-probe.py trace --to IP:PORT                       UDP traceroute (ICMP via IP_RECVERR)
    udp-probe.py punch --port N --to IP:PORT              hole punch: send every 0.1 s from port N to
                                                          the peer, print the first datagram that
                                                          arrives from the peer's IP; exit 0/1
    udp-probe.py check --a IP:PORT --a-alt PORT --b IP:PORT
        NAT classification: prints one line of key=value:
        local, map_a, map_b, map_a_alt, mapping (independent|dependent), preserved (yes|no),
        f_port (in|out: from the contacted reflector's other port), f_addr (in|out: from the other,
        uncontacted reflector), nomap (in|out: to a port that has never sent), hops, reached.
"""

import argparse
import os
import random
import select
import socket
import struct
import sys
import time

IP_RECVERR = getattr(socket, "IP_RECVERR", 11)
MSG_ERRQUEUE = getattr(socket, "MSG_ERRQUEUE", 0x2000)
SO_EE_ORIGIN_ICMP = 2


def parse_addr(s):
    host, port = s.rsplit(":", 1)
    return (host, int(port))


def fmt(a):
    return "%s:%d" % (a[0], a[1])


def nonce():
    return "%08x" % random.getrandbits(32)


# ------------------------------------------------------------------------------------ server


def serve(args):
    socks = {}
    for p in args.port:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((args.bind, p))
        socks[s.getsockname()[1]] = s
    byfd = {s.fileno(): s for s in socks.values()}
    pending = {}  # relay nonce -> (socket, requester address, deadline)
    poller = select.poll()
    for fd in byfd:
        poller.register(fd, select.POLLIN)
    print("ready %s" % " ".join(str(p) for p in socks), flush=True)
    if args.ready_file:
        with open(args.ready_file, "w") as f:
            f.write("ready\n")

    def send(s, msg, to):
        try:
            s.sendto(msg.encode(), to)
        except OSError as e:
            if args.log:
                print("send to %s failed: %s" % (fmt(to), e), flush=True)

    while True:
        for fd, _ in poller.poll(1000):
            s = byfd[fd]
            lport = s.getsockname()[1]
            try:
                data, src = s.recvfrom(4096)
            except OSError:
                continue
            words = data.decode("ascii", "replace").split()
            if args.log:
                print("%d <- %s %s" % (lport, fmt(src), " ".join(words)), flush=True)
            if not words:
                continue
            cmd = words[0]
            try:
                if cmd == "PING" and len(words) >= 2:
                    send(s, "PONG %s %s %d" % (words[1], fmt(src), lport), src)
                elif cmd == "FROM" and len(words) >= 3:
                    other = socks.get(int(words[1]))
                    if other is not None:
                        send(other, "PONG %s %s %d" % (words[2], fmt(src), int(words[1])), src)
                        send(s, "ACK %s" % words[2], src)
                elif cmd == "SENDTO" and len(words) >= 3:
                    to = parse_addr(words[1])
                    send(s, "PONG %s %s %d" % (words[2], words[1], lport), to)
                    send(s, "ACK %s" % words[2], src)
                elif cmd == "RELAY" and len(words) >= 3:
                    pending[words[2]] = (s, src, time.monotonic() + 10)
                    send(s, "SENDTO %s %s" % (fmt(src), words[2]), parse_addr(words[1]))
                elif cmd == "ACK" and len(words) >= 2 and words[1] in pending:
                    ps, psrc, _ = pending.pop(words[1])
                    send(ps, "ACK %s" % words[1], psrc)
            except (ValueError, OSError) as e:
                if args.log:
                    print("bad request %r: %s" % (words, e), flush=True)
        now = time.monotonic()
        for k in [k for k, v in pending.items() if v[2] < now]:
            del pending[k]


# ------------------------------------------------------------------------------------ client


def udp_socket(port=0, bind="0.0.0.0", recverr=False):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((bind, port))
    if recverr:
        s.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)
    s.setblocking(False)
    return s


def read_errqueue(s):
    """Return (icmp type, offender ip, payload) or None."""
    try:
        data, anc, _flags, _addr = s.recvmsg(4096, 1024, MSG_ERRQUEUE)
    except (BlockingIOError, InterruptedError):
        return None
    except OSError:
        return None
    for level, typ, cdata in anc:
        if level == socket.IPPROTO_IP and typ == IP_RECVERR and len(cdata) >= 16:
            _errno, origin, itype, _code, _pad, _info, _data = struct.unpack("=IBBBBII", cdata[:16])
            off = "?"
            if len(cdata) >= 24:
                off = socket.inet_ntoa(cdata[20:24])
            if origin == SO_EE_ORIGIN_ICMP:
                return (itype, off, data)
            return (-1, off, data)
    return None


def wait_for(socks, match, timeout, resend=None, resend_every=0.25):
    """Poll sockets until match(sock, data, src) returns something truthy, or timeout.

    ICMP errors (sockets with IP_RECVERR) are offered as match(sock, None, (type, ip, payload)).
    resend(): called at the start and every resend_every seconds (None: send nothing)."""
    deadline = time.monotonic() + timeout
    next_send = time.monotonic()
    poller = select.poll()
    byfd = {}
    for s in socks:
        poller.register(s.fileno(), select.POLLIN | select.POLLERR)
        byfd[s.fileno()] = s
    while True:
        now = time.monotonic()
        if resend is not None and now >= next_send:
            resend()
            next_send = now + resend_every
        if now >= deadline:
            return None
        wake = deadline if resend is None else min(deadline, next_send)
        for fd, ev in poller.poll(max(1, int((wake - now) * 1000))):
            s = byfd[fd]
            if ev & select.POLLERR:
                err = read_errqueue(s)
                if err is not None:
                    r = match(s, None, err)
                    if r:
                        return r
            if ev & select.POLLIN:
                while True:
                    try:
                        data, src = s.recvfrom(4096)
                    except (BlockingIOError, InterruptedError):
                        break
                    except OSError:
                        # ICMP error reported as a socket error; drain the error queue
                        err = read_errqueue(s)
                        if err is not None:
                            r = match(s, None, err)
                            if r:
                                return r
                        break
                    r = match(s, data.decode("ascii", "replace").split(), src)
                    if r:
                        return r


def ping(s, to, timeout=2.0):
    """Send PING to reflector `to` from socket s; return the address it saw, or None."""
    n = nonce()

    def match(_s, w, src):
        if w and len(w) >= 3 and w[0] == "PONG" and w[1] == n:
            return parse_addr(w[2])
        return None

    return wait_for([s], match, timeout, resend=lambda: s.sendto(("PING " + n).encode(), to))


def request_with_ack(ctrl, to, make_msg, listeners, timeout=2.0, grace=0.25):
    """Send a request (FROM/RELAY/SENDTO) over ctrl to `to`, resending until its ACK comes back.

    Returns ("in"|"out"|"error", src of the probe).  A probe PONG with the nonce arriving at any
    of `listeners` means the packet got in."""
    n = nonce()
    state = {"in": None, "ack": False}

    def match(s, w, src):
        if not w:
            return None
        if w[0] == "PONG" and len(w) >= 2 and w[1] == n and s in listeners:
            state["in"] = src
        elif w[0] == "ACK" and len(w) >= 2 and w[1] == n and s is ctrl:
            state["ack"] = True
        return "done" if state["ack"] and state["in"] else None

    socks = list({id(x): x for x in [ctrl] + listeners}.values())
    if wait_for(socks, lambda s, w, src: match(s, w, src) or (state["ack"] or None), timeout,
                resend=lambda: ctrl.sendto(make_msg(n).encode(), to), resend_every=0.5) is None:
        return ("error", None)
    if state["in"] is None:
        # acknowledged: the probe was sent before the ACK; give it a moment, then it is filtered
        wait_for(socks, match, grace)
    return ("in", state["in"]) if state["in"] else ("out", None)


def trace(to, max_hops=20, timeout=1.0):
    """Return (hops, reached_ttl): hops[i] = ICMP offender for TTL i+1 ('*' if silent)."""
    s = udp_socket(recverr=True)
    hops = []
    try:
        for ttl in range(1, max_hops + 1):
            s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
            n = nonce()

            def match(_s, w, src, n=n):
                if w is None:
                    itype, off, payload = src
                    if n.encode() in payload or not payload:
                        return ("icmp%d" % itype, off)
                    return None
                if w and len(w) >= 2 and w[0] == "PONG" and w[1] == n:
                    return ("reached", src[0])
                return None

            r = None
            for _ in range(3):
                s.sendto(("PING " + n).encode(), to)
                r = wait_for([s], match, timeout)
                if r is not None:
                    break
            if r is None:
                hops.append("*")
            elif r[0] == "reached":
                return hops, ttl
            elif r[0] == "icmp11":
                hops.append(r[1])
            else:
                hops.append("%s!%s" % (r[1], r[0]))
    finally:
        s.close()
    return hops, 0


def cmd_check(args):
    a = parse_addr(args.a)
    b = parse_addr(args.b)
    a_alt = (a[0], args.a_alt)
    out = []
    # 1. mapping: one socket, three destinations
    s1 = udp_socket()
    m_a, m_b, m_alt = ping(s1, a), ping(s1, b), ping(s1, a_alt)
    local = ("?", s1.getsockname()[1])
    out.append("local_port=%d" % local[1])
    out.append("map_a=%s map_b=%s map_a_alt=%s" % tuple(fmt(m) if m else "none" for m in (m_a, m_b, m_alt)))
    if None in (m_a, m_b, m_alt):
        out.append("mapping=error")
    else:
        out.append("mapping=%s" % ("independent" if m_a == m_b == m_alt else "dependent"))
    out.append("preserved=%s" % ("yes" if m_a and m_a[1] == local[1] else "no"))
    s1.close()
    # 2. filtering: a fresh socket that contacts only a
    s2 = udp_socket()
    m = ping(s2, a)
    if m is None:
        out.append("f_port=error f_addr=error nomap=error")
    else:
        r_port, _ = request_with_ack(s2, a, lambda n: "FROM %d %s" % (a_alt[1], n), [s2])
        r_addr, _ = request_with_ack(s2, a, lambda n: "RELAY %s %s" % (fmt(b), n), [s2])
        # 3. no mapping at all: a socket that never sent; a is told to send to its port at the
        #    public address (the NATs here preserve ports, so that is where its mapping would be)
        s3 = udp_socket()
        target = (m[0], s3.getsockname()[1])
        r_nomap, _ = request_with_ack(s2, a, lambda n: "SENDTO %s %s" % (fmt(target), n), [s3])
        s3.close()
        out.append("f_port=%s f_addr=%s nomap=%s" % (r_port, r_addr, r_nomap))
    s2.close()
    # 4. the path to b, hop by hop
    if not args.no_trace:
        hops, reached = trace(b, args.max_hops)
        out.append("hops=%s reached=%d" % (",".join(hops) or "-", reached))
    print(" ".join(out), flush=True)
    return 0


def cmd_ping(args):
    s = udp_socket(args.port, args.bind)
    if args.ttl:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, args.ttl)
    m = ping(s, parse_addr(args.to), args.timeout)
    if m is None:
        print("timeout", flush=True)
        return 1
    print(fmt(m), flush=True)
    return 0


def cmd_send(args):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((args.bind, args.port))
    if args.ttl:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, args.ttl)
    s.sendto(args.data.encode(), parse_addr(args.to))
    return 0


def cmd_listen(args):
    s = udp_socket(args.port, args.bind)
    # Bound: whoever waits for this file may send now and be heard.
    if args.ready_file:
        with open(args.ready_file, "w") as f:
            f.write("ready\n")
    got = 0
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline and (args.count == 0 or got < args.count):
        r, _, _ = select.select([s], [], [], max(0.0, deadline - time.monotonic()))
        if not r:
            break
        data, src = s.recvfrom(4096)
        got += 1
        print("%s %s" % (fmt(src), data.decode("ascii", "replace")), flush=True)
    return 0 if got else 1


def cmd_punch(args):
    """Hole punch: send to the peer every interval from one socket, print what arrives.

    Exits 0 once a datagram from the peer's IP has arrived and a few more have been sent back
    (so the peer gets through too), 1 on timeout."""
    s = udp_socket(args.port, args.bind)
    to = parse_addr(args.to)
    deadline = time.monotonic() + args.timeout
    got_at = None
    sent_after = 0
    while time.monotonic() < deadline:
        try:
            s.sendto(("PUNCH %s" % args.data).encode(), to)
        except OSError:
            pass
        if got_at is not None:
            sent_after += 1
            if sent_after >= 5:
                return 0
        end = time.monotonic() + args.interval
        while True:
            left = end - time.monotonic()
            if left <= 0:
                break
            r, _, _ = select.select([s], [], [], left)
            if not r:
                break
            try:
                data, src = s.recvfrom(4096)
            except OSError:
                continue
            if src[0] == to[0] or args.any_source:
                if got_at is None:
                    print("%s %s" % (fmt(src), data.decode("ascii", "replace")), flush=True)
                    got_at = time.monotonic()
    print("timeout", flush=True)
    return 1


def cmd_trace(args):
    hops, reached = trace(parse_addr(args.to), args.max_hops)
    for i, h in enumerate(hops):
        print("%2d %s" % (i + 1, h))
    if reached:
        print("%2d %s reached" % (reached, args.to))
    return 0 if reached else 1


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    sp = sub.add_parser("server")
    sp.add_argument("--port", type=int, action="append", required=True)
    sp.add_argument("--bind", default="0.0.0.0")
    sp.add_argument("--ready-file")
    sp.add_argument("--log", action="store_true")
    sp.set_defaults(fn=serve)
    sp = sub.add_parser("check")
    sp.add_argument("--a", required=True, help="reflector A ip:port")
    sp.add_argument("--a-alt", type=int, required=True, help="A's second port")
    sp.add_argument("--b", required=True, help="reflector B ip:port (different IP)")
    sp.add_argument("--max-hops", type=int, default=20)
    sp.add_argument("--no-trace", action="store_true")
    sp.set_defaults(fn=cmd_check)
    sp = sub.add_parser("ping")
    sp.add_argument("--to", required=True)
    sp.add_argument("--port", type=int, default=0)
    sp.add_argument("--bind", default="0.0.0.0")
    sp.add_argument("--ttl", type=int, default=0)
    sp.add_argument("--timeout", type=float, default=2.0)
    sp.set_defaults(fn=cmd_ping)
    sp = sub.add_parser("send")
    sp.add_argument("--to", required=True)
    sp.add_argument("--port", type=int, default=0)
    sp.add_argument("--bind", default="0.0.0.0")
    sp.add_argument("--ttl", type=int, default=0)
    sp.add_argument("--data", default="hello")
    sp.set_defaults(fn=cmd_send)
    sp = sub.add_parser("listen")
    sp.add_argument("--port", type=int, required=True)
    sp.add_argument("--bind", default="0.0.0.0")
    sp.add_argument("--timeout", type=float, default=5.0)
    sp.add_argument("--count", type=int, default=1)
    sp.add_argument("--ready-file", help="written once the socket is bound")
    sp.set_defaults(fn=cmd_listen)
    sp = sub.add_parser("punch")
    sp.add_argument("--to", required=True, help="the peer's public ip:port")
    sp.add_argument("--port", type=int, default=0)
    sp.add_argument("--bind", default="0.0.0.0")
    sp.add_argument("--data", default="hello")
    sp.add_argument("--interval", type=float, default=0.1)
    sp.add_argument("--timeout", type=float, default=3.0)
    sp.add_argument("--any-source", action="store_true", help="accept a datagram from any address")
    sp.set_defaults(fn=cmd_punch)
    sp = sub.add_parser("trace")
    sp.add_argument("--to", required=True)
    sp.add_argument("--max-hops", type=int, default=20)
    sp.set_defaults(fn=cmd_trace)
    args = p.parse_args()
    try:
        sys.exit(args.fn(args) or 0)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
