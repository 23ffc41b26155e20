/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The tracer runtime: one lifecycle for every bundled tracer (see include/tracer.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kern.h"
#include "linebuf.h"
#include "object.h"
#include "tracer.h"

struct run {
	const struct tracer *t;
	const struct trace_common *c;
	void *priv;
	const struct trace_sink *sink;
	struct trace_result *res;
	unsigned int batch;	/* records since the last flush */
	struct bpf_object *obj;
	double interval_s, next_tick;	/* tick: 0 without one */
	struct errmsg *tick_err;
	int tick_ret;		/* the first failed tick stops the run */
};

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The tracer's tick when its interval has passed (or at exit: final); non-zero stops. */
static int maybe_tick(struct run *r, bool final)
{
	double now;

	if (!r->interval_s || r->tick_ret)
		return r->tick_ret;
	now = mono_s();
	if (!final && now < r->next_tick)
		return 0;
	while (r->next_tick <= now)	/* a late tick does not make a burst of them */
		r->next_tick += r->interval_s;
	r->tick_ret = r->t->tick(r->obj, r->priv, r->c, r->sink, final, r->tick_err);
	if (!r->tick_ret) {
		int ret = r->sink->flush(r->sink->ctx);

		if (ret && !r->res->write_err)
			r->res->write_err = ret;
		return ret;
	}
	return r->tick_ret;
}

double trace_elapsed(const struct trace_common *c, uint64_t ktime_ns)
{
	return ktime_ns > c->start_ns ? (double)(ktime_ns - c->start_ns) / 1e9 : 0.0;
}

static int on_record(void *data, void *raw, size_t size)
{
	struct run *r = data;
	struct linebuf l;

	if (kern_stop)
		return KERN_RING_BREAK;
	l.n = 0;
	if (r->t->decode(raw, size, r->c, r->priv, r->sink->json, &l))
		return 0;
	r->res->events++;
	r->sink->line(r->sink->ctx, lb_end(&l));
	if (r->c->count && r->res->events >= r->c->count)
		kern_stop = 1;
	if (kern_stop || ++r->batch >= KERN_RING_BATCH)
		return KERN_RING_BREAK;
	return 0;
}

static int after_batch(void *data)
{
	struct run *r = data;
	int ret;

	r->batch = 0;
	ret = r->sink->flush(r->sink->ctx);
	if (ret && !r->res->write_err)
		r->res->write_err = ret;
	return ret ? ret : maybe_tick(r, false);
}

/* No ring buffer (a counting tracer): wait for the stop, the duration, or a failed tick. */
static int wait_loop(struct run *r, double duration_s)
{
	double deadline = duration_s > 0 ? mono_s() + duration_s : 0;

	while (!kern_stop) {
		double now = mono_s(), until = now + 0.1;
		struct timespec ts;

		if (deadline && now >= deadline)
			break;
		if (r->interval_s && r->next_tick < until)
			until = r->next_tick;
		if (deadline && deadline < until)
			until = deadline;
		if (until > now) {
			ts.tv_sec = (time_t)(until - now);
			ts.tv_nsec = (long)((until - now - ts.tv_sec) * 1e9);
			nanosleep(&ts, NULL);	/* EINTR: a signal, kern_stop says which */
		}
		if (maybe_tick(r, false))
			break;
	}
	return 0;
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
		      struct errmsg *err)
{
	struct bpf_program *p;
	size_t cap = 0;

	*links = NULL;
	*n = 0;
	bpf_object__for_each_program(p, obj)
		cap++;
	*links = calloc(cap ? cap : 1, sizeof(**links));
	if (!*links)
		return errmsg_set(err, -ENOMEM, "out of memory");
	bpf_object__for_each_program(p, obj) {
		struct bpf_link *l;
		char what[256];

		if (!bpf_program__autoload(p))
			continue;
		l = bpf_program__attach(p);
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

int tracer_run(const struct tracer *t, struct trace_common *c, void *priv,
	       const struct trace_sink *sink, struct trace_result *res, struct errmsg *err)
{
	struct bpf_object *obj = NULL;
	int ret;

	memset(res, 0, sizeof(*res));
	ret = open_tracer(t, &obj, err);
	if (!ret)
		ret = tracer_run_obj(t, obj, c, priv, sink, res, err);
	bpf_object__close(obj);
	return ret;
}

int tracer_run_obj(const struct tracer *t, struct bpf_object *obj, struct trace_common *c,
		   void *priv, const struct trace_sink *sink, struct trace_result *res,
		   struct errmsg *err)
{
	struct run r = { .t = t, .c = c, .priv = priv, .sink = sink, .res = res, .obj = obj,
			 .tick_err = err };
	struct ring_limits lim = { .duration_s = c->duration_s, .poll_ms = 100,
				   .after_batch = after_batch, .ctx = &r };
	struct ring_buffer *rb = NULL;
	struct bpf_link **links = NULL;
	struct bpf_map *ring;
	char what[128];
	size_t nr_links = 0;
	bool attached = false;
	int ret = 0;

	memset(res, 0, sizeof(*res));
	if (t->configure)
		ret = t->configure(obj, c, priv, err);
	if (ret)
		goto out;
	snprintf(what, sizeof(what), "loading the %s tracer", t->name);
	ret = bpf_object__load(obj);
	if (ret) {
		ret = kern_explain(err, ret, what);
		goto out;
	}
	if (t->post_load)
		ret = t->post_load(obj, priv, err);
	if (ret)
		goto out;
	attached = true;
	ret = t->attach ? t->attach(obj, priv, &links, &nr_links, err)
			: tracer_attach_all(obj, &links, &nr_links, err);
	if (ret)
		goto out;
	if (t->ring_map) {
		ring = bpf_object__find_map_by_name(obj, t->ring_map);
		rb = ring ? ring_buffer__new(bpf_map__fd(ring), on_record, &r, NULL) : NULL;
		if (!rb) {
			ret = errmsg_set(err, ring ? -errno : -ENOENT,
					 "the %s tracer's ring buffer '%s': %s", t->name, t->ring_map,
					 strerror(ring ? errno : ENOENT));
			goto out;
		}
	}
	if (t->header && !sink->json) {
		struct linebuf l = { 0 };

		t->header(c, priv, &l);
		if (l.n)	/* an empty header: none (a mode without columns) */
			sink->line(sink->ctx, lb_end(&l));
	}
	if (t->tick) {
		r.interval_s = c->interval_s > 0 ? c->interval_s : t->tick_interval_s;
		r.next_tick = mono_s() + r.interval_s;
	}
	ret = rb ? kern_ring_loop(rb, &lim, err) : wait_loop(&r, c->duration_s);
	res->lost = sum_drops(t, obj);
	after_batch(&r);
	if (!ret && !r.tick_ret && t->tick) {	/* the last counts, also without an interval */
		r.interval_s = r.interval_s ? r.interval_s : 1;
		maybe_tick(&r, true);
	}
	if (!ret)
		ret = r.tick_ret;
out:
	ring_buffer__free(rb);
	while (nr_links)
		bpf_link__destroy(links[--nr_links]);
	free(links);
	if (attached && t->detach)
		t->detach(priv);
	return ret;
}
