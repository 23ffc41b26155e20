# shellcheck shell=bash
# --listen: counting tracers serve their counts as Prometheus metrics over HTTP, scraped here
# with a real client (python3's urllib) on 127.0.0.1.
# shellcheck source=tests/kernel/trace_common.bash
source "$(dirname "${BASH_SOURCE[0]}")/trace_common.bash"

scrape() {	# scrape PORT: the /metrics body, retried while the tracer starts
	python3 - "$1" <<'PY'
import sys, time, urllib.request
for _ in range(50):
    try:
        print(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/metrics", timeout=2).read().decode())
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
PY
}

listen_run() {	# listen_run PORT TRACER ARGS...: the tracer in the background, TRACER_PID
	local port=$1
	shift
	"$BPFKIT" trace "$@" --listen "127.0.0.1:$port" --duration 20 >out.txt 2>err.txt &
	TRACER_PID=$!
	trap 'kill -INT $TRACER_PID 2>/dev/null; wait $TRACER_PID 2>/dev/null' EXIT
}

test_syscalls_listen() {
	need_root
	local port=$((20000 + $$ % 10000)) body
	listen_run "$port" syscalls --interval 60
	scrape "$port" >/dev/null || fail "no metrics endpoint: $(cat err.txt)"
	for _ in 1 2 3; do /bin/true; done
	body=$(scrape "$port") || fail "scrape failed"
	grep -q '^# TYPE bpfkit_syscalls_total counter$' <<<"$body" || fail "no TYPE line: $body"
	grep -Eq '^bpfkit_syscalls_total\{syscall="execve",nr="59"\} [1-9][0-9]*$' <<<"$body" ||
		fail "no execve count: $body"
	grep -q "serving metrics on 127.0.0.1:$port" err.txt || fail "no notice: $(cat err.txt)"
	kill -INT $TRACER_PID; wait $TRACER_PID || fail "tracer exit status $?"
}

test_execcount_listen() {
	need_root
	local port=$((21000 + $$ % 10000)) body n
	listen_run "$port" execcount --interval 60 -u 0
	scrape "$port" >/dev/null || fail "no metrics endpoint: $(cat err.txt)"
	for _ in 1 2 3 4; do /bin/true; done
	body=$(scrape "$port") || fail "scrape failed"
	n=$(sed -n 's/^bpfkit_execs_total{uid="0",user="root"} \([0-9]*\)$/\1/p' <<<"$body")
	[ -n "$n" ] && [ "$n" -ge 4 ] || fail "root's execs: '$n' in $body"
	grep -q '^bpfkit_execs_overflow_total 0$' <<<"$body" || fail "overflow: $body"
	kill -INT $TRACER_PID; wait $TRACER_PID || fail "tracer exit status $?"
}

test_listen_refused_where_nothing_counts() {
	bk trace openat --listen 127.0.0.1:1
	expect_rc 2
	[[ $err == *"unknown option '--listen'"* ]] || fail "$err"
}

test_bad_addresses_are_usage_errors() {
	local a
	for a in 127.0.0.1:70000 :65536 127.0.0.1:-1 ::1:9437 nohost:9435 127.0.0.1; do
		bk trace execcount --listen "$a"
		expect_rc 2
		[[ $err == *"--listen '$a': "* ]] || fail "$a: $err"
	done
	[[ $err == *"want ADDR:PORT"* ]] || fail "no port: $err"
}

# Port 0 binds a free port: the notice gives the one bound, and its URL answers.
test_any_port_notice_has_the_url() {
	need_root
	"$BPFKIT" trace execcount --interval 60 --listen :0 > /dev/null 2> "$TMPD/err" &
	TRACER_PID=$!
	trap 'kill -INT $TRACER_PID 2>/dev/null; wait $TRACER_PID 2>/dev/null' EXIT
	wait_for "$TMPD/err" 'curl http' 10 || fail "no notice: $(cat "$TMPD/err")"
	local url
	url=$(sed -n 's/^serving metrics on :0 (port [1-9][0-9]*): curl \(http:\/\/127\.0\.0\.1:[1-9][0-9]*\/metrics\)$/\1/p' "$TMPD/err")
	[ -n "$url" ] || fail "notice: $(cat "$TMPD/err")"
	python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' "$url" |
		grep -q '^# TYPE bpfkit_execs_total counter$' || fail "$url does not answer"
	kill -INT $TRACER_PID; wait $TRACER_PID || fail "tracer exit status $?"
	# -q: no notice
	bk trace execcount --interval 60 --listen 127.0.0.1:0 -q --duration 0.3
	expect_rc 0
	[[ $err != *serving* ]] || fail "-q said: $err"
}
