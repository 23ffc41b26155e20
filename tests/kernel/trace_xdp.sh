# shellcheck shell=bash disable=SC2154 # $out $err $rc: set by bk (tests/lib.sh)
# bpfkit trace xdp, for real, in a network namespace of the test's own: UDP over IPv4 and
# IPv6 on its lo, sent from known ports; the packets' fields, the per-source counters, every
# packet passed, and nothing attached afterwards.

setup_ns() {
	need_root
	command -v ip > /dev/null || skip "ip (iproute2) not installed"
	NS=bkxdp$$$RANDOM
	ip netns add "$NS" || skip "cannot create a network namespace"
	trap 'ip netns del "$NS" 2>/dev/null' EXIT
	ip -n "$NS" link set lo up
}

# send N: in the namespace, N datagrams of 100 bytes from 127.0.0.1:40000 and N from
# [::1]:40001 to a receiver on each; prints how many each receiver got.
send_udp() {
	ip netns exec "$NS" python3 - "$1" <<'PY'
import socket, sys
n = int(sys.argv[1])
for fam, addr, sport in ((socket.AF_INET, "127.0.0.1", 40000), (socket.AF_INET6, "::1", 40001)):
    r = socket.socket(fam, socket.SOCK_DGRAM); r.bind((addr, 0)); r.settimeout(2)
    s = socket.socket(fam, socket.SOCK_DGRAM); s.bind((addr, sport))
    for _ in range(n):
        s.sendto(b"x" * 100, r.getsockname()[:2])
    got = 0
    try:
        for _ in range(n):
            r.recv(200); got += 1
    except socket.timeout:
        pass
    print(fam == socket.AF_INET6 and "v6" or "v4", r.getsockname()[1], got)
PY
}

# start ARGS...: bpfkit trace xdp lo ARGS in the namespace, in the background (TRACER)
start() {
	ip netns exec "$NS" "$BPFKIT" trace xdp lo "$@" > "$TMPD/ev" 2> "$TMPD/ev.err" &
	TRACER=$!
	trap 'kill -INT $TRACER 2>/dev/null; wait $TRACER 2>/dev/null; ip netns del "$NS" 2>/dev/null' EXIT
	local i
	for ((i = 0; i < 100; i++)); do
		ip netns exec "$NS" ip link show lo | grep -q xdp && return 0
		sleep 0.05
	done
	fail "never attached: $(cat "$TMPD/ev.err")"
}

stop() {
	kill -INT "$TRACER"
	wait "$TRACER"
	STATUS=$?
	trap 'ip netns del "$NS" 2>/dev/null' EXIT
}

test_packets_ipv4_ipv6() {
	setup_ns
	start --json
	send_udp 3 > "$TMPD/sent"
	sleep 0.3
	stop
	[ "$STATUS" -eq 0 ] || fail "exit $STATUS: $(cat "$TMPD/ev.err")"
	local v4port v6port
	v4port=$(awk '$1 == "v4" { print $2 }' "$TMPD/sent")
	v6port=$(awk '$1 == "v6" { print $2 }' "$TMPD/sent")
	# every packet passed: the receivers got them all
	[ "$(awk '{ print $3 }' "$TMPD/sent" | paste -sd ' ')" = "3 3" ] || fail "packets lost: $(cat "$TMPD/sent")"
	out=$(jq -c --argjson p "$v4port" 'select(.dport == $p)' "$TMPD/ev")
	[ "$(printf '%s\n' "$out" | grep -c .)" -eq 3 ] || fail "IPv4 records: $out"
	out=$(printf '%s\n' "$out" | head -n 1)
	jq_is .family ipv4
	jq_is .saddr 127.0.0.1
	jq_is .daddr 127.0.0.1
	jq_is .sport 40000
	jq_is .proto udp
	jq_is .len 142		# 14 Ethernet + 20 IPv4 + 8 UDP + 100
	jq_is .ifindex 1
	out=$(jq -c --argjson p "$v6port" 'select(.dport == $p)' "$TMPD/ev")
	[ "$(printf '%s\n' "$out" | grep -c .)" -eq 3 ] || fail "IPv6 records: $out"
	out=$(printf '%s\n' "$out" | head -n 1)
	jq_is .family ipv6
	jq_is .saddr ::1
	jq_is .sport 40001
	jq_is .len 162		# 14 + 40 IPv6 + 8 + 100
	grep -q 'SKB (generic) mode' "$TMPD/ev.err" || fail "no fallback message: $(cat "$TMPD/ev.err")"
	grep -Eq '^[0-9]+ events, 0 lost$' "$TMPD/ev.err" || fail "summary: $(cat "$TMPD/ev.err")"
	# detached on exit
	ip netns exec "$NS" ip link show lo | grep -q xdp && fail "XDP still attached to lo"
	return 0
}

# --listen: per-source counters scraped over HTTP inside the namespace while it runs.
test_summary_listen_metrics() {
	setup_ns
	start --summary --skb --interval 60 --listen 127.0.0.1:9435
	send_udp 3 > /dev/null
	local body
	body=$(ip netns exec "$NS" python3 -c 'import urllib.request; print(urllib.request.urlopen("http://127.0.0.1:9435/metrics", timeout=2).read().decode())') ||
		fail "scrape failed: $(cat "$TMPD/ev.err")"
	stop
	[ "$STATUS" -eq 0 ] || fail "exit $STATUS: $(cat "$TMPD/ev.err")"
	grep -q '^# TYPE bpfkit_xdp_packets_total counter$' <<<"$body" || fail "no TYPE line: $body"
	# the scrape itself is TCP over 127.0.0.1 on the same lo: IPv6 carries only the datagrams
	grep -q '^bpfkit_xdp_packets_total{family="ipv6",saddr="::1"} 3$' <<<"$body" || fail "v6 packets: $body"
	grep -q '^bpfkit_xdp_bytes_total{family="ipv6",saddr="::1"} 486$' <<<"$body" || fail "v6 bytes: $body"
	grep -Eq '^bpfkit_xdp_packets_total\{family="ipv4",saddr="127.0.0.1"\} [3-9][0-9]*$' <<<"$body" || fail "v4 packets: $body"
}

test_summary_counts_per_source() {
	setup_ns
	start --summary --json --skb --interval 0.3
	send_udp 5 > /dev/null
	sleep 0.5
	stop
	[ "$STATUS" -eq 0 ] || fail "exit $STATUS: $(cat "$TMPD/ev.err")"
	grep -q 'SKB (generic)' "$TMPD/ev.err" && fail "--skb said it fell back"
	# only the counters: no packet records; the last table counts 5 datagrams per source
	[ "$(jq -s '[.[] | select(has("sport"))] | length' "$TMPD/ev")" = 0 ] || fail "--summary printed packets"
	out=$(jq -c 'select(.final and .saddr == "127.0.0.1")' "$TMPD/ev")
	jq_is .packets 5
	jq_is .bytes 710
	out=$(jq -c 'select(.final and .saddr == "::1")' "$TMPD/ev")
	jq_is .packets 5
	jq_is .bytes 810
	jq_is .family ipv6
	# an interval table came before the end
	[ "$(jq -s '[.[] | select(.final == false and .saddr == "127.0.0.1")] | length' "$TMPD/ev")" -gt 0 ] || fail "no interval table: $(cat "$TMPD/ev")"
}

test_summary_count_stops_after_rows() {
	setup_ns
	start --summary --json --skb --interval 0.2 --count 1 --duration 10
	SECONDS=0
	send_udp 2 > /dev/null
	wait "$TRACER"
	STATUS=$?
	trap 'ip netns del "$NS" 2>/dev/null' EXIT
	[ "$STATUS" -eq 0 ] || fail "exit $STATUS: $(cat "$TMPD/ev.err")"
	[ "$SECONDS" -lt 5 ] || fail "--count 1 ran $SECONDS s"
	grep -Eq '^[1-9][0-9]* events, 0 lost$' "$TMPD/ev.err" || fail "summary: $(cat "$TMPD/ev.err")"
	[ "$(jq -s '[.[] | select(.packets > 0)] | length' "$TMPD/ev")" -ge 1 ] || fail "no source row: $(cat "$TMPD/ev")"
}

# Native mode on a veth between two namespaces of the test's own; TCP, ICMP and UDP from the
# peer (.2) to the traced end (.1).
test_native_on_veth_tcp_icmp() {
	setup_ns
	local peer=${NS}p net=10.199.$(($$ % 250))
	ip netns add "$peer" || skip "cannot create a second network namespace"
	trap 'kill -INT $TRACER 2>/dev/null; wait $TRACER 2>/dev/null; ip netns del "$NS" 2>/dev/null; ip netns del "$peer" 2>/dev/null' EXIT
	ip -n "$NS" link add bkva type veth peer name bkvb netns "$peer" || skip "no veth"
	ip -n "$NS" addr add "$net.1/24" dev bkva
	ip -n "$peer" addr add "$net.2/24" dev bkvb
	ip -n "$NS" link set bkva up
	ip -n "$peer" link set bkvb up
	ip netns exec "$NS" "$BPFKIT" trace xdp bkva --json > "$TMPD/ev" 2> "$TMPD/ev.err" &
	TRACER=$!
	local i
	for ((i = 0; i < 100; i++)); do
		ip -n "$NS" link show bkva | grep -q 'prog/xdp' && break
		sleep 0.05
	done
	# the flags say the mode: "xdp" (native), "xdpgeneric" (SKB)
	ip -n "$NS" link show bkva | grep -q ' xdp ' || fail "not attached natively: $(cat "$TMPD/ev.err") $(ip -n "$NS" link show bkva)"
	ip netns exec "$peer" python3 - "$net" <<'PY'
import socket, struct, sys
dst = sys.argv[1] + ".1"
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind((sys.argv[1] + ".2", 40010))
u.sendto(b"u" * 20, (dst, 9))
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM); t.bind((sys.argv[1] + ".2", 40011)); t.settimeout(1)
try:
    t.connect((dst, 7))          # refused: one SYN on the wire is enough
except OSError:
    pass
# ICMP echo request, id 0x4242, checksum by hand
hdr = struct.pack("!BBHHH", 8, 0, 0, 0x4242, 1) + b"bpfkit"
s = sum(struct.unpack("!%dH" % (len(hdr) // 2), hdr)); s = (s >> 16) + (s & 0xffff); s += s >> 16
pkt = hdr[:2] + struct.pack("!H", ~s & 0xffff) + hdr[4:]
socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP).sendto(pkt, (dst, 0))
PY
	sleep 0.5
	stop
	ip netns del "$peer"
	[ "$STATUS" -eq 0 ] || fail "exit $STATUS: $(cat "$TMPD/ev.err")"
	grep -q 'SKB (generic)' "$TMPD/ev.err" && fail "fell back on a veth: $(cat "$TMPD/ev.err")"
	out=$(jq -c "select(.saddr == \"$net.2\" and .proto == \"udp\")" "$TMPD/ev")
	jq_is .sport 40010
	jq_is .dport 9
	jq_is .len 62
	out=$(jq -c "select(.saddr == \"$net.2\" and .proto == \"tcp\")" "$TMPD/ev" | head -1)
	jq_is .sport 40011
	jq_is .dport 7
	jq_is .daddr "$net.1"
	out=$(jq -c "select(.saddr == \"$net.2\" and .proto == \"icmp\")" "$TMPD/ev")
	jq_is .len 48
}

test_quiet_fallback() {
	setup_ns
	printf '#!/bin/sh\nexec ip netns exec %s %s "$@"\n' "$NS" "$BPFKIT" > "$TMPD/bk-in-ns"
	chmod +x "$TMPD/bk-in-ns"
	# lo has no native XDP: the fallback is said, but not with -q
	BPFKIT=$TMPD/bk-in-ns bk trace xdp lo --duration 0.3
	expect_rc 0
	[[ $err == *"lo: no native XDP"*"SKB (generic) mode"* ]] || fail "no fallback message: $err"
	BPFKIT=$TMPD/bk-in-ns bk trace xdp lo -q --duration 0.3
	expect_rc 0
	[[ $err != *"SKB (generic)"* ]] || fail "-q said: $err"
}

test_text_and_sigkill_detaches() {
	setup_ns
	start
	send_udp 1 > /dev/null
	sleep 0.3
	# killed outright: the link goes with the process
	kill -KILL "$TRACER"
	wait "$TRACER" 2>/dev/null
	trap 'ip netns del "$NS" 2>/dev/null' EXIT
	head -n 1 "$TMPD/ev" | grep -Eq '^SADDR +SPORT DADDR +DPORT PROTO +LEN$' || fail "header: $(head -n 1 "$TMPD/ev")"
	grep -Eq '^127\.0\.0\.1 +40000 127\.0\.0\.1 +[0-9]+ udp +142$' "$TMPD/ev" || fail "no IPv4 line: $(cat "$TMPD/ev")"
	sleep 0.2
	ip netns exec "$NS" ip link show lo | grep -q xdp && fail "XDP still attached after SIGKILL"
	return 0
}

test_errors() {
	setup_ns
	out=$(ip netns exec "$NS" "$BPFKIT" trace xdp nosuchif0 --duration 1 2>&1)
	[ $? -eq 1 ] || fail "missing interface: exit $?"
	[[ $out == *"no interface 'nosuchif0'"* ]] || fail "$out"
	bk trace xdp
	expect_rc 2
	[[ $err == *"missing IFACE"* ]] || fail "$err"
}
