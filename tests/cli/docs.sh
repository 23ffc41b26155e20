# shellcheck shell=bash
# The README's samples are the binary's output (scripts/docs.py, `make docs`): this fails the
# suite when one no longer matches (numbers excepted in samples marked volatile).

test_readme_samples_match_the_binary() {
	need_root	# some samples trace
	local root
	root=$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel)
	cp "$root/README.md" readme.md
	python3 "$root/scripts/docs.py" "$BPFKIT" --check "$root/README.md" >drift.txt ||
		fail "README samples drifted from the binary: $(head -c 2000 drift.txt)"
	cmp -s readme.md "$root/README.md" || fail "--check changed README.md"
	grep -c '^<!-- sample' "$root/README.md" | grep -qv '^0$' || fail "no samples found"
}

test_docs_check_catches_a_drift() {
	local root
	root=$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel)
	printf '<!-- sample: bpfkit version --help -->\n```\n$ bpfkit version --help\nnot what it prints\n```\n' >r.md
	python3 "$root/scripts/docs.py" "$BPFKIT" --check r.md >d.txt && fail "a stale sample passed"
	grep -q "not what it prints" d.txt || fail "no diff shown: $(cat d.txt)"
	python3 "$root/scripts/docs.py" "$BPFKIT" r.md || fail "make docs failed"
	grep -q "Usage: bpfkit version" r.md || fail "the sample was not rewritten: $(cat r.md)"
	python3 "$root/scripts/docs.py" "$BPFKIT" --check r.md >/dev/null || fail "a fresh sample fails the check"
}

# The man page's sample output (the error line under "Errors are one line") is what the
# binary prints for it.
test_man_page_error_sample_matches() {
	local root want
	root=$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel)
	want=$(awk '/^Errors are one line/ { f = 1 } f && /^\.EX/ { getline; print; exit }' "$root/doc/bpfkit.8")
	[[ $want == "bpfkit: inspect: prog.bpf.o: "* ]] || fail "sample not found in the man page: '$want'"
	bk inspect prog.bpf.o	# the test runs in an empty directory
	expect_rc 1
	[ "$err" = "$want" ] || fail "man page says '$want', the binary '$err'"
}
