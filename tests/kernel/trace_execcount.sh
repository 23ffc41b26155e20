# shellcheck shell=bash
# bpfkit trace execcount: execs per UID counted in the kernel, a table every interval.
# shellcheck source=tests/kernel/trace_common.bash
source "$(dirname "${BASH_SOURCE[0]}")/trace_common.bash"

test_counts_per_uid_and_deltas() {
	need_root
	make_marker
	start_trace execcount "$TMPD/ev" --json -n "$MARK_NAME" --interval 0.5
	wait_attached "$TRACER_PID" || fail "tracer did not attach"
	local i
	for i in 1 2 3; do "$MARK_BIN" a > /dev/null; done
	setpriv --reuid=65534 "$MARK_BIN" b > /dev/null
	wait_for "$TMPD/ev" '"uid":65534' 10 || fail "no table with uid 65534: $(cat "$TMPD/ev.err")"
	sleep 0.7	# one more table: deltas back to 0
	stop_trace
	[ "$TRACER_RC" -eq 0 ] || fail "exit $TRACER_RC: $(cat "$TMPD/ev.err")"
	out=$(jq -c 'select(.final and .uid == 0)' "$TMPD/ev")
	jq_is .count 3
	jq_is .delta 0
	jq_is .user root
	jq_is .overflow 0
	out=$(jq -c 'select(.final and .uid == 65534)' "$TMPD/ev")
	jq_is .count 1
	# the first table that saw them counted them as the delta
	[ "$(jq -s '[.[] | select(.uid == 0) | .delta] | add' "$TMPD/ev")" -eq 3 ] || fail "deltas do not add up to 3"
	summary_ok "$TMPD/ev.err"
}

test_full_map_overflow_is_counted() {
	need_root
	make_marker
	start_trace execcount "$TMPD/ev" -n "$MARK_NAME" --max-uids 1 --interval 60
	wait_attached "$TRACER_PID" || fail "tracer did not attach"
	"$MARK_BIN" a > /dev/null
	setpriv --reuid=65534 "$MARK_BIN" b > /dev/null
	setpriv --reuid=65534 "$MARK_BIN" b > /dev/null
	stop_trace
	[ "$TRACER_RC" -eq 0 ] || fail "exit $TRACER_RC: $(cat "$TMPD/ev.err")"
	grep -Eq '^0 +root +1 +1$' "$TMPD/ev" || fail "no root row: $(cat "$TMPD/ev")"
	grep -q '^overflow: 2 execs not counted' "$TMPD/ev" || fail "no overflow line: $(cat "$TMPD/ev")"
	grep -q '^1 events, 2 lost$' "$TMPD/ev.err" || fail "summary: $(cat "$TMPD/ev.err")"
	grep -Eq '^UID +USER +COUNT +DELTA$' "$TMPD/ev" || fail "no table header"
}

test_usage_errors() {
	bk trace execcount --interval 0
	expect_rc 2
	[[ $err == *"--interval: '0' is not a number of seconds"* ]] || fail "$err"
	bk trace execcount --max-uids x
	expect_rc 2
}
