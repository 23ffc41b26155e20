# shellcheck shell=bash disable=SC2154 # $out $err $rc: set by bk (tests/lib.sh)
# bpfkit trace syscalls, for real: the tail-call dispatcher counts execve and the timer family
# through their programs, the dispatcher counts the rest, --ignore counts nothing.
# shellcheck source=tests/kernel/trace_common.bash
source "$(dirname "${BASH_SOURCE[0]}")/trace_common.bash"

# A process named $1 that, after 0.5 s: execs /bin/true 5 times (fork+exec), calls
# setitimer 7 times, getppid 9 times; then sleeps 0.5 s.
workload() {
	python3 - "$1" <<'PY'
import ctypes, os, signal, sys, time
ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)   # PR_SET_NAME
time.sleep(0.5)
for _ in range(5):
    pid = os.fork()
    if pid == 0:
        os.execv("/bin/true", ["true"])
    os.waitpid(pid, 0)
for _ in range(7):
    signal.setitimer(signal.ITIMER_VIRTUAL, 0)
for _ in range(9):
    os.getppid()
time.sleep(0.5)
PY
}

# count FILE NAME: the final count of syscall NAME in the JSON Lines output.
final_count() {
	jq -r --arg n "$2" 'select(.final and .name == $n) | .count' "$1" | tail -n 1
}

test_dispatch_counts_and_ignore() {
	need_root
	local comm=bksys$RANDOM
	# -n matches a substring of comm, as execsnoop's does
	"$BPFKIT" trace syscalls --json -n "${comm:2}" --ignore getppid,close --interval 0.5 > "$TMPD/ev" 2> "$TMPD/ev.err" &
	local tr=$!
	trap 'kill -INT $tr 2>/dev/null; wait $tr 2>/dev/null' EXIT
	sleep 0.5
	workload "$comm"
	kill -INT "$tr"
	wait "$tr"
	local st=$?
	trap - EXIT
	[ "$st" -eq 0 ] || fail "exit $st: $(cat "$TMPD/ev.err")"
	jq -e . "$TMPD/ev" > /dev/null || fail "not JSON Lines: $(head -c 300 "$TMPD/ev")"
	# the child keeps the name until exec replaces it with "true": one execve each
	[ "$(final_count "$TMPD/ev" execve)" = 5 ] || fail "execve: $(final_count "$TMPD/ev" execve), want 5"
	[ "$(jq -r 'select(.final and .name == "execve") | .via' "$TMPD/ev")" = execve ] || fail "execve not counted by its program"
	[ "$(final_count "$TMPD/ev" setitimer)" -ge 7 ] || fail "setitimer: $(final_count "$TMPD/ev" setitimer), want >= 7"
	[ "$(jq -r 'select(.final and .name == "setitimer") | .via' "$TMPD/ev")" = timer ] || fail "setitimer not counted by the timer program"
	[ -z "$(final_count "$TMPD/ev" getppid)" ] || fail "ignored getppid counted: $(final_count "$TMPD/ev" getppid)"
	[ -z "$(final_count "$TMPD/ev" close)" ] || fail "ignored close counted"
	# the dispatcher itself counts what has no program (waitpid)
	[ "$(jq -r 'select(.final and .name == "wait4") | .via' "$TMPD/ev")" = dispatcher ] || fail "wait4 not counted by the dispatcher"
	# counts rose in an interval table, not only at exit
	[ "$(jq -s '[.[] | select(.final == false and .name == "execve" and .delta > 0)] | length' "$TMPD/ev")" -ge 1 ] ||
		fail "no interval table showed execve"
	grep -q 'events, 0 lost' "$TMPD/ev.err" || fail "summary: $(cat "$TMPD/ev.err")"
}

test_text_table_and_no_self_counting() {
	need_root
	# an idle machine may make no syscall in an interval: make some (sleep forks and execs)
	(for ((i = 0; i < 20; i++)); do sleep 0.05; done) &
	local load=$!
	bk trace syscalls --duration 1.2 --interval 0.5
	wait "$load"
	expect_rc 0
	printf '%s\n' "$out" | grep -Eq '^TOTAL +SYSCALL +NR VIA +COUNT +DELTA$' || fail "no TOTAL table: ${out:0:300}"
	printf '%s\n' "$out" | grep -Eq '^[0-9:]{8} +[a-z_0-9]+ +[0-9]+ (dispatcher|execve|timer) +[0-9]+ +[0-9]+$' || fail "no row: ${out:0:300}"
	# bpfkit polls with nanosleep and reads maps with bpf(): its own calls are not counted
	# (-p its own pid: exec keeps the shell's)
	out=$(BK="$BPFKIT" sh -c 'exec "$BK" trace syscalls --json --duration 1 --interval 0.2 -p $$')
	[ $? -eq 0 ] || fail "exit code $?"
	[ -z "$out" ] || fail "bpfkit counted itself: ${out:0:200}"
}

test_count_stops_after_table_rows() {
	need_root
	(for ((i = 0; i < 40; i++)); do sleep 0.05; done) &
	local load=$!
	# a table's rows count as events: --count 1 ends at the first table, long before 10 s
	SECONDS=0
	bk trace syscalls --json --count 1 --interval 0.2 --duration 10
	local took=$SECONDS
	kill "$load" 2>/dev/null
	wait "$load" 2>/dev/null
	expect_rc 0
	[ "$took" -lt 5 ] || fail "--count 1 ran ${took} s"
	[[ $err =~ (^|$'\n')[1-9][0-9]*\ events ]] || fail "summary: $err"
	jq -e 'select(.count > 0)' <<<"$out" > /dev/null || fail "no row: ${out:0:200}"
}

test_nothing_left_loaded() {
	need_root
	local ids id
	"$BPFKIT" trace syscalls --interval 5 > /dev/null 2>&1 &
	local tr=$!
	sleep 0.8
	ids=$(held_prog_ids "$tr")
	# the dispatcher and the three tail call targets (libbpf holds an fd for each)
	[ "$(echo "$ids" | wc -w)" -eq 4 ] || { kill "$tr"; fail "tracer holds programs: $ids"; }
	kill -TERM "$tr"
	wait "$tr" || fail "SIGTERM exit $?"
	# the program array is freed by a kernel work item, its programs after it: give it time
	local i left
	for ((i = 0; i < 50; i++)); do
		left=
		for id in $ids; do
			bpftool prog show id "$id" > /dev/null 2>&1 && left="$left $id"
		done
		[ -z "$left" ] && return 0
		sleep 0.1
	done
	fail "programs still loaded 5 s after exit:$left"
}

test_usage_errors() {
	bk trace syscalls --ignore no_such_call
	expect_rc 2
	[[ $err == *"--ignore: no syscall 'no_such_call'"* ]] || fail "$err"
	bk trace syscalls --interval 0
	expect_rc 2
	bk trace syscalls --interval abc
	expect_rc 2
	bk trace syscalls --ignore ,
	expect_rc 2
	[[ $err == *"--ignore: no syscall named"* ]] || fail "$err"
}
