// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Execs per user id, counted in the kernel (the Aya tutorial's counter): a hash map from
 * UID to count that user space reads every interval. A UID that does not fit in a full map
 * is counted in "drops", never silently lost.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "bpfkit/execcount.h"
#include "bpfkit/filter.bpf.h"

#define EEXIST 17

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EXECCOUNT_MAX_UIDS);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EXECCOUNT_NR_DROPS);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

SEC("tp/sched/sched_process_exec")
int count_exec(void *ctx)
{
	__u32 uid = (__u32)bpf_get_current_uid_gid(), why = EXECCOUNT_DROP_FULL;
	__u64 one = 1, *n;
	long err;

	if (!bk_filter_pass())
		return 0;
	n = bpf_map_lookup_elem(&counts, &uid);
	if (n) {
		__sync_fetch_and_add(n, 1);
		return 0;
	}
	err = bpf_map_update_elem(&counts, &uid, &one, BPF_NOEXIST);
	if (err == -EEXIST) {	/* another CPU added it first */
		n = bpf_map_lookup_elem(&counts, &uid);
		if (n)
			__sync_fetch_and_add(n, 1);
	} else if (err) {
		n = bpf_map_lookup_elem(&drops, &why);
		if (n)
			*n += 1;
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
