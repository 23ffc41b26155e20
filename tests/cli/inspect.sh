# shellcheck shell=bash
# bpfkit inspect: sections and symbols against readelf, programs/maps values, errors.

# readelf -S --wide -> "nr name type offset size flags" (decimal), one line per section.
readelf_sections() {
	readelf -S --wide "$1" | python3 -c '
import re, sys
pat = re.compile(r"^\s*\[\s*(\d+)\]\s+(\S*)\s+(\S+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+([0-9a-f]+)\s+[0-9a-f]+\s+([A-Za-z]*)\s+\d+\s+\d+\s+\d+\s*$")
for line in sys.stdin:
    m = pat.match(line)
    if m:
        nr, name, typ, off, size, flg = m.groups()
        print(nr, name, typ, int(off, 16), int(size, 16), flg)
'
}

# readelf -s --wide -> "value size type bind name", sorted.
readelf_symbols() {
	readelf -s --wide "$1" | python3 -c '
import sys
for line in sys.stdin:
    f = line.split()
    if len(f) >= 7 and f[0].endswith(":") and f[0][:-1].isdigit():
        print(int(f[1], 16), f[2], f[3], f[4], f[7] if len(f) > 7 else "")
' | sort
}

bpfkit_sections() {
	"$BPFKIT" inspect --sections --json "$1" |
		jq -r '.sections[] | "\(.index) \(.name) \(.type) \(.offset) \(.size) \(.flags)"'
}

check_sections_match() {
	local obj=$1
	readelf_sections "$obj" > "$TMPD/readelf.txt"
	bpfkit_sections "$obj" > "$TMPD/bpfkit.txt"
	[ -s "$TMPD/readelf.txt" ] || fail "readelf printed no sections for $obj"
	diff -u "$TMPD/readelf.txt" "$TMPD/bpfkit.txt" >&2 || fail "sections of $obj differ from readelf -S"
}

test_sections_match_readelf_fixtures() {
	for obj in "$FIXTURES"/*.bpf.o; do
		check_sections_match "$obj"
	done
}

test_bundled_openat_matches_readelf() {
	local obj
	obj="$(dirname "$BPFKIT")/bpf/openat.bpf.o"
	[ -f "$obj" ] || fail "missing $obj"
	readelf_sections "$obj" > "$TMPD/readelf.txt"
	"$BPFKIT" inspect --sections --json @openat |
		jq -r '.sections[] | "\(.index) \(.name) \(.type) \(.offset) \(.size) \(.flags)"' > "$TMPD/bpfkit.txt"
	diff -u "$TMPD/readelf.txt" "$TMPD/bpfkit.txt" >&2 || fail "@openat differs from $obj"
}

test_symbols_match_readelf() {
	local obj="$FIXTURES/maps.bpf.o"
	readelf_symbols "$obj" > "$TMPD/readelf.txt"
	"$BPFKIT" inspect --symbols --json "$obj" |
		jq -r '.symbols[] | "\(.value) \(.size) \(.type) \(.bind) \(.name)"' | sort > "$TMPD/bpfkit.txt"
	diff -u "$TMPD/readelf.txt" "$TMPD/bpfkit.txt" >&2 || fail "symbols differ from readelf -s"
}

test_programs_and_maps() {
	bk inspect --json "$FIXTURES/maps.bpf.o"
	expect_rc 0
	json_ok
	jq_is '.programs | length' 3
	jq_is '.programs[] | select(.name == "count_exec") | .attach_target' syscalls/sys_enter_execve
	jq_is '.programs[] | select(.name == "xdp_pass") | .type' xdp
	jq_is '.programs[] | select(.name == "on_exec") | .type' raw_tracepoint
	jq_is '.maps[] | select(.name == "exec_count") | "\(.type) \(.bytes_key) \(.bytes_value) \(.max_entries)"' "hash 8 8 1024"
	jq_is '.maps[] | select(.name == "src_ips") | .flags' 0x2
	jq_is '.license' GPL
	jq_is '.nr_programs' 3
}

test_text_output_has_tables() {
	bk inspect "$FIXTURES/maps.bpf.o"
	expect_rc 0
	grep -q '^Programs:$' <<<"$out" || fail "no Programs: heading"
	grep -Eq '^  NAME +SECTION +TYPE' <<<"$out" || fail "no programs header row"
	grep -Eq '^  count_exec +tp/syscalls/sys_enter_execve +tracepoint' <<<"$out" || fail "no count_exec row"
	grep -q '^license: *GPL$' <<<"$out" || fail "no license line"
}

test_json_key_types_stable() {
	for obj in "$FIXTURES"/*.bpf.o @openat; do
		"$BPFKIT" inspect --json "$obj" > "$TMPD/o.json" || fail "inspect $obj failed"
		jq -e '[.sections[] | (.index|type=="number") and (.name|type=="string") and (.size|type=="number") and (.flags|type=="string")] | all' "$TMPD/o.json" >/dev/null ||
			fail "section key types vary in $obj"
		jq -e '[.maps[] | (.flags|type=="string") and (.max_entries|type=="number") and (.internal|type=="boolean")] | all' "$TMPD/o.json" >/dev/null ||
			fail "map key types vary in $obj"
	done
}

test_not_elf() {
	echo "hello" > "$TMPD/x.o"
	bk inspect "$TMPD/x.o"
	expect_rc 1
	[ "$err" = "bpfkit: inspect: $TMPD/x.o: not an ELF file" ] || fail "stderr: $err"
	[ -z "$out" ] || fail "stdout not empty: $out"
}

test_not_bpf() {
	bk inspect /bin/true
	expect_rc 1
	[[ $err == *"/bin/true: not a BPF object (machine 62, want EM_BPF 247)"* ]] || fail "stderr: $err"
}

test_truncated_object() {
	head -c 1000 "$FIXTURES/maps.bpf.o" > "$TMPD/cut.o"
	bk inspect "$TMPD/cut.o"
	expect_rc 1
	[[ $err == "bpfkit: inspect: $TMPD/cut.o: "* ]] || fail "stderr: $err"
	[ "$(wc -l <<<"$err")" -eq 1 ] || fail "more than one line: $err"
}

test_missing_file_json_error() {
	bk -j inspect "$TMPD/nope.o"
	expect_rc 1
	json_ok
	jq_is '.error' "$TMPD/nope.o: No such file or directory"
	jq_is 'keys | length' 1
}

test_unknown_bundled() {
	bk inspect @nosuch
	expect_rc 1
	[[ $err == *"no bundled program 'nosuch'"* ]] || fail "stderr: $err"
}

test_usage_errors() {
	bk inspect
	expect_rc 2
	bk inspect a.o b.o
	expect_rc 2
	[[ $err == *"unexpected argument 'b.o'"* ]] || fail "stderr: $err"
	bk inspect --frobnicate x.o
	expect_rc 2
	[[ $err == *"unknown option '--frobnicate'"* ]] || fail "stderr: $err"
}

test_program_references() {
	bk inspect --programs --json "$FIXTURES/maps.bpf.o"
	expect_rc 0
	jq_is '.programs[] | select(.name == "count_exec") | .subprograms | join(",")' bump
	jq_is '.programs[] | select(.name == "count_exec") | .map_refs | sort | join(",")' exec_count,jump_table
	jq_is '.programs[] | select(.name == "count_exec") | .tail_call' true
	jq_is '.programs[] | select(.name == "xdp_pass") | "\(.tail_call) \(.subprograms | length)"' "false 0"
}

test_map_btf_types_and_pinning() {
	bk inspect --maps --json "$FIXTURES/maps.bpf.o"
	expect_rc 0
	jq_is '.maps[] | select(.name == "exec_count") | "\(.key_type)|\(.value_type)|\(.pinning)"' "struct counter_key|__u64|none"
	jq_is '.maps[] | select(.name == "src_ips") | .pinning' by_name
	jq_is '.maps[] | select(.name == "events") | .key_type' null
}

test_globals_offsets_match_symbols() {
	local obj="$FIXTURES/maps.bpf.o"
	bk inspect --globals --json "$obj"
	expect_rc 0
	jq_is '.globals[] | select(.name == "filter_uid") | "\(.section) \(.bytes) \(.type)"' ".rodata 4 const volatile __u32"
	jq_is '.globals[] | select(.name == "sample_rate") | .section' .data
	# offsets are what the symbol table says (clang leaves DATASEC offsets at 0)
	local want
	want=$(readelf -s --wide "$obj" | awk '$8 == "last_uid" { print $2 }')
	jq_is '.globals[] | select(.name == "last_uid") | .offset' "$((16#$want))"
	[ "$((16#$want))" -gt 0 ] || fail "fixture should put last_uid after total_calls"
}

test_btf_stats_match_bpftool() {
	command -v bpftool >/dev/null || skip "bpftool not installed"
	local obj="$FIXTURES/maps.bpf.o"
	bk inspect --btf --json "$obj"
	expect_rc 0
	jq_is .btf.nr_types "$(bpftool -j btf dump file "$obj" | jq '.types | length')"
	jq_is .btf.kinds.struct "$(bpftool -j btf dump file "$obj" | jq '[.types[] | select(.kind == "STRUCT")] | length')"
	jq_is .btf.kinds.datasec "$(bpftool -j btf dump file "$obj" | jq '[.types[] | select(.kind == "DATASEC")] | length')"
}

# Inputs that once crashed a reader (or libbpf behind it): each must be a clean error.
# *.o go through inspect --all, *.btf through every btf dump format (libbpf's btf_dump
# divided by zero or overflowed its stack on two of them).
test_fuzz_regressions() {
	local dir f n=0 fmt
	dir="$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel)/tests/fuzz/regress"
	for f in "$dir"/*; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		case $f in
		*.btf)
			for fmt in c raw json; do
				bk btf dump --file "$f" --format "$fmt"
				[ "$rc" -eq 1 ] || fail "$(basename "$f") --format $fmt: exit $rc, want 1"
				[[ $err == *"not valid BTF"* ]] || fail "$(basename "$f"): $err"
			done ;;
		*)
			bk inspect --all "$f"
			[ "$rc" -eq 1 ] || fail "$(basename "$f"): exit $rc, want 1"
			[ "$(wc -l <<<"$err")" -eq 1 ] || fail "$(basename "$f"): not one line: $err" ;;
		esac
	done
	[ "$n" -ge 4 ] || fail "only $n regression inputs in $dir"
}

test_manifest_of_packaged_object() {
	"$BPFKIT" package "$FIXTURES/maps.bpf.o" -o "$TMPD/pkg.o" >/dev/null 2>&1 || fail "package failed"
	bk -j inspect "$TMPD/pkg.o"
	expect_rc 0
	jq_is '.manifest.sha256 | test("^[0-9a-f]{64}$")' true
	jq_is '[.manifest.programs[].name] | sort | join(",")' "count_exec,on_exec,xdp_pass"
	bk -j inspect "$FIXTURES/maps.bpf.o"
	jq_is 'has("manifest")' false
}
