/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * `pahole -C NAME` text for a struct or union read from BTF: nested anonymous types expanded
 * in place, bitfields, holes, bit holes, padding, cacheline markers and the summary. The
 * rules (column widths, what pahole infers from BTF: bitfield storage units, alignment and
 * packing) follow pahole 1.24's output so the two can be diffed line by line.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "btf_internal.h"
#include "btf_view.h"

#define CL 64			/* cacheline size pahole assumes */
#define TYPE_SPACING 26		/* pahole's column for member names */
#define NAME_SPACING 23		/* ... and for the offset comment (21 in a union) */
#define MAX_DEPTH 16		/* nesting bound: BTF from a file is untrusted */
#define NAME_MAX_LEN 512

struct pa {
	const struct btf *btf;
	FILE *f;
	__u32 cacheline;	/* last cacheline announced, shared by nested types */
	int depth;
};

/* The conf of one nesting level, as pahole passes it down. */
struct pconf {
	int indent, type_spacing, name_spacing;
	__u32 base;		/* absolute byte offset of the type being printed */
	bool union_member, first, last;
	bool packed;		/* the parent decided the type being printed is packed */
};

/* A member as pahole's BTF loader sees it: bitfields live in a unit of their type's size. */
struct pmem {
	const char *name;
	__u32 type, byte_offset, byte_size, bit_offset, bitfield_offset, bitfield_size;
	__u32 hole, bit_hole, alignment;
};

struct pclass {
	struct pmem *m;
	__u32 n, size, nr_holes, nr_bit_holes, pre_hole, pre_bit_hole, padding, bit_padding;
	__u32 alignment;
	bool packed;
};

static const char tabs[] = "\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t";

static void put_tabs(struct pa *p, int n)
{
	fprintf(p->f, "%.*s", n < (int)sizeof(tabs) - 1 ? n : (int)sizeof(tabs) - 1, tabs);
}

static const struct btf_type *type_of(const struct pa *p, __u32 id)
{
	return id ? btf__type_by_id(p->btf, id) : NULL;
}

/* typedefs and qualifiers off, bounded against loops */
static __u32 strip(const struct pa *p, __u32 id)
{
	const struct btf_type *t;
	int i;

	for (i = 0; i < 64 && (t = type_of(p, id)); i++) {
		if (!btf_is_typedef(t) && !btf_is_mod(t))
			break;
		id = t->type;
	}
	return id;
}

/* pahole expands a member's type in place when it is an anonymous struct, union or enum */
static bool is_anon_expandable(const struct btf_type *t)
{
	return t && (btf_is_composite(t) || btf_is_any_enum(t)) && !t->name_off;
}

static __u32 nat_align(const struct pa *p, __u32 id, int depth);

static __u32 composite_align(const struct pa *p, const struct btf_type *t, int depth)
{
	const struct btf_member *m = btf_members(t);
	__u32 i, a, max = 0;

	for (i = 0; i < btf_vlen(t); i++) {
		a = nat_align(p, strip(p, m[i].type), depth + 1);
		if (a > max)
			max = a;
	}
	return max;
}

/* pahole's natural alignment: pointer and base type sizes, the largest of a struct's. */
static __u32 nat_align(const struct pa *p, __u32 id, int depth)
{
	const struct btf_type *t = type_of(p, id);
	__u32 a = 0;

	if (!t || depth > MAX_DEPTH)
		return 1;
	if (btf_is_ptr(t))
		a = 8;
	else if (btf_is_int(t) || btf_is_float(t) || btf_is_any_enum(t))
		a = t->size;
	else if (btf_is_composite(t))
		a = composite_align(p, t, depth);
	else if (btf_is_array(t))
		a = nat_align(p, strip(p, btf_array(t)->type), depth + 1);
	return a ? a : 1;
}

/* pahole guesses __aligned__ from a gap larger than the natural alignment explains. */
static __u32 infer_alignment(__u32 offset, __u32 natural, __u32 smallest)
{
	__u32 delta = offset - smallest, a = 0;

	/* pahole computes this in unsigned arithmetic: an offset behind smallest (a union
	 * member) shifts by 32, which x86 takes as 0, giving 1: no alignment */
	if (delta && offset % 2 == 0 && offset >= smallest)
		a = 1u << (32 - __builtin_clz(delta));
	if (a <= natural || a == 1)
		return 0;
	if (a < CL && CL % a == 0 && offset % CL == 0)
		return CL;
	return a;
}

static int fill_members(const struct pa *p, const struct btf_type *t, struct pclass *c)
{
	const struct btf_member *bm = btf_members(t);
	__u32 i, smallest = 0;
	long long sz;

	c->n = btf_vlen(t);
	c->size = t->size;
	c->m = calloc(c->n ? c->n : 1, sizeof(*c->m));
	if (!c->m)
		return -ENOMEM;
	for (i = 0; i < c->n; i++) {
		struct pmem *m = &c->m[i];
		const struct btf_type *st;
		__u32 unit;

		m->name = bk_btf_name(p->btf, bm[i].name_off);
		m->type = bm[i].type;
		m->bit_offset = btf_member_bit_offset(t, i);
		m->bitfield_size = btf_member_bitfield_size(t, i);
		sz = btf__resolve_size(p->btf, m->type);
		m->byte_size = sz > 0 && sz <= UINT32_MAX ? (__u32)sz : 0;
		m->byte_offset = m->bit_offset / 8;
		st = type_of(p, strip(p, m->type));
		unit = m->byte_size * 8;
		if (m->bitfield_size && unit && st && (btf_is_int(st) || btf_is_any_enum(st))) {
			m->byte_offset = m->bit_offset / unit * unit / 8;
			m->bitfield_offset = m->bit_offset - m->byte_offset * 8;
		}
		if (!m->byte_size)
			continue;
		m->alignment = infer_alignment(m->byte_offset, nat_align(p, strip(p, m->type), 0),
					       smallest);
		smallest = m->byte_offset + m->byte_size;
	}
	c->alignment = infer_alignment(c->size, composite_align(p, t, 0), smallest);
	return 0;
}

/* Holes between members, bit holes inside bitfield units, padding: pahole's accounting. */
static void find_holes(struct pclass *c)
{
	__u32 cur_end = c->size * 8, cur_size = 0, last_seen = 0, start, end, i;
	int bit_holes, byte_holes;
	bool in_bf = false;
	struct pmem *last = NULL;

	for (i = 0; i < c->n; i++) {
		struct pmem *m = &c->m[i];

		start = m->bit_offset;
		end = start + (m->bitfield_size ? m->bitfield_size : m->byte_size * 8);
		bit_holes = byte_holes = 0;
		if (in_bf) {
			__u32 bf_end = start < cur_end ? start : cur_end;

			bit_holes = bf_end - last_seen;
			last_seen = bf_end;
		}
		if (m->bitfield_size) {
			__u32 aligned = m->byte_offset * 8;

			if (last_seen < aligned && aligned <= start) {
				byte_holes = m->byte_offset - last_seen / 8;
				last_seen = aligned;
			}
			bit_holes += start - last_seen;
		} else {
			byte_holes = start / 8 - last_seen / 8;
		}
		last_seen = end;
		if (m->bitfield_size) {
			in_bf = true;
			if (end > cur_end || m->byte_size * 8 > cur_size) {
				cur_size = m->byte_size * 8;
				cur_end = m->byte_offset * 8 + cur_size;
				if (end > cur_end)
					cur_end += cur_size;
			}
		} else {
			in_bf = false;
			cur_size = 0;
			cur_end = end;
		}
		if (last) {
			last->hole = byte_holes;
			last->bit_hole = bit_holes;
		} else {
			c->pre_hole = byte_holes;
			c->pre_bit_hole = bit_holes;
		}
		c->nr_bit_holes += !!bit_holes;
		c->nr_holes += !!byte_holes;
		last = m;
	}
	if (in_bf) {
		__u32 bf_end = c->size * 8 < cur_end ? c->size * 8 : cur_end;

		c->bit_padding = bf_end - last_seen;
		last_seen = bf_end;
	}
	c->padding = c->size - last_seen / 8;
}

/* A struct without holes or padding whose members sit off their natural alignment. */
static void infer_packed(const struct pa *p, struct pclass *c)
{
	__u32 i, a, max = 1;

	if (c->padding || c->nr_holes)
		return;
	for (i = 0; i < c->n; i++) {
		a = nat_align(p, strip(p, c->m[i].type), 0);
		if (a == 1)
			continue;
		if (a > max)
			max = a;
		if (c->m[i].byte_offset % a) {
			c->packed = true;
			return;
		}
	}
	if (c->size % max)
		c->packed = true;
}

static int load_class(const struct pa *p, const struct btf_type *t, struct pclass *c)
{
	memset(c, 0, sizeof(*c));
	if (fill_members(p, t, c))
		return -ENOMEM;
	if (btf_is_struct(t)) {
		find_holes(c);
		infer_packed(p, c);
	}
	return 0;
}

/* ---- type names ----------------------------------------------------------------------- */

/* snprintf that truncates silently: names nested past NAME_MAX_LEN are cut, not an error */
static void fmt(char *buf, size_t len, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(buf, len, f, ap);
	va_end(ap);
}

static void type_name(const struct pa *p, __u32 id, char *buf, size_t len, int depth);

static void params(const struct pa *p, const struct btf_type *fp, char *buf, size_t len,
		   int depth)
{
	const struct btf_param *prm = btf_params(fp);
	char one[NAME_MAX_LEN];
	size_t used;
	__u32 i;

	fmt(buf, len, "(");
	for (i = 0; i < btf_vlen(fp); i++) {
		used = strlen(buf);
		if (!prm[i].type)	/* a trailing void: varargs */
			fmt(one, sizeof(one), "...");
		else
			type_name(p, prm[i].type, one, sizeof(one), depth + 1);
		fmt(buf + used, len - used, "%s%s", i ? ", " : "", one);
	}
	used = strlen(buf);
	fmt(buf + used, len - used, "%s)", btf_vlen(fp) ? "" : "void");
}

static const char *kind_word(const struct btf_type *t)
{
	if (btf_is_struct(t))
		return "struct ";
	if (btf_is_union(t))
		return "union ";
	if (btf_is_any_enum(t))
		return "enum ";
	if (btf_is_fwd(t))
		return btf_kflag(t) ? "union " : "struct ";
	return "";
}

/* pahole's tag__name: "long unsigned int", "struct sock *", "const struct cred  *". */
static void type_name(const struct pa *p, __u32 id, char *buf, size_t len, int depth)
{
	const struct btf_type *t = type_of(p, id);
	char inner[NAME_MAX_LEN];

	if (!id) {
		fmt(buf, len, "void");
		return;
	}
	if (!t || depth > MAX_DEPTH) {
		fmt(buf, len, "<ERROR>");
		return;
	}
	switch (btf_kind(t)) {
	case BTF_KIND_PTR:
		if (type_of(p, t->type) && btf_is_func_proto(type_of(p, t->type))) {
			type_name(p, type_of(p, t->type)->type, inner, sizeof(inner), depth + 1);
			fmt(buf, len, "%s (*)", inner);
			params(p, type_of(p, t->type), buf + strlen(buf), len - strlen(buf),
			       depth);
			return;
		}
		type_name(p, t->type, inner, sizeof(inner), depth + 1);
		fmt(buf, len, "%s *", inner);
		return;
	case BTF_KIND_CONST:
	case BTF_KIND_VOLATILE:
		type_name(p, t->type, inner, sizeof(inner), depth + 1);
		/* a qualified pointer reads "char * const"; anything else "const char ", the
		 * space pahole leaves giving "const struct cred  *" */
		if (type_of(p, t->type) && btf_is_ptr(type_of(p, t->type)))
			fmt(buf, len, "%s %s", inner, btf_is_const(t) ? "const" : "volatile");
		else
			fmt(buf, len, "%s %s ", btf_is_const(t) ? "const" : "volatile", inner);
		return;
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		type_name(p, t->type, buf, len, depth + 1);
		return;
	case BTF_KIND_ARRAY:
		/* the dimensions go after the member name, never into the type's name */
		type_name(p, btf_array(t)->type, buf, len, depth + 1);
		return;
	default:
		fmt(buf, len, "%s%s", kind_word(t),
			 t->name_off ? bk_btf_name(p->btf, t->name_off) : "{...}");
	}
}

/* A name after a qualified type loses the trailing space pahole keeps before a pointer. */
static void trim(char *s)
{
	size_t n = strlen(s);

	while (n && s[n - 1] == ' ')
		s[--n] = '\0';
}

static int print_class(struct pa *p, __u32 id, const char *suffix, const struct pconf *c,
		       bool stats, bool *packed);
static void print_enum(struct pa *p, const struct btf_type *t, int indent, const char *suffix);

/* An anonymous struct, union or enum written out in place, "} suffix" closing it. */
static int expand(struct pa *p, __u32 id, const char *suffix, const struct pconf *c,
		  bool *packed)
{
	const struct btf_type *t = type_of(p, id);
	struct pconf sub = *c;

	*packed = false;
	if (btf_is_any_enum(t)) {
		print_enum(p, t, c->indent, suffix);
		return 0;
	}
	sub.type_spacing = c->type_spacing - 8;
	return print_class(p, id, suffix, &sub, false, packed);
}

static int decl(struct pa *p, __u32 id, const char *name, const struct pconf *c, int spacing);

/* An array: the element's declaration, then the dimensions outermost first ("m[2][3]" is an
 * array of 2 arrays of 3). A trailing member's "[0]" is written "[]", as pahole does. */
static int decl_array(struct pa *p, const struct btf_type *t, const char *name,
		      const struct pconf *c, int spacing)
{
	__u32 dims[MAX_DEPTH], nr = 0, elem = 0, i;
	bool flex_ok = c->last && !(c->first && c->last) && !c->union_member, packed;
	int n;

	while (t && btf_is_array(t) && nr < MAX_DEPTH) {
		dims[nr++] = btf_array(t)->nelems;
		elem = btf_array(t)->type;
		t = type_of(p, elem);
	}
	if (p->depth >= MAX_DEPTH)
		return fprintf(p->f, "%-*s %s", spacing, "<ERROR>", name);
	p->depth++;
	if (is_anon_expandable(t))
		/* pahole then counts the whole text: the comment follows one space on */
		n = expand(p, elem, name, c, &packed) ? 0 : 1000;
	else
		n = decl(p, elem, name, c, spacing);
	p->depth--;
	for (i = 0; i < nr; i++)
		n += dims[i] || !flex_ok ? fprintf(p->f, "[%u]", dims[i]) : fprintf(p->f, "[]");
	return n;
}

/* pahole's type__fprintf for a member that is not expanded: the declaration with the type
 * padded to the column; returns the characters written. */
static int decl(struct pa *p, __u32 id, const char *name, const struct pconf *c, int spacing)
{
	const struct btf_type *t = type_of(p, id);
	char tn[NAME_MAX_LEN], pr[NAME_MAX_LEN * 2];
	const struct btf_type *fp;
	int n;

	if (t && btf_is_const(t) && p->depth < MAX_DEPTH) {
		/* "const " and then the rest, its column six characters shorter */
		p->depth++;
		n = fprintf(p->f, "const ");
		n += decl(p, t->type, name, c, spacing - 6);
		p->depth--;
		return n;
	}
	if (t && btf_is_array(t))
		return decl_array(p, t, name, c, spacing);
	fp = t && btf_is_ptr(t) ? type_of(p, t->type) : NULL;
	if (fp && btf_is_func_proto(fp)) {
		type_name(p, fp->type, tn, sizeof(tn), 0);
		params(p, fp, pr, sizeof(pr), 0);
		return fprintf(p->f, "%-*s (*%s)%s", spacing, tn, name, pr);
	}
	type_name(p, id, tn, sizeof(tn), 0);
	if (t && btf_is_mod(t) && !btf_is_ptr(t))
		trim(tn);
	return fprintf(p->f, "%-*s %s", spacing, tn, name);
}

/* pahole 1.24 reads BTF enumerators as unsigned whatever the signedness flag says */
static unsigned long long enum_value(const struct btf_type *t, __u32 i)
{
	if (btf_is_enum64(t))
		return btf_enum64_value(&btf_enum64(t)[i]);
	return (__u32)btf_enum(t)[i].val;
}

static const char *enum_name(const struct pa *p, const struct btf_type *t, __u32 i)
{
	return bk_btf_name(p->btf, btf_is_enum64(t) ? btf_enum64(t)[i].name_off :
				     btf_enum(t)[i].name_off);
}

/* pahole's enumeration__fprintf: names padded to the longest, one per line. */
static void print_enum(struct pa *p, const struct btf_type *t, int indent, const char *suffix)
{
	__u32 i, vlen = btf_vlen(t);
	int w = 0, len;

	fprintf(p->f, "enum%s%s", t->name_off ? " " : "", bk_btf_name(p->btf, t->name_off));
	if (!vlen)
		return;
	fprintf(p->f, " {\n");
	for (i = 0; i < vlen; i++) {
		len = strlen(enum_name(p, t, i));
		if (len > w)
			w = len;
	}
	for (i = 0; i < vlen; i++) {
		put_tabs(p, indent + 1);
		fprintf(p->f, "%-*s = ", w, enum_name(p, t, i));
		fprintf(p->f, "%llu,\n", enum_value(t, i));
	}
	put_tabs(p, indent);
	fputc('}', p->f);
	if (t->size != 4)
		fprintf(p->f, " __attribute__((__packed__))");
	if (suffix)
		fprintf(p->f, " %s", suffix);
}

/* ---- members -------------------------------------------------------------------------- */

/*
 * pahole also marks a struct packed from where it sits: in a union whose size its alignment
 * does not divide, or at an unnatural offset in a struct that has holes or padding.
 */
static bool packed_by_parent(const struct pa *p, const struct btf_type *parent,
			     const struct pclass *pc, const struct pmem *m)
{
	const struct btf_type *t = type_of(p, strip(p, m->type));
	__u32 a;

	if (!t || !btf_is_struct(t))
		return false;
	a = nat_align(p, strip(p, m->type), 0);
	if (btf_is_union(parent))
		return pc->size % a != 0;
	return (pc->padding || pc->nr_holes) && m->byte_offset % a;
}

static void cacheline_marker(struct pa *p, __u32 offset, int indent)
{
	__u32 line = offset / CL, pos = offset % CL;

	if (line <= p->cacheline)
		return;
	if (!pos)
		fprintf(p->f, "/* --- cacheline %u boundary (%u bytes) --- */\n", line, line * CL);
	else
		fprintf(p->f, "/* --- cacheline %u boundary (%u bytes) was %u byte%s ago --- */\n",
			line, offset - pos, pos, pos > 1 ? "s" : "");
	put_tabs(p, indent);
	p->cacheline = line;
}

static void offset_comment(struct pa *p, int pad, __u32 offset, const struct pmem *m)
{
	fprintf(p->f, "%*s/* %5u", pad > 0 ? pad : 0, " ", offset);
	if (m->bitfield_size)
		fprintf(p->f, ":%2u %*u */", m->bitfield_offset, 2, m->byte_size);
	else
		fprintf(p->f, " %*u */", 5, m->byte_size);
}

/* One member line (or an expanded anonymous type), without the newline. */
static int print_member(struct pa *p, const struct pmem *m, const struct pconf *c)
{
	const struct btf_type *t = type_of(p, m->type);
	struct pconf sub = *c;
	__u32 offset = c->base + m->byte_offset;
	bool packed = false;
	int n, slen;

	/* what this member expands is laid out from its offset */
	sub.base = offset;
	cacheline_marker(p, offset, c->indent);
	if (is_anon_expandable(t)) {
		if (expand(p, m->type, NULL, &sub, &packed))
			return -ENOMEM;
		if (*m->name)
			fprintf(p->f, " %s", m->name);
		if (m->alignment)
			n = fprintf(p->f, " __attribute__((__aligned__(%u)))", m->alignment);
		else
			n = 0;
		fputc(';', p->f);
		/* anonymous: the name's length counts as -1, so the comment lines up */
		slen = n + (*m->name ? (int)strlen(m->name) : -1);
		if (packed)	/* pahole counts sizeof() the attribute, its NUL included */
			slen += sizeof("__attribute__((__packed__))");
		offset_comment(p, c->type_spacing + c->name_spacing - slen - 3, offset, m);
		return 0;
	}
	n = decl(p, m->type, m->name, &sub, c->type_spacing);
	if (m->bitfield_size)
		n += fprintf(p->f, ":%u", m->bitfield_size);
	if (m->alignment)
		n += fprintf(p->f, " __attribute__((__aligned__(%u)))", m->alignment);
	fputc(';', p->f);
	n++;
	offset_comment(p, c->type_spacing + c->name_spacing - n, offset, m);
	return 0;
}

static void newline_once(struct pa *p, int *newline)
{
	if (!(*newline)++)
		fputc('\n', p->f);
}

struct sums {
	__u32 bytes, bits, holes, bit_holes, nr_paddings, sum_paddings, forced, forced_holes,
	      sum_forced_holes;
};

/* The comments pahole writes after a struct member: inner padding, bit holes, holes. */
static void after_member(struct pa *p, const struct pmem *m, int indent, struct sums *s,
			 int *newline)
{
	const struct btf_type *t = type_of(p, m->type);
	struct pclass inner;

	/* pahole looks at the member's own type, not through typedefs */
	if (t && btf_is_struct(t) && !load_class(p, t, &inner)) {
		if (inner.padding) {
			s->nr_paddings++;
			s->sum_paddings += inner.padding;
			newline_once(p, newline);
			fputc('\n', p->f);
			put_tabs(p, indent);
			fprintf(p->f, "/* XXX last struct has %u byte%s of padding */",
				inner.padding, inner.padding != 1 ? "s" : "");
		}
		free(inner.m);
	}
	if (m->bit_hole) {
		newline_once(p, newline);
		fputc('\n', p->f);
		put_tabs(p, indent);
		fprintf(p->f, "/* XXX %u bit%s hole, try to pack */", m->bit_hole,
			m->bit_hole != 1 ? "s" : "");
		s->bit_holes += m->bit_hole;
	}
	if (m->hole) {
		newline_once(p, newline);
		fputc('\n', p->f);
		put_tabs(p, indent);
		fprintf(p->f, "/* XXX %u byte%s hole, try to pack */", m->hole,
			m->hole != 1 ? "s" : "");
		s->holes += m->hole;
	}
	fputc('\n', p->f);
}

/* Comments pahole writes before a member: explicit bit holes and combined bitfields. */
static void before_member(struct pa *p, const struct pmem *last, __u32 last_size,
			  const struct pmem *m, const struct pconf *c, int *newline)
{
	__u32 width;
	long diff;

	if (!last || !last_size)
		return;
	if (last->bit_hole && m->bitfield_size) {
		width = last->bit_hole;
		if (last->byte_offset != m->byte_offset) {
			fputc('\n', p->f);
			put_tabs(p, c->indent);
			fprintf(p->f, "/* Force alignment to the next boundary: */\n");
			width = 0;
		}
		put_tabs(p, c->indent);
		decl(p, m->type, "", c, c->type_spacing);
		fprintf(p->f, ":%u;\n", width);
	}
	diff = (long)m->byte_offset - (long)last->byte_offset;
	if (diff < 0 || (!diff && !last->bitfield_size && m->bitfield_size) ||
	    (diff > 0 && (__u32)diff < last_size)) {
		newline_once(p, newline);
		put_tabs(p, c->indent);
		fprintf(p->f, "/* Bitfield combined with %s fields */\n",
			diff > 0 ? "next" : "previous");
	}
}

static void print_stats(struct pa *p, const struct pclass *cl, const struct sums *s, int ind)
{
	fputc('\n', p->f);
	put_tabs(p, ind);
	fprintf(p->f, "/* size: %u, cachelines: %u, members: %u */\n", cl->size,
		(cl->size + CL - 1) / CL, cl->n);
	if (s->holes || s->bit_holes) {
		if (s->bytes) {
			put_tabs(p, ind);
			fprintf(p->f, "/* sum members: %u", s->bytes);
			if (s->holes)
				fprintf(p->f, ", holes: %u, sum holes: %u", cl->nr_holes, s->holes);
			fprintf(p->f, " */\n");
		}
		if (s->bits) {
			put_tabs(p, ind);
			fprintf(p->f, "/* sum bitfield members: %u bits", s->bits);
			if (s->bit_holes)
				fprintf(p->f, ", bit holes: %u, sum bit holes: %u bits",
					cl->nr_bit_holes, s->bit_holes);
			else
				fprintf(p->f, " (%u bytes)", s->bits / 8);
			fprintf(p->f, " */\n");
		}
	}
	if (cl->padding) {
		put_tabs(p, ind);
		fprintf(p->f, "/* padding: %u */\n", cl->padding);
	}
	if (s->nr_paddings) {
		put_tabs(p, ind);
		fprintf(p->f, "/* paddings: %u, sum paddings: %u */\n", s->nr_paddings,
			s->sum_paddings);
	}
	if (cl->bit_padding) {
		put_tabs(p, ind);
		fprintf(p->f, "/* bit_padding: %u bits */\n", cl->bit_padding);
	}
	if (s->forced) {
		put_tabs(p, ind);
		fprintf(p->f, "/* forced alignments: %u", s->forced);
		if (s->forced_holes)
			fprintf(p->f, ", forced holes: %u, sum forced holes: %u",
				s->forced_holes, s->sum_forced_holes);
		fprintf(p->f, " */\n");
	}
	if (cl->size % CL) {
		put_tabs(p, ind);
		fprintf(p->f, "/* last cacheline: %u bytes */\n", cl->size % CL);
	}
}

/* Per-member bookkeeping of pahole's struct printer: forced alignments and sums. */
static void account(const struct pclass *cl, const struct pmem *m, const struct pmem *last,
		    struct sums *s)
{
	__u32 hole = last ? last->hole : cl->pre_hole;

	if (m->alignment) {
		s->forced++;
		if (hole) {
			s->forced_holes++;
			s->sum_forced_holes += hole;
		}
	}
	if (m->bitfield_size)
		s->bits += m->bitfield_size;
	else
		s->bytes += m->byte_size;
}

static int print_members(struct pa *p, const struct btf_type *t, struct pclass *cl,
			 const struct pconf *c, struct sums *s)
{
	struct pconf mc = *c;
	const struct pmem *last = NULL;
	__u32 i, last_size = 0, union_line = p->cacheline;
	int newline = 0;

	mc.indent = c->indent + 1;
	/* pahole never clears this below a union, and a union's members keep the first/last
	 * of the union itself: both decide between "[0]" and "[]" */
	mc.union_member = c->union_member || btf_is_union(t);
	for (i = 0; i < cl->n; i++) {
		const struct pmem *m = &cl->m[i];

		account(cl, m, last, s);
		if (btf_is_struct(t))
			before_member(p, last, last_size, m, &mc, &newline);
		if (newline) {
			fputc('\n', p->f);
			newline = 0;
		}
		if (btf_is_struct(t)) {
			mc.first = !i;
			mc.last = i + 1 == cl->n;
		}
		mc.packed = packed_by_parent(p, t, cl, m);
		put_tabs(p, mc.indent);
		if (print_member(p, m, &mc))
			return -ENOMEM;
		if (btf_is_union(t)) {
			/* each union member starts from the cacheline the union started in */
			fputc('\n', p->f);
			p->cacheline = union_line;
			continue;
		}
		after_member(p, m, mc.indent, s, &newline);
		if (!last || !last_size || last->byte_offset != m->byte_offset ||
		    (!last->bitfield_size && m->bitfield_size))
			last_size = m->byte_size;
		last = m;
	}
	return 0;
}

static int print_class(struct pa *p, __u32 id, const char *suffix, const struct pconf *c,
		       bool stats, bool *packed)
{
	const struct btf_type *t = type_of(p, id);
	struct sums s = { 0 };
	struct pclass cl;
	int ret;

	if (!t || p->depth >= MAX_DEPTH || load_class(p, t, &cl))
		return -ENOMEM;
	p->depth++;
	cl.packed |= c->packed;
	*packed = cl.packed && btf_is_struct(t);
	fprintf(p->f, "%s%s%s {\n", btf_is_union(t) ? "union" : "struct",
		t->name_off ? " " : "", bk_btf_name(p->btf, t->name_off));
	if (cl.pre_bit_hole || cl.pre_hole)
		fputc('\n', p->f);
	if (cl.pre_bit_hole) {
		put_tabs(p, c->indent + 1);
		fprintf(p->f, "/* XXX %u bit%s hole, try to pack */\n", cl.pre_bit_hole,
			cl.pre_bit_hole != 1 ? "s" : "");
		s.bit_holes += cl.pre_bit_hole;
	}
	if (cl.pre_hole) {
		put_tabs(p, c->indent + 1);
		fprintf(p->f, "/* XXX %u byte%s hole, try to pack */\n", cl.pre_hole,
			cl.pre_hole != 1 ? "s" : "");
		s.holes += cl.pre_hole;
	}
	ret = print_members(p, t, &cl, c, &s);
	/* pahole prints the summary for the outermost struct only, never for a union */
	if (!ret && stats && btf_is_struct(t))
		print_stats(p, &cl, &s, c->indent + 1);
	put_tabs(p, c->indent);
	fputc('}', p->f);
	/* pahole's union printer writes no attributes */
	if (cl.packed && btf_is_struct(t))
		fprintf(p->f, " __attribute__((__packed__))");
	if (suffix)
		fprintf(p->f, " %s", suffix);
	if (cl.alignment && !cl.packed && btf_is_struct(t))
		fprintf(p->f, " __attribute__((__aligned__(%u)))", cl.alignment);
	free(cl.m);
	p->depth--;
	return ret;
}

int bk_btf_pahole(const struct bk_btf *b, __u32 id, char **text, struct errmsg *err)
{
	const struct btf_type *t = btf__type_by_id(b->btf, id);
	struct pconf c = { .type_spacing = TYPE_SPACING, .name_spacing = NAME_SPACING };
	struct pa p = { .btf = b->btf };
	bool packed;
	size_t len;
	int ret;

	*text = NULL;
	if (!b->checked)
		return errmsg_set(err, -EINVAL, "BTF was not checked");
	if (!t || !btf_is_composite(t))
		return errmsg_set(err, -EINVAL, "type [%u] is not a struct or union", id);
	if (btf_is_union(t))
		c.name_spacing = 21;
	p.f = open_memstream(text, &len);
	if (!p.f)
		return errmsg_set(err, -ENOMEM, "out of memory");
	ret = print_class(&p, id, NULL, &c, true, &packed);
	fprintf(p.f, ";\n");
	if (fclose(p.f) || ret) {
		free(*text);
		*text = NULL;
		return errmsg_set(err, -ENOMEM, "out of memory");
	}
	return 0;
}
