#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Write one malformed BPF object per class of damage, made from a compiled fixture.

usage: malformed.py FIXTURE.bpf.o OUTDIR
Each file is OUTDIR/<class>.o. Classes cover the ELF container, the symbol and relocation
tables, the .BTF header and types, the .BTF.ext header and records (func_info, line_info,
CO-RE relocations), and the instructions. The fixture must have CO-RE relocations.
"""
import os
import struct
import sys

BTF_KIND_PTR, BTF_KIND_ARRAY, BTF_KIND_STRUCT, BTF_KIND_TYPEDEF = 2, 3, 4, 8
BTF_KIND_CONST, BTF_KIND_DATASEC = 10, 15


class Obj:
    def __init__(self, data):
        self.d = bytearray(data)
        self.shoff, = struct.unpack_from("<Q", self.d, 0x28)
        self.shnum, self.shstrndx = struct.unpack_from("<HH", self.d, 0x3C)

    def sh(self, i):
        off = self.shoff + i * 64
        name, typ, flags, _addr, offset, size, link, info = struct.unpack_from(
            "<IIQQQQII", self.d, off)
        return dict(off=off, name_off=name, type=typ, flags=flags, offset=offset,
                    size=size, link=link, info=info)

    def name(self, i):
        strs = self.sh(self.shstrndx)
        start = strs["offset"] + self.sh(i)["name_off"]
        return bytes(self.d[start:self.d.index(b"\0", start)]).decode()

    def find(self, name=None, typ=None, prefix=None):
        for i in range(1, self.shnum):
            s = self.sh(i)
            n = self.name(i)
            if (name is None or n == name) and (typ is None or s["type"] == typ) and \
               (prefix is None or n.startswith(prefix)):
                return i
        raise KeyError(name or prefix)

    def set_sh(self, i, field, value):
        fmt, at = {"name_off": ("<I", 0), "type": ("<I", 4), "flags": ("<Q", 8),
                   "offset": ("<Q", 24), "size": ("<Q", 32), "link": ("<I", 40),
                   "info": ("<I", 44)}[field]
        struct.pack_into(fmt, self.d, self.sh(i)["off"] + at, value)

    # .BTF
    def btf(self):
        s = self.sh(self.find(".BTF"))
        base = s["offset"]
        _magic, _ver, _fl, hdr_len, type_off, type_len, str_off, str_len = struct.unpack_from(
            "<HBBIIIII", self.d, base)
        return dict(base=base, hdr_len=hdr_len, types=base + hdr_len + type_off,
                    type_len=type_len, strs=base + hdr_len + str_off, str_len=str_len)

    def btf_types(self):
        """Yield (id, offset, kind, vlen) of each type."""
        b = self.btf()
        off, end, tid = b["types"], b["types"] + b["type_len"], 1
        while off < end:
            _name, info, _st = struct.unpack_from("<III", self.d, off)
            kind, vlen = (info >> 24) & 0x1F, info & 0xFFFF
            yield tid, off, kind, vlen
            extra = {1: 4, 3: 12, 4: 12 * vlen, 5: 12 * vlen, 6: 8 * vlen, 13: 8 * vlen,
                     14: 4, 15: 12 * vlen, 17: 4, 19: 12 * vlen}.get(kind, 0)
            off += 12 + extra
            tid += 1

    def first_type(self, kind):
        for tid, off, k, vlen in self.btf_types():
            if k == kind:
                return tid, off, vlen
        raise KeyError(kind)

    # .BTF.ext
    def ext(self):
        s = self.sh(self.find(".BTF.ext"))
        base = s["offset"]
        hdr = struct.unpack_from("<HBBIIIIIII", self.d, base)
        hdr_len = hdr[3]
        return dict(base=base, hdr_len=hdr_len, func=base + hdr_len + hdr[4],
                    line=base + hdr_len + hdr[6], core=base + hdr_len + hdr[8],
                    core_len=hdr[9])

    def u32(self, off, value):
        struct.pack_into("<I", self.d, off, value & 0xFFFFFFFF)

    def u16(self, off, value):
        struct.pack_into("<H", self.d, off, value)


def symtab_last(o):
    s = o.sh(o.find(typ=2))
    return s["offset"] + s["size"] - 24


def first_rel(o):
    return o.sh(o.find(typ=9, prefix=".rel"))["offset"]


def prog_section(o):
    for i in range(1, o.shnum):
        s = o.sh(i)
        if s["flags"] & 4 and s["size"]:
            return i
    raise KeyError("no program section")


def m(fn):
    MUTATIONS.append(fn)
    return fn


MUTATIONS = []

# --- ELF container --------------------------------------------------------------------
@m
def elf_bad_magic(o): o.d[1] = ord("X")


@m
def elf_class32(o): o.d[4] = 1


@m
def elf_machine_x86(o): struct.pack_into("<H", o.d, 0x12, 62)


@m
def elf_shoff_past_eof(o): struct.pack_into("<Q", o.d, 0x28, len(o.d) + 64)


@m
def elf_shnum_huge(o): struct.pack_into("<H", o.d, 0x3C, 0xFFF0)


@m
def elf_shstrndx_out_of_range(o): struct.pack_into("<H", o.d, 0x3E, o.shnum + 5)


@m
def elf_empty(o): del o.d[:]


@m
def elf_big_endian(o): o.d[5] = 2          # EI_DATA: the other byte order


@m
def elf_version_bad(o): struct.pack_into("<I", o.d, 0x14, 0)


@m
def elf_ehsize_bad(o): struct.pack_into("<H", o.d, 0x34, 52)


@m
def elf_shentsize_bad(o): struct.pack_into("<H", o.d, 0x3A, 40)


@m
def elf_header_cut(o): del o.d[63:]


@m
def elf_truncated_half(o): del o.d[len(o.d) // 2:]


@m
def elf_truncated_in_section_headers(o): del o.d[len(o.d) - 10:]


@m
def section_offset_past_eof(o): o.set_sh(o.find(".BTF"), "offset", len(o.d) + 1000)


@m
def section_size_huge(o): o.set_sh(o.find(".BTF"), "size", 1 << 62)


@m
def section_name_offset(o): o.set_sh(o.find(".BTF"), "name_off", 0x7FFFFFFF)


@m
def prog_section_odd_size(o):
    i = prog_section(o)
    o.set_sh(i, "size", o.sh(i)["size"] - 4)


@m
def symtab_bad_link(o): o.set_sh(o.find(typ=2), "link", 0xFFFF)


@m
def symtab_size_not_multiple(o):
    i = o.find(typ=2)
    o.set_sh(i, "size", o.sh(i)["size"] - 5)


@m
def symbol_name_offset(o): o.u32(symtab_last(o), 0x7FFFFFF0)


@m
def symbol_section_index(o): o.u16(symtab_last(o) + 6, 0xFEEE)


@m
def strtab_unterminated(o):
    s = o.sh(o.sh(o.find(typ=2))["link"])
    o.d[s["offset"] + s["size"] - 1] = ord("x")


@m
def rel_symbol_index(o):
    off = first_rel(o)
    info, = struct.unpack_from("<Q", o.d, off + 8)
    struct.pack_into("<Q", o.d, off + 8, (0xFFFFFF << 32) | (info & 0xFFFFFFFF))


@m
def rel_offset_past_section(o): struct.pack_into("<Q", o.d, first_rel(o), 1 << 30)


@m
def rel_target_section(o): o.set_sh(o.find(typ=9, prefix=".rel"), "info", 0xFFFF)


@m
def rel_size_not_multiple(o):
    i = o.find(typ=9, prefix=".rel")
    o.set_sh(i, "size", o.sh(i)["size"] + 3)


# --- .BTF -------------------------------------------------------------------------------
@m
def btf_bad_magic(o): o.u16(o.btf()["base"], 0x1234)


@m
def btf_version(o): o.d[o.btf()["base"] + 2] = 7


@m
def btf_hdr_len_huge(o): o.u32(o.btf()["base"] + 4, 0x10000000)


@m
def btf_type_len_past_end(o): o.u32(o.btf()["base"] + 12, 0x7FFFFFF0)


@m
def btf_str_off_past_end(o): o.u32(o.btf()["base"] + 16, 0x7FFFFFF0)


@m
def btf_strings_unterminated(o):
    b = o.btf()
    o.d[b["strs"] + b["str_len"] - 1] = ord("x")


@m
def btf_kind_unknown(o):
    _tid, off, _vlen = o.first_type(BTF_KIND_PTR)
    o.u32(off + 4, 31 << 24)


@m
def btf_ptr_target_out_of_range(o):
    _tid, off, _vlen = o.first_type(BTF_KIND_PTR)
    o.u32(off + 8, 0x7FFFFFFF)


@m
def btf_name_offset_out_of_range(o):
    _tid, off, _vlen = o.first_type(BTF_KIND_STRUCT)
    o.u32(off, 0x7FFFFFF0)


@m
def btf_struct_vlen_past_end(o):
    _tid, off, _vlen = o.first_type(BTF_KIND_STRUCT)
    info, = struct.unpack_from("<I", o.d, off + 4)
    o.u32(off + 4, (info & ~0xFFFF) | 0xFFFF)


@m
def btf_const_cycle(o):
    # a typedef that names itself: no C type can do that
    tid, off, _vlen = o.first_type(BTF_KIND_TYPEDEF)
    o.u32(off + 8, tid)


@m
def btf_member_type_out_of_range(o):
    for _tid, off, kind, vlen in o.btf_types():
        if kind == BTF_KIND_STRUCT and vlen:
            o.u32(off + 12 + 4, 0x7FFFFFF0)
            return
    raise KeyError("struct with members")


@m
def btf_array_index_type_out_of_range(o):
    _tid, off, _vlen = o.first_type(BTF_KIND_ARRAY)
    o.u32(off + 12 + 4, 0x7FFFFFF0)


@m
def btf_datasec_var_out_of_range(o):
    for _tid, off, kind, vlen in o.btf_types():
        if kind == BTF_KIND_DATASEC and vlen:
            o.u32(off + 12, 0x7FFFFFF0)
            return
    raise KeyError("datasec")


# --- .BTF.ext ---------------------------------------------------------------------------
@m
def ext_bad_magic(o): o.u16(o.ext()["base"], 0x1234)


@m
def ext_version(o): o.d[o.ext()["base"] + 2] = 9


@m
def ext_hdr_len_past_end(o): o.u32(o.ext()["base"] + 4, 0x7FFFFFF0)


@m
def ext_func_info_off_past_end(o): o.u32(o.ext()["base"] + 8, 0x7FFFFFF0)


@m
def ext_func_rec_size_zero(o): o.u32(o.ext()["func"], 0)


@m
def ext_func_rec_size_too_small(o): o.u32(o.ext()["func"], 4)


@m
def ext_func_num_info_huge(o): o.u32(o.ext()["func"] + 8, 0x7FFFFFFF)


@m
def ext_func_sec_name_offset(o): o.u32(o.ext()["func"] + 4, 0x7FFFFFF0)


@m
def ext_func_insn_off_unaligned(o): o.u32(o.ext()["func"] + 12, 3)


@m
def ext_func_type_out_of_range(o): o.u32(o.ext()["func"] + 16, 0x7FFFFFF0)


@m
def ext_line_file_name_offset(o): o.u32(o.ext()["line"] + 12 + 4, 0x7FFFFFF0)


@m
def ext_line_rec_size_huge(o): o.u32(o.ext()["line"], 0x1000000)


@m
def ext_core_access_str_offset(o): o.u32(o.ext()["core"] + 12 + 8, 0x7FFFFFF0)


@m
def ext_core_type_out_of_range(o): o.u32(o.ext()["core"] + 12 + 4, 0x7FFFFFF0)


@m
def ext_core_access_str_not_numeric(o):
    # point the access string at the section name: "tp/syscalls/..." is no access spec
    e = o.ext()
    o.u32(e["core"] + 12 + 8, struct.unpack_from("<I", o.d, e["core"] + 4)[0])


@m
def ext_core_kind_unknown(o): o.u32(o.ext()["core"] + 12 + 12, 99)


# --- instructions -------------------------------------------------------------------------
@m
def insn_split_ld_imm64(o):
    s = o.sh(prog_section(o))
    last = s["offset"] + s["size"] - 8
    o.d[last] = 0x18        # BPF_LD | BPF_IMM | BPF_DW with no second half


def main():
    src, outdir = sys.argv[1], sys.argv[2]
    data = open(src, "rb").read()
    os.makedirs(outdir, exist_ok=True)
    for fn in MUTATIONS:
        o = Obj(data)
        fn(o)
        with open(os.path.join(outdir, fn.__name__ + ".o"), "wb") as f:
            f.write(o.d)
    print(len(MUTATIONS))


if __name__ == "__main__":
    main()
