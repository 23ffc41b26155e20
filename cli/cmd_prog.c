/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * bpfkit prog list|show|dump|run: programs loaded in the kernel, with bpftool's JSON field
 * names and value types (`bpftool prog show -j -f`), plus where each is attached (from
 * the kernel's BPF links). The work is in kern/prog.c, kern/objs.c and kern/link.c.
 *
 * Against bpftool 7.1: the same fields with the same values and types, and "pinned" always
 * (bpftool needs -f). Added: "orphaned" (newer bpftool has it), "verified_insns",
 * "attached". "type" is always a string (bpftool prints a number for types its libbpf
 * does not know; here that number is the string). "metadata" (bpf_metadata_* variables)
 * is not shown.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "attach_cli.h"
#include "cli.h"
#include "disasm.h"
#include "kern_obj.h"
#include "kload.h"

/* ---- the join: pins, holders, links ------------------------------------------------- */

struct prog_view {
	struct kern_pins pins;
	struct kern_holders holders;
	struct kern_links links;
};

static int view_load(struct cli_ctx *ctx, struct prog_view *v)
{
	struct errmsg err = { 0 };

	memset(v, 0, sizeof(*v));
	if (kern_links_scan(&v->links, &err) ||
	    kern_pins_scan(&v->pins, NULL, 1u << KERN_PROG, &err) ||
	    kern_holders_scan(&v->holders, 1u << KERN_PROG, &err))
		return cli_errmsg(ctx, &err);
	return EXIT_OK;
}

static void view_free(struct prog_view *v)
{
	kern_pins_free(&v->pins);
	kern_holders_free(&v->holders);
	kern_links_free(&v->links);
}

static void tag_text(const struct bpf_prog_info *info, char buf[17])
{
	for (int i = 0; i < 8; i++)
		snprintf(buf + 2 * i, 3, "%02x", info->tag[i]);
}

static void type_text(uint32_t type, char *buf, size_t len)
{
	const char *s = kern_prog_type_str(type);

	if (s)
		snprintf(buf, len, "%s", s);
	else
		snprintf(buf, len, "%u", type);
}

static void emit_pins(struct out *o, const struct kern_pins *pins, enum kern_kind kind,
		      uint32_t id)
{
	size_t n, i = kern_pins_find(pins, kind, id, &n);

	out_list_begin(o, "pinned", "pinned");
	for (size_t k = 0; k < n; k++)
		out_str(o, NULL, NULL, pins->v[i + k].path);
	out_list_end(o);
}

static void emit_pids(struct out *o, const struct kern_holders *h, enum kern_kind kind,
		      uint32_t id)
{
	size_t n, i = kern_holders_find(h, kind, id, &n);

	out_list_begin(o, "pids", "pids");
	for (size_t k = 0; k < n; k++) {
		out_object_begin(o, NULL, NULL);
		out_s64(o, "pid", NULL, h->v[i + k].pid);
		out_str(o, "comm", NULL, h->v[i + k].comm);
		out_object_end(o);
	}
	out_list_end(o);
}

/* Text cells for a list row: "a, b" from the pins, "comm(pid)" from the holders. */
static char *join_pins(const struct kern_pins *pins, uint32_t id)
{
	size_t n, i = kern_pins_find(pins, KERN_PROG, id, &n), len = 2;
	char *s;

	for (size_t k = 0; k < n; k++)
		len += strlen(pins->v[i + k].path) + 1;
	s = calloc(1, len);
	for (size_t k = 0; s && k < n; k++)
		sprintf(s + strlen(s), "%s%s", k ? "," : "", pins->v[i + k].path);
	return s;
}

static char *join_pids(const struct kern_holders *h, uint32_t id)
{
	size_t n, i = kern_holders_find(h, KERN_PROG, id, &n);
	char *s = calloc(n + 1, 40);

	for (size_t k = 0; s && k < n; k++)
		sprintf(s + strlen(s), "%s%s(%d)", k ? "," : "", h->v[i + k].comm, h->v[i + k].pid);
	return s;
}

static char *join_attached(const struct kern_links *ls, uint32_t id)
{
	size_t n, i = kern_links_find_prog(ls, id, &n);
	char *s = calloc(n + 1, 300), t[256];

	for (size_t k = 0; s && k < n; k++) {
		kern_link_target(&ls->v[i + k], t, sizeof(t));
		sprintf(s + strlen(s), "%s%s", k ? "," : "", t);
	}
	return s;
}

static void emit_attached(struct out *o, const struct kern_links *ls, uint32_t id)
{
	size_t n, i = kern_links_find_prog(ls, id, &n);
	char t[256];

	out_list_begin(o, "attached", "attached");
	for (size_t k = 0; k < n; k++) {
		const struct kern_link *l = &ls->v[i + k];
		const char *type = kern_link_type_str(l->info.type);

		kern_link_target(l, t, sizeof(t));
		out_object_begin(o, NULL, NULL);
		out_u64(o, "link_id", NULL, l->info.id);
		out_str(o, "link_type", NULL, type ? type : "unknown");
		out_str(o, "target", NULL, t);
		out_object_end(o);
	}
	out_list_end(o);
}

static void loaded_text(uint64_t boot_ns, char *buf, size_t len)
{
	time_t t = (time_t)kern_boot_to_epoch(boot_ns);
	struct tm tm;

	if (localtime_r(&t, &tm))
		strftime(buf, len, "%FT%T%z", &tm);
	else
		snprintf(buf, len, "%lld", (long long)t);
}

/* What bpfkit loaded and pinned says where it came from (its load manifest). */
static void emit_loaded_by(struct out *o, uint32_t id)
{
	char object[4096], pin_dir[4096];

	if (kern_manifest_find_prog(id, object, sizeof(object), pin_dir, sizeof(pin_dir)))
		return;
	out_object_begin(o, "bpfkit", "loaded by bpfkit");
	out_str(o, "object", NULL, object);
	out_str(o, "pin_dir", NULL, pin_dir);
	out_object_end(o);
}

/* One program as bpftool -j -f prints it, plus orphaned, verified_insns, attached and, for
 * what bpfkit loaded, its object and pin directory. */
static void emit_prog_full(struct out *o, const char *key, const struct kern_prog *p,
			   const struct prog_view *v)
{
	const struct bpf_prog_info *i = &p->info;
	char buf[64];

	out_object_begin(o, key, NULL);
	out_u64(o, "id", NULL, i->id);
	type_text(i->type, buf, sizeof(buf));
	out_str(o, "type", NULL, buf);
	if (p->name[0])
		out_str(o, "name", NULL, p->name);
	tag_text(i, buf);
	out_str(o, "tag", NULL, buf);
	out_bool(o, "gpl_compatible", NULL, i->gpl_compatible);
	if (i->run_time_ns) {
		out_u64(o, "run_time_ns", NULL, i->run_time_ns);
		out_u64(o, "run_cnt", NULL, i->run_cnt);
	}
	if (i->recursion_misses)
		out_u64(o, "recursion_misses", NULL, i->recursion_misses);
	if (i->load_time) {
		if (out_json(o)) {
			out_s64(o, "loaded_at", NULL, kern_boot_to_epoch(i->load_time));
		} else {
			loaded_text(i->load_time, buf, sizeof(buf));
			out_str(o, "loaded_at", NULL, buf);
		}
		out_u64(o, "uid", NULL, i->created_by_uid);
	}
	out_bool(o, "orphaned", NULL, p->orphaned);
	out_u64(o, "bytes_xlated", NULL, i->xlated_prog_len);
	out_bool(o, "jited", NULL, i->jited_prog_len != 0);
	if (i->jited_prog_len)
		out_u64(o, "bytes_jited", NULL, i->jited_prog_len);
	if (p->has_memlock)
		out_u64(o, "bytes_memlock", NULL, p->memlock);
	if (i->nr_map_ids) {
		out_list_begin(o, "map_ids", NULL);
		for (uint32_t k = 0; k < i->nr_map_ids; k++)
			out_u64(o, NULL, NULL, p->map_ids[k]);
		out_list_end(o);
	}
	if (i->btf_id)
		out_u64(o, "btf_id", NULL, i->btf_id);
	if (i->verified_insns)
		out_u64(o, "verified_insns", NULL, i->verified_insns);
	emit_pins(o, &v->pins, KERN_PROG, i->id);
	emit_pids(o, &v->holders, KERN_PROG, i->id);
	emit_attached(o, &v->links, i->id);
	emit_loaded_by(o, i->id);
	out_object_end(o);
}

/* A row of the text table: the columns that fit on a line, lists joined. */
static void emit_prog_row(struct out *o, const struct kern_prog *p, const struct prog_view *v)
{
	const struct bpf_prog_info *i = &p->info;
	char buf[64], *s;

	out_object_begin(o, NULL, NULL);
	out_u64(o, "id", NULL, i->id);
	type_text(i->type, buf, sizeof(buf));
	out_str(o, "type", NULL, buf);
	out_str(o, "name", NULL, p->name[0] ? p->name : "-");
	tag_text(i, buf);
	out_str(o, "tag", NULL, buf);
	out_u64(o, "bytes_xlated", "XLATED", i->xlated_prog_len);
	out_u64(o, "bytes_jited", "JITED", i->jited_prog_len);
	s = calloc(i->nr_map_ids + 1, 12);
	for (uint32_t k = 0; s && k < i->nr_map_ids; k++)
		sprintf(s + strlen(s), "%s%u", k ? "," : "", p->map_ids[k]);
	out_str(o, "map_ids", "MAPS", s && *s ? s : "-");
	free(s);
	if (i->run_cnt)
		out_u64(o, "run_cnt", "RUNS", i->run_cnt);
	else
		out_str(o, "run_cnt", "RUNS", "-");
	s = join_attached(&v->links, i->id);
	out_str(o, "attached", "ATTACHED", s && *s ? s : "-");
	free(s);
	s = join_pids(&v->holders, i->id);
	out_str(o, "pids", "PIDS", s && *s ? s : "-");
	free(s);
	s = join_pins(&v->pins, i->id);
	out_str(o, "pinned", "PINNED", s && *s ? s : "-");
	free(s);
	out_object_end(o);
}

/* ---- list ----------------------------------------------------------------------------- */

/* bytes_memlock: a holder's fdinfo, read by the /proc scan, has it; else our fd's. */
static void prog_memlock(int fd, struct kern_prog *p, const struct prog_view *v)
{
	size_t n, i = kern_holders_find(&v->holders, KERN_PROG, p->info.id, &n);

	if (n && v->holders.v[i].memlock) {
		p->has_memlock = true;
		p->memlock = v->holders.v[i].memlock;
		return;
	}
	kern_prog_memlock(fd, p);
}

/*
 * A JSON list streams: each program is rendered on its own (a small document) and written
 * to stdout's buffer at once, as bpftool does, so memory does not grow with the number of
 * programs (a cJSON tree of 1,000 holds ~3 MiB). Errors can only come before the first
 * program (privileges); one later (the id walk failing) still closes the array, and is
 * reported on stderr with exit 1. Write errors surface at out_finish() (stdout's error
 * flag is sticky).
 */
struct json_list {
	size_t n;
	bool pretty;
};

static void json_list_item(struct json_list *jl, const struct kern_prog *p,
			   const struct prog_view *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	struct out *o = m ? out_new(m, true, jl->pretty) : NULL;

	if (o) {
		emit_prog_full(o, NULL, p, v);
		out_finish(o);
		out_free(o);
	}
	if (m && !fclose(m) && len) {
		fputs(jl->n++ ? "," : "[", stdout);
		fwrite(buf, 1, len - 1, stdout);	/* without its newline */
	}
	free(buf);
}

static void json_list_close(struct json_list *jl)
{
	fputs(jl->n ? "]\n" : "[]\n", stdout);
}

static int list_error(struct cli_ctx *ctx, int ret)
{
	if (ret == -EPERM || ret == -EACCES)
		return cli_error(ctx, "listing programs needs CAP_SYS_ADMIN (root): run it with sudo");
	return cli_error(ctx, "cannot list programs: %s", strerror(-ret));
}

static void list_one(struct cli_ctx *ctx, uint32_t id, const struct prog_view *v,
		     struct json_list *jl)
{
	struct kern_prog p;
	int fd = kern_prog_fd_by_id(id);

	if (fd < 0)
		return;		/* unloaded meanwhile */
	if (!kern_prog_info(fd, &p, NULL)) {
		prog_memlock(fd, &p, v);
		if (jl)
			json_list_item(jl, &p, v);
		else
			emit_prog_row(ctx->out, &p, v);
	}
	kern_prog_free(&p);
	close(fd);
}

static int list_progs(struct cli_ctx *ctx)
{
	struct json_list jl = { .pretty = ctx->pretty };
	bool json = out_json(ctx->out);
	struct prog_view v;
	struct out *doc;
	uint32_t id = 0;
	int ret;

	ret = kern_prog_next(0, &id);
	if (ret == -ENOENT) {	/* nothing loaded: no need to walk bpffs and /proc */
		out_list_begin(ctx->out, NULL, NULL);
		out_list_end(ctx->out);
		return EXIT_OK;
	}
	if (ret)
		return list_error(ctx, ret);
	ret = view_load(ctx, &v);
	if (ret) {
		view_free(&v);
		return ret;
	}
	if (!json)
		out_list_begin(ctx->out, NULL, NULL);
	for (; !ret; ret = kern_prog_next(id, &id))
		list_one(ctx, id, &v, json ? &jl : NULL);
	if (!json)
		out_list_end(ctx->out);
	view_free(&v);
	if (ret == -ENOENT)
		ret = 0;
	if (!json || !ret) {
		if (json)
			json_list_close(&jl);
		return ret ? list_error(ctx, ret) : EXIT_OK;
	}
	/* the array is out already: close it, and say what went wrong on stderr only */
	json_list_close(&jl);
	doc = ctx->out;
	ctx->out = NULL;
	ret = list_error(ctx, ret);
	ctx->out = doc;
	return ret;
}

static int prog_list(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "attached", no_argument, NULL, 'A' },
		{ 0 }
	};
	bool attached = false;
	int c;

	while ((c = cli_getopt(ctx, argc, argv, "", longopts)) != -1) {
		if (c == 'A')
			attached = true;
		else
			return c == CLI_OPT_HELP ? EXIT_OK : EXIT_USAGE;
	}
	if (optind < argc)
		return cli_usage_error(ctx, "unexpected argument '%s'; to show one program: 'bpfkit prog show ID'",
				       argv[optind]);
	return attached ? cli_attached_view(ctx) : list_progs(ctx);
}

/* ---- show ----------------------------------------------------------------------------- */

/* Selector words after the options: a usage error when absent, bad or followed by more. */
static int parse_selector(struct cli_ctx *ctx, int argc, char **argv, struct kern_sel *sel)
{
	struct errmsg err = { 0 };
	int used = kern_sel_parse(sel, argc - optind, argv + optind, true, &err);

	if (used < 0)
		return cli_usage_error(ctx, "%s", err.msg);
	if (optind + used < argc)
		return cli_usage_error(ctx, "unexpected argument '%s'", argv[optind + used]);
	return EXIT_OK;
}

static void close_fds(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
}

static int prog_show(struct cli_ctx *ctx, int argc, char **argv)
{
	struct errmsg err = { 0 };
	struct kern_sel sel;
	struct prog_view v;
	int *fds = NULL, ret;
	size_t n = 0;
	bool json;

	ret = cli_options_only(ctx, argc, argv);
	if (ret)
		return ret == CLI_OPT_HELP ? EXIT_OK : ret;
	if (optind >= argc)
		return list_progs(ctx);		/* bpftool: show without a selector lists */
	ret = parse_selector(ctx, argc, argv, &sel);
	if (ret)
		return ret;
	if (kern_prog_open(&sel, &fds, &n, &err))
		return cli_errmsg(ctx, &err);
	json = out_json(ctx->out);
	ret = view_load(ctx, &v);
	/* several: a JSON array, or in text one block per program */
	if (n > 1 && json)
		out_list_begin(ctx->out, NULL, NULL);
	else if (n > 1)
		out_object_begin(ctx->out, NULL, NULL);
	for (size_t i = 0; !ret && i < n; i++) {
		struct kern_prog p;
		char key[32];

		if (kern_prog_info(fds[i], &p, &err)) {
			ret = cli_errmsg(ctx, &err);
			break;
		}
		prog_memlock(fds[i], &p, &v);
		snprintf(key, sizeof(key), "program %u", p.info.id);
		emit_prog_full(ctx->out, n > 1 && !json ? key : NULL, &p, &v);
		kern_prog_free(&p);
	}
	if (n > 1 && !ret)
		out_object_end(ctx->out);	/* ends a list too */
	view_free(&v);
	close_fds(fds, n);
	return ret;
}

/* ---- dump -------------------------------------------------------------------------------- */

struct dump_ctx {
	struct cli_ctx *ctx;
	struct kern_prog_dump d;
	const struct bpf_insn *insns;
	size_t count;
	struct kern_ksyms *ksyms;
	bool ksyms_tried;
	struct btf *vmlinux;
	bool vmlinux_tried;
	uint32_t *map_ids;	/* name cache, parallel arrays */
	char **map_names;
	size_t nr_maps;
	char buf[160];
};

static const char *map_name(struct dump_ctx *dc, uint32_t id)
{
	char name[BPF_OBJ_NAME_LEN];
	uint32_t *ids;
	char **names;

	for (size_t i = 0; i < dc->nr_maps; i++)
		if (dc->map_ids[i] == id)
			return dc->map_names[i];
	if (kern_map_name(id, name, sizeof(name)))
		return NULL;
	ids = realloc(dc->map_ids, (dc->nr_maps + 1) * sizeof(*ids));
	if (ids)
		dc->map_ids = ids;
	names = realloc(dc->map_names, (dc->nr_maps + 1) * sizeof(*names));
	if (names)
		dc->map_names = names;
	if (!ids || !names)
		return NULL;
	dc->map_ids[dc->nr_maps] = id;
	dc->map_names[dc->nr_maps] = strdup(name);
	return dc->map_names[dc->nr_maps++];
}

/* In a translated program the kernel puts map ids back into ld_imm64 (src_reg 1 or 2). */
static const char *resolve_ld_imm64(void *c, size_t idx)
{
	struct dump_ctx *dc = c;
	const struct bpf_insn *in = &dc->insns[idx];
	const char *name;

	if (in->src_reg != BPF_PSEUDO_MAP_FD && in->src_reg != BPF_PSEUDO_MAP_VALUE)
		return NULL;
	name = map_name(dc, (uint32_t)in->imm);
	if (in->src_reg == BPF_PSEUDO_MAP_FD)
		snprintf(dc->buf, sizeof(dc->buf), "map: %s", name ? name : "?");
	else
		snprintf(dc->buf, sizeof(dc->buf), "map: %s+%u", name ? name : "?",
			 idx + 1 < dc->count ? (uint32_t)in[1].imm : 0);
	return dc->buf;
}

static const struct bpf_func_info *func_at(const struct dump_ctx *dc, size_t idx)
{
	for (uint32_t i = 0; i < dc->d.info.nr_func_info; i++)
		if (dc->d.funcs[i].insn_off == idx)
			return &dc->d.funcs[i];
	return NULL;
}

static const char *btf_name(const struct btf *btf, uint32_t type_id)
{
	const struct btf_type *t = btf ? btf__type_by_id(btf, type_id) : NULL;

	return t ? btf__name_by_offset(btf, t->name_off) : NULL;
}

/* bpf-to-bpf calls: the kernel keeps the relative offset in off, a subprog index in imm. */
static const char *resolve_call(void *c, size_t idx, int64_t target)
{
	struct dump_ctx *dc = c;
	const struct bpf_func_info *f = func_at(dc, idx + 1 + dc->insns[idx].off);

	return f ? btf_name(dc->d.btf, f->type_id) : NULL;
}

static const char *kallsyms_call(struct dump_ctx *dc, int32_t imm)
{
	uint64_t base;

	if (!dc->ksyms_tried) {
		dc->ksyms_tried = true;
		kern_ksyms_load(&dc->ksyms, NULL);
	}
	base = kern_ksyms_call_base(dc->ksyms);
	return base ? kern_ksyms_name(dc->ksyms, base + (int64_t)imm) : NULL;
}

/* kfuncs: an address like helpers on x86 (imm from __bpf_call_base), a BTF id elsewhere. */
static const char *resolve_kfunc(void *c, size_t idx, int32_t btf_id)
{
	struct dump_ctx *dc = c;
	const char *name = kallsyms_call(dc, btf_id);

	if (name)
		return name;
	if (!dc->vmlinux_tried) {
		dc->vmlinux_tried = true;
		dc->vmlinux = btf__load_vmlinux_btf();
	}
	return btf_id > 0 ? btf_name(dc->vmlinux, (uint32_t)btf_id) : NULL;
}

static void dump_ctx_free(struct dump_ctx *dc)
{
	kern_prog_dump_free(&dc->d);
	kern_ksyms_free(dc->ksyms);
	btf__free(dc->vmlinux);
	for (size_t i = 0; i < dc->nr_maps; i++)
		free(dc->map_names[i]);
	free(dc->map_names);
	free(dc->map_ids);
}

/* The line info entry of instruction idx; k walks the sorted entries once. */
static const struct bpf_line_info *line_at(const struct kern_prog_dump *d, size_t idx,
					   uint32_t *k)
{
	for (; *k < d->info.nr_line_info; (*k)++) {
		if (d->lines[*k].insn_off == idx)
			return &d->lines[(*k)++];
		if (d->lines[*k].insn_off > idx)
			break;
	}
	return NULL;
}

static void print_source(struct out *o, const struct kern_prog_dump *d,
			 const struct bpf_line_info *l, bool linum)
{
	const char *text = d->btf ? btf__name_by_offset(d->btf, l->line_off) : NULL;
	const char *file = d->btf ? btf__name_by_offset(d->btf, l->file_name_off) : NULL;

	if (!text || !*text)
		return;
	out_printf(o, "; %s", text);
	if (linum)
		out_printf(o, " [%s:%u:%u]", file ? file : "?", BPF_LINE_INFO_LINE_NUM(l->line_col),
			   BPF_LINE_INFO_LINE_COL(l->line_col));
	out_printf(o, "\n");
}

static void source_json(struct out *o, const struct kern_prog_dump *d,
			const struct bpf_line_info *l)
{
	const char *text = d->btf ? btf__name_by_offset(d->btf, l->line_off) : NULL;
	const char *file = d->btf ? btf__name_by_offset(d->btf, l->file_name_off) : NULL;

	out_object_begin(o, "source", NULL);
	out_str(o, "file", NULL, file ? file : "");
	out_u64(o, "line", NULL, BPF_LINE_INFO_LINE_NUM(l->line_col));
	out_u64(o, "column", NULL, BPF_LINE_INFO_LINE_COL(l->line_col));
	out_str(o, "text", NULL, text ? text : "");
	out_object_end(o);
}

/* What the kernel changed in a translated program, spelled as bpftool does. */
static void fix_insn(struct dump_ctx *dc, struct disasm_insn *di)
{
	const struct bpf_insn *in = &dc->insns[di->idx];
	const char *name;

	if (di->kind == DISASM_LD_IMM64 && in->src_reg == BPF_PSEUDO_MAP_FD) {
		snprintf(di->text, sizeof(di->text), "r%u = map[id:%u]", in->dst_reg, in->imm);
	} else if (di->kind == DISASM_LD_IMM64 && in->src_reg == BPF_PSEUDO_MAP_VALUE &&
		   di->slots == 2) {
		snprintf(di->text, sizeof(di->text), "r%u = map[id:%u][0]+%u", in->dst_reg, in->imm,
			 (uint32_t)in[1].imm);
	} else if (di->kind == DISASM_CALL_HELPER) {
		/* imm is the helper's address from __bpf_call_base, not its id */
		name = kallsyms_call(dc, in->imm);
		snprintf(di->text, sizeof(di->text), "call %s", name ? name : "?");
		snprintf(di->note, sizeof(di->note), "%s", name ? "" : "helper not in /proc/kallsyms");
		di->valid = true;
	} else if (di->kind == DISASM_CALL_BPF) {
		/* off is the kernel's, not a reserved field, in a translated program */
		const struct bpf_func_info *f = func_at(dc, di->idx + 1 + in->off);

		name = f ? btf_name(dc->d.btf, f->type_id) : NULL;
		snprintf(di->text, sizeof(di->text), "call pc%+d", in->off);
		snprintf(di->note, sizeof(di->note), "%s", name ? name : "");
		di->target = (int64_t)di->idx + 1 + in->off;
		di->valid = true;
	}
}

static int dump_xlated(struct cli_ctx *ctx, struct dump_ctx *dc, bool opcodes, bool linum)
{
	const struct disasm_resolver r = {
		.ctx = dc, .call_target = resolve_call, .ld_imm64 = resolve_ld_imm64,
		.kfunc = resolve_kfunc,
	};
	struct out *o = ctx->out;
	struct errmsg err = { 0 };
	struct disasm_insn di;
	uint32_t k = 0;

	dc->insns = dc->d.insns;
	dc->count = dc->d.len / sizeof(struct bpf_insn);
	if (out_json(o))
		out_list_begin(o, NULL, NULL);
	for (size_t i = 0; i < dc->count; i += di.slots) {
		const struct bpf_func_info *f = func_at(dc, i);
		const struct bpf_line_info *l = line_at(&dc->d, i, &k);
		const char *fname = f ? btf_name(dc->d.btf, f->type_id) : NULL;

		if (disasm_one(dc->insns, dc->count, i, &r, &di, &err))
			return cli_errmsg(ctx, &err);
		fix_insn(dc, &di);
		if (out_json(o)) {
			out_object_begin(o, NULL, NULL);
			out_u64(o, "idx", NULL, i);
			if (fname)
				out_str(o, "func", NULL, fname);
			out_str(o, "text", NULL, di.text);
			if (di.note[0])
				out_str(o, "note", NULL, di.note);
			if (opcodes) {
				char hex[40] = "";

				for (unsigned int b = 0; b < di.slots * 8; b++)
					sprintf(hex + strlen(hex), "%s%02x", b ? " " : "",
						((const uint8_t *)&dc->insns[i])[b]);
				out_str(o, "opcodes", NULL, hex);
			}
			if (l)
				source_json(o, &dc->d, l);
			out_object_end(o);
			continue;
		}
		if (fname)
			out_printf(o, "%s%s:\n", i ? "\n" : "", fname);
		if (l)
			print_source(o, &dc->d, l, linum);
		out_printf(o, "%5zu: (%02x) %s%s%s\n", i, dc->insns[i].code, di.text,
			   di.note[0] ? "    ; " : "", di.note);
		if (opcodes) {
			out_printf(o, "       ");
			for (unsigned int b = 0; b < di.slots * 8; b++)
				out_printf(o, " %02x", ((const uint8_t *)&dc->insns[i])[b]);
			out_printf(o, "\n");
		}
	}
	if (out_json(o))
		out_list_end(o);
	return EXIT_OK;
}

static char *hex_of(const uint8_t *p, uint32_t n)
{
	char *s = malloc((size_t)n * 2 + 1);

	if (!s)
		return NULL;
	for (uint32_t i = 0; i < n; i++)
		sprintf(s + 2 * i, "%02x", p[i]);
	s[2 * (size_t)n] = '\0';
	return s;
}

/*
 * jited_line_info[k] is the host address where line_info[k]'s instruction begins; functions
 * are jited_ksyms[f] .. + jited_func_lens[f], laid out in the image one after the other.
 */
static int dump_jited(struct cli_ctx *ctx, struct dump_ctx *dc, bool opcodes, bool linum)
{
	const struct kern_prog_dump *d = &dc->d;
	struct kern_jit_disasm *jd;
	struct errmsg err = { 0 };
	struct out *o = ctx->out;
	const uint8_t *img = d->insns;
	uint32_t nfuncs = d->info.nr_jited_ksyms ? d->info.nr_jited_ksyms : 1;
	size_t pos = 0;
	uint32_t line = 0;
	char text[256];

	if (kern_jit_disasm_open(&jd, &err))
		return cli_errmsg(ctx, &err);
	if (out_json(o))
		out_list_begin(o, NULL, NULL);
	for (uint32_t f = 0; f < nfuncs && pos < d->len; f++) {
		uint64_t base = d->ksyms ? d->ksyms[f] : 0;
		size_t flen = d->func_lens && f < d->info.nr_jited_func_lens ? d->func_lens[f] :
			      d->len - pos;
		size_t end = pos + flen > d->len ? d->len : pos + flen;
		const struct bpf_func_info *fi = f < d->info.nr_func_info ? &d->funcs[f] : NULL;
		const char *fname = fi ? btf_name(d->btf, fi->type_id) : NULL;

		if (!out_json(o))
			out_printf(o, "%s%s:\n", f ? "\n" : "", fname ? fname : "func");
		for (size_t at = pos; at < end;) {
			const struct bpf_line_info *src = NULL;
			uint64_t pc = base + (at - pos);
			size_t n;

			/* the source lines whose code starts here */
			while (d->jited_lines && line < d->info.nr_jited_line_info &&
			       line < d->info.nr_line_info && d->jited_lines[line] <= pc) {
				if (d->jited_lines[line] == pc) {
					src = &d->lines[line];
					if (!out_json(o))
						print_source(o, d, src, linum);
				}
				line++;
			}
			n = kern_jit_disasm_one(jd, img + at, end - at, at - pos, text, sizeof(text));
			if (!n) {
				snprintf(text, sizeof(text), "(bad)");
				n = 1;
			}
			if (out_json(o)) {
				out_object_begin(o, NULL, NULL);
				if (fname)
					out_str(o, "func", NULL, fname);
				out_hex(o, "pc", NULL, at - pos);
				out_str(o, "text", NULL, text);
				if (opcodes) {
					char *hex = hex_of(img + at, (uint32_t)n);

					out_str(o, "opcodes", NULL, hex ? hex : "");
					free(hex);
				}
				if (src)
					source_json(o, d, src);
				out_object_end(o);
			} else {
				out_printf(o, "%5zx: ", at - pos);
				if (opcodes) {
					for (size_t b = 0; b < n; b++)
						out_printf(o, "%02x ", img[at + b]);
					out_printf(o, "%*s", (int)(n < 12 ? (12 - n) * 3 : 0), "");
				}
				out_printf(o, "%s\n", text);
			}
			at += n;
		}
		pos = end;
	}
	if (out_json(o))
		out_list_end(o);
	kern_jit_disasm_close(jd);
	return EXIT_OK;
}

static int prog_dump(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "opcodes", no_argument, NULL, 'o' },
		{ "linum", no_argument, NULL, 'l' },
		{ 0 }
	};
	bool opcodes = false, linum = false, jited;
	struct dump_ctx dc = { .ctx = ctx };
	struct errmsg err = { 0 };
	struct kern_sel sel;
	int *fds = NULL, c, ret;
	size_t n = 0;

	while ((c = cli_getopt(ctx, argc, argv, "", opts)) != -1) {
		switch (c) {
		case 'o': opcodes = true; break;
		case 'l': linum = true; break;
		case CLI_OPT_HELP: return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return cli_usage_error(ctx, "what to dump? 'xlated' or 'jited', then the program");
	if (strcmp(argv[optind], "xlated") && strcmp(argv[optind], "jited"))
		return cli_usage_error(ctx, "'%s': dump 'xlated' or 'jited'", argv[optind]);
	jited = argv[optind++][0] == 'j';
	ret = parse_selector(ctx, argc, argv, &sel);
	if (ret)
		return ret;
	if (kern_prog_open(&sel, &fds, &n, &err))
		return cli_errmsg(ctx, &err);
	if (n > 1) {
		close_fds(fds, n);
		return cli_error(ctx, "%zu programs have %s '%s': dump one by id", n,
				 sel.kind == KERN_SEL_TAG ? "tag" : "name", sel.arg);
	}
	if (kern_prog_dump_get(fds[0], jited, &dc.d, &err))
		ret = cli_errmsg(ctx, &err);
	else
		ret = jited ? dump_jited(ctx, &dc, opcodes, linum) :
			      dump_xlated(ctx, &dc, opcodes, linum);
	dump_ctx_free(&dc);
	close_fds(fds, n);
	return ret;
}

/* ---- run ------------------------------------------------------------------------------------ */

static const char *action_name(uint32_t prog_type, uint32_t ret)
{
	static const char *const xdp[] = { "XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX",
					   "XDP_REDIRECT" };
	static const char *const tc[] = { "TC_ACT_OK", "TC_ACT_RECLASSIFY", "TC_ACT_SHOT",
					  "TC_ACT_PIPE", "TC_ACT_STOLEN", "TC_ACT_QUEUED",
					  "TC_ACT_REPEAT", "TC_ACT_REDIRECT", "TC_ACT_TRAP" };

	if (prog_type == BPF_PROG_TYPE_XDP)
		return ret < 5 ? xdp[ret] : NULL;
	if (prog_type == BPF_PROG_TYPE_SCHED_CLS || prog_type == BPF_PROG_TYPE_SCHED_ACT) {
		if ((int32_t)ret == -1)
			return "TC_ACT_UNSPEC";
		return ret < 9 ? tc[ret] : NULL;
	}
	return NULL;
}

/* The whole file (packets and contexts are small; 16 MiB at most). */
static int read_file(struct cli_ctx *ctx, const char *opt, const char *path, void **buf,
		     uint32_t *len)
{
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : dup(0);
	size_t cap = 0, n = 0;
	char *p = NULL;
	ssize_t r;
	int e;

	if (fd < 0)
		return cli_error(ctx, "%s: %s: %s", opt, path, strerror(errno));
	do {
		if (n == cap) {
			char *q = cap < (16u << 20) ? realloc(p, cap ? cap * 2 : 4096) : NULL;

			if (!q) {
				free(p);
				close(fd);
				return cli_error(ctx, "%s: %s: larger than 16 MiB", opt, path);
			}
			p = q;
			cap = cap ? cap * 2 : 4096;
		}
		r = read(fd, p + n, cap - n);
		n += r > 0 ? (size_t)r : 0;
	} while (r > 0);
	e = errno;
	close(fd);
	if (r < 0) {
		free(p);
		return cli_error(ctx, "%s: %s: %s", opt, path, strerror(e));
	}
	*buf = p;
	*len = (uint32_t)n;
	return EXIT_OK;
}

static int write_file(struct cli_ctx *ctx, const char *path, const void *buf, uint32_t len)
{
	int fd = strcmp(path, "-") ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) :
				     dup(1);
	ssize_t w = fd < 0 ? -1 : write(fd, buf, len);
	int e = errno;

	if (fd >= 0 && close(fd) && w == (ssize_t)len)
		w = -1, e = errno;
	if (w != (ssize_t)len)
		return cli_error(ctx, "--data-out: %s: %s", path, w < 0 ? strerror(e) : "short write");
	return EXIT_OK;
}

static int run_report(struct cli_ctx *ctx, const struct kern_prog *p, struct kern_test_run *r,
		      const char *data_out)
{
	const char *action = action_name(p->info.type, r->retval);
	struct out *o = ctx->out;
	char *hex;

	if (data_out && write_file(ctx, data_out, r->data_out, r->data_out_len))
		return EXIT_ERR;
	out_object_begin(o, NULL, NULL);
	out_u64(o, "id", NULL, p->info.id);
	out_str(o, "name", NULL, p->name);
	out_s64(o, "retval", NULL, (int32_t)r->retval);
	if (action)
		out_str(o, "action", NULL, action);
	out_u64(o, "repeat", NULL, r->repeat ? r->repeat : 1);
	out_u64(o, "duration_ns", "duration (ns per run)", r->duration_ns);
	out_u64(o, "data_out_size", NULL, r->data_out_len);
	if (!data_out && r->data_out_len) {
		hex = hex_of(r->data_out, r->data_out_len);
		out_str(o, "data_out", NULL, hex ? hex : "");
		free(hex);
	}
	if (r->ctx_out_len) {
		hex = hex_of(r->ctx_out, r->ctx_out_len);
		out_str(o, "ctx_out", NULL, hex ? hex : "");
		free(hex);
	}
	out_object_end(o);
	return EXIT_OK;
}

static int prog_run(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "data-in", required_argument, NULL, 'i' },
		{ "data-out", required_argument, NULL, 'o' },
		{ "ctx-in", required_argument, NULL, 'c' },
		{ "repeat", required_argument, NULL, 'r' },
		{ 0 }
	};
	const char *data_in = NULL, *data_out = NULL, *ctx_in = NULL;
	struct kern_test_run r = { 0 };
	struct errmsg err = { 0 };
	unsigned long long repeat = 1;
	struct kern_prog p = { 0 };
	void *din = NULL, *cin = NULL;
	struct kern_sel sel;
	int *fds = NULL, c, ret;
	size_t n = 0;

	while ((c = cli_getopt(ctx, argc, argv, "", opts)) != -1) {
		switch (c) {
		case 'i': data_in = optarg; break;
		case 'o': data_out = optarg; break;
		case 'c': ctx_in = optarg; break;
		case 'r':
			if (cli_parse_u64(ctx, "--repeat", optarg, &repeat))
				return EXIT_USAGE;
			if (repeat < 1 || repeat > UINT32_MAX)
				return cli_usage_error(ctx, "--repeat: from 1 to %u", UINT32_MAX);
			break;
		case CLI_OPT_HELP: return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	ret = parse_selector(ctx, argc, argv, &sel);
	if (ret)
		return ret;
	if ((data_in && read_file(ctx, "--data-in", data_in, &din, &r.data_in_len)) ||
	    (ctx_in && read_file(ctx, "--ctx-in", ctx_in, &cin, &r.ctx_in_len))) {
		free(din);
		return EXIT_ERR;
	}
	r.data_in = din;
	r.ctx_in = cin;
	r.repeat = (uint32_t)repeat;
	ret = kern_prog_open(&sel, &fds, &n, &err) ? cli_errmsg(ctx, &err) : EXIT_OK;
	if (!ret && n > 1)
		ret = cli_error(ctx, "%zu programs have %s '%s': run one by id", n,
				sel.kind == KERN_SEL_TAG ? "tag" : "name", sel.arg);
	if (!ret && kern_prog_info(fds[0], &p, &err))
		ret = cli_errmsg(ctx, &err);
	if (!ret && kern_prog_test_run(fds[0], &r, &err))
		ret = cli_errmsg(ctx, &err);
	if (!ret)
		ret = run_report(ctx, &p, &r, data_out);
	kern_prog_free(&p);
	close_fds(fds, n);
	free(din);
	free(cin);
	free(r.data_out);
	free(r.ctx_out);
	return ret;
}

/* ---- table ---------------------------------------------------------------------------------- */

#define SELECTOR_HELP								\
	"PROG selects programs as bpftool does: ID (or id ID), name NAME, tag TAG\n"	\
	"(16 hex digits) or pinned PATH (a pin on a bpffs).\n"

static const struct cli_command prog_verbs[] = {
	{ "list", prog_list, NULL, "list loaded programs",
	  "Usage: bpfkit prog list [--attached]\n"
	  "\n"
	  "Lists every program loaded in the kernel: ID, TYPE, NAME, TAG, XLATED and JITED\n"
	  "sizes, MAPS, RUNS (with 'bpfkit stats on'), ATTACHED (where its BPF links attach:\n"
	  "raw_tp:NAME, tracepoint:CAT:NAME, xdp:IFACE, ...), PIDS holding it (comm(pid)) and\n"
	  "PINNED paths. With --json, every field of 'bpftool prog show -j -f', same names and\n"
	  "types, plus orphaned, verified_insns and attached. 'bpfkit prog' alone runs this.\n"
	  "Needs root (CAP_SYS_ADMIN).\n"
	  "\n"
	  "Options:\n"
	  "      --attached   one row per attachment instead (links, XDP/tc, cgroups, perf fds):\n"
	  "                   the same as 'bpfkit attached', see 'bpfkit attached --help'\n", 0 },
	{ "show", prog_show, NULL, "show one program (or those with a name or tag)",
	  "Usage: bpfkit prog show [PROG]\n"
	  "\n"
	  "Shows a program as 'key: value' lines, or bpftool's JSON object with --json;\n"
	  "several when a name or tag matches several (a JSON array then). Without PROG,\n"
	  "the same as 'bpfkit prog list'.\n"
	  "\n"
	  SELECTOR_HELP, 0 },
	{ "dump", prog_dump, NULL, "translated or JIT-compiled instructions, with source lines",
	  "Usage: bpfkit prog dump xlated PROG [--opcodes] [--linum]\n"
	  "       bpfkit prog dump jited PROG [--opcodes] [--linum]\n"
	  "\n"
	  "xlated: the instructions as the verifier rewrote them, through bpfkit's\n"
	  "disassembler: map names for map references, helper and kfunc names (from\n"
	  "/proc/kallsyms and kernel BTF), function names and the source lines of the\n"
	  "program's line info. jited: the host instructions, through LLVM's disassembler\n"
	  "(libLLVM, loaded when needed), with the source lines where their code begins.\n"
	  "\n"
	  "  --opcodes         also print the bytes of each instruction\n"
	  "  --linum           add file:line:column to each source line\n"
	  "\n"
	  SELECTOR_HELP, 0 },
	{ "run", prog_run, NULL, "test-run a program on given input (BPF_PROG_TEST_RUN)",
	  "Usage: bpfkit prog run PROG [--data-in FILE] [--data-out FILE] [--ctx-in FILE]\n"
	  "                       [--repeat N]\n"
	  "\n"
	  "Runs the program in the kernel on a packet or context you give, without traffic\n"
	  "or attaching it, and prints its return value (XDP_* actions for XDP programs,\n"
	  "TC_ACT_* for tc), the mean duration of one run in ns, and the output data (hex,\n"
	  "or to a file). XDP and tc programs need --data-in: a whole Ethernet frame.\n"
	  "\n"
	  "  --data-in FILE    packet data ('-': standard input)\n"
	  "  --data-out FILE   write the output data there instead of printing it\n"
	  "  --ctx-in FILE     context to pass (e.g. struct xdp_md, struct __sk_buff)\n"
	  "  --repeat N        run N times; the duration is the mean (default 1)\n"
	  "\n"
	  SELECTOR_HELP, 0 },
	{ 0 }
};

const struct cli_command cmd_prog_def = {
	"prog", NULL, prog_verbs, "list, show, dump and test-run loaded programs",
	"Usage: bpfkit prog [<verb>] [options]\n"
	"\n"
	"Verbs:\n"
	"  list       list loaded programs (the default)\n"
	"  show       show one program (or those with a name or tag)\n"
	"  dump       translated or JIT-compiled instructions, with source lines\n"
	"  run        test-run a program on given input (BPF_PROG_TEST_RUN)\n"
	"\n"
	"Run 'bpfkit prog <verb> --help' for its options.\n",
	CLI_DEFAULT_VERB
};

int cmd_prog(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_dispatch(ctx, prog_verbs, argc, argv);
}
