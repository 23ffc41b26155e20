#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# bench/btf_dump.sh BPFKIT: `bpfkit btf dump` of the kernel's BTF beside bpftool's, as a C
# header and as JSON, output to /dev/null. Each command runs BENCH_RUNS times (5); the table
# shows the best wall time and the lowest peak RSS of those runs, and bpfkit/bpftool ratios
# (below 1.00: bpfkit is faster or smaller).
#
# Wall time is taken with bash's $EPOCHREALTIME around /usr/bin/time (which reports only
# centiseconds); peak RSS is /usr/bin/time's %M. Needs the `time` package (/usr/bin/time)
# and bpftool. Environment: BENCH_RUNS, BTF (default /sys/kernel/btf/vmlinux).
set -u -o pipefail

BPFKIT=${1:?usage: bench/btf_dump.sh BPFKIT}
RUNS=${BENCH_RUNS:-5}
BTF=${BTF:-/sys/kernel/btf/vmlinux}
TIME=/usr/bin/time

die() { echo "btf_dump: $*" >&2; exit 1; }
# shellcheck source=bench/lib.bash
. "$(dirname "$0")/lib.bash"
[ -x "$BPFKIT" ] || die "$BPFKIT: not an executable"
[ -x "$TIME" ] || die "$TIME missing: apt-get install time"
command -v bpftool >/dev/null || die "bpftool missing: apt-get install bpftool"
[ -r "$BTF" ] || die "$BTF: not readable"

tmp=$(mktemp) || die "cannot make a temporary file"
BEST_TIME_FILE="$tmp"
trap 'rm -f "$tmp"' EXIT

row() {
	local label=$1 mine=$2 theirs=$3
	read -r m_ms m_kb _ <<<"$mine"
	read -r t_ms t_kb _ <<<"$theirs"
	awk -v l="$label" -v mm="$m_ms" -v mk="$m_kb" -v tm="$t_ms" -v tk="$t_kb" 'BEGIN {
		printf "%-10s %9.1f %9.1f %6.2f %11d %11d %6.2f\n", l, mm, tm, mm / tm, mk, tk, mk / tk
	}'
}

c_mine=$(best "$BPFKIT" btf dump --file "$BTF" --format c)
c_theirs=$(best bpftool btf dump file "$BTF" format c)
j_mine=$(best "$BPFKIT" btf dump --file "$BTF" --format json)
j_theirs=$(best bpftool -j btf dump file "$BTF")
r_mine=$(best "$BPFKIT" btf dump --file "$BTF")
r_theirs=$(best bpftool btf dump file "$BTF")

echo "btf dump $BTF, best of $RUNS (time in ms, peak RSS in KiB; ratio = bpfkit/bpftool)"
printf '%-10s %9s %9s %6s %11s %11s %6s\n' format bpfkit bpftool ratio \
	"bpfkit KiB" "bpftool KiB" ratio
row "c" "$c_mine" "$c_theirs"
row "json" "$j_mine" "$j_theirs"
row "raw" "$r_mine" "$r_theirs"
