/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Values through BTF: walk bytes as a type, build bytes from text (see btf_fmt.h). */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <cjson/cJSON.h>

#include "btf_fmt.h"
#include "objrefs.h"

#define MAX_DEPTH 32
/* Values visited per walk: zero-sized structs and arrays take no bytes, so the data size
 * alone does not bound a walk over hostile BTF (65535 members of 65535 members of ...). */
#define MAX_VISITS (1u << 20)

/* Skip typedefs and modifiers; NULL on a bad id or a loop. */
static const struct btf_type *resolve(const struct btf *btf, uint32_t *id)
{
	const struct btf_type *t = btf__type_by_id(btf, *id);

	for (int i = 0; t && i < MAX_DEPTH; i++) {
		if (!btf_is_typedef(t) && !btf_is_mod(t) && !btf_is_type_tag(t))
			return t;
		*id = t->type;
		t = btf__type_by_id(btf, *id);
	}
	return NULL;
}

static uint64_t read_uint(const unsigned char *p, size_t sz)
{
	switch (sz) {
	case 1: return *p;
	case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
	case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
	default: { uint64_t v; memcpy(&v, p, 8); return v; }
	}
}

static void write_uint(unsigned char *p, size_t sz, uint64_t v)
{
	switch (sz) {
	case 1: *p = (unsigned char)v; break;
	case 2: { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); break; }
	case 4: { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); break; }
	default: memcpy(p, &v, 8); break;
	}
}

/* Bits [off, off + bits) of data, little-endian bit order (x86, arm64). */
static uint64_t read_bits(const unsigned char *data, uint32_t off, uint32_t bits)
{
	uint64_t v = 0;

	for (uint32_t i = 0; i < bits && i < 64; i++)
		if (data[(off + i) / 8] & (1u << ((off + i) % 8)))
			v |= 1ull << i;
	return v;
}

static void write_bits(unsigned char *data, uint32_t off, uint32_t bits, uint64_t v)
{
	for (uint32_t i = 0; i < bits && i < 64; i++) {
		unsigned char mask = (unsigned char)(1u << ((off + i) % 8));

		if (v & (1ull << i))
			data[(off + i) / 8] |= mask;
		else
			data[(off + i) / 8] &= (unsigned char)~mask;
	}
}

static int64_t sign_extend(uint64_t v, uint32_t bits)
{
	if (bits >= 64 || bits == 0)
		return (int64_t)v;
	if (v & (1ull << (bits - 1)))
		v |= ~0ull << bits;
	return (int64_t)v;
}

/* An array of char (not a typedef to it, as bpftool: __u8[] stays numbers). */
static bool is_char(const struct btf *btf, uint32_t elem)
{
	const struct btf_type *t = btf__type_by_id(btf, elem);
	const char *name;

	for (int i = 0; t && btf_is_mod(t) && i < MAX_DEPTH; i++)
		t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_int(t) || t->size != 1)
		return false;
	name = btf__name_by_offset(btf, t->name_off);
	return (btf_int_encoding(t) & BTF_INT_CHAR) ||
	       (name && (!strcmp(name, "char") || !strcmp(name, "signed char") ||
			 !strcmp(name, "unsigned char")));
}

/* Printable up to the first NUL: *len is the string length; else false. */
static bool printable(const unsigned char *s, size_t n, size_t *len)
{
	size_t i;

	for (i = 0; i < n && s[i]; i++)
		if (!isprint(s[i]))
			return false;
	*len = i;
	return true;
}

/* ---- walking --------------------------------------------------------------------------- */

struct walker {
	const struct btf *btf;
	const struct bk_btf_visitor *v;
	struct errmsg *err;
	unsigned int visits;
};

static int walk(struct walker *w, uint32_t id, const unsigned char *data, size_t size,
		const char *name, uint32_t index, int depth);

static void emit(struct walker *w, const char *name, uint32_t index, struct bk_leaf *l)
{
	if (w->v->leaf)
		w->v->leaf(w->v->ctx, name, index, l);
}

static void emit_bytes(struct walker *w, const char *name, uint32_t index,
		       const unsigned char *data, size_t n)
{
	struct bk_leaf l = { .kind = BK_LEAF_BYTES, .bytes = data, .nbytes = n };

	emit(w, name, index, &l);
}

/* An int or enum value v of type t (already extracted, bits wide). */
static void emit_scalar(struct walker *w, const struct btf_type *t, uint64_t v, uint32_t bits,
			const char *name, uint32_t index)
{
	struct bk_leaf l = { .kind = BK_LEAF_UINT, .u = v };
	uint64_t mask = bits >= 64 ? ~0ULL : (1ULL << bits) - 1;

	if (btf_is_int(t)) {
		if (btf_int_encoding(t) & BTF_INT_BOOL) {
			l.kind = BK_LEAF_BOOL;
			l.u = v != 0;
		} else if (btf_int_encoding(t) & BTF_INT_SIGNED) {
			l.kind = BK_LEAF_SINT;
			l.s = sign_extend(v, bits);
		}
	} else if (btf_is_enum(t)) {
		const struct btf_enum *e = btf_enum(t);

		l.kind = BK_LEAF_ENUM;
		l.is_signed = btf_kflag(t);
		l.s = sign_extend(v, bits);
		/* BTF keeps s32/u32 values: sign-extended and cut to the enum's width, a 2-byte
		 * -3 (0xfffd in memory) matches */
		for (int i = 0; i < btf_vlen(t); i++)
			if (((uint64_t)(int64_t)e[i].val & mask) == (v & mask)) {
				l.str = btf__name_by_offset(w->btf, e[i].name_off);
				break;
			}
	} else if (btf_is_enum64(t)) {
		const struct btf_enum64 *e = btf_enum64(t);

		l.kind = BK_LEAF_ENUM;
		l.is_signed = btf_kflag(t);
		l.s = sign_extend(v, bits);
		for (int i = 0; i < btf_vlen(t); i++)
			if (btf_enum64_value(&e[i]) == v) {
				l.str = btf__name_by_offset(w->btf, e[i].name_off);
				break;
			}
	}
	emit(w, name, index, &l);
}

static int walk_array(struct walker *w, const struct btf_type *t, const unsigned char *data,
		      size_t size, const char *name, uint32_t index, int depth)
{
	const struct btf_array *a = btf_array(t);
	__s64 esz = btf__resolve_size(w->btf, a->type);
	size_t len;

	if (esz < 0 || (esz && a->nelems > size / (size_t)esz))
		return errmsg_set(w->err, -EINVAL, "BTF array does not fit the value");
	if (esz == 0 && a->nelems) {	/* elements of no size: nothing to show */
		if (w->v->open)
			w->v->open(w->v->ctx, name, index, true);
		if (w->v->close)
			w->v->close(w->v->ctx, true);
		return 0;
	}
	if (is_char(w->btf, a->type) && printable(data, a->nelems, &len)) {
		struct bk_leaf l = { .kind = BK_LEAF_STR, .str = (const char *)data, .len = len };

		emit(w, name, index, &l);
		return 0;
	}
	if (w->v->open)
		w->v->open(w->v->ctx, name, index, true);
	for (uint32_t i = 0; i < a->nelems; i++) {
		int ret = walk(w, a->type, data + i * esz, size - i * esz, NULL, i, depth + 1);

		if (ret)
			return ret;
	}
	if (w->v->close)
		w->v->close(w->v->ctx, true);
	return 0;
}

/* Members of a struct/union at data; anonymous members are inlined (C's semantics). */
static int walk_members(struct walker *w, const struct btf_type *t, const unsigned char *data,
			size_t size, int depth)
{
	const struct btf_member *m = btf_members(t);

	if (depth > MAX_DEPTH)	/* anonymous members recurse here, not through walk() */
		return errmsg_set(w->err, -EINVAL, "BTF type nested too deep");
	for (int i = 0; i < btf_vlen(t); i++, m++) {
		uint32_t off = btf_member_bit_offset(t, i), bits = btf_member_bitfield_size(t, i);
		const char *mname = btf__name_by_offset(w->btf, m->name_off);
		uint32_t mid = m->type;
		const struct btf_type *mt = resolve(w->btf, &mid);
		int ret;

		if (!mt)
			return errmsg_set(w->err, -EINVAL, "bad BTF member type");
		if (++w->visits > MAX_VISITS)
			return errmsg_set(w->err, -E2BIG, "BTF value has more than %u parts",
					  MAX_VISITS);
		if (bits) {
			if ((off + bits + 7) / 8 > size)
				return errmsg_set(w->err, -EINVAL, "BTF bitfield beyond the value");
			emit_scalar(w, mt, read_bits(data, off, bits), bits, mname, 0);
			continue;
		}
		if (off % 8 || off / 8 > size)
			return errmsg_set(w->err, -EINVAL, "BTF member beyond the value");
		if (!mname || !*mname) {
			if (btf_is_composite(mt)) {
				ret = walk_members(w, mt, data + off / 8, size - off / 8, depth + 1);
				if (ret)
					return ret;
				continue;
			}
			mname = "";
		}
		ret = walk(w, m->type, data + off / 8, size - off / 8, mname, 0, depth + 1);
		if (ret)
			return ret;
	}
	return 0;
}

static int walk(struct walker *w, uint32_t id, const unsigned char *data, size_t size,
		const char *name, uint32_t index, int depth)
{
	const struct btf_type *t;
	struct bk_leaf l = { 0 };
	__s64 sz;
	int ret;

	if (depth > MAX_DEPTH)
		return errmsg_set(w->err, -EINVAL, "BTF type nested too deep");
	if (++w->visits > MAX_VISITS)
		return errmsg_set(w->err, -E2BIG, "BTF value has more than %u parts", MAX_VISITS);
	t = resolve(w->btf, &id);
	if (!t)
		return errmsg_set(w->err, -EINVAL, "bad BTF type id %u", id);
	sz = btf_is_void(t) || btf_is_fwd(t) ? (__s64)size : btf__resolve_size(w->btf, id);
	if (sz < 0 || (size_t)sz > size)
		return errmsg_set(w->err, -EINVAL, "BTF type of %lld bytes does not fit %zu bytes",
				  (long long)sz, size);
	if (btf_is_int(t) || btf_is_any_enum(t)) {
		if (t->size > 8 || !t->size) {
			emit_bytes(w, name, index, data, t->size);
			return 0;
		}
		uint32_t bits = t->size * 8;
		uint64_t v = read_uint(data, t->size);

		if (btf_is_int(t) && btf_int_bits(t) && btf_int_bits(t) < bits) {
			v = read_bits(data, btf_int_offset(t), btf_int_bits(t));
			bits = btf_int_bits(t);
		}
		emit_scalar(w, t, v, bits, name, index);
		return 0;
	}
	if (btf_is_float(t) && (t->size == 4 || t->size == 8)) {
		l.kind = BK_LEAF_FLOAT;
		if (t->size == 4) {
			float f;

			memcpy(&f, data, 4);
			l.d = f;
		} else {
			memcpy(&l.d, data, 8);
		}
		emit(w, name, index, &l);
		return 0;
	}
	if (btf_is_ptr(t) && (sz == 4 || sz == 8)) {
		l.kind = BK_LEAF_PTR;
		l.u = read_uint(data, (size_t)sz);
		emit(w, name, index, &l);
		return 0;
	}
	if (btf_is_array(t))
		return walk_array(w, t, data, size, name, index, depth);
	if (btf_is_composite(t)) {
		if (w->v->open)
			w->v->open(w->v->ctx, name, index, false);
		ret = walk_members(w, t, data, (size_t)sz, depth);
		if (ret)
			return ret;
		if (w->v->close)
			w->v->close(w->v->ctx, false);
		return 0;
	}
	emit_bytes(w, name, index, data, (size_t)sz);
	return 0;
}

int bk_btf_walk(const struct btf *btf, uint32_t id, const void *data, size_t size,
		const struct bk_btf_visitor *v, struct errmsg *err)
{
	struct walker w = { btf, v, err, 0 };

	return walk(&w, id, data, size, NULL, 0, 0);
}

/* ---- leaves with paths ------------------------------------------------------------------ */

struct leaves {
	char path[256];
	size_t len[MAX_DEPTH + 2];
	int depth;
	bk_leaf_fn fn;
	void *ctx;
};

/* Append the name (".name" or "[i]") of a value to the path; returns the old length. */
static size_t path_push(struct leaves *lv, const char *name, uint32_t index)
{
	size_t old = strlen(lv->path), room = sizeof(lv->path) - old;

	if (name)
		snprintf(lv->path + old, room, "%s%s", old ? "." : "", name);
	else if (lv->depth > 0)
		snprintf(lv->path + old, room, "[%u]", index);
	return old;
}

static void lv_open(void *ctx, const char *name, uint32_t index, bool array)
{
	struct leaves *lv = ctx;
	size_t old = path_push(lv, name, index);

	if (lv->depth < MAX_DEPTH + 1)
		lv->len[lv->depth] = old;
	lv->depth++;
}

static void lv_close(void *ctx, bool array)
{
	struct leaves *lv = ctx;

	if (lv->depth > 0)
		lv->depth--;
	if (lv->depth < MAX_DEPTH + 1)
		lv->path[lv->len[lv->depth]] = '\0';
}

static void lv_leaf(void *ctx, const char *name, uint32_t index, const struct bk_leaf *l)
{
	struct leaves *lv = ctx;
	size_t old = path_push(lv, name, index);

	lv->fn(lv->ctx, lv->path, l);
	lv->path[old] = '\0';
}

int bk_btf_leaves(const struct btf *btf, uint32_t id, const void *data, size_t size,
		  bk_leaf_fn fn, void *ctx, struct errmsg *err)
{
	struct leaves lv = { .fn = fn, .ctx = ctx };
	struct bk_btf_visitor v = { lv_open, lv_close, lv_leaf, &lv };

	return bk_btf_walk(btf, id, data, size, &v, err);
}

/* ---- names ---------------------------------------------------------------------------- */

/* ---- parsing ---------------------------------------------------------------------------- */

struct parser {
	const struct btf *btf;
	const char *what;
	struct errmsg *err;
};

/* A place to write: type, bytes from base, and for bitfields the bits. */
struct place {
	uint32_t id;
	unsigned char *data;
	size_t size;
	uint32_t bit_off, bits;		/* bits != 0: a bitfield at bit_off from data */
	char path[128];
};

static int bad(struct parser *p, const struct place *pl, const char *text, const char *why)
{
	char tn[128];

	bk_btf_type_name_buf(p->btf, pl->id, tn, sizeof(tn));
	if (pl->path[0])
		return errmsg_set(p->err, -EINVAL, "%s: %s: '%s' does not fit %s: %s", p->what,
				  pl->path, text, tn, why);
	return errmsg_set(p->err, -EINVAL, "%s: '%s' does not fit %s: %s", p->what, text, tn, why);
}

static int parse_int_text(const char *s, bool is_signed, uint32_t bits, uint64_t *out,
			  char *why, size_t whylen)
{
	char *end;

	if (bits == 0 || bits > 64) {
		snprintf(why, whylen, "an integer of %u bits", bits);
		return -EINVAL;
	}
	errno = 0;
	if (is_signed) {
		long long v = strtoll(s, &end, 0);
		long long max = bits >= 64 ? INT64_MAX : (long long)((1ull << (bits - 1)) - 1);
		long long min = -max - 1;

		if (!*s || *end || errno || v < min || v > max) {
			snprintf(why, whylen, "%lld..%lld", min, max);
			return -EINVAL;
		}
		*out = (uint64_t)v;
		return 0;
	}
	{
		unsigned long long v;
		unsigned long long max = bits >= 64 ? UINT64_MAX : (1ull << bits) - 1;

		while (isspace((unsigned char)*s))
			s++;
		v = strtoull(s, &end, 0);
		if (!*s || *s == '-' || *end || errno || v > max) {
			snprintf(why, whylen, "0..%llu", max);
			return -EINVAL;
		}
		*out = v;
		return 0;
	}
}

static void store(const struct place *pl, size_t sz, uint64_t v)
{
	if (pl->bits)
		write_bits(pl->data, pl->bit_off, pl->bits, v);
	else
		write_uint(pl->data, sz, v);
}

static int set_enum(struct parser *p, const struct place *pl, const struct btf_type *t,
		    const char *text)
{
	uint32_t bits = pl->bits ? pl->bits : t->size * 8;
	char names[256] = "", why[64];
	uint64_t v;
	int n = btf_vlen(t);

	for (int i = 0; i < n; i++) {
		const char *en = btf_is_enum(t) ?
			btf__name_by_offset(p->btf, btf_enum(t)[i].name_off) :
			btf__name_by_offset(p->btf, btf_enum64(t)[i].name_off);

		if (en && !strcmp(en, text)) {
			v = btf_is_enum(t) ? (uint64_t)(int64_t)btf_enum(t)[i].val :
					     btf_enum64_value(&btf_enum64(t)[i]);
			store(pl, t->size, v);
			return 0;
		}
		if (en && strlen(names) + strlen(en) + 8 < sizeof(names))
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
				 i ? ", " : "", en);
		else if (en && !strstr(names, "..."))
			strcat(names, ", ...");
	}
	if (parse_int_text(text, btf_kflag(t) || text[0] == '-', bits, &v, why, sizeof(why)) == 0) {
		store(pl, t->size, v);
		return 0;
	}
	{
		char msg[320];

		snprintf(msg, sizeof(msg), "not a name (%s) nor a number", names);
		return bad(p, pl, text, msg);
	}
}

/* One scalar word into place. */
static int set_text(struct parser *p, const struct place *pl, const char *text)
{
	uint32_t id = pl->id;
	const struct btf_type *t = resolve(p->btf, &id);
	char why[96], tn[128];
	uint64_t v;

	if (!t)
		return errmsg_set(p->err, -EINVAL, "%s: bad BTF type", p->what);
	if (pl->bits && !btf_is_int(t) && !btf_is_any_enum(t))
		return bad(p, pl, text, "a bitfield of a type that is not an integer");
	if (!pl->bits && (btf_is_int(t) || btf_is_any_enum(t) || btf_is_float(t)) &&
	    (t->size > pl->size || (t->size != 1 && t->size != 2 && t->size != 4 &&
				    t->size != 8)))
		return bad(p, pl, text, "a type of this size cannot be set from text");
	if (btf_is_int(t) && t->size <= 8) {
		uint32_t bits = pl->bits ? pl->bits : t->size * 8;

		if (btf_int_encoding(t) & BTF_INT_BOOL) {
			if (!strcmp(text, "true") || !strcmp(text, "1"))
				v = 1;
			else if (!strcmp(text, "false") || !strcmp(text, "0"))
				v = 0;
			else
				return bad(p, pl, text, "true or false");
			store(pl, t->size, v);
			return 0;
		}
		if (is_char(p->btf, id) && strlen(text) == 1 && !isdigit((unsigned char)text[0])) {
			store(pl, 1, (unsigned char)text[0]);
			return 0;
		}
		if (parse_int_text(text, btf_int_encoding(t) & BTF_INT_SIGNED, bits, &v, why,
				   sizeof(why)))
			return bad(p, pl, text, why);
		store(pl, t->size, v);
		return 0;
	}
	if (btf_is_any_enum(t))
		return set_enum(p, pl, t, text);
	if (btf_is_float(t) && (t->size == 4 || t->size == 8)) {
		char *end;
		double d;

		errno = 0;
		d = strtod(text, &end);
		if (!*text || *end || errno)
			return bad(p, pl, text, "a number");
		if (t->size == 4) {
			float f = (float)d;

			memcpy(pl->data, &f, 4);
		} else {
			memcpy(pl->data, &d, 8);
		}
		return 0;
	}
	if (btf_is_ptr(t)) {
		if (pl->bits || pl->size < 4 ||
		    parse_int_text(text, false, pl->size >= 8 ? 64 : 32, &v, why, sizeof(why)))
			return bad(p, pl, text, pl->size < 4 ? "a pointer" : why);
		write_uint(pl->data, pl->size >= 8 ? 8 : 4, v);
		return 0;
	}
	if (btf_is_array(t) && is_char(p->btf, btf_array(t)->type) && !pl->bits) {
		uint32_t n = btf_array(t)->nelems;

		if (n > pl->size)
			return bad(p, pl, text, "an array larger than the value");
		if (strlen(text) >= n) {
			snprintf(why, sizeof(why), "%u characters at most", n ? n - 1 : 0);
			return bad(p, pl, text, why);
		}
		memset(pl->data, 0, n);
		memcpy(pl->data, text, strlen(text));
		return 0;
	}
	bk_btf_type_name_buf(p->btf, pl->id, tn, sizeof(tn));
	if (pl->path[0])
		return errmsg_set(p->err, -EINVAL,
				  "%s: %s is %s: give its fields (%s.FIELD=VALUE) or JSON", p->what,
				  pl->path, tn, pl->path);
	return errmsg_set(p->err, -EINVAL, "%s: %s: give FIELD=VALUE pairs or JSON, not '%s'",
			  p->what, tn, text);
}

/* The member called name in struct/union t (searching anonymous members too). */
static bool find_member(const struct btf *btf, const struct btf_type *t, const char *name,
			size_t nlen, uint32_t base_bits, struct place *pl, int depth)
{
	const struct btf_member *m = btf_members(t);

	if (depth > MAX_DEPTH)
		return false;
	for (int i = 0; i < btf_vlen(t); i++, m++) {
		const char *mn = btf__name_by_offset(btf, m->name_off);
		uint32_t off = base_bits + btf_member_bit_offset(t, i);

		if (mn && !*mn) {
			uint32_t id = m->type;
			const struct btf_type *mt = resolve(btf, &id);

			if (mt && btf_is_composite(mt) &&
			    find_member(btf, mt, name, nlen, off, pl, depth + 1))
				return true;
			continue;
		}
		if (!mn || strlen(mn) != nlen || strncmp(mn, name, nlen))
			continue;
		pl->id = m->type;
		pl->bits = btf_member_bitfield_size(t, i);
		pl->bit_off = pl->bits ? off : 0;
		if (pl->bits ? (off + pl->bits + 7) / 8 > pl->size : off / 8 > pl->size)
			return false;	/* a member outside its struct: bad BTF */
		if (!pl->bits) {
			pl->data += off / 8;
			pl->size -= off / 8;
		}
		return true;
	}
	return false;
}

static int no_member(struct parser *p, const struct place *pl, const struct btf_type *t,
		     const char *name, size_t nlen)
{
	const struct btf_member *m = btf_members(t);
	char fields[256] = "", tn[128];

	for (int i = 0; i < btf_vlen(t); i++, m++) {
		const char *mn = btf__name_by_offset(p->btf, m->name_off);

		if (mn && *mn && strlen(fields) + strlen(mn) + 8 < sizeof(fields))
			snprintf(fields + strlen(fields), sizeof(fields) - strlen(fields), "%s%s",
				 fields[0] ? ", " : "", mn);
	}
	bk_btf_type_name_buf(p->btf, pl->id, tn, sizeof(tn));
	return errmsg_set(p->err, -EINVAL, "%s: no field '%.*s' in %s (fields: %s)", p->what,
			  (int)nlen, name, tn, fields);
}

/* Descend pl along "a.b[2].c". */
static int follow(struct parser *p, struct place *pl, const char *path)
{
	const char *s = path;

	while (*s) {
		uint32_t id = pl->id;
		const struct btf_type *t = resolve(p->btf, &id);
		char tn[128];

		if (!t)
			return errmsg_set(p->err, -EINVAL, "%s: bad BTF type", p->what);
		if (*s == '[') {
			char *end;
			unsigned long i = strtoul(s + 1, &end, 10);
			__s64 esz;

			if (!btf_is_array(t) || *end != ']' || end == s + 1)
				return errmsg_set(p->err, -EINVAL, "%s: %s: '%s' is not an array element",
						  p->what, path, s);
			if (i >= btf_array(t)->nelems)
				return errmsg_set(p->err, -EINVAL, "%s: %s: index %lu is past %s",
						  p->what, path, i,
						  bk_btf_type_name_buf(p->btf, pl->id, tn, sizeof(tn)));
			esz = btf__resolve_size(p->btf, btf_array(t)->type);
			if (esz < 0 || (size_t)esz * (i + 1) > pl->size)
				return errmsg_set(p->err, -EINVAL, "%s: bad BTF array", p->what);
			pl->id = btf_array(t)->type;
			pl->data += i * esz;
			pl->size -= i * esz;
			s = end + 1;
			if (*s == '.')
				s++;
			continue;
		}
		size_t n = strcspn(s, ".[");

		if (!btf_is_composite(t))
			return errmsg_set(p->err, -EINVAL, "%s: %s: %s has no field '%.*s'", p->what,
					  path, bk_btf_type_name_buf(p->btf, pl->id, tn, sizeof(tn)),
					  (int)n, s);
		if (pl->bits || !find_member(p->btf, t, s, n, 0, pl, 0))
			return no_member(p, pl, t, s, n);
		s += n;
		if (*s == '.')
			s++;
	}
	snprintf(pl->path, sizeof(pl->path), "%s", path);
	return 0;
}

static int set_json(struct parser *p, const struct place *pl, const cJSON *j, int depth);

/* sub->path = parent + sep + name, cut to fit (a path is for messages only). */
static void join_path(struct place *sub, const char *parent, const char *sep, const char *name)
{
	size_t n = 0, cap = sizeof(sub->path) - 1;
	const char *parts[3] = { parent, parent[0] ? sep : "", name };

	for (int i = 0; i < 3; i++)
		for (const char *c = parts[i]; *c && n < cap; c++)
			sub->path[n++] = *c;
	sub->path[n] = '\0';
}

static int set_json_members(struct parser *p, const struct place *pl, const cJSON *obj,
			    int depth)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, obj) {
		struct place sub = *pl;
		uint32_t id = pl->id;
		const struct btf_type *t = resolve(p->btf, &id);
		int ret;

		if (!t || !btf_is_composite(t) ||
		    !find_member(p->btf, t, f->string, strlen(f->string), 0, &sub, 0))
			return t && btf_is_composite(t) ?
				no_member(p, pl, t, f->string, strlen(f->string)) :
				errmsg_set(p->err, -EINVAL, "%s: a JSON object for a non-struct",
					   p->what);
		join_path(&sub, pl->path, ".", f->string);
		ret = set_json(p, &sub, f, depth + 1);
		if (ret)
			return ret;
	}
	return 0;
}

static int set_json(struct parser *p, const struct place *pl, const cJSON *j, int depth)
{
	uint32_t id = pl->id;
	const struct btf_type *t = resolve(p->btf, &id);
	char num[64];

	if (!t || depth > MAX_DEPTH)
		return errmsg_set(p->err, -EINVAL, "%s: bad BTF type", p->what);
	if (cJSON_IsObject(j))
		return set_json_members(p, pl, j, depth);
	if (cJSON_IsArray(j)) {
		const cJSON *e;
		uint32_t i = 0;

		if (!btf_is_array(t))
			return bad(p, pl, "[...]", "not an array");
		cJSON_ArrayForEach(e, j) {
			struct place sub = *pl;
			char idx[24];
			int ret;

			snprintf(idx, sizeof(idx), "[%u]", i++);
			if (follow(p, &sub, idx))
				return -EINVAL;
			join_path(&sub, pl->path, "", idx);
			ret = set_json(p, &sub, e, depth + 1);
			if (ret)
				return ret;
		}
		return 0;
	}
	if (cJSON_IsString(j))
		return set_text(p, pl, j->valuestring);
	if (cJSON_IsBool(j))
		return set_text(p, pl, cJSON_IsTrue(j) ? "true" : "false");
	if (cJSON_IsNumber(j)) {
		/* integers as digits; cJSON keeps doubles, exact below 2^53: larger values are
		 * given as strings ("18446744073709551615") */
		if (j->valuedouble > -9.2e18 && j->valuedouble < 9.2e18 &&
		    j->valuedouble == (double)(long long)j->valuedouble)
			snprintf(num, sizeof(num), "%lld", (long long)j->valuedouble);
		else
			snprintf(num, sizeof(num), "%.17g", j->valuedouble);
		return set_text(p, pl, num);
	}
	return bad(p, pl, "null", "a value");
}

int bk_btf_parse(const struct btf *btf, uint32_t id, int argc, char **argv, void *out,
		 size_t size, const char *what, struct errmsg *err)
{
	struct parser p = { btf, what, err };
	struct place top = { .id = id, .data = out, .size = size };
	__s64 sz = btf__resolve_size(btf, id);

	memset(out, 0, size);
	if (sz < 0 || (size_t)sz > size)
		return errmsg_set(err, -EINVAL, "%s: BTF type does not fit %zu bytes", what, size);
	if (argc < 1)
		return errmsg_set(err, -EINVAL, "%s: missing value", what);
	if (argc == 1 && strchr("{[\"", argv[0][0])) {
		cJSON *j = cJSON_Parse(argv[0]);
		int ret;

		if (!j)
			return errmsg_set(err, -EINVAL, "%s: '%s' is not valid JSON", what, argv[0]);
		ret = set_json(&p, &top, j, 0);
		cJSON_Delete(j);
		return ret;
	}
	if (argc == 1 && !strchr(argv[0], '='))
		return set_text(&p, &top, argv[0]);
	for (int i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '='), path[128];
		struct place pl = top;
		int ret;

		if (!eq || eq == argv[i])
			return errmsg_set(err, -EINVAL, "%s: '%s' is not FIELD=VALUE", what, argv[i]);
		snprintf(path, sizeof(path), "%.*s", (int)(eq - argv[i]), argv[i]);
		ret = follow(&p, &pl, path);
		if (ret)
			return ret;
		ret = set_text(&p, &pl, eq + 1);
		if (ret)
			return ret;
	}
	return 0;
}

static int parse_byte(const char *s, int base, unsigned char *b)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, base);
	if (!*s || *end || errno || v > 255 || *s == '-')
		return -EINVAL;
	*b = (unsigned char)v;
	return 0;
}

int bk_bytes_parse(int argc, char **argv, void *out, size_t size, const char *what,
		   struct errmsg *err)
{
	unsigned char *b = out;
	bool hex = argc > 0 && !strcmp(argv[0], "hex");
	int i;

	memset(out, 0, size);
	if (hex) {
		argc--;
		argv++;
	}
	if (!hex && argc == 1 && (size == 1 || size == 2 || size == 4 || size == 8)) {
		char why[64];
		uint64_t v;

		if (parse_int_text(argv[0], argv[0][0] == '-', (uint32_t)size * 8, &v, why,
				   sizeof(why)))
			return errmsg_set(err, -EINVAL, "%s: '%s' does not fit %zu bytes (%s)", what,
					  argv[0], size, why);
		write_uint(b, size, v);
		return 0;
	}
	if ((size_t)argc != size)
		return errmsg_set(err, -EINVAL,
				  "%s: %d bytes given, the map wants %zu (e.g. '%s hex%s')", what, argc,
				  size, what, size >= 4 ? " 01 00 00 00 ..." : " 01");
	for (i = 0; i < argc; i++)
		if (parse_byte(argv[i], hex ? 16 : 0, &b[i]))
			return errmsg_set(err, -EINVAL, "%s: byte %d: '%s' is not a byte", what, i,
					  argv[i]);
	return 0;
}
