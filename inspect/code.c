/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The code model: instructions, their relocations and lines, functions, symbol indexes. */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btf_ext.h"
#include "code.h"

/* An aligned copy of the instructions, and the REL record that applies to each. */
static int sec_load(struct bk_code_sec *c, const struct bk_elf *e, const struct bk_section *sec,
		     struct errmsg *err)
{
	memset(c, 0, sizeof(*c));
	c->e = e;
	c->sec = sec;
	c->count = sec->size / sizeof(struct bpf_insn);
	c->insns = calloc(c->count ? c->count : 1, sizeof(*c->insns));
	c->reloc_sym = calloc(c->count ? c->count : 1, sizeof(*c->reloc_sym));
	c->line_of = calloc(c->count ? c->count : 1, sizeof(*c->line_of));
	if (!c->insns || !c->reloc_sym || !c->line_of)
		return errmsg_set(err, -ENOMEM, "out of memory");
	if (c->count)
		memcpy(c->insns, sec->data, c->count * sizeof(*c->insns));

	/* index the REL records that apply to this section (the object gate checked them) */
	for (size_t i = 1; i < e->nr_sections; i++) {
		const struct bk_section *rel = &e->sections[i];

		if (rel->type != SHT_REL || rel->info != sec->index || !rel->data)
			continue;
		for (size_t r = 0; r < rel->size / sizeof(Elf64_Rel); r++) {
			Elf64_Rel rec;
			uint64_t sym, off;

			memcpy(&rec, (const char *)rel->data + r * sizeof(rec), sizeof(rec));
			sym = ELF64_R_SYM(rec.r_info);
			off = rec.r_offset;
			if (off % sizeof(struct bpf_insn) || off / sizeof(struct bpf_insn) >= c->count ||
			    sym >= e->nr_symbols)
				continue;
			c->reloc_sym[off / sizeof(struct bpf_insn)] = sym + 1;
		}
	}
	return 0;
}

/* Index the section's line_info records by instruction (the first record wins). */
static void sec_lines(struct bk_code_sec *c, const struct bext_sec *sec)
{
	for (size_t i = 0; sec && i < sec->nr_lines; i++) {
		const struct bext_line *l = &sec->lines[i];

		if (l->insn_idx < c->count && !c->line_of[l->insn_idx])
			c->line_of[l->insn_idx] = l;
	}
}

static void sec_free(struct bk_code_sec *c)
{
	free(c->insns);
	free(c->reloc_sym);
	free(c->line_of);
	free(c->funcs);
}

const struct bk_symbol *bk_code_reloc(const struct bk_code_sec *c, size_t idx)
{
	if (idx >= c->count || !c->reloc_sym[idx])
		return NULL;
	return &c->e->symbols[c->reloc_sym[idx] - 1];
}

static int cmp_sym(const void *a, const void *b)
{
	const struct bk_symbol *x = *(const struct bk_symbol *const *)a;
	const struct bk_symbol *y = *(const struct bk_symbol *const *)b;

	if (x->shndx != y->shndx)
		return x->shndx < y->shndx ? -1 : 1;
	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	/* at one address, functions before labels: they name what objdump names */
	return (x->type != STT_FUNC) - (y->type != STT_FUNC);
}

static int index_symbols(const struct bk_elf *e, struct bk_sym_index *idx, bool objects)
{
	idx->n = 0;
	idx->v = calloc(e->nr_symbols ? e->nr_symbols : 1, sizeof(*idx->v));
	if (!idx->v)
		return -ENOMEM;
	for (size_t i = 1; i < e->nr_symbols; i++) {
		const struct bk_symbol *s = &e->symbols[i];
		bool want = objects ? s->type == STT_OBJECT :
				      s->type == STT_FUNC || s->type == STT_NOTYPE;

		if (want && s->name[0] && s->section)
			idx->v[idx->n++] = s;
	}
	qsort(idx->v, idx->n, sizeof(*idx->v), cmp_sym);
	return 0;
}

/* The first entry at or after (shndx, off), or idx->n. */
static size_t lower_bound(const struct bk_sym_index *idx, size_t shndx, uint64_t off)
{
	size_t lo = 0, hi = idx->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct bk_symbol *s = idx->v[mid];

		if (s->shndx < shndx || (s->shndx == shndx && s->value < off))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* A function (or, unless funcs_only, a label) of section shndx at exactly byte off. */
static const struct bk_symbol *symbol_at(const struct bk_sym_index *idx, size_t shndx,
					 uint64_t off, bool funcs_only)
{
	size_t i = lower_bound(idx, shndx, off);
	const struct bk_symbol *s;

	if (i >= idx->n)
		return NULL;
	s = idx->v[i];
	if (s->shndx != shndx || s->value != off || (funcs_only && s->type != STT_FUNC))
		return NULL;
	return s;
}

/* The variable of section shndx covering byte off: "counter" or "counter+4" (in c->obj). */
static const char *object_at(struct bk_code_sec *c, size_t shndx, uint64_t off)
{
	size_t i = lower_bound(c->objects, shndx, off + 1);
	const struct bk_symbol *s;

	/* the last variable starting at or before off */
	if (i == 0)
		return NULL;
	s = c->objects->v[i - 1];
	if (s->shndx != shndx || off < s->value)
		return NULL;
	if (off == s->value)
		return s->name;
	if (off - s->value >= s->size)
		return NULL;
	snprintf(c->obj, sizeof(c->obj), "%s+%llu", s->name, (unsigned long long)(off - s->value));
	return c->obj;
}

static bool is_code_section(const struct bk_elf *e, size_t shndx)
{
	return shndx < e->nr_sections && (e->sections[shndx].flags & SHF_EXECINSTR);
}

/* bpf-to-bpf call: the relocation's function, or the pc-relative target in this section */
static const char *resolve_call(void *ctx, size_t idx, int64_t target)
{
	struct bk_code_sec *c = ctx;
	const struct bk_symbol *s = bk_code_reloc(c, idx), *f;

	if (!s) {
		if (target < 0 || (uint64_t)target >= c->count)
			return NULL;
		f = symbol_at(c->labels, c->sec->index, (uint64_t)target * 8, true);
		return f ? f->name : NULL;
	}
	if (s->type != STT_SECTION)
		return s->name;
	/* against a section symbol, imm + 1 counts instructions from the section start */
	f = symbol_at(c->labels, s->shndx, ((uint64_t)(int64_t)c->insns[idx].imm + 1) * 8,
		      true);
	if (f)
		return f->name;
	snprintf(c->buf, sizeof(c->buf), "%s+%lld", s->name,
		 ((long long)c->insns[idx].imm + 1) * 8);
	return c->buf;
}

static const char *resolve_ld_imm64(void *ctx, size_t idx)
{
	struct bk_code_sec *c = ctx;
	const struct bk_symbol *s = bk_code_reloc(c, idx), *f;
	uint64_t off = (uint32_t)c->insns[idx].imm;
	const char *name;

	if (!s)
		return NULL;
	if (!s->section) {
		snprintf(c->buf, sizeof(c->buf), "extern: %s", s->name);
	} else if (!strcmp(s->section, ".maps") || !strcmp(s->section, "maps")) {
		snprintf(c->buf, sizeof(c->buf), "map: %s", s->name);
	} else if (is_code_section(c->e, s->shndx)) {
		/* a callback's address: the section symbol plus a byte offset in imm */
		f = s->type == STT_SECTION ? symbol_at(c->labels, s->shndx, off, true) : s;
		if (f)
			snprintf(c->buf, sizeof(c->buf), "func: %s", f->name);
		else
			snprintf(c->buf, sizeof(c->buf), "func: %s+%llu", s->name,
				 (unsigned long long)off);
	} else if (s->type == STT_SECTION) {
		name = object_at(c, s->shndx, off);
		if (name)
			snprintf(c->buf, sizeof(c->buf), "global: %s (%s)", name, s->section);
		else
			snprintf(c->buf, sizeof(c->buf), "global: %s+%llu", s->section,
				 (unsigned long long)off);
	} else {
		snprintf(c->buf, sizeof(c->buf), "global: %s (%s)", s->name, s->section);
	}
	return c->buf;
}

static const char *resolve_kfunc(void *ctx, size_t idx, int32_t btf_id)
{
	const struct bk_symbol *s = bk_code_reloc(ctx, idx);

	return s ? s->name : NULL;
}

static const char *resolve_label(void *ctx, size_t idx, int64_t target)
{
	struct bk_code_sec *c = ctx;
	const struct bk_symbol *s;

	if (target < 0 || (uint64_t)target >= c->count)
		return NULL;
	s = symbol_at(c->labels, c->sec->index, (uint64_t)target * 8, false);
	return s ? s->name : NULL;
}

/* Functions of a code section in address order; the whole section when it has none. */
/* Functions of a code section in address order; the whole section when it has none. */
static size_t section_funcs(const struct bk_code_sec *c, struct bk_func **out)
{
	const struct bk_sym_index *idx = c->labels;
	size_t first = lower_bound(idx, c->sec->index, 0), n = 0;
	struct bk_func *f = calloc(idx->n - first + 1, sizeof(*f));

	*out = f;
	if (!f)
		return 0;
	for (size_t i = first; i < idx->n && idx->v[i]->shndx == c->sec->index; i++) {
		const struct bk_symbol *s = idx->v[i];

		if (s->type != STT_FUNC || s->value % 8 || s->value / 8 >= c->count)
			continue;
		f[n].name = s->name;
		f[n].sym = s;
		f[n].start = s->value / 8;
		f[n].end = s->size && s->size / 8 <= c->count - f[n].start ?
			   f[n].start + s->size / 8 : 0;
		n++;
	}
	/* already in address order; no usable st_size: run to the next function or the end */
	for (size_t i = 0; i < n; i++) {
		if (!f[i].end || f[i].end <= f[i].start)
			f[i].end = i + 1 < n && f[i + 1].start > f[i].start ? f[i + 1].start :
				   c->count;
	}
	if (!n && c->count) {
		f[0] = (struct bk_func){ c->sec->name, NULL, 0, c->count };
		n = 1;
	}
	return n;
}

const char *bk_code_label_at(const struct bk_code_sec *s, size_t idx)
{
	const struct bk_symbol *sym = symbol_at(s->labels, s->sec->index, (uint64_t)idx * 8, false);

	return sym && sym->type == STT_NOTYPE ? sym->name : NULL;
}

struct disasm_resolver bk_code_resolver(struct bk_code_sec *s)
{
	return (struct disasm_resolver){
		.ctx = s, .call_target = resolve_call, .ld_imm64 = resolve_ld_imm64,
		.kfunc = resolve_kfunc, .jump_label = resolve_label,
	};
}

void bk_code_free(struct bk_code *c)
{
	for (size_t i = 0; i < c->nr_secs; i++)
		sec_free(&c->secs[i]);
	free(c->secs);
	free(c->labels.v);
	free(c->objects.v);
	memset(c, 0, sizeof(*c));
}

int bk_code_build(const struct bk_elf *e, const struct bext *ext, struct bk_code *c,
		  struct errmsg *err)
{
	memset(c, 0, sizeof(*c));
	c->secs = calloc(e->nr_sections ? e->nr_sections : 1, sizeof(*c->secs));
	if (!c->secs || index_symbols(e, &c->labels, false) || index_symbols(e, &c->objects, true)) {
		bk_code_free(c);
		return errmsg_set(err, -ENOMEM, "out of memory");
	}
	for (size_t i = 1; i < e->nr_sections; i++) {
		const struct bk_section *sec = &e->sections[i];
		struct bk_code_sec *s = &c->secs[c->nr_secs];

		if (sec->type != SHT_PROGBITS || !(sec->flags & SHF_EXECINSTR) || !sec->data)
			continue;
		c->nr_secs++;
		if (sec_load(s, e, sec, err)) {
			bk_code_free(c);
			return err ? err->code : -ENOMEM;
		}
		s->labels = &c->labels;
		s->objects = &c->objects;
		sec_lines(s, ext ? bext_find_sec(ext, sec->name) : NULL);
		s->nr_funcs = section_funcs(s, &s->funcs);
		if (!s->funcs) {
			bk_code_free(c);
			return errmsg_set(err, -ENOMEM, "out of memory");
		}
	}
	return 0;
}

const struct bk_code_sec *bk_code_find(const struct bk_code *c, const char *section,
				       const struct bk_func **func, const char *name)
{
	for (size_t i = 0; i < c->nr_secs; i++) {
		const struct bk_code_sec *s = &c->secs[i];

		if (strcmp(s->sec->name, section))
			continue;
		for (size_t f = 0; f < s->nr_funcs; f++)
			if (!strcmp(s->funcs[f].name, name)) {
				*func = &s->funcs[f];
				return s;
			}
	}
	*func = NULL;
	return NULL;
}
