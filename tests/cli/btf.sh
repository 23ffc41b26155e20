# shellcheck shell=bash
# bpfkit btf dump|list|show, cross-checked against bpftool on the fixtures and the kernel.
#
# Known differences in "format c" that come from libbpf, not from bpfkit: bpftool 7.1 embeds
# a libbpf whose btf_dump writes "(void)" for an empty parameter list and no
# "__attribute__((mode(byte)))" on 1-byte enums; the system libbpf 1.1.2 bpfkit links writes
# "()" and adds the attribute. c_norm removes exactly those two. In JSON, bpftool 7.1
# sign-extends unsigned 32-bit enum values >= 2^31 (4294967295 becomes 18446744073709551615);
# json_same undoes that before comparing.

KBTF=/sys/kernel/btf/vmlinux

need_kernel_btf() { [ -r "$KBTF" ] || skip "no $KBTF"; }
need_bpftool() { command -v bpftool >/dev/null || skip "no bpftool"; }
fixtures() {
	ls "$FIXTURES"/*.bpf.o >/dev/null 2>&1 || skip "no fixtures in $FIXTURES"
	ls "$FIXTURES"/*.bpf.o
}

c_norm() { sed -e 's/(void)/()/g' -e 's/ __attribute__((mode(byte)))//g' "$1"; }

# json_same MINE BPFTOOL: same types, field by field (python keeps big integers exact).
json_same() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
mine = json.load(open(sys.argv[1]))["types"]
theirs = json.load(open(sys.argv[2]))["types"]
if len(mine) != len(theirs):
    sys.exit(f"{len(mine)} types, bpftool has {len(theirs)}")
for m, t in zip(mine, theirs):
    if m["kind"] == "ENUM" and m.get("encoding") == "UNSIGNED":
        for v in t["values"]:
            v["val"] &= 0xffffffff
    if m != t:
        sys.exit(f"type {m['id']} differs:\n  {m}\n  {t}")
EOF
}

# raw_same ARGS... -- FILE: bpfkit btf dump ARGS equals bpftool btf dump file FILE.
raw_same() {
	local file=$1; shift
	"$BPFKIT" btf dump "$@" >"$TMPD/mine.txt" || fail "bpfkit btf dump $* failed"
	bpftool btf dump file "$file" >"$TMPD/bpftool.txt" || fail "bpftool failed on $file"
	cmp -s "$TMPD/mine.txt" "$TMPD/bpftool.txt" ||
		fail "raw dump of $file differs: $(diff "$TMPD/mine.txt" "$TMPD/bpftool.txt" | head -5)"
}

c_same() {
	local file=$1; shift
	"$BPFKIT" btf dump "$@" --format c >"$TMPD/mine.h" || fail "bpfkit btf dump $* failed"
	bpftool btf dump file "$file" format c >"$TMPD/bpftool.h" || fail "bpftool failed"
	diff <(c_norm "$TMPD/mine.h") <(c_norm "$TMPD/bpftool.h") >"$TMPD/c.diff" ||
		fail "C dump of $file differs: $(head -5 "$TMPD/c.diff")"
}

c_compiles() {
	printf '#include "%s"\nint bpfkit_btf_test;\n' "$1" >"$TMPD/use.c"
	clang -target bpf -fsyntax-only "$TMPD/use.c" 2>"$TMPD/clang.err" ||
		fail "header does not compile: $(head -5 "$TMPD/clang.err")"
}

test_raw_fixtures_match_bpftool() {
	need_bpftool
	local f
	for f in $(fixtures); do raw_same "$f" "$f"; done
}

test_raw_kernel_matches_bpftool() {
	need_kernel_btf; need_bpftool
	raw_same "$KBTF" --kernel
	raw_same "$KBTF" --file "$KBTF"
}

test_c_fixtures_match_bpftool_and_compile() {
	need_bpftool
	local f
	for f in $(fixtures); do
		c_same "$f" "$f"
		c_compiles "$TMPD/mine.h"
	done
}

test_c_kernel_matches_bpftool() {
	need_kernel_btf; need_bpftool
	c_same "$KBTF" --kernel
}

test_c_kernel_compiles() {
	need_kernel_btf
	"$BPFKIT" btf dump --kernel --format c >"$TMPD/vmlinux.h" || fail "dump failed"
	head -5 "$TMPD/vmlinux.h" | grep -qx '#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)' ||
		fail "no preserve_access_index preamble"
	c_compiles "$TMPD/vmlinux.h"
}

test_json_fixtures_match_bpftool() {
	need_bpftool
	local f
	for f in $(fixtures); do
		"$BPFKIT" btf dump "$f" --format json >"$TMPD/mine.json" || fail "dump failed"
		bpftool -j btf dump file "$f" >"$TMPD/bpftool.json"
		json_same "$TMPD/mine.json" "$TMPD/bpftool.json" || fail "JSON of $f differs"
	done
}

test_json_kernel_matches_bpftool() {
	need_kernel_btf; need_bpftool
	"$BPFKIT" -j btf dump --kernel >"$TMPD/mine.json" || fail "dump failed"
	bpftool -j btf dump file "$KBTF" >"$TMPD/bpftool.json"
	json_same "$TMPD/mine.json" "$TMPD/bpftool.json" || fail "kernel JSON differs"
}

test_json_int_and_task_struct() {
	need_kernel_btf
	"$BPFKIT" btf dump --kernel --format json >"$TMPD/k.json" || fail "dump failed"
	out=$(jq -c '.types[] | select(.kind == "INT" and .name == "int") | del(.id)' "$TMPD/k.json")
	[ "$out" = '{"kind":"INT","name":"int","size":4,"bits_offset":0,"nr_bits":32,"encoding":"SIGNED"}' ] ||
		fail "int: $out"
	out=$(jq -c '[.types[] | select(.kind == "STRUCT" and .name == "task_struct")][0] |
		[(.id|type), .size > 0, .vlen == (.members|length),
		 (.members[0] | keys == ["bits_offset","name","type_id"])]' "$TMPD/k.json")
	[ "$out" = '["number",true,true,true]' ] || fail "task_struct: $out"
}

test_json_pretty_parses() {
	local f
	f=$(fixtures | head -1)
	bk -p btf dump "$f"
	expect_rc 0
	json_ok
	[ "$(printf '%s\n' "$out" | wc -l)" -gt 10 ] || fail "not indented"
	jq_is '.types[0].id' 1
}

test_type_raw_closure() {
	need_kernel_btf
	bk btf dump --kernel --type 'struct list_head'
	expect_rc 0
	local id ptr
	id=$(printf '%s\n' "$out" | sed -n "s/^\[\([0-9]*\)\] STRUCT 'list_head' size=16 vlen=2$/\1/p")
	[ -n "$id" ] || fail "no list_head line: $out"
	ptr=$(printf '%s\n' "$out" | sed -n "s/^\[\([0-9]*\)\] PTR '(anon)' type_id=$id$/\1/p")
	[ -n "$ptr" ] || fail "the pointer it refers to is missing: $out"
	[ "$(printf '%s\n' "$out" | grep -c '^\[')" -eq 2 ] || fail "want exactly 2 types: $out"
	printf '%s\n' "$out" | grep -qx "	'next' type_id=$ptr bits_offset=0" || fail "next: $out"
}

test_type_json_only_named() {
	need_kernel_btf
	bk -j btf dump --kernel --type int
	expect_rc 0
	jq_is '.types | length' 1
	jq_is '.types[0].nr_bits' 32
}

test_type_c_compiles() {
	need_kernel_btf
	"$BPFKIT" btf dump --kernel --type task_struct --format c >"$TMPD/t.h" || fail "dump failed"
	grep -q '^struct task_struct {' "$TMPD/t.h" || fail "no task_struct"
	grep -q '^struct list_head {' "$TMPD/t.h" || fail "dependency list_head missing"
	[ "$(wc -l <"$TMPD/t.h")" -lt "$(bpftool btf dump file "$KBTF" format c | wc -l)" ] ||
		fail "not a subset"
	c_compiles "$TMPD/t.h"
}

test_list_kind_match() {
	need_kernel_btf
	bk -j btf list --kind struct --match 'list_head'
	expect_rc 0
	json_ok
	jq_is 'length' 1
	jq_is '.[0] | [.kind, .name, .size] | join(",")' 'STRUCT,list_head,16'
	local id
	id=$(bpftool btf dump file "$KBTF" | sed -n "s/^\[\([0-9]*\)\] STRUCT 'list_head' .*/\1/p")
	[ -z "$id" ] || jq_is '.[0].id' "$id"
	bk btf list --kind func --match 'do_sys_op*'
	expect_rc 0
	printf '%s\n' "$out" | head -1 | grep -q '^ *ID *KIND *NAME' || fail "table header: $out"
	printf '%s\n' "$out" | grep -q ' FUNC  *do_sys_open' || fail "no do_sys_open: $out"
}

test_list_fixture_kinds() {
	local f
	f=$(fixtures | head -1)
	bk -j btf list "$f"
	expect_rc 0
	# every entry has id/kind/name; size only where it means something
	jq_is '[.[] | select(.kind == "FUNC" and has("size"))] | length' 0
	jq_is '[.[] | select(.kind == "INT" and (has("size") | not))] | length' 0
	jq_is "length" "$(bpftool btf dump file "$f" | grep -c '^\[')"
}

test_show_list_head() {
	need_kernel_btf
	bk -j btf show 'struct list_head'
	expect_rc 0
	json_ok
	jq_is '.size' 16
	jq_is '[.members[] | "\(.name)@\(.offset)/\(.size)"] | join(" ")' 'next@0/8 prev@8/8'
	jq_is '.holes | length' 0
	bk btf show list_head
	expect_rc 0
	printf '%s\n' "$out" | grep -q '/\* size: 16, cachelines: 1, members: 2 \*/' ||
		fail "summary: $out"
	printf '%s\n' "$out" | grep -q 'struct list_head \* *next; .*/\* *0 *8 \*/' || fail "next: $out"
}

# A struct with a hole, a bitfield and padding, compiled here so the layout is known.
make_holey() {
	cat >"$TMPD/holey.c" <<'EOF'
struct holey {
	char a;
	long b;
	unsigned int c:3;
	unsigned int d:2;
	int e;
	short f;
};
struct holey holey_var;
EOF
	clang -g -O2 -target bpf -c "$TMPD/holey.c" -o "$TMPD/holey.o" || skip "clang -target bpf failed"
}

test_show_holes_and_bitfields() {
	make_holey
	bk -j btf show holey "$TMPD/holey.o"
	expect_rc 0
	jq_is '.size' 32
	jq_is '[.holes[] | "\(.offset)+\(.size)"] | join(" ")' '1+7 16+3'
	jq_is '.holes[1] | [.bit_offset, .bit_size] | join(",")' '5,27'
	jq_is '.members[2] | [.name, .offset, .bit_offset, .bit_size] | join(",")' 'c,16,0,3'
	jq_is '.members[3] | [.name, .offset, .bit_offset, .bit_size] | join(",")' 'd,16,3,2'
	jq_is '.members[4].offset' 20
	jq_is '.padding' 6
	bk btf show holey "$TMPD/holey.o"
	printf '%s\n' "$out" | grep -q 'XXX 7 bytes hole, try to pack' || fail "hole: $out"
	printf '%s\n' "$out" | grep -q 'XXX 27 bits hole, try to pack' || fail "bit hole: $out"
	printf '%s\n' "$out" | grep -q 'unsigned int  *c:3; .*/\* *16: 0 *4 \*/' || fail "bitfield: $out"
	printf '%s\n' "$out" | grep -q 'padding: 6' || fail "padding: $out"
}

test_err_unknown_type() {
	need_kernel_btf
	bk btf dump --kernel --type no_such_type_xyz
	expect_rc 1
	[ -z "$out" ] || fail "stdout not empty: $out"
	[ "$err" = "bpfkit: btf dump: no type named 'no_such_type_xyz' in $KBTF; try 'bpfkit btf list --match'" ] ||
		fail "stderr: $err"
	bk btf show no_such_type_xyz
	expect_rc 1
	[ "$err" = "bpfkit: btf show: no type named 'no_such_type_xyz' in $KBTF; try 'bpfkit btf list --match'" ] ||
		fail "stderr: $err"
	bk -j btf show no_such_type_xyz
	expect_rc 1
	json_ok
	jq_is '.error' "no type named 'no_such_type_xyz' in $KBTF; try 'bpfkit btf list --match'"
}

test_err_missing_file() {
	bk btf dump "$TMPD/missing.o"
	expect_rc 1
	[ "$err" = "bpfkit: btf dump: $TMPD/missing.o: No such file or directory" ] || fail "stderr: $err"
	bk btf list --file "$TMPD/missing.btf"
	expect_rc 1
}

test_err_malformed() {
	printf 'definitely not BTF' >"$TMPD/bad.btf"
	bk btf dump --file "$TMPD/bad.btf"
	expect_rc 1
	[[ $err == "bpfkit: btf dump: $TMPD/bad.btf: not valid BTF: "* ]] || fail "stderr: $err"
	need_kernel_btf
	head -c 4000 "$KBTF" >"$TMPD/trunc.btf"
	bk btf list --file "$TMPD/trunc.btf"
	expect_rc 1
	[[ $err == *"not valid BTF: "* ]] || fail "stderr: $err"
	bk btf dump /bin/sh
	expect_rc 1
	[ "$err" = "bpfkit: btf dump: /bin/sh: no .BTF section" ] || fail "stderr: $err"
}

test_err_usage() {
	bk btf dump --kernel --format yaml
	expect_rc 2
	[ "$err" = "bpfkit: btf dump: unknown format 'yaml'; use c, raw or json" ] || fail "stderr: $err"
	bk btf dump
	expect_rc 2
	bk btf dump --kernel "$KBTF"
	expect_rc 2
	[ "$err" = "bpfkit: btf dump: give one source: OBJ, --file BTF or --kernel" ] || fail "$err"
	bk -j btf dump --kernel --format c
	expect_rc 2
	bk btf list --kind nonsense
	expect_rc 2
	bk btf show
	expect_rc 2
}

test_write_error() {
	[ -w /dev/full ] || skip "no /dev/full"
	local f
	f=$(fixtures | head -1)
	"$BPFKIT" btf dump "$f" >/dev/full 2>"$TMPD/err"
	[ $? -eq 1 ] || fail "exit code on /dev/full"
	grep -q 'write error' "$TMPD/err" || fail "no write error message: $(cat "$TMPD/err")"
}

test_help() {
	bk btf dump --help
	expect_rc 0
	[[ $out == *"--format FMT"* ]] || fail "help: $out"
}
