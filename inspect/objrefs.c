/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Globals, BTF statistics and program references, from symbols, relocations and BTF. */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <linux/bpf.h>

#include "code.h"
#include "objrefs.h"

#define MAX_TYPE_DEPTH 32

static const char *name_of(const struct btf *btf, const struct btf_type *t)
{
	const char *n = btf__name_by_offset(btf, t->name_off);

	return n ? n : "";
}

static void type_str(const struct btf *btf, uint32_t id, FILE *f, int depth)
{
	const struct btf_type *t = id ? btf__type_by_id(btf, id) : NULL;

	if (!id) {
		fputs("void", f);
		return;
	}
	if (!t || depth > MAX_TYPE_DEPTH) {
		fputs("?", f);
		return;
	}
	switch (btf_kind(t)) {
	case BTF_KIND_STRUCT: fputs("struct ", f); break;
	case BTF_KIND_UNION: fputs("union ", f); break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64: fputs("enum ", f); break;
	case BTF_KIND_FWD: fputs(btf_kflag(t) ? "union " : "struct ", f); break;
	case BTF_KIND_CONST: fputs("const ", f); type_str(btf, t->type, f, depth + 1); return;
	case BTF_KIND_VOLATILE: fputs("volatile ", f); type_str(btf, t->type, f, depth + 1); return;
	case BTF_KIND_RESTRICT: fputs("restrict ", f); type_str(btf, t->type, f, depth + 1); return;
	case BTF_KIND_TYPE_TAG:
	case BTF_KIND_VAR: type_str(btf, t->type, f, depth + 1); return;
	case BTF_KIND_PTR: type_str(btf, t->type, f, depth + 1); fputs(" *", f); return;
	case BTF_KIND_ARRAY:
		type_str(btf, btf_array(t)->type, f, depth + 1);
		fprintf(f, "[%u]", btf_array(t)->nelems);
		return;
	case BTF_KIND_FUNC_PROTO: fputs("func_proto", f); return;
	default: break;
	}
	fputs(*name_of(btf, t) ? name_of(btf, t) : "(anon)", f);
}

char *bk_btf_type_name(const struct btf *btf, uint32_t id)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return NULL;
	type_str(btf, id, f, 0);
	if (fclose(f)) {
		free(s);
		return NULL;
	}
	return s;
}

const char *bk_btf_type_name_buf(const struct btf *btf, uint32_t id, char *buf, size_t len)
{
	char *s = bk_btf_type_name(btf, id);

	snprintf(buf, len, "%s", s ? s : "?");
	free(s);
	return buf;
}

static const struct bk_symbol *find_symbol(const struct bk_elf *e, const char *section,
					   const char *name)
{
	for (size_t i = 0; i < e->nr_symbols; i++)
		if (e->symbols[i].section && !strcmp(e->symbols[i].section, section) &&
		    !strcmp(e->symbols[i].name, name))
			return &e->symbols[i];
	return NULL;
}

static bool is_data_section(const char *name)
{
	return !strcmp(name, ".data") || !strcmp(name, ".bss") || !strcmp(name, ".kconfig") ||
	       !strncmp(name, ".rodata", 7) || !strncmp(name, ".data.", 6);
}

static int push_global(struct bk_global **g, size_t *n, size_t *cap)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		struct bk_global *ng = realloc(*g, c * sizeof(**g));

		if (!ng)
			return -ENOMEM;
		*g = ng;
		*cap = c;
	}
	memset(&(*g)[*n], 0, sizeof(**g));
	return 0;
}

/*
 * libbpf lays .kconfig out itself at open (bpf_object__collect_externs): externs sorted by
 * alignment (largest first), then size (smallest first), then name, each at the next offset
 * of its alignment. clang leaves them all at 0.
 */
static int by_kconfig_layout(const void *a, const void *b)
{
	const struct bk_global *x = a, *y = b;

	if (x->align != y->align)
		return x->align > y->align ? -1 : 1;
	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void layout_kconfig(struct bk_global *g, size_t n)
{
	uint64_t off = 0;

	qsort(g, n, sizeof(*g), by_kconfig_layout);
	for (size_t i = 0; i < n; i++) {
		uint64_t a = g[i].align ? g[i].align : 1;

		g[i].offset = (off + a - 1) / a * a;
		off = g[i].offset + g[i].size;
	}
}

/* One DATASEC's variables: offsets from the symbol table (clang leaves DATASEC offsets to
 * the linker), .kconfig's as libbpf lays it out. */
static int datasec_globals(const struct bk_elf *e, const struct btf *btf,
			   const struct btf_type *t, struct bk_global **g, size_t *nr,
			   size_t *cap)
{
	const struct btf_var_secinfo *vs = btf_var_secinfos(t);
	const char *sec = name_of(btf, t);
	size_t first = *nr;

	for (uint16_t i = 0; i < btf_vlen(t); i++, vs++) {
		const struct btf_type *v = btf__type_by_id(btf, vs->type);
		const struct bk_symbol *sym;
		struct bk_global *x;
		long align;

		if (!v || !btf_is_var(v))
			continue;
		if (push_global(g, nr, cap))
			return -ENOMEM;
		x = &(*g)[*nr];
		x->name = name_of(btf, v);
		x->section = sec;
		x->type = bk_btf_type_name(btf, v->type);
		if (!x->type)
			return -ENOMEM;
		sym = find_symbol(e, sec, x->name);
		x->offset = sym ? sym->value : vs->offset;
		x->size = vs->size;
		x->local = btf_var(v)->linkage == BTF_VAR_STATIC;
		align = btf__align_of(btf, v->type);
		x->align = align > 0 ? align : 1;
		(*nr)++;
	}
	if (!strcmp(sec, ".kconfig"))
		layout_kconfig(*g + first, *nr - first);
	return 0;
}

/* Without BTF (no -g): the variables the symbol table places in data sections. */
static int symbol_globals(const struct bk_elf *e, struct bk_global **g, size_t *nr, size_t *cap)
{
	for (size_t i = 1; i < e->nr_symbols; i++) {
		const struct bk_symbol *sym = &e->symbols[i];

		if (sym->type != STT_OBJECT || !sym->section || !is_data_section(sym->section))
			continue;
		if (push_global(g, nr, cap))
			return -ENOMEM;
		(*g)[*nr].name = sym->name;
		(*g)[*nr].section = sym->section;
		(*g)[*nr].offset = sym->value;
		(*g)[*nr].size = sym->size;
		(*g)[*nr].local = sym->bind == STB_LOCAL;
		(*nr)++;
	}
	return 0;
}

int bk_globals(const struct bk_elf *e, const struct btf *btf, struct bk_global **out, size_t *n,
	       struct errmsg *err)
{
	uint32_t cnt = btf ? btf__type_cnt(btf) : 0;
	struct bk_global *g = NULL;
	size_t nr = 0, cap = 0;
	int ret = btf ? 0 : symbol_globals(e, &g, &nr, &cap);

	for (uint32_t id = 1; id < cnt && !ret; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);

		if (t && btf_is_datasec(t) && is_data_section(name_of(btf, t)))
			ret = datasec_globals(e, btf, t, &g, &nr, &cap);
	}
	*out = g;
	*n = nr;
	if (ret) {
		bk_globals_free(g, nr);
		*out = NULL;
		*n = 0;
		return errmsg_set(err, ret, "out of memory");
	}
	return 0;
}

void bk_globals_free(struct bk_global *g, size_t n)
{
	for (size_t i = 0; g && i < n; i++)
		free(g[i].type);
	free(g);
}

int bk_btf_stats(const struct bk_elf *e, const struct btf *btf, struct bk_btf_stats *st,
		 struct errmsg *err)
{
	const struct bk_section *s = bk_elf_section(e, ".BTF");
	struct btf_header hdr;

	memset(st, 0, sizeof(*st));
	if (!btf || !s || !s->data || s->size < sizeof(hdr))
		return 0;
	memcpy(&hdr, s->data, sizeof(hdr));
	st->type_len = hdr.type_len;
	st->str_len = hdr.str_len;
	st->nr_types = btf__type_cnt(btf) - 1;
	for (uint32_t id = 1; id <= st->nr_types; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);

		if (t && btf_kind(t) < BK_BTF_MAX_KIND)
			st->kinds[btf_kind(t)]++;
	}
	return 0;
}

/* ---- program references ------------------------------------------------------------- */

struct scan {
	const struct bk_code *code;
	struct bk_prog_refs *refs;
	const struct bk_func **queue;	/* functions still to scan, each once */
	const struct bk_code_sec **queue_sec;
	size_t nr_queue, cap;
	int err;
};

/* Append name unless present; false when present or out of memory (sc->err set). */
static bool add_name(struct scan *sc, const char ***list, size_t *n, const char *name)
{
	const char **grown;

	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*list)[i], name))
			return false;
	grown = realloc(*list, (*n + 1) * sizeof(**list));
	if (!grown) {
		sc->err = -ENOMEM;
		return false;
	}
	*list = grown;
	grown[(*n)++] = name;
	return true;
}

static void enqueue(struct scan *sc, const struct bk_code_sec *s, const struct bk_func *f)
{
	if (sc->nr_queue == sc->cap) {
		size_t cap = sc->cap ? sc->cap * 2 : 8;
		const struct bk_func **q = realloc(sc->queue, cap * sizeof(*q));
		const struct bk_code_sec **qs = q ? realloc(sc->queue_sec, cap * sizeof(*qs)) : NULL;

		if (q)
			sc->queue = q;
		if (!q || !qs) {
			sc->err = -ENOMEM;
			return;
		}
		sc->queue_sec = qs;
		sc->cap = cap;
	}
	sc->queue_sec[sc->nr_queue] = s;
	sc->queue[sc->nr_queue++] = f;
}

/* The function starting at instruction idx of section shndx. */
static const struct bk_func *func_at(const struct bk_code *code, size_t shndx, uint64_t idx,
				     const struct bk_code_sec **sec)
{
	for (size_t i = 0; i < code->nr_secs; i++) {
		const struct bk_code_sec *s = &code->secs[i];

		if (s->sec->index != shndx)
			continue;
		for (size_t f = 0; f < s->nr_funcs; f++)
			if (s->funcs[f].sym && s->funcs[f].start == idx) {
				*sec = s;
				return &s->funcs[f];
			}
	}
	return NULL;
}

/* A call's callee: a FUNC symbol, or a section symbol plus the call's imm. */
static void note_call(struct scan *sc, const struct bk_symbol *sym, const struct bpf_insn *insn)
{
	const struct bk_code_sec *s = NULL;
	const struct bk_func *callee;
	uint64_t idx = sym->value / 8;

	if (sym->type == STT_SECTION)
		idx = (uint64_t)((int64_t)insn->imm + 1);
	else if (sym->type != STT_FUNC)
		return;
	callee = func_at(sc->code, sym->shndx, idx, &s);
	if (callee && add_name(sc, &sc->refs->subprogs, &sc->refs->nr_subprogs, callee->name))
		enqueue(sc, s, callee);
}

static void scan_function(struct scan *sc, const struct bk_code_sec *s, const struct bk_func *f)
{
	for (size_t i = f->start; i < f->end && !sc->err; i++) {
		const struct bpf_insn *insn = &s->insns[i];
		const struct bk_symbol *sym = bk_code_reloc(s, i);

		if (insn->code == (BPF_JMP | BPF_CALL) && insn->src_reg == 0 &&
		    insn->imm == BPF_FUNC_tail_call)
			sc->refs->tail_call = true;
		if (!sym)
			continue;
		if (insn->code == (BPF_JMP | BPF_CALL) && insn->src_reg == BPF_PSEUDO_CALL)
			note_call(sc, sym, insn);
		else if (insn->code == (BPF_LD | BPF_IMM | BPF_DW) && sym->section &&
			 !strcmp(sym->section, ".maps"))
			add_name(sc, &sc->refs->maps, &sc->refs->nr_maps, sym->name);
	}
}

int bk_prog_refs(const struct bk_code *code, const char *section, const char *name,
		 struct bk_prog_refs *refs, struct errmsg *err)
{
	struct scan sc = { .code = code, .refs = refs };
	const struct bk_func *fn;
	const struct bk_code_sec *s = bk_code_find(code, section, &fn, name);

	memset(refs, 0, sizeof(*refs));
	if (!s)
		return errmsg_set(err, -ENOENT, "no code for program '%s' in %s", name, section);
	scan_function(&sc, s, fn);
	for (size_t i = 0; i < sc.nr_queue && !sc.err; i++)
		scan_function(&sc, sc.queue_sec[i], sc.queue[i]);
	free(sc.queue);
	free(sc.queue_sec);
	if (sc.err) {
		bk_prog_refs_free(refs);
		return errmsg_set(err, sc.err, "out of memory");
	}
	return 0;
}

void bk_prog_refs_free(struct bk_prog_refs *refs)
{
	free(refs->subprogs);
	free(refs->maps);
	memset(refs, 0, sizeof(*refs));
}
