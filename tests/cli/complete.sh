# shellcheck shell=bash disable=SC2154 # $out $err $rc: set by bk (tests/lib.sh)
# Completion that knows the values (issue 11): `bpfkit __complete` and the three shims offer
# option values from the parsers' tables, @bundled objects, package's verbs, ids and pins
# from the kernel, interfaces and object files. Each case drives the real shell functions:
# bash through COMP_WORDS/COMP_LINE, zsh with compadd and _files printing, fish with
# `complete -C`. The expected values come from bpfkit itself (--help, trace list) or from
# the system (bpftool, /sys/class/net), never from a list kept here.

COMPL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# ---- the three shells ---------------------------------------------------------------------

# bash_c WORD...: COMPREPLY for "bpfkit WORD...", the cursor at the end of the last word.
bash_c() {
	PATH=$(dirname "$BPFKIT"):$PATH bash --norc --noprofile -c '
		source "$0" || exit 1
		COMP_WORDS=(bpfkit "$@"); COMP_CWORD=$#
		COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
		_bpfkit bpfkit "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}" || exit 1
		printf "%s\n" "${COMPREPLY[@]}"' "$COMPL_ROOT/completions/bpfkit.bash" "$@"
}

# zsh_c WORD...: what _bpfkit hands to compadd, and "<files ARGS>" for a call of _files.
zsh_c() {
	PATH=$(dirname "$BPFKIT"):$PATH zsh -f -c '
		compdef() { :; }
		compadd() {	# the words only; -d ARRAY (descriptions) printed as "desc: ..."
			while [[ $1 == -* && $1 != -- ]]; do
				[[ $1 == -d ]] && { print -rl -- "desc: ${(@P)2}"; shift; }
				shift
			done
			[[ $1 == -- ]] && shift
			print -rl -- "$@"
		}
		_files() { print -r -- "<files $*>"; }
		source "$1"; shift
		words=(bpfkit "$@"); CURRENT=$#words
		_bpfkit' zsh "$COMPL_ROOT/completions/_bpfkit" "$@"
}

# fish_c WORD...: the candidates of `complete -C "bpfkit WORD..."`, descriptions cut.
fish_c() {
	local line="bpfkit $*"
	PATH=$(dirname "$BPFKIT"):$PATH fish --no-config -c \
		"source '$COMPL_ROOT/completions/bpfkit.fish'; complete -C '$line'" | cut -f1
}

# The shells present: bash always; zsh and fish are test dependencies (install-deps.sh).
shells() {
	echo bash
	command -v zsh >/dev/null && echo zsh
	command -v fish >/dev/null && echo fish
}

# expect_in SHELL "WANT..." WORD...: every word of WANT is a candidate of SHELL.
expect_in() {
	local sh=$1 want=$2 got w
	shift 2
	got=$("${sh}_c" "$@")
	for w in $want; do
		printf '%s\n' "$got" | grep -qxF -- "$w" ||
			fail "$sh: bpfkit $*<TAB> does not offer '$w': $(printf '%s\n' "$got" | head -n 30 | paste -sd ' ')"
	done
}

# expect_all "WANT..." WORD...: the same in every shell.
expect_all() {
	local sh
	for sh in $(shells); do expect_in "$sh" "$@"; done
}

# The lines of $1 on one line.
flat() { printf '%s\n' "$1" | paste -sd ' '; }

# The helper's own candidates (directives left out).
helper() { "$BPFKIT" __complete "$@" | grep -v '^:'; }

# ---- commands and verbs -------------------------------------------------------------------

test_help_offers_commands() {
	local cmds
	cmds=$("$BPFKIT" __complete '' | grep -vx help)
	[ -n "$cmds" ] || fail "no commands"
	expect_all "$cmds" help ''
	expect_all "list show" help prog ''
	helper help '' | grep -qx help && fail "help <TAB> offers 'help' again"
	return 0
}

test_package_verbs() {
	local v
	expect_all "verify show" package ''
	# they are real verbs: each has its own help
	for v in verify show; do
		bk help package "$v"
		expect_rc 0
		[[ $out == "Usage: bpfkit package $v"* ]] || fail "help package $v: ${out:0:80}"
	done
	# and an object file is still offered for 'package OBJ'
	"$BPFKIT" __complete package '' | grep -qx ':files .bpf.o' ||
		fail "package <TAB>: no object files: $("$BPFKIT" __complete package '' | paste -sd ' ')"
}

# ---- enumerated option values -------------------------------------------------------------

test_btf_list_kind_values() {
	local help_kinds got k obj
	# the kinds --help names ("struct, union, ... decl_tag or type_tag")
	help_kinds=$("$BPFKIT" btf list --help | sed -n '/^  --kind KIND/,/^  --[a-z]/p' | sed '$d' |
		sed 's/.*--kind KIND//; s/ or /, /' | tr ',' '\n' | tr -d ' ' | grep .)
	[ "$(printf '%s\n' "$help_kinds" | wc -l)" -ge 10 ] || fail "kinds in --help: $help_kinds"
	got=$(helper btf list --kind '')
	[ "$(printf '%s\n' "$got" | sort)" = "$(printf '%s\n' "$help_kinds" | sort)" ] ||
		fail "btf list --kind <TAB> offers '$(flat "$got")', --help names '$(flat "$help_kinds")'"
	expect_all "struct union enum func_proto" btf list --kind ''
	expect_all "struct" btf list --kind st
	# every value offered is accepted
	obj=$(find "$FIXTURES" -maxdepth 1 -name '*.bpf.o' | sort | head -n 1)
	for k in $got; do
		bk btf list "$obj" --kind "$k"
		[ "$rc" -eq 0 ] || fail "btf list --kind $k (offered) exits $rc: $err"
	done
}

test_btf_dump_format_values() {
	local f got obj
	got=$(helper btf dump --format '')
	[ "$(printf '%s\n' "$got" | sort | paste -sd ' ')" = "c json raw" ] ||
		fail "btf dump --format <TAB>: '$(flat "$got")', want c json raw"
	expect_all "raw json c" btf dump --format ''
	# what --help says, and what the parser takes
	for f in $got; do
		"$BPFKIT" btf dump --help | grep -- '--format FMT' | grep -qw "$f" ||
			fail "--format $f is offered but not in btf dump --help"
	done
	obj=$(find "$FIXTURES" -maxdepth 1 -name '*.bpf.o' | sort | head -n 1)
	for f in $got; do
		bk btf dump "$obj" --format "$f"
		expect_rc 0
	done
	# after the value, an object file again
	"$BPFKIT" __complete btf dump --format c '' | grep -qx ':files .bpf.o' ||
		fail "btf dump --format c <TAB>: no object files"
}

test_map_watch_sort_values() {
	local v
	expect_all "key value delta" map watch --sort ''
	expect_all "key value delta" map watch id 1 -s ''
	# the parser takes exactly these: a usage error for another word only
	for v in $(helper map watch --sort ''); do
		bk map watch id 4000000000 --sort "$v" --count 1
		[ "$rc" -ne 2 ] || fail "map watch --sort $v (offered) is a usage error: $err"
	done
	bk map watch id 4000000000 --sort nosuch --count 1
	expect_rc 2
}

test_load_type_values() {
	expect_all "xdp sched_cls tracepoint raw_tracepoint kprobe" load x.bpf.o --type ''
	helper load x.bpf.o --type '' | grep -qx unspec && fail "load --type offers 'unspec'"
	return 0
}

test_trace_syscalls_ignore_values() {
	expect_all "read execve setitimer timerfd_create openat2" trace syscalls --ignore ''
	"$BPFKIT" __complete trace syscalls --ignore '' | grep -qx ':nofiles' || fail "file names offered too"
	# the parser takes every name offered
	local names
	names=$(helper trace syscalls --ignore '' | paste -sd, -)
	bk trace syscalls --ignore "$names" --bogus
	[[ $err == *"unknown option '--bogus'"* ]] || fail "an offered name was refused: ${err:0:200}"
}

test_attach_target_kinds() {
	local k kinds
	# the kinds attach --help lists as TARGET
	kinds=$("$BPFKIT" attach --help | sed -n '/TARGET is one of/,/^Without TARGET/p' |
		grep -oE '^  [a-z_]+:' | tr -d ' ')
	[ -n "$kinds" ] || fail "no target kinds in attach --help"
	for k in $kinds; do
		helper attach x.bpf.o:prog '' | grep -qxF "$k" ||
			fail "attach OBJ:PROG <TAB> does not offer '$k' (in --help)"
	done
	expect_all "tracepoint: raw_tp: xdp: tc: cgroup:" attach id 7 ''
	# after the kind, the interfaces (bash shows what follows the ':')
	helper attach id 7 xdp: | grep -qx xdp:lo || fail "attach id 7 xdp:<TAB> has no xdp:lo"
	helper attach id 7 tc:lo | grep -qx tc:lo:ingress || fail "attach tc:lo<TAB> has no tc:lo:ingress"
	helper attach id 7 xdp:lo: | grep -qx xdp:lo:skb || fail "attach xdp:lo:<TAB> has no xdp:lo:skb"
	expect_in bash "lo" attach id 7 xdp:
	expect_in bash "lo:ingress lo:egress" attach id 7 tc:l
	command -v zsh >/dev/null && expect_in zsh "xdp:lo" attach id 7 xdp:
	command -v fish >/dev/null && expect_in fish "tc:lo:egress" attach id 7 tc:lo
	return 0
}

# ---- @bundled, interfaces, files ----------------------------------------------------------

test_bundled_objects() {
	local names n
	names=$("$BPFKIT" trace list --json | jq -r '.[].name')
	[ -n "$names" ] || fail "trace list names no tracer"
	for n in $names; do
		# a tracer with an object is offered, and what is offered opens
		if "$BPFKIT" inspect "@$n" >/dev/null 2>&1; then
			helper inspect @ | grep -qx "@$n" || fail "inspect @<TAB> does not offer @$n"
		else
			helper inspect @ | grep -qx "@$n" && fail "inspect @<TAB> offers @$n, which does not open"
		fi
	done
	expect_all "@openat" inspect @o
	expect_all "@xdp" load @
}

test_interfaces() {
	local i
	[ -d /sys/class/net/lo ] || skip "no lo"
	expect_all "lo" trace xdp ''
	for i in /sys/class/net/*; do
		helper trace xdp '' | grep -qx "${i##*/}" || fail "trace xdp <TAB> does not offer ${i##*/}"
	done
	# not files: an interface is expected
	mkdir -p "$TMPD/d" && : >"$TMPD/d/lonely.txt"
	(cd "$TMPD/d" && bash_c trace xdp l) | grep -q lonely && fail "trace xdp l<TAB> offers a file"
	return 0
}

test_object_files() {
	local got
	mkdir -p "$TMPD/d/sub"
	: >"$TMPD/d/a.bpf.o"; : >"$TMPD/d/b.bpf.c"; : >"$TMPD/d/c.txt"; : >"$TMPD/d/d.o"
	cd "$TMPD/d" || fail "no $TMPD/d"
	got=$(bash_c inspect '' | sort | paste -sd ' ')
	[ "$got" = "a.bpf.o sub" ] || fail "bash: inspect <TAB> gave '$got', want 'a.bpf.o sub'"
	got=$(bash_c build '' | sort | paste -sd ' ')
	[ "$got" = "b.bpf.c sub" ] || fail "bash: build <TAB> gave '$got', want 'b.bpf.c sub'"
	got=$(bash_c btf dump --file '' | sort | paste -sd ' ')
	[[ $got == *c.txt* ]] || fail "bash: btf dump --file <TAB> (any file) gave '$got'"
	if command -v zsh >/dev/null; then
		got=$(zsh_c inspect '')
		[ "$got" = "<files -g *.bpf.o>" ] || fail "zsh: inspect <TAB> gave '$got'"
		got=$(zsh_c build '')
		[ "$got" = "<files -g *.bpf.c>" ] || fail "zsh: build <TAB> gave '$got'"
	fi
	if command -v fish >/dev/null; then
		got=$(fish_c inspect '' | sort | paste -sd ' ')
		[ "$got" = "a.bpf.o sub/" ] || fail "fish: inspect <TAB> gave '$got', want 'a.bpf.o sub/'"
		got=$(fish_c build '' | sort | paste -sd ' ')
		[ "$got" = "b.bpf.c sub/" ] || fail "fish: build <TAB> gave '$got', want 'b.bpf.c sub/'"
	fi
}

# ---- live values from the kernel ----------------------------------------------------------

test_live_map_id_and_pin() {
	local pin=/sys/fs/bpf/bkcomp_test_$$ id
	need_root
	command -v bpftool >/dev/null || skip "no bpftool to create a map"
	mountpoint -q /sys/fs/bpf || skip "no bpffs at /sys/fs/bpf"
	# shellcheck disable=SC2064 # expanded now: pin is local, gone when the trap runs
	trap "rm -f '$pin'" EXIT
	bpftool map create "$pin" type array key 4 value 4 entries 1 name bkcomp 2>"$TMPD/err" ||
		fail "bpftool map create: $(cat "$TMPD/err")"
	id=$(bpftool -j map show pinned "$pin" | jq -r .id)
	[[ $id =~ ^[0-9]+$ ]] || fail "no id for $pin: $id"
	expect_all "$id" map show id ''
	expect_all "$id" map dump id ''
	expect_all "$pin" map show pinned ''
	# zsh and fish show the map's name and type beside the id
	if command -v fish >/dev/null; then
		PATH=$(dirname "$BPFKIT"):$PATH fish --no-config -c "source '$COMPL_ROOT/completions/bpfkit.fish'; complete -C 'bpfkit map show id '" |
			grep -qx "$id"$'\t'"bkcomp array" || fail "fish: map show id <TAB>: no '$id<tab>bkcomp array'"
	fi
	if command -v zsh >/dev/null; then
		zsh_c map show id '' | grep -q "^desc: .*$id  -- bkcomp array" ||
			fail "zsh: map show id <TAB>: no description '$id  -- bkcomp array': $(zsh_c map show id '' | paste -sd ' ')"
	fi
	expect_all "$pin" unpin ''
	expect_all "$pin" detach ''
	# the ids are map ids, not program ids: prog show id does not offer a map's id
	bpftool -j prog show | jq -e ".[] | select(.id == $id)" >/dev/null 2>&1 ||
		{ helper prog show id '' | grep -qx "$id" && fail "prog show id <TAB> offers map id $id"; }
	return 0
}

test_live_prog_ids() {
	local id pin=/sys/fs/bpf/bkcomp_prog_$$
	need_root
	# a program of our own, pinned for the test's length and removed on any exit
	trap "\"\$BPFKIT\" unload -q '$pin' 2>/dev/null" EXIT	# $pin now: a local is gone at EXIT
	"$BPFKIT" -j load @hello --pin "$pin" >load.json 2>load.err || fail "load: $(cat load.err)"
	id=$(jq -r '.programs[0].id' load.json)
	[ "$id" -gt 0 ] 2>/dev/null || fail "no program id: $(cat load.json)"
	expect_all "$id" prog show id ''
	expect_all "$id" attach id ''
	expect_all "$id" prog dump xlated id ''
}

# No privilege: no ids, no error, exit 0. Nonsense: no crash, no error.
test_never_an_error() {
	local args
	need_root
	for args in "prog show id ''" "map show id ''" "link show id ''" "map show pinned ''"; do
		eval "set -- $args"
		setpriv --reuid=65534 --regid=65534 --clear-groups "$BPFKIT" __complete "$@" \
			>"$TMPD/out" 2>"$TMPD/err"
		rc=$?
		[ "$rc" -eq 0 ] || fail "unprivileged __complete $args: exit $rc"
		[ ! -s "$TMPD/err" ] || fail "unprivileged __complete $args: stderr: $(cat "$TMPD/err")"
		grep -v '^:' "$TMPD/out" | grep -q '^[0-9]' &&
			fail "unprivileged __complete $args offers ids: $(paste -sd ' ' "$TMPD/out")"
	done
	for args in "" "''" "-- --" "attach id" "help nosuch ''" "x y z ''" "btf list --kind" \
		    "detach link" "prog dump xlated id 1 ''" "attach @ :" "package verify ''"; do
		eval "set -- $args"
		bk __complete "$@"
		expect_rc 0
		[ -z "$err" ] || fail "__complete $args: stderr: $err"
	done
}

# The shim also works when only COMP_WORDS is set (no COMP_LINE), as some callers do.
test_bash_comp_words_only() {
	local got
	got=$(PATH=$(dirname "$BPFKIT"):$PATH bash --norc --noprofile -c '
		source "$0"; COMP_WORDS=(bpfkit btf list --kind ""); COMP_CWORD=4
		_bpfkit; printf "%s\n" "${COMPREPLY[@]}"' "$COMPL_ROOT/completions/bpfkit.bash")
	printf '%s\n' "$got" | grep -qx struct || fail "COMP_WORDS only: no struct in '$(flat "$got")'"
}

# Where a program, map or link is selected: bpftool's keywords, not file names.
test_selector_keywords() {
	mkdir -p "$TMPD/d" && : >"$TMPD/d/file.txt" || fail "cannot write $TMPD/d"
	cd "$TMPD/d" || fail "no $TMPD/d"
	expect_all "id pinned name" prog show ''
	expect_all "xlated jited" prog dump ''
	expect_all "id pinned name" prog dump xlated ''
	expect_all "id pinned name" map dump ''
	expect_all "id pinned" link show ''
	: >a.bpf.o
	expect_all "id pinned" attach ''
	bash_c attach '' | grep -qx a.bpf.o || fail "attach <TAB> does not offer a.bpf.o"
	expect_all "link pinned xdp: tc:" detach ''
	bash_c prog show '' | grep -q file.txt && fail "prog show <TAB> offers files"
	return 0
}
