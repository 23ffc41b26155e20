/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * bpfkit map: the maps the kernel holds. list/show with bpftool's JSON fields; elements
 * through the map's BTF (typed in, typed out), hex without it; dump in batches, streamed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "btf_fmt.h"
#include "kern_obj.h"
#include "map_cli.h"

#define MAP_SEL "MAP := id ID | name NAME | pinned PATH (a bare number is an id)\n"

/* ---- opening ----------------------------------------------------------------------------- */

static int open_by_name(struct cli_ctx *ctx, const char *name, struct kmap *m)
{
	struct errmsg err = { 0 };
	uint32_t *ids;
	size_t n;
	int ret;

	if (kmap_ids_by_name(name, &ids, &n, &err))
		return cli_errmsg(ctx, &err);
	if (n == 0) {
		free(ids);
		return cli_error(ctx, "no map named '%s' ('bpfkit map list' lists them)", name);
	}
	if (n > 1) {
		char list[128] = "";

		for (size_t i = 0; i < n && strlen(list) < sizeof(list) - 16; i++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%u",
				 i ? ", " : "", ids[i]);
		free(ids);
		return cli_usage_error(ctx, "%zu maps are named '%s' (ids %s): pick one with 'id ID'",
				       n, name, list);
	}
	ret = kmap_open_id(ids[0], m, &err);
	free(ids);
	return ret ? cli_errmsg(ctx, &err) : 0;
}

/* A map id: a number that fits 32 bits (strtoul alone would wrap 2^32 + 1 to 1). */
static bool is_number(const char *s)
{
	unsigned long long v;
	char *end;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	return !*end && !errno && v <= UINT32_MAX;
}

/* The selector words at argv[*i]; sel/arg describe it. */
static int parse_selector(struct cli_ctx *ctx, int argc, char **argv, int *i, const char **sel,
			  const char **arg)
{
	if (*i >= argc)
		return cli_usage_error(ctx, "missing MAP: " MAP_SEL);
	*sel = argv[*i];
	if (!strcmp(*sel, "id") || !strcmp(*sel, "name") || !strcmp(*sel, "pinned")) {
		if (*i + 1 >= argc)
			return cli_usage_error(ctx, "'%s' needs a value: " MAP_SEL, *sel);
		*arg = argv[*i + 1];
		*i += 2;
	} else if (is_number(*sel)) {
		*arg = *sel;
		*sel = "id";
		*i += 1;
	} else if (strchr(*sel, '/')) {
		*arg = *sel;
		*sel = "pinned";
		*i += 1;
	} else {
		return cli_usage_error(ctx, "'%s' is not a MAP: " MAP_SEL, *sel);
	}
	if (!strcmp(*sel, "id") && !is_number(*arg))
		return cli_usage_error(ctx, "id: '%s' is not a map id (0..4294967295)", *arg);
	return 0;
}

static uint32_t usable_type(const struct btf *btf, uint32_t id, size_t size);

static int open_selected(struct cli_ctx *ctx, const char *sel, const char *arg, struct kmap *m)
{
	struct errmsg err = { 0 };
	int ret;

	m->fd = -1;
	if (!strcmp(sel, "name"))
		return open_by_name(ctx, arg, m);
	if (!strcmp(sel, "id"))
		ret = kmap_open_id((uint32_t)strtoul(arg, NULL, 0), m, &err);
	else
		ret = kmap_open_pinned(arg, m, &err);
	return ret ? cli_errmsg(ctx, &err) : 0;
}

int map_open_operand(struct cli_ctx *ctx, int argc, char **argv, int *i, struct map_view *v)
{
	struct errmsg err = { 0 };
	const char *sel, *arg;
	int ret;

	memset(v, 0, sizeof(*v));
	v->m.fd = -1;
	ret = parse_selector(ctx, argc, argv, i, &sel, &arg);
	if (ret)
		return ret;
	ret = open_selected(ctx, sel, arg, &v->m);
	if (ret)
		return ret;
	if (kmap_load_btf(&v->m, &v->btf, &err)) {
		cli_warn(ctx, "%s; showing bytes", err.msg);
		v->btf = NULL;
	}
	v->key_type = usable_type(v->btf, v->m.info.btf_key_type_id, v->m.info.key_size);
	v->value_type = usable_type(v->btf, v->m.info.btf_value_type_id, v->m.info.value_size);
	v->ncpu = kmap_is_percpu(v->m.info.type) ? kmap_ncpus() : 1;
	v->stride = v->ncpu > 1 ? (v->m.info.value_size + 7) & ~7u : v->m.info.value_size;
	if (v->ncpu < 1)
		v->ncpu = 1;
	return 0;
}

void map_view_close(struct map_view *v)
{
	btf__free(v->btf);
	v->btf = NULL;
	kmap_close(&v->m);
}

/* ---- options for keyword verbs --------------------------------------------------------- */

/*
 * Keyword verbs take bpftool-style words ("key uid=1000 value -5"): getopt would read "-5"
 * as an option, so only the common options are picked out, wherever they are.
 */
struct kw_args {
	int argc;
	char **argv;	/* operands, argv[0] the first after the verb */
	bool force;
};

static int keyword_args(struct cli_ctx *ctx, int argc, char **argv, struct kw_args *a,
			bool allow_force)
{
	a->argv = calloc((size_t)argc + 1, sizeof(char *));
	a->argc = 0;
	a->force = false;
	if (!a->argv)
		return cli_error(ctx, "out of memory");
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];

		if (!strcmp(s, "--")) {
			while (++i < argc)
				a->argv[a->argc++] = argv[i];
			break;
		}
		if (!strcmp(s, "-j") || !strcmp(s, "--json")) {
			ctx->json = true;
		} else if (!strcmp(s, "-p") || !strcmp(s, "--pretty")) {
			ctx->json = ctx->pretty = true;
		} else if (!strcmp(s, "-d") || !strcmp(s, "--debug")) {
			ctx->debug = true;
		} else if (!strcmp(s, "-q") || !strcmp(s, "--quiet")) {
			ctx->quiet = true;
		} else if (!strcmp(s, "--no-color")) {
			ctx->color = false;
		} else if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
			cli_print_help(ctx->cmd);
			return CLI_OPT_HELP;
		} else if (allow_force && (!strcmp(s, "-f") || !strcmp(s, "--force"))) {
			a->force = true;
		} else if (s[0] == '-' && s[1] == '-') {
			return cli_usage_error(ctx, "unknown option '%s'; see 'bpfkit %s --help'", s,
					       ctx->name);
		} else {
			a->argv[a->argc++] = argv[i];
		}
	}
	out_set_mode(ctx->out, ctx->json, ctx->pretty);
	return 0;
}

/* Run fn with the keyword operands; help is exit 0. */
#define KW_PROLOGUE(allow_force)						\
	struct kw_args a;							\
	int ret = keyword_args(ctx, argc, argv, &a, allow_force);		\
	if (ret) {								\
		free(a.argv);							\
		return ret == CLI_OPT_HELP ? EXIT_OK : ret;			\
	}

/* ---- list / show ----------------------------------------------------------------------- */

static int stream_error(struct cli_ctx *ctx, const struct errmsg *err);

/* Who refers to maps: pins under bpffs and processes holding fds (kern/objs.c, shared
 * with prog and link). */
struct refs {
	struct kern_pins pins;
	struct kern_holders holders;
};

/*
 * Where a listing goes: the output document (text tables, small JSON), or, for a JSON
 * list, the streaming writer: a thousand maps are then written as they are read instead
 * of held as a tree. emit_info() describes a map once for both.
 */
struct sink {
	struct out *o;
	struct jw *w;	/* set: stream JSON */
	bool record;	/* one map shown: its fields' keys label the text, as prog show's do */
};

static void s_obj(struct sink *s, bool begin)
{
	if (s->w)
		begin ? jw_obj_begin(s->w, NULL) : jw_obj_end(s->w);
	else
		begin ? out_object_begin(s->o, NULL, NULL) : out_object_end(s->o);
}

static void s_list(struct sink *s, const char *key, const char *label, bool begin)
{
	if (s->w)
		begin ? jw_arr_begin(s->w, key) : jw_arr_end(s->w);
	else
		begin ? out_list_begin(s->o, key, s->record ? NULL : label) : out_list_end(s->o);
}

static void s_u64(struct sink *s, const char *key, const char *label, uint64_t v)
{
	if (s->w)
		jw_u64(s->w, key, v);
	else
		out_u64(s->o, key, s->record ? NULL : label, v);
}

static void s_str(struct sink *s, const char *key, const char *label, const char *v)
{
	if (s->w)
		jw_str(s->w, key, v);
	else
		out_str(s->o, key, s->record ? NULL : label, v);
}

static void s_bool(struct sink *s, const char *key, const char *label, bool v)
{
	if (s->w)
		jw_bool(s->w, key, v);
	else
		out_bool(s->o, key, s->record ? NULL : label, v);
}

static void emit_info(struct sink *o, const struct kmap *m, const struct refs *r)
{
	const char *type = kmap_type_str(m->info.type);
	size_t first, n;

	s_obj(o, true);
	s_u64(o, "id", "ID", m->info.id);
	if (type)
		s_str(o, "type", "TYPE", type);
	else
		s_u64(o, "type", "TYPE", m->info.type);
	s_str(o, "name", "NAME", m->info.name);
	s_u64(o, "flags", "FLAGS", m->info.map_flags);
	s_u64(o, "bytes_key", "KEY", m->info.key_size);
	s_u64(o, "bytes_value", "VALUE", m->info.value_size);
	s_u64(o, "max_entries", "MAX ENTRIES", m->info.max_entries);
	s_u64(o, "bytes_memlock", "MEMLOCK", m->memlock);
	if (m->owner_prog_type >= 0) {
		const char *pt = libbpf_bpf_prog_type_str((enum bpf_prog_type)m->owner_prog_type);

		if (pt)
			s_str(o, "owner_prog_type", "OWNER", pt);
		else
			s_u64(o, "owner_prog_type", "OWNER", (uint64_t)m->owner_prog_type);
		s_bool(o, "owner_jited", "JITED", m->owner_jited > 0);
	}
	s_u64(o, "frozen", "FROZEN", m->frozen);
	if (m->info.map_extra)
		s_u64(o, "map_extra", "EXTRA", m->info.map_extra);
	if (m->info.btf_id)
		s_u64(o, "btf_id", "BTF", m->info.btf_id);
	first = kern_pins_find(&r->pins, KERN_MAP, m->info.id, &n);
	if (n) {
		s_list(o, "pinned", "PINNED", true);
		for (size_t i = first; i < first + n; i++)
			s_str(o, NULL, NULL, r->pins.v[i].path);
		s_list(o, NULL, NULL, false);
	}
	first = kern_holders_find(&r->holders, KERN_MAP, m->info.id, &n);
	if (n) {
		s_list(o, "pids", "PIDS", true);
		for (size_t i = first; i < first + n; i++) {
			const struct kern_holder *h = &r->holders.v[i];

			if (o->w || out_json(o->o)) {
				s_obj(o, true);
				s_u64(o, "pid", NULL, (uint64_t)h->pid);
				s_str(o, "comm", NULL, h->comm);
				s_obj(o, false);
			} else {	/* a table cell: comm(pid) */
				char cell[64];

				snprintf(cell, sizeof(cell), "%s(%d)", h->comm, h->pid);
				s_str(o, NULL, NULL, cell);
			}
		}
		s_list(o, NULL, NULL, false);
	}
	s_obj(o, false);
}

static int show_ids(struct cli_ctx *ctx, const uint32_t *ids, size_t n, bool single)
{
	struct errmsg err = { 0 };
	struct refs r = { 0 };
	struct jw w;
	struct sink o = { ctx->out, NULL, single };
	bool started = false;
	int ret = EXIT_OK;

	if (kern_pins_scan(&r.pins, NULL, 1u << KERN_MAP, &err) ||
	    kern_holders_scan(&r.holders, 1u << KERN_MAP, &err))
		ret = cli_errmsg(ctx, &err);
	for (size_t i = 0; i < n && !ret; i++) {
		struct kmap m;

		if (kmap_open_id(ids[i], &m, &err)) {
			if (err.code == -ENOENT && !single)
				continue;	/* gone since it was listed */
			ret = started ? stream_error(ctx, &err) : cli_errmsg(ctx, &err);
			break;
		}
		if (!started) {
			started = true;
			if (ctx->json && !single) {
				jw_init(&w, stdout, ctx->pretty ? JW_PRETTY : JW_COMPACT);
				o.w = &w;
			}
			if (!single)
				s_list(&o, NULL, NULL, true);
		}
		emit_info(&o, &m, &r);
		kmap_close(&m);
	}
	if (!single && !started && !ret) {	/* no maps: an empty list */
		out_list_begin(ctx->out, NULL, NULL);
		out_list_end(ctx->out);
	} else if (!single && started) {
		s_list(&o, NULL, NULL, false);
		if (o.w)
			putchar('\n');
	}
	kern_pins_free(&r.pins);
	kern_holders_free(&r.holders);
	return ret;
}

static int cmd_map_show(struct cli_ctx *ctx, int argc, char **argv)
{
	struct errmsg err = { 0 };
	const char *sel, *arg;
	uint32_t *ids = NULL, one;
	size_t n;
	int i = 0;
	KW_PROLOGUE(false);

	if (a.argc == 0) {
		ret = kmap_ids_all(&ids, &n, &err) ? cli_errmsg(ctx, &err) :
						      show_ids(ctx, ids, n, false);
		goto out;
	}
	ret = parse_selector(ctx, a.argc, a.argv, &i, &sel, &arg);
	if (ret)
		goto out;
	if (i < a.argc) {
		ret = cli_usage_error(ctx, "unexpected '%s'", a.argv[i]);
		goto out;
	}
	if (!strcmp(sel, "name")) {
		if (kmap_ids_by_name(arg, &ids, &n, &err)) {
			ret = cli_errmsg(ctx, &err);
			goto out;
		}
		if (n == 0)
			ret = cli_error(ctx, "no map named '%s' ('bpfkit map list' lists them)", arg);
		else	/* bpftool: one match is an object, several a list */
			ret = show_ids(ctx, ids, n, n == 1);
		goto out;
	}
	{
		struct kmap m;

		ret = open_selected(ctx, sel, arg, &m);
		if (ret)
			goto out;
		one = m.info.id;
		kmap_close(&m);
		ret = show_ids(ctx, &one, 1, true);
	}
out:
	free(ids);
	free(a.argv);
	return ret;
}

/* ---- one element ------------------------------------------------------------------------- */

/* BTF visitor -> jw: the top value (name NULL at depth 0) is written under top_key. */
struct fmt_ctx {
	struct jw *w;
	const char *top_key;
	int depth;
};

static const char *fkey(struct fmt_ctx *c, const char *name)
{
	return c->depth == 0 ? c->top_key : name;
}

static void f_open(void *p, const char *name, uint32_t index, bool array)
{
	struct fmt_ctx *c = p;

	if (array)
		jw_arr_begin(c->w, fkey(c, name));
	else
		jw_obj_begin(c->w, fkey(c, name));
	c->depth++;
}

static void f_close(void *p, bool array)
{
	struct fmt_ctx *c = p;

	c->depth--;
	if (array)
		jw_arr_end(c->w);
	else
		jw_obj_end(c->w);
}

static void f_leaf(void *p, const char *name, uint32_t index, const struct bk_leaf *l)
{
	struct fmt_ctx *c = p;
	struct jw *w = c->w;
	char buf[32];

	name = fkey(c, name);
	switch (l->kind) {
	case BK_LEAF_UINT: jw_u64(w, name, l->u); break;
	case BK_LEAF_SINT: jw_s64(w, name, l->s); break;
	case BK_LEAF_BOOL: jw_bool(w, name, l->u); break;
	case BK_LEAF_FLOAT: jw_double(w, name, l->d); break;
	case BK_LEAF_STR: jw_strn(w, name, l->str, l->len); break;
	case BK_LEAF_ENUM:
		if (l->str && w->style == JW_TEXT)
			jw_raw(w, name, l->str);
		else if (l->str)
			jw_str(w, name, l->str);
		else if (l->is_signed)
			jw_s64(w, name, l->s);
		else
			jw_u64(w, name, l->u);
		break;
	case BK_LEAF_PTR:
		snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)l->u);
		jw_str(w, name, buf);
		break;
	case BK_LEAF_BYTES: jw_hex_bytes(w, name, l->bytes, l->nbytes); break;
	}
}

static const struct bk_btf_visitor null_visitor;

/* A type id the walker accepts for size bytes (checked once: walks fail on types, not data). */
static uint32_t usable_type(const struct btf *btf, uint32_t id, size_t size)
{
	struct errmsg err = { 0 };
	unsigned char *zero;
	int bad;

	if (!btf || !id || !size)
		return 0;
	zero = calloc(1, size);
	if (!zero)
		return 0;
	bad = bk_btf_walk(btf, id, zero, size, &null_visitor, &err);
	free(zero);
	return bad ? 0 : id;
}

void map_put_data(struct jw *w, const struct map_view *v, const char *key, uint32_t type_id,
		  const void *data, size_t size)
{
	struct fmt_ctx fc = { w, key, 0 };
	struct bk_btf_visitor vis = { f_open, f_close, f_leaf, &fc };
	struct errmsg err = { 0 };

	if (!v->btf || !type_id) {
		jw_hex_bytes(w, key, data, size);
		return;
	}
	bk_btf_walk(v->btf, type_id, data, size, &vis, &err);
}

static const char *id_field(uint32_t type)
{
	return type == BPF_MAP_TYPE_PROG_ARRAY ? "prog_id" : "inner_map_id";
}

/* bpftool's element: key/value as hex byte lists, "formatted" through BTF beside them. */
static void put_entry_json(struct jw *w, const struct map_view *v, const void *key,
			   const void *val)
{
	const unsigned char *vb = val;
	size_t ksz = v->m.info.key_size, vsz = v->m.info.value_size;

	jw_obj_begin(w, NULL);
	jw_hex_bytes(w, "key", key, ksz);
	if (v->ncpu > 1) {
		jw_arr_begin(w, "values");
		for (int c = 0; c < v->ncpu; c++) {
			jw_obj_begin(w, NULL);
			jw_u64(w, "cpu", (uint64_t)c);
			jw_hex_bytes(w, "value", vb + c * v->stride, vsz);
			jw_obj_end(w);
		}
		jw_arr_end(w);
	} else {
		jw_hex_bytes(w, "value", val, vsz);
	}
	if (kmap_holds_ids(v->m.info.type) && vsz == 4) {
		uint32_t id;

		memcpy(&id, val, 4);
		jw_u64(w, id_field(v->m.info.type), id);
	}
	if (v->key_type || v->value_type) {
		jw_obj_begin(w, "formatted");
		map_put_data(w, v, "key", v->key_type, key, ksz);
		if (v->ncpu > 1) {
			jw_arr_begin(w, "values");
			for (int c = 0; c < v->ncpu; c++) {
				jw_obj_begin(w, NULL);
				jw_u64(w, "cpu", (uint64_t)c);
				map_put_data(w, v, "value", v->value_type, vb + c * v->stride, vsz);
				jw_obj_end(w);
			}
			jw_arr_end(w);
		} else {
			map_put_data(w, v, "value", v->value_type, val, vsz);
		}
		jw_obj_end(w);
	}
	jw_obj_end(w);
}

/* Text: "key: K  value: V" on one line; per-CPU values one line each below the key. */
static void put_entry_text(FILE *f, const struct map_view *v, const void *key, const void *val)
{
	const unsigned char *vb = val;
	size_t vsz = v->m.info.value_size;
	struct jw w;

	jw_init(&w, f, JW_TEXT);
	fputs("key: ", f);
	map_put_data(&w, v, NULL, v->key_type, key, v->m.info.key_size);
	if (kmap_holds_ids(v->m.info.type) && vsz == 4) {
		uint32_t id;

		memcpy(&id, val, 4);
		fprintf(f, "  %s: %u\n", id_field(v->m.info.type), id);
		return;
	}
	if (v->ncpu > 1) {
		fputc('\n', f);
		for (int c = 0; c < v->ncpu; c++) {
			fprintf(f, "  value (CPU %d): ", c);
			jw_init(&w, f, JW_TEXT);
			map_put_data(&w, v, NULL, v->value_type, vb + c * v->stride, vsz);
			fputc('\n', f);
		}
		return;
	}
	fputs("  value: ", f);
	jw_init(&w, f, JW_TEXT);
	map_put_data(&w, v, NULL, v->value_type, val, vsz);
	fputc('\n', f);
}

/* An error after part of a stream was written: the stream stays well-formed, the message
 * goes to stderr only (a JSON error document cannot follow half an array). */
static int stream_error(struct cli_ctx *ctx, const struct errmsg *err)
{
	struct out *o = ctx->out;
	int ret;

	ctx->out = NULL;
	ret = cli_errmsg(ctx, err);
	ctx->out = o;
	return ret;
}

/* ---- dump -------------------------------------------------------------------------------- */

#define DUMP_BATCH 4096

static int cmd_map_dump(struct cli_ctx *ctx, int argc, char **argv)
{
	struct map_view v;
	struct errmsg err = { 0 };
	struct kmap_iter *it = NULL;
	const void *key, *val;
	uint64_t n = 0;
	struct jw w;
	int i = 0, got;
	const char *why;
	KW_PROLOGUE(false);

	ret = map_open_operand(ctx, a.argc, a.argv, &i, &v);
	if (ret) {
		free(a.argv);
		return ret;
	}
	if (i < a.argc) {
		ret = cli_usage_error(ctx, "unexpected '%s'", a.argv[i]);
		goto out;
	}
	why = kmap_unreadable(v.m.info.type);
	if (why) {
		ret = cli_error(ctx, "map %u (%s): %s", v.m.info.id, kmap_type_str(v.m.info.type),
				why);
		goto out;
	}
	if (kmap_iter_new(&v.m, DUMP_BATCH, &it, &err)) {
		ret = cli_errmsg(ctx, &err);
		goto out;
	}
	/* the first batch decides between a clean error document and a stream */
	got = kmap_iter_next(it, &key, &val, &err);
	if (got < 0) {
		ret = cli_errmsg(ctx, &err);
		goto out;
	}
	jw_init(&w, stdout, ctx->pretty ? JW_PRETTY : JW_COMPACT);
	if (ctx->json)
		jw_arr_begin(&w, NULL);
	for (; got == 1; got = kmap_iter_next(it, &key, &val, &err)) {
		if (ctx->json)
			put_entry_json(&w, &v, key, val);
		else
			put_entry_text(stdout, &v, key, val);
		if (++n % DUMP_BATCH == 0 && ferror(stdout))
			break;	/* out_finish() reports the write error */
	}
	if (ctx->json) {
		jw_arr_end(&w);
		putchar('\n');
	} else {
		printf("Found %llu element%s\n", (unsigned long long)n, n == 1 ? "" : "s");
	}
	if (got < 0)
		ret = stream_error(ctx, &err);
out:
	kmap_iter_free(it);
	map_view_close(&v);
	free(a.argv);
	return ret;
}

/* ---- keys and values from words ---------------------------------------------------------- */

static bool all_bytes(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		char *end;
		unsigned long b = strtoul(argv[i], &end, 0);

		if (!*argv[i] || *end || b > 255 || argv[i][0] == '-')
			return false;
	}
	return true;
}

/*
 * Words to bytes: "hex B..." or a bpftool byte list (as many words as bytes), else through
 * BTF (FIELD=VALUE, a scalar, JSON), else a plain number for a 1-8 byte integer.
 * Parse errors are usage errors (exit 2).
 */
static int parse_data(struct cli_ctx *ctx, const struct map_view *v, uint32_t type_id,
		      size_t size, int argc, char **argv, void *out, const char *what)
{
	struct errmsg err = { 0 };
	int ret;

	if (argc == 0)
		return cli_usage_error(ctx, "%s: missing after '%s'", what, what);
	if (!strcmp(argv[0], "hex") || ((size_t)argc == size && size > 1 && all_bytes(argc, argv)) ||
	    !type_id)
		ret = bk_bytes_parse(argc, argv, out, size, what, &err);
	else
		ret = bk_btf_parse(v->btf, type_id, argc, argv, out, size, what, &err);
	return ret ? cli_usage_error(ctx, "%s", err.msg) : 0;
}

/* "key WORDS..." up to stop (a keyword) or the end: [*first, *end). */
static int key_words(struct cli_ctx *ctx, struct kw_args *a, int *i, const char *stop,
		     int *first, int *end)
{
	if (*i >= a->argc || strcmp(a->argv[*i], "key"))
		return cli_usage_error(ctx, "expected 'key KEY' after MAP; see 'bpfkit %s --help'",
				       ctx->name);
	*first = ++*i;
	while (*i < a->argc && !(stop && !strcmp(a->argv[*i], stop)))
		++*i;
	*end = *i;
	return 0;
}

static int parse_key(struct cli_ctx *ctx, const struct map_view *v, struct kw_args *a, int first,
		     int end, void *key)
{
	return parse_data(ctx, v, v->key_type, v->m.info.key_size, end - first, a->argv + first,
			  key, "key");
}

/* ---- lookup / delete / getnext -------------------------------------------------------- */

static int alloc_kv(struct cli_ctx *ctx, const struct map_view *v, void **key, void **val)
{
	*key = calloc(1, v->m.info.key_size + 1);
	*val = calloc(1, kmap_value_bytes(&v->m) + 8);
	if (!*key || !*val)
		return cli_error(ctx, "out of memory");
	return 0;
}

static int cmd_map_lookup(struct cli_ctx *ctx, int argc, char **argv)
{
	struct errmsg err = { 0 };
	struct map_view v;
	void *key = NULL, *val = NULL;
	int i = 0, first, end;
	const char *why;
	KW_PROLOGUE(false);

	ret = map_open_operand(ctx, a.argc, a.argv, &i, &v);
	if (ret)
		goto out_args;
	why = kmap_unreadable(v.m.info.type);
	if (why) {
		ret = cli_error(ctx, "map %u (%s): %s", v.m.info.id, kmap_type_str(v.m.info.type),
				why);
		goto out;
	}
	ret = key_words(ctx, &a, &i, NULL, &first, &end);
	if (!ret)
		ret = alloc_kv(ctx, &v, &key, &val);
	if (!ret)
		ret = parse_key(ctx, &v, &a, first, end, key);
	if (ret)
		goto out;
	if (kmap_lookup(&v.m, key, val, &err)) {
		ret = cli_errmsg(ctx, &err);
		goto out;
	}
	if (ctx->json) {
		struct jw w;

		jw_init(&w, stdout, ctx->pretty ? JW_PRETTY : JW_COMPACT);
		put_entry_json(&w, &v, key, val);
		putchar('\n');
	} else {
		put_entry_text(stdout, &v, key, val);
	}
out:
	free(key);
	free(val);
	map_view_close(&v);
out_args:
	free(a.argv);
	return ret;
}

static int cmd_map_delete(struct cli_ctx *ctx, int argc, char **argv)
{
	struct errmsg err = { 0 };
	struct map_view v;
	void *key = NULL, *val = NULL;
	int i = 0, first, end;
	KW_PROLOGUE(false);

	ret = map_open_operand(ctx, a.argc, a.argv, &i, &v);
	if (ret)
		goto out_args;
	ret = key_words(ctx, &a, &i, NULL, &first, &end);
	if (!ret)
		ret = alloc_kv(ctx, &v, &key, &val);
	if (!ret)
		ret = parse_key(ctx, &v, &a, first, end, key);
	if (!ret && kmap_delete(&v.m, key, &err))
		ret = cli_errmsg(ctx, &err);
	free(key);
	free(val);
	map_view_close(&v);
out_args:
	free(a.argv);
	return ret;
}

static int cmd_map_getnext(struct cli_ctx *ctx, int argc, char **argv)
{
	struct errmsg err = { 0 };
	struct map_view v;
	void *key = NULL, *next = NULL;
	int i = 0, first, end, r;
	bool have_key;
	KW_PROLOGUE(false);

	ret = map_open_operand(ctx, a.argc, a.argv, &i, &v);
	if (ret)
		goto out_args;
	have_key = i < a.argc;
	if (have_key)
		ret = key_words(ctx, &a, &i, NULL, &first, &end);
	if (!ret)
		ret = alloc_kv(ctx, &v, &key, &next);
	if (!ret && have_key)
		ret = parse_key(ctx, &v, &a, first, end, key);
	if (ret)
		goto out;
	r = kmap_getnext(&v.m, have_key ? key : NULL, next, &err);
	if (r == -ENOENT) {
		ret = cli_error(ctx, have_key ? "no key after this one (it is the last)" :
						"the map is empty");
		goto out;
	}
	if (r) {
		ret = cli_errmsg(ctx, &err);
		goto out;
	}
	if (ctx->json) {
		struct jw w;

		jw_init(&w, stdout, ctx->pretty ? JW_PRETTY : JW_COMPACT);
		jw_obj_begin(&w, NULL);
		if (have_key)
			jw_hex_bytes(&w, "key", key, v.m.info.key_size);
		else
			jw_null(&w, "key");
		jw_hex_bytes(&w, "next_key", next, v.m.info.key_size);
		if (v.key_type) {
			jw_obj_begin(&w, "formatted");
			if (have_key)
				map_put_data(&w, &v, "key", v.key_type, key, v.m.info.key_size);
			else
				jw_null(&w, "key");
			map_put_data(&w, &v, "next_key", v.key_type, next, v.m.info.key_size);
			jw_obj_end(&w);
		}
		jw_obj_end(&w);
		putchar('\n');
	} else {
		struct jw w;

		jw_init(&w, stdout, JW_TEXT);
		fputs("key: ", stdout);
		if (have_key)
			map_put_data(&w, &v, NULL, v.key_type, key, v.m.info.key_size);
		else
			fputs("(none)", stdout);
		fputs("\nnext key: ", stdout);
		jw_init(&w, stdout, JW_TEXT);
		map_put_data(&w, &v, NULL, v.key_type, next, v.m.info.key_size);
		putchar('\n');
	}
out:
	free(key);
	free(next);
	map_view_close(&v);
out_args:
	free(a.argv);
	return ret;
}

/* ---- update ------------------------------------------------------------------------------ */

static int parse_flag(const char *s, uint64_t *flags)
{
	if (!strcmp(s, "any"))
		*flags = BPF_ANY;
	else if (!strcmp(s, "exist"))
		*flags = BPF_EXIST;
	else if (!strcmp(s, "noexist"))
		*flags = BPF_NOEXIST;
	else
		return -1;
	return 0;
}

/* The value words into val: typed, or an id/pin for maps that hold fds. *fd is owned. */
static int parse_value(struct cli_ctx *ctx, const struct map_view *v, int argc, char **argv,
		       unsigned char *val, int *fd)
{
	struct errmsg err = { 0 };
	size_t vsz = v->m.info.value_size;
	int ret;

	*fd = -1;
	if (kmap_holds_ids(v->m.info.type)) {
		uint32_t u;

		if (argc != 2 || (strcmp(argv[0], "id") && strcmp(argv[0], "pinned")))
			return cli_usage_error(ctx, "value: this map holds %s: 'value id ID' or 'value pinned PATH'",
					       v->m.info.type == BPF_MAP_TYPE_PROG_ARRAY ?
					       "programs" : "maps");
		if (kmap_value_fd(&v->m, argv[0], argv[1], fd, &err))
			return cli_errmsg(ctx, &err);
		u = (uint32_t)*fd;
		memcpy(val, &u, 4);
		return 0;
	}
	ret = parse_data(ctx, v, v->value_type, vsz, argc, argv, val, "value");
	if (ret)
		return ret;
	/* per-CPU maps: the same value on every CPU */
	for (int c = 1; c < v->ncpu; c++)
		memcpy(val + c * v->stride, val, vsz);
	return 0;
}

static int cmd_map_update(struct cli_ctx *ctx, int argc, char **argv)
{
	struct errmsg err = { 0 };
	struct map_view v;
	void *key = NULL, *val = NULL;
	int i = 0, first, end, vfirst, vend, fd = -1;
	uint64_t flags = BPF_ANY;
	KW_PROLOGUE(false);

	ret = map_open_operand(ctx, a.argc, a.argv, &i, &v);
	if (ret)
		goto out_args;
	ret = key_words(ctx, &a, &i, "value", &first, &end);
	if (ret)
		goto out;
	if (i >= a.argc) {
		ret = cli_usage_error(ctx, "expected 'value VALUE' after the key");
		goto out;
	}
	vfirst = i + 1;
	vend = a.argc;
	if (vend - vfirst > 1 && parse_flag(a.argv[vend - 1], &flags) == 0)
		vend--;
	ret = alloc_kv(ctx, &v, &key, &val);
	if (!ret)
		ret = parse_key(ctx, &v, &a, first, end, key);
	if (!ret)
		ret = parse_value(ctx, &v, vend - vfirst, a.argv + vfirst, val, &fd);
	if (!ret && kmap_update(&v.m, key, val, flags, &err))
		ret = cli_errmsg(ctx, &err);
	if (fd >= 0)
		close(fd);
out:
	free(key);
	free(val);
	map_view_close(&v);
out_args:
	free(a.argv);
	return ret;
}

/* ---- pin / freeze ------------------------------------------------------------------------ */

static int cmd_map_pin(struct cli_ctx *ctx, int argc, char **argv)
{
	struct errmsg err = { 0 };
	struct map_view v;
	int i = 0;
	KW_PROLOGUE(true);

	ret = map_open_operand(ctx, a.argc, a.argv, &i, &v);
	if (ret)
		goto out_args;
	if (i + 1 != a.argc)
		ret = cli_usage_error(ctx, i >= a.argc ? "missing PATH" : "unexpected '%s'",
				      a.argv[a.argc - 1]);
	else if (kmap_pin(&v.m, a.argv[i], a.force, &err))
		ret = cli_errmsg(ctx, &err);
	map_view_close(&v);
out_args:
	free(a.argv);
	return ret;
}

static int cmd_map_freeze(struct cli_ctx *ctx, int argc, char **argv)
{
	struct errmsg err = { 0 };
	struct map_view v;
	int i = 0;
	KW_PROLOGUE(false);

	ret = map_open_operand(ctx, a.argc, a.argv, &i, &v);
	if (ret)
		goto out_args;
	if (i < a.argc)
		ret = cli_usage_error(ctx, "unexpected '%s'", a.argv[i]);
	else if (kmap_freeze(&v.m, &err))
		ret = cli_errmsg(ctx, &err);
	map_view_close(&v);
out_args:
	free(a.argv);
	return ret;
}

/* ---- table ------------------------------------------------------------------------------- */

#define KEY_HELP								\
	"KEY, VALUE := FIELD=VALUE... | VALUE | JSON | hex BYTE... | BYTE...\n"	\
	"  Through the map's BTF: struct fields by name (nested with '.', elements with\n" \
	"  [i]; fields not given are zero), enums by name, strings for char arrays,\n" \
	"  true/false, numbers in any C base; or one JSON word ('{\"uid\":1000}').\n" \
	"  Without BTF: 'hex 01 00 00 00', a list of as many bytes as the key has, or\n" \
	"  one number for a 1, 2, 4 or 8-byte integer. A word that does not fit its\n" \
	"  field is a usage error naming the field and its type (exit 2).\n"

static const struct cli_command map_verbs[] = {
	{ "list", cmd_map_show, NULL, "list the maps the kernel holds",
	  "Usage: bpfkit map list [MAP]\n"
	  "\n" MAP_SEL
	  "\n"
	  "Every map (or the ones MAP names) with bpftool's fields: id type name flags\n"
	  "bytes_key bytes_value max_entries bytes_memlock frozen btf_id, owner_prog_type\n"
	  "and owner_jited for program arrays, map_extra when set, the pins (pinned, as\n"
	  "bpftool -f) and the processes holding it (pids: pid, comm).\n", 0 },
	{ "show", cmd_map_show, NULL, "show one map, or every map",
	  "Usage: bpfkit map show [MAP]\n"
	  "\n" MAP_SEL
	  "\n"
	  "The fields of 'map list'. 'name NAME' shows every map so named.\n", 0 },
	{ "dump", cmd_map_dump, NULL, "print every element",
	  "Usage: bpfkit map dump MAP\n"
	  "\n" MAP_SEL
	  "\n"
	  "Keys and values through the map's BTF, hex without it; per-CPU maps show each\n"
	  "CPU, map-in-map and program arrays the ids they hold. JSON is bpftool's: key\n"
	  "and value as hex byte lists, 'formatted' with the typed key and value. Reads\n"
	  "in batches (BPF_MAP_LOOKUP_BATCH, else key by key) and streams: memory does not\n"
	  "grow with the map. Ring buffers and perf event arrays are read with 'bpfkit\n"
	  "trace run'.\n", 0 },
	{ "lookup", cmd_map_lookup, NULL, "print the value of a key",
	  "Usage: bpfkit map lookup MAP key KEY\n"
	  "\n" MAP_SEL KEY_HELP
	  "\n"
	  "Exit 1 when the key is not in the map.\n", 0 },
	{ "update", cmd_map_update, NULL, "set the value of a key",
	  "Usage: bpfkit map update MAP key KEY value VALUE [any|exist|noexist]\n"
	  "       bpfkit map update MAP key KEY value id ID|pinned PATH\n"
	  "\n" MAP_SEL KEY_HELP
	  "\n"
	  "any (default) creates or replaces, exist only replaces, noexist only creates.\n"
	  "Per-CPU maps get VALUE on every CPU. Map-in-map and program arrays take the\n"
	  "map or program to store by id or pin.\n", 0 },
	{ "delete", cmd_map_delete, NULL, "remove a key",
	  "Usage: bpfkit map delete MAP key KEY\n"
	  "\n" MAP_SEL KEY_HELP, 0 },
	{ "getnext", cmd_map_getnext, NULL, "print the key after KEY (or the first key)",
	  "Usage: bpfkit map getnext MAP [key KEY]\n"
	  "\n" MAP_SEL KEY_HELP, 0 },
	{ "pin", cmd_map_pin, NULL, "pin a map to bpffs",
	  "Usage: bpfkit map pin MAP PATH [--force]\n"
	  "\n" MAP_SEL
	  "\n"
	  "PATH must be inside a bpffs mount, without '..'. An existing file is an error\n"
	  "unless --force replaces it.\n"
	  "\n"
	  "Options:\n"
	  "  -f, --force   replace an existing pin\n", 0 },
	{ "freeze", cmd_map_freeze, NULL, "make a map read-only for user space",
	  "Usage: bpfkit map freeze MAP\n"
	  "\n" MAP_SEL
	  "\n"
	  "Programs can still write it; user space no longer can. There is no unfreeze.\n", 0 },
	{ "watch", cmd_map_watch, NULL, "redraw a map with per-key deltas and rates",
	  "Usage: bpfkit map watch MAP [--interval S] [--top N] [--sort key|value|delta]\n"
	  "                        [--count N]\n"
	  "\n" MAP_SEL
	  "\n"
	  "Reads the map every interval and shows each key's value, its change since the\n"
	  "last read (DELTA) and the change per second (RATE). The value compared is the\n"
	  "first numeric field of the value (per-CPU maps: summed over CPUs). On a\n"
	  "terminal the screen is redrawn; otherwise each interval prints one line per key\n"
	  "(JSON Lines with --json: time, key, value, delta, rate). Ctrl-C stops.\n"
	  "\n"
	  "Options:\n"
	  "  -i, --interval S   seconds between reads (default 1; fractions allowed)\n"
	  "  -n, --top N        only the first N keys in sort order (default: all on a\n"
	  "                     pipe, the screen height on a terminal)\n"
	  "  -s, --sort ORDER   key, value or delta (default; largest first)\n"
	  "  -c, --count N      stop after N intervals\n", CLI_STREAM },
	{ "export", cmd_map_export, NULL, "serve maps as Prometheus metrics over HTTP",
	  "Usage: bpfkit map export MAP... --listen ADDR:PORT [--duration S]\n"
	  "\n" MAP_SEL
	  "\n"
	  "Serves GET /metrics in the Prometheus text format, read fresh from the maps at\n"
	  "each scrape. Key fields become labels and numeric value fields samples, through\n"
	  "the map's BTF: bpfkit_map_<map>_<field>{<key fields>} (a scalar value is the\n"
	  "field 'value'; per-CPU values are summed; without BTF the key is a hex label).\n"
	  "bpfkit_map_entries{map,id} counts the elements. Runs until Ctrl-C or SIGTERM.\n"
	  "\n"
	  "Options:\n"
	  "  -l, --listen ADDR:PORT  where to listen: 127.0.0.1:9435, [::1]:9435, :9435 (all\n"
	  "                          addresses); port 0 picks a free port. Required.\n"
	  "      --duration S        stop after S seconds\n", 0 },
	{ 0 }
};

const struct cli_command cmd_map_def = {
	"map", NULL, map_verbs, "list, read and write kernel maps",
	"Usage: bpfkit map [<verb>] [MAP] ...\n"
	"\n"
	"Verbs:\n"
	"  list      list the maps the kernel holds (the default)\n"
	"  show      show one map, or every map\n"
	"  dump      print every element\n"
	"  lookup    print the value of a key\n"
	"  update    set the value of a key\n"
	"  delete    remove a key\n"
	"  getnext   print the key after KEY (or the first key)\n"
	"  pin       pin a map to bpffs\n"
	"  freeze    make a map read-only for user space\n"
	"  watch     redraw a map with per-key deltas and rates\n"
	"  export    serve maps as Prometheus metrics over HTTP\n"
	"\n" MAP_SEL
	"\n"
	"Run 'bpfkit map <verb> --help' for a verb's options.\n", CLI_DEFAULT_VERB
};

int cmd_map(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_dispatch(ctx, map_verbs, argc, argv);
}
