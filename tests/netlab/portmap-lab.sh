# shellcheck shell=bash
# portmap-lab.sh -- a home router that grants port mappings, for test-port-mapping.sh and the
# connect matrix.  Source it after lab.sh.
#
#   pm_start_miniupnpd HOST [PROTOCOLS]   # miniupnpd in HOST's NAT router (HOST-nat), UPnP-IGD,
#                                         # NAT-PMP and PCP (its Debian build has all three)
#   pm_start_responder HOST               # tests/netlab/portmap-responder.py there instead
#
# miniupnpd's iptables backend wants its chains made beforehand (as its iptables_init.sh does):
# MINIUPNPD in nat (jumped to from PREROUTING for the WAN) and in filter (from FORWARD), and
# MINIUPNPD-POSTROUTING in nat.  Its DNAT rules then go into nat/MINIUPNPD; the lab's FORWARD
# accepts DNATed flows already.  The lab's public addresses are documentation ranges
# (198.51.100.0/24), which miniupnpd refuses as "reserved" unless told its external address
# (ext_ip): that is what a router behind a modem is told too.

PM_LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# 0 when miniupnpd can run here (installing it when missing), 1 otherwise; never exits.
pm_have_miniupnpd() {
	[ -x /usr/sbin/miniupnpd ] || (_lab_need /usr/sbin/miniupnpd miniupnpd-iptables) >/dev/null 2>&1
	[ -x /usr/sbin/miniupnpd ] && command -v iptables-legacy >/dev/null 2>&1
}

pm_need_miniupnpd() {
	[ -x /usr/sbin/miniupnpd ] || _lab_need /usr/sbin/miniupnpd miniupnpd-iptables
	[ -x /usr/sbin/miniupnpd ] || _lab_skip "no miniupnpd (Debian miniupnpd-iptables) and it could not be installed"
	command -v iptables-legacy >/dev/null 2>&1 || _lab_skip "no iptables-legacy (miniupnpd-iptables needs the legacy tables)"
}

# The iptables chains miniupnpd fills, in router node R (WAN interface wan-RUN).  miniupnpd-iptables
# talks to the kernel through libiptc, i.e. the legacy x_tables, whatever backend the lab's own
# rules use (nf_tables here): its chains are made with iptables-legacy.  Both sets of hooks run; the
# lab's nft FORWARD accepts what legacy nat/MINIUPNPD DNATs (ctstate DNAT).
_pm_chains() { # router-node
	local ipt="ip netns exec $(lab_ns "$1") iptables-legacy -w" wan="wan-$LAB_RUN"
	_lab $ipt -t nat -N MINIUPNPD
	_lab $ipt -t nat -I PREROUTING -i "$wan" -j MINIUPNPD
	_lab $ipt -t nat -N MINIUPNPD-POSTROUTING
	_lab $ipt -t nat -I POSTROUTING -o "$wan" -j MINIUPNPD-POSTROUTING
	_lab $ipt -t filter -N MINIUPNPD
	_lab $ipt -t filter -I FORWARD -i "$wan" ! -o "$wan" -j MINIUPNPD
	# NAT-PMP/PCP and SSDP/HTTP from the LAN to the router itself (INPUT drops only the WAN's).
}

# Starts miniupnpd in HOST's NAT router; sets PM_PID and PM_LOG.  PM_MAX_LIFETIME=S: leases of S
# seconds at most (NAT-PMP, PCP), to see renewals.  The chains are made once per router.
declare -gA _PM_CHAINS=()
pm_start_miniupnpd() { # HOST
	local host=$1 r="$1-nat" conf dir
	pm_need_miniupnpd
	dir=$(mktemp -d "/tmp/netlab-$LAB_RUN-upnp.XXXXXX")
	lab_on_down "rm -rf '$dir'"
	[ -n "${_PM_CHAINS[$r]:-}" ] || _pm_chains "$r"
	_PM_CHAINS[$r]=1
	conf="$dir/miniupnpd.conf"
	cat >"$conf" <<CONF
ext_ifname=wan-$LAB_RUN
ext_ip=$(lab_public_ip "$host")
listening_ip=br-$LAB_RUN
http_port=0
enable_natpmp=yes
enable_upnp=yes
secure_mode=yes
system_uptime=yes
notify_interval=60
clean_ruleset_interval=0
uuid=$(cat /proc/sys/kernel/random/uuid)
lease_file=$dir/leases
min_lifetime=$([ -n "${PM_MAX_LIFETIME:-}" ] && echo 2 || echo 120)
max_lifetime=${PM_MAX_LIFETIME:-86400}
allow 1024-65535 10.0.0.0/8 1024-65535
deny 0-65535 0.0.0.0/0 0-65535
CONF
	PM_LOG="$dir/miniupnpd.log"
	ip netns exec "$(lab_ns "$r")" /usr/sbin/miniupnpd -d -f "$conf" -P "$dir/pid" >"$PM_LOG" 2>&1 &
	PM_PID=$!
	lab_on_down "kill $PM_PID 2>/dev/null"
	# Ready once it listens for NAT-PMP/PCP (and has announced itself over SSDP).
	local i
	for i in $(seq 50); do
		grep -q "Listening for NAT-PMP/PCP" "$PM_LOG" 2>/dev/null && return 0
		kill -0 "$PM_PID" 2>/dev/null || break
		sleep 0.1
	done
	_lab_die "miniupnpd did not start in $r: $(head -c 1500 "$PM_LOG")"
}
