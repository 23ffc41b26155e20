#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# bench/map.sh BPFKIT: `bpfkit map` beside bpftool 7.1.
#   list: with 1,000 extra maps held open (bench/map_fill many), `map list --json`
#         (bpfkit also walks bpffs for pins and /proc for holders; bpftool -f walks bpffs)
#   dump: one hash map of 1M u32 -> u64 entries (bench/map_fill big), `map dump` as JSON
#         and as text, to /dev/null; bpfkit also on 100k entries, to show memory does not
#         grow with the map.
# Best wall time and lowest peak RSS of BENCH_RUNS runs (5 for list, 3 for dump); ratios
# below 1.00 mean bpfkit is faster or smaller. Needs root, bpftool and /usr/bin/time.
set -u -o pipefail

BPFKIT=${1:?usage: bench/map.sh BPFKIT}
RUNS=${BENCH_RUNS:-5}
NMAPS=${BENCH_MAPS:-1000}
NBIG=${BENCH_ENTRIES:-1000000}
TIME=/usr/bin/time
HERE=$(cd "$(dirname "$0")" && pwd)

die() { echo "map: $*" >&2; exit 1; }
# shellcheck source=bench/lib.bash
. "$(dirname "$0")/lib.bash"
[ -x "$BPFKIT" ] || die "$BPFKIT: not an executable"
[ -x "$TIME" ] || die "$TIME missing: apt-get install time"
command -v bpftool >/dev/null || die "bpftool missing: apt-get install bpftool"
[ "$(id -u)" -eq 0 ] || die "needs root (creates maps)"

WORK=$(mktemp -d) || die "cannot make a temporary directory"
BEST_TIME_FILE="$WORK/t"
PIN=/sys/fs/bpf/bkbench-$$
holder=
cleanup() {
	[ -n "$holder" ] && { exec 3>&-; wait "$holder" 2>/dev/null; }
	rm -f "$PIN"
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# next to BPFKIT when that is a build directory of this tree (has obj/), else in $WORK
FILL=$(dirname "$BPFKIT")
[ -d "$FILL/obj" ] && [ -w "$FILL" ] || FILL=$WORK
FILL=$FILL/map_fill
if [ ! -x "$FILL" ] || [ "$HERE/map_fill.c" -nt "$FILL" ]; then
	${CC:-cc} -O2 -Wall -o "$FILL" "$HERE/map_fill.c" -lbpf || die "cannot build $FILL"
fi

# hold MODE ARGS...: run map_fill in the background until fd 3 closes; wait for "ready".
hold() {
	local line
	mkfifo "$WORK/in" "$WORK/out"
	"$FILL" "$@" <"$WORK/in" >"$WORK/out" &
	holder=$!
	exec 3>"$WORK/in"
	read -r line <"$WORK/out" || die "map_fill $* failed"
	[ "$line" = ready ] || die "map_fill $*: $line"
	rm -f "$WORK/in" "$WORK/out"
}
release() { exec 3>&-; wait "$holder"; holder=; }

row() {
	local label=$1 mine=$2 theirs=$3
	read -r m_ms m_kb _ <<<"$mine"
	read -r t_ms t_kb _ <<<"$theirs"
	awk -v l="$label" -v mm="$m_ms" -v mk="$m_kb" -v tm="$t_ms" -v tk="$t_kb" 'BEGIN {
		printf "%-24s %9.1f %9.1f %6.2f %11d %11d %6.2f\n", l, mm, tm, mm / tm, mk, tk, mk / tk
	}'
}

header() {
	printf '%-24s %9s %9s %6s %11s %11s %6s\n' "$1" bpfkit_ms bpftool_ms ratio \
		bpfkit_KiB bpftool_KiB ratio
}

hold many "$NMAPS"
total=$(bpftool -j map list | jq length)
echo "list: $NMAPS maps held open by map_fill, $total maps in the kernel"
header "map list --json"
mine=$(best "$BPFKIT" map list --json)
row "vs bpftool" "$mine" "$(best bpftool map list --json)"
row "vs bpftool -f (pins)" "$mine" "$(best bpftool -f map list --json)"
release

RUNS=${BENCH_RUNS:-3}
echo
hold big "$NBIG" "$PIN"
n=$("$BPFKIT" -j map show pinned "$PIN" | jq .max_entries)
echo "dump: one hash map, $n entries (u32 -> u64)"
[ "$("$BPFKIT" map dump pinned "$PIN" | tail -n 1)" = "Found $NBIG elements" ] ||
	die "bpfkit does not dump $NBIG elements"
header "map dump ($NBIG)"
row "--json" "$(best "$BPFKIT" map dump pinned "$PIN" --json)" \
	"$(best bpftool -j map dump pinned "$PIN")"
row "text" "$(best "$BPFKIT" map dump pinned "$PIN")" "$(best bpftool map dump pinned "$PIN")"
release
NSMALL=$((NBIG / 10))
hold big "$NSMALL" "$PIN"
small=$(best "$BPFKIT" map dump pinned "$PIN" --json)
release
read -r s_ms s_kb _ <<<"$small"
echo "bpfkit map dump --json of $NSMALL entries: $s_ms ms, $s_kb KiB peak (memory does not grow with the map)"
