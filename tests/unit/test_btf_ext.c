/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * .BTF.ext reader: the fixture's func_info and line_info against bpftool and the DWARF line
 * table (llvm-dwarfdump) at test time, then a series of corrupted sections, each of which
 * must fail with its own clear message, never crash.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "btf_ext.h"
#include "object.h"
#include "errmsg.h"
#include "unit.h"

struct blob {
	uint8_t *data;
	size_t size;
};

/* Raw bytes of one section of an ELF file (test-side reader, independent of btf_ext.c). */
static int read_section(const char *path, const char *want, struct blob *b)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	Elf *elf;
	int fd, ret = -ENOENT;

	b->data = NULL;
	b->size = 0;
	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (elf && !elf_getshdrstrndx(elf, &shstrndx)) {
		while ((scn = elf_nextscn(elf, scn))) {
			GElf_Shdr sh;
			Elf_Data *d;
			const char *name;

			if (!gelf_getshdr(scn, &sh))
				break;
			name = elf_strptr(elf, shstrndx, sh.sh_name);
			if (!name || strcmp(name, want))
				continue;
			d = elf_getdata(scn, NULL);
			if (d && d->d_size) {
				b->data = malloc(d->d_size);
				memcpy(b->data, d->d_buf, d->d_size);
				b->size = d->d_size;
				ret = 0;
			}
			break;
		}
	}
	elf_end(elf);
	close(fd);
	return ret;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/* Run a shell command, return its stdout (malloc'd) or NULL. */
static char *run(const char *cmd)
{
	char *buf = NULL;
	size_t len = 0, n;
	char chunk[4096];
	FILE *f = popen(cmd, "r");

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		char *p = realloc(buf, len + n + 1);

		if (!p)
			break;
		buf = p;
		memcpy(buf + len, chunk, n);
		len += n;
		buf[len] = '\0';
	}
	if (pclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void test_fixture(const char *obj_path)
{
	struct errmsg err = { 0 };
	struct bk_object *bo = NULL;
	struct bext_object obj;
	const struct bext_sec *sec;
	char cmd[4200], want[256], *out;
	size_t i;
	int ret;

	ret = bk_object_open(obj_path, &bo, &err);	/* the production path: the object gate */
	CHECK(ret == 0, "open %s: %s", obj_path, err.msg);
	if (ret)
		return;
	obj = bo->code;
	CHECK(obj.ext != NULL, "fixture has a .BTF.ext");
	if (!obj.ext)
		goto out;
	CHECK(obj.ext->magic == BEXT_MAGIC && obj.ext->version == 1, "header");
	CHECK(obj.ext->func_rec_size == 8, "func rec size %u", obj.ext->func_rec_size);
	CHECK(obj.ext->line_rec_size == 16, "line rec size %u", obj.ext->line_rec_size);
	CHECK(obj.ext->core_rec_size == 16, "core rec size %u", obj.ext->core_rec_size);
	sec = bext_find_sec(obj.ext, "tp/syscalls/sys_enter_openat");
	CHECK(sec != NULL, "program section found");
	if (!sec)
		goto out;
	CHECK(sec->nr_funcs == 1, "one function, got %zu", sec->nr_funcs);
	CHECK(sec->nr_funcs && sec->funcs[0].insn_idx == 0, "function starts at insn 0");
	if (sec->nr_funcs)
		CHECK_STR(sec->funcs[0].name, "core_relos");
	CHECK(sec->insns && sec->insns_size % 8 == 0, "instructions copied");
	CHECK(sec->nr_relos >= 20, "CO-RE relocations: %zu", sec->nr_relos);
	CHECK(bext_func_at(sec, 5) == &sec->funcs[0], "insn 5 belongs to core_relos");

	/* bpftool: the func_info type id is the FUNC 'core_relos' */
	snprintf(cmd, sizeof(cmd), "bpftool btf dump file %s 2>/dev/null", obj_path);
	out = run(cmd);
	if (!out) {
		SKIP("bpftool btf dump failed");
	} else {
		snprintf(want, sizeof(want), "[%u] FUNC 'core_relos'", sec->funcs[0].type_id);
		CHECK(strstr(out, want) != NULL, "bpftool shows %s", want);
		free(out);
	}

	/*
	 * Every line_info (line, column) is in the DWARF line table: clang derives both from
	 * the same locations (rows are not 1:1; line 0 marks compiler-made code and the first
	 * row is the function's declaration line).
	 */
	snprintf(cmd, sizeof(cmd), "llvm-dwarfdump --debug-line %s 2>/dev/null", obj_path);
	out = run(cmd);
	CHECK(sec->nr_lines > 10, "line infos: %zu", sec->nr_lines);
	if (!out) {
		SKIP("llvm-dwarfdump failed");
	} else {
		size_t found = 0, checked = 0;

		for (i = 0; i < sec->nr_lines; i++) {
			const struct bext_line *l = &sec->lines[i];

			if (l->insn_off == 0 || l->line_num == 0)
				continue;
			snprintf(want, sizeof(want), " %6u %6u ", l->line_num, l->col);
			found += strstr(out, want) != NULL;
			checked++;
		}
		CHECK(checked > 10 && found == checked,
		      "%zu of %zu line infos in the DWARF line table", found, checked);
		CHECK(sec->lines[0].insn_off == 0 && strstr(sec->lines[0].line, "core_relos("),
		      "first line info is the function's declaration: '%s'", sec->lines[0].line);
		free(out);
	}

	/* file names and source text: the text is the file's line */
	for (i = 0; i < sec->nr_lines; i++) {
		const struct bext_line *l = &sec->lines[i];
		char line[1024];
		unsigned int n = 0;
		FILE *f;

		CHECK(strstr(l->file, "core.bpf.c") || strstr(l->file, ".h"),
		      "file name '%s'", l->file);
		if (!strstr(l->file, "core.bpf.c") || l->line_num == 0)
			continue;
		f = fopen(l->file, "r");
		if (!f)
			continue;	/* built elsewhere: path not reachable */
		while (fgets(line, sizeof(line), f) && ++n < l->line_num)
			;
		fclose(f);
		line[strcspn(line, "\n")] = '\0';
		CHECK(n == l->line_num && strstr(line, l->line), "line %u: '%s' vs '%s'",
		      l->line_num, l->line, line);
	}
out:
	bk_object_close(bo);
}

/* Corrupt a copy of the fixture's .BTF.ext with fn, expect an error containing want. */
struct corruption {
	const char *name;
	const char *want;
	void (*fn)(uint8_t *d, size_t *size);
};

/* Offsets in the fixture's section, computed from its own header. */
static uint32_t H(const uint8_t *d) { return get32(d + 4); }
static uint8_t *func_blk(uint8_t *d) { return d + H(d) + get32(d + 8); }
static uint8_t *line_blk(uint8_t *d) { return d + H(d) + get32(d + 16); }
static uint8_t *core_blk(uint8_t *d) { return d + H(d) + get32(d + 24); }

static void c_magic(uint8_t *d, size_t *s) { d[0] = 0x12; }
static void c_swapped(uint8_t *d, size_t *s) { d[0] = 0xeb; d[1] = 0x9f; }
static void c_version(uint8_t *d, size_t *s) { d[2] = 2; }
static void c_flags(uint8_t *d, size_t *s) { d[3] = 1; }
static void c_hdr_small(uint8_t *d, size_t *s) { put32(d + 4, 8); }
static void c_hdr_big(uint8_t *d, size_t *s) { put32(d + 4, *s + 4); }
static void c_func_off(uint8_t *d, size_t *s) { put32(d + 8, *s); }
static void c_line_len(uint8_t *d, size_t *s) { put32(d + 20, 0xfffffff0); }
static void c_core_align(uint8_t *d, size_t *s) { put32(d + 24, get32(d + 24) + 2); }
static void c_rec0(uint8_t *d, size_t *s) { put32(func_blk(d), 0); }
static void c_rec_small(uint8_t *d, size_t *s) { put32(line_blk(d), 12); }
static void c_rec_odd(uint8_t *d, size_t *s) { put32(core_blk(d), 17); }
static void c_rec_huge(uint8_t *d, size_t *s) { put32(core_blk(d), 0x7ffffffc); }
static void c_count_overflow(uint8_t *d, size_t *s) { put32(line_blk(d) + 8, 0xffffffff); }
static void c_count_zero(uint8_t *d, size_t *s) { put32(func_blk(d) + 8, 0); }
static void c_sec_name(uint8_t *d, size_t *s) { put32(func_blk(d) + 4, 0x7fffffff); }
static void c_sec_name_empty(uint8_t *d, size_t *s) { put32(core_blk(d) + 4, 0); }
static void c_func_type(uint8_t *d, size_t *s) { put32(func_blk(d) + 16, 0xfffff); }
static void c_func_not_func(uint8_t *d, size_t *s) { put32(func_blk(d) + 16, 1); }
static void c_line_file(uint8_t *d, size_t *s) { put32(line_blk(d) + 16, 0x7fffffff); }
static void c_line_text(uint8_t *d, size_t *s) { put32(line_blk(d) + 20, 0x7fffffff); }
static void c_access(uint8_t *d, size_t *s) { put32(core_blk(d) + 20, 0x7fffffff); }
static void c_core_type0(uint8_t *d, size_t *s) { put32(core_blk(d) + 16, 0); }
static void c_insn_off(uint8_t *d, size_t *s) { put32(core_blk(d) + 12, 12); }
static void c_line_insn_off(uint8_t *d, size_t *s) { put32(line_blk(d) + 12, 3); }
static void c_tiny(uint8_t *d, size_t *s) { *s = 6; }

static const struct corruption corruptions[] = {
	{ "bad magic", "bad magic", c_magic },
	{ "byte-swapped", "byte-swapped", c_swapped },
	{ "version", "unsupported version 2", c_version },
	{ "flags", "unsupported flags", c_flags },
	{ "hdr_len too small", "header length 8 is smaller", c_hdr_small },
	{ "hdr_len > size", "exceeds the section size", c_hdr_big },
	{ "func_info past end", "func_info block", c_func_off },
	{ "line_info len huge", "runs past the end", c_line_len },
	{ "core_relo misaligned", "not 4-byte aligned", c_core_align },
	{ "record size 0", "func_info record size 0 is smaller than the minimum 8", c_rec0 },
	{ "record size too small", "line_info record size 12 is smaller than the minimum 16", c_rec_small },
	{ "record size odd", "not a multiple of 4", c_rec_odd },
	{ "record size huge", "overrun the block", c_rec_huge },
	{ "count overflow", "4294967295 records of 16 bytes overrun", c_count_overflow },
	{ "count zero", "has no records", c_count_zero },
	{ "section name offset", "name offset 2147483647 out of range", c_sec_name },
	{ "section name empty", "is an empty string", c_sec_name_empty },
	{ "func type id", "type id 1048575 out of range", c_func_type },
	{ "func type kind", "is not a FUNC", c_func_not_func },
	{ "line file name", "file name offset 2147483647 out of range", c_line_file },
	{ "line text", "line offset 2147483647 out of range", c_line_text },
	{ "access string", "access string offset 2147483647 out of range", c_access },
	{ "core type id 0", "type id 0 out of range", c_core_type0 },
	{ "core insn_off", "insn_off 12 is not a multiple of 8", c_insn_off },
	{ "line insn_off", "insn_off 3 is not a multiple of 8", c_line_insn_off },
	{ "too small", "smaller than its header", c_tiny },
};

static void test_corruptions(const struct btf *btf, const struct blob *ext)
{
	uint8_t *copy = malloc(ext->size + 64);
	size_t i, n, size;

	for (i = 0; i < sizeof(corruptions) / sizeof(corruptions[0]); i++) {
		const struct corruption *c = &corruptions[i];
		struct errmsg err = { 0 };
		struct bext *out = (void *)1;
		int ret;

		memcpy(copy, ext->data, ext->size);
		size = ext->size;
		c->fn(copy, &size);
		ret = bext_parse(copy, size, btf, &out, &err);
		CHECK(ret < 0 && out == NULL, "%s: ret %d", c->name, ret);
		CHECK(strstr(err.msg, c->want) != NULL, "%s: message '%s', want '%s'", c->name,
		      err.msg, c->want);
		CHECK(!strchr(err.msg, '\n'), "%s: one line", c->name);
		if (!ret)
			bext_free(out);
	}

	/* every truncation at a 4-byte boundary fails cleanly (the last block ends the data) */
	for (n = 0, size = 0; size < ext->size; size += 4) {
		struct errmsg err = { 0 };
		struct bext *out = NULL;

		memcpy(copy, ext->data, size);
		if (bext_parse(copy, size, btf, &out, &err) < 0 && err.msg[0])
			n++;
		bext_free(out);
	}
	CHECK(n == (ext->size + 3) / 4, "%zu of %zu truncations rejected", n, (ext->size + 3) / 4);
	free(copy);
}

/*
 * A record larger than the known one is walked by its stride: rebuild the fixture's
 * func_info block with 12-byte records (4 bytes of padding) and check the same values.
 */
static void test_large_records(const struct btf *btf, const struct blob *ext)
{
	uint8_t *d = ext->data, *blk = func_blk(d), *p;
	uint32_t hdr = H(d), flen = get32(d + 12), num, i;
	struct errmsg err = { 0 };
	struct bext *a = NULL, *b = NULL;
	size_t size;

	num = get32(blk + 8);
	if (flen != 4 + 8 + num * 8) {
		SKIP("fixture func_info has more than one section");
		return;
	}
	size = hdr + 4 + 8 + num * 12;
	p = calloc(1, size);
	memcpy(p, d, hdr);
	put32(p + 8, 0);		/* func_info right after the header */
	put32(p + 12, 4 + 8 + num * 12);
	put32(p + 16, 0);		/* no line_info, no core_relo */
	put32(p + 20, 0);
	if (hdr >= 32) {
		put32(p + 24, 0);
		put32(p + 28, 0);
	}
	put32(p + hdr, 12);
	memcpy(p + hdr + 4, blk + 4, 8);
	for (i = 0; i < num; i++) {
		memcpy(p + hdr + 12 + i * 12, blk + 12 + i * 8, 8);
		put32(p + hdr + 12 + i * 12 + 8, 0xdeadbeef);
	}
	CHECK(bext_parse(p, size, btf, &b, &err) == 0, "12-byte records: %s", err.msg);
	CHECK(bext_parse(d, ext->size, btf, &a, &err) == 0, "original: %s", err.msg);
	if (a && b) {
		CHECK(b->func_rec_size == 12 && b->nr_funcs == a->nr_funcs, "same count");
		CHECK(b->nr_secs == 1 && b->secs[0].nr_funcs == num &&
		      b->secs[0].funcs[0].type_id == a->secs[0].funcs[0].type_id &&
		      b->secs[0].funcs[0].insn_off == a->secs[0].funcs[0].insn_off,
		      "same records through the larger stride");
		CHECK(b->nr_lines == 0 && b->nr_relos == 0, "empty blocks");
	}
	bext_free(a);
	bext_free(b);
	free(p);
}

static void test_btf_header(const struct blob *raw)
{
	struct errmsg err = { 0 };
	struct btf *btf = NULL;
	uint8_t *copy = malloc(raw->size);

	memcpy(copy, raw->data, raw->size);
	put32(copy + 20, raw->size);	/* str_len past the end */
	CHECK(bext_btf_new(copy, raw->size, &btf, &err) == -EINVAL && !btf,
	      "BTF string section past the end");
	CHECK(strstr(err.msg, "past the end") != NULL, "message: %s", err.msg);
	CHECK(bext_btf_new(copy, 10, &btf, &err) == -EINVAL, "BTF too small");
	CHECK(bext_parse(raw->data, 0, NULL, (struct bext **)&btf, &err) == -EINVAL,
	      "no BTF given");
	free(copy);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "build/fixtures";
	struct blob raw = { 0 }, ext = { 0 };
	struct errmsg err = { 0 };
	struct btf *btf = NULL;
	struct bk_object *bo = NULL;
	char path[4096];

	snprintf(path, sizeof(path), "%s/core.bpf.o", dir);
	test_fixture(path);

	CHECK(read_section(path, ".BTF", &raw) == 0, "read .BTF");
	CHECK(read_section(path, ".BTF.ext", &ext) == 0, "read .BTF.ext");
	if (raw.data && ext.data &&
	    bext_btf_new(raw.data, raw.size, &btf, &err) == 0) {
		test_corruptions(btf, &ext);
		test_large_records(btf, &ext);
		test_btf_header(&raw);
	} else {
		CHECK(0, "fixture sections unreadable: %s", err.msg);
	}

	CHECK(bk_object_open("/nonexistent/x.bpf.o", &bo, &err) == -ENOENT, "missing file");
	CHECK(strstr(err.msg, "/nonexistent/x.bpf.o") != NULL, "message names the file: %s",
	      err.msg);
	CHECK(bk_object_open("/etc/hostname", &bo, &err) < 0 && !bo, "not ELF");

	btf__free(btf);
	free(raw.data);
	free(ext.data);
	UNIT_DONE();
}
