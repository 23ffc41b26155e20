#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# bench/trace_exec.sh BPFKIT: cost of `bpfkit trace exec` on a flat-out exec workload, beside
# libbpf-tools' execsnoop when it is installed (scripts/install-deps.sh --with-bench).
#
# The generator (bench/exec_load.c, built here) forks BENCH_PROCS workers that vfork+execve a
# tiny static program named bk-exec-tgt for BENCH_SECONDS. Runs: untraced, bpfkit text,
# untraced, bpfkit --json, untraced, trace hello, untraced, execsnoop, untraced; each traced
# rate is compared with the mean of the untraced runs on either side. Tracer output goes to a file; "events" are
# its lines for bk-exec-tgt, "lost" what the tracer reports.
# (The time to the first event is bench/first_event.sh's.)
#
# Environment: BENCH_SECONDS (5), BENCH_PROCS (2), EXECSNOOP (path; "none" to skip).
set -u -o pipefail

BPFKIT=$(realpath "${1:?usage: bench/trace_exec.sh BPFKIT}")
SECS=${BENCH_SECONDS:-5}
PROCS=${BENCH_PROCS:-2}
HERE=$(cd "$(dirname "$0")" && pwd)

die() { echo "trace_exec: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (BPF tracing)"
if [ -n "${EXECSNOOP:-}" ]; then
	[ "$EXECSNOOP" = none ] && EXECSNOOP=
else
	EXECSNOOP=$(command -v execsnoop || true)
	[ -z "$EXECSNOOP" ] && [ -x /usr/sbin/execsnoop ] && EXECSNOOP=/usr/sbin/execsnoop
fi

# shellcheck source=bench/lib.bash
. "$HERE/lib.bash"
bench_workdir exec

LOAD=$WORK/exec_load
${CC:-cc} -O2 -Wall -o "$LOAD" "$HERE/exec_load.c" || die "cannot build the generator"
TARGET=$WORK/bk-exec-tgt
printf 'int main(void) { return 0; }\n' > "$WORK/tgt.c"
${CC:-cc} -O2 -static -o "$TARGET" "$WORK/tgt.c" 2>/dev/null ||
	${CC:-cc} -O2 -o "$TARGET" "$WORK/tgt.c" || die "cannot build the exec target"

field() { local kv; for kv in $2; do [ "${kv%%=*}" = "$1" ] && { echo "${kv#*=}"; return; }; done; }

declare -A R
RUNS=()

untraced() {	# NAME
	local line
	line=$("$LOAD" -P "$PROCS" -s "$SECS" "$TARGET") || die "generator failed"
	RUNS+=("$1"); R[$1,rate]=$(field execs_per_s "$line"); R[$1,kind]=none
}

# start_tracer OUT CMD...: runs it (TRACER_PID) and waits for its first event (a marker
# exec), so the workload starts traced. Not in a subshell: TRACER_PID must reach stop_tracer.
start_tracer() {
	local out=$1 t0 mark
	shift
	mark=$WORK/bkm$RANDOM
	cp "$TARGET" "$mark"
	t0=$EPOCHREALTIME
	"$@" > "$out" 2> "$out.err" &
	TRACER_PID=$!
	"$LOAD" -m "$mark" -w "$out" -t "$t0" -T 20 > /dev/null || { cat "$out.err" >&2; die "$*: no first event"; }
	rm -f "$mark"
}

stop_tracer() {
	kill -INT "$TRACER_PID"
	wait "$TRACER_PID"
	TRACER_PID=
}

traced() {	# NAME KIND CMD...; MATCH: the regex of a workload event's line (default: execsnoop's)
	local name=$1 kind=$2 out=$WORK/$1.out line
	shift 2
	start_tracer "$out" "$@"
	line=$("$LOAD" -P "$PROCS" -s "$SECS" "$TARGET") || die "generator failed"
	sleep 0.5	# let the reader drain
	stop_tracer
	RUNS+=("$name"); R[$name,rate]=$(field execs_per_s "$line"); R[$name,kind]=$kind
	R[$name,execs]=$(field execs "$line")
	R[$name,events]=$(grep -c -E "${MATCH:-bk-exec-tgt bk-exec-arg}" "$out")
	if [ "$kind" = bpfkit ]; then
		R[$name,lost]=$(sed -nE 's/^[0-9]+ events, ([0-9]+) lost$/\1/p' "$out.err" | tail -1)
	else
		R[$name,lost]=$(awk '/[Ll]ost [0-9]+ events/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) { n += $i; break } } END { print n + 0 }' "$out.err")
	fi
	rm -f "$out"
}

echo "machine: $(nproc) CPUs, Linux $(uname -r); workload: $PROCS x vfork+execve for ${SECS}s"
[ -n "$EXECSNOOP" ] && echo "execsnoop: $EXECSNOOP ($(dpkg-query -W -f '${Package} ${Version}' libbpf-tools 2>/dev/null || echo version unknown))"

untraced untraced-1
traced bpfkit-text bpfkit "$BPFKIT" trace exec
untraced untraced-2
traced bpfkit-json bpfkit "$BPFKIT" trace exec --json
untraced untraced-3
MATCH=' bk-exec-tgt +Hello World$' traced bpfkit-hello bpfkit "$BPFKIT" trace hello
untraced untraced-4
if [ -n "$EXECSNOOP" ]; then
	traced execsnoop execsnoop "$EXECSNOOP"
	untraced untraced-5
fi

echo
printf '%-12s %10s %7s %9s %9s %8s\n' run execs/s "%untr" execs events lost
for i in "${!RUNS[@]}"; do
	r=${RUNS[$i]}
	if [ "${R[$r,kind]}" = none ]; then
		printf '%-12s %10s\n' "$r" "${R[$r,rate]}"
		continue
	fi
	b=$(( (${R[${RUNS[$((i - 1))]},rate]} + ${R[${RUNS[$((i + 1))]},rate]}) / 2 ))
	printf '%-12s %10s %6s%% %9s %9s %8s\n' "$r" "${R[$r,rate]}" \
		"$(awk "BEGIN { printf \"%.0f\", 100 * ${R[$r,rate]} / $b }")" \
		"${R[$r,execs]}" "${R[$r,events]}" "${R[$r,lost]}"
done
if [ -n "$EXECSNOOP" ]; then
	x=$(awk "BEGIN { printf \"%.2f\", ${R[bpfkit-text,rate]} / ${R[execsnoop,rate]} }")
	echo "bpfkit/execsnoop exec rate under tracing: ${x}x (text)"
	echo
	echo "against the goals, this run:"
	# untraced beside execsnoop: the most any tracer could reach
	ceiling=$(awk "BEGIN { printf \"%.2f\", ${R[untraced-4,rate]} / ${R[execsnoop,rate]} }")
	goal "trace exec >= 3x execsnoop's exec rate" "${x}x (untraced: ${ceiling}x)" "$x >= 3"
fi
lost_all=0
for r in bpfkit-text bpfkit-json bpfkit-hello; do
	[ "${R[$r,lost]}" = 0 ] || lost_all=1
done
goal "exec and hello lose nothing" "text ${R[bpfkit-text,lost]}, json ${R[bpfkit-json,lost]}, hello ${R[bpfkit-hello,lost]}" "$lost_all == 0"

exit 0
