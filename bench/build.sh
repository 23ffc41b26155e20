#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Compile time of the seed tutorial's openatsnoop.bpf.c: the plain clang line (full
# vmlinux.h parsed every time) vs `bpfkit build` with a cold cache (generates vmlinux.h and
# its precompiled header) and a warm one (the repeated build when iterating). Best of N.
# Usage: bench/build.sh [BPFKIT] [RUNS]
set -eu
BPFKIT=${1:-build/bpfkit}
RUNS=${2:-5}
BPFKIT=$(cd "$(dirname "$BPFKIT")" && pwd)/$(basename "$BPFKIT")
here=$(cd "$(dirname "$0")" && pwd)
src=$here/../tests/gen
work=$(mktemp -d /tmp/bpfkit-bench-build.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp "$src/openatsnoop.bpf.c" "$src/events.h" "$work/"
cd "$work"
CLANG=${CLANG:-clang}
ARCH=$(uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

mkdir hdr
export BPFKIT_CACHE_DIR=$work/cache
"$BPFKIT" gen vmlinux -o hdr/vmlinux.h

now_ns() { date +%s%N; }

# CPU time (user + sys) of all children so far, in ms, from the `times` builtin: unlike
# wall time it does not grow when other work shares the cores.
child_cpu_ms() {
	times >"$work/times"	# a builtin with a redirection runs in this shell, not a child
	tail -n 1 "$work/times" | awk '{
		t = 0
		for (i = 1; i <= 2; i++) { split($i, a, "m"); sub("s", "", a[2]); t += a[1] * 60 + a[2] }
		printf "%d", t * 1000 }'
}

# best_ms CMD...: "WALL CPU", the fastest of RUNS runs for each, in milliseconds
best_ms() {
	local best='' bestcpu='' i t0 t1 c0 c1
	for ((i = 0; i < RUNS; i++)); do
		[ -n "${PREP:-}" ] && eval "$PREP"
		child_cpu_ms >"$work/c0"
		t0=$(now_ns)
		"$@" >/dev/null
		t1=$(now_ns)
		child_cpu_ms >"$work/c1"
		c0=$(cat "$work/c0") c1=$(cat "$work/c1")
		if [ -z "$best" ] || [ $((t1 - t0)) -lt "$best" ]; then best=$((t1 - t0)); fi
		if [ -z "$bestcpu" ] || [ $((c1 - c0)) -lt "$bestcpu" ]; then bestcpu=$((c1 - c0)); fi
	done
	awk -v ns="$best" -v cpu="$bestcpu" 'BEGIN { printf "%.1f %d", ns / 1e6, cpu }'
}

plain=$(best_ms "$CLANG" -target bpf -g -O2 -D__TARGET_ARCH_"$ARCH" -Ihdr -c openatsnoop.bpf.c -o plain.o)
cold=$(PREP='rm -rf "$work/cache"' best_ms "$BPFKIT" build -q openatsnoop.bpf.c -o cold.o)
"$BPFKIT" build -q openatsnoop.bpf.c -o warm.o >/dev/null
warm=$(best_ms "$BPFKIT" build -q openatsnoop.bpf.c -o warm.o)
warm_strip_skel=$(best_ms "$BPFKIT" build -q openatsnoop.bpf.c -o warm.o --strip --skeleton)

printf 'build: openatsnoop.bpf.c, best of %d (%s)\n' "$RUNS" "$("$CLANG" --version | head -n 1)"
printf '  %-40s %10s %10s\n' "" "wall ms" "cpu ms"
row() { printf '  %-40s %10s %10s\n' "$1" $2; }
row "plain clang line (full vmlinux.h)" "$plain"
row "bpfkit build, cold cache" "$cold"
row "bpfkit build, warm cache" "$warm"
row "bpfkit build --strip --skeleton, warm" "$warm_strip_skel"
awk -v p="$plain" -v w="$warm" 'BEGIN {
	split(p, a, " "); split(w, b, " ")
	printf "  repeated build speedup: %.1fx wall, %.1fx cpu (goal >= 5x)\n", a[1] / b[1], a[2] / (b[2] ? b[2] : 1) }'
