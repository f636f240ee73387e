#!/bin/bash
# test-port-mapping.sh SRP_TOOL -- port mapping (SrpPeer:port-mapping) through a real home router:
# miniupnpd (Debian miniupnpd-iptables; its build answers UPnP-IGD, NAT-PMP and PCP, which
# `miniupnpd --version` prints on start: "starting NAT-PMP/PCP UPnP-IGD") as the router of a
# symmetric NAT.
#
# Hosts: boot1, boot2 (public bootstrap nodes), symA behind a symmetric NAT running miniupnpd,
# symB behind another symmetric NAT (no router of that kind), symC behind a third symmetric NAT
# with no miniupnpd at all.
#
# 1. Mapping off: symB connects to symA -> relayed (symmetric against symmetric: no hole to predict).
# 2. Mapping on, once per protocol (--port-mapping-protocols pcp, nat-pmp, upnp-igd): symA gets a
#    mapping (the port-mapping event, with the time it took) and symB connects to it -> direct,
#    messages both ways; after symA stops, the router has no rule for it left (deleted on close).
# 3. Renewal: miniupnpd restarted granting 6 s leases (max_lifetime); symA (PCP) keeps its mapping
#    for 20 s (renewed every 3 s: the router's rule is still there, the lease file shows a later
#    expiry) and symB still connects directly.
# 4. No router: symC with --port-mapping reports why within 6 s ("no PCP or NAT-PMP answer ...",
#    "no UPnP Internet Gateway Device answered ..."), and was ready long before (nothing blocks).
# 5. A network change: symD (listening on every address, --port-mapping, no router) moves behind
#    symA's NAT (lab_move_host) and gets a mapping from miniupnpd there within 10 s.
# Prints a table: case, path, connect ms, mapping ms.  Exit 0 pass, 1 fail, 77 skipped (not root, no
# netns, no miniupnpd).
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRP_TOOL=${1:?usage: test-port-mapping.sh SRP_TOOL}
# shellcheck source=lab.sh
. "$HERE/lab.sh"
# shellcheck source=connect-lab.sh
. "$HERE/connect-lab.sh"
# shellcheck source=portmap-lab.sh
. "$HERE/portmap-lab.sh"

[ "$(id -u)" = 0 ] || _lab_skip "netlab-port-mapping needs root (network namespaces, iptables)"

lab_up
pm_need_miniupnpd
cl_init "$SRP_TOOL"
"$SRP_TOOL" node --help 2>/dev/null | grep -q -e '--port-mapping' ||
	_lab_die "srp-tool node has no --port-mapping"
cl_add_bootstraps
# miniupnpd refuses a documentation range (198.51.100.0/24) as its WAN address.
lab_add_nat_host symA symmetric --public-ip 198.51.101.20
lab_add_nat_host symB symmetric
lab_add_nat_host symC symmetric
lab_add_nat_host symD symmetric
cl_start_bootstraps
pm_start_miniupnpd symA
echo "miniupnpd: $(grep -o 'version .* starting [^e]*' "$PM_LOG" | head -1)"
FAILED=0
ROWS=()

router_rules() { lab_exec symA-nat iptables-legacy -w -t nat -S MINIUPNPD 2>/dev/null | grep -c -- '-A MINIUPNPD'; }

# One case: symB connects to symA (node with ARGS); WANT path.  Appends a row; MAPPED=1 checks the
# mapping and its deletion.
run_case() { # NAME WANT MAPPED node-args...
	local name=$1 want=$2 mapped=$3 tlog verdict path ms pm_ms="-" proto="-"
	shift 3
	CL_TARGET_ARGS=("$@")
	CL_TARGET_WAIT=""
	[ "$mapped" = 1 ] && CL_TARGET_WAIT=port-mapping
	cl_run_pair "$name" symB symA "$want"
	tlog="$CL_TMP/$name.target.log"
	verdict=$(cut -f1 "$CL_TMP/$name.res") path=$(cut -f2 "$CL_TMP/$name.res")
	ms=$(cut -f3 "$CL_TMP/$name.res") reason=$(cut -f5 "$CL_TMP/$name.res")
	if [ "$mapped" = 1 ]; then
		pm_ms=$(cl_json field "$tlog" port-mapping ms)
		proto=$(cl_json field "$tlog" port-mapping protocol)
		if [ "$(cl_json field "$tlog" port-mapping state)" != mapped ]; then
			verdict=FAIL reason="no mapping: $(cl_json field "$tlog" port-mapping problem)"
		fi
		# The target has stopped (cl_run_pair): its mapping must be gone from the router.
		if ! cl_wait 3 test "$(router_rules)" = 0; then
			verdict=FAIL reason="${reason:+$reason; }the router still has $(router_rules) rule(s) after close"
		fi
	fi
	[ "$verdict" = ok ] || { FAILED=1; cl_dump_pair "$name"; }
	ROWS+=("$(printf '%-22s %-9s %-8s %-8s %8s %10s  %s' "$name" "$proto" "$want" "$path" "$ms" "$pm_ms" \
		"$verdict${reason:+: $reason}")")
}

# --- 1, 2: off, then each protocol -----------------------------------------------------------------
run_case mapping-off relayed 0
for proto in pcp nat-pmp upnp-igd; do
	run_case "mapping-$proto" direct 1 --port-mapping --port-mapping-protocols "$proto"
done

# --- 3: renewal under short leases ----------------------------------------------------------------
kill "$PM_PID" 2>/dev/null
wait "$PM_PID" 2>/dev/null
PM_MAX_LIFETIME=6 pm_start_miniupnpd symA
RLOG="$CL_TMP/renew.log"
cl_start_node symA "$RLOG" --listen "$(lab_ip symA):0" $(cl_bootstrap_args) --port-mapping \
	--port-mapping-protocols pcp
RPID=$CL_PID
if cl_wait_alive "$RPID" 10 cl_has_event "$RLOG" port-mapping &&
	[ "$(cl_json field "$RLOG" port-mapping state)" = mapped ]; then
	LIFE=$(grep -o 'lifetime=[0-9]*' "$PM_LOG" | tail -1)
	sleep 20
	RENEWS=$(grep -c "PCP MAP: .* mapping" "$PM_LOG")
	if [ "$(router_rules)" -ge 1 ] && [ "$RENEWS" -ge 5 ] && kill -0 "$RPID" 2>/dev/null; then
		ROWS+=("$(printf '%-22s %-9s %-8s %-8s %8s %10s  %s' renewal pcp - - - \
			"$(cl_json field "$RLOG" port-mapping ms)" \
			"ok: 6 s leases, $RENEWS MAP requests in 20 s, the rule still there")")
	else
		FAILED=1
		ROWS+=("renewal                FAIL: rules $(router_rules), MAP requests $RENEWS ($LIFE)")
		tail -20 "$PM_LOG"
	fi
else
	FAILED=1
	ROWS+=("renewal                FAIL: no mapping: $(head -c 500 "$RLOG")")
fi
cl_stop "$RPID"

# --- 4: no router answers -------------------------------------------------------------------------
NLOG="$CL_TMP/norouter.log"
T0=$SECONDS
cl_start_node symC "$NLOG" --listen "$(lab_ip symC):0" $(cl_bootstrap_args) --port-mapping
NPID=$CL_PID
if cl_wait_alive "$NPID" 8 cl_has_event "$NLOG" port-mapping &&
	PROBLEM=$(cl_json field "$NLOG" port-mapping problem) &&
	[[ $PROBLEM == *"no PCP or NAT-PMP answer"* ]] && [[ $PROBLEM == *"no UPnP Internet Gateway Device"* ]] &&
	cl_has_event "$NLOG" ready; then
	ROWS+=("$(printf '%-22s %-9s %-8s %-8s %8s %10s  %s' no-router - - - - - \
		"ok after $((SECONDS - T0)) s: $PROBLEM")")
else
	FAILED=1
	ROWS+=("no-router              FAIL: $(head -c 800 "$NLOG")")
fi
cl_stop "$NPID"

# --- 5: moved behind the mapping router -----------------------------------------------------------
MLOG="$CL_TMP/moved.log"
moved_mapped() { [ "$(cl_json count "$MLOG" port-mapping state=mapped)" -gt 0 ]; }
cl_start_node symD "$MLOG" $(cl_bootstrap_args) --port-mapping
MPID=$CL_PID
if cl_wait_alive "$MPID" 8 cl_has_event "$MLOG" port-mapping; then
	lab_move_host symD symA
	T0=$(date +%s%N)
	if cl_wait_alive "$MPID" 10 moved_mapped; then
		ROWS+=("$(printf '%-22s %-9s %-8s %-8s %8s %10s  %s' moved - - - - - 			"ok: mapped $((($(date +%s%N) - T0) / 1000000)) ms after moving behind miniupnpd")")
	else
		FAILED=1
		ROWS+=("moved                  FAIL: no mapping after the move: $(grep port-mapping "$MLOG" | head -c 600)")
	fi
else
	FAILED=1
	ROWS+=("moved                  FAIL: no port-mapping line before the move: $(head -c 500 "$MLOG")")
fi
cl_stop "$MPID"

printf '%-22s %-9s %-8s %-8s %8s %10s  %s\n' case protocol expected path "ms" "mapping-ms" verdict
printf '%s\n' "${ROWS[@]}"
echo "(ms: connect's time to connect; mapping-ms: from listen to the router's grant)"
[ $FAILED = 0 ] && echo "PASS: port mapping" && exit 0
echo "FAIL: port mapping; miniupnpd's log:"
tail -40 "$PM_LOG"
exit 1
