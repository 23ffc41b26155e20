// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * openat/openat2 tracer. sys_enter_* remembers the arguments per thread, sys_exit_* adds the
 * result and sends one event through a ring buffer. Filters run here, before any copy.
 *
 * The syscall tracepoint records are a stable ABI, so they are read through local structs
 * without CO-RE relocations: libbpf then has no reason to parse kernel BTF at load.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "bpfkit/openat.h"
#include "bpfkit/filter.bpf.h"

/* Layout of the syscalls:sys_enter_* / sys_exit_* records (see the tracepoints' format). */
struct syscall_enter_record {
	__u64 common;
	__s64 id;
	__u64 args[6];
};

struct syscall_exit_record {
	__u64 common;
	__s64 id;
	__s64 ret;
};

struct open_how_user {
	__u64 flags;
	__u64 mode;
	__u64 resolve;
};

struct inflight {
	__u64 path;	/* user pointer */
	__u64 flags;
	__u32 mode;
	__u8 syscall;
	__u8 valid;	/* set at enter, cleared at exit */
};

/*
 * Wake user space once each time another wakeup_bytes have been queued, or for the first event
 * after wakeup_ns without a wakeup (so a lone event shows within ~10 ms); never per event:
 * each forced wakeup is an irq_work self-IPI, a VM exit on a virtual machine.
 */
const volatile __u64 wakeup_bytes = 64 * 1024;
const volatile __u64 wakeup_ns = 10 * 1000 * 1000;
__u64 last_wakeup_ns = 0;	/* racy across CPUs on purpose: a lost update costs one wakeup */

/*
 * The call in flight, per thread: task storage is created on a thread's first openat and
 * reused, where a hash map cost an update and a delete (bucket lock, free list) per call.
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct inflight);
} inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, OPENAT_NR_DROPS);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

static __always_inline void count_drop(__u32 why)
{
	__u64 *n = bpf_map_lookup_elem(&drops, &why);

	if (n)
		*n += 1;
}

static __always_inline int remember(__u64 path, __u64 flags, __u32 mode, __u8 syscall)
{
	struct inflight *in;

	if (!bk_filter_pass())
		return 0;
	in = bpf_task_storage_get(&inflight, bpf_get_current_task_btf(), 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!in) {
		count_drop(OPENAT_DROP_INFLIGHT);
		return 0;
	}
	in->path = path;
	in->flags = flags;
	in->mode = mode;
	in->syscall = syscall;
	in->valid = 1;
	return 0;
}

SEC("tp/syscalls/sys_enter_openat")
int handle_enter_openat(struct syscall_enter_record *ctx)
{
	return remember(ctx->args[1], ctx->args[2], (__u32)ctx->args[3], OPENAT_SYS_OPENAT);
}

SEC("tp/syscalls/sys_enter_openat2")
int handle_enter_openat2(struct syscall_enter_record *ctx)
{
	struct open_how_user how = {};

	bpf_probe_read_user(&how, sizeof(how), (void *)ctx->args[2]);
	return remember(ctx->args[1], how.flags, (__u32)how.mode, OPENAT_SYS_OPENAT2);
}

/* a ring buffer record: 8-byte header + the event, rounded up to 8 bytes */
#define EVENT_REC_SIZE ((sizeof(struct openat_event) + 8 + 7) & ~7ULL)

static __always_inline int report(struct syscall_exit_record *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;
	struct inflight *in;
	struct openat_event *e;
	__u64 flags, now, avail, prev;

	in = bpf_task_storage_get(&inflight, bpf_get_current_task_btf(), 0, 0);
	if (!in || !in->valid)
		return 0;
	in->valid = 0;
	if (targ_failed && ctx->ret >= 0)
		goto done;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop(OPENAT_DROP_RINGBUF);
		goto done;
	}
	now = bpf_ktime_get_ns();
	e->ts_ns = now;
	e->pid = pid_tgid >> 32;
	e->tid = tid;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->ret = (__s32)ctx->ret;
	e->flags = in->flags;
	e->mode = in->mode;
	e->syscall = in->syscall;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	if (bpf_probe_read_user_str(e->path, sizeof(e->path), (void *)in->path) < 0)
		e->path[0] = '\0';
	/* queued bytes, this record included (reserved): did it cross a multiple of wakeup_bytes? */
	avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	prev = avail > EVENT_REC_SIZE ? avail - EVENT_REC_SIZE : 0;
	if (avail / wakeup_bytes != prev / wakeup_bytes || now - last_wakeup_ns >= wakeup_ns) {
		last_wakeup_ns = now;
		flags = BPF_RB_FORCE_WAKEUP;
	} else {
		flags = BPF_RB_NO_WAKEUP;
	}
	bpf_ringbuf_submit(e, flags);
done:
	return 0;
}

SEC("tp/syscalls/sys_exit_openat")
int handle_exit_openat(struct syscall_exit_record *ctx)
{
	return report(ctx);
}

SEC("tp/syscalls/sys_exit_openat2")
int handle_exit_openat2(struct syscall_exit_record *ctx)
{
	return report(ctx);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
