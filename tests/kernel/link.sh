# shellcheck shell=bash disable=SC2154 # $out $err $rc: set by bk (tests/lib.sh)
# bpfkit link list|show|pin|detach, on a raw_tp link that tests/kernel/attach_link.c
# creates and pins under this test's own bpffs directory (removed on exit, even on failure).

# attach_fixture: the fixture's count_enter attached to raw_tp sys_enter, its link pinned
# at $PINS/link; LINK_ID and PROG_ID.
attach_fixture() {
	local helper src
	need_root
	command -v bpftool >/dev/null || skip "bpftool not installed"
	src=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/attach_link.c
	helper=$(dirname "$BPFKIT")/tests/attach_link
	if [ ! -x "$helper" ] || [ "$src" -nt "$helper" ]; then
		${CC:-cc} -O1 -Wall -o "$helper.tmp" "$src" -lbpf && mv "$helper.tmp" "$helper" ||
			fail "cannot build $helper"
	fi
	PINS=/sys/fs/bpf/bkt-link-$$-$RANDOM
	trap 'rm -rf "$PINS"' EXIT
	mkdir -p "$PINS"
	$IN_NETNS "$helper" "$FIXTURES/xdp_port9.bpf.o" "${ATTACH_PROG:-count_enter}" "$PINS/link" \
		${ATTACH_IF:+"$ATTACH_IF"} || fail "attach_link failed"
	LINK_ID=$(bpftool -j link show pinned "$PINS/link" | jq .id)
	PROG_ID=$(bpftool -j link show pinned "$PINS/link" | jq .prog_id)
	[ -n "$LINK_ID" ] && [ -n "$PROG_ID" ] || fail "no link id"
}

test_show_matches_bpftool() {
	local theirs diff
	attach_fixture
	bk link show id "$LINK_ID" -j
	expect_rc 0
	json_ok
	theirs=$(bpftool -j -f link show id "$LINK_ID")
	diff=$(jq -n --argjson a "$out" --argjson b "$theirs" -r \
		'$b | keys[] as $k | select(($a[$k] | tojson) != ($b[$k] | tojson)) |
		 "\($k): bpfkit \($a[$k] | tojson), bpftool \($b[$k] | tojson)"')
	[ -z "$diff" ] || fail "link $LINK_ID differs from bpftool: $diff"
	jq_is .type raw_tracepoint
	jq_is .tp_name sys_enter
	jq_is .prog_id "$PROG_ID"
	jq_is '.pinned | @text' "[\"$PINS/link\"]"
	jq_is .target raw_tp:sys_enter
	# by pin, and in text
	bk link show pinned "$PINS/link"
	expect_rc 0
	printf '%s\n' "$out" | grep -Eq '^tp_name: +sys_enter$' || fail "text: $out"
}

test_list_and_prog_attached() {
	attach_fixture
	bk link list -j
	expect_rc 0
	out=$(printf '%s' "$out" | jq -c ".[] | select(.id == $LINK_ID)")
	jq_is .tp_name sys_enter
	bk link
	expect_rc 0
	printf '%s\n' "$out" | grep -Eq "^ *$LINK_ID +raw_tracepoint +$PROG_ID +raw_tp:sys_enter +- +$PINS/link\$" ||
		fail "no row for link $LINK_ID: $out"
	# the program says where it is attached
	bk prog show id "$PROG_ID" -j
	jq_is '.attached | @text' "[{\"link_id\":$LINK_ID,\"link_type\":\"raw_tracepoint\",\"target\":\"raw_tp:sys_enter\"}]"
}

test_pin_and_detach() {
	attach_fixture
	bk link pin id "$LINK_ID" "$PINS/again"
	expect_rc 0
	[ "$(bpftool -j link show pinned "$PINS/again" | jq .id)" = "$LINK_ID" ] || fail "pin is not the link"
	bk link pin id "$LINK_ID" "$PINS/again"
	expect_rc 1
	[[ $err == *"$PINS/again exists"* ]] || fail "existing pin: $err"
	bk link pin id "$LINK_ID" "$TMPD/pin"
	expect_rc 1
	[[ $err == *"not on a bpffs"* ]] || fail "pin outside bpffs: $err"
	bk link pin id "$LINK_ID" "$PINS/../escape"
	expect_rc 1
	[[ $err == *"'..'"* ]] || fail "pin with ..: $err"
	[ ! -e "$(dirname "$PINS")/escape" ] || { rm -f "$(dirname "$PINS")/escape"; fail "pinned through .."; }
	bk link pin id "$LINK_ID"
	expect_rc 2
	# raw_tp links have no detach in the kernel: say what to do instead
	bk link detach pinned "$PINS/link"
	expect_rc 1
	[[ $err == *"cannot be detached"*"remove its pins"* ]] || fail "detach raw_tp: $err"
}

# An XDP link on lo in a network namespace of our own: list, compare, detach.
test_xdp_link_detach() {
	local ns=bkt-link-$$-$RANDOM theirs diff
	need_root
	command -v ip >/dev/null && command -v nsenter >/dev/null || skip "needs ip and nsenter"
	ip netns add "$ns" || skip "cannot create a network namespace"
	# nsenter --net keeps our mount namespace: the pin lands in our /sys/fs/bpf
	IN_NETNS="nsenter --net=/run/netns/$ns" ATTACH_PROG=xdp_port9 ATTACH_IF=lo attach_fixture
	trap 'rm -rf "$PINS"; ip netns del '"$ns" EXIT
	bk link show id "$LINK_ID" -j
	expect_rc 0
	jq_is .type xdp
	jq_is .ifindex 1
	jq_is .target xdp:lo
	theirs=$(bpftool -j -f link show id "$LINK_ID")
	diff=$(jq -n --argjson a "$out" --argjson b "$theirs" -r \
		'$b | keys[] as $k | select(($a[$k] | tojson) != ($b[$k] | tojson)) | $k')
	[ -z "$diff" ] || fail "xdp link differs from bpftool in: $diff"
	bk prog show id "$PROG_ID" -j
	jq_is '.attached[0].target' xdp:lo
	# detach: the program leaves lo; the link stays, defunct, while pinned
	bk link detach pinned "$PINS/link" -j
	expect_rc 0
	jq_is .detached true
	jq_is .id "$LINK_ID"
	[ -z "$(ip -n "$ns" -j link show lo | jq -r '.[0].xdp // empty')" ] || fail "XDP still on lo"
	bk link show id "$LINK_ID" -j
	expect_rc 0
	jq_is .devname "(detached)"
	jq_is .ifindex 0
}

test_bad_input() {
	need_root
	bk link show id 4000000000
	expect_rc 1
	[ "$err" = "bpfkit: link show: no link with id 4000000000; 'bpfkit link list' shows them" ] ||
		fail "stderr: $err"
	for args in "show name x" "show bogus" "detach" "pin" "list extra" "show 1 2"; do
		# shellcheck disable=SC2086
		bk link $args
		[ "$rc" -eq 2 ] || fail "bpfkit link $args: exit $rc, want 2: $err"
	done
	bk link detach id 4000000000
	expect_rc 1
}

test_no_privileges() {
	need_root
	command -v setpriv >/dev/null || skip "setpriv not installed"
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$BPFKIT" link list 2>&1 >/dev/null)
	rc=$?
	[ "$rc" -eq 1 ] && [[ $out == *"CAP_SYS_ADMIN"* ]] || fail "link list as nobody: exit $rc: $out"
}
