/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * kern/ attach, detach and "where is it attached": programs onto tracepoints, uprobes,
 * XDP, tc, cgroups; one list of every attachment the kernel knows. Functions return 0 or
 * -errno with struct errmsg set, and never print.
 */
#ifndef BPFKIT_KATTACH_H
#define BPFKIT_KATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "errmsg.h"

struct bpf_program;
struct bpf_link;

enum kattach_kind {
	KA_TRACEPOINT, KA_RAW_TP, KA_TP_BTF, KA_UPROBE, KA_URETPROBE, KA_USDT,
	KA_KPROBE, KA_KRETPROBE, KA_XDP, KA_TC, KA_CGROUP,
};

enum kattach_xdp_mode { KA_XDP_ANY, KA_XDP_NATIVE, KA_XDP_SKB, KA_XDP_OFFLOAD };

/* A parsed TARGET ("tracepoint:syscalls:sys_enter_openat", "xdp:lo:skb", ...). */
struct kattach_target {
	enum kattach_kind kind;
	char *spec;		/* the operand as given (owned copy) */
	char *a, *b, *c;	/* its fields, pointing into a second owned copy */
	uint64_t offset;	/* uprobe FUNC+OFF, kprobe FUNC+OFF */
	enum kattach_xdp_mode xdp_mode;
	bool egress;		/* tc */
	uint32_t attach_type;	/* cgroup: enum bpf_attach_type */
	uint32_t prog_type;	/* what the target takes (enum bpf_prog_type) */
	char *buf;
};

/* -EINVAL with a usage message for a malformed TARGET. */
int kattach_parse(const char *spec, struct kattach_target *t, struct errmsg *err);
void kattach_target_free(struct kattach_target *t);
/* Whether a program of prog_type fits t: -EINVAL naming both when it does not. */
int kattach_check_type(const struct kattach_target *t, uint32_t prog_type, const char *prog,
		       struct errmsg *err);
/* "tracepoint", "xdp", ... for the message and the table. */
const char *kattach_kind_str(enum kattach_kind k);

/* One attachment bpfkit made and owns until kattach_release(). */
struct kattach {
	int link_fd;		/* -1 when none */
	int perf_fd;		/* the perf event of a tracepoint/uprobe link, kept open */
	struct bpf_link *blink;	/* made by libbpf (usdt, attach by section) */
	uint32_t link_id;
	bool tc_classic;	/* clsact + cls_bpf filter, no link */
	bool qdisc_created;	/* we made the clsact qdisc: removed again by release */
	uint32_t ifindex, tc_handle, tc_prio;
	bool pinned;		/* release leaves it attached */
	char point[4200];	/* the attach point, spelled as a TARGET */
	char note[256];		/* e.g. native XDP unsupported: SKB mode used */
};

void kattach_init(struct kattach *a);
/* Attach prog_fd (prog names it in messages) to t. */
int kattach_fd(int prog_fd, const char *prog, const struct kattach_target *t, struct kattach *a,
	       struct errmsg *err);
/* usdt targets, and t == NULL (by the program's section, as libbpf does). */
int kattach_prog(struct bpf_program *p, const struct kattach_target *t, struct kattach *a,
		 struct errmsg *err);
/* Pin the link at path (inside bpffs, never over a file); it then outlives bpfkit. */
int kattach_pin(struct kattach *a, const char *path, struct errmsg *err);
/* Detach unless pinned, close everything, remove a qdisc only if we created it. */
void kattach_release(struct kattach *a);

/* ---- where is it attached --------------------------------------------------------------- */

struct kattached {
	uint32_t prog_id;
	uint32_t prog_type;
	char name[64];
	char point[4200];	/* TARGET spelling, pasteable into detach */
	const char *how;	/* "link", "netlink", "tcx", "cgroup", "perf_fd" */
	uint32_t link_id;	/* how == link */
	/* what detach needs */
	uint32_t ifindex, attach_type, xdp_flags, tc_handle, tc_prio;
	bool tc_egress;
	char *cg_path;
	int pid;		/* perf_fd: the holder */
	char comm[16];
};

struct kattached_list {
	struct kattached *v;
	size_t n;
};

int kattached_scan(struct kattached_list *l, struct errmsg *err);
void kattached_free(struct kattached_list *l);
/* Whether row r is what TARGET spec names (xdp:lo matches xdp:lo:skb; cgroup paths either
 * absolute or relative to the cgroup2 mount). */
bool kattached_match(const struct kattached *r, const char *spec);
/* Detach r (link: BPF_LINK_DETACH; netlink/tcx/cgroup: the matching detach). */
int kattached_detach(const struct kattached *r, struct errmsg *err);

/* Whether this kernel can do kprobes (false here: CONFIG_KPROBES is off). */
bool kattach_have_kprobes(void);

#endif
