# shellcheck shell=bash
# Helpers of the trace_* kernel tests (sourced by them; not a test file itself).

# start_trace TRACER OUTFILE ARGS...: bpfkit trace in the background; TRACER_PID is its pid.
start_trace() {
	local name=$1 outfile=$2
	shift 2
	"$BPFKIT" trace "$name" "$@" > "$outfile" 2> "$outfile.err" &
	TRACER_PID=$!
	trap 'kill -INT $TRACER_PID 2>/dev/null; wait $TRACER_PID 2>/dev/null; eval "${CLEANUP:-:}"' EXIT
}

# CLEANUP, when set, is run on exit too (after the tracer stopped).
# stop_trace [SIGNAL]: signal it (INT by default), wait; TRACER_RC is its exit status.
stop_trace() {
	kill "-${1:-INT}" "$TRACER_PID"
	wait "$TRACER_PID"
	TRACER_RC=$?
	trap 'eval "${CLEANUP:-:}"' EXIT
}

# wait_for FILE PATTERN SECONDS: until grep -q finds it.
wait_for() {
	local i
	for ((i = 0; i < $3 * 20; i++)); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# wait_attached PID: until the tracer holds BPF programs (it has loaded and attached).
wait_attached() {
	local i
	for ((i = 0; i < 200; i++)); do
		[ -n "$(held_prog_ids "$1")" ] && { sleep 0.1; return 0; }
		sleep 0.05
	done
	return 1
}

# held_prog_ids PID: the BPF program ids PID holds, from its fds.
held_prog_ids() {
	grep -h '^prog_id:' /proc/"$1"/fdinfo/* 2>/dev/null | awk '{ print $2 }' | sort -u
}

# assert_unloaded IDS...: none of these programs is loaded any more ('prog list -j').
assert_unloaded() {
	local loaded id
	sleep 0.2
	loaded=$("$BPFKIT" prog list -j | jq -r '.[].id')
	for id in "$@"; do
		grep -qx "$id" <<<"$loaded" && fail "program $id still loaded after exit"
	done
	return 0
}

# make_marker: a copy of /bin/echo under a unique name (its comm once exec'd):
# MARK_BIN, MARK_NAME.
make_marker() {
	MARK_NAME="bkm$RANDOM$$"
	MARK_NAME=${MARK_NAME:0:15}
	MARK_BIN="$TMPD/$MARK_NAME"
	cp /bin/echo "$MARK_BIN"
}

summary_ok() {
	grep -Eq '^[0-9]+ events, [0-9]+ lost$' "$1" || fail "no summary: $(cat "$1")"
}
