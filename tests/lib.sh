# shellcheck shell=bash
# Helpers for tests/cli/*.sh and tests/kernel/*.sh, sourced by tests/run.sh.
# Each test file defines functions named test_*; the runner calls each one in a subshell.
# A test calls pass, fail "why" or skip "why" (exactly once, last), or just returns:
# return status 0 = pass, non-zero = fail. Available:
#   $BPFKIT    the binary under test      $FIXTURES  compiled fixture objects (*.bpf.o)
#   $TMPD      a fresh temporary directory for this test, removed afterwards
#   bk ARGS... runs bpfkit; sets $out (stdout), $err (stderr), $rc (exit code)

pass() { exit 0; }
fail() { echo "    $*" >&2; exit 1; }
skip() { echo "skip: $*" >&2; exit 77; }

bk() {
	local o e
	o=$(mktemp "$TMPD/out.XXXXXX"); e=$(mktemp "$TMPD/err.XXXXXX")
	"$BPFKIT" "$@" >"$o" 2>"$e"
	rc=$?
	out=$(cat "$o"); err=$(cat "$e")
	rm -f "$o" "$e"
	# a signal (ASan abort, segfault) is never an acceptable outcome
	[ "$rc" -lt 128 ] || fail "bpfkit $* died with status $rc: $err"
	return 0
}

# expect_rc N: fail unless the last bk exited with N.
expect_rc() {
	[ "$rc" -eq "$1" ] || fail "exit code $rc, want $1; stderr: $err"
}

# json_ok: stdout of the last bk parses as JSON.
json_ok() {
	printf '%s' "$out" | jq -e . >/dev/null 2>&1 || fail "stdout is not JSON: ${out:0:200}"
}

# jq_is FILTER WANT: jq -r FILTER on $out equals WANT.
jq_is() {
	local got
	got=$(printf '%s' "$out" | jq -r "$1" 2>&1)
	[ "$got" = "$2" ] || fail "jq '$1' gave '$got', want '$2'"
}

need_root() { [ "$(id -u)" -eq 0 ] || skip "needs root"; }
