/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Values through BTF, offline: walk bytes as a BTF type (struct fields by name, enums by
 * name, char arrays as strings, bitfields, nested structs and arrays), and the reverse,
 * build bytes from text ("uid=1000 comm=bash", "5", "ST_OPEN", JSON). Map keys and values
 * are the users; nothing here touches the kernel. Every id, offset and size is bounded: the
 * BTF comes from the kernel or a file, and data never reads past size.
 */
#ifndef BPFKIT_BTF_FMT_H
#define BPFKIT_BTF_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "errmsg.h"

struct btf;

enum bk_leaf_kind {
	BK_LEAF_UINT,
	BK_LEAF_SINT,
	BK_LEAF_BOOL,	/* u: 0 or 1 */
	BK_LEAF_ENUM,	/* str: the enumerator's name, or NULL when the value has none (s/u) */
	BK_LEAF_STR,	/* a char array: str/len, printable, without the NUL */
	BK_LEAF_FLOAT,	/* d */
	BK_LEAF_PTR,	/* u: an address */
	BK_LEAF_BYTES,	/* what BTF does not describe (void, fwd, 128-bit ints): bytes */
};

struct bk_leaf {
	enum bk_leaf_kind kind;
	bool is_signed;		/* ENUM: s holds the value, else u */
	uint64_t u;
	int64_t s;
	double d;
	const char *str;
	size_t len;
	const unsigned char *bytes;
	size_t nbytes;
};

/*
 * name is the member name inside a struct/union, NULL for array elements and the top value.
 * index is the element index inside an array (else 0).
 */
struct bk_btf_visitor {
	void (*open)(void *ctx, const char *name, uint32_t index, bool array);
	void (*close)(void *ctx, bool array);
	void (*leaf)(void *ctx, const char *name, uint32_t index, const struct bk_leaf *l);
	void *ctx;
};

/* Walk data (size bytes) as type id. -EINVAL when the type does not fit size or is bad. */
int bk_btf_walk(const struct btf *btf, uint32_t id, const void *data, size_t size,
		const struct bk_btf_visitor *v, struct errmsg *err);

/*
 * Every leaf with its path: "packets", "where.x", "hist[1]"; "" for a scalar value. For
 * metrics and watch, where a value becomes named numbers.
 */
typedef void (*bk_leaf_fn)(void *ctx, const char *path, const struct bk_leaf *l);
int bk_btf_leaves(const struct btf *btf, uint32_t id, const void *data, size_t size,
		  bk_leaf_fn fn, void *ctx, struct errmsg *err);


/*
 * Bytes from text for type id (size bytes at out, zeroed first). what ("key", "value") starts
 * error messages. Accepted, for argc words:
 *   FIELD=VALUE...  struct members by name; nested with '.', elements with [i]
 *   VALUE           one word for a scalar: a number, an enum name, true/false, a string
 *                   for a char array
 *   JSON            one word starting with '{', '[' or '"': objects by member name
 * -EINVAL with a message naming the field and its type when a name is unknown or a value
 * does not fit.
 */
int bk_btf_parse(const struct btf *btf, uint32_t id, int argc, char **argv, void *out,
		 size_t size, const char *what, struct errmsg *err);

/*
 * Without BTF: "hex B B ...", or size words that are each a byte (bpftool's list), or one
 * number for a 1, 2, 4 or 8-byte integer (host order).
 */
int bk_bytes_parse(int argc, char **argv, void *out, size_t size, const char *what,
		   struct errmsg *err);

#endif
