/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Reading and rewriting BPF ELF objects with libelf: the engine under `strip` and `package`.
 *
 * A rewrite drops some sections, renumbers the rest, drops the symbols that pointed into
 * dropped sections, rewrites relocation symbol indices to match, rebuilds the string tables
 * with only the names still used, and optionally appends one section (the package
 * manifest). Inputs are untrusted: every index (sh_link, sh_info, st_shndx, r_sym, string
 * offsets) is checked before use, and the output is written to a temp file that is renamed
 * over the target only when libelf has written it completely.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gen.h"
#include "object.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif
#ifndef SHT_LLVM_ADDRSIG
#define SHT_LLVM_ADDRSIG 0x6fff4c03
#endif

bool gen_sec_is_debug(const char *name, uint32_t type)
{
	if (type == SHT_LLVM_ADDRSIG)
		return true;
	return !strncmp(name, ".debug_", 7) || !strncmp(name, ".rel.debug_", 11) ||
	       !strncmp(name, ".rela.debug_", 12) || !strncmp(name, ".zdebug_", 8) ||
	       !strcmp(name, ".llvm_addrsig") || !strcmp(name, ".comment");
}

/* Section i of the checked input as a GElf header (sh_name is rebuilt by the rewrite). */
static GElf_Shdr in_shdr(const struct bk_elf *e, size_t i)
{
	const struct bk_section *s = &e->sections[i];

	return (GElf_Shdr){
		.sh_type = s->type, .sh_flags = s->flags, .sh_addr = s->addr,
		.sh_offset = s->offset, .sh_size = s->size, .sh_link = s->link,
		.sh_info = s->info, .sh_addralign = s->align, .sh_entsize = s->entsize,
	};
}

/*
 * ---- string table builder ----
 * Names are collected first, then laid out longest first, so a name that is the tail of
 * another (".BTF" in ".rel.BTF", a program section in its ".rel" section) shares its bytes,
 * as llvm-strip does. Every suffix of a placed name goes into an open-addressing map from
 * string to offset; lookups compare against the table itself.
 */
struct strtab {
	char *buf;
	size_t len, cap;
	uint32_t *slots;	/* offset + 1, 0 = empty */
	size_t nslots, used;
	const char **pending;
	size_t npending, cappending;
};

static uint32_t str_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static int strtab_grow_slots(struct strtab *t)
{
	size_t n = t->nslots ? t->nslots * 2 : 1024, i;
	uint32_t *s = calloc(n, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (i = 0; i < t->nslots; i++) {
		size_t j;

		if (!t->slots[i])
			continue;
		for (j = str_hash(t->buf + t->slots[i] - 1) & (n - 1); s[j]; j = (j + 1) & (n - 1))
			;
		s[j] = t->slots[i];
	}
	free(t->slots);
	t->slots = s;
	t->nslots = n;
	return 0;
}

/* Offset of s in the laid-out table, or -1. */
static long strtab_off(const struct strtab *t, const char *s)
{
	size_t j;

	if (!*s)
		return 0;
	if (!t->nslots)
		return -1;
	for (j = str_hash(s) & (t->nslots - 1); t->slots[j]; j = (j + 1) & (t->nslots - 1))
		if (!strcmp(t->buf + t->slots[j] - 1, s))
			return t->slots[j] - 1;
	return -1;
}

static int strtab_collect(struct strtab *t, const char *s)
{
	if (!s)
		return -EINVAL;
	if (t->npending == t->cappending) {
		size_t cap = t->cappending ? t->cappending * 2 : 64;
		const char **p = realloc(t->pending, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		t->pending = p;
		t->cappending = cap;
	}
	t->pending[t->npending++] = s;
	return 0;
}

static int by_len_desc(const void *a, const void *b)
{
	size_t la = strlen(*(const char *const *)a), lb = strlen(*(const char *const *)b);

	return la < lb ? 1 : la > lb ? -1 : 0;
}

static int strtab_place(struct strtab *t, const char *s)
{
	size_t n = strlen(s), k, j;

	if (!n || strtab_off(t, s) >= 0)
		return 0;
	if (t->len + n + 1 > UINT32_MAX)
		return -E2BIG;
	if (t->len + n + 1 > t->cap) {
		size_t cap = (t->len + n + 1) * 2;
		char *b = realloc(t->buf, cap);

		if (!b)
			return -ENOMEM;
		t->buf = b;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, s, n + 1);
	for (k = 0; k < n; k++) {
		const char *suffix = t->buf + t->len + k;

		if ((t->used + 1) * 2 > t->nslots && strtab_grow_slots(t))
			return -ENOMEM;
		if (strtab_off(t, suffix) >= 0)
			continue;
		for (j = str_hash(suffix) & (t->nslots - 1); t->slots[j];
		     j = (j + 1) & (t->nslots - 1))
			;
		t->slots[j] = t->len + k + 1;
		t->used++;
	}
	t->len += n + 1;
	return 0;
}

static int strtab_finalize(struct strtab *t)
{
	size_t i;
	int ret;

	if (t->npending)
		qsort(t->pending, t->npending, sizeof(*t->pending), by_len_desc);
	for (i = 0; i < t->npending; i++) {
		ret = strtab_place(t, t->pending[i]);
		if (ret)
			return ret;
	}
	return 0;
}

static int strtab_init(struct strtab *t)
{
	memset(t, 0, sizeof(*t));
	t->buf = calloc(1, 256);
	if (!t->buf)
		return -ENOMEM;
	t->cap = 256;
	t->len = 1;	/* offset 0 is the empty string */
	return 0;
}

static void strtab_free(struct strtab *t)
{
	free(t->buf);
	free(t->slots);
	free(t->pending);
}

/* ---- rewrite ---- */
struct rewrite_state {
	const struct bk_elf *in;	/* checked by the object gate: indices are in range */
	long *newidx;		/* old section index -> new, -1 dropped */
	size_t symtab;		/* old index of SHT_SYMTAB, 0 if none */
	size_t sym_strtab;	/* its string table */
	long *symmap;		/* old symbol index -> new, -1 dropped */
	size_t nsyms;
	Elf64_Sym *syms;	/* new symbol table */
	const char **symnames;	/* their names (st_name is set once the table is laid out) */
	size_t nsyms_new, first_global;
	struct strtab shstr, symstr;	/* symstr unused when it is shstr */
	bool strip;
	void **bufs;		/* per old section: rewritten data we own */
	size_t btf_idx;		/* old index of .BTF when its data is replaced, else 0 */
	const void *btf_data;
	size_t btf_size;
};

static void rewrite_free(struct rewrite_state *s)
{
	if (s->bufs)
		for (size_t i = 0; i < s->in->nr_sections; i++)
			free(s->bufs[i]);
	free(s->bufs);
	free(s->newidx);
	free(s->symmap);
	free(s->syms);
	free(s->symnames);
	strtab_free(&s->shstr);
	strtab_free(&s->symstr);
}

/* Decide which sections stay and number them. */
static int plan_sections(struct rewrite_state *s, const struct gen_rewrite *rw,
			 struct errmsg *err)
{
	const struct bk_elf *e = s->in;
	size_t i, next = 1;

	for (i = 1; i < e->nr_sections; i++) {
		const struct bk_section *sec = &e->sections[i];

		s->newidx[i] = 0;
		if (rw->strip && gen_sec_is_debug(sec->name, sec->type))
			s->newidx[i] = -1;
		if (rw->drop_manifest && !strcmp(sec->name, GEN_MANIFEST_SEC))
			s->newidx[i] = -1;
		if (sec->type == SHT_SYMTAB && s->symtab)
			return errmsg_set(err, -EINVAL, "malformed ELF file: two symbol tables");
		if (sec->type == SHT_SYMTAB) {
			s->symtab = i;
			s->sym_strtab = sec->link;
		}
	}
	/* relocations of a dropped section go too (second pass: targets may come later) */
	for (i = 1; i < e->nr_sections; i++) {
		const struct bk_section *sec = &e->sections[i];

		if (sec->type != SHT_REL && sec->type != SHT_RELA)
			continue;
		if (sec->info == 0 || e->sections[sec->info].type == SHT_REL ||
		    e->sections[sec->info].type == SHT_RELA)
			return errmsg_set(err, -EINVAL, "malformed ELF file: relocation section %s targets section %u",
					  sec->name, sec->info);
		if (s->newidx[sec->info] < 0)
			s->newidx[i] = -1;
	}
	if (s->newidx[e->shstrndx] < 0 || (s->symtab && s->newidx[s->symtab] < 0) ||
	    (s->symtab && s->newidx[s->sym_strtab] < 0))
		return errmsg_set(err, -EINVAL, "malformed ELF file: string table would be dropped");
	for (i = 1; i < e->nr_sections; i++)
		if (s->newidx[i] == 0)
			s->newidx[i] = next++;
	return 0;
}

/* Keep the symbols of kept sections, renumbered; rebuild their names. */
static int plan_symbols(struct rewrite_state *s, struct strtab *names, struct errmsg *err)
{
	const struct bk_elf *e = s->in;
	const struct bk_section *symsec, *strsec;
	size_t j, first_global_old;

	if (!s->symtab)
		return 0;
	symsec = &e->sections[s->symtab];
	strsec = &e->sections[s->sym_strtab];
	s->nsyms = e->nr_symbols;
	first_global_old = symsec->info;
	if (first_global_old > s->nsyms)
		return errmsg_set(err, -EINVAL, "malformed ELF file: bad symbol table info");
	s->symmap = calloc(s->nsyms ? s->nsyms : 1, sizeof(*s->symmap));
	s->syms = calloc(s->nsyms ? s->nsyms : 1, sizeof(*s->syms));
	s->symnames = calloc(s->nsyms ? s->nsyms : 1, sizeof(*s->symnames));
	if (!s->symmap || !s->syms || !s->symnames)
		return errmsg_set(err, -ENOMEM, "out of memory");
	for (j = 0; j < s->nsyms; j++) {
		Elf64_Sym sym;
		const char *name;

		memcpy(&sym, (const char *)symsec->data + j * sizeof(sym), sizeof(sym));
		/* the raw name: bk_symbol names section symbols after their section */
		name = strsec->data ? (const char *)strsec->data + sym.st_name : "";
		if (j == first_global_old)
			s->first_global = s->nsyms_new;
		/* STT_FILE names the source file: debug information, as llvm-strip -g sees it */
		if (j && s->strip && ELF64_ST_TYPE(sym.st_info) == STT_FILE) {
			s->symmap[j] = -1;
			continue;
		}
		if (sym.st_shndx == SHN_XINDEX)
			return errmsg_set(err, -EINVAL, "unsupported ELF file: extended section indices");
		if (sym.st_shndx != SHN_UNDEF && sym.st_shndx < SHN_LORESERVE) {
			if (s->newidx[sym.st_shndx] < 0 && j != 0) {
				s->symmap[j] = -1;
				continue;
			}
			sym.st_shndx = s->newidx[sym.st_shndx];
		}
		if (strtab_collect(names, name))
			return errmsg_set(err, -ENOMEM, "out of memory");
		s->symnames[s->nsyms_new] = name;
		s->symmap[j] = s->nsyms_new;
		s->syms[s->nsyms_new++] = sym;
	}
	if (first_global_old == s->nsyms)
		s->first_global = s->nsyms_new;
	return 0;
}

/* Rewrite the symbol indices of relocation section i into a buffer we own. */
static int remap_relocs(struct rewrite_state *s, size_t i, struct errmsg *err)
{
	const struct bk_section *sec = &s->in->sections[i];
	size_t esz = sec->type == SHT_RELA ? sizeof(Elf64_Rela) : sizeof(Elf64_Rel);
	char *buf;

	if (!sec->data)
		return 0;
	buf = malloc(sec->size);
	if (!buf)
		return errmsg_set(err, -ENOMEM, "out of memory");
	memcpy(buf, sec->data, sec->size);
	s->bufs[i] = buf;
	for (size_t k = 0; k < sec->size / esz; k++) {
		Elf64_Rel r;	/* Rela starts the same way */
		size_t sym;

		memcpy(&r, buf + k * esz, sizeof(r));
		sym = ELF64_R_SYM(r.r_info);
		if (s->symmap[sym] < 0)
			return errmsg_set(err, -EINVAL, "malformed ELF file: relocation %zu of section %s refers to dropped symbol %zu",
					  k, sec->name, sym);
		r.r_info = ELF64_R_INFO(s->symmap[sym], ELF64_R_TYPE(r.r_info));
		memcpy(buf + k * esz, &r, sizeof(r));
	}
	return 0;
}

/* The output section's data descriptor for old section i. */
static void out_data(const struct rewrite_state *s, size_t i, const GElf_Shdr *sh, Elf_Data *od)
{
	const struct bk_section *sec = &s->in->sections[i];

	od->d_type = ELF_T_BYTE;
	od->d_align = sh->sh_addralign ? sh->sh_addralign : 1;
	od->d_version = EV_CURRENT;
	if (sh->sh_type == SHT_NOBITS) {
		od->d_buf = NULL;
		od->d_size = sh->sh_size;
	} else if (i == s->in->shstrndx) {
		od->d_buf = s->shstr.buf;
		od->d_size = s->shstr.len;
		od->d_align = 1;
	} else if (i == s->sym_strtab && s->symtab) {
		od->d_buf = s->symstr.buf;
		od->d_size = s->symstr.len;
		od->d_align = 1;
	} else if (i == s->symtab) {
		od->d_type = ELF_T_SYM;
		od->d_buf = s->syms;
		od->d_size = s->nsyms_new * sizeof(Elf64_Sym);
		od->d_align = 8;
	} else if (s->btf_idx && i == s->btf_idx) {
		od->d_buf = (void *)s->btf_data;
		od->d_size = s->btf_size;
	} else {
		od->d_buf = s->bufs[i] ? s->bufs[i] : (void *)sec->data;
		od->d_size = sec->data ? sec->size : 0;
	}
}

/* Old section i's header with indices renumbered for the output. */
static GElf_Shdr out_shdr(const struct rewrite_state *s, size_t i)
{
	const struct bk_elf *e = s->in;
	GElf_Shdr sh = in_shdr(e, i);

	sh.sh_name = strtab_off(&s->shstr, e->sections[i].name);
	sh.sh_offset = 0;
	if (sh.sh_type == SHT_SYMTAB) {
		sh.sh_link = s->newidx[s->sym_strtab];
		sh.sh_info = s->first_global;
		sh.sh_size = s->nsyms_new * sizeof(Elf64_Sym);
	} else if (sh.sh_type == SHT_REL || sh.sh_type == SHT_RELA) {
		sh.sh_link = s->newidx[s->symtab];
		sh.sh_info = s->newidx[sh.sh_info];
	} else {
		if (sh.sh_link)
			sh.sh_link = sh.sh_link < e->nr_sections && s->newidx[sh.sh_link] > 0 ?
				     s->newidx[sh.sh_link] : 0;
		if (sh.sh_flags & SHF_INFO_LINK)
			sh.sh_info = sh.sh_info < e->nr_sections && s->newidx[sh.sh_info] > 0 ?
				     s->newidx[sh.sh_info] : 0;
	}
	if (s->btf_idx && i == s->btf_idx)
		sh.sh_size = s->btf_size;
	if (i == e->shstrndx)
		sh.sh_size = s->shstr.len;
	else if (s->symtab && i == s->sym_strtab && s->sym_strtab != e->shstrndx)
		sh.sh_size = s->symstr.len;
	return sh;
}

static int write_output(struct rewrite_state *s, const struct gen_rewrite *rw, int fd,
			struct errmsg *err)
{
	const unsigned char *ident = s->in->buf;
	GElf_Ehdr ieh, oeh;
	Elf *out;
	int ret = 0;

	out = elf_begin(fd, ELF_C_WRITE, NULL);
	if (!out)
		return errmsg_set(err, -EIO, "libelf: %s", elf_errmsg(-1));
	memcpy(&ieh, s->in->buf, sizeof(ieh));	/* GElf_Ehdr is Elf64_Ehdr; the gate checked the size */
	if (!gelf_newehdr(out, ELFCLASS64)) {
		ret = errmsg_set(err, -EIO, "libelf: %s", elf_errmsg(-1));
		goto cleanup;
	}
	memset(&oeh, 0, sizeof(oeh));
	memcpy(oeh.e_ident, ident, EI_NIDENT);
	oeh.e_type = s->in->e_type;
	oeh.e_machine = s->in->machine;
	oeh.e_version = EV_CURRENT;
	oeh.e_flags = ieh.e_flags;
	oeh.e_shstrndx = s->newidx[s->in->shstrndx];

	for (size_t i = 1; i < s->in->nr_sections; i++) {
		Elf_Scn *oscn;
		Elf_Data *od;
		GElf_Shdr sh;

		if (s->newidx[i] < 0)
			continue;
		sh = out_shdr(s, i);
		oscn = elf_newscn(out);
		od = oscn ? elf_newdata(oscn) : NULL;
		if (!od) {
			ret = errmsg_set(err, -EIO, "libelf: %s", elf_errmsg(-1));
			goto cleanup;
		}
		out_data(s, i, &sh, od);
		if (!gelf_update_shdr(oscn, &sh)) {
			ret = errmsg_set(err, -EIO, "libelf: %s", elf_errmsg(-1));
			goto cleanup;
		}
	}
	if (rw->add_name) {
		Elf_Scn *oscn = elf_newscn(out);
		Elf_Data *od = oscn ? elf_newdata(oscn) : NULL;
		GElf_Shdr sh = {
			.sh_name = strtab_off(&s->shstr, rw->add_name), .sh_type = SHT_PROGBITS,
			.sh_addralign = 1, .sh_size = rw->add_size,
		};

		if (!od) {
			ret = errmsg_set(err, -EIO, "libelf: %s", elf_errmsg(-1));
			goto cleanup;
		}
		od->d_type = ELF_T_BYTE;
		od->d_buf = (void *)rw->add_data;
		od->d_size = rw->add_size;
		od->d_align = 1;
		od->d_version = EV_CURRENT;
		gelf_update_shdr(oscn, &sh);
	}
	if (!gelf_update_ehdr(out, &oeh) || elf_update(out, ELF_C_NULL) < 0 ||
	    elf_update(out, ELF_C_WRITE) < 0)
		ret = errmsg_set(err, -EIO, "libelf: %s", elf_errmsg(-1));
cleanup:
	elf_end(out);
	return ret;
}

/* Names into the string tables, laid out once every name is known. */
static int plan_strings(struct rewrite_state *s, const struct gen_rewrite *rw,
			struct strtab *symnames, struct errmsg *err)
{
	int ret = 0;

	/* section names go into the section-name table (shared with symbols in clang output) */
	for (size_t i = 1; i < s->in->nr_sections; i++)
		if (s->newidx[i] >= 0 && strtab_collect(&s->shstr, s->in->sections[i].name))
			ret = -ENOMEM;
	if (rw->add_name && strtab_collect(&s->shstr, rw->add_name))
		ret = -ENOMEM;
	if (ret || strtab_finalize(&s->shstr) || (symnames != &s->shstr && strtab_finalize(symnames)))
		return errmsg_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < s->nsyms_new; i++)
		s->syms[i].st_name = strtab_off(symnames, s->symnames[i]);
	return 0;
}

int gen_elf_rewrite(const struct bk_object *in, const struct gen_rewrite *rw,
		    const char *out_path, mode_t mode, struct errmsg *err)
{
	struct rewrite_state s = { .in = in->elf, .strip = rw->strip };
	struct gen_out o = { .fd = -1 };
	struct strtab *symnames;
	size_t n = in->elf->nr_sections;
	int ret;

	s.newidx = calloc(n, sizeof(*s.newidx));
	s.bufs = calloc(n, sizeof(*s.bufs));
	if (strtab_init(&s.shstr) || strtab_init(&s.symstr) || !s.newidx || !s.bufs) {
		ret = errmsg_set(err, -ENOMEM, "out of memory");
		goto cleanup;
	}
	ret = plan_sections(&s, rw, err);
	if (ret)
		goto cleanup;
	if (rw->btf_data) {
		/* appended types only: .rel.BTF and .BTF.ext offsets and ids stay valid */
		for (size_t i = 1; i < n; i++)
			if (!strcmp(in->elf->sections[i].name, ".BTF") && s.newidx[i] > 0)
				s.btf_idx = i;
		if (!s.btf_idx) {
			ret = errmsg_set(err, -EINVAL, "no .BTF section to replace");
			goto cleanup;
		}
		s.btf_data = rw->btf_data;
		s.btf_size = rw->btf_size;
	}
	symnames = s.symtab && s.sym_strtab == in->elf->shstrndx ? &s.shstr : &s.symstr;
	ret = plan_symbols(&s, symnames, err);
	if (!ret)
		ret = plan_strings(&s, rw, symnames, err);
	for (size_t i = 1; !ret && i < n; i++)
		if (s.newidx[i] >= 0 && (in->elf->sections[i].type == SHT_REL ||
					 in->elf->sections[i].type == SHT_RELA))
			ret = remap_relocs(&s, i, err);
	if (!ret)
		ret = gen_out_open(&o, out_path, mode, err);
	if (ret)
		goto cleanup;
	ret = write_output(&s, rw, o.fd, err);
	if (ret)
		gen_out_abort(&o);
	else
		ret = gen_out_commit(&o, err);
cleanup:
	rewrite_free(&s);
	return ret;
}

int gen_strip(const struct bk_object *in, const char *out, size_t *after, struct errmsg *err)
{
	return gen_strip_btf(in, out, NULL, 0, after, err);
}

int gen_strip_btf(const struct bk_object *in, const char *out, const void *btf_data,
		  size_t btf_size, size_t *after, struct errmsg *err)
{
	struct gen_rewrite rw = { .strip = true, .btf_data = btf_data, .btf_size = btf_size };
	char why[sizeof(err->msg)], real[4096];
	mode_t mode = 0644;
	struct stat st;
	int ret;

	*after = 0;
	/* over an existing file: replace the file a symlink points to, keep its permissions */
	if (realpath(out, real) && stat(real, &st) == 0) {
		out = real;
		mode = st.st_mode & 0777;
	}
	ret = gen_elf_rewrite(in, &rw, out, mode, err);
	if (ret) {
		snprintf(why, sizeof(why), "%s", err->msg);
		return errmsg_set(err, ret, "%s: %s", in->name, why);
	}
	if (stat(out, &st) == 0)
		*after = st.st_size;
	return 0;
}
