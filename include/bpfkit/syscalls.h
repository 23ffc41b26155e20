/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Shared between bpf/syscalls.bpf.c and bpf/syscalls.c: fixed-width types only. */
#ifndef BPFKIT_SYSCALLS_H
#define BPFKIT_SYSCALLS_H

/* Entries of the program array and of the counters: syscall numbers below this. */
#define SYSCALLS_MAX 512

/* Indexes of the per-CPU "drops" array. */
enum syscalls_drop { SYSCALLS_DROP_RANGE = 0, SYSCALLS_NR_DROPS = 1 };

#endif
