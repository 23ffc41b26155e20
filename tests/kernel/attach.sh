# shellcheck shell=bash disable=SC2154 # $out $err $rc: set by bk (tests/lib.sh)
# bpfkit attach|detach|attached and load --attach, for real: XDP and tc in network namespaces
# this file creates, a tracepoint and uprobes on a binary it compiles, a cgroup it makes.
# Each test counts events through the fixture's counts[] map (tests/fixtures/attach.bpf.c)
# and removes its links, pins, qdiscs, cgroups and namespaces on exit, even on failure.

# Globals, not locals: the EXIT trap runs after a test function's locals are gone.
at_setup() {
	need_root
	command -v bpftool >/dev/null || skip "bpftool not installed"
	command -v ip >/dev/null && command -v nsenter >/dev/null || skip "needs ip and nsenter"
	F=$FIXTURES/attach.bpf.o
	D=/sys/fs/bpf/bkt-attach-$$-$RANDOM
	NSS=() BGPIDS=() CG=
	mkdir -p "$D" || fail "cannot make $D"
	trap at_cleanup EXIT
}

at_cleanup() {
	local p f ns
	for p in "${BGPIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	# a pinned link outlives its pin's removal only while something else holds it
	while read -r f; do
		[ -n "$f" ] && "$BPFKIT" detach "$f" >/dev/null 2>&1
	done < <(find "$D" -mindepth 1 ! -type d 2>/dev/null)
	rm -rf "$D"
	for ns in "${NSS[@]}"; do ip netns del "$ns" 2>/dev/null; done
	[ -z "$CG" ] || rmdir "$CG" 2>/dev/null
}

# new_ns VAR: a network namespace with lo up; its name in VAR.
new_ns() {
	local name=bkt-at-$$-$RANDOM
	ip netns add "$name" || skip "cannot create a network namespace"
	NSS+=("$name")
	ip -n "$name" link set lo up || fail "lo up in $name"
	printf -v "$1" '%s' "$name"
}

# A bpfkit that runs in namespace $1 (nsenter --net keeps our mount namespace, so bpffs
# pins land in our /sys/fs/bpf): use as BPFKIT=$(bk_in NS) bk ...
bk_in() {
	local w=$TMPD/bk-$1
	printf '#!/bin/sh\nexec nsenter --net=/run/netns/%s %s "$@"\n' "$1" "$BPFKIT" >"$w"
	chmod +x "$w"
	printf '%s' "$w"
}

# counter PROG_ID INDEX: counts[INDEX] of that program's map.
counter() {
	local m
	m=$(bpftool -j prog show id "$1" | jq '.map_ids[0]') || return 1
	bpftool -j map lookup id "$m" key "$2" 0 0 0 | jq '.formatted.value'
}

# udp NS ADDR N: N datagrams to ADDR:4242 from namespace NS.
udp() {
	local i
	for ((i = 0; i < $3; i++)); do
		nsenter --net="/run/netns/$1" bash -c "echo x >/dev/udp/$2/4242" || fail "udp send"
	done
}

# row PROG_ID: the attached view's row(s) of that program, from the last bk's JSON.
row() {
	printf '%s' "$out" | jq -c "[.[] | select(.prog_id == $1)]"
}

# wait_row PROG_NAME PID: poll the attached view until a row of PROG_NAME is held by PID.
wait_row() {
	local i
	for ((i = 0; i < 100; i++)); do
		bk attached -j
		PROG_ID=$(printf '%s' "$out" |
			jq -r "[.[] | select(.name == \"$1\" and any(.pids[]; .pid == $2))][0].prog_id // empty")
		[ -n "$PROG_ID" ] && return 0
		kill -0 "$2" 2>/dev/null || fail "bpfkit attach exited early: $(cat "$TMPD/bg.err")"
		sleep 0.1
	done
	fail "no attachment of $1 held by pid $2 appeared"
}

test_xdp_lo_counts_and_detach() {
	local ns bkn
	at_setup
	new_ns ns
	bkn=$(bk_in "$ns")
	BPFKIT=$bkn bk attach "$F:xdp_count" xdp:lo --pin "$D/xdp" -j
	expect_rc 0
	jq_is .attach_point xdp:lo:skb
	jq_is .how link
	jq_is .pinned "$D/xdp"
	[[ $err == *"lo has no native XDP: attached in SKB (generic) mode"* ]] || fail "no SKB note: $err"
	PROG_ID=$(printf '%s' "$out" | jq .prog_id)
	udp "$ns" 127.0.0.1 5
	[ "$(counter "$PROG_ID" 0)" = 5 ] || fail "counter $(counter "$PROG_ID" 0), want 5"
	BPFKIT=$bkn bk attached -j
	expect_rc 0
	[ "$(row "$PROG_ID" | jq -c '.[] | [.attach_point, .how, .pinned]')" = "[\"xdp:lo:skb\",\"link\",[\"$D/xdp\"]]" ] ||
		fail "attached view: $(row "$PROG_ID")"
	# from another namespace, ifindex 1 is some other lo: neither named nor detached there
	bk attached -j
	[[ $(row "$PROG_ID" | jq -r '.[0].attach_point') == "xdp:(ifindex 1, another netns)" ]] ||
		fail "seen from the root namespace: $(row "$PROG_ID")"
	bk detach xdp:lo
	expect_rc 1
	[ -e "$D/xdp" ] && [ -n "$(ip -n "$ns" -j link show lo | jq -r '.[0].xdp // empty')" ] ||
		fail "detached from another namespace"
	# keep the map to read it after detach, when the program is gone
	bpftool map pin id "$(bpftool -j prog show id "$PROG_ID" | jq '.map_ids[0]')" "$D/map" ||
		fail "map pin"
	BPFKIT=$bkn bk detach xdp:lo -j
	expect_rc 0
	jq_is '.[0].prog_id' "$PROG_ID"
	jq_is '.[0].unpinned[0]' "$D/xdp"
	[ ! -e "$D/xdp" ] || fail "link pin left behind"
	udp "$ns" 127.0.0.1 3
	[ "$(bpftool -j map lookup pinned "$D/map" key 0 0 0 0 | jq .formatted.value)" = 5 ] ||
		fail "counter moved after detach"
	BPFKIT=$bkn bk attached -j
	[ "$(row "$PROG_ID")" = "[]" ] || fail "still listed after detach: $(row "$PROG_ID")"
	[ "$(ip -n "$ns" -j link show lo | jq -r '.[0].xdp // empty')" = "" ] || fail "XDP still on lo"
}

# veth va (ns1, 10.199.0.1) <-> vb (ns2, 10.199.0.2)
veth_pair() {
	new_ns NS1
	new_ns NS2
	ip -n "$NS1" link add va type veth peer name vb netns "$NS2" || fail "veth"
	ip -n "$NS1" addr add 10.199.0.1/24 dev va && ip -n "$NS1" link set va up &&
		ip -n "$NS2" addr add 10.199.0.2/24 dev vb && ip -n "$NS2" link set vb up ||
		fail "veth setup"
}

test_tc_veth_ingress_egress() {
	local b1 b2 eg in
	at_setup
	veth_pair
	b1=$(bk_in "$NS1") b2=$(bk_in "$NS2")
	BPFKIT=$b1 bk attach "$F:tc_count" tc:va:egress --pin "$D/eg" -j
	expect_rc 0
	jq_is .attach_point tc:va:egress
	eg=$(printf '%s' "$out" | jq .prog_id)
	BPFKIT=$b2 bk attach "$F:tc_count" tc:vb:ingress --pin "$D/in" -j
	expect_rc 0
	in=$(printf '%s' "$out" | jq .prog_id)
	udp "$NS1" 10.199.0.2 1
	sleep 0.3		# the first datagram waits for ARP
	udp "$NS1" 10.199.0.2 3
	[ "$(counter "$eg" 1)" = 4 ] || fail "egress counted $(counter "$eg" 1), want 4"
	[ "$(counter "$in" 1)" = 4 ] || fail "ingress counted $(counter "$in" 1), want 4"
	BPFKIT=$b1 bk attached -j
	[ "$(row "$eg" | jq -c '.[] | [.attach_point, .how, .pinned]')" = "[\"tc:va:egress\",\"link\",[\"$D/eg\"]]" ] ||
		fail "attached view in ns1: $(row "$eg")"
	BPFKIT=$b2 bk attached
	printf '%s\n' "$out" | grep -Eq "^ *$in +tc_count +sched_cls +tc:vb:ingress +link +$D/in\$" ||
		fail "text row: $out"
	BPFKIT=$b1 bk detach tc:va:egress
	expect_rc 0
	BPFKIT=$b2 bk detach tc:vb:ingress
	expect_rc 0
	[ ! -e "$D/eg" ] && [ ! -e "$D/in" ] || fail "pins left"
	BPFKIT=$b1 bk attached -j
	[ "$(row "$eg")" = "[]" ] || fail "egress still listed"
	[ -z "$(ip -n "$NS1" -j qdisc show dev va | jq -r '.[] | select(.kind == "clsact") | .kind')" ] ||
		fail "a tcx link made a qdisc"
}

# Kernels without tcx: a clsact qdisc (made when missing, removed only if bpfkit made it)
# and a cls_bpf filter. BPFKIT_TC_CLASSIC=1 takes that path here.
test_tc_classic_qdisc_and_ctrl_c() {
	local b1 pid rc_bg
	at_setup
	veth_pair
	b1=$(bk_in "$NS1")
	BPFKIT_TC_CLASSIC=1 "$b1" attach "$F:tc_count" tc:va:ingress >"$TMPD/bg.out" 2>"$TMPD/bg.err" &
	pid=$!
	BGPIDS+=("$pid")
	for ((i = 0; i < 50; i++)); do
		tc -n "$NS1" filter show dev va ingress | grep -q tc_count && break
		sleep 0.1
	done
	tc -n "$NS1" qdisc show dev va | grep -q clsact || fail "no clsact qdisc"
	tc -n "$NS1" filter show dev va ingress | grep -q "tc_count" || fail "no bpf filter"
	BPFKIT=$b1 bk attached -j
	out=$(printf '%s' "$out" | jq -c '[.[] | select(.attach_point == "tc:va:ingress")]')
	jq_is '.[0].how' netlink
	jq_is '.[0].name' tc_count
	jq_is '.[0].link_id' null
	udp "$NS2" 10.199.0.1 1
	sleep 0.3
	udp "$NS2" 10.199.0.1 2
	[ "$(counter "$(printf '%s' "$out" | jq '.[0].prog_id')" 1)" = 3 ] || fail "classic filter did not count 3"
	kill -INT "$pid"
	wait "$pid"
	rc_bg=$?
	[ "$rc_bg" -eq 0 ] || fail "attach exited $rc_bg: $(cat "$TMPD/bg.err")"
	grep -q "detached tc_count from tc:va:ingress" "$TMPD/bg.err" || fail "no detach message: $(cat "$TMPD/bg.err")"
	! tc -n "$NS1" filter show dev va ingress | grep -q tc_count || fail "filter left"
	! tc -n "$NS1" qdisc show dev va | grep -q clsact || fail "the qdisc bpfkit made was left"
	# a qdisc that was there before stays
	tc -n "$NS1" qdisc add dev va clsact || fail "qdisc add"
	BPFKIT_TC_CLASSIC=1 "$b1" attach "$F:tc_count" tc:va:ingress >/dev/null 2>"$TMPD/bg.err" &
	pid=$!
	BGPIDS+=("$pid")
	for ((i = 0; i < 50; i++)); do
		tc -n "$NS1" filter show dev va ingress | grep -q tc_count && break
		sleep 0.1
	done
	tc -n "$NS1" filter show dev va ingress | grep -q tc_count || fail "no filter on the existing qdisc"
	# detach from another process takes the filter
	BPFKIT=$b1 bk detach tc:va:ingress -j
	expect_rc 0
	jq_is '.[0].how' netlink
	! tc -n "$NS1" filter show dev va ingress | grep -q tc_count || fail "detach left the filter"
	kill -TERM "$pid"
	wait "$pid" || fail "attach exited $?"
	tc -n "$NS1" qdisc show dev va | grep -q clsact || fail "removed a qdisc bpfkit did not make"
}

# target_bin: a program calling bk_target_fn() and getppid() N times.
target_bin() {
	cat >"$TMPD/target.c" <<'EOF'
#include <stdlib.h>
#include <unistd.h>
__attribute__((noinline)) int bk_target_fn(int x) { __asm__ volatile(""); return x + 1; }
int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1, s = 0;
	for (int i = 0; i < n; i++) { s += bk_target_fn(i); getppid(); }
	return s == -1;
}
EOF
	${CC:-cc} -O1 -o "$TMPD/target" "$TMPD/target.c" || fail "cannot build the target binary"
	BIN=$(realpath "$TMPD/target")
}

test_tracepoint_and_uprobe_counted_pinned() {
	local up tp lib
	at_setup
	target_bin
	bk attach "$F:up_count" "uprobe:$BIN:bk_target_fn" --pin "$D/up" -j
	expect_rc 0
	up=$(printf '%s' "$out" | jq .prog_id)
	[[ $(printf '%s' "$out" | jq -r .attach_point) == "uprobe:$BIN:0x"* ]] || fail "attach point: $out"
	bk attach "$F:tp_count" tracepoint:syscalls:sys_enter_getppid --pin "$D/tp" -j
	expect_rc 0
	tp=$(printf '%s' "$out" | jq .prog_id)
	jq_is .attach_point tracepoint:syscalls:sys_enter_getppid
	# libc by name, through the usual library directories
	bk attach "$F:up_count" uprobe:libc.so.6:getppid --pin "$D/lib" -j
	expect_rc 0
	lib=$(printf '%s' "$out" | jq .prog_id)
	[[ $(printf '%s' "$out" | jq -r .attach_point) == uprobe:/*libc.so.6:0x* ]] || fail "libc: $out"
	# the links outlived each bpfkit: they count now
	"$TMPD/target" 7
	[ "$(counter "$up" 3)" = 7 ] || fail "uprobe counted $(counter "$up" 3), want 7"
	[ "$(counter "$tp" 2)" -ge 7 ] || fail "tracepoint counted $(counter "$tp" 2), want >= 7"
	[ "$(counter "$lib" 3)" -ge 7 ] || fail "libc uprobe counted $(counter "$lib" 3), want >= 7"
	bk attached -j
	[ "$(row "$up" | jq -c '.[] | [.how, .pinned]')" = "[\"link\",[\"$D/up\"]]" ] || fail "view: $(row "$up")"
	[ "$(row "$tp" | jq -r '.[0].attach_point')" = tracepoint:syscalls:sys_enter_getppid ] || fail "view: $(row "$tp")"
	# detach by the TARGET as written at attach, by pin, and by link id
	bk detach "uprobe:$BIN:bk_target_fn" -j
	expect_rc 0
	jq_is '.[0].prog_id' "$up"
	bk detach "$D/tp"
	expect_rc 0
	bk detach link "$(bpftool -j link show pinned "$D/lib" | jq .id)"
	expect_rc 0
	[ -z "$(ls "$D")" ] || fail "pins left: $(ls "$D")"
	bk attached -j
	[ "$(row "$up")$(row "$tp")$(row "$lib")" = "[][][]" ] || fail "still listed"
}

test_ctrl_c_detaches() {
	local pid rc_bg link
	at_setup
	"$BPFKIT" attach "$F:tp_count" tracepoint:syscalls:sys_enter_getppid >"$TMPD/bg.out" 2>"$TMPD/bg.err" &
	pid=$!
	BGPIDS+=("$pid")
	wait_row tp_count "$pid"
	link=$(printf '%s' "$out" | jq "[.[] | select(.prog_id == $PROG_ID)][0].link_id")
	[ "$(printf '%s' "$out" | jq -r "[.[] | select(.prog_id == $PROG_ID)][0].attach_point")" = \
		tracepoint:syscalls:sys_enter_getppid ] || fail "attach point"
	grep -q "Ctrl-C or SIGTERM detaches" "$TMPD/bg.err" || fail "no hint: $(cat "$TMPD/bg.err")"
	# held by a process, a perf link cannot be detached from outside: the error names it
	bk detach link "$link"
	expect_rc 1
	[[ $err == *"held by bpfkit (pid $pid)"* ]] || fail "detach of a held link: $err"
	kill -INT "$pid"
	wait "$pid"
	rc_bg=$?
	[ "$rc_bg" -eq 0 ] || fail "exit $rc_bg after Ctrl-C"
	grep -q "detached tp_count from tracepoint:syscalls:sys_enter_getppid" "$TMPD/bg.err" ||
		fail "no detach message: $(cat "$TMPD/bg.err")"
	grep -Eq '^detached: +true$' "$TMPD/bg.out" || fail "stdout: $(cat "$TMPD/bg.out")"
	bpftool link show id "$link" >/dev/null 2>&1 && fail "link $link still exists"
	bk attached -j
	[ "$(row "$PROG_ID")" = "[]" ] || fail "still listed after Ctrl-C"
}

# Every bpftool view (net, cgroup tree, perf, link) against the attached view, on what
# this test attached: the same programs at the same places.
test_attached_agrees_with_bpftool() {
	local ns bkn root pid mine theirs ours
	at_setup
	root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	[ -n "$root" ] || skip "no cgroup2 mount"
	CG=$root/bkt-at-$$-$RANDOM
	mkdir "$CG" || fail "mkdir $CG"
	new_ns ns
	bkn=$(bk_in "$ns")
	BPFKIT=$bkn bk attach "$F:xdp_count" xdp:lo:skb --pin "$D/xdp"
	expect_rc 0
	BPFKIT=$bkn bk attach "$F:tc_count" tc:lo:egress --pin "$D/tcx"
	expect_rc 0
	BPFKIT_TC_CLASSIC=1 "$bkn" attach "$F:tc_count" tc:lo:ingress >/dev/null 2>"$TMPD/bg.err" &
	BGPIDS+=($!)
	bk attach "$F:cg_count" "cgroup:$CG:egress" --pin "$D/cg" -j
	expect_rc 0
	jq_is .attach_point "cgroup:$CG:egress"
	"$BPFKIT" attach "$F:tp_count" tracepoint:syscalls:sys_enter_getppid >/dev/null 2>"$TMPD/bg.err" &
	pid=$!
	BGPIDS+=("$pid")
	wait_row tp_count "$pid"
	for ((i = 0; i < 50; i++)); do
		tc -n "$ns" filter show dev lo ingress | grep -q tc_count && break
		sleep 0.1
	done
	BPFKIT=$bkn bk attached -j
	expect_rc 0
	ours=$out
	# net: XDP and tc filters of the namespace, all ours
	theirs=$(nsenter --net="/run/netns/$ns" bpftool net -j | jq -c '
		[(.[0].xdp[] | "\(.id) xdp:\(.devname):\({generic: "skb", driver: "native", offload: "hw"}[.mode] // .mode)"),
		 (.[0].tc[] | "\(.id) tc:\(.devname):\(.kind | sub("clsact/"; ""))")] | sort')
	mine=$(printf '%s' "$ours" | jq -c '[.[] | select(.how == "netlink" or (.attach_point | startswith("xdp:")))
		| "\(.prog_id) \(.attach_point)"] | sort')
	[ "$mine" = "$theirs" ] || fail "net: bpfkit $mine, bpftool $theirs"
	[ "$(printf '%s' "$theirs" | jq length)" = 2 ] || fail "bpftool net shows $theirs"
	# cgroup tree: our cgroup (bpftool spells the type as libbpf does: cgroup_inet_egress)
	theirs=$(bpftool cgroup tree -j | jq -c --arg cg "$CG" '[.[] | select(.cgroup == $cg) | .programs[] | "\(.id) cgroup:\($cg):\(.attach_type | sub("^cgroup_inet_"; ""))"] | sort')
	mine=$(printf '%s' "$ours" | jq -c --arg cg "$CG" '[.[] | select(.attach_point | startswith("cgroup:\($cg):")) | "\(.prog_id) \(.attach_point)"] | sort')
	[ "$mine" = "$theirs" ] && [ "$(printf '%s' "$mine" | jq length)" = 1 ] ||
		fail "cgroup: bpfkit $mine, bpftool $theirs"
	# perf: the perf fd our foreground attach holds
	theirs=$(bpftool perf -j | jq -c "[.[] | select(.pid == $pid) | .prog_id] | sort")
	mine=$(printf '%s' "$ours" | jq -c "[.[] | select(any(.pids[]; .pid == $pid)) | .prog_id] | sort")
	[ "$mine" = "$theirs" ] && [ "$mine" = "[$PROG_ID]" ] || fail "perf: bpfkit $mine, bpftool $theirs"
	# link: every link of our programs
	mine=$(printf '%s' "$ours" | jq -c '[.[] | select(.link_id != null)]')
	theirs=$(bpftool link -j | jq -c --argjson m "$mine" '[.[] | select(.prog_id as $p | $m | any(.prog_id == $p)) | [.id, .prog_id]] | sort')
	mine=$(printf '%s' "$mine" | jq -c --argjson t "$theirs" '[.[] | select([.link_id, .prog_id] as $x | $t | index([$x])) | [.link_id, .prog_id]] | sort')
	[ "$mine" = "$theirs" ] || fail "link: bpfkit $mine, bpftool $theirs"
	[ "$(printf '%s' "$ours" | jq '[.[] | select(.how == "link")] | length')" -ge 4 ] || fail "links missing: $ours"
	# detach everything and nothing of ours is listed
	BPFKIT=$bkn bk detach xdp:lo
	expect_rc 0
	BPFKIT=$bkn bk detach tc:lo:egress
	expect_rc 0
	BPFKIT=$bkn bk detach tc:lo:ingress
	expect_rc 0
	bk detach "cgroup:$CG:egress"
	expect_rc 0
	BPFKIT=$bkn bk attached -j
	[ "$(printf '%s' "$out" | jq -c '[.[] | select(.attach_point | test("^(xdp|tc):lo|cgroup:.*bkt-at-"))]')" = "[]" ] ||
		fail "left after detach: $out"
	[ "$(nsenter --net="/run/netns/$ns" bpftool net -j | jq -c '.[0].xdp + .[0].tc')" = "[]" ] ||
		fail "bpftool net still shows attachments"
}

test_load_attach_by_section() {
	at_setup
	bk load "$F" --attach --pin "$D/obj" -j
	expect_rc 0
	jq_is '[.attached[] | .name] | @text' '["tp_count","raw_count"]'
	jq_is '[.attached[] | .attach_point] | @text' '["tracepoint:syscalls:sys_enter_getppid","raw_tp:sys_enter"]'
	jq_is '.attached[0].pinned' "$D/obj/links/tp_count"
	[[ $err == *"xdp_count: section 'xdp' names no attach point"* ]] || fail "no skip message: $err"
	local ids
	ids=$(printf '%s' "$out" | jq -r '[.attached[].link_id] | join(" ")')
	bk detach "$D/obj/links/tp_count"
	expect_rc 0
	# unload knows the links load --attach pinned: it removes them first, and their directory
	bk unload "$D/obj" -j
	expect_rc 0
	jq_is '[.[] | select(.kind == "link") | .path] | join(",")' "$D/obj/links/raw_count"
	[ ! -e "$D/obj" ] || fail "unload left $(find "$D/obj")"
	for id in $ids; do
		bpftool link show id "$id" >/dev/null 2>&1 && fail "link $id still exists"
	done
	# attach OBJ:PROG without a target: by its section
	bk attach "$F:raw_count" --pin "$D/raw" -j
	expect_rc 0
	jq_is .attach_point raw_tp:sys_enter
	# by pin: other processes on this machine may hold raw_tp:sys_enter links too
	bk detach "$D/raw" -j
	expect_rc 0
	jq_is '.[0].attach_point' raw_tp:sys_enter
	jq_is '.[0].unpinned[0]' "$D/raw"
}

test_bad_input_messages() {
	local ns bkn
	at_setup
	target_bin
	bk attach "$F:xdp_count" xdp:nosuch0
	expect_rc 1
	[ "$err" = "bpfkit: attach: no interface 'nosuch0' in this network namespace ('ip link' lists them)" ] ||
		fail "unknown interface: $err"
	bk attach "$F:tp_count" tracepoint:nosuch:nothing
	expect_rc 1
	[[ $err == *"no such tracepoint nosuch:nothing"* ]] || fail "no tracepoint: $err"
	bk attach "$F:up_count" "uprobe:$BIN:no_such_fn"
	expect_rc 1
	[[ $err == *"no function 'no_such_fn' in $BIN's symbols"* ]] || fail "no symbol: $err"
	bk attach "$F:up_count" uprobe:no-such-binary-here:main
	expect_rc 1
	[[ $err == *"no-such-binary-here: no such binary"* ]] || fail "no binary: $err"
	bk attach "$F:xdp_count" tracepoint:syscalls:sys_enter_getppid
	expect_rc 2
	[ "$err" = "bpfkit: attach: program 'xdp_count' is of type xdp, but tracepoint targets take tracepoint programs" ] ||
		fail "type mismatch: $err"
	bk attach "$F:tp_count" xdp:lo
	expect_rc 2
	[[ $err == *"program 'tp_count' is of type tracepoint, but xdp targets take xdp programs"* ]] || fail "$err"
	bk attach "$F:tp_count" tracepoint:syscalls:sys_enter_getppid --pin "$TMPD/link"
	expect_rc 1
	[[ $err == *"not on a bpffs mount"* ]] || fail "pin outside bpffs: $err"
	[ ! -e "$TMPD/link" ] || fail "pinned outside bpffs"
	bk attach "$F:tp_count" tracepoint:syscalls:sys_enter_getppid --pin "$D/../escape"
	expect_rc 1
	[[ $err == *"'..' is not allowed"* ]] || fail "pin with ..: $err"
	if [ -e /sys/bus/event_source/devices/kprobe/type ]; then
		echo "kprobes present: the CONFIG_KPROBES message is not reachable here" >&2
	else
		bk attach "$F:up_count" kprobe:do_sys_openat2
		expect_rc 1
		[[ $err == *"no kprobes (built without CONFIG_KPROBES)"* && $err == *"tracepoint:CAT:NAME"* &&
			$err == *"tp_btf:NAME"* ]] || fail "kprobe: $err"
	fi
	for args in "" "$F" "$F:tp_count bogus:x" "$F:tc_count tc:lo:sideways" "$F:tc_count tc:lo" \
		"id 1" "$F:tp_count tracepoint:justone" "$F:tp_count cgroup:/x:nosuchtype" "$F:nosuchprog raw_tp:sys_enter"; do
		# shellcheck disable=SC2086
		bk attach $args
		[ "$rc" -eq 2 ] || fail "bpfkit attach $args: exit $rc, want 2: $err"
	done
	new_ns ns
	bkn=$(bk_in "$ns")
	BPFKIT=$bkn bk detach xdp:lo
	expect_rc 1
	[ "$err" = "bpfkit: detach: nothing is attached at xdp:lo ('bpfkit attached' lists what is)" ] || fail "$err"
	bk detach
	expect_rc 2
	bk detach bogus:thing
	expect_rc 2
	bk detach "$TMPD/x"
	expect_rc 1
}

# usdt_bin: a program with one USDT probe bkt:tick fired N times. The note is written by
# hand, as <sys/sdt.h> would (systemtap-sdt-dev is not installed here).
usdt_bin() {
	cat >"$TMPD/usdt.c" <<'EOF2'
#include <stdlib.h>
#define BK_USDT(provider, name) \
	__asm__ __volatile__("990: nop\n" \
		".pushsection .note.stapsdt,\"\",\"note\"\n" \
		".balign 4\n" \
		".4byte 992f-991f, 994f-993f, 3\n" \
		"991: .asciz \"stapsdt\"\n" \
		"992: .balign 4\n" \
		"993: .8byte 990b\n" \
		".8byte _.stapsdt.base\n" \
		".8byte 0\n" \
		".asciz \"" #provider "\"\n" \
		".asciz \"" #name "\"\n" \
		".asciz \"\"\n" \
		"994: .balign 4\n" \
		".popsection\n" \
		".ifndef _.stapsdt.base\n" \
		".pushsection .stapsdt.base,\"aG\",\"progbits\",.stapsdt.base,comdat\n" \
		".weak _.stapsdt.base\n" \
		".hidden _.stapsdt.base\n" \
		"_.stapsdt.base: .space 1\n" \
		".size _.stapsdt.base, 1\n" \
		".popsection\n" \
		".endif\n")
int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;
	for (int i = 0; i < n; i++)
		BK_USDT(bkt, tick);
	return 0;
}
EOF2
	${CC:-cc} -O1 -o "$TMPD/usdt" "$TMPD/usdt.c" || fail "cannot build the USDT binary"
	[ "$(uname -m)" = x86_64 ] || skip "the hand-written USDT note is for x86_64"
}

test_usdt_foreground() {
	local pid m
	at_setup
	usdt_bin
	M=$FIXTURES/attach_more.bpf.o
	bk attach "$M:usdt_count" "usdt:$TMPD/usdt:bkt:tick" --pin "$D/u"
	expect_rc 2
	[[ $err == *"cannot pin them: attach in the foreground"* ]] || fail "usdt --pin: $err"
	bk attach "$M:usdt_count" "usdt:$TMPD/usdt:bkt:nope"
	expect_rc 1
	[[ $err == *"no USDT probe bkt:nope in $(realpath "$TMPD/usdt")"* ]] || fail "no probe: $err"
	"$BPFKIT" attach "$M:usdt_count" "usdt:$TMPD/usdt:bkt:tick" >"$TMPD/bg.out" 2>"$TMPD/bg.err" &
	pid=$!
	BGPIDS+=("$pid")
	wait_row usdt_count "$pid"
	[[ $(printf '%s' "$out" | jq -r "[.[] | select(.prog_id == $PROG_ID)][0].attach_point") == \
		"uprobe:$(realpath "$TMPD/usdt"):0x"* ]] || fail "usdt site: $out"
	"$TMPD/usdt" 5
	[ "$(counter "$PROG_ID" 0)" = 5 ] || fail "usdt counted $(counter "$PROG_ID" 0), want 5"
	kill -INT "$pid"
	wait "$pid" || fail "exit $? after Ctrl-C"
	grep -q "detached usdt_count from usdt:$(realpath "$TMPD/usdt"):bkt:tick" "$TMPD/bg.err" ||
		fail "$(cat "$TMPD/bg.err")"
}

test_tp_btf() {
	local id
	at_setup
	M=$FIXTURES/attach_more.bpf.o
	bk attach "$M:btf_count" tp_btf:sched_switch --pin "$D/b"
	expect_rc 1
	[[ $err == *"loaded for tp_btf:sys_enter, not tp_btf:sched_switch"* ]] || fail "wrong tp_btf: $err"
	bk attach "$M:btf_count" tp_btf:sys_enter --pin "$D/b" -j
	expect_rc 0
	jq_is .attach_point tp_btf:sys_enter
	id=$(printf '%s' "$out" | jq .prog_id)
	sleep 0.2
	[ "$(counter "$id" 1)" -gt 0 ] || fail "tp_btf counted nothing"
	bk attached -j
	[ "$(row "$id" | jq -c '.[] | [.attach_point, .pinned]')" = "[\"tp_btf:sys_enter\",[\"$D/b\"]]" ] ||
		fail "view: $(row "$id")"
	bk detach pinned "$D/b" -j
	expect_rc 0
	jq_is '.[0].attach_point' tp_btf:sys_enter
	jq_is '.[0].unpinned[0]' "$D/b"
}

# Attachments made without links (ip link ... xdpgeneric, as the seeds do; bpftool cgroup
# attach) are listed as netlink and cgroup, and detach takes them back.
test_netlink_and_cgroup_attachments() {
	local ns bkn root id
	at_setup
	new_ns ns
	bkn=$(bk_in "$ns")
	ip -n "$ns" link set lo xdpgeneric obj "$F" sec xdp || skip "ip cannot load XDP objects"
	BPFKIT=$bkn bk attached -j
	out=$(printf '%s' "$out" | jq -c '[.[] | select(.attach_point == "xdp:lo:skb")]')
	jq_is '.[0].how' netlink
	jq_is '.[0].name' xdp_count
	jq_is '.[0].link_id' null
	BPFKIT=$bkn bk detach xdp:lo
	expect_rc 0
	[ -z "$(ip -n "$ns" -j link show lo | jq -r '.[0].xdp // empty')" ] || fail "XDP still on lo"
	root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	[ -n "$root" ] || skip "no cgroup2 mount"
	CG=$root/bkt-at-$$-$RANDOM
	mkdir "$CG" || fail "mkdir $CG"
	bk load "$F" --program cg_count --pin "$D/obj"
	expect_rc 0
	bpftool cgroup attach "$CG" egress pinned "$D/obj/progs/cg_count" || fail "bpftool cgroup attach"
	id=$(bpftool -j prog show pinned "$D/obj/progs/cg_count" | jq .id)
	# relative to the cgroup2 mount, as the TARGET allows
	bk attached -j
	[ "$(row "$id" | jq -c '.[] | [.attach_point, .how]')" = "[\"cgroup:$CG:egress\",\"cgroup\"]" ] ||
		fail "view: $(row "$id")"
	bk detach "cgroup:${CG#"$root"/}:egress"
	expect_rc 0
	# bpftool prints nothing at all for a cgroup without programs
	[ "$(bpftool cgroup show "$CG" -j | jq -s 'map(length) | add // 0')" = 0 ] ||
		fail "still attached to $CG: $(bpftool cgroup show "$CG")"
	bk unload "$D/obj"
	expect_rc 0
}
