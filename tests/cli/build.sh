# shellcheck shell=bash disable=SC2154 # $out $err $rc: set by bk (tests/lib.sh)
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# bpfkit build: the seed tutorial end to end, the vmlinux.h/PCH cache, clang's diagnostics,
# object checks, and the errors for a missing clang, a clang without BPF, missing BTF.

GEN_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../gen" && pwd)
# A shared warm cache keeps most tests fast; cold-cache behaviour has its own test.
export BPFKIT_CACHE_DIR=${BPFKIT_TEST_CACHE:-${TMPDIR:-/tmp}/bpfkit-test-cache-$(id -u)}

seed_src() { cp "$GEN_SRC/openatsnoop.bpf.c" "$GEN_SRC/events.h" "$GEN_SRC/openatsnoop.c" .; }

test_build_seed_strip_skeleton_runs() {
	seed_src
	bk build openatsnoop.bpf.c --strip --skeleton
	expect_rc 0
	readelf -h openatsnoop.bpf.o | grep -q 'Linux BPF' || fail "not a BPF object"
	readelf -S openatsnoop.bpf.o | grep -q '\.debug_' && fail "--strip left .debug_ sections"
	readelf -S openatsnoop.bpf.o | grep -q '\.BTF ' || fail "no .BTF"
	[ -s openatsnoop.skel.h ] || fail "no skeleton written"
	grep -q 'openatsnoop_bpf__open_and_load' openatsnoop.skel.h || fail "skeleton lacks __open_and_load"
	cc -Wall -Werror -o seed openatsnoop.c -lbpf -lelf -lz 2>&1 || fail "user program does not compile"
	need_root
	# the program copies 31 bytes of the file name: keep the marker short
	marker=/tmp/bk-seed-$$
	./seed "$marker" >run.log 2>&1 || fail "user program failed: $(cat run.log)"
	grep -q "openat: $marker" run.log || fail "no event: $(cat run.log)"
}

test_build_default_output_and_json() {
	seed_src
	bk build -j openatsnoop.bpf.c
	expect_rc 0
	json_ok
	jq_is .output openatsnoop.bpf.o
	jq_is .source openatsnoop.bpf.c
	[ -f openatsnoop.bpf.o ] || fail "no openatsnoop.bpf.o"
	bk build openatsnoop.bpf.c -o sub.o
	expect_rc 0
	[ -f sub.o ] || fail "-o ignored"
}

test_build_cache_reused() {
	seed_src
	bk build -j openatsnoop.bpf.c
	expect_rc 0
	bk build -j openatsnoop.bpf.c
	expect_rc 0
	jq_is .pch reused
	jq_is .vmlinux_generated false
	# the object is the same one plain clang makes from the same header
	dir=$(printf '%s' "$out" | jq -r .vmlinux_dir)
	arch=$(uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
	clang -target bpf -g -O2 -D__TARGET_ARCH_"$arch" -I"$dir" -c openatsnoop.bpf.c -o plain.o ||
		fail "plain clang failed"
	cmp openatsnoop.bpf.o plain.o || fail "the PCH build differs from plain clang's object"
}

test_build_cold_cache() {
	seed_src
	export BPFKIT_CACHE_DIR=$TMPD/cache
	bk build -j openatsnoop.bpf.c
	expect_rc 0
	jq_is .vmlinux_generated true
	jq_is .pch built
	n=$(find "$TMPD/cache/vmlinux" -name vmlinux.h | wc -l)
	[ "$n" -eq 1 ] || fail "$n cached headers"
	n=$(find "$TMPD/cache/vmlinux" -name '*.pch' | wc -l)
	[ "$n" -eq 1 ] || fail "$n cached PCHs"
	find "$TMPD/cache" -name '*.tmp*' | grep -q . && fail "temp files left in the cache"
	# a new flag is a new PCH, the header is reused
	bk build -j openatsnoop.bpf.c -D BPFKIT_TEST_FLAG=1
	expect_rc 0
	jq_is .pch built
	jq_is .vmlinux_generated false
	n=$(find "$TMPD/cache/vmlinux" -name '*.pch' | wc -l)
	[ "$n" -eq 2 ] || fail "$n cached PCHs after a new -D"
}

test_build_concurrent_cold() {
	seed_src
	export BPFKIT_CACHE_DIR=$TMPD/cache
	for i in 1 2 3; do
		cp openatsnoop.bpf.c "p$i.bpf.c"
		"$BPFKIT" build -q "p$i.bpf.c" >/dev/null 2>"err$i" &
	done
	wait
	for i in 1 2 3; do
		[ -s "p$i.bpf.o" ] || fail "concurrent build $i failed: $(cat "err$i")"
	done
	find "$TMPD/cache" -name '*.tmp*' | grep -q . && fail "temp files left in the cache"
	bk build -j p1.bpf.c
	jq_is .pch reused
}

test_build_compile_error() {
	printf '#include "vmlinux.h"\nint f(void) { return undefined_thing; }\n' >bad.bpf.c
	bk build bad.bpf.c
	expect_rc 1
	[[ $err == *"bad.bpf.c:2:"*"error:"*"undefined_thing"* ]] || fail "clang's message missing: $err"
	[[ $err == *"bpfkit: build: bad.bpf.c: compilation failed"* ]] || fail "no summary: $err"
	[ -n "$(find . -maxdepth 1 -name '*.o*')" ] && fail "object left behind: $(ls -A)"
	return 0
}

test_build_color_only_on_a_tty() {
	command -v script >/dev/null || skip "no script(1) to make a tty"
	printf '#include "vmlinux.h"\nint f(void) { return undefined_thing; }\n' >bad.bpf.c
	script -qec "'$BPFKIT' build bad.bpf.c" /dev/null >tty.log 2>&1
	grep -q $'\e\\[' tty.log || fail "no color on a tty: $(cat -v tty.log | head -n 3)"
	script -qec "'$BPFKIT' build --no-color bad.bpf.c" /dev/null >tty.log 2>&1
	grep -q $'\e\\[' tty.log && fail "color despite --no-color: $(cat -v tty.log | head -n 3)"
	NO_COLOR=1 script -qec "'$BPFKIT' build bad.bpf.c" /dev/null >tty.log 2>&1
	grep -q $'\e\\[' tty.log && fail "color despite NO_COLOR"
	bk build bad.bpf.c
	[[ $err == *$'\e['* ]] && fail "color into a pipe"
	grep -q 'undefined_thing' tty.log || fail "no diagnostics: $(cat tty.log)"
}

test_build_no_clang() {
	seed_src
	PATH=/nonexistent CLANG='' "$BPFKIT" build openatsnoop.bpf.c >o 2>e
	# shellcheck disable=SC2034 # read by expect_rc
	rc=$?
	expect_rc 1
	grep -q "clang not found: install it with 'apt-get install clang llvm'" e ||
		fail "message: $(cat e)"
	bk build openatsnoop.bpf.c --cc /nonexistent/clang
	expect_rc 1
	[[ $err == *"/nonexistent/clang: compiler not found"* ]] || fail "message: $err"
}

test_build_no_bpf_target() {
	seed_src
	cat >fakeclang <<-'EOS'
	#!/bin/sh
	case "$1" in
	--version) echo "fake clang version 99.0.0" ;;
	-print-targets) printf '  Registered Targets:\n    x86    - 32-bit X86\n' ;;
	esac
	EOS
	chmod +x fakeclang
	bk build openatsnoop.bpf.c --cc ./fakeclang
	expect_rc 1
	[[ $err == *"has no BPF target"*"apt-get install clang llvm"* ]] || fail "message: $err"
}

test_build_missing_btf() {
	seed_src
	bk build openatsnoop.bpf.c --btf "$TMPD/no-such-btf"
	expect_rc 1
	[[ $err == *"no-such-btf"*"No such file"* ]] || fail "message: $err"
	bk build openatsnoop.bpf.c --btf /etc/passwd
	expect_rc 1
	[[ $err == *"invalid BTF"* ]] || fail "message: $err"
}

test_build_kernel_without_btf() {
	seed_src
	BPFKIT_KERNEL_BTF=$TMPD/none bk build openatsnoop.bpf.c
	expect_rc 1
	[[ $err == *"the running kernel has no BTF"*"pass --btf FILE or --vmlinux FILE"* ]] ||
		fail "message: $err"
	# a program that does not include vmlinux.h does not need it
	printf '#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\nchar LICENSE[] SEC("license") = "GPL";\nSEC("xdp") int pass(void *ctx) { return XDP_PASS; }\n' >x.bpf.c
	BPFKIT_KERNEL_BTF=$TMPD/none bk build x.bpf.c
	expect_rc 0
}

test_build_refuses_unsafe_cache() {
	seed_src
	mkdir -m 0777 shared
	BPFKIT_CACHE_DIR=$TMPD/shared bk build openatsnoop.bpf.c
	expect_rc 1
	[[ $err == *"cache directory $TMPD/shared is not owned by you or is writable by others"* ]] ||
		fail "message: $err"
}

test_build_btf_file() {
	seed_src
	export BPFKIT_CACHE_DIR=$TMPD/cache
	cp /sys/kernel/btf/vmlinux my.btf || skip "no kernel BTF"
	bk build -j openatsnoop.bpf.c --btf my.btf
	expect_rc 0
	jq_is .vmlinux_generated true
}

test_build_checks() {
	cat >typo.bpf.c <<-'EOS'
	#include "vmlinux.h"
	#include <bpf/bpf_helpers.h>
	char LICENSE[] SEC("license") = "GPL";
	SEC("tracepointt/syscalls/sys_enter_openat")
	int prog(void *ctx) { return 0; }
	EOS
	bk build typo.bpf.c
	expect_rc 1
	[[ $err == *"'tracepointt/syscalls/sys_enter_openat' is not a program type libbpf knows"* ]] ||
		fail "message: $err"
	cat >nolic.bpf.c <<-'EOS'
	#include "vmlinux.h"
	#include <bpf/bpf_helpers.h>
	char LICENSE[] SEC("license") = "Proprietary";
	SEC("tracepoint/syscalls/sys_enter_openat")
	int prog(void *ctx) { bpf_printk("hi"); return 0; }
	EOS
	bk build nolic.bpf.c
	expect_rc 0
	[[ $err == *"warning"*"bpf_trace_printk"*"GPL-compatible"*"Proprietary"* ]] ||
		fail "no GPL-only helper warning: $err"
	sed -i '/LICENSE/d' nolic.bpf.c
	bk build nolic.bpf.c
	expect_rc 0
	[[ $err == *"warning"*"no license section"* ]] || fail "no missing-license warning: $err"
}

test_build_pch_only_when_safe() {
	printf '#define BPF_NO_PRESERVE_ACCESS_INDEX\n#include "vmlinux.h"\nint x;\n' >def.bpf.c
	bk build -j def.bpf.c
	expect_rc 0
	jq_is .pch "not used"
	[[ $(printf '%s' "$out" | jq -r .pch_skip_reason) == *'does not start with #include "vmlinux.h"'* ]] ||
		fail "reason: $out"
	seed_src
	cp "$BPFKIT_CACHE_DIR"/vmlinux/*/vmlinux.h . 2>/dev/null || skip "no cached header"
	bk build -j openatsnoop.bpf.c
	expect_rc 0
	jq_is .pch "not used"
}

test_build_defines_and_includes() {
	mkdir inc
	printf '#define FROM_INC 7\n' >inc/mine.h
	cat >d.bpf.c <<-'EOS'
	#include "vmlinux.h"
	#include <bpf/bpf_helpers.h>
	#include "mine.h"
	char LICENSE[] SEC("license") = "GPL";
	SEC("tracepoint/syscalls/sys_enter_openat")
	int prog(void *ctx) { return FROM_INC + VAL; }
	EOS
	bk build d.bpf.c -I inc -D VAL=5
	expect_rc 0
	llvm-objdump -d d.bpf.o | grep -q 'r0 = 12' || fail "-D/-I not applied"
	bk build d.bpf.c -I inc
	expect_rc 1
}

test_build_usage() {
	bk build
	expect_rc 2
	bk build x.bpf.c --arch sparc
	expect_rc 2
	bk build x.bpf.c --vmlinux a --btf b
	expect_rc 2
	bk build --help
	expect_rc 0
	[[ $out == *"Usage: bpfkit build"* ]] || fail "help: $out"
}
