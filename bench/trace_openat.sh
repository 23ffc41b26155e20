#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# bench/trace_openat.sh BPFKIT: cost of `bpfkit trace openat` on a flat-out openat workload,
# beside libbpf-tools' opensnoop when it is installed.
#
# The load generator (bench/openat_load.c, built here with cc -O2 into BPFKIT's build
# directory) forks BENCH_PROCS processes named "bk-load" that openat()+close() one file for
# BENCH_SECONDS.
# Runs, in this order: untraced, bpfkit text, untraced, bpfkit --json, untraced, `bpfkit
# trace run` of bench/openat_rec.bpf.c --json (a user's own snooper: one ring record per
# call, default wakeups), untraced, opensnoop, untraced; each traced run is compared with the
# untraced runs on either side of it.
# For each traced run:
#   1. start the tracer (stdout to a file), then at once run a marker that opens its own path
#      every 1 ms until that path shows in the file: "first event" is the time in between;
#   2. note the tracer's utime+stime (/proc/PID/stat), run the workload, then run a second
#      marker until it shows in the file ("drain": how far the tracer lags behind), note the
#      tracer's CPU again: CPU per event is the difference over the workload's events
#      (startup and idle time are left out);
#   3. SIGINT the tracer, wait for it, read its summary (bpfkit: "N events, M lost";
#      opensnoop: its "Lost N events on CPU #c!" lines).
# Events are counted for comm bk-load opening the workload's file only. "kern+us" is the workload's system time per call
# minus that of the untraced runs around it: what tracing adds inside the traced syscalls
# (BPF programs, ring buffer, waking the reader), paid by the traced process.
#
# Environment: BENCH_SECONDS (5), BENCH_PROCS (2), BENCH_NICE (-10: tracer and workload run
# at this nice value so that other work on the machine disturbs less; "" for none. With
# sched_autogroup on, nice only counts inside a session, so the script then re-runs itself
# in a session of its own and gives that session's autogroup this nice value),
# BENCH_DIR (a temporary directory under /dev/shm, so output files cost no disk writeback),
# OPENSNOOP (path, default: opensnoop in PATH or /usr/sbin/opensnoop; "none" to skip).
set -u -o pipefail

BPFKIT=${1:?usage: bench/trace_openat.sh BPFKIT}
BPFKIT=$(realpath "$BPFKIT")
SECS=${BENCH_SECONDS:-5}
PROCS=${BENCH_PROCS:-2}
NICE=${BENCH_NICE--10}
HERE=$(cd "$(dirname "$0")" && pwd)
TICK=$(getconf CLK_TCK)
# shellcheck source=bench/lib.bash
. "$HERE/lib.bash"

die() { echo "trace_openat: $*" >&2; exit 1; }

# Own session and autogroup (see above); the outer copy forwards SIGINT/SIGTERM and waits.
if [ -n "$NICE" ] && [ -z "${BENCH_INNER:-}" ] && [ -w /proc/self/autogroup ] &&
   [ "$(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null)" = 1 ] && command -v setsid >/dev/null; then
	BENCH_INNER=1 setsid -w bash "$0" "$@" &
	inner=$!
	# SIGTERM: a background shell ignores SIGINT and cannot trap it
	trap 'kill -TERM $inner 2>/dev/null' INT TERM
	while :; do
		wait $inner; st=$?
		kill -0 $inner 2>/dev/null || exit $st
	done
fi
AUTOGROUP=
if [ -n "${BENCH_INNER:-}" ]; then
	echo "$NICE" >/proc/self/autogroup 2>/dev/null && AUTOGROUP=$(cat /proc/self/autogroup)
fi
[ -x "$BPFKIT" ] || die "$BPFKIT: not an executable"
[ "$(id -u)" = 0 ] || die "needs root (BPF tracing)"

if [ -n "${OPENSNOOP:-}" ]; then
	[ "$OPENSNOOP" = none ] && OPENSNOOP=
else
	OPENSNOOP=$(command -v opensnoop || true)
	[ -z "$OPENSNOOP" ] && [ -x /usr/sbin/opensnoop ] && OPENSNOOP=/usr/sbin/opensnoop
fi

base=/dev/shm
[ -d "$base" ] && [ -w "$base" ] || base=${TMPDIR:-/tmp}
WORK=${BENCH_DIR:-$(mktemp -d "$base/bpfkit-bench.XXXXXX")} || die "cannot make a temporary directory"
mkdir -p "$WORK"

TRACER_PID=
cleanup() {
	if [ -n "$TRACER_PID" ] && kill -0 "$TRACER_PID" 2>/dev/null; then
		kill -INT "$TRACER_PID" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$TRACER_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$TRACER_PID" 2>/dev/null
		wait "$TRACER_PID" 2>/dev/null
	fi
	[ -z "${BENCH_DIR:-}" ] && rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# next to BPFKIT when that is a build directory of this tree (has obj/), else in $WORK
LOAD=$(dirname "$BPFKIT")
[ -d "$LOAD/obj" ] && [ -w "$LOAD" ] || LOAD=$WORK
LOAD=$LOAD/openat_load
if [ ! -x "$LOAD" ] || [ "$HERE/openat_load.c" -nt "$LOAD" ]; then
	${CC:-cc} -O2 -Wall -o "$LOAD" "$HERE/openat_load.c" || die "cannot build $LOAD"
fi

# a user's own snooper for `trace run` (bench/openat_rec.bpf.c), built by bpfkit itself
RUN_OBJ=$WORK/openat_rec.bpf.o
"$BPFKIT" build -q "$HERE/openat_rec.bpf.c" -o "$RUN_OBJ" || die "cannot build $HERE/openat_rec.bpf.c"

TARGET=$WORK/target
echo bpfkit >"$TARGET"

nice_cmd=()
[ -n "$NICE" ] && nice_cmd=(nice -n "$NICE")

# field NAME LINE: the value of NAME=... in a key=value line
field() { local kv; for kv in $2; do [ "${kv%%=*}" = "$1" ] && { echo "${kv#*=}"; return; }; done; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
# tracer CPU (utime+stime) in ticks; comm may hold spaces, so cut after the last ')'
cpu_ticks() { local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; s=${s##*) }; set -- $s; echo "$(( ${12} + ${13} )) ${12} ${13}"; }
# CPU steal so far, all CPUs, in ticks: time the host ran something else on our virtual CPUs;
# a reader stalled that way for longer than its ring holds loses records
steal_ticks() { awk '$1 == "cpu" { print $9 }' /proc/stat; }
# IRQ work interrupts so far, all CPUs: how a BPF program wakes a reader (ring/perf buffer)
iwi() { awk '$1 == "IWI:" { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i } END { print n + 0 }' /proc/interrupts; }
# background CPU busy % over 0.5 s: other work on the machine skews every number here
busy_pct() {
	local a b
	read -r _ a1 a2 a3 a4 a5 a6 a7 a8 _ </proc/stat; a=$((a1+a2+a3+a5+a6+a7+a8)); local at=$((a + a4))
	sleep 0.5
	read -r _ b1 b2 b3 b4 b5 b6 b7 b8 _ </proc/stat; b=$((b1+b2+b3+b5+b6+b7+b8)); local bt=$((b + b4))
	calc "%.0f" "100 * ($b - $a) / ($bt - $at)"
}

declare -A R	# results: R[run,key]
RUNS=()

run_untraced() {	# NAME
	local line
	line=$("${nice_cmd[@]}" "$LOAD" -P "$PROCS" -s "$SECS" "$TARGET") || die "load generator failed"
	RUNS+=("$1"); R[$1,line]=$line; R[$1,kind]=none
}

run_traced() {		# NAME KIND(bpfkit|opensnoop) CMD...
	local name=$1 kind=$2; shift 2
	local out=$WORK/$name.out err=$WORK/$name.err marker=$WORK/marker-$name
	local t0 first drain c0 c1 i0 i1 st0 st1 line sum lost events status
	: >"$marker"
	t0=$EPOCHREALTIME
	"${nice_cmd[@]}" "$@" >"$out" 2>"$err" &
	TRACER_PID=$!
	first=$("$LOAD" -m "$marker" -w "$out" -t "$t0" -T 15 -k "$TRACER_PID")
	first=$(field first_event_ms "$first")
	kill -0 "$TRACER_PID" 2>/dev/null || { cat "$err" >&2; die "$name: tracer exited early"; }
	c0=$(cpu_ticks "$TRACER_PID") || die "$name: tracer gone"
	i0=$(iwi) st0=$(steal_ticks)
	line=$("${nice_cmd[@]}" "$LOAD" -P "$PROCS" -s "$SECS" "$TARGET") || die "load generator failed"
	# drained: a marker opened after the workload ended shows in the output
	: >"$marker-end"
	t0=$EPOCHREALTIME
	drain=$("$LOAD" -m "$marker-end" -w "$out" -o "$(stat -c %s "$out")" -t "$t0" -T 30 -k "$TRACER_PID")
	drain=$(field first_event_ms "$drain")
	c1=$(cpu_ticks "$TRACER_PID") || die "$name: tracer gone"
	i1=$(iwi) st1=$(steal_ticks)
	kill -INT "$TRACER_PID"
	for _ in $(seq 100); do kill -0 "$TRACER_PID" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$TRACER_PID" 2>/dev/null && { echo "trace_openat: $name: no exit 10 s after SIGINT, killed" >&2; kill -KILL "$TRACER_PID"; }
	wait "$TRACER_PID"; status=$?
	TRACER_PID=
	[ $status = 0 ] || echo "trace_openat: $name: tracer exit status $status" >&2
	if [ "$kind" = bpfkit ]; then
		sum=$(grep -E '^[0-9]+ events, [0-9]+ lost$' "$err" | tail -1)
		lost=${sum#*, }; lost=${lost% lost}
		[ -n "$sum" ] || lost="?"
	else
		lost=$(awk '/^Lost [0-9]+ events/ { n += $2; seen = 1 } END { print seen ? n : "none reported" }' "$err")
	fi
	# the workload's opens of TARGET only: the markers run as bk-load too
	if grep -q '^{' "$out"; then
		events=$(grep -F '"comm":"bk-load"' "$out" | grep -c -F "\"path\":\"$TARGET\"")
	else
		events=$(grep -E '^[0-9]+ +bk-load ' "$out" | grep -c -E " $TARGET\$")
	fi
	RUNS+=("$name"); R[$name,line]=$line; R[$name,kind]=$kind; R[$name,first]=$first R[$name,drain]=$drain
	R[$name,iwi]=$((i1 - i0)) R[$name,steal]=$(( (st1 - st0) * 1000 / TICK ))
	R[$name,lost]=$lost; R[$name,events]=$events; R[$name,bytes]=$(stat -c %s "$out")
	set -- $c0; local u0=$2 s0=$3; set -- $c1
	R[$name,usr]=$(( $2 - u0 )); R[$name,sys]=$(( $3 - s0 ))
	rm -f "$out"
}

bg=$(busy_pct)
echo "machine: $(nproc) CPUs, Linux $(uname -r); workload: $PROCS x openat+close for ${SECS}s; nice ${NICE:-0}; output files in $WORK"
echo "bpfkit: $BPFKIT ($("$BPFKIT" version 2>/dev/null | head -1 | tr -s ' '))"
[ -n "$OPENSNOOP" ] && echo "opensnoop: $OPENSNOOP ($(dpkg-query -W -f '${Package} ${Version}' libbpf-tools 2>/dev/null || echo version unknown))"
echo "CPU busy before the runs (other work): ${bg}%${AUTOGROUP:+; this benchmark runs in $AUTOGROUP}"
others=$({ pgrep -a -x bpfkit | grep -E ' trace( |$)'; pgrep -a -x opensnoop; } | tr '\n' ';')
[ -n "$others" ] && echo "warning: other openat tracers may be attached (they add kernel time to every run): $others"
[ "$bg" -gt 10 ] && echo "warning: the machine is busy with other work; the numbers below are skewed by it"

# Untraced runs between the traced ones: each traced run is compared with the untraced runs
# just before and after it, so that drifting load from other work skews the ratio less.
run_untraced untraced-1
run_traced bpfkit-text bpfkit "$BPFKIT" trace openat
run_untraced untraced-2
run_traced bpfkit-json bpfkit "$BPFKIT" trace openat --json
run_untraced untraced-3
run_traced bpfkit-run bpfkit "$BPFKIT" trace run "$RUN_OBJ" --json
run_untraced untraced-4
if [ -n "$OPENSNOOP" ]; then
	run_traced opensnoop opensnoop "$OPENSNOOP"
	run_untraced untraced-5
fi

echo
fmt="%-12s %10s %9s %6s %10s %7s %13s %18s %11s %8s %8s %9s %9s %8s\n"
printf "$fmt" run calls calls/s "%untr" events "capt%" lost "tracer_us/ev(u+s)" sys_us/call kern+us wake/kev first_ms drain_ms steal_ms
# mean rate and system time per call of all untraced runs, for the untraced rows
all_rate=0 all_sys=0 all_calls=0 nu=0
for r in "${RUNS[@]}"; do
	[ "${R[$r,kind]}" = none ] || continue
	line=${R[$r,line]}
	all_rate=$(calc "%.0f" "$all_rate + $(field calls_per_s "$line")")
	all_sys=$(calc "%.6f" "$all_sys + $(field sys_s "$line")")
	all_calls=$((all_calls + $(field calls "$line"))); nu=$((nu + 1))
done
all_rate=$(calc "%.0f" "$all_rate / $nu")
for i in "${!RUNS[@]}"; do
	r=${RUNS[$i]}
	line=${R[$r,line]}
	calls=$(field calls "$line"); rate=$(field calls_per_s "$line"); sys=$(field sys_s "$line")
	percall=$(calc "%.2f" "1e6 * $sys / $calls")
	if [ "${R[$r,kind]}" = none ]; then
		pct=$(calc "%.0f%%" "100 * $rate / $all_rate")
		printf "$fmt" "$r" "$calls" "$rate" "$pct" - - - - "$percall" - - - - -
		continue
	fi
	b1=${R[${RUNS[$((i - 1))]},line]} b2=${R[${RUNS[$((i + 1))]},line]}
	base_rate=$(calc "%.0f" "($(field calls_per_s "$b1") + $(field calls_per_s "$b2")) / 2")
	base_sys=$(calc "%.4f" "1e6 * ($(field sys_s "$b1") + $(field sys_s "$b2")) / ($(field calls "$b1") + $(field calls "$b2"))")
	pct=$(calc "%.0f%%" "100 * $rate / $base_rate")
	R[$r,pct]=${pct%\%} R[$r,rate]=$rate
	ev=${R[$r,events]}
	capt=$(calc "%.1f%%" "100 * $ev / $calls")
	R[$r,capt]=${capt%\%} R[$r,calls]=$calls
	if [ "$ev" -gt 0 ]; then
		tcpu=$(calc "%.2f (%.2f+%.2f)" "1e6 * (${R[$r,usr]} + ${R[$r,sys]}) / $TICK / $ev, 1e6 * ${R[$r,usr]} / $TICK / $ev, 1e6 * ${R[$r,sys]} / $TICK / $ev")
		R[$r,cpu]=${tcpu%% *}
	else
		tcpu=-
	fi
	kern=$(calc "%+.2f" "1e6 * $sys / $calls - $base_sys")
	R[$r,kern]=$kern
	wake=$(calc "%.1f" "1000 * ${R[$r,iwi]} / ($ev > 0 ? $ev : 1)")
	printf "$fmt" "$r" "$calls" "$rate" "$pct" "$ev" "$capt" "${R[$r,lost]}" "$tcpu" "$percall" "$kern" "$wake" "${R[$r,first]}" "${R[$r,drain]}" "${R[$r,steal]}"
done
echo
echo "%untr: calls/s against the mean of the untraced runs just before and after (untraced rows: against all of them, $all_rate/s)."
echo "events: lines of comm bk-load opening the workload's file in the tracer's output; capt%: events / calls made."
echo "lost: bpfkit's 'N events, M lost' summary (all processes); opensnoop: sum of its 'Lost N events' lines."
echo "tracer_us/ev: tracer utime+stime during the workload and its drain, per bk-load event."
echo "sys_us/call: workload system time per call; kern+us: that minus the same of the untraced runs around it."
echo "wake/kev: IRQ-work interrupts (IWI in /proc/interrupts: BPF waking the reader) per 1000 events."
echo "first_ms: tracer start to the marker's path appearing in the output file."
echo "drain_ms: workload end to a second marker appearing in the file (how far the tracer lags)."
echo "steal_ms: CPU steal during the workload, summed over all CPUs (the host running other work on this VM's CPUs:"
echo "  a reader stalled longer than its ring holds, ~35 ms for 4 MiB here, loses records; trace run's"
echo "  losses are failed reservations in the user's object, seen only as capt% below 100%)."
echo "CPU busy after the runs (other work): $(busy_pct)%"

# the issue's goals for the tracers (bpfkit text, --json, trace run), against this run
t=bpfkit-text j=bpfkit-json u=bpfkit-run
echo
echo "against the goals, this run:"
goal "trace openat >= 65% of untraced" "text ${R[$t,pct]}%, json ${R[$j,pct]}%" "${R[$t,pct]} >= 65" "${R[$j,pct]} >= 65"
if [ -n "$OPENSNOOP" ] && [ "${R[opensnoop,rate]:-0}" -gt 0 ]; then
	x=$(calc "%.2f" "${R[$t,rate]} / ${R[opensnoop,rate]}")
	goal "trace openat >= 4x opensnoop's rate" "${x}x (text; opensnoop ${R[opensnoop,pct]}% of untraced)" "$x >= 4"
fi
goal "<= 0.4 us tracer CPU per event" "text ${R[$t,cpu]:-?}, json ${R[$j,cpu]:-?}, run ${R[$u,cpu]:-?}" \
	"${R[$t,cpu]:-9} <= 0.4" "${R[$j,cpu]:-9} <= 0.4" "${R[$u,cpu]:-9} <= 0.4"
goal "<= 0.8 us added kernel time per event" "text ${R[$t,kern]}, json ${R[$j,kern]}, run ${R[$u,kern]}" \
	"${R[$t,kern]} <= 0.8" "${R[$j,kern]} <= 0.8" "${R[$u,kern]} <= 0.8"
# every call's event in the output, and no loss reported (trace run cannot see the object's
# failed reservations: only the count tells)
lost_text() { echo "$(( ${R[$1,calls]} - ${R[$1,events]} )) missing, ${R[$1,lost]} lost"; }
goal "nothing lost" "text $(lost_text $t); json $(lost_text $j); run $(lost_text $u)" \
	"${R[$t,events]} == ${R[$t,calls]}" "${R[$j,events]} == ${R[$j,calls]}" "${R[$u,events]} == ${R[$u,calls]}" \
	"\"${R[$t,lost]}\" == \"0\"" "\"${R[$j,lost]}\" == \"0\"" "\"${R[$u,lost]}\" == \"0\""
