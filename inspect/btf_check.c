/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The BTF checker: what libbpf 1.1 does not check (reference ids, names, sizes, members,
 * cycles) before anything walks a BTF. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "btf_internal.h"
#include "btf_view.h"

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
				f->cnt = is_sink(t, mode) ? 0 : bk_btf_ref_count(t);
			}
			f = &stack[depth - 1];
			next = 0;
			if (f->next >= f->cnt) {
				color[f->id] = 2;
				depth--;
				continue;
			}
			next = bk_btf_ref_at(f->t, f->next++);
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
		n = bk_btf_ref_count(t);
		for (i = 0; i < n; i++) {
			ref = bk_btf_ref_at(t, i);
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
