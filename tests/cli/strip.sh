# shellcheck shell=bash disable=SC2154 # $out $err $rc: set by bk (tests/lib.sh)
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# bpfkit strip: every fixture keeps what the loader reads (same inspect views, loads the
# same), is no larger than llvm-strip -g, and bad input never leaves a file behind.

# Section names from readelf -S, one per line.
sections() { readelf -SW "$1" | sed -n 's/^ *\[ *[0-9]*\] \([^ ]*\) .*/\1/p' | sort; }

# The inspect views that must not change.
views() {
	"$BPFKIT" inspect --programs --maps --globals --core -j "$1" || echo "inspect failed on $1"
}

test_strip_fixtures() {
	local f n
	for f in "$FIXTURES"/*.bpf.o; do
		n=$(basename "$f")
		bk strip "$f" -o "$n.s"
		expect_rc 0
		llvm-strip -g "$f" -o "$n.ls" || fail "llvm-strip failed"
		[ "$(stat -c %s "$n.s")" -le "$(stat -c %s "$n.ls")" ] ||
			fail "$n: $(stat -c %s "$n.s") bytes, llvm-strip -g gives $(stat -c %s "$n.ls")"
		# kept: everything but debug info (llvm-strip keeps .llvm_addrsig, we drop it)
		diff <(sections "$f" | grep -v -e '^\.debug_' -e '^\.rel\.debug_' -e '^\.llvm_addrsig' -e '^\.comment') \
			<(sections "$n.s") || fail "$n: section sets differ"
		diff <(views "$f") <(views "$n.s") || fail "$n: inspect views differ"
		bpftool btf dump file "$n.s" >/dev/null || fail "$n: bpftool cannot read its BTF"
	done
}

# Loading pins LIBBPF_PIN_BY_NAME maps under /sys/fs/bpf: remove what this object declares.
unpin_by_name() {
	local m
	for m in $("$BPFKIT" -j inspect --maps "$1" | jq -r '.maps[] | select(.pinning == "by_name") | .name'); do
		rm -f "/sys/fs/bpf/$m"
	done
}

test_strip_loads_same() {
	need_root
	local f n p1 p2
	for f in "$FIXTURES"/*.bpf.o; do
		n=$(basename "$f" .bpf.o)
		bk strip "$f" -o "$n.s.o"
		p1=/sys/fs/bpf/bpfkit-test-strip-$$-a p2=/sys/fs/bpf/bpfkit-test-strip-$$-b
		if ! bpftool prog loadall "$f" "$p1" >/dev/null 2>&1; then
			rm -rf "$p1"
			unpin_by_name "$f"
			echo "skip: $n does not load here (kprobe/fentry)" >&2
			continue
		fi
		bpftool prog loadall "$n.s.o" "$p2" >/dev/null 2>&1
		rc=$?
		# same programs, same tags (hash of the translated instructions) and sizes
		a=$(find "$p1" -mindepth 1 -printf '%f ' | tr ' ' '\n' | sort | tr '\n' ' ')
		b=$(find "$p2" -mindepth 1 -printf '%f ' 2>/dev/null | tr ' ' '\n' | sort | tr '\n' ' ')
		sa=$(for p in "$p1"/*; do bpftool -j prog show pinned "$p" | jq -r '"\(.name) \(.tag) \(.bytes_xlated)"'; done | sort)
		sb=$(for p in "$p2"/*; do bpftool -j prog show pinned "$p" | jq -r '"\(.name) \(.tag) \(.bytes_xlated)"'; done | sort)
		rm -rf "$p1" "$p2"
		unpin_by_name "$f"
		[ "$rc" -eq 0 ] || fail "$n: stripped object does not load"
		[ "$a" = "$b" ] || fail "$n: programs '$a' vs '$b'"
		[ "$sa" = "$sb" ] || fail "$n: translated programs differ: $sa / $sb"
	done
	return 0
}

test_strip_in_place_and_input_untouched() {
	local f
	f=$(find "$FIXTURES" -name '*.bpf.o' | sort | head -n 1)
	cp "$f" a.o
	sum=$(sha256sum <a.o)
	bk strip a.o -o b.o
	expect_rc 0
	[ "$(sha256sum <a.o)" = "$sum" ] || fail "IN changed with -o"
	bk strip -j a.o
	expect_rc 0
	json_ok
	jq_is '.bytes_before > .bytes_after' true
	jq_is .output a.o
	cmp a.o b.o || fail "in-place and -o results differ"
	[ "$(stat -c %a a.o)" = 644 ] || fail "mode $(stat -c %a a.o)"
	# in place through a symlink: the target is stripped, the link and the mode stay
	cp "$f" real.o && chmod 600 real.o && ln -s real.o link.o
	bk strip link.o
	expect_rc 0
	[ -L link.o ] || fail "the symlink was replaced"
	[ "$(stat -c %a real.o)" = 600 ] || fail "mode $(stat -c %a real.o)"
	cmp real.o b.o || fail "symlink target not stripped"
	[ -n "$(find . -maxdepth 1 -name '*tmp*')" ] && fail "temp file left: $(ls -A)"
	return 0
}

test_strip_bad_input() {
	local f
	f=$(find "$FIXTURES" -name '*.bpf.o' | sort | head -n 1)
	printf 'hello' >text.o
	bk strip text.o -o out.o
	expect_rc 1
	[[ $err == "bpfkit: strip: text.o: not an ELF file" ]] || fail "message: $err"
	bk strip /bin/true -o out.o
	expect_rc 1
	[[ $err == *"/bin/true: not a BPF object"* ]] || fail "message: $err"
	head -c 3000 "$f" >trunc.o
	bk strip trunc.o -o out.o
	expect_rc 1
	[[ $err == *"trunc.o: section header table runs past the end of the file (truncated?)"* ]] || fail "message: $err"
	bk strip missing.o
	expect_rc 1
	[[ $err == *"missing.o: No such file or directory"* ]] || fail "message: $err"
	bk strip trunc.o
	expect_rc 1
	cmp trunc.o <(head -c 3000 "$f") || fail "in-place strip of a bad file changed it"
	[ -e out.o ] && fail "output written for bad input"
	[ "$(ls -A | sort | tr '\n' ' ')" = "text.o trunc.o " ] || fail "files left: $(ls -A)"
	return 0
}

test_strip_usage() {
	bk strip
	expect_rc 2
	bk strip a b
	expect_rc 2
}
