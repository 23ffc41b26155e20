#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# bench/first_event.sh BPFKIT: time from starting a streaming tracer to its first event, the
# median of 7 starts each, for every bundled streaming tracer and `trace run`, beside
# opensnoop and execsnoop when they are installed (scripts/install-deps.sh --with-bench).
#
# Each start: the tracer is launched and at once a generator makes a uniquely named event
# every 1 ms (bench/openat_load.c opens a marker path; bench/exec_load.c execs a marker
# binary) until the marker shows in the tracer's output file. `trace run` reads the test
# fixture build/fixtures/trace_run.bpf.o, which reports getppid calls by a process named
# "bkrun": the marker binary is that. The time includes the tracer's process start.
#
# Environment: OPENSNOOP, EXECSNOOP (paths; "none" to skip).
set -u -o pipefail

BPFKIT=$(realpath "${1:?usage: bench/first_event.sh BPFKIT}")
HERE=$(cd "$(dirname "$0")" && pwd)
FIXTURE=$(dirname "$BPFKIT")/fixtures/trace_run.bpf.o

die() { echo "first_event: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (BPF tracing)"

# find_tool NAME VAR: the path in $VAR, else NAME in PATH or /usr/sbin; "none": skip.
find_tool() {
	local v=${!2:-}
	if [ "$v" = none ]; then v=
	elif [ -z "$v" ]; then
		v=$(command -v "$1" || true)
		[ -z "$v" ] && [ -x "/usr/sbin/$1" ] && v=/usr/sbin/$1
	fi
	printf '%s' "$v"
}
OPENSNOOP=$(find_tool opensnoop OPENSNOOP)
EXECSNOOP=$(find_tool execsnoop EXECSNOOP)

# shellcheck source=bench/lib.bash
. "$HERE/lib.bash"
bench_workdir first

CC=${CC:-cc}
$CC -O2 -Wall -o "$WORK/exec_load" "$HERE/exec_load.c" || die "cannot build exec_load"
$CC -O2 -Wall -o "$WORK/openat_load" "$HERE/openat_load.c" || die "cannot build openat_load"
printf 'int main(void) { return 0; }\n' > "$WORK/tgt.c"
printf '#include <unistd.h>\nint main(void) { getppid(); return 0; }\n' > "$WORK/run.c"
for p in tgt run; do
	$CC -O2 -static -o "$WORK/$p" "$WORK/$p.c" 2>/dev/null ||
		$CC -O2 -o "$WORK/$p" "$WORK/$p.c" || die "cannot build the $p marker"
done

field() { local kv; for kv in $2; do [ "${kv%%=*}" = "$1" ] && { echo "${kv#*=}"; return; }; done; }

# once KIND CMD...: one start; prints the ms to the first event. KIND: open (a marker path
# opened), exec (a marker binary exec'd), run (the "bkrun" binary exec'd, calling getppid).
once() {
	local kind=$1 out=$WORK/out mark t0 line
	shift
	case $kind in
	open) mark=$WORK/mark$RANDOM; : > "$mark" ;;
	exec) mark=$WORK/bkm$RANDOM; cp "$WORK/tgt" "$mark" ;;
	run) mark=$WORK/r$RANDOM/bkrun; mkdir -p "${mark%/*}"; cp "$WORK/run" "$mark" ;;
	esac
	t0=$EPOCHREALTIME
	"$@" > "$out" 2> "$out.err" &
	TRACER_PID=$!
	if [ "$kind" = open ]; then
		line=$("$WORK/openat_load" -m "$mark" -w "$out" -t "$t0" -T 20 -k "$TRACER_PID")
	else
		line=$("$WORK/exec_load" -m "$mark" -w "$out" -t "$t0" -T 20)
	fi || { cat "$out.err" >&2; die "$*: no first event"; }
	kill -INT "$TRACER_PID"
	wait "$TRACER_PID" 2>/dev/null
	TRACER_PID=
	rm -f "$mark"
	field first_event_ms "$line"
}

# median7 KIND CMD...: the median of 7 starts, and the fastest and slowest.
median7() {
	local i ms=()
	for i in 1 2 3 4 5 6 7; do
		ms+=("$(once "$@")") || exit 1
	done
	printf '%s\n' "${ms[@]}" | sort -n | awk '{ v[NR] = $1 } END { printf "%7s %7s %7s", v[4], v[1], v[7] }'
}

echo "machine: $(nproc) CPUs, Linux $(uname -r); median, min and max of 7 starts, ms"
printf '%-36s %7s %7s %7s\n' tracer median min max
MEDIANS=()
row() {
	local name=$1 m med
	shift
	m=$(median7 "$@")
	printf '%-36s %s\n' "$name" "$m"
	read -r med _ <<<"$m"
	[[ $name == bpfkit* ]] && MEDIANS+=("$med")
	return 0
}
row "bpfkit trace openat" open "$BPFKIT" trace openat
row "bpfkit trace exec" exec "$BPFKIT" trace exec
row "bpfkit trace hello" exec "$BPFKIT" trace hello
if [ -f "$FIXTURE" ]; then
	row "bpfkit trace run trace_run.bpf.o" run "$BPFKIT" trace run "$FIXTURE"
else
	echo "(trace run skipped: $FIXTURE not built; make test-build)"
fi
[ -n "$OPENSNOOP" ] && row "opensnoop" open "$OPENSNOOP"
[ -n "$EXECSNOOP" ] && row "execsnoop" exec "$EXECSNOOP"
echo
echo "against the goals, this run:"
checks=()
for m in "${MEDIANS[@]}"; do checks+=("$m <= 10"); done
goal "first event <= 10 ms (median), every tracer" "$(printf '%s ' "${MEDIANS[@]}")ms" "${checks[@]}"
exit 0
