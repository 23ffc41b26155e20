# bash completion for bpfkit                                  -*- shell-script -*-
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# A thin shim: every candidate (commands, verbs, long options) comes from the binary
# itself, `bpfkit __complete WORD...`, which walks the same tables that dispatch commands.
# Nothing here lists a command or an option, so it never drifts from the binary (git's
# --git-completion-helper model). When the binary has nothing to offer (an object-file
# operand, an option's value), file names are completed.

_bpfkit()
{
	local cur=${COMP_WORDS[COMP_CWORD]}
	local bin=${COMP_WORDS[0]} cands word
	local -A seen=()

	COMPREPLY=()
	# a literal "~/" as typed: expand it as the shell would run it
	# shellcheck disable=SC2088
	[[ $bin == "~/"* ]] && bin=$HOME/${bin#"~/"}
	type -P "$bin" >/dev/null || bin=bpfkit
	cands=$("$bin" __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)

	if [[ -z $cands ]]; then
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return 0
	fi
	# the helper may name an option twice (synopsis and option list): keep the first
	while IFS= read -r word; do
		[[ -n $word && -z ${seen[$word]} ]] || continue
		seen[$word]=1
		COMPREPLY+=("$word")
	done < <(compgen -W "$cands" -- "$cur")
	return 0
}

complete -F _bpfkit bpfkit
