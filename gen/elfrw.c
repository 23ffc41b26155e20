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

int gen_elf_open(struct gen_elf *e, const void *data, size_t size, struct errmsg *err)
{
	GElf_Ehdr eh;

	memset(e, 0, sizeof(*e));
	if (elf_version(EV_CURRENT) == EV_NONE)
		return errmsg_set(err, -EINVAL, "libelf: %s", elf_errmsg(-1));
	if (size < EI_NIDENT || memcmp(data, ELFMAG, SELFMAG))
		return errmsg_set(err, -EINVAL, "not an ELF file");
	/* libelf may convert byte order in place: give it our own copy */
	e->copy = malloc(size);
	if (!e->copy)
		return errmsg_set(err, -ENOMEM, "out of memory");
	memcpy(e->copy, data, size);
	e->elf = elf_memory(e->copy, size);
	if (!e->elf || elf_kind(e->elf) != ELF_K_ELF || !gelf_getehdr(e->elf, &eh)) {
		gen_elf_close(e);
		return errmsg_set(err, -EINVAL, "malformed ELF file");
	}
	if (gelf_getclass(e->elf) != ELFCLASS64 || eh.e_machine != EM_BPF) {
		gen_elf_close(e);
		return errmsg_set(err, -EINVAL, "not a BPF object (ELF machine %u, want EM_BPF)",
				  eh.e_machine);
	}
	if (eh.e_type != ET_REL) {
		gen_elf_close(e);
		return errmsg_set(err, -EINVAL, "not a relocatable BPF object (ELF type %u)",
				  eh.e_type);
	}
	if (elf_getshdrnum(e->elf, &e->shnum) || elf_getshdrstrndx(e->elf, &e->shstrndx) ||
	    e->shstrndx == 0 || e->shstrndx >= e->shnum) {
		gen_elf_close(e);
		return errmsg_set(err, -EINVAL, "malformed ELF file: bad section headers");
	}
	return 0;
}

void gen_elf_close(struct gen_elf *e)
{
	if (e->elf)
		elf_end(e->elf);
	free(e->copy);
	memset(e, 0, sizeof(*e));
}

const char *gen_elf_secname(const struct gen_elf *e, size_t i)
{
	GElf_Shdr sh;
	Elf_Scn *scn;

	if (i == 0 || i >= e->shnum || !(scn = elf_getscn(e->elf, i)) || !gelf_getshdr(scn, &sh))
		return NULL;
	return elf_strptr(e->elf, e->shstrndx, sh.sh_name);
}

/* Section i's data, checked to cover sh_size (NOBITS: NULL data, size only). */
static int sec_data(const struct gen_elf *e, size_t i, GElf_Shdr *sh, Elf_Data **d,
		    struct errmsg *err)
{
	Elf_Scn *scn = elf_getscn(e->elf, i);

	*d = NULL;
	if (!scn || !gelf_getshdr(scn, sh))
		return errmsg_set(err, -EINVAL, "malformed ELF file: section %zu", i);
	if (sh->sh_type == SHT_NOBITS || sh->sh_type == SHT_NULL || sh->sh_size == 0)
		return 0;
	*d = elf_getdata(scn, NULL);
	if (!*d || (*d)->d_size != sh->sh_size || !(*d)->d_buf || elf_getdata(scn, *d))
		return errmsg_set(err, -EINVAL,
				  "malformed ELF file: section %zu data out of bounds", i);
	return 0;
}

int gen_find_section(const void *data, size_t size, const char *name, const void **sec,
		     size_t *sec_size, struct errmsg *err)
{
	struct gen_elf e;
	size_t i;
	int ret;

	*sec = NULL;
	*sec_size = 0;
	ret = gen_elf_open(&e, data, size, err);
	if (ret)
		return ret;
	for (i = 1; i < e.shnum; i++) {
		const char *n = gen_elf_secname(&e, i);
		GElf_Shdr sh;
		Elf_Data *d;

		if (!n || strcmp(n, name))
			continue;
		ret = sec_data(&e, i, &sh, &d, err);
		if (ret)
			break;
		/* point into the caller's bytes, not our copy */
		if (sh.sh_type != SHT_NOBITS && sh.sh_offset <= size &&
		    sh.sh_size <= size - sh.sh_offset) {
			*sec = (const char *)data + sh.sh_offset;
			*sec_size = sh.sh_size;
		}
		break;
	}
	gen_elf_close(&e);
	return ret;
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
	struct gen_elf in;
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
};

static void rewrite_free(struct rewrite_state *s)
{
	size_t i;

	if (s->bufs)
		for (i = 0; i < s->in.shnum; i++)
			free(s->bufs[i]);
	free(s->bufs);
	free(s->newidx);
	free(s->symmap);
	free(s->syms);
	free(s->symnames);
	strtab_free(&s->shstr);
	strtab_free(&s->symstr);
	gen_elf_close(&s->in);
}

/* Decide which sections stay and number them. */
static int plan_sections(struct rewrite_state *s, const struct gen_rewrite *rw,
			 struct errmsg *err)
{
	size_t i, next = 1;
	GElf_Shdr sh;
	Elf_Data *d;
	int ret;

	for (i = 1; i < s->in.shnum; i++) {
		const char *name = gen_elf_secname(&s->in, i);

		ret = sec_data(&s->in, i, &sh, &d, err);
		if (ret)
			return ret;
		if (!name)
			return errmsg_set(err, -EINVAL, "malformed ELF file: section %zu has no name",
					  i);
		s->newidx[i] = 0;
		if (rw->strip && gen_sec_is_debug(name, sh.sh_type))
			s->newidx[i] = -1;
		if (rw->drop_manifest && !strcmp(name, GEN_MANIFEST_SEC))
			s->newidx[i] = -1;
		if (sh.sh_type == SHT_SYMTAB) {
			if (s->symtab)
				return errmsg_set(err, -EINVAL, "malformed ELF file: two symbol tables");
			if (sh.sh_link == 0 || sh.sh_link >= s->in.shnum ||
			    sh.sh_entsize != sizeof(Elf64_Sym))
				return errmsg_set(err, -EINVAL, "malformed ELF file: bad symbol table");
			s->symtab = i;
			s->sym_strtab = sh.sh_link;
		}
		if (sh.sh_type == SHT_REL || sh.sh_type == SHT_RELA) {
			if (sh.sh_info == 0 || sh.sh_info >= s->in.shnum)
				return errmsg_set(err, -EINVAL,
						  "malformed ELF file: relocation section %s targets "
						  "section %u", name, sh.sh_info);
		}
	}
	/* relocations of a dropped section go too (second pass: targets may come later) */
	for (i = 1; i < s->in.shnum; i++) {
		ret = sec_data(&s->in, i, &sh, &d, err);
		if (ret)
			return ret;
		if (sh.sh_type != SHT_REL && sh.sh_type != SHT_RELA)
			continue;
		{
			GElf_Shdr tsh;
			Elf_Data *td;

			ret = sec_data(&s->in, sh.sh_info, &tsh, &td, err);
			if (ret)
				return ret;
			if (tsh.sh_type == SHT_REL || tsh.sh_type == SHT_RELA)
				return errmsg_set(err, -EINVAL, "malformed ELF file: relocation "
						  "section %zu targets relocations", i);
		}
		if (s->newidx[sh.sh_info] < 0)
			s->newidx[i] = -1;
	}
	if (s->newidx[s->in.shstrndx] < 0 || (s->symtab && s->newidx[s->symtab] < 0) ||
	    (s->symtab && s->newidx[s->sym_strtab] < 0))
		return errmsg_set(err, -EINVAL, "malformed ELF file: string table would be dropped");
	for (i = 1; i < s->in.shnum; i++)
		if (s->newidx[i] == 0)
			s->newidx[i] = next++;
	return 0;
}

/* Keep the symbols of kept sections, renumbered; rebuild their names. */
static int plan_symbols(struct rewrite_state *s, struct strtab *names, struct errmsg *err)
{
	GElf_Shdr sh, strsh;
	Elf_Data *d, *sd;
	size_t j, first_global_old;
	int ret;

	if (!s->symtab)
		return 0;
	ret = sec_data(&s->in, s->symtab, &sh, &d, err);
	if (!ret)
		ret = sec_data(&s->in, s->sym_strtab, &strsh, &sd, err);
	if (ret)
		return ret;
	if (strsh.sh_type != SHT_STRTAB || !d)
		return errmsg_set(err, -EINVAL, "malformed ELF file: bad symbol table");
	s->nsyms = sh.sh_size / sizeof(Elf64_Sym);
	first_global_old = sh.sh_info;
	if (first_global_old > s->nsyms)
		return errmsg_set(err, -EINVAL, "malformed ELF file: bad symbol table info");
	s->symmap = calloc(s->nsyms ? s->nsyms : 1, sizeof(*s->symmap));
	s->syms = calloc(s->nsyms ? s->nsyms : 1, sizeof(*s->syms));
	s->symnames = calloc(s->nsyms ? s->nsyms : 1, sizeof(*s->symnames));
	if (!s->symmap || !s->syms || !s->symnames)
		return errmsg_set(err, -ENOMEM, "out of memory");
	for (j = 0; j < s->nsyms; j++) {
		Elf64_Sym sym = ((Elf64_Sym *)d->d_buf)[j];
		const char *name = "";

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
			if (sym.st_shndx >= s->in.shnum)
				return errmsg_set(err, -EINVAL,
						  "malformed ELF file: symbol %zu in section %u", j,
						  sym.st_shndx);
			if (s->newidx[sym.st_shndx] < 0 && j != 0) {
				s->symmap[j] = -1;
				continue;
			}
			sym.st_shndx = s->newidx[sym.st_shndx];
		}
		if (sym.st_name) {
			name = elf_strptr(s->in.elf, s->sym_strtab, sym.st_name);
			if (!name)
				return errmsg_set(err, -EINVAL,
						  "malformed ELF file: symbol %zu name out of bounds", j);
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
static int remap_relocs(struct rewrite_state *s, size_t i, const GElf_Shdr *sh,
			const Elf_Data *d, struct errmsg *err)
{
	bool rela = sh->sh_type == SHT_RELA;
	size_t esz = rela ? sizeof(Elf64_Rela) : sizeof(Elf64_Rel), n, k;
	char *buf;

	if (!d)
		return 0;
	if (sh->sh_link != s->symtab || !s->symtab || sh->sh_entsize != esz)
		return errmsg_set(err, -EINVAL, "malformed ELF file: bad relocation section %zu", i);
	n = d->d_size / esz;
	buf = malloc(d->d_size);
	if (!buf)
		return errmsg_set(err, -ENOMEM, "out of memory");
	memcpy(buf, d->d_buf, d->d_size);
	s->bufs[i] = buf;
	for (k = 0; k < n; k++) {
		Elf64_Rel *r = (Elf64_Rel *)(buf + k * esz);	/* Rela starts the same way */
		size_t sym = ELF64_R_SYM(r->r_info);

		if (sym >= s->nsyms || s->symmap[sym] < 0)
			return errmsg_set(err, -EINVAL,
					  "malformed ELF file: relocation %zu of section %zu refers "
					  "to symbol %zu", k, i, sym);
		r->r_info = ELF64_R_INFO(s->symmap[sym], ELF64_R_TYPE(r->r_info));
	}
	return 0;
}

static int write_output(struct rewrite_state *s, const struct gen_rewrite *rw, int fd,
			struct strtab *symnames, struct errmsg *err)
{
	bool shared = s->symtab && s->sym_strtab == s->in.shstrndx;
	long add_name = 0;
	GElf_Ehdr ieh, oeh;
	Elf *out;
	size_t i;
	int ret = 0;

	out = elf_begin(fd, ELF_C_WRITE, NULL);
	if (!out)
		return errmsg_set(err, -EIO, "libelf: %s", elf_errmsg(-1));
	gelf_getehdr(s->in.elf, &ieh);
	if (!gelf_newehdr(out, ELFCLASS64)) {
		ret = errmsg_set(err, -EIO, "libelf: %s", elf_errmsg(-1));
		goto cleanup;
	}
	memset(&oeh, 0, sizeof(oeh));
	memcpy(oeh.e_ident, ieh.e_ident, EI_NIDENT);
	oeh.e_type = ieh.e_type;
	oeh.e_machine = ieh.e_machine;
	oeh.e_version = ieh.e_version;
	oeh.e_flags = ieh.e_flags;
	oeh.e_shstrndx = s->newidx[s->in.shstrndx];

	(void)symnames;
	if (rw->add_name)
		add_name = strtab_off(&s->shstr, rw->add_name);

	for (i = 1; i < s->in.shnum; i++) {
		Elf_Scn *iscn = elf_getscn(s->in.elf, i), *oscn;
		Elf_Data *id, *od;
		GElf_Shdr sh;

		if (s->newidx[i] < 0)
			continue;
		ret = sec_data(&s->in, i, &sh, &id, err);
		if (ret)
			goto cleanup;
		(void)iscn;
		oscn = elf_newscn(out);
		if (!oscn) {
			ret = errmsg_set(err, -EIO, "libelf: %s", elf_errmsg(-1));
			goto cleanup;
		}
		sh.sh_name = strtab_off(&s->shstr, gen_elf_secname(&s->in, i));
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
				sh.sh_link = sh.sh_link < s->in.shnum && s->newidx[sh.sh_link] > 0 ?
					     s->newidx[sh.sh_link] : 0;
			if (sh.sh_flags & SHF_INFO_LINK)
				sh.sh_info = sh.sh_info < s->in.shnum && s->newidx[sh.sh_info] > 0 ?
					     s->newidx[sh.sh_info] : 0;
		}
		if (i == s->in.shstrndx) {
			sh.sh_size = s->shstr.len;
		} else if (i == s->sym_strtab && s->symtab && !shared) {
			sh.sh_size = s->symstr.len;
		}
		od = elf_newdata(oscn);
		if (!od) {
			ret = errmsg_set(err, -EIO, "libelf: %s", elf_errmsg(-1));
			goto cleanup;
		}
		if (sh.sh_type == SHT_NOBITS) {
			od->d_type = ELF_T_BYTE;
			od->d_size = sh.sh_size;
			od->d_buf = NULL;
			od->d_align = sh.sh_addralign ? sh.sh_addralign : 1;
		} else if (i == s->in.shstrndx) {
			od->d_type = ELF_T_BYTE;
			od->d_buf = s->shstr.buf;
			od->d_size = s->shstr.len;
			od->d_align = 1;
		} else if (i == s->sym_strtab && s->symtab) {
			od->d_type = ELF_T_BYTE;
			od->d_buf = s->symstr.buf;
			od->d_size = s->symstr.len;
			od->d_align = 1;
		} else if (i == s->symtab) {
			od->d_type = ELF_T_SYM;
			od->d_buf = s->syms;
			od->d_size = s->nsyms_new * sizeof(Elf64_Sym);
			od->d_align = 8;
		} else if (id) {
			od->d_type = id->d_type;
			od->d_buf = s->bufs[i] ? s->bufs[i] : id->d_buf;
			od->d_size = id->d_size;
			od->d_align = id->d_align;
		} else {
			od->d_type = ELF_T_BYTE;
			od->d_buf = NULL;
			od->d_size = 0;
			od->d_align = 1;
		}
		od->d_version = EV_CURRENT;
		if (!gelf_update_shdr(oscn, &sh)) {
			ret = errmsg_set(err, -EIO, "libelf: %s", elf_errmsg(-1));
			goto cleanup;
		}
	}
	if (rw->add_name) {
		Elf_Scn *oscn = elf_newscn(out);
		Elf_Data *od = oscn ? elf_newdata(oscn) : NULL;
		GElf_Shdr sh = {
			.sh_name = add_name, .sh_type = SHT_PROGBITS, .sh_addralign = 1,
			.sh_size = rw->add_size,
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

int gen_elf_rewrite(const void *in, size_t in_size, const struct gen_rewrite *rw,
		    const char *out_path, mode_t mode, struct errmsg *err)
{
	struct rewrite_state s;
	struct gen_out o = { .fd = -1 };
	struct strtab *symnames;
	size_t i;
	int ret;

	memset(&s, 0, sizeof(s));
	ret = gen_elf_open(&s.in, in, in_size, err);
	if (ret)
		return ret;
	if (strtab_init(&s.shstr) || strtab_init(&s.symstr)) {
		ret = errmsg_set(err, -ENOMEM, "out of memory");
		goto cleanup;
	}
	s.newidx = calloc(s.in.shnum, sizeof(*s.newidx));
	s.bufs = calloc(s.in.shnum, sizeof(*s.bufs));
	if (!s.newidx || !s.bufs) {
		ret = errmsg_set(err, -ENOMEM, "out of memory");
		goto cleanup;
	}
	s.strip = rw->strip;
	ret = plan_sections(&s, rw, err);
	if (ret)
		goto cleanup;
	symnames = s.symtab && s.sym_strtab == s.in.shstrndx ? &s.shstr : &s.symstr;
	ret = plan_symbols(&s, symnames, err);
	if (ret)
		goto cleanup;
	/* section names go into the section-name table (shared with symbols in clang output) */
	for (i = 1; i < s.in.shnum; i++)
		if (s.newidx[i] >= 0 && strtab_collect(&s.shstr, gen_elf_secname(&s.in, i)))
			ret = -ENOMEM;
	if (rw->add_name && strtab_collect(&s.shstr, rw->add_name))
		ret = -ENOMEM;
	if (ret || strtab_finalize(&s.shstr) || (symnames != &s.shstr && strtab_finalize(symnames))) {
		ret = errmsg_set(err, -ENOMEM, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < s.nsyms_new; i++)
		s.syms[i].st_name = strtab_off(symnames, s.symnames[i]);
	for (i = 1; i < s.in.shnum; i++) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (s.newidx[i] < 0)
			continue;
		ret = sec_data(&s.in, i, &sh, &d, err);
		if (!ret && (sh.sh_type == SHT_REL || sh.sh_type == SHT_RELA))
			ret = remap_relocs(&s, i, &sh, d, err);
		if (ret)
			goto cleanup;
	}
	ret = gen_out_open(&o, out_path, mode, err);
	if (ret)
		goto cleanup;
	ret = write_output(&s, rw, o.fd, symnames, err);
	if (ret) {
		gen_out_abort(&o);
		goto cleanup;
	}
	ret = gen_out_commit(&o, err);
cleanup:
	rewrite_free(&s);
	return ret;
}

int gen_strip(const char *in, const char *out, size_t *before, size_t *after,
	      struct errmsg *err)
{
	struct gen_rewrite rw = { .strip = true };
	void *data = NULL, *res = NULL;
	size_t size, rsize;
	char why[sizeof(err->msg)], real[4096];
	mode_t mode = 0644;
	struct stat st;
	int ret;

	*before = *after = 0;
	ret = gen_read_file(in, &data, &size, err);
	if (ret)
		return ret;
	*before = size;
	/* in place: replace the file a symlink points to, keep its permissions */
	if (!out && realpath(in, real) && stat(real, &st) == 0) {
		out = real;
		mode = st.st_mode & 0777;
	}
	ret = gen_elf_rewrite(data, size, &rw, out ? out : in, mode, err);
	if (ret) {
		snprintf(why, sizeof(why), "%s", err->msg);
		errmsg_set(err, ret, "%s: %s", in, why);
	} else if (!gen_read_file(out ? out : in, &res, &rsize, NULL)) {
		*after = rsize;
	}
	free(res);
	free(data);
	return ret;
}

/*
 * The package content hash: SHA-256 over the sections libbpf reads, in section order, in a
 * form that does not depend on string-table layout or symbol numbering, so that `strip`
 * (which renumbers and rebuilds string tables) keeps a package verifiable. Excluded: the
 * manifest itself, string tables (their strings are hashed where used), and what strip
 * removes (gen_sec_is_debug() and relocations of those). For each section:
 *   name NUL, sh_type (le32), sh_flags (le64), sh_size (le64), then
 *   SHT_SYMTAB: per symbol that is not STT_FILE nor in an excluded section: name NUL, st_info, st_other,
 *               name of st_shndx's section NUL (or "#<n>" for special indices),
 *               st_value (le64), st_size (le64)
 *   SHT_REL(A): the target section's name NUL, then per entry: r_offset (le64),
 *               r_type (le32), hashed ordinal of the symbol (le32) [, r_addend (le64)]
 *   SHT_NOBITS: nothing more;  anything else: its bytes.
 */
static void put_le(struct sha256 *c, uint64_t v, int bytes)
{
	uint8_t b[8];
	int i;

	for (i = 0; i < bytes; i++)
		b[i] = v >> (8 * i);
	sha256_update(c, b, bytes);
}

static void put_str(struct sha256 *c, const char *s)
{
	sha256_update(c, s, strlen(s) + 1);
}

static bool hashed_section_depth(const struct gen_elf *e, size_t i, int depth)
{
	const char *name = gen_elf_secname(e, i);
	GElf_Shdr sh;
	Elf_Scn *scn = elf_getscn(e->elf, i);

	if (!name || !scn || !gelf_getshdr(scn, &sh))
		return false;
	if (sh.sh_type == SHT_NULL || sh.sh_type == SHT_STRTAB ||
	    gen_sec_is_debug(name, sh.sh_type) || !strcmp(name, GEN_MANIFEST_SEC))
		return false;
	/* relocations of relocations (or a loop of them) in a crafted file: not hashed, and
	 * strip's sanity checks reject such a file anyway */
	if (sh.sh_type == SHT_REL || sh.sh_type == SHT_RELA)
		return depth == 0 && hashed_section_depth(e, sh.sh_info, 1);
	return true;
}

static bool hashed_section(const struct gen_elf *e, size_t i)
{
	return hashed_section_depth(e, i, 0);
}

static void put_secref(struct sha256 *c, const struct gen_elf *e, unsigned int shndx)
{
	char buf[32];

	if (shndx != SHN_UNDEF && shndx < SHN_LORESERVE && gen_elf_secname(e, shndx)) {
		put_str(c, gen_elf_secname(e, shndx));
	} else {
		snprintf(buf, sizeof(buf), "#%u", shndx);
		put_str(c, buf);
	}
}

/* Ordinal of each symbol among the hashed ones (-1: not hashed), found before hashing. */
static int symbol_ordinals(const struct gen_elf *e, size_t *symtab, long **ordinal,
			   size_t *nsyms, struct errmsg *err)
{
	const Elf64_Sym *sym;
	GElf_Shdr sh;
	Elf_Data *dd;
	size_t i, j;
	long next = 0;
	int ret;

	*symtab = 0;
	*ordinal = NULL;
	*nsyms = 0;
	for (i = 1; i < e->shnum; i++) {
		ret = sec_data(e, i, &sh, &dd, err);
		if (ret)
			return ret;
		if (sh.sh_type != SHT_SYMTAB)
			continue;
		if (*symtab || sh.sh_entsize != sizeof(Elf64_Sym) || sh.sh_link >= e->shnum)
			return errmsg_set(err, -EINVAL, "malformed ELF file: bad symbol table");
		*symtab = i;
		*nsyms = dd ? dd->d_size / sizeof(*sym) : 0;
		*ordinal = calloc(*nsyms ? *nsyms : 1, sizeof(**ordinal));
		if (!*ordinal)
			return errmsg_set(err, -ENOMEM, "out of memory");
		sym = dd ? dd->d_buf : NULL;
		for (j = 0; j < *nsyms; j++) {
			unsigned int shndx = sym[j].st_shndx;

			(*ordinal)[j] = -1;
			/* STT_FILE is debug information: strip drops it, so the hash ignores it */
			if (j && ELF64_ST_TYPE(sym[j].st_info) == STT_FILE)
				continue;
			if (j && shndx != SHN_UNDEF && shndx < SHN_LORESERVE &&
			    (shndx >= e->shnum || !hashed_section(e, shndx)))
				continue;
			(*ordinal)[j] = next++;
		}
	}
	return 0;
}

int gen_content_hash(const void *data, size_t size, char hex[65], struct errmsg *err)
{
	struct gen_elf e;
	long *ordinal = NULL;
	size_t i, j, nsyms = 0, symtab;
	struct sha256 c;
	uint8_t d[32];
	int ret;

	ret = gen_elf_open(&e, data, size, err);
	if (ret)
		return ret;
	ret = symbol_ordinals(&e, &symtab, &ordinal, &nsyms, err);
	sha256_init(&c);
	for (i = 1; i < e.shnum && !ret; i++) {
		const char *name = gen_elf_secname(&e, i);
		GElf_Shdr sh;
		Elf_Data *dd;

		if (!hashed_section(&e, i))
			continue;
		ret = sec_data(&e, i, &sh, &dd, err);
		if (ret)
			break;
		put_str(&c, name);
		put_le(&c, sh.sh_type, 4);
		put_le(&c, sh.sh_flags, 8);
		if (i == symtab && dd) {
			const Elf64_Sym *sym = dd->d_buf;

			for (j = 0; j < nsyms; j++) {
				const char *sname = sym[j].st_name ?
					elf_strptr(e.elf, sh.sh_link, sym[j].st_name) : "";

				if (ordinal[j] < 0)
					continue;
				if (!sname) {
					ret = errmsg_set(err, -EINVAL,
							 "malformed ELF file: symbol name out of bounds");
					break;
				}
				put_str(&c, sname);
				put_le(&c, sym[j].st_info, 1);
				put_le(&c, sym[j].st_other, 1);
				put_secref(&c, &e, sym[j].st_shndx);
				put_le(&c, sym[j].st_value, 8);
				put_le(&c, sym[j].st_size, 8);
			}
		} else if ((sh.sh_type == SHT_REL || sh.sh_type == SHT_RELA) && dd) {
			bool rela = sh.sh_type == SHT_RELA;
			size_t esz = rela ? sizeof(Elf64_Rela) : sizeof(Elf64_Rel);

			if (!symtab || sh.sh_link != symtab || sh.sh_entsize != esz) {
				ret = errmsg_set(err, -EINVAL,
						 "malformed ELF file: bad relocation section %zu", i);
				break;
			}
			put_secref(&c, &e, sh.sh_info);
			for (j = 0; j < dd->d_size / esz; j++) {
				const Elf64_Rela *r = (const void *)((char *)dd->d_buf + j * esz);
				size_t sym = ELF64_R_SYM(r->r_info);

				if (sym >= nsyms || ordinal[sym] < 0) {
					ret = errmsg_set(err, -EINVAL,
							 "malformed ELF file: bad relocation symbol");
					break;
				}
				put_le(&c, r->r_offset, 8);
				put_le(&c, ELF64_R_TYPE(r->r_info), 4);
				put_le(&c, ordinal[sym], 4);
				if (rela)
					put_le(&c, r->r_addend, 8);
			}
		} else {
			put_le(&c, sh.sh_size, 8);
			if (dd)
				sha256_update(&c, dd->d_buf, dd->d_size);
		}
	}
	if (!ret) {
		sha256_final(&c, d);
		sha256_hex(d, hex);
	}
	free(ordinal);
	gen_elf_close(&e);
	return ret;
}
