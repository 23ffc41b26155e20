/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * BTF viewer (see include/btf_view.h). libbpf parses and emits C; this file opens sources,
 * checks what libbpf 1.1 does not (reference ids, cycles), formats bpftool's raw and JSON
 * dumps, and computes lists, type closures and struct layouts.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

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
static const char *name_or_anon(const struct btf *btf, __u32 off)
{
	const char *s;

	if (!off)
		return "(anon)";
	s = btf__name_by_offset(btf, off);
	return s ? s : "(invalid)";
}

/* The name as data: "" for anonymous or unresolvable names. */
static const char *name_of(const struct btf *btf, __u32 off)
{
	const char *s = off ? btf__name_by_offset(btf, off) : NULL;

	return s ? s : "";
}

/* ---- references between types -------------------------------------------------------- */

/* How many type ids t refers to; ref_at() gives each. Bounded by the record libbpf sized. */
static __u32 ref_count(const struct btf_type *t)
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

static __u32 ref_at(const struct btf_type *t, __u32 i)
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

/* ---- checking -------------------------------------------------------------------------- */

/* Type records are runs of __u32: the first one's alignment is everyone's. */
static bool types_aligned(const struct btf *btf, __u32 first)
{
	const struct btf_type *t = first < btf__type_cnt(btf) ? btf__type_by_id(btf, first) : NULL;

	return !t || ((uintptr_t)t & 3) == 0;
}

int bk_btf__adopt(struct bk_btf *b, struct btf *btf, struct btf *base, struct errmsg *err)
{
	memset(b, 0, sizeof(*b));
	b->btf = btf;
	b->base = base;
	b->type_cnt = btf__type_cnt(btf);
	b->start_id = base ? btf__type_cnt(base) : 1;
	if (b->start_id > b->type_cnt)
		b->start_id = b->type_cnt;
	/*
	 * libbpf 1.1 accepts a header length or type offset that is not a multiple of 4, which
	 * leaves every record misaligned (undefined behaviour to read). Nothing walks such BTF:
	 * it is left with no types at all.
	 */
	if (!types_aligned(btf, b->start_id) || (base && !types_aligned(base, 1))) {
		b->start_id = b->type_cnt = 1;
		return errmsg_set(err, -EINVAL, "not valid BTF: type section not aligned to 4 bytes");
	}
	return bk_btf__check(b, err);
}

void bk_btf__close(struct bk_btf *b)
{
	if (!b)
		return;
	btf__free(b->btf);
	btf__free(b->base);
	memset(b, 0, sizeof(*b));
}

static int check_names(const struct bk_btf *b, __u32 id, const struct btf_type *t,
		       struct errmsg *err)
{
	__u32 i, vlen = btf_vlen(t), off;

	if (t->name_off && !btf__name_by_offset(b->btf, t->name_off))
		return errmsg_set(err, -EINVAL, "not valid BTF: type [%u] has a bad name offset %u",
				  id, t->name_off);
	for (i = 0; i < vlen; i++) {
		switch (btf_kind(t)) {
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
			off = btf_members(t)[i].name_off;
			break;
		case BTF_KIND_ENUM:
			off = btf_enum(t)[i].name_off;
			break;
		case BTF_KIND_ENUM64:
			off = btf_enum64(t)[i].name_off;
			break;
		case BTF_KIND_FUNC_PROTO:
			off = btf_params(t)[i].name_off;
			break;
		default:
			return 0;
		}
		if (off && !btf__name_by_offset(b->btf, off))
			return errmsg_set(err, -EINVAL,
					  "not valid BTF: type [%u] item %u has a bad name offset %u",
					  id, i, off);
	}
	return 0;
}

/* Sizes the kernel accepts (btf_int_check_meta and friends); btf_dump divides by them. */
static int check_size(__u32 id, const struct btf_type *t, struct errmsg *err)
{
	__u32 v, sz = t->size;
	bool ok = true;

	switch (btf_kind(t)) {
	case BTF_KIND_INT:
		v = *(const __u32 *)(t + 1);
		ok = (sz == 1 || sz == 2 || sz == 4 || sz == 8 || sz == 16) &&
		     BTF_INT_BITS(v) && BTF_INT_OFFSET(v) + BTF_INT_BITS(v) <= sz * 8;
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		ok = sz == 1 || sz == 2 || sz == 4 || sz == 8;
		break;
	case BTF_KIND_FLOAT:
		ok = sz == 2 || sz == 4 || sz == 8 || sz == 12 || sz == 16;
		break;
	default:
		break;
	}
	if (!ok)
		return errmsg_set(err, -EINVAL, "not valid BTF: type [%u] %s has a bad size %u",
				  id, bk_btf_kind_str(btf_kind(t)), sz);
	return 0;
}

#define SIZE_UNSET	0xffffffffu	/* not computed yet */
#define SIZE_NONE	0xfffffffeu	/* void, a function, a forward declaration, ... */
#define SIZE_HUGE	0xfffffffdu	/* 4 GiB or more */

/*
 * Size of a member's type: through modifiers, typedefs and array elements to an int,
 * pointer, struct, union, enum or float. SIZE_NONE for void, functions, forward
 * declarations (libbpf 1.1's btf_dump divides by zero on a void member). Memoized per id:
 * the kernel has ~700k members. Bounded: loops were refused before this runs.
 */
static __u32 member_size(const struct bk_btf *b, __u32 id, __u32 *memo, __u32 ptr_sz)
{
	const struct btf_type *t;
	__u32 start = id, steps, res = SIZE_NONE;
	__u64 mult = 1, sz;

	if (memo[start] != SIZE_UNSET)
		return memo[start];
	for (steps = 0; steps < b->type_cnt; steps++) {
		t = id ? btf__type_by_id(b->btf, id) : NULL;
		if (!t)
			break;
		switch (btf_kind(t)) {
		case BTF_KIND_INT:
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
		case BTF_KIND_FLOAT:
		case BTF_KIND_PTR:
			sz = mult * (btf_is_ptr(t) ? ptr_sz : t->size);
			res = sz >= SIZE_HUGE ? SIZE_HUGE : (__u32)sz;
			goto out;
		case BTF_KIND_ARRAY:
			mult *= btf_array(t)->nelems;
			if (mult >= SIZE_HUGE)
				mult = SIZE_HUGE;	/* stays huge, or 0 for a 0-size element */
			id = btf_array(t)->type;
			break;
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_CONST:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_TYPE_TAG:
			id = t->type;
			break;
		default:
			goto out;
		}
	}
out:
	memo[start] = res;
	return res;
}

static int check_members(const struct bk_btf *b, struct errmsg *err)
{
	__u32 id, i, sz, bits, *memo;
	__u32 ptr_sz = btf__pointer_size(b->btf);
	const struct btf_type *t;
	int ret = 0;

	memo = malloc(b->type_cnt * sizeof(*memo));
	if (!memo)
		return errmsg_set(err, -ENOMEM, "out of memory checking BTF");
	memset(memo, 0xff, b->type_cnt * sizeof(*memo));
	if (!ptr_sz)
		ptr_sz = sizeof(void *);
	for (id = b->start_id; id < b->type_cnt && !ret; id++) {
		t = btf__type_by_id(b->btf, id);
		if (!btf_is_composite(t))
			continue;
		for (i = 0; i < btf_vlen(t); i++) {
			sz = member_size(b, btf_members(t)[i].type, memo, ptr_sz);
			if (sz == SIZE_NONE) {
				ret = errmsg_set(err, -EINVAL,
						 "not valid BTF: member %u of type [%u] has no size",
						 i, id);
				break;
			}
			/* as the kernel checks; btf_dump would pad up to a wild offset */
			bits = btf_member_bitfield_size(t, i);
			if ((__u64)btf_member_bit_offset(t, i) + (bits ? bits : (__u64)sz * 8) >
			    (__u64)t->size * 8) {
				ret = errmsg_set(err, -EINVAL,
						 "not valid BTF: member %u of type [%u] lies beyond "
						 "its size %u", i, id, t->size);
				break;
			}
		}
	}
	free(memo);
	return ret;
}

/* Which edges a cycle search follows: all, except out of the "sink" kinds. */
enum cycle_mode {
	CYCLE_NO_STRUCT,	/* modifier/pointer/prototype loops: structs are sinks */
	CYCLE_NO_PTR,		/* a struct containing itself by value: pointers are sinks */
	CYCLE_INLINE,		/* what btf_dump writes inline: named structs, typedefs are sinks */
};

/*
 * btf_dump writes an anonymous struct's body where it is used, and recurses into it: an
 * anonymous struct that reaches itself, even through a pointer, recurses until the stack
 * overflows (a fuzzer find in libbpf 1.1). C cannot express that loop without a name.
 */
static bool is_sink(const struct btf_type *t, enum cycle_mode mode)
{
	switch (mode) {
	case CYCLE_NO_STRUCT:
		return btf_is_composite(t);
	case CYCLE_NO_PTR:
		return btf_is_ptr(t);
	default:
		return btf_is_composite(t) ? t->name_off != 0 : btf_is_typedef(t);
	}
}

struct dfs_frame {
	const struct btf_type *t;
	__u32 id;
	__u32 next;	/* next edge to follow */
	__u32 cnt;	/* edges followed from this type in this mode */
};

/*
 * Iterative DFS with three colors over own types (base BTF was checked on its own; edges
 * into it lead to types that cannot point back). Returns the id closing a cycle, or 0.
 * Each type is looked up once per pass: this runs three times over ~126k kernel types.
 */
static __u32 find_cycle(const struct bk_btf *b, enum cycle_mode mode, unsigned char *color,
			struct dfs_frame *stack)
{
	__u32 root, depth, next;
	const struct btf_type *t;
	struct dfs_frame *f;

	memset(color, 0, b->type_cnt);
	for (root = b->start_id; root < b->type_cnt; root++) {
		if (color[root])
			continue;
		next = root;
		depth = 0;
		do {
			if (next) {	/* enter a new type */
				t = btf__type_by_id(b->btf, next);
				color[next] = 1;
				f = &stack[depth++];
				f->t = t;
				f->id = next;
				f->next = 0;
				f->cnt = is_sink(t, mode) ? 0 : ref_count(t);
			}
			f = &stack[depth - 1];
			next = 0;
			if (f->next >= f->cnt) {
				color[f->id] = 2;
				depth--;
				continue;
			}
			next = ref_at(f->t, f->next++);
			if (next < b->start_id || color[next] == 2) {
				next = 0;	/* void, base type or done */
				continue;
			}
			if (color[next] == 1)
				return next;
		} while (depth);
	}
	return 0;
}

int bk_btf__check(struct bk_btf *b, struct errmsg *err)
{
	struct dfs_frame *stack = NULL;
	unsigned char *color = NULL;
	const struct btf_type *t;
	__u32 id, i, n, ref;
	int ret = 0;

	b->checked = false;
	if (b->base) {
		/* the C dump emits base types too: a --base-btf file is no more trusted */
		struct bk_btf base = {
			.btf = b->base, .start_id = 1, .type_cnt = btf__type_cnt(b->base),
		};

		ret = bk_btf__check(&base, err);
		if (ret)
			return ret;
	}
	for (id = b->start_id; id < b->type_cnt; id++) {
		t = btf__type_by_id(b->btf, id);
		if (!t)
			return errmsg_set(err, -EINVAL, "not valid BTF: type [%u] is missing", id);
		ret = check_names(b, id, t, err);
		if (!ret)
			ret = check_size(id, t, err);
		if (ret)
			return ret;
		n = ref_count(t);
		for (i = 0; i < n; i++) {
			ref = ref_at(t, i);
			if (ref >= b->type_cnt)
				return errmsg_set(err, -EINVAL,
						  "not valid BTF: type [%u] refers to type %u, "
						  "beyond the last type %u", id, ref, b->type_cnt - 1);
		}
	}

	color = malloc(b->type_cnt);
	stack = calloc(b->type_cnt, sizeof(*stack));
	if (!color || !stack) {
		ret = errmsg_set(err, -ENOMEM, "out of memory checking BTF");
		goto cleanup;
	}
	id = find_cycle(b, CYCLE_NO_STRUCT, color, stack);
	if (id) {
		ret = errmsg_set(err, -ELOOP,
				 "not valid BTF: type [%u] is part of a reference loop", id);
		goto cleanup;
	}
	id = find_cycle(b, CYCLE_NO_PTR, color, stack);
	if (id) {
		ret = errmsg_set(err, -ELOOP, "not valid BTF: type [%u] contains itself", id);
		goto cleanup;
	}
	id = find_cycle(b, CYCLE_INLINE, color, stack);
	if (id) {
		ret = errmsg_set(err, -ELOOP,
				 "not valid BTF: anonymous type [%u] refers to itself", id);
		goto cleanup;
	}
	ret = check_members(b, err);
	if (ret)
		goto cleanup;
	b->checked = true;
cleanup:
	free(color);
	free(stack);
	return ret;
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
static const char *split_kind(const char *name, int *kind, int *kind2)
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
	name = split_kind(name, &kind, &kind2);
	if (!*name)
		return 0;
	for (id = 1; id < b->type_cnt; id++) {
		t = btf__type_by_id(b->btf, id);
		if (!t || strcmp(name_of(b->btf, t->name_off), name))
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
		cnt = t ? ref_count(t) : 0;
		for (i = 0; i < cnt; i++) {
			ref = ref_at(t, i);
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

/* ---- buffered writer ------------------------------------------------------------------ */

/* The dump writes millions of small fields: batch them instead of a stdio call each. */
struct wbuf {
	FILE *f;
	size_t len;
	int err;
	char buf[1 << 16];
};

static void wb_flush(struct wbuf *w)
{
	if (w->len && fwrite(w->buf, 1, w->len, w->f) != w->len)
		w->err = -EIO;
	w->len = 0;
}

static void wb_mem(struct wbuf *w, const char *s, size_t n)
{
	if (n > sizeof(w->buf) - w->len) {
		wb_flush(w);
		if (n > sizeof(w->buf)) {
			if (fwrite(s, 1, n, w->f) != n)
				w->err = -EIO;
			return;
		}
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static void wb_puts(struct wbuf *w, const char *s)
{
	wb_mem(w, s, strlen(s));
}

static void wb_putc(struct wbuf *w, char c)
{
	if (w->len == sizeof(w->buf))
		wb_flush(w);
	w->buf[w->len++] = c;
}

static void wb_u64(struct wbuf *w, unsigned long long v)
{
	char tmp[24], *p = tmp + sizeof(tmp);

	do {
		*--p = '0' + v % 10;
		v /= 10;
	} while (v);
	wb_mem(w, p, tmp + sizeof(tmp) - p);
}

static void wb_s64(struct wbuf *w, long long v)
{
	if (v < 0) {
		wb_putc(w, '-');
		wb_u64(w, -(unsigned long long)v);
	} else {
		wb_u64(w, v);
	}
}

/* Length of a valid UTF-8 sequence at s (1..4), or 0. */
static int utf8_len(const unsigned char *s)
{
	int n, i;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0 && s[0] >= 0xc2)
		n = 2;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3;
	else if ((s[0] & 0xf8) == 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* A JSON string: BTF names come from untrusted files, so escape and repair everything. */
static void wb_json_str(struct wbuf *w, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	static const char hex[] = "0123456789abcdef";
	int n;

	wb_putc(w, '"');
	while (*s) {
		if (*s == '"' || *s == '\\') {
			wb_putc(w, '\\');
			wb_putc(w, *s++);
		} else if (*s < 0x20 || *s == 0x7f) {
			char esc[6] = { '\\', 'u', '0', '0', hex[*s >> 4], hex[*s & 15] };

			wb_mem(w, esc, sizeof(esc));
			s++;
		} else if ((n = utf8_len(s))) {
			wb_mem(w, (const char *)s, n);
			s += n;
		} else {
			wb_puts(w, "\\ufffd");
			s++;
		}
	}
	wb_putc(w, '"');
}

/* ---- one emitter for raw text and JSON ------------------------------------------------ */

/*
 * bpftool prints each type as "[id] KIND 'name' key=value ..." with one "\n\t..." line per
 * member, and the same keys as a JSON object with a list of member objects. Describing a
 * type once through em_*() keeps the two renderings in step.
 */
struct em {
	struct wbuf *w;
	bool json, pretty;
	int depth;
	bool first[8];	/* no separator yet at this depth */
};

static void em_indent(struct em *e)
{
	int i;

	if (!e->pretty)
		return;
	wb_putc(e->w, '\n');
	for (i = 0; i < e->depth; i++)
		wb_mem(e->w, "    ", 4);
}

static void em_key(struct em *e, const char *key)
{
	if (e->json) {
		if (!e->first[e->depth])
			wb_putc(e->w, ',');
		em_indent(e);
		wb_putc(e->w, '"');
		wb_puts(e->w, key);
		wb_mem(e->w, e->pretty ? "\": " : "\":", e->pretty ? 3 : 2);
	} else {
		if (!e->first[e->depth])
			wb_putc(e->w, ' ');
		wb_puts(e->w, key);
		wb_putc(e->w, '=');
	}
	e->first[e->depth] = false;
}

static void em_u(struct em *e, const char *key, unsigned long long v)
{
	em_key(e, key);
	wb_u64(e->w, v);
}

static void em_s(struct em *e, const char *key, long long v)
{
	em_key(e, key);
	wb_s64(e->w, v);
}

/* A word: JSON string, bare in text (encoding=SIGNED, linkage=static). */
static void em_word(struct em *e, const char *key, const char *v)
{
	em_key(e, key);
	if (e->json)
		wb_json_str(e->w, v);
	else
		wb_puts(e->w, v);
}

/* Text-only decoration (bpftool's "ULL" suffixes, "(VAR 'x')"). */
static void em_text(struct em *e, const char *s)
{
	if (!e->json)
		wb_puts(e->w, s);
}

/* A name: "name":"x" in JSON, 'x' in text. */
static void em_name(struct em *e, const char *name)
{
	if (e->json) {
		em_key(e, "name");
		wb_json_str(e->w, name);
		return;
	}
	if (!e->first[e->depth])
		wb_putc(e->w, ' ');
	wb_putc(e->w, '\'');
	wb_puts(e->w, name);
	wb_putc(e->w, '\'');
	e->first[e->depth] = false;
}

static void em_list_begin(struct em *e, const char *key)
{
	if (!e->json)
		return;
	em_key(e, key);
	wb_putc(e->w, '[');
	e->depth++;
	e->first[e->depth] = true;
}

static void em_list_end(struct em *e)
{
	if (!e->json)
		return;
	e->depth--;
	if (!e->first[e->depth + 1])
		em_indent(e);
	wb_putc(e->w, ']');
}

static void em_item_begin(struct em *e)
{
	if (!e->json) {
		wb_mem(e->w, "\n\t", 2);
		e->first[e->depth] = true;
		return;
	}
	if (!e->first[e->depth])
		wb_putc(e->w, ',');
	e->first[e->depth] = false;
	em_indent(e);
	wb_putc(e->w, '{');
	e->depth++;
	e->first[e->depth] = true;
}

static void em_item_end(struct em *e)
{
	if (!e->json)
		return;
	e->depth--;
	em_indent(e);
	wb_putc(e->w, '}');
}

static const char *int_encoding(__u8 enc)
{
	switch (enc) {
	case 0:
		return "(none)";
	case BTF_INT_SIGNED:
		return "SIGNED";
	case BTF_INT_CHAR:
		return "CHAR";
	case BTF_INT_BOOL:
		return "BOOL";
	default:
		return "UNKN";
	}
}

static const char *func_linkage(__u32 linkage)
{
	switch (linkage) {
	case BTF_FUNC_STATIC:
		return "static";
	case BTF_FUNC_GLOBAL:
		return "global";
	case BTF_FUNC_EXTERN:
		return "extern";
	default:
		return "(unknown)";
	}
}

static const char *var_linkage(__u32 linkage)
{
	switch (linkage) {
	case BTF_VAR_STATIC:
		return "static";
	case BTF_VAR_GLOBAL_ALLOCATED:
		return "global";
	case BTF_VAR_GLOBAL_EXTERN:
		return "extern";
	default:
		return "(unknown)";
	}
}

static void emit_members(struct em *e, const struct btf *btf, const struct btf_type *t)
{
	const struct btf_member *m = btf_members(t);
	__u32 i, vlen = btf_vlen(t);
	bool kflag = btf_kflag(t);

	em_u(e, "size", t->size);
	em_u(e, "vlen", vlen);
	em_list_begin(e, "members");
	for (i = 0; i < vlen; i++, m++) {
		__u32 bit_size = kflag ? BTF_MEMBER_BITFIELD_SIZE(m->offset) : 0;
		__u32 bit_off = kflag ? BTF_MEMBER_BIT_OFFSET(m->offset) : m->offset;

		em_item_begin(e);
		em_name(e, name_or_anon(btf, m->name_off));
		em_u(e, "type_id", m->type);
		em_u(e, "bits_offset", bit_off);
		if (bit_size)
			em_u(e, "bitfield_size", bit_size);
		em_item_end(e);
	}
	em_list_end(e);
}

static void emit_enum(struct em *e, const struct btf *btf, const struct btf_type *t)
{
	__u32 i, vlen = btf_vlen(t);
	bool is64 = btf_is_enum64(t), sign = btf_kflag(t);

	em_word(e, "encoding", sign ? "SIGNED" : "UNSIGNED");
	em_u(e, "size", t->size);
	em_u(e, "vlen", vlen);
	em_list_begin(e, "values");
	for (i = 0; i < vlen; i++) {
		__u64 v;
		__u32 name_off;

		if (is64) {
			name_off = btf_enum64(t)[i].name_off;
			v = btf_enum64_value(&btf_enum64(t)[i]);
		} else {
			name_off = btf_enum(t)[i].name_off;
			v = sign ? (__u64)(__s64)btf_enum(t)[i].val : (__u32)btf_enum(t)[i].val;
		}
		em_item_begin(e);
		em_name(e, name_or_anon(btf, name_off));
		if (sign)
			em_s(e, "val", (__s64)v);
		else
			em_u(e, "val", v);
		if (is64)
			em_text(e, sign ? "LL" : "ULL");
		em_item_end(e);
	}
	em_list_end(e);
}

static void emit_proto(struct em *e, const struct btf *btf, const struct btf_type *t)
{
	const struct btf_param *p = btf_params(t);
	__u32 i, vlen = btf_vlen(t);

	em_u(e, "ret_type_id", t->type);
	em_u(e, "vlen", vlen);
	em_list_begin(e, "params");
	for (i = 0; i < vlen; i++, p++) {
		em_item_begin(e);
		em_name(e, name_or_anon(btf, p->name_off));
		em_u(e, "type_id", p->type);
		em_item_end(e);
	}
	em_list_end(e);
}

static void emit_datasec(struct em *e, const struct btf *btf, const struct btf_type *t)
{
	const struct btf_var_secinfo *v = btf_var_secinfos(t);
	__u32 i, vlen = btf_vlen(t);
	const struct btf_type *vt;

	em_u(e, "size", t->size);
	em_u(e, "vlen", vlen);
	em_list_begin(e, "vars");
	for (i = 0; i < vlen; i++, v++) {
		em_item_begin(e);
		em_u(e, "type_id", v->type);
		em_u(e, "offset", v->offset);
		em_u(e, "size", v->size);
		/* bpftool names the variable in text only */
		vt = btf__type_by_id(btf, v->type);
		if (!e->json && vt) {
			wb_mem(e->w, " (", 2);
			wb_puts(e->w, bk_btf_kind_str(btf_kind(vt)));
			wb_mem(e->w, " '", 2);
			wb_puts(e->w, name_or_anon(btf, vt->name_off));
			wb_mem(e->w, "')", 2);
		}
		em_item_end(e);
	}
	em_list_end(e);
}

static void emit_type(struct em *e, const struct btf *btf, __u32 id, const struct btf_type *t)
{
	__u32 kind = btf_kind(t), v;

	if (e->json) {
		em_item_begin(e);
		em_u(e, "id", id);
		em_word(e, "kind", bk_btf_kind_str(kind));
		em_name(e, name_or_anon(btf, t->name_off));
	} else {
		wb_putc(e->w, '[');
		wb_u64(e->w, id);
		wb_puts(e->w, "] ");
		wb_puts(e->w, bk_btf_kind_str(kind));
		e->first[e->depth] = false;
		em_name(e, name_or_anon(btf, t->name_off));
	}

	switch (kind) {
	case BTF_KIND_INT:
		v = *(const __u32 *)(t + 1);
		em_u(e, "size", t->size);
		em_u(e, "bits_offset", BTF_INT_OFFSET(v));
		em_u(e, "nr_bits", BTF_INT_BITS(v));
		em_word(e, "encoding", int_encoding(BTF_INT_ENCODING(v)));
		break;
	case BTF_KIND_PTR:
	case BTF_KIND_CONST:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_TYPE_TAG:
		em_u(e, "type_id", t->type);
		break;
	case BTF_KIND_ARRAY:
		em_u(e, "type_id", btf_array(t)->type);
		em_u(e, "index_type_id", btf_array(t)->index_type);
		em_u(e, "nr_elems", btf_array(t)->nelems);
		break;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		emit_members(e, btf, t);
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		emit_enum(e, btf, t);
		break;
	case BTF_KIND_FWD:
		em_word(e, "fwd_kind", btf_kflag(t) ? "union" : "struct");
		break;
	case BTF_KIND_FUNC:
		em_u(e, "type_id", t->type);
		em_word(e, "linkage", func_linkage(btf_vlen(t)));
		break;
	case BTF_KIND_FUNC_PROTO:
		emit_proto(e, btf, t);
		break;
	case BTF_KIND_VAR:
		em_u(e, "type_id", t->type);
		em_text(e, ",");	/* bpftool: "type_id=1, linkage=static" */
		em_word(e, "linkage", var_linkage(btf_var(t)->linkage));
		break;
	case BTF_KIND_DATASEC:
		emit_datasec(e, btf, t);
		break;
	case BTF_KIND_FLOAT:
		em_u(e, "size", t->size);
		break;
	case BTF_KIND_DECL_TAG:
		em_u(e, "type_id", t->type);
		em_s(e, "component_idx", btf_decl_tag(t)->component_idx);
		break;
	default:
		break;
	}

	if (e->json)
		em_item_end(e);
	else
		wb_putc(e->w, '\n');
}

int bk_btf_dump_raw(const struct bk_btf *b, const __u32 *ids, size_t n, enum bk_btf_fmt fmt,
		    FILE *f, struct errmsg *err)
{
	const struct btf_type *t;
	struct em e = { 0 };
	struct wbuf *w;
	size_t i, cnt;
	__u32 id;
	int ret;

	w = malloc(sizeof(*w));
	if (!w)
		return errmsg_set(err, -ENOMEM, "out of memory");
	w->f = f;
	w->len = 0;
	w->err = 0;
	e.w = w;
	e.json = fmt != BK_BTF_FMT_RAW;
	e.pretty = fmt == BK_BTF_FMT_JSON_PRETTY;
	e.first[0] = true;

	if (e.json) {
		wb_putc(w, '{');
		e.depth = 1;
		e.first[1] = true;
		em_list_begin(&e, "types");
	}
	cnt = ids ? n : b->type_cnt - b->start_id;
	for (i = 0; i < cnt && !w->err; i++) {
		id = ids ? ids[i] : b->start_id + (__u32)i;
		t = btf__type_by_id(b->btf, id);
		if (t && id)
			emit_type(&e, b->btf, id, t);
	}
	if (e.json) {
		em_list_end(&e);
		e.depth = 0;
		em_indent(&e);
		wb_mem(w, "}\n", 2);
	}
	wb_flush(w);
	ret = w->err;
	free(w);
	if (ret)
		return errmsg_set(err, ret, "write error: %s", strerror(-ret));
	return 0;
}

/* ---- C header ------------------------------------------------------------------------- */

static void file_printf(void *ctx, const char *fmt, va_list args)
{
	vfprintf(ctx, fmt, args);
}

int bk_btf_dump_c(const struct bk_btf *b, const __u32 *ids, size_t n, FILE *f,
		  struct errmsg *err)
{
	struct btf_dump *d;
	size_t i, cnt;
	__u32 id;
	int ret = 0;

	if (!b->checked)
		return errmsg_set(err, -EINVAL, "BTF was not checked");
	d = btf_dump__new(b->btf, file_printf, f, NULL);
	if (!d)
		return errmsg_set(err, -errno, "cannot start the C dump: %s", strerror(errno));

	/* the same guard and preamble as bpftool, so the headers are interchangeable */
	fputs("#ifndef __VMLINUX_H__\n"
	      "#define __VMLINUX_H__\n"
	      "\n"
	      "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n"
	      "#pragma clang attribute push (__attribute__((preserve_access_index)), "
	      "apply_to = record)\n"
	      "#endif\n"
	      "\n", f);
	/* like bpftool, every type from id 1, base types of split BTF included */
	cnt = ids ? n : b->type_cnt - 1;
	for (i = 0; i < cnt; i++) {
		id = ids ? ids[i] : (__u32)i + 1;
		ret = btf_dump__dump_type(d, id);
		if (ret) {
			errmsg_set(err, ret, "cannot emit type [%u] as C: %s", id, strerror(-ret));
			goto cleanup;
		}
	}
	fputs("#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n"
	      "#pragma clang attribute pop\n"
	      "#endif\n"
	      "\n"
	      "#endif /* __VMLINUX_H__ */\n", f);
	if (fflush(f) || ferror(f))
		ret = errmsg_set(err, -EIO, "write error: %s", strerror(errno ? errno : EIO));
cleanup:
	btf_dump__free(d);
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
		name = name_of(b->btf, t->name_off);
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

/* ---- layout --------------------------------------------------------------------------- */

/* Growable string that btf_dump prints declarations into. */
struct sbuf {
	char *p;
	size_t len, cap;
	int err;
};

static void sbuf_printf(void *ctx, const char *fmt, va_list args)
{
	struct sbuf *s = ctx;
	va_list copy;
	size_t need;
	char *p;
	int n;

	va_copy(copy, args);
	n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0 || s->err)
		return;
	need = s->len + n + 1;
	if (need > s->cap) {
		p = realloc(s->p, need * 2);
		if (!p) {
			s->err = -ENOMEM;
			return;
		}
		s->p = p;
		s->cap = need * 2;
	}
	vsnprintf(s->p + s->len, n + 1, fmt, args);
	s->len += n;
}

/*
 * btf_dump writes an anonymous struct member's type in full ("struct {\n\tint a;\n} x").
 * A layout line wants "struct {...} x": fold every outermost brace block and whitespace runs.
 */
static char *fold_braces(const char *s)
{
	/* worst case: "{}" (2 bytes) becomes "{...}" (5 bytes) */
	char *out = malloc(strlen(s) / 2 * 5 + 8), *o = out;
	int depth = 0;

	if (!out)
		return NULL;
	for (; *s; s++) {
		if (*s == '{') {
			if (!depth++) {
				memcpy(o, "{...}", 5);
				o += 5;
			}
		} else if (*s == '}') {
			if (depth)
				depth--;
		} else if (!depth) {
			if (*s == '\n' || *s == '\t')
				continue;
			*o++ = *s;
		}
	}
	*o = '\0';
	return out;
}

static char *render_decl(struct btf_dump *d, struct sbuf *s, __u32 type_id, const char *field)
{
	LIBBPF_OPTS(btf_dump_emit_type_decl_opts, opts, .field_name = field);

	s->len = 0;
	s->err = 0;
	if (btf_dump__emit_type_decl(d, type_id, &opts) || s->err)
		return NULL;
	if (!s->p)
		return strdup("");
	s->p[s->len] = '\0';
	return fold_braces(s->p);
}

int bk_btf_find_composite(const struct bk_btf *b, const char *name, struct errmsg *err)
{
	const struct btf_type *t;
	int kind, kind2, depth;
	__u32 id, next;

	name = split_kind(name, &kind, &kind2);
	if (kind >= 0 && kind != BTF_KIND_STRUCT && kind != BTF_KIND_UNION &&
	    kind != BTF_KIND_TYPEDEF)
		return 0;
	if (!*name)
		return 0;
	/* a struct or union by that name first */
	for (id = 1; id < b->type_cnt; id++) {
		t = btf__type_by_id(b->btf, id);
		if (t && btf_is_composite(t) && (kind < 0 || btf_kind(t) == (__u32)kind) &&
		    !strcmp(name_of(b->btf, t->name_off), name))
			return id;
	}
	if (kind >= 0 && kind != BTF_KIND_TYPEDEF)
		return 0;
	/* then a typedef that names one, through bounded modifier chains */
	for (id = 1; id < b->type_cnt; id++) {
		t = btf__type_by_id(b->btf, id);
		if (!t || !btf_is_typedef(t) || strcmp(name_of(b->btf, t->name_off), name))
			continue;
		next = t->type;
		for (depth = 0; depth < 32; depth++) {
			t = btf__type_by_id(b->btf, next);
			if (!t || !next)
				break;
			if (btf_is_composite(t))
				return next;
			if (!btf_is_mod(t) && !btf_is_typedef(t))
				break;
			next = t->type;
		}
	}
	(void)err;
	return 0;
}

static int add_hole(struct bk_btf_layout *l, __u32 before, __u32 start, __u32 bits)
{
	struct bk_btf_hole *h;

	h = realloc(l->holes, (l->nr_holes + 1) * sizeof(*h));
	if (!h)
		return -ENOMEM;
	l->holes = h;
	h[l->nr_holes].before = before;
	h[l->nr_holes].bit_offset = start;
	h[l->nr_holes].bits = bits;
	l->nr_holes++;
	l->hole_bits += bits;
	return 0;
}

/* Fill l->members[i] from BTF member m. */
static int fill_member(const struct bk_btf *b, struct btf_dump *d, struct sbuf *s,
		       const struct btf_type *t, __u32 i, struct bk_btf_member *mem)
{
	const struct btf_member *m = &btf_members(t)[i];
	long long sz;

	mem->name = name_of(b->btf, m->name_off);
	mem->type_id = m->type;
	mem->bit_offset = btf_member_bit_offset(t, i);
	mem->bit_size = btf_member_bitfield_size(t, i);
	sz = btf__resolve_size(b->btf, m->type);
	mem->size = sz > 0 && sz <= UINT32_MAX ? (__u32)sz : 0;
	mem->type = render_decl(d, s, m->type, "");
	mem->decl = render_decl(d, s, m->type, mem->name);
	if (!mem->type || !mem->decl)
		return -ENOMEM;
	return 0;
}

int bk_btf_layout(const struct bk_btf *b, __u32 id, struct bk_btf_layout *l, struct errmsg *err)
{
	const struct btf_type *t = btf__type_by_id(b->btf, id);
	struct sbuf s = { 0 };
	struct btf_dump *d = NULL;
	__u64 end = 0, start, stop;
	int ret = 0;
	__u32 i;

	memset(l, 0, sizeof(*l));
	if (!b->checked)
		return errmsg_set(err, -EINVAL, "BTF was not checked");
	if (!t || !btf_is_composite(t))
		return errmsg_set(err, -EINVAL, "type [%u] is not a struct or union", id);
	l->id = id;
	l->kind = btf_kind(t);
	l->name = name_of(b->btf, t->name_off);
	l->size = t->size;
	l->nr_members = btf_vlen(t);
	l->members = calloc(l->nr_members ? l->nr_members : 1, sizeof(*l->members));
	d = btf_dump__new(b->btf, sbuf_printf, &s, NULL);
	if (!l->members || !d) {
		ret = errmsg_set(err, -ENOMEM, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < l->nr_members; i++) {
		struct bk_btf_member *mem = &l->members[i];

		if (fill_member(b, d, &s, t, i, mem)) {
			ret = errmsg_set(err, -ENOMEM, "out of memory");
			goto cleanup;
		}
		start = mem->bit_offset;
		stop = start + (mem->bit_size ? mem->bit_size : (__u64)mem->size * 8);
		if (!mem->bit_size)
			l->member_bytes += mem->size;
		/* members of a union all start at 0: a gap only exists in a struct */
		if (btf_is_struct(t) && start > end && add_hole(l, i, end, start - end)) {
			ret = errmsg_set(err, -ENOMEM, "out of memory");
			goto cleanup;
		}
		if (stop > end)
			end = stop;
	}
	if ((__u64)l->size * 8 > end)
		l->padding_bits = (__u64)l->size * 8 - end;
cleanup:
	btf_dump__free(d);
	free(s.p);
	if (ret)
		bk_btf_layout_free(l);
	return ret;
}

void bk_btf_layout_free(struct bk_btf_layout *l)
{
	__u32 i;

	if (!l)
		return;
	for (i = 0; l->members && i < l->nr_members; i++) {
		free(l->members[i].type);
		free(l->members[i].decl);
	}
	free(l->members);
	free(l->holes);
	memset(l, 0, sizeof(*l));
}
