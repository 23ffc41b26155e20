/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* User half of the openat tracer: load, filter, attach, stream events, count losses. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cjson/cJSON.h>

#include "bpfkit/openat.h"
#include "kern.h"
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

static cJSON *event_json(const struct openat_event *e)
{
	cJSON *r = cJSON_CreateObject();
	char flags[128], buf[24];

	if (!r)
		return NULL;
	flags_text(e->flags, flags, sizeof(flags));
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)e->ts_ns);
	cJSON_AddRawToObject(r, "ts_ns", buf);
	cJSON_AddNumberToObject(r, "pid", e->pid);
	cJSON_AddNumberToObject(r, "tid", e->tid);
	cJSON_AddNumberToObject(r, "uid", e->uid);
	cJSON_AddStringToObject(r, "comm", e->comm);
	cJSON_AddStringToObject(r, "syscall", e->syscall == OPENAT_SYS_OPENAT2 ? "openat2" : "openat");
	cJSON_AddNumberToObject(r, "fd", e->ret >= 0 ? e->ret : -1);
	cJSON_AddNumberToObject(r, "errno", e->ret < 0 ? -e->ret : 0);
	cJSON_AddNumberToObject(r, "flags", (double)e->flags);
	cJSON_AddStringToObject(r, "flags_str", flags);
	cJSON_AddNumberToObject(r, "mode", e->mode);
	cJSON_AddStringToObject(r, "path", e->path);
	return r;
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
	char flags[128];

	if (kern_stop)
		return KERN_RING_BREAK;
	if (size < sizeof(e))
		return 0;
	memcpy(&e, raw, sizeof(e));
	e.comm[sizeof(e.comm) - 1] = '\0';
	e.path[sizeof(e.path) - 1] = '\0';
	st->events++;
	if (out_json(st->ctx->out)) {
		out_stream_record(st->ctx->out, event_json(&e));
	} else {
		flags_text(e.flags, flags, sizeof(flags));
		if (st->opts->timestamps)
			out_printf(st->ctx->out, "%-10.6f ", trace_elapsed(e.ts_ns));
		out_printf(st->ctx->out, "%-7u %-16s %4d %3d %-22s %s\n", e.pid, e.comm,
			   e.ret >= 0 ? e.ret : -1, e.ret < 0 ? -e.ret : 0, flags, e.path);
	}
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
