/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* User half of the openat tracer: load, filter, attach, stream events, count losses. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfkit/openat.h"
#include "kern.h"
#include "linebuf.h"
#include "openat.skel.h"
#include "trace.h"

struct openat_state {
	struct cli_ctx *ctx;
	const struct trace_opts *opts;
	uint64_t events;
	unsigned int batch;	/* events since the last flush */
	int write_err;
};

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

/* One JSON Lines record; the keys are documented in the trace openat help. */
static void event_json_line(struct linebuf *l, const struct openat_event *e)
{
	lb_lit(l, "{\"ts_ns\":");
	lb_u64(l, e->ts_ns, 0);
	lb_lit(l, ",\"pid\":");
	lb_u64(l, e->pid, 0);
	lb_lit(l, ",\"tid\":");
	lb_u64(l, e->tid, 0);
	lb_lit(l, ",\"uid\":");
	lb_u64(l, e->uid, 0);
	lb_lit(l, ",\"comm\":");
	lb_json_str(l, e->comm);
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
	lb_json_str(l, e->path);
	lb_lit(l, "}");
}

/* [TIME(s)] PID COMM FD ERR FLAGS PATH, the widths of print_header(). */
static void event_text_line(struct linebuf *l, const struct openat_event *e, bool timestamps)
{
	if (timestamps) {
		char t[32];
		int n = snprintf(t, sizeof(t), "%-10.6f ", trace_elapsed(e->ts_ns));

		lb_mem(l, t, n > 0 ? (size_t)n : 0);
	}
	lb_u64(l, e->pid, 7);
	lb_lit(l, " ");
	lb_str(l, e->comm, 16);
	lb_lit(l, " ");
	lb_s64_right(l, e->ret >= 0 ? e->ret : -1, 4);
	lb_lit(l, " ");
	lb_s64_right(l, e->ret < 0 ? -e->ret : 0, 3);
	lb_lit(l, " ");
	lb_str(l, flags_cached(e->flags), 22);
	lb_lit(l, " ");
	lb_str(l, e->path, 0);
}

static void print_header(const struct openat_state *st)
{
	if (out_json(st->ctx->out))
		return;
	if (st->opts->timestamps)
		out_printf(st->ctx->out, "%-10s ", "TIME(s)");
	out_printf(st->ctx->out, "%-7s %-16s %4s %3s %-22s %s\n", "PID", "COMM", "FD", "ERR",
		   "FLAGS", "PATH");
}

static int handle_event(void *data, void *raw, size_t size)
{
	struct openat_state *st = data;
	struct openat_event e;
	struct linebuf l;

	if (kern_stop)
		return KERN_RING_BREAK;
	if (size < sizeof(e))
		return 0;
	memcpy(&e, raw, sizeof(e));
	e.comm[sizeof(e.comm) - 1] = '\0';
	e.path[sizeof(e.path) - 1] = '\0';
	st->events++;
	l.n = 0;
	if (out_json(st->ctx->out))
		event_json_line(&l, &e);
	else
		event_text_line(&l, &e, st->opts->timestamps);
	out_stream_line(st->ctx->out, lb_end(&l));
	if (st->opts->count && st->events >= st->opts->count)
		kern_stop = 1;
	if (kern_stop || ++st->batch >= KERN_RING_BATCH)
		return KERN_RING_BREAK;
	return 0;
}

static int after_batch(void *data)
{
	struct openat_state *st = data;

	st->batch = 0;
	st->write_err = out_flush(st->ctx->out);
	return st->write_err;
}

static void set_filters(struct openat_bpf *skel, const struct trace_opts *opts)
{
	skel->rodata->targ_pid = opts->pid;
	skel->rodata->targ_uid = opts->uid;
	skel->rodata->targ_uid_set = opts->uid_set;
	skel->rodata->targ_failed = opts->failed;
	memcpy((char *)skel->rodata->targ_comm, opts->comm, sizeof(opts->comm));
}

/* openat2 appeared in 5.6: trace it where the kernel has the tracepoint. */
static void skip_missing_openat2(struct openat_bpf *skel)
{
	if (access("/sys/kernel/tracing/events/syscalls/sys_enter_openat2", F_OK) &&
	    access("/sys/kernel/debug/tracing/events/syscalls/sys_enter_openat2", F_OK)) {
		bpf_program__set_autoload(skel->progs.handle_enter_openat2, false);
		bpf_program__set_autoload(skel->progs.handle_exit_openat2, false);
	}
}

int trace_openat_run(struct cli_ctx *ctx, const struct trace_opts *opts)
{
	struct openat_state st = { .ctx = ctx, .opts = opts };
	struct ring_limits lim = { .duration_s = opts->duration_s, .poll_ms = 100,
				   .after_batch = after_batch, .ctx = &st };
	struct openat_bpf *skel = NULL;
	struct ring_buffer *rb = NULL;
	struct errmsg err = { 0 };
	uint64_t lost = 0, n;
	int ret = EXIT_ERR, e;

	skel = openat_bpf__open();
	if (!skel) {
		cli_error(ctx, "opening the bundled openat object: %s", strerror(errno));
		goto cleanup;
	}
	set_filters(skel, opts);
	skip_missing_openat2(skel);
	e = openat_bpf__load(skel);
	if (e) {
		kern_explain(&err, e, "loading the openat tracer");
		cli_errmsg(ctx, &err);
		goto cleanup;
	}
	e = openat_bpf__attach(skel);
	if (e) {
		kern_explain(&err, e, "attaching to syscalls:sys_enter_openat");
		cli_errmsg(ctx, &err);
		goto cleanup;
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), handle_event, &st, NULL);
	if (!rb) {
		cli_error(ctx, "creating the ring buffer consumer: %s", strerror(errno));
		goto cleanup;
	}
	trace_start_clock();
	print_header(&st);
	if (kern_ring_loop(rb, &lim, &err)) {
		cli_errmsg(ctx, &err);
		goto cleanup;
	}
	for (uint32_t i = 0; i < OPENAT_NR_DROPS; i++)
		if (!kern_percpu_sum(bpf_map__fd(skel->maps.drops), i, &n))
			lost += n;
	ret = st.write_err && st.write_err != -EPIPE ? EXIT_ERR : EXIT_OK;
	trace_summary(ctx, st.events, lost);
cleanup:
	ring_buffer__free(rb);
	openat_bpf__destroy(skel);
	return ret;
}
