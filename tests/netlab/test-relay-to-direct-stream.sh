#!/bin/bash
# test-relay-to-direct-stream.sh SRP_TOOL -- an SrpStream starts over a relayed path and keeps
# going while its link becomes direct: every byte arrives once, in order (SHA-256 of what was
# written against what was read), no record is held back more than 5 s, and both ends saw the
# path go from relayed to direct while bytes were still on their way.
#
# sender and receiver sit behind two port-restricted NATs; the bootstrap nodes boot1 and boot2
# are public. The ISP router next to receiver's NAT drops everything between the two NATs'
# public addresses, so the connect ends relayed (through an introducer, after 3 s of punching).
# receiver runs `srp-tool stream --accept --events`, read by stream-records.py; sender runs
# `srp-tool stream --events RECEIVER_ID` fed by stream-records.py, which writes timed 64-byte
# records for STREAM_SECONDS (12) at STREAM_RATE (4000) records a second (256 KB/s, 3 MB in
# all), starting once the stream is open. UNBLOCK_AFTER (1) s later the drop rules go; the
# link's first upgrade (5 s after it came up relayed: a new introduction, a new punch) makes it
# direct mid-transfer. `--events` prints the stream's path, with the bytes sent and received so
# far, when it opens and whenever it changes. Exit 0 pass, 1 fail, 77 skipped.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRP_TOOL=${1:?usage: test-relay-to-direct-stream.sh SRP_TOOL}
SECONDS_STREAM=${STREAM_SECONDS:-12}
RATE=${STREAM_RATE:-4000}
UNBLOCK_AFTER=${UNBLOCK_AFTER:-1}
LIMIT_MS=5000
# shellcheck source=lab.sh
. "$HERE/lab.sh"
# shellcheck source=connect-lab.sh
. "$HERE/connect-lab.sh"

[ "$(id -u)" = 0 ] || _lab_skip "netlab-relay-to-direct-stream needs root (network namespaces, iptables)"

lab_up
cl_init "$SRP_TOOL"
cl_checks_init
cl_add_bootstraps
lab_add_nat_host sender port-restricted
lab_add_nat_host receiver port-restricted
cl_start_bootstraps

# Both directions between the two NATs, in the one router every packet of theirs crosses.
SPUB=$(lab_public_ip sender) RPUB=$(lab_public_ip receiver)
block() { # -I or -D
	lab_exec receiver-isp1 "$LAB_IPT" -w "$1" FORWARD -s "$SPUB" -d "$RPUB" -j DROP &&
		lab_exec receiver-isp1 "$LAB_IPT" -w "$1" FORWARD -s "$RPUB" -d "$SPUB" -j DROP
}
block -I || _lab_die "cannot block $SPUB <-> $RPUB"
dropped() { lab_exec receiver-isp1 "$LAB_IPT" -w -L FORWARD -v -x -n | awk '$3 == "DROP" { n += $1 } END { print n + 0 }'; }

cl_stream_accept receiver --events --timeout 60 --listen "$(lab_ip receiver):0"
sleep 2 # receiver joins the network (classification, links to both bootstrap nodes)

GO="$CL_TMP/go" SERR="$CL_TMP/sender.err" RERR="$CL_TMP/receiver.err"
T0=$(now_ms)
cl_stream_send sender "$SECONDS_STREAM" "$RATE" "$GO" "$CL_ACCEPT_ID" --events --timeout 60 \
	--listen "$(lab_ip sender):0"
cl_wait_alive "$CL_SEND_PID" 40 cl_has_event "$SERR" path ||
	_lab_die "the sender's stream did not open: $(head -c 500 "$SERR")"
touch "$GO"
T_OPEN=$(now_ms)
FIRST=$(cl_json field "$SERR" path path)
echo "stream open after $((T_OPEN - T0)) ms, path $FIRST; $(dropped) datagrams between the NATs dropped"
[ "$FIRST" = relayed ] || fail "the stream opened $FIRST, want relayed (the direct path was blocked)"
sleep "$UNBLOCK_AFTER"
block -D || _lab_die "cannot unblock $SPUB <-> $RPUB"
T_UNBLOCK=$(now_ms)
echo "unblocked $((T_UNBLOCK - T_OPEN)) ms after the stream opened"

cl_stream_verdict sender receiver $LIMIT_MS
echo "the longest a record waited: $CL_MAX_MS ms (record $CL_MAX_SEQ, written" \
	"$((CL_MAX_SEQ * 1000 / RATE)) ms into the stream)"

# Each end's path events: relayed first, then direct while bytes were still moving, and never
# relayed again.  KEY is the byte count that end's own progress shows (bytes_sent, bytes_received).
check_paths() { # HOST STDERR KEY
	local host=$1 path sent received n=0 first="" direct="" back=""
	while read -r path sent received; do
		n=$((n + 1))
		local bytes=$sent
		[ "$3" = bytes_received ] && bytes=$received
		[ -z "$first" ] && first=$path
		if [ "$path" = direct ] && [ -z "$direct" ]; then
			direct=$bytes
		elif [ "$path" = relayed ] && [ -n "$direct" ]; then
			back=$bytes
		fi
	done < <(cl_json each "$2" path path bytes_sent bytes_received)
	echo "$host: $n path events: $(cl_json each "$2" path path "$3" | tr '\n' ',' | sed 's/,$//')"
	[ "$first" = relayed ] || fail "$host: the stream's first path was ${first:-none}, want relayed"
	if [ -z "$direct" ]; then
		fail "$host: the path never became direct"
	elif [ "$direct" -le 0 ] || [ "$direct" -ge "$CL_SENT_BYTES" ]; then
		fail "$host: direct at $direct of $CL_SENT_BYTES bytes ($3), not mid-transfer"
	fi
	[ -z "$back" ] || fail "$host: the path went back to relayed (at $back bytes)"
}
check_paths sender "$SERR" bytes_sent
check_paths receiver "$RERR" bytes_received

if [ $FAILED = 0 ]; then
	echo "PASS: relayed, then direct mid-transfer; every byte once, in order; the longest wait" \
		"$CL_MAX_MS ms"
	exit 0
fi
cl_stream_dump receiver sender
exit 1
