/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Globals, BTF statistics and program references, from symbols, relocations and BTF. */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <linux/bpf.h>

#include "objrefs.h"

#define MAX_TYPE_DEPTH 32

static const char *name_of(const struct btf *btf, const struct btf_type *t)
{
	const char *n = btf__name_by_offset(btf, t->name_off);

	return n ? n : "";
}

/* Append to buf; silently stops at the end (names are for display). */
static void append(char *buf, size_t len, const char *s)
{
	size_t n = strlen(buf);

	if (n + 1 < len)
		snprintf(buf + n, len - n, "%s", s);
}

static void type_str(const struct btf *btf, uint32_t id, char *buf, size_t len, int depth)
{
	const struct btf_type *t = id ? btf__type_by_id(btf, id) : NULL;
	char num[24];

	if (!id) {
		append(buf, len, "void");
		return;
	}
	if (!t || depth > MAX_TYPE_DEPTH) {
		append(buf, len, "?");
		return;
	}
	switch (btf_kind(t)) {
	case BTF_KIND_STRUCT: append(buf, len, "struct "); break;
	case BTF_KIND_UNION: append(buf, len, "union "); break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64: append(buf, len, "enum "); break;
	case BTF_KIND_FWD: append(buf, len, btf_kflag(t) ? "union " : "struct "); break;
	case BTF_KIND_CONST: append(buf, len, "const "); type_str(btf, t->type, buf, len, depth + 1); return;
	case BTF_KIND_VOLATILE: append(buf, len, "volatile "); type_str(btf, t->type, buf, len, depth + 1); return;
	case BTF_KIND_RESTRICT: append(buf, len, "restrict "); type_str(btf, t->type, buf, len, depth + 1); return;
	case BTF_KIND_TYPE_TAG:
	case BTF_KIND_VAR: type_str(btf, t->type, buf, len, depth + 1); return;
	case BTF_KIND_PTR: type_str(btf, t->type, buf, len, depth + 1); append(buf, len, " *"); return;
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = btf_array(t);

		type_str(btf, a->type, buf, len, depth + 1);
		snprintf(num, sizeof(num), "[%u]", a->nelems);
		append(buf, len, num);
		return;
	}
	case BTF_KIND_FUNC_PROTO: append(buf, len, "func_proto"); return;
	default: break;
	}
	append(buf, len, *name_of(btf, t) ? name_of(btf, t) : "(anon)");
}

void bk_btf_type_str(const struct btf *btf, uint32_t id, char *buf, size_t len)
{
	if (!len)
		return;
	buf[0] = '\0';
	type_str(btf, id, buf, len, 0);
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

int bk_globals(const struct bk_elf *e, const struct btf *btf, struct bk_global **out, size_t *n,
	       struct errmsg *err)
{
	uint32_t cnt = btf ? btf__type_cnt(btf) : 0;
	struct bk_global *g = NULL;
	size_t nr = 0, cap = 0;

	*out = NULL;
	*n = 0;
	for (uint32_t id = 1; id < cnt; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const struct btf_var_secinfo *vs;
		const char *sec;

		if (!t || !btf_is_datasec(t) || !is_data_section(sec = name_of(btf, t)))
			continue;
		vs = btf_var_secinfos(t);
		for (uint16_t i = 0; i < btf_vlen(t); i++, vs++) {
			const struct btf_type *v = btf__type_by_id(btf, vs->type);
			const struct bk_symbol *sym;

			if (!v || !btf_is_var(v))
				continue;
			if (nr == cap) {
				struct bk_global *ng = realloc(g, (cap = cap ? cap * 2 : 16) * sizeof(*g));

				if (!ng) {
					free(g);
					return errmsg_set(err, -ENOMEM, "out of memory");
				}
				g = ng;
			}
			g[nr].name = name_of(btf, v);
			g[nr].section = sec;
			bk_btf_type_str(btf, v->type, g[nr].type, sizeof(g[nr].type));
			/* clang leaves DATASEC offsets to the linker: the symbol has the truth */
			sym = find_symbol(e, sec, g[nr].name);
			g[nr].offset = sym ? sym->value : vs->offset;
			g[nr].size = vs->size;
			nr++;
		}
	}
	*out = g;
	*n = nr;
	return 0;
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
	const struct bk_elf *e;
	struct bk_prog_refs *refs;
	const struct bk_symbol *queue[BK_MAX_REFS + 1];
	size_t nr_queue;
};

static bool add_name(const char **list, size_t *n, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(list[i], name))
			return false;
	if (*n >= BK_MAX_REFS)
		return false;
	list[(*n)++] = name;
	return true;
}

static const struct bk_section *rel_section_for(const struct bk_elf *e, size_t target)
{
	for (size_t i = 1; i < e->nr_sections; i++)
		if (e->sections[i].type == SHT_REL && e->sections[i].info == target)
			return &e->sections[i];
	return NULL;
}

static const struct bk_symbol *func_at(const struct bk_elf *e, const char *section, uint64_t off)
{
	for (size_t i = 0; i < e->nr_symbols; i++)
		if (e->symbols[i].type == STT_FUNC && e->symbols[i].section &&
		    !strcmp(e->symbols[i].section, section) && e->symbols[i].value == off)
			return &e->symbols[i];
	return NULL;
}

/* The relocation's callee: a FUNC symbol, or a section symbol plus the call's imm. */
static void note_call(struct scan *sc, const struct bk_symbol *sym, const struct bpf_insn *insn)
{
	const struct bk_symbol *callee = sym;

	if (sym->type == STT_SECTION && sym->section)
		callee = func_at(sc->e, sym->section, ((uint64_t)(int64_t)insn->imm + 1) * 8);
	if (callee && callee->type == STT_FUNC &&
	    add_name(sc->refs->subprogs, &sc->refs->nr_subprogs, callee->name) &&
	    sc->nr_queue < BK_MAX_REFS)
		sc->queue[sc->nr_queue++] = callee;
}

static void scan_function(struct scan *sc, const struct bk_symbol *fn)
{
	const struct bk_section *sec = &sc->e->sections[fn->shndx];
	const struct bk_section *rel = rel_section_for(sc->e, fn->shndx);
	uint64_t end = fn->value + fn->size;

	if (!sec->data || fn->value > sec->size || fn->size > sec->size - fn->value)
		return;
	for (uint64_t off = fn->value; off + sizeof(struct bpf_insn) <= end; off += 8) {
		struct bpf_insn insn;

		memcpy(&insn, (const char *)sec->data + off, sizeof(insn));
		if (insn.code == (BPF_JMP | BPF_CALL) && insn.src_reg == 0 &&
		    insn.imm == BPF_FUNC_tail_call)
			sc->refs->tail_call = true;
	}
	for (size_t r = 0; rel && r < rel->size / sizeof(Elf64_Rel); r++) {
		const struct bk_symbol *sym;
		struct bpf_insn insn;
		Elf64_Rel rec;

		memcpy(&rec, (const char *)rel->data + r * sizeof(rec), sizeof(rec));
		if (rec.r_offset < fn->value || rec.r_offset >= end ||
		    rec.r_offset + sizeof(insn) > sec->size)
			continue;
		sym = &sc->e->symbols[ELF64_R_SYM(rec.r_info)];	/* index checked at open */
		memcpy(&insn, (const char *)sec->data + rec.r_offset, sizeof(insn));
		if (insn.code == (BPF_JMP | BPF_CALL) && insn.src_reg == BPF_PSEUDO_CALL)
			note_call(sc, sym, &insn);
		else if (insn.code == (BPF_LD | BPF_IMM | BPF_DW) && sym->section &&
			 !strcmp(sym->section, ".maps"))
			add_name(sc->refs->maps, &sc->refs->nr_maps, sym->name);
	}
}

int bk_prog_refs(const struct bk_elf *e, const char *section, const char *name,
		 struct bk_prog_refs *refs, struct errmsg *err)
{
	struct scan sc = { .e = e, .refs = refs };
	const struct bk_symbol *fn = find_symbol(e, section, name);

	memset(refs, 0, sizeof(*refs));
	if (!fn)
		return errmsg_set(err, -ENOENT, "%s: no symbol for program '%s' in %s", e->path,
				  name, section);
	scan_function(&sc, fn);
	for (size_t i = 0; i < sc.nr_queue; i++)
		scan_function(&sc, sc.queue[i]);
	return 0;
}
