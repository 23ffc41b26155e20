# shellcheck shell=bash
# bpfkit inspect --disasm: instruction texts against llvm-objdump, annotations, errors.

# "section<TAB>idx<TAB>text" for every instruction llvm-objdump prints, branch labels
# dropped and blanks collapsed. Instructions this llvm cannot decode print "<unknown>".
objdump_texts() {
	llvm-objdump -d --no-show-raw-insn --no-print-imm-hex "$1" | python3 -c '
import re, sys
sec = None
for line in sys.stdin:
    line = line.rstrip("\n")
    m = re.match(r"^Disassembly of section (.*):$", line)
    if m:
        sec = m.group(1)
        continue
    m = re.match(r"^ *(\d+):\t(.*)$", line)
    if not m or sec is None:
        continue
    text = " ".join(m.group(2).split())
    if text != "<unknown>":
        text = re.sub(r" <[^>]*>$", "", text)
    print("%s\t%s\t%s" % (sec, m.group(1), text))
' | sort
}

bpfkit_texts() {
	"$BPFKIT" inspect --disasm --json "$1" |
		jq -r '.disasm[] | .section as $s | .insns[] | "\($s)\t\(.idx)\t\(.text)"' | sort
}

# Compare both, leaving out what this llvm-objdump cannot decode (newer instructions).
check_texts_match() {
	local obj=$1 n
	objdump_texts "$obj" > "$TMPD/objdump.txt"
	bpfkit_texts "$obj" > "$TMPD/bpfkit.txt"
	n=$(wc -l < "$TMPD/objdump.txt")
	[ "$n" -gt 0 ] || fail "llvm-objdump printed no instructions for $obj"
	cut -f1,2 < <(grep -P '\t<unknown>$' "$TMPD/objdump.txt") > "$TMPD/unknown.txt"
	grep -v -F -f <(sed 's/$/\t/' "$TMPD/unknown.txt") "$TMPD/objdump.txt" \
		> "$TMPD/objdump.cmp" 2>/dev/null || true
	grep -v -F -f <(sed 's/$/\t/' "$TMPD/unknown.txt") "$TMPD/bpfkit.txt" \
		> "$TMPD/bpfkit.cmp" 2>/dev/null || true
	[ -s "$TMPD/unknown.txt" ] || { cp "$TMPD/objdump.txt" "$TMPD/objdump.cmp";
					 cp "$TMPD/bpfkit.txt" "$TMPD/bpfkit.cmp"; }
	diff -u "$TMPD/objdump.cmp" "$TMPD/bpfkit.cmp" >&2 ||
		fail "instruction texts of $obj differ from llvm-objdump"
}

test_texts_match_objdump_fixtures() {
	command -v llvm-objdump >/dev/null || skip "llvm-objdump not installed"
	for obj in "$FIXTURES"/*.bpf.o; do
		check_texts_match "$obj"
	done
}

test_texts_match_objdump_bundled() {
	local obj
	command -v llvm-objdump >/dev/null || skip "llvm-objdump not installed"
	obj="$(dirname "$BPFKIT")/bpf/openat.bpf.o"
	[ -f "$obj" ] || fail "missing $obj"
	objdump_texts "$obj" > "$TMPD/objdump.txt"
	"$BPFKIT" inspect --disasm --json @openat |
		jq -r '.disasm[] | .section as $s | .insns[] | "\($s)\t\(.idx)\t\(.text)"' |
		sort > "$TMPD/bpfkit.txt"
	[ -s "$TMPD/objdump.txt" ] || fail "llvm-objdump printed nothing for $obj"
	diff -u "$TMPD/objdump.txt" "$TMPD/bpfkit.txt" >&2 || fail "@openat differs from $obj"
}

# note of the first instruction of program $1 whose text is $2
note_of() {
	printf '%s' "$out" | jq -r --arg p "$1" --arg t "$2" \
		'[.disasm[] | select(.name == $p) | .insns[] | select(.text == $t) | .note][0]'
}

test_annotations() {
	local obj="$FIXTURES/disasm.bpf.o"
	bk inspect --disasm --json "$obj"
	expect_rc 0
	json_ok
	# relocated map loads carry the map's name
	printf '%s' "$out" | jq -e '[.disasm[] | select(.name == "handle_openat") | .insns[] |
		select(.note == "map: counts")] | length == 2' >/dev/null ||
		fail "map loads of 'counts' not annotated"
	printf '%s' "$out" | jq -e '[.disasm[].insns[] | select(.note == "map: events")] |
		length == 1' >/dev/null || fail "map load of 'events' not annotated"
	# globals in .data, .bss, .rodata
	for g in "data_total (.data)" "bss_signed (.bss)" "bss_small (.bss)" "filter_pid (.rodata)"; do
		printf '%s' "$out" | jq -e --arg n "global: $g" \
			'any(.disasm[].insns[]; .note == $n)' >/dev/null || fail "no note '$n'"
	done
	# helpers by name, subprograms by name (a static one and a global one in .text)
	[ "$(note_of handle_openat "call 14")" = bpf_get_current_pid_tgid ] ||
		fail "call 14 note: $(note_of handle_openat "call 14")"
	[ "$(note_of handle_openat "call 1")" = bpf_map_lookup_elem ] || fail "call 1 not named"
	[ "$(note_of handle_openat "call -1")" = global_clamp ] || fail "global call not named"
	printf '%s' "$out" | jq -e 'any(.disasm[] | select(.name == "handle_openat") | .insns[];
		.note == "mix")' >/dev/null || fail "static call to mix not named"
	printf '%s' "$out" | jq -e 'any(.disasm[].insns[]; .note == "func: loop_cb")' \
		>/dev/null || fail "callback address not named"
	# every instruction of a compiler-made object is valid: no "invalid:" notes
	printf '%s' "$out" | jq -e '[.disasm[].insns[] | select(.note // "" |
		startswith("invalid"))] | length == 0' >/dev/null || fail "valid code flagged"
}

test_programs_and_subprograms_listed() {
	bk inspect --disasm --json "$FIXTURES/disasm.bpf.o"
	expect_rc 0
	jq_is '[.disasm[].name] | join(",")' \
		"global_clamp,mix,loop_cb,handle_openat,arith,memory,packet"
	jq_is '.disasm[] | select(.name == "packet") | .section' "socket"
	local addr
	addr=$(llvm-objdump -t "$FIXTURES/disasm.bpf.o" | awk '$NF == "mix" { print $1 }')
	[ -n "$addr" ] || fail "llvm-objdump -t shows no symbol mix"
	jq_is '.disasm[] | select(.name == "mix") | .insns[0].idx' "$((16#$addr / 8))"
}

test_source_lines() {
	bk inspect --disasm --json --program handle_openat "$FIXTURES/disasm.bpf.o"
	expect_rc 0
	jq_is '.disasm | length' 1
	jq_is '.disasm[0].insns[] | select(.text == "call 14") | .source.text | ltrimstr("\t")' \
		"__u64 id = bpf_get_current_pid_tgid();"
	jq_is '.disasm[0].insns[] | select(.text == "call 14") | .source.file | endswith("disasm.bpf.c")' true
}

test_text_output() {
	bk inspect --disasm --program handle_openat "$FIXTURES/disasm.bpf.o"
	expect_rc 0
	printf '%s\n' "$out" | grep -qx 'tracepoint/syscalls/sys_enter_openat handle_openat:' ||
		fail "no program header in: ${out:0:200}"
	printf '%s\n' "$out" | grep -qx '     1: call 14  ; bpf_get_current_pid_tgid' ||
		fail "no annotated helper call"
	printf '%s\n' "$out" | grep -q '^; __u64 id = bpf_get_current_pid_tgid(); @ disasm.bpf.c:[0-9]*$' ||
		fail "no source line"
	printf '%s\n' "$out" | grep -q 'll  ; map: counts$' || fail "no map annotation"
}

test_program_by_section() {
	bk inspect --disasm --json --program socket "$FIXTURES/disasm.bpf.o"
	expect_rc 0
	jq_is '[.disasm[].name] | join(",")' packet
}

test_program_nosuch() {
	bk inspect --disasm --program nosuch "$FIXTURES/disasm.bpf.o"
	expect_rc 1
	[[ $err == *"no program or section named 'nosuch'"* ]] || fail "stderr: $err"
	[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "error is not one line: $err"
	bk inspect --disasm --program nosuch --json "$FIXTURES/disasm.bpf.o"
	expect_rc 1
	json_ok
	jq_is '.error | contains("nosuch")' true
}

# Garbage in a code section: every instruction still printed, the bad ones flagged. (The
# object reader itself rejects a cut ld_imm64 pair; the unit test covers that case.)
test_malformed_code() {
	python3 - "$FIXTURES/disasm.bpf.o" "$TMPD/bad.o" <<-'EOF'
	import struct, sys
	data = bytearray(open(sys.argv[1], "rb").read())
	shoff, = struct.unpack_from("<Q", data, 0x28)
	shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3a)
	def sh(i):
	    return struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
	stroff = sh(shstrndx)[4]
	for i in range(shnum):
	    name_off, _, _, _, off, size = sh(i)[:6]
	    end = data.index(b"\0", stroff + name_off)
	    if data[stroff + name_off:end] == b"socket":
	        data[off:off + 8] = bytes([0x8c, 0x21, 0, 0, 0, 0, 0, 0])		# no such opcode
	        data[off + 8:off + 16] = bytes([0x05, 0, 0x00, 0x10, 0, 0, 0, 0])	# goto +4096
	        data[off + size - 8:off + size] = bytes([0xbf, 0xc1, 0, 0, 0, 0, 0, 0])  # r1 = r12
	open(sys.argv[2], "wb").write(data)
	EOF
	bk inspect --disasm --json --program packet "$TMPD/bad.o"
	# shown as far as it can be read, each defect a warning, and a failure all the same
	expect_rc 1
	[[ $err == *"packet: instruction 0: invalid instruction (opcode 0x8c)"* ]] || fail "$err"
	[[ $err == *"packet: instruction 1: jump to 4098, outside the function"* ]] || fail "$err"
	[[ $err == *"packet: instruction 33: invalid instruction (opcode 0xbf)"* ]] || fail "$err"
	jq_is '.disasm[0].insns[0].text' "<unknown>"
	jq_is '.disasm[0].insns[0].note' "invalid: unknown opcode 0x8c"
	jq_is '.disasm[0].insns[1].note | startswith("invalid: target 4098 outside")' true
	jq_is '.disasm[0].insns[-1].text' "<unknown>"
	jq_is '.disasm[0].insns[-1].note' "invalid: register r12 out of range"
	jq_is '.disasm[0].insns | length' \
		"$(llvm-objdump -d --no-show-raw-insn "$FIXTURES/disasm.bpf.o" | grep -A1000 'section socket' | grep -c '^ *[0-9]*:')"
}
