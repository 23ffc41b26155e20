#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# bench/prog_list.sh BPFKIT: `bpfkit prog list --json` against `bpftool prog list --json`
# (and `bpftool -f`, which also walks bpffs for pins, as bpfkit always does) with PROGS
# (1000) programs and MAPS (1000) maps loaded by bench/objs_load.c, which holds them for
# the run. Best wall time and lowest peak RSS of BENCH_RUNS (5) runs, output to /dev/null.
# Also `bpfkit link list --json`. Needs root, bpftool and /usr/bin/time.
set -u -o pipefail

BPFKIT=${1:?usage: bench/prog_list.sh BPFKIT}
RUNS=${BENCH_RUNS:-5}
PROGS=${BENCH_PROGS:-1000}
MAPS=${BENCH_MAPS:-1000}
TIME=/usr/bin/time
HERE=$(cd "$(dirname "$0")" && pwd)
LOAD=$(dirname "$BPFKIT")/bench/objs_load

die() { echo "prog_list: $*" >&2; exit 1; }
# shellcheck source=bench/lib.bash
. "$(dirname "$0")/lib.bash"
[ "$(id -u)" = 0 ] || die "needs root"
[ -x "$TIME" ] || die "$TIME missing: apt-get install time"
command -v bpftool >/dev/null || die "bpftool missing: apt-get install bpftool"
mkdir -p "$(dirname "$LOAD")"
if [ ! -x "$LOAD" ] || [ "$HERE/objs_load.c" -nt "$LOAD" ]; then
	${CC:-cc} -O2 -Wall -o "$LOAD" "$HERE/objs_load.c" -lbpf || die "cannot build $LOAD"
fi
tmp=$(mktemp) || die "cannot make a temporary file"
BEST_TIME_FILE="$tmp"
loader=
trap 'rm -f "$tmp" "$tmp.ready"; [ -n "$loader" ] && kill "$loader" 2>/dev/null; wait' EXIT
trap 'exit 143' TERM INT

"$LOAD" -p "$PROGS" -m "$MAPS" >"$tmp.ready" &
loader=$!
for ((i = 0; i < 600; i++)); do
	grep -q ready "$tmp.ready" 2>/dev/null && break
	kill -0 "$loader" 2>/dev/null || die "the loader failed"
	sleep 0.1
done
grep -q ready "$tmp.ready" || die "the loader is not ready after 60 s"
total=$(bpftool prog list -j | jq length)

echo "$total programs loaded ($PROGS by the loader), $MAPS maps by the loader; best of $RUNS runs"
printf '%-34s %10s %12s\n' command wall_ms peak_rss_KiB
for cmd in "$BPFKIT prog list --json" "bpftool prog list --json" "bpftool -f prog list --json" \
	   "$BPFKIT prog list" "bpftool prog list" "$BPFKIT link list --json" "bpftool link list --json"; do
	# shellcheck disable=SC2086
	read -r ms rss _ < <(best $cmd)
	printf '%-34s %10s %12s\n' "${cmd/#$BPFKIT/bpfkit}" "$ms" "$rss"
done
