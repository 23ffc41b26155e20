/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Maps as Prometheus metrics. Samples of one metric must be contiguous in the exposition,
 * but one element carries every field: each field gets its own buffer while the map is read
 * once, and the buffers are joined under their # TYPE lines.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "btf_fmt.h"
#include "kmap.h"
#include "kmetrics.h"

struct sample {
	char path[128];
	bool is_float, is_signed;
	uint64_t u;
	int64_t s;
	double d;
};

struct field {
	char path[128];
	struct kbuf body;
};

struct render {
	struct sample *samples;	/* this element's numeric leaves, summed over CPUs */
	size_t n, cap, pos;	/* pos: leaf index within the current CPU's value */
	bool first_cpu;
	struct kbuf labels;	/* this element's {...} */
	int nlabels;
	struct field *fields;
	size_t nfields;
	bool oom;
};

static void on_value_leaf(void *ctx, const char *path, const struct bk_leaf *l)
{
	struct render *r = ctx;
	struct sample *s;

	if (l->kind == BK_LEAF_STR || l->kind == BK_LEAF_PTR || l->kind == BK_LEAF_BYTES)
		return;
	if (r->first_cpu) {
		if (r->n == r->cap) {
			size_t cap = r->cap ? r->cap * 2 : 16;
			struct sample *p = realloc(r->samples, cap * sizeof(*p));

			if (!p) {
				r->oom = true;
				return;
			}
			r->samples = p;
			r->cap = cap;
		}
		s = &r->samples[r->n++];
		memset(s, 0, sizeof(*s));
		snprintf(s->path, sizeof(s->path), "%s", path[0] ? path : "value");
	} else {
		if (r->pos >= r->n)
			return;
		s = &r->samples[r->pos];
	}
	r->pos++;
	switch (l->kind) {
	case BK_LEAF_FLOAT: s->is_float = true; s->d += l->d; break;
	case BK_LEAF_SINT: s->is_signed = true; s->s += l->s; break;
	case BK_LEAF_ENUM:
		if (l->is_signed) {
			s->is_signed = true;
			s->s += l->s;
		} else {
			s->u += l->u;
		}
		break;
	default: s->u += l->u; break;
	}
}

static void label(struct render *r, const char *path, const char *v, size_t n)
{
	kbuf_put(&r->labels, r->nlabels++ ? "," : "{", 1);
	kmetrics_name(&r->labels, path[0] ? path : "key");
	kbuf_put(&r->labels, "=", 1);
	kmetrics_label_value(&r->labels, v, n);
}

static void on_key_leaf(void *ctx, const char *path, const struct bk_leaf *l)
{
	struct render *r = ctx;
	char buf[64];
	static const char hex[] = "0123456789abcdef";

	switch (l->kind) {
	case BK_LEAF_STR:
		label(r, path, l->str, l->len);
		return;
	case BK_LEAF_ENUM:
		if (l->str) {
			label(r, path, l->str, strlen(l->str));
			return;
		}
		/* fall through */
	case BK_LEAF_SINT:
		if (l->kind == BK_LEAF_SINT || l->is_signed)
			snprintf(buf, sizeof(buf), "%" PRId64, l->s);
		else
			snprintf(buf, sizeof(buf), "%" PRIu64, l->u);
		break;
	case BK_LEAF_BOOL:
		snprintf(buf, sizeof(buf), "%s", l->u ? "true" : "false");
		break;
	case BK_LEAF_FLOAT:
		snprintf(buf, sizeof(buf), "%g", l->d);
		break;
	case BK_LEAF_PTR:
		snprintf(buf, sizeof(buf), "0x%" PRIx64, l->u);
		break;
	case BK_LEAF_BYTES: {
		struct kbuf h = { 0 };

		for (size_t i = 0; i < l->nbytes; i++) {
			char t[2] = { hex[l->bytes[i] >> 4], hex[l->bytes[i] & 15] };

			kbuf_put(&h, t, 2);
		}
		label(r, path, h.p ? h.p : "", h.len);
		kbuf_free(&h);
		return;
	}
	default:
		snprintf(buf, sizeof(buf), "%" PRIu64, l->u);
	}
	label(r, path, buf, strlen(buf));
}

static struct field *field_for(struct render *r, const char *path)
{
	struct field *f;

	for (size_t i = 0; i < r->nfields; i++)
		if (!strcmp(r->fields[i].path, path))
			return &r->fields[i];
	f = realloc(r->fields, (r->nfields + 1) * sizeof(*f));
	if (!f) {
		r->oom = true;
		return NULL;
	}
	r->fields = f;
	f = &r->fields[r->nfields++];
	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s", path);
	return f;
}

/* Without BTF: the key as hex, a value of 1, 2, 4 or 8 bytes as an integer. */
static void raw_leaves(struct render *r, const struct kmap *m, const void *data, bool key)
{
	size_t n = key ? m->info.key_size : m->info.value_size;
	struct bk_leaf l = { .kind = BK_LEAF_BYTES, .bytes = data, .nbytes = n };
	uint64_t v = 0;

	if (key) {
		on_key_leaf(r, "", &l);
		return;
	}
	if (n != 1 && n != 2 && n != 4 && n != 8)
		return;
	memcpy(&v, data, n);	/* little-endian hosts */
	l.kind = BK_LEAF_UINT;
	l.u = v;
	on_value_leaf(r, "", &l);
}

static void metric_name(struct kbuf *b, const struct kmap *m, const char *path)
{
	kbuf_put(b, "bpfkit_map_", 11);
	kmetrics_name(b, m->info.name[0] ? m->info.name : "unnamed");
	kbuf_put(b, "_", 1);
	/* "where.x" -> where_x, "hist[1]" -> hist_1 */
	for (const char *c = path; *c; c++) {
		if (*c == ']')
			continue;
		kbuf_put(b, *c == '[' || *c == '.' ? "_" : c, 1);
	}
}

static int render_element(struct render *r, const struct kmap *m, const struct btf *btf,
			  const void *key, const unsigned char *val, struct errmsg *err)
{
	bool percpu = kmap_is_percpu(m->info.type);
	int ncpu = percpu ? kmap_ncpus() : 1;
	size_t stride = percpu ? (m->info.value_size + 7) & ~7u : m->info.value_size;
	int ret;

	r->labels.len = 0;
	r->nlabels = 0;
	r->n = 0;
	if (btf && m->info.btf_key_type_id) {
		ret = bk_btf_leaves(btf, m->info.btf_key_type_id, key, m->info.key_size,
				    on_key_leaf, r, err);
		if (ret)
			return ret;
	} else {
		raw_leaves(r, m, key, true);
	}
	kbuf_put(&r->labels, r->nlabels ? "}" : "", r->nlabels ? 1 : 0);
	for (int c = 0; c < ncpu; c++) {
		r->first_cpu = c == 0;
		r->pos = 0;
		if (btf && m->info.btf_value_type_id) {
			ret = bk_btf_leaves(btf, m->info.btf_value_type_id, val + c * stride,
					    m->info.value_size, on_value_leaf, r, err);
			if (ret)
				return ret;
		} else {
			raw_leaves(r, m, val + c * stride, false);
		}
	}
	for (size_t i = 0; i < r->n; i++) {
		struct sample *s = &r->samples[i];
		struct field *f = field_for(r, s->path);

		if (!f)
			break;
		metric_name(&f->body, m, s->path);
		kbuf_put(&f->body, r->labels.p ? r->labels.p : "", r->labels.len);
		if (s->is_float)
			kbuf_printf(&f->body, " %.17g\n", s->d);
		else if (s->is_signed)
			kbuf_printf(&f->body, " %" PRId64 "\n", s->s + (int64_t)s->u);
		else
			kbuf_printf(&f->body, " %" PRIu64 "\n", s->u);
	}
	return r->oom ? errmsg_set(err, -ENOMEM, "out of memory") : 0;
}

static int render_map(struct kbuf *b, const struct kmap *m, const struct btf *btf,
		      uint64_t *count, struct errmsg *err)
{
	struct render r = { 0 };
	struct kmap_iter *it = NULL;
	const void *key, *val;
	int ret;

	ret = kmap_iter_new(m, 1024, &it, err);
	*count = 0;
	while (!ret && (ret = kmap_iter_next(it, &key, &val, err)) == 1) {
		ret = render_element(&r, m, btf, key, val, err);
		(*count)++;
	}
	for (size_t i = 0; !ret && i < r.nfields; i++) {
		kbuf_put(b, "# HELP ", 7);
		metric_name(b, m, r.fields[i].path);
		kbuf_printf(b, " BPF map %s (id %u), value field %s\n# TYPE ", m->info.name,
			    m->info.id, r.fields[i].path);
		metric_name(b, m, r.fields[i].path);
		kbuf_put(b, " untyped\n", 9);
		kbuf_put(b, r.fields[i].body.p ? r.fields[i].body.p : "", r.fields[i].body.len);
	}
	for (size_t i = 0; i < r.nfields; i++)
		kbuf_free(&r.fields[i].body);
	free(r.fields);
	free(r.samples);
	kbuf_free(&r.labels);
	kmap_iter_free(it);
	return ret;
}

int kmap_metrics_render(void *ctx, struct kbuf *b)
{
	struct kmap_export *x = ctx;
	struct errmsg err = { 0 };
	struct kbuf counts = { 0 };
	uint64_t n;

	for (size_t i = 0; i < x->n; i++) {
		if (render_map(b, &x->maps[i], x->btfs[i], &n, &err)) {
			b->len = 0;
			kbuf_printf(b, "map %u: %s\n", x->maps[i].info.id, err.msg);
			kbuf_free(&counts);
			return -1;
		}
		kbuf_put(&counts, "bpfkit_map_entries{map=", 23);
		kmetrics_label_value(&counts, x->maps[i].info.name, strlen(x->maps[i].info.name));
		kbuf_printf(&counts, ",id=\"%u\"} %" PRIu64 "\n", x->maps[i].info.id, n);
	}
	kbuf_printf(b, "# HELP bpfkit_map_entries Elements in the BPF map\n"
		       "# TYPE bpfkit_map_entries gauge\n");
	kbuf_put(b, counts.p ? counts.p : "", counts.len);
	kbuf_free(&counts);
	return b->failed ? -1 : 0;
}
