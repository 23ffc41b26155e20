#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""bpfkit's DWARF types against pahole's, reading the same object.

usage: dwarf_oracle.py layout BPFKIT OBJ   every named struct/union of 'btf list OBJ --dwarf':
                                           'btf show NAME OBJ --dwarf' has pahole -C's members,
                                           offsets (in bits), sizes and bitfield widths
       dwarf_oracle.py btf BPFKIT OBJ      the BTF 'btf dump OBJ --dwarf' builds equals what
                                           'pahole -J' encodes, type by type after id
                                           renumbering, for every named type both have
Prints what it checked; exits 1 with the first difference.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

LAYOUT_MAX = 150
COMMENT = re.compile(r"/\*\s+(\d+)(?::\s*(\d+))?\s+(\d+)\s+\*/\s*$")


def run(*args):
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def member_name(decl):
    decl = decl.strip().rstrip(";").strip()
    m = re.search(r"\(\s*\*\s*(\w+)\s*\)", decl)
    if m:
        return m.group(1)
    decl = re.sub(r":\s*\d+$", "", decl)
    decl = re.sub(r"(\[\d*\])+$", "", decl).strip()
    if decl.endswith("}"):
        return ""
    m = re.search(r"(\w+)$", decl)
    return m.group(1) if m else ""


def pahole_layouts(obj, names):
    """name -> [(name, bit offset, size, bit size)] of each top-level member."""
    text = run("pahole", "-C", ",".join(names), obj)
    out, cur, depth = {}, None, 0
    for line in text.splitlines():
        m = re.match(r"^(struct|union) (\w+) \{", line)
        if depth == 0 and m:
            cur, depth = out.setdefault(m.group(2), []), 1
            continue
        if cur is None:
            continue
        body = COMMENT.sub("", line).strip()
        opens, closes = body.count("{"), body.count("}")
        c = COMMENT.search(line)
        if c and depth - closes == 1 and opens <= closes and line.strip() != "};":
            off, bit, size = int(c.group(1)), c.group(2), int(c.group(3))
            bits = re.search(r":\s*(\d+);", body)
            cur.append((member_name(body), off * 8 + int(bit or 0), size,
                        int(bits.group(1)) if bits and bit is not None else 0))
        depth += opens - closes
        if depth == 0:
            cur = None
    return out


def bpfkit_layout(bk, obj, kind, name):
    doc = json.loads(run(bk, "-j", "btf", "show", f"{kind} {name}", obj, "--dwarf"))
    return [(m["name"], m["offset"] * 8 + m.get("bit_offset", 0), m["size"],
             m.get("bit_size", 0)) for m in doc["members"]]


def layout(bk, obj):
    types = json.loads(run(bk, "-j", "btf", "list", obj, "--dwarf"))
    want = {}
    for t in types:
        if t["kind"] in ("STRUCT", "UNION") and t["name"] != "(anon)":
            want.setdefault(t["name"], t["kind"].lower())
    if not want:
        print(f"{obj}: no named struct or union")
        return
    theirs = pahole_layouts(obj, sorted(want))
    # one 'btf show' process per type: an object built on vmlinux.h has thousands; every
    # k-th name of the sorted list keeps it to LAYOUT_MAX (pahole's side is read whole)
    names = sorted(want.items())
    step = -(-len(names) // LAYOUT_MAX)
    for name, kind in names[::step]:
        if name not in theirs:
            sys.exit(f"{obj}: pahole -C does not know {kind} {name}")
        mine = bpfkit_layout(bk, obj, kind, name)
        if mine != theirs[name]:
            for a, b in zip(mine + [None] * 99, theirs[name] + [None] * 99):
                if a != b:
                    sys.exit(f"{obj}: {kind} {name}: bpfkit {a}, pahole {b}")
    print(f"{obj}: {len(names[::step])} of {len(want)} structs/unions checked, pahole's layout")


def load(path_or_obj, args):
    return {t["id"]: t for t in json.loads(run(*args))["types"]}


class Graph:
    def __init__(self, types, from_btf=()):
        self.t = types
        self.from_btf = set(from_btf)   # ids bpfkit kept from .BTF (clang's encoding)
        self.named = {}
        for i in sorted(types):
            t = types[i]
            if t["name"] != "(anon)":
                self.named.setdefault((t["kind"], t["name"], t.get("size")), i)
        for t in types.values():
            if t["kind"] in ("ENUM", "ENUM64"):
                # bpftool 7.1 sign-extends unsigned 32-bit values: compare bit patterns
                mask = (1 << (8 * t["size"])) - 1 if t["size"] else ~0
                t["values"] = [(v["name"], v["val"] & mask) for v in t["values"]]


SCALAR = ("name", "kind", "size", "vlen", "nr_bits", "bits_offset", "encoding", "nr_elems",
          "fwd_kind")


def flat(g, i):
    n = 1
    while g.t[i]["kind"] == "ARRAY":
        n *= g.t[i]["nr_elems"]
        i = g.t[i]["type_id"]
    return n, i


def same(a, b, ia, ib, seen, path):
    """Deep structural equality; ids are opaque. Returns None or a difference."""
    if ia == 0 or ib == 0:
        return None if ia == ib else f"{path}: void vs a type"
    if (ia, ib) in seen:
        return None
    seen.add((ia, ib))
    x, y = a.t[ia], b.t[ib]
    # .BTF (kept ids) may only forward-declare what pahole defines from DWARF
    if {x["kind"], y["kind"]} in ({"FWD", "STRUCT"}, {"FWD", "UNION"}):
        return None if x["name"] == y["name"] else f"{path}: {x['name']} vs {y['name']}"
    if x["kind"] == y["kind"] == "ARRAY":
        # pahole flattens int[2][3] to int[6]; clang and bpfkit nest them
        (n, ea), (m, eb) = flat(a, ia), flat(b, ib)
        return same(a, b, ea, eb, seen, path + "[]") if n == m else f"{path}: {n} vs {m} elements"
    for k in SCALAR:
        # clang's .BTF and pahole may disagree on an enum's signedness, not on its values
        if k == "encoding" and x["kind"].startswith("ENUM") and ia in a.from_btf:
            continue
        if x.get(k) != y.get(k):
            return f"{path}: {k} {x.get(k)} vs {y.get(k)}"
    kind = x["kind"]
    if kind in ("STRUCT", "UNION"):
        for m, n in zip(x["members"], y["members"]):
            for k in ("name", "bits_offset", "bitfield_size"):
                if m.get(k) != n.get(k):
                    return f"{path}.{m['name']}: {k} {m.get(k)} vs {n.get(k)}"
            d = same(a, b, m["type_id"], n["type_id"], seen, f"{path}.{m['name']}")
            if d:
                return d
    elif kind in ("ENUM", "ENUM64"):
        if x["values"] != y["values"]:
            return f"{path}: values differ"
    elif kind == "ARRAY":
        return same(a, b, x["type_id"], y["type_id"], seen, path + "[]")
    elif kind == "FUNC_PROTO":
        d = same(a, b, x["ret_type_id"], y["ret_type_id"], seen, path + "()")
        if d:
            return d
        for i, (m, n) in enumerate(zip(x["params"], y["params"])):
            d = same(a, b, m["type_id"], n["type_id"], seen, f"{path}(arg{i})")
            if d:
                return d
    elif "type_id" in x:
        return same(a, b, x["type_id"], y["type_id"], seen, path + ">")
    return None


def btf(bk, obj):
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "pahole.btf")
        run("pahole", "-J", "--btf_encode_detached=" + raw, obj)
        theirs = Graph(load(raw, ["bpftool", "-j", "btf", "dump", "file", raw]))
    listed = json.loads(run(bk, "-j", "btf", "list", obj, "--dwarf"))
    mine = Graph(load(obj, [bk, "-j", "btf", "dump", obj, "--dwarf"]),
                 [t["id"] for t in listed if t["source"] == "btf"])
    n = 0
    # one set for every named type: we stop at the first difference, so a pair in it is one
    # already proven equal (or being proven, which equality of cycles allows)
    seen = set()
    for key, ib in sorted(theirs.named.items()):
        if key[0] not in ("STRUCT", "UNION", "ENUM", "ENUM64", "TYPEDEF", "INT", "FLOAT"):
            continue
        ia = mine.named.get(key)
        if ia is None:
            sys.exit(f"{obj}: pahole -J has {key[0]} {key[1]} ({key[2]}), bpfkit --dwarf does not")
        d = same(mine, theirs, ia, ib, seen, f"{key[0]} {key[1]}")
        if d:
            sys.exit(f"{obj}: {d}")
        n += 1
    if n == 0:
        sys.exit(f"{obj}: no named type compared")
    print(f"{obj}: {n} named types equal pahole -J's")


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("layout", "btf"):
        sys.exit(__doc__)
    {"layout": layout, "btf": btf}[sys.argv[1]](sys.argv[2], sys.argv[3])
