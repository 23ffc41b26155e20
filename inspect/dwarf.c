/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * DWARF types to BTF (include/dwarf.h). Two passes over libdw's DIEs:
 *  1. resolve: every type DIE gets a BTF id, either an existing .BTF id (named types by kind,
 *     name and size; pointers and modifiers by their target) or the next free id, recorded
 *     with its DIE offset. Structs, unions and function prototypes take their id before
 *     their members are resolved (a worklist, not recursion), which closes the legitimate
 *     loops (struct list { struct list *next; }) and bounds the recursion to chains of
 *     modifiers, typedefs and arrays: a chain deeper than MAX_DEPTH is a reference loop.
 *  2. emit: the recorded DIEs in id order through btf__add_*(); libbpf accepts ids that are
 *     not written yet, so every reference is final when its record is written.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <gelf.h>
#include <libelf.h>

#include <bpf/btf.h>

#include "bk_dwarf.h"
#include "object.h"

#define MAX_DEPTH 256
#define ARRAY_INDEX_NAME "__ARRAY_SIZE_TYPE__"
#define SIZE_ANY UINT32_MAX

/* ---- small hash maps ------------------------------------------------------------------ */

/* u64 -> u32 (DIE offset -> id; (kind, target) -> id), open addressing, key 0 unused. */
struct u64map {
	__u64 *keys;
	__u32 *vals;
	size_t cap, n;
};

static size_t mix64(__u64 k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return k;
}

static int u64map_put(struct u64map *m, __u64 key, __u32 val)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap) {
		struct u64map g = { .cap = m->cap ? m->cap * 2 : 256 };

		g.keys = calloc(g.cap, sizeof(*g.keys));
		g.vals = calloc(g.cap, sizeof(*g.vals));
		if (!g.keys || !g.vals) {
			free(g.keys);
			free(g.vals);
			return -ENOMEM;
		}
		for (i = 0; i < m->cap; i++)
			if (m->keys[i])
				u64map_put(&g, m->keys[i], m->vals[i]);
		free(m->keys);
		free(m->vals);
		*m = g;
	}
	for (i = mix64(key) & (m->cap - 1); m->keys[i] && m->keys[i] != key; i = (i + 1) & (m->cap - 1))
		;
	if (!m->keys[i])
		m->n++;
	m->keys[i] = key;
	m->vals[i] = val;
	return 0;
}

static bool u64map_get(const struct u64map *m, __u64 key, __u32 *val)
{
	size_t i;

	if (!m->cap)
		return false;
	for (i = mix64(key) & (m->cap - 1); m->keys[i]; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == key) {
			*val = m->vals[i];
			return true;
		}
	return false;
}

static void u64map_free(struct u64map *m)
{
	free(m->keys);
	free(m->vals);
}

/* Named types: (kind, name) -> (size, id); the first of a name and kind wins. */
struct named {
	const char *name;	/* into .BTF's strings or .debug_str: both outlive the build */
	__u32 kind, size, id;
};

struct namemap {
	struct named *v;
	size_t cap, n;
};

static size_t hash_name(const char *s, __u32 kind)
{
	size_t h = 1469598103934665603ULL ^ kind;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static int namemap_put(struct namemap *m, const char *name, __u32 kind, __u32 size, __u32 id)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap) {
		struct namemap g = { .cap = m->cap ? m->cap * 2 : 256 };

		g.v = calloc(g.cap, sizeof(*g.v));
		if (!g.v)
			return -ENOMEM;
		for (i = 0; i < m->cap; i++)
			if (m->v[i].name)
				namemap_put(&g, m->v[i].name, m->v[i].kind, m->v[i].size, m->v[i].id);
		free(m->v);
		*m = g;
	}
	for (i = hash_name(name, kind) & (m->cap - 1); m->v[i].name; i = (i + 1) & (m->cap - 1))
		if (m->v[i].kind == kind && !strcmp(m->v[i].name, name))
			return 0;
	m->v[i] = (struct named){ name, kind, size, id };
	m->n++;
	return 0;
}

/* The id of name as kind, when its size is size (SIZE_ANY: any); 0 when none. */
static __u32 namemap_get(const struct namemap *m, const char *name, __u32 kind, __u32 size)
{
	size_t i;

	if (!m->cap)
		return 0;
	for (i = hash_name(name, kind) & (m->cap - 1); m->v[i].name; i = (i + 1) & (m->cap - 1))
		if (m->v[i].kind == kind && !strcmp(m->v[i].name, name))
			return size == SIZE_ANY || m->v[i].size == size ? m->v[i].id : 0;
	return 0;
}

/* ---- pass 1: resolve ------------------------------------------------------------------- */

/* One record to write: the DIE, and for arrays which dimension (subrange) it is. */
enum node_kind { N_DIE, N_DIM, N_INDEX };

struct node {
	Dwarf_Off off;
	__u32 dim;
	enum node_kind kind;
};

struct conv {
	Dwarf *dbg;
	const char *name;
	struct errmsg *err;
	__u32 next_id;		/* the id the next new record gets */
	__u32 nr_btf;
	struct node *nodes;	/* nodes[i] is id nr_btf + i */
	size_t nr_nodes, cap_nodes;
	Dwarf_Off *work;	/* composites whose members are not resolved yet */
	size_t nr_work, cap_work;
	struct u64map die_ids;	/* DIE offset -> id */
	struct u64map refs;	/* (kind << 32 | target) -> id: pointers and modifiers */
	struct namemap names;	/* named types of .BTF, then of DWARF */
	__u32 index_id;		/* the array index int, 0 until needed */
	__u32 nr_dies, nr_matched;
	struct btf *btf_out;
	struct u64map strs;	/* name pointer (.debug_str) -> string offset in btf_out */
};

static int fail(struct conv *c, int code, Dwarf_Die *die, const char *what)
{
	if (die)
		return errmsg_set(c->err, code, "%s: .debug_info: DIE 0x%llx: %s", c->name,
				  (unsigned long long)dwarf_dieoffset(die), what);
	return errmsg_set(c->err, code, "%s: .debug_info: %s", c->name, what);
}

static int dw_fail(struct conv *c, Dwarf_Die *die, const char *what)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "%s: %s", what, dwarf_errmsg(-1));
	return fail(c, -EINVAL, die, msg);
}

static int push(void **v, size_t *n, size_t *cap, size_t elem)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		void *p = realloc(*v, ncap * elem);

		if (!p)
			return -ENOMEM;
		*v = p;
		*cap = ncap;
	}
	(*n)++;
	return 0;
}

/* A new id for a record to write. */
static int reserve(struct conv *c, Dwarf_Off off, __u32 dim, enum node_kind kind)
{
	if (c->next_id >= (1u << 31) - 1 ||
	    push((void **)&c->nodes, &c->nr_nodes, &c->cap_nodes, sizeof(*c->nodes)))
		return fail(c, -ENOMEM, NULL, "out of memory (or too many types)");
	c->nodes[c->nr_nodes - 1] = (struct node){ off, dim, kind };
	return c->next_id++;
}

static int remember(struct conv *c, Dwarf_Die *die, __u32 id)
{
	if (u64map_put(&c->die_ids, dwarf_dieoffset(die) + 1, id))
		return fail(c, -ENOMEM, NULL, "out of memory");
	return id;
}

static __u32 die_size(Dwarf_Die *die)
{
	int s = dwarf_bytesize(die);

	return s < 0 ? 0 : s;
}

static const char *die_name(Dwarf_Die *die)
{
	const char *n = dwarf_diename(die);

	return n ? n : "";
}

static bool is_declaration(Dwarf_Die *die)
{
	Dwarf_Attribute a;
	bool flag = false;

	return dwarf_attr(die, DW_AT_declaration, &a) && !dwarf_formflag(&a, &flag) && flag;
}

/* The DIE DW_AT_type refers to: 1, or 0 when absent (void), or -errno. */
static int type_of(struct conv *c, Dwarf_Die *die, Dwarf_Die *out)
{
	Dwarf_Attribute a;

	if (!dwarf_attr(die, DW_AT_type, &a))
		return 0;
	if (!dwarf_formref_die(&a, out))
		return dw_fail(c, die, "DW_AT_type refers outside .debug_info");
	return 1;
}

/* Children of a DIE: for (r = first_child(); r > 0; r = next_sibling()), then r < 0 is
 * damage (an unreadable DIE, an abbreviation code the table lacks), with the message set. */
static int first_child(struct conv *c, Dwarf_Die *die, Dwarf_Die *child)
{
	int r = dwarf_child(die, child);

	if (r < 0)
		return dw_fail(c, die, "cannot read its children");
	if (r == 0 && dwarf_tag(child) == DW_TAG_invalid)
		return dw_fail(c, child, "unknown abbreviation code");
	return r == 0;
}

static int next_sibling(struct conv *c, Dwarf_Die *die)
{
	Dwarf_Die next;
	int r = dwarf_siblingof(die, &next);

	if (r < 0)
		return dw_fail(c, die, "cannot read the DIE after it");
	if (r == 0 && dwarf_tag(&next) == DW_TAG_invalid)
		return dw_fail(c, &next, "unknown abbreviation code");
	if (r == 0)
		*die = next;
	return r == 0;
}

static int resolve(struct conv *c, Dwarf_Die *die, int depth);

static int resolve_ref(struct conv *c, Dwarf_Die *die, int depth)
{
	Dwarf_Die t;
	int ret = type_of(c, die, &t);

	return ret <= 0 ? ret : resolve(c, &t, depth + 1);
}

static int btf_kind_of(int tag)
{
	switch (tag) {
	case DW_TAG_structure_type:
	case DW_TAG_class_type:
		return BTF_KIND_STRUCT;
	case DW_TAG_union_type:
		return BTF_KIND_UNION;
	case DW_TAG_enumeration_type:
		return BTF_KIND_ENUM;
	case DW_TAG_typedef:
		return BTF_KIND_TYPEDEF;
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type:
	case DW_TAG_rvalue_reference_type:
		return BTF_KIND_PTR;
	case DW_TAG_const_type:
		return BTF_KIND_CONST;
	case DW_TAG_volatile_type:
		return BTF_KIND_VOLATILE;
	case DW_TAG_restrict_type:
		return BTF_KIND_RESTRICT;
	case DW_TAG_array_type:
		return BTF_KIND_ARRAY;
	case DW_TAG_subroutine_type:
		return BTF_KIND_FUNC_PROTO;
	default:
		return -1;
	}
}

/* A base type: INT or FLOAT, matched by name and size. */
static int resolve_base(struct conv *c, Dwarf_Die *die)
{
	Dwarf_Attribute a;
	Dwarf_Word enc = 0;
	__u32 kind, id;

	if (dwarf_attr(die, DW_AT_encoding, &a))
		dwarf_formudata(&a, &enc);
	kind = enc == DW_ATE_float ? BTF_KIND_FLOAT : BTF_KIND_INT;
	id = namemap_get(&c->names, die_name(die), kind, die_size(die));
	if (id) {
		c->nr_matched += id < c->nr_btf;
		return remember(c, die, id);
	}
	id = reserve(c, dwarf_dieoffset(die), 0, N_DIE);
	if ((int)id < 0 || namemap_put(&c->names, die_name(die), kind, die_size(die), id))
		return (int)id < 0 ? (int)id : fail(c, -ENOMEM, NULL, "out of memory");
	return remember(c, die, id);
}

/* Struct, union, enum: by name, kind and size; a declaration becomes the definition .BTF or
 * an earlier unit has, else a FWD. Members are resolved later (the worklist). */
static int resolve_named(struct conv *c, Dwarf_Die *die, int kind)
{
	const char *name = die_name(die);
	bool decl = is_declaration(die);
	__u32 size = die_size(die), id = 0;
	int ret;

	if (kind == BTF_KIND_ENUM && size > 4)
		kind = BTF_KIND_ENUM64;
	if (name[0] && decl) {
		id = namemap_get(&c->names, name, kind, SIZE_ANY);
		if (!id && kind == BTF_KIND_ENUM)
			id = namemap_get(&c->names, name, BTF_KIND_ENUM64, SIZE_ANY);
		if (!id && kind != BTF_KIND_ENUM)
			id = namemap_get(&c->names, name, BTF_KIND_FWD, kind == BTF_KIND_UNION);
	} else if (name[0]) {
		id = namemap_get(&c->names, name, kind, size);
	}
	if (id) {
		c->nr_matched += id < c->nr_btf;
		return remember(c, die, id);
	}
	ret = reserve(c, dwarf_dieoffset(die), 0, N_DIE);
	if (ret < 0)
		return ret;
	id = ret;
	if (name[0] && namemap_put(&c->names, name, decl && kind != BTF_KIND_ENUM ?
				   BTF_KIND_FWD : kind,
				   decl ? kind == BTF_KIND_UNION : size, id))
		return fail(c, -ENOMEM, NULL, "out of memory");
	if (!decl && kind != BTF_KIND_ENUM && kind != BTF_KIND_ENUM64) {
		Dwarf_Off off = dwarf_dieoffset(die);

		if (push((void **)&c->work, &c->nr_work, &c->cap_work, sizeof(*c->work)))
			return fail(c, -ENOMEM, NULL, "out of memory");
		c->work[c->nr_work - 1] = off;
	}
	return remember(c, die, id);
}

/* Pointers and modifiers: the target first, then one record per (kind, target). */
static int resolve_ref_kind(struct conv *c, Dwarf_Die *die, int kind, int depth)
{
	int target = resolve_ref(c, die, depth);
	__u64 key;
	__u32 id;

	if (target < 0)
		return target;
	/* a loop through a struct came back here while the target was resolved */
	if (u64map_get(&c->die_ids, dwarf_dieoffset(die) + 1, &id))
		return id;
	key = (__u64)kind << 32 | (__u32)target;
	if (u64map_get(&c->refs, key, &id)) {
		c->nr_matched += id < c->nr_btf;
		return remember(c, die, id);
	}
	target = reserve(c, dwarf_dieoffset(die), 0, N_DIE);
	if (target < 0)
		return target;
	if (u64map_put(&c->refs, key, target))
		return fail(c, -ENOMEM, NULL, "out of memory");
	return remember(c, die, target);
}

static int resolve_typedef(struct conv *c, Dwarf_Die *die, int depth)
{
	const char *name = die_name(die);
	__u32 id = name[0] ? namemap_get(&c->names, name, BTF_KIND_TYPEDEF, 0) : 0;
	int ret;

	if (id) {
		c->nr_matched += id < c->nr_btf;
		return remember(c, die, id);
	}
	ret = resolve_ref(c, die, depth);
	if (ret < 0)
		return ret;
	if (u64map_get(&c->die_ids, dwarf_dieoffset(die) + 1, &id))
		return id;
	ret = reserve(c, dwarf_dieoffset(die), 0, N_DIE);
	if (ret < 0)
		return ret;
	if (name[0] && namemap_put(&c->names, name, BTF_KIND_TYPEDEF, 0, ret))
		return fail(c, -ENOMEM, NULL, "out of memory");
	return remember(c, die, ret);
}

static int index_type(struct conv *c)
{
	int ret;

	if (c->index_id)
		return c->index_id;
	c->index_id = namemap_get(&c->names, ARRAY_INDEX_NAME, BTF_KIND_INT, 4);
	if (c->index_id)
		return c->index_id;
	ret = reserve(c, 0, 0, N_INDEX);
	if (ret > 0)
		c->index_id = ret;
	return ret;
}

/* An array of n subranges is n BTF arrays, outermost first: consecutive ids. */
static int resolve_array(struct conv *c, Dwarf_Die *die, int depth)
{
	Dwarf_Die child;
	__u32 dims = 0, id;
	int ret, first = 0;

	ret = resolve_ref(c, die, depth);
	if (ret >= 0)
		ret = index_type(c);
	if (ret < 0)
		return ret;
	if (u64map_get(&c->die_ids, dwarf_dieoffset(die) + 1, &id))
		return id;
	for (ret = first_child(c, die, &child); ret > 0; ret = next_sibling(c, &child)) {
		if (dwarf_tag(&child) != DW_TAG_subrange_type)
			continue;
		ret = reserve(c, dwarf_dieoffset(die), dims++, N_DIM);
		if (ret < 0)
			return ret;
		if (!first)
			first = ret;
	}
	if (ret < 0)
		return ret;
	if (!dims)	/* no subrange: an array of unknown size */
		first = reserve(c, dwarf_dieoffset(die), 0, N_DIM);
	return first < 0 ? first : remember(c, die, first);
}

static int resolve(struct conv *c, Dwarf_Die *die, int depth)
{
	__u32 id;
	int tag, kind;

	if (u64map_get(&c->die_ids, dwarf_dieoffset(die) + 1, &id))
		return id;
	if (depth > MAX_DEPTH)
		return fail(c, -ELOOP, die, "type reference loop (or a chain deeper than 256)");
	tag = dwarf_tag(die);
	c->nr_dies++;
	switch (tag) {
	case DW_TAG_base_type:
		return resolve_base(c, die);
	case DW_TAG_unspecified_type:
		return remember(c, die, 0);	/* void */
	case DW_TAG_atomic_type:	/* BTF has no _Atomic: the type itself, as pahole */
	case DW_TAG_immutable_type: {
		int ret = resolve_ref(c, die, depth);

		return ret < 0 ? ret : remember(c, die, ret);
	}
	}
	kind = btf_kind_of(tag);
	switch (kind) {
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_ENUM:
		return resolve_named(c, die, kind);
	case BTF_KIND_TYPEDEF:
		return resolve_typedef(c, die, depth);
	case BTF_KIND_ARRAY:
		return resolve_array(c, die, depth);
	case BTF_KIND_FUNC_PROTO: {
		int ret = reserve(c, dwarf_dieoffset(die), 0, N_DIE);
		Dwarf_Off off = dwarf_dieoffset(die);

		if (ret < 0)
			return ret;
		if (push((void **)&c->work, &c->nr_work, &c->cap_work, sizeof(*c->work)))
			return fail(c, -ENOMEM, NULL, "out of memory");
		c->work[c->nr_work - 1] = off;
		return remember(c, die, ret);
	}
	case -1: {
		char msg[96];

		snprintf(msg, sizeof(msg), "DW_AT_type refers to tag 0x%x, not a type", tag);
		return fail(c, -EINVAL, die, msg);
	}
	default:
		return resolve_ref_kind(c, die, kind, depth);
	}
}

/* Members of a struct/union, return and parameters of a prototype. */
static int resolve_members(struct conv *c, Dwarf_Off off)
{
	Dwarf_Die die, child;
	int ret;

	if (!dwarf_offdie(c->dbg, off, &die))
		return dw_fail(c, NULL, "lost a DIE");
	if (dwarf_tag(&die) == DW_TAG_subroutine_type) {
		ret = resolve_ref(c, &die, 0);
		if (ret < 0)
			return ret;
	}
	for (ret = first_child(c, &die, &child); ret > 0; ret = next_sibling(c, &child)) {
		int tag = dwarf_tag(&child);

		if (tag != DW_TAG_member && tag != DW_TAG_formal_parameter)
			continue;
		ret = resolve_ref(c, &child, 0);
		if (ret < 0)
			return ret;
	}
	return ret < 0 ? ret : 0;
}

static bool is_type_tag(int tag)
{
	return tag == DW_TAG_base_type || btf_kind_of(tag) >= 0;
}

/* Every type DIE under die (a unit, a function, a block): resolve it, and drain the
 * worklist after each so the stack never holds more than one chain. */
static int walk(struct conv *c, Dwarf_Die *parent, int depth)
{
	Dwarf_Die child;
	int ret;

	if (depth > MAX_DEPTH)
		return fail(c, -ELOOP, parent, "DIEs nested deeper than 256");
	for (ret = first_child(c, parent, &child); ret > 0; ret = next_sibling(c, &child)) {
		int tag = dwarf_tag(&child);

		if (is_type_tag(tag)) {
			ret = resolve(c, &child, 0);
			if (ret < 0)
				return ret;
			while (c->nr_work) {
				ret = resolve_members(c, c->work[--c->nr_work]);
				if (ret < 0)
					return ret;
			}
		} else if (tag == DW_TAG_subprogram || tag == DW_TAG_lexical_block ||
			   tag == DW_TAG_namespace) {
			ret = walk(c, &child, depth + 1);
			if (ret < 0)
				return ret;
		}
	}
	return ret < 0 ? ret : 0;
}

/* ---- pass 2: emit --------------------------------------------------------------------- */

/* An id resolve() gave before; resolving again must not add a record. */
static int ref_id(struct conv *c, Dwarf_Die *die)
{
	Dwarf_Die t;
	__u32 id;
	int ret = type_of(c, die, &t);

	if (ret <= 0)
		return ret;
	if (!u64map_get(&c->die_ids, dwarf_dieoffset(&t) + 1, &id))
		return fail(c, -EINVAL, die, "type not resolved (inconsistent DWARF)");
	return id;
}

static bool udata(Dwarf_Die *die, int at, Dwarf_Word *v)
{
	Dwarf_Attribute a;

	return dwarf_attr(die, at, &a) && dwarf_formudata(&a, v) == 0;
}

/* Bit offset of a member: DW_AT_data_bit_offset (DWARF 4+), else the byte location plus the
 * DWARF 2/3 DW_AT_bit_offset (counted from the most significant bit of the storage unit). */
static int member_offset(struct conv *c, Dwarf_Die *m, __u64 *bits)
{
	Dwarf_Attribute a;
	Dwarf_Word w = 0, bit_off, bit_size = 0, unit;

	if (udata(m, DW_AT_data_bit_offset, &w)) {
		*bits = w;
		return 0;
	}
	if (dwarf_attr(m, DW_AT_data_member_location, &a)) {
		if (dwarf_formudata(&a, &w) != 0) {
			Dwarf_Op *ops;
			size_t n;

			if (dwarf_getlocation(&a, &ops, &n) != 0 || n != 1 ||
			    ops[0].atom != DW_OP_plus_uconst)
				return fail(c, -EINVAL, m, "member location is not a constant");
			w = ops[0].number;
		}
	}
	*bits = (__u64)w * 8;
	if (udata(m, DW_AT_bit_offset, &bit_off)) {
		udata(m, DW_AT_bit_size, &bit_size);
		if (!udata(m, DW_AT_byte_size, &unit))
			unit = 4;
		if (bit_off + bit_size > unit * 8)
			return fail(c, -EINVAL, m, "bitfield outside its storage unit");
		*bits += unit * 8 - bit_off - bit_size;
	}
	return 0;
}

/*
 * A member name's string offset. libbpf hashes and compares every name it is given; member
 * names repeat (next, prev, flags, ...) and .debug_str holds each once, so its pointer is a
 * cheap key (the profile of a 30k-type object spent 30% in btf__add_str).
 */
static int member_name_off(struct conv *c, const char *name)
{
	__u32 off;
	int ret;

	if (!name || !name[0])
		return 0;
	if (u64map_get(&c->strs, (uintptr_t)name, &off))
		return off;
	ret = btf__add_str(c->btf_out, name);
	if (ret > 0 && u64map_put(&c->strs, (uintptr_t)name, ret))
		return fail(c, -ENOMEM, NULL, "out of memory");
	return ret;
}

static int emit_composite(struct conv *c, Dwarf_Die *die, bool is_union)
{
	const char *name = dwarf_diename(die);
	Dwarf_Die m;
	int ret, id;

	ret = is_union ? btf__add_union(c->btf_out, name, die_size(die)) :
			 btf__add_struct(c->btf_out, name, die_size(die));
	if (ret < 0)
		return ret;
	id = ret;
	for (ret = first_child(c, die, &m); ret > 0; ret = next_sibling(c, &m)) {
		Dwarf_Word bit_size = 0;
		__u64 off = 0;
		int type, name_off;

		if (dwarf_tag(&m) != DW_TAG_member)
			continue;
		type = ref_id(c, &m);
		if (type < 0)
			return type;
		ret = member_offset(c, &m, &off);
		if (ret)
			return ret;
		udata(&m, DW_AT_bit_size, &bit_size);
		if (off > UINT32_MAX || bit_size > 255)
			return fail(c, -EINVAL, &m, "member offset or bit size out of range");
		name_off = member_name_off(c, dwarf_diename(&m));
		if (name_off < 0)
			return name_off;
		/* added unnamed, then named by offset: the string is already in the table */
		ret = btf__add_field(c->btf_out, NULL, type, off, bit_size);
		if (ret >= 0 && name_off) {
			struct btf_type *t = (struct btf_type *)btf__type_by_id(c->btf_out, id);

			btf_members(t)[btf_vlen(t) - 1].name_off = name_off;
		}
		if (ret < 0) {
			char msg[128];

			snprintf(msg, sizeof(msg), "libbpf refuses member at bit %llu (width %llu): %s",
				 (unsigned long long)off, (unsigned long long)bit_size,
				 strerror(-ret));
			return fail(c, ret, &m, msg);
		}
	}
	return ret < 0 ? ret : 0;
}

static bool enum_signed(struct conv *c, Dwarf_Die *die)
{
	Dwarf_Die t;
	Dwarf_Word enc = 0;

	if (type_of(c, die, &t) <= 0)
		return false;
	for (int i = 0; i < MAX_DEPTH && dwarf_tag(&t) == DW_TAG_typedef; i++)
		if (type_of(c, &t, &t) <= 0)
			return false;
	udata(&t, DW_AT_encoding, &enc);
	return enc == DW_ATE_signed || enc == DW_ATE_signed_char;
}

static int emit_enum(struct conv *c, Dwarf_Die *die)
{
	const char *name = dwarf_diename(die);
	__u32 size = die_size(die);
	bool sign = enum_signed(c, die), is64 = size > 4;
	Dwarf_Die e;
	int ret;

	if (is_declaration(die))
		return btf__add_fwd(c->btf_out, name, BTF_FWD_ENUM);
	ret = is64 ? btf__add_enum64(c->btf_out, name, size, sign) :
		     btf__add_enum(c->btf_out, name, size);
	if (ret < 0)
		return ret;
	for (ret = first_child(c, die, &e); ret > 0; ret = next_sibling(c, &e)) {
		Dwarf_Attribute a;
		Dwarf_Sword sv = 0;
		Dwarf_Word uv = 0;
		int r;

		if (dwarf_tag(&e) != DW_TAG_enumerator)
			continue;
		if (!dwarf_attr(&e, DW_AT_const_value, &a) ||
		    (sign ? dwarf_formsdata(&a, &sv) : dwarf_formudata(&a, &uv)) != 0)
			return dw_fail(c, &e, "enumerator without a value");
		if (!sign)
			sv = (Dwarf_Sword)uv;
		if (is64)
			r = btf__add_enum64_value(c->btf_out, dwarf_diename(&e), sv);
		else	/* unsigned values above INT_MAX stay positive: kflag stays unsigned */
			r = btf__add_enum_value(c->btf_out, dwarf_diename(&e),
						sign ? (__s64)(__s32)sv : (__s64)(__u32)sv);
		if (r < 0)
			return r;
	}
	return ret < 0 ? ret : 0;
}

static int emit_proto(struct conv *c, Dwarf_Die *die)
{
	Dwarf_Die p;
	int ret = ref_id(c, die);

	if (ret >= 0)
		ret = btf__add_func_proto(c->btf_out, ret);
	if (ret < 0)
		return ret;
	for (ret = first_child(c, die, &p); ret > 0; ret = next_sibling(c, &p)) {
		int tag = dwarf_tag(&p), type = 0, r;

		if (tag == DW_TAG_formal_parameter) {
			type = ref_id(c, &p);
			if (type < 0)
				return type;
		} else if (tag != DW_TAG_unspecified_parameters) {
			continue;
		}
		r = btf__add_func_param(c->btf_out, tag == DW_TAG_formal_parameter ?
					dwarf_diename(&p) : NULL, type);
		if (r < 0)
			return r;
	}
	return ret < 0 ? ret : 0;
}

/* Subranges of an array DIE (pass 1 read its children); *nth set to subrange dim. */
static __u32 subranges(Dwarf_Die *die, __u32 dim, Dwarf_Die *nth)
{
	Dwarf_Die sub;
	__u32 n = 0;

	if (dwarf_child(die, &sub) != 0)
		return 0;
	do {
		if (dwarf_tag(&sub) != DW_TAG_subrange_type)
			continue;
		if (n++ == dim)
			*nth = sub;
	} while (dwarf_siblingof(&sub, &sub) == 0);
	return n;
}

/* Dimension dim of an array: DW_AT_count, or upper - lower + 1; 0 when unbounded. The next
 * dimension has the next id; the last one holds the element type. */
static int emit_dim(struct conv *c, Dwarf_Die *die, __u32 id, __u32 dim)
{
	Dwarf_Die sub;
	Dwarf_Word cnt = 0, up, lo = 0;
	__u32 n = subranges(die, dim, &sub);
	int elem;

	if (dim < n) {
		if (!udata(&sub, DW_AT_count, &cnt) && udata(&sub, DW_AT_upper_bound, &up)) {
			udata(&sub, DW_AT_lower_bound, &lo);
			if (up < lo || up - lo >= UINT32_MAX)
				return fail(c, -EINVAL, &sub, "array bounds out of range");
			cnt = up - lo + 1;
		}
		if (cnt > UINT32_MAX)
			return fail(c, -EINVAL, &sub, "array count out of range");
	}
	elem = dim + 1 < n ? (int)id + 1 : ref_id(c, die);
	if (elem < 0)
		return elem;
	return btf__add_array(c->btf_out, c->index_id, elem, cnt);
}

static int emit_node(struct conv *c, const struct node *nd, __u32 id)
{
	Dwarf_Die die;
	Dwarf_Attribute a;
	Dwarf_Word enc = 0;
	int ret, tag;

	if (nd->kind == N_INDEX)
		return btf__add_int(c->btf_out, ARRAY_INDEX_NAME, 4, 0);
	if (!dwarf_offdie(c->dbg, nd->off, &die))
		return dw_fail(c, NULL, "lost a DIE");
	if (nd->kind == N_DIM)
		return emit_dim(c, &die, id, nd->dim);
	tag = dwarf_tag(&die);
	switch (tag) {
	case DW_TAG_base_type:
		if (dwarf_attr(&die, DW_AT_encoding, &a))
			dwarf_formudata(&a, &enc);
		if (enc == DW_ATE_float)
			return btf__add_float(c->btf_out, dwarf_diename(&die), die_size(&die));
		return btf__add_int(c->btf_out, dwarf_diename(&die), die_size(&die),
				    enc == DW_ATE_boolean ? BTF_INT_BOOL :
				    enc == DW_ATE_signed || enc == DW_ATE_signed_char ?
				    BTF_INT_SIGNED : 0);
	case DW_TAG_structure_type:
	case DW_TAG_class_type:
	case DW_TAG_union_type:
		if (is_declaration(&die))
			return btf__add_fwd(c->btf_out, dwarf_diename(&die),
					    tag == DW_TAG_union_type ? BTF_FWD_UNION : BTF_FWD_STRUCT);
		return emit_composite(c, &die, tag == DW_TAG_union_type);
	case DW_TAG_enumeration_type:
		return emit_enum(c, &die);
	case DW_TAG_subroutine_type:
		return emit_proto(c, &die);
	}
	ret = ref_id(c, &die);
	if (ret < 0)
		return ret;
	switch (btf_kind_of(tag)) {
	case BTF_KIND_TYPEDEF:
		return btf__add_typedef(c->btf_out, dwarf_diename(&die), ret);
	case BTF_KIND_PTR:
		return btf__add_ptr(c->btf_out, ret);
	case BTF_KIND_CONST:
		return btf__add_const(c->btf_out, ret);
	case BTF_KIND_VOLATILE:
		return btf__add_volatile(c->btf_out, ret);
	case BTF_KIND_RESTRICT:
		return btf__add_restrict(c->btf_out, ret);
	}
	return fail(c, -EINVAL, &die, "unexpected tag");
}

static int emit(struct conv *c)
{
	for (size_t i = 0; i < c->nr_nodes; i++) {
		__u32 id = c->nr_btf + i;
		int ret = emit_node(c, &c->nodes[i], id);

		if (ret < 0 && !c->err->code) {
			Dwarf_Die die;
			char msg[128];

			snprintf(msg, sizeof(msg), "libbpf refuses the type: %s", strerror(-ret));
			return fail(c, ret, dwarf_offdie(c->dbg, c->nodes[i].off, &die) ? &die : NULL,
				    msg);
		}
		if (ret < 0)
			return ret;
		if (btf__type_cnt(c->btf_out) != id + 1)
			return fail(c, -EINVAL, NULL, "type ids out of step");
	}
	return 0;
}

/* ---- build ---------------------------------------------------------------------------- */

/* .BTF's named types and pointers/modifiers, so DWARF maps onto them. */
static int index_base(struct conv *c, const struct btf *base)
{
	__u32 n = btf__type_cnt(base);

	for (__u32 id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(base, id);
		const char *name = btf__name_by_offset(base, t->name_off);
		__u32 kind = btf_kind(t), size = 0;

		switch (kind) {
		case BTF_KIND_PTR:
		case BTF_KIND_CONST:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_RESTRICT:
			if (u64map_put(&c->refs, (__u64)kind << 32 | t->type, id))
				return -ENOMEM;
			continue;
		case BTF_KIND_FWD:
			size = btf_kflag(t);
			break;
		case BTF_KIND_TYPEDEF:
			break;
		case BTF_KIND_INT:
		case BTF_KIND_FLOAT:
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
			size = t->size;
			break;
		default:
			continue;
		}
		if (name && name[0] && namemap_put(&c->names, name, kind, size, id))
			return -ENOMEM;
	}
	return 0;
}

static void conv_free(struct conv *c)
{
	free(c->nodes);
	free(c->work);
	u64map_free(&c->die_ids);
	u64map_free(&c->refs);
	u64map_free(&c->strs);
	free(c->names.v);
}

static int convert(struct conv *c, const struct btf *base, struct bk_dwarf *out)
{
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie;
	uint8_t unit_type;
	Dwarf_Half version;
	int ret;

	c->nr_btf = c->next_id = base ? btf__type_cnt(base) : 1;
	if (base && index_base(c, base))
		return fail(c, -ENOMEM, NULL, "out of memory");
	while ((ret = dwarf_get_units(c->dbg, cu, &cu, &version, &unit_type, &cudie, NULL)) == 0) {
		out->nr_units++;
		ret = walk(c, &cudie, 0);
		if (ret < 0)
			return ret;
	}
	if (ret < 0)
		return dw_fail(c, NULL, "cannot read the unit headers");
	if (base) {
		__u32 size = 0;
		const void *raw = btf__raw_data(base, &size);

		c->btf_out = raw ? btf__new(raw, size) : NULL;
	} else {
		c->btf_out = btf__new_empty();
	}
	if (!c->btf_out)
		return fail(c, -ENOMEM, NULL, "cannot copy .BTF");
	ret = emit(c);
	out->nr_btf = c->nr_btf;
	out->nr_dies = c->nr_dies;
	out->nr_matched = c->nr_matched;
	return ret;
}

static bool has_debug_info(Elf *elf)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	GElf_Shdr sh;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return false;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *n = gelf_getshdr(scn, &sh) ? elf_strptr(elf, shstrndx, sh.sh_name) : NULL;

		if (n && !strcmp(n, ".debug_info"))
			return true;
	}
	return false;
}

int bk_dwarf_build(const void *buf, size_t size, const struct btf *base, const char *name,
		   struct bk_dwarf *out, struct errmsg *err)
{
	struct conv c = { .name = name, .err = err };
	Elf *elf;
	int ret;

	memset(out, 0, sizeof(*out));
	elf_version(EV_CURRENT);
	/* libelf only reads the image (ELF_C_READ semantics); the object keeps the bytes alive */
	elf = elf_memory((char *)buf, size);
	if (!elf)
		return errmsg_set(err, -EINVAL, "%s: not an ELF file: %s", name, elf_errmsg(-1));
	c.dbg = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
	if (!c.dbg) {
		int e = dwarf_errno();
		bool none = !has_debug_info(elf);

		elf_end(elf);
		if (none)
			return errmsg_set(err, -ENOENT, "%s: no DWARF (.debug_info); compile with -g",
					  name);
		return errmsg_set(err, -EINVAL, "%s: .debug_info: cannot read DWARF: %s", name,
				  dwarf_errmsg(e));
	}
	ret = convert(&c, base, out);
	if (!ret) {
		ret = bk_btf__adopt(&out->btf, c.btf_out, NULL, err);	/* owns btf_out */
		c.btf_out = NULL;
		if (ret) {
			char msg[sizeof(err->msg)];

			snprintf(msg, sizeof(msg), "%s", err->msg);
			errmsg_set(err, ret, "%s: .debug_info: types do not make valid BTF: %s",
				   name, msg);
		}
	}
	btf__free(c.btf_out);
	conv_free(&c);
	dwarf_end(c.dbg);
	elf_end(elf);
	if (ret)
		bk_dwarf_free(out);
	return ret;
}

void bk_dwarf_free(struct bk_dwarf *d)
{
	bk_btf__close(&d->btf);
	memset(d, 0, sizeof(*d));
}

bool bk_object_has_dwarf(const struct bk_object *o)
{
	const struct bk_section *s = bk_elf_section(o->elf, ".debug_info");

	return s && s->size;
}

int bk_object_dwarf(struct bk_object *o, const struct bk_dwarf **out, struct errmsg *err)
{
	struct bk_dwarf *d = o->dwarf;
	int ret;

	*out = d;
	if (d)
		return 0;
	if (!bk_object_has_dwarf(o))
		return errmsg_set(err, -ENOENT, "%s: no DWARF (.debug_info); compile with -g",
				  o->name);
	d = calloc(1, sizeof(*d));
	if (!d)
		return errmsg_set(err, -ENOMEM, "out of memory");
	ret = bk_dwarf_build(bk_object_data(o), bk_object_size(o), bk_object_btf(o), o->name, d,
			     err);
	if (ret) {
		free(d);
		return ret;
	}
	o->dwarf = d;
	*out = d;
	return 0;
}

int bk_object_dwarf_btf(struct bk_object *o, const struct bk_btf **out, struct errmsg *err)
{
	const struct bk_dwarf *d;
	int ret = bk_object_dwarf(o, &d, err);

	*out = ret ? NULL : &d->btf;
	return ret;
}

int bk_object_dwarf_find(struct bk_object *o, const char *name, __u32 size, __u32 *id,
			 bool *from_dwarf, struct errmsg *err)
{
	const struct bk_dwarf *d;
	const struct btf *btf;
	__u32 found = 0, n;
	int ret = bk_object_dwarf(o, &d, err);

	*id = 0;
	if (ret)
		return ret;
	btf = d->btf.btf;
	if (name) {
		ret = bk_btf_find_composite(&d->btf, name, err);
		if (ret < 0)
			return ret;
		if (!ret)
			return errmsg_set(err, -ENOENT, "%s: no struct or union '%s' in .BTF or DWARF",
					  o->name, name);
		found = ret;
	} else {
		n = btf__type_cnt(btf);
		for (__u32 i = 1; i < n; i++) {
			const struct btf_type *t = btf__type_by_id(btf, i);

			if (!btf_is_struct(t) || t->size != size)
				continue;
			if (found)
				return errmsg_set(err, -EEXIST, "%s: several structs of %u bytes ('%s', '%s'): name one",
						  o->name, size, btf__name_by_offset(btf, btf__type_by_id(btf, found)->name_off),
						  btf__name_by_offset(btf, t->name_off));
			found = i;
		}
		if (!found)
			return errmsg_set(err, -ENOENT, "%s: no struct of %u bytes in .BTF or DWARF",
					  o->name, size);
	}
	*id = found;
	*from_dwarf = found >= d->nr_btf;
	return 0;
}

/* Point every type id t refers to from DWARF numbering to the kept numbering. */
static void remap_refs(struct btf_type *t, const __u32 *map, __u32 nr_btf)
{
#define REMAP(x) do { if ((x) >= nr_btf) (x) = map[(x) - nr_btf]; } while (0)
	__u16 vlen = btf_vlen(t);

	switch (btf_kind(t)) {
	case BTF_KIND_PTR: case BTF_KIND_TYPEDEF: case BTF_KIND_CONST: case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT: case BTF_KIND_FUNC: case BTF_KIND_VAR: case BTF_KIND_TYPE_TAG:
	case BTF_KIND_DECL_TAG:
		REMAP(t->type);
		break;
	case BTF_KIND_ARRAY:
		REMAP(btf_array(t)->type);
		REMAP(btf_array(t)->index_type);
		break;
	case BTF_KIND_STRUCT: case BTF_KIND_UNION:
		for (__u16 i = 0; i < vlen; i++)
			REMAP(btf_members(t)[i].type);
		break;
	case BTF_KIND_FUNC_PROTO:
		REMAP(t->type);
		for (__u16 i = 0; i < vlen; i++)
			REMAP(btf_params(t)[i].type);
		break;
	case BTF_KIND_DATASEC:
		for (__u16 i = 0; i < vlen; i++)
			REMAP(btf_var_secinfos(t)[i].type);
		break;
	}
#undef REMAP
}

int bk_object_dwarf_keep(struct bk_object *o, char *const *names, size_t n, void **raw,
			 size_t *size, size_t *added, struct errmsg *err)
{
	const struct bk_dwarf *d;
	struct btf *out = NULL;
	__u32 *roots = NULL, *ids = NULL, *map = NULL, *found;
	size_t nroots = 0, nids = 0, m;
	const void *data;
	__u32 len;
	int ret;

	*raw = NULL;
	*size = *added = 0;
	if (!bk_object_btf(o))
		return errmsg_set(err, -ENOENT, "%s: no .BTF section to keep types in", o->name);
	ret = bk_object_dwarf(o, &d, err);
	if (ret)
		return ret;
	roots = calloc(n ? n : 1, sizeof(*roots));
	if (!roots)
		return errmsg_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		ret = bk_btf_find(&d->btf, names[i], &found, &m, err);
		if (ret)
			goto out;
		if (!m) {
			free(found);
			ret = errmsg_set(err, -ENOENT, "%s: no type '%s' in .BTF or DWARF; try 'bpfkit btf list %s --dwarf'",
					 o->name, names[i], o->name);
			goto out;
		}
		roots[nroots++] = found[0];
		free(found);
	}
	ret = bk_btf_closure(&d->btf, roots, nroots, &ids, &nids, err);
	if (ret)
		goto out;
	map = calloc(btf__type_cnt(d->btf.btf) - d->nr_btf + 1, sizeof(*map));
	data = btf__raw_data(bk_object_btf(o), &len);
	out = data && map ? btf__new(data, len) : NULL;
	if (!out) {
		ret = errmsg_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nids; i++)	/* sorted: DWARF-only ids keep their order */
		if (ids[i] >= d->nr_btf)
			map[ids[i] - d->nr_btf] = d->nr_btf + (*added)++;
	for (size_t i = 0; i < nids; i++) {
		int id;

		if (ids[i] < d->nr_btf)
			continue;
		id = btf__add_type(out, d->btf.btf, btf__type_by_id(d->btf.btf, ids[i]));
		if (id < 0) {
			ret = errmsg_set(err, id, "%s: cannot add type %u: %s", o->name, ids[i],
					 strerror(-id));
			goto out;
		}
		remap_refs((struct btf_type *)btf__type_by_id(out, id), map, d->nr_btf);
	}
	data = btf__raw_data(out, &len);
	*raw = data ? malloc(len) : NULL;
	if (!*raw) {
		ret = errmsg_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	memcpy(*raw, data, len);
	*size = len;
out:
	btf__free(out);
	free(map);
	free(ids);
	free(roots);
	return ret;
}
