/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* trace run: any object's ring and perf buffer records through its BTF (include/trace_run.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "jsonw.h"
#include "kern.h"
#include "kload.h"
#include "bk_dwarf.h"
#include "btf_view.h"
#include "object.h"
#include "recfmt.h"
#include "trace_run.h"

const char *trace_run_source_str(enum trace_run_source s)
{
	switch (s) {
	case TR_DECLARED: return "declared by the map";
	case TR_OPTION: return "--type";
	case TR_CODE: return "the size the code sends";
	}
	return "?";
}

/* ---- choosing the record type ---- */

/* The value type a map's definition in .maps declares (__type(value, T)), or 0. */
static uint32_t declared_value(const struct btf *btf, const char *map)
{
	int sec = btf__find_by_name_kind(btf, ".maps", BTF_KIND_DATASEC);
	const struct btf_type *ds = sec > 0 ? btf__type_by_id(btf, sec) : NULL;
	const struct btf_var_secinfo *vs = ds ? btf_var_secinfos(ds) : NULL;

	for (int i = 0; ds && i < btf_vlen(ds); i++) {
		const struct btf_type *var = btf__type_by_id(btf, vs[i].type);
		const struct btf_type *def;
		const struct btf_member *m;

		if (!var || !btf_is_var(var) || strcmp(btf__name_by_offset(btf, var->name_off), map))
			continue;
		def = btf__type_by_id(btf, bk_btf_resolved(btf, var->type));
		if (!def || !btf_is_struct(def))
			return 0;
		m = btf_members(def);
		for (int j = 0; j < btf_vlen(def); j++) {
			const struct btf_type *p;

			if (strcmp(btf__name_by_offset(btf, m[j].name_off), "value"))
				continue;
			p = btf__type_by_id(btf, m[j].type);
			return p && btf_is_ptr(p) ? bk_btf_resolved(btf, p->type) : 0;
		}
	}
	return 0;
}

/* What the code knows of a register on a straight path: a map symbol or a constant. */
struct reg { const char *map; bool konst; int64_t imm; };

#define FN_PERF_OUTPUT 25	/* bpf_perf_event_output(ctx, map, flags, data, size) */
#define FN_RB_OUTPUT 130	/* bpf_ringbuf_output(map, data, size, flags) */
#define FN_RB_RESERVE 131	/* bpf_ringbuf_reserve(map, size, flags) */

struct sizes { uint32_t v[8]; size_t n; bool more; };

static void add_size(struct sizes *s, uint32_t size)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == size)
			return;
	if (s->n < sizeof(s->v) / sizeof(s->v[0]))
		s->v[s->n++] = size;
	else
		s->more = true;
}

/*
 * The sizes the code passes with map to the output helpers: each function read straight
 * through, tracking which register holds the map (a relocated ld_imm64) and which a constant
 * (mov or ld_imm64); a call clobbers r0-r5. Branches are not followed: a size computed at
 * run time, or set on another path, is not found (then --type says it).
 */
static void code_sizes(const struct bk_code *code, const char *map, struct sizes *out)
{
	for (size_t s = 0; s < code->nr_secs; s++) {
		const struct bk_code_sec *cs = &code->secs[s];
		struct reg r[11];

		memset(r, 0, sizeof(r));
		for (size_t i = 0; i < cs->count; i++) {
			const struct bpf_insn *in = &cs->insns[i];
			uint8_t cls = BPF_CLASS(in->code), dst = in->dst_reg;

			for (size_t f = 0; f < cs->nr_funcs; f++)	/* a new function: nothing known */
				if (cs->funcs[f].start == i)
					memset(r, 0, sizeof(r));
			if (in->code == (BPF_LD | BPF_IMM | BPF_DW) && dst < 11) {
				const struct bk_symbol *sym = bk_code_reloc(cs, i);

				r[dst] = (struct reg){ 0 };
				if (sym && sym->name)
					r[dst].map = sym->name;
				else if (!sym && i + 1 < cs->count)
					r[dst] = (struct reg){ NULL, true,
						(int64_t)((uint64_t)(uint32_t)in->imm |
							  (uint64_t)(uint32_t)in[1].imm << 32) };
				i++;
				continue;
			}
			if (in->code == (BPF_JMP | BPF_CALL) && in->src_reg == 0) {
				int mreg = 0, sreg = 0;

				if (in->imm == FN_RB_RESERVE)
					mreg = 1, sreg = 2;
				else if (in->imm == FN_RB_OUTPUT)
					mreg = 1, sreg = 3;
				else if (in->imm == FN_PERF_OUTPUT)
					mreg = 2, sreg = 5;
				if (mreg && r[mreg].map && !strcmp(r[mreg].map, map) && r[sreg].konst &&
				    r[sreg].imm > 0 && r[sreg].imm <= UINT32_MAX)
					add_size(out, (uint32_t)r[sreg].imm);
				memset(r, 0, 6 * sizeof(r[0]));
				continue;
			}
			if ((cls == BPF_ALU64 || cls == BPF_ALU) && dst < 11) {
				if (BPF_OP(in->code) == BPF_MOV && BPF_SRC(in->code) == BPF_K)
					r[dst] = (struct reg){ NULL, true, in->imm };
				else if (BPF_OP(in->code) == BPF_MOV && cls == BPF_ALU64 &&
					 in->src_reg < 11)
					r[dst] = r[in->src_reg];
				else
					r[dst] = (struct reg){ 0 };
			} else if ((cls == BPF_LDX || cls == BPF_LD) && dst < 11) {
				r[dst] = (struct reg){ 0 };
			}
		}
	}
}

static char *type_name(const struct btf *btf, uint32_t id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const char *n = t ? btf__name_by_offset(btf, t->name_off) : NULL;
	char *s = NULL;

	if (asprintf(&s, "%s %s", t && btf_is_union(t) ? "union" : "struct", n && *n ? n : "(anon)") < 0)
		return NULL;
	return s;
}

/* The one named struct of this size in the object's BTF, or an error naming what matched. */
static int struct_of_size(const struct btf *btf, const char *map, uint32_t size, uint32_t *id,
			  struct errmsg *err)
{
	uint32_t n = btf__type_cnt(btf), found = 0, count = 0;
	char names[256] = "";

	for (uint32_t i = 1; i < n; i++) {
		const struct btf_type *t = btf__type_by_id(btf, i);
		const char *name = btf__name_by_offset(btf, t->name_off);

		if (!btf_is_struct(t) || t->size != size || !name || !*name)
			continue;
		if (count++ < 4) {
			size_t l = strlen(names);

			snprintf(names + l, sizeof(names) - l, "%s%s", l ? ", " : "", name);
		}
		found = i;
	}
	if (count == 1) {
		*id = found;
		return 0;
	}
	if (!count)
		return errmsg_set(err, -ENOENT, "map '%s': the code sends %u-byte records, but no struct in the object's BTF or DWARF has that size: build it with -g (or keep the struct in BTF) or give it with --type STRUCT",
				  map, size);
	return errmsg_set(err, -EINVAL, "map '%s': %u structs of %u bytes (%s%s) could be its records: choose with --type STRUCT",
			  map, count, size, names, count > 4 ? ", ..." : "");
}

static int pick_type(struct bk_object *o, const struct btf *btf, const struct trace_run_opts *opts,
		     struct trace_run_map *m, struct errmsg *err)
{
	struct bk_code *code;
	struct sizes sz = { 0 };
	int ret;

	m->type_id = declared_value(btf, m->name);
	m->source = TR_DECLARED;
	if (!m->type_id && opts->type) {
		int id = btf__find_by_name_kind(btf, opts->type, BTF_KIND_STRUCT);

		if (id <= 0)
			id = btf__find_by_name_kind(btf, opts->type, BTF_KIND_UNION);
		if (id <= 0)
			return errmsg_set(err, -ENOENT, "--type: no struct '%s' in the object's BTF or DWARF (see 'bpfkit btf list %s --kind struct --dwarf')",
					  opts->type, o->name);
		m->type_id = (uint32_t)id;
		m->source = TR_OPTION;
	}
	if (!m->type_id) {
		ret = bk_object_code(o, &code, err);
		if (ret)
			return ret;
		code_sizes(code, m->name, &sz);
		if (sz.n != 1)
			return errmsg_set(err, -ENOENT, sz.n ? "map '%s': the code sends records of several sizes: give the record type with --type STRUCT"
						 : "map '%s': no record type: the map declares none and no constant size reaches bpf_ringbuf_reserve/_output or bpf_perf_event_output; give it with --type STRUCT",
					  m->name);
		ret = struct_of_size(btf, m->name, sz.v[0], &m->type_id, err);
		if (ret)
			return ret;
		m->source = TR_CODE;
	}
	m->type_id = bk_btf_resolved(btf, m->type_id);
	{
		const struct btf_type *t = btf__type_by_id(btf, m->type_id);

		if (!t || !(btf_is_struct(t) || btf_is_union(t)))
			return errmsg_set(err, -EINVAL, "map '%s': its record type is not a struct or union", m->name);
		m->size = t->size;
	}
	m->type_name = type_name(btf, m->type_id);
	return m->type_name ? 0 : errmsg_set(err, -ENOMEM, "out of memory");
}

/*
 * The object's DWARF types as BTF (.BTF's ids unchanged, the DWARF-only types after them: a
 * record struct the code never names as a map value or global is only there), or NULL.
 * Built only when .BTF lacks a record type: conversion costs tens of milliseconds and more.
 * Unreadable DWARF is not an error here; 'btf show --dwarf' reports the cause.
 */
static const struct btf *dwarf_types(struct bk_object *o)
{
	const struct bk_btf *dwarf;
	struct errmsg ignored = { 0 };

	if (bk_object_has_dwarf(o) && !bk_object_dwarf_btf(o, &dwarf, &ignored))
		return dwarf->btf;
	return NULL;
}

int trace_run_plan(struct bk_object *o, struct bpf_object *obj, const struct trace_run_opts *opts,
		   struct trace_run_plan *plan, struct errmsg *err)
{
	const struct btf *btf = bk_object_btf(o), *dwarf;
	uint32_t nr_btf = bk_object_btf(o) ? btf__type_cnt(bk_object_btf(o)) : 1;
	struct bpf_map *m;
	size_t cap = 0;
	int ret = 0;

	memset(plan, 0, sizeof(*plan));
	bpf_object__for_each_map(m, obj)
		cap++;
	plan->maps = calloc(cap ? cap : 1, sizeof(*plan->maps));
	if (!plan->maps)
		return errmsg_set(err, -ENOMEM, "out of memory");
	bpf_object__for_each_map(m, obj) {
		enum bpf_map_type t = bpf_map__type(m);
		struct trace_run_map *tm;

		if (t != BPF_MAP_TYPE_RINGBUF && t != BPF_MAP_TYPE_PERF_EVENT_ARRAY)
			continue;
		if (opts->map && strcmp(opts->map, bpf_map__name(m)))
			continue;
		if (!btf && !(btf = dwarf_types(o)))
			return errmsg_set(err, -ENOENT, "%s has no BTF: its records cannot be decoded (build it with clang -g)",
					  o->name);
		tm = &plan->maps[plan->nr_maps++];
		tm->name = strdup(bpf_map__name(m));
		tm->perf = t == BPF_MAP_TYPE_PERF_EVENT_ARRAY;
		if (!tm->name)
			return errmsg_set(err, -ENOMEM, "out of memory");
		ret = pick_type(o, btf, opts, tm, err);
		if (ret == -ENOENT && btf == bk_object_btf(o) && (dwarf = dwarf_types(o))) {
			btf = dwarf;	/* a superset: the maps already picked keep their ids */
			errmsg_clear(err);
			ret = pick_type(o, btf, opts, tm, err);
		}
		if (ret)
			return ret;
		tm->from_dwarf = tm->type_id >= nr_btf;
	}
	plan->btf = btf;
	if (!plan->nr_maps)
		return errmsg_set(err, -ENOENT, opts->map ? "no ring buffer or perf buffer map '%s' in %s"
							: "%s%s has no ring buffer or perf buffer map: nothing to read",
				  opts->map ? opts->map : "", o->name);
	return 0;
}

void trace_run_plan_free(struct trace_run_plan *plan)
{
	for (size_t i = 0; i < plan->nr_maps; i++) {
		free(plan->maps[i].name);
		free(plan->maps[i].type_name);
	}
	free(plan->maps);
	for (size_t i = 0; i < plan->skipped; i++)
		free(plan->skipped_names[i]);
	free(plan->skipped_names);
	memset(plan, 0, sizeof(*plan));
}

/* ---- the run ---- */

struct reader {
	const struct trace_common *c;
	const struct trace_sink *sink;
	const struct btf *btf;
	struct trace_result *res;
	struct trace_run_map *map;
	struct recfmt *fmt;	/* its record type, compiled */
	bool prefix;		/* more than one map: say which */
	struct kbuf line;
	unsigned int batch;
};

struct run {
	struct reader *readers;	/* one per map, in plan order */
	size_t n;
	struct perf_buffer **pbs;
	size_t nr_pbs;
	struct trace_result *res;
	const struct trace_sink *sink;
	const struct trace_common *c;
	struct trace_stats stats;
};

static int emit(struct reader *r, const void *data, size_t size)
{
	struct kbuf *b = &r->line;
	bool json = r->sink->json;

	/* perf buffer samples past --count come in the same poll: not printed */
	if (!trace_record_wanted(r->c, r->res))
		return KERN_RING_BREAK;
	b->len = 0;
	b->failed = false;
	if (json)
		kbuf_str(b, "{");
	if (r->c->timestamps) {	/* records carry no known time: the time read */
		double t = trace_elapsed(r->c, (uint64_t)(kern_now_s() * 1e9));

		kbuf_printf(b, json ? "\"_time\":%.6f," : TRACE_TIME_FMT, t);
	}
	if (r->prefix) {	/* several maps: which one */
		if (json) {
			kbuf_str(b, "\"_map\":");
			kbuf_qstr(b, r->map->name, 256);
		} else {
			kbuf_str(b, r->map->name);
		}
		kbuf_str(b, json ? "," : ": ");
	}
	if (size < r->map->size) {
		kbuf_str(b, json ? "\"_short\":" : "(short: ");
		kbuf_u64(b, size);
		kbuf_str(b, json ? "," : " bytes) ");
	}
	recfmt_render(r->fmt, data, size, b);
	if (json)
		kbuf_str(b, "}");
	if (b->failed)
		return -ENOMEM;
	r->map->records++;
	r->sink->line(r->sink->ctx, b->p ? b->p : "", b->p ? b->len : 0);
	return trace_record_done(r->c, r->res, &r->batch);
}

static int on_ring(void *ctx, void *data, size_t size)
{
	kern_ring_seen(size);
	return emit(ctx, data, size);
}

static void on_perf(void *ctx, int cpu, void *data, __u32 size)
{
	(void)cpu;
	emit(ctx, data, size);
}

static void on_perf_lost(void *ctx, int cpu, __u64 n)
{
	struct reader *r = ctx;

	r->map->lost += n;
	r->res->lost += n;
}

static int flush(struct run *run)
{
	int ret = run->sink->flush(run->sink->ctx);

	for (size_t i = 0; i < run->n; i++)
		run->readers[i].batch = 0;
	if (ret && !run->res->write_err)
		run->res->write_err = ret;
	return ret;
}

/* After each ring poll: the perf buffers' samples too, then the output. */
static int after_batch(void *ctx)
{
	struct run *run = ctx;

	double now;

	for (size_t i = 0; i < run->nr_pbs && !kern_stopping(); i++)
		perf_buffer__consume(run->pbs[i]);
	if (run->c->stats && run->sink->stats && (now = kern_now_s(), trace_stats_due(&run->stats, now)))
		trace_stats_report(&run->stats, run->sink, now, run->res->events, run->res->lost);
	return flush(run);
}

/* Perf buffers only: poll the first, consume the others. */
static int perf_loop(struct run *run, double duration_s, struct errmsg *err)
{
	double deadline = duration_s > 0 ? kern_now_s() + duration_s : 0;

	while (!kern_stop) {
		int n = perf_buffer__poll(run->pbs[0], 100);

		if (n < 0 && n != -EINTR)
			return errmsg_set(err, n, "reading the perf buffer: %s", strerror(-n));
		if (after_batch(run))
			break;
		if (deadline && kern_now_s() >= deadline)
			break;
	}
	return 0;
}

/* Every program by its section; with no --program, those that cannot be are listed instead. */
static int attach(struct bpf_object *obj, const struct trace_run_opts *opts,
		  struct trace_run_plan *plan, struct bpf_link ***links, size_t *n,
		  struct errmsg *err)
{
	int ret = tracer_attach_all(obj, links, n, opts->programs ? NULL : &plan->skipped_names,
				    &plan->skipped, err);

	plan->attached = *n;
	return ret;
}

static int select_programs(struct bpf_object *obj, const struct trace_run_opts *opts,
			   struct errmsg *err)
{
	struct bpf_program *p;

	for (size_t i = 0; i < opts->nr_programs; i++)
		if (!bpf_object__find_program_by_name(obj, opts->programs[i]))
			return errmsg_set(err, -ENOENT, "--program: no program '%s' in the object (see 'bpfkit inspect --programs')",
					  opts->programs[i]);
	bpf_object__for_each_program(p, obj) {
		bool on = !opts->programs;

		for (size_t i = 0; i < opts->nr_programs; i++)
			if (!strcmp(opts->programs[i], bpf_program__name(p)))
				on = true;
		bpf_program__set_autoload(p, on);
	}
	return 0;
}

/* Sizes the kernel takes for a ring buffer (0, 0) or perf buffer (4, 4) map; other maps: any. */
static bool sizes_refused(const struct bpf_map *m)
{
	uint32_t want = bpf_map__type(m) == BPF_MAP_TYPE_PERF_EVENT_ARRAY ? sizeof(uint32_t) : 0;

	if (bpf_map__type(m) != BPF_MAP_TYPE_RINGBUF &&
	    bpf_map__type(m) != BPF_MAP_TYPE_PERF_EVENT_ARRAY)
		return false;
	return bpf_map__key_size(m) != want || bpf_map__value_size(m) != want;
}

/*
 * A record type declared on a map (__type(value, T)) is for trace run only: the kernel wants
 * a ring buffer's key and value sizes 0 and a perf buffer's 4, and no BTF for them. Such a
 * map, read or not (--map), is made here without BTF and handed to libbpf, which then
 * creates none.
 */
static int undeclare_values(struct bpf_object *obj, struct errmsg *err)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj) {
		bool perf = bpf_map__type(m) == BPF_MAP_TYPE_PERF_EVENT_ARRAY;
		uint32_t size = perf ? sizeof(uint32_t) : 0, max = bpf_map__max_entries(m);
		LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = bpf_map__map_flags(m));
		int fd, ret;

		if (!sizes_refused(m))
			continue;
		if (perf && !max)	/* as libbpf does: one per possible CPU */
			max = (uint32_t)libbpf_num_possible_cpus();
		fd = bpf_map_create(bpf_map__type(m), bpf_map__name(m), size, size, max, &opts);
		ret = fd < 0 ? -errno : bpf_map__reuse_fd(m, fd);	/* it keeps a duplicate */
		if (fd >= 0)
			close(fd);
		if (ret)
			return errmsg_set(err, ret, "creating map '%s' (its declared record type left out): %s",
					  bpf_map__name(m), strerror(-ret));
	}
	return 0;
}

int trace_run(struct bpf_object *obj, const struct trace_run_opts *opts,
	      struct trace_run_plan *plan, struct trace_common *c,
	      const struct trace_sink *sink, struct trace_result *res, struct errmsg *err)
{
	struct run run = { .res = res, .sink = sink, .c = c };
	struct ring_limits lim = { .duration_s = c->duration_s, .poll_ms = 100,
				   .after_batch = after_batch, .ctx = &run };
	struct ring_buffer *rb = NULL;
	struct bpf_link **links = NULL;
	size_t nr_links = 0;
	int ret;

	memset(res, 0, sizeof(*res));
	run.readers = calloc(plan->nr_maps, sizeof(*run.readers));
	run.pbs = calloc(plan->nr_maps, sizeof(*run.pbs));
	if (!run.readers || !run.pbs) {
		ret = errmsg_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	ret = select_programs(obj, opts, err);
	if (ret)
		goto out;
	kern_keep_only_existing_pins(obj);	/* a trace leaves nothing behind */
	ret = undeclare_values(obj, err);
	if (ret)
		goto out;
	ret = bpf_object__load(obj);
	if (ret) {
		ret = kern_explain(err, ret, "loading the object");
		goto out;
	}
	for (size_t i = 0; i < plan->nr_maps; i++) {
		struct reader *r = &run.readers[run.n++];
		struct bpf_map *m = bpf_object__find_map_by_name(obj, plan->maps[i].name);
		int fd = m ? bpf_map__fd(m) : -ENOENT;

		*r = (struct reader){ .c = c, .sink = sink, .btf = plan->btf, .res = res,
				      .map = &plan->maps[i], .prefix = plan->nr_maps > 1 };
		ret = recfmt_new(plan->btf, plan->maps[i].type_id, sink->json, &r->fmt, err);
		if (ret)
			goto out;
		if (fd < 0)
			ret = -ENOENT;
		else if (plan->maps[i].perf) {
			run.pbs[run.nr_pbs] = perf_buffer__new(fd, 64, on_perf, on_perf_lost, r, NULL);
			ret = run.pbs[run.nr_pbs] ? 0 : -errno;
			run.nr_pbs += !ret;
		} else if (!rb) {
			lim.ring_bytes = bpf_map__max_entries(m);
			rb = ring_buffer__new(fd, on_ring, r, NULL);
			ret = rb ? 0 : -errno;
		} else {
			if (bpf_map__max_entries(m) < lim.ring_bytes)
				lim.ring_bytes = bpf_map__max_entries(m);
			ret = ring_buffer__add(rb, fd, on_ring, r);
		}
		if (ret) {
			ret = errmsg_set(err, ret, "reading map '%s': %s", plan->maps[i].name,
					 strerror(-ret));
			goto out;
		}
	}
	ret = attach(obj, opts, plan, &links, &nr_links, err);
	if (ret)
		goto out;
	trace_stats_start(&run.stats, c);
	ret = rb ? kern_ring_loop(rb, &lim, err) : perf_loop(&run, c->duration_s, err);
	kern_links_destroy(&links, &nr_links);
	if (!ret && wants_rest(c, res))	/* the perf buffers drain in after_batch() */
		ret = kern_ring_drain(rb, &lim, err);
	after_batch(&run);
out:
	kern_links_destroy(&links, &nr_links);
	ring_buffer__free(rb);
	for (size_t i = 0; run.pbs && i < run.nr_pbs; i++)
		perf_buffer__free(run.pbs[i]);
	free(run.pbs);
	for (size_t i = 0; run.readers && i < run.n; i++) {
		free(run.readers[i].line.p);
		recfmt_free(run.readers[i].fmt);
	}
	free(run.readers);
	return ret;
}
