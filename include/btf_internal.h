/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Helpers shared by the BTF files of inspect/ (btf_view, btf_check, btf_emit, btf_layout). */
#ifndef BPFKIT_BTF_INTERNAL_H
#define BPFKIT_BTF_INTERNAL_H

#include <linux/types.h>

struct btf;
struct btf_type;

/* bpftool's rendering of a name offset: "(anon)" for 0, "(invalid)" when out of range. */
const char *bk_btf_name_or_anon(const struct btf *btf, __u32 off);
/* The name as data: "" for anonymous or unresolvable names. */
const char *bk_btf_name(const struct btf *btf, __u32 off);
/* How many type ids t refers to; bk_btf_ref_at() gives each. Bounded by the record libbpf
 * sized. */
__u32 bk_btf_ref_count(const struct btf_type *t);
__u32 bk_btf_ref_at(const struct btf_type *t, __u32 i);

/* Split "struct foo" into a kind filter and "foo" (kind2: a second kind the word covers, as
 * "enum" covers ENUM64). A bare name matches any kind (-1). */
const char *bk_btf_split_kind(const char *name, int *kind, int *kind2);

#endif
