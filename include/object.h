/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The object model (inspect/object.c): every command that takes a BPF object reads it, loads
 * it or rewrites it through struct bk_object. An object is opened once, from bytes, through
 * one gate: the ELF reader (inspect/elf.c: header, sections, symbols, relocations,
 * instructions), then .BTF (inspect/btf_view.c's checker) and .BTF.ext with its CO-RE
 * records (inspect/validate.c). The object owns the bytes; what is derived from them (the
 * checked BTF, .BTF.ext, libbpf's view of programs and maps, a libbpf bpf_object) is made on
 * first use and cached. Nothing re-reads a path after this: libbpf gets the same validated
 * bytes through bpf_object__open_mem() or, where an API only takes a path, a memfd.
 */
#ifndef BPFKIT_OBJECT_H
#define BPFKIT_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "btf_ext.h"
#include "btf_view.h"
#include "code.h"
#include "elfread.h"
#include "objinfo.h"

struct bpf_object;
struct bk_dwarf;

/* libbpf's limit on object and map names (BPF_OBJ_NAME_LEN), NUL included. */
#define BK_OBJ_NAME_LEN 16

struct bk_object {
	char *name;			/* for messages: the path, "@openat" or "<stdin>" */
	char obj_name[BK_OBJ_NAME_LEN];	/* libbpf's object name: prefixes internal maps */
	struct bk_elf *elf;		/* the checked ELF; owns the bytes */
	struct bk_btf btf;		/* checked .BTF; btf.btf is NULL without one */
	struct bext_object code;	/* .BTF (borrowed from btf) and parsed .BTF.ext */
	struct bk_objinfo info;		/* libbpf's programs and maps, when info_done */
	bool info_done;
	struct bk_code code_model;	/* instructions, relocations, lines, functions */
	bool code_done;
	struct bpf_object *bpf;		/* opened from the same bytes, on first use */
	struct bk_dwarf *dwarf;		/* .BTF plus the DWARF-only types, on first use */
	char **defects;			/* damage the gate read past (inspect/defects.c) */
	size_t nr_defects, nr_defects_found;
	int lint_err;
	bool force;			/* --force: give libbpf a damaged object anyway */
};

/*
 * Open spec: a path, "@NAME" for a bundled object, or "-" for standard input. Every check of
 * the gate runs here; a failure is -errno with a message naming the object and the problem.
 */
int bk_object_open(const char *spec, struct bk_object **out, struct errmsg *err);
/* The same over bytes: copied (the object always owns what it checked). */
int bk_object_open_mem(const void *buf, size_t size, const char *name, struct bk_object **out,
		       struct errmsg *err);
void bk_object_close(struct bk_object *o);

/* Defects of a readable object: one line each, "where: what". An object with any is damaged:
 * bk_object_bpf() refuses it unless o->force is set. Run by bk_object_open*(). */
int bk_object_lint(struct bk_object *o, struct errmsg *err);
static inline bool bk_object_damaged(const struct bk_object *o) { return o->nr_defects > 0; }

/* Bundled objects live in the binary (bpf/bundled.c), not in this library: main() says how
 * to find them. Returns the bytes of @name, or NULL. */
typedef const void *(*bk_bundled_fn)(const char *name, size_t *size);
void bk_object_set_bundled(bk_bundled_fn fn);

/* The raw bytes (the validated file). */
static inline const void *bk_object_data(const struct bk_object *o) { return o->elf->buf; }
static inline size_t bk_object_size(const struct bk_object *o) { return o->elf->size; }

/* The checked .BTF, or NULL when the object has none. */
static inline const struct btf *bk_object_btf(const struct bk_object *o) { return o->btf.btf; }

/* .BTF and .BTF.ext for the CO-RE and line-info readers; -ENOENT without .BTF. */
int bk_object_ext(struct bk_object *o, const struct bext_object **code, struct errmsg *err);

/* The code model (include/code.h), built on first use. */
int bk_object_code(struct bk_object *o, struct bk_code **code, struct errmsg *err);

/* Programs and maps as libbpf names and types them (cached). */
int bk_object_info(struct bk_object *o, const struct bk_objinfo **info, struct errmsg *err);

/*
 * libbpf's bpf_object over the validated bytes, named as libbpf names a file of this name
 * (owned by o, closed by bk_object_close). bk_object_take_bpf() hands the ownership over to
 * a caller that loads it (the caller then closes it).
 */
int bk_object_bpf(struct bk_object *o, struct bpf_object **obj, struct errmsg *err);
struct bpf_object *bk_object_take_bpf(struct bk_object *o);
/* A new bpf_object over the same bytes under another object name (a skeleton's), which
 * changes the names of internal maps; the caller closes it. */
int bk_object_bpf_open(const struct bk_object *o, const char *obj_name, struct bpf_object **obj,
		       struct errmsg *err);

/* A sealed memfd holding the bytes, for libbpf APIs that only take a path (the linker):
 * "/proc/self/fd/N" in path. The caller closes *fd. */
int bk_object_memfd(const struct bk_object *o, int *fd, char *path, size_t path_len,
		    struct errmsg *err);

/* The same for any bytes (split BTF, non-BPF ELF files). */
int bk_memfd(const char *name, const void *data, size_t size, int *fd, char *path,
	     size_t path_len, struct errmsg *err);

/* libbpf's object name for a file name: the base name up to its first '.', at most 15 bytes;
 * "@openat" -> "openat". */
void bk_object_name(const char *path, char *buf, size_t len);

#endif
