/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The local side of a CO-RE relocation: its access string parsed against the object's BTF
 * into a spec, spelled in C, and the value the object carries. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <linux/bpf.h>

#include "btf_view.h"
#include "core.h"
#include "core_internal.h"
#include "errmsg.h"

static const char *const kind_names[] = {
	[BPF_CORE_FIELD_BYTE_OFFSET] = "byte_off",
	[BPF_CORE_FIELD_BYTE_SIZE] = "byte_sz",
	[BPF_CORE_FIELD_EXISTS] = "field_exists",
	[BPF_CORE_FIELD_SIGNED] = "signed",
	[BPF_CORE_FIELD_LSHIFT_U64] = "lshift_u64",
	[BPF_CORE_FIELD_RSHIFT_U64] = "rshift_u64",
	[BPF_CORE_TYPE_ID_LOCAL] = "local_type_id",
	[BPF_CORE_TYPE_ID_TARGET] = "target_type_id",
	[BPF_CORE_TYPE_EXISTS] = "type_exists",
	[BPF_CORE_TYPE_SIZE] = "type_size",
	[BPF_CORE_ENUMVAL_EXISTS] = "enumval_exists",
	[BPF_CORE_ENUMVAL_VALUE] = "enumval_value",
	[BPF_CORE_TYPE_MATCHES] = "type_matches",
};

static const char *const kind_texts[] = {
	[BPF_CORE_FIELD_BYTE_OFFSET] = "field byte offset",
	[BPF_CORE_FIELD_BYTE_SIZE] = "field byte size",
	[BPF_CORE_FIELD_EXISTS] = "field existence",
	[BPF_CORE_FIELD_SIGNED] = "field signedness",
	[BPF_CORE_FIELD_LSHIFT_U64] = "bitfield left shift",
	[BPF_CORE_FIELD_RSHIFT_U64] = "bitfield right shift",
	[BPF_CORE_TYPE_ID_LOCAL] = "local type id",
	[BPF_CORE_TYPE_ID_TARGET] = "target type id",
	[BPF_CORE_TYPE_EXISTS] = "type existence",
	[BPF_CORE_TYPE_SIZE] = "type size",
	[BPF_CORE_ENUMVAL_EXISTS] = "enum value existence",
	[BPF_CORE_ENUMVAL_VALUE] = "enum value",
	[BPF_CORE_TYPE_MATCHES] = "type match",
};

const char *core_kind_name(uint32_t kind)
{
	return kind < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[kind] : "unknown";
}

const char *core_kind_text(uint32_t kind)
{
	return kind < sizeof(kind_texts) / sizeof(kind_texts[0]) ? kind_texts[kind] :
								      "unknown relocation";
}

const char *core_status_name(enum core_status status)
{
	switch (status) {
	case CORE_UNRESOLVED: return "unresolved";
	case CORE_OK: return "ok";
	case CORE_GUARDED: return "guarded";
	case CORE_POISON: return "poison";
	case CORE_ERROR: return "error";
	}
	return "unknown";
}

bool core_is_field_kind(uint32_t k)
{
	return k <= BPF_CORE_FIELD_RSHIFT_U64;
}

bool core_is_type_kind(uint32_t k)
{
	return k == BPF_CORE_TYPE_ID_LOCAL || k == BPF_CORE_TYPE_ID_TARGET ||
	       k == BPF_CORE_TYPE_EXISTS || k == BPF_CORE_TYPE_SIZE || k == BPF_CORE_TYPE_MATCHES;
}

bool core_is_enumval_kind(uint32_t k)
{
	return k == BPF_CORE_ENUMVAL_EXISTS || k == BPF_CORE_ENUMVAL_VALUE;
}

bool core_is_exists_kind(uint32_t k)
{
	return k == BPF_CORE_FIELD_EXISTS || k == BPF_CORE_TYPE_EXISTS ||
	       k == BPF_CORE_ENUMVAL_EXISTS || k == BPF_CORE_TYPE_MATCHES;
}

__attribute__((format(printf, 2, 3)))
int core_why_set(char *why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, WHY_LEN, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

const char *core_str_or_empty(const struct btf *btf, uint32_t off)
{
	const char *s = btf__name_by_offset(btf, off);

	return s ? s : "";
}

/* Follow typedefs and modifiers; NULL for a bad id or a chain too long (a cycle). */
const struct btf_type *core_skip_mods(const struct btf *btf, uint32_t id, uint32_t *res_id)
{
	const struct btf_type *t;
	int i;

	for (i = 0; i < MOD_DEPTH; i++) {
		t = btf__type_by_id(btf, id);
		if (!t)
			return NULL;
		if (id == 0 || !(btf_is_mod(t) || btf_is_typedef(t))) {
			if (res_id)
				*res_id = id;
			return t;
		}
		id = t->type;
	}
	return NULL;
}

/* Length of a name without its "___flavor" suffix (the last X___Y split, X and Y not '_'). */
size_t core_essential_len(const char *name)
{
	size_t n = strlen(name), i;

	for (i = n >= 5 ? n - 5 + 1 : 0; i-- > 0;) {
		if (name[i] != '_' && name[i + 1] == '_' && name[i + 2] == '_' &&
		    name[i + 3] == '_' && name[i + 4] != '_')
			return i + 1;
	}
	return n;
}

bool core_kinds_compat(const struct btf_type *a, const struct btf_type *b)
{
	return btf_kind(a) == btf_kind(b) || (btf_is_any_enum(a) && btf_is_any_enum(b));
}

const char *core_kind_word(const struct btf_type *t)
{
	switch (btf_kind(t)) {
	case BTF_KIND_STRUCT: return "struct";
	case BTF_KIND_UNION: return "union";
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64: return "enum";
	case BTF_KIND_FWD: return btf_kflag(t) ? "union" : "struct";
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_INT:
	case BTF_KIND_FLOAT: return "";
	case BTF_KIND_PTR: return "ptr";
	case BTF_KIND_ARRAY: return "array";
	case BTF_KIND_FUNC: return "func";
	case BTF_KIND_FUNC_PROTO: return "func_proto";
	case BTF_KIND_VAR: return "var";
	case BTF_KIND_DATASEC: return "datasec";
	default: return "type";
	}
}

/* "struct task_struct", "pid_t", "struct <anon>", "void" */
void core_type_label(const struct btf *btf, uint32_t id, char *buf, size_t size)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const char *name, *word;

	if (!t) {
		snprintf(buf, size, "<bad type [%u]>", id);
		return;
	}
	if (id == 0) {
		snprintf(buf, size, "void");
		return;
	}
	name = core_str_or_empty(btf, t->name_off);
	word = core_kind_word(t);
	snprintf(buf, size, "%s%s%s", word, *word ? " " : "", *name ? name : "<anon>");
}

char *core_type_label_dup(const struct btf *btf, uint32_t id)
{
	char buf[512];

	core_type_label(btf, id, buf, sizeof(buf));
	return strdup(buf);
}

/* Parse "0:1:2" strictly: decimal numbers below 2^31 separated by single ':'. */
static int parse_access(const char *s, struct spec *spec, char *why)
{
	spec->raw_len = 0;
	while (*s) {
		uint64_t v = 0;
		const char *start = s;

		while (*s >= '0' && *s <= '9') {
			v = v * 10 + (uint64_t)(*s - '0');
			if (v > INT32_MAX)
				return core_why_set(why, "access string index too large");
			s++;
		}
		if (s == start || (*s && *s != ':') || (*s == ':' && !s[1]))
			return core_why_set(why, "malformed access string");
		if (*s == ':')
			s++;
		if (spec->raw_len == SPEC_MAX)
			return core_why_set(why, "access string longer than %d steps", SPEC_MAX);
		spec->raw[spec->raw_len++] = (uint32_t)v;
	}
	if (!spec->raw_len)
		return core_why_set(why, "empty access string");
	return 0;
}

/* Add idx * size(type) bytes to the bit offset; sizes are bounded by resolve_size (u32). */
int core_add_elems(struct spec *spec, uint32_t idx, uint32_t type_id, char *why)
{
	int64_t sz = btf__resolve_size(spec->btf, type_id);
	uint64_t add;

	if (sz < 0)
		return core_why_set(why, "size of type [%u] cannot be computed", type_id);
	add = (uint64_t)idx * (uint64_t)sz * 8;	/* < 2^31 * 2^32 * 8 = 2^66: check */
	if (idx && (uint64_t)sz > (UINT64_MAX / 8) / idx)
		return core_why_set(why, "offset overflow");
	if (spec->bit_off > UINT64_MAX - add)
		return core_why_set(why, "offset overflow");
	spec->bit_off += add;
	return 0;
}

static int parse_enumval_spec(struct spec *spec, const struct btf_type *t, char *why)
{
	const struct btf *btf = spec->btf;
	uint32_t idx = spec->raw[0], name_off;

	if (!btf_is_any_enum(t))
		return core_why_set(why, "enum value relocation on a type that is not an enum");
	if (spec->raw_len > 1)
		return core_why_set(why, "enum value relocation with more than one index");
	if (idx >= btf_vlen(t))
		return core_why_set(why, "enumerator #%u out of range (%u enumerators)", idx, btf_vlen(t));
	name_off = btf_is_enum(t) ? btf_enum(t)[idx].name_off : btf_enum64(t)[idx].name_off;
	spec->acc[0].name = btf__name_by_offset(btf, name_off);
	if (!spec->acc[0].name || !spec->acc[0].name[0])
		return core_why_set(why, "enumerator #%u has no name", idx);
	return 0;
}

/* One step of a field access through the local type: member or array element. */
static int parse_field_step(struct spec *spec, int i, uint32_t *id, char *why)
{
	const struct btf *btf = spec->btf;
	uint32_t idx = spec->raw[i];
	const struct btf_type *t = core_skip_mods(btf, *id, id);

	if (!t)
		return core_why_set(why, "bad type reference [%u]", *id);
	if (btf_is_composite(t)) {
		const struct btf_member *m;

		if (idx >= btf_vlen(t))
			return core_why_set(why, "member #%u out of range (%s has %u members)", idx,
				       btf_is_struct(t) ? "struct" : "union", btf_vlen(t));
		m = btf_members(t) + idx;
		spec->bit_off += btf_member_bit_offset(t, idx);
		if (m->name_off) {
			const char *name = btf__name_by_offset(btf, m->name_off);

			if (!name || !name[0])
				return core_why_set(why, "member #%u has a bad name", idx);
			spec->acc[spec->len++] = (struct acc){ *id, idx, name };
		}
		*id = m->type;
		return 0;
	}
	if (btf_is_array(t)) {
		const struct btf_array *a = btf_array(t);
		const struct acc *prev = &spec->acc[spec->len - 1];
		bool flex = false;

		/* a zero-length array as the last member is a flexible array: any index */
		if (prev->name && a->nelems == 0) {
			const struct btf_type *pt = btf__type_by_id(btf, prev->type_id);

			flex = pt && btf_vlen(pt) && prev->idx == btf_vlen(pt) - 1u;
		}
		if (!core_skip_mods(btf, a->type, id))
			return core_why_set(why, "bad array element type [%u]", a->type);
		if (!flex && idx >= a->nelems)
			return core_why_set(why, "index [%u] out of bounds (array of %u)", idx, a->nelems);
		spec->acc[spec->len++] = (struct acc){ *id, idx, NULL };
		return core_add_elems(spec, idx, *id, why);
	}
	return core_why_set(why, "step %d of the access string reaches a %s, not a struct, union or array",
		       i, core_kind_word(t));
}

/* Turn the access string into accessors; computes the local bit offset. */
int core_parse_spec(const struct btf *btf, const struct bext_relo *rec, struct spec *spec,
		      char *why)
{
	const struct btf_type *t;
	uint32_t id;
	int i, ret;

	memset(spec, 0, sizeof(*spec));
	spec->btf = btf;
	spec->root_id = rec->type_id;
	spec->kind = rec->kind;
	if (!core_is_field_kind(rec->kind) && !core_is_type_kind(rec->kind) && !core_is_enumval_kind(rec->kind))
		return core_why_set(why, "unknown relocation kind %u", rec->kind);
	if (!rec->access_str || !btf__type_by_id(btf, rec->type_id))
		return core_why_set(why, "bad relocation record");
	if (core_is_type_kind(rec->kind) && strcmp(rec->access_str, "0"))
		return core_why_set(why, "type relocation with access string '%s' (expected '0')",
			       rec->access_str);
	if (core_is_type_kind(rec->kind))
		return 0;
	ret = parse_access(rec->access_str, spec, why);
	if (ret)
		return ret;
	t = core_skip_mods(btf, rec->type_id, &id);
	if (!t)
		return core_why_set(why, "root type [%u] is a broken typedef chain", rec->type_id);
	spec->acc[0] = (struct acc){ id, spec->raw[0], NULL };
	spec->len = 1;
	if (core_is_enumval_kind(rec->kind))
		return parse_enumval_spec(spec, t, why);
	ret = core_add_elems(spec, spec->raw[0], id, why);
	for (i = 1; i < spec->raw_len && !ret; i++)
		ret = parse_field_step(spec, i, &id, why);
	return ret;
}

/* C spelling: "struct a.b.c[3]", "enum e::NAME", "struct t" for type relocations. */
char *core_format_spec(const struct btf *btf, const struct bext_relo *rec,
			 const struct spec *spec, bool parsed)
{
	char root[512];
	char *buf = NULL;
	size_t size = 0;
	FILE *f;
	int i;

	core_type_label(btf, rec->type_id, root, sizeof(root));
	f = open_memstream(&buf, &size);
	if (!f)
		return NULL;
	fputs(root, f);
	if (!parsed) {
		fprintf(f, " + %s", rec->access_str ? rec->access_str : "?");
	} else if (core_is_enumval_kind(rec->kind)) {
		fprintf(f, "::%s", spec->acc[0].name);
	} else if (core_is_field_kind(rec->kind)) {
		for (i = 0; i < spec->len; i++) {
			if (spec->acc[i].name)
				fprintf(f, ".%s", spec->acc[i].name);
			else if (i > 0 || spec->acc[i].idx > 0)
				fprintf(f, "[%u]", spec->acc[i].idx);
		}
	}
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

bool core_int_signed(const struct btf_type *t)
{
	return btf_is_int(t) && (btf_int_encoding(t) & BTF_INT_SIGNED);
}

/* Field relocation value for one side; spec NULL = no matching target. */
static int calc_field(uint32_t kind, const struct spec *spec, struct calc *c, char *why)
{
	const struct acc *acc;
	const struct btf_type *t, *mt;
	const struct btf_member *m;
	uint32_t bit_sz, byte_sz, byte_off, field_id;
	uint64_t bit_off;
	int64_t sz;

	memset(c, 0, sizeof(*c));
	c->validate = true;
	if (kind == BPF_CORE_FIELD_EXISTS) {
		c->val = spec ? 1 : 0;
		return 0;
	}
	if (!spec) {
		c->poison = true;
		return 0;
	}
	acc = &spec->acc[spec->len - 1];
	if (!acc->name) {
		/* the access ends on an array element (or the root itself) */
		sz = btf__resolve_size(spec->btf, acc->type_id);
		if (sz < 0)
			return core_why_set(why, "size of type [%u] cannot be computed", acc->type_id);
		if (kind == BPF_CORE_FIELD_BYTE_OFFSET) {
			c->val = spec->bit_off / 8;
			c->sz = sz;
			c->type_id = acc->type_id;
		} else if (kind == BPF_CORE_FIELD_BYTE_SIZE) {
			c->val = sz;
		} else {
			return core_why_set(why, "%s relocation cannot apply to an array element",
				       core_kind_name(kind));
		}
		return 0;
	}
	t = btf__type_by_id(spec->btf, acc->type_id);
	m = btf_members(t) + acc->idx;
	mt = core_skip_mods(spec->btf, m->type, &field_id);
	if (!mt)
		return core_why_set(why, "bad field type [%u]", m->type);
	bit_off = spec->bit_off;
	bit_sz = btf_member_bitfield_size(t, acc->idx);
	if (bit_sz) {
		/* smallest naturally aligned load (of at least the field's type) covering it */
		byte_sz = mt->size;
		if (byte_sz == 0 || byte_sz > 8 || (byte_sz & (byte_sz - 1)))
			return core_why_set(why, "bitfield of a %u-byte type", byte_sz);
		byte_off = bit_off / 8 / byte_sz * byte_sz;
		while (bit_off + bit_sz - (uint64_t)byte_off * 8 > byte_sz * 8) {
			if (byte_sz >= 8)
				return core_why_set(why, "bitfield cannot be read with a 64-bit load");
			byte_sz *= 2;
			byte_off = bit_off / 8 / byte_sz * byte_sz;
		}
	} else {
		sz = btf__resolve_size(spec->btf, field_id);
		if (sz < 0)
			return core_why_set(why, "size of field type [%u] cannot be computed", field_id);
		byte_sz = sz;
		byte_off = bit_off / 8;
		bit_sz = byte_sz * 8;
	}
	/* the compiler may pick another load for a bitfield: only the signedness and
	 * the right shift are certain, so libbpf checks only those */
	c->validate = !btf_member_bitfield_size(t, acc->idx) || kind == BPF_CORE_FIELD_SIGNED ||
		      kind == BPF_CORE_FIELD_RSHIFT_U64;
	switch (kind) {
	case BPF_CORE_FIELD_BYTE_OFFSET:
		c->val = byte_off;
		if (!btf_member_bitfield_size(t, acc->idx)) {
			c->sz = byte_sz;
			c->type_id = field_id;
		}
		break;
	case BPF_CORE_FIELD_BYTE_SIZE:
		c->val = byte_sz;
		break;
	case BPF_CORE_FIELD_SIGNED:
		c->val = (btf_is_any_enum(mt) && btf_kflag(mt)) || core_int_signed(mt);
		break;
	case BPF_CORE_FIELD_LSHIFT_U64:
		/* little-endian: bits above the field are shifted out of a u64 */
		c->val = 64 - (bit_off + bit_sz - (uint64_t)byte_off * 8);
		break;
	case BPF_CORE_FIELD_RSHIFT_U64:
		c->val = 64 - bit_sz;
		break;
	}
	return 0;
}

static int calc_type(uint32_t kind, const struct spec *spec, struct calc *c, char *why)
{
	int64_t sz;

	memset(c, 0, sizeof(*c));
	/* type ids change when objects are linked: never checked */
	c->validate = kind != BPF_CORE_TYPE_ID_LOCAL && kind != BPF_CORE_TYPE_ID_TARGET;
	if (!spec)
		return 0;	/* type relocations yield 0 when the type is absent */
	switch (kind) {
	case BPF_CORE_TYPE_ID_LOCAL:
	case BPF_CORE_TYPE_ID_TARGET:
		c->val = spec->root_id;
		break;
	case BPF_CORE_TYPE_EXISTS:
	case BPF_CORE_TYPE_MATCHES:
		c->val = 1;
		break;
	case BPF_CORE_TYPE_SIZE:
		sz = btf__resolve_size(spec->btf, spec->root_id);
		if (sz < 0)
			return core_why_set(why, "size of type [%u] cannot be computed", spec->root_id);
		c->val = sz;
		break;
	}
	return 0;
}

static int calc_enumval(uint32_t kind, const struct spec *spec, struct calc *c)
{
	const struct btf_type *t;

	memset(c, 0, sizeof(*c));
	c->validate = true;
	if (kind == BPF_CORE_ENUMVAL_EXISTS) {
		c->val = spec ? 1 : 0;
		return 0;
	}
	if (!spec) {
		c->poison = true;
		return 0;
	}
	t = btf__type_by_id(spec->btf, spec->acc[0].type_id);
	if (btf_is_enum(t))	/* 32-bit values are signed in the record: sign-extend */
		c->val = (uint64_t)(int64_t)btf_enum(t)[spec->acc[0].idx].val;
	else
		c->val = btf_enum64_value(btf_enum64(t) + spec->acc[0].idx);
	return 0;
}

int core_calc(uint32_t kind, const struct spec *spec, struct calc *c, char *why)
{
	if (core_is_field_kind(kind))
		return calc_field(kind, spec, c, why);
	if (core_is_type_kind(kind))
		return calc_type(kind, spec, c, why);
	return calc_enumval(kind, spec, c);
}
