#!/bin/bash
# test-hairpin.sh SRP_TOOL -- two hosts behind one NAT connect whether the NAT hairpins or not.
#
# Two full-cone NATs, each with two hosts behind it: one NAT hairpins (lab_add_nat_host --hairpin:
# what its LAN sends to its public address comes back in, as RFC 4787 REQ-9 asks), the other
# drops such packets, as many real NATs do.  First the NATs themselves are checked with
# udp-probe (a datagram from one host to the other's public mapping arrives through the
# hairpinning NAT only); then, behind each, `srp-tool connect` from one host to the other: direct
# either way (LAN discovery, or the local addresses an introduction carries for peers that share a
# public IP; with hairpinning the public address works too).  Exit 0 pass, 1 fail, 77 skipped.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRP_TOOL=${1:?usage: test-hairpin.sh SRP_TOOL}
# shellcheck source=lab.sh
. "$HERE/lab.sh"
# shellcheck source=connect-lab.sh
. "$HERE/connect-lab.sh"

[ "$(id -u)" = 0 ] || _lab_skip "netlab-hairpin needs root (network namespaces, iptables)"

lab_up
cl_init "$SRP_TOOL"
cl_add_bootstraps
lab_add_nat_host hp1 full-cone --hairpin
lab_add_nat_host hp2 same --behind hp1
lab_add_nat_host np1 full-cone
lab_add_nat_host np2 same --behind np1
PROBE="$HERE/udp-probe.py"
FAILED=0

# --- the NATs: does a datagram to one's own public mapping come back in? ---------------------
ip netns exec "$(lab_ns boot1)" "$CL_PY" "$PROBE" server --bind "$(lab_ip boot1)" --port 3478 \
	>/dev/null 2>&1 &
SERVER=$!
sleep 0.3
for pair in "hp1 hp2 yes" "np1 np2 no"; do
	read -r a b want <<<"$pair"
	# a opens its mapping from port 5000 (full cone: anyone may now send to P:5000) ...
	lab_exec "$a" "$CL_PY" "$PROBE" ping --to "$(lab_ip boot1):3478" --port 5000 >/dev/null
	lab_exec "$a" "$CL_PY" "$PROBE" listen --port 5000 --timeout 2 >"$CL_TMP/$a.listen" 2>&1 &
	lpid=$!
	sleep 0.3
	# ... and b, on the same LAN, sends to P:5000.
	lab_exec "$b" "$CL_PY" "$PROBE" send --to "$(lab_public_ip "$a"):5000" --data "hairpin-$a"
	wait "$lpid"
	got=no
	grep -q "hairpin-$a" "$CL_TMP/$a.listen" && got=yes
	if [ "$got" = "$want" ]; then
		echo "ok: $a's NAT $([ "$want" = yes ] && echo hairpins || echo "does not hairpin")"
	else
		echo "FAIL: $a's NAT: hairpinned datagram arrived: $got, want $want"
		FAILED=1
	fi
done

kill "$SERVER" 2>/dev/null
wait "$SERVER" 2>/dev/null

# --- libsrp: behind either NAT, the two connect directly ---------------------------------------
cl_start_bootstraps
cl_run_pair hairpin hp1 hp2 direct &
P1=$!
cl_run_pair no-hairpin np1 np2 direct &
P2=$!
wait "$P1" "$P2"
for name in hairpin no-hairpin; do
	res=$(cat "$CL_TMP/$name.res")
	echo "$name: $(echo "$res" | cut -f1-4 | tr '\t' ' ')"
	[ "$(echo "$res" | cut -f1)" = ok ] || { FAILED=1; echo "  $(echo "$res" | cut -f5)"; cl_dump_pair "$name"; }
done
[ $FAILED = 0 ] && echo "PASS: hairpinning and not" && exit 0
exit 1
