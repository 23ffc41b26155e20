# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash
# Shared by the bench/*.sh scripts (sourced; not a benchmark itself, hence .bash).
#
# best CMD...: runs CMD $RUNS times, its output discarded, under $TIME (/usr/bin/time,
# which reports only centiseconds, so wall time is $EPOCHREALTIME around it); prints
# "<best wall ms> <lowest peak RSS KiB> <best user+sys CPU ms>". The caller sets RUNS, TIME,
# BEST_TIME_FILE (a scratch file) and die().
best() {
	local i t0 t1 ms cpu rss best_ms="" best_cpu="" best_rss=""
	for ((i = 0; i < RUNS; i++)); do
		t0=$EPOCHREALTIME
		"$TIME" -f '%U %S %M' -o "$BEST_TIME_FILE" "$@" >/dev/null 2>&1 || die "failed: $*"
		t1=$EPOCHREALTIME
		ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) * 1000 }')
		cpu=$(awk 'END { printf "%.0f", ($1 + $2) * 1000 }' "$BEST_TIME_FILE")
		rss=$(awk 'END { print $3 }' "$BEST_TIME_FILE")
		if [ -z "$best_ms" ] || awk -v a="$ms" -v b="$best_ms" 'BEGIN { exit !(a < b) }'; then
			best_ms=$ms
		fi
		if [ -z "$best_cpu" ] || [ "$cpu" -lt "$best_cpu" ]; then
			best_cpu=$cpu
		fi
		if [ -z "$best_rss" ] || [ "$rss" -lt "$best_rss" ]; then
			best_rss=$rss
		fi
	done
	echo "$best_ms $best_rss $best_cpu"
}

# bench_workdir NAME: WORK, a new directory (under /dev/shm where it can be written, so
# output files cost no disk writeback), removed on exit once the tracer TRACER_PID, if one is
# running, has been stopped. The caller sets die().
bench_workdir() {
	local base=/dev/shm
	[ -d "$base" ] && [ -w "$base" ] || base=${TMPDIR:-/tmp}
	WORK=$(mktemp -d "$base/bpfkit-bench-$1.XXXXXX") || die "no temporary directory"
	TRACER_PID=
	trap bench_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

bench_cleanup() {
	[ -n "$TRACER_PID" ] && kill -INT "$TRACER_PID" 2>/dev/null && wait "$TRACER_PID" 2>/dev/null
	rm -rf "$WORK"
}

# goal TEXT MEASURED CHECK...: one line of a benchmark's "against the goals" block: TEXT, what
# was measured, and "met" when every CHECK (an awk condition such as "64 >= 65") holds, else
# "missed".
goal() {
	local text=$1 measured=$2 verdict=met check
	shift 2
	for check in "$@"; do
		awk "BEGIN { exit !($check) }" || verdict=missed
	done
	printf '  %-46s %-40s %s\n' "$text" "$measured" "$verdict"
}
