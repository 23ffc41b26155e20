#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# bench/inspect.sh BPFKIT: time of `bpfkit inspect --all` on the largest test object and of
# `inspect --core --kernel` (CO-RE resolution against the running kernel's ~126k types,
# whose candidate index must be built once, not per relocation), with llvm-objdump -d and
# readelf -a on the same object for scale. Best wall time and lowest peak RSS of BENCH_RUNS
# (5) runs, output to /dev/null. Needs /usr/bin/time (package `time`).
set -u -o pipefail

BPFKIT=${1:?usage: bench/inspect.sh BPFKIT}
RUNS=${BENCH_RUNS:-5}
TIME=/usr/bin/time
FIXTURES=$(dirname "$BPFKIT")/fixtures

die() { echo "inspect: $*" >&2; exit 1; }
# shellcheck source=bench/lib.bash
. "$(dirname "$0")/lib.bash"
[ -x "$TIME" ] || die "$TIME missing: apt-get install time"
largest=$(ls -S "$FIXTURES"/*.bpf.o 2>/dev/null | head -n 1)
[ -n "$largest" ] || die "no fixtures in $FIXTURES: run 'make test-build' first"
core_obj="$FIXTURES/core.bpf.o"
tmp=$(mktemp) || die "cannot make a temporary file"
BEST_TIME_FILE="$tmp"
trap 'rm -f "$tmp"' EXIT

row() {
	local label=$1
	shift
	read -r ms kib _ < <(best "$@")
	printf '  %-46s %8s %10s\n' "$label" "$ms" "$((kib / 1024))"
}

relos=$("$BPFKIT" -j inspect --core "$core_obj" | jq '.core_relos | length' 2>/dev/null || echo "?")
echo "inspect: $(basename "$largest") ($(stat -c %s "$largest") bytes), best of $RUNS"
printf '  %-46s %8s %10s\n' "" "wall ms" "peak MiB"
row "bpfkit inspect --all $(basename "$largest")" "$BPFKIT" inspect --all "$largest"
row "bpfkit inspect --all --json" "$BPFKIT" -j inspect --all "$largest"
row "llvm-objdump -d (for scale)" llvm-objdump -d "$largest"
row "readelf -a (for scale)" readelf -a "$largest"
row "bpfkit inspect --core (local, $relos relocations)" "$BPFKIT" inspect --core "$core_obj"
row "bpfkit inspect --core --kernel" "$BPFKIT" inspect --core --kernel "$core_obj"
row "bpfkit core check --kernel" "$BPFKIT" core check --kernel "$core_obj"
