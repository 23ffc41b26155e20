/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * libFuzzer: the DWARF type reader (inspect/dwarf.c) on arbitrary objects: libdw over the
 * bytes the gate accepted, the conversion to BTF, then what consumers do with the result
 * (layouts of every struct, the C dump, strip --keep-types' .BTF). Seeds: the fixtures, which
 * carry DWARF (make fuzz passes build/fixtures).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bk_dwarf.h"
#include "object.h"

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct bk_dwarf *d;
	struct errmsg err = { 0 };
	struct bk_object *o = NULL;
	char *name = NULL;
	void *raw = NULL;
	size_t rsize, added;
	FILE *null;
	__u32 n;

	libbpf_set_print(quiet);
	if (bk_object_open_mem(data, size, "fuzz.o", &o, &err))
		return 0;
	if (bk_object_dwarf(o, &d, &err)) {
		if (!err.msg[0])
			abort();	/* every failure says why */
		bk_object_close(o);
		return 0;
	}
	n = btf__type_cnt(d->btf.btf);
	for (__u32 id = d->nr_btf; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(d->btf.btf, id);
		struct bk_btf_layout l;

		if (!btf_is_composite(t))
			continue;
		if (!bk_btf_layout(&d->btf, id, &l, &err))
			bk_btf_layout_free(&l);
		if (!name && t->name_off)
			name = strdup(btf__name_by_offset(d->btf.btf, t->name_off));
	}
	null = fopen("/dev/null", "w");
	if (null) {
		bk_btf_dump_c(&d->btf, NULL, 0, null, &err);
		fclose(null);
	}
	if (name && !bk_object_dwarf_keep(o, &name, 1, &raw, &rsize, &added, &err)) {
		struct btf *b = btf__new(raw, rsize);

		if (!b)
			abort();	/* the .BTF strip would write must parse */
		btf__free(b);
	}
	free(raw);
	free(name);
	bk_object_close(o);
	return 0;
}
