/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Defects: damage the gate can read past. The gate (elf.c, the BTF and .BTF.ext checkers)
 * refuses what no reader can walk safely; what is left to find here leaves an object
 * readable but wrong: a license without its NUL, overlapping sections, invalid opcodes,
 * jumps out of their function, BTF with invalid linkage, encodings or flags, .BTF.ext records
 * past their code, CO-RE access strings past their type, unknown map and relocation types,
 * relocations repeated. Each is one line "where: what"; an object with any is damaged:
 * inspect shows what it can and exits 1, writers refuse it, libbpf never sees it.
 */
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "object.h"

/* Enough defects to name the damage; past that, one more line says how many were left. */
#define MAX_DEFECTS 64

static __attribute__((format(printf, 2, 3))) void defect(struct bk_object *o, const char *fmt,
							  ...)
{
	char **grown, *msg = NULL;
	va_list ap;

	o->nr_defects_found++;
	if (o->nr_defects >= MAX_DEFECTS)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	grown = msg ? realloc(o->defects, (o->nr_defects + 1) * sizeof(*grown)) : NULL;
	if (!grown) {
		free(msg);
		o->lint_err = -ENOMEM;
		return;
	}
	o->defects = grown;
	o->defects[o->nr_defects++] = msg;
}

/* ---- ELF ------------------------------------------------------------------------------ */

static void lint_license(struct bk_object *o)
{
	const struct bk_section *s = bk_elf_section(o->elf, "license");

	if (s && s->data && s->size && !memchr(s->data, '\0', s->size))
		defect(o, "section license: the license string has no terminating NUL");
}

/* What libbpf's bpf_object__open() checks of symbols and of the version section. */
static void lint_symbols(struct bk_object *o)
{
	const struct bk_elf *e = o->elf;
	const struct bk_section *v = bk_elf_section(e, "version");

	if (v && v->size != sizeof(uint32_t))
		defect(o, "section version: %llu bytes, want 4", (unsigned long long)v->size);
	for (size_t i = 1; i < e->nr_symbols; i++) {
		const struct bk_symbol *sym = &e->symbols[i];
		const struct bk_section *sec;

		if (!sym->section || (sym->type != STT_FUNC && sym->type != STT_OBJECT))
			continue;
		sec = &e->sections[sym->shndx];
		if (sym->value > sec->size || sym->size > sec->size - sym->value)
			defect(o, "symbol %s: %llu bytes at %llu run past section %s (%llu bytes)",
			       sym->name, (unsigned long long)sym->size,
			       (unsigned long long)sym->value, sec->name,
			       (unsigned long long)sec->size);
		else if (sym->type == STT_FUNC && (sec->flags & SHF_EXECINSTR) &&
			 (sym->value % 8 || sym->size % 8))
			defect(o, "symbol %s: function at %llu of %llu bytes is not whole instructions",
			       sym->name, (unsigned long long)sym->value,
			       (unsigned long long)sym->size);
	}
}

struct extent {
	uint64_t start, end;
	const char *what;
};

static int by_start(const void *a, const void *b)
{
	const struct extent *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* File ranges: the ELF header, the section header table, every section with bytes. */
static void lint_overlaps(struct bk_object *o)
{
	const struct bk_elf *e = o->elf;
	Elf64_Ehdr eh;
	struct extent *x = calloc(e->nr_sections + 2, sizeof(*x));
	size_t n = 0;

	if (!x) {
		o->lint_err = -ENOMEM;
		return;
	}
	memcpy(&eh, e->buf, sizeof(eh));
	x[n++] = (struct extent){ 0, sizeof(eh), "the ELF header" };
	x[n++] = (struct extent){ eh.e_shoff, eh.e_shoff + (uint64_t)e->nr_sections * sizeof(Elf64_Shdr),
				  "the section header table" };
	for (size_t i = 1; i < e->nr_sections; i++)
		if (e->sections[i].data)
			x[n++] = (struct extent){ e->sections[i].offset,
						  e->sections[i].offset + e->sections[i].size,
						  e->sections[i].name };
	qsort(x, n, sizeof(*x), by_start);
	/* one sweep: each range against the one reaching furthest before it */
	for (size_t i = 1, far = 0; i < n; i++) {
		if (x[far].end > x[i].start)
			defect(o, "section %s overlaps %s in the file", x[i].what, x[far].what);
		if (x[i].end > x[far].end)
			far = i;
	}
	free(x);
}

/* libbpf and the kernel know these (R_BPF_*); anything else is not a BPF relocation. */
static bool known_reloc_type(uint32_t type)
{
	return type <= 4 || type == 10;
}

static int by_offset(const void *a, const void *b)
{
	const Elf64_Rel *x = a, *y = b;

	return x->r_offset < y->r_offset ? -1 : x->r_offset > y->r_offset;
}

static void lint_relocations(struct bk_object *o)
{
	const struct bk_elf *e = o->elf;

	for (size_t i = 1; i < e->nr_sections; i++) {
		const struct bk_section *s = &e->sections[i];
		size_t n = s->type == SHT_REL && s->data ? s->size / sizeof(Elf64_Rel) : 0;
		Elf64_Rel *r = n ? malloc(n * sizeof(*r)) : NULL;

		if (n && !r) {
			o->lint_err = -ENOMEM;
			return;
		}
		if (n)
			memcpy(r, s->data, n * sizeof(*r));
		for (size_t k = 0; k < n; k++)
			if (!known_reloc_type(ELF64_R_TYPE(r[k].r_info)))
				defect(o, "section %s: relocation %zu: unknown type %llu", s->name, k,
				       (unsigned long long)ELF64_R_TYPE(r[k].r_info));
		/* clang writes them in offset order: sort only what is not */
		for (size_t k = 1; k < n; k++)
			if (r[k].r_offset <= r[k - 1].r_offset) {
				qsort(r, n, sizeof(*r), by_offset);
				break;
			}
		for (size_t k = 1; k < n; k++)
			if (r[k].r_offset == r[k - 1].r_offset)
				defect(o, "section %s: two relocations at offset %llu of %s", s->name,
				       (unsigned long long)r[k].r_offset, e->sections[s->info].name);
		free(r);
	}
}

/* ---- code ----------------------------------------------------------------------------- */

static void lint_function(struct bk_object *o, const struct bk_code_sec *s, const struct bk_func *f)
{
	struct disasm_insn d;

	for (size_t i = f->start; i < f->end; i += d.slots) {
		if (disasm_one(s->insns, s->count, i, NULL, &d, NULL)) {
			o->lint_err = -EINVAL;
			return;
		}
		if (d.kind == DISASM_JUMP && (d.target < (int64_t)f->start ||
					      d.target >= (int64_t)f->end))
			defect(o, "section %s: %s: instruction %zu: jump to %lld, outside the function (%zu..%zu)",
			       s->sec->name, f->name, i, (long long)d.target, f->start, f->end - 1);
		else if (d.kind == DISASM_INVALID || !d.valid)
			defect(o, "section %s: %s: instruction %zu: invalid instruction (opcode 0x%02x)",
			       s->sec->name, f->name, i, s->insns[i].code);
		else if (d.kind == DISASM_CALL_BPF && !bk_code_reloc(s, i) &&
			 (d.target < 0 || d.target >= (int64_t)s->count))
			defect(o, "section %s: %s: instruction %zu: call to %lld, outside the section",
			       s->sec->name, f->name, i, (long long)d.target);
	}
}

static void lint_code(struct bk_object *o)
{
	const struct bk_elf *e = o->elf;
	struct bk_code *code;

	for (size_t i = 1; i < e->nr_sections; i++)
		if ((e->sections[i].flags & SHF_EXECINSTR) && e->sections[i].type == SHT_NOBITS)
			defect(o, "section %s: code section without contents (NOBITS)",
			       e->sections[i].name);
	if (bk_object_code(o, &code, NULL)) {
		o->lint_err = -ENOMEM;
		return;
	}
	for (size_t i = 0; i < code->nr_secs; i++)
		for (size_t f = 0; f < code->secs[i].nr_funcs; f++)
			lint_function(o, &code->secs[i], &code->secs[i].funcs[f]);
}

/* ---- BTF ------------------------------------------------------------------------------ */

static bool kflag_allowed(unsigned int kind)
{
	return kind == BTF_KIND_STRUCT || kind == BTF_KIND_UNION || kind == BTF_KIND_FWD ||
	       kind == BTF_KIND_ENUM || kind == BTF_KIND_ENUM64;
}

static void lint_int(struct bk_object *o, __u32 id, const struct btf_type *t)
{
	__u32 v = *(const __u32 *)(t + 1);
	__u32 enc = BTF_INT_ENCODING(v), bits = BTF_INT_BITS(v), off = BTF_INT_OFFSET(v);

	if (enc & ~(BTF_INT_SIGNED | BTF_INT_CHAR | BTF_INT_BOOL) || (enc & (enc - 1)))
		defect(o, ".BTF: type [%u] INT: invalid encoding 0x%x", id, enc);
	if (!bits || bits > 128 || (__u64)off + bits > (__u64)t->size * 8)
		defect(o, ".BTF: type [%u] INT: %u bits at offset %u do not fit its %u bytes", id,
		       bits, off, t->size);
}

static void lint_btf(struct bk_object *o)
{
	const struct btf *btf = bk_object_btf(o);
	__u32 n = btf ? btf__type_cnt(btf) : 0;

	for (__u32 id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		unsigned int kind = btf_kind(t);

		if (btf_kflag(t) && !kflag_allowed(kind))
			defect(o, ".BTF: type [%u] %s: kind_flag set on a kind that has none", id,
			       bk_btf_kind_str(kind));
		if (kind == BTF_KIND_INT)
			lint_int(o, id, t);
		else if (kind == BTF_KIND_FUNC && btf_vlen(t) > BTF_FUNC_EXTERN)
			defect(o, ".BTF: type [%u] FUNC: invalid linkage %u", id, btf_vlen(t));
		else if (kind == BTF_KIND_VAR && btf_var(t)->linkage > BTF_VAR_GLOBAL_EXTERN)
			defect(o, ".BTF: type [%u] VAR: invalid linkage %u", id, btf_var(t)->linkage);
	}
}

/* __uint(type, BPF_MAP_TYPE_X) is a pointer to an array of X elements. */
static void lint_map_types(struct bk_object *o)
{
	const struct btf *btf = bk_object_btf(o);
	__s32 sec = btf ? btf__find_by_name_kind(btf, ".maps", BTF_KIND_DATASEC) : -1;
	const struct btf_type *ds = sec > 0 ? btf__type_by_id(btf, sec) : NULL;
	const struct btf_var_secinfo *vs = ds ? btf_var_secinfos(ds) : NULL;

	for (__u16 i = 0; ds && i < btf_vlen(ds); i++) {
		const struct btf_type *var = btf__type_by_id(btf, vs[i].type);
		const struct btf_type *def = var ? btf__type_by_id(btf, var->type) : NULL;
		const struct btf_member *m;

		while (def && btf_is_mod(def))
			def = btf__type_by_id(btf, def->type);
		if (!def || !btf_is_struct(def))
			continue;
		m = btf_members(def);
		for (__u16 k = 0; k < btf_vlen(def); k++, m++) {
			const struct btf_type *p = btf__type_by_id(btf, m->type);
			const struct btf_type *a = p && btf_is_ptr(p) ? btf__type_by_id(btf, p->type) : NULL;
			const char *name = btf__name_by_offset(btf, m->name_off);

			if (name && !strcmp(name, "type") && a && btf_is_array(a) &&
			    !libbpf_bpf_map_type_str(btf_array(a)->nelems))
				defect(o, "map %s: unknown map type %u",
				       btf__name_by_offset(btf, var->name_off), btf_array(a)->nelems);
		}
	}
}

/* ---- .BTF.ext ------------------------------------------------------------------------- */

static const struct bk_section *code_section(const struct bk_elf *e, const char *name)
{
	const struct bk_section *s = bk_elf_section(e, name);

	return s && (s->flags & SHF_EXECINSTR) ? s : NULL;
}

/* Skip typedefs and modifiers: what an access string indexes into. */
static const struct btf_type *skip_mods(const struct btf *btf, __u32 *id)
{
	const struct btf_type *t = btf__type_by_id(btf, *id);

	for (int depth = 0; t && (btf_is_mod(t) || btf_is_typedef(t)) && depth < 32; depth++) {
		*id = t->type;
		t = btf__type_by_id(btf, *id);
	}
	return t;
}

/* "0:2:1" on root: each index after the first must name a member or an element. */
static const char *access_problem(const struct btf *btf, const struct bext_relo *r, char *buf,
				  size_t len)
{
	__u32 id = r->type_id;
	const struct btf_type *t = skip_mods(btf, &id);
	const char *p = r->access_str;
	bool enumval = r->kind == BPF_CORE_ENUMVAL_EXISTS || r->kind == BPF_CORE_ENUMVAL_VALUE;
	bool field = r->kind <= BPF_CORE_FIELD_RSHIFT_U64;
	unsigned long idx;
	char *end;

	idx = strtoul(p, &end, 10);
	if (!field && !enumval)
		return idx || *end ? "a type relocation's access string is not \"0\"" : NULL;
	if (enumval) {
		if (!t || !btf_is_any_enum(t) || idx >= btf_vlen(t))
			snprintf(buf, len, "enumerator %lu past the %u of its enum", idx,
				 t ? btf_vlen(t) : 0);
		return !t || !btf_is_any_enum(t) || idx >= btf_vlen(t) ? buf : NULL;
	}
	for (p = end; *p == ':'; p = end) {
		idx = strtoul(p + 1, &end, 10);
		if (t && btf_is_composite(t) && idx < btf_vlen(t)) {
			id = btf_members(t)[idx].type;
		} else if (t && btf_is_array(t) && (idx < btf_array(t)->nelems || !btf_array(t)->nelems)) {
			id = btf_array(t)->type;
		} else {
			snprintf(buf, len, "index %lu past its type [%u] (%s, %u members or elements)",
				 idx, id, t ? bk_btf_kind_str(btf_kind(t)) : "none",
				 t && btf_is_array(t) ? btf_array(t)->nelems : t ? btf_vlen(t) : 0);
			return buf;
		}
		t = skip_mods(btf, &id);
	}
	return NULL;
}

static void lint_ext(struct bk_object *o)
{
	const struct bext *ext = o->code.ext;
	char buf[160];

	for (size_t i = 0; ext && i < ext->nr_secs; i++) {
		const struct bext_sec *sec = &ext->secs[i];
		const struct bk_section *s = code_section(o->elf, sec->name);
		size_t count = s ? s->size / 8 : 0;

		if (!s) {
			defect(o, ".BTF.ext: records for %s, which is not a code section", sec->name);
			continue;
		}
		for (size_t k = 0; k < sec->nr_funcs; k++)
			if (sec->funcs[k].insn_idx >= count)
				defect(o, ".BTF.ext: func_info %zu of %s: instruction %u past its %zu",
				       k, sec->name, sec->funcs[k].insn_idx, count);
		for (size_t k = 0; k < sec->nr_lines; k++)
			if (sec->lines[k].insn_idx >= count)
				defect(o, ".BTF.ext: line_info %zu of %s: instruction %u past its %zu",
				       k, sec->name, sec->lines[k].insn_idx, count);
		for (size_t k = 0; k < sec->nr_relos; k++) {
			const struct bext_relo *r = &sec->relos[k];
			const char *why;

			if (r->insn_idx >= count)
				defect(o, ".BTF.ext: CO-RE relocation #%zu of %s: instruction %u past its %zu",
				       k, sec->name, r->insn_idx, count);
			why = access_problem(o->btf.btf, r, buf, sizeof(buf));
			if (why)
				defect(o, ".BTF.ext: CO-RE relocation #%zu of %s: access string '%s': %s",
				       k, sec->name, r->access_str, why);
		}
	}
}

int bk_object_lint(struct bk_object *o, struct errmsg *err)
{
	lint_license(o);
	lint_symbols(o);
	lint_overlaps(o);
	lint_relocations(o);
	lint_code(o);
	lint_btf(o);
	lint_map_types(o);
	lint_ext(o);
	if (o->nr_defects_found > o->nr_defects) {
		o->nr_defects--;	/* its place says how many were left out */
		free(o->defects[o->nr_defects]);
		defect(o, "and %zu more defects", o->nr_defects_found - o->nr_defects - 1);
	}
	return o->lint_err ? errmsg_set(err, o->lint_err, "%s: out of memory", o->name) : 0;
}
