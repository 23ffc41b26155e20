/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Offline facts about an object that need its symbols, relocations and BTF together
 * (inspect/objrefs.c): global variables, BTF statistics, type names, and what each program
 * references (subprograms, maps, tail calls). Strings point into the bk_elf or btf given.
 */
#ifndef BPFKIT_OBJREFS_H
#define BPFKIT_OBJREFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elfread.h"

struct btf;

/* The one spelling of a type in every view (--globals, --maps, the package manifest):
 * "struct counter_key", "const volatile __u32", "char[4]", "void *". malloc'ed; NULL when
 * out of memory. */
char *bk_btf_type_name(const struct btf *btf, uint32_t id);
/* The same into buf, for messages (cut at len). */
const char *bk_btf_type_name_buf(const struct btf *btf, uint32_t id, char *buf, size_t len);

struct bk_global {
	const char *name;
	const char *section;	/* .data, .bss, .rodata, .kconfig, ... */
	char *type;		/* bk_btf_type_name(); NULL without BTF */
	uint64_t offset, size, align;
	bool local;		/* static: not settable from user space by name */
};

/*
 * Variables of the data sections: from BTF DATASECs with offsets from the symbol table, and
 * .kconfig externs where libbpf places them; without BTF (no -g), from the symbol table
 * alone (no types). Free with bk_globals_free().
 */
int bk_globals(const struct bk_elf *e, const struct btf *btf, struct bk_global **out, size_t *n,
	       struct errmsg *err);
void bk_globals_free(struct bk_global *g, size_t n);

#define BK_BTF_MAX_KIND 32

struct bk_btf_stats {
	uint32_t nr_types;
	uint32_t kinds[BK_BTF_MAX_KIND];	/* count per BTF_KIND_* */
	uint32_t type_len, str_len;		/* from the header */
};

int bk_btf_stats(const struct bk_elf *e, const struct btf *btf, struct bk_btf_stats *st,
		 struct errmsg *err);

struct bk_prog_refs {
	size_t nr_subprogs, nr_maps;
	const char **subprogs;	/* BPF-to-BPF callees, transitively */
	const char **maps;	/* maps referenced by ld_imm64 */
	bool tail_call;		/* calls bpf_tail_call */
};

/* What program name (in section) and the subprograms it calls reference, from the code
 * model; bk_prog_refs_free() frees the lists. */
struct bk_code;
int bk_prog_refs(const struct bk_code *code, const char *section, const char *name,
		 struct bk_prog_refs *refs, struct errmsg *err);
void bk_prog_refs_free(struct bk_prog_refs *refs);

#endif
