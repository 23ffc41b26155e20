# shellcheck shell=bash disable=SC2154 # $out $err $rc: set by bk (tests/lib.sh)
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# bpfkit map against the kernel: maps made by bpftool (the oracle) and by loading
# tests/fixtures/kmaps.bpf.o, whose maps have BTF-typed keys and values. Every test pins
# under a unique /sys/fs/bpf path and removes it on exit, pass or fail.

# Load the fixture; its maps are pinned in $M (flows, pcpu, counts, outer, inner1, rb, perf).
load_kmaps() {
	need_root
	command -v bpftool >/dev/null || skip "bpftool is not installed"
	P=/sys/fs/bpf/bk-map-$$-$RANDOM
	M=$P-maps
	trap 'rm -rf "$P" "$M"' EXIT
	bpftool prog loadall "$FIXTURES/kmaps.bpf.o" "$P" pinmaps "$M" >/dev/null 2>&1 ||
		fail "bpftool could not load kmaps.bpf.o"
}

# A map without BTF, made by bpftool: $H (hash, key 4, value 8).
make_plain() {
	need_root
	command -v bpftool >/dev/null || skip "bpftool is not installed"
	H=/sys/fs/bpf/bk-plain-$$-$RANDOM
	trap 'rm -f "$H" "$H.pin"' EXIT
	bpftool map create "$H" type hash key 4 value 8 entries 16 name bk_plain ||
		fail "bpftool map create failed"
}

ncpus() {
	local r n=0 a b
	IFS=, read -ra r </sys/devices/system/cpu/possible
	for x in "${r[@]}"; do
		a=${x%-*} b=${x#*-}
		n=$((n + b - a + 1))
	done
	echo "$n"
}

test_show_json_equals_bpftool() {
	local m want
	load_kmaps
	for m in flows pcpu counts outer inner1 rb perf; do
		bk -j map show pinned "$M/$m"
		expect_rc 0
		want=$(bpftool -j -f map show pinned "$M/$m" | jq -S .)
		[ "$(printf '%s' "$out" | jq -S .)" = "$want" ] ||
			fail "map show -j differs for $m: ours $out; bpftool $want"
	done
}

test_list_json_equals_bpftool() {
	local ids ours theirs
	load_kmaps
	ids=$(bpftool -j map show | jq -c '[.[] | select(.name == "flows" or .name == "pcpu") | .id]')
	bk -j map list
	expect_rc 0
	# the same maps, the same fields; pids are ours alone (bpftool here has no skeletons)
	ours=$(printf '%s' "$out" | jq -S --argjson ids "$ids" '[.[] | select(.id as $i | $ids | index($i)) | del(.pids)]')
	theirs=$(bpftool -j -f map list | jq -S --argjson ids "$ids" '[.[] | select(.id as $i | $ids | index($i))]')
	[ "$ours" = "$theirs" ] || fail "map list differs: ours $ours; bpftool $theirs"
	[ "$(printf '%s' "$ours" | jq length)" -ge 2 ] || fail "fixture maps not listed: $ours"
	bk -j map
	expect_rc 0
	printf '%s' "$out" | jq -e 'type == "array"' >/dev/null || fail "'map' alone is not the list"
}

test_typed_update_lookup_roundtrip() {
	local bytes
	load_kmaps
	bk map update pinned "$M/flows" key uid=1000 comm=bash port=443 proto=6 \
		value packets=7 bytes=1500 state=ST_OPEN active=true delta=-3 label=web where.x=-1 \
		'hist[2]=9'
	expect_rc 0
	bk -j map lookup pinned "$M/flows" key '{"uid":1000,"comm":"bash","port":443,"proto":6}'
	expect_rc 0
	jq_is '.formatted.key | "\(.uid) \(.comm) \(.port) \(.proto)"' "1000 bash 443 6"
	jq_is '.formatted.value | "\(.packets) \(.bytes) \(.state) \(.active) \(.delta) \(.label) \(.where.x) \(.where.y) \(.hist)"' \
		"7 1500 ST_OPEN true -3 web -1 0 [0,0,9]"
	# the bytes are what bpftool reads back for the same key bytes
	bytes=$(printf '%s' "$out" | jq -r '.key | map(.[2:]) | join(" ")')
	[ "$(bpftool -j map lookup pinned "$M/flows" key hex $bytes | jq -c .value)" = \
	  "$(printf '%s' "$out" | jq -c .value)" ] || fail "bpftool reads other value bytes"
	[ "$(bpftool -j map lookup pinned "$M/flows" key hex $bytes | jq -c .formatted)" = \
	  "$(printf '%s' "$out" | jq -c .formatted)" ] || fail "bpftool formats it otherwise"
	# enum by number, noexist on an existing key, text view
	bk map update pinned "$M/flows" key uid=1000 comm=bash port=443 proto=6 value state=2 noexist
	expect_rc 1
	[[ $err == *"exists"* ]] || fail "noexist on an existing key: $err"
	bk map update pinned "$M/flows" key uid=1000 comm=bash port=443 proto=6 value state=2 exist
	expect_rc 0
	bk map lookup pinned "$M/flows" key uid=1000 comm=bash port=443 proto=6
	expect_rc 0
	[[ $out == *"state: ST_CLOSED"* && $out == *'comm: "bash"'* ]] || fail "text lookup: $out"
	bk map delete pinned "$M/flows" key uid=1000 comm=bash port=443 proto=6
	expect_rc 0
	bk map lookup pinned "$M/flows" key uid=1000 comm=bash port=443 proto=6
	expect_rc 1
	[[ $err == *"no such key"* ]] || fail "lookup after delete: $err"
}

test_dump_json_equals_bpftool() {
	load_kmaps
	bk map update pinned "$M/flows" key uid=1 value packets=1 state=ST_OPEN
	bk map update pinned "$M/flows" key uid=2 comm=x value '{"packets":2,"hist":[1,2,3]}'
	bk map update pinned "$M/counts" key 3 value 12345678901
	for m in flows counts; do
		bk -j map dump pinned "$M/$m"
		expect_rc 0
		[ "$(printf '%s' "$out" | jq -S 'sort_by(.key)')" = \
		  "$(bpftool -j map dump pinned "$M/$m" | jq -S 'sort_by(.key)')" ] ||
			fail "map dump -j differs from bpftool's for $m: $out"
	done
	bk -p map dump pinned "$M/counts"
	expect_rc 0
	jq_is '.[3].formatted.value' 12345678901
}

# Bitfields are typed (bpftool prints them as hex strings: "0xd" for a 4-bit -3, no enum
# names); the bytes are bpftool's.
test_bitfields_typed() {
	load_kmaps
	bk map update pinned "$M/bits" key 1 value lo=5 mid=17 neg=-3 st=ST_CLOSED tail=7
	expect_rc 0
	bk -j map lookup pinned "$M/bits" key 1
	expect_rc 0
	jq_is '.formatted.value | "\(.lo) \(.mid) \(.neg) \(.st) \(.tail)"' "5 17 -3 ST_CLOSED 7"
	[ "$(printf '%s' "$out" | jq -c .value)" = \
	  "$(bpftool -j map lookup pinned "$M/bits" key 1 0 0 0 | jq -c .value)" ] ||
		fail "bytes differ from bpftool's"
	bk map update pinned "$M/bits" key 1 value neg=8
	expect_rc 2
	[[ $err == *"neg: '8' does not fit __s32: -8..7"* ]] || fail "bitfield range: $err"
}

test_percpu_dump_every_cpu() {
	local n
	load_kmaps
	n=$(ncpus)
	bk map update pinned "$M/pcpu" key 7 value 42
	expect_rc 0
	bk -j map dump pinned "$M/pcpu"
	expect_rc 0
	jq_is 'length' 1
	jq_is '.[0].values | length' "$n"
	jq_is '[.[0].formatted.values[] | .value] | unique | tostring' "[42]"
	jq_is '[.[0].formatted.values[] | .cpu] | join(",")' "$(seq -s, 0 $((n - 1)))"
	bk map dump pinned "$M/pcpu"
	[ "$(printf '%s\n' "$out" | grep -c 'value (CPU [0-9]*): 42$')" -eq "$n" ] ||
		fail "text dump does not show $n CPUs: $out"
}

test_map_in_map_shows_inner_ids() {
	local want
	load_kmaps
	want=$(for m in inner1 inner2; do bpftool -j map show pinned "$M/$m" | jq .id; done |
		paste -sd,)
	bk -j map dump pinned "$M/outer"
	expect_rc 0
	jq_is '[.[].inner_map_id] | join(",")' "$want"
	bk map dump pinned "$M/outer"
	[[ $out == *"inner_map_id: ${want%%,*}"* ]] || fail "text dump: $out"
}

test_ring_and_perf_say_how_to_read() {
	local m
	load_kmaps
	for m in rb perf; do
		bk map dump pinned "$M/$m"
		expect_rc 1
		[[ $err == *"bpfkit trace run"* ]] || fail "$m: $err"
	done
	bk -j map dump pinned "$M/rb"
	json_ok
	jq_is '.error | contains("trace run")' true
}

test_hex_without_btf() {
	make_plain
	bk map update pinned "$H" key hex 01 00 00 00 value hex 02 00 00 00 00 00 00 00
	expect_rc 0
	bk map update pinned "$H" key 5 value 600
	expect_rc 0
	bk map update pinned "$H" key 9 0 0 0 value 1 2 3 4 5 6 7 8
	expect_rc 0
	bk -j map dump pinned "$H"
	expect_rc 0
	[ "$(printf '%s' "$out" | jq -S 'sort_by(.key)')" = \
	  "$(bpftool -j map dump pinned "$H" | jq -S 'sort_by(.key)')" ] ||
		fail "dump differs from bpftool's: $out"
	jq_is '[.[] | has("formatted")] | any' false
	bk map lookup pinned "$H" key 5
	expect_rc 0
	[ "$out" = "key: 05 00 00 00  value: 58 02 00 00 00 00 00 00" ] || fail "text lookup: $out"
	bk map update pinned "$H" key 1 2 value 1
	expect_rc 2
	[[ $err == *"key: 2 bytes given, the map wants 4"* ]] || fail "short key: $err"
	bk -j map getnext pinned "$H"
	expect_rc 0
	jq_is '.key' null
	jq_is '.next_key | length' 4
}

# Map types without BPF_MAP_LOOKUP_BATCH are read key by key: same elements as bpftool.
test_dump_without_batch_ops() {
	make_plain
	D=/sys/fs/bpf/bk-devmap-$$-$RANDOM
	trap 'rm -f "$H" "$D" "$D-cg"' EXIT
	bpftool map create "$D" type devmap key 4 value 4 entries 4 name bk_devmap || fail "create"
	bk map update pinned "$D" key 2 value 1	# slot 2 -> ifindex 1 (lo)
	expect_rc 0
	bk -j map dump pinned "$D"
	expect_rc 0
	# bpftool lists the empty slots too, each with an error for a value
	[ "$(printf '%s' "$out" | jq -S .)" = \
	  "$(bpftool -j map dump pinned "$D" | jq -S '[.[] | select(.value | type == "array")]')" ] ||
		fail "devmap dump differs from bpftool's: $out"
	jq_is '[.[].key[0]] | join(",")' "0x02"
	if command -v strace >/dev/null; then
		strace -f -e trace=bpf -o "$TMPD/st" "$BPFKIT" map dump pinned "$D" >/dev/null 2>&1
		grep -q BPF_MAP_GET_NEXT_KEY "$TMPD/st" || fail "no key-by-key fallback"
	fi
	bpftool map create "$D-cg" type cgroup_array key 4 value 4 entries 2 name bk_cg || fail "create"
	bk map dump pinned "$D-cg"
	rm -f "$D-cg"
	expect_rc 1
	[[ $err == *"cannot read back"* ]] || fail "cgroup array: $err"
}

test_export_scraped_over_http() {
	local pid port body
	load_kmaps
	bk map update pinned "$M/flows" key uid=1000 comm=sshd port=22 proto=6 value packets=5 bytes=300
	bk map update pinned "$M/counts" key 1 value 9
	bk map update pinned "$M/pcpu" key 4 value 10
	bk map update pinned "$M/flows" key uid=7 'comm=q"\z' value packets=1
	expect_rc 0
	"$BPFKIT" map export pinned "$M/flows" pinned "$M/counts" pinned "$M/pcpu" \
		--listen 127.0.0.1:0 --duration 20 2>"$TMPD/export.err" &
	pid=$!
	for _ in $(seq 50); do
		port=$(sed -n 's/.* on port \([0-9]*\) .*/\1/p' "$TMPD/export.err")
		[ -n "$port" ] && break
		sleep 0.1
	done
	[ -n "$port" ] || { kill "$pid"; fail "no port announced: $(cat "$TMPD/export.err")"; }
	body=$(python3 -c 'import sys, urllib.request
print(urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=5).read().decode())' "$port")
	kill -TERM "$pid"
	wait "$pid" || fail "export did not exit 0 on SIGTERM"
	grep -qxF 'bpfkit_map_flows_packets{uid="1000",comm="sshd",port="22",proto="6"} 5' <<<"$body" ||
		fail "no packets sample: $body"
	grep -qxF 'bpfkit_map_flows_bytes{uid="1000",comm="sshd",port="22",proto="6"} 300' <<<"$body" ||
		fail "no bytes sample: $body"
	grep -qxF 'bpfkit_map_flows_where_x{uid="1000",comm="sshd",port="22",proto="6"} 0' <<<"$body" ||
		fail "no nested field sample: $body"
	grep -qxF 'bpfkit_map_counts_value{key="1"} 9' <<<"$body" || fail "no array sample: $body"
	grep -qxF 'bpfkit_map_flows_packets{uid="7",comm="q\"\\z",port="0",proto="0"} 1' <<<"$body" ||
		fail "label value not escaped: $body"
	grep -qxF "bpfkit_map_pcpu_value{key=\"4\"} $((10 * $(ncpus)))" <<<"$body" ||
		fail "per-CPU values not summed: $body"
	grep -qxF '# TYPE bpfkit_map_flows_packets untyped' <<<"$body" || fail "no TYPE line: $body"
	grep -q '^bpfkit_map_entries{map="counts",id="[0-9]*"} 4$' <<<"$body" ||
		fail "no entries gauge: $body"
}

test_export_bad_input() {
	load_kmaps
	bk map export pinned "$M/flows"
	expect_rc 2
	[[ $err == *"--listen"* ]] || fail "no --listen: $err"
	bk map export pinned "$M/flows" --listen nonsense
	expect_rc 2
	bk map export pinned "$M/rb" --listen 127.0.0.1:0 --duration 1
	expect_rc 1
	[[ $err == *"trace run"* ]] || fail "ring buffer export: $err"
}

test_watch_deltas_json_lines() {
	local pid
	load_kmaps
	bk map update pinned "$M/counts" key 2 value 100
	"$BPFKIT" -j map watch pinned "$M/counts" --interval 1 --count 2 --sort delta \
		>"$TMPD/w.out" 2>"$TMPD/w.err" &
	pid=$!
	sleep 0.4
	"$BPFKIT" map update pinned "$M/counts" key 2 value 150
	wait "$pid" || fail "watch failed: $(cat "$TMPD/w.err")"
	[ "$(wc -l <"$TMPD/w.out")" -eq 8 ] || fail "want 2 rounds x 4 keys: $(cat "$TMPD/w.out")"
	out=$(head -n 1 "$TMPD/w.out")
	json_ok
	jq_is '"\(.key) \(.value) \(.delta)"' "2 150 50"
	jq_is '.rate > 0' true
	out=$(sed -n 5p "$TMPD/w.out")
	jq_is '.delta' 0
	bk map watch pinned "$M/counts" --count 1 --interval 0.1 --top 1 --sort key
	expect_rc 0
	[ "$(printf '%s\n' "$out" | sed -n 3p | awk '{ print $1, $2 }')" = "0 0" ] || fail "watch text: $out"
	[[ $out == *"(3 more)"* ]] || fail "watch --top: $out"
	bk map watch pinned "$M/counts" --sort size
	expect_rc 2
}

test_pin_and_freeze() {
	load_kmaps
	bk map pin pinned "$M/counts" "$M/again"
	expect_rc 0
	[ "$(bpftool -j map show pinned "$M/again" | jq .name)" = '"counts"' ] || fail "pin is not the map"
	bk map pin pinned "$M/counts" "$M/again"
	expect_rc 1
	[[ $err == *"exists"* ]] || fail "existing pin: $err"
	bk map pin pinned "$M/counts" "$M/again" --force
	expect_rc 0
	bk map pin pinned "$M/counts" "$TMPD/pin"
	expect_rc 1
	[[ $err == *"bpffs"* ]] || fail "outside bpffs: $err"
	bk map pin pinned "$M/counts" "$M/a.b"
	expect_rc 1
	[[ $err == *"names with a '.'"* ]] || fail "dot in a pin name: $err"
	bk map pin pinned "$M/counts" "$M/../escape"
	expect_rc 1
	[[ $err == *".."* ]] || fail "'..': $err"
	bk map freeze pinned "$M/counts"
	expect_rc 0
	bk -j map show pinned "$M/counts"
	jq_is .frozen 1
	bk map update pinned "$M/counts" key 1 value 1
	expect_rc 1
	[[ $err == *"frozen"* ]] || fail "update of a frozen map: $err"
}

test_bad_input_messages() {
	load_kmaps
	bk map show id 4294967295
	expect_rc 1
	[[ $err == "bpfkit: map show: no map with id 4294967295"* ]] || fail "unknown id: $err"
	bk -j map dump id 4294967295
	expect_rc 1
	json_ok
	bk map show id 4294967296
	expect_rc 2
	[[ $err == *"not a map id"* ]] || fail "id past 32 bits: $err"
	bk map update pinned "$M/flows" key uidd=1 value packets=1
	expect_rc 2
	[[ $err == *"no field 'uidd' in struct flow_key (fields: uid, comm, port, proto)"* ]] ||
		fail "unknown field: $err"
	bk map update pinned "$M/flows" key uid=1 value packets=-1
	expect_rc 2
	[[ $err == *"value: packets: '-1' does not fit __u64"* ]] || fail "negative u64: $err"
	bk map update pinned "$M/flows" key uid=1 value state=ST_NOPE
	expect_rc 2
	[[ $err == *"state: 'ST_NOPE' does not fit enum conn_state"*"ST_IDLE, ST_OPEN, ST_CLOSED"* ]] ||
		fail "unknown enum: $err"
	bk map update pinned "$M/flows" key uid=1 comm=waytoolong value packets=1
	expect_rc 2
	[[ $err == *"comm: 'waytoolong' does not fit char[8]"* ]] || fail "long string: $err"
	bk map update pinned "$M/flows" key uid=1 value '{"packets": 1,'
	expect_rc 2
	[[ $err == *"not valid JSON"* ]] || fail "bad JSON: $err"
	bk map lookup pinned "$M/flows"
	expect_rc 2
	bk map show nosuch
	expect_rc 2
	bk map show pinned "$M/nothing"
	expect_rc 1
	[[ $err == *"no such pin"* ]] || fail "missing pin: $err"
}

test_no_privileges() {
	need_root
	command -v setpriv >/dev/null || skip "setpriv is not installed"
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$BPFKIT" map list >"$TMPD/o" 2>"$TMPD/e"
	rc=$?
	expect_rc 1
	grep -q "needs CAP_SYS_ADMIN (or root)" "$TMPD/e" || fail "no privileges: $(cat "$TMPD/e")"
}

test_dump_large_map_batched() {
	local n=20000
	make_plain
	H2=/sys/fs/bpf/bk-big-$$-$RANDOM
	trap 'rm -f "$H" "$H2"' EXIT
	bpftool map create "$H2" type hash key 4 value 8 entries $n name bk_big || fail "create"
	python3 - "$n" >"$TMPD/batch" <<-'EOF'
	import sys
	for i in range(int(sys.argv[1])):
	    k = i.to_bytes(4, "little"); v = (i * 3).to_bytes(8, "little")
	    print("map update pinned %s key hex %s value hex %s" % ("PIN",
	          " ".join("%02x" % b for b in k), " ".join("%02x" % b for b in v)))
	EOF
	sed -i "s|PIN|$H2|" "$TMPD/batch"
	bpftool batch file "$TMPD/batch" >/dev/null || fail "bpftool batch failed"
	bk -j map dump pinned "$H2"
	expect_rc 0
	jq_is 'length' "$n"
	jq_is '[.[] | .value[0]] | length' "$n"
	bk map dump pinned "$H2"
	[ "$(printf '%s\n' "$out" | tail -n 1)" = "Found $n elements" ] || fail "text count"
}
