/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Records rendered through a plan compiled once from BTF (see include/recfmt.h). */
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "btf_view.h"
#include "recfmt.h"

#define MAX_DEPTH 32

enum op_kind {
	OP_LIT,		/* pool bytes [lit, lit + n) */
	OP_INT,		/* size bytes at off */
	OP_BITS,	/* bits bits at bit bitoff of the bytes at off */
	OP_ENUM,	/* size bytes at off, by the name t gives it */
	OP_PTR,
	OP_FLOAT,
	OP_CHARS,	/* char[n] at off, up to its NUL */
	OP_ARRAY,	/* n elements of stride bytes at off: the ops up to end, each */
};

#define F_SIGNED 1
#define F_BOOL 2

struct op {
	uint8_t kind, size, bitoff, bits, flags;
	uint32_t off;		/* from the start of the enclosing record or array element */
	uint32_t n, stride, end, lit;
	const struct btf_type *t;
};

/* A member of the record itself: it may be past the end of a short record. */
struct top {
	uint32_t key, key_len;	/* "name=" or "\"name\":" in the pool */
	uint32_t off, size;
	bool unsized;		/* a type that cannot be sized: null */
	uint32_t first, end;	/* its ops */
	bool bits;		/* a bitfield: shown from the bytes the record holds */
};

struct recfmt {
	const struct btf *btf;
	bool json;
	struct op *ops;
	size_t nr_ops, cap_ops;
	struct top *tops;
	size_t nr_tops, cap_tops;
	struct kbuf pool;
	size_t barrier;		/* ops before it are closed: a literal does not join them */
	bool oom;
};

static void kbuf_s64(struct kbuf *b, int64_t v)
{
	if (v < 0)
		kbuf_put(b, "-", 1);
	kbuf_u64(b, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);
}

/* ---- compiling ---- */

static struct op *add_op(struct recfmt *f, enum op_kind kind, uint32_t off, uint32_t size)
{
	struct op *o;

	if (f->nr_ops == f->cap_ops) {
		size_t cap = f->cap_ops ? f->cap_ops * 2 : 32;

		o = realloc(f->ops, cap * sizeof(*o));
		if (!o) {
			f->oom = true;
			return NULL;
		}
		f->ops = o;
		f->cap_ops = cap;
	}
	o = &f->ops[f->nr_ops++];
	memset(o, 0, sizeof(*o));
	o->kind = (uint8_t)kind;
	o->off = off;
	o->size = (uint8_t)(size > 8 ? 8 : size);
	return o;
}

/* Literal output; one that follows another joins it. */
static void lit(struct recfmt *f, const char *s, size_t n)
{
	struct op *prev = f->nr_ops ? &f->ops[f->nr_ops - 1] : NULL;
	uint32_t at = (uint32_t)f->pool.len;

	kbuf_put(&f->pool, s, n);
	if (prev && f->nr_ops > f->barrier && prev->kind == OP_LIT && prev->lit + prev->n == at)
		prev->n += (uint32_t)n;
	else if ((prev = add_op(f, OP_LIT, 0, 0)))
		*prev = (struct op){ .kind = OP_LIT, .lit = at, .n = (uint32_t)n };
}

static void lit_str(struct recfmt *f, const char *s)
{
	lit(f, s, strlen(s));
}

/* "name=" or "\"name\":", after a separator when sep. */
static void key_text(struct kbuf *out, bool json, const char *name, bool sep)
{
	if (!name || !*name)
		name = "_anon";
	if (sep)
		kbuf_put(out, json ? "," : " ", 1);
	if (json) {
		kbuf_qstr(out, name, 256);
		kbuf_put(out, ":", 1);
	} else {
		kbuf_str(out, name);
		kbuf_put(out, "=", 1);
	}
}

static bool is_char(const struct btf *btf, uint32_t id)
{
	const struct btf_type *t = btf__type_by_id(btf, bk_btf_resolved(btf, id));

	return t && btf_is_int(t) && t->size == 1 &&
	       ((btf_int_encoding(t) & BTF_INT_CHAR) ||
		!strcmp(btf__name_by_offset(btf, t->name_off), "char"));
}

static void value(struct recfmt *f, uint32_t id, uint32_t off, int depth);

/* How an int's bytes are shown: signed, bool, else unsigned. */
static uint8_t int_flags(const struct btf_type *t)
{
	return (btf_int_encoding(t) & BTF_INT_SIGNED ? F_SIGNED : 0) |
	       (btf_int_encoding(t) & BTF_INT_BOOL ? F_BOOL : 0);
}

/* A bitfield member's op at off (bytes) + bitoff (bits); false when it is not one. */
static bool bitfield(struct recfmt *f, const struct btf_type *mt, uint32_t off, uint32_t bitoff,
		     uint32_t bits)
{
	struct op *o;

	if (!bits || !(btf_is_int(mt) || btf_is_any_enum(mt)))
		return false;
	o = add_op(f, OP_BITS, off + bitoff / 8, (bitoff % 8 + bits + 7) / 8);
	if (o) {
		o->bitoff = (uint8_t)(bitoff % 8);
		o->bits = (uint8_t)bits;
		if (btf_is_int(mt))
			o->flags |= int_flags(mt);
	}
	return true;
}

/* Whether a member lies within its struct, as in any BTF a compiler wrote: rendering reads
 * a nested member only where the record holds its parent whole. */
static bool fits(const struct btf *btf, const struct btf_type *t, uint32_t mid, uint32_t bitoff,
		 uint32_t bits)
{
	int64_t sz = bits ? (bitoff % 8 + bits + 7) / 8 : btf__resolve_size(btf, mid);

	return sz < 0 || bitoff / 8 + (uint64_t)sz <= t->size;
}

/* The members of a nested struct or union at off, in {}. */
static void members(struct recfmt *f, const struct btf_type *t, uint32_t off, int depth)
{
	const struct btf_member *m = btf_members(t);
	bool first = true;

	lit(f, "{", 1);
	for (int i = 0; i < btf_vlen(t) && !f->oom; i++) {
		uint32_t bitoff = btf_member_bit_offset(t, i), bits = btf_member_bitfield_size(t, i);
		uint32_t mid = bk_btf_resolved(f->btf, m[i].type);
		const struct btf_type *mt = btf__type_by_id(f->btf, mid);
		struct kbuf k = { 0 };

		if (!mt || !fits(f->btf, t, mid, bitoff, bits))
			continue;
		key_text(&k, f->json, btf__name_by_offset(f->btf, m[i].name_off), !first);
		first = false;
		lit(f, k.p, k.len);
		f->oom |= k.failed;
		free(k.p);
		if (!bitfield(f, mt, off, bitoff, bits))
			value(f, mid, off + bitoff / 8, depth + 1);
	}
	lit(f, "}", 1);
}

static void array(struct recfmt *f, const struct btf_type *t, uint32_t off, int depth)
{
	const struct btf_array *a = btf_array(t);
	int64_t esz = btf__resolve_size(f->btf, a->type);
	size_t at;
	struct op *o;

	if (is_char(f->btf, a->type)) {
		if ((o = add_op(f, OP_CHARS, off, 0)))
			o->n = a->nelems;
		return;
	}
	lit(f, "[", 1);
	if (esz > 0 && a->nelems && (o = add_op(f, OP_ARRAY, off, 0))) {
		o->n = a->nelems;
		o->stride = (uint32_t)esz;
		at = f->nr_ops - 1;
		value(f, a->type, 0, depth + 1);
		f->ops[at].end = (uint32_t)f->nr_ops;
		f->barrier = f->nr_ops;
	}
	lit(f, "]", 1);
}

static void value(struct recfmt *f, uint32_t id, uint32_t off, int depth)
{
	const struct btf_type *t;
	int64_t sz;
	struct op *o;

	id = bk_btf_resolved(f->btf, id);
	t = btf__type_by_id(f->btf, id);
	sz = t ? btf__resolve_size(f->btf, id) : -1;
	if (!t || sz < 0 || depth > MAX_DEPTH || f->oom) {
		lit_str(f, "null");	/* a type that cannot be sized */
		return;
	}
	if (btf_is_int(t) && (o = add_op(f, OP_INT, off, t->size))) {
		o->flags |= int_flags(t);
	} else if (btf_is_any_enum(t) && (o = add_op(f, OP_ENUM, off, t->size))) {
		o->t = t;
	} else if (btf_is_ptr(t)) {
		add_op(f, OP_PTR, off, (uint32_t)sz);
	} else if (btf_is_array(t)) {
		array(f, t, off, depth);
	} else if (btf_is_struct(t) || btf_is_union(t)) {
		members(f, t, off, depth);
	} else if (btf_is_float(t) && (t->size == 4 || t->size == 8)) {
		add_op(f, OP_FLOAT, off, t->size);
	} else if (!f->oom) {
		lit_str(f, "null");
	}
}

static struct top *add_top(struct recfmt *f)
{
	struct top *t;

	if (f->nr_tops == f->cap_tops) {
		size_t cap = f->cap_tops ? f->cap_tops * 2 : 16;

		t = realloc(f->tops, cap * sizeof(*t));
		if (!t) {
			f->oom = true;
			return NULL;
		}
		f->tops = t;
		f->cap_tops = cap;
	}
	t = &f->tops[f->nr_tops++];
	memset(t, 0, sizeof(*t));
	return t;
}

int recfmt_new(const struct btf *btf, uint32_t type_id, bool json, struct recfmt **out,
	       struct errmsg *err)
{
	struct recfmt *f = calloc(1, sizeof(*f));
	const struct btf_type *t = btf__type_by_id(btf, bk_btf_resolved(btf, type_id));
	const struct btf_member *m;

	*out = NULL;
	if (!f)
		return errmsg_set(err, -ENOMEM, "out of memory");
	f->btf = btf;
	f->json = json;
	m = t && btf_is_composite(t) ? btf_members(t) : NULL;
	for (int i = 0; m && i < btf_vlen(t) && !f->oom; i++) {
		uint32_t bitoff = btf_member_bit_offset(t, i), bits = btf_member_bitfield_size(t, i);
		uint32_t mid = bk_btf_resolved(btf, m[i].type);
		const struct btf_type *mt = btf__type_by_id(btf, mid);
		int64_t sz = mt ? btf__resolve_size(btf, mid) : -1;
		struct top *top;

		if (!mt || !(top = add_top(f)))
			continue;
		top->key = (uint32_t)f->pool.len;
		key_text(&f->pool, json, btf__name_by_offset(btf, m[i].name_off), false);
		top->key_len = (uint32_t)(f->pool.len - top->key);
		top->off = bitoff / 8;
		top->size = sz > 0 ? (uint32_t)sz : 0;
		top->unsized = sz < 0;
		top->first = (uint32_t)f->nr_ops;
		f->barrier = f->nr_ops;
		top->bits = bitfield(f, mt, 0, bitoff, bits);
		if (!top->bits)
			value(f, mid, 0, 1);
		top->end = (uint32_t)f->nr_ops;
	}
	if (f->oom || f->pool.failed) {
		recfmt_free(f);
		return errmsg_set(err, -ENOMEM, "out of memory");
	}
	*out = f;
	return 0;
}

void recfmt_free(struct recfmt *f)
{
	if (!f)
		return;
	free(f->ops);
	free(f->tops);
	free(f->pool.p);
	free(f);
}

/* ---- rendering ---- */

static uint64_t read_uint(const uint8_t *p, uint32_t size)
{
	uint64_t v = 0;

	memcpy(&v, p, size > 8 ? 8 : size);	/* little endian: the BPF target of this host */
	return v;
}

static void put_int(struct kbuf *b, uint8_t flags, uint64_t v, uint32_t bits)
{
	if (bits < 64)
		v &= (1ULL << bits) - 1;
	if (flags & F_BOOL)
		kbuf_str(b, v ? "true" : "false");
	else if (flags & F_SIGNED)
		kbuf_s64(b, bits < 64 && (v >> (bits - 1)) & 1 ? (int64_t)(v | ~((1ULL << bits) - 1))
							     : (int64_t)v);
	else
		kbuf_u64(b, v);
}

/* An enum's name for v (v holds t->size bytes), else the number, signed if the enum is. */
static void put_enum(struct kbuf *b, const struct btf *btf, const struct btf_type *t, uint64_t v)
{
	unsigned int bits = t->size >= 8 ? 64 : t->size * 8;
	uint64_t mask = bits == 64 ? ~0ULL : (1ULL << bits) - 1;

	for (int i = 0; i < btf_vlen(t); i++) {
		/* enum values are s32/u32: sign-extended, then cut to the enum's size */
		uint64_t ev = btf_is_enum64(t) ? btf_enum64_value(&btf_enum64(t)[i])
					       : (uint64_t)(int64_t)btf_enum(t)[i].val;
		uint32_t name = btf_is_enum64(t) ? btf_enum64(t)[i].name_off : btf_enum(t)[i].name_off;

		if ((ev & mask) == v) {
			kbuf_qstr(b, btf__name_by_offset(btf, name), 256);
			return;
		}
	}
	if (!btf_kflag(t))
		kbuf_u64(b, v);
	else
		kbuf_s64(b, (int64_t)(bits < 64 && (v >> (bits - 1)) & 1 ? v | ~mask : v));
}

/* The shortest digits that read back the same value (9 for a float, 17 for a double); JSON
 * has no NaN or infinity: null there, as JSON.stringify writes them. */
static void put_float(struct kbuf *b, const uint8_t *p, uint32_t size, bool json)
{
	char tmp[32];
	double d;
	float x;
	int n;

	if (size == 4) {
		memcpy(&x, p, 4);
		d = x;
	} else {
		memcpy(&d, p, 8);
	}
	if (json && !isfinite(d)) {
		kbuf_put(b, "null", 4);
		return;
	}
	n = snprintf(tmp, sizeof(tmp), "%.*g", size == 4 ? FLT_DECIMAL_DIG : DBL_DECIMAL_DIG, d);
	kbuf_put(b, tmp, n > 0 ? (size_t)n : 0);
}

/* The bits of a bitfield, from at most avail bytes. */
static void put_bits(struct kbuf *b, const struct op *o, const uint8_t *p, size_t avail)
{
	put_int(b, o->flags, read_uint(p, o->size > avail ? (uint32_t)avail : o->size) >> o->bitoff,
		o->bits);
}

static void run(const struct recfmt *f, size_t from, size_t to, const uint8_t *base,
		struct kbuf *b)
{
	for (size_t i = from; i < to; i++) {
		const struct op *o = &f->ops[i];
		const uint8_t *p = base + o->off;
		char tmp[24];

		switch (o->kind) {
		case OP_LIT:
			kbuf_put(b, f->pool.p + o->lit, o->n);
			break;
		case OP_INT:
			put_int(b, o->flags, read_uint(p, o->size), o->size * 8u);
			break;
		case OP_BITS:
			put_bits(b, o, p, o->size);
			break;
		case OP_ENUM:
			put_enum(b, f->btf, o->t, read_uint(p, o->size));
			break;
		case OP_PTR:
			if (f->json) {
				kbuf_u64(b, read_uint(p, o->size));
			} else {
				snprintf(tmp, sizeof(tmp), "0x%" PRIx64, read_uint(p, o->size));
				kbuf_str(b, tmp);
			}
			break;
		case OP_FLOAT:
			put_float(b, p, o->size, f->json);
			break;
		case OP_CHARS:
			kbuf_qstr(b, (const char *)p, o->n);
			break;
		case OP_ARRAY:
			for (uint32_t j = 0; j < o->n; j++) {
				if (j)
					kbuf_put(b, ",", 1);
				run(f, i + 1, o->end, p + (size_t)j * o->stride, b);
			}
			i = o->end - 1;
			break;
		}
	}
}

void recfmt_render(const struct recfmt *f, const void *data, size_t size, struct kbuf *b)
{
	const uint8_t *p = data;
	bool first = true;

	for (size_t i = 0; i < f->nr_tops; i++) {
		const struct top *t = &f->tops[i];

		if (t->off >= size)
			continue;	/* past a short record: left out */
		if (!first)
			kbuf_put(b, f->json ? "," : " ", 1);
		first = false;
		kbuf_put(b, f->pool.p + t->key, t->key_len);
		if (t->bits)
			put_bits(b, &f->ops[t->first], p + t->off, size - t->off);
		else if (t->unsized || t->size > size - t->off)
			kbuf_put(b, "null", 4);
		else
			run(f, t->first, t->end, p + t->off, b);
	}
}
