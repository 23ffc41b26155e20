# shellcheck shell=bash
# shellcheck source=tests/kernel/trace_common.bash
source "$(dirname "${BASH_SOURCE[0]}")/trace_common.bash"
# bpfkit trace openat, for real: load, attach, trigger openat from a known process, read events.

# An opener with a known pid and comm: opens $1 every 20 ms, $2 times, printing each fd.
opener() {
	python3 - "$@" <<'PY'
import ctypes, os, sys, time
path, times, comm = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode()
ctypes.CDLL(None).prctl(15, ctypes.c_char_p(comm), 0, 0, 0)   # PR_SET_NAME
print(os.getpid(), flush=True)
for _ in range(times):
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        print("fd", fd, flush=True)
        os.close(fd)
    except OSError as e:
        print("errno", e.errno, flush=True)
    time.sleep(0.02)
PY
}

setup() {
	need_root
	MARK="$TMPD/marker-$RANDOM-$$"
	echo data > "$MARK"
}

test_marker_open_json() {
	setup
	start_trace openat "$TMPD/ev" --json
	sleep 0.3
	opener "$MARK" 60 bkmark > "$TMPD/opener" &
	local op=$!
	wait_for "$TMPD/ev" "$MARK" 10 || fail "marker never appeared; stderr: $(cat "$TMPD/ev.err")"
	wait "$op"
	stop_trace
	[ "$TRACER_RC" -eq 0 ] || fail "tracer exit $TRACER_RC: $(cat "$TMPD/ev.err")"
	local pid fd
	pid=$(head -n 1 "$TMPD/opener")
	fd=$(awk '$1 == "fd" { print $2; exit }' "$TMPD/opener")
	jq -e . "$TMPD/ev" > /dev/null || fail "output is not JSON Lines"
	jq -c --arg p "$MARK" 'select(.path == $p)' "$TMPD/ev" | head -n 1 > "$TMPD/rec"
	[ -s "$TMPD/rec" ] || fail "no record for $MARK"
	out=$(cat "$TMPD/rec")
	jq_is .pid "$pid"
	jq_is .tid "$pid"
	jq_is .comm bkmark
	jq_is .fd "$fd"
	jq_is .errno 0
	jq_is .syscall openat
	jq_is .flags_str "RDONLY|CLOEXEC"
	jq_is .uid 0
	grep -Eq '^[0-9]+ events, [0-9]+ lost$' "$TMPD/ev.err" || fail "no summary: $(cat "$TMPD/ev.err")"
}

# Events queued in the ring when Ctrl-C arrives are printed, not dropped: the tracer is
# stopped while they are made, so none can have been read before the signal.
test_records_queued_at_sigint_are_printed() {
	setup
	start_trace openat "$TMPD/ev" --json -n bkqueue
	sleep 0.5
	kill -STOP "$TRACER_PID"
	opener "$MARK" 25 bkqueue > /dev/null
	kill -INT "$TRACER_PID"
	stop_trace CONT
	[ "$TRACER_RC" -eq 0 ] || fail "tracer exit $TRACER_RC: $(cat "$TMPD/ev.err")"
	local n
	n=$(jq -c --arg p "$MARK" 'select(.path == $p)' "$TMPD/ev" | wc -l)
	[ "$n" -eq 25 ] || fail "$n of 25 queued records printed; stderr: $(cat "$TMPD/ev.err")"
	grep -q '^25 events, 0 lost$' "$TMPD/ev.err" || fail "summary: $(cat "$TMPD/ev.err")"
}

# Records carry their path's bytes only: a short path, one of exactly 255 bytes and a longer
# one (cut to 255) all arrive whole up to their end.
test_path_lengths() {
	setup
	local a b long
	a=$(printf 'a%.0s' {1..100}) b=$(printf 'b%.0s' {1..100})
	long="$TMPD/$a/$b/$a/no-such"
	local exact=${long:0:255}
	start_trace openat "$TMPD/ev" --json -n bklen
	sleep 0.3
	python3 - "$long" "$exact" "$MARK" <<'PY'
import ctypes, os, sys
ctypes.CDLL(None).prctl(15, b"bklen", 0, 0, 0)
for p in sys.argv[1:]:
    try:
        os.close(os.open(p, os.O_RDONLY))
    except OSError:
        pass
PY
	wait_for "$TMPD/ev" "$MARK" 10 || fail "marker never appeared: $(cat "$TMPD/ev.err")"
	stop_trace
	local paths
	paths=$(jq -r 'select(.comm == "bklen") | .path' "$TMPD/ev")
	[ "$(printf '%s\n' "$paths" | grep -c -x -F -- "$exact")" -eq 2 ] ||
		fail "the 255-byte path and the cut one: $(printf '%s\n' "$paths" | awk '{ print length($0) }' | tr '\n' ' ')"
	printf '%s\n' "$paths" | grep -q -x -F -- "$MARK" || fail "short path: $paths"
}

test_failed_open_shows_errno() {
	setup
	start_trace openat "$TMPD/ev" --json --failed
	sleep 0.3
	opener "$MARK.missing" 60 bkfail > /dev/null &
	local op=$!
	wait_for "$TMPD/ev" "$MARK.missing" 10 || fail "failed open never appeared"
	wait "$op"
	stop_trace
	out=$(jq -c --arg p "$MARK.missing" 'select(.path == $p)' "$TMPD/ev" | head -n 1)
	jq_is .fd -1
	jq_is .errno 2
	# --failed: nothing that succeeded
	[ "$(jq -s '[.[] | select(.errno == 0)] | length' "$TMPD/ev")" -eq 0 ] || fail "--failed let successful opens through"
}

test_count_and_comm_filter_in_kernel() {
	setup
	opener "$MARK" 150 bkcount > /dev/null &
	local op=$!
	# -n is a substring of comm, as in opensnoop
	timeout 20 "$BPFKIT" trace openat --json -n kcoun --count 5 > "$TMPD/ev" 2> "$TMPD/ev.err"
	local rc=$?
	kill "$op" 2>/dev/null
	wait "$op" 2>/dev/null
	[ "$rc" -eq 0 ] || fail "exit $rc: $(cat "$TMPD/ev.err")"
	[ "$(wc -l < "$TMPD/ev")" -eq 5 ] || fail "$(wc -l < "$TMPD/ev") lines, want 5"
	[ "$(jq -r .comm "$TMPD/ev" | sort -u)" = bkcount ] || fail "other commands passed the filter"
	grep -q '^5 events, 0 lost$' "$TMPD/ev.err" || fail "summary: $(cat "$TMPD/ev.err")"
}

test_pid_filter() {
	setup
	opener "$MARK" 150 bkpid > "$TMPD/opener" &
	local op=$! pid
	wait_for "$TMPD/opener" '^[0-9]' 10 || fail "opener did not start"
	pid=$(head -n 1 "$TMPD/opener")
	timeout 20 "$BPFKIT" trace openat -j -p "$pid" --count 3 > "$TMPD/ev" 2> "$TMPD/ev.err"
	kill "$op" 2>/dev/null
	wait "$op" 2>/dev/null
	[ "$(jq -r .pid "$TMPD/ev" | sort -u)" = "$pid" ] || fail "pids: $(jq -r .pid "$TMPD/ev" | sort -u | tr '\n' ' ')"
}

test_tid_filter() {
	setup
	# a worker thread and the main thread open different files; -t follows the worker only
	python3 - "$MARK" > "$TMPD/opener" <<'PY' &
import os, sys, threading, time
path = sys.argv[1]
def opens(suffix):
    for _ in range(150):
        try:
            os.close(os.open(path + suffix, os.O_RDONLY | os.O_CREAT, 0o600))
        except OSError:
            pass
        time.sleep(0.02)
w = threading.Thread(target=opens, args=(".thread",))
w.start()
print(w.native_id, flush=True)
opens(".main")
w.join()
PY
	local op=$! tid
	wait_for "$TMPD/opener" '^[0-9]' 10 || fail "opener did not start"
	tid=$(head -n 1 "$TMPD/opener")
	timeout 20 "$BPFKIT" trace openat -j -t "$tid" --count 3 > "$TMPD/ev" 2> "$TMPD/ev.err"
	local rc=$?
	kill "$op" 2>/dev/null
	wait "$op" 2>/dev/null
	[ "$rc" -eq 0 ] || fail "exit $rc: $(cat "$TMPD/ev.err")"
	[ "$(jq -r .tid "$TMPD/ev" | sort -u)" = "$tid" ] || fail "tids: $(jq -r .tid "$TMPD/ev" | sort -u | tr '\n' ' ')"
	[ "$(jq -r .path "$TMPD/ev" | sort -u)" = "$MARK.thread" ] || fail "paths: $(jq -r .path "$TMPD/ev" | sort -u | tr '\n' ' ')"
	[ "$(jq -r .pid "$TMPD/ev" | sort -u)" != "$tid" ] || fail "the worker's pid is its tid: not a thread"
}

test_count_exit_unloads() {
	setup
	"$BPFKIT" trace openat -j -n bkcnt --count 2 > "$TMPD/ev" 2> "$TMPD/ev.err" &
	local tr=$! ids
	wait_attached "$tr" || fail "tracer did not attach"
	ids=$(held_prog_ids "$tr")
	opener "$MARK" 5 bkcnt > /dev/null
	wait "$tr" || fail "exit $?: $(cat "$TMPD/ev.err")"
	grep -q '^2 events, 0 lost$' "$TMPD/ev.err" || fail "summary: $(cat "$TMPD/ev.err")"
	# shellcheck disable=SC2086 # one id per word
	assert_unloaded $ids
}

test_stop_and_continue_go_on() {
	setup
	start_trace openat "$TMPD/ev" --json -n bkfg
	wait_attached "$TRACER_PID" || fail "tracer did not attach"
	# Ctrl-Z, then fg: the stop ends the wait in poll() with EINTR, which is no reason to end
	kill -STOP "$TRACER_PID"
	sleep 0.2
	kill -CONT "$TRACER_PID"
	sleep 0.3
	kill -0 "$TRACER_PID" 2>/dev/null || fail "the tracer ended on SIGCONT: $(cat "$TMPD/ev.err")"
	opener "$MARK" 3 bkfg > /dev/null
	wait_for "$TMPD/ev" '"comm":"bkfg"' 5 || fail "no event after SIGCONT"
	stop_trace
	[ "$TRACER_RC" -eq 0 ] || fail "exit $TRACER_RC"
	grep -q '^3 events, 0 lost$' "$TMPD/ev.err" || fail "summary: $(cat "$TMPD/ev.err")"
}

# Ctrl-C while the output is blocked on a reader that does not read: the write goes on once
# it reads (no "Interrupted system call", no line cut in half), then the summary.
test_sigint_during_a_blocked_write() {
	setup
	python3 - "$BPFKIT" "$MARK" > "$TMPD/res" 2>&1 <<'PY'
import ctypes, json, os, signal, subprocess, sys, time
bk, mark = sys.argv[1], sys.argv[2]
p = subprocess.Popen([bk, "trace", "openat", "--json", "-n", "bkblock"],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
time.sleep(1.5)
ctypes.CDLL(None).prctl(15, b"bkblock", 0, 0, 0)
for _ in range(3000):        # ~500 KB of lines: far more than the pipe holds
    os.close(os.open(mark, os.O_RDONLY))
time.sleep(0.5)              # the tracer is now blocked in write()
# twice: the first may only cut a write short that had moved some bytes; the second meets
# one that has moved none, which failed with EINTR without SA_RESTART
for _ in range(2):
    p.send_signal(signal.SIGINT)
    time.sleep(0.2)
out, err = p.communicate(timeout=30)
lines = out.decode().split("\n")
whole = all(json.loads(l)["comm"] == "bkblock" for l in lines[:-1])
print(p.returncode, len(lines) - 1, repr(lines[-1][:40]), whole, err.decode().strip())
PY
	read -r rc n last whole summary < "$TMPD/res"
	[ "$rc" = 0 ] || fail "exit: $(cat "$TMPD/res")"
	[ "$last" = "''" ] && [ "$whole" = True ] || fail "a cut line: $(cat "$TMPD/res")"
	[[ $summary == "$n events,"* ]] || fail "summary: $(cat "$TMPD/res")"
}

# A file name with a newline and an ESC in it: one text line, control bytes shown as '?';
# JSON keeps the bytes, escaped.
test_control_bytes_in_paths() {
	setup
	local odd=$TMPD/bk$'\n'line$'\033'[2J
	: > "$odd"
	start_trace openat "$TMPD/ev" -n bkctl
	wait_attached "$TRACER_PID" || fail "tracer did not attach"
	opener "$odd" 1 bkctl > /dev/null
	wait_for "$TMPD/ev" 'bkctl' 5 || fail "no event"
	stop_trace
	grep -q "bkctl .*$TMPD/bk?line?\[2J\$" "$TMPD/ev" || fail "text: $(cat -A "$TMPD/ev")"
	[ "$(grep -c bkctl "$TMPD/ev")" -eq 1 ] || fail "split line: $(cat -A "$TMPD/ev")"
	start_trace openat "$TMPD/ev" -n bkctl --json
	wait_attached "$TRACER_PID" || fail "tracer did not attach"
	opener "$odd" 1 bkctl > /dev/null
	wait_for "$TMPD/ev" 'bkctl' 5 || fail "no JSON event"
	stop_trace
	[ "$(jq -r .path "$TMPD/ev")" = "$odd" ] || fail "JSON path: $(cat "$TMPD/ev")"
}

test_text_output_and_duration() {
	setup
	# opens for ~4 s; the tracer runs 3 s of it, even if it is slow to start (sanitizers)
	opener "$MARK" 200 bktext > /dev/null &
	local op=$!
	timeout 20 "$BPFKIT" trace openat -T -n bktext --duration 3 > "$TMPD/ev" 2> "$TMPD/ev.err"
	local rc=$?
	wait "$op"
	[ "$rc" -eq 0 ] || fail "exit $rc: $(cat "$TMPD/ev.err")"
	head -n 1 "$TMPD/ev" | grep -Eq '^TIME\(s\) +PID +COMM +FD +ERR +FLAGS +PATH$' || fail "header: $(head -n 1 "$TMPD/ev")"
	grep -Eq "^[0-9]+\.[0-9]{6} +[0-9]+ +bktext +[0-9]+ +0 RDONLY\|CLOEXEC +$MARK\$" "$TMPD/ev" ||
		fail "no event line for the marker: $(sed -n 2p "$TMPD/ev")"
}

test_sigterm_detaches() {
	setup
	start_trace openat "$TMPD/ev" --json
	sleep 0.5
	local ids
	ids=$(held_prog_ids "$TRACER_PID")
	[ -n "$ids" ] || fail "tracer holds no BPF programs"
	stop_trace TERM
	[ "$TRACER_RC" -eq 0 ] || fail "SIGTERM exit $TRACER_RC"
	grep -Eq 'events, [0-9]+ lost' "$TMPD/ev.err" || fail "no summary after SIGTERM"
	sleep 0.2
	for id in $ids; do
		bpftool prog show id "$id" >/dev/null 2>&1 && fail "program $id still loaded after exit"
	done
	return 0
}

test_unprivileged_is_refused() {
	need_root
	command -v setpriv >/dev/null || skip "setpriv not installed"
	bk_out=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$BPFKIT" trace openat --count 1 2>&1 >/dev/null)
	local rc=$?
	[ "$rc" -eq 1 ] || fail "exit $rc, want 1: $bk_out"
	[[ $bk_out == *"needs CAP_BPF and CAP_PERFMON (or root)"* ]] || fail "message: $bk_out"
}

test_usage_errors() {
	bk trace openat --count 0
	expect_rc 2
	bk trace openat -p abc
	expect_rc 2
	[[ $err == *"--pid: 'abc' is not a valid number"* ]] || fail "$err"
	bk trace openat -n waytoolongcommandname
	expect_rc 2
	bk trace nosuchtool
	expect_rc 2
	bk trace
	expect_rc 2
}

test_mounts_tracefs_when_missing() {
	need_root
	mountpoint -q /sys/kernel/debug/tracing 2>/dev/null && skip "tracefs is also mounted under debugfs"
	mountpoint -q /sys/kernel/tracing || skip "tracefs is not mounted at /sys/kernel/tracing to begin with"
	trap 'mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing' EXIT
	umount /sys/kernel/tracing 2>/dev/null || skip "tracefs is busy, cannot unmount it"
	bk trace openat --duration 0.5 -n nothing-here
	expect_rc 0
	mountpoint -q /sys/kernel/tracing || fail "tracefs was not mounted again"
	[[ $err == *"0 events, 0 lost"* ]] || fail "stderr: $err"
}
