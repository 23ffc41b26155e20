# shellcheck shell=bash
# bpfkit load / unload / unpin / gc, for real: pins under a unique bpffs directory, manifests
# in a private directory; every test removes what it made, even when it fails (trap).

REJECT="$FIXTURES/reject"

# setup: unique pin dir D, private manifest dir, cleanup on exit.
setup() {
	need_root
	D=/sys/fs/bpf/bkt-load-$$-$RANDOM
	export BPFKIT_MANIFEST_DIR="$TMPD/manifests"
	trap cleanup EXIT
}

cleanup() {
	[ -n "${TRACER:-}" ] && { kill -INT "$TRACER" 2>/dev/null; wait "$TRACER" 2>/dev/null; }
	rm -rf "$D" "$D-other" 2>/dev/null
	return 0
}

# pkt FILE BYTES: a 64-byte packet starting with BYTES (printf escapes).
pkt() {
	{ printf "$2"; head -c 64 /dev/zero; } | head -c 64 > "$1"
}

test_load_pin_unload_fixture() {
	setup
	bk -j load "$FIXTURES/setvar.bpf.o" --pin "$D"
	expect_rc 0
	jq_is .object setvar
	jq_is .pinned true
	jq_is .pin_dir "$D"
	jq_is '.programs[0].name' match
	jq_is '.programs[0].pinned' "$D/progs/match"
	local id tag
	id=$(printf '%s' "$out" | jq -r '.programs[0].id')
	tag=$(printf '%s' "$out" | jq -r '.programs[0].tag')
	[ "$(bpftool -j prog show pinned "$D/progs/match" | jq -r .id)" = "$id" ] || fail "pinned prog is not id $id"
	[ "$(bpftool -j prog show pinned "$D/progs/match" | jq -r .tag)" = "$tag" ] || fail "tag differs from bpftool's"
	# prog show knows where a program bpfkit loaded came from
	local loaded=$out
	bk prog show id "$id" -j
	expect_rc 0
	jq_is '.bpfkit.pin_dir' "$D"
	jq_is '.bpfkit.object | endswith("setvar.bpf.o")' true
	out=$loaded
	[ -e "$D/maps/hits" ] && [ -e "$D/maps/setvar_rodata" ] || fail "maps not pinned: $(ls -R "$D")"
	local man
	man=$(printf '%s' "$out" | jq -r .manifest)
	[[ $man == "$BPFKIT_MANIFEST_DIR"/* ]] || fail "manifest at $man"
	[ "$(jq -r '.progs[0].id' "$man")" = "$id" ] || fail "manifest lacks program $id"
	bk -j unload "$D"
	expect_rc 0
	[ "$(printf '%s' "$out" | jq '[.[] | select(.action == "removed")] | length')" -eq 9 ] ||
		fail "unload removed: $out"
	jq_is '.[0].kind' prog
	jq_is '.[0].id' "$id"
	[ ! -e "$D" ] || fail "$D still exists: $(ls -R "$D")"
	[ ! -e "$man" ] || fail "manifest still exists"
	bpftool prog show id "$id" >/dev/null 2>&1 && fail "program $id still loaded"
	bk unload "$D"
	expect_rc 0
	[[ $err == *"nothing to do"* ]] || fail "second unload: $err"
	[ -z "$out" ] || fail "second unload printed: $out"
}

test_load_pin_bundled_openat() {
	setup
	bk -j load @openat --pin "$D"
	expect_rc 0
	jq_is .object openat
	jq_is '.programs | length' 2
	jq_is '[.programs[].name] | sort | join(",")' "handle_exit_openat,handle_exit_openat2"
	for p in handle_exit_openat handle_exit_openat2; do
		bpftool prog show pinned "$D/progs/$p" >/dev/null || fail "$p not pinned"
	done
	bk unload "$D"
	expect_rc 0
	[ ! -e "$D" ] || fail "$D left behind"
}

# -q: load and unload print nothing in text (their summaries), JSON still answers.
test_load_unload_quiet() {
	setup
	bk load @hello --pin "$D" -q
	expect_rc 0
	[ -z "$out$err" ] || fail "load -q printed: '$out' '$err'"
	[ -e "$D/progs" ] || fail "nothing pinned"
	bk unload "$D" -q
	expect_rc 0
	[ -z "$out$err" ] || fail "unload -q printed: '$out' '$err'"
	[ ! -e "$D" ] || fail "$D left behind"
	bk -j -q load @hello --pin "$D"
	expect_rc 0
	jq_is .object hello
	bk unload "$D" -q
	expect_rc 0
}

test_load_by_name_map() {
	setup
	[ -e /sys/fs/bpf/src_ips ] && skip "/sys/fs/bpf/src_ips exists already (another loader owns it)"
	trap 'cleanup; rm -f /sys/fs/bpf/src_ips' EXIT
	bk -j load "$FIXTURES/maps.bpf.o" --pin "$D"
	expect_rc 0
	jq_is '.maps[] | select(.name == "src_ips") | .pinned' /sys/fs/bpf/src_ips
	[ -e /sys/fs/bpf/src_ips ] || fail "LIBBPF_PIN_BY_NAME map not pinned where libbpf puts it"
	[ ! -e "$D/maps/src_ips" ] || fail "by-name map pinned twice"
	bk unload "$D"
	expect_rc 0
	[ ! -e /sys/fs/bpf/src_ips ] || fail "unload left the by-name pin it created"
}

test_load_unpinned_goes_away() {
	setup
	bk -j load "$FIXTURES/setvar.bpf.o"
	expect_rc 0
	jq_is .pinned false
	[[ $err == *"go away as bpfkit exits"* ]] || fail "no warning that nothing stays: $err"
	local id
	id=$(printf '%s' "$out" | jq -r '.programs[0].id')
	[ "$id" -gt 0 ] || fail "no program id"
	bpftool prog show id "$id" >/dev/null 2>&1 && fail "program $id outlived bpfkit"
	bk -q load "$FIXTURES/setvar.bpf.o" --program match
	expect_rc 0
	[ -z "$err$out" ] || fail "-q still says: '$out' '$err'"	# the exit code answers "does it load?"
	ls "$BPFKIT_MANIFEST_DIR" 2>/dev/null | grep -q . && fail "an unpinned load wrote a manifest"
	return 0
}

# --set changes what the program does: the packet it drops and what it adds to `hits`.
test_set_changes_behaviour() {
	setup
	pkt "$TMPD/pkt" '\x01\x02\x03\x04'
	bk load "$FIXTURES/setvar.bpf.o" --pin "$D"
	expect_rc 0
	bpftool prog run pinned "$D/progs/match" data_in "$TMPD/pkt" repeat 1 2>&1 | grep -q 'Return value: 2' ||
		fail "without --set the packet should pass"
	bk unload "$D"
	bk load "$FIXTURES/setvar.bpf.o" --pin "$D" --set match_word=0x04030201 --set delta=5 \
		--set mode=MODE_DOUBLE --set label=hello --set big_neg=-9223372036854775808 \
		--set pr=0100000002000000 --set enabled=true --set small=65535
	expect_rc 0
	bpftool prog run pinned "$D/progs/match" data_in "$TMPD/pkt" repeat 1 2>&1 | grep -q 'Return value: 1' ||
		fail "with match_word set the packet should be dropped (XDP_DROP = 1)"
	[ "$(bpftool -j map dump pinned "$D/maps/hits" | jq '.[0].formatted.value')" = 10 ] ||
		fail "hits: $(bpftool -j map dump pinned "$D/maps/hits")"
	out=$(bpftool -j map dump pinned "$D/maps/setvar_rodata" | jq -c '.[0].formatted.value[".rodata"] | add')
	jq_is .match_word 67305985
	jq_is .delta 5
	jq_is .mode MODE_DOUBLE
	jq_is .label hello
	jq_is .enabled true
	jq_is .pr.b 2
	[ "$(bpftool -j map dump pinned "$D/maps/setvar_data" | jq -c '.[0].formatted.value[".data"][0].small')" = 65535 ] ||
		fail ".data small not set"
	bk unload "$D"
	expect_rc 0
}

test_set_usage_errors() {
	setup
	local f="$FIXTURES/setvar.bpf.o"
	bk load "$f" --set nosuch=1
	expect_rc 2
	[[ $err == *"--set nosuch: no such global variable"*"match_word"* ]] || fail "$err"
	bk load "$f" --set delta=200
	expect_rc 2
	[[ $err == *"'200' does not fit its type, __s8 (signed 8-bit integer)"* ]] || fail "$err"
	bk load "$f" --set match_word=-1
	expect_rc 2
	[[ $err == *"__u32 (unsigned 32-bit integer)"* ]] || fail "$err"
	bk load "$f" --set mode=BOGUS
	expect_rc 2
	[[ $err == *"enum mode (MODE_OFF, MODE_COUNT, MODE_DOUBLE, or a number)"* ]] || fail "$err"
	bk load "$f" --set label=waytoolong
	expect_rc 2
	[[ $err == *"char[8] (a string of at most 7 bytes)"* ]] || fail "$err"
	bk load "$f" --set enabled=maybe
	expect_rc 2
	[[ $err == *"bool"* ]] || fail "$err"
	bk load "$f" --set pr=0102
	expect_rc 2
	[[ $err == *"struct pair (8 bytes, give hex)"* ]] || fail "$err"
	bk -j load "$f" --set delta=x
	expect_rc 2
	jq_is .error "--set delta: 'x' does not fit its type, __s8 (signed 8-bit integer)"
	bk load "$f" --program nope
	expect_rc 2
	[[ $err == *"no program 'nope'"*"match"* ]] || fail "$err"
	bk load "$f" --type nope
	expect_rc 2
	bk load
	expect_rc 2
}

# name|hint words|marker on the failing source line
REJECTS='bounds|bounds not checked|no data + 4
null|may return NULL|v may be NULL
helper|not available to this program type|bpf_xdp_adjust_head(ctx
gpl|GPL-only|bpf_trace_printk(fmt
stack|512 bytes|int deep_stack
loop|could not prove the loop ends|while (!stop)
ctx|context offset is not readable|words[64]'

test_verifier_rejections_explained() {
	setup
	local name hint marker file line
	while IFS='|' read -r name hint marker; do
		bk -j load "$REJECT/$name.bpf.o"
		expect_rc 1
		json_ok
		printf '%s' "$out" | jq -e --arg h "$hint" '.verifier.hint | contains($h)' >/dev/null ||
			fail "$name: hint $(printf '%s' "$out" | jq .verifier.hint), want '$hint'"
		file=$(printf '%s' "$out" | jq -r '.verifier.source | sub(":[0-9]+$"; "")')
		line=$(grep -nF -- "$marker" "$file" | head -n 1 | cut -d: -f1)
		[ -n "$line" ] || fail "$name: marker not in $file"
		jq_is .verifier.source "$file:$line"
		[[ $file == */reject/$name.bpf.c ]] || fail "$name: source file $file"
		printf '%s' "$out" | jq -e '.error | contains("rejected by the verifier")' >/dev/null || fail "$name: error"
		printf '%s' "$out" | jq -e '(.verifier.message | length) > 0 and (.verifier.log_tail | length) > 0' >/dev/null ||
			fail "$name: message or log_tail empty"
		jq_is .verifier.program "$(printf '%s' "$out" | jq -r .verifier.program)"
		# text: the summary comes first, then the log's last lines, then the one-line error
		bk load "$REJECT/$name.bpf.o"
		expect_rc 1
		[[ $err == "verifier: program '"* ]] || fail "$name: summary not first: ${err:0:200}"
		[[ $err == *"  source:  $file:$line: "* ]] || fail "$name: text source line"
		[[ $err == *"  hint:    "*"$hint"* ]] || fail "$name: text hint"
		[[ $err == *"last lines of the verifier log:"* ]] || fail "$name: no log tail"
		[ "$(printf '%s\n' "$err" | tail -n 1 | grep -c '^bpfkit: load: ')" -eq 1 ] || fail "$name: last line is not the error"
	done <<< "$REJECTS"
	# the failing instruction is disassembled
	bk -j load "$REJECT/null.bpf.o"
	jq_is .verifier.insn_text 'r1 = *(u64 *)(r0 + 0)'
	jq_is .verifier.program count_unchecked
	bk -j load "$REJECT/gpl.bpf.o"
	jq_is .verifier.insn_text 'call 6 ; bpf_trace_printk'
	bk -j load "$REJECT/stack.bpf.o"
	jq_is .verifier.insn null
	# in a subprogram libbpf appended: found by its opcodes, line from the object's .BTF.ext
	bk -j load "$REJECT/subprog.bpf.o"
	expect_rc 1
	jq_is .verifier.insn_text 'r1 = *(u64 *)(r0 + 0)'
	file=$(printf '%s' "$out" | jq -r '.verifier.source | sub(":[0-9]+$"; "")')
	[[ $file == */reject/subprog.bpf.c ]] || fail "subprogram: source file $file"
	line=$(grep -nF 'in the subprogram' "$file" | cut -d: -f1)
	jq_is .verifier.source "$file:$line"
}

# The log of the loop fixture is > 1 MiB: the buffer grows until the whole log fits.
test_verifier_log_whole() {
	setup
	bk load "$REJECT/loop.bpf.o" --log "$TMPD/log"
	expect_rc 1
	[ "$(stat -c %s "$TMPD/log")" -gt $((1 << 20)) ] || fail "log only $(stat -c %s "$TMPD/log") bytes"
	grep -q '^0: R1=ctx() R10=fp0' "$TMPD/log" || fail "log lacks its first instruction state: truncated"
	grep -q '^infinite loop detected at insn' "$TMPD/log" || fail "log lacks the error"
	tail -n 1 "$TMPD/log" | grep -q '^processed [0-9]* insns' || fail "log does not end with the summary"
	[[ $err != *"--log FILE keeps"* ]] || fail "suggests --log when it was given"
}

test_pin_safety() {
	setup
	local f="$FIXTURES/setvar.bpf.o"
	bk load "$f" --pin "$TMPD/pins"
	expect_rc 1
	[[ $err == *"not on a bpffs mount"* ]] || fail "outside bpffs: $err"
	[ ! -e "$TMPD/pins" ] || fail "made a directory outside bpffs"
	bk load "$f" --pin "$D/../escape"
	expect_rc 1
	[[ $err == *"'..' is not allowed"* ]] || fail "..: $err"
	ln -s "$TMPD" "$D-other"
	bk load "$f" --pin "$D-other/x"
	rm -f "$D-other"
	expect_rc 1
	[[ $err == *"not on a bpffs mount (it resolves to $TMPD)"* ]] || fail "symlink escape: $err"
	[ ! -e "$TMPD/x" ] || fail "followed the symlink out of bpffs"

	bk load "$f" --pin "$D"
	expect_rc 0
	local id
	id=$(bpftool -j prog show pinned "$D/progs/match" | jq -r .id)
	bk load "$f" --pin "$D"
	expect_rc 1
	[[ $err == *"$D already holds what an earlier 'bpfkit load --pin' made"*"--force"* ]] || fail "existing load: $err"
	[ "$(bpftool -j prog show pinned "$D/progs/match" | jq -r .id)" = "$id" ] || fail "the refused load touched the old pin"
	bk load "$f" --pin "$D" --force
	expect_rc 0
	[ "$(bpftool -j prog show pinned "$D/progs/match" | jq -r .id)" != "$id" ] || fail "--force did not replace the pin"
	# --force into a directory another object uses: both are in the manifest, unload takes both
	bk load "$FIXTURES/maps.bpf.o" --program xdp_pass --pin "$D" --force
	expect_rc 0
	[ -e "$D/progs/xdp_pass" ] && [ -e "$D/progs/match" ] || fail "pins: $(ls "$D/progs")"
	bk unload "$D"
	expect_rc 0
	[ ! -e "$D" ] || fail "--force lost the directories of the first load: $(ls -R "$D")"
}

# A failure half-way removes every pin made so far: progs are pinned, then a map pin is in the way.
test_pin_failure_rolls_back() {
	setup
	mkdir -p "$D/maps"
	bpftool map create "$D/maps/hits" type array key 4 value 8 entries 1 name blocker || fail "bpftool map create"
	bk load "$FIXTURES/setvar.bpf.o" --pin "$D"
	expect_rc 1
	[[ $err == *"$D/maps/hits: a pin already exists"* ]] || fail "$err"
	[ ! -e "$D/progs" ] || fail "pins made before the failure stay: $(ls -R "$D")"
	[ "$(ls "$D/maps")" = hits ] || fail "maps dir: $(ls "$D/maps")"
	ls "$BPFKIT_MANIFEST_DIR" 2>/dev/null | grep -q . && fail "a failed load left a manifest"
	return 0
}

test_unpin() {
	setup
	bk load "$FIXTURES/setvar.bpf.o" --pin "$D"
	expect_rc 0
	bk unpin "$D/progs/match" "$D/maps/nosuch"
	expect_rc 1
	[[ $err == *"$D/maps/nosuch: No such file or directory"* ]] || fail "$err"
	[ -e "$D/progs/match" ] || fail "a failed unpin removed the pins checked before the bad one"
	bk -j unpin "$D/progs/match" "$D/maps/hits"
	expect_rc 0
	jq_is '.[0].kind' prog
	jq_is '.[1].kind' map
	jq_is '.[1].path' "$D/maps/hits"
	[ ! -e "$D/progs/match" ] && [ ! -e "$D/maps/hits" ] || fail "pins still there"
	bk unpin "$D/progs"
	expect_rc 1
	[[ $err == *"a directory"* ]] || fail "$err"
	bk unpin "$TMPD/nothing"
	expect_rc 1
	[[ $err == *"not on a bpffs mount"* ]] || fail "$err"
	bk unpin "$D/progs/match"
	expect_rc 1
	bk unload "$D"
	expect_rc 0
	[ ! -e "$D" ] || fail "unload after unpin left $D"
}

test_unprivileged_is_refused() {
	setup
	command -v setpriv >/dev/null || skip "setpriv not installed"
	local msg rc
	msg=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$BPFKIT" load "$FIXTURES/setvar.bpf.o" --pin "$D" 2>&1 >/dev/null)
	rc=$?
	[ "$rc" -eq 1 ] || fail "exit $rc, want 1: $msg"
	[[ $msg == *"needs CAP_BPF"*"run it with sudo"* ]] || fail "message: $msg"
	[ ! -e "$D" ] || fail "unprivileged load left $D"
}

# gc removes a pinned program nothing uses, keeps one a tracer's live link runs.
test_gc_stale_and_live() {
	setup
	mkdir -p "$D/sub"
	bpftool prog load "$FIXTURES/setvar.bpf.o" "$D/sub/stale" || fail "bpftool prog load"
	"$BPFKIT" trace openat -n bkt-nothing --duration 30 >/dev/null 2>&1 &
	TRACER=$!
	local i=0 id=
	while [ -z "$id" ] && [ "$i" -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
		id=$(grep -h '^prog_id:' /proc/"$TRACER"/fdinfo/* 2>/dev/null | awk '{ print $2 }' | sort -u | head -n 1)
	done
	[ -n "$id" ] || fail "tracer holds no program"
	bpftool prog pin id "$id" "$D/live" || fail "bpftool prog pin"
	bk -j gc --dry-run "$D"
	expect_rc 0
	jq_is '[.[] | .action] | unique | join(",")' "would remove"
	[ -e "$D/sub/stale" ] || fail "--dry-run removed something"
	bk -j gc "$D"
	expect_rc 0
	jq_is 'length' 2
	jq_is '.[0].path' "$D/sub/stale"
	jq_is '.[0].kind' prog
	jq_is '.[1].path' "$D/sub"
	jq_is '.[1].kind' dir
	[ ! -e "$D/sub" ] || fail "stale pin or its directory kept"
	[ -e "$D/live" ] || fail "gc removed the pin of a program a live link runs"
	kill -INT "$TRACER"; wait "$TRACER"; TRACER=
	bk -j gc "$D"
	jq_is '.[0].path' "$D/live"
	bk gc "$D"
	expect_rc 0
	[[ $err == *"nothing stale"* ]] || fail "$err"
	# programs a manifest lists are unload's, not gc's; a manifest whose pins are gone goes
	bk load "$FIXTURES/setvar.bpf.o" --pin "$D/m"
	bk -j gc "$D"
	jq_is 'length' 0
	rm -f "$D"/m/progs/* "$D"/m/maps/*
	bk -j gc "$D"
	printf '%s' "$out" | jq -e '[.[] | select(.kind == "manifest")] | length == 1' >/dev/null || fail "stale manifest kept: $out"
	[ ! -e "$D/m" ] || fail "manifest-made dirs kept: $(ls -R "$D/m")"
}

test_help_and_usage() {
	bk load --help
	expect_rc 0
	[[ $out == *"--set VAR=VALUE"* && $out == *"--reuse-map NAME=PINPATH"* ]] || fail "load --help"
	bk unload
	expect_rc 2
	bk gc --bogus
	expect_rc 2
	bk unpin
	expect_rc 2
	bk load a.o b.o c.o
	expect_rc 2
}

test_reuse_map_and_type() {
	setup
	bk -j load "$FIXTURES/setvar.bpf.o" --pin "$D"
	expect_rc 0
	local hits
	hits=$(printf '%s' "$out" | jq -r '.maps[] | select(.name == "hits") | .id')
	bk -j load "$FIXTURES/setvar.bpf.o" --pin "$D-other" --reuse-map "hits=$D/maps/hits"
	expect_rc 0
	jq_is '.maps[] | select(.name == "hits") | .id' "$hits"
	jq_is '.maps[] | select(.name == "hits") | .pinned' null
	bk unload "$D-other"
	expect_rc 0
	[ -e "$D/maps/hits" ] || fail "unload of the reusing object removed the shared map's pin"
	bk load "$FIXTURES/setvar.bpf.o" --reuse-map "nosuch=$D/maps/hits"
	expect_rc 2
	[[ $err == *"--reuse-map: no map 'nosuch'"* ]] || fail "$err"
	bk load "$FIXTURES/setvar.bpf.o" --reuse-map "hits=$D/nothing"
	expect_rc 1
	bk unload "$D"
	# --type: xdp_pass touches no context field, so it loads as a tc classifier too
	bk -j load "$FIXTURES/maps.bpf.o" --program xdp_pass --type sched_cls
	expect_rc 0
	jq_is '.programs | length' 1
	jq_is '.programs[0].type' sched_cls
}

# bpf(2) from python: "attach PROG LINK NETNS" attaches PROG (a pin) as an XDP link on lo of
# network namespace NETNS and pins it at LINK; "detach LINK" detaches it. The kernel keeps a
# detached link, without a target. (ip netns exec would hide bpffs behind a new /sys.)
xdp_link() {
	python3 - "$@" <<'PY'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(bytes(attr).ljust(128, b"\0"), 128)
    r = libc.syscall(321, cmd, buf, 128)
    if r < 0:
        raise OSError(ctypes.get_errno(), "bpf cmd %d" % cmd)
    return r
def obj_get(path):
    p = ctypes.create_string_buffer(path.encode())
    return bpf(7, ctypes.c_uint64(ctypes.addressof(p)).value.to_bytes(8, "little") + bytes(8))
def u32(*v):
    return b"".join(x.to_bytes(4, "little") for x in v)
if sys.argv[1] == "attach":
    prog = obj_get(sys.argv[2])
    ns = os.open("/run/netns/" + sys.argv[4], os.O_RDONLY)
    if libc.setns(ns, 0x40000000) != 0:                # CLONE_NEWNET
        raise OSError(ctypes.get_errno(), "setns")
    link = bpf(28, u32(prog, 1, 37, 0))            # BPF_LINK_CREATE, ifindex 1, BPF_XDP
    p = ctypes.create_string_buffer(sys.argv[3].encode())
    bpf(6, ctypes.addressof(p).to_bytes(8, "little") + u32(link, 0))   # BPF_OBJ_PIN
else:
    bpf(34, u32(obj_get(sys.argv[2])))            # BPF_LINK_DETACH
PY
}

test_gc_defunct_link() {
	setup
	command -v ip >/dev/null || skip "iproute2 not installed"
	local ns=bkt-load-$$
	ip netns add "$ns" || skip "cannot create a network namespace"
	trap 'cleanup; ip netns del '"$ns"' 2>/dev/null' EXIT
	bk load "$FIXTURES/setvar.bpf.o" --pin "$D/obj"
	expect_rc 0
	xdp_link attach "$D/obj/progs/match" "$D/link" "$ns" || fail "could not make an XDP link"
	bk -j gc "$D"
	expect_rc 0
	jq_is 'length' 0
	xdp_link detach "$D/link" || fail "BPF_LINK_DETACH failed"
	bk -j gc "$D"
	expect_rc 0
	jq_is 'length' 1
	jq_is '.[0].kind' link
	jq_is '.[0].path' "$D/link"
	jq_is '.[0].reason' "link whose target is gone (detached)"
	[ ! -e "$D/link" ] || fail "defunct link kept"
	bk unload "$D/obj"
	expect_rc 0
}

# Nothing mounted at /sys/fs/bpf: load --pin mounts bpffs there, as bpftool does. Only in a
# private mount namespace: unmounting the real bpffs would drop every pin on the machine.
test_mounts_bpffs_when_missing() {
	setup
	command -v unshare >/dev/null || skip "unshare not installed"
	local res
	res=$(unshare -m --propagation private bash -c '
		umount /sys/fs/bpf || exit 77
		[ "$(stat -f -c %T /sys/fs/bpf)" != bpf_fs ] || exit 78
		"$1" -q load "$2" --pin /sys/fs/bpf/bkt-mount >/dev/null || exit 1
		stat -f -c %T /sys/fs/bpf/bkt-mount/progs/match' _ "$BPFKIT" "$FIXTURES/setvar.bpf.o" 2>&1)
	case $? in
	77) skip "cannot unmount bpffs in a private mount namespace" ;;
	78) skip "bpffs is still visible after umount (stacked mounts)" ;;
	0) [ "$res" = bpf_fs ] || fail "pin not on bpffs: $res" ;;
	*) fail "load --pin without bpffs mounted: $res" ;;
	esac
	[ ! -e /sys/fs/bpf/bkt-mount ] || fail "the private mount leaked into the real bpffs"
}
