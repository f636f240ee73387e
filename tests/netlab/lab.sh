# shellcheck shell=bash
# lab.sh -- real-NAT test lab for libsrp, built from Linux network namespaces.
#
# Source this file from a bash test, then:
#
#   lab_up                                   # root + `ip netns` check (exit 77 SKIP otherwise), core router
#   lab_add_public_host pub1                 # host with a public address behind its own ISP chain
#   lab_add_nat_host alice port-restricted   # host behind a NAT of that kind
#   lab_add_nat_host bob same --behind alice # second host on the same LAN, behind the same NAT
#   lab_exec alice cmd args...               # run a command in a node's namespace
#   lab_ip alice; lab_public_ip alice        # 10.x private address / the NAT's public address
#   lab_down                                 # also run automatically on EXIT INT TERM
#
# NAT kinds: public full-cone address-restricted port-restricted symmetric carrier-grade.
# See README.md in this directory for the topology, the address plan and how every kind is made.
#
# Everything lives in namespaces named nl<RUN>-<node>; every veth carries the run ID too, so
# several labs can run side by side. Nothing is sent anywhere outside these namespaces.

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${LAB_ISP_HOPS:=3}"        # ISP routers between the core and every site (>= 3 for the TTL tests)
: "${LAB_CT_TIMEOUT:=30}"     # UDP conntrack + NAT-mapping timeout in seconds, in every router
: "${LAB_VERBOSE:=0}"         # 1: echo every command

LAB_KINDS="public full-cone address-restricted port-restricted symmetric carrier-grade"

declare -gA _LAB_NS=()      # node -> netns name (hosts, <host>-nat, <host>-cgn, <host>-ispN, core)
declare -gA _LAB_IP=()      # host -> its own address
declare -gA _LAB_PUB=()     # host -> address the internet sees (NAT's public address, or own)
declare -gA _LAB_KIND=()    # host -> kind (public-host for lab_add_public_host)
declare -gA _LAB_NAT=()     # host -> node name of the router it sits behind (empty for public hosts)
declare -gA _LAB_DEPTH=()   # host -> routers between the host and its first ISP router
declare -gA _LAB_SITE=()    # host -> site number
declare -gA _LAB_HOP=()     # "site,j" -> address of ISP router j (1 = nearest the site) facing the site
declare -gA _LAB_RKIND=()   # router node -> kind
declare -gA _LAB_RLAN=()    # router node -> "prefix next-host-index wan-address"
declare -ga _LAB_NSLIST=()  # every namespace created, in creation order
declare -ga _LAB_HOSTS=()   # hosts in creation order
_LAB_SITES=0
_LAB_LINKS=0
LAB_RUN=""
LAB_IPT_RESTORE=""
LAB_IP6T_RESTORE=""
LAB_IPT=""
_LAB_UP=0

_lab_log() { echo "lab[$LAB_RUN]: $*" >&2; }
_lab_die() {
	echo "lab[$LAB_RUN]: ERROR: $*" >&2
	exit 1
}
_lab_skip() {
	echo "" >&2
	echo "*****************************************************************" >&2
	echo "SKIP: $*" >&2
	echo "*****************************************************************" >&2
	exit 77
}
# Run a command; die loudly if it fails.
_lab() {
	[ "$LAB_VERBOSE" = 1 ] && echo "+ $*" >&2
	"$@" || _lab_die "command failed: $*"
}

# 198.18.0.0/15 (RFC 2544 benchmarking range) numbers the router-to-router links: /30 number n.
_lab_linkaddr() { # n offset
	local v=$((($1) * 4 + ($2)))
	echo "198.$((18 + v / 65536)).$(((v / 256) % 256)).$((v % 256))"
}

_lab_need() { # command debian-package
	command -v "$1" >/dev/null 2>&1 && return 0
	_lab_log "installing Debian package $2 (for $1)"
	if command -v apt-get >/dev/null 2>&1; then
		if [ -z "${_LAB_APT_UPDATED:-}" ]; then
			DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
			_LAB_APT_UPDATED=1
		fi
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null 2>&1 || true
	fi
	command -v "$1" >/dev/null 2>&1 || _lab_skip "netlab needs '$1' (Debian package $2) and it could not be installed"
}

_lab_ns_new() { # role [v6] -> prints nothing, sets _LAB_NEWNS
	_LAB_NEWNS="nl${LAB_RUN}-$1"
	_lab ip netns add "$_LAB_NEWNS"
	_LAB_NSLIST+=("$_LAB_NEWNS")
	_lab ip -n "$_LAB_NEWNS" link set lo up
	if [ "${2:-0}" = 1 ]; then
		_lab_ipv6_on "$_LAB_NEWNS"
		return
	fi
	# IPv4 only: no IPv6 link-local noise, no DAD delays.
	ip netns exec "$_LAB_NEWNS" sh -c 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6;
		echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6' 2>/dev/null || true
}

# For tests that need IPv6: SKIP (exit 77) loudly when the kernel has none, or ip6tables cannot
# filter with conntrack in a namespace.  After lab_up.
lab_need_ipv6() {
	lab_has_ipv6 || _lab_skip "$LAB_NO_IPV6"
}
# The same check without exiting: 0 when IPv6 works, else 1 with the reason in LAB_NO_IPV6.
lab_has_ipv6() {
	LAB_NO_IPV6=""
	if [ ! -d /proc/sys/net/ipv6 ]; then
		LAB_NO_IPV6="the kernel has no IPv6 (/proc/sys/net/ipv6 missing)"
		return 1
	fi
	if ! command -v "$LAB_IP6T_RESTORE" >/dev/null 2>&1; then
		LAB_NO_IPV6="no $LAB_IP6T_RESTORE (the IPv6 firewall)"
		return 1
	fi
	local ns="nl${LAB_RUN}-v6probe"
	ip netns add "$ns" 2>/dev/null || { LAB_NO_IPV6="cannot make a namespace to probe IPv6"; return 1; }
	if ! ip netns exec "$ns" sh -c 'echo 0 > /proc/sys/net/ipv6/conf/all/disable_ipv6' 2>/dev/null ||
		! printf '*filter\n-A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\nCOMMIT\n' |
		ip netns exec "$ns" "$LAB_IP6T_RESTORE" -w 2>/dev/null; then
		ip netns del "$ns" 2>/dev/null
		LAB_NO_IPV6="IPv6 or ip6tables conntrack does not work in a network namespace here"
		return 1
	fi
	ip netns del "$ns" 2>/dev/null
	return 0
}

# IPv6 in a namespace (sites added with --ipv6, and the core): static addresses only (no router
# advertisements, no autoconfiguration), no duplicate address detection (addresses work at once),
# forwarding on (only routers have more than one interface).
_lab_ipv6_on() { # ns
	ip netns exec "$1" sh -c 'for c in all default; do
		echo 0 > /proc/sys/net/ipv6/conf/$c/disable_ipv6
		echo 0 > /proc/sys/net/ipv6/conf/$c/accept_dad
		echo 0 > /proc/sys/net/ipv6/conf/$c/dad_transmits
		echo 0 > /proc/sys/net/ipv6/conf/$c/accept_ra
		echo 0 > /proc/sys/net/ipv6/conf/$c/autoconf
		echo 1 > /proc/sys/net/ipv6/conf/$c/forwarding
	done
	echo 0 > /proc/sys/net/ipv6/icmp/ratelimit 2>/dev/null; true' ||
		_lab_die "cannot switch IPv6 on in $1"
}
# IPv6 plan (sites added with --ipv6): router-to-router link n is 2001:db8:ff:<n>::/64 (upper
# side ::1); site k owns 2001:db8:<k>::/48: its edge link (isp1 ::1, site ::2) is
# 2001:db8:<k>:ffff::/64, a router's LAN 2001:db8:<k>:1::/64 (router ::1, hosts ::2, ::3, ...).
# carrier-grade: the carrier router's LAN is 2001:db8:<k>:2::/64 (carrier ::1, home router ::2),
# the home router's LAN 2001:db8:<k>:1::/64 as above.
_lab_linkaddr6() { printf '2001:db8:ff:%x::%d' "$1" "$2"; }
_lab_site6() { printf '2001:db8:%x' "$1"; }
declare -gA _LAB_UP6=()     # "label-ispj" -> that ISP router's uplink IPv6 address
declare -gA _LAB_IP6=()     # host -> its IPv6 address (sites with --ipv6 only)
declare -gA _LAB_RLAN6=()   # router node -> its LAN's /64 prefix ("2001:db8:k:1")
declare -gA _LAB_SITEV6=()  # site number -> 1 when it has IPv6
_LAB_CORE6=0
_lab_core_ipv6() {
	[ $_LAB_CORE6 = 1 ] && return 0
	_lab_ipv6_on "${_LAB_NS[core]}"
	_LAB_CORE6=1
}
# ip6tables of a home router: no translation, FORWARD answers only (ESTABLISHED,RELATED: conntrack
# lets in only replies from exactly the remote address and port a flow was sent to, so filtering is
# address-and-port-dependent), the LAN may send anything out, and UDP/TCP to the router from the
# WAN is dropped (silent, as the IPv4 side).
_lab_fw6_rules() { # ns wan lan
	printf '%s\n' "*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i $2 -p udp -j DROP
-A INPUT -i $2 -p tcp -j DROP
-A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
-A FORWARD -i $3 -o $3 -j ACCEPT
-A FORWARD -i $3 -o $2 -j ACCEPT
COMMIT" | ip netns exec "$1" "$LAB_IP6T_RESTORE" -w || _lab_die "ip6tables-restore failed in $1"
}

# Router settings: forwarding, no reverse-path filter, no ICMP rate limit (so every hop of a
# trace answers), UDP conntrack timeouts = LAB_CT_TIMEOUT.  strict=1: the conntrack sysctls must exist.
_lab_router_sysctls() { # ns strict
	local ns=$1 strict=${2:-0} t=$LAB_CT_TIMEOUT
	_lab ip netns exec "$ns" sh -c "
		echo 1 > /proc/sys/net/ipv4/ip_forward
		echo 0 > /proc/sys/net/ipv4/conf/all/rp_filter
		echo 0 > /proc/sys/net/ipv4/conf/default/rp_filter
		echo 0 > /proc/sys/net/ipv4/icmp_ratelimit
		echo 100000 > /proc/sys/net/ipv4/icmp_msgs_per_sec 2>/dev/null
		echo 1000 > /proc/sys/net/ipv4/icmp_msgs_burst 2>/dev/null
		true"
	if ip netns exec "$ns" sh -c "echo $t > /proc/sys/net/netfilter/nf_conntrack_udp_timeout &&
		echo $t > /proc/sys/net/netfilter/nf_conntrack_udp_timeout_stream" 2>/dev/null; then
		return 0
	fi
	[ "$strict" = 1 ] && _lab_die "cannot set nf_conntrack_udp_timeout in $ns"
	return 0
}

# veth between two namespaces, created directly inside them (names never collide in the root ns).
_lab_veth() { # nsA ifA nsB ifB
	_lab ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
	_lab ip -n "$1" link set "$2" up
	_lab ip -n "$3" link set "$4" up
}

_lab_check_name() {
	[[ "$1" =~ ^[A-Za-z][A-Za-z0-9_]{0,23}$ ]] || _lab_die "bad node name '$1' (letters, digits, _; max 24)"
	[ -z "${_LAB_NS[$1]:-}" ] || _lab_die "node '$1' exists already"
	[ "$_LAB_UP" = 1 ] || _lab_die "call lab_up first"
}

lab_up() {
	[ "$_LAB_UP" = 1 ] && return 0
	[ "$(id -u)" = 0 ] || _lab_skip "netlab needs root (network namespaces, iptables); run the test as root"
	_lab_need ip iproute2
	_lab_need iptables iptables
	_lab_need ipset ipset
	_lab_need conntrack conntrack
	command -v modprobe >/dev/null 2>&1 && modprobe -q nf_conntrack 2>/dev/null
	local try=0
	while :; do
		LAB_RUN=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n' | cut -c1-5)
		[ -e "/run/netns/nl${LAB_RUN}-core" ] || break
		try=$((try + 1))
		[ $try -lt 20 ] || _lab_die "cannot pick a free run ID"
	done
	if ! ip netns add "nl${LAB_RUN}-core" 2>/dev/null || ! ip netns exec "nl${LAB_RUN}-core" true 2>/dev/null; then
		ip netns del "nl${LAB_RUN}-core" 2>/dev/null
		_lab_skip "'ip netns' does not work here (no CAP_SYS_ADMIN / no netns support)"
	fi
	_LAB_UP=1
	_LAB_NSLIST+=("nl${LAB_RUN}-core")
	_LAB_NS[core]="nl${LAB_RUN}-core"
	trap 'lab_down' EXIT
	trap 'lab_down; exit 130' INT
	trap 'lab_down; exit 143' TERM
	_lab ip -n "${_LAB_NS[core]}" link set lo up
	_lab_router_sysctls "${_LAB_NS[core]}"
	# iptables: default (nf_tables) backend; fall back to iptables-legacy when it cannot do nat here.
	local probe="*nat
:POSTROUTING ACCEPT [0:0]
-A POSTROUTING -o lo -p udp -j SNAT --to-source 192.0.2.1:1024-65535 --random-fully
COMMIT
"
	local c
	for c in iptables iptables-legacy; do
		command -v "$c-restore" >/dev/null 2>&1 || continue
		if printf '%s' "$probe" | ip netns exec "${_LAB_NS[core]}" "$c-restore" 2>/dev/null; then
			LAB_IPT=$c
			LAB_IPT_RESTORE=$c-restore
			# the same backend for IPv6 (ip6tables, ip6tables-legacy)
			LAB_IP6T_RESTORE=ip6${c#ip}-restore
			break
		fi
	done
	[ -n "$LAB_IPT" ] || _lab_skip "iptables cannot do NAT in a network namespace here"
	# flush the probe (the core router does no NAT)
	ip netns exec "${_LAB_NS[core]}" "$LAB_IPT" -w -t nat -F 2>/dev/null || true
	_lab_router_sysctls "${_LAB_NS[core]}"
	_lab_log "up: run ID $LAB_RUN, namespaces nl${LAB_RUN}-*, iptables backend $LAB_IPT"
}

lab_down() {
	[ "$_LAB_UP" = 1 ] || return 0
	_LAB_UP=0
	trap - EXIT INT TERM
	local ns pids i
	# Processes inside our namespaces were started by the test: end them by PID.
	for ns in "${_LAB_NSLIST[@]}"; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -n "$pids" ] && kill $pids 2>/dev/null || true
	done
	for i in 1 2 3 4 5 6 7 8 9 10; do
		pids=""
		for ns in "${_LAB_NSLIST[@]}"; do pids="$pids$(ip netns pids "$ns" 2>/dev/null)"; done
		[ -z "$pids" ] && break
		sleep 0.1
	done
	for ns in "${_LAB_NSLIST[@]}"; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -n "$pids" ] && kill -KILL $pids 2>/dev/null || true
	done
	# Deleting a namespace destroys its veths (and so the peers in the neighbouring namespace).
	for ((i = ${#_LAB_NSLIST[@]} - 1; i >= 0; i--)); do
		ip netns del "${_LAB_NSLIST[$i]}" 2>/dev/null
	done
	_LAB_NSLIST=()
	[ -n "$_LAB_ON_DOWN" ] && eval "$_LAB_ON_DOWN"
	[ "$LAB_VERBOSE" = 1 ] && _lab_log "down"
	return 0
}

# Register extra clean-up (a shell command string) for lab_down, e.g. removing a temp dir.
# lab_up owns the EXIT/INT/TERM traps; use this instead of setting your own.
lab_on_down() { _LAB_ON_DOWN="${_LAB_ON_DOWN:+$_LAB_ON_DOWN; }$*"; }
_LAB_ON_DOWN=""

# Build the ISP chain of a new site:  core -- ispN -- ... -- isp1 -- (edge device).
# The edge is attached with lab_site_edge.  Sets _LAB_CUR_SITE.  v6=1: IPv6 as well.
_lab_site_chain() { # label [v6]
	local label=$1 v6=${2:-0} k n j ns upns upif a b N=$LAB_ISP_HOPS
	k=$((++_LAB_SITES))
	_LAB_CUR_SITE=$k
	_LAB_SITEV6[$k]=$v6
	[ "$v6" = 1 ] && _lab_core_ipv6
	upns=${_LAB_NS[core]}
	upif="s$k-$LAB_RUN"
	for ((j = N; j >= 1; j--)); do
		_lab_ns_new "$label-isp$j" "$v6"
		ns=$_LAB_NEWNS
		_LAB_NS[$label-isp$j]=$ns
		n=$((++_LAB_LINKS))
		a=$(_lab_linkaddr $n 1)
		b=$(_lab_linkaddr $n 2)
		_lab_veth "$upns" "$upif" "$ns" "up-$LAB_RUN"
		_lab ip -n "$upns" addr add "$a/30" dev "$upif"
		_lab ip -n "$ns" addr add "$b/30" dev "up-$LAB_RUN"
		_lab ip -n "$ns" route add default via "$a"
		if [ "$v6" = 1 ]; then
			_lab ip -n "$upns" -6 addr add "$(_lab_linkaddr6 $n 1)/64" dev "$upif" nodad
			_lab ip -n "$ns" -6 addr add "$(_lab_linkaddr6 $n 2)/64" dev "up-$LAB_RUN" nodad
			_lab ip -n "$ns" -6 route add default via "$(_lab_linkaddr6 $n 1)"
			_LAB_UP6[$label-isp$j]=$(_lab_linkaddr6 $n 2)
		fi
		_LAB_HOP[$k,$((j + 1))]=$a   # hop above j faces the site with address a
		_lab_router_sysctls "$ns"
		upns=$ns
		upif="dn-$LAB_RUN"
	done
	unset "_LAB_HOP[$k,$((N + 1))]"   # that is the core; recorded separately
	_LAB_HOP[$k,core]=$(_lab_linkaddr $((_LAB_LINKS - N + 1)) 1)
}

# Attach the edge device (public host or NAT/plain router) of site k to isp1 with a point-to-point
# link: isp1 side gets a 198.18 link address L, the edge gets its public address P (peer L).
_lab_site_edge() { # k label edge-ns edge-if public-address
	local k=$1 label=$2 ens=$3 eif=$4 P=$5 n L isp1
	isp1=${_LAB_NS[$label-isp1]}
	n=$((++_LAB_LINKS))
	L=$(_lab_linkaddr $n 1)
	_lab_veth "$isp1" "dn-$LAB_RUN" "$ens" "$eif"
	_lab ip -n "$isp1" addr add "$L/32" peer "$P/32" dev "dn-$LAB_RUN"
	_lab ip -n "$ens" addr add "$P/32" peer "$L/32" dev "$eif"
	_lab ip -n "$ens" route add default via "$L"
	_LAB_HOP[$k,1]=$L
	_LAB_SITE_P[$k]=$P
	if [ "${_LAB_SITEV6[$k]}" = 1 ]; then
		_lab ip -n "$isp1" -6 addr add "$(_lab_site6 "$k"):ffff::1/64" dev "dn-$LAB_RUN" nodad
		_lab ip -n "$ens" -6 addr add "$(_lab_site6 "$k"):ffff::2/64" dev "$eif" nodad
		_lab ip -n "$ens" -6 route add default via "$(_lab_site6 "$k"):ffff::1"
		_lab_site_route6 "$k" "$label"
	fi
}

# Route site k's IPv6 /48 down its chain to the edge device.
_lab_site_route6() { # k label
	local k=$1 label=$2 j N=$LAB_ISP_HOPS prefix
	prefix="$(_lab_site6 "$k")::/48"
	_lab ip -n "${_LAB_NS[$label-isp1]}" -6 route add "$prefix" via "$(_lab_site6 "$k"):ffff::2"
	for ((j = 2; j <= N; j++)); do
		_lab ip -n "${_LAB_NS[$label-isp$j]}" -6 route add "$prefix" via "${_LAB_UP6[$label-isp$((j - 1))]}"
	done
	_lab ip -n "${_LAB_NS[core]}" -6 route add "$prefix" via "${_LAB_UP6[$label-isp$N]}"
}
declare -gA _LAB_SITE_P=()

# Route an extra prefix of site k (e.g. a public LAN behind a plain router) down its chain.
_lab_site_route() { # k label prefix
	local k=$1 label=$2 prefix=$3 j N=$LAB_ISP_HOPS
	# isp1 reaches P itself through the point-to-point peer route
	[ "$prefix" = "${_LAB_SITE_P[$k]}/32" ] ||
		_lab ip -n "${_LAB_NS[$label-isp1]}" route add "$prefix" via "${_LAB_SITE_P[$k]}" dev "dn-$LAB_RUN"
	for ((j = 2; j <= N; j++)); do
		_lab ip -n "${_LAB_NS[$label-isp$j]}" route add "$prefix" via "$(_lab_upaddr "$label" $((j - 1)))"
	done
	_lab ip -n "${_LAB_NS[core]}" route add "$prefix" via "$(_lab_upaddr "$label" "$N")"
}
_lab_upaddr() { # label j -> the address of isp j on its uplink
	ip -n "${_LAB_NS[$1-isp$2]}" -4 -o addr show dev "up-$LAB_RUN" | awk '{sub("/.*","",$4); print $4; exit}'
}

lab_add_public_host() { # NAME [--ipv6]
	local name=$1 k P ns v6=0
	[ "${2:-}" = --ipv6 ] && v6=1
	_lab_check_name "$name"
	_lab_site_chain "$name" $v6
	k=$_LAB_CUR_SITE
	P="203.0.113.$((10 + k))"
	[ $k -le 240 ] || _lab_die "too many sites"
	_lab_ns_new "$name" $v6
	ns=$_LAB_NEWNS
	_LAB_NS[$name]=$ns
	_lab_site_edge "$k" "$name" "$ns" "eth-$LAB_RUN" "$P"
	_lab_site_route "$k" "$name" "$P/32"
	_LAB_IP[$name]=$P
	_LAB_PUB[$name]=$P
	[ $v6 = 1 ] && _LAB_IP6[$name]="$(_lab_site6 "$k"):ffff::2"
	_LAB_KIND[$name]=public-host
	_LAB_NAT[$name]=""
	_LAB_DEPTH[$name]=0
	_LAB_SITE[$name]=$k
	_LAB_HOSTS+=("$name")
}

# iptables of a NAT router.  wan/lan: interfaces; P: the address it SNATs to (explicitly, never
# MASQUERADE); kind: full-cone address-restricted port-restricted symmetric.
_lab_nat_rules() { # ns kind wan lan P
	local ns=$1 kind=$2 wan=$3 lan=$4 P=$5 snat
	if [ "$kind" = symmetric ]; then
		snat="-A POSTROUTING -o $wan -p udp -j SNAT --to-source $P:1024-65535 --random-fully
-A POSTROUTING -o $wan -p tcp -j SNAT --to-source $P:1024-65535 --random-fully
-A POSTROUTING -o $wan -j SNAT --to-source $P"
	else
		# Linux SNAT keeps the source port when it is free: endpoint-independent mapping.
		snat="-A POSTROUTING -o $wan -j SNAT --to-source $P"
	fi
	printf '%s\n' "*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
$snat
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i $wan -p udp -j DROP
-A INPUT -i $wan -p tcp -j DROP
-A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
-A FORWARD -i $lan -o $lan -j ACCEPT
-A FORWARD -i $lan -o $wan -j ACCEPT
-A FORWARD -i $wan -o $lan -m conntrack --ctstate DNAT -j ACCEPT
COMMIT" | ip netns exec "$ns" "$LAB_IPT_RESTORE" -w || _lab_die "iptables-restore failed in $ns"
}

# Per-internal-host filtering state of the cone NATs (ipset per host, timeout = LAB_CT_TIMEOUT).
_lab_nat_host_rules() { # router-node host-ip index
	local r=$1 H=$2 i=$3 ns kind P ipt set
	ns=${_LAB_NS[$r]}
	kind=${_LAB_RKIND[$r]}
	P=$(echo "${_LAB_RLAN[$r]}" | awk '{print $3}')
	ipt="ip netns exec $ns $LAB_IPT -w"
	case $kind in
	full-cone)
		# Mapping H:port <-> P:port exists while H sends from port (refreshed by every outbound
		# packet).  Anyone may then reach P:port: DNAT it to H:port.
		set=lab_fc_$i
		_lab ip netns exec "$ns" ipset create "$set" bitmap:port range 0-65535 timeout "$LAB_CT_TIMEOUT"
		_lab $ipt -I FORWARD 1 -i "br-$LAB_RUN" -o "wan-$LAB_RUN" -s "$H" -p udp -j SET --add-set "$set" src --exist
		_lab $ipt -t nat -A PREROUTING -i "wan-$LAB_RUN" -d "$P" -p udp -m set --match-set "$set" dst -j DNAT --to-destination "$H"
		if [ "${_LAB_HAIRPIN[$r]:-0}" = 1 ]; then
			# Hairpinning: from the LAN to P:port too, with the sender's address made P (so that
			# the answer comes back through the router, mapped).
			_lab $ipt -t nat -A PREROUTING -i "br-$LAB_RUN" -d "$P" -p udp -m set --match-set "$set" dst -j DNAT --to-destination "$H"
			_lab $ipt -t nat -A POSTROUTING -o "br-$LAB_RUN" -d "$H" -p udp -m conntrack --ctstate DNAT -j SNAT --to-source "$P"
		fi
		;;
	address-restricted)
		# (remote IP, mapped port) pairs H has sent to: only those remote IPs (any of their ports)
		# may reach P:port.
		set=lab_ar_$i
		_lab ip netns exec "$ns" ipset create "$set" hash:ip,port timeout "$LAB_CT_TIMEOUT"
		_lab $ipt -I FORWARD 1 -i "br-$LAB_RUN" -o "wan-$LAB_RUN" -s "$H" -p udp -j SET --add-set "$set" dst,src --exist
		_lab $ipt -t nat -A PREROUTING -i "wan-$LAB_RUN" -d "$P" -p udp -m set --match-set "$set" src,dst -j DNAT --to-destination "$H"
		;;
	esac
}

# A router with a LAN bridge br-RUN.  kind public: no NAT, no filter.  v6=1: IPv6 on its LAN too
# (2001:db8:<site>:<subnet>::/64, subnet 1 unless given), with a stateful firewall unless the kind
# is public; v6=routed: IPv6 routed without filter whatever the kind (the carrier of carrier-grade,
# which translates only IPv4).
_lab_router_new() { # node kind lan-cidr [v6] [subnet]
	local node=$1 kind=$2 cidr=$3 v6=${4:-0} subnet=${5:-1} ns
	if [ "$v6" = 0 ]; then _lab_ns_new "$node" 0; else _lab_ns_new "$node" 1; fi
	ns=$_LAB_NEWNS
	_LAB_NS[$node]=$ns
	_LAB_RKIND[$node]=$kind
	_lab ip -n "$ns" link add "br-$LAB_RUN" type bridge
	_lab ip -n "$ns" link set "br-$LAB_RUN" up
	_lab ip -n "$ns" addr add "$cidr" dev "br-$LAB_RUN"
	if [ "$v6" != 0 ]; then
		_LAB_RLAN6[$node]="$(_lab_site6 "$_LAB_CUR_SITE"):$subnet"
		_lab ip -n "$ns" -6 addr add "${_LAB_RLAN6[$node]}::1/64" dev "br-$LAB_RUN" nodad
		[ "$kind" = public ] || [ "$v6" = routed ] || _lab_fw6_rules "$ns" "wan-$LAB_RUN" "br-$LAB_RUN"
	fi
}

# Plug a new node into the LAN bridge of router r; sets _LAB_NEWADDR to its address.
_lab_lan_attach() { # router-node node-ns node-if
	local r=$1 hns=$2 hif=$3 rns prefix idx wanP port
	rns=${_LAB_NS[$r]}
	read -r prefix idx wanP <<<"${_LAB_RLAN[$r]}"
	idx=$((idx + 1))
	_LAB_RLAN[$r]="$prefix $idx $wanP"
	port="p$idx-$LAB_RUN"
	_lab_veth "$rns" "$port" "$hns" "$hif"
	_lab ip -n "$rns" link set "$port" master "br-$LAB_RUN"
	# the router is base+1, attached nodes base+2, base+3, ...
	_LAB_NEWADDR="${prefix%.*}.$((${prefix##*.} + idx))"
	_lab ip -n "$hns" addr add "$_LAB_NEWADDR/${_LAB_RLEN[$r]}" dev "$hif"
	_lab ip -n "$hns" route add default via "${prefix%.*}.$((${prefix##*.} + 1))"
	_LAB_NEWADDR6=""
	if [ -n "${_LAB_RLAN6[$r]:-}" ]; then
		_LAB_NEWADDR6="${_LAB_RLAN6[$r]}::$(printf '%x' "$idx")"
		_lab ip -n "$hns" -6 addr add "$_LAB_NEWADDR6/64" dev "$hif" nodad
		_lab ip -n "$hns" -6 route add default via "${_LAB_RLAN6[$r]}::1"
	fi
}
declare -gA _LAB_RLEN=()

declare -gA _LAB_HAIRPIN=()
# lab_add_nat_host NAME KIND [--behind HOST] [--hairpin] [--public-ip ADDR] [--ipv6]
# --hairpin (full-cone only): the NAT also forwards what its LAN sends to its public address
# (hairpinning, RFC 4787 REQ-9); without it, as on many real NATs, such packets are dropped.
# --public-ip (not carrier-grade): the NAT's public address, instead of 198.51.100.(10+k); for
# software that refuses documentation ranges as its WAN address (miniupnpd: portmap-lab.sh).
# --ipv6: the site has IPv6 as well: the router routes the LAN's /64, and (all kinds but public)
# filters it with a stateful firewall, no translation: the usual home router, IPv4 NATed and IPv6
# firewalled. carrier-grade: the carrier (NAME-cgn) routes IPv6 untranslated and unfiltered, as
# mobile networks and CGN ISPs with native IPv6 do, and the home router (NAME-nat) firewalls it;
# IPv4 still goes through both NATs. With --behind, the host has IPv6 when HOST's site does.
lab_add_nat_host() {
	local name=$1 kind=$2 behind="" r k P ns rns hns lanbase hairpin=0 public_ip="" v6=0
	shift 2 || _lab_die "usage: lab_add_nat_host NAME KIND [--behind HOST] [--hairpin] [--public-ip ADDR] [--ipv6]"
	while [ $# -gt 0 ]; do
		case $1 in
		--hairpin) hairpin=1; shift ;;
		--public-ip) public_ip=$2; shift 2 ;;
		--ipv6) v6=1; shift ;;
		--behind) behind=$2; shift 2 ;;
		*) _lab_die "lab_add_nat_host: unknown option $1" ;;
		esac
	done
	_lab_check_name "$name"
	if [ -n "$behind" ]; then
		r=${_LAB_NAT[$behind]:-}
		[ -n "$r" ] || _lab_die "--behind $behind: not a host behind a router"
		[ "$kind" = same ] || [ "$kind" = "${_LAB_KIND[$behind]}" ] ||
			_lab_die "--behind $behind: kind must be 'same' or ${_LAB_KIND[$behind]}"
		kind=${_LAB_KIND[$behind]}
		_LAB_NS[$name-nat]=${_LAB_NS[$r]}
		[ "$kind" = carrier-grade ] && _LAB_NS[$name-cgn]=${_LAB_NS[$behind-cgn]}
		local j
		for ((j = 1; j <= LAB_ISP_HOPS; j++)); do _LAB_NS[$name-isp$j]=${_LAB_NS[$behind-isp$j]}; done
		k=${_LAB_SITE[$behind]}
		P=${_LAB_PUB[$behind]}
	else
		case " $LAB_KINDS " in *" $kind "*) ;; *) _lab_die "unknown NAT kind '$kind' (one of: $LAB_KINDS)" ;; esac
		_lab_site_chain "$name" $v6
		k=$_LAB_CUR_SITE
		[ $k -le 240 ] || _lab_die "too many sites"
		P="198.51.100.$((10 + k))"
		if [ -n "$public_ip" ]; then
			case $kind in public | carrier-grade) _lab_die "--public-ip: not for kind $kind" ;; esac
			P=$public_ip
		fi
		r="$name-nat"
		case $kind in
		public)
			# Plain router, no NAT, no filter; its LAN is a public /28 of 192.0.2.0/24.
			_LAB_PUBLAN=$((${_LAB_PUBLAN:-0} + 1))
			[ $_LAB_PUBLAN -le 15 ] || _lab_die "too many public-kind routers (max 15)"
			lanbase="192.0.2.$((16 * _LAB_PUBLAN))"
			_lab_router_new "$r" public "$(echo "$lanbase" | awk -F. '{print $1"."$2"."$3"."$4+1}')/28" $v6
			_LAB_RLAN[$r]="$lanbase 1 $P"
			_LAB_RLEN[$r]=28
			_lab_site_edge "$k" "$name" "${_LAB_NS[$r]}" "wan-$LAB_RUN" "$P"
			_lab_site_route "$k" "$name" "$P/32"
			_lab_site_route "$k" "$name" "$lanbase/28"
			_lab_router_sysctls "${_LAB_NS[$r]}"
			;;
		carrier-grade)
			# Carrier NAT (port-restricted, 100.64.k.0/24 inside, public P outside) ...
			local c="$name-cgn" cv6=0
			[ $v6 = 1 ] && cv6=routed
			_lab_router_new "$c" port-restricted "100.64.$k.1/24" $cv6 2
			_LAB_RLAN[$c]="100.64.$k.0 1 $P"
			_LAB_RLEN[$c]=24
			_lab_site_edge "$k" "$name" "${_LAB_NS[$c]}" "wan-$LAB_RUN" "$P"
			_lab_site_route "$k" "$name" "$P/32"
			_lab_nat_rules "${_LAB_NS[$c]}" port-restricted "wan-$LAB_RUN" "br-$LAB_RUN" "$P"
			_lab_router_sysctls "${_LAB_NS[$c]}" 1
			# ... then the home router (port-restricted, 10.k.0.0/24 inside, 100.64.k.x outside).
			_lab_ns_new "$r" $v6
			_LAB_NS[$r]=$_LAB_NEWNS
			_lab_lan_attach "$c" "${_LAB_NS[$r]}" "wan-$LAB_RUN"
			local homeP=$_LAB_NEWADDR
			_lab ip -n "${_LAB_NS[$r]}" link add "br-$LAB_RUN" type bridge
			_lab ip -n "${_LAB_NS[$r]}" link set "br-$LAB_RUN" up
			_lab ip -n "${_LAB_NS[$r]}" addr add "10.$k.0.1/24" dev "br-$LAB_RUN"
			if [ $v6 = 1 ]; then
				# IPv6: the home router's LAN is routed by the carrier to the home router's
				# address on the carrier LAN, and firewalled here like the other kinds'.
				_LAB_RLAN6[$r]="$(_lab_site6 "$k"):1"
				_lab ip -n "${_LAB_NS[$r]}" -6 addr add "${_LAB_RLAN6[$r]}::1/64" dev "br-$LAB_RUN" nodad
				_lab ip -n "${_LAB_NS[$c]}" -6 route add "${_LAB_RLAN6[$r]}::/64" via "$_LAB_NEWADDR6"
				_lab_fw6_rules "${_LAB_NS[$r]}" "wan-$LAB_RUN" "br-$LAB_RUN"
			fi
			_LAB_RKIND[$r]=port-restricted
			_LAB_RLAN[$r]="10.$k.0.0 1 $homeP"
			_LAB_RLEN[$r]=24
			_lab_nat_rules "${_LAB_NS[$r]}" port-restricted "wan-$LAB_RUN" "br-$LAB_RUN" "$homeP"
			_lab_router_sysctls "${_LAB_NS[$r]}" 1
			_LAB_RKIND[$r]=carrier-grade-home
			;;
		*)
			_lab_router_new "$r" "$kind" "10.$k.0.1/24" $v6
			if [ $hairpin = 1 ]; then
				[ "$kind" = full-cone ] || _lab_die "--hairpin: full-cone NATs only"
				_LAB_HAIRPIN[$r]=1
				_lab ip netns exec "${_LAB_NS[$r]}" $LAB_IPT -w -I FORWARD 1 -i "br-$LAB_RUN" \
					-o "br-$LAB_RUN" -m conntrack --ctstate DNAT -j ACCEPT
			fi
			_LAB_RLAN[$r]="10.$k.0.0 1 $P"
			_LAB_RLEN[$r]=24
			_lab_site_edge "$k" "$name" "${_LAB_NS[$r]}" "wan-$LAB_RUN" "$P"
			_lab_site_route "$k" "$name" "$P/32"
			_lab_nat_rules "${_LAB_NS[$r]}" "$kind" "wan-$LAB_RUN" "br-$LAB_RUN" "$P"
			_lab_router_sysctls "${_LAB_NS[$r]}" 1
			;;
		esac
		# ISP routers of this site: conntrack sysctls too (module is loaded by now).
		local j
		for ((j = 1; j <= LAB_ISP_HOPS; j++)); do _lab_router_sysctls "${_LAB_NS[$name-isp$j]}"; done
		_lab_router_sysctls "${_LAB_NS[core]}"
	fi
	[ -n "${_LAB_RLAN6[$r]:-}" ] && v6=1
	_lab_ns_new "$name" $v6
	hns=$_LAB_NEWNS
	_LAB_NS[$name]=$hns
	_lab_lan_attach "$r" "$hns" "eth-$LAB_RUN"
	_LAB_IP[$name]=$_LAB_NEWADDR
	[ -n "$_LAB_NEWADDR6" ] && _LAB_IP6[$name]=$_LAB_NEWADDR6
	if [ "$kind" = public ]; then _LAB_PUB[$name]=$_LAB_NEWADDR; else _LAB_PUB[$name]=$P; fi
	_LAB_KIND[$name]=$kind
	_LAB_NAT[$name]=$r
	_LAB_SITE[$name]=$k
	if [ "$kind" = carrier-grade ]; then _LAB_DEPTH[$name]=2; else _LAB_DEPTH[$name]=1; fi
	local idx
	idx=$(echo "${_LAB_RLAN[$r]}" | awk '{print $2}')
	_lab_nat_host_rules "$r" "$_LAB_NEWADDR" "$idx"
	_LAB_HOSTS+=("$name")
}

# lab_move_host HOST OTHER -- HOST leaves its LAN and joins OTHER's (behind OTHER's NAT), as a
# laptop moving to another Wi-Fi: its interface goes away, a new one (same name) comes up on the
# other LAN with the next free address there and a default route to that router.  Processes in HOST
# keep running.  HOST must be behind a router; OTHER too.
lab_move_host() {
	local name=$1 other=$2 r hns idx
	r=${_LAB_NAT[$other]:-}
	[ -n "$r" ] && [ -n "${_LAB_NAT[$name]:-}" ] || _lab_die "lab_move_host: $name and $other must be behind routers"
	hns=${_LAB_NS[$name]}
	_lab ip -n "$hns" link del "eth-$LAB_RUN"
	_lab_lan_attach "$r" "$hns" "eth-$LAB_RUN"
	_LAB_IP[$name]=$_LAB_NEWADDR
	if [ -n "$_LAB_NEWADDR6" ]; then _LAB_IP6[$name]=$_LAB_NEWADDR6; else unset "_LAB_IP6[$name]"; fi
	_LAB_PUB[$name]=${_LAB_PUB[$other]}
	_LAB_KIND[$name]=${_LAB_KIND[$other]}
	_LAB_NAT[$name]=$r
	_LAB_SITE[$name]=${_LAB_SITE[$other]}
	_LAB_DEPTH[$name]=${_LAB_DEPTH[$other]}
	idx=$(echo "${_LAB_RLAN[$r]}" | awk '{print $2}')
	_lab_nat_host_rules "$r" "$_LAB_NEWADDR" "$idx"
}

# ---- queries --------------------------------------------------------------------------------

# The standard site list the tests share: two public hosts (pub1, pub2) and one host behind every
# NAT kind, plus a second host behind h_pr's NAT. Sets LAB_EVERY_KIND to the NATed hosts' names.
lab_add_every_kind() {
	lab_add_public_host pub1
	lab_add_public_host pub2
	LAB_EVERY_KIND="h_pub h_fc h_ar h_pr h_sym h_cgn h_pr2"
	lab_add_nat_host h_pub public
	lab_add_nat_host h_fc full-cone
	lab_add_nat_host h_ar address-restricted
	lab_add_nat_host h_pr port-restricted
	lab_add_nat_host h_sym symmetric
	lab_add_nat_host h_cgn carrier-grade
	lab_add_nat_host h_pr2 same --behind h_pr
}

lab_ns() { # NODE -> namespace name
	[ -n "${_LAB_NS[$1]:-}" ] || { echo "lab: no node '$1'" >&2; return 1; }
	echo "${_LAB_NS[$1]}"
}
# Run a command inside a node's namespace (hosts: NAME; routers: NAME-nat, NAME-cgn, NAME-ispJ, core).
lab_exec() {
	local ns
	ns=$(lab_ns "$1") || return 1
	shift
	ip netns exec "$ns" "$@"
}
lab_ip() { [ -n "${_LAB_IP[$1]:-}" ] || { echo "lab: no host '$1'" >&2; return 1; }; echo "${_LAB_IP[$1]}"; }
# The host's IPv6 address (global, 2001:db8:...; sites added with --ipv6 only).
lab_ip6() { [ -n "${_LAB_IP6[$1]:-}" ] || { echo "lab: host '$1' has no IPv6" >&2; return 1; }; echo "${_LAB_IP6[$1]}"; }
lab_public_ip() { [ -n "${_LAB_PUB[$1]:-}" ] || { echo "lab: no host '$1'" >&2; return 1; }; echo "${_LAB_PUB[$1]}"; }
lab_kind() { echo "${_LAB_KIND[$1]}"; }
# Routers between the host and the first ISP router (0 public host, 1 NAT or plain router, 2 carrier-grade).
lab_nat_depth() { echo "${_LAB_DEPTH[$1]}"; }
# Address (facing the site) of ISP router J of HOST's chain; J=1 is the one next to the NAT.
lab_isp_ip() { echo "${_LAB_HOP[${_LAB_SITE[$1]},$2]}"; }
# Namespace-local interface name of a host's only interface.
lab_ifname() { echo "eth-$LAB_RUN"; }
lab_hosts() { echo "${_LAB_HOSTS[@]}"; }
# Router nodes on HOST's way out (innermost first), for lab_exec.
lab_routers() {
	local h=$1 j out=""
	case ${_LAB_KIND[$h]} in
	public-host) ;;
	carrier-grade) out="$h-nat $h-cgn" ;;
	*) out="$h-nat" ;;
	esac
	for ((j = 1; j <= LAB_ISP_HOPS; j++)); do out="$out $h-isp$j"; done
	echo $out core
}
# Every router node name (for checks such as the conntrack timeouts).
lab_all_router_namespaces() {
	local node
	for node in "${!_LAB_NS[@]}"; do
		case $node in *-nat | *-cgn | *-isp[0-9]* | core) echo "${_LAB_NS[$node]}" ;; esac
	done | sort -u
}
