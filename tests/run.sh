#!/usr/bin/env bash
# Runs every test: unit programs, then CLI and kernel test files. Last line:
# "N passed, N failed, N skipped". Usage: tests/run.sh BUILD_DIR [FILTER]
set -u
BUILD=${1:?usage: tests/run.sh BUILD_DIR [FILTER]}
FILTER=${2:-}
BUILD=$(cd "$BUILD" && pwd)
export BPFKIT="$BUILD/bpfkit" FIXTURES="$BUILD/fixtures"
here=$(cd "$(dirname "$0")" && pwd)
passed=0 failed=0 skipped=0

# What is in bpffs now: anything new at the end is a pin a test forgot to remove.
bpffs_state() { find /sys/fs/bpf -mindepth 1 2>/dev/null | sort; }
bpffs_before=$(bpffs_state)
# And what is loaded: a program still loaded at the end is one a test left behind.
loaded_state() { bpftool -j prog list 2>/dev/null | jq -r '.[] | "\(.id) \(.name // "-")"' 2>/dev/null | sort; }
loaded_before=$(loaded_state)

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	[ -n "$FILTER" ] && [[ $name != *$FILTER* ]] && continue
	res=$("$t" "$FIXTURES" 2>"$BUILD/tests/$name.log")
	rc=$?
	last=$(printf '%s\n' "$res" | tail -n 1)
	if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped$ ]]; then
		p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]} s=${BASH_REMATCH[3]}
	else
		p=0 f=1 s=0
	fi
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1	# crashed after its last check
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	if [ "$f" -gt 0 ]; then
		echo "FAIL $name ($p passed, $f failed, exit $rc)"
		sed 's/^/    /' "$BUILD/tests/$name.log" | tail -n 40
	else
		echo "ok   $name ($p checks${s:+, $s skipped})"
		grep '^skip:' "$BUILD/tests/$name.log" | sed 's/^/     /'
	fi
done

for file in "$here"/cli/*.sh "$here"/kernel/*.sh; do
	[ -f "$file" ] || continue
	tests=$(bash -c "source '$here/lib.sh'; source '$file'; declare -F" |
		awk '$3 ~ /^test_/ { print $3 }')
	for t in $tests; do
		label="$(basename "$(dirname "$file")")/$(basename "$file" .sh):${t#test_}"
		[ -n "$FILTER" ] && [[ $label != *$FILTER* ]] && continue
		TMPD=$(mktemp -d /tmp/bpfkit-test.XXXXXX)
		log=$(TMPD=$TMPD bash -c "source '$here/lib.sh'; source '$file'; cd '$TMPD'; $t" 2>&1)
		rc=$?
		rm -rf "$TMPD"
		case $rc in
		0) passed=$((passed + 1)); echo "ok   $label" ;;
		77) skipped=$((skipped + 1)); echo "skip $label: $(printf '%s\n' "$log" | grep '^skip:' | tail -n 1 | cut -c7-)" ;;
		*) failed=$((failed + 1)); echo "FAIL $label"; printf '%s\n' "$log" | tail -n 20 | sed 's/^/    /' ;;
		esac
	done
done

left=$(comm -13 <(printf '%s\n' "$bpffs_before") <(bpffs_state) | grep -v '^$')
if [ -n "$left" ] && [ -z "$FILTER" ]; then
	failed=$((failed + 1))
	echo "FAIL bpffs: pins left behind by the tests:"
	printf '%s\n' "$left" | sed 's/^/    /'
fi

# programs are freed once the last fd and link go: give exiting holders a moment
for _ in 1 2 3 4 5; do
	left=$(comm -13 <(printf '%s\n' "$loaded_before") <(loaded_state) | grep -v '^$')
	[ -z "$left" ] && break
	sleep 1
done
if [ -n "$left" ] && [ -z "$FILTER" ] && [ "$(id -u)" -eq 0 ]; then
	failed=$((failed + 1))
	echo "FAIL kernel: programs left loaded by the tests (id name):"
	printf '%s\n' "$left" | sed 's/^/    /'
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
