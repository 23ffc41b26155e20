# shellcheck shell=bash disable=SC2154 # $out $err $rc: set by bk (tests/lib.sh)
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# `bpfkit btf show NAME` against `pahole -C NAME` (Debian dwarves) on the same BTF: the text
# must be identical, byte for byte. Columns, nested anonymous types,
# bitfields, holes, cacheline markers and the summary all come out as pahole writes them;
# the one exception is pahole's reversed array dimensions (test_compiled_shapes).
# pahole's stderr is dropped (it complains about BTF kinds it does not know, e.g. decl tags).

VMLINUX=/sys/kernel/btf/vmlinux

# bpfkit follows pahole 1.24 (Debian bookworm); other releases print some things differently
# (1.25+ honours the sign of BTF enums, for one), so only 1.24 is an oracle here.
need_pahole() {
	command -v pahole >/dev/null || skip "no pahole (apt-get install dwarves)"
	case $(pahole --version) in
	v1.24) ;;
	*) skip "pahole $(pahole --version): the layout rules followed are those of v1.24" ;;
	esac
}
need_vmlinux() { [ -r "$VMLINUX" ] || skip "no $VMLINUX (CONFIG_DEBUG_INFO_BTF)"; }

# same_as_pahole NAME [OBJ]: bpfkit's layout of NAME equals pahole's (kernel when no OBJ).
# $PAHOLE_FIX, when set, is a sed script applied to pahole's text first.
same_as_pahole() {
	local name=$1 obj=${2:-} want
	if [ -n "$obj" ]; then
		want=$(pahole -F btf -C "$name" "$obj" 2>/dev/null | sed -e "${PAHOLE_FIX:-}")
		bk btf show "$name" "$obj"
	else
		want=$(pahole -C "$name" 2>/dev/null)
		bk btf show "$name" --kernel
	fi
	expect_rc 0
	[ -n "$want" ] || fail "pahole printed nothing for $name ${obj:-(kernel)}"
	[ "$out" = "$want" ] ||
		fail "$name ${obj:-(kernel)} differs from pahole:
$(diff <(printf '%s\n' "$want") <(printf '%s\n' "$out") | head -20)"
}

# nested anonymous unions and structs, a named anonymous struct, bitfields, a bit hole
test_kernel_sk_buff() {
	need_pahole; need_vmlinux
	same_as_pahole sk_buff
}

# 3 KiB: holes, "was N bytes ago" markers, __aligned__ inferred from offsets, paddings
test_kernel_task_struct() {
	need_pahole; need_vmlinux
	same_as_pahole task_struct
}

# a union at the top: no summary, 21-column names
test_kernel_bpf_attr() {
	need_pahole; need_vmlinux
	same_as_pahole bpf_attr
}

# bitfields of several units, "Force alignment to the next boundary", forced alignments
test_kernel_bitfields() {
	need_pahole; need_vmlinux
	same_as_pahole tcp_sock
	same_as_pahole sock_common
}

# anonymous enums and arrays of anonymous structs expanded in place, flexible arrays,
# pointers to forward declarations
test_kernel_more_shapes() {
	need_pahole; need_vmlinux
	local n
	for n in H323_UserInformation bpf_cand_cache nvp_uvm_bases hid_debug_list \
		fsl_mc_resource inode file page; do
		same_as_pahole "$n"
	done
}

# every named struct and union of every fixture object, read from its .BTF
test_fixture_types() {
	need_pahole
	local f n count=0
	for f in "$FIXTURES"/*.bpf.o; do
		bk -j btf list "$f"
		expect_rc 0
		for n in $(printf '%s' "$out" |
			   jq -r '.[] | select(.kind == "STRUCT" or .kind == "UNION") |
				  select(.name != "(anon)") | .name'); do
			same_as_pahole "$n" "$f"
			count=$((count + 1))
		done
	done
	[ "$count" -gt 10 ] || fail "only $count fixture types compared"
}

# a layout written for the purpose: holes at the start of nested types, bit padding, a packed
# struct, an anonymous enum, a two-dimensional and a flexible array
test_compiled_shapes() {
	need_pahole
	cat >"$TMPD/shapes.c" <<'EOF'
struct inner { long l; char c; };
struct shapes {
	char a;
	union {
		struct { short s; int i:3, j:7; };
		struct { char x; long y; } named;
	};
	enum { RED, GREEN = 5 } color;
	unsigned int bits:4;
	struct inner in;
	void (*cb)(int, const char *);
	const char *const *names;
	short matrix[2][3];
	char tail[];
};
struct packed { char a; int b; } __attribute__((packed));
struct shapes shapes_var;
struct packed packed_var;
EOF
	clang -g -O2 -target bpf -c "$TMPD/shapes.c" -o "$TMPD/shapes.o" ||
		skip "clang -target bpf failed"
	# The one normalization: pahole 1.24 reads a multi-dimensional array from BTF with its
	# dimensions reversed (from DWARF it prints them right); bpfkit writes the C declaration.
	PAHOLE_FIX='s/matrix\[3\]\[2\]/matrix[2][3]/' same_as_pahole shapes "$TMPD/shapes.o"
	same_as_pahole packed "$TMPD/shapes.o"
}
