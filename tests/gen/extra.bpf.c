/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A second object for `gen object`: its own map and program, no license of its own. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} closes SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_close")
int count_close(void *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	__u64 one = 1, *v = bpf_map_lookup_elem(&closes, &pid);

	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&closes, &pid, &one, BPF_ANY);
	return 0;
}
