# shellcheck shell=bash
# Every class of damage tests/malformed.py makes: a clear one-line error and exit 1 from every
# reader, never a crash (ASan/UBSan with SANITIZE=1), never output on stdout.

make_malformed() {
	local root
	root=$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel)
	[ -f "$FIXTURES/core.bpf.o" ] || fail "missing fixture core.bpf.o"
	N=$(python3 "$root/tests/malformed.py" "$FIXTURES/core.bpf.o" "$TMPD/bad") || fail "mutator failed"
	[ "$N" -ge 40 ] || fail "only $N classes of malformed objects"
}

# expect_clean_error CLASSFILE ARGS...: exit 1, one line naming the file on stderr, no stdout
expect_clean_error() {
	local f=$1
	shift
	bk "$@"
	[ "$rc" -eq 1 ] || fail "$(basename "$f"): bpfkit $*: exit $rc, want 1 (stderr: $err)"
	[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "$(basename "$f"): bpfkit $*: stderr is not one line: $err"
	[[ $err == *"$f"* ]] || fail "$(basename "$f"): bpfkit $*: error does not name the file: $err"
	[ -z "$out" ] || fail "$(basename "$f"): bpfkit $*: wrote to stdout"
}

test_inspect_all_rejects_every_class() {
	make_malformed
	for f in "$TMPD"/bad/*.o; do
		expect_clean_error "$f" inspect --all "$f"
	done
}

test_inspect_json_error_is_whole_document() {
	make_malformed
	for f in "$TMPD"/bad/btf_const_cycle.o "$TMPD"/bad/ext_core_kind_unknown.o "$TMPD"/bad/elf_shoff_past_eof.o; do
		bk -j inspect --all "$f"
		expect_rc 1
		json_ok
		jq_is 'keys | join(",")' error
	done
}

test_specific_messages() {
	make_malformed
	bk inspect "$TMPD/bad/insn_split_ld_imm64.o"
	[[ $err == *"ld_imm64 without its second half"* ]] || fail "$err"
	bk inspect "$TMPD/bad/btf_const_cycle.o"
	[[ $err == *".BTF: not valid BTF: type ["*"] is part of a reference loop"* ]] || fail "$err"
	bk inspect "$TMPD/bad/ext_core_access_str_not_numeric.o"
	[[ $err == *"access string 'tp/syscalls/"*"' is not of the form 0:1:2"* ]] || fail "$err"
	bk inspect "$TMPD/bad/prog_section_odd_size.o"
	[[ $err == *"is not a whole number of 8-byte instructions"* ]] || fail "$err"
}
