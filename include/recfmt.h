/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A record type compiled once, from BTF, into a flat list of output steps: each record of a
 * stream (`trace run`) is then rendered without walking BTF, printf or malloc. Walking BTF
 * per record cost ~1.6 µs of reader CPU per event, more than the kernel side.
 *
 * Output, per top-level member: `name=value` separated by spaces (text) or `"name":value`
 * separated by commas (JSON, without the enclosing braces). Strings (char arrays) are
 * quoted and JSON-escaped in both forms; nested structs are {...}, arrays [...]; enums by
 * name; pointers hex in text, decimal in JSON. A record shorter than its type shows the
 * members it holds whole; one it cuts is null.
 */
#ifndef BPFKIT_RECFMT_H
#define BPFKIT_RECFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "errmsg.h"
#include "kbuf.h"

struct btf;

struct recfmt;

/* Compile the struct or union type_id of btf (which must outlive f). 0 or -ENOMEM. */
int recfmt_new(const struct btf *btf, uint32_t type_id, bool json, struct recfmt **f,
	       struct errmsg *err);
void recfmt_free(struct recfmt *f);

/* Append the members of the record (size bytes at data) to b. */
void recfmt_render(const struct recfmt *f, const void *data, size_t size, struct kbuf *b);

#endif
