/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Shared between bpf/exec.bpf.c and bpf/exec.c: fixed-width types only. */
#ifndef BPFKIT_EXEC_H
#define BPFKIT_EXEC_H

#define EXEC_COMM_LEN 16
#define EXEC_FILENAME_LEN 256
#define EXEC_ARGS_LEN 512	/* the arguments, NUL-separated; more is cut (flag set) */
#define EXEC_ARG_LEN 128	/* one argument read from a failed call's argv */
#define EXEC_MAX_ARGS 20	/* argv entries read from a failed call */

/* Indexes of the per-CPU "drops" array. */
enum exec_drop { EXEC_DROP_RINGBUF = 0, EXEC_DROP_INFLIGHT = 1, EXEC_NR_DROPS = 2 };

struct exec_event {
	__u64 ts_ns;		/* bpf_ktime_get_ns() */
	__u32 pid;		/* tgid */
	__u32 ppid;		/* the parent's tgid */
	__u32 uid;
	__s32 ret;		/* 0, or -errno of a failed execve/execveat */
	__u32 args_len;		/* bytes of args used */
	__u8 args_cut;		/* 1: more arguments than args holds */
	__u8 pad[3];
	char comm[EXEC_COMM_LEN];
	char filename[EXEC_FILENAME_LEN];
	char args[EXEC_ARGS_LEN];
};

_Static_assert(sizeof(struct exec_event) == 816, "exec_event layout");

#endif
