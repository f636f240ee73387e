#!/bin/bash
# test-network-change.sh SRP_TOOL -- a host moves behind another NAT in the middle of a session
# (a laptop from one Wi-Fi to another) and its peers find it again.
#
# mover (behind a port-restricted NAT) runs `connect --idle` to fixed (behind another
# port-restricted NAT: it lets in only addresses it has sent to, so it needs an introduction to
# hear from mover's new address).  Once they are connected, mover's interface goes and a new one
# comes up behind a third NAT (address-restricted, another public IP): lab_move_host.  Its peer
# (GNetworkMonitor, and its look at the addresses every second) tells the core, which classifies
# the NAT again, shakes hands with its links from the new address and asks for fixed through the
# bootstrap nodes (srp-moved.c).  Passes when:
#   - fixed has mover at its new public address within 5 s of the move, without losing it
#     (no peer-removed), on a direct path;
#   - the message mover sends after the move ("ping-after") is taken and reaches fixed.
# (That the NAT is classified again is tests/core/test-moved.c's: `connect` prints no NAT events.)
# Prints the recovery time.  Exit 0 pass, 1 fail, 77 skipped (not root / no netns).
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRP_TOOL=${1:?usage: test-network-change.sh SRP_TOOL}
IDLE=${NETWORK_CHANGE_IDLE:-12}
# shellcheck source=lab.sh
. "$HERE/lab.sh"
# shellcheck source=connect-lab.sh
. "$HERE/connect-lab.sh"

[ "$(id -u)" = 0 ] || _lab_skip "netlab-network-change needs root (network namespaces, iptables)"

cl_move_lab_up "$SRP_TOOL"

FLOG="$CL_TMP/fixed.log" MOUT="$CL_TMP/mover.out" MERR="$CL_TMP/mover.err"
# shellcheck disable=SC2046
cl_start_node fixed "$FLOG" --listen "$(lab_ip fixed):0" $(cl_bootstrap_args) --greet pong-fixed
FPID=$CL_PID
cl_wait_alive "$FPID" 15 cl_has_event "$FLOG" nat || _lab_die "fixed did not join: $(head -c 300 "$FLOG")"
FID=$(cl_json field "$FLOG" ready id)

# shellcheck disable=SC2046
ip netns exec "$(lab_ns mover)" "$SRP_TOOL" connect --json $(cl_bootstrap_args) --timeout 30 \
	--idle "$IDLE" --send ping-after --expect pong-fixed "$FID" >"$MOUT" 2>"$MERR" &
MPID=$!
cl_wait_alive "$MPID" 40 cl_has_event "$MOUT" connected ||
	_lab_die "mover did not connect: $(head -c 500 "$MOUT") $(head -c 500 "$MERR")"
echo "connected: $(cl_json field "$MOUT" connected path), $(cl_json field "$MOUT" connected ms) ms;" \
	"mover at $(lab_ip mover), seen as $(lab_public_ip mover)"
sleep 2

OLD_PUB=$(lab_public_ip mover)
T_MOVE=$(now_ms)
lab_move_host mover elsewhere
NEW_PUB=$(lab_public_ip mover)
echo "moved: mover is now $(lab_ip mover) behind $(lab_kind mover), public $NEW_PUB (was $OLD_PUB)"

mover_at_new() { grep '"event":"address"' "$FLOG" | grep -q "\"address\":\"$NEW_PUB:"; }
if cl_wait 5 mover_at_new; then
	echo "ok: fixed has mover at $NEW_PUB $(($(now_ms) - T_MOVE)) ms after the move"
else
	fail "fixed does not have mover at $NEW_PUB 5 s after the move"
fi
# The rest of the idle, the send, and the exit.
wait "$MPID"
RC=$?
[ "$RC" = 0 ] || fail "connect exited $RC: $(tr '\n' ' ' <"$MERR" | head -c 300)"
cl_wait 5 cl_json message "$FLOG" ping-after && echo "ok: ping-after, sent after the move, arrived" ||
	fail "ping-after did not reach fixed"
if grep '"event":"peer-removed"' "$FLOG" | grep -q "$(cl_json field "$MOUT" connected id)"; then
	fail "fixed dropped mover"
fi
grep '"event":"path"' "$FLOG" | grep -q relayed && fail "the path turned relayed"
cl_stop "$FPID"

if [ $FAILED = 0 ]; then
	echo "PASS: network change"
	exit 0
fi
echo "--- fixed ---"; head -c 3000 "$FLOG"
echo "--- mover ---"; head -c 3000 "$MOUT"; head -c 1000 "$MERR"
exit 1
