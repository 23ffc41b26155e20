/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* User half of the openat tracer: its filters, its record as a line; the runtime does the
 * rest (kern/tracer.c). */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfkit/openat.h"
#include "kload.h"
#include "linebuf.h"
#include "openat.skel.h"
#include "tracer.h"

static const struct { int flag; const char *name; } open_flags[] = {
	{ O_CREAT, "CREAT" }, { O_EXCL, "EXCL" }, { O_NOCTTY, "NOCTTY" },
	{ O_TRUNC, "TRUNC" }, { O_APPEND, "APPEND" }, { O_NONBLOCK, "NONBLOCK" },
	{ O_SYNC, "SYNC" }, { O_DSYNC, "DSYNC" }, { O_DIRECT, "DIRECT" },
	{ O_DIRECTORY, "DIRECTORY" }, { O_NOFOLLOW, "NOFOLLOW" }, { O_NOATIME, "NOATIME" },
	{ O_CLOEXEC, "CLOEXEC" }, { O_PATH, "PATH" }, { O_TMPFILE & ~O_DIRECTORY, "TMPFILE" },
};

/*
 * "RDONLY|CLOEXEC": the access mode, then the flags set. O_LARGEFILE is left out: the kernel
 * forces it on every 64-bit open, so it tells nothing (it stays in the "flags" number).
 */
static void flags_text(uint64_t flags, char *buf, size_t len)
{
	static const char *const acc[] = { "RDONLY", "WRONLY", "RDWR", "ACC3" };
	size_t n = (size_t)snprintf(buf, len, "%s", acc[flags & O_ACCMODE]);

	flags &= ~(uint64_t)O_ACCMODE;
	for (size_t i = 0; i < sizeof(open_flags) / sizeof(open_flags[0]) && n < len; i++) {
		if ((flags & open_flags[i].flag) != (uint64_t)open_flags[i].flag)
			continue;
		flags &= ~(uint64_t)open_flags[i].flag;
		n += (size_t)snprintf(buf + n, len - n, "|%s", open_flags[i].name);
	}
	if (flags && n < len)
		snprintf(buf + n, len - n, "|0x%llx", (unsigned long long)flags);
}

/* flags_text() of the last value seen: a trace has few distinct flag sets. */
static const char *flags_cached(uint64_t flags)
{
	static uint64_t last = ~0ULL;
	static char text[128];

	if (flags != last) {
		flags_text(flags, text, sizeof(text));
		last = flags;
	}
	return text;
}

/* A record as the ring holds it: its path is cut after the NUL (path_max bytes at most). */
struct record {
	const struct openat_event *e;
	size_t path_max;
};

/* One JSON Lines record; the keys are documented in the trace openat help. */
static void event_json_line(struct linebuf *l, const struct record *r)
{
	const struct openat_event *e = r->e;

	lb_lit(l, "{\"ts_ns\":");
	lb_u64(l, e->ts_ns, 0);
	lb_lit(l, ",\"pid\":");
	lb_u64(l, e->pid, 0);
	lb_lit(l, ",\"tid\":");
	lb_u64(l, e->tid, 0);
	lb_lit(l, ",\"uid\":");
	lb_u64(l, e->uid, 0);
	lb_lit(l, ",\"comm\":");
	lb_json_strn(l, e->comm, sizeof(e->comm) - 1);
	if (e->syscall == OPENAT_SYS_OPENAT2)
		lb_lit(l, ",\"syscall\":\"openat2\",\"fd\":");
	else
		lb_lit(l, ",\"syscall\":\"openat\",\"fd\":");
	lb_s64_right(l, e->ret >= 0 ? e->ret : -1, 0);
	lb_lit(l, ",\"errno\":");
	lb_s64_right(l, e->ret < 0 ? -(int64_t)e->ret : 0, 0);
	lb_lit(l, ",\"flags\":");
	lb_u64(l, e->flags, 0);
	lb_lit(l, ",\"flags_str\":");
	lb_json_str(l, flags_cached(e->flags));
	lb_lit(l, ",\"mode\":");
	lb_u64(l, e->mode, 0);
	lb_lit(l, ",\"path\":");
	lb_json_strn(l, e->path, r->path_max);
	lb_lit(l, "}");
}

/* [TIME(s)] PID COMM FD ERR FLAGS PATH, the widths of header(). */
static void event_text_line(struct linebuf *l, const struct record *r,
			    const struct trace_common *c)
{
	const struct openat_event *e = r->e;

	if (c->timestamps)
		trace_time_cell(l, trace_elapsed(c, e->ts_ns));
	lb_u64(l, e->pid, 7);
	lb_lit(l, " ");
	lb_strn(l, e->comm, sizeof(e->comm) - 1, 16);
	lb_lit(l, " ");
	lb_s64_right(l, e->ret >= 0 ? e->ret : -1, 4);
	lb_lit(l, " ");
	lb_s64_right(l, e->ret < 0 ? -e->ret : 0, 3);
	lb_lit(l, " ");
	lb_str(l, flags_cached(e->flags), 22);
	lb_lit(l, " ");
	lb_strn(l, e->path, r->path_max, 0);
}

static void header(const struct trace_common *c, const void *priv, struct linebuf *l)
{
	if (c->timestamps)
		lb_str(l, "TIME(s)", 11);
	lb_str(l, "PID", 8);
	lb_str(l, "COMM", 17);
	lb_lit(l, "  FD ERR ");
	lb_str(l, "FLAGS", 23);
	lb_lit(l, "PATH");
}

/*
 * Read in place (ring records are 8-byte aligned): only the bytes the record has are sent,
 * its path with its NUL; the strings are bounded by the record (and comm by its size), as if
 * the last byte of each were a NUL.
 */
static int decode(const void *raw, size_t size, const struct trace_common *c, const void *priv,
		  bool json, struct linebuf *l)
{
	struct record r = { raw };

	if (size < offsetof(struct openat_event, path) + 1)
		return -1;
	if (size > sizeof(*r.e))
		size = sizeof(*r.e);
	r.path_max = size - offsetof(struct openat_event, path) - 1;
	if (json)
		event_json_line(l, &r);
	else
		event_text_line(l, &r, c);
	return 0;
}

/* The common filters are the runtime's (include/bpfkit/filter.bpf.h); openat2 is ours. */
static int configure(struct bpf_object *obj, const struct trace_common *c, void *priv,
		     struct errmsg *err)
{
	/* openat2 appeared in 5.6: trace it where the kernel has the tracepoint */
	if (access("/sys/kernel/tracing/events/syscalls/sys_exit_openat2", F_OK) &&
	    access("/sys/kernel/debug/tracing/events/syscalls/sys_exit_openat2", F_OK))
		bpf_program__set_autoload(bpf_object__find_program_by_name(obj, "handle_exit_openat2"), false);
	return 0;
}

static const void *elf_bytes(size_t *size)
{
	return openat_bpf__elf_bytes(size);
}

const struct tracer tracer_openat = {
	.name = "openat",
	.summary = "openat/openat2 calls: process, flags, path, fd or errno",
	.details = "Every openat(2) and openat2(2) call: PID, COMM, FD (-1 on failure), ERR (errno),\n"
		   "FLAGS (O_* without the prefix) and PATH, like libbpf-tools' opensnoop.\n"
		   "JSON fields: ts_ns pid tid uid comm syscall fd errno flags flags_str mode path.\n",
	.needs = "tracepoints syscalls:sys_exit_openat (and openat2 where it exists), bpf_task_pt_regs (5.15)",
	.filters = TRACE_PID | TRACE_TID | TRACE_UID | TRACE_COMM | TRACE_CGROUP | TRACE_FAILED,
	.elf_bytes = elf_bytes,
	.configure = configure,
	.ring_map = "events",
	.drops_map = "drops",
	.nr_drops = OPENAT_NR_DROPS,
	.header = header,
	.decode = decode,
};
