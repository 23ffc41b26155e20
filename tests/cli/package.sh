# shellcheck shell=bash disable=SC2154 # $out $err $rc: set by bk (tests/lib.sh)
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# bpfkit package: manifest section, verify, tamper detection, strip keeps it, loaders
# accept it, OCI layout with bpfman's labels.

GEN_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../gen" && pwd)
export BPFKIT_CACHE_DIR=${BPFKIT_TEST_CACHE:-${TMPDIR:-/tmp}/bpfkit-test-cache-$(id -u)}

make_pkg() {
	cp "$GEN_SRC/counter.bpf.c" .
	"$BPFKIT" build -q counter.bpf.c >/dev/null 2>build.err || fail "build: $(cat build.err)"
	bk package counter.bpf.o -o pkg.o --source counter.bpf.c "$@"
	expect_rc 0
}

test_package_manifest() {
	make_pkg
	readelf -SW pkg.o | grep -q '\.bpfkit\.manifest *PROGBITS' || fail "no manifest section"
	readelf -SW pkg.o | grep '\.bpfkit\.manifest' | grep -q ' A ' && fail "manifest is SHF_ALLOC"
	bk package show -j pkg.o
	expect_rc 0
	json_ok
	jq_is .format bpfkit-package/1
	jq_is '.programs[0].name' count_openat
	jq_is '.programs[0].attach' tracepoint
	jq_is '.programs[0].target' syscalls/sys_enter_openat
	jq_is '[.maps[].name] | join(",")' 'counts,.bss,.data,.rodata'
	jq_is '.globals[] | select(.name == "target_pid") | "\(.section) \(.read_only) \(.bytes)"' '.rodata true 4'
	jq_is '.kernel_features | index("prog_type:tracepoint") != null' true
	jq_is .build.source counter.bpf.c
	jq_is '.sha256 | length' 64
}

test_package_verify_and_tamper() {
	make_pkg
	bk package verify pkg.o
	expect_rc 0
	[[ $out == *"verified: true"* ]] || fail "out: $out"
	# flip one byte of the program's instructions
	off=$(readelf -SW pkg.o |
		sed -n 's/.*\] tracepoint\/syscalls\/sys_enter_openat *PROGBITS *[0-9a-f]* \([0-9a-f]*\) .*/\1/p')
	[ -n "$off" ] || fail "no program section"
	cp pkg.o bad.o
	printf '\x07' | dd of=bad.o bs=1 seek=$((16#$off + 9)) conv=notrunc status=none
	bk package verify bad.o
	expect_rc 1
	[[ $err == *"content hash mismatch"* ]] || fail "message: $err"
	bk package verify counter.bpf.o
	expect_rc 1
	[[ $err == *"not a bpfkit package"* ]] || fail "message: $err"
}

test_package_strip_keeps_manifest() {
	make_pkg
	bk strip pkg.o -o s.o
	expect_rc 0
	readelf -SW s.o | grep -q '\.bpfkit\.manifest' || fail "strip dropped the manifest"
	bk package verify s.o
	expect_rc 0
	# packaging a stripped object gives the same hash
	bk package show -j pkg.o; h1=$(jq -r .sha256 <<<"$out")
	"$BPFKIT" strip -q counter.bpf.o -o plain.s.o >/dev/null
	bk package plain.s.o -o p2.o
	bk package show -j p2.o; h2=$(jq -r .sha256 <<<"$out")
	[ "$h1" = "$h2" ] || fail "hash $h1 vs $h2"
}

test_package_loaders_accept() {
	make_pkg
	need_root
	pin=/sys/fs/bpf/bpfkit-test-pkg-$$
	bpftool prog loadall pkg.o "$pin" >bt.log 2>&1
	rc=$?
	ls "$pin" >names 2>/dev/null
	rm -rf "$pin"
	[ "$rc" -eq 0 ] || fail "bpftool rejects the package: $(cat bt.log)"
	grep -q count_openat names || fail "program not loaded"
	# libbpf through a skeleton of the package
	cp "$GEN_SRC/counter.c" .
	bk gen skeleton pkg.o --name counter_bpf -o counter.skel.h
	cc -o counter counter.c -lbpf -lelf -lz || fail "compile"
	./counter >run.log 2>&1 || fail "libbpf load of the package failed: $(cat run.log)"
}

test_package_attach_override() {
	make_pkg --attach count_openat=syscalls/sys_enter_openat2
	bk package show -j pkg.o
	jq_is '.programs[0].target' syscalls/sys_enter_openat2
	bk package counter.bpf.o -o x.o --attach nope=eth0
	expect_rc 1
	[[ $err == *"no program named 'nope'"* ]] || fail "message: $err"
	[ -e x.o ] && fail "output written"
	bk package counter.bpf.o -o x.o --attach bad
	expect_rc 2
}

test_package_oci() {
	make_pkg --oci oci
	[ -f oci/oci-layout ] && [ -f oci/index.json ] || fail "no layout"
	man=$(jq -r '.manifests[0].digest' oci/index.json | sed 's/sha256://')
	cfg=$(jq -r '.config.digest' "oci/blobs/sha256/$man" | sed 's/sha256://')
	layer=$(jq -r '.layers[0].digest' "oci/blobs/sha256/$man" | sed 's/sha256://')
	for b in "$man" "$cfg" "$layer"; do
		[ "$(sha256sum <"oci/blobs/sha256/$b" | cut -d' ' -f1)" = "$b" ] || fail "blob $b digest"
	done
	jq -r '.config.Labels["io.ebpf.programs"]' "oci/blobs/sha256/$cfg" | jq -e '.count_openat == "tracepoint"' >/dev/null ||
		fail "io.ebpf.programs: $(cat "oci/blobs/sha256/$cfg")"
	jq -r '.config.Labels["io.ebpf.maps"]' "oci/blobs/sha256/$cfg" | jq -e '.counts == "array"' >/dev/null ||
		fail "io.ebpf.maps"
	mkdir x && tar -xzf "oci/blobs/sha256/$layer" -C x || fail "layer is not a tar.gz"
	cmp x/pkg.o pkg.o || fail "layer does not hold the package"
}

test_package_usage() {
	bk package
	expect_rc 2
	bk package x.o
	expect_rc 2
	bk package verify
	expect_rc 2
	bk package /etc/passwd -o y.o
	expect_rc 1
	[ -e y.o ] && fail "output written"
	return 0
}

# -q: only the exit code; package show's text keeps integers exact (no 4.2e+06).
test_package_quiet_and_show_text() {
	bk package @openat -q -o q.pkg.o
	expect_rc 0
	[ -z "$out$err" ] || fail "-q printed: '$out' '$err'"
	bk package show q.pkg.o
	expect_rc 0
	printf '%s\n' "$out" | grep -Eq '^  events +ringbuf +0 +0 +4194304 +false$' ||
		fail "events row: $(printf '%s\n' "$out" | grep events)"
}
