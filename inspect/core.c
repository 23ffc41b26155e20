/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * CO-RE relocation explainer. A relocation names a root type in the object's BTF and an
 * access string: "0:2:1" is root[0], member #2, element [1]. Field relocations walk it
 * through members and array elements; enum relocations name an enumerator; type
 * relocations use "0". Against a target BTF we look for candidate types with the same
 * essential name (everything before a trailing "___flavor") and kind, match the access by
 * member *names* (searching through anonymous members), and compute the value for every
 * matching candidate: they must agree, as libbpf demands.
 *
 * Both BTFs may be hostile (fuzzed objects, user-supplied target files): every type id is
 * looked up through btf__type_by_id() (NULL when out of range), every walk has a depth
 * bound, and recursive comparisons share a step budget so crafted type graphs cannot hang us.
 */
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
#include "errmsg.h"

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

static bool is_field_kind(uint32_t k)
{
	return k <= BPF_CORE_FIELD_RSHIFT_U64;
}

static bool is_type_kind(uint32_t k)
{
	return k == BPF_CORE_TYPE_ID_LOCAL || k == BPF_CORE_TYPE_ID_TARGET ||
	       k == BPF_CORE_TYPE_EXISTS || k == BPF_CORE_TYPE_SIZE || k == BPF_CORE_TYPE_MATCHES;
}

static bool is_enumval_kind(uint32_t k)
{
	return k == BPF_CORE_ENUMVAL_EXISTS || k == BPF_CORE_ENUMVAL_VALUE;
}

static bool is_exists_kind(uint32_t k)
{
	return k == BPF_CORE_FIELD_EXISTS || k == BPF_CORE_TYPE_EXISTS ||
	       k == BPF_CORE_ENUMVAL_EXISTS || k == BPF_CORE_TYPE_MATCHES;
}

__attribute__((format(printf, 2, 3)))
static int why_set(char *why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, WHY_LEN, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static const char *str_or_empty(const struct btf *btf, uint32_t off)
{
	const char *s = btf__name_by_offset(btf, off);

	return s ? s : "";
}

/* Follow typedefs and modifiers; NULL for a bad id or a chain too long (a cycle). */
static const struct btf_type *skip_mods(const struct btf *btf, uint32_t id, uint32_t *res_id)
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
static size_t essential_len(const char *name)
{
	size_t n = strlen(name), i;

	for (i = n >= 5 ? n - 5 + 1 : 0; i-- > 0;) {
		if (name[i] != '_' && name[i + 1] == '_' && name[i + 2] == '_' &&
		    name[i + 3] == '_' && name[i + 4] != '_')
			return i + 1;
	}
	return n;
}

static bool kinds_compat(const struct btf_type *a, const struct btf_type *b)
{
	return btf_kind(a) == btf_kind(b) || (btf_is_any_enum(a) && btf_is_any_enum(b));
}

static const char *kind_word(const struct btf_type *t)
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
static void type_label(const struct btf *btf, uint32_t id, char *buf, size_t size)
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
	name = str_or_empty(btf, t->name_off);
	word = kind_word(t);
	snprintf(buf, size, "%s%s%s", word, *word ? " " : "", *name ? name : "<anon>");
}

static char *type_label_dup(const struct btf *btf, uint32_t id)
{
	char buf[512];

	type_label(btf, id, buf, sizeof(buf));
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
				return why_set(why, "access string index too large");
			s++;
		}
		if (s == start || (*s && *s != ':') || (*s == ':' && !s[1]))
			return why_set(why, "malformed access string");
		if (*s == ':')
			s++;
		if (spec->raw_len == SPEC_MAX)
			return why_set(why, "access string longer than %d steps", SPEC_MAX);
		spec->raw[spec->raw_len++] = (uint32_t)v;
	}
	if (!spec->raw_len)
		return why_set(why, "empty access string");
	return 0;
}

/* Add idx * size(type) bytes to the bit offset; sizes are bounded by resolve_size (u32). */
static int add_elems(struct spec *spec, uint32_t idx, uint32_t type_id, char *why)
{
	int64_t sz = btf__resolve_size(spec->btf, type_id);
	uint64_t add;

	if (sz < 0)
		return why_set(why, "size of type [%u] cannot be computed", type_id);
	add = (uint64_t)idx * (uint64_t)sz * 8;	/* < 2^31 * 2^32 * 8 = 2^66: check */
	if (idx && (uint64_t)sz > (UINT64_MAX / 8) / idx)
		return why_set(why, "offset overflow");
	if (spec->bit_off > UINT64_MAX - add)
		return why_set(why, "offset overflow");
	spec->bit_off += add;
	return 0;
}

static int parse_enumval_spec(struct spec *spec, const struct btf_type *t, char *why)
{
	const struct btf *btf = spec->btf;
	uint32_t idx = spec->raw[0], name_off;

	if (!btf_is_any_enum(t))
		return why_set(why, "enum value relocation on a type that is not an enum");
	if (spec->raw_len > 1)
		return why_set(why, "enum value relocation with more than one index");
	if (idx >= btf_vlen(t))
		return why_set(why, "enumerator #%u out of range (%u enumerators)", idx, btf_vlen(t));
	name_off = btf_is_enum(t) ? btf_enum(t)[idx].name_off : btf_enum64(t)[idx].name_off;
	spec->acc[0].name = btf__name_by_offset(btf, name_off);
	if (!spec->acc[0].name || !spec->acc[0].name[0])
		return why_set(why, "enumerator #%u has no name", idx);
	return 0;
}

/* One step of a field access through the local type: member or array element. */
static int parse_field_step(struct spec *spec, int i, uint32_t *id, char *why)
{
	const struct btf *btf = spec->btf;
	uint32_t idx = spec->raw[i];
	const struct btf_type *t = skip_mods(btf, *id, id);

	if (!t)
		return why_set(why, "bad type reference [%u]", *id);
	if (btf_is_composite(t)) {
		const struct btf_member *m;

		if (idx >= btf_vlen(t))
			return why_set(why, "member #%u out of range (%s has %u members)", idx,
				       btf_is_struct(t) ? "struct" : "union", btf_vlen(t));
		m = btf_members(t) + idx;
		spec->bit_off += btf_member_bit_offset(t, idx);
		if (m->name_off) {
			const char *name = btf__name_by_offset(btf, m->name_off);

			if (!name || !name[0])
				return why_set(why, "member #%u has a bad name", idx);
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
		if (!skip_mods(btf, a->type, id))
			return why_set(why, "bad array element type [%u]", a->type);
		if (!flex && idx >= a->nelems)
			return why_set(why, "index [%u] out of bounds (array of %u)", idx, a->nelems);
		spec->acc[spec->len++] = (struct acc){ *id, idx, NULL };
		return add_elems(spec, idx, *id, why);
	}
	return why_set(why, "step %d of the access string reaches a %s, not a struct, union or array",
		       i, kind_word(t));
}

/* Turn the access string into accessors; computes the local bit offset. */
static int parse_spec(const struct btf *btf, const struct bext_relo *rec, struct spec *spec,
		      char *why)
{
	const struct btf_type *t;
	uint32_t id;
	int i, ret;

	memset(spec, 0, sizeof(*spec));
	spec->btf = btf;
	spec->root_id = rec->type_id;
	spec->kind = rec->kind;
	if (!is_field_kind(rec->kind) && !is_type_kind(rec->kind) && !is_enumval_kind(rec->kind))
		return why_set(why, "unknown relocation kind %u", rec->kind);
	if (!rec->access_str || !btf__type_by_id(btf, rec->type_id))
		return why_set(why, "bad relocation record");
	if (is_type_kind(rec->kind) && strcmp(rec->access_str, "0"))
		return why_set(why, "type relocation with access string '%s' (expected '0')",
			       rec->access_str);
	if (is_type_kind(rec->kind))
		return 0;
	ret = parse_access(rec->access_str, spec, why);
	if (ret)
		return ret;
	t = skip_mods(btf, rec->type_id, &id);
	if (!t)
		return why_set(why, "root type [%u] is a broken typedef chain", rec->type_id);
	spec->acc[0] = (struct acc){ id, spec->raw[0], NULL };
	spec->len = 1;
	if (is_enumval_kind(rec->kind))
		return parse_enumval_spec(spec, t, why);
	ret = add_elems(spec, spec->raw[0], id, why);
	for (i = 1; i < spec->raw_len && !ret; i++)
		ret = parse_field_step(spec, i, &id, why);
	return ret;
}

/* C spelling: "struct a.b.c[3]", "enum e::NAME", "struct t" for type relocations. */
static char *format_spec(const struct btf *btf, const struct bext_relo *rec,
			 const struct spec *spec, bool parsed)
{
	char root[512];
	char *buf = NULL;
	size_t size = 0;
	FILE *f;
	int i;

	type_label(btf, rec->type_id, root, sizeof(root));
	f = open_memstream(&buf, &size);
	if (!f)
		return NULL;
	fputs(root, f);
	if (!parsed) {
		fprintf(f, " + %s", rec->access_str ? rec->access_str : "?");
	} else if (is_enumval_kind(rec->kind)) {
		fprintf(f, "::%s", spec->acc[0].name);
	} else if (is_field_kind(rec->kind)) {
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

static bool int_signed(const struct btf_type *t)
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
			return why_set(why, "size of type [%u] cannot be computed", acc->type_id);
		if (kind == BPF_CORE_FIELD_BYTE_OFFSET) {
			c->val = spec->bit_off / 8;
			c->sz = sz;
			c->type_id = acc->type_id;
		} else if (kind == BPF_CORE_FIELD_BYTE_SIZE) {
			c->val = sz;
		} else {
			return why_set(why, "%s relocation cannot apply to an array element",
				       core_kind_name(kind));
		}
		return 0;
	}
	t = btf__type_by_id(spec->btf, acc->type_id);
	m = btf_members(t) + acc->idx;
	mt = skip_mods(spec->btf, m->type, &field_id);
	if (!mt)
		return why_set(why, "bad field type [%u]", m->type);
	bit_off = spec->bit_off;
	bit_sz = btf_member_bitfield_size(t, acc->idx);
	if (bit_sz) {
		/* smallest naturally aligned load (of at least the field's type) covering it */
		byte_sz = mt->size;
		if (byte_sz == 0 || byte_sz > 8 || (byte_sz & (byte_sz - 1)))
			return why_set(why, "bitfield of a %u-byte type", byte_sz);
		byte_off = bit_off / 8 / byte_sz * byte_sz;
		while (bit_off + bit_sz - (uint64_t)byte_off * 8 > byte_sz * 8) {
			if (byte_sz >= 8)
				return why_set(why, "bitfield cannot be read with a 64-bit load");
			byte_sz *= 2;
			byte_off = bit_off / 8 / byte_sz * byte_sz;
		}
	} else {
		sz = btf__resolve_size(spec->btf, field_id);
		if (sz < 0)
			return why_set(why, "size of field type [%u] cannot be computed", field_id);
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
		c->val = (btf_is_any_enum(mt) && btf_kflag(mt)) || int_signed(mt);
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
			return why_set(why, "size of type [%u] cannot be computed", spec->root_id);
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

static int calc(uint32_t kind, const struct spec *spec, struct calc *c, char *why)
{
	if (is_field_kind(kind))
		return calc_field(kind, spec, c, why);
	if (is_type_kind(kind))
		return calc_type(kind, spec, c, why);
	return calc_enumval(kind, spec, c);
}

/* ---- target side ---- */

static uint64_t name_hash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a */

	while (n--) {
		h ^= (unsigned char)*s++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static int cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

int core_target_new(const struct btf *btf, struct core_target **out, struct errmsg *err)
{
	struct core_target *t;
	uint32_t n, id;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	n = btf__type_cnt(btf);
	if (t)
		t->cands = calloc(n ? n : 1, sizeof(*t->cands));
	if (!t || !t->cands) {
		free(t);
		return errmsg_set(err, -ENOMEM, "out of memory");
	}
	t->btf = btf;
	for (id = 1; id < n; id++) {
		const struct btf_type *bt = btf__type_by_id(btf, id);
		const char *name = bt ? btf__name_by_offset(btf, bt->name_off) : NULL;

		if (!name || !name[0])
			continue;
		t->cands[t->nr++] = (struct cand){ name_hash(name, essential_len(name)), id };
	}
	qsort(t->cands, t->nr, sizeof(*t->cands), cand_cmp);
	*out = t;
	return 0;
}

int core_btf_load(const char *path, struct bk_btf *out, struct errmsg *err)
{
	return bk_btf__open(out, path ? path : BK_BTF_KERNEL_PATH, NULL, err);
}

void core_target_free(struct core_target *t)
{
	if (!t)
		return;
	free(t->cands);
	free(t);
}

/* Candidate ids for a local type: same essential name, compatible kind, in id order. */
static size_t find_cands(const struct core_target *tg, const struct btf_type *local_t,
			 const char *name, uint32_t **ids)
{
	size_t len = essential_len(name), lo = 0, hi = tg->nr, n = 0, i;
	uint64_t h = name_hash(name, len);

	*ids = NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (tg->cands[mid].hash < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; i < tg->nr && tg->cands[i].hash == h; i++) {
		const struct btf_type *t = btf__type_by_id(tg->btf, tg->cands[i].id);
		const char *tn = btf__name_by_offset(tg->btf, t->name_off);
		uint32_t *p;

		if (!kinds_compat(t, local_t) || essential_len(tn) != len ||
		    strncmp(tn, name, len) != 0)
			continue;
		p = realloc(*ids, (n + 1) * sizeof(**ids));
		if (!p) {
			free(*ids);
			*ids = NULL;
			return (size_t)-1;
		}
		*ids = p;
		p[n++] = tg->cands[i].id;
	}
	return n;
}

static bool names_essentially_equal(const char *a, const char *b)
{
	size_t la = essential_len(a), lb = essential_len(b);

	return la == lb && strncmp(a, b, la) == 0;
}

/* Are two field types compatible for relocation? 1 yes, 0 no, <0 broken BTF. */
static int fields_compat(const struct btf *lb, uint32_t lid, const struct btf *tb, uint32_t tid)
{
	int depth;

	for (depth = 0; depth < MOD_DEPTH; depth++) {
		const struct btf_type *lt = skip_mods(lb, lid, &lid);
		const struct btf_type *tt = skip_mods(tb, tid, &tid);

		if (!lt || !tt)
			return -EINVAL;
		if (btf_is_composite(lt) && btf_is_composite(tt))
			return 1;
		if (!kinds_compat(lt, tt))
			return 0;
		switch (btf_kind(lt)) {
		case BTF_KIND_PTR:
		case BTF_KIND_FLOAT:
			return 1;
		case BTF_KIND_FWD:
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64: {
			const char *ln = str_or_empty(lb, lt->name_off);
			const char *tn = str_or_empty(tb, tt->name_off);

			return !*ln || !*tn || names_essentially_equal(ln, tn);
		}
		case BTF_KIND_INT:
			/* size and signedness do not matter for an offset */
			return btf_int_offset(lt) == 0 && btf_int_offset(tt) == 0;
		case BTF_KIND_ARRAY:
			lid = btf_array(lt)->type;
			tid = btf_array(tt)->type;
			continue;
		default:
			return 0;
		}
	}
	return -EINVAL;
}

/*
 * Find the local named member in target type tid, descending into anonymous members.
 * Extends spec (raw steps, bit offset, accessor). 1 found, 0 not found, <0 error.
 */
static int match_member(const struct btf *lb, const struct acc *lacc, uint32_t tid,
			struct spec *ts, uint32_t *next_id, int *incompat)
{
	const struct btf *tb = ts->btf;
	const struct btf_type *lt = btf__type_by_id(lb, lacc->type_id);
	const struct btf_member *lm = btf_members(lt) + lacc->idx;
	const struct btf_type *tt = skip_mods(tb, tid, &tid);
	const struct btf_member *m;
	int i, n, ret;

	if (!tt)
		return -EINVAL;
	if (!btf_is_composite(tt))
		return 0;
	n = btf_vlen(tt);
	m = btf_members(tt);
	for (i = 0; i < n; i++, m++) {
		uint32_t off = btf_member_bit_offset(tt, i);
		const char *name;

		if (++ts->steps > STEP_BUDGET)
			return -E2BIG;
		if (ts->raw_len == SPEC_MAX)
			return -E2BIG;
		ts->bit_off += off;
		ts->raw[ts->raw_len++] = i;
		name = str_or_empty(tb, m->name_off);
		if (!*name) {
			ret = match_member(lb, lacc, m->type, ts, next_id, incompat);
			if (ret)
				return ret;
		} else if (strcmp(name, lacc->name) == 0) {
			ret = fields_compat(lb, lm->type, tb, m->type);
			if (ret <= 0) {
				if (ret == 0)
					*incompat = 1;
				return ret;
			}
			ts->acc[ts->len++] = (struct acc){ tid, i, name };
			*next_id = m->type;
			return 1;
		}
		ts->bit_off -= off;
		ts->raw_len--;
	}
	return 0;
}

static int match_enumval(const struct spec *ls, uint32_t tid, struct spec *ts, char *why)
{
	const struct btf *tb = ts->btf;
	const struct btf_type *t = skip_mods(tb, tid, &tid);
	char label[256];
	int i;

	if (!t)
		return -EINVAL;
	type_label(tb, tid, label, sizeof(label));
	if (!btf_is_any_enum(t)) {
		why_set(why, "%s is not an enum", label);
		return 0;
	}
	for (i = 0; i < btf_vlen(t); i++) {
		uint32_t off = btf_is_enum(t) ? btf_enum(t)[i].name_off : btf_enum64(t)[i].name_off;
		const char *name = str_or_empty(tb, off);

		if (names_essentially_equal(name, ls->acc[0].name)) {
			ts->acc[0] = (struct acc){ tid, i, name };
			ts->len = 1;
			ts->raw[0] = i;
			ts->raw_len = 1;
			return 1;
		}
	}
	why_set(why, "enumerator '%s' not found in %s", ls->acc[0].name, label);
	return 0;
}

/* One array step on the target side. */
static int match_index(const struct acc *lacc, const struct spec *ls, int i, uint32_t *tid,
		       struct spec *ts, char *why)
{
	const struct btf *tb = ts->btf;
	const struct btf_type *t = skip_mods(tb, *tid, tid);

	if (!t)
		return -EINVAL;
	if (i > 0) {
		const struct btf_array *a;
		const struct acc *prev = &ts->acc[ts->len - 1];
		bool flex = false;

		if (!btf_is_array(t)) {
			why_set(why, "%s: '%s' is not an array in the target",
				"access", prev->name ? prev->name : "element");
			return 0;
		}
		a = btf_array(t);
		if (prev->name && a->nelems == 0) {
			const struct btf_type *pt = btf__type_by_id(tb, prev->type_id);

			flex = pt && btf_vlen(pt) && prev->idx == btf_vlen(pt) - 1u;
		}
		if (!flex && lacc->idx >= a->nelems) {
			why_set(why, "index [%u] out of bounds: '%s' has %u elements in the target",
				lacc->idx, prev->name ? prev->name : "array", a->nelems);
			return 0;
		}
		if (!skip_mods(tb, a->type, tid))
			return -EINVAL;
	}
	if (ts->raw_len == SPEC_MAX)
		return -E2BIG;
	ts->acc[ts->len++] = (struct acc){ *tid, lacc->idx, NULL };
	ts->raw[ts->raw_len++] = lacc->idx;
	(void)ls;
	return add_elems(ts, lacc->idx, *tid, why) ? -EINVAL : 1;
}

static int match_fields(const struct spec *ls, uint32_t tid, struct spec *ts, char *why)
{
	int i, ret;

	for (i = 0; i < ls->len; i++) {
		const struct acc *lacc = &ls->acc[i];

		if (lacc->name) {
			char label[256];
			int incompat = 0;
			uint32_t cur;

			if (!skip_mods(ts->btf, tid, &cur))
				return -EINVAL;
			ret = match_member(ls->btf, lacc, cur, ts, &tid, &incompat);
			if (ret == 0) {
				type_label(ts->btf, cur, label, sizeof(label));
				if (incompat)
					why_set(why, "field '%s' of %s has an incompatible type",
						lacc->name, label);
				else
					why_set(why, "field '%s' not found in %s", lacc->name, label);
			}
		} else {
			ret = match_index(lacc, ls, i, &tid, ts, why);
		}
		if (ret <= 0)
			return ret;
	}
	return 1;
}

/* Compatibility of whole types (type_exists, type_size, target_type_id). */
static int types_compat(const struct btf *lb, uint32_t lid, const struct btf *tb, uint32_t tid,
			int level, unsigned int *steps)
{
	int depth;

	for (depth = 0; depth < MOD_DEPTH; depth++) {
		const struct btf_type *lt = skip_mods(lb, lid, &lid);
		const struct btf_type *tt = skip_mods(tb, tid, &tid);

		if (!lt || !tt || ++*steps > STEP_BUDGET)
			return -EINVAL;
		if (!kinds_compat(lt, tt))
			return 0;
		switch (btf_kind(lt)) {
		case BTF_KIND_UNKN:
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
		case BTF_KIND_FWD:
			return 1;
		case BTF_KIND_INT:
			return btf_int_offset(lt) == 0 && btf_int_offset(tt) == 0;
		case BTF_KIND_PTR:
			lid = lt->type;
			tid = tt->type;
			continue;
		case BTF_KIND_ARRAY:
			lid = btf_array(lt)->type;
			tid = btf_array(tt)->type;
			continue;
		case BTF_KIND_FUNC_PROTO: {
			const struct btf_param *lp = btf_params(lt), *tp = btf_params(tt);
			int i, ret;

			if (btf_vlen(lt) != btf_vlen(tt))
				return 0;
			for (i = 0; i < btf_vlen(lt); i++) {
				if (level <= 0)
					return -EINVAL;
				ret = types_compat(lb, lp[i].type, tb, tp[i].type, level - 1, steps);
				if (ret <= 0)
					return ret;
			}
			lid = lt->type;
			tid = tt->type;
			continue;
		}
		default:
			return 0;
		}
	}
	return -EINVAL;
}

static bool names_match(const struct btf *lb, uint32_t loff, const struct btf *tb, uint32_t toff)
{
	const char *ln = str_or_empty(lb, loff), *tn = str_or_empty(tb, toff);

	if (!*tn)
		return !*ln;
	return names_essentially_equal(ln, tn);
}

static int types_match(const struct btf *lb, uint32_t lid, const struct btf *tb, uint32_t tid,
		       bool behind_ptr, int level, unsigned int *steps);

static int enums_match(const struct btf *lb, const struct btf_type *lt, const struct btf *tb,
		       const struct btf_type *tt)
{
	int i, j;

	if (lt->size != tt->size || btf_vlen(lt) > btf_vlen(tt))
		return 0;
	for (i = 0; i < btf_vlen(lt); i++) {
		uint32_t lo = btf_is_enum(lt) ? btf_enum(lt)[i].name_off : btf_enum64(lt)[i].name_off;
		bool found = false;

		for (j = 0; j < btf_vlen(tt) && !found; j++) {
			uint32_t to = btf_is_enum(tt) ? btf_enum(tt)[j].name_off :
							 btf_enum64(tt)[j].name_off;

			found = names_match(lb, lo, tb, to);
		}
		if (!found)
			return 0;
	}
	return 1;
}

static int composites_match(const struct btf *lb, const struct btf_type *lt,
			    const struct btf *tb, const struct btf_type *tt, bool behind_ptr,
			    int level, unsigned int *steps)
{
	const struct btf_member *lm = btf_members(lt);
	int i, j, ret;

	if (btf_vlen(lt) > btf_vlen(tt))
		return 0;
	for (i = 0; i < btf_vlen(lt); i++, lm++) {
		const struct btf_member *tm = btf_members(tt);
		bool found = false;

		for (j = 0; j < btf_vlen(tt) && !found; j++, tm++) {
			if (++*steps > STEP_BUDGET)
				return -E2BIG;
			if (!names_match(lb, lm->name_off, tb, tm->name_off))
				continue;
			ret = types_match(lb, lm->type, tb, tm->type, behind_ptr, level - 1, steps);
			if (ret < 0)
				return ret;
			found = ret > 0;
		}
		if (!found)
			return 0;
	}
	return 1;
}

/* The stricter "type matches" relation (bpf_core_type_matches()). */
static int types_match(const struct btf *lb, uint32_t lid, const struct btf *tb, uint32_t tid,
		       bool behind_ptr, int level, unsigned int *steps)
{
	int depth;

	if (level <= 0)
		return -EINVAL;
	for (depth = 0; depth < MOD_DEPTH; depth++) {
		const struct btf_type *lt = skip_mods(lb, lid, &lid);
		const struct btf_type *tt = skip_mods(tb, tid, &tid);
		int lk, tk, i, ret;

		if (!lt || !tt || ++*steps > STEP_BUDGET)
			return -EINVAL;
		if (!names_match(lb, lt->name_off, tb, tt->name_off))
			return 0;
		lk = btf_kind(lt);
		tk = btf_kind(tt);
		switch (lk) {
		case BTF_KIND_UNKN:
			return lk == tk;
		case BTF_KIND_FWD:
			if (lk == tk)
				return btf_kflag(lt) == btf_kflag(tt);
			return behind_ptr && ((tk == BTF_KIND_STRUCT && !btf_kflag(lt)) ||
					      (tk == BTF_KIND_UNION && btf_kflag(lt)));
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
			return btf_is_any_enum(tt) && enums_match(lb, lt, tb, tt);
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
			if (behind_ptr) {
				if (lk == tk)
					return 1;
				return tk == BTF_KIND_FWD && (lk == BTF_KIND_UNION) == btf_kflag(tt);
			}
			return lk == tk && composites_match(lb, lt, tb, tt, behind_ptr, level, steps);
		case BTF_KIND_INT:
			return lk == tk && lt->size == tt->size &&
			       int_signed(lt) == int_signed(tt);
		case BTF_KIND_PTR:
			if (lk != tk)
				return 0;
			behind_ptr = true;
			lid = lt->type;
			tid = tt->type;
			continue;
		case BTF_KIND_ARRAY:
			if (lk != tk || btf_array(lt)->nelems != btf_array(tt)->nelems)
				return 0;
			lid = btf_array(lt)->type;
			tid = btf_array(tt)->type;
			continue;
		case BTF_KIND_FUNC_PROTO:
			if (lk != tk || btf_vlen(lt) != btf_vlen(tt))
				return 0;
			for (i = 0; i < btf_vlen(lt); i++) {
				ret = types_match(lb, btf_params(lt)[i].type, tb,
						  btf_params(tt)[i].type, behind_ptr, level - 1, steps);
				if (ret <= 0)
					return ret;
			}
			lid = lt->type;
			tid = tt->type;
			continue;
		default:
			return 0;
		}
	}
	return -EINVAL;
}

/* Match the local spec against candidate tid: 1 match, 0 no (why set), <0 error. */
static int spec_match(const struct spec *ls, const struct btf *tb, uint32_t tid,
		      struct spec *ts, char *why)
{
	char label[256];
	int ret;

	memset(ts, 0, sizeof(*ts));
	ts->btf = tb;
	ts->root_id = tid;
	ts->kind = ls->kind;
	if (is_type_kind(ls->kind)) {
		ret = ls->kind == BPF_CORE_TYPE_MATCHES ?
			types_match(ls->btf, ls->root_id, tb, tid, false, 32, &ts->steps) :
			types_compat(ls->btf, ls->root_id, tb, tid, 32, &ts->steps);
		if (ret == 0) {
			type_label(tb, tid, label, sizeof(label));
			why_set(why, "%s [%u] is not %s the local type", label, tid,
				ls->kind == BPF_CORE_TYPE_MATCHES ? "a match for" : "compatible with");
		}
		return ret;
	}
	if (is_enumval_kind(ls->kind))
		return match_enumval(ls, tid, ts, why);
	return match_fields(ls, tid, ts, why);
}

static bool mem_size_ok(const struct btf *lb, const struct calc *l, const struct btf *tb,
			const struct calc *t)
{
	const struct btf_type *lt = btf__type_by_id(lb, l->type_id);
	const struct btf_type *tt = btf__type_by_id(tb, t->type_id);

	if (l->sz == t->sz)
		return true;
	if (!lt || !tt)
		return false;
	if (btf_is_ptr(lt) && btf_is_ptr(tt))
		return true;
	return btf_is_int(lt) && btf_is_int(tt) && !int_signed(lt) && !int_signed(tt);
}

__attribute__((format(printf, 2, 3)))
static int set_str(char **dst, const char *fmt, ...)
{
	va_list ap;
	int n;

	free(*dst);
	va_start(ap, fmt);
	n = vasprintf(dst, fmt, ap);
	va_end(ap);
	if (n < 0) {
		*dst = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* Evaluate every candidate; fills r->status/target_value/error. 0 or -ENOMEM. */
static int resolve(struct core_target *tg, const struct spec *ls, const struct calc *lc,
		   struct core_relo *r)
{
	const struct btf *lb = ls->btf, *tb = tg->btf;
	const struct btf_type *lt = btf__type_by_id(lb, ls->root_id);
	const char *lname = str_or_empty(lb, lt->name_off);
	struct spec *cs = NULL, *best = NULL;
	struct calc cc, bc = { 0 };
	char why[WHY_LEN] = "", first_why[WHY_LEN] = "";
	uint32_t *ids = NULL;
	size_t n, i, matched = 0;
	int ret = 0;

	if (ls->kind == BPF_CORE_TYPE_ID_LOCAL) {
		r->status = CORE_OK;
		r->target_value = ls->root_id;
		return 0;
	}
	if (!*lname) {
		r->status = CORE_ERROR;
		return set_str(&r->error, "libbpf cannot relocate against an anonymous type");
	}
	n = find_cands(tg, lt, lname, &ids);
	if (n == (size_t)-1)
		return -ENOMEM;
	r->nr_candidates = n;
	cs = malloc(2 * sizeof(*cs));
	if (!cs) {
		free(ids);
		return -ENOMEM;
	}
	best = cs + 1;
	for (i = 0; i < n; i++) {
		int m = spec_match(ls, tb, ids[i], cs, why);

		if (m < 0) {
			r->status = CORE_ERROR;
			ret = set_str(&r->error, "error matching candidate [%u]: %s", ids[i],
				      m == -E2BIG ? "type too deep or complex" : "malformed target BTF");
			goto out;
		}
		if (m == 0) {
			if (!first_why[0])
				memcpy(first_why, why, sizeof(why));
			continue;
		}
		why[0] = '\0';
		if (calc(ls->kind, cs, &cc, why)) {
			r->status = CORE_ERROR;
			ret = set_str(&r->error, "candidate [%u]: %s", ids[i], why);
			goto out;
		}
		if (matched == 0) {
			*best = *cs;
			bc = cc;
			r->target_type_id = ids[i];
		} else if (is_field_kind(ls->kind) && cs->bit_off != best->bit_off) {
			r->status = CORE_ERROR;
			ret = set_str(&r->error,
				      "ambiguous: candidates [%u] and [%u] have different offsets (%llu != %llu bits)",
				      r->target_type_id, ids[i], (unsigned long long)best->bit_off,
				      (unsigned long long)cs->bit_off);
			goto out;
		} else if (cc.poison != bc.poison || cc.val != bc.val) {
			r->status = CORE_ERROR;
			ret = set_str(&r->error,
				      "ambiguous: candidates [%u] and [%u] resolve to different values (%llu != %llu)",
				      r->target_type_id, ids[i], (unsigned long long)bc.val,
				      (unsigned long long)cc.val);
			goto out;
		}
		matched++;
	}
	if (!matched) {
		const char *word = kind_word(lt);

		calc(ls->kind, NULL, &bc, why);
		if (n == 0) {
			/* show the name that was searched for, flavor stripped */
			ret = set_str(&r->error, "no candidate type '%s%s%.*s' in target BTF",
				      word, *word ? " " : "", (int)essential_len(lname), lname);
		} else {
			ret = set_str(&r->error, "%s%s", first_why,
				      n > 1 ? " (in every candidate)" : "");
		}
	}
	if (ret)
		goto out;
	if (bc.poison) {
		r->status = CORE_POISON;
		goto out;
	}
	r->status = CORE_OK;
	r->target_value = bc.val;
	if (r->error) {
		/* a missing type or field is an answer (0) for existence checks, not an error */
		char *e = r->error;

		r->error = NULL;
		r->note = e;
	}
	if (matched && ls->kind == BPF_CORE_FIELD_BYTE_OFFSET && lc && !mem_size_ok(lb, lc, tb, &bc)) {
		bool mem = r->insn_class && strcmp(r->insn_class, "LDX/ST/STX") == 0;

		if (mem)
			r->status = CORE_POISON;
		ret = set_str(mem ? &r->error : &r->note,
			      "field size changes from %u to %u bytes and is not a pointer or unsigned integer%s",
			      lc->sz, bc.sz, mem ? ": libbpf poisons the load/store" : "");
	}
out:
	free(ids);
	free(cs);
	return ret;
}

void core_relo_clear(struct core_relo *r)
{
	if (!r)
		return;
	free(r->root_type);
	free(r->spec);
	free(r->error);
	free(r->note);
	free(r->dead);
	memset(r, 0, sizeof(*r));
}

/* The value the relocated instruction holds, as libbpf reads it before patching. */
static void read_insn(const struct bext_sec *sec, uint32_t insn_off, struct core_relo *r)
{
	const uint8_t *p;
	uint8_t code, class;
	int32_t imm, imm2;
	int16_t off;

	if (!sec || !sec->insns || sec->insns_size < 8 || insn_off > sec->insns_size - 8)
		return;
	p = (const uint8_t *)sec->insns + insn_off;
	code = p[0];
	class = code & 0x07;
	memcpy(&off, p + 2, sizeof(off));
	memcpy(&imm, p + 4, sizeof(imm));
	switch (class) {
	case BPF_ALU:
	case BPF_ALU64:
		if (code & BPF_X)
			return;
		r->insn_class = "ALU/ALU64";
		r->insn_value = (uint64_t)(int64_t)imm;
		break;
	case BPF_LDX:
	case BPF_ST:
	case BPF_STX:
		r->insn_class = "LDX/ST/STX";
		r->insn_value = (uint64_t)(int64_t)off;
		break;
	case BPF_LD:
		if (code != (BPF_LD | BPF_IMM | BPF_DW) || insn_off > sec->insns_size - 16)
			return;
		memcpy(&imm2, p + 12, sizeof(imm2));
		r->insn_class = "LDIMM64";
		r->insn_value = (uint32_t)imm | ((uint64_t)(uint32_t)imm2 << 32);
		break;
	default:
		return;
	}
	r->insn_ok = true;
}

/* libbpf's own refusals when patching: wrong instruction value, offset too big. */
static int check_patch(const struct calc *lc, struct core_relo *r)
{
	if (!r->insn_ok || r->status != CORE_OK)
		return 0;
	if (lc->validate && r->kind != BPF_CORE_TYPE_ID_LOCAL && r->insn_value != lc->val) {
		r->status = CORE_ERROR;
		return set_str(&r->error,
			       "instruction holds %llu, BTF says %llu: object and its BTF disagree",
			       (unsigned long long)r->insn_value, (unsigned long long)lc->val);
	}
	if (strcmp(r->insn_class, "LDX/ST/STX") == 0 && r->target_value > 32767) {
		r->status = CORE_ERROR;
		return set_str(&r->error, "offset %llu does not fit the instruction's 16-bit offset",
			       (unsigned long long)r->target_value);
	}
	return 0;
}

int core_relo_explain(const struct btf *local, const struct bext_relo *rec,
		      const struct bext_sec *sec, struct core_target *target,
		      struct core_relo *out, struct errmsg *err)
{
	struct spec *ls;
	struct calc lc;
	char why[WHY_LEN] = "";
	bool parsed;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	out->insn_idx = out->prog_insn_idx = rec->insn_idx;
	out->sec_relo_idx = rec->sec_relo_idx;
	out->kind = rec->kind;
	out->root_type_id = rec->type_id;
	out->access_str = rec->access_str;
	read_insn(sec, rec->insn_off, out);
	ls = malloc(sizeof(*ls));
	if (!ls)
		return errmsg_set(err, -ENOMEM, "out of memory");
	parsed = parse_spec(local, rec, ls, why) == 0;
	out->root_type = type_label_dup(local, rec->type_id);
	out->spec = format_spec(local, rec, ls, parsed);
	if (!out->root_type || !out->spec)
		goto nomem;
	if (!parsed) {
		if (set_str(&out->error, "malformed relocation: %s", why))
			goto nomem;
		out->status = target ? CORE_ERROR : CORE_UNRESOLVED;
		goto done;
	}
	if (calc(rec->kind, ls, &lc, why)) {
		if (set_str(&out->error, "%s", why))
			goto nomem;
		out->status = target ? CORE_ERROR : CORE_UNRESOLVED;
		goto done;
	}
	out->local_ok = true;
	out->local_value = lc.val;
	if (target && (resolve(target, ls, &lc, out) || check_patch(&lc, out)))
		goto nomem;
	goto done;
nomem:
	core_relo_clear(out);
	ret = errmsg_set(err, -ENOMEM, "out of memory");
done:
	free(ls);
	return ret;
}

void core_result_free(struct core_result *res)
{
	size_t i;

	if (!res)
		return;
	for (i = 0; i < res->nr; i++)
		core_relo_clear(&res->relos[i]);
	free(res->relos);
	memset(res, 0, sizeof(*res));
}

/* Does existence check e, resolved to 0 on the target, make relocation r dead code? */
static bool guards(const struct core_relo *e, const struct core_relo *r)
{
	size_t n;

	if (e->status != CORE_OK || e->target_value != 0 || !is_exists_kind(e->kind) ||
	    e->section != r->section)
		return false;
	if (e->insn_ok)	/* decided by the branch on it */
		return e->dead && r->insn_idx >= e->dead_base &&
		       r->insn_idx - e->dead_base < e->dead_len && e->dead[r->insn_idx - e->dead_base];
	/* no instructions: the same program checking the same type or field */
	if (e->root_type_id != r->root_type_id || e->program != r->program)
		return false;
	if (is_type_kind(e->kind))
		return true;
	n = strlen(e->access_str);
	return strncmp(e->access_str, r->access_str, n) == 0 &&
	       (r->access_str[n] == '\0' || r->access_str[n] == ':');
}

static int mark_guarded(struct core_result *res)
{
	size_t i, j;

	for (i = 0; i < res->nr; i++) {
		struct core_relo *r = &res->relos[i];

		for (j = 0; r->status == CORE_POISON && j < res->nr; j++) {
			const struct core_relo *e = &res->relos[j];

			if (!guards(e, r))
				continue;
			r->status = CORE_GUARDED;
			if (set_str(&r->note, "dead code: %s at insn %u (%s) is 0 on the target",
				    core_kind_name(e->kind), e->insn_idx, e->spec))
				return -ENOMEM;
		}
	}
	return 0;
}

int core_analyze(const struct btf *local, const struct bext *ext, struct core_target *target,
		 struct core_result *res, struct errmsg *err)
{
	size_t s, i, k = 0;
	int ret;

	memset(res, 0, sizeof(*res));
	if (!ext || !ext->nr_relos)
		return 0;
	res->relos = calloc(ext->nr_relos, sizeof(*res->relos));
	if (!res->relos)
		return errmsg_set(err, -ENOMEM, "out of memory");
	for (s = 0; s < ext->nr_secs; s++) {
		const struct bext_sec *sec = &ext->secs[s];

		for (i = 0; i < sec->nr_relos && k < ext->nr_relos; i++) {
			struct core_relo *r = &res->relos[k];
			const struct bext_func *f = bext_func_at(sec, sec->relos[i].insn_idx);

			ret = core_relo_explain(local, &sec->relos[i], sec, target, r, err);
			if (ret) {
				core_result_free(res);
				return ret;
			}
			res->nr = ++k;
			r->section = sec->name;
			if (r->insn_ok && is_exists_kind(r->kind) &&
			    core_guard_dead(sec, r->insn_idx, r)) {
				core_result_free(res);
				return errmsg_set(err, -ENOMEM, "out of memory");
			}
			if (f) {
				r->program = f->name;
				r->prog_insn_idx = r->insn_idx - f->insn_idx;
			}
		}
	}
	if (target && mark_guarded(res)) {
		core_result_free(res);
		return errmsg_set(err, -ENOMEM, "out of memory");
	}
	for (i = 0; i < res->nr; i++) {
		switch (res->relos[i].status) {
		case CORE_OK: res->nr_ok++; break;
		case CORE_GUARDED: res->nr_guarded++; break;
		case CORE_POISON: res->nr_poison++; break;
		case CORE_ERROR: res->nr_error++; break;
		default: break;
		}
	}
	return 0;
}
