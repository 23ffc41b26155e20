/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * inspect/elf.c and inspect/objinfo.c on compiled fixtures, and on malformed objects made by
 * mutating them: each class of damage must give a clear error naming the problem, never a
 * crash (this runs under ASan/UBSan with SANITIZE=1).
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "elfread.h"
#include "object.h"
#include "unit.h"

static char fixture[4096];

static void *slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	void *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc(n);
		if (buf && fread(buf, 1, n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*size = n;
	}
	fclose(f);
	return buf;
}

static Elf64_Ehdr *ehdr(void *buf)
{
	return buf;
}

static Elf64_Shdr *shdr(void *buf, size_t i)
{
	return (Elf64_Shdr *)((char *)buf + ehdr(buf)->e_shoff) + i;
}

static const char *secname(void *buf, size_t i)
{
	Elf64_Shdr *strs = shdr(buf, ehdr(buf)->e_shstrndx);

	return (const char *)buf + strs->sh_offset + shdr(buf, i)->sh_name;
}

static size_t find_section(void *buf, uint32_t type, const char *prefix)
{
	for (size_t i = 1; i < ehdr(buf)->e_shnum; i++)
		if (shdr(buf, i)->sh_type == type &&
		    (!prefix || !strncmp(secname(buf, i), prefix, strlen(prefix))))
			return i;
	return 0;
}

/* Open a damaged copy; expect failure with want in the message (and the name). */
static void expect_bad(const char *what, void *buf, size_t size, const char *want)
{
	struct errmsg err = { 0 };
	struct bk_object *o = NULL;
	int ret = bk_object_open_mem(buf, size, "bad.o", &o, &err);

	CHECK(ret < 0, "%s: opened without error", what);
	CHECK(o == NULL, "%s: object returned on error", what);
	CHECK(strstr(err.msg, want) != NULL, "%s: message '%s' lacks '%s'", what, err.msg, want);
	CHECK(strstr(err.msg, "bad.o") != NULL || ret == -ENOMEM, "%s: message '%s' does not name the file",
	      what, err.msg);
	bk_object_close(o);
}

typedef void (*mutator)(void *buf, size_t *size);

static void m_magic(void *b, size_t *n) { ((char *)b)[1] = 'X'; }
static void m_class32(void *b, size_t *n) { ((unsigned char *)b)[EI_CLASS] = ELFCLASS32; }
static void m_machine(void *b, size_t *n) { ehdr(b)->e_machine = EM_X86_64; }
static void m_shoff(void *b, size_t *n) { ehdr(b)->e_shoff = *n + 16; }
static void m_shnum(void *b, size_t *n) { ehdr(b)->e_shnum = 0xfff0; }
static void m_shstrndx(void *b, size_t *n) { ehdr(b)->e_shstrndx = ehdr(b)->e_shnum + 3; }
static void m_empty(void *b, size_t *n) { *n = 0; }
static void m_tiny(void *b, size_t *n) { *n = 20; }
static void m_hdr_only(void *b, size_t *n) { *n = sizeof(Elf64_Ehdr) - 1; }

static void m_sec_offset(void *b, size_t *n)
{
	shdr(b, find_section(b, SHT_PROGBITS, ".BTF"))->sh_offset = *n + 100;
}

static void m_sec_size(void *b, size_t *n)
{
	shdr(b, find_section(b, SHT_PROGBITS, ".BTF"))->sh_size = (uint64_t)-16;
}

static void m_sec_name(void *b, size_t *n)
{
	shdr(b, find_section(b, SHT_PROGBITS, ".BTF"))->sh_name = 0x7fffffff;
}

static void m_symtab_link(void *b, size_t *n)
{
	shdr(b, find_section(b, SHT_SYMTAB, NULL))->sh_link = 0xffff;
}

static void m_symtab_size(void *b, size_t *n)
{
	shdr(b, find_section(b, SHT_SYMTAB, NULL))->sh_size -= 5;
}

static Elf64_Sym *last_symbol(void *b)
{
	Elf64_Shdr *s = shdr(b, find_section(b, SHT_SYMTAB, NULL));

	return (Elf64_Sym *)((char *)b + s->sh_offset) + s->sh_size / sizeof(Elf64_Sym) - 1;
}

static void m_sym_name(void *b, size_t *n) { last_symbol(b)->st_name = 0x7ffffff0; }
static void m_sym_shndx(void *b, size_t *n) { last_symbol(b)->st_shndx = 0xfeee; }

static Elf64_Rel *first_rel(void *b)
{
	return (Elf64_Rel *)((char *)b + shdr(b, find_section(b, SHT_REL, ".rel"))->sh_offset);
}

static void m_rel_sym(void *b, size_t *n)
{
	first_rel(b)->r_info = ELF64_R_INFO(0xffffff, ELF64_R_TYPE(first_rel(b)->r_info));
}

static void m_rel_offset(void *b, size_t *n) { first_rel(b)->r_offset = 1u << 30; }
static void m_rel_target(void *b, size_t *n) { shdr(b, find_section(b, SHT_REL, ".rel"))->sh_info = 0xffff; }
static void m_rel_size(void *b, size_t *n) { shdr(b, find_section(b, SHT_REL, ".rel"))->sh_size += 3; }

static void m_strtab_unterminated(void *b, size_t *n)
{
	Elf64_Shdr *sym = shdr(b, find_section(b, SHT_SYMTAB, NULL));
	Elf64_Shdr *str = shdr(b, sym->sh_link);

	((char *)b)[str->sh_offset + str->sh_size - 1] = 'x';
}

static const struct {
	const char *name;
	mutator fn;
	const char *want;
} mutations[] = {
	{ "bad magic", m_magic, "not an ELF file" },
	{ "32-bit class", m_class32, "not a 64-bit ELF" },
	{ "wrong machine", m_machine, "not a BPF object" },
	{ "section headers past EOF", m_shoff, "section header table" },
	{ "huge section count", m_shnum, "section header table" },
	{ "bad name table index", m_shstrndx, "" },
	{ "empty file", m_empty, "not an ELF file" },
	{ "20-byte file", m_tiny, "ELF" },
	{ "header cut short", m_hdr_only, "truncated ELF header" },
	{ "section offset past EOF", m_sec_offset, "runs past the end of the file" },
	{ "section size huge", m_sec_size, "runs past the end of the file" },
	{ "section name offset", m_sec_name, "name offset" },
	{ "symtab link", m_symtab_link, "string table" },
	{ "symtab size", m_symtab_size, "not a multiple" },
	{ "symbol name offset", m_sym_name, "name offset" },
	{ "symbol section index", m_sym_shndx, "section index" },
	{ "relocation symbol index", m_rel_sym, "symbol index" },
	{ "relocation offset", m_rel_offset, "past the end of" },
	{ "relocation target", m_rel_target, "bad target section" },
	{ "relocation size", m_rel_size, "not a multiple" },
	{ "unterminated string table", m_strtab_unterminated, "not NUL-terminated" },
};

static void test_fixture(const char *path)
{
	struct errmsg err = { 0 };
	const struct bk_objinfo *ip = NULL;
	struct bk_object *o = NULL;
	const struct bk_section *s;
	const struct bk_elf *e;
	bool found = false;

	CHECK(bk_object_open(path, &o, &err) == 0, "open %s: %s", path, err.msg);
	if (!o)
		return;
	e = o->elf;
	CHECK(e->machine == 247, "machine %u", e->machine);
	s = bk_elf_section(e, ".BTF");
	CHECK(s && s->size > 24 && s->data, "no .BTF");
	CHECK_STR(bk_elf_license(e), "GPL");
	CHECK(bk_elf_kern_version(e) == -1, "no version section expected");
	for (size_t i = 0; i < e->nr_symbols; i++)
		if (!strcmp(e->symbols[i].name, "bump"))
			found = e->symbols[i].type == STT_FUNC && !strcmp(e->symbols[i].section, ".text");
	CHECK(found, "symbol 'bump' (FUNC in .text) not found");

	CHECK(bk_object_info(o, &ip, &err) == 0, "objinfo: %s", err.msg);
	if (!ip) {
		bk_object_close(o);
		return;
	}
	CHECK(ip->nr_progs == 3, "%zu programs", ip->nr_progs);
	if (ip->nr_progs == 3) {
		CHECK_STR(ip->progs[0].name, "count_exec");
		CHECK_STR(ip->progs[0].type, "tracepoint");
		CHECK_STR(ip->progs[0].attach_target, "syscalls/sys_enter_execve");
		CHECK_STR(ip->progs[1].type, "xdp");
		CHECK(ip->progs[1].attach_target == NULL, "xdp has no target");
		CHECK_STR(ip->progs[2].type, "raw_tracepoint");
	}
	for (size_t i = 0; i < ip->nr_maps; i++) {
		const struct bk_map *m = &ip->maps[i];

		if (!strcmp(m->name, "exec_count"))
			CHECK(m->key_size == 8 && m->value_size == 8 && m->max_entries == 1024 &&
			      !strcmp(m->type, "hash") && !m->internal, "exec_count map wrong");
		if (!strcmp(m->name, "src_ips"))
			CHECK(m->flags == 2 && !strcmp(m->type, "lru_hash"), "src_ips map wrong");
		if (strstr(m->name, ".rodata"))
			CHECK(m->internal, ".rodata map not internal");
	}
	bk_object_close(o);
}

/* Cut the object at many lengths: every one must fail cleanly (or, if it opens, be sane). */
static void test_truncations(const void *orig, size_t size)
{
	size_t step = size / 97 + 1, failures = 0, tries = 0;

	for (size_t n = 0; n < size; n += step) {
		void *buf = malloc(n ? n : 1);
		struct errmsg err = { 0 };
		struct bk_object *o = NULL;

		memcpy(buf, orig, n);
		tries++;
		if (bk_object_open_mem(buf, n, "cut.o", &o, &err) < 0) {
			failures++;
			CHECK(err.msg[0] != '\0', "truncated at %zu: empty message", n);
		}
		bk_object_close(o);
		free(buf);
	}
	/* the section headers sit at the end: no cut can leave a loadable object */
	CHECK(failures == tries, "%zu of %zu truncations opened", tries - failures, tries);
}

static void test_mutations(const void *orig, size_t size)
{
	for (size_t i = 0; i < sizeof(mutations) / sizeof(mutations[0]); i++) {
		void *buf = malloc(size);
		size_t n = size;

		memcpy(buf, orig, size);
		mutations[i].fn(buf, &n);
		expect_bad(mutations[i].name, buf, n, mutations[i].want);
		free(buf);
	}
}

/* A license that is not NUL-terminated is no license, not an overread. */
static void test_license_unterminated(const void *orig, size_t size)
{
	void *buf = malloc(size);
	struct errmsg err = { 0 };
	struct bk_object *o = NULL;
	size_t lic;

	memcpy(buf, orig, size);
	lic = find_section(buf, SHT_PROGBITS, "license");
	memset((char *)buf + shdr(buf, lic)->sh_offset, 'A', shdr(buf, lic)->sh_size);
	CHECK(bk_object_open_mem(buf, size, "lic.o", &o, &err) == 0, "%s", err.msg);
	if (o)
		CHECK(bk_elf_license(o->elf) == NULL, "unterminated license returned");
	bk_object_close(o);
	free(buf);
}

static void test_open_errors(void)
{
	struct errmsg err = { 0 };
	struct bk_object *o = NULL;

	CHECK(bk_object_open("/nonexistent/x.o", &o, &err) == -ENOENT, "%s", err.msg);
	CHECK_STR(err.msg, "/nonexistent/x.o: No such file or directory");
	CHECK(bk_object_open("/tmp", &o, &err) < 0, "directory opened");
	CHECK(strstr(err.msg, "not a regular file") != NULL, "%s", err.msg);
}

int main(int argc, char **argv)
{
	size_t size = 0;
	void *orig;

	snprintf(fixture, sizeof(fixture), "%s/maps.bpf.o", argc > 1 ? argv[1] : "build/fixtures");
	orig = slurp(fixture, &size);
	CHECK(orig != NULL, "cannot read %s", fixture);
	if (!orig)
		UNIT_DONE();
	test_fixture(fixture);
	test_open_errors();
	test_mutations(orig, size);
	test_truncations(orig, size);
	test_license_unterminated(orig, size);
	free(orig);
	UNIT_DONE();
}
