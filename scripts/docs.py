#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Samples in README.md are the real binary's output, made by this script (`make docs`).

A sample is a fenced block right after a marker line:

    <!-- sample: bpfkit inspect @openat --maps -->
    ```
    $ bpfkit inspect @openat --maps
    ...what it printed...
    ```

usage: docs.py BPFKIT [--check] [FILE...]
Without --check, each sample block is rewritten with the command's output. With --check,
nothing is written: exit 1 and a diff for every sample that no longer matches, numbers and
hex digests excepted where the marker says `sample-volatile` (ids, times, pids, hashes,
sizes of things that change from machine to machine). Commands run from the repository
root, through a shell (they are the README's own, not user input); "bpfkit" at their start
is BPFKIT. What the samples leave in /tmp/bpfkit-tour* for later samples is removed once
all have run.
"""
import difflib
import glob
import os
import re
import subprocess
import sys

# What the samples write for later samples to read; removed when all have run.
SCRATCH = "/tmp/bpfkit-tour*"
MARK = re.compile(r"^<!-- (sample|sample-volatile): (.*) -->$")


def run(bpfkit, cmd, root):
    shell_cmd = re.sub(r"(^|[|;&]\s*)bpfkit\b", lambda m: m.group(1) + bpfkit, cmd)
    p = subprocess.run(["bash", "-c", shell_cmd], cwd=root, capture_output=True, text=True,
                       errors="replace", timeout=60)
    out = (p.stdout + p.stderr).rstrip("\n")
    return out.replace(root + "/", "")


def normalize(text, volatile):
    """Volatile samples: numbers and digests may change, and with them the columns' widths."""
    if not volatile:
        return text
    return re.sub(r" +", " ", re.sub(r"\d+", "N", re.sub(r"\b[0-9a-f]{32,}\b", "HASH", text)))


def process(path, bpfkit, root, check):
    lines = open(path).read().split("\n")
    out, i, stale = [], 0, 0
    while i < len(lines):
        m = MARK.match(lines[i])
        out.append(lines[i])
        i += 1
        if not m:
            continue
        if i >= len(lines) or not lines[i].startswith("```"):
            sys.exit(f"{path}:{i}: a sample marker must be followed by a fenced block")
        fence = lines[i]
        end = i + 1
        while end < len(lines) and lines[end] != "```":
            end += 1
        old = "\n".join(lines[i + 1:end])
        new = "$ " + m.group(2) + "\n" + run(bpfkit, m.group(2), root)
        volatile = m.group(1) == "sample-volatile"
        if normalize(old, volatile) != normalize(new, volatile):
            stale += 1
            if check:
                sys.stdout.writelines(difflib.unified_diff(
                    old.splitlines(True), new.splitlines(True),
                    f"{path}: {m.group(2)} (written)", "(the binary now)"))
                print()
        out += [fence] + new.split("\n") + ["```"]
        i = end + 1
    if not check:
        open(path, "w").write("\n".join(out))
    return stale


def main():
    args = sys.argv[1:]
    check = "--check" in args
    args = [a for a in args if a != "--check"]
    bpfkit = os.path.abspath(args[0])
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    files = args[1:] or [os.path.join(root, "README.md")]
    try:
        stale = sum(process(f, bpfkit, root, check) for f in files)
    finally:
        for scratch in glob.glob(SCRATCH):
            os.remove(scratch)
    if check and stale:
        print(f"{stale} sample(s) differ from the binary's output: run 'make docs'")
        sys.exit(1)


if __name__ == "__main__":
    main()
