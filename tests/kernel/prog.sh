# shellcheck shell=bash disable=SC2154 # $out $err $rc: set by bk (tests/lib.sh)
# bpfkit prog list|show|dump|run and stats, against programs this file loads with bpftool
# into its own bpffs directory (removed on exit, even on failure).

# load_fixture: the xdp_port9 fixture's programs pinned under $PINS; XDP_ID, RAW_ID.
load_fixture() {
	need_root
	command -v bpftool >/dev/null || skip "bpftool not installed"
	PINS=/sys/fs/bpf/bkt-prog-$$-$RANDOM
	trap 'rm -rf "$PINS"' EXIT
	bpftool prog loadall "$FIXTURES/xdp_port9.bpf.o" "$PINS" ||
		fail "bpftool prog loadall failed"
	XDP_ID=$(bpftool -j prog show pinned "$PINS/xdp_port9" | jq .id)
	RAW_ID=$(bpftool -j prog show pinned "$PINS/count_enter" | jq .id)
	[ -n "$XDP_ID" ] && [ -n "$RAW_ID" ] || fail "no ids for the fixture's programs"
}

# same_as_bpftool OURS THEIRS: every key bpftool prints has the same value and JSON type
# in ours; loaded_at may differ by a second (both compute it from the boot time at print).
same_as_bpftool() {
	jq -n --argjson a "$1" --argjson b "$2" '
		[$b | keys[] as $k | select($k != "loaded_at") |
		 select(($a[$k] | tojson) != ($b[$k] | tojson)) |
		 "\($k): bpfkit \($a[$k] | tojson), bpftool \($b[$k] | tojson)"] +
		(if (($a.loaded_at - $b.loaded_at) | fabs) > 1 then
			["loaded_at: \($a.loaded_at) vs \($b.loaded_at)"] else [] end) | .[]' -r
}

test_show_matches_bpftool() {
	local id diff
	load_fixture
	for id in "$XDP_ID" "$RAW_ID"; do
		bk prog show id "$id" -j
		expect_rc 0
		json_ok
		diff=$(same_as_bpftool "$out" "$(bpftool -j -f prog show id "$id")")
		[ -z "$diff" ] || fail "prog $id differs from bpftool: $diff"
		# the fields bpftool 7.1 lacks, with their types
		jq_is '[.orphaned, (.verified_insns | type), (.attached | type), (.pids | type)] | @text' \
			'[false,"number","array","array"]'
	done
	jq_is '.pinned[0]' "$PINS/count_enter"
}

test_list_json_matches_bpftool() {
	local theirs diff
	load_fixture
	bk prog list --json
	expect_rc 0
	json_ok
	theirs=$(bpftool -j -f prog list)
	for id in "$XDP_ID" "$RAW_ID"; do
		diff=$(same_as_bpftool "$(printf '%s' "$out" | jq -c ".[] | select(.id == $id)")" \
			"$(printf '%s' "$theirs" | jq -c ".[] | select(.id == $id)")")
		[ -z "$diff" ] || fail "prog $id in the list differs from bpftool: $diff"
	done
	bk -p prog list
	expect_rc 0
	json_ok
	jq_is "map(select(.id == $XDP_ID)) | .[0].name" xdp_port9
	# 'prog' alone is 'prog list'
	bk prog
	expect_rc 0
	printf '%s\n' "$out" | head -n 1 | grep -q '^ *ID  TYPE' || fail "no table header: $(head -n 1 <<<"$out")"
	printf '%s\n' "$out" | grep -E "^ *$XDP_ID +xdp +xdp_port9 " | grep -q "$PINS/xdp_port9" ||
		fail "no row for $XDP_ID with its pin: $out"
}

test_show_selectors() {
	local tag
	load_fixture
	tag=$(bpftool -j prog show id "$XDP_ID" | jq -r .tag)
	bk prog show pinned "$PINS/xdp_port9" -j
	expect_rc 0
	jq_is .id "$XDP_ID"
	bk prog show "$XDP_ID" -j
	jq_is .name xdp_port9
	bk prog show tag "$tag" -j
	expect_rc 0
	# one match is an object, several an array: the fixture's own is there either way
	jq_is "[.] | flatten | map(select(.id == $XDP_ID)) | length" 1
	bk prog show name xdp_port9 -j
	expect_rc 0
	jq_is "[.] | flatten | map(select(.id == $XDP_ID)) | .[0].type" xdp
	bk prog show id "$XDP_ID"
	expect_rc 0
	printf '%s\n' "$out" | grep -Eq '^loaded_at: +[0-9]{4}-[0-9]{2}-[0-9]{2}T' ||
		fail "text show has no loaded_at date: $out"
	printf '%s\n' "$out" | grep -Eq "^pinned: +$PINS/xdp_port9\$" || fail "text show: no pin: $out"
}

# A process holding programs and a tracepoint link: bpfkit trace itself.
test_pids_and_attached() {
	local tracer id i
	need_root
	"$BPFKIT" trace openat --duration 20 >/dev/null 2>&1 &
	tracer=$!
	# shellcheck disable=SC2064 # expand now: the locals are gone when the trap runs
	trap "kill -INT $tracer 2>/dev/null; wait $tracer 2>/dev/null" EXIT
	for ((i = 0; i < 100; i++)); do
		bk prog list -j
		id=$(printf '%s' "$out" | jq -r --argjson p "$tracer" \
			'.[] | select(.pids | map(.pid) | index($p)) | .id' | head -n 1)
		[ -n "$id" ] && break
		sleep 0.1
	done
	[ -n "$id" ] || fail "no program held by the tracer (pid $tracer): $out"
	bk prog show id "$id" -j
	jq_is "[.pids[] | select(.pid == $tracer) | .comm] | .[0]" bpfkit
	jq_is '[.attached[].target] | map(select(startswith("tracepoint:syscalls:sys_"))) | length > 0' true
	jq_is '.attached[0].link_type' perf_event
}

test_dump_xlated() {
	load_fixture
	bk prog dump xlated pinned "$PINS/count_enter"
	expect_rc 0
	for want in '^count_enter:$' 'call bpf_ktime_get_ns' 'map: xdp_port.bss' \
		    '^; 	__sync_fetch_and_add\(&sys_enters, 1\);$' ' exit$'; do
		printf '%s\n' "$out" | grep -Eq -- "$want" || fail "no '$want' in: $out"
	done
	bk prog dump xlated id "$XDP_ID" --linum --opcodes
	expect_rc 0
	printf '%s\n' "$out" | grep -q 'map: port9_stats' || fail "no map name: $out"
	printf '%s\n' "$out" | grep -Eq '\[.*xdp_port9\.bpf\.c:[0-9]+:[0-9]+\]$' || fail "no --linum: $out"
	printf '%s\n' "$out" | grep -Eq '^ +( [0-9a-f]{2}){8}$' || fail "no --opcodes bytes: $out"
	bk prog dump xlated id "$RAW_ID" -j
	expect_rc 0
	json_ok
	jq_is '[.[] | select(.text == "call bpf_ktime_get_ns")] | length' 1
	jq_is '[.[] | .source.line | select(. != null)] | length > 0' true
}

# bpf-to-bpf calls: the kernel keeps the offset in off; the callee is named from func_info.
test_dump_xlated_subprograms() {
	local pins=/sys/fs/bpf/bkt-sub-$$-$RANDOM
	need_root
	command -v bpftool >/dev/null || skip "bpftool not installed"
	# shellcheck disable=SC2064 # expand now: the local is gone when the trap runs
	trap "rm -rf '$pins'" EXIT
	bpftool prog loadall "$FIXTURES/disasm.bpf.o" "$pins" || fail "bpftool prog loadall failed"
	bk prog dump xlated pinned "$pins/handle_openat"
	expect_rc 0
	printf '%s\n' "$out" | grep -Eq '^ +[0-9]+: \(85\) call pc\+[0-9]+    ; mix$' || fail "no call to mix: $out"
	printf '%s\n' "$out" | grep -qx 'mix:' || fail "no label for mix: $out"
	printf '%s\n' "$out" | grep -q 'invalid' && fail "a translated instruction called invalid: $out"
	return 0
}

test_dump_jited() {
	load_fixture
	bk prog dump jited id "$XDP_ID"
	[ "$rc" -eq 1 ] && [[ $err == *libLLVM* ]] && skip "no libLLVM: $err"
	expect_rc 0
	printf '%s\n' "$out" | head -n 1 | grep -qx 'xdp_port9:' || fail "no function label: $(head -n 3 <<<"$out")"
	# host code: x86 or arm64 mnemonics, and the source lines between them
	printf '%s\n' "$out" | grep -Eq '^ +[0-9a-f]+: (push|ret|mov|stp|ldp)' || fail "no host instructions: $out"
	printf '%s\n' "$out" | grep -q '^; .*bpf_htons(ETH_P_IP)' || fail "no source lines: $out"
	bk prog dump jited id "$XDP_ID" -j --opcodes
	expect_rc 0
	json_ok
	jq_is '[.[] | select(.source.text != null)] | length > 3' true
	jq_is '.[0] | [.func, .pc, (.opcodes | test("^[0-9a-f]+$"))] | @text' '["xdp_port9","0x0",true]'
}

# packet PORT PROTO: an Ethernet + IPv4 + UDP (17) or TCP (6) frame to PORT, on stdout.
packet() {
	python3 - "$1" "$2" <<'PY'
import struct, sys
port, proto = int(sys.argv[1]), int(sys.argv[2])
eth = b"\x02" * 6 + b"\x04" * 6 + struct.pack("!H", 0x0800)
l4 = struct.pack("!HHHH", 40000, port, 8 + 4, 0) + b"data" if proto == 17 else \
     struct.pack("!HHIIHHHH", 40000, port, 0, 0, 0x5002, 1024, 0, 0)
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0, 64, proto, 0,
                 bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
sys.stdout.buffer.write(eth + ip + l4)
PY
}

test_run_xdp_actions() {
	load_fixture
	packet 9 17 >"$TMPD/udp9"
	packet 53 17 >"$TMPD/udp53"
	packet 9 6 >"$TMPD/tcp9"
	head -c 20 "$TMPD/udp9" >"$TMPD/short"	# Ethernet, then 6 bytes of IP: bounds checks
	for c in "udp9 XDP_DROP 1" "udp53 XDP_PASS 2" "tcp9 XDP_PASS 2" "short XDP_PASS 2"; do
		set -- $c
		bk prog run id "$XDP_ID" --data-in "$TMPD/$1" -j
		expect_rc 0
		jq_is .action "$2"
		jq_is .retval "$3"
		jq_is .data_out_size "$(stat -c %s "$TMPD/$1")"
	done
	# the output data is the packet (XDP_PASS does not change it), to a file or as hex
	bk prog run pinned "$PINS/xdp_port9" --data-in "$TMPD/udp53" --data-out "$TMPD/out" --repeat 50
	expect_rc 0
	cmp -s "$TMPD/udp53" "$TMPD/out" || fail "--data-out differs from the input"
	printf '%s\n' "$out" | grep -Eq '^action: +XDP_PASS$' || fail "text: no action line: $out"
	printf '%s\n' "$out" | grep -Eq '^repeat: +50$' || fail "text: no repeat: $out"
	bk prog run id "$XDP_ID" --data-in - -j <"$TMPD/udp9"
	jq_is .data_out "$(od -An -tx1 -v "$TMPD/udp9" | tr -d ' \n')"
}

test_run_tc_actions() {
	local id
	load_fixture
	id=$(bpftool -j prog show pinned "$PINS/tc_port9" | jq .id)
	packet 9 17 >"$TMPD/udp9"
	packet 80 6 >"$TMPD/tcp80"
	bk prog run id "$id" --data-in "$TMPD/udp9" -j
	expect_rc 0
	jq_is '[.retval, .action] | @text' '[2,"TC_ACT_SHOT"]'
	bk prog run id "$id" --data-in "$TMPD/tcp80" -j
	expect_rc 0
	jq_is '[.retval, .action] | @text' '[0,"TC_ACT_OK"]'
	bk prog show id "$id" -j
	jq_is .type sched_cls
}

test_run_bad_input() {
	load_fixture
	bk prog run id "$XDP_ID"		# XDP needs a packet
	expect_rc 1
	[[ $err == *"--data-in"* ]] || fail "no hint about --data-in: $err"
	bk prog run id "$XDP_ID" --data-in /nonexistent
	expect_rc 1
	[[ $err == *"/nonexistent"* ]] || fail "stderr: $err"
	bk prog run id "$XDP_ID" --repeat 0 --data-in /dev/null
	expect_rc 2
}

test_unknown_id_and_bad_selectors() {
	need_root
	bk prog show id 4000000000
	expect_rc 1
	[ "$err" = "bpfkit: prog show: no program with id 4000000000; 'bpfkit prog list' shows them" ] ||
		fail "stderr: $err"
	bk prog show id 4000000000 -j
	expect_rc 1
	jq_is '.error | contains("no program with id")' true
	bk prog show name no_such_prog_xyz
	expect_rc 1
	for args in "show bogus" "show id" "show id abc" "show tag 12" "show 1 2" "dump xlated" \
		    "dump sideways 1" "run" "list extra"; do
		# shellcheck disable=SC2086
		bk prog $args
		[ "$rc" -eq 2 ] || fail "bpfkit prog $args: exit $rc, want 2: $err"
		[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "bpfkit prog $args: stderr not one line: $err"
	done
	bk prog show pinned /nonexistent/pin
	expect_rc 1
}

test_no_privileges() {
	need_root
	command -v setpriv >/dev/null || skip "setpriv not installed"
	local nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)
	out=$("${nobody[@]}" "$BPFKIT" prog list 2>&1 >/dev/null)
	rc=$?
	[ "$rc" -eq 1 ] || fail "prog list as nobody: exit $rc: $out"
	[[ $out == *"CAP_SYS_ADMIN"* ]] || fail "prog list as nobody: $out"
	out=$("${nobody[@]}" "$BPFKIT" prog show id 1 2>&1 >/dev/null)
	rc=$?
	[ "$rc" -eq 1 ] && [[ $out == *"root"* ]] || fail "prog show as nobody: exit $rc: $out"
	out=$("${nobody[@]}" "$BPFKIT" stats on 2>&1 >/dev/null)
	rc=$?
	[ "$rc" -eq 1 ] && [[ $out == *"CAP_SYS_ADMIN"* ]] || fail "stats on as nobody: exit $rc: $out"
}

test_stats_on_off() {
	local was run
	load_fixture
	packet 53 17 >"$TMPD/udp53"
	was=$(cat /proc/sys/kernel/bpf_stats_enabled)
	# shellcheck disable=SC2064 # expand now: the local is gone when the trap runs
	trap "echo $was > /proc/sys/kernel/bpf_stats_enabled; rm -rf '$PINS'" EXIT
	bk stats on -j
	expect_rc 0
	jq_is '.enabled and .sysctl' true
	[ "$(cat /proc/sys/kernel/bpf_stats_enabled)" = 1 ] || fail "sysctl not set"
	bk prog run id "$XDP_ID" --data-in "$TMPD/udp53" --repeat 10
	expect_rc 0
	bk prog show id "$XDP_ID" -j
	run=$(printf '%s' "$out" | jq .run_cnt)
	[ "$run" -ge 10 ] || fail "run_cnt $run after 10 test runs with stats on"
	jq_is '.run_time_ns > 0' true
	bk stats off -j
	expect_rc 0
	jq_is .sysctl false
	[ "$(cat /proc/sys/kernel/bpf_stats_enabled)" = 0 ] || fail "sysctl not reset"
	bk stats
	expect_rc 0
	printf '%s\n' "$out" | grep -Eq '^kernel.bpf_stats_enabled: +false$' || fail "stats text: $out"
	bk stats sideways
	expect_rc 2
}

# A process holding a BPF_ENABLE_STATS fd keeps stats on whatever the sysctl says.
test_stats_held_by_fd() {
	local was holder i
	need_root
	was=$(cat /proc/sys/kernel/bpf_stats_enabled)
	python3 - >"$TMPD/holder" <<'PY' &
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
attr = (ctypes.c_uint32 * 32)()          # union bpf_attr: enable_stats.type = BPF_STATS_RUN_TIME (0)
fd = libc.syscall(321, 32, attr, 4)      # bpf(BPF_ENABLE_STATS)
print(fd if fd >= 0 else -ctypes.get_errno(), flush=True)
time.sleep(20)
PY
	holder=$!
	# shellcheck disable=SC2064 # expand now: the locals are gone when the trap runs
	trap "kill $holder 2>/dev/null; wait $holder 2>/dev/null; echo $was > /proc/sys/kernel/bpf_stats_enabled" EXIT
	for ((i = 0; i < 50; i++)); do [ -s "$TMPD/holder" ] && break; sleep 0.1; done
	[ "$(cat "$TMPD/holder")" -ge 0 ] 2>/dev/null || skip "BPF_ENABLE_STATS failed: $(cat "$TMPD/holder")"
	echo 0 > /proc/sys/kernel/bpf_stats_enabled
	bk stats show -j
	expect_rc 0
	jq_is '[.enabled, .sysctl] | @text' '[true,false]'
	jq_is "[.held_by[] | select(.pid == $holder) | .comm] | .[0]" python3
	kill "$holder"
	wait "$holder" 2>/dev/null
	bk stats show -j
	jq_is "[.held_by[] | select(.pid == $holder)] | length" 0
}

# A bpffs directory given where a pinned program is wanted: said as such, not "run as root".
test_show_pinned_directory() {
	need_root
	bk prog show pinned /sys/fs/bpf
	expect_rc 1
	[[ $err == *"/sys/fs/bpf is a directory: give the path of a pinned program"* ]] || fail "$err"
}
