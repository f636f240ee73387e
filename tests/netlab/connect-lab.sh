# shellcheck shell=bash
# connect-lab.sh -- `srp-tool connect` between pairs of lab hosts, for test-connect-matrix.sh,
# test-keepalive.sh and the lab benchmark.  Source it after lab.sh:
#
#   cl_init SRP_TOOL                     # after lab_up: temp dir, python3, does `connect` exist
#   cl_add_bootstraps; ...add hosts...   # boot1 and boot2: public hosts (203.0.113.11/.12)
#   cl_start_bootstraps                  # their `srp-tool node`s, connected to each other
#   cl_run_pair NAME INITIATOR TARGET EXPECTED_PATH [IDLE]   # -> $CL_TMP/NAME.res
#
# One pair: the target runs `node --json --greet pong-NAME`, bootstrapped through boot1 and boot2;
# once it is connected to them and knows its NAT, the initiator runs
# `connect --json --send ping-NAME --expect pong-NAME TARGET_ID`.  The pair passes when the
# initiator connected with the expected path, got the pong, and the target logged a `connected`
# event and got the ping.  All output stays in $CL_TMP/NAME.* for the failure report.

CL_PORT=7000                       # the bootstrap nodes' port
# Which family a pair uses: 4 (bootstrap and listen over IPv4), 6 (bootstrap over IPv6 only, the
# target listening on its IPv6 address: the NAT classification is IPv6's), ds (dual stack: bootstrap
# over IPv4, the target listening on every address, so that the IPv6 addresses travel in INFO and
# the punch tries both). 6 and ds need hosts added with --ipv6 and cl_add_bootstraps --ipv6.
: "${CL_FAMILY:=4}"
CL_BOOT_IPV6=0
: "${CL_MESSAGES:=1}"              # 0: connect only, no greeting/ping/pong (the benchmark)
: "${CL_CONNECT_TIMEOUT:=30}"      # connect --timeout (the tool's default)
: "${CL_READY_TIMEOUT:=15}"        # seconds for a target node to join the network and know its NAT
CL_TARGET_ARGS=()                  # more `node` arguments for the targets (e.g. --port-mapping)
CL_TARGET_WAIT=""                  # an event the target must log before connect (e.g. port-mapping)
CL_INITIATOR_ARGS=()               # more `connect` arguments for the initiators
CL_PY=/usr/bin/python3
CL_LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

cl_init() { # SRP_TOOL
	SRP_TOOL=$1
	[ -x "$SRP_TOOL" ] || _lab_die "no srp-tool at $SRP_TOOL"
	_lab_need "$CL_PY" python3
	CL_TMP=$(mktemp -d "/tmp/netlab-$LAB_RUN.XXXXXX")
	# NETLAB_KEEP_LOGS=DIR: keep every tool's output there (for looking into a failure).
	[ -n "${NETLAB_KEEP_LOGS:-}" ] &&
		lab_on_down "mkdir -p '$NETLAB_KEEP_LOGS' && cp -r '$CL_TMP/.' '$NETLAB_KEEP_LOGS/'"
	lab_on_down "rm -rf '$CL_TMP'"
	# `connect` is being built on another branch: without it the lab and the target nodes are
	# still exercised, and every pair fails with this reason rather than a puzzling usage text.
	CL_MISSING=""
	"$SRP_TOOL" connect --help >/dev/null 2>&1 || CL_MISSING="srp-tool has no 'connect' command"
	CL_GREET=(--greet)
	if ! "$SRP_TOOL" node --help 2>/dev/null | grep -q -e '--greet'; then
		CL_GREET=()
		CL_MISSING="${CL_MISSING:+$CL_MISSING; }srp-tool node has no --greet"
	fi
	if [ -n "$CL_MISSING" ]; then
		echo "*** $CL_MISSING: connecting will FAIL (the lab is still built and the target" \
			"nodes still started, to check that much) ***" >&2
	fi
}

cl_json() { "$CL_PY" "$CL_LAB_DIR/jsonl.py" "$@"; }

# Poll until a command succeeds; 1 after SECONDS.
cl_wait() { # SECONDS cmd...
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.1
	done
}
# The same, giving up early when process PID has exited.
cl_wait_alive() { # PID SECONDS cmd...
	local pid=$1 deadline=$((SECONDS + $2))
	shift 2
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $deadline ] && kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
}
cl_has_event() { [ "$(cl_json count "$1" "$2")" -gt 0 ]; }
cl_peer_count_ge() { [ "$(cl_json count "$1" peer-added)" -ge "$2" ]; }

cl_add_bootstraps() { # [--ipv6]: dual-stack bootstrap nodes, listening on every address
	[ "${1:-}" = --ipv6 ] && CL_BOOT_IPV6=1
	lab_add_public_host boot1 ${1:+"$1"}
	lab_add_public_host boot2 ${1:+"$1"}
}
cl_bootstrap_args() {
	if [ "$CL_FAMILY" = 6 ]; then
		echo "--bootstrap [$(lab_ip6 boot1)]:$CL_PORT --bootstrap [$(lab_ip6 boot2)]:$CL_PORT"
	else
		echo "--bootstrap $(lab_ip boot1):$CL_PORT --bootstrap $(lab_ip boot2):$CL_PORT"
	fi
}
# The target's --listen for CL_FAMILY (none: every address, dual stack).
cl_listen_args() { # HOST
	case $CL_FAMILY in
	6) echo "--listen [$(lab_ip6 "$1")]:0" ;;
	ds) ;;
	*) echo "--listen $(lab_ip "$1"):0" ;;
	esac
}

# Start `srp-tool node` in HOST (ip netns exec execs it, so the PID is the tool's own: it can be
# stopped with SIGTERM, which makes it say GOODBYE).  Sets CL_PID.
cl_start_node() { # HOST LOG node-args...
	local host=$1 log=$2
	shift 2
	ip netns exec "$(lab_ns "$host")" "$SRP_TOOL" node --ephemeral --json "$@" >"$log" 2>&1 &
	CL_PID=$!
}

# SIGTERM (the peer leaves: the bootstrap nodes forget it at once, which matters for the prefix
# limit), then SIGKILL if it has not exited within 5 s.
cl_stop() { # PID
	kill -TERM "$1" 2>/dev/null || return 0
	for _ in $(seq 50); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

cl_start_bootstraps() {
	local p other
	for p in boot1 boot2; do
		other=boot2
		[ $p = boot2 ] && other=boot1
		local listen="$(lab_ip $p):$CL_PORT"
		# Every address (dual stack) for IPv6 and dual-stack pairs.
		[ $CL_BOOT_IPV6 = 1 ] && listen=":$CL_PORT"
		cl_start_node $p "$CL_TMP/$p.log" --listen "$listen" \
			--bootstrap "$(lab_ip $other):$CL_PORT"
		lab_on_down "kill $CL_PID 2>/dev/null"
	done
	cl_wait 10 cl_has_event "$CL_TMP/boot1.log" peer-added &&
		cl_wait 10 cl_has_event "$CL_TMP/boot2.log" peer-added ||
		_lab_die "the bootstrap nodes did not connect: $(cat "$CL_TMP"/boot*.log)"
}

# The lab of the network-change tests: the bootstrap nodes, fixed and mover behind two
# port-restricted NATs, and elsewhere, the address-restricted NAT that mover moves behind
# (lab_move_host). Also sets FAILED=0 and defines fail and now_ms for the test's checks.
cl_move_lab_up() { # SRP_TOOL
	lab_up
	cl_init "$1"
	cl_add_bootstraps
	lab_add_nat_host fixed port-restricted
	lab_add_nat_host mover port-restricted
	lab_add_nat_host elsewhere address-restricted
	cl_start_bootstraps
	cl_checks_init
}

# FAILED=0, and fail (notes a failed check, FAILED=1) and now_ms for a test's checks.
cl_checks_init() {
	FAILED=0
	fail() { echo "FAIL: $*"; FAILED=1; }
	now_ms() { echo $(($(date +%s%N) / 1000000)); }
}

# ---- streams: `srp-tool stream` fed and read by stream-records.py (the lab's stream tests) ----
# Each end's tool writes its stderr to $CL_TMP/HOST.err; the reader's verdict goes to
# $CL_TMP/HOST.out, the writer's summary to $CL_TMP/HOST.sent.
CL_REC="$CL_PY $CL_LAB_DIR/stream-records.py"

# HOST runs `stream --accept` (more stream arguments after HOST), read by stream-records.py.
# Sets CL_ACCEPT_PID and, once it listens, CL_ACCEPT_ID (its peer ID).
cl_stream_accept() { # HOST stream-args...
	local host=$1 err="$CL_TMP/$1.err" out="$CL_TMP/$1.out"
	shift
	ip netns exec "$(lab_ns "$host")" sh -c "'$SRP_TOOL' stream --accept $* $(cl_bootstrap_args) \
		</dev/null 2>'$err' | $CL_REC read >'$out'" &
	CL_ACCEPT_PID=$!
	cl_wait_alive "$CL_ACCEPT_PID" 15 grep -q "listening on port" "$err" ||
		_lab_die "$host's stream --accept did not start: $(head -c 300 "$err")"
	CL_ACCEPT_ID=$(sed -n 's/^peer \([0-9a-f]*\) listening.*/\1/p' "$err")
}

# HOST opens a stream to PEER_ID (more stream arguments after it) and writes records into it for
# SECONDS at RATE a second; with GO_FILE (not "-") the records start once that file exists.
# Sets CL_SEND_PID.
cl_stream_send() { # HOST SECONDS RATE GO_FILE PEER_ID stream-args...
	local host=$1 secs=$2 rate=$3 go=$4 id=$5
	shift 5
	[ "$go" = - ] && go=""
	ip netns exec "$(lab_ns "$host")" sh -c "$CL_REC write $secs $rate $go 2>'$CL_TMP/$host.sent' |
		'$SRP_TOOL' stream $* $(cl_bootstrap_args) $id >/dev/null 2>'$CL_TMP/$host.err'" &
	CL_SEND_PID=$!
}

# Waits for both ends and judges the transfer with the test's fail: the sender's tool exited 0,
# every byte arrived once, in order (the SHA-256 of what was written against what was read), and
# no record waited more than LIMIT_MS between being written and being read.  Prints the figures;
# sets CL_SENT_BYTES, CL_MAX_MS and CL_MAX_SEQ (the record that waited longest).
cl_stream_verdict() { # SENDER RECEIVER LIMIT_MS
	local rc sn ssha rn rbytes rsha inorder out="$CL_TMP/$2.out"
	wait "$CL_SEND_PID"
	rc=$?
	cl_wait 30 test -s "$out" || fail "the reader printed nothing"
	kill "$CL_ACCEPT_PID" 2>/dev/null
	wait "$CL_ACCEPT_PID" 2>/dev/null
	[ "$rc" = 0 ] || fail "the sender's stream exited $rc: $(tr '\n' ' ' <"$CL_TMP/$1.err" | head -c 300)"
	read -r _ sn CL_SENT_BYTES ssha <"$CL_TMP/$1.sent"
	read -r _ rn rbytes rsha CL_MAX_MS CL_MAX_SEQ inorder <"$out"
	echo "sent $sn records, $CL_SENT_BYTES bytes, sha256 $ssha"
	echo "read $rn records, $rbytes bytes, sha256 $rsha, in order: $inorder"
	[ "$rbytes" = "$CL_SENT_BYTES" ] || fail "$CL_SENT_BYTES bytes written, $rbytes read"
	[ "$rsha" = "$ssha" ] || fail "the bytes read differ from those written (SHA-256)"
	[ "$inorder" = yes ] || fail "records out of order, repeated or cut"
	[ -n "$CL_MAX_MS" ] && [ "$CL_MAX_MS" -le "$3" ] || fail "a record waited $CL_MAX_MS ms (limit $3)"
}

# Both ends' stderr, after a failure.
cl_stream_dump() { # HOST...
	local h
	for h in "$@"; do
		echo "--- $h (stderr) ---"
		head -c 2000 "$CL_TMP/$h.err"
	done
}

# The most peers from the NATs' shared /24 that a bootstrap node had connected at once.  The core
# keeps at most prefix_link_limit (64) unasked links per /24, and every NAT of the lab has its
# public address in 198.51.100.0/24, so this is what to look at when targets cannot join.
cl_prefix_peers() {
	local a b
	a=$(cl_json prefix-peers "$CL_TMP/boot1.log" 198.51.100.)
	b=$(cl_json prefix-peers "$CL_TMP/boot2.log" 198.51.100.)
	echo $((a > b ? a : b))
}

# Forget every NAT mapping of HOST's routers (conntrack entries and the cone NATs' ipsets), so
# that a repeated run starts from the same state as the first.  No process of HOST may be running.
cl_flush_nat() { # HOST
	local r
	for r in $(lab_routers "$1"); do
		case $r in
		*-nat | *-cgn)
			lab_exec "$r" conntrack -F >/dev/null 2>&1
			lab_exec "$r" sh -c 'for s in $(ipset list -n); do ipset flush "$s"; done' 2>/dev/null
			;;
		esac
	done
	return 0
}

# Run one pair and write "verdict<TAB>path<TAB>ms<TAB>messages<TAB>reason<TAB>introduced<TAB>address" to
# $CL_TMP/NAME.res.  verdict is ok or FAIL; path and ms are what the initiator reported ("-" when
# nothing); introduced: yes when the target logged `connected` (it was introduced to the
# initiator), no when the two met some other way (peer exchange, for a target anyone can reach).
# With CL_MESSAGES=0 only the connection is judged (path, exit status).
cl_run_pair() { # NAME INITIATOR TARGET EXPECTED_PATH [IDLE]
	local name=$1 ini=$2 tgt=$3 want=$4 idle=${5:-0}
	local tlog="$CL_TMP/$name.target.log" out="$CL_TMP/$name.out" err="$CL_TMP/$name.err"
	local tpid id rc path ms ping pong tconn reason="" msgs=- greet=() talk=() addr want_family
	: >"$out"
	: >"$err"
	if [ "$CL_MESSAGES" = 1 ]; then
		greet=(${CL_GREET[@]+"${CL_GREET[@]}" "pong-$name"})
		talk=(--send "ping-$name" --expect "pong-$name")
	fi
	# shellcheck disable=SC2046  # the bootstrap arguments are words
	cl_start_node "$tgt" "$tlog" $(cl_listen_args "$tgt") $(cl_bootstrap_args) \
		${greet[@]+"${greet[@]}"} ${CL_TARGET_ARGS[@]+"${CL_TARGET_ARGS[@]}"}
	tpid=$CL_PID
	if ! cl_wait_alive "$tpid" "$CL_READY_TIMEOUT" cl_has_event "$tlog" ready; then
		reason="target node did not start: $(head -c 300 "$tlog")"
	elif ! cl_wait_alive "$tpid" "$CL_READY_TIMEOUT" cl_peer_count_ge "$tlog" 2; then
		reason="target did not connect to both bootstrap nodes within ${CL_READY_TIMEOUT}s"
		reason="$reason (bootstrap peers from 198.51.100.0/24 at once: $(cl_prefix_peers), prefix link limit 64)"
	elif ! cl_wait_alive "$tpid" "$CL_READY_TIMEOUT" cl_has_event "$tlog" nat; then
		reason="target did not learn its NAT type within ${CL_READY_TIMEOUT}s"
	elif [ -n "$CL_TARGET_WAIT" ] && ! cl_wait_alive "$tpid" "$CL_READY_TIMEOUT" cl_has_event "$tlog" "$CL_TARGET_WAIT"; then
		reason="target logged no $CL_TARGET_WAIT event within ${CL_READY_TIMEOUT}s"
	elif [ -n "$CL_MISSING" ] && { [ "$CL_MESSAGES" = 1 ] || [[ $CL_MISSING == *connect* ]]; }; then
		reason="target ready ($(cl_json field "$tlog" nat type)), but $CL_MISSING"
	fi
	if [ -n "$reason" ]; then
		cl_stop "$tpid"
		printf 'FAIL\t-\t-\t-\t%s\t-\n' "$reason" >"$CL_TMP/$name.res"
		return
	fi
	id=$(cl_json field "$tlog" ready id)
	# The tool gives up by itself: --timeout bounds each of its waits (a bootstrap peer, the
	# connection, --expect), so 3 of them plus the idle.  `timeout` only guards against a hang.
	# shellcheck disable=SC2046
	timeout -k 5 $((3 * CL_CONNECT_TIMEOUT + idle + 30)) \
		ip netns exec "$(lab_ns "$ini")" "$SRP_TOOL" connect --json $(cl_bootstrap_args) \
		--timeout "$CL_CONNECT_TIMEOUT" --idle "$idle" ${talk[@]+"${talk[@]}"} \
		${CL_INITIATOR_ARGS[@]+"${CL_INITIATOR_ARGS[@]}"} "$id" >"$out" 2>"$err"
	rc=$?
	# The ping may still be on its way when the initiator has its pong.
	[ "$CL_MESSAGES" = 1 ] && cl_wait 5 cl_json message "$tlog" "ping-$name"
	cl_stop "$tpid"

	path=$(cl_json field "$out" connected path)
	ms=$(cl_json field "$out" connected ms)
	addr=$(cl_json field "$out" connected address)
	# An IPv6 or dual-stack pair must end on IPv6 (CL_WANT_FAMILY overrides: 4, 6 or any).
	want_family=${CL_WANT_FAMILY:-}
	[ -z "$want_family" ] && [ "$CL_FAMILY" != 4 ] && want_family=6
	ping=no pong=no tconn=no
	cl_json message "$tlog" "ping-$name" && ping=yes
	cl_json message "$out" "pong-$name" && pong=yes
	cl_has_event "$tlog" connected && tconn=yes
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		reason="connect did not exit by itself within $((3 * CL_CONNECT_TIMEOUT + idle + 30)) s (killed);"
		reason="$reason path ${path:--}: $(tr '\n' ' ' <"$err" | head -c 200)"
	elif [ -z "$path" ]; then
		reason="not connected (exit $rc): $(tr '\n' ' ' <"$out" | head -c 200) $(tr '\n' ' ' <"$err" | head -c 200)"
	elif [ "$path" != "$want" ]; then
		reason="path $path, want $want"
	elif [ "$want_family" = 6 ] && [ "$path" = direct ] && [[ $addr != \[* ]]; then
		reason="direct over $addr, want IPv6"
	elif [ "$want_family" = 4 ] && [ "$path" = direct ] && [[ $addr == \[* ]]; then
		reason="direct over $addr, want IPv4"
	elif [ "$CL_MESSAGES" != 1 ]; then
		msgs="-"
		[ "$rc" = 0 ] || reason="connect exited $rc: $(tr '\n' ' ' <"$err" | head -c 200)"
	elif [ "$pong" != yes ] || [ "$ping" != yes ]; then
		reason="messages did not flow both ways"
	# No `connected` event at the target is no failure: when peer exchange connected the two
	# before `connect` asked (a target anyone can reach, or handshakes that crossed), there was
	# no introduction to report. The table's last column says which it was.
	elif [ "$rc" != 0 ]; then
		reason="connect exited $rc: $(tr '\n' ' ' <"$err" | head -c 200)"
	fi
	[ "$CL_MESSAGES" = 1 ] && msgs="ping=${ping} pong=${pong}"
	if [ -z "$reason" ]; then
		printf 'ok\t%s\t%s\t%s\t\t%s\t%s\n' "$path" "${ms:--}" "$msgs" "$tconn" "${addr:--}" \
			>"$CL_TMP/$name.res"
	else
		printf 'FAIL\t%s\t%s\t%s\t%s\t%s\t%s\n' "${path:--}" "${ms:--}" "$msgs" "$reason" "$tconn" \
			"${addr:--}" >"$CL_TMP/$name.res"
	fi
}

# Print the logs of a failed pair.
cl_dump_pair() { # NAME
	local f
	for f in "$CL_TMP/$1.out" "$CL_TMP/$1.err" "$CL_TMP/$1.target.log"; do
		[ -s "$f" ] || continue
		echo "--- ${f##*/} ---"
		head -c 4000 "$f"
	done
}
