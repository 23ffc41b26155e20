/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Shared between bpf/hello.bpf.c and bpf/hello.c: fixed-width types only. */
#ifndef BPFKIT_HELLO_H
#define BPFKIT_HELLO_H

#define HELLO_COMM_LEN 16
#define HELLO_MSG_LEN 16

enum hello_drop { HELLO_DROP_RINGBUF = 0, HELLO_NR_DROPS = 1 };

struct hello_event {
	__u64 ts_ns;
	__u32 pid;
	__u32 uid;
	char comm[HELLO_COMM_LEN];
	char msg[HELLO_MSG_LEN];	/* "Hello World" */
};

_Static_assert(sizeof(struct hello_event) == 48, "hello_event layout");

#endif
