/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* bpfkit map watch (deltas and rates over time) and map export (Prometheus over HTTP). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "btf_fmt.h"
#include "kern.h"
#include "kmetrics.h"
#include "map_cli.h"

/* Sleep s seconds in short steps so SIGINT/SIGTERM end it at once. */
static void nap(double s)
{
	double end = kern_now_s() + s;

	while (!kern_stop) {
		double left = end - kern_now_s();
		struct timespec ts;

		if (left <= 0)
			break;
		if (left > 0.1)
			left = 0.1;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(left * 1e9);
		nanosleep(&ts, NULL);
	}
}

/* ---- watch ------------------------------------------------------------------------------- */

struct row {
	unsigned char *key;
	char *ktext, *kjson;	/* the key as text and as JSON */
	char *vtext, *vjson;
	bool has_num, is_float;
	double num;		/* first numeric field, summed over CPUs */
	double delta, rate;
};

struct snap {
	struct row *rows;
	size_t n, cap;
};

static void snap_free(struct snap *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->rows[i].key);
		free(s->rows[i].ktext);
		free(s->rows[i].kjson);
		free(s->rows[i].vtext);
		free(s->rows[i].vjson);
	}
	free(s->rows);
	memset(s, 0, sizeof(*s));
}

struct first_num {
	bool found, is_float;
	double v;
};

static void first_numeric(void *ctx, const char *path, const struct bk_leaf *l)
{
	struct first_num *f = ctx;

	if (f->found)
		return;
	switch (l->kind) {
	case BK_LEAF_UINT: case BK_LEAF_BOOL: f->v = (double)l->u; break;
	case BK_LEAF_SINT: f->v = (double)l->s; break;
	case BK_LEAF_ENUM: f->v = l->is_signed ? (double)l->s : (double)l->u; break;
	case BK_LEAF_FLOAT: f->v = l->d; f->is_float = true; break;
	default: return;
	}
	f->found = true;
}

/* The first numeric field of one CPU's value; false when it has none. */
static bool value_number(const struct map_view *v, const void *val, double *num, bool *is_float)
{
	struct first_num f = { 0 };
	struct errmsg err = { 0 };
	size_t n = v->m.info.value_size;

	if (v->value_type) {
		if (bk_btf_leaves(v->btf, v->value_type, val, n, first_numeric, &f, &err) ||
		    !f.found)
			return false;
		*num = f.v;
		*is_float = f.is_float;
		return true;
	}
	if (n != 1 && n != 2 && n != 4 && n != 8)
		return false;
	uint64_t u = 0;

	memcpy(&u, val, n);	/* little-endian hosts */
	*num = (double)u;
	*is_float = false;
	return true;
}

static char *render(const struct map_view *v, uint32_t type, const void *data, size_t size,
		    enum jw_style style)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct jw w;

	if (!f)
		return NULL;
	jw_init(&w, f, style);
	map_put_data(&w, v, NULL, type, data, size);
	fclose(f);
	return buf;
}

static int add_row(struct snap *s, const struct map_view *v, const void *key, const void *val)
{
	const unsigned char *vb = val;
	struct row *r;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct row *p = realloc(s->rows, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		s->rows = p;
		s->cap = cap;
	}
	r = &s->rows[s->n];
	memset(r, 0, sizeof(*r));
	r->key = malloc(v->m.info.key_size ? v->m.info.key_size : 1);
	if (!r->key)
		return -ENOMEM;
	s->n++;
	memcpy(r->key, key, v->m.info.key_size);
	r->ktext = render(v, v->key_type, key, v->m.info.key_size, JW_TEXT);
	r->kjson = render(v, v->key_type, key, v->m.info.key_size, JW_COMPACT);
	for (int c = 0; c < v->ncpu; c++) {
		double num;
		bool fl;

		if (!value_number(v, vb + c * v->stride, &num, &fl))
			break;
		r->has_num = true;
		r->is_float = fl;
		r->num += num;
	}
	if (v->ncpu > 1 || kmap_holds_ids(v->m.info.type)) {
		char tmp[64];

		if (r->has_num)
			snprintf(tmp, sizeof(tmp), r->is_float ? "%g" : "%.0f", r->num);
		else
			snprintf(tmp, sizeof(tmp), "-");
		r->vtext = strdup(tmp);
		r->vjson = strdup(r->has_num ? tmp : "null");
	} else {
		r->vtext = render(v, v->value_type, val, v->m.info.value_size, JW_TEXT);
		r->vjson = render(v, v->value_type, val, v->m.info.value_size, JW_COMPACT);
	}
	if (!r->ktext || !r->kjson || !r->vtext || !r->vjson)
		return -ENOMEM;
	return 0;
}

static size_t g_key_size;

const struct cli_enum map_watch_orders[] = {
	{ "key", 0 }, { "value", 1 }, { "delta", 2 }, { 0 }
};

static int cmp_key(const void *a, const void *b)
{
	return memcmp(((const struct row *)a)->key, ((const struct row *)b)->key, g_key_size);
}

static int cmp_value(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->num != y->num)
		return x->num < y->num ? 1 : -1;
	return cmp_key(a, b);
}

static int cmp_delta(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->delta != y->delta)
		return x->delta < y->delta ? 1 : -1;
	return cmp_value(a, b);
}

static int take_snapshot(const struct map_view *v, struct snap *s, struct errmsg *err)
{
	struct kmap_iter *it;
	const void *key, *val;
	int ret;

	memset(s, 0, sizeof(*s));
	ret = kmap_iter_new(&v->m, 1024, &it, err);
	if (ret)
		return ret;
	while ((ret = kmap_iter_next(it, &key, &val, err)) == 1)
		if (add_row(s, v, key, val)) {
			ret = errmsg_set(err, -ENOMEM, "out of memory");
			break;
		}
	kmap_iter_free(it);
	if (ret < 0) {
		snap_free(s);
		return ret;
	}
	g_key_size = v->m.info.key_size;
	if (s->n)
		qsort(s->rows, s->n, sizeof(*s->rows), cmp_key);
	return 0;
}

/* Deltas against the previous read (a new key counts from zero). */
static void diff(struct snap *cur, const struct snap *prev, double secs)
{
	for (size_t i = 0; i < cur->n; i++) {
		struct row *r = &cur->rows[i];
		const struct row *p = NULL;

		if (prev->n)
			p = bsearch(r, prev->rows, prev->n, sizeof(*r), cmp_key);

		r->delta = r->num - (p ? p->num : 0);
		r->rate = secs > 0 ? r->delta / secs : 0;
	}
}

struct watch_opts {
	double interval;
	unsigned long long top, count;
	int (*order)(const void *, const void *);
};

static void fmt_num(char *buf, size_t n, const struct row *r, double v, bool rate)
{
	if (!r->has_num)
		snprintf(buf, n, "-");
	else if (rate || r->is_float)
		snprintf(buf, n, "%.1f", v);
	else
		snprintf(buf, n, "%+.0f", v);
}

static void print_table(const struct map_view *v, const struct snap *s, size_t top, bool tty,
			double interval)
{
	size_t kw = 3, vw = 5, n = s->n < top ? s->n : top;
	char d[32], r[32];
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	if (tty)
		fputs("\033[H\033[2J", stdout);
	for (size_t i = 0; i < n; i++) {
		if (strlen(s->rows[i].ktext) > kw)
			kw = strlen(s->rows[i].ktext);
		if (strlen(s->rows[i].vtext) > vw)
			vw = strlen(s->rows[i].vtext);
	}
	if (tty)
		printf("map %s (id %u, %s)  %zu keys  every %gs  %02d:%02d:%02d\n\n",
		       v->m.info.name, v->m.info.id, kmap_type_str(v->m.info.type) ?
		       kmap_type_str(v->m.info.type) : "?", s->n, interval, tm.tm_hour,
		       tm.tm_min, tm.tm_sec);
	else
		printf("%02d:%02d:%02d map %s: %zu keys\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
		       v->m.info.name, s->n);
	printf("%-*s  %-*s  %12s  %12s\n", (int)kw, "KEY", (int)vw, "VALUE", "DELTA", "RATE/s");
	for (size_t i = 0; i < n; i++) {
		const struct row *row = &s->rows[i];

		fmt_num(d, sizeof(d), row, row->delta, false);
		fmt_num(r, sizeof(r), row, row->rate, true);
		printf("%-*s  %-*s  %12s  %12s\n", (int)kw, row->ktext, (int)vw, row->vtext, d, r);
	}
	if (n < s->n)
		printf("(%zu more)\n", s->n - n);
}

static void print_jsonl(const struct map_view *v, const struct snap *s, size_t top)
{
	struct timespec ts;
	double t;

	clock_gettime(CLOCK_REALTIME, &ts);
	t = ts.tv_sec + ts.tv_nsec / 1e9;
	for (size_t i = 0; i < s->n && i < top; i++) {
		const struct row *r = &s->rows[i];
		struct jw w;

		jw_init(&w, stdout, JW_COMPACT);
		jw_obj_begin(&w, NULL);
		jw_double(&w, "time", (double)(long long)(t * 1000) / 1000);
		jw_str(&w, "map", v->m.info.name);
		jw_u64(&w, "id", v->m.info.id);
		jw_raw(&w, "key", r->kjson);
		jw_raw(&w, "value", r->vjson);
		if (r->has_num) {
			jw_double(&w, "delta", r->delta);
			jw_double(&w, "rate", r->rate);
		} else {
			jw_null(&w, "delta");
			jw_null(&w, "rate");
		}
		jw_obj_end(&w);
		putchar('\n');
	}
}

static int watch_loop(struct cli_ctx *ctx, const struct map_view *v, const struct watch_opts *o)
{
	struct errmsg err = { 0 };
	struct snap prev, cur;
	bool tty = isatty(STDOUT_FILENO) && !ctx->json;
	unsigned long long rounds = 0;
	size_t top = o->top;
	double t0, t1;

	if (!top && tty) {
		struct winsize ws;

		top = ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 6 ?
		      ws.ws_row - 5 : 20;
	}
	if (!top)
		top = (size_t)-1;
	if (take_snapshot(v, &prev, &err))
		return cli_errmsg(ctx, &err);
	t0 = kern_now_s();
	while (!kern_stop && (!o->count || rounds < o->count)) {
		nap(o->interval);
		if (kern_stop)
			break;
		if (take_snapshot(v, &cur, &err)) {
			snap_free(&prev);
			return cli_errmsg(ctx, &err);
		}
		t1 = kern_now_s();
		diff(&cur, &prev, t1 - t0);
		g_key_size = v->m.info.key_size;
		if (o->order != cmp_key && cur.n)
			qsort(cur.rows, cur.n, sizeof(*cur.rows), o->order);
		if (ctx->json)
			print_jsonl(v, &cur, top);
		else
			print_table(v, &cur, top, tty, o->interval);
		/* back in key order for the next diff */
		if (cur.n)
			qsort(cur.rows, cur.n, sizeof(*cur.rows), cmp_key);
		snap_free(&prev);
		prev = cur;
		t0 = t1;
		rounds++;
		if (out_flush(ctx->out))
			break;
	}
	snap_free(&prev);
	return EXIT_OK;
}

int cmd_map_watch(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "top", required_argument, NULL, 'n' },
		{ "sort", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'c' },
		{ 0 }
	};
	struct watch_opts o = { .interval = 1, .order = cmp_delta };
	struct map_view v;
	const char *why;
	int c, i, ret;

	while ((c = cli_getopt(ctx, argc, argv, "i:n:s:c:", longopts)) != -1) {
		switch (c) {
		case 'i':
			if (cli_parse_seconds(ctx, "--interval", optarg, 0, &o.interval))
				return EXIT_USAGE;
			break;
		case 'n':
			if (cli_parse_u64(ctx, "--top", optarg, &o.top))
				return EXIT_USAGE;
			break;
		case 'c':
			if (cli_parse_u64(ctx, "--count", optarg, &o.count))
				return EXIT_USAGE;
			break;
		case 's':
			switch (cli_enum_parse(map_watch_orders, optarg)) {
			case 0: o.order = cmp_key; break;
			case 1: o.order = cmp_value; break;
			case 2: o.order = cmp_delta; break;
			default: return cli_usage_error(ctx, "--sort: '%s': want key, value or delta",
							optarg);
			}
			break;
		case CLI_OPT_HELP:
			return EXIT_OK;
		default:
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	i = 0;
	ret = map_open_operand(ctx, argc, argv, &i, &v);
	if (ret)
		return ret;
	why = kmap_unreadable(v.m.info.type);
	if (i < argc)
		ret = cli_usage_error(ctx, "unexpected '%s' (one map at a time)", argv[i]);
	else if (why)
		ret = cli_error(ctx, "map %u: %s", v.m.info.id, why);
	if (!ret) {
		kern_trap_signals();
		ret = watch_loop(ctx, &v, &o);
	}
	map_view_close(&v);
	return ret;
}

/* ---- export ------------------------------------------------------------------------------ */

int cmd_map_export(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "duration", required_argument, NULL, 'D' },
		{ 0 }
	};
	struct errmsg err = { 0 };
	struct map_view *views = NULL;
	struct kmap_export x = { 0 };
	struct kmetrics_server *srv = NULL;
	const char *listen_addr = NULL;
	double duration = 0, end;
	uint16_t port;
	size_t n = 0;
	int c, i, ret = EXIT_OK;

	while ((c = cli_getopt(ctx, argc, argv, "l:", longopts)) != -1) {
		switch (c) {
		case 'l':
			listen_addr = optarg;
			break;
		case 'D':
			if (cli_parse_seconds(ctx, "--duration", optarg, 0, &duration))
				return EXIT_USAGE;
			break;
		case CLI_OPT_HELP:
			return EXIT_OK;
		default:
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (!listen_addr)
		return cli_usage_error(ctx, "--listen ADDR:PORT is required (e.g. 127.0.0.1:9435)");
	if (kmetrics_check_addr(listen_addr, &err))
		return cli_usage_error(ctx, "%s", err.msg);
	if (argc == 0)
		return cli_usage_error(ctx, "which maps? 'bpfkit map export MAP... --listen ADDR:PORT'");
	views = calloc((size_t)argc, sizeof(*views));
	x.maps = calloc((size_t)argc, sizeof(*x.maps));
	x.btfs = calloc((size_t)argc, sizeof(*x.btfs));
	if (!views || !x.maps || !x.btfs) {
		ret = cli_error(ctx, "out of memory");
		goto out;
	}
	for (i = 0; i < argc && !ret;) {
		const char *why;

		ret = map_open_operand(ctx, argc, argv, &i, &views[n]);
		if (ret)
			break;
		n++;
		why = kmap_unreadable(views[n - 1].m.info.type);
		if (!why && kmap_holds_ids(views[n - 1].m.info.type))
			why = "it holds map or program ids, not numbers to export";
		if (why)
			ret = cli_error(ctx, "map %u: %s", views[n - 1].m.info.id, why);
	}
	if (ret)
		goto out;
	for (size_t k = 0; k < n; k++) {
		x.maps[k] = views[k].m;
		/* only types the walker accepts: the renderer then never sees a bad one */
		x.btfs[k] = views[k].key_type || views[k].value_type ? views[k].btf : NULL;
	}
	x.n = n;
	if (kmetrics_start(listen_addr, kmap_metrics_render, &x, &srv, &port, &err)) {
		ret = err.code == -EINVAL ? cli_usage_error(ctx, "%s", err.msg) : cli_errmsg(ctx, &err);
		goto out;
	}
	kern_trap_signals();
	cli_info(ctx, "serving %zu map%s on port %u (--listen %s): GET /metrics; Ctrl-C stops", n,
		 n == 1 ? "" : "s", port, listen_addr);
	end = duration > 0 ? kern_now_s() + duration : 0;
	while (!kern_stop && (!end || kern_now_s() < end))
		nap(end ? (end - kern_now_s() < 0.2 ? end - kern_now_s() : 0.2) : 0.2);
	kmetrics_stop(srv);
out:
	for (size_t k = 0; k < n; k++)
		map_view_close(&views[k]);
	free(views);
	free(x.maps);
	free(x.btfs);
	return ret;
}
