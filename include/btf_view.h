/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * BTF viewer: open BTF from an object file, a raw BTF file or the kernel, check that it is
 * safe to walk, and render it as bpftool's raw text / JSON, as a C header (libbpf btf_dump),
 * as a filtered type list or as a pahole-like struct layout.
 *
 * The raw and JSON dumps stream to a FILE * given by cli/ (the kernel has ~126k types; the
 * document is never built in memory). Everything else returns plain data.
 *
 * Trust: btf__new() (libbpf 1.1) checks the header and the size of every type record but not
 * the type ids records refer to, nor cycles. bk_btf__check() does: ids in range, names
 * resolvable, no cycle that C cannot express (a modifier/pointer loop with no struct in it, a
 * struct that contains itself by value). The raw/JSON/list/closure walkers bound every id,
 * index and offset themselves and are safe on unchecked BTF; the C dump and the layout pass
 * BTF to libbpf's btf_dump, which loops forever on such cycles, so they require a checked BTF.
 */
#ifndef BPFKIT_BTF_VIEW_H
#define BPFKIT_BTF_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#include "errmsg.h"

struct btf;

#define BK_BTF_KERNEL_PATH "/sys/kernel/btf/vmlinux"

/* id past typedefs and modifiers (libbpf's btf__resolve_type); 0, void, where that leads
 * nowhere (a loop, void itself). */
__u32 bk_btf_resolved(const struct btf *btf, __u32 id);

struct bk_btf {
	struct btf *btf;	/* the BTF viewed (split BTF when base is set) */
	struct btf *base;	/* base of split BTF, owned; NULL otherwise */
	__u32 start_id;		/* first id of btf's own types: 1, or the base's type count */
	__u32 type_cnt;		/* btf__type_cnt(btf): ids are < type_cnt */
	bool checked;		/* bk_btf__check() passed */
};

/*
 * Open path: an ELF object (its .BTF section) or a raw BTF file, told apart by the ELF magic.
 * base_path, when set, is the base of split BTF; a file under /sys/kernel/btf/ other than
 * vmlinux defaults to the kernel's vmlinux as base. Runs bk_btf__check(). Errors:
 * "<path>: <strerror>", "<path>: no .BTF section", "<path>: not valid BTF: <reason>".
 */
int bk_btf__open(struct bk_btf *b, const char *path, const char *base_path, struct errmsg *err);
/* The same for bytes already read (name for messages): raw BTF or an ELF with .BTF. */
int bk_btf__open_mem(struct bk_btf *b, const char *name, const void *data, size_t size,
		     struct errmsg *err);
/* Adopt btf (and its base, may be NULL) and check it: for tests and the fuzzer. */
int bk_btf__adopt(struct bk_btf *b, struct btf *btf, struct btf *base, struct errmsg *err);
int bk_btf__check(struct bk_btf *b, struct errmsg *err);
void bk_btf__close(struct bk_btf *b);

/* "INT", "STRUCT", ... as bpftool prints them; "UNKN" outside the known range. */
const char *bk_btf_kind_str(unsigned int kind);
/* "struct", "enum64", "func_proto", ... (case-insensitive) -> BTF_KIND_*, or -1. */
int bk_btf_kind_parse(const char *s);
/* Shell glob (fnmatch) on a type name. */
bool bk_btf_glob(const char *pattern, const char *name);

/*
 * Ids of the types named name. "struct foo", "union foo", "enum foo" (ENUM and ENUM64),
 * "typedef foo", "func foo", ... restrict the kind. *ids is malloc()ed; 0 matches is not an
 * error (*n = 0): the caller words that message.
 */
int bk_btf_find(const struct bk_btf *b, const char *name, __u32 **ids, size_t *n,
		struct errmsg *err);

/* roots and every type they reference, transitively, sorted by id, each once. */
int bk_btf_closure(const struct bk_btf *b, const __u32 *roots, size_t nroots, __u32 **ids,
		   size_t *n, struct errmsg *err);

enum bk_btf_fmt {
	BK_BTF_FMT_RAW,		/* bpftool "btf dump file X" text */
	BK_BTF_FMT_JSON,	/* bpftool -j: {"types":[...]} */
	BK_BTF_FMT_JSON_PRETTY,
};

/*
 * Stream ids (all own types from start_id when ids is NULL) to f in raw or JSON format.
 * Returns 0 or -errno (a write error on f is -EIO).
 */
int bk_btf_dump_raw(const struct bk_btf *b, const __u32 *ids, size_t n, enum bk_btf_fmt fmt,
		    FILE *f, struct errmsg *err);

/*
 * vmlinux.h-style header through libbpf's btf_dump, with bpftool's guard and preamble; ids
 * (with what they need) or every type when ids is NULL. Requires a checked BTF.
 */
int bk_btf_dump_c(const struct bk_btf *b, const __u32 *ids, size_t n, FILE *f,
		  struct errmsg *err);

/* One row of "btf list". size < 0 when the kind has no meaningful size. */
struct bk_btf_entry {
	__u32 id;
	__u32 kind;
	const char *name;	/* "" for anonymous types; points into the BTF */
	long long size;
};

/* Own types, optionally filtered by kind (< 0: any) and a glob on the name (NULL: any). */
int bk_btf_list(const struct bk_btf *b, int kind, const char *glob, struct bk_btf_entry **out,
		size_t *n, struct errmsg *err);

struct bk_btf_member {
	const char *name;	/* "" for an anonymous member */
	char *type;		/* C type: "struct list_head *", "char[16]" */
	char *decl;		/* C declaration: "struct list_head *next", "char comm[16]" */
	__u32 type_id;
	__u32 bit_offset;	/* absolute, in bits */
	__u32 bit_size;		/* bitfield width; 0 when not a bitfield */
	__u32 size;		/* bytes of the member's type; 0 when unknown */
};

struct bk_btf_hole {
	__u32 before;		/* index of the member that follows the hole */
	__u32 bit_offset;	/* where the hole starts, in bits */
	__u32 bits;		/* its length in bits */
};

struct bk_btf_layout {
	__u32 id;
	__u32 kind;		/* BTF_KIND_STRUCT or BTF_KIND_UNION */
	const char *name;	/* "" when anonymous */
	__u32 size;		/* bytes */
	struct bk_btf_member *members;
	__u32 nr_members;
	struct bk_btf_hole *holes;
	__u32 nr_holes;
	__u64 hole_bits;	/* sum of holes */
	__u64 padding_bits;	/* after the last member up to size */
	__u64 member_bytes;	/* sum of the sizes of non-bitfield members */
};

/*
 * Resolve name to a struct or union: "struct x", "union x", a struct/union name, or a typedef
 * that names one. Returns its id, 0 when there is none, or -errno.
 */
int bk_btf_find_composite(const struct bk_btf *b, const char *name, struct errmsg *err);
/* Layout of struct/union id: members, holes and padding. Requires a checked BTF. */
int bk_btf_layout(const struct bk_btf *b, __u32 id, struct bk_btf_layout *l, struct errmsg *err);
void bk_btf_layout_free(struct bk_btf_layout *l);
/* The layout as `pahole -C` prints it (nested anonymous types expanded, cachelines,
 * summary), in *text (malloc'ed, the caller frees it). */
int bk_btf_pahole(const struct bk_btf *b, __u32 id, char **text, struct errmsg *err);

#endif
