#!/bin/bash
# demo-connect.sh [SRP_TOOL] -- show peers behind different real NATs connecting (root only).
#
# Builds a small lab (see README.md): two public bootstrap nodes; alice behind a port-restricted
# NAT, bob behind carrier-grade NAT (two NATs in a row), carol behind a symmetric NAT, dave behind
# another symmetric NAT.  bob, alice and dave run `srp-tool node --greet ...`; then
#   alice -> bob    hole punching through three NATs                        (direct)
#   carol -> alice  birthday punching: symmetric vs port-restricted         (direct)
#   carol -> dave   symmetric vs symmetric: no hole can be predicted        (relayed)
# each with a message both ways.  `srp-tool demo` (or the README) can point here for the NAT part.
# SRP_TOOL defaults to the build in _build.  Exit 0 when all three connected; 77 when skipped.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRP_TOOL=${1:-$HERE/../../_build/tools/srp-tool}
# shellcheck source=lab.sh
. "$HERE/lab.sh"
# shellcheck source=connect-lab.sh
. "$HERE/connect-lab.sh"

[ "$(id -u)" = 0 ] || _lab_skip "the NAT demo needs root (network namespaces, iptables): sudo $0"
lab_up
cl_init "$(readlink -f "$SRP_TOOL")"
[ -z "$CL_MISSING" ] || _lab_die "$CL_MISSING"

say() { printf '\n\033[1m%s\033[0m\n' "$*"; }

say "Building the lab: two bootstrap nodes on public addresses, four hosts behind NATs"
cl_add_bootstraps
lab_add_nat_host alice port-restricted
lab_add_nat_host bob carrier-grade
lab_add_nat_host carol symmetric
lab_add_nat_host dave symmetric
for h in boot1 boot2 alice bob carol dave; do
	printf '  %-6s %-20s address %-12s seen by the internet as %s\n' $h "$(lab_kind $h)" \
		"$(lab_ip $h)" "$(lab_public_ip $h)"
done
cl_start_bootstraps

declare -A ID=()
for h in alice bob dave; do
	# shellcheck disable=SC2046  # the bootstrap arguments are words
	cl_start_node $h "$CL_TMP/$h.log" --listen "$(lab_ip $h):0" $(cl_bootstrap_args) --greet "hello from $h"
	cl_wait_alive $CL_PID "$CL_READY_TIMEOUT" cl_has_event "$CL_TMP/$h.log" nat ||
		_lab_die "$h's node did not join: $(cat "$CL_TMP/$h.log")"
	ID[$h]=$(cl_json field "$CL_TMP/$h.log" ready id)
	echo "  $h's node is up: ${ID[$h]:0:16}..., finds itself behind a $(cl_json field "$CL_TMP/$h.log" nat type) NAT"
done

FAILED=0
connect() { # FROM TO what
	say "$1 ($(lab_kind $1)) connects to $2 ($(lab_kind $2)): $3"
	# shellcheck disable=SC2046
	if lab_exec $1 "$SRP_TOOL" connect $(cl_bootstrap_args) --send "hello from $1" \
		--expect "hello from $2" "${ID[$2]}"; then
		cl_wait 5 cl_json message "$CL_TMP/$2.log" "hello from $1" &&
			echo "  $2 got: hello from $1"
	else
		FAILED=1
	fi
}
connect alice bob "hole punching through three NATs"
connect carol alice "birthday punching (many ports on both sides)"
connect carol dave "two symmetric NATs: relayed through a peer connected to both"

if [ $FAILED = 0 ]; then say "All three connected."; else say "Not all connected (see above)."; fi
exit $FAILED
