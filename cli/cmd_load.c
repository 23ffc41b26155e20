/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* bpfkit load: programs and maps into the kernel, pinned on request; verifier refusals explained. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "object.h"
#include "kload.h"
#include "kern.h"
#include "load_attach.h"

#define LOG_TAIL_LINES 20

enum { OPT_PIN = 0x100, OPT_PROGRAM, OPT_TYPE, OPT_SET, OPT_REUSE, OPT_LOG, OPT_ATTACH };

struct load_args {
	struct kern_load_opts o;
	const char **programs, **sets;
	struct kern_reuse *reuse;
	const char *log_file;
	const char *obj;
	bool pin;
	bool attach;		/* --attach: by section name (cli/load_attach.c) */
};

static int push(const char ***v, size_t *n, const char *s)
{
	const char **t = realloc(*v, (*n + 1) * sizeof(*t));

	if (!t)
		return -ENOMEM;
	t[(*n)++] = s;
	*v = t;
	return 0;
}

static int add_reuse(struct cli_ctx *ctx, struct load_args *a, char *arg)
{
	char *eq = strchr(arg, '=');
	struct kern_reuse *t;

	if (!eq || eq == arg || !eq[1])
		return cli_usage_error(ctx, "--reuse-map: '%s' is not NAME=PINPATH", arg);
	t = realloc(a->reuse, (a->o.nr_reuse + 1) * sizeof(*t));
	if (!t)
		return cli_error(ctx, "out of memory");
	*eq = '\0';
	t[a->o.nr_reuse++] = (struct kern_reuse){ arg, eq + 1 };
	a->reuse = t;
	a->o.reuse = t;
	return 0;
}

/*
 * --pin takes an optional DIR: "--pin=DIR", or the word right after --pin when two operands
 * are left (OBJ and DIR in either order); "load --pin OBJ" pins under the default directory.
 */
static int parse_args(struct cli_ctx *ctx, int argc, char **argv, struct load_args *a)
{
	static const struct option longopts[] = {
		{ "pin", optional_argument, NULL, OPT_PIN },
		{ "program", required_argument, NULL, OPT_PROGRAM },
		{ "type", required_argument, NULL, OPT_TYPE },
		{ "set", required_argument, NULL, OPT_SET },
		{ "reuse-map", required_argument, NULL, OPT_REUSE },
		{ "force", no_argument, NULL, 'f' },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "attach", no_argument, NULL, OPT_ATTACH },
		{ 0 }
	};
	const char *pin_word = NULL;
	int c, ret = 0;

	while ((c = cli_getopt(ctx, argc, argv, "f", longopts)) != -1) {
		switch (c) {
		case OPT_PIN:
			a->pin = true;
			if (optarg)
				a->o.pin_dir = optarg;
			else if (optind < argc && argv[optind][0] != '-')
				pin_word = argv[optind];
			break;
		case OPT_PROGRAM:
			ret = push(&a->programs, &a->o.nr_programs, optarg);
			break;
		case OPT_TYPE:
			a->o.type = optarg;
			break;
		case OPT_SET:
			ret = push(&a->sets, &a->o.nr_sets, optarg);
			break;
		case OPT_REUSE:
			if (add_reuse(ctx, a, optarg))
				return EXIT_USAGE;
			break;
		case 'f':
			a->o.force = true;
			break;
		case OPT_LOG:
			a->log_file = optarg;
			break;
		case OPT_ATTACH:
			a->attach = true;
			break;
		case CLI_OPT_HELP:
			return -1;
		default:
			return EXIT_USAGE;
		}
		if (ret)
			return cli_error(ctx, "out of memory");
	}
	a->o.programs = a->programs;
	a->o.sets = a->sets;
	if (optind >= argc)
		return cli_usage_error(ctx, "missing object (a path or @NAME); see 'bpfkit load --help'");
	a->obj = argv[optind];
	if (argc - optind == 2 && pin_word && !a->o.pin_dir) {
		a->o.pin_dir = pin_word;
		a->obj = argv[optind] == pin_word ? argv[optind + 1] : argv[optind];
	} else if (argc - optind > 1) {
		return cli_usage_error(ctx, "unexpected argument '%s'", argv[optind + 1]);
	}
	return 0;
}

/* ---- success ----------------------------------------------------------------------------- */

static void render_loaded(struct cli_ctx *ctx, const struct kern_load_result *r)
{
	struct out *o = ctx->out;

	out_object_begin(o, NULL, NULL);
	out_str(o, "object", "object", r->object_name);
	out_bool(o, "pinned", "pinned", r->pin_dir != NULL);
	if (r->pin_dir) {
		out_str(o, "pin_dir", "pin dir", r->pin_dir);
		out_str(o, "manifest", "manifest", r->manifest);
	}
	out_list_begin(o, "programs", "programs");
	for (size_t i = 0; i < r->nr_progs; i++) {
		out_object_begin(o, NULL, NULL);
		out_str(o, "name", NULL, r->progs[i].name);
		out_str(o, "type", NULL, r->progs[i].type);
		out_u64(o, "id", NULL, r->progs[i].id);
		out_str(o, "tag", NULL, r->progs[i].tag);
		out_str(o, "pinned", NULL, r->progs[i].pinned);
		out_object_end(o);
	}
	out_list_end(o);
	out_list_begin(o, "maps", "maps");
	for (size_t i = 0; i < r->nr_maps; i++) {
		out_object_begin(o, NULL, NULL);
		out_str(o, "name", NULL, r->maps[i].name);
		out_str(o, "type", NULL, r->maps[i].type);
		out_u64(o, "id", NULL, r->maps[i].id);
		out_str(o, "pinned", NULL, r->maps[i].pinned);
		out_object_end(o);
	}
	out_list_end(o);
	/* the caller closes the object: load --attach adds its list */
}

/* ---- verifier refusal -------------------------------------------------------------------- */

static const char *log_tail(const char *log, size_t len, int lines)
{
	const char *p = log + len;

	while (p > log && p[-1] == '\n')
		p--;
	while (p > log) {
		if (p[-1] == '\n' && --lines == 0)
			break;
		p--;
	}
	return p;
}

static void print_summary(const struct kern_verifier *v, const char *tail, size_t tail_len)
{
	fprintf(stderr, "verifier: program '%s' rejected\n", v->program);
	if (v->insn >= 0)
		fprintf(stderr, "  insn:    %lld: %s\n", (long long)v->insn,
			v->insn_text[0] ? v->insn_text : "?");
	if (v->file)
		fprintf(stderr, "  source:  %s:%u: %s\n", v->file, v->line,
			v->line_text ? v->line_text : "");
	fprintf(stderr, "  message: %s\n", v->message ? v->message : "(none)");
	if (v->hint)
		fprintf(stderr, "  hint:    %s\n", v->hint);
	fprintf(stderr, "last lines of the verifier log:\n%.*s\n", (int)tail_len, tail);
}

static int write_log(struct cli_ctx *ctx, const char *path, const struct kern_verifier *v)
{
	FILE *f = fopen(path, "w");

	if (!f || fwrite(v->log, 1, v->log_len, f) != v->log_len) {
		if (f)
			fclose(f);
		return cli_error(ctx, "--log %s: %s", path, strerror(errno));
	}
	if (fclose(f))
		return cli_error(ctx, "--log %s: %s", path, strerror(errno));
	return 0;
}

static int report_rejection(struct cli_ctx *ctx, const struct kern_load_result *r,
			    const struct load_args *a, const struct errmsg *err)
{
	const struct kern_verifier *v = r->rejected;
	const char *tail = log_tail(v->log, v->log_len, LOG_TAIL_LINES);
	size_t tail_len = v->log_len - (size_t)(tail - v->log);
	char *tail_copy;

	while (tail_len && tail[tail_len - 1] == '\n')
		tail_len--;
	if (!ctx->json)
		print_summary(v, tail, tail_len);
	if (a->log_file && write_log(ctx, a->log_file, v))
		return EXIT_ERR;
	cli_error(ctx, "%s%s", err->msg, a->log_file ? "" : " (--log FILE keeps the whole log)");
	if (!ctx->json)
		return EXIT_ERR;
	/* {"error": ..., "verifier": {...}} replaces the plain error document */
	tail_copy = strndup(tail, tail_len);
	out_object_begin(ctx->out, NULL, NULL);
	out_str(ctx->out, "error", NULL, err->msg);
	out_object_begin(ctx->out, "verifier", NULL);
	out_str(ctx->out, "program", NULL, v->program);
	if (v->insn >= 0)
		out_s64(ctx->out, "insn", NULL, v->insn);
	else
		out_null(ctx->out, "insn", NULL);
	out_str(ctx->out, "insn_text", NULL, v->insn_text[0] ? v->insn_text : NULL);
	if (v->file) {
		char src[4200];

		snprintf(src, sizeof(src), "%s:%u", v->file, v->line);
		out_str(ctx->out, "source", NULL, src);
	} else {
		out_null(ctx->out, "source", NULL);
	}
	out_str(ctx->out, "line", NULL, v->line_text);
	out_str(ctx->out, "message", NULL, v->message);
	out_str(ctx->out, "hint", NULL, v->hint);
	out_str(ctx->out, "log_tail", NULL, tail_copy ? tail_copy : "");
	out_object_end(ctx->out);
	out_object_end(ctx->out);
	free(tail_copy);
	return EXIT_ERR;
}

int cmd_load(struct cli_ctx *ctx, int argc, char **argv)
{
	struct load_args a = { 0 };
	struct kern_load_result r = { 0 };
	struct load_attached la = { 0 };
	struct errmsg err = { 0 };
	struct bk_object *obj = NULL;
	char dir[4200];
	int ret;

	ret = parse_args(ctx, argc, argv, &a);
	if (ret)
		goto out;
	/* libbpf's warnings repeat what the summary says (once per log-growing retry): -d */
	cli_libbpf_offline();
	ret = cli_open_object(ctx, a.obj, &obj);
	if (ret)
		goto out;
	a.o.source_path = a.obj;
	if (a.pin && !a.o.pin_dir) {
		/* the object's name, as libbpf names it: the file name up to its first '.' */
		snprintf(dir, sizeof(dir), "/sys/fs/bpf/%s", obj->obj_name[0] ? obj->obj_name : "obj");
		a.o.pin_dir = dir;
	}
	if (kern_load(obj, &a.o, &r, &err)) {
		if (r.rejected)
			ret = report_rejection(ctx, &r, &a, &err);
		else if (r.usage)
			ret = cli_usage_error(ctx, "%s", err.msg);
		else
			ret = cli_errmsg(ctx, &err);
		goto out;
	}
	if (ctx->quiet)
		out_quiet(ctx->out);
	render_loaded(ctx, &r);
	if (a.attach) {
		ret = load_attach(ctx, r.obj, r.pin_dir, &la);
		if (ret) {
			load_attached_release(&la, true);
			goto out;
		}
	}
	out_object_end(ctx->out);
	if (a.attach && !r.pin_dir) {
		cli_info(ctx, "attached; Ctrl-C or SIGTERM detaches (--pin keeps them)");
		kern_trap_signals();
		while (!kern_stop)
			usleep(100 * 1000);
		cli_info(ctx, "detached");
	} else if (!r.pin_dir) {
		cli_info(ctx, "not pinned: nothing else holds these programs and maps, so they go away as bpfkit exits (--pin keeps them)");
	}
	ret = EXIT_OK;
out:
	load_attached_release(&la, false);
	kern_load_free(&r);
	bk_object_close(obj);
	free(a.programs);
	free(a.sets);
	free(a.reuse);
	return ret < 0 ? EXIT_OK : ret;
}

const struct cli_command cmd_load_def = {
	"load", cmd_load, NULL, "load an object's programs and maps into the kernel, pin them",
	"Usage: bpfkit load OBJ|@NAME [--pin [DIR]] [--program NAME]... [--type TYPE]\n"
	"                   [--set VAR=VALUE]... [--reuse-map NAME=PINPATH]... [--force]\n"
	"                   [--log FILE] [--attach]\n"
	"\n"
	"Loads every program of OBJ (or only those named with --program) and its maps. Without\n"
	"--pin nothing keeps them: they go away when bpfkit exits, and load says so; it still\n"
	"prints what was loaded (name, type, id, tag), which is how to test that an object loads\n"
	"(-q: only the exit code says it).\n"
	"With --pin, programs go to DIR/progs/NAME and maps to DIR/maps/NAME (default DIR:\n"
	"/sys/fs/bpf/<object name>; '.' in names becomes '_'); maps the object marks\n"
	"LIBBPF_PIN_BY_NAME go where libbpf puts them (/sys/fs/bpf/NAME), shared with any object\n"
	"that pins the same name. A manifest of what was created goes to\n"
	"/run/bpfkit/manifests/ ($BPFKIT_MANIFEST_DIR), so 'bpfkit unload DIR' removes exactly that.\n"
	"Pins are only made inside a bpffs mount, never through '..' or a symlink leading out of\n"
	"it, never over an existing pin without --force; on any failure every pin made is removed.\n"
	"When nothing is mounted at /sys/fs/bpf and DIR is under it, load mounts bpffs there.\n"
	"\n"
	"When the verifier refuses a program, load prints a summary (program, failing instruction\n"
	"and its disassembly, source file:line, the verifier's message, a hint), then the last\n"
	"lines of the log, and exits 1. With --json the document is {\"error\", \"verifier\":\n"
	"{\"program\", \"insn\", \"insn_text\", \"source\", \"line\", \"message\", \"hint\", \"log_tail\"}}.\n"
	"\n"
	"Options:\n"
	"      --pin[=DIR]      pin programs and maps under DIR (a bpffs directory); DIR may also\n"
	"                       follow --pin as a separate word when OBJ is given too\n"
	"      --program NAME   load only this program (repeatable); the others are skipped\n"
	"      --type TYPE      load the programs as TYPE (xdp, sched_cls, raw_tracepoint, ...)\n"
	"      --set VAR=VALUE  set a .rodata/.data/.bss global before load, parsed by its BTF\n"
	"                       type: integers (decimal, 0x hex), true/false, enum names,\n"
	"                       strings for char arrays, hex bytes for anything else\n"
	"      --reuse-map NAME=PINPATH\n"
	"                       use the pinned map at PINPATH as the object's map NAME\n"
	"  -f, --force          replace existing pins; add to a DIR an earlier load pinned into\n"
	"                       (its manifest then lists both)\n"
	"      --log FILE       write the whole verifier log to FILE when a program is refused\n"
	"      --attach         attach every program by its section name, as libbpf does\n"
	"                       (tp/..., raw_tp/..., uprobe/BIN:FUNC, ...; sections that name no\n"
	"                       attach point, like xdp or tc, are skipped with a message). With\n"
	"                       --pin the links go to DIR/links/PROG ('bpfkit detach PATH' takes\n"
	"                       one back); without, load stays until Ctrl-C or SIGTERM, then\n"
	"                       detaches. The document gains \"attached\": [{name, attach_point,\n"
	"                       link_id, pinned}]\n",
	0
};
