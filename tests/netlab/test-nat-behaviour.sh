#!/bin/bash
# test-nat-behaviour.sh -- build the netlab with one host behind every NAT kind and check that
# each NAT behaves as its kind should (RFC 4787 mapping + filtering), that the internet between
# the sites is a real routed chain (TTL), and that the routers' UDP conntrack timeouts are 30 s.
# Exit 0: all pass; 1: a check failed; 77: skipped (not root / no netns).
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3
PROBE="$HERE/udp-probe.py"
# shellcheck source=lab.sh
. "$HERE/lab.sh"

[ "$(id -u)" = 0 ] || _lab_skip "netlab-nat-behaviour needs root (network namespaces, iptables)"
[ -x "$PY" ] || _lab_need python3 python3
[ -x "$PY" ] || _lab_skip "netlab needs $PY"

T0=$(date +%s.%N)
lab_up
TMP=$(mktemp -d "/tmp/netlab-$LAB_RUN.XXXXXX")
lab_on_down "rm -rf '$TMP'"

PORT_A=3478
PORT_ALT=3479
# The second port-restricted host (h_pr2) shares h_pr's NAT.
lab_add_every_kind
HOSTS=$LAB_EVERY_KIND
T1=$(date +%s.%N)

A=$(lab_ip pub1)
B=$(lab_ip pub2)
for p in pub1 pub2; do
	lab_exec $p $PY "$PROBE" server --bind "$(lab_ip $p)" --port $PORT_A --port $PORT_ALT --log \
		--ready-file "$TMP/$p.ready" >"$TMP/$p.log" 2>&1 &
done
for _ in $(seq 100); do
	[ -e "$TMP/pub1.ready" ] && [ -e "$TMP/pub2.ready" ] && break
	sleep 0.05
done
[ -e "$TMP/pub1.ready" ] && [ -e "$TMP/pub2.ready" ] || _lab_die "reflectors did not start: $(cat "$TMP"/pub*.log)"

# All hosts probe at once (each from its own namespace).
for h in $HOSTS; do
	lab_exec $h $PY "$PROBE" check --a "$A:$PORT_A" --a-alt $PORT_ALT --b "$B:$PORT_A" >"$TMP/$h.check" 2>&1 &
done
# TTL: from every NATed host, a datagram with TTL = (its NATs + 1) must pass its own NAT(s) and die
# at the first ISP router; the same datagram with the default TTL must reach pub2.
for h in $HOSTS; do
	d=$(lab_nat_depth $h)
	lab_exec $h $PY "$PROBE" send --to "$B:$PORT_A" --ttl $((d + 1)) --data "TTLDIE-$h" &
	lab_exec $h $PY "$PROBE" send --to "$B:$PORT_A" --data "TTLOK-$h" &
done
# wait for the probes only (the reflectors keep running)
for _ in $(seq 300); do
	busy=0
	for h in $HOSTS; do
		[ -s "$TMP/$h.check" ] || busy=1
	done
	[ $busy = 0 ] && break
	sleep 0.05
done
sleep 0.2
T2=$(date +%s.%N)

# ---- evaluate ----------------------------------------------------------------------------------
want() { # kind -> "mapping f_port f_addr nomap"
	case $1 in
	public) echo "independent in in in" ;;
	full-cone) echo "independent in in out" ;;
	address-restricted) echo "independent in out out" ;;
	port-restricted) echo "independent out out out" ;;
	symmetric) echo "dependent out out out" ;;
	carrier-grade) echo "independent out out out" ;;
	esac
}
val() { # file key
	tr ' ' '\n' <"$1" | sed -n "s/^$2=//p" | head -1
}
cell() { # VAR got want: VAR="got", or "got!(want:...)" and FAIL=1 (no subshell: FAIL must stick)
	if [ "$2" = "$3" ]; then printf -v "$1" '%s' "$2"; else
		printf -v "$1" '%s' "${2:-none}!(want:$3)"
		FAIL=1
	fi
}

ALLFAIL=0
CT_ALL_OK=1
# conntrack timeouts in every router namespace (core, ISP chain, NATs)
n_routers=0
for ns in $(lab_all_router_namespaces); do
	n_routers=$((n_routers + 1))
	v=$(ip netns exec "$ns" cat /proc/sys/net/netfilter/nf_conntrack_udp_timeout \
		/proc/sys/net/netfilter/nf_conntrack_udp_timeout_stream 2>/dev/null | tr '\n' '/')
	[ "$v" = "30/30/" ] || {
		echo "conntrack timeouts in $ns: '$v' (want 30/30)"
		CT_ALL_OK=0
	}
done

ROWS=()
DETAILS=()
for h in $HOSTS; do
	FAIL=0
	f="$TMP/$h.check"
	kind=$(lab_kind $h)
	d=$(lab_nat_depth $h)
	read -r w_map w_port w_addr w_nomap <<<"$(want "$kind")"
	pub=$(lab_public_ip $h)
	m_a=$(val "$f" map_a)
	cell mapping "$(val "$f" mapping)" "$w_map"
	# the address the reflectors see must be the NAT's public address (explicit SNAT)
	seen_ip=${m_a%:*}
	cell seen "$seen_ip" "$pub"
	cell fport "$(val "$f" f_port)" "$w_port"
	cell faddr "$(val "$f" f_addr)" "$w_addr"
	cell nomap "$(val "$f" nomap)" "$w_nomap"
	# route: hop d+1 .. d+N are this site's ISP chain, then core, then pub2's chain, then pub2
	hops=$(val "$f" hops)
	reached=$(val "$f" reached)
	IFS=, read -r -a hop <<<"$hops"
	route_ok=1
	for ((j = 1; j <= LAB_ISP_HOPS; j++)); do
		[ "${hop[$((d + j - 1))]:-}" = "$(lab_isp_ip $h $j)" ] || route_ok=0
	done
	want_reached=$((d + 2 * LAB_ISP_HOPS + 2))
	[ "$reached" = "$want_reached" ] || route_ok=0
	if [ $route_ok = 1 ]; then route="$reached hops"; else
		route="bad($reached,want $want_reached)"
		FAIL=1
	fi
	# TTL d+1 died (pub2 never saw it), default TTL arrived
	if grep -q "TTLOK-$h\$" "$TMP/pub2.log" && ! grep -q "TTLDIE-$h\$" "$TMP/pub2.log" &&
		[ "${hop[$d]:-}" = "$(lab_isp_ip $h 1)" ]; then
		ttl="ttl$((d + 1)):died"
	else
		ttl="ttl$((d + 1)):BAD"
		FAIL=1
	fi
	# conntrack: sysctls 30/30 in the host's NAT router(s) and no live UDP entry above 30 s
	ct="n/a"
	if [ "$kind" != public ]; then
		ct_ok=1
		for r in $(lab_routers $h); do
			case $r in *-nat | *-cgn) ;; *) continue ;; esac
			v=$(lab_exec $r cat /proc/sys/net/netfilter/nf_conntrack_udp_timeout \
				/proc/sys/net/netfilter/nf_conntrack_udp_timeout_stream | tr '\n' '/')
			[ "$v" = "30/30/" ] || ct_ok=0
			maxt=$(lab_exec $r conntrack -L -p udp 2>/dev/null | awk '{print $3}' | sort -n | tail -1)
			[ -n "$maxt" ] && [ "$maxt" -le 30 ] || ct_ok=0
			if lab_exec $r ipset list -t 2>/dev/null | grep -q '^Header'; then
				lab_exec $r ipset list -t | grep '^Header' | grep -vq "timeout 30" && ct_ok=0
			fi
		done
		if [ $ct_ok = 1 ]; then ct="30s"; else
			ct="BAD"
			FAIL=1
		fi
	fi
	extra=""
	if [ $h = h_pr2 ]; then
		# second host behind the same NAT: same public address, and the LAN works directly
		[ "$(lab_public_ip h_pr2)" = "$(lab_public_ip h_pr)" ] || FAIL=1
		kind="port-restricted(2nd)"
	fi
	[ -s "$f" ] || FAIL=1
	[ $FAIL = 0 ] && res=PASS || res=FAIL
	[ $FAIL = 0 ] || ALLFAIL=1
	ROWS+=("$(printf '%-7s %-21s %-10s %-15s %-15s %-12s %-9s %-9s %-9s %-12s %-9s %-4s %s' \
		"$h" "$kind" "$(lab_ip $h)" "$seen" "$(val "$f" map_a | sed 's/.*://')/$(val "$f" map_b | sed 's/.*://')" \
		"$mapping" "$fport" "$faddr" "$nomap" "$ttl" "$route" "$ct" "$res")")
	[ $FAIL = 0 ] || DETAILS+=("$h: $(cat "$f")")
done

# LAN between the two hosts behind one NAT
lab_exec h_pr $PY "$PROBE" listen --port 4000 --timeout 3 >"$TMP/lan.out" 2>&1 &
lanpid=$!
for _ in 1 2 3 4 5; do
	sleep 0.1
	lab_exec h_pr2 $PY "$PROBE" send --to "$(lab_ip h_pr):4000" --data lan-hello
	grep -q lan-hello "$TMP/lan.out" 2>/dev/null && break
done
wait $lanpid 2>/dev/null
if grep -q "^$(lab_ip h_pr2):[0-9]* lan-hello" "$TMP/lan.out"; then lan=PASS; else
	lan=FAIL
	ALLFAIL=1
fi
[ $CT_ALL_OK = 1 ] || ALLFAIL=1
T3=$(date +%s.%N)

echo
echo "netlab run $LAB_RUN: reflectors pub1=$A:$PORT_A/$PORT_ALT pub2=$B:$PORT_A; $LAB_ISP_HOPS ISP routers per site"
printf '%-7s %-21s %-10s %-15s %-15s %-12s %-9s %-9s %-9s %-12s %-9s %-4s %s\n' \
	HOST KIND PRIVATE SEEN-AS PORT@A/@B MAPPING OTHERPORT OTHERIP NOMAPPING TTL ROUTE CT RESULT
for r in "${ROWS[@]}"; do echo "$r"; done
echo
echo "two hosts behind one NAT talk over their LAN: $lan"
echo "UDP conntrack timeouts 30/30 in all $n_routers router namespaces: $([ $CT_ALL_OK = 1 ] && echo PASS || echo FAIL)"
awk -v a="$T0" -v b="$T1" -v c="$T2" -v d="$T3" \
	'BEGIN { printf "timing: lab setup %.1fs, probes %.1fs, checks %.1fs, total %.1fs\n", b-a, c-b, d-c, d-a }'
if [ ${#DETAILS[@]} -gt 0 ]; then
	echo "raw probe output of failing hosts:"
	for d in "${DETAILS[@]}"; do echo "  $d"; done
fi
if [ $ALLFAIL = 0 ]; then
	echo "ALL PASS"
	exit 0
fi
echo "FAILED"
exit 1
