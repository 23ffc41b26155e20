/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The common filters of the bundled tracers, kernel side. The runtime (kern/tracer.c) sets
 * these read-only globals by name from the command line before load; the verifier then
 * prunes the tests nobody asked for. Include once per .bpf.c, after vmlinux.h.
 */
#ifndef BPFKIT_FILTER_BPF_H
#define BPFKIT_FILTER_BPF_H

#define BK_COMM_LEN 16

const volatile __u32 targ_pid = 0;	/* 0: any */
const volatile __u32 targ_tid = 0;
const volatile __u32 targ_uid = 0;
const volatile bool targ_uid_set = false;
const volatile char targ_comm[BK_COMM_LEN] = {};	/* a substring of comm, like execsnoop -n */
const volatile __u32 targ_comm_len = 0;
const volatile __u64 targ_cgroup_id = 0;
const volatile bool targ_failed = false;
const volatile __u32 bk_self_tgid = 0;	/* bpfkit itself: never reported */

/* Is targ_comm somewhere in comm? Bounded loops: 16 x 16 at most. */
static __always_inline bool bk_comm_matches(const char *comm)
{
	__u32 i, j;

	if (!targ_comm_len)
		return true;
	for (i = 0; i + targ_comm_len <= BK_COMM_LEN - 1 && i < BK_COMM_LEN; i++) {
		for (j = 0; j < targ_comm_len && j < BK_COMM_LEN; j++)
			if (comm[(i + j) & (BK_COMM_LEN - 1)] != targ_comm[j])
				break;
		if (j == targ_comm_len)
			return true;
		if (!comm[i])
			break;
	}
	return false;
}

/* The process filters of the current task, comm excepted (callers have it, or not yet). */
static __always_inline bool bk_task_passes(__u64 pid_tgid)
{
	__u32 tgid = pid_tgid >> 32;

	if (bk_self_tgid && tgid == bk_self_tgid)
		return false;
	if (targ_pid && tgid != targ_pid)
		return false;
	if (targ_tid && (__u32)pid_tgid != targ_tid)
		return false;
	if (targ_uid_set && (__u32)bpf_get_current_uid_gid() != targ_uid)
		return false;
	if (targ_cgroup_id && bpf_get_current_cgroup_id() != targ_cgroup_id)
		return false;
	return true;
}

/* Every common filter on the current task, its comm included. */
static __always_inline bool bk_filter_pass(void)
{
	char comm[BK_COMM_LEN];

	if (!bk_task_passes(bpf_get_current_pid_tgid()))
		return false;
	if (!targ_comm_len)
		return true;
	bpf_get_current_comm(comm, sizeof(comm));
	return bk_comm_matches(comm);
}

#endif
