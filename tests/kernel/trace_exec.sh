# shellcheck shell=bash
# bpfkit trace exec, for real: exec a marker binary with marker arguments, read the events.
# shellcheck source=tests/kernel/trace_common.bash
source "$(dirname "${BASH_SOURCE[0]}")/trace_common.bash"

test_marker_exec_json() {
	need_root
	make_marker
	start_trace exec "$TMPD/ev" --json
	wait_attached "$TRACER_PID" || fail "tracer did not attach: $(cat "$TMPD/ev.err")"
	"$MARK_BIN" first-arg "second arg" > /dev/null
	wait_for "$TMPD/ev" "$MARK_NAME" 10 || fail "marker exec never appeared: $(cat "$TMPD/ev.err")"
	stop_trace
	[ "$TRACER_RC" -eq 0 ] || fail "exit $TRACER_RC: $(cat "$TMPD/ev.err")"
	jq -e . "$TMPD/ev" > /dev/null || fail "output is not JSON Lines"
	out=$(jq -c --arg c "$MARK_NAME" 'select(.comm == $c)' "$TMPD/ev" | head -n 1)
	jq_is .filename "$MARK_BIN"
	jq_is .args "$MARK_BIN first-arg second arg"
	jq_is .args_truncated false
	jq_is .ret 0
	jq_is .uid 0
	jq_is .ppid "$$"
	jq_is '.pid > 0' true
	summary_ok "$TMPD/ev.err"
}

test_failed_exec_with_x() {
	need_root
	start_trace exec "$TMPD/ev" --json -x
	wait_attached "$TRACER_PID" || fail "tracer did not attach"
	local missing="$TMPD/no-such-binary-$RANDOM"
	"$missing" marker-arg 2>/dev/null
	wait_for "$TMPD/ev" "$missing" 10 || fail "failed exec never appeared"
	stop_trace
	out=$(jq -c --arg f "$missing" 'select(.filename == $f)' "$TMPD/ev" | head -n 1)
	jq_is .ret -2
	jq_is .args "$missing marker-arg"
	jq_is .args_truncated false
	[ "$(jq -s '[.[] | select(.ret == 0)] | length' "$TMPD/ev")" -eq 0 ] || fail "-x let successful execs through"
}

# execveat shares execve's programs (the attach cookie shifts its arguments); a failed call
# with more arguments than are read is marked cut.
test_failed_execveat_and_many_args() {
	need_root
	start_trace exec "$TMPD/ev" --json -x
	wait_attached "$TRACER_PID" || fail "tracer did not attach"
	local missing="$TMPD/no-such-binary-$RANDOM"
	python3 - "$missing" <<'PY'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
nr = {"x86_64": 322, "aarch64": 281}[os.uname().machine]    # execveat
path = sys.argv[1].encode()
argv = (ctypes.c_char_p * 3)(path, b"at-arg", None)
libc.syscall(nr, -100, path, argv, None, 0)                  # AT_FDCWD
try:
    os.execv(sys.argv[1] + "-many", [sys.argv[1] + "-many"] + ["a%d" % i for i in range(30)])
except OSError:
    pass
PY
	wait_for "$TMPD/ev" "$missing-many" 10 || fail "failed execs never appeared: $(cat "$TMPD/ev.err")"
	stop_trace
	out=$(jq -c --arg f "$missing" 'select(.filename == $f)' "$TMPD/ev" | head -n 1)
	jq_is .ret -2
	jq_is .args "$missing at-arg"
	out=$(jq -c --arg f "$missing-many" 'select(.filename == $f)' "$TMPD/ev" | head -n 1)
	jq_is .ret -2
	jq_is .args_truncated true
	# the path and a0..a18 (the first 20 argv entries), then the ellipsis
	[[ $(jq -r .args <<< "$out") == "$missing-many a0 a1 "*" a18..." ]] || fail "args: $(jq -r .args <<< "$out")"
}

test_long_args_are_cut_with_ellipsis() {
	need_root
	make_marker
	local long
	long=$(printf 'x%.0s' {1..700})
	start_trace exec "$TMPD/ev" -n "${MARK_NAME:3}"
	wait_attached "$TRACER_PID" || fail "tracer did not attach"
	"$MARK_BIN" "$long" > /dev/null
	wait_for "$TMPD/ev" "$MARK_NAME" 10 || fail "marker exec never appeared"
	stop_trace
	head -n 1 "$TMPD/ev" | grep -Eq '^PCOMM +PID +PPID +UID +RET ARGS$' || fail "header: $(head -n 1 "$TMPD/ev")"
	local line
	line=$(grep "$MARK_NAME" "$TMPD/ev" | head -n 1)
	[[ $line == *"$MARK_BIN xxxx"*"..." ]] || fail "no ellipsis: ${line:0:120}...${line: -20}"
	# 512 bytes of arguments at most, then the ellipsis
	local args=${line#*"$MARK_BIN"}
	[ "${#args}" -le 520 ] || fail "arguments not bounded: ${#args} chars"
	# -n is a substring of comm: only the marker
	[ "$(awk 'NR > 1 { print $1 }' "$TMPD/ev" | sort -u)" = "$MARK_NAME" ] || fail "other commands passed -n"
}

test_pid_uid_filters_in_kernel() {
	need_root
	make_marker
	timeout 20 "$BPFKIT" trace exec -j -u 65534 --count 1 > "$TMPD/ev" 2> "$TMPD/ev.err" &
	local tp=$! i
	for ((i = 0; i < 50; i++)); do
		"$MARK_BIN" as-root > /dev/null
		setpriv --reuid=65534 "$MARK_BIN" as-nobody > /dev/null
		kill -0 "$tp" 2>/dev/null || break
		sleep 0.1
	done
	wait "$tp" || fail "exit $?: $(cat "$TMPD/ev.err")"
	out=$(head -n 1 "$TMPD/ev")
	jq_is .uid 65534
	grep -q '^1 events, 0 lost$' "$TMPD/ev.err" || fail "summary: $(cat "$TMPD/ev.err")"
}

test_pid_filter_follows_exec() {
	need_root
	make_marker
	# exec keeps the pid: -p PID sees the marker its shell became, not another one's
	bash -c 'echo $$; while [ ! -e "$2" ]; do sleep 0.05; done; exec "$1" mine' bkpid "$MARK_BIN" "$TMPD/go" > "$TMPD/pid" &
	local sh=$! pid
	wait_for "$TMPD/pid" '^[0-9]' 10 || fail "shell did not start"
	pid=$(head -n 1 "$TMPD/pid")
	trap 'touch "$TMPD/go"' EXIT	# the shell goes on whatever happens
	"$BPFKIT" trace exec -j -p "$pid" --count 1 --duration 20 > "$TMPD/ev" 2> "$TMPD/ev.err" &
	local tp=$!
	wait_attached "$tp" || fail "tracer did not attach: $(cat "$TMPD/ev.err")"
	"$MARK_BIN" other > /dev/null
	touch "$TMPD/go"
	wait "$tp" || fail "exit $?: $(cat "$TMPD/ev.err")"
	wait "$sh"
	out=$(head -n 1 "$TMPD/ev")
	jq_is .pid "$pid"
	jq_is .args "$MARK_BIN mine"
}

test_bpfkit_does_not_report_itself() {
	need_root
	# the tracer's own pid is filtered in the kernel: 'trace openat -n bpfkit' sees other
	# bpfkit processes, never itself (it opens files while it runs: /proc, its output)
	start_trace openat "$TMPD/ev" --json -n bpfkit
	wait_attached "$TRACER_PID" || fail "tracer did not attach"
	"$BPFKIT" version > /dev/null
	wait_for "$TMPD/ev" '"comm":"bpfkit"' 10 || fail "the other bpfkit's opens never appeared"
	stop_trace
	jq -e --argjson p "$TRACER_PID" 'select(.pid == $p)' "$TMPD/ev" > /dev/null &&
		fail "the tracer reported its own opens"
	return 0
}

test_full_ring_counts_lost_not_hang() {
	need_root
	make_marker
	start_trace exec "$TMPD/ev" --json --ring-size 4096 -n "$MARK_NAME"
	wait_attached "$TRACER_PID" || fail "tracer did not attach"
	kill -STOP "$TRACER_PID"	# nobody reads: the 4 KiB ring fills after 4 records
	local i
	for ((i = 0; i < 40; i++)); do "$MARK_BIN" x > /dev/null; done
	kill -CONT "$TRACER_PID"
	sleep 0.3
	stop_trace
	[ "$TRACER_RC" -eq 0 ] || fail "exit $TRACER_RC"
	local ev lost
	read -r ev _ lost _ < <(tail -n 1 "$TMPD/ev.err")
	[ "$lost" -gt 0 ] || fail "nothing lost with a full ring: $(cat "$TMPD/ev.err")"
	[ $((ev + lost)) -eq 40 ] || fail "events + lost = $((ev + lost)), want 40"
	[ "$(wc -l < "$TMPD/ev")" -eq "$ev" ] || fail "lines and events differ"
}

test_sigterm_and_sigint_detach() {
	need_root
	local sig ids
	for sig in TERM INT; do
		start_trace exec "$TMPD/ev" --json
		wait_attached "$TRACER_PID" || fail "tracer did not attach"
		ids=$(held_prog_ids "$TRACER_PID")
		stop_trace "$sig"
		[ "$TRACER_RC" -eq 0 ] || fail "SIG$sig: exit $TRACER_RC"
		summary_ok "$TMPD/ev.err"
		# shellcheck disable=SC2086
		assert_unloaded $ids
	done
}

test_sigpipe_into_head_ends_with_summary() {
	need_root
	make_marker
	local gen ids rc
	mkfifo "$TMPD/pipe"
	"$BPFKIT" trace exec -n "$MARK_NAME" --duration 20 > "$TMPD/pipe" 2> "$TMPD/err" &
	TRACER_PID=$!
	trap 'kill -INT $TRACER_PID 2>/dev/null; [ -n "$gen" ] && kill $gen 2>/dev/null' EXIT
	head -n 3 < "$TMPD/pipe" > "$TMPD/out" &
	local hd=$!
	wait_attached "$TRACER_PID" || fail "tracer did not attach: $(cat "$TMPD/err")"
	ids=$(held_prog_ids "$TRACER_PID")
	( for ((i = 0; i < 150; i++)); do "$MARK_BIN" y > /dev/null; sleep 0.02; done ) &
	gen=$!
	wait "$hd"
	wait "$TRACER_PID"
	rc=$?
	kill "$gen" 2>/dev/null
	wait "$gen" 2>/dev/null
	trap - EXIT
	[ "$rc" -eq 0 ] || fail "exit $rc after head closed the pipe: $(cat "$TMPD/err")"
	[ "$(wc -l < "$TMPD/out")" -eq 3 ] || fail "head got $(wc -l < "$TMPD/out") lines"
	summary_ok "$TMPD/err"
	# shellcheck disable=SC2086
	assert_unloaded $ids
}

test_stats_on_stderr() {
	need_root
	make_marker
	( for ((i = 0; i < 60; i++)); do "$MARK_BIN" z > /dev/null; sleep 0.04; done ) &
	local gen=$!
	timeout 20 "$BPFKIT" trace exec -n "$MARK_NAME" --stats --duration 2.5 > "$TMPD/out" 2> "$TMPD/err"
	local rc=$?
	wait "$gen"
	[ "$rc" -eq 0 ] || fail "exit $rc: $(cat "$TMPD/err")"
	grep -Eq '^[0-9]+ events/s, [0-9]+ lost/s$' "$TMPD/err" || fail "no stats line: $(cat "$TMPD/err")"
	awk '/events\/s/ { if ($1 > 0) n++ } END { exit !n }' "$TMPD/err" || fail "stats never counted an event: $(cat "$TMPD/err")"
}

test_usage_errors() {
	bk trace exec --ring-size 1000
	expect_rc 2
	[[ $err == *"--ring-size: '1000' must be a power of 2"* ]] || fail "$err"
	bk trace exec --cgroup /nonexistent-dir
	expect_rc 2
	[[ $err == *"--cgroup: '/nonexistent-dir' is not a directory"* ]] || fail "$err"
	bk trace exec -t 0
	expect_rc 2
}

test_cgroup_filter_in_kernel() {
	need_root
	local root
	root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	[ -n "$root" ] || skip "no cgroup v2 hierarchy mounted"
	make_marker
	CG="$root/bktest-$$-$RANDOM"
	mkdir "$CG" || skip "cannot create a cgroup under $root"
	CLEANUP='rmdir "$CG" 2>/dev/null'
	trap 'eval "$CLEANUP"' EXIT
	start_trace exec "$TMPD/ev" --json --cgroup "$CG" -n "$MARK_NAME"
	wait_attached "$TRACER_PID" || fail "tracer did not attach: $(cat "$TMPD/ev.err")"
	"$MARK_BIN" outside > /dev/null
	sh -c 'echo $$ > "$1/cgroup.procs" && exec "$2" inside' sh "$CG" "$MARK_BIN" > /dev/null ||
		fail "cannot move a process into $CG"
	wait_for "$TMPD/ev" inside 10 || fail "the exec inside the cgroup never appeared"
	stop_trace
	[ "$(jq -r .args "$TMPD/ev")" = "$MARK_BIN inside" ] || fail "events: $(cat "$TMPD/ev")"
}
