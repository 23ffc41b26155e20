# shellcheck shell=bash disable=SC2154 # $out $err $rc: set by bk (tests/lib.sh)
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Types from DWARF (inspect/dwarf.c): btf list|show|dump --dwarf, the show fallback, strip
# --keep-types, against pahole (Debian dwarves) reading the same objects.

ROOT=$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel)
RB="$FIXTURES/ringbuf_dwarf.bpf.o"

need_pahole() { command -v pahole >/dev/null || skip "no pahole (apt-get install dwarves)"; }
need_rb() { [ -f "$RB" ] || fail "missing fixture $RB"; }

test_event_struct_only_in_dwarf() {
	need_rb
	bk -j btf list "$RB" --kind struct
	expect_rc 0
	printf '%s' "$out" | jq -e '.[] | select(.name == "exec_event")' >/dev/null &&
		fail "exec_event is in .BTF: the fixture no longer tests DWARF-only types"
	bk -j btf list "$RB" --dwarf --kind struct --match exec_event
	expect_rc 0
	jq_is '.[0].name' exec_event
	jq_is '.[0].size' 216
	jq_is '.[0].source' dwarf
	# every .BTF type keeps its id and comes first
	bk -j btf list "$RB"
	local n
	n=$(printf '%s' "$out" | jq length)
	bk -j btf list "$RB" --dwarf
	jq_is "[.[:$n][] | .source] | unique | join(\",\")" btf
	jq_is "[.[$n:][] | .source] | unique | join(\",\")" dwarf
	bk btf dump "$RB" --dwarf >/dev/null
	diff <("$BPFKIT" btf dump "$RB") <("$BPFKIT" btf dump "$RB" --dwarf | head -n "$("$BPFKIT" btf dump "$RB" | wc -l)") >/dev/null ||
		fail ".BTF types changed in the --dwarf dump"
}

test_show_falls_back_to_dwarf() {
	need_rb
	bk btf show exec_event "$RB"
	expect_rc 0
	[[ $err == *"not in $RB's .BTF: shown from its DWARF"* ]] || fail "no note on stderr: $err"
	[[ $out == *"struct exec_event {"* ]] || fail "no layout: $out"
	[[ $out == *"unsigned int "*" cpu:20;"* ]] || fail "bitfield missing: $out"
	bk -q btf show exec_event "$RB" --dwarf
	expect_rc 0
	[ -z "$err" ] || fail "--dwarf should not warn: $err"
	bk btf show no_such_type "$RB"
	expect_rc 1
	[[ $err == *"no type named 'no_such_type'"* ]] || fail "$err"
}

test_show_dwarf_members() {
	need_rb
	bk -j btf show exec_event "$RB" --dwarf
	expect_rc 0
	jq_is '.size' 216
	jq_is '[.members[] | .name] | join(",")' "tgid,pid,is_thread,exit_code,cpu,kind,prio,flags,wide,,stamp,opaque,matrix,comm,filename"
	jq_is '.members[4] | "\(.offset*8 + .bit_offset) \(.bit_size)"' "76 20"
	jq_is '.members[9].type' "union {...}"
	jq_is '.members[10].type' "volatile const __u64"
	jq_is '.members[11].type' "struct ev_opaque *"
	jq_is '.members[12].type' "__u16[2][3]"
	bk -j btf dump "$RB" --dwarf
	jq_is '[.types[] | select(.name | startswith("ev_")) | "\(.kind):\(.name):\(.size // "")"] | sort | join(" ")' \
		"ENUM64:ev_wide:8 ENUM:ev_flags:4 ENUM:ev_kind8:1 ENUM:ev_prio16:2 FWD:ev_opaque: TYPEDEF:ev_pid_t: TYPEDEF:ev_tgid_t:"
	jq_is '.types[] | select(.name == "ev_prio16") | "\(.encoding) \(.values[0].val)"' "SIGNED -3"
	# jq rounds 64-bit numbers: read the text
	[[ $out == *'"name":"WIDE_TOP","val":18446744069414584320'* ]] || fail "ENUM64 value"
}

test_dump_c_compiles() {
	need_rb
	bk btf dump "$RB" --dwarf --format c
	expect_rc 0
	printf '%s\n' "$out" >rb.h
	grep -q 'struct exec_event {' rb.h || fail "no struct exec_event in the C dump"
	printf '#include "rb.h"\n_Static_assert(sizeof(struct exec_event) == 216, "size");\n' >use.c
	clang -target bpf -fsyntax-only use.c 2>clang.err || fail "header does not compile: $(head -5 clang.err)"
}

test_layouts_equal_pahole() {
	need_pahole
	local f
	for f in "$FIXTURES"/*.bpf.o; do
		python3 "$ROOT/tests/dwarf_oracle.py" layout "$BPFKIT" "$f" || fail "layout differs from pahole -C"
	done
}

test_btf_equals_pahole_J() {
	need_pahole
	local f
	for f in "$FIXTURES"/*.bpf.o; do
		python3 "$ROOT/tests/dwarf_oracle.py" btf "$BPFKIT" "$f" || fail "BTF differs from pahole -J"
	done
}

test_bundled_objects_have_no_dwarf() {
	# bundled objects go through 'bpftool gen object', which drops DWARF: say so
	bk btf list @openat --dwarf
	expect_rc 1
	[[ $err == *"@openat: no DWARF (.debug_info); compile with -g"* ]] || fail "$err"
	bk btf list --kernel --dwarf
	expect_rc 2
	[[ $err == *"--dwarf reads an object file's DWARF"* ]] || fail "$err"
}

test_strip_keep_types() {
	need_rb
	bk strip "$RB" -o s.o --keep-types exec_event -j
	expect_rc 0
	jq_is '.types_added > 0' true
	readelf -SW s.o | grep -q '\.debug_' && fail "DWARF left in s.o"
	bk -j btf show exec_event s.o
	expect_rc 0
	[ -z "$err" ] || fail "exec_event not in the stripped .BTF: $err"
	"$BPFKIT" -j btf show exec_event "$RB" --dwarf | jq -S 'del(.id, .members[].type_id)' >want.json
	printf '%s' "$out" | jq -S 'del(.id, .members[].type_id)' >got.json
	diff want.json got.json || fail "layout changed by strip --keep-types"
	# .BTF's own types are byte-identical at the same ids; .BTF.ext untouched
	n=$("$BPFKIT" btf dump "$RB" | grep -c '^\[')
	diff <("$BPFKIT" btf dump "$RB") <("$BPFKIT" btf dump s.o | awk -v n="$n" '/^\[/ { k++ } k <= n') ||
		fail ".BTF types changed"
	cmp <(objcopy -O binary --only-section=.BTF.ext "$RB" /dev/stdout) \
		<(objcopy -O binary --only-section=.BTF.ext s.o /dev/stdout) || fail ".BTF.ext changed"
	bpftool btf dump file s.o format c | grep -q 'struct exec_event {' || fail "bpftool does not see it"
	bk strip "$RB" -o t.o --keep-types nope
	expect_rc 1
	[[ $err == *"no type 'nope' in .BTF or DWARF"* ]] || fail "$err"
	[ -e t.o ] && fail "output written on error"
	return 0
}

test_strip_keep_types_loads_same() {
	need_root
	need_rb
	local sa sb
	# globals, not locals: the EXIT trap runs after this function has returned
	P1=/sys/fs/bpf/bpfkit-test-dwarf-$$-a P2=/sys/fs/bpf/bpfkit-test-dwarf-$$-b
	trap 'rm -rf "$P1" "$P2"' EXIT
	bk strip "$RB" -o s.o --keep-types exec_event
	expect_rc 0
	bpftool prog loadall "$RB" "$P1" >/dev/null 2>&1 || skip "fixture does not load here"
	bpftool prog loadall s.o "$P2" >/dev/null 2>&1 || fail "stripped object does not load"
	sa=$(for p in "$P1"/*; do bpftool -j prog show pinned "$p" | jq -r '"\(.name) \(.tag) \(.bytes_xlated)"'; done)
	sb=$(for p in "$P2"/*; do bpftool -j prog show pinned "$p" | jq -r '"\(.name) \(.tag) \(.bytes_xlated)"'; done)
	rm -rf "$P1" "$P2"
	[ -n "$sa" ] && [ "$sa" = "$sb" ] || fail "programs differ: '$sa' vs '$sb'"
}

test_inspect_types() {
	need_rb
	bk -j inspect "$RB" --types
	expect_rc 0
	jq_is '.types.btf' "$("$BPFKIT" -j btf list "$RB" | jq length)"
	jq_is '.types.dwarf_only > 0' true
	jq_is '[.types.dwarf_only_named[] | select(. == "struct exec_event")] | length' 1
}

# one_line_error FILE ARGS...: exit 1, one stderr line naming FILE, nothing on stdout.
one_line_error() {
	local f=$1
	shift
	bk "$@"
	[ "$rc" -eq 1 ] || fail "$(basename "$f"): bpfkit $*: exit $rc, want 1 (stderr: $err)"
	[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "$(basename "$f"): not one line: $err"
	[[ $err == *"$f"* ]] || fail "$(basename "$f"): error does not name the file: $err"
	[ -z "$out" ] || fail "$(basename "$f"): bpfkit $*: wrote to stdout"
}

test_damaged_dwarf_is_a_clear_error() {
	need_rb
	local n f
	n=$(python3 "$ROOT/tests/malformed_dwarf.py" "$RB" bad | wc -l) || fail "mutator failed"
	[ "$n" -ge 9 ] || fail "only $n classes of damaged DWARF"
	for f in "$PWD"/bad/*.o; do
		one_line_error "$f" btf list "$f" --dwarf
		one_line_error "$f" btf show exec_event "$f"
		one_line_error "$f" inspect "$f" --types
		one_line_error "$f" strip "$f" -o "$f.s" --keep-types exec_event
		[ -e "$f.s" ] && fail "$(basename "$f"): strip wrote a file"
		# nothing else reads DWARF: the object is still usable
		bk inspect "$f"
		expect_rc 0
		bk btf list "$f"
		expect_rc 0
	done
	bk btf list bad/typedef_loop.o --dwarf
	[[ $err == *"type reference loop"* ]] || fail "typedef loop: $err"
	bk btf list bad/modifier_loop.o --dwarf
	[[ $err == *"type reference loop"* ]] || fail "modifier loop: $err"
	bk btf list bad/struct_contains_itself.o --dwarf
	[[ $err == *"contains itself"* ]] || fail "self-containing struct: $err"
	bk btf list bad/abbrev_code_unknown.o --dwarf
	[[ $err == *"unknown abbreviation code"* ]] || fail "bad abbreviation: $err"
	bk btf list bad/type_ref_out_of_range.o --dwarf
	[[ $err == *"DW_AT_type refers outside .debug_info"* ]] || fail "bad reference: $err"
	bk btf list bad/debug_info_truncated.o --dwarf
	[[ $err == *".debug_info: DIE 0x"* ]] || fail "truncated: $err"
	return 0
}
