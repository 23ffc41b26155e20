/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * User half of execcount: not a stream. Every --interval the runtime calls tick(), which
 * reads the kernel's per-UID counts and prints them as a table with the change since the
 * last one; once more at exit. Execs the full map could not count are the "lost" ones.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfkit/execcount.h"
#include "execcount.skel.h"
#include "kern.h"
#include "kmetrics.h"
#include "linebuf.h"
#include "tracer.h"

enum { OPT_MAX_UIDS = 0x300 };

struct uid_count {
	uint32_t uid;
	uint64_t count;
};

struct execcount_priv {
	uint32_t max_uids;		/* 0: EXECCOUNT_MAX_UIDS */
	struct uid_count *prev;		/* the last table, sorted by uid */
	size_t nr_prev;
};

static const struct option longopts[] = {
	{ "max-uids", required_argument, NULL, OPT_MAX_UIDS },
	{ NULL, 0, NULL, 0 },
};

static int parse(void *priv, int opt, const char *arg, struct errmsg *err)
{
	struct execcount_priv *p = priv;
	char *end;

	errno = 0;
	unsigned long v = strtoul(arg, &end, 10);

	if (errno || *end || !v || v > 1000000 || *arg == '-')
		return errmsg_set(err, -EINVAL, "--max-uids: '%s' is not a number from 1 to 1000000", arg);
	p->max_uids = (uint32_t)v;
	return 0;
}

static int by_uid(const void *a, const void *b)
{
	const struct uid_count *x = a, *y = b;

	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

/* Every (uid, count) of the map, sorted; *out is the caller's. */
static int read_counts(int fd, struct uid_count **out, size_t *n, struct errmsg *err)
{
	struct uid_count *v = NULL;
	size_t cap = 0;
	uint32_t key, next;
	uint32_t *prev = NULL;

	*n = 0;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		if (*n == cap) {
			struct uid_count *g = realloc(v, (cap = cap ? cap * 2 : 64) * sizeof(*v));

			if (!g) {
				free(v);
				return errmsg_set(err, -ENOMEM, "out of memory");
			}
			v = g;
		}
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &v[*n].count))
			continue;	/* deleted meanwhile: cannot happen here, harmless */
		v[(*n)++].uid = key;
	}
	if (*n)
		qsort(v, *n, sizeof(*v), by_uid);
	*out = v;
	return 0;
}

static uint64_t prev_count(const struct execcount_priv *p, uint32_t uid)
{
	struct uid_count k = { .uid = uid }, *f;

	f = p->nr_prev ? bsearch(&k, p->prev, p->nr_prev, sizeof(k), by_uid) : NULL;
	return f ? f->count : 0;
}

static void user_name(uint32_t uid, char *buf, size_t len)
{
	struct passwd pw, *res = NULL;
	char tmp[1024];

	if (!getpwuid_r(uid, &pw, tmp, sizeof(tmp), &res) && res)
		snprintf(buf, len, "%s", res->pw_name);
	else
		snprintf(buf, len, "-");
}

static void row(struct linebuf *l, bool json, double t, const struct uid_count *u,
		uint64_t delta, uint64_t overflow, bool final)
{
	char name[64], ts[32];
	int n = snprintf(ts, sizeof(ts), "%.3f", t);

	user_name(u->uid, name, sizeof(name));
	if (json) {
		lb_lit(l, "{\"time_s\":");
		lb_mem(l, ts, n > 0 ? (size_t)n : 0);
		lb_lit(l, ",\"uid\":");
		lb_u64(l, u->uid, 0);
		lb_lit(l, ",\"user\":");
		lb_json_str(l, name);
		lb_lit(l, ",\"count\":");
		lb_u64(l, u->count, 0);
		lb_lit(l, ",\"delta\":");
		lb_u64(l, delta, 0);
		lb_lit(l, ",\"overflow\":");
		lb_u64(l, overflow, 0);
		if (final)
			lb_lit(l, ",\"final\":true}");
		else
			lb_lit(l, ",\"final\":false}");
		return;
	}
	lb_u64(l, u->uid, 10);
	lb_lit(l, " ");
	lb_str(l, name, 16);
	lb_lit(l, " ");
	lb_u64(l, u->count, 10);
	lb_lit(l, " ");
	lb_u64(l, delta, 0);
}

static uint64_t overflow_count(struct bpf_object *obj)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, "drops");
	uint64_t n = 0;

	if (m)
		kern_percpu_sum(bpf_map__fd(m), EXECCOUNT_DROP_FULL, &n);
	return n;
}

static int tick(struct bpf_object *obj, void *priv, const struct trace_common *c,
		const struct trace_sink *sink, bool final, struct errmsg *err)
{
	struct execcount_priv *p = priv;
	struct bpf_map *m = bpf_object__find_map_by_name(obj, "counts");
	struct uid_count *now = NULL;
	struct timespec ts;
	struct linebuf l;
	uint64_t overflow = overflow_count(obj);
	double t;
	size_t n;
	int ret = read_counts(bpf_map__fd(m), &now, &n, err);

	if (ret)
		return ret;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t = trace_elapsed(c, (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
	if (!sink->json) {
		char head[96];

		l.n = 0;
		snprintf(head, sizeof(head), "%s%.1f s%s", t > 0 && p->prev ? "\n" : "", t,
			 final ? " (final)" : "");
		lb_str(&l, head, 0);
		sink->line(sink->ctx, l.b, l.n);
		l.n = 0;
		lb_str(&l, "UID", 11);
		lb_str(&l, "USER", 17);
		lb_str(&l, "COUNT", 11);
		lb_lit(&l, "DELTA");
		sink->line(sink->ctx, l.b, l.n);
	}
	for (size_t i = 0; i < n; i++) {
		l.n = 0;
		row(&l, sink->json, t, &now[i], now[i].count - prev_count(p, now[i].uid), overflow,
		    final);
		sink->line(sink->ctx, l.b, l.n);
	}
	if (!sink->json && overflow) {
		char msg[160];

		l.n = 0;
		snprintf(msg, sizeof(msg), "overflow: %llu execs not counted, the map is full (raise --max-uids)",
			 (unsigned long long)overflow);
		lb_str(&l, msg, 0);
		sink->line(sink->ctx, l.b, l.n);
	}
	free(p->prev);
	p->prev = now;
	p->nr_prev = n;
	if (final) {	/* the runtime frees priv, not what it points to */
		free(p->prev);
		p->prev = NULL;
		p->nr_prev = 0;
	}
	sink->flush(sink->ctx);
	return (int)n;
}

static int configure(struct bpf_object *obj, const struct trace_common *c, void *priv,
		     struct errmsg *err)
{
	const struct execcount_priv *p = priv;

	if (p->max_uids &&
	    bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, "counts"), p->max_uids))
		return errmsg_set(err, -EINVAL, "--max-uids %u: the map refused it", p->max_uids);
	return 0;
}

/* --listen: execs per UID since start, and the overflow, as Prometheus counters. */
static int metrics(struct bpf_object *obj, const void *priv, struct kbuf *b)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, "counts");
	struct uid_count *v = NULL;
	struct errmsg err = { 0 };
	char user[64];
	size_t n;

	if (read_counts(bpf_map__fd(m), &v, &n, &err)) {
		kbuf_printf(b, "%s\n", err.msg);
		return -1;
	}
	kbuf_printf(b, "# HELP bpfkit_execs_total Execs per user id since the tracer started.\n"
		       "# TYPE bpfkit_execs_total counter\n");
	for (size_t i = 0; i < n; i++) {
		user_name(v[i].uid, user, sizeof(user));
		kbuf_printf(b, "bpfkit_execs_total{uid=\"%u\",user=", v[i].uid);
		kmetrics_label_value(b, user, strlen(user));
		kbuf_printf(b, "} %llu\n", (unsigned long long)v[i].count);
	}
	kbuf_printf(b, "# HELP bpfkit_execs_overflow_total Execs of user ids the full map could not hold.\n"
		       "# TYPE bpfkit_execs_overflow_total counter\n"
		       "bpfkit_execs_overflow_total %llu\n", (unsigned long long)overflow_count(obj));
	free(v);
	return 0;
}

static const void *elf_bytes(size_t *size)
{
	return execcount_bpf__elf_bytes(size);
}

const struct tracer tracer_execcount = {
	.name = "execcount",
	.summary = "execs per user id, counted in the kernel, as a table every interval",
	.details = "Counts execs (sched:sched_process_exec) per UID in a kernel hash map, like the\n"
		   "Aya tutorial, and prints the table every --interval seconds and at exit: UID,\n"
		   "USER, COUNT (since start), DELTA (since the last table). Execs of a UID that\n"
		   "does not fit in the full map are counted in the kernel and shown as overflow\n"
		   "(and as 'lost' in the summary). Events are table rows (--count counts them).\n"
		   "JSON fields, one line per UID per table: time_s uid user count delta overflow final.\n",
	.needs = "tracepoint sched:sched_process_exec",
	.filters = TRACE_PID | TRACE_TID | TRACE_UID | TRACE_COMM | TRACE_CGROUP | TRACE_INTERVAL,
	.longopts = longopts,
	.options_help = "      --max-uids N     entries of the kernel's map (default 10240)\n",
	.priv_size = sizeof(struct execcount_priv),
	.parse = parse,
	.elf_bytes = elf_bytes,
	.configure = configure,
	.drops_map = "drops",
	.nr_drops = EXECCOUNT_NR_DROPS,
	.tick = tick,
	.tick_interval_s = 2,	/* the tutorial's */
	.metrics = metrics,
};
