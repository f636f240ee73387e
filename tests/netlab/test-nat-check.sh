#!/bin/bash
# test-nat-check.sh SRP_TOOL -- `srp-tool nat-check` behind every NAT kind of the lab reports the
# right type, in several rounds (it must hold every time, not most times).
#
# Two `srp-tool node` processes on the lab's public hosts are the network; every NATed host runs
# `srp-tool nat-check --bootstrap pub1 --bootstrap pub2 --json` at once, and the reported type and
# public address are compared with what the lab built.
# Exit 0: all pass; 1: a check failed; 77: skipped (not root / no netns).
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRP_TOOL=${1:?usage: test-nat-check.sh SRP_TOOL}
ROUNDS=${NAT_CHECK_ROUNDS:-3}
# shellcheck source=lab.sh
. "$HERE/lab.sh"

[ "$(id -u)" = 0 ] || _lab_skip "netlab-nat-check needs root (network namespaces, iptables)"
[ -x "$SRP_TOOL" ] || _lab_die "no srp-tool at $SRP_TOOL"

lab_up
TMP=$(mktemp -d "/tmp/netlab-$LAB_RUN.XXXXXX")
lab_on_down "rm -rf '$TMP'"

# The second port-restricted host (h_pr2) shares h_pr's NAT.
lab_add_every_kind
HOSTS=$LAB_EVERY_KIND

# What each kind must be reported as. Two port-restricted NATs in a row behave, from outside, as
# one port-restricted NAT; a host sharing a NAT sees that NAT's kind.
want_type() {
	case "$1" in
	h_pub) echo public ;;
	h_fc) echo full-cone ;;
	h_ar) echo address-restricted ;;
	h_pr | h_pr2 | h_cgn) echo port-restricted ;;
	h_sym) echo symmetric ;;
	esac
}

PORT=4000
for p in pub1 pub2; do
	other=pub2
	[ $p = pub2 ] && other=pub1
	lab_exec $p "$SRP_TOOL" node --ephemeral --json --listen "$(lab_ip $p):$PORT" \
		--bootstrap "$(lab_ip $other):$PORT" >"$TMP/$p.log" 2>&1 &
	lab_on_down "kill $! 2>/dev/null; wait $! 2>/dev/null"
done
for _ in $(seq 200); do
	grep -q '"event":"peer-added"' "$TMP/pub1.log" && grep -q '"event":"peer-added"' "$TMP/pub2.log" && break
	sleep 0.05
done
grep -q '"event":"peer-added"' "$TMP/pub1.log" ||
	_lab_die "the public nodes did not connect: $(cat "$TMP"/pub*.log)"

field() { # FILE KEY -> the string value of KEY in the file's JSON line
	sed -n "s/.*\"$2\":\"\([^\"]*\)\".*/\1/p" "$1" | head -n 1
}

FAILED=0
printf '%-6s %-6s %-20s %-20s %-24s %s\n' round host want got address time
for round in $(seq "$ROUNDS"); do
	pids=()
	for h in $HOSTS; do
		(
			t0=$(date +%s%N)
			lab_exec $h "$SRP_TOOL" nat-check --json --timeout 20 \
				--bootstrap "$(lab_ip pub1):$PORT" --bootstrap "$(lab_ip pub2):$PORT" \
				>"$TMP/$h.$round.out" 2>"$TMP/$h.$round.err"
			echo "$? $(( ($(date +%s%N) - t0) / 1000000 ))" >"$TMP/$h.$round.rc"
		) &
		pids+=($!)
	done
	# nat-check gives up by itself after its --timeout.
	wait "${pids[@]}"
	for h in $HOSTS; do
		read -r rc ms <"$TMP/$h.$round.rc"
		want=$(want_type $h)
		got=$(field "$TMP/$h.$round.out" type)
		address=$(field "$TMP/$h.$round.out" address)
		verdict=ok
		if [ "$rc" != 0 ] || [ "$got" != "$want" ]; then
			verdict="FAIL (exit $rc: $(cat "$TMP/$h.$round.out" "$TMP/$h.$round.err"))"
			FAILED=1
		elif [ "${address%:*}" != "$(lab_public_ip $h)" ]; then
			verdict="FAIL (public address ${address%:*}, want $(lab_public_ip $h))"
			FAILED=1
		fi
		printf '%-6s %-6s %-20s %-20s %-24s %5s ms %s\n' "$round" "$h" "$want" "${got:--}" \
			"${address:--}" "$ms" "$verdict"
	done
done

if [ $FAILED = 0 ]; then
	echo "PASS: nat-check reported the right type behind every NAT kind, $ROUNDS rounds"
	exit 0
fi
echo "FAIL: see the table above"
echo "--- pub1 ---"
cat "$TMP/pub1.log"
echo "--- pub2 ---"
cat "$TMP/pub2.log"
exit 1
