# shellcheck shell=bash
# bpfkit feature and doctor on this kernel: bpftool's probe results, and the diagnosis this
# machine must get (no kprobes, fentry refused, everything a bundled tracer needs present).

test_feature_matches_bpftool() {
	need_root
	local ours theirs
	bk feature -j
	expect_rc 0
	json_ok
	jq_is 'keys | join(",")' "bpfkit,helpers,map_types,misc,program_types,syscall_config,system_config"
	ours=$out
	theirs=$(bpftool feature probe -j 2>/dev/null) || skip "bpftool feature probe failed"
	for sect in program_types map_types misc syscall_config; do
		# every key both know has the same answer
		d=$(jq -n --argjson a "$ours" --argjson b "$theirs" --arg s "$sect" '
			[$a[$s] | to_entries[] | select($b[$s][.key] != null and $b[$s][.key] != .value) | .key]')
		[ "$d" = "[]" ] || fail "$sect differs from bpftool's: $d"
	done
	# the helpers an XDP program may call, as bpftool finds them (where it knows them)
	d=$(jq -n --argjson a "$ours" --argjson b "$theirs" '
		($a.helpers.xdp_available_helpers) as $x | [$b.helpers.xdp_available_helpers[] | select(. as $h | $x | index($h) | not)]')
	[ "$d" = "[]" ] || fail "helpers bpftool finds for xdp and bpfkit does not: $d"
	for k in bpf_jit_enable unprivileged_bpf_disabled CONFIG_BPF_SYSCALL CONFIG_DEBUG_INFO_BTF; do
		[ "$(jq -n --argjson a "$ours" --arg k "$k" '$a.system_config[$k]')" = \
		  "$(jq -n --argjson b "$theirs" --arg k "$k" '$b.system_config[$k]')" ] || fail "system_config $k differs"
	done
}

test_doctor_on_this_machine() {
	need_root
	bk doctor -j
	expect_rc 0
	json_ok
	jq_is '.[] | select(.check == "kprobes") | .status' missing
	jq_is '.[] | select(.check == "kprobes") | .cause | contains("CONFIG_KPROBES is not set")' true
	jq_is '.[] | select(.check == "fentry") | .status' missing
	jq_is '.[] | select(.check == "fentry") | .cause | contains("EPERM")' true
	jq_is '[.[] | select(.needed and .status != "ok")] | length' 0
	# everything else is fine; LSM programs are refused here as fentry ones are
	jq_is '[.[] | select(.status != "ok") | .check] | sort | join(",")' "fentry,kprobes,lsm"
	bk doctor
	expect_rc 0
	[[ $out == *"MISSING  kprobes"*"cause: CONFIG_KPROBES is not set"*"fix:   use a tracepoint"* ]] || fail "text: $out"
}

test_doctor_without_privileges_fails() {
	need_root
	command -v setpriv >/dev/null || skip "setpriv not installed"
	local o
	o=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$BPFKIT" doctor 2>&1)
	rc=$?
	[ "$rc" -eq 1 ] || fail "exit $rc, want 1: $o"
	[[ $o == *"MISSING  CAP_BPF"*"(a bundled tracer needs it)"* ]] || fail "$o"
	[[ $o == *"checks a bundled tracer needs failed"* ]] || fail "$o"
}

test_feature_usage() {
	bk feature extra
	expect_rc 2
	bk doctor --nope
	expect_rc 2
	bk feature --help
	expect_rc 0
	[[ $out == "Usage: bpfkit feature [--json]"* ]] || fail "$out"
}
