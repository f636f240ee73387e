#!/bin/bash
# test-ipv6-firewall.sh SRP_TOOL -- two hosts behind separate IPv6 stateful firewalls (ip6tables
# conntrack, no NAT: inbound dropped unless ESTABLISHED,RELATED, like a home router's IPv6) connect
# directly by simultaneous open, over IPv6 alone.
#
# Sites with --ipv6 (lab.sh): boot1 and boot2 public and dual-stack; alice and bob behind
# port-restricted IPv4 NATs whose routers firewall IPv6. Everyone bootstraps over IPv6 only, so the
# links, the NAT classification and the introduction are IPv6's. Passes when:
#   - bob classifies IPv6 as "firewall" (nat-family event) and IPv4 stays unknown;
#   - the firewalls really drop unsolicited IPv6 (a probe from boot1 to bob's socket never arrives);
#   - alice's `connect` ends direct, at bob's IPv6 address, and messages flow both ways;
#   - both firewalls hold a conntrack entry for the flow between the two (the punch opened them).
# Prints the connect time. Exit 0 pass, 1 fail, 77 skipped (not root / no netns / no IPv6).
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRP_TOOL=${1:?usage: test-ipv6-firewall.sh SRP_TOOL}
# shellcheck source=lab.sh
. "$HERE/lab.sh"
# shellcheck source=connect-lab.sh
. "$HERE/connect-lab.sh"

[ "$(id -u)" = 0 ] || _lab_skip "netlab-ipv6-firewall needs root (network namespaces, ip6tables)"
lab_up
lab_need_ipv6
cl_init "$SRP_TOOL"
cl_add_bootstraps --ipv6
lab_add_nat_host alice port-restricted --ipv6
lab_add_nat_host bob port-restricted --ipv6
cl_start_bootstraps
FAILED=0
fail() { echo "FAIL: $*"; FAILED=1; }

CL_FAMILY=6
cl_run_pair v6 alice bob direct
res() { cut -f"$1" "$CL_TMP/v6.res"; }
verdict=$(res 1) path=$(res 2) ms=$(res 3) msgs=$(res 4) reason=$(res 5) addr=$(res 7)
echo "alice -> bob over IPv6 firewalls: $verdict, path $path, $ms ms, $msgs, at $addr${reason:+ ($reason)}"
[ "$verdict" = ok ] || fail "$reason"
[[ $addr == "[$(lab_ip6 bob)]:"* ]] || fail "connected at $addr, not at bob's IPv6 address $(lab_ip6 bob)"

TLOG="$CL_TMP/v6.target.log"
v6type=$(grep '"event":"nat-family"' "$TLOG" | grep '"family":"ipv6"' | tail -1 | sed 's/.*"type":"\([^"]*\)".*/\1/')
echo "bob's IPv6 classification: ${v6type:-none}"
[ "$v6type" = firewall ] || fail "bob classified IPv6 as '${v6type:-nothing}', want firewall"
grep '"event":"nat-family"' "$TLOG" | grep -q '"family":"ipv4"' && fail "bob classified IPv4 without IPv4 links"

# Both firewalls hold the flow between alice and bob (the punch's, confirmed both ways).
for h in alice bob; do
	other=bob
	[ $h = bob ] && other=alice
	if lab_exec "$h-nat" conntrack -L -f ipv6 -p udp 2>/dev/null | grep "src=$(lab_ip6 $h) " |
		grep -q "dst=$(lab_ip6 $other) "; then
		echo "ok: $h's firewall holds the flow to $other"
	else
		fail "$h's firewall has no conntrack entry towards $other"
	fi
done

# Unsolicited IPv6 is dropped: boot1 (which bob never sent to from this port) sends to bob's port.
lab_exec bob /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("::", 0)); s.settimeout(1.5)
print(s.getsockname()[1], flush=True)
try:
    s.recvfrom(100); print("GOT")
except socket.timeout:
    print("NOTHING")' >"$CL_TMP/probe.out" &
PROBE=$!
cl_wait 3 test -s "$CL_TMP/probe.out"
pport=$(head -1 "$CL_TMP/probe.out")
lab_exec boot1 /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.sendto(b"unsolicited", (sys.argv[1], int(sys.argv[2])))' "$(lab_ip6 bob)" "$pport"
wait $PROBE
if grep -q NOTHING "$CL_TMP/probe.out"; then
	echo "ok: the firewall dropped an unsolicited IPv6 datagram to bob"
else
	fail "an unsolicited IPv6 datagram reached bob: the firewall does not filter"
fi

if [ $FAILED = 0 ]; then
	echo "PASS: IPv6 through two stateful firewalls, direct, in $ms ms"
	exit 0
fi
cl_dump_pair v6
exit 1
