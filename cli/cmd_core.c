/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * bpfkit core check OBJ [--btf FILE|DIR]... [--kernel]: will this object's CO-RE
 * relocations resolve on these kernels? Each target BTF (a btfhub file, a directory of them,
 * the running kernel) gets the libbpf treatment without loading anything: candidate types,
 * field matching, agreement between candidates. Exit 1 when any relocation fails anywhere.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <bpf/btf.h>

#include "btf_ext.h"
#include "cli.h"
#include "core.h"
#include "inspect_views.h"
#include "object.h"

#define KERNEL_BTF	"/sys/kernel/btf/vmlinux"
#define DIR_DEPTH	16

struct target {
	char *path;		/* NULL: the running kernel */
	struct core_result res;
	char *error;		/* the target could not be read */
	bool failed;
};

struct check {
	struct target *targets;
	size_t nr;
};

static int add_target(struct check *c, const char *path)
{
	struct target *t = realloc(c->targets, (c->nr + 1) * sizeof(*t));

	if (!t)
		return -ENOMEM;
	c->targets = t;
	memset(&t[c->nr], 0, sizeof(*t));
	if (path && !(t[c->nr].path = strdup(path)))
		return -ENOMEM;
	c->nr++;
	return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* Every *.btf regular file under dir, in name order; symlinked directories are not followed. */
static int add_dir(struct check *c, const char *dir, int depth)
{
	struct dirent **ents = NULL;
	int n, i, ret = 0;

	if (depth > DIR_DEPTH)
		return 0;
	n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0)
		return -errno;
	for (i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		struct stat st;
		char *path;

		if (ret || name[0] == '.' || asprintf(&path, "%s/%s", dir, name) < 0) {
			free(ents[i]);
			continue;
		}
		if (!lstat(path, &st) && S_ISDIR(st.st_mode))
			ret = add_dir(c, path, depth + 1);
		else if (!stat(path, &st) && S_ISREG(st.st_mode) && ends_with(name, ".btf"))
			ret = add_target(c, path);
		free(path);
		free(ents[i]);
	}
	free(ents);
	return ret;
}

static void check_free(struct check *c)
{
	for (size_t i = 0; i < c->nr; i++) {
		free(c->targets[i].path);
		free(c->targets[i].error);
		core_result_free(&c->targets[i].res);
	}
	free(c->targets);
}

/* Resolve against one target; a target that cannot be read is a failed target. */
static int run_target(const struct bext_object *obj, struct target *t)
{
	struct core_target *tg = NULL;
	struct errmsg err = { 0 };
	struct bk_btf btf = { 0 };
	int ret;

	ret = core_btf_load(t->path, &btf, &err);
	if (!ret)
		ret = core_target_new(btf.btf, &tg, &err);
	if (!ret)
		ret = core_analyze(obj->btf, obj->ext, tg, &t->res, &err);
	if (ret == -ENOMEM) {
		ret = -ENOMEM;
	} else if (ret) {
		t->error = strdup(err.msg);
		ret = t->error ? 0 : -ENOMEM;
	}
	t->failed = t->error || t->res.nr_poison || t->res.nr_error;
	core_target_free(tg);
	bk_btf__close(&btf);
	return ret;
}

static void show_targets(struct cli_ctx *ctx, const struct check *c)
{
	struct out *o = ctx->out;

	out_list_begin(o, "targets", "Targets");
	for (size_t i = 0; i < c->nr; i++) {
		const struct target *t = &c->targets[i];

		out_object_begin(o, NULL, NULL);
		out_str(o, "target", "TARGET", t->path ? t->path : KERNEL_BTF);
		out_str(o, "status", "STATUS", t->failed ? "FAIL" : "OK");
		out_u64(o, "ok", "OK", t->res.nr_ok);
		out_u64(o, "guarded", "GUARDED", t->res.nr_guarded);
		out_u64(o, "failed", "FAILED", t->res.nr_poison + t->res.nr_error);
		if (t->error)
			out_str(o, "error", "ERROR", t->error);
		else
			out_null(o, "error", "ERROR");
		out_object_end(o);
	}
	out_list_end(o);
}

static void show_failures(struct cli_ctx *ctx, const struct check *c)
{
	out_list_begin(ctx->out, "failures", "Failures");
	for (size_t i = 0; i < c->nr; i++) {
		const struct target *t = &c->targets[i];

		for (size_t j = 0; j < t->res.nr; j++) {
			const struct core_relo *r = &t->res.relos[j];

			if (r->status == CORE_POISON || r->status == CORE_ERROR)
				inspect_core_relo_out(ctx->out, r,
						      t->path ? t->path : KERNEL_BTF);
		}
	}
	out_list_end(ctx->out);
}

/* --btf operands: a file is a target as is, a directory contributes its *.btf files. */
static int collect_btf(struct cli_ctx *ctx, struct check *c, const char *path)
{
	struct stat st;
	size_t before = c->nr;
	int ret;

	if (stat(path, &st))
		return cli_error(ctx, "%s: %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return add_target(c, path) ? cli_error(ctx, "out of memory") : EXIT_OK;
	ret = add_dir(c, path, 0);
	if (ret)
		return cli_error(ctx, "%s: %s", path, strerror(-ret));
	if (c->nr == before)
		return cli_error(ctx, "%s: no *.btf files in this directory", path);
	return EXIT_OK;
}

static int core_check(struct cli_ctx *ctx, int argc, char **argv)
{
	enum { O_BTF = 0x200, O_KERNEL };
	static const struct option longopts[] = {
		{ "btf", required_argument, NULL, O_BTF },
		{ "kernel", no_argument, NULL, O_KERNEL },
		{ 0 }
	};
	const struct bext_object *code = NULL;
	struct bk_object *obj = NULL;
	struct errmsg err = { 0 };
	struct check c = { 0 };
	const char **btfs = NULL;
	size_t nr_btfs = 0, i, failed = 0;
	bool kernel = false;
	int opt, ret = EXIT_OK;

	btfs = calloc(argc ? argc : 1, sizeof(*btfs));
	if (!btfs)
		return cli_error(ctx, "out of memory");
	while ((opt = cli_getopt(ctx, argc, argv, "", longopts)) != -1) {
		switch (opt) {
		case O_BTF: btfs[nr_btfs++] = optarg; break;
		case O_KERNEL: kernel = true; break;
		case CLI_OPT_HELP: free(btfs); return EXIT_OK;
		default: free(btfs); return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		ret = cli_usage_error(ctx, "expected an object file; see 'bpfkit core check --help'");
	else if (optind + 1 < argc)
		ret = cli_usage_error(ctx, "unexpected argument '%s'", argv[optind + 1]);
	for (i = 0; !ret && i < nr_btfs; i++)
		ret = collect_btf(ctx, &c, btfs[i]);
	if (!ret && (kernel || !nr_btfs) && add_target(&c, NULL))
		ret = cli_error(ctx, "out of memory");
	if (!ret)
		ret = cli_open_object(ctx, argv[optind], &obj);
	if (!ret && bk_object_ext(obj, &code, &err))
		ret = cli_errmsg(ctx, &err);
	for (i = 0; !ret && i < c.nr; i++) {
		if (run_target(code, &c.targets[i]))
			ret = cli_error(ctx, "out of memory");
		failed += c.targets[i].failed;
	}
	if (!ret) {
		out_object_begin(ctx->out, NULL, NULL);
		out_str(ctx->out, "object", "object", argv[optind]);
		out_u64(ctx->out, "relocations", "relocations", code->ext ? code->ext->nr_relos : 0);
		out_str(ctx->out, "result", "result", failed ? "FAIL" : "OK");
		show_targets(ctx, &c);
		show_failures(ctx, &c);
		out_object_end(ctx->out);
		ret = failed ? EXIT_ERR : EXIT_OK;
	}
	bk_object_close(obj);
	check_free(&c);
	free(btfs);
	return ret;
}

static const struct cli_command core_verbs[] = {
	{ "check", core_check, NULL, "check CO-RE relocations against target kernels' BTF",
	  "Usage: bpfkit core check OBJ [--btf FILE|DIR]... [--kernel]\n"
	  "\n"
	  "Resolves every CO-RE relocation of every program in OBJ (a file, or @name of a\n"
	  "bundled program) against each target BTF the way libbpf does at load time, without\n"
	  "loading anything, and reports per target OK or FAIL with each failing relocation and\n"
	  "its reason. A relocation libbpf would poison counts as \"guarded\", not failed, when\n"
	  "it sits in code that an existence check (bpf_core_type_exists(), ..._field_exists())\n"
	  "resolving to 0 on that target branches over: the verifier drops that dead code.\n"
	  "Without --btf the running kernel is the target. Exit status 1 when any relocation\n"
	  "fails or a target cannot be read.\n"
	  "\n"
	  "Options:\n"
	  "  --btf FILE|DIR   target BTF: a raw BTF file (btfhub, /sys/kernel/btf/*), an ELF\n"
	  "                   file with .BTF, or a directory searched recursively for *.btf\n"
	  "  --kernel         also check against the running kernel (" KERNEL_BTF ")\n",
	  0 },
	{ 0 }
};

int cmd_core(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_dispatch(ctx, core_verbs, argc, argv);
}

const struct cli_command cmd_core_def = {
	"core", NULL, core_verbs, "check CO-RE relocations against target BTFs",
	"Usage: bpfkit core <verb> [options]\n"
	"\n"
	"Verbs:\n"
	"  check   resolve an object's CO-RE relocations against kernel BTF files\n"
	"\n"
	"Run 'bpfkit core check --help' for its options.\n",
	0
};
