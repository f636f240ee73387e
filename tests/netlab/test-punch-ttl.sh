#!/bin/bash
# test-punch-ttl.sh -- which IP TTL opens one's own NAT(s) but dies before the far side's NAT.
#
# The core sends its first hole-punching packets with a small TTL (SrpCoreConfig.punch_ttl,
# default 4): they must leave a mapping in every NAT of the sender's own path (two for carrier-grade)
# yet die before the far side's NAT, which might otherwise answer them or keep state about them.
# This measures it in the lab: for senders behind port-restricted, symmetric and carrier-grade NATs
# and receivers behind port-restricted and carrier-grade NATs, one datagram per TTL 1..12 from its
# own port to its own port of the receiver's public address, then
#   own:  is there a (confirmed) conntrack entry for it in the sender's NAT(s)?  ("cgn" for the
#         carrier-grade sender: h = home router, c = carrier NAT)
#   far:  did it arrive at the receiver's outermost NAT (a counting rule in its raw PREROUTING)?
#   hole: does a datagram the receiver then sends (full TTL) to the sender's mapping get in?
# It prints the table and the window per sender/receiver, and passes when TTL $PUNCH_TTL (default 4,
# the core's) opens the own NAT(s), makes the hole work and never reaches the far NAT.
# With LAB_ISP_HOPS=H: own NAT(s) open from TTL depth+1, the far NAT is reached from depth+2H+2.
#
# Exit 0: pass; 1: fail; 77: skipped (not root / no netns).  About 15 s.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PUNCH_TTL=${PUNCH_TTL:-4}
MAX_TTL=12
# shellcheck source=lab.sh
. "$HERE/lab.sh"
PROBE="$HERE/udp-probe.py"

[ "$(id -u)" = 0 ] || _lab_skip "netlab-punch-ttl needs root (network namespaces, iptables)"
lab_up
_lab_need /usr/bin/python3 python3
TMP=$(mktemp -d "/tmp/netlab-$LAB_RUN.XXXXXX")
lab_on_down "rm -rf '$TMP'"

SENDERS="s_pr s_sym s_cgn"
RECEIVERS="r_pr r_cgn"
lab_add_nat_host s_pr port-restricted
lab_add_nat_host s_sym symmetric
lab_add_nat_host s_cgn carrier-grade
lab_add_nat_host r_pr port-restricted
lab_add_nat_host r_cgn carrier-grade

outer() { # host -> its outermost NAT node
	case $(lab_kind "$1") in carrier-grade) echo "$1-cgn" ;; *) echo "$1-nat" ;; esac
}
own_nats() { # host -> its NAT nodes, innermost first
	case $(lab_kind "$1") in carrier-grade) echo "$1-nat $1-cgn" ;; *) echo "$1-nat" ;; esac
}

# Unique ports per (sender, receiver, ttl), so that every probe is its own flow and can be counted.
port_of() { # sender-index receiver-index ttl base
	echo $(($4 + 1000 * $1 + 100 * $2 + $3))
}

# Counting rules (no target: they only count) in the receivers' outermost NATs, before conntrack.
si=0
for s in $SENDERS; do
	si=$((si + 1)) ri=0
	for r in $RECEIVERS; do
		ri=$((ri + 1))
		for ((t = 1; t <= MAX_TTL; t++)); do
			lab_exec "$(outer $r)" "$LAB_IPT" -w -t raw -A PREROUTING -i "wan-$LAB_RUN" -p udp \
				--dport "$(port_of $si $ri $t 30000)" || _lab_die "cannot add a counting rule"
		done
	done
done

# One sender/receiver combination, every TTL in turn; a line per TTL in $TMP/S.R.
probe_combo() { # sender si receiver ri
	local s=$1 si=$2 r=$3 ri=$4 t lp dp own n mapped hole
	for ((t = 1; t <= MAX_TTL; t++)); do
		lp=$(port_of $si $ri $t 20000) dp=$(port_of $si $ri $t 30000)
		lab_exec $s /usr/bin/python3 "$PROBE" send --port $lp --to "$(lab_public_ip $r):$dp" \
			--ttl $t --data "ttl $t"
		sleep 0.2
		own="" mapped=""
		for n in $(own_nats $s); do
			if lab_exec $n conntrack -L -p udp --orig-port-dst $dp 2>/dev/null | grep -q .; then
				own="$own${n##*-}+"
			fi
		done
		own=${own%+}
		# The sender's mapping as the internet sees it: the reply tuple's port in its outer NAT.
		mapped=$(lab_exec "$(outer $s)" conntrack -L -p udp --orig-port-dst $dp 2>/dev/null |
			sed -n 's/.*dport=[0-9]* .*src=[^ ]* dst=[^ ]* sport=[0-9]* dport=\([0-9]*\).*/\1/p' | head -n 1)
		hole=no
		if [ -n "$mapped" ]; then
			# The answer goes only once the listener is bound (a busy machine can take
			# longer than any fixed pause to start Python): a lost answer means a closed hole.
			rm -f "$TMP/$s.$r.$t.ready"
			lab_exec $s /usr/bin/python3 "$PROBE" listen --port $lp --timeout 5 \
				--ready-file "$TMP/$s.$r.$t.ready" >"$TMP/$s.$r.$t.in" &
			local lpid=$! waited=0
			while [ ! -e "$TMP/$s.$r.$t.ready" ] && [ $waited -lt 100 ]; do
				sleep 0.05
				waited=$((waited + 1))
			done
			lab_exec $r /usr/bin/python3 "$PROBE" send --port $dp --to "$(lab_public_ip $s):$mapped" \
				--data "back $t"
			wait $lpid && hole=yes
		fi
		echo "$t ${own:-none} $hole" >>"$TMP/$s.$r"
	done
}

si=0
for s in $SENDERS; do
	si=$((si + 1)) ri=0
	for r in $RECEIVERS; do
		ri=$((ri + 1))
		probe_combo $s $si $r $ri &
	done
done
wait

far_count() { # receiver dport -> packets the counting rule saw
	lab_exec "$(outer $1)" "$LAB_IPT" -w -t raw -L PREROUTING -v -x -n |
		awk -v p="dpt:$2" '$0 ~ p"( |$)" { print $1; exit }'
}

FAILED=0
printf '%-6s %-6s %-6s %s\n' sender depth recvr "TTL: own NAT(s) opened / far NAT reached / hole works"
si=0
for s in $SENDERS; do
	si=$((si + 1)) ri=0
	d=$(lab_nat_depth $s)
	for r in $RECEIVERS; do
		ri=$((ri + 1))
		line="" open_from="" reach_from=""
		while read -r t own hole; do
			far=$(far_count $r "$(port_of $si $ri $t 30000)")
			reached=no
			[ "${far:-0}" -gt 0 ] && reached=yes
			all=no
			case $own in *+*) all=yes ;; nat) [ $d = 1 ] && all=yes ;; esac
			[ -z "$open_from" ] && [ $all = yes ] && open_from=$t
			[ -z "$reach_from" ] && [ $reached = yes ] && reach_from=$t
			line="$line $t:${own}/${reached:0:1}/${hole:0:1}"
			if [ "$t" = "$PUNCH_TTL" ] && { [ $all != yes ] || [ $reached = yes ] || [ $hole != yes ]; }; then
				FAILED=1
				echo "FAIL: TTL $PUNCH_TTL from $s ($(lab_kind $s)) to $r: own NATs opened: $own," \
					"far NAT reached: $reached, hole works: $hole"
			fi
		done <"$TMP/$s.$r"
		printf '%-6s %-6s %-6s %s\n' $s $d $r "$line"
		SUMMARY="${SUMMARY:-}$(printf '%-6s (%s, NAT depth %s) -> %-6s own NAT(s) open from TTL %s, far NAT reached from TTL %s: window %s..%s' \
			$s "$(lab_kind $s)" $d $r "${open_from:-?}" "${reach_from:-?}" "${open_from:-?}" \
			"$(( ${reach_from:-0} - 1 ))")"$'\n'
		# The lab's own arithmetic (README): own NATs from depth+1, far NAT from depth+2*H+2.
		if [ "${open_from:-}" != $((d + 1)) ] || [ "${reach_from:-}" != $((d + 2 * LAB_ISP_HOPS + 2)) ]; then
			FAILED=1
			echo "FAIL: $s -> $r: expected own NAT(s) open from TTL $((d + 1)) and the far NAT" \
				"reached from TTL $((d + 2 * LAB_ISP_HOPS + 2)) (LAB_ISP_HOPS=$LAB_ISP_HOPS)"
		fi
	done
done
echo "(own: nat = home/only NAT, cgn = carrier NAT; far NAT reached y/n; hole works y/n)"
printf '%s' "$SUMMARY"
if [ $FAILED = 0 ]; then
	echo "PASS: TTL $PUNCH_TTL opens the sender's own NAT(s) and dies before the far side's NAT"
	exit 0
fi
exit 1
