// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * exec tracer. A successful exec is sched:sched_process_exec, where the new image's
 * arguments are in its mm (arg_start..arg_end). A failed one never gets there: the
 * execve/execveat entry remembers the filename and argv pointers per thread, and the exit
 * reports a negative return with what those pointers still hold in the caller's memory.
 *
 * No CO-RE relocation: the four kernel struct offsets it needs come as read-only globals
 * from user space (trace_kernel_offsets), so libbpf does not parse the whole kernel BTF
 * before load, which was most of the time to the first event.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "bpfkit/exec.h"
#include "bpfkit/filter.bpf.h"

/* sched:sched_process_exec's record (its tracefs format): a stable layout. */
struct sched_exec_record {
	__u64 common;
	__u32 data_loc_filename;	/* offset in the low 16 bits, length in the high */
	__s32 pid;
	__s32 old_pid;
};

const volatile __u32 off_real_parent = 0;	/* task_struct.real_parent */
const volatile __u32 off_tgid = 0;		/* task_struct.tgid */
const volatile __u32 off_mm = 0;		/* task_struct.mm */
const volatile __u32 off_arg_start = 0;		/* mm_struct.arg_start, arg_end follows */
const volatile __u32 off_arg_end = 0;

/* *(typeof(*dst) *)(base + off), from kernel memory; 0 when it cannot be read. */
#define READ_AT(dst, base, off) \
	(bpf_probe_read_kernel(&(dst), sizeof(dst), (void *)((__u64)(base) + (off))) ? ((dst) = 0) : 0)

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
	__u64 task = bpf_get_current_task(), parent;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 ppid;
	struct exec_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		count_drop(EXEC_DROP_RINGBUF);
		return NULL;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = pid_tgid >> 32;
	READ_AT(parent, task, off_real_parent);
	READ_AT(ppid, parent, off_tgid);
	e->ppid = ppid;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->ret = 0;
	e->args_len = 0;
	e->args_cut = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	return e;
}

SEC("tp/sched/sched_process_exec")
int handle_exec(struct sched_exec_record *ctx)
{
	unsigned int off = ctx->data_loc_filename & 0xFFFF;
	__u64 mm, start, end, len;
	struct exec_event *e;

	if (!bk_filter_pass())	/* comm is the new image's here */
		return 0;
	e = new_event();
	if (!e)
		return 0;
	bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), (void *)ctx + off);
	READ_AT(mm, bpf_get_current_task(), off_mm);
	READ_AT(start, mm, off_arg_start);
	READ_AT(end, mm, off_arg_end);
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

/*
 * One program for both entries and one for both exits: each verified once at start, not
 * twice. The attach cookie is 1 on execveat, whose filename and argv come one argument later.
 */
SEC("tp/syscalls/sys_enter_execve")
int handle_enter(struct syscall_enter_record *ctx)
{
	__u64 a0 = ctx->args[0], a1 = ctx->args[1], a2 = ctx->args[2];

	return bpf_get_attach_cookie(ctx) ? remember(a1, a2) : remember(a0, a1);
}

struct argv_walk {
	struct exec_event *e;
	__u64 argv;	/* the caller's argv */
	__u32 off;	/* bytes of e->args used */
	__u32 nr;	/* arguments read */
};

/* bpf_loop() callback: argument i into e->args; non-zero ends the walk. A helper-driven
 * loop is verified once, not once per iteration as an open-coded one is (ms at start). */
static long read_arg(__u64 i, struct argv_walk *w)
{
	__u32 off = w->off;
	__u64 p = 0;
	long n;

	if (bpf_probe_read_user(&p, sizeof(p), (void *)(w->argv + i * sizeof(p))) || !p)
		return 1;
	if (off > EXEC_ARGS_LEN - EXEC_ARG_LEN) {
		w->e->args_cut = 1;
		return 1;
	}
	n = bpf_probe_read_user_str(&w->e->args[off], EXEC_ARG_LEN, (void *)p);
	if (n <= 0)
		return 1;
	w->off = off + n;
	w->nr++;
	return 0;
}

/* A failed exec: the caller's memory still holds the filename and argv. */
static __always_inline int report_failure(struct syscall_exit_record *ctx)
{
	struct inflight *in = bpf_task_storage_get(&inflight, bpf_get_current_task_btf(), 0, 0);
	struct argv_walk w = { 0 };

	if (!in || !in->valid)
		return 0;
	in->valid = 0;
	if (ctx->ret >= 0)	/* sched_process_exec reported it */
		return 0;
	w.e = new_event();
	if (!w.e)
		return 0;
	w.e->ret = (__s32)ctx->ret;
	if (bpf_probe_read_user_str(w.e->filename, sizeof(w.e->filename), (void *)in->filename) < 0)
		w.e->filename[0] = '\0';
	w.argv = in->argv;
	bpf_loop(EXEC_MAX_ARGS, read_arg, &w, 0);
	if (w.nr == EXEC_MAX_ARGS)	/* there may be more */
		w.e->args_cut = 1;
	w.e->args_len = w.off;
	bpf_ringbuf_submit(w.e, 0);
	return 0;
}

SEC("tp/syscalls/sys_exit_execve")
int handle_exit(struct syscall_exit_record *ctx)
{
	return report_failure(ctx);
}

char LICENSE[] SEC("license") = "GPL";
