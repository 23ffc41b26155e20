#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Write one object per class of DWARF damage, made from the ring-buffer fixture.

usage: malformed_dwarf.py ringbuf_dwarf.bpf.o OUTDIR
Each file is OUTDIR/<class>.o; the names are printed, one a line. The ELF, .BTF and .BTF.ext
stay intact: every damage is in .debug_info or .debug_abbrev, which only the DWARF reader
(btf --dwarf, inspect --types, strip --keep-types) reads. A small DWARF 4/5 DIE walker finds
what to damage (the abbreviation of a struct, the DW_AT_type of a member, a typedef).
"""
import os
import struct
import sys

DW_TAG = dict(member=0x0d, structure_type=0x13, typedef=0x16, const_type=0x26,
              volatile_type=0x35, compile_unit=0x11)
DW_AT_name, DW_AT_type = 0x03, 0x49
FIXED = {0x01: 8, 0x05: 2, 0x06: 4, 0x07: 8, 0x0b: 1, 0x0c: 1, 0x0e: 4, 0x10: 4, 0x11: 1,
         0x12: 2, 0x13: 4, 0x14: 8, 0x17: 4, 0x19: 0, 0x1c: 4, 0x1d: 4, 0x1e: 16, 0x1f: 4,
         0x20: 8, 0x21: 0, 0x25: 1, 0x26: 2, 0x27: 3, 0x28: 4, 0x29: 1, 0x2a: 2, 0x2b: 3,
         0x2c: 4}


def uleb(d, i):
    v = shift = 0
    while True:
        b = d[i]
        i += 1
        v |= (b & 0x7f) << shift
        shift += 7
        if b < 0x80:
            return v, i


class Obj:
    def __init__(self, data):
        self.d = bytearray(data)
        self.shoff, = struct.unpack_from("<Q", self.d, 0x28)
        self.shnum, self.shstrndx = struct.unpack_from("<HH", self.d, 0x3C)

    def sh(self, i):
        off = self.shoff + i * 64
        name, _t, _f, _a, offset, size = struct.unpack_from("<IIQQQQ", self.d, off)
        return off, name, offset, size

    def find(self, name):
        _o, _n, stroff, _s = self.sh(self.shstrndx)
        for i in range(1, self.shnum):
            off, n, offset, size = self.sh(i)
            end = self.d.index(b"\0", stroff + n)
            if self.d[stroff + n:end].decode() == name:
                return off, offset, size
        sys.exit(f"no {name}")


def abbrevs(d, base):
    """code -> (tag, children, [(at, form, offset of the code)])"""
    out, i = {}, base
    while True:
        start = i
        code, i = uleb(d, i)
        if code == 0:
            return out
        tag, i = uleb(d, i)
        children = d[i]
        i += 1
        attrs = []
        while True:
            at, i = uleb(d, i)
            form, i = uleb(d, i)
            if form == 0x21:
                _v, i = uleb(d, i)
            if at == 0 and form == 0:
                break
            attrs.append((at, form))
        out[code] = (tag, children, attrs, start)


def dies(o):
    """[(offset, tag, {at: (value, offset of the value, form)})] of the first unit."""
    _h, info, _s = o.find(".debug_info")
    _h, abbr, _s = o.find(".debug_abbrev")
    d = o.d
    length, version = struct.unpack_from("<IH", d, info)
    if version >= 5:
        _ut, _asz, aoff = struct.unpack_from("<BBI", d, info + 6)
        i = info + 12
    else:
        aoff, = struct.unpack_from("<I", d, info + 6)
        i = info + 11
    table = abbrevs(d, abbr + aoff)
    out, end = [], info + 4 + length
    while i < end:
        at_die = i
        code, i = uleb(d, i)
        if code == 0:
            continue
        tag, _c, attrs, _s = table[code]
        vals = {}
        for at, form in attrs:
            voff = i
            if form in FIXED:
                n = FIXED[form]
                v = int.from_bytes(d[i:i + n], "little") if n else None
                i += n
            elif form in (0x0d, 0x0f, 0x15, 0x1a, 0x1b, 0x22, 0x23):
                v, i = uleb(d, i)
            elif form == 0x08:
                j = d.index(b"\0", i)
                v, i = bytes(d[i:j]), j + 1
            elif form == 0x18:
                n, i = uleb(d, i)
                v, i = None, i + n
            elif form == 0x0a:
                v, i = None, i + 1 + d[i]
            else:
                sys.exit(f"form 0x{form:x} not handled")
            vals[at] = (v, voff, form)
        out.append((at_die - info, tag, vals, code))
    return out, table, abbr + aoff, info


def by_tag(ds, tag, strs=None):
    return [x for x in ds if x[1] == DW_TAG[tag]]


def set_ref(o, die, target_rel):
    v, off, form = die[2][DW_AT_type]
    assert form == 0x13, f"DW_AT_type form 0x{form:x}"
    struct.pack_into("<I", o.d, off, target_rel)


def main():
    src, outdir = sys.argv[1], sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    base = open(src, "rb").read()
    cases = {}

    def case(fn):
        o = Obj(base)
        fn(o)
        cases[fn.__name__] = o.d

    def debug_info_truncated(o):
        h, _off, size = o.find(".debug_info")
        struct.pack_into("<Q", o.d, h + 0x20, size // 3)

    def unit_length_cuts_dies(o):
        _h, info, size = o.find(".debug_info")
        struct.pack_into("<I", o.d, info, 40)   # the unit ends inside its first DIEs

    def abbrev_offset_out_of_range(o):
        _h, info, _s = o.find(".debug_info")
        struct.pack_into("<I", o.d, info + 8, 0x7ffffff0)

    def abbrev_code_unknown(o):
        ds, table, _b, info = dies(o)
        used = set(table)
        code = next(c for c, v in table.items() if v[0] == DW_TAG["structure_type"])
        new = next(c for c in range(127, 0, -1) if c not in used)
        for off, _t, _v, c in ds:
            if c == code:
                o.d[info + off] = new   # 1-byte ULEB codes in the fixture

    def type_ref_out_of_range(o):
        ds, *_ = dies(o)
        set_ref(o, by_tag(ds, "member")[0], 0x00fffff0)

    def type_ref_to_unit(o):
        ds, *_ = dies(o)
        set_ref(o, by_tag(ds, "member")[0], by_tag(ds, "compile_unit")[0][0])

    def typedef_loop(o):
        ds, *_ = dies(o)
        t = by_tag(ds, "typedef")[0]
        set_ref(o, t, t[0])

    def modifier_loop(o):
        ds, *_ = dies(o)
        c, v = by_tag(ds, "const_type")[0], by_tag(ds, "volatile_type")[0]
        set_ref(o, c, v[0])
        set_ref(o, v, c[0])

    def struct_contains_itself(o):
        ds, *_ = dies(o)
        s = next(x for x in ds if x[1] == DW_TAG["structure_type"] and DW_AT_type not in x[2]
                 and any(m[1] == DW_TAG["member"] for m in ds if m[0] > x[0]))
        first = next(m for m in ds if m[0] > s[0] and m[1] == DW_TAG["member"])
        set_ref(o, first, s[0])

    for fn in (debug_info_truncated, unit_length_cuts_dies, abbrev_offset_out_of_range,
               abbrev_code_unknown, type_ref_out_of_range, type_ref_to_unit, typedef_loop,
               modifier_loop, struct_contains_itself):
        case(fn)
    for name, data in cases.items():
        with open(os.path.join(outdir, name + ".o"), "wb") as f:
            f.write(data)
        print(name)


if __name__ == "__main__":
    main()
