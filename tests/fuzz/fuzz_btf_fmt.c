/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * libFuzzer harness for inspect/btf_fmt.c: values through hostile BTF. The input is one
 * byte n, n bytes of value data, then raw BTF for btf__new(). Every type (the first 256)
 * is walked over the data (repeated to fill a page) and parsed from a few word forms:
 * nothing may read or write outside the buffer, loop forever or recurse without bound.
 *
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude tests/fuzz/fuzz_btf_fmt.c \
 *	inspect/btf_fmt.c -lbpf -lelf -lz -lcjson
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "btf_fmt.h"
#include "objrefs.h"

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

static void on_leaf(void *ctx, const char *path, const struct bk_leaf *l)
{
	size_t *n = ctx;

	*n += strlen(path) + l->len + l->nbytes;	/* touch what the walker hands out */
	if (l->str && l->len)
		*n += (unsigned char)l->str[l->len - 1];
	if (l->bytes && l->nbytes)
		*n += l->bytes[l->nbytes - 1];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *forms[][3] = {
		{ "a=1", "b.c[1]=-2", "d=x" }, { "{\"a\":[1,2],\"b\":{\"c\":\"x\"}}" },
		{ "18446744073709551615" }, { "true" }, { "ST_OPEN" }, { "[1,2,3]" },
	};
	static const int nforms[] = { 3, 1, 1, 1, 1, 1 };
	unsigned char page[4096], out[4096];
	struct errmsg err;
	struct btf *btf;
	size_t n, touched = 0;

	libbpf_set_print(quiet);
	if (size < 1 || size < 1u + data[0])
		return 0;
	n = data[0];
	for (size_t i = 0; i < sizeof(page); i++)
		page[i] = n ? data[1 + i % n] : 0;
	btf = btf__new(data + 1 + n, size - 1 - n);
	if (!btf)
		return 0;
	for (uint32_t id = 1; id < btf__type_cnt(btf) && id < 256; id++) {
		char name[128];

		bk_btf_leaves(btf, id, page, sizeof(page), on_leaf, &touched, &err);
		bk_btf_type_name_buf(btf, id, name, sizeof(name));
		for (size_t f = 0; f < sizeof(nforms) / sizeof(nforms[0]); f++)
			bk_btf_parse(btf, id, nforms[f], forms[f], out, sizeof(out), "value", &err);
	}
	btf__free(btf);
	return touched == (size_t)-1;
}
