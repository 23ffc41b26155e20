#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# bench/trace_xdp.sh BPFKIT: the cost of `bpfkit trace xdp lo` on a UDP flood, in a network
# namespace the script creates (and deletes on any exit).
#
# bench/udp_flood.c (built here with cc -O2 into BPFKIT's build directory) sends 64-byte
# datagrams on the namespace's lo, flat out, for BENCH_SECONDS; lo hands each one to the
# receive path in the sender's context, so what XDP costs per packet comes off the sender's
# rate. Runs, alternating: untraced, --summary, untraced, packet lines (--json to a file),
# untraced; each traced run is compared with the mean of the untraced runs on either side.
# Goal: --summary costs at most 10% of the untraced rate.
#
# Environment: BENCH_SECONDS (3), BENCH_DIR (a temporary directory under /dev/shm).
set -u -o pipefail

BPFKIT=${1:?usage: bench/trace_xdp.sh BPFKIT}
BPFKIT=$(realpath "$BPFKIT")
SECS=${BENCH_SECONDS:-3}
HERE=$(cd "$(dirname "$0")" && pwd)

die() { echo "trace_xdp: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (XDP, network namespaces)"
command -v ip > /dev/null || die "ip (iproute2) not found"

FLOOD=$(dirname "$BPFKIT")/udp_flood
if [ ! -x "$FLOOD" ] || [ "$HERE/udp_flood.c" -nt "$FLOOD" ]; then
	${CC:-cc} -O2 -Wall -o "$FLOOD" "$HERE/udp_flood.c" || die "cannot build $FLOOD"
fi
DIR=${BENCH_DIR:-$(mktemp -d /dev/shm/bk-xdp.XXXXXX)}
NS=bkbench$$
TRACER=
cleanup() {
	[ -n "$TRACER" ] && kill -INT "$TRACER" 2>/dev/null && wait "$TRACER" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	[ -z "${BENCH_DIR:-}" ] && rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$NS" || die "cannot create a network namespace"
ip -n "$NS" link set lo up

flood() { ip netns exec "$NS" "$FLOOD" "$SECS" "${1:-v4}"; }

# traced NAME ARGS...: the flood under `bpfkit trace xdp lo ARGS`; "SENT PPS EVENTS LOST"
traced() {
	local name=$1 i
	shift
	ip netns exec "$NS" "$BPFKIT" trace xdp lo "$@" > "$DIR/$name.out" 2> "$DIR/$name.err" &
	TRACER=$!
	for ((i = 0; i < 100; i++)); do
		ip netns exec "$NS" ip link show lo | grep -q xdp && break
		sleep 0.05
	done
	local r
	r=$(flood)
	kill -INT "$TRACER"
	wait "$TRACER"
	TRACER=
	local ev lost
	read -r ev lost < <(sed -n 's/^\([0-9]*\) events, \([0-9]*\) lost$/\1 \2/p' "$DIR/$name.err")
	echo "$r ${ev:-?} ${lost:-?}"
}

PASS=$(dirname "$BPFKIT")/xdp_pass.bpf.o
if [ ! -f "$PASS" ] || [ "$HERE/xdp_pass.bpf.c" -nt "$PASS" ]; then
	${CLANG:-clang} -O2 -g -target bpf $(${CLANG:-clang} -print-file-name=include | sed 's/^/-idirafter /') \
		-idirafter /usr/include/$(uname -m)-linux-gnu -c "$HERE/xdp_pass.bpf.c" -o "$PASS" || PASS=
fi

# passonly: the flood with a pass-only XDP program in SKB mode (what any XDP program costs)
passonly() {
	ip -n "$NS" link set dev lo xdpgeneric obj "$PASS" sec xdp || { echo "? ?"; return; }
	flood
	ip -n "$NS" link set dev lo xdpgeneric off
}

row() { printf '%-14s %12s %10s %7s %12s %12s\n' "$@"; }
pct() { awk -v t="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.1f%%", 100 * t / ((a + b) / 2) }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

ROUNDS=${BENCH_ROUNDS:-3}
row run packets pps %untr events lost
for ((k = 1; k <= ROUNDS; k++)); do
	u1=$(flood); row "untraced" $u1 - - -
	if [ -n "$PASS" ]; then
		p=$(passonly); set -- $p
		row "xdp-pass-only" "$1" "$2" "$(pct "$2" "${u1#* }" "${u1#* }")" - -
		echo "pass ${2}/${u1#* }" >> "$DIR/ratios"
	fi
	s=$(traced summary --summary)
	u2=$(flood); row "untraced" $u2 - - -
	set -- $s
	row "summary" "$1" "$2" "$(pct "$2" "${u1#* }" "${u2#* }")" "$3" "$4"
	echo "summary $(awk -v t="$2" -v a="${u1#* }" -v b="${u2#* }" 'BEGIN { print t / ((a + b) / 2) }')" >> "$DIR/ratios"
	j=$(traced json --json)
	u3=$(flood); row "untraced" $u3 - - -
	set -- $j
	row "json" "$1" "$2" "$(pct "$2" "${u2#* }" "${u3#* }")" "$3" "$4"
	echo "json $(awk -v t="$2" -v a="${u2#* }" -v b="${u3#* }" 'BEGIN { print t / ((a + b) / 2) }')" >> "$DIR/ratios"
done
pass=$(awk '$1 == "pass" { split($2, f, "/"); print f[1] / f[2] }' "$DIR/ratios" | median)
sum=$(awk '$1 == "summary" { print $2 }' "$DIR/ratios" | median)
json=$(awk '$1 == "json" { print $2 }' "$DIR/ratios" | median)
printf 'median over %d rounds, %% of the untraced rate: pass-only XDP %.1f%%, --summary %.1f%%, --json %.1f%%\n' \
	"$ROUNDS" "$(awk -v r="${pass:-0}" 'BEGIN { print 100 * r }')" "$(awk -v r="$sum" 'BEGIN { print 100 * r }')" \
	"$(awk -v r="$json" 'BEGIN { print 100 * r }')"

# The programs' own time per packet (kernel.bpf_stats_enabled: run_time_ns / run_cnt), far
# steadier than rates on a shared machine; the sysctl is restored afterwards.
avg_ns() { bpftool prog show name "$1" -j 2>/dev/null | jq -r 'if .run_cnt > 0 then (.run_time_ns / .run_cnt | floor) else "?" end'; }
if command -v bpftool > /dev/null && command -v jq > /dev/null; then
	old=$(sysctl -n kernel.bpf_stats_enabled)
	sysctl -q kernel.bpf_stats_enabled=1
	ip netns exec "$NS" "$BPFKIT" trace xdp lo --summary --interval 100 > /dev/null 2>&1 &
	TRACER=$!
	sleep 0.5
	flood > /dev/null
	ns_summary=$(avg_ns xdp_sources)
	kill -INT "$TRACER"; wait "$TRACER"; TRACER=
	ns_pass=?
	if [ -n "$PASS" ] && ip -n "$NS" link set dev lo xdpgeneric obj "$PASS" sec xdp; then
		flood > /dev/null
		ns_pass=$(avg_ns xdp_pass)
		ip -n "$NS" link set dev lo xdpgeneric off
	fi
	sysctl -q kernel.bpf_stats_enabled="$old"
	echo "program time per packet (bpf stats): trace xdp --summary ${ns_summary} ns, pass-only ${ns_pass} ns"
fi
cost=$(awk -v r="$sum" 'BEGIN { printf "%.1f", 100 - 100 * r }')
echo "--summary costs ${cost}% of the untraced rate (goal: <= 10%)"
awk -v c="$cost" 'BEGIN { exit !(c <= 10) }' || echo "trace_xdp: goal missed" >&2
exit 0
