/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Shared between bpf/execcount.bpf.c and bpf/execcount.c: fixed-width types only. */
#ifndef BPFKIT_EXECCOUNT_H
#define BPFKIT_EXECCOUNT_H

#define EXECCOUNT_MAX_UIDS 10240	/* default entries of the "counts" hash map */

/* Indexes of the per-CPU "drops" array: execs not counted because the map was full. */
enum execcount_drop { EXECCOUNT_DROP_FULL = 0, EXECCOUNT_NR_DROPS = 1 };

#endif
