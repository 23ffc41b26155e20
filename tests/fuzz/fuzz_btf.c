/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * libFuzzer harness for inspect/btf_view.c: bytes go to libbpf's btf__new(); BTF it accepts
 * goes through bk_btf__check() and every walker that must be safe on unchecked BTF (raw and
 * JSON dumps of every type, list, closure of every type, name lookups); BTF that passes the
 * check also goes through the C dump and the layout of every struct and union.
 *
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude tests/fuzz/fuzz_btf.c \
 *	inspect/btf_view.c -lbpf -lelf -lz
 * Seeds: raw BTF files (btf__raw_data() of small BTFs built with btf__add_*(), the .BTF
 * section of a fixture: llvm-objcopy --dump-section .BTF=seed.btf x.bpf.o), or whole ELF
 * objects, which are read from their first BTF header on.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* memmem */
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "btf_view.h"

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

/* Output goes nowhere but is fully formatted. */
static FILE *sink(void)
{
	static FILE *f;

	if (!f)
		f = fopen("/dev/null", "w");
	return f;
}

static void walk_unchecked(struct bk_btf *b)
{
	struct bk_btf_entry *v = NULL;
	struct errmsg err;
	__u32 *ids = NULL, id;
	size_t n = 0, i;

	bk_btf_dump_raw(b, NULL, 0, BK_BTF_FMT_RAW, sink(), &err);
	bk_btf_dump_raw(b, NULL, 0, BK_BTF_FMT_JSON, sink(), &err);
	if (!bk_btf_list(b, -1, NULL, &v, &n, &err)) {
		for (i = 0; i < n && i < 64; i++) {
			/* lookups by the names found, with and without a kind word */
			char name[300];

			snprintf(name, sizeof(name), "struct %s", v[i].name);
			bk_btf_find(b, v[i].name, &ids, &n, &err);
			free(ids);
			bk_btf_find(b, name, &ids, &n, &err);
			free(ids);
			bk_btf_find_composite(b, v[i].name, &err);
			ids = NULL;
		}
		free(v);
	}
	/* one past the last id too: the walkers must bound it */
	for (id = 0; id <= b->type_cnt && id < 64; id++) {
		if (!bk_btf_closure(b, &id, 1, &ids, &n, &err))
			free(ids);
	}
	bk_btf_list(b, BTF_KIND_STRUCT, "*a*", &v, &n, &err);
	free(v);
}

/*
 * btf_dump pads a struct to its size with "long: 64;" lines: a 4 GB struct is gigabytes of
 * valid C (bpftool prints the same). Not a bug, but it stalls fuzzing: skip such inputs.
 */
static bool has_huge_type(const struct bk_btf *b)
{
	const struct btf_type *t;
	__u32 id;

	for (id = 1; id < b->type_cnt; id++) {
		t = btf__type_by_id(b->btf, id);
		if (t && (btf_is_composite(t) || btf_is_array(t)) &&
		    btf__resolve_size(b->btf, id) > (1 << 16))
			return true;
	}
	return false;
}

static void walk_checked(struct bk_btf *b)
{
	struct bk_btf_layout l;
	struct errmsg err;
	__u32 id, done = 0;
	char *text;

	bk_btf_dump_c(b, NULL, 0, sink(), &err);
	/* each layout starts a btf_dump sized by the whole BTF: a few are enough */
	for (id = 1; id < b->type_cnt && done < 16; id++) {
		const struct btf_type *t = btf__type_by_id(b->btf, id);

		if (!t || !btf_is_composite(t))
			continue;
		done++;
		if (!bk_btf_layout(b, id, &l, &err))
			bk_btf_layout_free(&l);
		if (!bk_btf_pahole(b, id, &text, &err))
			free(text);
	}
}

/*
 * `make fuzz` seeds with the compiled fixtures, ELF objects: start an ELF input at its first
 * BTF header (magic 0xeB9F, version 1) so that their .BTF sections seed the corpus.
 */
static const uint8_t *skip_to_btf(const uint8_t *data, size_t *size)
{
	static const uint8_t magic[3] = { 0x9f, 0xeb, 0x01 };
	const uint8_t *p;

	if (*size < 4 || memcmp(data, "\177ELF", 4))
		return data;
	p = memmem(data, *size, magic, sizeof(magic));
	if (!p)
		return data;
	*size -= p - data;
	return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct errmsg err;
	struct bk_btf b;
	struct btf *btf;

	libbpf_set_print(quiet);
	if (size > (1u << 20))
		return 0;
	data = skip_to_btf(data, &size);
	btf = btf__new(data, size);
	if (!btf)
		return 0;
	bk_btf__adopt(&b, btf, NULL, &err);
	walk_unchecked(&b);
	if (b.checked && !has_huge_type(&b))
		walk_checked(&b);
	bk_btf__close(&b);
	return 0;
}
