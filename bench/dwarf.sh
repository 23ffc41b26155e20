#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# bench/dwarf.sh BPFKIT: DWARF types to BTF. `bpfkit btf dump OBJ --dwarf --format c` (libdw
# walk, BTF built with libbpf's writer, then the C header) against `pahole -J` encoding the
# same object's DWARF into a detached BTF file, for the largest fixture and for a DWARF-heavy
# object (bench/dwarf_heavy.bpf.c: every vmlinux.h type in .debug_info). Best wall time and
# lowest peak RSS of BENCH_RUNS (5) runs; ratio = bpfkit/pahole (below 1.00: bpfkit is faster
# or smaller). Needs pahole (dwarves), clang and /usr/bin/time (time).
set -u -o pipefail

BPFKIT=${1:?usage: bench/dwarf.sh BPFKIT}
RUNS=${BENCH_RUNS:-5}
TIME=/usr/bin/time
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
BUILD=$(dirname "$BPFKIT")

die() { echo "dwarf: $*" >&2; exit 1; }
# shellcheck source=bench/lib.bash
. "$(dirname "$0")/lib.bash"
[ -x "$TIME" ] || die "$TIME missing: apt-get install time"
command -v pahole >/dev/null || die "pahole missing: apt-get install dwarves"

tmp=$(mktemp -d) || die "cannot make a temporary directory"
BEST_TIME_FILE="$tmp/time"
trap 'rm -rf "$tmp"' EXIT

ARCH=$(uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
HEAVY=$tmp/dwarf_heavy.bpf.o
clang -g -O2 -target bpf -D__TARGET_ARCH_"$ARCH" -fno-eliminate-unused-debug-types \
	-I"$ROOT/include/vmlinux/$ARCH" -c "$HERE/dwarf_heavy.bpf.c" -o "$HEAVY" ||
	die "cannot compile $HERE/dwarf_heavy.bpf.c"
# the largest fixture by .debug_info size
LARGEST=$(for f in "$BUILD"/fixtures/*.bpf.o; do
	size=$(readelf -SW "$f" | sed -n 's/.*\] \.debug_info *PROGBITS *[0-9a-f]* [0-9a-f]* \([0-9a-f]*\).*/\1/p')
	printf '%d %s\n' "0x${size:-0}" "$f"
done | sort -n | tail -n 1 | cut -d' ' -f2)
[ -n "$LARGEST" ] || die "no fixtures in $BUILD/fixtures (make test-build)"

# CPU time is reported beside wall time: on a shared machine it is the steadier number.
# row LABEL OBJ THEIRS BPFKIT-ARGS...: one bpfkit command against pahole's numbers THEIRS.
row() {
	local label=$1 obj=$2 theirs=$3 mine
	shift 3
	mine=$(best "$BPFKIT" "$@")
	read -r m_ms m_kb m_cpu <<<"$mine"
	read -r t_ms t_kb t_cpu <<<"$theirs"
	awk -v l="$label" -v mm="$m_ms" -v mc="$m_cpu" -v mk="$m_kb" -v tm="$t_ms" -v tc="$t_cpu" \
		-v tk="$t_kb" 'BEGIN {
		printf "%-34s %8.1f %8.1f %5.2f %7d %7d %5.2f %8d %8d %5.2f\n", l, mm, tm, mm / tm,
			mc, tc, (tc ? mc / tc : 0), mk, tk, mk / tk
	}'
}

echo "bpfkit vs pahole -J --btf_encode_detached on the same object, best of $RUNS"
echo "(wall ms, CPU ms = user+sys, peak RSS KiB; ratio = bpfkit/pahole, below 1.00: bpfkit wins)"
printf '%-34s %8s %8s %5s %7s %7s %5s %8s %8s %5s\n' command wall pahole ratio cpu pahole ratio \
	KiB pahole ratio
for obj in "$LARGEST" "$HEAVY"; do
	echo "$(basename "$obj"): $("$BPFKIT" -j inspect "$obj" --types | jq '.types.dwarf_types') type DIEs"
	theirs=$(best pahole -J --btf_encode_detached="$tmp/p.btf" "$obj")
	row "btf dump --dwarf --format c" "$obj" "$theirs" btf dump "$obj" --dwarf --format c
	# the conversion with the cheapest output, closer to what pahole -J does
	row "btf dump --dwarf --format raw" "$obj" "$theirs" btf dump "$obj" --dwarf --format raw
done
