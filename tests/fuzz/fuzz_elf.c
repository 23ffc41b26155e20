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
#include "object.h"
#include "objrefs.h"

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct bext_object *code;
	const struct bk_objinfo *info;
	struct bk_code *model;
	struct errmsg err = { 0 };
	struct bk_global *g = NULL;
	struct bk_btf_stats st;
	struct bk_object *o = NULL;
	size_t n;

	libbpf_set_print(quiet);
	if (bk_object_open_mem(data, size, "fuzz.o", &o, &err))
		return 0;
	if (!bk_globals(o->elf, bk_object_btf(o), &g, &n, &err))
		bk_globals_free(g, n);
	if (bk_object_btf(o))
		bk_btf_stats(o->elf, bk_object_btf(o), &st, &err);
	bk_object_ext(o, &code, &err);
	if (bk_object_info(o, &info, &err) == 0 && bk_object_code(o, &model, &err) == 0) {
		for (size_t i = 0; i < info->nr_progs; i++) {
			struct bk_prog_refs refs;

			if (!bk_prog_refs(model, info->progs[i].section, info->progs[i].name, &refs,
					  &err))
				bk_prog_refs_free(&refs);
		}
	}
	bk_object_close(o);
	return 0;
}
