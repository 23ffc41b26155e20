// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The DWARF-heavy object of bench/dwarf.sh: compiled with -fno-eliminate-unused-debug-types,
 * every type of vmlinux.h lands in .debug_info while .BTF keeps only what the program uses. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("tp/syscalls/sys_enter_getpid")
int heavy(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
