# shellcheck shell=bash disable=SC2154 # $out $err $rc: set by bk (tests/lib.sh)
# bpfkit trace run on tests/fixtures/trace_run.bpf.c: its struct decoded field by field from
# a ring buffer and a perf buffer, the record type chosen and said, nothing left loaded.
# shellcheck source=tests/kernel/trace_common.bash
source "$(dirname "${BASH_SOURCE[0]}")/trace_common.bash"

# A process named bkrun: after 0.5 s, getppid (ring) and getpgid (perf) $1 times each,
# sleeping $2 seconds after each pair (default: none).
marker() {
	python3 - "$1" "${2:-0}" <<'PY'
import ctypes, os, sys, time
ctypes.CDLL(None).prctl(15, b"bkrun", 0, 0, 0)
print(os.getpid(), flush=True)
time.sleep(0.5)
gap = float(sys.argv[2])
for _ in range(int(sys.argv[1])):
    os.getppid(); os.getpgid(0)
    if gap:
        time.sleep(gap)
PY
}

OBJ() { echo "$FIXTURES/trace_run.bpf.o"; }

test_ring_record_field_by_field() {
	need_root
	marker 3 > "$TMPD/pid" &
	local m=$!
	bk trace run "$(OBJ)" --map events --json --count 3 --duration 10
	wait "$m"
	expect_rc 0
	[ "$(printf '%s\n' "$out" | wc -l)" -eq 3 ] || fail "want 3 records: $out"
	[[ $err == *"ring buffer 'events': records are struct run_event (64 bytes, the size the code sends)"* ]] || fail "choice not said: $err"
	[[ $err == *"3 events, 0 lost"* ]] || fail "summary: $err"
	out=$(printf '%s\n' "$out" | sed -n 2p)
	jq_is .pid "$(cat "$TMPD/pid")"
	jq_is .neg -42
	# 0x1122334455667788, exact (jq would round it: read the text)
	[[ $out == *'"magic":1234605616436508552,'* ]] || fail "magic: $out"
	jq_is .comm bkrun
	jq_is .kind KIND_RING
	jq_is .low 5
	jq_is .high 17
	jq_is '.arr | join(",")' 1,2,3
	jq_is .in.a 300
	jq_is .in.b -300
	jq_is .seq 2
	jq_is 'keys_unsorted | join(" ")' "pid neg magic comm kind low high pad arr in seq"
}

test_both_maps_text_and_type_option() {
	need_root
	marker 2 > /dev/null &
	local m=$!
	bk trace run "$(OBJ)" --type run_event --count 4 --duration 10
	wait "$m"
	expect_rc 0
	[[ $err == *"perf buffer 'pevents': records are struct run_event (64 bytes, --type)"* ]] ||
		fail "choice: $err"
	printf '%s\n' "$out" | grep -Eq '^pevents: pid=[0-9]+ neg=-42 magic=1234605616436508552 comm="bkrun" kind="KIND_PERF" low=5 high=17 pad=\[0,0,0\] arr=\[1,2,3\] in=\{a=300 b=-300\} seq=1$' ||
		fail "no perf record line: $out"
	printf '%s\n' "$out" | grep -Eq '^events: pid=[0-9]+ .* kind="KIND_RING" .* seq=2$' || fail "no ring record: $out"
}

test_record_types_declared_by_the_maps() {
	need_root
	marker 2 > "$TMPD/pid" &
	local m=$!
	bk trace run "$FIXTURES/trace_declared.bpf.o" --json --duration 1.5
	wait "$m"
	expect_rc 0
	[[ $err == *"ring buffer 'ring': records are struct decl_ring (24 bytes, declared by the map)"* ]] || fail "ring choice: $err"
	[[ $err == *"perf buffer 'perf': records are struct decl_perf (16 bytes, declared by the map)"* ]] || fail "perf choice: $err"
	[[ $err != *libbpf* ]] || fail "libbpf complained: $err"
	local pid
	pid=$(cat "$TMPD/pid")
	[ "$(jq -c "select(._map == \"ring\" and .pid == $pid and .tag == 57025 and .comm == \"bkrun\")" <<<"$out" | wc -l)" -eq 2 ] ||
		fail "ring records: $out"
	[ "$(jq -c "select(._map == \"perf\" and .pid == $pid and .tag == 57026)" <<<"$out" | wc -l)" -eq 2 ] ||
		fail "perf records: $out"
	# --map reads one; the other declared map must still load
	marker 1 > "$TMPD/pid" &
	m=$!
	bk trace run "$FIXTURES/trace_declared.bpf.o" --json --map perf --duration 1.5
	wait "$m"
	expect_rc 0
	pid=$(cat "$TMPD/pid")
	[ "$(jq -c "select(.pid == $pid and .tag == 57026)" <<<"$out" | wc -l)" -eq 1 ] || fail "--map perf: $out"
}

test_timestamps_and_stats() {
	need_root
	marker 3 0.6 > /dev/null &
	local m=$!
	bk trace run "$(OBJ)" --map events --json -T --stats --duration 2.4
	wait "$m"
	expect_rc 0
	# the marker's calls, 0.6 s apart; the first some time after the attach
	jq -s -e 'length == 3 and (map(._time) | .[0] >= 0 and .[1] - .[0] > 0.4 and .[1] - .[0] < 1.2 and .[2] - .[1] > 0.4 and .[2] - .[1] < 1.2)' <<<"$out" > /dev/null ||
		fail "times: $(jq -c ._time <<<"$out" | tr '\n' ' ')"
	[[ $err =~ (^|$'\n')[0-9]+\ events/s,\ 0\ lost/s($'\n'|$) ]] || fail "no --stats line: $err"
	marker 1 > /dev/null &
	m=$!
	bk trace run "$(OBJ)" -T --map events --count 1 --duration 3
	wait "$m"
	[[ $out =~ ^[0-9]+\.[0-9]{6}\ +pid= ]] || fail "text -T: $out"
}

test_program_selection_and_cleanup() {
	need_root
	local ids id
	marker 2 > /dev/null &
	local m=$!
	"$BPFKIT" trace run "$(OBJ)" --program perf_getpgid --json --duration 10 --count 2 > "$TMPD/ev" 2> "$TMPD/ev.err" &
	local tr=$!
	sleep 0.3
	ids=$(held_prog_ids "$tr")
	wait "$m"
	wait "$tr" || fail "exit $?: $(cat "$TMPD/ev.err")"
	# only the perf program ran: every record is from the perf buffer
	[ "$(jq -r .kind "$TMPD/ev" | sort -u)" = KIND_PERF ] || fail "records: $(cat "$TMPD/ev")"
	[ "$(echo "$ids" | wc -w)" -eq 1 ] || fail "programs loaded: $ids"
	sleep 0.2
	for id in $ids; do
		bpftool prog show id "$id" > /dev/null 2>&1 && fail "program $id still loaded after exit"
	done
	return 0
}

test_full_perf_buffer_counts_lost() {
	need_root
	local n=20000
	"$BPFKIT" trace run "$(OBJ)" --program perf_getpgid --json > "$TMPD/ev" 2> "$TMPD/ev.err" &
	local tr=$!
	wait_attached "$tr" || fail "tracer did not attach: $(cat "$TMPD/ev.err")"
	# nobody reads: 64 pages per CPU hold ~3000 samples of 64 bytes. All on CPU 0: the
	# kernel writes a buffer's lost count into it before the next sample that fits there.
	kill -STOP "$tr"
	(taskset -p -c 0 $BASHPID > /dev/null && marker "$n" > /dev/null)
	kill -CONT "$tr"
	sleep 0.3
	(taskset -p -c 0 $BASHPID > /dev/null && marker 1 > /dev/null)
	sleep 0.3
	kill -INT "$tr"
	wait "$tr" || fail "exit $?: $(cat "$TMPD/ev.err")"
	local events lost
	read -r events lost < <(sed -nE 's/^([0-9]+) events, ([0-9]+) lost$/\1 \2/p' "$TMPD/ev.err")
	[ "${lost:-0}" -gt 0 ] || fail "nothing lost: $(cat "$TMPD/ev.err")"
	[ "$((events + lost))" -eq "$((n + 1))" ] || fail "$events events + $lost lost, want $((n + 1)) in all"
	[ "$(wc -l < "$TMPD/ev")" -eq "$events" ] || fail "$(wc -l < "$TMPD/ev") lines for $events events"
}

# A steady stream (a record every ~0.1 ms) is read in batches: the reader pauses up to 1 ms
# after each one (kern_ring_loop's pacing; the fixture's 1 MiB ring allows the whole 1 ms), so
# the kernel wakes it and it writes its output once per batch, not once per record as a reader
# that always catches up does (~5000 writes here without pacing, ~360 with).
test_steady_stream_is_read_in_batches() {
	need_root
	local n=5000 w0 w1 writes
	start_trace run "$TMPD/ev" "$(OBJ)" --map events --json
	wait_attached "$TRACER_PID" || fail "not attached: $(cat "$TMPD/ev.err")"
	w0=$(awk '$1 == "syscw:" { print $2 }' /proc/"$TRACER_PID"/io)
	marker "$n" 0.00002 > /dev/null
	wait_for "$TMPD/ev" "\"seq\":$n}" 10 || fail "record $n not seen: $(tail -c 300 "$TMPD/ev")"
	w1=$(awk '$1 == "syscw:" { print $2 }' /proc/"$TRACER_PID"/io)
	stop_trace
	[ "$TRACER_RC" = 0 ] || fail "exit $TRACER_RC: $(cat "$TMPD/ev.err")"
	grep -q "^$n events, 0 lost$" "$TMPD/ev.err" || fail "summary: $(cat "$TMPD/ev.err")"
	[ "$(jq -r .seq "$TMPD/ev" | awk '$1 != NR' | wc -l)" -eq 0 ] || fail "records missing or out of order"
	writes=$((w1 - w0))
	echo "$n records in $writes writes"
	[ "$writes" -lt $((n / 4)) ] || fail "$writes writes for $n records: not batched"
}

# A program libbpf cannot attach by its section (maps.bpf.o's SEC("xdp")) is loaded, listed
# as not attached, and does not stop the others; with --program it is an error. The object's
# pinned-by-name map is not pinned by a trace.
test_unattachable_program_is_listed() {
	need_root
	local had_pin=
	[ -e /sys/fs/bpf/src_ips ] && had_pin=1
	bk trace run "$FIXTURES/maps.bpf.o" --type counter_key --duration 0.3
	expect_rc 0
	# its LIBBPF_PIN_BY_NAME map would be pinned by libbpf: a trace leaves nothing behind
	[ -z "$had_pin" ] && [ -e /sys/fs/bpf/src_ips ] && fail "trace run left /sys/fs/bpf/src_ips pinned"
	[[ $err == *"not attached (no section libbpf attaches by; --program to insist): xdp_pass"* ]] ||
		fail "not listed: $err"
	[[ $err == *"0 events, 0 lost"* ]] || fail "summary: $err"
	bk trace run "$FIXTURES/maps.bpf.o" --type counter_key --program xdp_pass --duration 0.3
	expect_rc 1
	[[ $err == *"program 'xdp_pass': libbpf cannot attach it by its section 'xdp' alone (no attach point there, or not supported here): attach it with 'bpfkit attach OBJ:xdp_pass TARGET'"* ]] ||
		fail "error: $err"
}

test_verifier_rejection_is_said() {
	need_root
	bk trace run "$FIXTURES/reject/ringbuf.bpf.o" --duration 1
	expect_rc 1
	[[ $err == *"R0 invalid mem access"* || $err == *"invalid mem access"* ]] || fail "no verifier log: $err"
	[[ $err == *"bpfkit: trace run: loading the object: Permission denied: the verifier rejected it"* ]] || fail "$err"
	[[ $err != *"needs CAP_BPF"* ]] || fail "blamed privileges: $err"
}

test_errors() {
	need_root
	bk trace run "$(OBJ)" --type no_such_struct --duration 1
	expect_rc 1
	[[ $err == *"--type: no struct 'no_such_struct'"* ]] || fail "$err"
	bk trace run "$(OBJ)" --map events --map pevents --duration 1
	expect_rc 2
	[[ $err == *"--map given twice ('events', 'pevents')"* ]] || fail "$err"
	bk trace run "$(OBJ)" --map nosuchmap --duration 1
	expect_rc 1
	[[ $err == *"no ring buffer or perf buffer map 'nosuchmap'"* ]] || fail "$err"
	bk trace run "$FIXTURES/globals.bpf.o" --duration 1
	expect_rc 1
	[[ $err == *"has no ring buffer or perf buffer map"* ]] || fail "$err"
	bk trace run "$(OBJ)" --program nosuchprog --duration 1
	expect_rc 1
	[[ $err == *"--program: no program 'nosuchprog'"* ]] || fail "$err"
	bk trace run
	expect_rc 2
}

# struct exec_event is only in ringbuf_dwarf.bpf.o's DWARF: found by the size the code
# reserves, then decoded field by field (bitfields, enums of 1/2/4/8 bytes and both signs,
# anonymous union, 2-D array) from the DWARF types.
test_record_type_from_dwarf() {
	need_root
	local obj="$FIXTURES/ringbuf_dwarf.bpf.o" pid
	"$BPFKIT" btf list "$obj" --kind struct --match exec_event | grep -q exec_event &&
		fail "fixture: exec_event is in .BTF, the test needs it DWARF-only"
	(sleep 0.5; bash -c 'echo $$ > "$1"; exec /bin/true' bkdwarf "$TMPD/pid") &
	local m=$!
	bk trace run "$obj" --json --duration 2
	wait "$m"
	expect_rc 0
	[[ $err == *"ring buffer 'events': records are struct exec_event (216 bytes, the size the code sends, from DWARF)"* ]] ||
		fail "choice not said: $err"
	pid=$(cat "$TMPD/pid")
	out=$(printf '%s\n' "$out" | jq -c "select(.tgid == $pid)" | head -1)
	[ -n "$out" ] || fail "no record of pid $pid"
	jq_is .pid "$pid"
	jq_is .is_thread 0
	jq_is .kind EV_EXEC
	jq_is .prio PRIO_LOW
	jq_is .flags EVF_BIG
	jq_is .wide WIDE_TOP
	jq_is '.matrix | map(join(",")) | join(";")' "0,0,0;0,0,7"
	jq_is '._anon | keys | join(",")' "_anon,duration_ns"
	jq_is 'keys_unsorted | join(" ")' "tgid pid is_thread exit_code cpu kind prio flags wide _anon stamp opaque matrix comm filename"
	# stripped of DWARF, the record type is nowhere: said, with the fix
	"$BPFKIT" strip -q "$obj" -o "$TMPD/stripped.o" || fail "strip"
	bk trace run "$TMPD/stripped.o" --duration 1
	expect_rc 1
	[[ $err == *"216-byte records, but no struct in the object's BTF or DWARF has that size: build it with -g"* ]] ||
		fail "stripped: $err"
}
