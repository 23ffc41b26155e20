// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * exec tracer. A successful exec is sched:sched_process_exec, where the new image's
 * arguments are in its mm (arg_start..arg_end). A failed one never gets there: the
 * execve/execveat entry remembers the filename and argv pointers per thread, and the exit
 * reports a negative return with what those pointers still hold in the caller's memory.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "bpfkit/exec.h"
#include "bpfkit/filter.bpf.h"

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

struct inflight {
	__u64 filename;	/* user pointers */
	__u64 argv;
	__u8 valid;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct inflight);
} inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1024 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EXEC_NR_DROPS);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

static __always_inline void count_drop(__u32 why)
{
	__u64 *n = bpf_map_lookup_elem(&drops, &why);

	if (n)
		*n += 1;
}

static __always_inline struct exec_event *new_event(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct exec_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		count_drop(EXEC_DROP_RINGBUF);
		return NULL;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = pid_tgid >> 32;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->ret = 0;
	e->args_len = 0;
	e->args_cut = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	return e;
}

SEC("tp/sched/sched_process_exec")
int handle_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	unsigned int off = ctx->__data_loc_filename & 0xFFFF;
	struct exec_event *e;
	__u64 start, end, len;

	if (!bk_filter_pass())	/* comm is the new image's here */
		return 0;
	e = new_event();
	if (!e)
		return 0;
	bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), (void *)ctx + off);
	start = BPF_CORE_READ(task, mm, arg_start);
	end = BPF_CORE_READ(task, mm, arg_end);
	len = end > start ? end - start : 0;
	if (len > EXEC_ARGS_LEN) {
		len = EXEC_ARGS_LEN;
		e->args_cut = 1;
	}
	if (len && !bpf_probe_read_user(e->args, len, (void *)start))
		e->args_len = len;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

static __always_inline int remember(__u64 filename, __u64 argv)
{
	struct inflight *in;

	if (!bk_filter_pass())
		return 0;
	in = bpf_task_storage_get(&inflight, bpf_get_current_task_btf(), 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!in) {
		count_drop(EXEC_DROP_INFLIGHT);
		return 0;
	}
	in->filename = filename;
	in->argv = argv;
	in->valid = 1;
	return 0;
}

SEC("tp/syscalls/sys_enter_execve")
int handle_enter_execve(struct syscall_enter_record *ctx)
{
	return remember(ctx->args[0], ctx->args[1]);
}

SEC("tp/syscalls/sys_enter_execveat")
int handle_enter_execveat(struct syscall_enter_record *ctx)
{
	return remember(ctx->args[1], ctx->args[2]);
}

/* A failed exec: the caller's memory still holds the filename and argv. */
static __always_inline int report_failure(struct syscall_exit_record *ctx)
{
	struct inflight *in = bpf_task_storage_get(&inflight, bpf_get_current_task_btf(), 0, 0);
	struct exec_event *e;
	__u32 off = 0;
	int i;

	if (!in || !in->valid)
		return 0;
	in->valid = 0;
	if (ctx->ret >= 0)	/* sched_process_exec reported it */
		return 0;
	e = new_event();
	if (!e)
		return 0;
	e->ret = (__s32)ctx->ret;
	if (bpf_probe_read_user_str(e->filename, sizeof(e->filename), (void *)in->filename) < 0)
		e->filename[0] = '\0';
	for (i = 0; i < EXEC_MAX_ARGS; i++) {
		__u64 p = 0;
		long n;

		if (bpf_probe_read_user(&p, sizeof(p), (void *)(in->argv + i * sizeof(p))) || !p)
			break;
		if (off > EXEC_ARGS_LEN - EXEC_ARG_LEN) {
			e->args_cut = 1;
			break;
		}
		n = bpf_probe_read_user_str(&e->args[off], EXEC_ARG_LEN, (void *)p);
		if (n <= 0)
			break;
		off += n;
	}
	if (i == EXEC_MAX_ARGS)
		e->args_cut = 1;
	e->args_len = off;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp/syscalls/sys_exit_execve")
int handle_exit_execve(struct syscall_exit_record *ctx)
{
	return report_failure(ctx);
}

SEC("tp/syscalls/sys_exit_execveat")
int handle_exit_execveat(struct syscall_exit_record *ctx)
{
	return report_failure(ctx);
}

char LICENSE[] SEC("license") = "GPL";
