# shellcheck shell=bash
# `make install` into a DESTDIR: the binary, the man page and the three completion shims land
# where distributions look for them, and the installed binary runs. It reuses the binary under
# test: OUTPUT is the build directory of $BPFKIT, so make has nothing to rebuild.

# The repository root and the build directory relative to it (OUTPUT= for make).
install_paths() {
	local bindir
	bindir=$(cd "$(dirname "$BPFKIT")" && pwd) || fail "no build directory for $BPFKIT"
	ROOT=$(git -C "$bindir" rev-parse --show-toplevel 2>/dev/null) ||
		ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	[ -f "$ROOT/Makefile" ] || fail "no Makefile in $ROOT"
	case $bindir/ in
	"$ROOT"/*) OUTPUT=${bindir#"$ROOT"/} ;;
	*) OUTPUT=$bindir ;;
	esac
}

# make install DESTDIR=$TMPD/root PREFIX=/usr; its output goes to $TMPD/make.log.
do_install() {
	install_paths
	DEST=$TMPD/root
	make -C "$ROOT" --no-print-directory install DESTDIR="$DEST" PREFIX=/usr \
		OUTPUT="$OUTPUT" >"$TMPD/make.log" 2>&1 ||
		fail "make install failed: $(tail -n 5 "$TMPD/make.log")"
}

test_install_files() {
	local f bad=""
	do_install
	for f in usr/sbin/bpfkit usr/share/man/man8/bpfkit.8 \
		 usr/share/bash-completion/completions/bpfkit \
		 usr/share/zsh/vendor-completions/_bpfkit \
		 usr/share/fish/vendor_completions.d/bpfkit.fish; do
		[ -f "$DEST/$f" ] || bad+="not installed: /$f"$'\n'
	done
	[ -z "$bad" ] || fail "$bad(installed: $(cd "$DEST" && find . -type f | tr '\n' ' '))"
	[ -x "$DEST/usr/sbin/bpfkit" ] || fail "/usr/sbin/bpfkit is not executable"
	[ "$(stat -c %a "$DEST/usr/share/man/man8/bpfkit.8")" = 644 ] || fail "man page mode is not 644"
	# the binary of the build directory under test
	cmp -s "$BPFKIT" "$DEST/usr/sbin/bpfkit" || fail "installed bpfkit differs from $BPFKIT"
	# nothing outside DESTDIR/usr
	[ -z "$(cd "$DEST" && find . -mindepth 1 -maxdepth 1 ! -name usr)" ] ||
		fail "installed outside /usr: $(cd "$DEST" && ls -A)"
	cmp -s "$ROOT/doc/bpfkit.8" "$DEST/usr/share/man/man8/bpfkit.8" || fail "man page differs"
}

test_installed_binary_runs() {
	local out
	do_install
	out=$("$DEST/usr/sbin/bpfkit" version --json) || fail "installed bpfkit version failed"
	printf '%s' "$out" | jq -e '.version and .libbpf and .kernel' >/dev/null ||
		fail "installed bpfkit version --json: $out"
	"$DEST/usr/sbin/bpfkit" version >/dev/null || fail "installed bpfkit version failed"
}

# The installed bash completion works with the installed binary.
test_installed_bash_completion() {
	local got
	do_install
	got=$(PATH=$DEST/usr/sbin:$PATH bash --norc --noprofile -c '
		source "$1" || exit 1
		COMP_WORDS=(bpfkit vers); COMP_CWORD=1
		_bpfkit; printf "%s\n" "${COMPREPLY[@]}"' bash \
		"$DEST/usr/share/bash-completion/completions/bpfkit")
	[ "$got" = version ] || fail "installed completion: bpfkit vers<TAB> gave '$got'"
}

test_uninstall_removes_everything() {
	do_install
	make -C "$ROOT" --no-print-directory uninstall DESTDIR="$DEST" PREFIX=/usr \
		OUTPUT="$OUTPUT" >"$TMPD/make.log" 2>&1 || fail "make uninstall failed: $(tail -n 5 "$TMPD/make.log")"
	[ -z "$(find "$DEST" -type f)" ] || fail "left after uninstall: $(find "$DEST" -type f)"
}
