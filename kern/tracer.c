/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The tracer runtime: one lifecycle for every bundled tracer (see include/tracer.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
};

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
	return ret;
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
static int attach_all(struct bpf_object *obj, struct bpf_link ***links, size_t *n,
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
	struct run r = { .t = t, .c = c, .priv = priv, .sink = sink, .res = res };
	struct ring_limits lim = { .duration_s = c->duration_s, .poll_ms = 100,
				   .after_batch = after_batch, .ctx = &r };
	struct bpf_object *obj = NULL;
	struct ring_buffer *rb = NULL;
	struct bpf_link **links = NULL;
	struct bpf_map *ring;
	char what[128];
	size_t nr_links = 0;
	int ret;

	memset(res, 0, sizeof(*res));
	ret = open_tracer(t, &obj, err);
	if (!ret && t->configure)
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
	if (!ret)
		ret = attach_all(obj, &links, &nr_links, err);
	if (ret)
		goto out;
	ring = bpf_object__find_map_by_name(obj, t->ring_map);
	rb = ring ? ring_buffer__new(bpf_map__fd(ring), on_record, &r, NULL) : NULL;
	if (!rb) {
		ret = errmsg_set(err, ring ? -errno : -ENOENT, "the %s tracer's ring buffer '%s': %s",
				 t->name, t->ring_map, strerror(ring ? errno : ENOENT));
		goto out;
	}
	if (t->header && !sink->json) {
		struct linebuf l = { 0 };

		t->header(c, priv, &l);
		sink->line(sink->ctx, lb_end(&l));
	}
	ret = kern_ring_loop(rb, &lim, err);
	res->lost = sum_drops(t, obj);
	after_batch(&r);
out:
	ring_buffer__free(rb);
	while (nr_links)
		bpf_link__destroy(links[--nr_links]);
	free(links);
	bpf_object__close(obj);
	return ret;
}
