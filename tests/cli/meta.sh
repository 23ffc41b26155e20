# shellcheck shell=bash disable=SC2154 # $out $err $rc: set by bk (tests/lib.sh)
# Consistency tests over the command table (git t0012/t0450, the kernel's
# test_bpftool_synctypes.py): every command and verb has --help, `help CMD` prints the same,
# the man page documents every command, verb and option, the completion shims work, and
# error reporting follows the conventions. Nothing here lists a command: every loop walks
# the table through `bpfkit __complete`, so a new command is checked the moment it exists.

META_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MANPAGE=$META_ROOT/doc/bpfkit.8
# Options every command accepts (cli/common.c); documented once, under GLOBAL OPTIONS.
GLOBAL_LONGOPTS=" --json --pretty --debug --quiet --no-color --help --version "

# ---- helpers --------------------------------------------------------------------------

# The commands as completion offers them (the table, hidden ones left out, plus "help").
meta_commands() { "$BPFKIT" __complete ''; }
# The table's commands proper: without the "help" pseudo-command.
meta_table() { meta_commands | grep -vx help; }
# The verbs of CMD the table dispatches (nothing for a command without verbs); what
# completion offers after CMD may hold more (ids, files, package's own verbs).
meta_verbs() { "$BPFKIT" __complete --verbs "$1"; }
# "CMD" and "CMD VERB" for every command and verb, one per line.
meta_all() {
	local c v
	for c in $(meta_table); do
		echo "$c"
		for v in $(meta_verbs "$c"); do echo "$c $v"; done
	done
}

# run FILE ARGS...: bpfkit's stdout into FILE.out and stderr into FILE.err, exit code in $rc.
run() {
	local f=$1
	shift
	"$BPFKIT" "$@" >"$f.out" 2>"$f.err"
	rc=$?
	[ "$rc" -lt 128 ] || fail "bpfkit $* died with status $rc: $(head -c 300 "$f.err")"
}

# The lines of $1 on one line.
oneline() { printf '%s\n' "$1" | paste -sd ' '; }

# Fail with every line of the list given, or pass when it is empty.
report() {
	[ -z "$1" ] || fail "$(printf '%s\n' "$1" | sed '2,$s/^/    /')"
}

# The prefixes of NAME (shortest first) shared by no other word of the list on stdin.
unique_prefixes() {
	local name=$1 others i p
	others=$(grep -vx -- "$name")
	for ((i = 1; i < ${#name}; i++)); do
		p=${name:0:i}
		printf '%s\n' "$others" | grep -q -- "^$p" || echo "$p"
	done
}

# A prefix shared by two or more words on stdin that is not itself a word; "" if none.
ambiguous_prefix() {
	local words w i p
	words=$(cat)
	for w in $words; do
		for ((i = 1; i < ${#w}; i++)); do
			p=${w:0:i}
			printf '%s\n' "$words" | grep -qx -- "$p" && continue
			if [ "$(printf '%s\n' "$words" | grep -c -- "^$p")" -ge 2 ]; then
				echo "$p"
				return
			fi
		done
	done
}

# The man page as plain text lines: font escapes and roff quoting removed. Macros stay.
man_source() {
	sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\&//g' -e 's/\\(dq/"/g' "$MANPAGE"
}

# The .SS section of the man page for command CMD, up to the next .SS or .SH.
man_section() {
	man_source | awk -v cmd="$1" '
		/^\.S[SH] / { t = $0; sub(/^\.S[SH] +/, "", t); gsub(/"/, "", t)
			      on = ($1 == ".SS" && t == cmd); next }
		on'
}

# Every .SY ... .YS block of the man page as one line of plain text.
man_synopses() {
	perl -ne '
		sub args { my ($s, @a) = (shift); push @a, defined $1 ? $1 : $2 while $s =~ /"((?:[^"]|"")*)"|(\S+)/g; @a }
		sub plain { my $s = shift; $s =~ s/\\f[BIRP]//g; $s =~ s/\\-/-/g; $s =~ s/\\&//g;
			    $s =~ s/\\\(dq/"/g; $s }
		chomp;
		if (/^\.SY\s+(.*)/) { @w = (join " ", args($1)); $in = 1; next }
		next unless $in;
		if (/^\.YS/) { $_ = plain(join " ", @w); s/\s+/ /g; s/^ | $//g; print "$_\n"; $in = 0; next }
		if (/^\.(BR|RB|IR|RI|BI|IB)\s+(.*)/) { push @w, join "", args($2) }
		elsif (/^\.[BI]\s+(.*)/) { push @w, join " ", args($1) }
		elsif (!/^\./) { push @w, $_ }
	' "$MANPAGE"
}

# The synopses of a usage text on stdin ("Usage: bpfkit ..." up to the first blank line),
# one per line, whitespace squeezed, <placeholders> written as the man page does (italic).
usage_synopses() {
	awk '/^Usage:/ { on = 1; sub(/^Usage: */, "") } on && /^[ \t]*$/ { exit }
	     on { if ($1 == "bpfkit" && n++) printf "\n"; printf "%s ", $0 } END { printf "\n" }' |
		sed -e 's/[<>]//g' -e 's/[[:space:]]\+/ /g' -e 's/^ //' -e 's/ $//' | grep -v '^$'
}

# Long options named by `bpfkit __complete WORDS... --`, the global ones left out.
own_longopts() {
	local o
	for o in $("$BPFKIT" __complete "$@" --); do
		[[ $GLOBAL_LONGOPTS == *" $o "* ]] || echo "$o"
	done | sort -u
}

# ---- the table ------------------------------------------------------------------------

test_table_not_empty() {
	local cmds
	cmds=$(meta_commands)
	[ -n "$cmds" ] || fail "bpfkit __complete '' printed no command"
	printf '%s\n' "$cmds" | grep -qx version || fail "no 'version' command in: $cmds"
	printf '%s\n' "$cmds" | grep -qx help || fail "'help' is not offered: $cmds"
	# hidden commands stay hidden
	printf '%s\n' "$cmds" | grep -q '^__' && fail "a hidden command is offered: $cmds"
	return 0
}

test_every_command_and_verb_has_help() {
	local bad="" c v
	for c in $(meta_commands); do
		run "$TMPD/h" "$c" --help
		if [ "$rc" -ne 0 ]; then
			bad+="bpfkit $c --help: exit $rc: $(head -n 1 "$TMPD/h.err")"$'\n'
		elif [ "$(head -c 13 "$TMPD/h.out")" != "Usage: bpfkit" ]; then
			bad+="bpfkit $c --help: stdout does not start with 'Usage: bpfkit': $(head -n 1 "$TMPD/h.out")"$'\n'
		fi
		for v in $(meta_verbs "$c"); do
			run "$TMPD/h" "$c" "$v" --help
			if [ "$rc" -ne 0 ]; then
				bad+="bpfkit $c $v --help: exit $rc: $(head -n 1 "$TMPD/h.err")"$'\n'
			elif [ "$(head -c 13 "$TMPD/h.out")" != "Usage: bpfkit" ]; then
				bad+="bpfkit $c $v --help: stdout does not start with 'Usage: bpfkit': $(head -n 1 "$TMPD/h.out")"$'\n'
			fi
		done
	done
	report "$bad"
}

test_short_h_same_as_long_help() {
	local bad="" line
	while IFS= read -r line; do
		# shellcheck disable=SC2086 # "CMD VERB" splits into words
		run "$TMPD/a" $line --help
		# shellcheck disable=SC2086
		run "$TMPD/b" $line -h
		cmp -s "$TMPD/a.out" "$TMPD/b.out" || bad+="bpfkit $line -h differs from --help"$'\n'
	done < <(meta_all)
	report "$bad"
}

test_help_cmd_same_as_cmd_dash_help() {
	local bad="" first="" line
	while IFS= read -r line; do
		# shellcheck disable=SC2086
		run "$TMPD/a" help $line
		# shellcheck disable=SC2086
		run "$TMPD/b" $line --help
		cmp -s "$TMPD/a.out" "$TMPD/b.out" && continue
		# the first difference in full, then one line per offender (the runner shows the tail)
		[ -n "$first" ] ||
			first=$(diff -u --label "bpfkit help $line" --label "bpfkit $line --help" \
				"$TMPD/a.out" "$TMPD/b.out" | head -n 10)$'\n'
		bad+="'bpfkit help $line' differs from 'bpfkit $line --help'"$'\n'
	done < <(meta_all)
	[ -z "$bad" ] || report "$first$bad"
}

test_help_lists_every_command() {
	local bad="" c
	run "$TMPD/h" help
	[ "$rc" -eq 0 ] || fail "bpfkit help: exit $rc"
	run "$TMPD/m" --help
	cmp -s "$TMPD/h.out" "$TMPD/m.out" || fail "'bpfkit help' differs from 'bpfkit --help'"
	for c in $(meta_commands); do
		grep -q "^  $c " "$TMPD/h.out" || bad+="'bpfkit help' does not list '$c'"$'\n'
	done
	report "$bad"
}

# ---- dispatch -------------------------------------------------------------------------

test_no_command_is_usage_error() {
	bk
	expect_rc 2
	[ -z "$out" ] || fail "stdout not empty: ${out:0:100}"
	[[ $err == "Usage: bpfkit"* ]] || fail "stderr does not start with the usage: ${err:0:100}"
}

test_unknown_command_did_you_mean() {
	local cmd near
	cmd=$(meta_table | grep -x inspect || meta_table | awk 'length($0) >= 4' | head -n 1)
	[ -n "$cmd" ] || skip "no command of 4 letters or more to misspell"
	# drop the third letter from the end: inspect -> inspct
	near=${cmd:0:${#cmd}-3}${cmd:${#cmd}-2}
	bk "$near"
	expect_rc 2
	[ -z "$out" ] || fail "stdout not empty: $out"
	[ "$err" = "bpfkit: unknown command '$near'; did you mean '$cmd'?" ] ||
		fail "bpfkit $near: stderr is '$err'"
}

test_unknown_command_far_off() {
	bk zzzqqqxxx
	expect_rc 2
	[ -z "$out" ] || fail "stdout not empty: $out"
	[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "stderr is not one line: $err"
	[[ $err == "bpfkit: unknown command 'zzzqqqxxx'"* ]] || fail "stderr: $err"
	[[ $err != *"did you mean"* ]] || fail "suggests something for a far-off name: $err"
}

test_ambiguous_command_prefix() {
	local p
	p=$(meta_table | ambiguous_prefix)
	[ -n "$p" ] || skip "no two commands share a prefix: $(meta_table | tr '\n' ' ')"
	bk "$p"
	expect_rc 2
	[ -z "$out" ] || fail "bpfkit $p: stdout not empty: ${out:0:100}"
	[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "bpfkit $p: stderr is not one line: $err"
	[[ $err == *ambiguous* ]] || fail "bpfkit $p: stderr does not say ambiguous: $err"
	for c in $(meta_table | grep -- "^$p"); do
		[[ $err == *"$c"* ]] || fail "bpfkit $p: candidate '$c' not listed: $err"
	done
}

test_ambiguous_verb_prefix() {
	local c p="" v
	for c in $(meta_table); do
		p=$(meta_verbs "$c" | ambiguous_prefix)
		[ -n "$p" ] && break
	done
	[ -n "$p" ] || skip "no two verbs of a command share a prefix"
	bk "$c" "$p" --help
	expect_rc 2
	[ -z "$out" ] || fail "bpfkit $c $p: stdout not empty: ${out:0:100}"
	[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "bpfkit $c $p: stderr is not one line: $err"
	[[ $err == *ambiguous* ]] || fail "bpfkit $c $p: stderr does not say ambiguous: $err"
	for v in $(meta_verbs "$c" | grep -- "^$p"); do
		[[ $err == *"$v"* ]] || fail "bpfkit $c $p: candidate '$v' not listed: $err"
	done
}

# A unique prefix runs the command: `bpfkit PREFIX --help` is `bpfkit NAME --help`.
test_unique_prefix_works() {
	local bad="" c v p n=0
	for c in $(meta_table); do
		p=$(meta_table | unique_prefixes "$c" | head -n 1)
		[ -n "$p" ] || continue
		n=$((n + 1))
		run "$TMPD/a" "$p" --help
		run "$TMPD/b" "$c" --help
		[ "$rc" -eq 0 ] && cmp -s "$TMPD/a.out" "$TMPD/b.out" ||
			bad+="bpfkit $p --help is not bpfkit $c --help (exit $rc): $(head -n 1 "$TMPD/a.err")"$'\n'
		for v in $(meta_verbs "$c"); do
			p=$(meta_verbs "$c" | unique_prefixes "$v" | head -n 1)
			[ -n "$p" ] || continue
			run "$TMPD/a" "$c" "$p" --help
			run "$TMPD/b" "$c" "$v" --help
			[ "$rc" -eq 0 ] && cmp -s "$TMPD/a.out" "$TMPD/b.out" ||
				bad+="bpfkit $c $p --help is not bpfkit $c $v --help: $(head -n 1 "$TMPD/a.err")"$'\n'
		done
	done
	[ "$n" -gt 0 ] || skip "no command has a unique proper prefix"
	report "$bad"
}

# ---- options ---------------------------------------------------------------------------

test_unknown_option_is_one_line_usage_error() {
	local bad="" line
	while IFS= read -r line; do
		# shellcheck disable=SC2086
		run "$TMPD/u" $line --no-such-option
		local nerr
		nerr=$(wc -l <"$TMPD/u.err")
		if [ "$rc" -ne 2 ]; then
			bad+="bpfkit $line --no-such-option: exit $rc, want 2"$'\n'
		elif [ -s "$TMPD/u.out" ]; then
			bad+="bpfkit $line --no-such-option: stdout not empty: $(head -c 100 "$TMPD/u.out")"$'\n'
		elif [ "$nerr" -ne 1 ]; then
			bad+="bpfkit $line --no-such-option: $nerr lines on stderr, want 1: $(head -c 200 "$TMPD/u.err")"$'\n'
		fi
	done < <(echo; meta_commands | grep -x help; meta_all)
	report "$bad"
}

test_version_text() {
	local want
	bk --version
	expect_rc 0
	for k in bpfkit libbpf kernel; do
		printf '%s\n' "$out" | grep -q "^$k: *[^ ]" || fail "bpfkit --version has no '$k:' line: $out"
	done
	bk version
	expect_rc 0
	want=$out
	bk --version
	[ "$out" = "$want" ] || fail "bpfkit --version differs from bpfkit version"
}

test_version_json() {
	local want
	want=$(cat "$META_ROOT/VERSION" 2>/dev/null)
	bk version --json
	expect_rc 0
	json_ok
	for k in version libbpf kernel; do
		printf '%s' "$out" | jq -e --arg k "$k" '.[$k] | type == "string" and length > 0' >/dev/null ||
			fail "bpfkit version --json: no string '$k': $out"
	done
	[ -z "$want" ] || jq_is .version "$want"
	bk -j --version
	expect_rc 0
	json_ok
	jq_is 'has("version") and has("libbpf") and has("kernel")' true
}

# -j/--json/-p before or after the command give the same document.
test_json_option_anywhere() {
	local ref a obj
	bk version --json
	ref=$out
	for a in "-j version" "--json version" "version -j" "version --json"; do
		# shellcheck disable=SC2086
		bk $a
		expect_rc 0
		[ "$out" = "$ref" ] || fail "bpfkit $a differs from bpfkit version --json: $out"
	done
	bk -p version
	ref=$out
	bk version -p
	[ "$out" = "$ref" ] || fail "bpfkit version -p differs from bpfkit -p version"
	printf '%s' "$out" | jq -e . >/dev/null || fail "bpfkit -p version is not JSON"
	# an object-file command too, on a bundled object
	meta_table | grep -qx inspect || return 0
	bk version --json
	obj=$(printf '%s' "$out" | jq -r '.bundled[0] // empty')
	[ -n "$obj" ] || return 0
	bk -j inspect "@$obj"
	expect_rc 0
	json_ok
	ref=$out
	bk inspect "@$obj" -j
	[ "$out" = "$ref" ] || fail "bpfkit inspect @$obj -j differs from bpfkit -j inspect @$obj"
}

# ---- errors ----------------------------------------------------------------------------

test_json_error_is_one_document() {
	meta_table | grep -qx inspect || skip "no inspect command"
	bk -j inspect /nonexistent
	expect_rc 1
	json_ok
	[ "$(printf '%s' "$out" | jq -s length)" = 1 ] || fail "more than one JSON document: $out"
	jq_is 'keys == ["error"] and (.error | type == "string" and length > 0)' true
	[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "stderr is not one line: $err"
	[[ $err == "bpfkit: inspect: "* ]] || fail "stderr: $err"
}

test_write_error_is_an_error() {
	local bad="" a
	[ -w /dev/full ] || skip "no /dev/full"
	"$BPFKIT" version >/dev/full 2>"$TMPD/err"
	rc=$?
	[ "$rc" -eq 1 ] || fail "bpfkit version > /dev/full: exit $rc, want 1"
	grep -q 'write error' "$TMPD/err" || fail "bpfkit version > /dev/full: stderr: $(cat "$TMPD/err")"
	# every way of printing help, too
	while IFS= read -r a; do
		# shellcheck disable=SC2086
		"$BPFKIT" $a >/dev/full 2>"$TMPD/err"
		rc=$?
		[ "$rc" -eq 1 ] && grep -q 'write error' "$TMPD/err" ||
			bad+="bpfkit $a > /dev/full: exit $rc, want 1 with 'write error': $(head -n 1 "$TMPD/err")"$'\n'
	done < <(echo "-j version"; echo "--help"; echo "help"; echo "--version"
		 meta_all | sed 's/$/ --help/')
	report "$bad"
}

# Messages never end in '\n' (the reporters add it): scan every reporter call's format.
# Prints FILE:LINE: CALL: "..." for each offender.
newline_formats() {
	perl -e '
		my $lit = qr/"(?:[^"\\\n]|\\.)*"/;
		for my $f (@ARGV) {
			open my $fh, "<", $f or next;
			local $/; my $src = <$fh>; close $fh;
			# blank out comments, keeping the line count
			$src =~ s{/\*.*?\*/}{ (my $c = $&) =~ s/[^\n]/ /g; $c }gse;
			$src =~ s{//[^\n]*}{ " " x length($&) }ge;
			while ($src =~ /\b(cli_error|cli_usage_error|cli_warn|cli_info|errmsg_set)\s*\(/g) {
				my ($name, $at) = ($1, pos($src));
				my $line = 1 + (substr($src, 0, $at) =~ tr/\n//);
				# the argument list, up to the matching parenthesis
				my ($depth, $i) = (1, $at);
				while ($i < length($src) && $depth) {
					my $ch = substr($src, $i, 1);
					if ($ch eq q(")) { substr($src, $i) =~ /^$lit/ and $i += length($&) - 1 }
					elsif ($ch eq "(") { $depth++ } elsif ($ch eq ")") { $depth-- }
					$i++;
				}
				my $args = substr($src, $at, $i - $at);
				# the format: the first run of adjacent literals (and macros)
				$args =~ /((?:$lit)(?:\s*(?:$lit|[A-Z_][A-Z0-9_]*))*)/ or next;
				my @parts = $1 =~ /($lit)/g;
				print "$f:$line: $name: $parts[-1]\n" if $parts[-1] =~ /\\n"$/;
			}
		}' "$@"
}

test_no_newline_at_end_of_messages() {
	local files bad
	# the checker itself must catch one, or it checks nothing
	printf 'int f(void)\n{\n\treturn cli_error(ctx,\n\t\t"bad "\n\t\t"%%s\\n", x);\n}\n' >"$TMPD/bad.c"
	[ "$(newline_formats "$TMPD/bad.c")" = "$TMPD/bad.c:3: cli_error: \"%s\\n\"" ] ||
		fail "the checker misses a known offender: $(newline_formats "$TMPD/bad.c")"
	cd "$META_ROOT" || fail "no $META_ROOT"
	files=$(ls cli/*.[ch] inspect/*.[ch] kern/*.[ch] gen/*.[ch] bpf/*.c include/*.h 2>/dev/null)
	[ -n "$files" ] || fail "no sources found under $META_ROOT"
	# shellcheck disable=SC2086
	bad=$(newline_formats $files)
	[ -z "$bad" ] || fail "message formats end in \\n (the reporter adds it):"$'\n'"$bad"
}

# ---- the man page -----------------------------------------------------------------------

test_man_page_has_sections() {
	local s bad=""
	[ -f "$MANPAGE" ] || fail "no $MANPAGE"
	for s in NAME SYNOPSIS DESCRIPTION COMMANDS "GLOBAL OPTIONS" "EXIT STATUS" ENVIRONMENT \
		 FILES EXAMPLES "SEE ALSO"; do
		grep -Eq "^\.SH \"?$s\"?\$" "$MANPAGE" || bad+="doc/bpfkit.8: no .SH $s"$'\n'
	done
	for s in NO_COLOR BPFKIT_CACHE_DIR CLANG /sys/fs/bpf /sys/kernel/btf/vmlinux; do
		man_source | grep -q -- "$s" || bad+="doc/bpfkit.8 does not mention $s"$'\n'
	done
	report "$bad"
}

# Every command in the table has a ".SS CMD" section under COMMANDS, every verb a
# "bpfkit CMD VERB" entry in it: whoever adds a command documents it.
test_man_page_covers_every_command() {
	local bad="" c v sec
	[ -f "$MANPAGE" ] || fail "no $MANPAGE"
	for c in $(meta_commands); do
		sec=$(man_section "$c")
		if [ -z "$sec" ]; then
			bad+="command '$c' is in the table but doc/bpfkit.8 has no '.SS $c' section under COMMANDS: add one from 'bpfkit help $c'"$'\n'
			continue
		fi
		for v in $(meta_verbs "$c"); do
			printf '%s\n' "$sec" | grep -q "bpfkit $c $v\\b" ||
				bad+="verb '$c $v' is in the table but doc/bpfkit.8 section '$c' has no 'bpfkit $c $v' entry: add one from 'bpfkit help $c $v'"$'\n'
		done
	done
	report "$bad"
}

# Every long option of a command or verb is described in that command's man section.
test_man_page_covers_every_option() {
	local bad="" line c o sec
	while IFS= read -r line; do
		c=${line%% *}
		sec=$(man_section "$c")
		[ -n "$sec" ] || continue	# reported by test_man_page_covers_every_command
		# shellcheck disable=SC2086
		for o in $(own_longopts $line); do
			printf '%s\n' "$sec" | grep -Eq -- "(^|[^a-z0-9-])$o([^a-z0-9-]|\$)" ||
				bad+="option '$o' of 'bpfkit $line' is not in doc/bpfkit.8 section '$c'"$'\n'
		done
	done < <(meta_all)
	report "$bad"
}

# The man page SYNOPSIS of each command and verb is its --help synopsis (git t0450).
test_man_synopsis_matches_help() {
	local bad="" line syn man
	man=$(man_synopses)
	while IFS= read -r line; do
		# shellcheck disable=SC2086
		run "$TMPD/h" $line --help
		while IFS= read -r syn; do
			printf '%s\n' "$man" | grep -qxF -- "$syn" && continue
			bad+="bpfkit $line: the --help synopsis is not in doc/bpfkit.8:"$'\n'
			bad+="  help: $syn"$'\n'
			bad+="  man:  $(printf '%s\n' "$man" | grep -F "bpfkit $line " | head -n 1)"$'\n'
		done < <(usage_synopses <"$TMPD/h.out")
	done < <(meta_all)
	report "$bad"
}

test_man_page_renders_without_warnings() {
	local cmd
	[ -f "$MANPAGE" ] || fail "no $MANPAGE"
	if command -v man >/dev/null && man --help 2>&1 | grep -q -- --warnings &&
	   { command -v groff >/dev/null || command -v nroff >/dev/null; }; then
		cmd=(man --warnings -l "$MANPAGE")
	elif command -v groff >/dev/null; then
		cmd=(groff -man -ww -z "$MANPAGE")
	elif command -v mandoc >/dev/null; then
		cmd=(mandoc -T lint -W warning "$MANPAGE")
	else
		skip "neither man-db with groff, groff nor mandoc is installed"
	fi
	MANWIDTH=80 "${cmd[@]}" >"$TMPD/man.out" 2>"$TMPD/man.err"
	rc=$?
	[ "$rc" -eq 0 ] || fail "${cmd[*]}: exit $rc: $(head -n 5 "$TMPD/man.err")"
	[ ! -s "$TMPD/man.err" ] || fail "${cmd[*]} warns: $(head -n 10 "$TMPD/man.err")"
}

# ---- completion -------------------------------------------------------------------------

# complete WORD...: run the bash completion function on the command line "bpfkit WORD...",
# the cursor at the end of the last word; prints COMPREPLY, one per line.
bash_complete() {
	PATH=$(dirname "$BPFKIT"):$PATH bash --norc --noprofile -c '
		source "$0" || exit 1
		COMP_WORDS=(bpfkit "$@")
		COMP_CWORD=$#
		COMP_LINE="${COMP_WORDS[*]}"
		COMP_POINT=${#COMP_LINE}
		_bpfkit bpfkit "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}" || exit 1
		printf "%s\n" "${COMPREPLY[@]}"' "$META_ROOT/completions/bpfkit.bash" "$@"
}

test_bash_completion() {
	local got
	[ -f "$META_ROOT/completions/bpfkit.bash" ] || fail "no completions/bpfkit.bash"
	meta_table | grep -qx inspect || skip "no inspect command"
	got=$(bash_complete ins)
	[ "$got" = inspect ] || fail "bpfkit ins<TAB> gave '$got', want 'inspect'"
	got=$(bash_complete inspect --di)
	[ "$got" = --disasm ] || fail "bpfkit inspect --di<TAB> gave '$got', want '--disasm'"
	got=$(bash_complete -j inspect --di)
	[ "$got" = --disasm ] || fail "bpfkit -j inspect --di<TAB> gave '$got', want '--disasm'"
	if meta_table | grep -qx trace; then
		got=$(bash_complete trace '')
		printf '%s\n' "$got" | grep -qx openat || fail "bpfkit trace <TAB> gave '$got', no 'openat'"
	fi
	# an object-file operand: file names
	mkdir -p "$TMPD/d" && : >"$TMPD/d/prog.bpf.o"
	got=$(cd "$TMPD/d" && bash_complete inspect pro)
	[ "$got" = prog.bpf.o ] || fail "bpfkit inspect pro<TAB> gave '$got', want 'prog.bpf.o'"
}

# The bash completion offers exactly the table: every command, every verb.
test_bash_completion_is_the_table() {
	local got want c
	want=$(meta_commands | sort)
	got=$(bash_complete '' | sort)
	[ "$got" = "$want" ] || fail "bpfkit <TAB> gave '$(oneline "$got")', want '$(oneline "$want")'"
	for c in $(meta_table); do
		want=$(meta_verbs "$c" | sort)
		[ -n "$want" ] || continue
		got=$(mkdir -p "$TMPD/empty" && cd "$TMPD/empty" && bash_complete "$c" '' | sort)
		[ "$got" = "$want" ] || fail "bpfkit $c <TAB> gave '$(oneline "$got")', want '$(oneline "$want")'"
	done
}

# The shims hold no word lists: they call the helper, and no command name appears in their
# code (verbs are not checked: "set" or "test" could be one, and they are shell words).
test_completion_scripts_are_shims() {
	local bad="" f c
	for f in bpfkit.bash _bpfkit bpfkit.fish; do
		[ -f "$META_ROOT/completions/$f" ] || { bad+="no completions/$f"$'\n'; continue; }
		grep -q '__complete' "$META_ROOT/completions/$f" ||
			bad+="completions/$f does not call 'bpfkit __complete'"$'\n'
		for c in $(meta_table); do
			grep -v '^[[:space:]]*#' "$META_ROOT/completions/$f" | grep -qw -- "$c" &&
				bad+="completions/$f names '$c': take it from 'bpfkit __complete'"$'\n'
		done
	done
	report "$bad"
}

test_zsh_completion() {
	local got f=$META_ROOT/completions/_bpfkit
	command -v zsh >/dev/null || skip "zsh is not installed: completions/_bpfkit not checked"
	zsh -n "$f" || fail "zsh -n completions/_bpfkit failed"
	meta_table | grep -qx inspect || return 0
	# Run the function outside the completion system: compadd and _files print instead.
	got=$(PATH=$(dirname "$BPFKIT"):$PATH zsh -f -c '
		compdef() { :; }
		compadd() { [[ $1 == -- ]] && shift; print -rl -- "$@"; }
		_files() { print -r -- "<files>"; }
		source "$1"
		shift
		words=(bpfkit "$@"); CURRENT=$#words
		_bpfkit' zsh "$f" inspect --di)
	printf '%s\n' "$got" | grep -qx -- --disasm ||
		fail "zsh: bpfkit inspect --di<TAB> offers no --disasm: $(oneline "$got")"
	got=$(cd "$TMPD" && PATH=$(dirname "$BPFKIT"):$PATH zsh -f -c '
		compdef() { :; }; compadd() { :; }; _files() { print -r -- "<files>"; }
		source "$1"; words=(bpfkit inspect ""); CURRENT=3; _bpfkit' zsh "$f")
	[ "$got" = "<files>" ] || fail "zsh: bpfkit inspect <TAB> does not complete files: $got"
}

test_fish_completion() {
	local got f=$META_ROOT/completions/bpfkit.fish
	command -v fish >/dev/null || skip "fish is not installed: completions/bpfkit.fish not checked"
	fish -n "$f" || fail "fish -n completions/bpfkit.fish failed"
	meta_table | grep -qx inspect || return 0
	got=$(PATH=$(dirname "$BPFKIT"):$PATH fish --no-config -c "source '$f'; complete -C 'bpfkit ins'")
	[ "$(printf '%s\n' "$got" | cut -f1)" = inspect ] || fail "fish: bpfkit ins<TAB> gave '$got'"
	got=$(PATH=$(dirname "$BPFKIT"):$PATH fish --no-config -c "source '$f'; complete -C 'bpfkit inspect --di'")
	[ "$(printf '%s\n' "$got" | cut -f1)" = --disasm ] || fail "fish: bpfkit inspect --di<TAB> gave '$got'"
	mkdir -p "$TMPD/d" && : >"$TMPD/d/prog.bpf.o"
	got=$(cd "$TMPD/d" && PATH=$(dirname "$BPFKIT"):$PATH fish --no-config -c "source '$f'; complete -C 'bpfkit inspect pro'")
	[ "$(printf '%s\n' "$got" | cut -f1)" = prog.bpf.o ] || fail "fish: bpfkit inspect pro<TAB> gave '$got'"
}
