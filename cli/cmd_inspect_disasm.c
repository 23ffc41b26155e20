// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bpfkit inspect OBJ --disasm [--program NAME]: every function of every code section,
 * instruction by instruction in llvm-objdump's syntax, annotated from the object itself:
 * helper names, map and global-variable names from relocations, callee names for
 * bpf-to-bpf calls, branch labels, and the source lines of .BTF.ext line_info.
 *
 * Text mode prints free-form lines (out_printf); JSON mode adds
 *   "disasm": [{"name", "section", "insns": [{"idx", "text", "note"?, "source"?}]}]
 * to the inspect document. Instruction indexes count from the start of the section, as
 * llvm-objdump's do.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <gelf.h>

#include "btf_ext.h"
#include "cli.h"
#include "disasm.h"
#include "elfread.h"
#include "inspect_views.h"

/* One function (or a whole section without function symbols) to print. */
struct dis_func {
	const char *name;
	size_t start, end;	/* instruction indexes in the section, end exclusive */
};

/*
 * Symbols sorted by (section, address): lookups by address are binary searches, so a
 * hostile object with many symbols and many jumps cannot make the view quadratic.
 */
struct sym_index {
	const struct bk_symbol **v;
	size_t n;
};

/* A code section prepared for the resolver: host-order instructions, relocation index. */
struct dis_code {
	const struct bk_elf *e;
	const struct bk_section *sec;
	struct bpf_insn *insns;	/* aligned copy: the file buffer may not be */
	size_t count;
	size_t *reloc_sym;	/* per instruction: symbol index + 1, 0 when none */
	const struct bext_line **line_of;	/* per instruction: its line_info, or NULL */
	const struct sym_index *labels;		/* functions and labels (STT_FUNC, NOTYPE) */
	const struct sym_index *objects;	/* variables (STT_OBJECT) */
	char buf[128];		/* resolver answers that need formatting */
	char obj[96];		/* "counter+4": a part of buf's answer */
};

static int code_load(struct dis_code *c, const struct bk_elf *e, const struct bk_section *sec,
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
static void code_lines(struct dis_code *c, const struct bext_sec *sec)
{
	for (size_t i = 0; sec && i < sec->nr_lines; i++) {
		const struct bext_line *l = &sec->lines[i];

		if (l->insn_idx < c->count && !c->line_of[l->insn_idx])
			c->line_of[l->insn_idx] = l;
	}
}

static void code_free(struct dis_code *c)
{
	free(c->insns);
	free(c->reloc_sym);
	free(c->line_of);
}

static const struct bk_symbol *reloc_at(const struct dis_code *c, size_t idx)
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

static int index_symbols(const struct bk_elf *e, struct sym_index *idx, bool objects)
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
static size_t lower_bound(const struct sym_index *idx, size_t shndx, uint64_t off)
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
static const struct bk_symbol *symbol_at(const struct sym_index *idx, size_t shndx,
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
static const char *object_at(struct dis_code *c, size_t shndx, uint64_t off)
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
	struct dis_code *c = ctx;
	const struct bk_symbol *s = reloc_at(c, idx), *f;

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
	struct dis_code *c = ctx;
	const struct bk_symbol *s = reloc_at(c, idx), *f;
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
	const struct bk_symbol *s = reloc_at(ctx, idx);

	return s ? s->name : NULL;
}

static const char *resolve_label(void *ctx, size_t idx, int64_t target)
{
	struct dis_code *c = ctx;
	const struct bk_symbol *s;

	if (target < 0 || (uint64_t)target >= c->count)
		return NULL;
	s = symbol_at(c->labels, c->sec->index, (uint64_t)target * 8, false);
	return s ? s->name : NULL;
}

/* Functions of a code section in address order; the whole section when it has none. */
static size_t section_funcs(const struct dis_code *c, struct dis_func **out)
{
	const struct sym_index *idx = c->labels;
	size_t first = lower_bound(idx, c->sec->index, 0), n = 0;
	struct dis_func *f = calloc(idx->n - first + 1, sizeof(*f));

	*out = f;
	if (!f)
		return 0;
	for (size_t i = first; i < idx->n && idx->v[i]->shndx == c->sec->index; i++) {
		const struct bk_symbol *s = idx->v[i];

		if (s->type != STT_FUNC || s->value % 8 || s->value / 8 >= c->count)
			continue;
		f[n].name = s->name;
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
		f[0] = (struct dis_func){ c->sec->name, 0, c->count };
		n = 1;
	}
	return n;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* Text mode: "; <source> @ file.c:12" above the first instruction of each new line. */
static void print_source(struct out *o, const struct bext_line *line,
			 const struct bext_line **last)
{
	const char *text;

	if (!line || !line->line[0])
		return;
	if (*last && (*last)->line_num == line->line_num && !strcmp((*last)->file, line->file))
		return;
	*last = line;
	text = line->line + strspn(line->line, " \t");
	out_printf(o, "; %s @ %s:%u\n", text, base_name(line->file), line->line_num);
}

static void print_insn(struct cli_ctx *ctx, const struct disasm_insn *d,
		       const struct bext_line *line, const struct bext_line **last)
{
	struct out *o = ctx->out;

	if (!out_json(o)) {
		print_source(o, line, last);
		if (d->note[0])
			out_printf(o, "%6zu: %s  ; %s\n", d->idx, d->text, d->note);
		else
			out_printf(o, "%6zu: %s\n", d->idx, d->text);
		return;
	}
	out_object_begin(o, NULL, NULL);
	out_u64(o, "idx", NULL, d->idx);
	out_str(o, "text", NULL, d->text);
	if (d->note[0])
		out_str(o, "note", NULL, d->note);
	if (line) {
		out_object_begin(o, "source", NULL);
		out_str(o, "file", NULL, line->file);
		out_u64(o, "line", NULL, line->line_num);
		out_u64(o, "column", NULL, line->col);
		out_str(o, "text", NULL, line->line);
		out_object_end(o);
	}
	out_object_end(o);
}

static int print_func(struct cli_ctx *ctx, struct dis_code *c, const struct dis_func *f)
{
	const struct disasm_resolver r = {
		.ctx = c, .call_target = resolve_call, .ld_imm64 = resolve_ld_imm64,
		.kfunc = resolve_kfunc, .jump_label = resolve_label,
	};
	const struct bext_line *last = NULL;
	struct disasm_insn d;
	struct errmsg err = { 0 };

	if (out_json(ctx->out)) {
		out_object_begin(ctx->out, NULL, NULL);
		out_str(ctx->out, "name", NULL, f->name);
		out_str(ctx->out, "section", NULL, c->sec->name);
		out_list_begin(ctx->out, "insns", NULL);
	} else {
		out_printf(ctx->out, "%s %s:\n", c->sec->name, f->name);
	}
	for (size_t i = f->start; i < f->end; i += d.slots) {
		if (disasm_one(c->insns, c->count, i, &r, &d, &err))
			return cli_errmsg(ctx, &err);
		print_insn(ctx, &d, c->line_of[i], &last);
	}
	if (out_json(ctx->out)) {
		out_list_end(ctx->out);
		out_object_end(ctx->out);
	} else {
		out_printf(ctx->out, "\n");
	}
	return EXIT_OK;
}

static bool wanted(const char *program, const struct dis_code *c, const struct dis_func *f)
{
	return !program || !strcmp(program, f->name) || !strcmp(program, c->sec->name);
}

int inspect_view_disasm(struct cli_ctx *ctx, struct bk_object *o, const char *program)
{
	struct sym_index labels = { 0 }, objects = { 0 };
	const struct bk_elf *e = o->elf;
	const struct bext *ext = o->code.ext;	/* source lines, when the object has them */
	struct errmsg err = { 0 };
	size_t shown = 0;
	int ret = EXIT_OK;

	if (index_symbols(e, &labels, false) || index_symbols(e, &objects, true)) {
		ret = cli_error(ctx, "out of memory");
		goto cleanup;
	}
	if (out_json(ctx->out))
		out_list_begin(ctx->out, "disasm", "Disassembly");
	for (size_t s = 1; s < e->nr_sections && !ret; s++) {
		const struct bk_section *sec = &e->sections[s];
		struct dis_func *funcs = NULL;
		struct dis_code c;
		size_t n;

		if (sec->type != SHT_PROGBITS || !(sec->flags & SHF_EXECINSTR) || !sec->data)
			continue;
		if (code_load(&c, e, sec, &err)) {
			ret = cli_errmsg(ctx, &err);
			code_free(&c);
			break;
		}
		c.labels = &labels;
		c.objects = &objects;
		code_lines(&c, ext ? bext_find_sec(ext, sec->name) : NULL);
		n = section_funcs(&c, &funcs);
		for (size_t i = 0; i < n && !ret; i++) {
			if (!wanted(program, &c, &funcs[i]))
				continue;
			ret = print_func(ctx, &c, &funcs[i]);
			shown++;
		}
		free(funcs);
		code_free(&c);
	}
	if (out_json(ctx->out))
		out_list_end(ctx->out);
	if (!ret && program && !shown)
		ret = cli_error(ctx, "%s: no program or section named '%s'", o->name, program);
cleanup:
	free(labels.v);
	free(objects.v);
	return ret;
}
