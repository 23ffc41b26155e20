/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Shared between bpf/openat.bpf.c and bpf/openat.c: fixed-width types only. */
#ifndef BPFKIT_OPENAT_H
#define BPFKIT_OPENAT_H

#define OPENAT_COMM_LEN 16
#define OPENAT_PATH_LEN 256

enum openat_syscall { OPENAT_SYS_OPENAT = 0, OPENAT_SYS_OPENAT2 = 1 };

/* Indexes of the per-CPU "drops" array: what the kernel side could not deliver. */
enum openat_drop { OPENAT_DROP_RINGBUF = 0, OPENAT_DROP_ARGS = 1, OPENAT_NR_DROPS = 2 };

struct openat_event {
	__u64 ts_ns;		/* bpf_ktime_get_ns() at exit */
	__u64 flags;		/* open flags (O_*) */
	__u32 pid;		/* tgid */
	__u32 tid;
	__u32 uid;
	__s32 ret;		/* fd, or -errno */
	__u32 mode;
	__u8 syscall;		/* enum openat_syscall */
	__u8 pad[3];
	char comm[OPENAT_COMM_LEN];
	char path[OPENAT_PATH_LEN];
};

_Static_assert(sizeof(struct openat_event) == 312, "openat_event layout");

#endif
