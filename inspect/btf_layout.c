/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Struct and union layouts, pahole style: members, holes, padding. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "btf_internal.h"
#include "btf_view.h"

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

	name = bk_btf_split_kind(name, &kind, &kind2);
	if (kind >= 0 && kind != BTF_KIND_STRUCT && kind != BTF_KIND_UNION &&
	    kind != BTF_KIND_TYPEDEF)
		return 0;
	if (!*name)
		return 0;
	/* a struct or union by that name first */
	for (id = 1; id < b->type_cnt; id++) {
		t = btf__type_by_id(b->btf, id);
		if (t && btf_is_composite(t) && (kind < 0 || btf_kind(t) == (__u32)kind) &&
		    !strcmp(bk_btf_name(b->btf, t->name_off), name))
			return id;
	}
	if (kind >= 0 && kind != BTF_KIND_TYPEDEF)
		return 0;
	/* then a typedef that names one, through bounded modifier chains */
	for (id = 1; id < b->type_cnt; id++) {
		t = btf__type_by_id(b->btf, id);
		if (!t || !btf_is_typedef(t) || strcmp(bk_btf_name(b->btf, t->name_off), name))
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

	mem->name = bk_btf_name(b->btf, m->name_off);
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
	l->name = bk_btf_name(b->btf, t->name_off);
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
