# shellcheck shell=bash
# bpfkit trace log: bpf_printk output from the trace pipe, split into fields.
# shellcheck source=tests/kernel/trace_common.bash
source "$(dirname "${BASH_SOURCE[0]}")/trace_common.bash"

# A pinned copy of the printk fixture (an XDP program), run with 'prog run': it prints one
# line with the bpfkit marker and one without.
load_printer() {
	PIN="/sys/fs/bpf/bktest_log_$$_$RANDOM"
	CLEANUP='"$BPFKIT" unload "$PIN" >/dev/null 2>&1'
	trap 'eval "$CLEANUP"' EXIT
	"$BPFKIT" load "$FIXTURES/printk.bpf.o" --pin "$PIN" > /dev/null 2>&1 || fail "cannot load the fixture"
	head -c 64 /dev/zero > "$TMPD/frame"
}

# trace_while_printing ARGS...: trace log while the fixture runs once; lines in $TMPD/ev.
trace_while_printing() {
	start_trace log "$TMPD/ev" "$@"
	sleep 0.5
	"$BPFKIT" prog run pinned "$PIN/progs/say" --data-in "$TMPD/frame" > /dev/null ||
		fail "prog run failed"
	wait_for "$TMPD/ev" 'logtest' 10
	sleep 0.3
	stop_trace
	[ "$TRACER_RC" -eq 0 ] || fail "exit $TRACER_RC: $(cat "$TMPD/ev.err")"
}

test_marked_lines_only_by_default() {
	need_root
	load_printer
	trace_while_printing --json
	out=$(grep logtest "$TMPD/ev")
	[ "$(grep -c logtest "$TMPD/ev")" -eq 1 ] || fail "want only the marked line: $(cat "$TMPD/ev")"
	jq_is .message "logtest value=42"
	jq_is .event bpf_trace_printk
	# the task is the trace's cached comm of the pid: "<...>" when the cache lost it
	jq_is '.task == "bpfkit" or .task == "<...>"' true
	jq_is '.pid > 0 and .cpu >= 0 and .timestamp > 0' true
	jq_is '.flags | length > 0' true
	summary_ok "$TMPD/ev.err"
}

test_all_shows_every_line() {
	need_root
	load_printer
	trace_while_printing --all
	head -n 1 "$TMPD/ev" | grep -Eq '^TIMESTAMP +CPU +PID +TASK +MESSAGE$' || fail "header: $(head -n 1 "$TMPD/ev")"
	grep -Eq '^[0-9]+\.[0-9]{6} +[0-9]+ +[0-9]+ +(bpfkit|<\.\.\.>) +bpfkit: logtest value=42$' "$TMPD/ev" || fail "no marked line: $(cat "$TMPD/ev")"
	grep -Eq ' (bpfkit|<\.\.\.>) +logtest unmarked$' "$TMPD/ev" || fail "no unmarked line: $(cat "$TMPD/ev")"
}

test_trace_marker_lines_and_pid_filter() {
	need_root
	start_trace log "$TMPD/ev" --json -p "$BASHPID"
	sleep 0.5
	echo "bpfkit: marker line $$" > /sys/kernel/tracing/trace_marker
	sh -c "echo 'bpfkit: other pid' > /sys/kernel/tracing/trace_marker"
	wait_for "$TMPD/ev" "marker line $$" 10 || fail "no marker line: $(cat "$TMPD/ev.err")"
	stop_trace
	out=$(head -n 1 "$TMPD/ev")
	jq_is .event tracing_mark_write
	jq_is .pid "$BASHPID"
	grep -q 'other pid' "$TMPD/ev" && fail "-p let another pid through"
	return 0
}

# A hangup (the terminal closed) ends it as SIGTERM does: summary, and tracing_on as it was.
test_hangup_restores_tracing_on() {
	need_root
	local on=/sys/kernel/tracing/tracing_on before
	before=$(cat "$on")
	CLEANUP="echo $before > $on"
	echo 0 > "$on"
	start_trace log "$TMPD/ev"
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(cat "$on")" = 1 ] && break
		sleep 0.05
	done
	[ "$(cat "$on")" = 1 ] || fail "trace log did not turn tracing on"
	stop_trace HUP
	[ "$TRACER_RC" -eq 0 ] || fail "exit $TRACER_RC: $(cat "$TMPD/ev.err")"
	grep -Eq '^[0-9]+ events, 0 lost$' "$TMPD/ev.err" || fail "summary: $(cat "$TMPD/ev.err")"
	[ "$(cat "$on")" = 0 ] || fail "tracing_on left at $(cat "$on")"
}
