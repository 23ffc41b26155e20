/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Skeleton test program: a map, a .bss counter, .data and a load-time .rodata knob. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

__u64 hits = 0;
__u32 seen_pid = 0;
int step = 1;
const volatile int target_pid = 0;

char LICENSE[] SEC("license") = "GPL";

SEC("tracepoint/syscalls/sys_enter_openat")
int count_openat(void *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32, k = 0;
	__u64 *v;

	if (target_pid && pid != (__u32)target_pid)
		return 0;
	v = bpf_map_lookup_elem(&counts, &k);
	if (v)
		__sync_fetch_and_add(v, 1);
	hits += step;
	seen_pid = pid;
	return 0;
}
