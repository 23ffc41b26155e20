// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What a user's own openat snooper looks like, for `bpfkit trace run` in
 * bench/trace_openat.sh: one ring buffer record per openat, submitted with default flags,
 * its type found by trace run from the size passed to bpf_ringbuf_reserve.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct open_rec {
	__u64 ts_ns;
	__u32 pid;
	__s32 dfd;
	char comm[16];
	char path[256];
};

const struct open_rec *unused_open_rec __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024);
} records SEC(".maps");

SEC("tp/syscalls/sys_enter_openat")
int open_enter(struct trace_event_raw_sys_enter *ctx)
{
	struct open_rec *r = bpf_ringbuf_reserve(&records, sizeof(*r), 0);

	if (!r)
		return 0;
	r->ts_ns = bpf_ktime_get_ns();
	r->pid = bpf_get_current_pid_tgid() >> 32;
	r->dfd = (__s32)ctx->args[0];
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	if (bpf_probe_read_user_str(r->path, sizeof(r->path), (void *)ctx->args[1]) < 0)
		r->path[0] = '\0';
	bpf_ringbuf_submit(r, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
