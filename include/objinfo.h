/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Programs and maps of a BPF object as libbpf sees them (inspect/objinfo.c): no kernel. */
#ifndef BPFKIT_OBJINFO_H
#define BPFKIT_OBJINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elfread.h"

struct bk_prog {
	char *name;
	char *section;
	const char *type;		/* libbpf's name: "tracepoint", "xdp", ... */
	const char *attach_type;	/* expected attach type, or NULL */
	char *attach_target;		/* from the section name: "syscalls/sys_enter_openat" */
	size_t insn_cnt;
};

struct bk_map {
	char *name;
	const char *type;		/* "hash", "ringbuf", ... */
	uint32_t key_size, value_size, max_entries, flags;
	bool internal;			/* .data/.bss/.rodata/.kconfig backing map */
	bool pinned_by_name;		/* __uint(pinning, LIBBPF_PIN_BY_NAME) */
	char *key_type;			/* bk_btf_type_name(), NULL without BTF */
	char *value_type;
	char *inner_map;		/* map-in-map template, or NULL */
};

struct bk_objinfo {
	size_t nr_progs, nr_maps;
	struct bk_prog *progs;
	struct bk_map *maps;
};

/* From libbpf's view of an object (bk_object_info() caches it per object). */
struct bpf_object;
int bk_objinfo_fill(struct bpf_object *obj, struct bk_objinfo *out, struct errmsg *err);
void bk_objinfo_free(struct bk_objinfo *info);

#endif
