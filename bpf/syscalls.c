/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* User half of the syscall dispatcher: names to numbers, the program array filled after
 * load, the per-syscall counts printed every interval (kern/tracer.c runs it). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfkit/syscalls.h"
#include "kload.h"
#include "kmetrics.h"
#include "linebuf.h"
#include "syscalls.skel.h"
#include "tracer.h"

#ifdef __x86_64__
#include "syscall_names.h"
#define NR_NAMES (sizeof(syscall_names_x86_64) / sizeof(syscall_names_x86_64[0]))
static const char *name_of(size_t nr)
{
	return nr < NR_NAMES ? syscall_names_x86_64[nr] : NULL;
}
#else
#define NR_NAMES 0	/* no table for this architecture: numbers only */
static const char *name_of(size_t nr)
{
	return NULL;
}
#endif

enum via { VIA_DISPATCHER, VIA_EXECVE, VIA_TIMER, VIA_IGNORE };
static const char *const via_name[] = { "dispatcher", "execve", "timer", "ignore" };
static const char *const execve_calls[] = { "execve", "execveat", NULL };
static const char *const timer_calls[] = {
	"timer_create", "timer_settime", "timer_gettime", "timer_getoverrun", "timer_delete",
	"timerfd_create", "timerfd_settime", "timerfd_gettime",
	"alarm", "getitimer", "setitimer", NULL
};

struct syscalls_priv {
	unsigned char via[SYSCALLS_MAX];	/* enum via */
	uint64_t last[SYSCALLS_MAX];		/* counts at the previous tick */
};

enum { OPT_IGNORE = 0x300 };

static const struct option longopts[] = {
	{ "ignore", required_argument, NULL, OPT_IGNORE },
	{ NULL, 0, NULL, 0 },
};

/* A syscall number from its name (or its number); -1 when unknown. */
static int syscall_nr(const char *name)
{
	char *end;
	unsigned long v = strtoul(name, &end, 10);

	if (*name && !*end)
		return v < SYSCALLS_MAX ? (int)v : -1;
	for (size_t i = 0; i < NR_NAMES; i++) {
		const char *n = name_of(i);

		if (n && !strcmp(n, name))
			return (int)i;
	}
	return -1;
}

/* --ignore's values: every syscall name of the table. */
static void complete(const char *opt)
{
	if (strcmp(opt, "--ignore"))
		return;
	for (size_t i = 0; i < NR_NAMES; i++)
		if (name_of(i))
			puts(name_of(i));
	puts(":nofiles");
}

static const char *syscall_name(uint32_t nr, char *buf, size_t len)
{
	const char *n = name_of(nr);

	if (n)
		return n;
	snprintf(buf, len, "syscall_%u", nr);
	return buf;
}

/* --ignore NAME, repeated or comma-separated. */
static int parse(void *priv, int opt, const char *arg, struct errmsg *err)
{
	struct syscalls_priv *p = priv;
	char *copy = strdup(arg), *save = NULL;
	int ret = 0;

	if (!copy)
		return errmsg_set(err, -ENOMEM, "out of memory");
	if (!arg[strspn(arg, ",")])
		ret = errmsg_set(err, -EINVAL, "--ignore: no syscall named (e.g. --ignore read,write)");
	for (char *tok = ret ? NULL : strtok_r(copy, ",", &save); tok && !ret; tok = strtok_r(NULL, ",", &save)) {
		int nr = syscall_nr(tok);

		if (nr < 0)
			ret = errmsg_set(err, -EINVAL, "--ignore: no syscall '%s' (a name as in 'man 2 syscalls', e.g. read, or a number below %d)",
					 tok, SYSCALLS_MAX);
		else
			p->via[nr] = VIA_IGNORE;
	}
	free(copy);
	return ret;
}

static void route(struct syscalls_priv *p, const char *const *names, enum via via)
{
	for (; *names; names++) {
		int nr = syscall_nr(*names);

		if (nr >= 0 && p->via[nr] != VIA_IGNORE)
			p->via[nr] = (unsigned char)via;
	}
}

/* The program array: execve and the timer family to their programs, --ignore to sys_ignore. */
static int post_load(struct bpf_object *obj, void *priv, struct errmsg *err)
{
	struct syscalls_priv *p = priv;
	static const char *const prog_of[] = { NULL, "sys_execve", "sys_timer", "sys_ignore" };
	int map = bpf_map__fd(bpf_object__find_map_by_name(obj, "dispatch"));

	route(p, execve_calls, VIA_EXECVE);
	route(p, timer_calls, VIA_TIMER);
	for (uint32_t nr = 0; nr < SYSCALLS_MAX; nr++) {
		struct bpf_program *prog;
		int fd;

		if (p->via[nr] == VIA_DISPATCHER)
			continue;
		prog = bpf_object__find_program_by_name(obj, prog_of[p->via[nr]]);
		fd = prog ? bpf_program__fd(prog) : -ENOENT;
		if (fd < 0 || bpf_map_update_elem(map, &nr, &fd, BPF_ANY))
			return errmsg_set(err, fd < 0 ? fd : -errno,
					  "filling the syscall program array at %u: %s", nr,
					  strerror(fd < 0 ? -fd : errno));
	}
	return 0;
}

/* Only the dispatcher attaches: the others are reached through the program array. */
static int attach(struct bpf_object *obj, void *priv, struct bpf_link ***links, size_t *n,
		  struct errmsg *err)
{
	struct bpf_link *l = bpf_program__attach(bpf_object__find_program_by_name(obj, "dispatcher"));

	*n = 0;
	*links = calloc(1, sizeof(**links));
	if (!*links || !l) {
		int e = *links ? -errno : -ENOMEM;

		bpf_link__destroy(l);
		return errmsg_set(err, e, "attaching raw_tp/sys_enter: %s", strerror(-e));
	}
	(*links)[(*n)++] = l;
	return 0;
}

struct row {
	uint32_t nr;
	uint64_t count, delta;
};

static int by_delta(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->delta != y->delta)
		return x->delta < y->delta ? 1 : -1;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return x->nr < y->nr ? -1 : x->nr > y->nr;
}

static void emit_row(const struct trace_sink *sink, const char *clock, bool final,
		     const struct row *r, const struct syscalls_priv *p)
{
	struct linebuf l;
	char buf[32];
	const char *name = syscall_name(r->nr, buf, sizeof(buf));

	l.n = 0;
	if (sink->json) {
		lb_lit(&l, "{\"time\":");
		lb_json_str(&l, clock);
		if (final)
			lb_lit(&l, ",\"final\":true,\"name\":");
		else
			lb_lit(&l, ",\"final\":false,\"name\":");
		lb_json_str(&l, name);
		lb_lit(&l, ",\"nr\":");
		lb_u64(&l, r->nr, 0);
		lb_lit(&l, ",\"via\":");
		lb_json_str(&l, via_name[p->via[r->nr]]);
		lb_lit(&l, ",\"count\":");
		lb_u64(&l, r->count, 0);
		lb_lit(&l, ",\"delta\":");
		lb_u64(&l, r->delta, 0);
		lb_lit(&l, "}");
	} else {
		lb_str(&l, clock, 9);
		lb_str(&l, name, 23);
		lb_s64_right(&l, r->nr, 4);
		lb_lit(&l, " ");
		lb_str(&l, via_name[p->via[r->nr]], 10);
		lb_s64_right(&l, (int64_t)r->count, 12);
		lb_lit(&l, " ");
		lb_s64_right(&l, (int64_t)r->delta, 10);
	}
	sink->line(sink->ctx, l.b, l.n);
}

/*
 * Every interval: one row per syscall called since the last tick, most called first; at exit
 * (final) one row per syscall called at all, with DELTA since the last tick. COUNT is since
 * start, summed over CPUs.
 */
static int tick(struct bpf_object *obj, void *priv, const struct trace_common *c,
		const struct trace_sink *sink, bool final, struct errmsg *err)
{
	struct syscalls_priv *p = priv;
	int fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "counts"));
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *vals = ncpu > 0 ? calloc(ncpu, sizeof(*vals)) : NULL;
	struct row *rows = calloc(SYSCALLS_MAX, sizeof(*rows));
	size_t n = 0;
	char clock[16];
	time_t now = time(NULL);
	struct tm tm;
	int ret = 0;

	if (!vals || !rows) {
		ret = errmsg_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	for (uint32_t nr = 0; nr < SYSCALLS_MAX; nr++) {
		uint64_t sum = 0;

		if (bpf_map_lookup_elem(fd, &nr, vals)) {
			ret = errmsg_set(err, -errno, "reading the syscall counts: %s", strerror(errno));
			goto out;
		}
		for (int i = 0; i < ncpu; i++)
			sum += vals[i];
		if (sum > p->last[nr] || (final && sum))
			rows[n++] = (struct row){ nr, sum, sum - p->last[nr] };
		p->last[nr] = sum;
	}
	qsort(rows, n, sizeof(*rows), by_delta);
	strftime(clock, sizeof(clock), "%H:%M:%S", localtime_r(&now, &tm));
	if (!sink->json && n) {
		struct linebuf l = { 0 };

		lb_str(&l, final ? "TOTAL" : "TIME", 9);
		lb_str(&l, "SYSCALL", 23);
		lb_lit(&l, "  NR VIA               COUNT      DELTA");
		sink->line(sink->ctx, l.b, l.n);
	}
	for (size_t i = 0; i < n; i++)
		emit_row(sink, clock, final, &rows[i], p);
	if (!sink->json && n && !final)
		sink->line(sink->ctx, "", 0);
out:
	free(vals);
	free(rows);
	return ret ? ret : (int)n;
}

static const void *elf_bytes(size_t *size)
{
	return syscalls_bpf__elf_bytes(size);
}

/* --listen: calls per syscall since start, as Prometheus counters. */
static int metrics(struct bpf_object *obj, const void *priv, struct kbuf *b)
{
	int fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "counts"));
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *vals = ncpu > 0 ? calloc(ncpu, sizeof(*vals)) : NULL;

	if (!vals)
		return -1;
	kbuf_printf(b, "# HELP bpfkit_syscalls_total System calls since the tracer started.\n"
		       "# TYPE bpfkit_syscalls_total counter\n");
	for (uint32_t nr = 0; nr < SYSCALLS_MAX; nr++) {
		uint64_t sum = 0;

		if (bpf_map_lookup_elem(fd, &nr, vals))
			continue;
		for (int i = 0; i < ncpu; i++)
			sum += vals[i];
		if (!sum)
			continue;
		kbuf_printf(b, "bpfkit_syscalls_total{syscall=\"%s\",nr=\"%u\"} %llu\n",
			    name_of(nr) ? name_of(nr) : "unknown", nr, (unsigned long long)sum);
	}
	free(vals);
	return 0;
}

const struct tracer tracer_syscalls = {
	.name = "syscalls",
	.summary = "count syscalls by name, through a tail-call dispatcher",
	.details = "raw_tp/sys_enter jumps by syscall number through a program array (tail calls) to\n"
		   "a program for execve/execveat, one for the timer family (timer_*, timerfd_*,\n"
		   "alarm, [gs]etitimer) and one that ignores (--ignore); other numbers are counted\n"
		   "by the dispatcher. Every interval (1 s) a table of the syscalls called since the\n"
		   "last one, most first: SYSCALL, NR, VIA (the program that counted it), COUNT\n"
		   "since start, DELTA since the last table; at exit one more with every syscall\n"
		   "seen (TOTAL). bpfkit's own calls are not counted. Names: the x86_64 table from\n"
		   "the kernel's unistd_64.h (scripts/gen-syscall-names.sh).\n"
		   "JSON: one object per syscall and table: time final name nr via count delta.\n",
	.needs = "raw tracepoint sys_enter, tail calls (BPF_MAP_TYPE_PROG_ARRAY)",
	.filters = TRACE_PID | TRACE_TID | TRACE_UID | TRACE_COMM | TRACE_CGROUP | TRACE_INTERVAL,
	.longopts = longopts,
	.options_help = "      --ignore NAME    do not count this syscall (name or number; repeat, or\n"
			"                       NAME,NAME): its entry is the ignore program\n",
	.priv_size = sizeof(struct syscalls_priv),
	.parse = parse,
	.elf_bytes = elf_bytes,
	.post_load = post_load,
	.drops_map = "drops",
	.nr_drops = SYSCALLS_NR_DROPS,
	.tick = tick,
	.tick_interval_s = 1,
	.metrics = metrics,
	.attach = attach,
	.complete = complete,
};
