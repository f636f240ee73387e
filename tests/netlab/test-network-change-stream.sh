#!/bin/bash
# test-network-change-stream.sh SRP_TOOL -- a host moves behind another NAT while an SrpStream it
# sends on is carrying data; the stream survives: every byte arrives once, in order (SHA-256 of
# what was written against what was read), and no byte is held back more than 5 s.
#
# fixed (behind a port-restricted NAT) runs `srp-tool stream --accept`; mover (behind another
# port-restricted NAT) runs `srp-tool stream FIXED_ID` fed by stream-records.py, which writes
# timed 64-byte records for STREAM_SECONDS (12) at STREAM_RATE (2000) records a second
# (128 KB/s). 4 s in, mover's interface goes and a new one comes up behind an address-restricted
# NAT (lab_move_host). By default mover's sockets are bound to its one address (--listen
# 10.x.0.2:0), which goes away with the move: the peer must bind them again to its new address
# (srp-peer-network.c); NETWORK_CHANGE_BIND=any binds every address instead (one wildcard socket,
# no re-binding needed). The reader prints the longest any record waited between being written
# and being read: the stream's recovery time after the move. Exit 0 pass, 1 fail, 77 skipped.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRP_TOOL=${1:?usage: test-network-change-stream.sh SRP_TOOL}
SECONDS_STREAM=${STREAM_SECONDS:-12}
RATE=${STREAM_RATE:-2000}
BIND=${NETWORK_CHANGE_BIND:-specific}
LIMIT_MS=5000
# shellcheck source=lab.sh
. "$HERE/lab.sh"
# shellcheck source=connect-lab.sh
. "$HERE/connect-lab.sh"

[ "$(id -u)" = 0 ] || _lab_skip "netlab-network-change-stream needs root (network namespaces, iptables)"

cl_move_lab_up "$SRP_TOOL"

cl_stream_accept fixed --timeout 60 --listen "$(lab_ip fixed):0"
FID=$CL_ACCEPT_ID
sleep 2 # fixed joins the network (classification, links to both bootstrap nodes)

MLISTEN=""
[ "$BIND" = specific ] && MLISTEN="--listen $(lab_ip mover):0"
# shellcheck disable=SC2086
cl_stream_send mover "$SECONDS_STREAM" "$RATE" - "$FID" --timeout 60 $MLISTEN
sleep 4
OLD=$(lab_ip mover) OLD_PUB=$(lab_public_ip mover)
T_MOVE=$(now_ms)
lab_move_host mover elsewhere
echo "moved $(($(now_ms) - T_MOVE)) ms: mover $OLD ($OLD_PUB) -> $(lab_ip mover) behind $(lab_kind mover)" \
	"($(lab_public_ip mover)); sockets bound to $([ "$BIND" = specific ] && echo "$OLD only" || echo "every address")"

cl_stream_verdict mover fixed $LIMIT_MS
echo "recovery: the longest a record waited was $CL_MAX_MS ms (record $CL_MAX_SEQ, written" \
	"$((CL_MAX_SEQ * 1000 / RATE)) ms into the stream; the move was at about 4000 ms)"

if [ $FAILED = 0 ]; then
	echo "PASS: the stream survived the move: every byte once, in order, recovered in $CL_MAX_MS ms"
	exit 0
fi
cl_stream_dump fixed mover
exit 1
