/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* ELF reading with every offset, size and index checked before use. */
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>

#include "elfread.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HOST_DATA ELFDATA2LSB
#else
#define HOST_DATA ELFDATA2MSB
#endif

static int check_header(struct bk_elf *e, struct errmsg *err)
{
	const unsigned char *id = e->buf;
	GElf_Ehdr eh;

	if (e->size < EI_NIDENT || memcmp(id, ELFMAG, SELFMAG))
		return errmsg_set(err, -ENOEXEC, "%s: not an ELF file", e->path);
	if (id[EI_CLASS] != ELFCLASS64)
		return errmsg_set(err, -ENOEXEC, "%s: not a 64-bit ELF file (BPF objects are ELF64)",
				  e->path);
	if (e->size < sizeof(Elf64_Ehdr))
		return errmsg_set(err, -ENOEXEC, "%s: truncated ELF header (%zu bytes)", e->path,
				  e->size);
	/* libelf would convert the other byte order in place, libbpf 1.1 refuses it: one rule */
	if (id[EI_DATA] != HOST_DATA)
		return errmsg_set(err, -ENOEXEC, "%s: %s BPF object: bpfkit reads objects in this machine's byte order only (compile with -target bpf)",
				  e->path, id[EI_DATA] == ELFDATA2MSB ? "big-endian" :
				  id[EI_DATA] == ELFDATA2LSB ? "little-endian" : "unknown byte order");
	e->elf = elf_memory(e->buf, e->size);
	if (!e->elf || !gelf_getehdr(e->elf, &eh))
		return errmsg_set(err, -ENOEXEC, "%s: malformed ELF header: %s", e->path,
				  elf_errmsg(-1));
	e->elf_class = id[EI_CLASS];
	e->data = id[EI_DATA];
	e->machine = eh.e_machine;
	e->e_type = eh.e_type;
	if (eh.e_machine != EM_BPF)
		return errmsg_set(err, -ENOEXEC, "%s: not a BPF object (machine %u, want EM_BPF %u)",
				  e->path, eh.e_machine, EM_BPF);
	if (eh.e_version != EV_CURRENT || eh.e_ehsize != sizeof(Elf64_Ehdr) ||
	    eh.e_shentsize != sizeof(Elf64_Shdr))
		return errmsg_set(err, -ENOEXEC, "%s: ELF header: version %u, header size %u, section header size %u (want %u, %zu, %zu)",
				  e->path, eh.e_version, eh.e_ehsize, eh.e_shentsize, EV_CURRENT,
				  sizeof(Elf64_Ehdr), sizeof(Elf64_Shdr));
	if (eh.e_shoff > e->size || eh.e_shnum > (e->size - eh.e_shoff) / sizeof(Elf64_Shdr))
		return errmsg_set(err, -ENOEXEC, "%s: section header table runs past the end of the file (truncated?)",
				  e->path);
	return 0;
}

static int load_section(struct bk_elf *e, Elf_Scn *scn, size_t shstrndx, struct errmsg *err)
{
	struct bk_section *s;
	GElf_Shdr sh;
	size_t idx = elf_ndxscn(scn);

	if (idx >= e->nr_sections || !gelf_getshdr(scn, &sh))
		return errmsg_set(err, -ENOEXEC, "%s: bad section header %zu", e->path, idx);
	s = &e->sections[idx];
	s->index = idx;
	s->type = sh.sh_type;
	s->flags = sh.sh_flags;
	s->addr = sh.sh_addr;
	s->offset = sh.sh_offset;
	s->size = sh.sh_size;
	s->entsize = sh.sh_entsize;
	s->align = sh.sh_addralign;
	s->link = sh.sh_link;
	s->info = sh.sh_info;
	s->name = elf_strptr(e->elf, shstrndx, sh.sh_name);
	if (!s->name)
		return errmsg_set(err, -ENOEXEC, "%s: section %zu: name offset %u out of range",
				  e->path, idx, sh.sh_name);
	if (sh.sh_type == SHT_NOBITS || sh.sh_size == 0 || idx == 0)
		return 0;
	if ((sh.sh_flags & SHF_EXECINSTR) && sh.sh_size % 8)
		return errmsg_set(err, -ENOEXEC, "%s: section %zu (%s): size %llu is not a whole number of 8-byte instructions",
				  e->path, idx, s->name, (unsigned long long)sh.sh_size);
	if (sh.sh_offset > e->size || sh.sh_size > e->size - sh.sh_offset)
		return errmsg_set(err, -ENOEXEC, "%s: section %zu (%s): offset %llu + size %llu runs past the end of the file (%zu bytes)",
				  e->path, idx, s->name, (unsigned long long)sh.sh_offset,
				  (unsigned long long)sh.sh_size, e->size);
	s->data = (const char *)e->buf + sh.sh_offset;
	return 0;
}

static int load_symbols(struct bk_elf *e, struct errmsg *err)
{
	const struct bk_section *symtab = NULL, *strtab;
	const Elf64_Sym *syms;
	size_t i, n;

	for (i = 1; i < e->nr_sections; i++)
		if (e->sections[i].type == SHT_SYMTAB)
			symtab = &e->sections[i];
	if (!symtab)
		return 0;
	if (symtab->link >= e->nr_sections || e->sections[symtab->link].type != SHT_STRTAB)
		return errmsg_set(err, -ENOEXEC, "%s: symbol table's string table (section %u) is invalid",
				  e->path, symtab->link);
	strtab = &e->sections[symtab->link];
	if (symtab->size % sizeof(Elf64_Sym) || (symtab->size && !symtab->data))
		return errmsg_set(err, -ENOEXEC, "%s: symbol table size %llu is not a multiple of %zu",
				  e->path, (unsigned long long)symtab->size, sizeof(Elf64_Sym));
	if (strtab->size && ((const char *)strtab->data)[strtab->size - 1])
		return errmsg_set(err, -ENOEXEC, "%s: string table %s is not NUL-terminated",
				  e->path, strtab->name);
	n = symtab->size / sizeof(Elf64_Sym);
	e->symbols = calloc(n ? n : 1, sizeof(*e->symbols));
	if (!e->symbols)
		return errmsg_set(err, -ENOMEM, "out of memory");
	e->symtab_index = symtab->index;
	syms = symtab->data;
	for (i = 0; i < n; i++) {
		Elf64_Sym sym;
		struct bk_symbol *s = &e->symbols[i];

		memcpy(&sym, &syms[i], sizeof(sym));	/* the file may be unaligned in memory */
		if (sym.st_name >= (strtab->size ? strtab->size : 1))
			return errmsg_set(err, -ENOEXEC, "%s: symbol %zu: name offset %u out of range",
					  e->path, i, sym.st_name);
		s->name = strtab->size ? (const char *)strtab->data + sym.st_name : "";
		s->value = sym.st_value;
		s->size = sym.st_size;
		s->bind = ELF64_ST_BIND(sym.st_info);
		s->type = ELF64_ST_TYPE(sym.st_info);
		s->shndx = sym.st_shndx;
		if (sym.st_shndx != SHN_UNDEF && sym.st_shndx < SHN_LORESERVE) {
			if (sym.st_shndx >= e->nr_sections)
				return errmsg_set(err, -ENOEXEC, "%s: symbol %zu (%s): section index %u out of range",
						  e->path, i, s->name, sym.st_shndx);
			s->section = e->sections[sym.st_shndx].name;
			/* as readelf does: a section symbol is called by its section's name */
			if (s->type == STT_SECTION && !*s->name)
				s->name = s->section;
		}
	}
	e->nr_symbols = n;
	return 0;
}

/* Relocation sections: their target section, symbol table and every record's symbol index. */
static int check_relocations(struct bk_elf *e, struct errmsg *err)
{
	for (size_t i = 1; i < e->nr_sections; i++) {
		const struct bk_section *s = &e->sections[i];
		size_t ent = s->type == SHT_REL ? sizeof(Elf64_Rel) : sizeof(Elf64_Rela);

		if (s->type != SHT_REL && s->type != SHT_RELA)
			continue;
		if (s->info >= e->nr_sections || s->link != e->symtab_index || !e->symtab_index)
			return errmsg_set(err, -ENOEXEC, "%s: relocation section %s: bad target section %u or symbol table %u",
					  e->path, s->name, s->info, s->link);
		if (s->size % ent || (s->size && !s->data))
			return errmsg_set(err, -ENOEXEC, "%s: relocation section %s: size %llu is not a multiple of %zu",
					  e->path, s->name, (unsigned long long)s->size, ent);
		for (size_t r = 0; r < s->size / ent; r++) {
			Elf64_Rel rel;

			memcpy(&rel, (const char *)s->data + r * ent, sizeof(rel));
			if (ELF64_R_SYM(rel.r_info) >= e->nr_symbols)
				return errmsg_set(err, -ENOEXEC, "%s: relocation section %s: record %zu: symbol index %llu out of range",
						  e->path, s->name, r,
						  (unsigned long long)ELF64_R_SYM(rel.r_info));
			if (rel.r_offset >= e->sections[s->info].size)
				return errmsg_set(err, -ENOEXEC, "%s: relocation section %s: record %zu: offset %llu past the end of %s",
						  e->path, s->name, r, (unsigned long long)rel.r_offset,
						  e->sections[s->info].name);
		}
	}
	return 0;
}

/* A ld_imm64 takes two slots: a first half at the end of a section has no second half. */
static int check_instructions(struct bk_elf *e, struct errmsg *err)
{
	for (size_t i = 1; i < e->nr_sections; i++) {
		const struct bk_section *s = &e->sections[i];
		const unsigned char *insn = s->data;
		size_t n = s->size / 8;

		if (!(s->flags & SHF_EXECINSTR) || !insn)
			continue;
		for (size_t k = 0; k < n; k++) {
			if (insn[k * 8] != 0x18)	/* BPF_LD | BPF_IMM | BPF_DW */
				continue;
			if (k + 1 >= n || insn[(k + 1) * 8] != 0)
				return errmsg_set(err, -ENOEXEC, "%s: section %s: instruction %zu: ld_imm64 without its second half",
						  e->path, s->name, k);
			k++;
		}
	}
	return 0;
}

static int parse(struct bk_elf *e, struct errmsg *err)
{
	size_t shnum, shstrndx;
	Elf_Scn *scn = NULL;
	int ret;

	elf_version(EV_CURRENT);
	ret = check_header(e, err);
	if (ret)
		return ret;
	if (elf_getshdrnum(e->elf, &shnum) || elf_getshdrstrndx(e->elf, &shstrndx))
		return errmsg_set(err, -ENOEXEC, "%s: malformed section headers: %s", e->path,
				  elf_errmsg(-1));
	if (shnum > (e->size / sizeof(Elf64_Shdr)) + 1 || shstrndx >= shnum)
		return errmsg_set(err, -ENOEXEC, "%s: section count %zu or name table index %zu is out of range",
				  e->path, shnum, shstrndx);
	e->nr_sections = shnum;
	e->shstrndx = shstrndx;
	e->sections = calloc(shnum ? shnum : 1, sizeof(*e->sections));
	if (!e->sections)
		return errmsg_set(err, -ENOMEM, "out of memory");
	e->sections[0].name = "";
	while ((scn = elf_nextscn(e->elf, scn))) {
		ret = load_section(e, scn, shstrndx, err);
		if (ret)
			return ret;
	}
	ret = load_symbols(e, err);
	if (!ret)
		ret = check_relocations(e, err);
	return ret ? ret : check_instructions(e, err);
}

int bk_elf_open_mem(const void *buf, size_t size, const char *name, struct bk_elf **out,
		    struct errmsg *err)
{
	struct bk_elf *e = calloc(1, sizeof(*e));
	int ret;

	*out = NULL;
	if (!e)
		return errmsg_set(err, -ENOMEM, "out of memory");
	e->buf = (void *)buf;
	e->size = size;
	e->path = strdup(name);
	ret = e->path ? parse(e, err) : errmsg_set(err, -ENOMEM, "out of memory");
	if (ret) {
		bk_elf_close(e);
		return ret;
	}
	*out = e;
	return 0;
}

void bk_elf_close(struct bk_elf *e)
{
	if (!e)
		return;
	if (e->elf)
		elf_end(e->elf);
	free(e->sections);
	free(e->symbols);
	free(e->path);
	free(e);
}

const struct bk_section *bk_elf_section(const struct bk_elf *e, const char *name)
{
	for (size_t i = 1; i < e->nr_sections; i++)
		if (!strcmp(e->sections[i].name, name))
			return &e->sections[i];
	return NULL;
}

const char *bk_elf_section_type_str(uint32_t type, char *buf, size_t len)
{
	static const char *const names[] = {
		[SHT_NULL] = "NULL", [SHT_PROGBITS] = "PROGBITS", [SHT_SYMTAB] = "SYMTAB",
		[SHT_STRTAB] = "STRTAB", [SHT_RELA] = "RELA", [SHT_HASH] = "HASH",
		[SHT_DYNAMIC] = "DYNAMIC", [SHT_NOTE] = "NOTE", [SHT_NOBITS] = "NOBITS",
		[SHT_REL] = "REL", [SHT_SHLIB] = "SHLIB", [SHT_DYNSYM] = "DYNSYM",
		[SHT_INIT_ARRAY] = "INIT_ARRAY", [SHT_FINI_ARRAY] = "FINI_ARRAY",
		[SHT_PREINIT_ARRAY] = "PREINIT_ARRAY", [SHT_GROUP] = "GROUP",
		[SHT_SYMTAB_SHNDX] = "SYMTAB SECTION INDICES",
	};

	if (type < sizeof(names) / sizeof(names[0]) && names[type])
		return names[type];
	/* readelf's spelling for the ranges (.llvm_addrsig is "LOOS+0xfff4c03") */
	if (type >= SHT_LOOS && type <= SHT_HIOS)
		snprintf(buf, len, "LOOS+0x%x", type - SHT_LOOS);
	else if (type >= SHT_LOPROC && type <= SHT_HIPROC)
		snprintf(buf, len, "LOPROC+0x%x", type - SHT_LOPROC);
	else if (type >= SHT_LOUSER)
		snprintf(buf, len, "LOUSER+0x%x", type - SHT_LOUSER);
	else
		snprintf(buf, len, "0x%x", type);
	return buf;
}

/* readelf -S's key letters, in readelf's order. */
void bk_elf_section_flags_str(uint64_t flags, char *buf, size_t len)
{
	static const struct { uint64_t bit; char c; } keys[] = {
		{ SHF_WRITE, 'W' }, { SHF_ALLOC, 'A' }, { SHF_EXECINSTR, 'X' },
		{ SHF_MERGE, 'M' }, { SHF_STRINGS, 'S' }, { SHF_INFO_LINK, 'I' },
		{ SHF_LINK_ORDER, 'L' }, { SHF_OS_NONCONFORMING, 'O' }, { SHF_GROUP, 'G' },
		{ SHF_TLS, 'T' }, { SHF_COMPRESSED, 'C' }, { SHF_EXCLUDE, 'E' },
	};
	size_t n = 0;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && n + 1 < len; i++)
		if (flags & keys[i].bit)
			buf[n++] = keys[i].c;
	buf[n] = '\0';
}

const char *bk_elf_sym_bind_str(uint8_t bind)
{
	switch (bind) {
	case STB_LOCAL: return "LOCAL";
	case STB_GLOBAL: return "GLOBAL";
	case STB_WEAK: return "WEAK";
	default: return "UNKNOWN";
	}
}

const char *bk_elf_sym_type_str(uint8_t type)
{
	switch (type) {
	case STT_NOTYPE: return "NOTYPE";
	case STT_OBJECT: return "OBJECT";
	case STT_FUNC: return "FUNC";
	case STT_SECTION: return "SECTION";
	case STT_FILE: return "FILE";
	default: return "UNKNOWN";
	}
}

const char *bk_elf_license(const struct bk_elf *e)
{
	const struct bk_section *s = bk_elf_section(e, "license");

	if (!s || !s->data || !s->size || memchr(s->data, '\0', s->size) == NULL)
		return NULL;
	return s->data;
}

int64_t bk_elf_kern_version(const struct bk_elf *e)
{
	const struct bk_section *s = bk_elf_section(e, "version");
	uint32_t v;

	if (!s || !s->data || s->size != sizeof(v))
		return -1;
	memcpy(&v, s->data, sizeof(v));
	return v;
}
