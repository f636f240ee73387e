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
REC="/usr/bin/python3 $HERE/stream-records.py"

FERR="$CL_TMP/fixed.err" FOUT="$CL_TMP/fixed.out" MERR="$CL_TMP/mover.err" SENT="$CL_TMP/sent"
# shellcheck disable=SC2046
ip netns exec "$(lab_ns fixed)" sh -c "'$SRP_TOOL' stream --accept --timeout 60 \
	--listen $(lab_ip fixed):0 $(cl_bootstrap_args) </dev/null 2>'$FERR' | $REC read >'$FOUT'" &
FPID=$!
cl_wait_alive "$FPID" 15 grep -q "listening on port" "$FERR" ||
	_lab_die "fixed did not start: $(head -c 300 "$FERR")"
FID=$(sed -n 's/^peer \([0-9a-f]*\) listening.*/\1/p' "$FERR")
sleep 2 # fixed joins the network (classification, links to both bootstrap nodes)

MLISTEN=""
[ "$BIND" = specific ] && MLISTEN="--listen $(lab_ip mover):0"
# shellcheck disable=SC2046
ip netns exec "$(lab_ns mover)" sh -c "$REC write $SECONDS_STREAM $RATE 2>'$SENT' |
	'$SRP_TOOL' stream --timeout 60 $MLISTEN $(cl_bootstrap_args) $FID >/dev/null 2>'$MERR'" &
MPID=$!
sleep 4
OLD=$(lab_ip mover) OLD_PUB=$(lab_public_ip mover)
T_MOVE=$(now_ms)
lab_move_host mover elsewhere
echo "moved $(($(now_ms) - T_MOVE)) ms: mover $OLD ($OLD_PUB) -> $(lab_ip mover) behind $(lab_kind mover)" \
	"($(lab_public_ip mover)); sockets bound to $([ "$BIND" = specific ] && echo "$OLD only" || echo "every address")"

wait "$MPID"
MRC=$?
cl_wait 30 test -s "$FOUT" || fail "the reader printed nothing"
kill "$FPID" 2>/dev/null
wait "$FPID" 2>/dev/null
[ "$MRC" = 0 ] || fail "the sender's stream exited $MRC: $(tr '\n' ' ' <"$MERR" | head -c 300)"
read -r _ sn sbytes ssha <"$SENT"
read -r _ rn rbytes rsha maxms maxseq inorder <"$FOUT"
echo "sent $sn records, $sbytes bytes, sha256 $ssha"
echo "read $rn records, $rbytes bytes, sha256 $rsha, in order: $inorder"
echo "recovery: the longest a record waited was $maxms ms (record $maxseq, written" \
	"$((maxseq * 1000 / RATE)) ms into the stream; the move was at about 4000 ms)"
[ "$rbytes" = "$sbytes" ] || fail "$sbytes bytes written, $rbytes read"
[ "$rsha" = "$ssha" ] || fail "the bytes read differ from those written (SHA-256)"
[ "$inorder" = yes ] || fail "records out of order, repeated or cut"
[ -n "$maxms" ] && [ "$maxms" -le $LIMIT_MS ] || fail "a record waited $maxms ms (limit $LIMIT_MS)"

if [ $FAILED = 0 ]; then
	echo "PASS: the stream survived the move: every byte once, in order, recovered in $maxms ms"
	exit 0
fi
echo "--- fixed (stderr) ---"; head -c 2000 "$FERR"
echo "--- mover (stderr) ---"; head -c 2000 "$MERR"
exit 1
