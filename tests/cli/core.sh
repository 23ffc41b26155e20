# shellcheck shell=bash
# bpfkit core check and inspect --core/--lines on the CO-RE fixture (tests/fixtures/core.bpf.c).
# Values are cross-checked against bpftool and the kernel's BTF at test time.

OBJ="$FIXTURES/core.bpf.o"

need_kernel_btf() { [ -r /sys/kernel/btf/vmlinux ] || skip "no /sys/kernel/btf/vmlinux"; }

# A raw BTF without task_struct: the .BTF of another fixture (llvm-objcopy writes it out).
small_btf() {
	llvm-objcopy --dump-section ".BTF=$TMPD/small.btf" "$FIXTURES/maps.bpf.o" /dev/null ||
		fail "llvm-objcopy could not extract .BTF"
	! bpftool btf dump file "$TMPD/small.btf" | grep -q "STRUCT 'task_struct'" ||
		fail "maps fixture unexpectedly has task_struct"
}

test_check_kernel_ok() {
	need_kernel_btf
	bk core check "$OBJ" --kernel
	expect_rc 0
	[[ $out == *"result: "*OK* ]] || fail "no OK result: $out"
	[[ $out == *"/sys/kernel/btf/vmlinux"*OK* ]] || fail "kernel target not OK: $out"
}

test_check_default_is_kernel() {
	need_kernel_btf
	bk -j core check "$OBJ"
	expect_rc 0
	json_ok
	jq_is '.targets[0].target' /sys/kernel/btf/vmlinux
	jq_is '.targets[0].guarded' 2
	jq_is '.failures | length' 0
}

test_check_missing_type_fails() {
	small_btf
	bk core check "$OBJ" --btf "$TMPD/small.btf"
	expect_rc 1
	[[ $out == *FAIL* ]] || fail "no FAIL: $out"
	[[ $out == *"no candidate type 'struct task_struct' in target BTF"* ]] ||
		fail "reason missing: $out"
	[[ $out == *"struct task_struct.real_parent"* ]] || fail "failing spec missing: $out"
}

test_check_json() {
	need_kernel_btf
	small_btf
	bk --json core check "$OBJ" --btf "$TMPD/small.btf" --kernel
	expect_rc 1
	json_ok
	jq_is '.result' FAIL
	jq_is '.targets | length' 2
	jq_is '[.targets[].status] | join(",")' FAIL,OK
	jq_is '.relocations' "$(printf '%s' "$out" | jq '[.targets[1] | .ok, .guarded, .failed] | add')"
	jq_is '[.failures[] | select(.spec == "struct task_struct.tgid")][0].error' \
		"no candidate type 'struct task_struct' in target BTF"
	jq_is '.failures[0].insn_idx | type' number
	jq_is '[.failures[].target] | unique | join(",")' "$TMPD/small.btf"
}

test_check_directory() {
	need_kernel_btf
	small_btf
	mkdir -p "$TMPD/d/ubuntu/x86_64" "$TMPD/d/fedora"
	cp /sys/kernel/btf/vmlinux "$TMPD/d/ubuntu/x86_64/6.18.btf"
	cp "$TMPD/small.btf" "$TMPD/d/fedora/small.btf"
	echo "not btf" > "$TMPD/d/README"
	bk -j core check "$OBJ" --btf "$TMPD/d"
	expect_rc 1
	jq_is '.targets | length' 2
	jq_is "[.targets[] | select(.status == \"OK\")][0].target" "$TMPD/d/ubuntu/x86_64/6.18.btf"
	rm "$TMPD/d/fedora/small.btf"
	bk core check "$OBJ" --btf "$TMPD/d"
	expect_rc 0
}

test_check_nonexistent() {
	bk core check "$OBJ" --btf "$TMPD/nope.btf"
	expect_rc 1
	[[ $err == *"$TMPD/nope.btf"* ]] || fail "file not named: $err"
	bk --json core check "$TMPD/nope.bpf.o"
	expect_rc 1
	json_ok
	[[ $(jq -r .error <<<"$out") == *"$TMPD/nope.bpf.o"* ]] || fail "JSON error: $out"
}

test_check_not_btf() {
	echo "hello" > "$TMPD/bad.btf"
	bk core check "$OBJ" --btf "$TMPD/bad.btf"
	expect_rc 1
	[[ $out == *"neither raw BTF nor an ELF object"* ]] || fail "no reason: $out"
}

test_check_usage() {
	bk core check
	expect_rc 2
	bk core check "$OBJ" extra
	expect_rc 2
	bk core check --help
	expect_rc 0
	[[ $out == *"--btf FILE|DIR"* ]] || fail "help: $out"
}

test_inspect_core_spelling() {
	bk -j inspect "$OBJ" --core
	expect_rc 0
	json_ok
	jq_is '[.core_relos[] | select(.access_str == "0:2:1")][0].spec' \
		'struct trace_event_raw_sys_enter.args[1]'
	jq_is '[.core_relos[] | select(.access_str == "0:2:1")][0].root_type' \
		'struct trace_event_raw_sys_enter'
	jq_is '[.core_relos[].kind] | unique | length' 12
	jq_is '.core_relos[0].program' core_relos
	jq_is '.core_relos[0] | has("target_value")' false
}

test_inspect_core_kernel_values() {
	need_kernel_btf
	local bits id
	bk -j inspect "$OBJ" --core --kernel
	expect_rc 0
	json_ok
	# bpftool's view of the kernel: args' bit offset + one unsigned long
	bits=$(bpftool btf dump file /sys/kernel/btf/vmlinux |
		awk "/STRUCT 'trace_event_raw_sys_enter'/ { f = 1; next }
		     f && /'args'/ { sub(/.*bits_offset=/, \"\"); print; exit }")
	[ -n "$bits" ] || skip "bpftool did not show trace_event_raw_sys_enter"
	jq_is '[.core_relos[] | select(.access_str == "0:2:1")][0].target_value' $((bits / 8 + 8))
	id=$(bpftool btf dump file /sys/kernel/btf/vmlinux |
		awk "/STRUCT 'task_struct' size/ { gsub(/[\\[\\]]/, \"\", \$1); print \$1; exit }")
	jq_is '[.core_relos[] | select(.kind == "target_type_id")][0].target_value' "$id"
	jq_is '[.core_relos[] | select(.status == "guarded")] | length' 2
	jq_is '[.core_relos[] | select(.spec == "struct task_struct___old.state")][1].error' \
		"field 'state' not found in struct task_struct"
}

test_inspect_core_text() {
	need_kernel_btf
	bk inspect "$OBJ" --core --kernel
	expect_rc 0
	[[ $out == *"PROGRAM"*"INSN"*"KIND"*"TYPE"*"ACCESS"*"SPEC"*"LOCAL"*"TARGET"*"STATUS"* ]] ||
		fail "columns: ${out:0:300}"
	[[ $out == *"struct task_struct___v2.tgid"* ]] || fail "flavor missing"
}

test_inspect_target_btf_file() {
	small_btf
	bk -j inspect "$OBJ" --core --target-btf "$TMPD/small.btf"
	expect_rc 0
	jq_is '[.core_relos[] | select(.status == "poison")] | length > 0' true
	bk inspect "$OBJ" --core --target-btf "$TMPD/missing.btf"
	expect_rc 1
	[[ $err == *"$TMPD/missing.btf"* ]] || fail "file not named: $err"
}

test_inspect_lines() {
	bk -j inspect "$OBJ" --lines
	expect_rc 0
	json_ok
	jq_is '.func_info | length' 1
	jq_is '.func_info[0].program' core_relos
	jq_is '.func_info[0].insn_idx' 0
	# the FUNC type id is the one bpftool names core_relos
	local id
	id=$(jq -r '.func_info[0].type_id' <<<"$out")
	bpftool btf dump file "$OBJ" | grep -q "^\[$id\] FUNC 'core_relos'" ||
		fail "func_info type id $id does not match bpftool"
	jq_is '.line_info[0].source | startswith("int core_relos(")' true
	jq_is '[.line_info[] | select(.line > 0)] | length > 10' true
	jq_is '.line_info[0].file | endswith("core.bpf.c")' true
}

# libbpf is the oracle: for the guard fixture built for v1 and for v3 (alu32, JMP32), and for
# a copy with one check removed, the relocations libbpf poisons are the ones core check calls
# guarded or failed, and the object loads exactly when core check says OK.
test_guards_agree_with_libbpf() {
	need_root
	local root cpu obj pin=/sys/fs/bpf/bkt-guards-$$ ours theirs loads
	root=$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel)
	trap 'rm -rf "$pin"' EXIT
	sed 's/if (bpf_core_field_exists(t->bpfkit_no_such_field))/if (ctx)/' \
		"$root/tests/fixtures/guards.bpf.c" >unguarded.bpf.c
	for src in "$root/tests/fixtures/guards.bpf.c" unguarded.bpf.c; do
		for cpu in v1 v3; do
			obj=$(basename "$src" .bpf.c)-$cpu.o
			clang -g -O2 -target bpf -mcpu=$cpu -D__TARGET_ARCH_x86 \
				-I"$root/include/vmlinux/x86" -c "$src" -o "$obj" || fail "clang $obj"
			bk inspect --core --kernel -j "$obj"
			ours=$(printf '%s' "$out" | jq -r '.core_relos[] |
				select(.status == "guarded" or .status == "poison") |
				"\(.program) \(.prog_insn_idx)"' | sort)
			theirs=$(bpftool -d prog loadall "$obj" "$pin" 2>&1 |
				sed -n "s/^libbpf: prog '\([^']*\)': relo #[0-9]*: substituting insn #\([0-9]*\) w\/ invalid insn.*/\1 \2/p" |
				sort -u)
			[ -d "$pin" ] && loads=yes || loads=no
			rm -rf "$pin"
			[ -n "$theirs" ] || fail "$obj: libbpf poisoned nothing"
			[ "$ours" = "$theirs" ] || fail "$obj: poisoned: ours '$ours', libbpf '$theirs'"
			bk core check "$obj" --kernel
			if [ "$loads" = yes ]; then
				[ "$rc" -eq 0 ] || fail "$obj loads, core check says: $out"
			else
				[ "$rc" -eq 1 ] || fail "$obj does not load, core check says OK"
			fi
			case $obj in
			guards-*) [ "$loads" = yes ] || fail "$obj: the guarded fixture does not load" ;;
			*) [ "$loads" = no ] || fail "$obj: an unguarded read loaded" ;;
			esac
		done
	done
}
