/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * libFuzzer: the ELF reader and everything inspect builds on it (libbpf's view of programs
 * and maps, globals, BTF statistics, program references) on arbitrary bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "elfread.h"
#include "objinfo.h"
#include "objrefs.h"

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct errmsg err = { 0 };
	struct bk_objinfo info;
	struct bk_global *g = NULL;
	struct bk_btf_stats st;
	struct bk_elf *e = NULL;
	struct btf *btf = NULL;
	void *copy = malloc(size ? size : 1);
	size_t n;

	libbpf_set_print(quiet);
	memcpy(copy, data, size);
	if (bk_elf_open_mem(copy, size, "fuzz.o", &e, &err) == 0) {
		if (bk_btf_load(e, &btf, &err) == 0) {
			bk_globals(e, btf, &g, &n, &err);
			free(g);
			bk_btf_stats(e, btf, &st, &err);
		}
		if (bk_objinfo_load(e, &info, &err) == 0) {
			for (size_t i = 0; i < info.nr_progs; i++) {
				struct bk_prog_refs refs;

				bk_prog_refs(e, info.progs[i].section, info.progs[i].name, &refs, &err);
			}
			bk_objinfo_free(&info);
		}
		btf__free(btf);
		bk_elf_close(e);
	}
	free(copy);
	return 0;
}
