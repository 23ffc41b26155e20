/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Types from DWARF (inspect/dwarf.c; bk_dwarf.h because <dwarf.h> is elfutils'). clang
 * puts into .BTF only the types reachable from globals, maps, function signatures and
 * CO-RE relocations; the record a program writes to a ring buffer usually lives only in
 * .debug_info. This reader walks .debug_info with libdw (over the object's checked bytes:
 * elf_memory + dwarf_begin_elf, never the path) and appends the types it finds to a copy of the object's .BTF with libbpf's BTF writer, as
 * pahole -J does. Types .BTF already has (same kind, name and size; pointers and modifiers
 * of such types) keep their .BTF ids; DWARF-only types get ids after the last .BTF type, so
 * .BTF.ext's type ids stay valid in the result.
 *
 * Damaged DWARF is an error with a message (bad references, reference loops, sizes libbpf
 * refuses), never a crash: the result also goes through bk_btf__check().
 */
#ifndef BPFKIT_BK_DWARF_H
#define BPFKIT_BK_DWARF_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "btf_view.h"
#include "errmsg.h"

struct bk_object;
struct btf;

struct bk_dwarf {
	struct bk_btf btf;	/* .BTF's types (same ids), then the DWARF-only ones */
	__u32 nr_btf;		/* btf__type_cnt(.BTF), 1 without .BTF: ids >= nr_btf are DWARF-only */
	__u32 nr_units;		/* compile units read */
	__u32 nr_dies;		/* type DIEs converted or matched */
	__u32 nr_matched;	/* of those, found in .BTF */
};

/* Build from an ELF image (buf is only read) over base (the checked .BTF, may be NULL).
 * -ENOENT: no .debug_info. */
int bk_dwarf_build(const void *buf, size_t size, const struct btf *base, const char *name,
		   struct bk_dwarf *out, struct errmsg *err);
void bk_dwarf_free(struct bk_dwarf *d);

/* Does the object carry .debug_info? */
bool bk_object_has_dwarf(const struct bk_object *o);

/* The object's DWARF types as BTF, built on first use and cached on the object. -ENOENT
 * (with a message saying to compile with -g) when there is no .debug_info. */
int bk_object_dwarf(struct bk_object *o, const struct bk_dwarf **out, struct errmsg *err);
int bk_object_dwarf_btf(struct bk_object *o, const struct bk_btf **out, struct errmsg *err);

/*
 * Record-type lookup for decoders (trace run): by name (a struct/union, "struct x" or a
 * typedef of one) when name is set, else the one struct of size bytes. *id is in the
 * bk_object_dwarf_btf() BTF; *from_dwarf tells whether only DWARF has it. -ENOENT when
 * nothing matches, -EEXIST when several structs have that size (the message names two).
 */
int bk_object_dwarf_find(struct bk_object *o, const char *name, __u32 size, __u32 *id,
			 bool *from_dwarf, struct errmsg *err);

/*
 * .BTF extended for strip --keep-types: the object's .BTF (ids, bytes and string offsets
 * unchanged, so .rel.BTF and .BTF.ext stay valid) with the DWARF-only types names[] need
 * appended, renumbered densely after the last .BTF type. *raw is malloc()ed; *added counts
 * the types appended (0 when .BTF already had them all). -ENOENT names a type neither has.
 */
int bk_object_dwarf_keep(struct bk_object *o, char *const *names, size_t n, void **raw,
			 size_t *size, size_t *added, struct errmsg *err);

#endif
