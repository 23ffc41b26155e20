#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# bench/run.sh BPFKIT: run every benchmark bench/*.sh (but this one) against the bpfkit binary
# BPFKIT, each under a heading. `make bench` calls it with the freshly built binary.
# BENCH_ONLY="name ..." runs only those (e.g. BENCH_ONLY=trace_openat).
# Exit status: 0 when every benchmark exited 0, else 1 (the others still run).
set -u -o pipefail

BPFKIT=${1:?usage: bench/run.sh BPFKIT}
[ -x "$BPFKIT" ] || { echo "bench: $BPFKIT: not an executable (run make first)" >&2; exit 2; }
BPFKIT=$(realpath "$BPFKIT")
HERE=$(cd "$(dirname "$0")" && pwd)
SELF=$(basename "$0")

# On SIGINT/SIGTERM: pass it to the running benchmark, let it clean up, then stop.
child= stop=
# (as SIGTERM: a background shell ignores SIGINT and cannot trap it)
trap 'stop=130; [ -n "$child" ] && kill -TERM "$child" 2>/dev/null' INT
trap 'stop=143; [ -n "$child" ] && kill -TERM "$child" 2>/dev/null' TERM

failed=()
ran=0
for b in "$HERE"/*.sh; do
	name=$(basename "$b" .sh)
	[ "$(basename "$b")" = "$SELF" ] || [ "$name" = run ] && continue
	if [ -n "${BENCH_ONLY:-}" ] && [[ " $BENCH_ONLY " != *" $name "* ]]; then
		continue
	fi
	echo "=== bench: $name ($(date -u +%H:%M:%S) UTC) ==="
	start=$EPOCHREALTIME
	bash "$b" "$BPFKIT" &
	child=$!
	wait "$child"; st=$?
	while kill -0 "$child" 2>/dev/null; do wait "$child"; st=$?; done
	child=
	[ -n "$stop" ] && { echo "bench: interrupted" >&2; exit "$stop"; }
	ran=$((ran + 1))
	printf '=== %s: %s in %.1f s ===\n\n' "$name" "$([ $st = 0 ] && echo ok || echo "FAILED (exit $st)")" \
		"$(awk "BEGIN { print $EPOCHREALTIME - $start }")"
	[ $st = 0 ] || failed+=("$name")
done
echo "bench: $ran run, ${#failed[@]} failed${failed:+: ${failed[*]}}"
[ ${#failed[@]} = 0 ]
