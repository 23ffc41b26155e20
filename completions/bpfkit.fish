# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# fish completion for bpfkit. A thin shim: every candidate (commands, verbs, long options)
# comes from the binary, `bpfkit __complete WORD...`, which walks the tables that dispatch
# commands, so nothing here can drift from the binary. When it has nothing to offer (an
# object-file operand, an option's value), file names are completed.

function __bpfkit_complete
    set -l words (commandline -opc)
    set -l cur (commandline -ct)
    set -l bin $words[1]
    set -e words[1]
    set -l cands ($bin __complete $words "$cur" 2>/dev/null)
    if test (count $cands) -gt 0
        printf '%s\n' $cands
    else
        __fish_complete_path "$cur"
    end
end

complete -c bpfkit -f -a '(__bpfkit_complete)'
