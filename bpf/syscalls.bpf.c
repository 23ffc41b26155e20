// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Syscall dispatcher, after the tail-call tutorial: raw_tp/sys_enter jumps through a program
 * array indexed by the syscall number to a per-syscall program (execve, the timer family,
 * "ignore"); a number with no entry falls through and is counted by the dispatcher itself.
 * User space fills the array after load (bpf/syscalls.c). Each program counts the calls it
 * sees per number in a per-CPU array; the ignore program counts nothing.
 *
 * raw_tp/sys_enter's arguments are (struct pt_regs *regs, long id): only id is read, so
 * there is no kernel struct to relocate.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "bpfkit/syscalls.h"
#include "bpfkit/filter.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, SYSCALLS_MAX);
	__type(key, __u32);
	__type(value, __u32);
} dispatch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SYSCALLS_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SYSCALLS_NR_DROPS);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

static __always_inline void count(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 nr = (__u32)ctx->args[1];
	__u64 *n = bpf_map_lookup_elem(&counts, &nr);

	if (n)
		*n += 1;
}

SEC("raw_tp/sys_enter")
int dispatcher(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 nr = (__u32)ctx->args[1];
	__u32 why = SYSCALLS_DROP_RANGE;
	__u64 *n;

	if (!bk_filter_pass())
		return 0;
	if (nr >= SYSCALLS_MAX) {	/* x32 calls have bit 30 set: not in the table */
		n = bpf_map_lookup_elem(&drops, &why);
		if (n)
			*n += 1;
		return 0;
	}
	bpf_tail_call(ctx, &dispatch, nr);
	/* only without an entry for nr: the tail call did not happen */
	count(ctx);
	return 0;
}

SEC("raw_tp")
int sys_execve(struct bpf_raw_tracepoint_args *ctx)
{
	count(ctx);
	return 0;
}

SEC("raw_tp")
int sys_timer(struct bpf_raw_tracepoint_args *ctx)
{
	count(ctx);
	return 0;
}

SEC("raw_tp")
int sys_ignore(struct bpf_raw_tracepoint_args *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
