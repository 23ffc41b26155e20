# shellcheck shell=bash
# bpfkit trace without a kernel: the registry, its help, and every bundled object readable.

test_trace_list_is_the_registry() {
	bk trace list -j
	expect_rc 0
	json_ok
	jq_is '.[] | select(.name == "openat") | .summary' "openat/openat2 calls: process, flags, path, fd or errno"
	jq_is '[.[] | .needs | length > 0] | all' true
	bk trace --help
	expect_rc 0
	for t in $(bk trace list -j >/dev/null; printf '%s' "$out" | jq -r '.[].name'); do
		[[ $out == *"  $t "* ]] || fail "trace --help does not list $t"
	done
}

test_every_tracer_object_inspects() {
	local names
	names=$("$BPFKIT" trace list -j | jq -r '.[].name')
	[ -n "$names" ] || fail "no tracers"
	# every bundled object inspects (trace log loads none: it is not one)
	for t in $("$BPFKIT" version -j | jq -r '.bundled[]'); do
		bk inspect "@$t" --all -j
		expect_rc 0
		jq_is '.nr_programs > 0' true
	done
	[[ $'\n'$names$'\n' == *$'\n'log$'\n'* ]] || fail "no trace log in: $names"
	for t in $names; do
		bk "trace" "$t" --help
		expect_rc 0
		[[ $out == "Usage: bpfkit trace $t "* ]] || fail "help of $t: ${out:0:80}"
		# -p is either the tracer's --pid or the common --pretty, and the help says which
		if [[ $out == *$'\n  -p, --pid '* ]]; then
			[[ $out == *$'\n      --pretty '* && $out != *"-p, --pretty"* ]] || fail "$t help: -p is --pid and --pretty"
			# and --pretty still means --pretty, not --pid
			bk trace "$t" --pretty --no-such-option
			expect_rc 2
			[[ $err == *"unknown option '--no-such-option'"* ]] || fail "$t --pretty: $err"
		else
			[[ $out == *$'\n  -p, --pretty '* ]] || fail "$t help: no -p, --pretty"
		fi
	done
}

test_trace_usage() {
	bk trace
	expect_rc 2
	[[ $err == *"which tracer?"* ]] || fail "$err"
	bk trace nosuch
	expect_rc 2
	bk trace list extra
	expect_rc 2
}

test_seconds_are_finite_numbers() {
	local v
	for v in inf nan ' 1' '1 ' 0 -1 +1 1e309 2e9 ''; do
		bk trace openat --duration "$v"
		expect_rc 2
		[[ $err == *"--duration: '$v' is not a positive number of seconds"* ]] || fail "--duration '$v': $err"
		bk trace execcount --interval "$v"
		expect_rc 2
		[[ $err == *"--interval: '$v' is not a number of seconds (0.01 to 1e9)"* ]] || fail "--interval '$v': $err"
	done
	bk trace execcount --interval 0.001
	expect_rc 2
	bk map watch id 1 --interval inf
	expect_rc 2
	[[ $err == *"--interval: 'inf' is not a positive number"* ]] || fail "map watch: $err"
}
