# shellcheck shell=bash
# Damaged but readable objects (tests/defects.py, inspect/defects.c): every defect is a
# warning naming the file, where and what; inspect shows what it can and exits 1; strip,
# package and gen write nothing unless --force; never a crash (ASan/UBSan with SANITIZE=1).

make_defects() {
	local root
	root=$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel)
	N=$(python3 "$root/tests/defects.py" "$FIXTURES/core.bpf.o" "$FIXTURES/maps.bpf.o" "$TMPD/d") ||
		fail "defects.py failed"
	[ "$N" -ge 14 ] || fail "only $N classes of defects"
}

test_inspect_names_every_defect_and_exits_1() {
	make_defects
	while IFS=$'\t' read -r name want; do
		f=$TMPD/d/$name.o
		bk inspect --all "$f"
		[ "$rc" -eq 1 ] || fail "$name: exit $rc, want 1"
		[[ $err == *"bpfkit: inspect: warning: $f: "*"$want"* ]] || fail "$name: stderr lacks '$want': $err"
		[ -n "$out" ] || fail "$name: nothing shown"
		bk -j inspect --all "$f"
		[ "$rc" -eq 1 ] || fail "$name: -j exit $rc"
		printf '%s' "$out" | jq -e --arg w "$want" '.defects | map(select(contains($w))) | length >= 1' \
			>/dev/null || fail "$name: JSON defects lack '$want': ${out:0:300}"
		printf '%s' "$out" | jq -e '.sections | length > 0' >/dev/null || fail "$name: no sections shown"
	done <"$TMPD/d/expect.tsv"
}

test_writers_refuse_damaged_objects() {
	make_defects
	while IFS=$'\t' read -r name want; do
		f=$TMPD/d/$name.o
		for cmd in "strip $f -o out.o" "package $f -o out.o" "gen skeleton $f -o out.h" \
			"gen object out.o $f"; do
			# shellcheck disable=SC2086
			bk $cmd
			[ "$rc" -eq 1 ] || fail "$name: $cmd: exit $rc, want 1"
			[[ $err == *"$want"* ]] || fail "$name: $cmd: warning lacks '$want': $err"
			[[ $err == *"damaged object"*"--force uses it anyway"* ]] || fail "$name: $cmd: $err"
			[ ! -e out.o ] && [ ! -e out.h ] || fail "$name: $cmd wrote its output"
		done
	done <"$TMPD/d/expect.tsv"
}

test_force_writes_with_warnings() {
	make_defects
	bk strip "$TMPD/d/license_unterminated.o" -o forced.o --force
	expect_rc 0
	[[ $err == *"warning:"*"no terminating NUL"* ]] || fail "no warning: $err"
	[ -s forced.o ] || fail "nothing written"
	bk inspect forced.o
	expect_rc 1
	[[ $err == *"no terminating NUL"* ]] || fail "the stripped object lost its defect: $err"
}
