/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* User half of the exec tracer: -x, the record as a line (kern/tracer.c does the rest). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "bpfkit/exec.h"
#include "exec.skel.h"
#include "kern.h"
#include "kload.h"
#include "linebuf.h"
#include "tracer.h"

/* The arguments as one string: NULs become spaces, "..." when the kernel cut them. */
static void args_text(const struct exec_event *e, char *out, size_t size)
{
	size_t n = e->args_len < EXEC_ARGS_LEN ? e->args_len : EXEC_ARGS_LEN, o = 0;

	while (n && !e->args[n - 1])	/* the last argument's NUL */
		n--;
	for (size_t i = 0; i < n && o + 1 < size; i++)
		out[o++] = e->args[i] ? e->args[i] : ' ';
	if (e->args_cut && o + 3 < size) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

static void header(const struct trace_common *c, const void *priv, struct linebuf *l)
{
	if (c->timestamps)
		lb_str(l, "TIME(s)", 11);
	lb_str(l, "PCOMM", 17);
	lb_str(l, "PID", 8);
	lb_str(l, "PPID", 8);
	lb_str(l, "UID", 7);
	lb_lit(l, "RET ARGS");
}

static int decode(const void *raw, size_t size, const struct trace_common *c, const void *priv,
		  bool json, struct linebuf *l)
{
	struct exec_event e;
	char args[EXEC_ARGS_LEN + 4];

	if (size < sizeof(e))
		return -1;
	memcpy(&e, raw, sizeof(e));
	e.comm[sizeof(e.comm) - 1] = '\0';
	e.filename[sizeof(e.filename) - 1] = '\0';
	args_text(&e, args, sizeof(args));
	if (json) {
		lb_lit(l, "{\"ts_ns\":");
		lb_u64(l, e.ts_ns, 0);
		lb_lit(l, ",\"pid\":");
		lb_u64(l, e.pid, 0);
		lb_lit(l, ",\"ppid\":");
		lb_u64(l, e.ppid, 0);
		lb_lit(l, ",\"uid\":");
		lb_u64(l, e.uid, 0);
		lb_lit(l, ",\"comm\":");
		lb_json_str(l, e.comm);
		lb_lit(l, ",\"filename\":");
		lb_json_str(l, e.filename);
		lb_lit(l, ",\"args\":");
		lb_json_str(l, args);
		lb_lit(l, ",\"args_truncated\":");
		if (e.args_cut)
			lb_lit(l, "true");
		else
			lb_lit(l, "false");
		lb_lit(l, ",\"ret\":");
		lb_s64_right(l, e.ret, 0);
		lb_lit(l, "}");
		return 0;
	}
	if (c->timestamps)
		trace_time_cell(l, trace_elapsed(c, e.ts_ns));
	lb_str(l, e.comm, 16);
	lb_lit(l, " ");
	lb_u64(l, e.pid, 7);
	lb_lit(l, " ");
	lb_u64(l, e.ppid, 7);
	lb_lit(l, " ");
	lb_u64(l, e.uid, 6);
	lb_lit(l, " ");
	lb_s64_right(l, e.ret, 3);
	lb_lit(l, " ");
	/* execsnoop's ARGS column: the arguments, or the file when argv[0] is absent */
	lb_str(l, args[0] ? args : e.filename, 0);
	return 0;
}

/*
 * The kernel offsets the programs read through (no CO-RE: see exec.bpf.c); -x: only
 * failures, so the sched_process_exec program is not even loaded.
 */
static int configure(struct bpf_object *obj, const struct trace_common *c, void *priv,
		     struct errmsg *err)
{
	struct trace_field f[] = {
		{ "task_struct", "real_parent" }, { "task_struct", "tgid" },
		{ "task_struct", "mm" }, { "mm_struct", "arg_start" }, { "mm_struct", "arg_end" },
	};
	static const char *const globals[] = { "off_real_parent", "off_tgid", "off_mm",
					       "off_arg_start", "off_arg_end" };
	char num[16];
	int ret = trace_kernel_offsets(f, sizeof(f) / sizeof(f[0]), err);

	for (size_t i = 0; !ret && i < sizeof(f) / sizeof(f[0]); i++) {
		snprintf(num, sizeof(num), "%u", f[i].offset);
		ret = kern_set_global(obj, globals[i], num, err);
	}
	if (!ret && c->failed)
		bpf_program__set_autoload(bpf_object__find_program_by_name(obj, "handle_exec"), false);
	return ret;
}

/* The syscall programs serve execve and execveat both (the cookie tells them apart). */
static int attach(struct bpf_object *obj, void *priv, struct bpf_link ***links, size_t *n,
		  struct errmsg *err)
{
	static const struct {
		const char *prog, *category, *event;
		uint64_t cookie;
	} hooks[] = {
		{ "handle_exec", "sched", "sched_process_exec", 0 },
		{ "handle_enter", "syscalls", "sys_enter_execve", 0 },
		{ "handle_enter", "syscalls", "sys_enter_execveat", 1 },
		{ "handle_exit", "syscalls", "sys_exit_execve", 0 },
		{ "handle_exit", "syscalls", "sys_exit_execveat", 0 },
	};
	(void)priv;
	*n = 0;
	*links = calloc(sizeof(hooks) / sizeof(hooks[0]), sizeof(**links));
	if (!*links)
		return errmsg_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++) {
		LIBBPF_OPTS(bpf_tracepoint_opts, opts, .bpf_cookie = hooks[i].cookie);
		struct bpf_program *p = bpf_object__find_program_by_name(obj, hooks[i].prog);
		struct bpf_link *l;
		char what[128];

		if (!bpf_program__autoload(p))	/* -x: no handle_exec */
			continue;
		l = bpf_program__attach_tracepoint_opts(p, hooks[i].category, hooks[i].event,
							&opts);
		if (!l) {
			snprintf(what, sizeof(what), "attaching %s to %s:%s", hooks[i].prog,
				 hooks[i].category, hooks[i].event);
			return kern_explain(err, -errno, what);
		}
		(*links)[(*n)++] = l;
	}
	return 0;
}

static const void *elf_bytes(size_t *size)
{
	return exec_bpf__elf_bytes(size);
}

const struct tracer tracer_exec = {
	.name = "exec",
	.summary = "every exec: process, parent, user, file, arguments, return value",
	.details = "Every exec, like libbpf-tools' execsnoop: PCOMM (the new image's name), PID, PPID,\n"
		   "UID, RET (0, or -errno of a failed execve/execveat) and ARGS (the arguments,\n"
		   "cut after 512 bytes with '...'). Successes come from sched:sched_process_exec,\n"
		   "failures from the execve/execveat syscall exits; -x shows only failures.\n"
		   "JSON fields: ts_ns pid ppid uid comm filename args args_truncated ret.\n",
	.needs = "tracepoints sched:sched_process_exec, syscalls:sys_{enter,exit}_execve{,at}",
	.filters = TRACE_PID | TRACE_TID | TRACE_UID | TRACE_COMM | TRACE_CGROUP | TRACE_FAILED,
	.elf_bytes = elf_bytes,
	.configure = configure,
	.attach = attach,
	.ring_map = "events",
	.drops_map = "drops",
	.nr_drops = EXEC_NR_DROPS,
	.header = header,
	.decode = decode,
};
