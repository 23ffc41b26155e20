/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Shared by kern/attach.c, kern/attach_elf.c and kern/attached.c; not an API. */
#ifndef BPFKIT_KATTACH_INT_H
#define BPFKIT_KATTACH_INT_H

#include <stddef.h>
#include <stdint.h>

#include "errmsg.h"

/* enum bpf_attach_type values newer than the system's uapi header (kernel 6.6+). */
#define KA_BPF_TCX_INGRESS 46
#define KA_BPF_TCX_EGRESS 47

struct ka_cgroup_type {
	const char *name;	/* the TARGET spelling: "ingress", "connect4" */
	uint32_t attach_type;
	uint32_t prog_type;
};

extern const struct ka_cgroup_type ka_cgroup_types[];	/* NULL-name terminated */
const struct ka_cgroup_type *ka_cgroup_type_by_attach(uint32_t at);

/* BINARY as given: a path, else a library by name (libc.so.6) through LD_LIBRARY_PATH and
 * the usual directories, else a program through PATH. */
int ka_resolve_binary(const char *bin, char *path, size_t len, struct errmsg *err);
/* The file offset of function FUNC (or a hex address) in the ELF file at path. */
int ka_elf_func_offset(const char *path, const char *func, uint64_t *off, struct errmsg *err);
/* A cgroup directory, absolute or relative to the cgroup2 mount: its real path. */
int ka_cgroup_resolve(const char *arg, char *path, size_t len, struct errmsg *err);
/* Where cgroup2 is mounted ("/sys/fs/cgroup" when /proc/mounts says nothing). */
const char *ka_cgroup_root(void);

/* "raw_tp:NAME" becomes "tp_btf:NAME" for a tracing program (kern/attached.c). */
void ka_spell_tp_btf(char *point, size_t len, uint32_t prog_type);

/* How many tc filters (any kind) the clsact hooks of ifindex hold (kern/attached.c). */
size_t ka_tc_filters(uint32_t ifindex);

#endif
