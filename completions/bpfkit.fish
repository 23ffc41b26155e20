# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# fish completion for bpfkit. A thin shim: every candidate (commands, verbs, options,
# option values, ids, pins, interfaces, @bundled objects) comes from the binary,
# `bpfkit __complete WORD...`, which walks the tables that dispatch commands and parse
# values, so nothing here can drift from the binary. Its directive lines: ":files SUFFIX"
# adds file names ending in SUFFIX and directories, ":nofiles" means no file names; no
# output at all means any file name.

function __bpfkit_complete
    set -l words (commandline -opc)
    set -l cur (commandline -ct)
    set -l bin $words[1]
    set -e words[1]
    set -l out ($bin __complete $words "$cur" 2>/dev/null)
    set -l suffix
    for line in $out
        switch $line
            case :nofiles
            case ':files *'
                set suffix (string replace ':files ' '' -- $line)
            case '*'
                printf '%s\n' $line
        end
    end
    if test -n "$suffix"
        # __fish_complete_suffix also offers the other files: filter ourselves
        for f in (__fish_complete_path "$cur")
            set -l p (string split -m1 \t -- $f)[1]
            string match -q -- '*/' $p; or string match -q -- "*$suffix" $p; and echo $f
        end
    else if test (count $out) -eq 0
        __fish_complete_path "$cur"
    end
end

complete -c bpfkit -f -a '(__bpfkit_complete)'
