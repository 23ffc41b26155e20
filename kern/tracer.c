/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The tracer runtime: one lifecycle for every bundled tracer (see include/tracer.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "kern.h"
#include "kload.h"
#include "kmetrics.h"
#include "linebuf.h"
#include "object.h"
#include "tracer.h"

struct run {
	const struct tracer *t;
	const struct trace_common *c;
	void *priv;
	const struct trace_sink *sink;
	struct trace_result *res;
	struct bpf_object *obj;
	unsigned int batch;	/* records since the last flush */
	double interval_s, next_tick;	/* tick: 0 without one */
	struct errmsg *tick_err;
	int tick_ret;		/* the first failed tick stops the run */
	struct trace_stats stats;
};

/* The tracer's tick when its interval has passed (or at exit: final); its rows count as
 * events; non-zero stops. */
static int maybe_tick(struct run *r, bool final)
{
	double now;
	int rows, ret;

	if (!r->interval_s || r->tick_ret)
		return r->tick_ret;
	now = kern_now_s();
	if (!final && now < r->next_tick)
		return 0;
	while (r->next_tick <= now)	/* a late tick does not make a burst of them */
		r->next_tick += r->interval_s;
	rows = r->t->tick(r->obj, r->priv, r->c, r->sink, final, r->tick_err);
	if (rows < 0)
		return r->tick_ret = rows;
	r->res->events += (uint64_t)rows;
	if (r->c->count && r->res->events >= r->c->count)
		kern_request_stop();
	ret = r->sink->flush(r->sink->ctx);
	if (ret && !r->res->write_err)
		r->res->write_err = ret;
	return ret;
}

double trace_elapsed(const struct trace_common *c, uint64_t ktime_ns)
{
	return ktime_ns > c->start_ns ? (double)(ktime_ns - c->start_ns) / 1e9 : 0.0;
}

void trace_time_cell(struct linebuf *l, double seconds)
{
	char t[32];
	int n = snprintf(t, sizeof(t), TRACE_TIME_FMT, seconds);

	lb_mem(l, t, n > 0 ? (size_t)n : 0);
}

static int on_record(void *data, void *raw, size_t size)
{
	struct run *r = data;
	struct linebuf l;

	if (!trace_record_wanted(r->c, r->res))
		return KERN_RING_BREAK;
	kern_ring_seen(size);
	l.n = 0;
	if (r->t->decode(raw, size, r->c, r->priv, r->sink->json, &l))
		return 0;
	r->sink->line(r->sink->ctx, l.b, l.n);
	return trace_record_done(r->c, r->res, &r->batch);
}

static uint64_t sum_drops(const struct tracer *t, struct bpf_object *obj);

void trace_stats_start(struct trace_stats *s, struct trace_common *c)
{
	s->at = kern_now_s();
	s->events = s->lost = 0;
	c->start_ns = (uint64_t)(s->at * 1e9);	/* -T: bpf_ktime_get_ns() is this clock */
}

bool trace_stats_due(const struct trace_stats *s, double now)
{
	return now - s->at >= 1.0;
}

void trace_stats_report(struct trace_stats *s, const struct trace_sink *sink, double now,
			uint64_t events, uint64_t lost)
{
	double dt = now - s->at;

	sink->stats(sink->ctx, (double)(events - s->events) / dt, (double)(lost - s->lost) / dt);
	s->at = now;
	s->events = events;
	s->lost = lost;
}

/* --stats: the drop counters are read only when a report is due */
static void stats_tick(struct run *r)
{
	double now = kern_now_s();

	if (trace_stats_due(&r->stats, now))
		trace_stats_report(&r->stats, r->sink, now, r->res->events,
				   r->obj ? sum_drops(r->t, r->obj) : 0);
}

static int after_batch(void *data)
{
	struct run *r = data;
	int ret;

	r->batch = 0;
	ret = r->sink->flush(r->sink->ctx);
	if (ret && !r->res->write_err)
		r->res->write_err = ret;
	if (r->c->stats && r->sink->stats)
		stats_tick(r);
	return ret ? ret : maybe_tick(r, false);
}

/* The embedded object through the gate, then libbpf's view of it (the caller closes it). */
static int open_tracer(const struct tracer *t, struct bpf_object **obj, struct errmsg *err)
{
	struct bk_object *o = NULL;
	char name[64];
	size_t size;
	const void *bytes = t->elf_bytes(&size);
	int ret;

	snprintf(name, sizeof(name), "@%s", t->name);
	ret = bk_object_open_mem(bytes, size, name, &o, err);
	if (!ret)
		ret = bk_object_bpf(o, obj, err);
	if (!ret)
		*obj = bk_object_take_bpf(o);
	bk_object_close(o);
	return ret;
}

/* Attach every loaded program by its section name; links in *links (the caller destroys). */
int tracer_attach_all(struct bpf_object *obj, struct bpf_link ***links, size_t *n,
		      char ***skipped, size_t *nr_skipped, struct errmsg *err)
{
	struct bpf_program *p;
	size_t cap = 0;

	*links = NULL;
	*n = 0;
	bpf_object__for_each_program(p, obj)
		cap++;
	*links = calloc(cap ? cap : 1, sizeof(**links));
	if (skipped) {
		*skipped = calloc(cap ? cap : 1, sizeof(**skipped));
		*nr_skipped = 0;
	}
	if (!*links || (skipped && !*skipped))
		return errmsg_set(err, -ENOMEM, "out of memory");
	bpf_object__for_each_program(p, obj) {
		struct bpf_link *l;
		char what[256];

		if (!bpf_program__autoload(p))
			continue;
		l = bpf_program__attach(p);
		if (!l && errno == EOPNOTSUPP && skipped) {
			(*skipped)[(*nr_skipped)++] = strdup(bpf_program__name(p));
			continue;
		}
		if (!l && errno == EOPNOTSUPP)
			return errmsg_set(err, -EOPNOTSUPP,
					  "program '%s': libbpf cannot attach it by its section '%s' alone (no attach point there, or not supported here): attach it with 'bpfkit attach OBJ:%s TARGET'",
					  bpf_program__name(p), bpf_program__section_name(p),
					  bpf_program__name(p));
		if (!l) {
			snprintf(what, sizeof(what), "attaching %s (%s)", bpf_program__name(p),
				 bpf_program__section_name(p));
			return kern_explain(err, -errno, what);
		}
		(*links)[(*n)++] = l;
	}
	return 0;
}

static uint64_t sum_drops(const struct tracer *t, struct bpf_object *obj)
{
	struct bpf_map *m = t->drops_map ? bpf_object__find_map_by_name(obj, t->drops_map) : NULL;
	uint64_t lost = 0, n;

	for (uint32_t i = 0; m && i < t->nr_drops; i++)
		if (!kern_percpu_sum(bpf_map__fd(m), i, &n))
			lost += n;
	return lost;
}

int trace_pipe_parse(char *line, struct trace_pipe_line *out)
{
	/* task-pid, an optional (tgid), [cpu], optional flags, timestamp: event: message */
	static const char pattern[] =
		"^ *(.*)-([0-9]+) +(\\( *[-0-9]+\\) +)?\\[([0-9]+)\\] +([^ ]+ +)?([0-9]+\\.[0-9]+): ([^:]+): ?(.*)$";
	static regex_t re;
	static int compiled;	/* 0: not yet, 1: ok, -1: regcomp failed */
	static const int ends[] = { 1, 2, 4, 6, 7, 8 };	/* groups followed by a separator */
	regmatch_t m[9];

	if (!compiled)
		compiled = regcomp(&re, pattern, REG_EXTENDED) ? -1 : 1;
	if (compiled < 0 || regexec(&re, line, 9, m, 0))
		return -EINVAL;
	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++)
		line[m[ends[i]].rm_eo] = '\0';
	out->task = line + m[1].rm_so;
	out->pid = (uint32_t)strtoul(line + m[2].rm_so, NULL, 10);
	out->cpu = (uint32_t)strtoul(line + m[4].rm_so, NULL, 10);
	out->flags = m[5].rm_so >= 0 ? line + m[5].rm_so : "";
	if (m[5].rm_so >= 0)	/* the group holds the spaces after the flags */
		line[m[5].rm_so + strcspn(line + m[5].rm_so, " ")] = '\0';
	out->timestamp = strtod(line + m[6].rm_so, NULL);
	out->event = line + m[7].rm_so;
	out->message = line + m[8].rm_so;
	return 0;
}

/* Set a read-only global when the object declares it: the common filters are generic. */
static int set_if_declared(struct bpf_object *obj, const char *name, const char *value,
			   struct errmsg *err)
{
	const struct btf *btf = bpf_object__btf(obj);

	if (!btf || btf__find_by_name_kind(btf, name, BTF_KIND_VAR) < 0)
		return 0;
	return kern_set_global(obj, name, value, err);
}

static int set_common_globals(struct bpf_object *obj, const struct trace_common *c,
			      struct errmsg *err)
{
	char pid[16], tid[16], uid[16], len[24], cg[24], self[16];
	const struct { const char *name, *value; } g[] = {
		{ "targ_pid", pid }, { "targ_tid", tid }, { "targ_uid", uid },
		{ "targ_uid_set", c->uid_set ? "1" : "0" }, { "targ_comm_len", len },
		{ "targ_cgroup_id", cg }, { "targ_failed", c->failed ? "1" : "0" },
		{ "bk_self_tgid", self },
	};
	int ret = 0;

	snprintf(pid, sizeof(pid), "%u", c->pid);
	snprintf(tid, sizeof(tid), "%u", c->tid);
	snprintf(uid, sizeof(uid), "%u", c->uid);
	snprintf(len, sizeof(len), "%zu", strlen(c->comm));
	snprintf(cg, sizeof(cg), "%llu", (unsigned long long)c->cgroup_id);
	snprintf(self, sizeof(self), "%d", (int)getpid());
	for (size_t i = 0; !ret && i < sizeof(g) / sizeof(g[0]); i++)
		ret = set_if_declared(obj, g[i].name, g[i].value, err);
	if (!ret && c->comm[0])
		ret = set_if_declared(obj, "targ_comm", c->comm, err);
	return ret;
}

/* The trace pipe of the mounted tracefs (kern_ensure_tracefs() ran), non-blocking. */
static int open_trace_pipe(struct errmsg *err)
{
	static const char *const paths[] = { "/sys/kernel/tracing/trace_pipe",
					     "/sys/kernel/debug/tracing/trace_pipe" };
	int fd = open(paths[0], O_RDONLY | O_NONBLOCK | O_CLOEXEC), e = errno;

	if (fd < 0 && e == ENOENT)
		fd = open(paths[1], O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && e == EBUSY)
		return errmsg_set(err, -e, "opening the trace pipe %s: %s: another reader has it (stop it, e.g. 'cat %s')",
				  paths[0], strerror(e), paths[0]);
	if (fd < 0)
		return errmsg_set(err, -e, "opening the trace pipe %s: %s (is tracefs mounted?)",
				  paths[0], strerror(e));
	return fd;
}

/*
 * With tracing_on at 0 nothing reaches the pipe: turn it on for the run and back off after
 * (returns the fd of tracing_on to restore through, or -1 when it was on or is unknown).
 */
static int tracing_on(void)
{
	static const char *const paths[] = { "/sys/kernel/tracing/tracing_on",
					     "/sys/kernel/debug/tracing/tracing_on" };
	char v = '1';

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		int fd = open(paths[i], O_RDWR | O_CLOEXEC);

		if (fd < 0)
			continue;
		if (pread(fd, &v, 1, 0) == 1 && v == '0' && pwrite(fd, "1", 1, 0) == 1)
			return fd;
		close(fd);
		return -1;
	}
	return -1;
}

static void tracing_restore(int fd)
{
	if (fd >= 0) {
		if (pwrite(fd, "0", 1, 0) != 1) {
			/* nothing better to do: the run is over */
		}
		close(fd);
	}
}

/* Whole lines of buf[0..*len) to decode(); a partial last line stays for the next read. */
static void pipe_lines(struct run *r, char *buf, size_t *len)
{
	char *p = buf, *nl;

	while (!kern_stop && (nl = memchr(p, '\n', (size_t)(buf + *len - p)))) {
		*nl = '\0';
		on_record(r, p, (size_t)(nl - p));
		p = nl + 1;
	}
	*len -= (size_t)(p - buf);
	memmove(buf, p, *len);
}

/*
 * Sources other than a ring buffer: the trace pipe (pipe_fd >= 0) and/or a periodic tick.
 * One loop of poll() slices of at most 100 ms, so signals, --duration, --stats and the tick
 * are all seen in time.
 */
static int other_loop(struct run *r, int pipe_fd, struct errmsg *err)
{
	double start = kern_now_s(), deadline = r->c->duration_s > 0 ? start + r->c->duration_s : 0;
	size_t cap = 64 * 1024, len = 0;
	char *buf = pipe_fd >= 0 ? malloc(cap) : NULL;
	int ret = 0;

	if (pipe_fd >= 0 && !buf)
		return errmsg_set(err, -ENOMEM, "out of memory");
	while (!kern_stop && !ret) {
		struct pollfd pfd = { .fd = pipe_fd, .events = POLLIN };
		double now = kern_now_s(), wait = 0.1;
		ssize_t n;

		if (deadline && now >= deadline)
			break;
		if (r->interval_s && r->next_tick - now < wait)
			wait = r->next_tick > now ? r->next_tick - now : 0;
		if (poll(&pfd, pipe_fd >= 0 ? 1 : 0, (int)(wait * 1000)) > 0) {
			n = read(pipe_fd, buf + len, cap - len - 1);
			if (n > 0) {
				len += (size_t)n;
				pipe_lines(r, buf, &len);
				if (len == cap - 1)	/* one line longer than the buffer: cut it */
					len = 0;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				ret = errmsg_set(err, -errno, "reading the trace pipe: %s", strerror(errno));
			}
		}
		if (after_batch(r) || r->tick_ret)
			break;
	}
	free(buf);
	return ret;
}

int tracer_run(const struct tracer *t, struct trace_common *c, void *priv,
	       const struct trace_sink *sink, struct trace_result *res, struct errmsg *err)
{
	struct bpf_object *obj = NULL;
	int ret = 0;

	memset(res, 0, sizeof(*res));
	if (t->elf_bytes)	/* trace log reads the pipe and loads nothing */
		ret = open_tracer(t, &obj, err);
	if (!ret)
		ret = tracer_run_obj(t, obj, c, priv, sink, res, err);
	bpf_object__close(obj);
	return ret;
}

/* Configure, load, post-load: the object ready to attach. */
static int prepare(const struct tracer *t, struct bpf_object *obj, struct trace_common *c,
		   void *priv, struct errmsg *err)
{
	struct bpf_map *ring = t->ring_map ? bpf_object__find_map_by_name(obj, t->ring_map) : NULL;
	char what[128];
	int ret = t->configure ? t->configure(obj, c, priv, err) : 0;

	if (!ret)
		ret = set_common_globals(obj, c, err);
	if (!ret && ring && c->ring_size && bpf_map__set_max_entries(ring, c->ring_size))
		ret = errmsg_set(err, -EINVAL, "--ring-size %u: not usable for the ring buffer",
				 c->ring_size);
	if (ret)
		return ret;
	snprintf(what, sizeof(what), "loading the %s tracer", t->name);
	ret = bpf_object__load(obj);
	if (ret)
		return kern_explain(err, ret, what);
	return t->post_load ? t->post_load(obj, priv, err) : 0;
}

static int render_metrics(void *ctx, struct kbuf *b)
{
	const struct run *r = ctx;

	return r->t->metrics(r->obj, r->priv, b);
}

/* --listen: the counters over HTTP while the tracer runs (the caller stops the server). */
static int serve_metrics(struct run *r, struct kmetrics_server **srv, struct errmsg *err)
{
	uint16_t port;
	int ret;

	if (!r->c->listen)
		return 0;
	if (!r->t->metrics || !r->obj)
		return errmsg_set(err, -EINVAL, "--listen: the %s tracer has no counters to serve",
				  r->t->name);
	ret = kmetrics_start(r->c->listen, render_metrics, r, srv, &port, err);
	if (!ret && r->sink->info)
		r->sink->info(r->sink->ctx, "serving metrics", r->c->listen, port);
	return ret;
}

static void detach(const struct tracer *t, void *priv, struct bpf_link ***links, size_t *n,
		   bool *attached)
{
	kern_links_destroy(links, n);
	if (*attached && t->detach)
		t->detach(priv);
	*attached = false;
}

bool wants_rest(const struct trace_common *c, const struct trace_result *res)
{
	return !res->write_err && (!c->count || res->events < c->count);
}

bool trace_record_wanted(const struct trace_common *c, const struct trace_result *res)
{
	/* a stop alone is no reason: libbpf has consumed the record in hand already */
	return !kern_skipping() && wants_rest(c, res);
}

int trace_record_done(const struct trace_common *c, struct trace_result *res,
		      unsigned int *batch)
{
	res->events++;
	if (c->count && res->events >= c->count)
		kern_request_stop();
	return kern_stopping() || ++*batch >= KERN_RING_BATCH ? KERN_RING_BREAK : 0;
}

int tracer_run_obj(const struct tracer *t, struct bpf_object *obj, struct trace_common *c,
		   void *priv, const struct trace_sink *sink, struct trace_result *res,
		   struct errmsg *err)
{
	struct kmetrics_server *srv = NULL;
	struct run r = { .t = t, .c = c, .priv = priv, .sink = sink, .res = res, .obj = obj,
			 .tick_err = err };
	struct ring_limits lim = { .duration_s = c->duration_s, .poll_ms = 100,
				   .after_batch = after_batch, .ctx = &r };
	bool use_pipe = t->trace_pipe && t->trace_pipe(priv);
	struct ring_buffer *rb = NULL;
	struct bpf_link **links = NULL;
	struct bpf_map *ring = NULL;
	size_t nr_links = 0;
	bool attached = false;
	int ret = 0, pipe_fd = -1, restore_fd = -1;

	memset(res, 0, sizeof(*res));
	if (obj) {
		ret = prepare(t, obj, c, priv, err);
		if (ret)
			goto out;
		attached = true;
		ret = t->attach ? t->attach(obj, priv, &links, &nr_links, err)
				: tracer_attach_all(obj, &links, &nr_links, NULL, NULL, err);
		if (ret)
			goto out;
		ring = t->ring_map ? bpf_object__find_map_by_name(obj, t->ring_map) : NULL;
	}
	if (use_pipe) {
		ret = pipe_fd = open_trace_pipe(err);
		if (ret < 0)
			goto out;
		ret = 0;
		restore_fd = tracing_on();
	} else if (t->ring_map) {
		rb = ring ? ring_buffer__new(bpf_map__fd(ring), on_record, &r, NULL) : NULL;
		lim.ring_bytes = ring ? bpf_map__max_entries(ring) : 0;
		if (!rb) {
			ret = errmsg_set(err, ring ? -errno : -ENOENT,
					 "the %s tracer's ring buffer '%s': %s", t->name, t->ring_map,
					 strerror(ring ? errno : ENOENT));
			goto out;
		}
	}
	ret = serve_metrics(&r, &srv, err);
	if (ret)
		goto out;
	if (t->header && !sink->json) {
		struct linebuf l = { 0 };

		t->header(c, priv, &l);
		if (l.n)	/* an empty header: none (a mode without columns) */
			sink->line(sink->ctx, l.b, l.n);
	}
	trace_stats_start(&r.stats, c);
	if (t->tick) {
		r.interval_s = c->interval_s > 0 ? c->interval_s : t->tick_interval_s;
		r.next_tick = r.stats.at + r.interval_s;
	}
	ret = rb ? kern_ring_loop(rb, &lim, err) : other_loop(&r, pipe_fd, err);
	detach(t, priv, &links, &nr_links, &attached);
	if (!ret && rb && wants_rest(c, res))
		ret = kern_ring_drain(rb, &lim, err);
	res->lost = obj ? sum_drops(t, obj) : 0;
	after_batch(&r);
	/* the last counts, also without an interval; not past --count: its table was the last */
	if (!ret && !r.tick_ret && t->tick && wants_rest(c, res)) {
		r.interval_s = r.interval_s ? r.interval_s : 1;
		maybe_tick(&r, true);
	}
	if (!ret)
		ret = r.tick_ret;
out:
	kmetrics_stop(srv);	/* before the maps it reads go */
	tracing_restore(restore_fd);
	if (pipe_fd >= 0)
		close(pipe_fd);
	ring_buffer__free(rb);
	detach(t, priv, &links, &nr_links, &attached);
	return ret;
}
