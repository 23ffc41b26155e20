#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Write one damaged-but-readable BPF object per class of defect (inspect/defects.c).

usage: defects.py CORE_FIXTURE.bpf.o MAPS_FIXTURE.bpf.o OUTDIR
Each file is OUTDIR/<class>.o; OUTDIR/expect.tsv maps each class to a fragment of the
warning that must name its defect. Unlike tests/malformed.py's classes, these leave the
object readable: inspect shows it with a warning per defect and exits 1; writers refuse it.
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from malformed import Obj, first_rel, prog_section  # noqa: E402

CLASSES = []


def defect(want, fixture="core"):
    def wrap(fn):
        CLASSES.append((fn, want, fixture))
        return fn
    return wrap


def insns(o):
    s = o.sh(prog_section(o))
    return s["offset"], s["size"] // 8


def btf_str(o, off):
    b = o.btf()
    start = b["strs"] + off
    return bytes(o.d[start:o.d.index(b"\0", start)]).decode()


@defect("the license string has no terminating NUL")
def license_unterminated(o):
    s = o.sh(o.find("license"))
    o.d[s["offset"]:s["offset"] + s["size"]] = b"A" * s["size"]


@defect("overlaps")
def section_overlap(o):
    o.set_sh(o.find("license"), "offset", o.sh(prog_section(o))["offset"])


@defect("code section without contents (NOBITS)")
def code_section_nobits(o):
    o.set_sh(o.find(".text"), "type", 8)


@defect("invalid instruction (opcode 0xff)")
def insn_invalid_opcode(o):
    off, n = insns(o)
    for k in range(1, n):
        if o.d[off + 8 * k] != 0x18 and o.d[off + 8 * (k - 1)] != 0x18:
            o.d[off + 8 * k] = 0xFF
            return
    raise KeyError("no plain instruction")


@defect("outside the function")
def insn_jump_outside(o):
    off, n = insns(o)
    for k in range(n):
        code = o.d[off + 8 * k]
        if code & 7 in (5, 6) and code & 0xF0 not in (0x80, 0x90):   # JMP/JMP32, not call/exit
            struct.pack_into("<h", o.d, off + 8 * k + 2, 0x7FFF)
            return
    raise KeyError("no jump")


def set_first_kind(o, kind, fn):
    for tid, off, k, _vlen in o.btf_types():
        if k == kind:
            fn(off)
            return
    raise KeyError(kind)


@defect("FUNC: invalid linkage 7")
def btf_func_linkage(o):
    set_first_kind(o, 12, lambda off: o.u32(off + 4, (12 << 24) | 7))


@defect("INT: invalid encoding 0xf")
def btf_int_encoding(o):
    def bad(off):
        v, = struct.unpack_from("<I", o.d, off + 12)
        o.u32(off + 12, (v & 0x00FFFFFF) | (0xF << 24))
    set_first_kind(o, 1, bad)


@defect("kind_flag set on a kind that has none")
def btf_kflag_on_ptr(o):
    set_first_kind(o, 2, lambda off: o.u32(off + 4, (2 << 24) | (1 << 31)))


@defect("VAR: invalid linkage 9")
def btf_var_linkage(o):
    set_first_kind(o, 14, lambda off: o.u32(off + 12, 9))


@defect("line_info 0 of")
def ext_line_past_program(o):
    e = o.ext()
    o.u32(e["line"] + 12 + 0, 0x7FFFF8)     # rec_size, then sec_name_off, num_info, records


@defect("past its type")
def ext_core_access_past_type(o):
    e = o.ext()
    int_id = next(tid for tid, _off, k, _v in o.btf_types() if k == 1)
    rec_size, = struct.unpack_from("<I", o.d, e["core"])
    _sec, num = struct.unpack_from("<II", o.d, e["core"] + 4)
    for r in range(num):
        rec = e["core"] + 12 + r * rec_size
        _insn, _tid, acc, kind = struct.unpack_from("<IIII", o.d, rec)
        if kind <= 5 and btf_str(o, acc).count(":") >= 1:
            o.u32(rec + 4, int_id)
            return
    raise KeyError("no field relocation with a member access")


@defect("unknown type 85")
def rel_unknown_type(o):
    at = first_rel(o)
    info, = struct.unpack_from("<Q", o.d, at + 8)
    struct.pack_into("<Q", o.d, at + 8, (info & ~0xFFFFFFFF) | 85)


@defect("two relocations at offset")
def rel_repeated(o):
    at = first_rel(o)
    first, = struct.unpack_from("<Q", o.d, at)
    struct.pack_into("<Q", o.d, at + 16, first)


@defect("section version: 2 bytes, want 4")
def version_section_size(o):
    # "license" holds "Dual BSD/GPL\0": rename it "version" (same length + NUL) and cut it
    s = o.sh(o.find("license"))
    strs = o.sh(o.shstrndx)
    start = strs["offset"] + s["name_off"]
    o.d[start:start + 7] = b"version"
    o.set_sh(o.find("version"), "size", 2)


@defect("unknown map type 999", fixture="maps")
def map_type_unknown(o):
    types = {tid: (off, k, v) for tid, off, k, v in o.btf_types()}
    for tid, (off, k, vlen) in types.items():
        if k != 4:
            continue
        for m in range(vlen):
            name_off, mtype, _moff = struct.unpack_from("<III", o.d, off + 12 + 12 * m)
            if btf_str(o, name_off) != "type" or types[mtype][1] != 2:
                continue
            ptr_off = types[mtype][0]
            arr, = struct.unpack_from("<I", o.d, ptr_off + 8)
            o.u32(types[arr][0] + 12 + 8, 999)
            return
    raise KeyError("no map definition")


def symbol_named(o, name):
    st = o.sh(o.find(typ=2))
    strs = o.sh(st["link"])
    for k in range(st["size"] // 24):
        at = st["offset"] + 24 * k
        noff, = struct.unpack_from("<I", o.d, at)
        start = strs["offset"] + noff
        if bytes(o.d[start:o.d.index(b"\0", start)]) == name.encode():
            return at
    raise KeyError(name)


@defect("is not whole instructions")
def symbol_func_not_whole_insns(o):
    at = symbol_named(o, "core_relos")
    size, = struct.unpack_from("<Q", o.d, at + 16)
    struct.pack_into("<Q", o.d, at + 16, size - 4)


@defect("run past section", fixture="maps")
def symbol_object_past_section(o):
    at = symbol_named(o, "exec_count")
    struct.pack_into("<Q", o.d, at + 16, 1 << 20)


def main():
    core, maps, outdir = sys.argv[1], sys.argv[2], sys.argv[3]
    data = {"core": open(core, "rb").read(), "maps": open(maps, "rb").read()}
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "expect.tsv"), "w") as tsv:
        for fn, want, fixture in CLASSES:
            o = Obj(data[fixture])
            fn(o)
            with open(os.path.join(outdir, fn.__name__ + ".o"), "wb") as f:
                f.write(o.d)
            tsv.write(f"{fn.__name__}\t{want}\n")
    print(len(CLASSES))


if __name__ == "__main__":
    main()
