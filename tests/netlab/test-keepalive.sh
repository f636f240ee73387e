#!/bin/bash
# test-keepalive.sh SRP_TOOL -- an idle direct connection between two port-restricted NATs still
# works after 3 minutes, although the NATs forget a UDP binding after 30 s without traffic.
#
# Two hosts behind port-restricted NATs (address-and-port-dependent filtering: a binding that
# lapsed lets nothing in) and the two public bootstrap nodes.  The target runs
# `node --greet pong-keepalive`; the initiator runs
# `connect --idle 180 --send ping-keepalive --expect pong-keepalive`: it connects (direct), gets
# the greeting, idles 180 s, then sends.
#
# So that the ping after the idle can only have come over the direct path, the NATs drop all
# traffic to and from the bootstrap nodes once the two are connected (an inbox message would
# otherwise also travel through them, and a relay through them would hide a lapsed binding).  The
# drop is in the NATs' FORWARD chain, as a network outage would be, not in the hosts, where the
# tool would see send errors.  10 s before the idle ends, both NATs must still hold the binding
# between the two (conntrack entry), which only keepalives can have refreshed; then the ping must
# arrive.  The target's log must not show the initiator going away or the path turning relayed.
#
# Limit of the tool's interface: the target's only message (the greeting) is sent at connection
# time, so "target -> initiator after the idle" is shown by the conntrack check (the target's NAT
# still lets the initiator's packets in, the initiator's NAT still lets the target's in), not by a
# second message.
#
# Exit 0: pass; 1: fail; 77: skipped (not root / no netns).  KEEPALIVE_IDLE overrides the 180 s.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRP_TOOL=${1:?usage: test-keepalive.sh SRP_TOOL}
IDLE=${KEEPALIVE_IDLE:-180}
LAB_CT_TIMEOUT=30   # the point of the test; lab.sh's default too, but not up to the environment
# shellcheck source=lab.sh
. "$HERE/lab.sh"
# shellcheck source=connect-lab.sh
. "$HERE/connect-lab.sh"

[ "$(id -u)" = 0 ] || _lab_skip "netlab-keepalive needs root (network namespaces, iptables)"
[ "$IDLE" -ge 20 ] || _lab_die "KEEPALIVE_IDLE must be at least 20 s"

lab_up
cl_init "$SRP_TOOL"
cl_add_bootstraps
lab_add_nat_host ka port-restricted
lab_add_nat_host kb port-restricted
cl_start_bootstraps

fail() {
	echo "FAIL: $*"
	for f in "$CL_TMP/ka.out" "$CL_TMP/ka.err" "$CL_TMP/kb.log"; do
		[ -s "$f" ] || continue
		echo "--- ${f##*/} ---"
		head -c 6000 "$f"
	done
	exit 1
}

# shellcheck disable=SC2046  # the bootstrap arguments are words
cl_start_node kb "$CL_TMP/kb.log" --listen "$(lab_ip kb):0" $(cl_bootstrap_args) \
	${CL_GREET[@]+"${CL_GREET[@]}" pong-keepalive}
TPID=$CL_PID
cl_wait_alive $TPID "$CL_READY_TIMEOUT" cl_has_event "$CL_TMP/kb.log" ready &&
	cl_wait_alive $TPID "$CL_READY_TIMEOUT" cl_peer_count_ge "$CL_TMP/kb.log" 2 &&
	cl_wait_alive $TPID "$CL_READY_TIMEOUT" cl_has_event "$CL_TMP/kb.log" nat ||
	fail "the target node did not join the network"
[ -z "$CL_MISSING" ] || fail "$CL_MISSING"
ID=$(cl_json field "$CL_TMP/kb.log" ready id)

T0=$SECONDS
# shellcheck disable=SC2046  # the bootstrap arguments are words
timeout -k 5 $((3 * CL_CONNECT_TIMEOUT + IDLE + 30)) \
	ip netns exec "$(lab_ns ka)" "$SRP_TOOL" connect --json $(cl_bootstrap_args) \
	--timeout "$CL_CONNECT_TIMEOUT" --idle "$IDLE" --send ping-keepalive --expect pong-keepalive \
	"$ID" >"$CL_TMP/ka.out" 2>"$CL_TMP/ka.err" &
CPID=$!
cl_wait_alive $CPID $((CL_CONNECT_TIMEOUT + 5)) cl_has_event "$CL_TMP/ka.out" connected ||
	fail "no connection"
T_CONN=$SECONDS
PATH_=$(cl_json field "$CL_TMP/ka.out" connected path)
[ "$PATH_" = direct ] || fail "path $PATH_, want direct"
echo "connected: direct, $(cl_json field "$CL_TMP/ka.out" connected ms) ms"
# The greeting comes right after the connection, through whatever path; wait for it before
# cutting the bootstrap nodes off.
cl_wait 10 cl_json message "$CL_TMP/ka.out" pong-keepalive || fail "no greeting from the target"

BOOTS="$(lab_ip boot1),$(lab_ip boot2)"
for h in ka kb; do
	lab_exec $h-nat "$LAB_IPT" -w -I FORWARD 1 -d "$BOOTS" -j DROP &&
		lab_exec $h-nat "$LAB_IPT" -w -I FORWARD 1 -s "$BOOTS" -j DROP ||
		fail "cannot cut $h off the bootstrap nodes"
done
echo "bootstrap nodes cut off; idling ${IDLE}s (NAT UDP timeout ${LAB_CT_TIMEOUT}s)"

# The binding of each side towards the other's public address, with its remaining lifetime.
bindings() { # HOST OTHER
	lab_exec $1-nat conntrack -L -p udp -s "$(lab_ip $1)" -d "$(lab_public_ip $2)" 2>/dev/null
}
W=$((T_CONN + IDLE - 10 - SECONDS))
[ $W -le 0 ] || sleep $W
FAILS=""
for pair in "ka kb" "kb ka"; do
	set -- $pair
	b=$(bindings $1 $2)
	echo "after $((SECONDS - T_CONN))s idle, $1's NAT towards $2 ($(lab_public_ip $2)):"
	echo "${b:-  (no binding)}" | sed 's/^/  /'
	[ -n "$b" ] || FAILS="$FAILS; $1's NAT lost its binding towards $2"
done
# The target's view at the same moment (the initiator's GOODBYE when it exits comes later).
cp "$CL_TMP/kb.log" "$CL_TMP/kb.idle.log"

wait $CPID
RC=$?
echo "connect exited $RC after $((SECONDS - T0))s"
cl_wait 5 cl_json message "$CL_TMP/kb.log" ping-keepalive
cl_stop $TPID

[ $RC = 0 ] || FAILS="$FAILS; connect exited $RC"
cl_json message "$CL_TMP/kb.log" ping-keepalive || FAILS="$FAILS; the ping after the idle did not arrive"
cl_has_event "$CL_TMP/kb.log" connected || FAILS="$FAILS; the target logged no 'connected' event"
INI=$(cl_json field "$CL_TMP/kb.log" connected id)
if [ -n "$INI" ]; then
	[ "$(cl_json count "$CL_TMP/kb.idle.log" peer-removed "id=$INI")" = 0 ] ||
		FAILS="$FAILS; the target dropped the initiator during the idle"
	[ "$(cl_json count "$CL_TMP/kb.log" path path=relayed)" = 0 ] ||
		FAILS="$FAILS; the path turned relayed"
fi
[ -z "$FAILS" ] || fail "${FAILS#; }"
echo "PASS: the direct connection held through ${IDLE}s idle behind ${LAB_CT_TIMEOUT}s NAT timeouts"
exit 0
