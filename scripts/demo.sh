#!/usr/bin/env bash
# make demo: inspect a bundled object, then trace openat for a few seconds while generating
# some activity, and show the summary. Ends by itself.
set -u
BPFKIT=${1:-build/bpfkit}

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

step bpfkit inspect @openat --programs --maps
"$BPFKIT" inspect @openat --programs --maps || exit 1

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: tracing needs root (CAP_BPF and CAP_PERFMON): run 'sudo make demo'" >&2
	exit 1
fi

marker=$(mktemp /tmp/bpfkit-demo.XXXXXX)
step "bpfkit trace openat --duration 4   (while cat, ls and a missing file are opened)"
(
	sleep 1
	for i in 1 2 3; do
		cat "$marker" /etc/hostname >/dev/null
		cat /nonexistent/bpfkit-demo 2>/dev/null
		ls /usr/share/doc >/dev/null
		sleep 0.5
	done
) &
"$BPFKIT" trace openat --duration 4 | grep -E "^PID|$marker|/etc/hostname|bpfkit-demo|/usr/share/doc\$"
wait
rm -f "$marker"

step "bpfkit trace openat --json --failed --count 1   (one failed open, as JSON Lines)"
( sleep 1; cat /nonexistent/bpfkit-demo 2>/dev/null ) &
timeout 10 "$BPFKIT" trace openat --json --failed -n cat --count 3
wait
