/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * libFuzzer harness for the .BTF.ext reader and the CO-RE explainer. Input layout:
 *   u16 n (little-endian) | n bytes of .BTF | the rest: .BTF.ext
 * Both parts are parsed; every relocation is explained locally and then resolved against
 * the same BTF as target, which runs candidate search and matching on hostile types too.
 * An input that is an ELF object (the fixtures `make fuzz` seeds with) is read through
 * libelf instead, so the corpus starts from real sections and mutates from there.
 */
#include <gelf.h>
#include <libelf.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "btf_ext.h"
#include "core.h"
#include "errmsg.h"

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

static void run(const uint8_t *btf_data, size_t btf_size, const uint8_t *ext_data,
		size_t ext_size);

/* Pull .BTF and .BTF.ext out of an ELF object and run on them. */
static void run_elf(const uint8_t *data, size_t size)
{
	const uint8_t *sec[2] = { NULL, NULL };
	size_t len[2] = { 0, 0 }, shstrndx;
	char *copy = malloc(size);
	Elf_Scn *scn = NULL;
	Elf *elf;

	if (!copy)
		return;
	memcpy(copy, data, size);
	elf_version(EV_CURRENT);
	elf = elf_memory(copy, size);
	if (elf && !elf_getshdrstrndx(elf, &shstrndx)) {
		while ((scn = elf_nextscn(elf, scn))) {
			GElf_Shdr sh;
			Elf_Data *d;
			const char *name;
			int i;

			if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS)
				continue;
			name = elf_strptr(elf, shstrndx, sh.sh_name);
			if (!name)
				continue;
			i = !strcmp(name, ".BTF") ? 0 : !strcmp(name, ".BTF.ext") ? 1 : -1;
			if (i < 0 || !(d = elf_getdata(scn, NULL)))
				continue;
			sec[i] = d->d_buf;
			len[i] = d->d_size;
		}
		if (sec[0])
			run(sec[0], len[0], sec[1], len[1]);
	}
	elf_end(elf);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n;

	libbpf_set_print(quiet);
	if (size >= 4 && !memcmp(data, "\x7f" "ELF", 4)) {
		run_elf(data, size);
		return 0;
	}
	if (size < 2)
		return 0;
	n = data[0] | (size_t)data[1] << 8;
	if (n > size - 2)
		return 0;
	run(data + 2, n, data + 2 + n, size - 2 - n);
	return 0;
}

static void run(const uint8_t *btf_data, size_t btf_size, const uint8_t *ext_data,
		size_t ext_size)
{
	struct core_target *tg = NULL;
	struct core_result res;
	struct errmsg err = { 0 };
	struct bext *ext = NULL;
	struct btf *btf = NULL;

	if (bext_btf_new(btf_data, btf_size, &btf, &err))
		return;
	if (bext_parse(ext_data, ext_size, btf, &ext, &err) == 0) {
		if (core_analyze(btf, ext, NULL, &res, &err) == 0)
			core_result_free(&res);
		if (core_target_new(btf, &tg, &err) == 0 &&
		    core_analyze(btf, ext, tg, &res, &err) == 0)
			core_result_free(&res);
		core_target_free(tg);
		bext_free(ext);
	}
	btf__free(btf);
}
