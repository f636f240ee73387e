#!/bin/bash
# test-lan-discovery.sh SRP_TOOL -- two hosts behind one NAT, with no bootstrap peer at all, find
# each other over their LAN (LAN discovery: multicast ANNOUNCE, answered by the normal handshake).
#
# 1. `srp-tool node` on lan1, then on lan2 (same LAN, behind one port-restricted NAT, no
#    --bootstrap): both must log peer-added for the other within 2 s of lan2's ready event, at the
#    other's LAN address (10.k.0.x), not its public one.  Prints the time it took.
# 2. The switch: lan1 with --no-lan, lan2 with it on: 3 s later neither has connected (lan2
#    announces, lan1 does not listen; lan1 does not announce).
# The lab's namespaces have no IPv6, so this is the IPv4 group (239.255.83.80:7387); the IPv6 group
# is covered by the core tests' checks and nothing here.  Exit 0 pass, 1 fail, 77 skipped.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRP_TOOL=${1:?usage: test-lan-discovery.sh SRP_TOOL}
# shellcheck source=lab.sh
. "$HERE/lab.sh"
# shellcheck source=connect-lab.sh
. "$HERE/connect-lab.sh"

[ "$(id -u)" = 0 ] || _lab_skip "netlab-lan-discovery needs root (network namespaces, iptables)"

lab_up
cl_init "$SRP_TOOL"
lab_add_nat_host lan1 port-restricted
lab_add_nat_host lan2 same --behind lan1
FAILED=0

now_ms() { echo $(($(date +%s%N) / 1000000)); }
added_from() { # LOG ADDRESS-PREFIX
	grep '"event":"peer-added"' "$1" | grep -q "\"address\":\"$2"
}
both_added() { # LOG1 IP1 LOG2 IP2
	added_from "$1" "$4:" && added_from "$3" "$2:"
}

# --- 1. found over the LAN ----------------------------------------------------------------------
L1="$CL_TMP/lan1.log" L2="$CL_TMP/lan2.log"
cl_start_node lan1 "$L1"
P1=$CL_PID
cl_wait_alive "$P1" 10 cl_has_event "$L1" ready || _lab_die "lan1 did not start: $(head -c 300 "$L1")"
cl_start_node lan2 "$L2"
P2=$CL_PID
cl_wait_alive "$P2" 10 cl_has_event "$L2" ready || _lab_die "lan2 did not start: $(head -c 300 "$L2")"
T0=$(now_ms)
if cl_wait 2 both_added "$L1" "$(lab_ip lan1)" "$L2" "$(lab_ip lan2)"; then
	echo "ok: lan1 ($(lab_ip lan1)) and lan2 ($(lab_ip lan2)), no bootstrap, connected over" \
		"their LAN $(($(now_ms) - T0)) ms after lan2 was ready"
else
	echo "FAIL: no LAN connection within 2 s of lan2's ready event"
	echo "--- lan1 ---"; head -c 2000 "$L1"
	echo "--- lan2 ---"; head -c 2000 "$L2"
	FAILED=1
fi
cl_stop "$P2"
cl_stop "$P1"

# --- 2. switched off on one side: nothing -------------------------------------------------------
L1="$CL_TMP/lan1-off.log" L2="$CL_TMP/lan2-on.log"
cl_start_node lan1 "$L1" --no-lan
P1=$CL_PID
cl_wait_alive "$P1" 10 cl_has_event "$L1" ready || _lab_die "lan1 did not start: $(head -c 300 "$L1")"
cl_start_node lan2 "$L2"
P2=$CL_PID
cl_wait_alive "$P2" 10 cl_has_event "$L2" ready || _lab_die "lan2 did not start: $(head -c 300 "$L2")"
sleep 3
if cl_has_event "$L1" peer-added || cl_has_event "$L2" peer-added; then
	echo "FAIL: lan1 ran with --no-lan, and still a peer was added"
	FAILED=1
else
	echo "ok: with --no-lan on lan1, no connection after 3 s"
fi
cl_stop "$P2"
cl_stop "$P1"

[ $FAILED = 0 ] && echo "PASS: LAN discovery" && exit 0
exit 1
