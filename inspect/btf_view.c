/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* BTF queries (include/btf_view.h): kinds and names, references between types, lookup by
 * name, closures and type lists. */
#include <fnmatch.h>
#include <strings.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "btf_internal.h"
#include "btf_view.h"

/* ---- kinds and names ---------------------------------------------------------------- */

static const char *const kind_names[] = {
	[BTF_KIND_UNKN] = "UNKNOWN",	[BTF_KIND_INT] = "INT",
	[BTF_KIND_PTR] = "PTR",		[BTF_KIND_ARRAY] = "ARRAY",
	[BTF_KIND_STRUCT] = "STRUCT",	[BTF_KIND_UNION] = "UNION",
	[BTF_KIND_ENUM] = "ENUM",	[BTF_KIND_FWD] = "FWD",
	[BTF_KIND_TYPEDEF] = "TYPEDEF",	[BTF_KIND_VOLATILE] = "VOLATILE",
	[BTF_KIND_CONST] = "CONST",	[BTF_KIND_RESTRICT] = "RESTRICT",
	[BTF_KIND_FUNC] = "FUNC",	[BTF_KIND_FUNC_PROTO] = "FUNC_PROTO",
	[BTF_KIND_VAR] = "VAR",		[BTF_KIND_DATASEC] = "DATASEC",
	[BTF_KIND_FLOAT] = "FLOAT",	[BTF_KIND_DECL_TAG] = "DECL_TAG",
	[BTF_KIND_TYPE_TAG] = "TYPE_TAG", [BTF_KIND_ENUM64] = "ENUM64",
};

#define NR_KINDS (sizeof(kind_names) / sizeof(kind_names[0]))

const char *bk_btf_kind_str(unsigned int kind)
{
	return kind < NR_KINDS ? kind_names[kind] : "UNKN";
}

int bk_btf_kind_parse(const char *s)
{
	unsigned int k;

	for (k = 1; k < NR_KINDS; k++)
		if (!strcasecmp(s, kind_names[k]))
			return k;
	return -1;
}

bool bk_btf_glob(const char *pattern, const char *name)
{
	return fnmatch(pattern, name, 0) == 0;
}

/* bpftool's rendering of a name offset: "(anon)" for 0, "(invalid)" when out of range. */
const char *bk_btf_name_or_anon(const struct btf *btf, __u32 off)
{
	const char *s;

	if (!off)
		return "(anon)";
	s = btf__name_by_offset(btf, off);
	return s ? s : "(invalid)";
}

/* The name as data: "" for anonymous or unresolvable names. */
const char *bk_btf_name(const struct btf *btf, __u32 off)
{
	const char *s = off ? btf__name_by_offset(btf, off) : NULL;

	return s ? s : "";
}

/* ---- references between types -------------------------------------------------------- */

/* How many type ids t refers to; bk_btf_ref_at() gives each. Bounded by the record libbpf sized. */
__u32 bk_btf_ref_count(const struct btf_type *t)
{
	switch (btf_kind(t)) {
	case BTF_KIND_PTR:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
	case BTF_KIND_TYPE_TAG:
		return 1;
	case BTF_KIND_ARRAY:
		return 2;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_DATASEC:
		return btf_vlen(t);
	case BTF_KIND_FUNC_PROTO:
		return 1 + btf_vlen(t);
	default:
		return 0;
	}
}

__u32 bk_btf_ref_at(const struct btf_type *t, __u32 i)
{
	switch (btf_kind(t)) {
	case BTF_KIND_ARRAY:
		return i ? btf_array(t)->index_type : btf_array(t)->type;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return btf_members(t)[i].type;
	case BTF_KIND_DATASEC:
		return btf_var_secinfos(t)[i].type;
	case BTF_KIND_FUNC_PROTO:
		return i ? btf_params(t)[i - 1].type : t->type;
	default:
		return t->type;
	}
}

/* ---- lookup and closure --------------------------------------------------------------- */

struct kind_prefix {
	const char *word;
	int kind, kind2;	/* kind2: a second kind the word also covers, or -1 */
};

static const struct kind_prefix kind_prefixes[] = {
	{ "struct", BTF_KIND_STRUCT, -1 },	{ "union", BTF_KIND_UNION, -1 },
	{ "enum", BTF_KIND_ENUM, BTF_KIND_ENUM64 }, { "typedef", BTF_KIND_TYPEDEF, -1 },
	{ "func", BTF_KIND_FUNC, -1 },		{ "var", BTF_KIND_VAR, -1 },
	{ "datasec", BTF_KIND_DATASEC, -1 },	{ "fwd", BTF_KIND_FWD, -1 },
	{ "int", BTF_KIND_INT, -1 },		{ "float", BTF_KIND_FLOAT, -1 },
};

/* Split "struct foo" into a kind filter and "foo". A bare name matches any kind. */
const char *bk_btf_split_kind(const char *name, int *kind, int *kind2)
{
	size_t i, n;

	*kind = *kind2 = -1;
	for (i = 0; i < sizeof(kind_prefixes) / sizeof(kind_prefixes[0]); i++) {
		n = strlen(kind_prefixes[i].word);
		if (!strncmp(name, kind_prefixes[i].word, n) && name[n] == ' ') {
			*kind = kind_prefixes[i].kind;
			*kind2 = kind_prefixes[i].kind2;
			name += n;
			while (*name == ' ')
				name++;
			return name;
		}
	}
	return name;
}

static int push_id(__u32 **ids, size_t *n, size_t *cap, __u32 id)
{
	__u32 *p;

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		p = realloc(*ids, *cap * sizeof(**ids));
		if (!p)
			return -ENOMEM;
		*ids = p;
	}
	(*ids)[(*n)++] = id;
	return 0;
}

int bk_btf_find(const struct bk_btf *b, const char *name, __u32 **ids, size_t *n,
		struct errmsg *err)
{
	const struct btf_type *t;
	int kind, kind2, k;
	size_t cap = 0;
	__u32 id;

	*ids = NULL;
	*n = 0;
	name = bk_btf_split_kind(name, &kind, &kind2);
	if (!*name)
		return 0;
	for (id = 1; id < b->type_cnt; id++) {
		t = btf__type_by_id(b->btf, id);
		if (!t || strcmp(bk_btf_name(b->btf, t->name_off), name))
			continue;
		k = btf_kind(t);
		if (kind >= 0 && k != kind && k != kind2)
			continue;
		if (push_id(ids, n, &cap, id)) {
			free(*ids);
			*ids = NULL;
			*n = 0;
			return errmsg_set(err, -ENOMEM, "out of memory");
		}
	}
	return 0;
}

int bk_btf_closure(const struct bk_btf *b, const __u32 *roots, size_t nroots, __u32 **ids,
		   size_t *n, struct errmsg *err)
{
	__u32 *stack = NULL, id, i, cnt, ref;
	unsigned char *seen = NULL;
	size_t depth = 0, k;
	const struct btf_type *t;
	int ret = 0;

	*ids = NULL;
	*n = 0;
	seen = calloc(b->type_cnt ? b->type_cnt : 1, 1);
	/* each id is pushed at most once (marked when pushed): type_cnt bounds the stack */
	stack = malloc((b->type_cnt ? b->type_cnt : 1) * sizeof(*stack));
	if (!seen || !stack) {
		ret = errmsg_set(err, -ENOMEM, "out of memory");
		goto cleanup;
	}
	for (k = 0; k < nroots; k++) {
		if (roots[k] && roots[k] < b->type_cnt && !seen[roots[k]]) {
			seen[roots[k]] = 1;
			stack[depth++] = roots[k];
		}
	}
	while (depth) {
		id = stack[--depth];
		t = btf__type_by_id(b->btf, id);
		cnt = t ? bk_btf_ref_count(t) : 0;
		for (i = 0; i < cnt; i++) {
			ref = bk_btf_ref_at(t, i);
			if (ref && ref < b->type_cnt && !seen[ref]) {
				seen[ref] = 1;
				stack[depth++] = ref;
			}
		}
	}
	/* reuse the stack as the sorted output: ids in increasing order */
	for (id = 1, k = 0; id < b->type_cnt; id++)
		if (seen[id])
			stack[k++] = id;
	*ids = stack;
	*n = k;
	stack = NULL;
cleanup:
	free(stack);
	free(seen);
	return ret;
}

/* ---- list ----------------------------------------------------------------------------- */

static long long type_size(const struct btf *btf, const struct btf_type *t, __u32 id)
{
	switch (btf_kind(t)) {
	case BTF_KIND_FWD:
	case BTF_KIND_FUNC:
	case BTF_KIND_FUNC_PROTO:
	case BTF_KIND_DECL_TAG:
		return -1;
	default:
		/* libbpf bounds the depth of modifier chains and checks for overflow */
		return btf__resolve_size(btf, id);
	}
}

int bk_btf_list(const struct bk_btf *b, int kind, const char *glob, struct bk_btf_entry **out,
		size_t *n, struct errmsg *err)
{
	struct bk_btf_entry *v = NULL, *p;
	const struct btf_type *t;
	size_t cnt = 0, cap = 0;
	const char *name;
	__u32 id;

	for (id = b->start_id; id < b->type_cnt; id++) {
		t = btf__type_by_id(b->btf, id);
		if (!t || (kind >= 0 && btf_kind(t) != (__u32)kind))
			continue;
		name = bk_btf_name(b->btf, t->name_off);
		if (glob && !bk_btf_glob(glob, name))
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 256;
			p = realloc(v, cap * sizeof(*v));
			if (!p) {
				free(v);
				return errmsg_set(err, -ENOMEM, "out of memory");
			}
			v = p;
		}
		v[cnt].id = id;
		v[cnt].kind = btf_kind(t);
		v[cnt].name = name;
		v[cnt].size = type_size(b->btf, t, id);
		cnt++;
	}
	*out = v;
	*n = cnt;
	return 0;
}

__u32 bk_btf_resolved(const struct btf *btf, __u32 id)
{
	int r = btf__resolve_type(btf, id);

	return r > 0 ? (__u32)r : 0;
}
