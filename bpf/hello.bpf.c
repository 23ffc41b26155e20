// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The tutorials' first program: "Hello World" on every exec. handle_exec sends it through a
 * ring buffer with who exec'd; handle_exec_printk is the seed's way, bpf_printk() into the
 * trace pipe (with the marker of include/bpfkit/printk.h). The runtime loads one of them.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "bpfkit/hello.h"
#include "bpfkit/filter.bpf.h"
#include "bpfkit/printk.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, HELLO_NR_DROPS);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

SEC("tp/sched/sched_process_exec")
int handle_exec(void *ctx)
{
	struct hello_event *e;
	__u32 zero = 0;
	__u64 *n;

	if (!bk_filter_pass())
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		n = bpf_map_lookup_elem(&drops, &zero);
		if (n)
			*n += 1;
		return 0;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	__builtin_memcpy(e->msg, "Hello World", 12);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp/sched/sched_process_exec")
int handle_exec_printk(void *ctx)
{
	char comm[HELLO_COMM_LEN];

	if (!bk_filter_pass())
		return 0;
	/* comm in the message: the pipe's task column is "<...>" when its cache missed it */
	bpf_get_current_comm(comm, sizeof(comm));
	bk_printk("hello uid=%u Hello World comm=%s", (__u32)bpf_get_current_uid_gid(), comm);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
