# shellcheck shell=bash
# The object model: one gate for every command, objects from a path, @NAME or standard input,
# libbpf's names for internal maps, nothing written for a refused object.

test_stdin_is_the_same_object() {
	local f=$FIXTURES/maps.bpf.o
	bk inspect --all -j "$f"
	local want
	want=$(printf '%s' "$out" | jq -S 'del(.file)')
	out=$("$BPFKIT" inspect --all -j - <"$f") || fail "inspect - failed"
	[ "$(printf '%s' "$out" | jq -r .file)" = "<stdin>" ] || fail "file: $(printf '%s' "$out" | jq -r .file)"
	# the only difference: an object from standard input is called "stdin" (its maps too)
	[ "$(printf '%s' "$out" | jq -S 'del(.file) | .maps[].name |= sub("^stdin\\."; "maps.")')" = "$want" ] ||
		fail "stdin view differs from the file's"
}

test_every_object_command_takes_bundled_and_stdin() {
	local f=$FIXTURES/maps.bpf.o
	bk strip @openat -o s.o
	expect_rc 0
	readelf -S s.o | grep -q '\.BTF ' || fail "stripped @openat has no .BTF"
	"$BPFKIT" strip - -o s2.o <"$f" || fail "strip - failed"
	cmp -s <("$BPFKIT" inspect --sections -j s2.o | jq -c '[.sections[].name]') \
		<("$BPFKIT" strip "$f" -o s3.o >/dev/null && "$BPFKIT" inspect --sections -j s3.o | jq -c '[.sections[].name]') ||
		fail "strip - and strip FILE differ"
	bk strip @openat
	expect_rc 2
	[[ $err == *"cannot be stripped in place: give -o OUT"* ]] || fail "in place: $err"
	bk btf list @openat -j
	expect_rc 0
	printf '%s' "$out" | jq -e 'map(select(.name == "syscall_exit_record")) | length == 1' >/dev/null ||
		fail "btf list @openat lacks struct syscall_exit_record"
	out=$("$BPFKIT" btf list - -j <"$f") || fail "btf list - failed"
	printf '%s' "$out" | jq -e 'map(select(.name == "counter_key")) | length == 1' >/dev/null ||
		fail "btf list - lacks counter_key"
	bk core check @openat --kernel
	expect_rc 0
	bk gen skeleton @openat --name openat_bpf -o openat.skel.h
	expect_rc 0
	grep -q 'openat_bpf__open_and_load' openat.skel.h || fail "skeleton of @openat"
	"$BPFKIT" gen object linked.o - <"$f" || fail "gen object from stdin"
	bk inspect -j --programs linked.o
	jq_is '.programs | length' 3
	bk package @openat -o pkg.o
	expect_rc 0
	bk package verify pkg.o
	expect_rc 0
}

# libbpf names an object after its file up to the first '.', and its internal maps after that.
test_internal_map_names_are_libbpfs() {
	need_root
	local pin=/sys/fs/bpf/bkt-names-$$ want got
	cp "$FIXTURES/maps.bpf.o" my.prog.o
	bk inspect my.prog.o --maps -j
	got=$(printf '%s' "$out" | jq -r '[.maps[] | select(.internal) | .name] | sort | join(" ")')
	[ "$got" = "my.bss my.data my.rodata" ] || fail "internal maps: $got"
	trap 'rm -rf "$pin" /sys/fs/bpf/src_ips' EXIT
	bpftool prog loadall my.prog.o "$pin" >/dev/null 2>&1 || skip "bpftool prog loadall failed"
	want=$(for p in "$pin"/*; do bpftool prog show pinned "$p" -j; done |
		jq -r '.map_ids[]' | sort -u | while read -r id; do bpftool map show id "$id" -j; done |
		jq -r 'select(.name | test("\\.(bss|data|rodata)$")) | .name' | sort -u | tr '\n' ' ')
	rm -rf "$pin" /sys/fs/bpf/src_ips
	[ "${want% }" = "$got" ] || fail "bpftool created '$want', inspect says '$got'"
}

test_other_byte_order_refused_everywhere() {
	python3 - "$FIXTURES/maps.bpf.o" be.o <<'PY'
import sys
d = bytearray(open(sys.argv[1], "rb").read()); d[5] = 2
open(sys.argv[2], "wb").write(d)
PY
	for cmd in "inspect be.o" "strip be.o -o x.o" "btf list be.o" "core check be.o" \
		"gen skeleton be.o" "package be.o -o x.o"; do
		# shellcheck disable=SC2086
		bk $cmd
		expect_rc 1
		[[ $err == *"be.o: big-endian BPF object"* ]] || fail "$cmd: $err"
	done
	[ ! -e x.o ] || fail "an output was written for a refused object"
}

test_build_leaves_no_output_on_failure() {
	cat >bad.bpf.c <<'SRC'
#include <linux/bpf.h>
__attribute__((section("not_a_program_type"), used)) int f(void *ctx) { return 0; }
char LICENSE[] __attribute__((section("license"), used)) = "GPL";
SRC
	bk build bad.bpf.c -o bad.bpf.o
	expect_rc 1
	[[ $err == *"not a program type libbpf knows"* ]] || fail "message: $err"
	[ -z "$(ls | grep -v '^bad.bpf.c$')" ] || fail "left behind: $(ls)"
}

# .kconfig externs sit where libbpf puts them: compared with the BTF libbpf loads.
test_kconfig_offsets_are_libbpfs() {
	need_root
	local pin=/sys/fs/bpf/bkt-kconfig-$$ id want got
	trap 'rm -rf "$pin"' EXIT
	bk inspect "$FIXTURES/globals.bpf.o" --globals -j
	got=$(printf '%s' "$out" | jq -c '[.globals[] | select(.section == ".kconfig") | [.name, .offset, .bytes]] | sort')
	[ "$(printf '%s' "$got" | jq length)" -eq 5 ] || fail "kconfig externs: $got"
	bpftool prog loadall "$FIXTURES/globals.bpf.o" "$pin" >/dev/null 2>&1 || skip "bpftool prog loadall failed"
	id=$(bpftool prog show pinned "$pin/count_getppid" -j | jq .btf_id)
	want=$(bpftool btf dump id "$id" -j | jq -c '
		(.types | map({(.id | tostring): .name}) | add) as $names |
		[.types[] | select(.kind == "DATASEC" and .name == ".kconfig") | .vars[] |
		 [$names[.type_id | tostring], .offset, .size]] | sort')
	rm -rf "$pin"
	[ "$got" = "$want" ] || fail "inspect: $got, libbpf: $want"
}

# Without -g there is no BTF: the symbol table and the section layout still place each one.
test_globals_without_debug_info() {
	local root
	root=$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel)
	bk inspect "$FIXTURES/globals.bpf.o" --globals -j
	want=$(printf '%s' "$out" | jq -c '[.globals[] | select(.section != ".kconfig") | [.name, .section, .offset, .bytes]] | sort')
	sed 's/__kconfig __weak;/__attribute__((weak));/; s/__kconfig;/__attribute__((weak));/' \
		"$root/tests/fixtures/globals.bpf.c" >g.bpf.c
	clang -O2 -target bpf -D__TARGET_ARCH_x86 -I"$root/include/vmlinux/x86" -c g.bpf.c -o g.o ||
		fail "clang failed"
	readelf -S g.o | grep -q '\.BTF' && fail "built with BTF"
	bk inspect g.o --globals -j
	expect_rc 0
	got=$(printf '%s' "$out" | jq -c '[.globals[] | [.name, .section, .offset, .bytes]] | sort')
	[ "$got" = "$want" ] || fail "without -g: $got, with: $want"
	jq_is '[.globals[].type] | unique | .[0]' null
}

# Without .BTF, libbpf cannot read .maps and says ENOENT: the error names the real cause.
test_maps_without_btf_says_why() {
	llvm-objcopy --remove-section .BTF --remove-section .BTF.ext "$FIXTURES/maps.bpf.o" "$TMPD/nobtf.o" ||
		fail "llvm-objcopy failed"
	bk inspect "$TMPD/nobtf.o"
	expect_rc 1
	[[ $err == *"nobtf.o: its maps are defined in .maps, which libbpf reads through .BTF, and it has no .BTF: rebuild it with -g"* ]] ||
		fail "$err"
	[[ $err != *"No such file"* ]] || fail "$err"
}
