# bash completion for bpfkit                                  -*- shell-script -*-
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# A thin shim: every candidate (commands, verbs, options, option values, ids, pins,
# interfaces, @bundled objects) comes from the binary itself, `bpfkit __complete WORD...`,
# which walks the same tables that dispatch commands and parse values. Nothing here lists
# a command or an option, so it never drifts from the binary (git's --git-completion-helper
# model). The helper's directive lines: ":files SUFFIX" adds file names ending in SUFFIX
# and directories, ":nofiles" means no file names; no output at all means any file name.

_bpfkit()
{
	local cur bin cands word line suffix=
	local -a words
	local -A seen=()

	COMPREPLY=()
	# bash splits "xdp:lo" at ':' (COMP_WORDBREAKS): take the words from the line instead
	if [[ -n ${COMP_LINE+set} ]]; then
		line=${COMP_LINE:0:COMP_POINT}
		read -ra words <<<"$line"
		[[ $line == *[[:space:]] || ${#words[@]} -eq 0 ]] && words+=("")
	else
		words=("${COMP_WORDS[@]:0:COMP_CWORD+1}")
	fi
	cur=${words[-1]}
	bin=${words[0]}
	# a literal "~/" as typed: expand it as the shell would run it
	# shellcheck disable=SC2088
	[[ $bin == "~/"* ]] && bin=$HOME/${bin#"~/"}
	type -P "$bin" >/dev/null || bin=bpfkit
	cands=$("$bin" __complete "${words[@]:1}" 2>/dev/null)

	if [[ -z $cands ]]; then
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return 0
	fi
	# the helper may name an option twice (synopsis and option list): keep the first
	while IFS= read -r word; do
		case $word in
		:nofiles) continue ;;	# output at all already means no file names
		":files "*) suffix=${word#:files }; continue ;;
		esac
		word=${word%%$'\t'*}	# a description (ids): bash cannot show it
		[[ -n $word && $word == "$cur"* && -z ${seen[$word]} ]] || continue
		seen[$word]=1
		COMPREPLY+=("$word")
	done <<<"$cands"
	if [[ -n $suffix ]]; then
		compopt -o filenames 2>/dev/null
		mapfile -t -O ${#COMPREPLY[@]} COMPREPLY < <(compgen -d -- "$cur"; compgen -f -X "!*$suffix" -- "$cur")
	fi
	# what bash will replace is only the part after the last ':' it split at
	if [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then
		local i pre=${cur%"${cur##*:}"}
		for i in "${!COMPREPLY[@]}"; do
			COMPREPLY[i]=${COMPREPLY[i]#"$pre"}
		done
	fi
	return 0
}

complete -F _bpfkit bpfkit
