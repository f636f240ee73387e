#!/bin/bash
# test-connect-rounds.sh [--rounds N] SRP_TOOL -- several pairs connect at the same moment, round
# after round, and the distribution of paths and times is reported.
#
# The connect matrix starts a pair whenever a slot is free, so pairs rarely begin together; here
# every round starts all pairs at once (their targets join the network together, then their
# initiators connect together), as in the issue 16 report where five pairs at once with every NAT's
# public address in one /24 (198.51.100.0/24) ended relayed 3 times in 30.  Between rounds the
# NATs' mappings are flushed, so every round starts from the same state.  Every pair here can
# connect directly (at least one side maps endpoint-independently), so every attempt must be
# direct: exit 0 when all were, 1 otherwise, 77 when skipped (not root / no netns).
#
# Prints, per pair and overall: direct / relayed / failed, and the median, 90th percentile and
# maximum time to connect; then a histogram of the times.
#
# Environment: ROUNDS_PAIRS (space-separated INITIATOR:TARGET kinds; default the five below),
# ROUNDS_EXTRA_PEERS (idle nodes, also in the /24, that load the mesh and the bootstrap nodes' /24
# with links; default 12), ROUNDS_EXTRA_KIND (their NAT, default port-restricted: peers that only
# a bootstrap node or an introduction can reach, as in a carrier-grade NAT pool), CL_CONNECT_TIMEOUT
# (30).  With the defaults, 22 peers of one /24 are up at once: more than the 16 records a /24 may
# have in a peer table, which must not keep any of them from joining or connecting.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROUNDS=5
while [ $# -gt 1 ]; do
	case $1 in
	--rounds) ROUNDS=$2; shift 2 ;;
	*) break ;;
	esac
done
SRP_TOOL=${1:?usage: test-connect-rounds.sh [--rounds N] SRP_TOOL}
PAIRS=${ROUNDS_PAIRS:-"address-restricted:port-restricted port-restricted:symmetric carrier-grade:symmetric symmetric:full-cone port-restricted:carrier-grade"}
EXTRA=${ROUNDS_EXTRA_PEERS:-12}
EXTRA_KIND=${ROUNDS_EXTRA_KIND:-port-restricted}
# shellcheck source=lab.sh
. "$HERE/lab.sh"
# shellcheck source=connect-lab.sh
. "$HERE/connect-lab.sh"

[ "$(id -u)" = 0 ] || _lab_skip "netlab-connect-rounds needs root (network namespaces, iptables)"

T_START=$SECONDS
lab_up
cl_init "$SRP_TOOL"

abbrev() {
	case $1 in
	public) echo pub ;; full-cone) echo fc ;; address-restricted) echo ar ;;
	port-restricted) echo pr ;; symmetric) echo sym ;; carrier-grade) echo cgn ;;
	*) _lab_die "unknown kind $1" ;;
	esac
}

P_NAME=() P_INI=() P_TGT=()
for pair in $PAIRS; do
	ini=${pair%%:*} tgt=${pair#*:}
	[ "$ini" = symmetric ] && [ "$tgt" = symmetric ] && _lab_die "symmetric:symmetric is relayed by design"
	P_NAME+=("$(abbrev "$ini")-$(abbrev "$tgt")") P_INI+=("$ini") P_TGT+=("$tgt")
done

cl_add_bootstraps
for ((p = 0; p < ${#P_NAME[@]}; p++)); do
	lab_add_nat_host "r${p}i" "${P_INI[$p]}"
	lab_add_nat_host "r${p}t" "${P_TGT[$p]}"
done
for ((e = 0; e < EXTRA; e++)); do
	lab_add_nat_host "x$e" "$EXTRA_KIND"
done
cl_start_bootstraps
# The idle peers, all in the NATs' /24 like the peers of one carrier-grade NAT pool or campus.
for ((e = 0; e < EXTRA; e++)); do
	# shellcheck disable=SC2046
	cl_start_node "x$e" "$CL_TMP/x$e.log" --listen "$(lab_ip "x$e"):0" $(cl_bootstrap_args)
	lab_on_down "kill $CL_PID 2>/dev/null"
done
T_BUILT=$SECONDS
echo "lab: ${#P_NAME[@]} pairs at once + $EXTRA idle $EXTRA_KIND peers, all NATs in 198.51.100.0/24;" \
	"$ROUNDS rounds; built in $((T_BUILT - T_START)) s"

for ((r = 0; r < ROUNDS; r++)); do
	if [ $r -gt 0 ]; then
		for ((p = 0; p < ${#P_NAME[@]}; p++)); do
			cl_flush_nat "r${p}i"
			cl_flush_nat "r${p}t"
		done
	fi
	pids=()
	for ((p = 0; p < ${#P_NAME[@]}; p++)); do
		cl_run_pair "${P_NAME[$p]}.r$r" "r${p}i" "r${p}t" direct &
		pids+=($!)
	done
	wait "${pids[@]}"
	if [ $(((r + 1) % 20)) = 0 ]; then
		echo "... $((r + 1)) rounds, $((SECONDS - T_BUILT)) s"
	fi
done
T_RUN=$SECONDS

# One line per attempt: name verdict path ms reason
ALL="$CL_TMP/all.tsv"
: >"$ALL"
for ((p = 0; p < ${#P_NAME[@]}; p++)); do
	for ((r = 0; r < ROUNDS; r++)); do
		k=${P_NAME[$p]}.r$r
		if [ -f "$CL_TMP/$k.res" ]; then
			printf '%s\t%s\n' "${P_NAME[$p]}" "$(cut -f1-3,5 "$CL_TMP/$k.res")" >>"$ALL"
		else
			printf '%s\tFAIL\t-\t-\tno result\n' "${P_NAME[$p]}" >>"$ALL"
		fi
	done
done

summary() { # awk over name verdict path ms reason, rows for one name (or all)
	awk -F'\t' -v want="$1" '
		want == "" || $1 == want {
			n++
			if ($3 == "direct") d++; else if ($3 == "relayed") rl++; else f++
			if ($4 ~ /^[0-9]+$/) t[++m] = $4
		}
		END {
			if (n == 0) exit
			# sort the times (insertion sort: a few thousand at most)
			for (i = 2; i <= m; i++) { v = t[i]; j = i - 1; while (j > 0 && t[j] > v) { t[j + 1] = t[j]; j-- } t[j + 1] = v }
			med = m ? t[int((m + 1) / 2)] : "-"; p90 = m ? t[int(m * 0.9 + 0.999)] : "-"; mx = m ? t[m] : "-"
			printf "%-10s %6d %7d %8d %7d  %6.2f%%  %8s %8s %8s\n", (want == "" ? "all" : want), n, d, rl, f, 100 * d / n, med, p90, mx
		}' "$ALL"
}
printf '%-10s %6s %7s %8s %7s  %7s  %8s %8s %8s\n' pair tries direct relayed failed direct "median" "p90" "max ms"
for name in $(printf '%s\n' "${P_NAME[@]}" | sort -u); do summary "$name"; done
summary ""
echo "time to connect, all attempts (ms): histogram"
awk -F'\t' '$4 ~ /^[0-9]+$/ {
		b = $4 < 10 ? "<10" : $4 < 100 ? "10-99" : $4 < 500 ? "100-499" : $4 < 1000 ? "500-999" : $4 < 3000 ? "1000-2999" : $4 < 15000 ? "3000-14999" : ">=15000"
		h[b]++ }
	END { split("<10 10-99 100-499 500-999 1000-2999 3000-14999 >=15000", o, " ")
	      for (i = 1; i <= 7; i++) printf "  %-11s %d\n", o[i], h[o[i]] + 0 }' "$ALL"
echo "bootstrap nodes: at most $(cl_prefix_peers) peers from 198.51.100.0/24 connected at once"
echo "time: lab built in $((T_BUILT - T_START)) s, $ROUNDS rounds in $((T_RUN - T_BUILT)) s"

FAILED=$(awk -F'\t' '$2 != "ok" || $3 != "direct"' "$ALL" | wc -l)
if [ "$FAILED" = 0 ]; then
	echo "PASS: all $(wc -l <"$ALL") attempts direct"
	exit 0
fi
echo "FAIL: $FAILED attempts not direct:"
for ((p = 0; p < ${#P_NAME[@]}; p++)); do
	for ((r = 0; r < ROUNDS; r++)); do
		k=${P_NAME[$p]}.r$r
		[ "$(cut -f1,2 "$CL_TMP/$k.res" 2>/dev/null)" = "$(printf 'ok\tdirect')" ] && continue
		echo "=== ${P_NAME[$p]} round $r: $(cut -f5 "$CL_TMP/$k.res" 2>/dev/null) ==="
		cl_dump_pair "$k" | head -c 3000
	done
done
exit 1
