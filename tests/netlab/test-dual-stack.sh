#!/bin/bash
# test-dual-stack.sh SRP_TOOL -- dual-stack peers try both families, IPv6 first (happy eyeballs),
# and still connect directly when one family does not get through between them.
#
# Three pairs of hosts, each behind its own home router (IPv4 port-restricted NAT, IPv6 stateful
# firewall), bootstrapped over IPv4 through dual-stack bootstrap nodes: the introducer gives the
# IPv4 address it sees, and the IPv6 addresses travel in INFO / INTRODUCE. Targets listen on every
# address (one dual-stack socket).
#   both:    nothing blocked                      -> direct, over IPv6 (it starts 250 ms first)
#   no-ipv6: IPv6 dropped between the two hosts   -> direct, over IPv4 (after the head start)
#   no-ipv4: IPv4 dropped between the two hosts   -> direct, over IPv6
# (dropped in the initiator's router, both ways, for the other host's address only: the bootstrap
# nodes still reach both). Prints a table with the connect times. Exit 0 pass, 1 fail, 77 skipped.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRP_TOOL=${1:?usage: test-dual-stack.sh SRP_TOOL}
# shellcheck source=lab.sh
. "$HERE/lab.sh"
# shellcheck source=connect-lab.sh
. "$HERE/connect-lab.sh"

[ "$(id -u)" = 0 ] || _lab_skip "netlab-dual-stack needs root (network namespaces, iptables)"
lab_up
lab_need_ipv6
cl_init "$SRP_TOOL"
cl_add_bootstraps --ipv6
CASES=(both no-ipv6 no-ipv4)
WANT=(6 4 6)
for c in "${CASES[@]}"; do
	lab_add_nat_host "${c//-/}i" port-restricted --ipv6
	lab_add_nat_host "${c//-/}t" port-restricted --ipv6
done
IP6T="ip6${LAB_IPT#ip}"
block() { # CASE
	local i="${1//-/}i" t="${1//-/}t"
	case $1 in
	no-ipv6)
		lab_exec "$i-nat" "$IP6T" -w -I FORWARD 1 -d "$(lab_ip6 "$t")" -j DROP
		lab_exec "$i-nat" "$IP6T" -w -I FORWARD 1 -s "$(lab_ip6 "$t")" -j DROP
		;;
	no-ipv4)
		lab_exec "$i-nat" "$LAB_IPT" -w -I FORWARD 1 -d "$(lab_public_ip "$t")" -j DROP
		lab_exec "$i-nat" "$LAB_IPT" -w -I FORWARD 1 -s "$(lab_public_ip "$t")" -j DROP
		;;
	esac
}
for c in "${CASES[@]}"; do block "$c"; done
cl_start_bootstraps

CL_FAMILY=ds
pids=()
for k in "${!CASES[@]}"; do
	c=${CASES[$k]}
	CL_WANT_FAMILY=${WANT[$k]} cl_run_pair "$c" "${c//-/}i" "${c//-/}t" direct &
	pids+=($!)
done
wait "${pids[@]}"

FAILED=0
printf '%-8s %-8s %-8s %-44s %6s  %s\n' case expected path address ms verdict
for k in "${!CASES[@]}"; do
	c=${CASES[$k]}
	r() { cut -f"$1" "$CL_TMP/$c.res"; }
	[ "$(r 1)" = ok ] || FAILED=1
	printf '%-8s %-8s %-8s %-44s %6s  %s\n' "$c" "IPv${WANT[$k]}" "$(r 2)" "$(r 7)" "$(r 3)" \
		"$(r 1)$([ "$(r 1)" = ok ] || echo ": $(r 5)")"
done
if [ $FAILED = 0 ]; then
	echo "PASS: dual stack connects directly with either family blocked, IPv6 when both work"
	exit 0
fi
for c in "${CASES[@]}"; do
	[ "$(cut -f1 "$CL_TMP/$c.res")" = ok ] || { echo "=== $c ==="; cl_dump_pair "$c"; }
done
exit 1
