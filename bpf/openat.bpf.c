// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * openat/openat2 tracer. At sys_exit_* one program reads the call's arguments from the
 * registers saved at its entry, adds the result and sends one event through a ring buffer.
 * Filters run here, before any copy.
 *
 * The syscall tracepoint records are a stable ABI, so they are read through local structs
 * without CO-RE relocations: libbpf then has no reason to parse kernel BTF at load.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "bpfkit/openat.h"
#include "bpfkit/filter.bpf.h"

/* Layout of the syscalls:sys_enter_* / sys_exit_* records (see the tracepoints' format). */
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

/*
 * The syscall's arguments 1..3 (path, flags, mode or how), read at its exit from the
 * registers saved at entry (bpf_task_pt_regs): one program per call, not an entry program
 * that remembers them for the exit. Where the uapi pt_regs layout is declared here, no CO-RE
 * relocation makes libbpf parse the whole kernel BTF at start (tens of ms); elsewhere it does.
 */
#if defined(__TARGET_ARCH_x86)
struct saved_regs {
	__u64 r15, r14, r13, r12, bp, bx, r11, r10, r9, r8, ax, cx, dx, si, di;
};
#define SAVED_ARGS(r, a) ((a)[0] = (r).si, (a)[1] = (r).dx, (a)[2] = (r).r10)
#elif defined(__TARGET_ARCH_arm64)
struct saved_regs {
	__u64 regs[4];		/* x0 holds the return value by now */
};
#define SAVED_ARGS(r, a) ((a)[0] = (r).regs[1], (a)[1] = (r).regs[2], (a)[2] = (r).regs[3])
#else
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#endif

static __always_inline int syscall_args(__u64 a[3])
{
	void *regs = (void *)bpf_task_pt_regs(bpf_get_current_task_btf());
#ifdef SAVED_ARGS
	struct saved_regs r;

	if (bpf_probe_read_kernel(&r, sizeof(r), regs))
		return -1;
	SAVED_ARGS(r, a);
#else
	a[0] = PT_REGS_PARM2_CORE_SYSCALL((struct pt_regs *)regs);
	a[1] = PT_REGS_PARM3_CORE_SYSCALL((struct pt_regs *)regs);
	a[2] = PT_REGS_PARM4_CORE_SYSCALL((struct pt_regs *)regs);
#endif
	return 0;
}

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

/*
 * The event is built in a per-CPU scratch and sent with its path's length only (~100 bytes
 * for a usual path, not 312): each byte sent is a cache line the reader's CPU pulls over,
 * most of the cost per event in the kernel.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct openat_event);
} scratch SEC(".maps");

#define PATH_OFF offsetof(struct openat_event, path)

static __always_inline int report(struct syscall_exit_record *ctx, __u8 syscall)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct open_how_user how = {};
	__u64 args[3], size;
	struct openat_event *e;
	__u32 zero = 0;
	long n;

	if (!bk_filter_pass() || (targ_failed && ctx->ret >= 0))
		return 0;
	e = bpf_map_lookup_elem(&scratch, &zero);
	if (!e || syscall_args(args)) {
		count_drop(OPENAT_DROP_ARGS);
		return 0;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->ret = (__s32)ctx->ret;
	e->syscall = syscall;
	if (syscall == OPENAT_SYS_OPENAT2) {
		bpf_probe_read_user(&how, sizeof(how), (void *)args[1]);
		e->flags = how.flags;
		e->mode = (__u32)how.mode;
	} else {
		e->flags = args[1];
		e->mode = (__u32)args[2];
	}
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	n = bpf_probe_read_user_str(e->path, sizeof(e->path), (void *)args[0]);
	if (n <= 0) {
		e->path[0] = '\0';
		n = 1;
	}
	/* n <= OPENAT_PATH_LEN; the mask and the clamp are for the verifier */
	size = PATH_OFF + ((__u64)n & (2 * OPENAT_PATH_LEN - 1));
	if (size > sizeof(*e))
		size = sizeof(*e);
	/*
	 * Default wakeups: the reader is woken only for a record sent while it had caught up,
	 * and it reads in paced batches (kern/ring.c): once per batch, not per event (each
	 * wakeup is an irq_work self-IPI, a VM exit on a virtual machine).
	 */
	if (bpf_ringbuf_output(&events, e, size, 0))
		count_drop(OPENAT_DROP_RINGBUF);
	return 0;
}

SEC("tp/syscalls/sys_exit_openat")
int handle_exit_openat(struct syscall_exit_record *ctx)
{
	return report(ctx, OPENAT_SYS_OPENAT);
}

SEC("tp/syscalls/sys_exit_openat2")
int handle_exit_openat2(struct syscall_exit_record *ctx)
{
	return report(ctx, OPENAT_SYS_OPENAT2);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
