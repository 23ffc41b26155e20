/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Shared by the CO-RE files of inspect/: core_spec.c (the local side: access strings and the
 * values an object carries), core_match.c (the target side: candidates and matching) and
 * core.c (explaining and analysing relocations). */
#ifndef BPFKIT_CORE_INTERNAL_H
#define BPFKIT_CORE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "btf_ext.h"

struct btf;
struct btf_type;

#define SPEC_MAX	64	/* accessors per relocation, as libbpf */
#define MOD_DEPTH	32	/* typedef/modifier chain */
#define STEP_BUDGET	(1u << 20)	/* member visits per candidate match */
#define WHY_LEN		256

struct acc {
	uint32_t type_id;	/* the struct/union (named member) or element type (index) */
	uint32_t idx;
	const char *name;	/* member or enumerator name; NULL for an array index */
};

struct spec {
	const struct btf *btf;
	uint32_t root_id;
	uint32_t kind;
	struct acc acc[SPEC_MAX];	/* semantic steps: named members and indices */
	int len;
	uint32_t raw[SPEC_MAX];		/* every step, anonymous members included */
	int raw_len;
	uint64_t bit_off;
	unsigned int steps;		/* budget used while matching */
};

/* Value of a relocation for one side (local or target). */
struct calc {
	uint64_t val;
	uint32_t sz;		/* byte_off: size of the field loaded (0 for bitfields) */
	uint32_t type_id;	/* byte_off: the field's type */
	bool poison;
	bool validate;		/* libbpf checks the instruction holds this value */
};

struct cand {
	uint64_t hash;
	uint32_t id;
};

struct core_target {
	const struct btf *btf;
	struct cand *cands;	/* sorted by (hash, id) */
	size_t nr;
};

/* t with typedefs and modifiers skipped (bounded), its id in *res_id; NULL if none. */
const struct btf_type *core_skip_mods(const struct btf *btf, uint32_t id, uint32_t *res_id);
bool core_is_field_kind(uint32_t k);
bool core_is_type_kind(uint32_t k);
bool core_is_enumval_kind(uint32_t k);
bool core_is_exists_kind(uint32_t k);
__attribute__((format(printf, 2, 3))) int core_why_set(char *why, const char *fmt, ...);
const char *core_str_or_empty(const struct btf *btf, uint32_t off);
size_t core_essential_len(const char *name);
bool core_kinds_compat(const struct btf_type *a, const struct btf_type *b);
const char *core_kind_word(const struct btf_type *t);
void core_type_label(const struct btf *btf, uint32_t id, char *buf, size_t size);
char *core_type_label_dup(const struct btf *btf, uint32_t id);
int core_add_elems(struct spec *spec, uint32_t idx, uint32_t type_id, char *why);
int core_parse_spec(const struct btf *btf, const struct bext_relo *rec, struct spec *spec,
		      char *why);
char *core_format_spec(const struct btf *btf, const struct bext_relo *rec,
			 const struct spec *spec, bool parsed);
bool core_int_signed(const struct btf_type *t);
int core_calc(uint32_t kind, const struct spec *spec, struct calc *c, char *why);
size_t core_find_cands(const struct core_target *tg, const struct btf_type *local_t,
			 const char *name, uint32_t **ids);
int core_spec_match(const struct spec *ls, const struct btf *tb, uint32_t tid,
		      struct spec *ts, char *why);
bool core_mem_size_ok(const struct btf *lb, const struct calc *l, const struct btf *tb,
			const struct calc *t);

#endif
