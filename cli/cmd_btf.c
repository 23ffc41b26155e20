/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * bpfkit btf dump|list|show: BTF of an object file, a raw BTF file or the running kernel,
 * as bpftool's raw text or JSON, as a vmlinux.h-style header, as a type list, or as a
 * pahole-style struct layout. The work is in inspect/btf_view.c.
 *
 * Against bpftool 7.1 (checked by tests/cli/btf.sh): raw text is byte-identical. JSON has
 * the same fields, except that bpftool sign-extends unsigned enum values >= 2^31 (a bug);
 * we print the value. The C header differs only where bpftool's embedded libbpf and the
 * system libbpf 1.1.2 differ: "(void)" vs "()" for empty parameter lists, and the
 * "__attribute__((mode(byte)))" libbpf 1.1.2 adds to 1-byte enums. BTF that bk_btf__check()
 * refuses (bad references, loops, misaligned records) bpftool may still print.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "bk_dwarf.h"
#include "btf_view.h"
#include "cli.h"
#include "object.h"

enum {
	OPT_KERNEL = 0x100,
	OPT_FILE,
	OPT_FORMAT,
	OPT_TYPE,
	OPT_BASE,
	OPT_KIND,
	OPT_MATCH,
	OPT_DWARF,
};

#define SOURCE_OPTIONS								\
	"Source (list and show default to the kernel):\n"			\
	"  OBJ               an object file: its .BTF section\n"		\
	"  --file BTF        a raw BTF file (or an object file)\n"		\
	"  --kernel          the running kernel, " BK_BTF_KERNEL_PATH "\n"	\
	"  --base-btf FILE   base of split BTF; a module under /sys/kernel/btf/\n" \
	"                    defaults to the kernel's vmlinux\n"					\
	"  --dwarf           OBJ's .BTF plus the types only its DWARF (.debug_info)\n"	\
	"                    has, read with libdw; .BTF ids are kept, DWARF-only\n"	\
	"                    types follow them\n"

#define SOURCE_LONGOPTS							\
	{ "kernel", no_argument, NULL, OPT_KERNEL },			\
	{ "file", required_argument, NULL, OPT_FILE },			\
	{ "base-btf", required_argument, NULL, OPT_BASE },		\
	{ "dwarf", no_argument, NULL, OPT_DWARF }

struct source {
	const char *path;	/* operand, --file or --kernel */
	const char *base;	/* --base-btf */
	int given;		/* how many sources were named */
	bool dwarf;		/* --dwarf */
	struct bk_object *obj;	/* owns the BTF viewed with --dwarf (or a DWARF fallback) */
};

/* Shared by the three verbs: returns 0, or -1 when the option is not a source option. */
static int source_opt(struct source *src, int c, const char *arg)
{
	switch (c) {
	case OPT_KERNEL:
		src->path = BK_BTF_KERNEL_PATH;
		src->given++;
		return 0;
	case OPT_FILE:
		src->path = arg;
		src->given++;
		return 0;
	case OPT_BASE:
		src->base = arg;
		return 0;
	case OPT_DWARF:
		src->dwarf = true;
		return 0;
	default:
		return -1;
	}
}

static void source_operand(struct source *src, const char *path)
{
	src->path = path;
	src->given++;
}

/* --dwarf: the object's BTF extended from its DWARF; the object owns it (source_close). */
static int open_dwarf(struct cli_ctx *ctx, struct source *src, struct bk_btf *b)
{
	const struct bk_btf *view;
	struct errmsg err = { 0 };
	int ret;

	if (src->base || !strcmp(src->path, BK_BTF_KERNEL_PATH))
		return cli_usage_error(ctx, "--dwarf reads an object file's DWARF: give OBJ, without --kernel or --base-btf");
	ret = cli_open_object(ctx, src->path, &src->obj);
	if (ret)
		return ret;
	if (bk_object_dwarf_btf(src->obj, &view, &err))
		return cli_errmsg(ctx, &err);
	*b = *view;
	return EXIT_OK;
}

static void source_close(struct source *src, struct bk_btf *b)
{
	if (src->obj)
		bk_object_close(src->obj);	/* owns b's BTF */
	else
		bk_btf__close(b);
	src->obj = NULL;
	memset(b, 0, sizeof(*b));
}

/* Resolve the source (kernel when allowed and none given) and open it. */
static int open_source(struct cli_ctx *ctx, struct source *src, bool need, struct bk_btf *b)
{
	struct errmsg err = { 0 };

	if (src->given > 1)
		return cli_usage_error(ctx, "give one source: OBJ, --file BTF or --kernel");
	if (!src->given && need)
		return cli_usage_error(ctx, "which BTF? give OBJ, --file BTF or --kernel");
	if (!src->given)
		src->path = BK_BTF_KERNEL_PATH;
	/* only files are read: our checks word any damage, libbpf's warnings only with -d */
	cli_libbpf_offline();
	if (src->dwarf)
		return open_dwarf(ctx, src, b);
	if (bk_btf__open(b, src->path, src->base, &err))
		return cli_errmsg(ctx, &err);
	return EXIT_OK;
}

static int no_type(struct cli_ctx *ctx, const char *name, const char *path)
{
	return cli_error(ctx, "no type named '%s' in %s; try 'bpfkit btf list --match'", name,
			 path);
}

/* ---- dump ----------------------------------------------------------------------------- */

enum dump_format { FMT_DEFAULT, FMT_RAW, FMT_C, FMT_JSON };

/* Every --type name to ids, deduplicated, in the order given. */
static int resolve_types(struct cli_ctx *ctx, const struct bk_btf *b, const char *path,
			 char **names, int nnames, __u32 **ids, size_t *n)
{
	struct errmsg err = { 0 };
	size_t cnt = 0, k, j, m;
	__u32 *all = NULL, *found, *p;
	int i;

	for (i = 0; i < nnames; i++) {
		if (bk_btf_find(b, names[i], &found, &m, &err)) {
			free(all);
			return cli_errmsg(ctx, &err);
		}
		if (!m) {
			free(all);
			return no_type(ctx, names[i], path);
		}
		p = realloc(all, (cnt + m) * sizeof(*all));
		if (!p) {
			free(found);
			free(all);
			return cli_error(ctx, "out of memory");
		}
		all = p;
		for (k = 0; k < m; k++) {
			for (j = 0; j < cnt && all[j] != found[k]; j++)
				;
			if (j == cnt)
				all[cnt++] = found[k];
		}
		free(found);
	}
	*ids = all;
	*n = cnt;
	return EXIT_OK;
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

const struct cli_enum btf_dump_formats[] = {
	{ "raw", FMT_RAW }, { "json", FMT_JSON }, { "c", FMT_C }, { 0 }
};

static int parse_format(struct cli_ctx *ctx, const char *s, enum dump_format *fmt)
{
	int v = cli_enum_parse(btf_dump_formats, s);

	if (v < 0)
		return cli_usage_error(ctx, "unknown format '%s'; use c, raw or json", s);
	*fmt = v;
	return EXIT_OK;
}

static int dump_run(struct cli_ctx *ctx, struct bk_btf *b, const char *path,
		    enum dump_format fmt, char **types, int ntypes)
{
	struct errmsg err = { 0 };
	__u32 *ids = NULL, *closure = NULL;
	size_t n = 0, ncl = 0;
	int ret;

	if (ntypes) {
		ret = resolve_types(ctx, b, path, types, ntypes, &ids, &n);
		if (ret)
			return ret;
	}
	/* megabytes follow: fewer, larger writes (nothing was written to stdout yet) */
	cli_stdout_buffer();
	if (fmt == FMT_C) {
		ret = bk_btf_dump_c(b, ntypes ? ids : NULL, n, stdout, &err);
	} else if (fmt == FMT_RAW && ntypes) {
		/* raw text of a type comes with everything it refers to */
		ret = bk_btf_closure(b, ids, n, &closure, &ncl, &err);
		if (!ret)
			ret = bk_btf_dump_raw(b, closure, ncl, BK_BTF_FMT_RAW, stdout, &err);
	} else {
		if (ntypes)
			qsort(ids, n, sizeof(*ids), cmp_u32);
		ret = bk_btf_dump_raw(b, ntypes ? ids : NULL, n,
				      fmt == FMT_RAW ? BK_BTF_FMT_RAW :
				      ctx->pretty ? BK_BTF_FMT_JSON_PRETTY : BK_BTF_FMT_JSON,
				      stdout, &err);
	}
	free(ids);
	free(closure);
	/* a write error is reported once, by main() when it flushes stdout */
	if (ret == -EIO)
		return EXIT_ERR;
	return ret ? cli_errmsg(ctx, &err) : EXIT_OK;
}

static int btf_dump(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		SOURCE_LONGOPTS,
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "type", required_argument, NULL, OPT_TYPE },
		{ 0 }
	};
	enum dump_format fmt = FMT_DEFAULT;
	struct source src = { 0 };
	struct bk_btf b = { 0 };
	char **types = NULL;
	int c, ntypes = 0, ret;

	types = calloc(argc, sizeof(*types));
	if (!types)
		return cli_error(ctx, "out of memory");
	while ((c = cli_getopt(ctx, argc, argv, "", opts)) != -1) {
		if (!source_opt(&src, c, optarg))
			continue;
		switch (c) {
		case OPT_FORMAT:
			ret = parse_format(ctx, optarg, &fmt);
			if (ret)
				goto cleanup;
			break;
		case OPT_TYPE:
			types[ntypes++] = optarg;
			break;
		case CLI_OPT_HELP:
			ret = EXIT_OK;
			goto cleanup;
		default:
			ret = EXIT_USAGE;
			goto cleanup;
		}
	}
	for (; optind < argc; optind++)
		source_operand(&src, argv[optind]);

	if (fmt == FMT_C && ctx->json) {
		ret = cli_usage_error(ctx, "--format c is a C header, not JSON; drop --json");
		goto cleanup;
	}
	if (fmt == FMT_JSON || (fmt != FMT_C && ctx->json))
		fmt = FMT_JSON;
	else if (fmt == FMT_DEFAULT)
		fmt = FMT_RAW;

	ret = open_source(ctx, &src, true, &b);
	if (!ret)
		ret = dump_run(ctx, &b, src.path, fmt, types, ntypes);
cleanup:
	source_close(&src, &b);
	free(types);
	return ret;
}

/* ---- list ----------------------------------------------------------------------------- */

static int btf_list(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		SOURCE_LONGOPTS,
		{ "kind", required_argument, NULL, OPT_KIND },
		{ "match", required_argument, NULL, OPT_MATCH },
		{ 0 }
	};
	struct bk_btf_entry *v = NULL;
	struct errmsg err = { 0 };
	struct source src = { 0 };
	struct bk_btf b = { 0 };
	const char *glob = NULL;
	int c, kind = -1, ret;
	size_t n = 0, i;

	while ((c = cli_getopt(ctx, argc, argv, "", opts)) != -1) {
		if (!source_opt(&src, c, optarg))
			continue;
		switch (c) {
		case OPT_KIND:
			kind = bk_btf_kind_parse(optarg);
			if (kind < 0)
				return cli_usage_error(ctx, "unknown kind '%s'; use struct, union, "
						       "enum, enum64, typedef, func, func_proto, "
						       "var, datasec, int, float, ptr, array, fwd, "
						       "const, volatile, restrict, decl_tag or "
						       "type_tag", optarg);
			break;
		case OPT_MATCH:
			glob = optarg;
			break;
		case CLI_OPT_HELP:
			return EXIT_OK;
		default:
			return EXIT_USAGE;
		}
	}
	for (; optind < argc; optind++)
		source_operand(&src, argv[optind]);

	ret = open_source(ctx, &src, false, &b);
	if (ret)
		goto cleanup;
	if (bk_btf_list(&b, kind, glob, &v, &n, &err)) {
		ret = cli_errmsg(ctx, &err);
		goto cleanup;
	}
	out_list_begin(ctx->out, NULL, NULL);
	for (i = 0; i < n; i++) {
		out_object_begin(ctx->out, NULL, NULL);
		out_u64(ctx->out, "id", "ID", v[i].id);
		out_str(ctx->out, "kind", "KIND", bk_btf_kind_str(v[i].kind));
		out_str(ctx->out, "name", "NAME", v[i].name[0] ? v[i].name : "(anon)");
		if (v[i].size >= 0)
			out_u64(ctx->out, "size", "SIZE", v[i].size);
		if (src.obj)
			out_str(ctx->out, "source", "SOURCE",
				v[i].id < src.obj->dwarf->nr_btf ? "btf" : "dwarf");
		out_object_end(ctx->out);
	}
	out_list_end(ctx->out);
cleanup:
	free(v);
	source_close(&src, &b);
	return ret;
}

/* ---- show ----------------------------------------------------------------------------- */

#define CACHELINE 64

/* pahole's layout, byte for byte (tests/cli/btf_pahole.sh diffs the two). */
static int show_text(struct cli_ctx *ctx, const struct bk_btf *b, __u32 id)
{
	struct errmsg err = { 0 };
	char *text;

	if (bk_btf_pahole(b, id, &text, &err))
		return cli_errmsg(ctx, &err);
	out_printf(ctx->out, "%s", text);
	free(text);
	return EXIT_OK;
}

static void show_json(struct cli_ctx *ctx, const struct bk_btf_layout *l)
{
	struct out *o = ctx->out;
	__u32 i;

	out_object_begin(o, NULL, NULL);
	out_u64(o, "id", NULL, l->id);
	out_str(o, "kind", NULL, bk_btf_kind_str(l->kind));
	out_str(o, "name", NULL, l->name);
	out_u64(o, "size", NULL, l->size);
	out_u64(o, "cachelines", NULL, (l->size + CACHELINE - 1) / CACHELINE);
	out_list_begin(o, "members", NULL);
	for (i = 0; i < l->nr_members; i++) {
		const struct bk_btf_member *m = &l->members[i];

		out_object_begin(o, NULL, NULL);
		out_str(o, "name", NULL, m->name);
		out_str(o, "type", NULL, m->type);
		out_u64(o, "type_id", NULL, m->type_id);
		out_u64(o, "offset", NULL, m->bit_offset / 8);
		out_u64(o, "size", NULL, m->size);
		if (m->bit_size) {
			out_u64(o, "bit_offset", NULL, m->bit_offset % 8);
			out_u64(o, "bit_size", NULL, m->bit_size);
		}
		out_object_end(o);
	}
	out_list_end(o);
	out_list_begin(o, "holes", NULL);
	for (i = 0; i < l->nr_holes; i++) {
		const struct bk_btf_hole *h = &l->holes[i];

		out_object_begin(o, NULL, NULL);
		out_u64(o, "offset", NULL, h->bit_offset / 8);
		out_u64(o, "size", NULL, h->bits / 8);
		if (h->bit_offset % 8 || h->bits % 8) {
			out_u64(o, "bit_offset", NULL, h->bit_offset % 8);
			out_u64(o, "bit_size", NULL, h->bits);
		}
		out_object_end(o);
	}
	out_list_end(o);
	out_u64(o, "sum_holes", NULL, l->hole_bits / 8);
	out_u64(o, "padding", NULL, l->padding_bits / 8);
	out_object_end(o);
}

/* NAME is not in .BTF: an object with DWARF may still have it (a ring-buffer record). 1 when
 * *b now views the DWARF types, 0 when there is nothing to fall back to. */
static int dwarf_fallback(struct cli_ctx *ctx, struct source *src, struct bk_btf *b,
			  const char *name)
{
	const struct bk_btf *view;
	struct errmsg err = { 0 };
	struct bk_object *o;
	int id;

	if (src->dwarf || src->base || !src->path || !strncmp(src->path, "/sys/", 5))
		return 0;
	if (bk_object_open(src->path, &o, &err))
		return 0;	/* a raw BTF file, not an object */
	if (!bk_object_has_dwarf(o)) {
		bk_object_close(o);
		return 0;
	}
	/* damaged DWARF is worth saying: the user asked for a type it may hold */
	id = bk_object_dwarf_btf(o, &view, &err);
	if (!id)
		id = bk_btf_find_composite(view, name, &err);
	if (id <= 0) {
		bk_object_close(o);
		if (id < 0)
			cli_errmsg(ctx, &err);
		return id < 0 ? -1 : 0;
	}
	cli_info(ctx, "'%s' is not in %s's .BTF: shown from its DWARF (.debug_info)", name,
		 src->path);
	bk_btf__close(b);
	*b = *view;
	src->obj = o;
	return 1;
}

static int show_run(struct cli_ctx *ctx, struct source *src, struct bk_btf *b, const char *name,
		    const char *path)
{
	struct bk_btf_layout l;
	struct errmsg err = { 0 };
	__u32 *ids = NULL;
	size_t n = 0;
	int id, ret;

	id = bk_btf_find_composite(b, name, &err);
	if (id < 0)
		return cli_errmsg(ctx, &err);
	if (!id) {
		ret = dwarf_fallback(ctx, src, b, name);
		if (ret < 0)
			return EXIT_ERR;
		if (ret)
			id = bk_btf_find_composite(b, name, &err);
	}
	if (!id) {
		ret = bk_btf_find(b, name, &ids, &n, &err);
		if (ret)
			return cli_errmsg(ctx, &err);
		if (!n)
			return no_type(ctx, name, path);
		ret = btf__type_by_id(b->btf, ids[0]) ?
			btf_kind(btf__type_by_id(b->btf, ids[0])) : 0;
		free(ids);
		return cli_error(ctx, "'%s' is not a struct or union but %s", name,
				 bk_btf_kind_str(ret));
	}
	if (!ctx->json)
		return show_text(ctx, b, id);
	if (bk_btf_layout(b, id, &l, &err))
		return cli_errmsg(ctx, &err);
	show_json(ctx, &l);
	bk_btf_layout_free(&l);
	return EXIT_OK;
}

static int btf_show(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = { SOURCE_LONGOPTS, { 0 } };
	struct source src = { 0 };
	struct bk_btf b = { 0 };
	const char *name;
	int c, ret;

	while ((c = cli_getopt(ctx, argc, argv, "", opts)) != -1) {
		if (!source_opt(&src, c, optarg))
			continue;
		if (c == CLI_OPT_HELP)
			return EXIT_OK;
		return EXIT_USAGE;
	}
	if (optind >= argc)
		return cli_usage_error(ctx, "which type? e.g. 'bpfkit btf show task_struct'");
	name = argv[optind++];
	for (; optind < argc; optind++)
		source_operand(&src, argv[optind]);

	ret = open_source(ctx, &src, false, &b);
	if (!ret)
		ret = show_run(ctx, &src, &b, name, src.path);
	source_close(&src, &b);
	return ret;
}

/* ---- table ---------------------------------------------------------------------------- */

static const struct cli_command btf_verbs[] = {
	{ "dump", btf_dump, NULL, "print BTF types: bpftool raw text, JSON or a C header",
	  "Usage: bpfkit btf dump (OBJ | --file BTF | --kernel) [--format c|raw|json]\n"
	  "                       [--type NAME]... [--base-btf FILE] [--dwarf]\n"
	  "\n"
	  "Prints every type as bpftool does: raw text (default; 'bpftool btf dump file X'),\n"
	  "JSON (--format json or --json; 'bpftool -j btf dump file X', streamed), or a\n"
	  "vmlinux.h-style C header (--format c; 'bpftool btf dump file X format c').\n"
	  "\n"
	  "  --format FMT      raw (default), json or c\n"
	  "  --type NAME       only this type ('task_struct', 'struct task_struct'); c adds\n"
	  "                    what it needs, raw adds what it refers to; repeatable\n"
	  SOURCE_OPTIONS, 0 },
	{ "list", btf_list, NULL, "list BTF types: id, kind, name, size",
	  "Usage: bpfkit btf list [OBJ | --file BTF | --kernel] [--kind KIND] [--match GLOB]\n"
	  "                       [--base-btf FILE] [--dwarf]\n"
	  "\n"
	  "Lists the types of the source: ID, KIND, NAME and SIZE (where a size exists).\n"
	  "\n"
	  "  --kind KIND       struct, union, enum, enum64, typedef, func, func_proto, var,\n"
	  "                    datasec, int, float, ptr, array, fwd, const, volatile,\n"
	  "                    restrict, decl_tag or type_tag\n"
	  "  --match GLOB      names matching a shell pattern ('sk_buff*')\n"
	  SOURCE_OPTIONS, 0 },
	{ "show", btf_show, NULL, "layout of a struct or union, like pahole",
	  "Usage: bpfkit btf show NAME [OBJ | --file BTF | --kernel] [--base-btf FILE] [--dwarf]\n"
	  "\n"
	  "Shows a struct or union member by member: offset and size (bit offset and width\n"
	  "of bitfields), holes, padding, total size and cachelines. NAME may be 'foo',\n"
	  "'struct foo', 'union foo' or a typedef of one. When NAME is not in OBJ's .BTF but\n"
	  "in its DWARF, it is shown from there (a note on stderr says so).\n"
	  "\n"
	  SOURCE_OPTIONS, 0 },
	{ 0 }
};

const struct cli_command cmd_btf_def = {
	"btf", NULL, btf_verbs, "dump, list and show BTF types",
	"Usage: bpfkit btf <verb> [options]\n"
	"\n"
	"Verbs:\n"
	"  dump       print BTF types: bpftool raw text, JSON or a C header\n"
	"  list       list BTF types: id, kind, name, size\n"
	"  show       layout of a struct or union, like pahole\n"
	"\n"
	"Run 'bpfkit btf <verb> --help' for its options.\n",
	0
};

int cmd_btf(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_dispatch(ctx, btf_verbs, argc, argv);
}
