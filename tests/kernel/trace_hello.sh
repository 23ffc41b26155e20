# shellcheck shell=bash
# bpfkit trace hello: "Hello World" per exec, through the ring buffer and through bpf_printk.
# shellcheck source=tests/kernel/trace_common.bash
source "$(dirname "${BASH_SOURCE[0]}")/trace_common.bash"

# run_hello ARGS...: trace while the marker execs as root and as nobody; ev in $TMPD/ev.
run_hello() {
	make_marker
	start_trace hello "$TMPD/ev" -n "$MARK_NAME" "$@"
	wait_attached "$TRACER_PID" || fail "tracer did not attach: $(cat "$TMPD/ev.err")"
	"$MARK_BIN" hi > /dev/null
	setpriv --reuid=65534 "$MARK_BIN" hi > /dev/null
	wait_for "$TMPD/ev" '65534' 10 || fail "no event for uid 65534: $(cat "$TMPD/ev" "$TMPD/ev.err")"
	stop_trace
	[ "$TRACER_RC" -eq 0 ] || fail "exit $TRACER_RC: $(cat "$TMPD/ev.err")"
}

test_ring_buffer_hello() {
	need_root
	run_hello --json
	[ "$(wc -l < "$TMPD/ev")" -eq 2 ] || fail "$(wc -l < "$TMPD/ev") events, want 2: $(cat "$TMPD/ev")"
	out=$(head -n 1 "$TMPD/ev")
	jq_is .message "Hello World"
	jq_is .comm "$MARK_NAME"
	jq_is .uid 0
	jq_is '.pid > 0' true
	out=$(sed -n 2p "$TMPD/ev")
	jq_is .uid 65534
	grep -q '^2 events, 0 lost$' "$TMPD/ev.err" || fail "summary: $(cat "$TMPD/ev.err")"
}

test_printk_hello_through_trace_pipe() {
	need_root
	local before
	before=$(cat /sys/kernel/tracing/tracing_on 2>/dev/null)
	run_hello --printk -T
	head -n 1 "$TMPD/ev" | grep -Eq '^TIME\(s\) +PID +UID +COMM +MESSAGE$' || fail "header: $(head -n 1 "$TMPD/ev")"
	grep -Eq "^[0-9]+\.[0-9]{6} +[0-9]+ +0 +$MARK_NAME +Hello World\$" "$TMPD/ev" || fail "no root line: $(cat "$TMPD/ev")"
	grep -Eq "^[0-9]+\.[0-9]{6} +[0-9]+ +65534 +$MARK_NAME +Hello World\$" "$TMPD/ev" || fail "no nobody line: $(cat "$TMPD/ev")"
	[ "$(cat /sys/kernel/tracing/tracing_on 2>/dev/null)" = "$before" ] || fail "tracing_on not restored"
}

test_sigterm_detaches() {
	need_root
	start_trace hello "$TMPD/ev"
	wait_attached "$TRACER_PID" || fail "tracer did not attach"
	local ids
	ids=$(held_prog_ids "$TRACER_PID")
	stop_trace TERM
	[ "$TRACER_RC" -eq 0 ] || fail "exit $TRACER_RC"
	summary_ok "$TMPD/ev.err"
	# shellcheck disable=SC2086
	assert_unloaded $ids
}
